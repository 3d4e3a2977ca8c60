//! Making blocks: the genesis block, and a block template filled the way a
//! miner does it — draw the voters, collect their votes (and late votes for
//! the parent), write the coinbase from the reward split, compute the state
//! root, then search the nonce.

use rand_core::CryptoRngCore;
use superzk_keys::signature::Signature;

use crate::{
    account::{vote_message, AccountId, VotedBlock},
    block::{body_root, tx_root, votes_root, Block, Header, Vote, HEADER_VERSION},
    chain::Chain,
    error::{ChainError, Rule},
    pow::{mine, next_difficulty},
    records::LateVoter,
    tx::{Allocation, ChainTx},
    validate::{
        block_split, drawn_tickets, expected_coinbase, late_voters, mature_count, median_time_past,
        prepare_pool, DrawnTicket,
    },
};

/// A ticket asked to vote: on the block being made, or late, on its parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteRequest {
    /// The ticket.
    pub ticket: [u8; 32],
    /// The key whose signature counts (the StakingNode's, when one votes
    /// for the ticket).
    pub signer: AccountId,
    /// The StakingNode voting for it, if any.
    pub via_node: Option<[u8; 32]>,
    /// A late vote, for the parent block.
    pub late: bool,
}

/// What the next block's votes depend on.
pub struct NextDraw {
    /// Tickets drawn to vote on it.
    pub drawn: Vec<DrawnTicket>,
    /// Votes it needs.
    pub required: usize,
    /// Tickets the parent drew whose votes it did not carry.
    pub late: Vec<([u8; 32], LateVoter)>,
    /// Mature tickets in the pool.
    pub mature: u64,
}

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
                votes_root: votes_root(&[], &[]),
                state_root: [0; 32],
                nonce: 0,
            },
            votes: vec![],
            late_votes: vec![],
            txs,
        };
        block.header.state_root = self.state_root_after(&block, rng)?;
        self.apply(&block, rng)?;
        Ok(block)
    }

    /// The tickets drawn to vote on the next block, and how many votes it needs.
    pub fn next_draw(&self) -> Result<(Vec<DrawnTicket>, usize), ChainError> {
        let d = self.next_draw_full()?;
        Ok((d.drawn, d.required))
    }

    /// Everything the next block's votes depend on.
    pub fn next_draw_full(&self) -> Result<NextDraw, ChainError> {
        let params = self.params().clone();
        self.inspect(|st, tip| {
            let tip = tip.ok_or_else(|| ChainError::Usage("no genesis block yet".into()))?;
            let height = tip.height + 1;
            prepare_pool(&params, st, height)?;
            let (drawn, required) = drawn_tickets(&params, st, &tip.hash(), height)?;
            Ok(NextDraw {
                drawn,
                required,
                late: late_voters(st)?,
                mature: mature_count(st)?,
            })
        })
    }

    /// The earliest time the next block may state: one second after the
    /// median time of the last blocks.
    pub fn next_min_time(&self) -> Result<u64, ChainError> {
        let facts = self.facts()?;
        Ok(median_time_past(&facts.recent_times).saturating_add(1))
    }

    /// Builds and mines the next block: `txs` after the coinbase paying
    /// `miner`; `vote` is asked to sign for each drawn ticket, and for each
    /// ticket that may vote late on the parent (returning `None` when that
    /// ticket does not vote). The block's time is `time`, or the earliest
    /// the rules allow if that is later.
    pub fn produce_block(
        &self,
        miner: AccountId,
        time: u64,
        txs: Vec<ChainTx>,
        vote: impl FnMut(&VoteRequest, &[u8; 32]) -> Option<Signature>,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Block, ChainError> {
        let mut block = self.block_template(miner, time, txs, vote, rng)?;
        mine(&mut block.header);
        Ok(block)
    }

    /// As [`Chain::produce_block`] but unmined: every field final except
    /// the header's nonce, which an external miner searches.
    pub fn block_template(
        &self,
        miner: AccountId,
        time: u64,
        txs: Vec<ChainTx>,
        mut vote: impl FnMut(&VoteRequest, &[u8; 32]) -> Option<Signature>,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Block, ChainError> {
        let tip = self
            .tip()?
            .ok_or_else(|| ChainError::Usage("no genesis block yet".into()))?;
        let height = tip.height + 1;
        let parent = tip.hash();
        let next = self.next_draw_full()?;
        let body = body_root(&txs);
        let endorsed = VotedBlock {
            parent: &parent,
            height,
            miner: &miner,
            body_root: &body,
        };
        let mut votes = vec![];
        let mut voted = vec![];
        for d in &next.drawn {
            let request = VoteRequest {
                ticket: d.ticket,
                signer: d.signer,
                via_node: d.via_node,
                late: false,
            };
            if let Some(signature) = vote(&request, &vote_message(&endorsed, &d.ticket)) {
                votes.push(Vote {
                    ticket: d.ticket,
                    signature,
                });
                voted.push(d.clone());
            }
        }
        let mut late_votes = vec![];
        let mut late = vec![];
        for (ticket, rec) in &next.late {
            let request = VoteRequest {
                ticket: *ticket,
                signer: rec.signer,
                via_node: rec.node,
                late: true,
            };
            if let Some(signature) = vote(&request, &rec.message) {
                late_votes.push(Vote {
                    ticket: *ticket,
                    signature,
                });
                late.push((*ticket, rec.clone()));
            }
        }
        let mut fees = 0u64;
        for t in &txs {
            if let ChainTx::Shielded(s) = t {
                fees = fees
                    .checked_add(s.tx.fee)
                    .ok_or_else(|| ChainError::Block {
                        height,
                        error: crate::error::BlockError::new(Rule::Rewards, "fees overflow"),
                    })?;
            }
        }
        let difficulty = self.next_difficulty(&tip)?;
        let split = block_split(
            self.params(),
            height,
            difficulty,
            next.mature,
            next.drawn.len(),
            &voted,
        );
        let coinbase = expected_coinbase(miner, &split, &voted, &late, fees)?;
        let mut all = vec![ChainTx::Coinbase(coinbase)];
        all.extend(txs);
        let mut block = Block {
            header: Header {
                version: HEADER_VERSION,
                height,
                parent,
                time: time.max(self.next_min_time()?),
                difficulty,
                tx_root: tx_root(&all),
                votes_root: votes_root(&votes, &late_votes),
                state_root: [0; 32],
                nonce: rng.next_u64(),
            },
            votes,
            late_votes,
            txs: all,
        };
        block.header.state_root = self.state_root_after(&block, rng)?;
        Ok(block)
    }

    /// The difficulty the block after `tip` must state.
    pub fn next_difficulty(&self, tip: &Header) -> Result<u64, ChainError> {
        let mut err = None;
        let d = next_difficulty(self.params(), tip.height, tip.difficulty, || {
            self.retarget_span(tip).unwrap_or_else(|e| {
                err = Some(e);
                1
            })
        });
        match err {
            Some(e) => Err(e),
            None => Ok(d),
        }
    }
}
