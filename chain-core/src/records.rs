//! The records the state holds besides plain balances: tickets in the pool
//! and StakingNodes. Fixed-size little-endian encodings.

use crate::{
    account::AccountId,
    codec::{Reader, Writer},
    error::DecodeError,
};

/// A ticket in the pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketRecord {
    /// Who paid; receives the stake back and the rewards.
    pub owner: AccountId,
    /// Signs votes when no node is named.
    pub vote_key: AccountId,
    /// The StakingNode that votes for it.
    pub node: Option<[u8; 32]>,
    /// The price paid (the stake returned).
    pub price: u64,
    /// Height of the purchase.
    pub bought_at: u64,
    /// Its place in the mature pool (the draw's index), once mature.
    pub slot: Option<u64>,
}

/// A registered StakingNode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRecord {
    /// The pledging account.
    pub owner: AccountId,
    /// Signs the votes the node casts.
    pub vote_key: AccountId,
    /// The pledge locked.
    pub pledge: u64,
    /// Height of registration.
    pub registered_at: u64,
    /// Tickets naming it still in the pool.
    pub active_tickets: u64,
    /// Votes it should have cast this settlement period.
    pub votes_expected: u64,
    /// Votes it cast this period.
    pub votes_cast: u64,
    /// Rewards earned this period, paid at settlement unless penalised.
    pub pending_reward: u64,
    /// The owner asked for the pledge back: no new ticket may name the
    /// node, and the pledge returns at the first settlement after its
    /// tickets have finished and its lock has passed.
    pub closing: bool,
}

impl TicketRecord {
    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes(&self.owner).bytes(&self.vote_key);
        match &self.node {
            Some(n) => w.u8(1).bytes(n),
            None => w.u8(0),
        };
        w.u64(self.price).u64(self.bought_at);
        match self.slot {
            Some(i) => w.u8(1).u64(i),
            None => w.u8(0),
        };
        w.0
    }

    /// Decodes a record.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let owner = r.array("ticket owner")?;
        let vote_key = r.array("ticket vote key")?;
        let node = match r.u8("ticket node flag")? {
            0 => None,
            1 => Some(r.array("ticket node")?),
            _ => return Err(DecodeError::Invalid("ticket node flag")),
        };
        let out = Self {
            owner,
            vote_key,
            node,
            price: r.u64("ticket price")?,
            bought_at: r.u64("ticket height")?,
            slot: match r.u8("ticket slot flag")? {
                0 => None,
                1 => Some(r.u64("ticket slot")?),
                _ => return Err(DecodeError::Invalid("ticket slot flag")),
            },
        };
        r.finish()?;
        Ok(out)
    }
}

impl NodeRecord {
    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes(&self.owner)
            .bytes(&self.vote_key)
            .u64(self.pledge)
            .u64(self.registered_at)
            .u64(self.active_tickets)
            .u64(self.votes_expected)
            .u64(self.votes_cast)
            .u64(self.pending_reward)
            .u8(u8::from(self.closing));
        w.0
    }

    /// Decodes a record.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let out = Self {
            owner: r.array("node owner")?,
            vote_key: r.array("node vote key")?,
            pledge: r.u64("pledge")?,
            registered_at: r.u64("registration height")?,
            active_tickets: r.u64("active tickets")?,
            votes_expected: r.u64("votes expected")?,
            votes_cast: r.u64("votes cast")?,
            pending_reward: r.u64("pending reward")?,
            closing: match r.u8("closing flag")? {
                0 => false,
                1 => true,
                _ => return Err(DecodeError::Invalid("closing flag")),
            },
        };
        r.finish()?;
        Ok(out)
    }
}

/// A drawn ticket whose vote its block did not carry: the next block may
/// carry it as a late vote, for 2/3 of the shares recorded here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LateVoter {
    /// The key that signs the late vote (the node's, when one voted for it).
    pub signer: AccountId,
    /// The ticket's owner, paid the late share.
    pub owner: AccountId,
    /// The StakingNode that votes for it, if any.
    pub node: Option<[u8; 32]>,
    /// The vote message of the block it was drawn for.
    pub message: [u8; 32],
    /// That block's per-vote share.
    pub per_voter: u64,
    /// That block's per-vote StakingNode share.
    pub per_node: u64,
}

impl LateVoter {
    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes(&self.signer).bytes(&self.owner);
        match &self.node {
            Some(n) => w.u8(1).bytes(n),
            None => w.u8(0),
        };
        w.bytes(&self.message)
            .u64(self.per_voter)
            .u64(self.per_node);
        w.0
    }

    /// Decodes a record.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let signer = r.array("late voter signer")?;
        let owner = r.array("late voter owner")?;
        let node = match r.u8("late voter node flag")? {
            0 => None,
            1 => Some(r.array("late voter node")?),
            _ => return Err(DecodeError::Invalid("late voter node flag")),
        };
        let out = Self {
            signer,
            owner,
            node,
            message: r.array("late vote message")?,
            per_voter: r.u64("late voter share")?,
            per_node: r.u64("late node share")?,
        };
        r.finish()?;
        Ok(out)
    }
}
