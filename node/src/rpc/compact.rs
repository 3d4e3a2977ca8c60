//! Compact blocks: what a light wallet scans instead of whole blocks. Per
//! shielded transaction only its nullifiers (to see its own notes spent)
//! and, per output, the note commitment, the ephemeral key and the part of
//! the ciphertext that trial decryption needs: proofs, value commitments
//! and memos stay on the node. A wallet that finds a note of its own asks
//! for the full block.

use ark_serialize::CanonicalDeserialize;
use superzk_chain_core::{block::Block, tx::ChainTx};
use superzk_circuits::tree::CommitmentTree;
use superzk_keys::{note_plaintext::NOTE_PLAINTEXT_LEN, spending_key::encode_field};
use superzk_verifier::transaction::{OutputDescription, Transaction};

use crate::{
    error::NodeError,
    node::Node,
    proto::{CompactBlock, CompactOutput, CompactSpend, CompactTx},
};

/// Bytes of a note ciphertext a compact output keeps: the start of the
/// note plaintext, i.e. its lead byte (1), diversifier (11), owner (32),
/// asset (32), value (8), rho (32) and rcm (32). That is enough to decrypt
/// with the stream cipher and recompute the note commitment; the rest (the
/// asset info and the memo, and the AEAD tag) is not needed to find a note.
pub const COMPACT_NOTE_CIPHERTEXT_LEN: usize = 148;

/// Length of a note ciphertext: the plaintext and a 16-byte AEAD tag.
/// Any other length is a package ciphertext, kept whole.
pub const NOTE_CIPHERTEXT_LEN: usize = NOTE_PLAINTEXT_LEN + 16;

// Checked when compiling: the cut is exactly the plaintext fields listed
// above (lead, diversifier, owner, asset, value, rho, rcm), and it is
// shorter than a note ciphertext, so `compact_ciphertext` never slices
// past the end.
const _: () = assert!(COMPACT_NOTE_CIPHERTEXT_LEN == 1 + 11 + 32 + 32 + 8 + 32 + 32);
const _: () = assert!(COMPACT_NOTE_CIPHERTEXT_LEN < NOTE_CIPHERTEXT_LEN);

/// The part of `ciphertext` a compact output carries: the first
/// [`COMPACT_NOTE_CIPHERTEXT_LEN`] bytes of a note ciphertext, or the
/// whole ciphertext of a package.
pub fn compact_ciphertext(ciphertext: &[u8]) -> &[u8] {
    if ciphertext.len() == NOTE_CIPHERTEXT_LEN {
        &ciphertext[..COMPACT_NOTE_CIPHERTEXT_LEN]
    } else {
        ciphertext
    }
}

/// The compact form of `block`, with `tree_size` the size of the note
/// commitment tree after it. Transactions that are not shielded carry no
/// notes and are left out (their indexes keep their place in the block).
pub fn compact_block(block: &Block, tree_size: u64) -> CompactBlock {
    let txs = block
        .txs
        .iter()
        .enumerate()
        .filter_map(|(index, tx)| match tx {
            ChainTx::Shielded(s) => Some(compact_tx(index, tx.id(), &s.tx)),
            _ => None,
        })
        .collect();
    CompactBlock {
        height: block.header.height,
        hash: block.hash().to_vec(),
        parent: block.header.parent.to_vec(),
        time: block.header.time,
        tree_size,
        txs,
    }
}

/// The compact form of the shielded transaction `tx`, at `index` in its
/// block, with `txid` its chain transaction id.
pub fn compact_tx(index: usize, txid: [u8; 32], tx: &Transaction) -> CompactTx {
    CompactTx {
        // A block holds far fewer than 2^32 transactions (its size is
        // bounded by the decoder), so this never saturates in practice.
        index: u32::try_from(index).unwrap_or(u32::MAX),
        txid: txid.to_vec(),
        spends: tx
            .all_spends()
            .map(|s| CompactSpend {
                nullifier: encode_field(&s.nullifier).to_vec(),
            })
            .collect(),
        outputs: tx.all_outputs().map(compact_output).collect(),
    }
}

fn compact_output(o: &OutputDescription) -> CompactOutput {
    CompactOutput {
        cm: encode_field(&o.cm).to_vec(),
        epk: o.epk.to_vec(),
        ciphertext: compact_ciphertext(&o.enc_ciphertext).to_vec(),
    }
}

/// The note commitment tree after block `height`, and its canonical bytes.
pub fn tree_at(node: &Node, height: u64) -> Result<(CommitmentTree, Vec<u8>), NodeError> {
    let bytes = node.tree_state(height)?;
    let tree = CommitmentTree::deserialize_compressed(bytes.as_slice()).map_err(|e| {
        // The node wrote these bytes itself: unreadable means a damaged
        // store, not a bad request.
        NodeError::io(
            format!("tree frontier at height {height}"),
            std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        )
    })?;
    Ok((tree, bytes))
}

/// The compact blocks of the best chain from `start` to `end` inclusive
/// (the node keeps them cached: `compact_cache`).
pub fn compact_range(node: &Node, start: u64, end: u64) -> Result<Vec<CompactBlock>, NodeError> {
    node.compact_blocks(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_ciphertexts_are_cut_packages_kept() {
        let note: Vec<u8> = (0..NOTE_CIPHERTEXT_LEN).map(|i| i as u8).collect();
        assert_eq!(compact_ciphertext(&note), &note[..148]);
        let package = vec![7u8; NOTE_CIPHERTEXT_LEN + 40];
        assert_eq!(compact_ciphertext(&package), &package[..]);
        let short = vec![1u8; 10];
        assert_eq!(compact_ciphertext(&short), &short[..]);
    }

    fn fixture_block() -> (Block, Transaction) {
        let bytes = include_bytes!("../../../fixtures/transfer.tx");
        let tx = Transaction::from_bytes(bytes).expect("the transfer fixture decodes");
        let shielded = ChainTx::Shielded(Box::new(superzk_chain_core::tx::ShieldedTx {
            tx: tx.clone(),
            public: None,
        }));
        let header = superzk_chain_core::block::Header {
            version: superzk_chain_core::block::HEADER_VERSION,
            height: 7,
            parent: [9; 32],
            time: 1_700_000_100,
            difficulty: 1,
            tx_root: [0; 32],
            votes_root: [0; 32],
            state_root: [0; 32],
            nonce: 0,
        };
        let genesis = ChainTx::Genesis(vec![]);
        let block = Block {
            header,
            votes: vec![],
            late_votes: vec![],
            txs: vec![genesis, shielded],
        };
        (block, tx)
    }

    #[test]
    fn a_shielded_transfer_compacts_to_its_notes() {
        let (block, tx) = fixture_block();
        let c = compact_block(&block, 42);
        assert_eq!((c.height, c.time, c.tree_size), (7, 1_700_000_100, 42));
        assert_eq!(c.hash, block.hash().to_vec());
        assert_eq!(c.parent, vec![9; 32]);
        // Only the shielded transaction, at its place in the block.
        assert_eq!(c.txs.len(), 1);
        let ctx = &c.txs[0];
        assert_eq!(ctx.index, 1);
        assert_eq!(ctx.txid, block.txs[1].id().to_vec());
        let nfs: Vec<Vec<u8>> = tx
            .all_spends()
            .map(|s| encode_field(&s.nullifier).to_vec())
            .collect();
        assert!(!nfs.is_empty());
        let got: Vec<Vec<u8>> = ctx.spends.iter().map(|s| s.nullifier.clone()).collect();
        assert_eq!(got, nfs);
        let outputs: Vec<&OutputDescription> = tx.all_outputs().collect();
        assert!(!outputs.is_empty());
        assert_eq!(ctx.outputs.len(), outputs.len());
        for (co, o) in ctx.outputs.iter().zip(outputs) {
            assert_eq!(co.cm, encode_field(&o.cm).to_vec());
            assert_eq!(co.cm.len(), 32);
            assert_eq!(co.epk, o.epk.to_vec());
            assert_eq!(o.enc_ciphertext.len(), NOTE_CIPHERTEXT_LEN);
            assert_eq!(co.ciphertext.len(), COMPACT_NOTE_CIPHERTEXT_LEN);
            assert_eq!(
                co.ciphertext[..],
                o.enc_ciphertext[..COMPACT_NOTE_CIPHERTEXT_LEN]
            );
        }
    }
}
