//! Blocks and block files (chain-core): any bytes give a block or a typed
//! error; what decodes is canonical (re-encodes to the same bytes, so a block
//! hash and the transaction ids commit to exactly what was read); and the
//! hashes and roots a validator computes before any state is touched run on
//! it without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use superzk_chain_core::block::{
    block_file_bytes, body_root, read_block_file, tx_root, votes_root, Block,
};

fn exercise(block: &Block) {
    let _ = block.hash();
    let _ = tx_root(&block.txs);
    let _ = body_root(&block.txs);
    let _ = votes_root(&block.votes, &block.late_votes);
    for tx in &block.txs {
        let _ = tx.auth_message(&[7; 32]);
    }
}

fuzz_target!(|data: &[u8]| {
    // A block file ("SZKB", version, block) or the bare block encoding.
    if let Ok((chain_id, block)) = read_block_file(data) {
        assert_eq!(
            block_file_bytes(&chain_id, &block),
            data,
            "block file is not canonical"
        );
        exercise(&block);
    }
    if let Ok(block) = Block::from_bytes(data) {
        assert_eq!(block.to_bytes(), data, "block encoding is not canonical");
        exercise(&block);
    }
});
