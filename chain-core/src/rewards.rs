//! The reward split: per block 5/8 to the miner, 2/8 shared by the tickets
//! that voted, 1/8 shared by the StakingNodes that voted for them (the
//! seed's example: 72 = 45 + 18 + 9), of the full reward at that height.
//!
//! Two curves scale the shares (the seeds' economics, docs/PROTOCOL.md):
//! the PoW share by the block's difficulty against the difficulty that
//! earns it in full, capped per halving era (SERO burned 68.38 million
//! coins "due to insufficient computing power"); the PoS shares by the
//! mature pool against the pool that earns them in full. What a block does
//! not pay is burned: shares of votes cast without a StakingNode, of missing
//! votes, the curves' shortfall and rounding remainders. So the full
//! schedule stays an upper bound and every unit is accounted for.
//!
//! A late vote (a drawn ticket's vote for the parent, carried by the next
//! block) earns 2/3 of the parent's per-vote shares, paid by the block that
//! carries it; the parent burned those shares when the vote was missing.

use crate::params::RewardCurves;

/// How one block's reward is divided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// The miner's share (fees come on top).
    pub miner: u64,
    /// Each voting ticket's share.
    pub per_voter: u64,
    /// Each vote's StakingNode share (burned when no node voted).
    pub per_node: u64,
    /// Burned: missing votes' shares, the curves' shortfall and rounding.
    pub burned: u64,
}

fn scale(amount: u64, (num, den): (u64, u64)) -> u64 {
    if den == 0 {
        return 0;
    }
    // num <= den is the callers' contract; min() keeps the result <= amount.
    (u128::from(amount) * u128::from(num.min(den)) / u128::from(den)) as u64
}

/// The split of `reward` (the full reward at the height) scaled by `curves`
/// among `votes` voting tickets out of `slots` drawn, of which `via_node`
/// voted through a StakingNode. `votes <= slots` and `via_node <= votes`.
pub fn split(
    reward: u64,
    curves: RewardCurves,
    slots: usize,
    votes: usize,
    via_node: usize,
) -> Split {
    let miner_full = reward / 8 * 5 + reward % 8 * 5 / 8;
    let voters_full = reward / 8 * 2 + reward % 8 * 2 / 8;
    let nodes_full = reward - miner_full - voters_full;
    let miner = scale(miner_full, curves.pow).min(curves.pow_cap);
    let (per_voter, per_node) = match slots as u64 {
        0 => (0, 0),
        n => (
            scale(voters_full, curves.pos) / n,
            scale(nodes_full, curves.pos) / n,
        ),
    };
    let votes = votes.min(slots) as u64;
    let via_node = via_node.min(slots) as u64;
    // Each term is at most its full share, so the sum is at most `reward`.
    let paid = miner + per_voter * votes + per_node * via_node;
    Split {
        miner,
        per_voter,
        per_node,
        burned: reward - paid,
    }
}

/// What a late vote earns: 2/3 of the parent's per-vote share (and of its
/// node share, when cast through a StakingNode).
pub fn late_share(share: u64) -> u64 {
    share / 3 * 2 + share % 3 * 2 / 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_example_72_is_45_18_9() {
        let full = RewardCurves::FULL;
        let s = split(72, full, 3, 3, 3);
        assert_eq!(s.miner, 45);
        assert_eq!(s.per_voter * 3, 18);
        assert_eq!(s.per_node * 3, 9);
        assert_eq!(s.burned, 0);
        // One vote without a node: its node share (3) is burned.
        assert_eq!(split(72, full, 3, 3, 2).burned, 3);
        // A drawn ticket that did not vote: its 6 + 3 are burned.
        assert_eq!(split(72, full, 3, 2, 2).burned, 9);
        // No draw at all (bootstrap): the PoS 3/8 is burned.
        assert_eq!(
            split(72, full, 0, 0, 0),
            Split {
                miner: 45,
                per_voter: 0,
                per_node: 0,
                burned: 27
            }
        );
        // Nothing is created or lost, whatever the reward and curves.
        for r in [0u64, 1, 7, 8, 71, 73, 1_000_003, u64::MAX] {
            for curves in [
                full,
                RewardCurves {
                    pow: (1, 3),
                    pos: (2, 7),
                    pow_cap: 5,
                },
            ] {
                let s = split(r, curves, 3, 2, 1);
                assert_eq!(
                    u128::from(s.miner)
                        + 2 * u128::from(s.per_voter)
                        + u128::from(s.per_node)
                        + u128::from(s.burned),
                    u128::from(r)
                );
            }
        }
    }

    #[test]
    fn curves_burn_the_shortfall() {
        // Half the difficulty that earns the full PoW share: 22 of 45 paid
        // (45/2 rounded down), the rest burned.
        let half_pow = RewardCurves {
            pow: (8, 16),
            pos: (1, 1),
            pow_cap: u64::MAX,
        };
        let s = split(72, half_pow, 3, 3, 3);
        assert_eq!((s.miner, s.per_voter, s.per_node), (22, 6, 3));
        assert_eq!(s.burned, 23);
        // The cap binds: 17.8 coins after the first halving (36 coins full).
        let capped = RewardCurves {
            pow: (1, 1),
            pos: (1, 1),
            pow_cap: 17_800_000,
        };
        assert_eq!(split(36_000_000, capped, 3, 3, 3).miner, 17_800_000);
        // A third of the participation that earns the PoS shares in full.
        let low_pool = RewardCurves {
            pow: (1, 1),
            pos: (2, 6),
            pow_cap: u64::MAX,
        };
        let s = split(72, low_pool, 3, 3, 3);
        assert_eq!((s.miner, s.per_voter, s.per_node), (45, 2, 1));
        assert_eq!(s.burned, 72 - 45 - 6 - 3);
    }

    #[test]
    fn a_late_vote_earns_two_thirds() {
        assert_eq!(late_share(6), 4);
        assert_eq!(late_share(3), 2);
        assert_eq!(late_share(0), 0);
        assert_eq!(late_share(u64::MAX), u64::MAX / 3 * 2);
    }
}
