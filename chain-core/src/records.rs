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
            .u64(self.pending_reward);
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
        };
        r.finish()?;
        Ok(out)
    }
}
