//! Votes for the block being built: the round (which parent, which miner,
//! which transactions: what a vote signs), the keys whose votes this node
//! signs itself, the votes other ticket holders and StakingNodes submitted
//! for the round, and the rounds other miners announced (this node's keys
//! vote on those too, within per-parent caps).

use std::collections::HashMap;

use superzk_chain_core::{
    account::{vote_message, AccountId, AccountKey, VotedBlock},
    block::body_root,
    producer::{NextDraw, VoteRequest},
    tx::ChainTx,
};
use superzk_keys::signature::Signature;

/// At most this many submitted votes are kept per round (a draw has a few
/// tickets and late voters; the rest is noise).
const MAX_VOTES_PER_ROUND: usize = 64;
/// Announcements of one announcer this node's keys vote on per parent
/// block (a miner announces again while votes are missing; more is spam).
pub const MAX_ANNOUNCEMENTS_PER_ANNOUNCER: u32 = 8;
/// Announcements this node's keys vote on per parent block, all announcers
/// together (bounds the signing an announcer with many identities causes).
pub const MAX_ANNOUNCEMENTS_PER_PARENT: u32 = 64;

/// What a miner tells voters when its block needs votes: enough to compute
/// the vote message of each drawn ticket (the transactions themselves stay
/// with the miner; a vote endorses their root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundAnnouncement {
    /// The block's parent (the miner's tip).
    pub parent: [u8; 32],
    /// The block's height.
    pub height: u64,
    /// The account its coinbase pays.
    pub miner: AccountId,
    /// [`body_root`] of its transactions after the coinbase.
    pub body_root: [u8; 32],
    /// How many times the miner announced this round before (so an
    /// announcement repeated while votes are missing is a new message).
    pub seq: u32,
}

/// The block a round collects votes for.
#[derive(Clone, Debug)]
pub struct Round {
    /// Its parent (the tip when the round began).
    pub parent: [u8; 32],
    /// Its height.
    pub height: u64,
    /// The account its coinbase pays.
    pub miner: AccountId,
    /// Its transactions after the coinbase.
    pub txs: Vec<ChainTx>,
    /// [`body_root`] of `txs`.
    pub body_root: [u8; 32],
}

impl Round {
    /// A round for `miner`'s block of `txs` on `parent`.
    pub fn new(parent: [u8; 32], height: u64, miner: AccountId, txs: Vec<ChainTx>) -> Self {
        let body_root = body_root(&txs);
        Self {
            parent,
            height,
            miner,
            txs,
            body_root,
        }
    }

    /// A round another node builds, from its announcement: its
    /// transactions are not known here (`txs` is empty), only their root,
    /// which is all a vote message needs.
    pub fn announced(a: &RoundAnnouncement) -> Self {
        Self {
            parent: a.parent,
            height: a.height,
            miner: a.miner,
            txs: vec![],
            body_root: a.body_root,
        }
    }

    /// The message a drawn ticket signs for this round's block.
    pub fn message(&self, ticket: &[u8; 32]) -> [u8; 32] {
        vote_message(
            &VotedBlock {
                parent: &self.parent,
                height: self.height,
                miner: &self.miner,
                body_root: &self.body_root,
            },
            ticket,
        )
    }
}

/// One drawn ticket's vote request, with the message it signs.
#[derive(Clone, Debug)]
pub struct Ballot {
    /// Who must sign, and for what.
    pub request: VoteRequest,
    /// The message (for a late vote, the parent's vote message).
    pub message: [u8; 32],
}

/// The round's ballots: a vote for each drawn ticket, a late vote for each
/// ticket the parent drew but did not carry.
pub fn ballots(round: &Round, draw: &NextDraw) -> Vec<Ballot> {
    let mut out: Vec<Ballot> = draw
        .drawn
        .iter()
        .map(|d| Ballot {
            request: VoteRequest {
                ticket: d.ticket,
                signer: d.signer,
                via_node: d.via_node,
                late: false,
            },
            message: round.message(&d.ticket),
        })
        .collect();
    out.extend(draw.late.iter().map(|(ticket, rec)| Ballot {
        request: VoteRequest {
            ticket: *ticket,
            signer: rec.signer,
            via_node: rec.node,
            late: true,
        },
        message: rec.message,
    }));
    out
}

/// A vote this node's keys signed for a ballot.
#[derive(Clone, Debug)]
pub struct SignedVote {
    /// The voting ticket.
    pub ticket: [u8; 32],
    /// The message signed.
    pub message: [u8; 32],
    /// The signature.
    pub signature: Signature,
    /// A late vote.
    pub late: bool,
}

/// The keys this node votes with and the votes collected for the round.
pub struct VoteBox {
    keys: Vec<AccountKey>,
    round: Option<Round>,
    /// (ticket, message) -> signature.
    collected: HashMap<([u8; 32], [u8; 32]), Signature>,
    /// How often this node announced its round.
    announced: u32,
    /// Other miners' announcements voted on: the parent they build on,
    /// per announcer, and in all.
    voted_parent: [u8; 32],
    voted_by: HashMap<Vec<u8>, u32>,
    voted_total: u32,
}

impl VoteBox {
    /// A vote box signing with `keys`.
    pub fn new(keys: Vec<AccountKey>) -> Self {
        Self {
            keys,
            round: None,
            collected: HashMap::new(),
            announced: 0,
            voted_parent: [0; 32],
            voted_by: HashMap::new(),
            voted_total: 0,
        }
    }

    /// Whether this node signs votes with any key.
    pub fn has_keys(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The announcement of the current round (numbered: each call is a
    /// new announcement of the same round).
    pub fn announce(&mut self) -> Option<RoundAnnouncement> {
        let r = self.round.as_ref()?;
        let a = RoundAnnouncement {
            parent: r.parent,
            height: r.height,
            miner: r.miner,
            body_root: r.body_root,
            seq: self.announced,
        };
        self.announced = self.announced.saturating_add(1);
        Some(a)
    }

    /// Counts one more announcement by `announcer` on `parent`; false when
    /// it is over the caps (its round is not voted on).
    pub fn may_vote_on(&mut self, parent: &[u8; 32], announcer: &[u8]) -> bool {
        if &self.voted_parent != parent {
            self.voted_parent = *parent;
            self.voted_by.clear();
            self.voted_total = 0;
        }
        if self.voted_total >= MAX_ANNOUNCEMENTS_PER_PARENT {
            return false;
        }
        let n = self.voted_by.entry(announcer.to_vec()).or_insert(0);
        if *n >= MAX_ANNOUNCEMENTS_PER_ANNOUNCER {
            return false;
        }
        *n += 1;
        self.voted_total += 1;
        true
    }

    /// Signs every ballot whose signer's key this node holds.
    pub fn sign(
        &self,
        ballots: &[Ballot],
        rng: &mut (impl rand_core::RngCore + rand_core::CryptoRng),
    ) -> Vec<SignedVote> {
        ballots
            .iter()
            .filter_map(|b| {
                let key = self.keys.iter().find(|k| k.id() == b.request.signer)?;
                Some(SignedVote {
                    ticket: b.request.ticket,
                    message: b.message,
                    signature: key.sign(&b.message, rng),
                    late: b.request.late,
                })
            })
            .collect()
    }

    /// Forgets the round and its votes (the tip moved).
    pub fn clear(&mut self) {
        self.round = None;
        self.collected.clear();
        self.announced = 0;
    }

    /// Starts collecting for `round` (votes of an older round are dropped).
    pub fn begin(&mut self, round: Round) {
        if self.round.as_ref().is_some_and(|r| {
            r.parent != round.parent || r.body_root != round.body_root || r.miner != round.miner
        }) {
            self.collected.clear();
            self.announced = 0;
        }
        self.round = Some(round);
    }

    /// The round being collected for.
    pub fn round(&self) -> Option<&Round> {
        self.round.as_ref()
    }

    /// Whether this node holds `signer`'s key.
    pub fn holds(&self, signer: &AccountId) -> bool {
        self.keys.iter().any(|k| &k.id() == signer)
    }

    /// Keeps a vote already checked against the round's ballots.
    pub fn add(&mut self, ticket: [u8; 32], message: [u8; 32], signature: Signature) -> bool {
        if self.collected.len() >= MAX_VOTES_PER_ROUND {
            return false;
        }
        self.collected.insert((ticket, message), signature);
        true
    }

    /// The vote for `ballot`: signed now with a key this node holds, or
    /// one submitted for it.
    pub fn vote_for(
        &self,
        request: &VoteRequest,
        message: &[u8; 32],
        rng: &mut (impl rand_core::RngCore + rand_core::CryptoRng),
    ) -> Option<Signature> {
        if let Some(k) = self.keys.iter().find(|k| k.id() == request.signer) {
            return Some(k.sign(message, rng));
        }
        self.collected.get(&(request.ticket, *message)).copied()
    }

    /// How many of `ballots` have a vote now.
    pub fn votes_ready(&self, ballots: &[Ballot]) -> usize {
        ballots
            .iter()
            .filter(|b| {
                !b.request.late
                    && (self.holds(&b.request.signer)
                        || self.collected.contains_key(&(b.request.ticket, b.message)))
            })
            .count()
    }
}
