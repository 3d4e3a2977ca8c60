//! Chain parameters: every period, price and reward of the chain in one
//! type, with a mainnet-like profile (the seed documents' figures) and a
//! devnet profile with short periods for tests and the demo.

/// Base units per coin.
pub const COIN: u64 = 1_000_000;

/// Everything consensus depends on besides the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainParams {
    /// Profile name, written into exported chain files.
    pub name: &'static str,
    /// Tickets drawn to vote on each block.
    pub voters_per_block: usize,
    /// Votes a block needs once the pool holds at least `large_pool` tickets.
    pub min_votes_large_pool: usize,
    /// Votes a block needs while the pool is smaller (but can fill a draw).
    pub min_votes_small_pool: usize,
    /// Mature tickets from which a pool counts as large.
    pub large_pool: u64,
    /// Ticket price in base units: `base + pool * slope_num / slope_den`.
    pub ticket_base_price: u64,
    /// Numerator of the per-ticket price slope.
    pub ticket_slope_num: u128,
    /// Denominator of the per-ticket price slope.
    pub ticket_slope_den: u128,
    /// Most tickets one purchase may buy.
    pub max_tickets_per_tx: u32,
    /// Blocks before a bought ticket may be drawn.
    pub ticket_maturity: u64,
    /// Blocks a mature ticket waits to be drawn before it expires.
    pub ticket_expiry: u64,
    /// StakingNode pledge in base units.
    pub staking_pledge: u64,
    /// Blocks after registration before a StakingNode may withdraw.
    pub staking_min_lock: u64,
    /// Share of its drawn votes (percent) a StakingNode must cast per
    /// settlement period to keep its rewards of that period.
    pub staking_min_vote_rate_pct: u64,
    /// Drawn votes a StakingNode must have had in a period before its vote
    /// rate is judged.
    pub staking_min_sample: u64,
    /// PoS rewards and returned stakes are paid at heights divisible by this.
    pub settlement_interval: u64,
    /// Block reward at height 1, in base units.
    pub initial_reward: u64,
    /// Blocks between halvings of the reward.
    pub halving_interval: u64,
    /// Intended seconds between blocks.
    pub target_block_time: u64,
    /// Blocks between difficulty retargets.
    pub retarget_interval: u64,
    /// Difficulty of the first block after genesis (expected hashes per block).
    pub initial_difficulty: u64,
    /// How many blocks back a spend's anchor may be.
    pub anchor_window: u64,
    /// Blocks whose median time a new block must exceed (median-time-past).
    pub median_time_blocks: usize,
    /// Seconds a block's time may lie ahead of the validating node's clock.
    pub max_future_drift: u64,
    /// Blocks after registration before a StakingNode's pledge can return
    /// (the seed's "30 days since registration").
    pub staking_min_age: u64,
    /// Difficulty from which the PoW share of the reward is paid in full;
    /// below it the share shrinks in proportion and the shortfall is burned.
    pub full_reward_difficulty: u64,
    /// Most the PoW share may pay per halving era (era 0 first); later eras
    /// halve the last entry. Mainnet: 45 coins, then SERO's 17.8.
    pub pow_reward_caps: &'static [u64],
    /// Mature tickets from which the PoS shares are paid in full; a smaller
    /// pool earns them in proportion and the rest is burned.
    pub full_participation_pool: u64,
}

/// The scaling of one block's reward shares (see
/// [`ChainParams::reward_curves`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewardCurves {
    /// PoW share paid = full share × `pow.0 / pow.1`.
    pub pow: (u64, u64),
    /// PoS shares paid = full shares × `pos.0 / pos.1`.
    pub pos: (u64, u64),
    /// The most the PoW share pays.
    pub pow_cap: u64,
}

impl RewardCurves {
    /// Full reward: full difficulty and participation, no cap.
    pub const FULL: RewardCurves = RewardCurves {
        pow: (1, 1),
        pos: (1, 1),
        pow_cap: u64::MAX,
    };
}

const DAY_BLOCKS_14S: u64 = 86_400 / 14;

impl ChainParams {
    /// The seed documents' figures: 3 voters (2 required from a pool of
    /// 20,000), SERO's linear ticket price, a 200,000-coin pledge locked
    /// about 180 days, tickets expiring after 198,720 blocks (about 30
    /// days), 5/8-2/8-1/8 rewards halving every 8,294,400
    /// blocks, weekly settlement every 42,336 blocks.
    pub fn mainnet() -> Self {
        Self {
            name: "mainnet",
            voters_per_block: 3,
            min_votes_large_pool: 2,
            min_votes_small_pool: 1,
            large_pool: 20_000,
            ticket_base_price: 2 * COIN,
            // 0.000759357240838722 coin per ticket in the pool.
            ticket_slope_num: 759_357_240_838_722,
            ticket_slope_den: 1_000_000_000_000_000_000 / COIN as u128,
            max_tickets_per_tx: 1000,
            ticket_maturity: 512,
            ticket_expiry: 198_720,
            staking_pledge: 200_000 * COIN,
            staking_min_lock: 180 * DAY_BLOCKS_14S,
            staking_min_vote_rate_pct: 80,
            staking_min_sample: 20,
            settlement_interval: 42_336,
            initial_reward: 72 * COIN,
            halving_interval: 8_294_400,
            target_block_time: 14,
            retarget_interval: 2016,
            initial_difficulty: 1 << 32,
            anchor_window: 10_000,
            median_time_blocks: 11,
            max_future_drift: 2 * 60 * 60,
            staking_min_age: 30 * DAY_BLOCKS_14S,
            // About the network SERO needed for its full reward at 14 s blocks.
            full_reward_difficulty: 1 << 40,
            pow_reward_caps: &[45 * COIN, 17_800_000],
            full_participation_pool: 20_000,
        }
    }

    /// The public test network: mainnet's rules and prices with periods a
    /// tester can watch (tickets mature in 64 blocks, settle every 720,
    /// StakingNodes lock a day) and a proof of work a CPU can mine.
    pub fn testnet() -> Self {
        Self {
            name: "testnet",
            large_pool: 64,
            ticket_maturity: 64,
            ticket_expiry: 4_096,
            staking_min_lock: DAY_BLOCKS_14S,
            staking_min_sample: 8,
            settlement_interval: 720,
            retarget_interval: 144,
            initial_difficulty: 1 << 20,
            anchor_window: 1_000,
            staking_min_age: DAY_BLOCKS_14S,
            full_reward_difficulty: 1 << 24,
            full_participation_pool: 64,
            ..Self::mainnet()
        }
    }

    /// Short periods for tests and the demo: tickets mature in 2 blocks and
    /// expire after 40, settlement every 8 blocks, easy PoW.
    pub fn devnet() -> Self {
        Self {
            name: "devnet",
            voters_per_block: 3,
            min_votes_large_pool: 2,
            min_votes_small_pool: 1,
            large_pool: 6,
            ticket_base_price: 2 * COIN,
            ticket_slope_num: 1,
            ticket_slope_den: 2, // half a base unit per ticket: visible in tests
            max_tickets_per_tx: 1000,
            ticket_maturity: 2,
            ticket_expiry: 40,
            staking_pledge: 1_000 * COIN,
            staking_min_lock: 10,
            staking_min_vote_rate_pct: 80,
            staking_min_sample: 4,
            settlement_interval: 8,
            initial_reward: 72 * COIN,
            halving_interval: 1_000,
            target_block_time: 10,
            retarget_interval: 10,
            initial_difficulty: 16,
            anchor_window: 100,
            median_time_blocks: 11,
            max_future_drift: 2 * 60 * 60,
            staking_min_age: 4,
            full_reward_difficulty: 16,
            pow_reward_caps: &[45 * COIN, 17_800_000],
            full_participation_pool: 6,
        }
    }

    /// The profile called `name`.
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "mainnet" => Some(Self::mainnet()),
            "devnet" => Some(Self::devnet()),
            "testnet" => Some(Self::testnet()),
            _ => None,
        }
    }

    /// The full block reward at `height` (halving every
    /// `halving_interval` blocks): what a block earns at full difficulty and
    /// full participation, before [`Self::reward_curves`].
    pub fn block_reward(&self, height: u64) -> u64 {
        let halvings = height / self.halving_interval.max(1);
        if halvings >= 64 {
            0
        } else {
            self.initial_reward >> halvings
        }
    }

    /// The most the PoW share may pay at `height`: the era's cap, the last
    /// listed cap halving in every later era.
    pub fn pow_reward_cap(&self, height: u64) -> u64 {
        let era = height / self.halving_interval.max(1);
        let last = self.pow_reward_caps.len().saturating_sub(1) as u64;
        let Some(&cap) = self.pow_reward_caps.get(era.min(last) as usize) else {
            return u64::MAX;
        };
        let extra = era.saturating_sub(last);
        if extra >= 64 {
            0
        } else {
            cap >> extra
        }
    }

    /// The fractions of the full reward a block earns: the PoW share scaled
    /// by `difficulty / full_reward_difficulty` (at most 1), the PoS shares
    /// by `mature_pool / full_participation_pool` (at most 1), the PoW share
    /// capped by [`Self::pow_reward_cap`]. Returned as
    /// `(numerator, denominator)` pairs for exact integer arithmetic.
    pub fn reward_curves(&self, height: u64, difficulty: u64, mature_pool: u64) -> RewardCurves {
        RewardCurves {
            pow: (
                difficulty.min(self.full_reward_difficulty),
                self.full_reward_difficulty.max(1),
            ),
            pos: (
                mature_pool.min(self.full_participation_pool),
                self.full_participation_pool.max(1),
            ),
            pow_cap: self.pow_reward_cap(height),
        }
    }

    /// Price of the next ticket when `pool` tickets are in the pool or
    /// bought earlier in the same block.
    pub fn ticket_price(&self, pool: u64) -> u64 {
        let slope = pool as u128 * self.ticket_slope_num / self.ticket_slope_den;
        self.ticket_base_price
            .saturating_add(u64::try_from(slope).unwrap_or(u64::MAX))
    }

    /// Votes a block must carry when `mature` tickets could be drawn.
    pub fn required_votes(&self, mature: u64) -> usize {
        if mature < self.voters_per_block as u64 {
            0
        } else if mature >= self.large_pool {
            self.min_votes_large_pool
        } else {
            self.min_votes_small_pool
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reward_halves_and_price_rises_linearly() {
        let p = ChainParams::mainnet();
        assert_eq!(p.block_reward(1), 72 * COIN);
        assert_eq!(p.block_reward(8_294_400), 36 * COIN);
        assert_eq!(p.block_reward(2 * 8_294_400), 18 * COIN);
        assert_eq!(p.ticket_price(0), 2 * COIN);
        // 10,000 tickets in the pool: 2 + 7.59357 coins.
        assert_eq!(p.ticket_price(10_000), 2 * COIN + 7_593_572);
        assert!(p.ticket_price(20_000) > p.ticket_price(10_000));
        assert_eq!(p.required_votes(2), 0);
        assert_eq!(p.required_votes(100), 1);
        assert_eq!(p.required_votes(20_000), 2);
    }

    #[test]
    fn pow_cap_is_the_seeds_then_halves() {
        let p = ChainParams::mainnet();
        assert_eq!(p.pow_reward_cap(0), 45 * COIN);
        assert_eq!(p.pow_reward_cap(8_294_400), 17_800_000);
        assert_eq!(p.pow_reward_cap(2 * 8_294_400), 8_900_000);
        assert_eq!(p.pow_reward_cap(u64::MAX), 0);
        let c = p.reward_curves(1, p.full_reward_difficulty * 2, 5);
        assert_eq!(c.pow, (p.full_reward_difficulty, p.full_reward_difficulty));
        assert_eq!(c.pos, (5, 20_000));
    }
}
