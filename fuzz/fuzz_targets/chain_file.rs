//! Chain files ("SZKC", as `superzk chain export` writes them): any bytes give
//! a chain file or a typed error, and what decodes re-encodes to the same
//! bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use superzk_chain_core::block::ChainFile;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = ChainFile::from_bytes(data) else {
        return;
    };
    assert_eq!(
        file.to_bytes(),
        data,
        "chain file encoding is not canonical"
    );
    for block in &file.blocks {
        let _ = block.hash();
    }
});
