//! Proof of work: the header hash, read as a big-endian number, must be at
//! most `2^256 / difficulty`; the difficulty is retargeted every
//! `retarget_interval` blocks towards the intended block time.

use crate::{block::Header, params::ChainParams};

/// Whether `hash` meets `difficulty` (expected hashes per block). Compares
/// the leading 64 bits with `u64::MAX / difficulty`, which is exact to one
/// part in 2^64 / difficulty: ample for any difficulty a chain reaches.
pub fn meets_target(hash: &[u8; 32], difficulty: u64) -> bool {
    if difficulty == 0 {
        return false;
    }
    let lead = u64::from_be_bytes(hash[..8].try_into().expect("8 bytes"));
    lead <= u64::MAX / difficulty
}

/// The difficulty of the block after one at `parent_height` with
/// `parent_difficulty`. At each multiple of the retarget interval the new
/// difficulty is the old one scaled by intended / actual time of the last
/// interval (`span`, seconds between the first and last block of it),
/// clamped to a factor of 4 either way.
pub fn next_difficulty(
    params: &ChainParams,
    parent_height: u64,
    parent_difficulty: u64,
    span: impl FnOnce() -> u64,
) -> u64 {
    let height = parent_height.saturating_add(1);
    if height == 1 {
        return params.initial_difficulty;
    }
    if params.retarget_interval < 2 || height % params.retarget_interval != 0 {
        return parent_difficulty;
    }
    let intended = u128::from(params.target_block_time) * u128::from(params.retarget_interval - 1);
    let actual = u128::from(span().max(1));
    let scaled =
        u64::try_from(u128::from(parent_difficulty) * intended / actual).unwrap_or(u64::MAX);
    scaled
        .clamp(parent_difficulty / 4, parent_difficulty.saturating_mul(4))
        .max(1)
}

/// Searches nonces from the header's until the hash meets its difficulty.
/// Returns the number of hashes tried.
pub fn mine(header: &mut Header) -> u64 {
    let mut tries = 0;
    loop {
        tries += 1;
        if meets_target(&header.hash(), header.difficulty) {
            return tries;
        }
        header.nonce = header.nonce.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_and_retarget() {
        let mut h = [0xffu8; 32];
        assert!(meets_target(&h, 1));
        assert!(!meets_target(&h, 2));
        h[0] = 0x7f;
        assert!(meets_target(&h, 2));
        assert!(!meets_target(&h, 0));
        let p = ChainParams::devnet();
        let intended = p.target_block_time * (p.retarget_interval - 1);
        // Blocks came twice as fast: difficulty doubles.
        assert_eq!(
            next_difficulty(&p, p.retarget_interval - 1, 100, || intended / 2),
            200
        );
        // Ten times slower: clamped to a quarter.
        assert_eq!(
            next_difficulty(&p, p.retarget_interval - 1, 100, || intended * 10),
            25
        );
        // Between retargets: unchanged, and the span is not even asked for.
        assert_eq!(next_difficulty(&p, 3, 100, || unreachable!()), 100);
    }
}
