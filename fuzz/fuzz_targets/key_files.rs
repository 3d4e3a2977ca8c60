//! Verifying and proving key files in checked mode: any bytes give a key or a
//! typed error. Input: a mode byte (bit 0: verifying or proving key; bit 1:
//! repair the header's length and checksum first, so the fuzzer reaches the
//! point decoder behind them), then the file.
#![no_main]

use ark_serialize::{Compress, Validate};
use blake2::{digest::consts::U32, Blake2b, Digest};
use libfuzzer_sys::fuzz_target;
use superzk_keys::params::{
    proving_key_from_bytes, verifying_key_from_bytes, verifying_key_to_bytes,
};

/// Magic, version, circuit, compression, fingerprint, checksum, length.
const HEADER_LEN: usize = 4 + 1 + 1 + 1 + 32 + 32 + 8;

fn repair_header(file: &mut [u8]) {
    if file.len() < HEADER_LEN {
        return;
    }
    let payload_len = (file.len() - HEADER_LEN) as u64;
    let checksum = Blake2b::<U32>::digest(&file[HEADER_LEN..]);
    file[39..71].copy_from_slice(&checksum);
    file[71..79].copy_from_slice(&payload_len.to_le_bytes());
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut file = rest.to_vec();
    if mode & 2 != 0 {
        repair_header(&mut file);
    }
    if mode & 1 == 0 {
        if let Ok(vp) = verifying_key_from_bytes(&file) {
            for compress in [Compress::Yes, Compress::No] {
                let again = verifying_key_from_bytes(&verifying_key_to_bytes(&vp, compress))
                    .expect("a key this build wrote reads back");
                assert_eq!(again.fingerprint, vp.fingerprint);
                assert_eq!(again.kind, vp.kind);
            }
        }
    } else {
        let _ = proving_key_from_bytes(&file, Validate::Yes);
    }
});
