//! The draw: which tickets vote on a block. Deterministic from the parent
//! block's hash, so every node draws the same before the block exists (as
//! Decred does; seeding with the block's own proof of work, as SERO does,
//! would let a miner grind nonces for a draw it likes). The generator is a
//! hash in counter mode with rejection sampling: no truncation bias.

use crate::codec::hash;

/// Draws `count` distinct indices below `pool_size` from `seed`.
pub fn draw_indices(seed: &[u8; 32], pool_size: u64, count: usize) -> Vec<u64> {
    let count = count.min(pool_size as usize);
    let mut chosen: Vec<u64> = Vec::with_capacity(count);
    // Largest multiple of pool_size that fits in u64: values at or above it
    // are rejected so every index is equally likely.
    let zone = u64::MAX - (u64::MAX % pool_size.max(1));
    let mut counter = 0u64;
    while chosen.len() < count {
        let block = hash(b"SuperZK_TktDraw_", &[seed, &counter.to_le_bytes()]);
        counter += 1;
        for chunk in block.chunks_exact(8) {
            let v = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            if v >= zone {
                continue;
            }
            let index = v % pool_size;
            if !chosen.contains(&index) && chosen.len() < count {
                chosen.push(index);
            }
        }
    }
    chosen
}

/// The draw seed of the block whose parent hash is `parent`.
pub fn draw_seed(parent: &[u8; 32]) -> [u8; 32] {
    hash(b"SuperZK_DrawSeed", &[parent])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_distinct_deterministic_and_spread() {
        let seed = draw_seed(&[7; 32]);
        let a = draw_indices(&seed, 10, 3);
        assert_eq!(a, draw_indices(&seed, 10, 3));
        assert_eq!(a.len(), 3);
        assert!(a.iter().all(|&i| i < 10));
        assert_ne!(a[0], a[1]);
        assert_eq!(draw_indices(&seed, 2, 3).len(), 2);
        assert!(draw_indices(&seed, 0, 3).is_empty());
        // Over many seeds each of 5 slots is drawn close to 3/5 of the time.
        let mut hits = [0u32; 5];
        for s in 0..3000u32 {
            for i in draw_indices(
                &draw_seed(
                    &[s as u8, (s >> 8) as u8, 1, 2]
                        .repeat(8)
                        .try_into()
                        .unwrap(),
                ),
                5,
                3,
            ) {
                hits[i as usize] += 1;
            }
        }
        for h in hits {
            assert!((1650..1950).contains(&h), "{hits:?}");
        }
    }
}
