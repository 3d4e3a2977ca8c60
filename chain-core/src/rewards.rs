//! The reward split: per block 5/8 to the miner, 2/8 shared by the tickets
//! that voted, 1/8 shared by the StakingNodes that voted for them; a vote
//! cast without a StakingNode burns its node share, and shares of missing
//! votes and rounding remainders are burned too (no one is paid for work
//! not done; the supply schedule stays an upper bound).

/// How one block's reward is divided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// The miner's share (fees come on top).
    pub miner: u64,
    /// Each voting ticket's share.
    pub per_voter: u64,
    /// Each vote's StakingNode share (burned when no node voted).
    pub per_node: u64,
    /// Burned: missing votes' shares and rounding remainders.
    pub burned: u64,
}

/// The split of `reward` among `votes` voting tickets out of `slots`
/// drawn, of which `via_node` voted through a StakingNode.
pub fn split(reward: u64, slots: usize, votes: usize, via_node: usize) -> Split {
    let miner = reward / 8 * 5 + reward % 8 * 5 / 8;
    let voters_total = reward / 8 * 2 + reward % 8 * 2 / 8;
    let nodes_total = reward - miner - voters_total;
    if slots == 0 {
        return Split {
            miner,
            per_voter: 0,
            per_node: 0,
            burned: voters_total + nodes_total,
        };
    }
    let per_voter = voters_total / slots as u64;
    let per_node = nodes_total / slots as u64;
    let paid = per_voter * votes as u64 + per_node * via_node as u64;
    Split {
        miner,
        per_voter,
        per_node,
        burned: voters_total + nodes_total - paid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_example_72_is_45_18_9() {
        let s = split(72, 3, 3, 3);
        assert_eq!(s.miner, 45);
        assert_eq!(s.per_voter * 3, 18);
        assert_eq!(s.per_node * 3, 9);
        assert_eq!(s.burned, 0);
        // One vote without a node: its node share (3) is burned.
        assert_eq!(split(72, 3, 3, 2).burned, 3);
        // A drawn ticket that did not vote: its 6 + 3 are burned.
        assert_eq!(split(72, 3, 2, 2).burned, 9);
        // No draw at all (bootstrap): the PoS 3/8 is burned.
        assert_eq!(
            split(72, 0, 0, 0),
            Split {
                miner: 45,
                per_voter: 0,
                per_node: 0,
                burned: 27
            }
        );
        // Nothing is created or lost, whatever the reward.
        for r in [0u64, 1, 7, 8, 71, 73, 1_000_003] {
            let s = split(r, 3, 2, 1);
            assert_eq!(s.miner + 2 * s.per_voter + s.per_node + s.burned, r);
        }
    }
}
