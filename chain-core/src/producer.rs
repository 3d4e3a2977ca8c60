//! Making blocks: the genesis block, and a block template filled the way a
//! miner does it — draw the voters, collect their votes, write the coinbase
//! from the reward split, compute the state root, then search the nonce.

use rand_core::CryptoRngCore;
use superzk_keys::signature::Signature;

use crate::{
    account::{vote_message, AccountId},
    block::{body_root, tx_root, votes_root, Block, Header, Vote, HEADER_VERSION},
    chain::Chain,
    error::ChainError,
    pow::{mine, next_difficulty},
    rewards::split,
    tx::{Allocation, ChainTx, Coinbase},
    validate::{drawn_tickets, expire_tickets, DrawnTicket},
};

impl Chain {
    /// Creates the genesis block with `allocations` and applies it to this
    /// (empty) chain.
    pub fn init_genesis(
        &self,
        allocations: Vec<Allocation>,
        time: u64,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Block, ChainError> {
        if self.height()?.is_some() {
            return Err(ChainError::Usage(
                "the chain already has a genesis block".into(),
            ));
        }
        let txs = vec![ChainTx::Genesis(allocations)];
        let mut block = Block {
            header: Header {
                version: HEADER_VERSION,
                height: 0,
                parent: [0; 32],
                time,
                difficulty: self.params().initial_difficulty,
                tx_root: tx_root(&txs),
                votes_root: votes_root(&[]),
                state_root: [0; 32],
                nonce: 0,
            },
            votes: vec![],
            txs,
        };
        block.header.state_root = self.state_root_after(&block, rng)?;
        self.apply(&block, rng)?;
        Ok(block)
    }

    /// The tickets drawn to vote on the next block, and how many votes it needs.
    pub fn next_draw(&self) -> Result<(Vec<DrawnTicket>, usize), ChainError> {
        let params = self.params().clone();
        self.inspect(|st, tip| {
            let tip = tip.ok_or_else(|| ChainError::Usage("no genesis block yet".into()))?;
            expire_tickets(&params, st, tip.height + 1)?;
            drawn_tickets(&params, st, &tip.hash(), tip.height + 1)
        })
    }

    /// Builds and mines the next block: `txs` after the coinbase paying
    /// `miner`; `vote` is asked to sign for each drawn ticket (returning
    /// `None` when that ticket does not vote).
    pub fn produce_block(
        &self,
        miner: AccountId,
        time: u64,
        txs: Vec<ChainTx>,
        mut vote: impl FnMut(&DrawnTicket, &[u8; 32]) -> Option<Signature>,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Block, ChainError> {
        let tip = self
            .tip()?
            .ok_or_else(|| ChainError::Usage("no genesis block yet".into()))?;
        let height = tip.height + 1;
        let parent = tip.hash();
        let (drawn, _) = self.next_draw()?;
        let body = body_root(&txs);
        let mut votes = vec![];
        let mut via_node = vec![];
        for d in &drawn {
            let msg = vote_message(&parent, height, &body, &d.ticket);
            if let Some(signature) = vote(d, &msg) {
                votes.push(Vote {
                    ticket: d.ticket,
                    signature,
                });
                via_node.extend(d.via_node);
            }
        }
        let fees: u64 = txs
            .iter()
            .map(|t| match t {
                ChainTx::Shielded(s) => s.tx.fee,
                _ => 0,
            })
            .sum();
        let s = split(
            self.params().block_reward(height),
            drawn.len(),
            votes.len(),
            via_node.len(),
        );
        let coinbase = Coinbase {
            miner,
            miner_amount: s.miner + fees,
            voter_rewards: votes.iter().map(|v| (v.ticket, s.per_voter)).collect(),
            node_rewards: via_node.iter().map(|n| (*n, s.per_node)).collect(),
            burned: s.burned,
        };
        let mut all = vec![ChainTx::Coinbase(coinbase)];
        all.extend(txs);
        let difficulty = self.next_difficulty(&tip)?;
        let mut block = Block {
            header: Header {
                version: HEADER_VERSION,
                height,
                parent,
                time: time.max(tip.time + 1),
                difficulty,
                tx_root: tx_root(&all),
                votes_root: votes_root(&votes),
                state_root: [0; 32],
                nonce: rng.next_u64(),
            },
            votes,
            txs: all,
        };
        block.header.state_root = self.state_root_after(&block, rng)?;
        mine(&mut block.header);
        Ok(block)
    }

    /// The difficulty the block after `tip` must state.
    pub fn next_difficulty(&self, tip: &Header) -> Result<u64, ChainError> {
        let params = self.params();
        let mut err = None;
        let d = next_difficulty(params, tip.height, tip.difficulty, || {
            let first = tip.height + 1 - params.retarget_interval;
            match self.block(first) {
                Ok(Some(b)) => tip.time.saturating_sub(b.header.time),
                Ok(None) => {
                    err = Some(ChainError::Store(format!("block {first} missing")));
                    1
                }
                Err(e) => {
                    err = Some(e);
                    1
                }
            }
        });
        match err {
            Some(e) => Err(e),
            None => Ok(d),
        }
    }
}
