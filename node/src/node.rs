//! The node's state and every operation on it: the chain (chain-core on
//! redb), the block index with its side branches and orphans (fork choice,
//! `forks`), the mempool, and the votes collected for the block being
//! built. Services (gRPC, the producer loop, later peers) call these
//! methods; none of them holds a lock across an await.
//!
//! Every method is blocking (disk, proofs): async callers run them on
//! `tokio::task::spawn_blocking`.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard},
};

use rand_core::OsRng;
use superzk_chain_core::{
    account::{verification_key, AccountId, AccountKey},
    block::{Block, Header},
    chain::Chain,
    params::ChainParams,
    pow::mine,
    producer::NextDraw,
    records::{NodeRecord, TicketRecord},
    tx::ChainTx,
};
use superzk_circuits::note::AssetId;
use superzk_keys::signature::Signature;
use superzk_verifier::verify::VerifyingKeys;
use tokio::sync::broadcast;

use crate::{
    compact_cache::CompactCache,
    error::NodeError,
    forks::{BlockIndex, Outcome},
    mempool::{Mempool, MempoolLimits},
    network::{builtin_keys, Network},
    proto::CompactBlock,
    rpc::compact::{compact_block, tree_at},
    votes::{ballots, Ballot, Round, RoundAnnouncement, VoteBox},
};

/// What changed, for subscribers (the producer, streams, later peers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// The best chain has a new tip (after a block or a reorganisation).
    NewTip {
        /// Its height.
        height: u64,
        /// Its hash.
        hash: [u8; 32],
    },
    /// A transaction entered the mempool.
    Transaction([u8; 32]),
    /// A valid vote (a drawn ticket's, its signature checked) for a block
    /// another node builds: relayed to peers, where that node may be.
    Vote {
        /// The voting ticket.
        ticket: [u8; 32],
        /// The vote message it signs.
        message: [u8; 32],
        /// The signature.
        signature: Signature,
        /// A late vote.
        late: bool,
    },
    /// This node's block needs votes: the round, for voters on other
    /// nodes (gossiped to peers).
    Round(RoundAnnouncement),
}

/// What a round another node announced came to here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Announced {
    /// A round for the next block on this node's tip: worth forwarding;
    /// this node's keys signed this many votes for it (sent as
    /// [`NodeEvent::Vote`]s).
    Voted(usize),
    /// On a parent this node does not know (it may be behind): not
    /// forwarded, nobody blamed.
    UnknownParent,
    /// On a block that is not this node's tip any more (a race with a new
    /// block, or a replay): not forwarded.
    Stale,
    /// Over the caps of announcements per parent: not voted on, not
    /// forwarded.
    Capped,
}

/// An account's public balances (asset, amount), next nonce and native
/// coins due at the next settlement.
pub type AccountState = (Vec<(AssetId, u64)>, u64, u64);

/// Where a transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxState {
    /// Neither pending nor mined (on the best chain's recent blocks).
    Unknown,
    /// In the mempool.
    Pending,
    /// In the best chain's block at this height.
    Mined(u64),
}

/// What the node needs to open.
#[derive(Clone, Debug)]
pub struct NodeOptions {
    /// The data directory (the chain store and the node's keys live here).
    pub data_dir: PathBuf,
    /// The chain profile.
    pub params: ChainParams,
    /// The verifying keys shielded transactions are checked with.
    pub keys: VerifyingKeys,
    /// Mempool bounds.
    pub mempool: MempoolLimits,
    /// Keys whose votes this node signs (ticket vote keys, a StakingNode's).
    pub vote_keys: Vec<AccountKey>,
}

impl NodeOptions {
    /// Options for a node of `network` in `data_dir` (the built-in
    /// verifying keys, default mempool bounds, no vote keys), with the
    /// network's genesis block.
    pub fn for_network(network: Network, data_dir: PathBuf) -> Result<(Self, Block), NodeError> {
        let keys = builtin_keys()?;
        let genesis = network.genesis(&keys)?;
        Ok((
            Self {
                data_dir,
                params: network.params(),
                keys,
                mempool: MempoolLimits::default(),
                vote_keys: vec![],
            },
            genesis,
        ))
    }
}

/// A running node's state.
pub struct Node {
    chain: Chain,
    params: ChainParams,
    index: Mutex<BlockIndex>,
    compact: CompactCache,
    mempool: Mutex<Mempool>,
    votes: Mutex<VoteBox>,
    events: broadcast::Sender<NodeEvent>,
    data_dir: PathBuf,
}

impl Node {
    /// The chain store's file in `data_dir`.
    pub fn store_path(data_dir: &Path) -> PathBuf {
        data_dir.join("chain.redb")
    }

    /// Opens the node's store in `options.data_dir` (creating it, with the
    /// profile's genesis block, if new) and rebuilds the block index.
    pub fn open(options: NodeOptions, genesis: Block) -> Result<Arc<Self>, NodeError> {
        std::fs::create_dir_all(&options.data_dir)
            .map_err(|e| NodeError::io(options.data_dir.display().to_string(), e))?;
        let chain = Chain::open(
            &Self::store_path(&options.data_dir),
            options.params.clone(),
            options.keys,
        )?;
        let mut index = BlockIndex::load(&chain, &genesis)?;
        index.follow_heaviest(&chain, &mut OsRng)?;
        let compact = CompactCache::open(&options.data_dir)?;
        let (events, _) = broadcast::channel(1024);
        Ok(Arc::new(Self {
            chain,
            params: options.params,
            index: Mutex::new(index),
            compact,
            mempool: Mutex::new(Mempool::new(options.mempool)),
            votes: Mutex::new(VoteBox::new(options.vote_keys)),
            events,
            data_dir: options.data_dir,
        }))
    }

    /// The chain (read access; changes go through the node).
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The chain profile.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Subscribes to tip and mempool events.
    pub fn subscribe(&self) -> broadcast::Receiver<NodeEvent> {
        self.events.subscribe()
    }

    pub(crate) fn lock<'a, T>(m: &'a Mutex<T>) -> MutexGuard<'a, T> {
        // A panic while holding one of these locks left plain data behind
        // (every change to the chain itself is a redb transaction): go on.
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The tip of the best chain.
    pub fn tip(&self) -> Result<Header, NodeError> {
        self.chain
            .tip()?
            .ok_or_else(|| NodeError::NotFound("the chain has no genesis block".into()))
    }

    /// The chain id (the genesis hash).
    pub fn chain_id(&self) -> Result<[u8; 32], NodeError> {
        self.tip_chain_id()
    }

    fn tip_chain_id(&self) -> Result<[u8; 32], NodeError> {
        self.chain
            .chain_id()?
            .ok_or_else(|| NodeError::NotFound("the chain has no genesis block".into()))
    }

    /// The best chain's block at `height`.
    pub fn block_at(&self, height: u64) -> Result<Block, NodeError> {
        self.chain
            .block(height)?
            .ok_or_else(|| NodeError::NotFound(format!("no block at height {height}")))
    }

    /// A block by hash, on the best chain or a side branch.
    pub fn block_by_hash(&self, hash: &[u8; 32]) -> Result<Block, NodeError> {
        let found = Self::lock(&self.index).locate(hash);
        match found {
            Some((height, true)) => self.block_at(height),
            Some((_, false)) => self
                .chain
                .side_block(hash)?
                .ok_or_else(|| NodeError::NotFound("side block missing from the store".into())),
            None => Err(NodeError::NotFound(format!(
                "no block with hash {}",
                hex::encode(hash)
            ))),
        }
    }

    /// Takes a block from a miner or a peer: fork choice decides where it
    /// goes (`forks`); the mempool and the vote box follow a new tip.
    pub fn submit_block(&self, block: Block) -> Result<Outcome, NodeError> {
        let (outcome, change) = {
            let mut index = Self::lock(&self.index);
            index.submit(&self.chain, block, &mut OsRng)?
        };
        if let Some(change) = change {
            self.cache_compact(&change.connected);
            Self::lock(&self.mempool).on_new_tip(
                &self.chain,
                &change.connected,
                &change.disconnected,
                &mut OsRng,
            );
            Self::lock(&self.votes).clear();
            // What the undone blocks had mined and the pool took back goes
            // out again, so every mempool (and every miner) has it.
            let returned: Vec<[u8; 32]> = {
                let pool = Self::lock(&self.mempool);
                crate::forks::returned_transactions(&change.disconnected)
                    .iter()
                    .map(ChainTx::id)
                    .filter(|id| pool.contains(id))
                    .collect()
            };
            for id in returned {
                let _ = self.events.send(NodeEvent::Transaction(id));
            }
            let tip = self.tip()?;
            metrics::gauge!("superzk_height").set(tip.height as f64);
            let _ = self.events.send(NodeEvent::NewTip {
                height: tip.height,
                hash: tip.hash(),
            });
        }
        Ok(outcome)
    }

    /// Checks `tx` and admits it to the mempool; returns its id.
    pub fn submit_transaction(&self, tx: ChainTx) -> Result<[u8; 32], NodeError> {
        let id = crate::mempool::admit_one(&self.mempool, &self.chain, tx, &mut OsRng)?;
        let _ = self.events.send(NodeEvent::Transaction(id));
        Ok(id)
    }

    /// Where the transaction `id` is.
    pub fn transaction_status(&self, id: &[u8; 32]) -> Result<TxState, NodeError> {
        if Self::lock(&self.mempool).contains(id) {
            return Ok(TxState::Pending);
        }
        Ok(match Self::lock(&self.index).mined_at(id) {
            Some(h) => TxState::Mined(h),
            None => TxState::Unknown,
        })
    }

    /// Transactions and bytes in the mempool.
    pub fn mempool_size(&self) -> (usize, usize) {
        let m = Self::lock(&self.mempool);
        (m.len(), m.bytes())
    }

    /// Orphan blocks held, and side-branch blocks stored.
    pub fn fork_counts(&self) -> (usize, usize) {
        let i = Self::lock(&self.index);
        (i.orphan_count(), i.side_count())
    }

    /// The draw for the next block.
    pub fn next_draw(&self) -> Result<NextDraw, NodeError> {
        Ok(self.chain.next_draw_full()?)
    }

    /// Native and other balances, next nonce and pending coins of `account`.
    pub fn account(&self, account: &AccountId) -> Result<AccountState, NodeError> {
        Ok((
            self.chain.balances(account)?,
            self.chain.nonce(account)?,
            self.chain.pending(account)?,
        ))
    }

    /// Tickets in the pool.
    pub fn tickets(&self) -> Result<Vec<([u8; 32], TicketRecord)>, NodeError> {
        Ok(self.chain.tickets()?)
    }

    /// Registered StakingNodes.
    pub fn nodes(&self) -> Result<Vec<([u8; 32], NodeRecord)>, NodeError> {
        Ok(self.chain.nodes()?)
    }

    /// The best chain's compact blocks from `start` to `end` inclusive:
    /// from the cache where it holds them for these very blocks, else made
    /// (and cached).
    pub fn compact_blocks(&self, start: u64, end: u64) -> Result<Vec<CompactBlock>, NodeError> {
        let mut out = Vec::with_capacity(end.saturating_sub(start) as usize + 1);
        let mut made = vec![];
        for height in start..=end {
            let header = self
                .chain
                .header(height)?
                .ok_or_else(|| NodeError::NotFound(format!("no block at height {height}")))?;
            match self.compact.get(height, &header.hash()) {
                Some(c) => out.push(c),
                None => {
                    let c = self.make_compact(&self.block_at(height)?)?;
                    made.push(c.clone());
                    out.push(c);
                }
            }
        }
        if !made.is_empty() {
            self.compact.put(&made);
        }
        Ok(out)
    }

    fn make_compact(&self, block: &Block) -> Result<CompactBlock, NodeError> {
        let (tree, _) = tree_at(self, block.header.height)?;
        Ok(compact_block(block, tree.size()))
    }

    /// Makes and caches the compact blocks of blocks that just joined the
    /// best chain (a failure only means they are made on request).
    fn cache_compact(&self, blocks: &[Block]) {
        let made: Vec<CompactBlock> = blocks
            .iter()
            .filter_map(|b| self.make_compact(b).ok())
            .collect();
        self.compact.put(&made);
    }

    /// The note commitment tree (canonical encoding) after block `height`.
    pub fn tree_state(&self, height: u64) -> Result<Vec<u8>, NodeError> {
        self.chain
            .frontier(height)?
            .ok_or_else(|| NodeError::NotFound(format!("no block at height {height}")))
    }

    /// The round for `miner`'s next block: the one being collected if it
    /// is still on the tip and pays `miner`, else a new one with the
    /// mempool's best transactions (votes sign the transactions, so a
    /// round keeps them fixed; later arrivals wait for the next block).
    pub fn begin_round(&self, miner: AccountId) -> Result<Round, NodeError> {
        let tip = self.tip()?;
        let parent = tip.hash();
        if let Some(r) = Self::lock(&self.votes).round() {
            if r.parent == parent && r.miner == miner {
                return Ok(r.clone());
            }
        }
        let txs = Self::lock(&self.mempool).block_candidates(&self.chain, MAX_BLOCK_TX_BYTES);
        let round = Round::new(parent, tip.height + 1, miner, txs);
        Self::lock(&self.votes).begin(round.clone());
        Ok(round)
    }

    /// The current round (if a block is being built on the tip), the
    /// ballots of the next draw, and the votes the next block needs.
    pub fn current_draw(&self) -> Result<(Option<Round>, Vec<Ballot>, usize), NodeError> {
        let tip = self.tip()?;
        let draw = self.chain.next_draw_full()?;
        let round = Self::lock(&self.votes)
            .round()
            .filter(|r| r.parent == tip.hash())
            .cloned();
        let ballots = match &round {
            Some(r) => ballots(r, &draw),
            None => {
                // No block is being built: the late ballots still have
                // their messages; the others get theirs with a round.
                let empty = Round::new(tip.hash(), tip.height + 1, [0; 32], vec![]);
                ballots(&empty, &draw)
                    .into_iter()
                    .map(|b| Ballot {
                        message: if b.request.late { b.message } else { [0; 32] },
                        ..b
                    })
                    .collect()
            }
        };
        Ok((round, ballots, draw.required))
    }

    /// Takes a vote for the current round: the ticket must be drawn (or a
    /// late voter), the message the one it must sign, and the signature
    /// valid under the key that votes for it.
    pub fn submit_vote(
        &self,
        ticket: [u8; 32],
        message: [u8; 32],
        signature: Signature,
        late: bool,
    ) -> Result<(), NodeError> {
        let (round, ballot) = self.checked_vote(ticket, &message, &signature, late)?;
        if round.is_none() && !late {
            self.relay(ticket, message, signature, late);
            return Err(NodeError::Vote(
                "no block is being built on the tip here; the vote was relayed to peers (ask \
                 the miner's node for the current draw)"
                    .into(),
            ));
        }
        if ballot.message != message {
            self.relay(ticket, message, signature, late);
            return Err(NodeError::Vote(
                "the vote signs another block than the one being built here (relayed to \
                 peers); ask for the current draw again"
                    .into(),
            ));
        }
        if !Self::lock(&self.votes).add(ticket, message, signature) {
            return Err(NodeError::Vote("this round holds enough votes".into()));
        }
        Ok(())
    }

    /// Takes a vote relayed by a peer: refused unless the ticket is drawn
    /// (or a late voter) and the signature verifies under its vote key;
    /// kept when it is for the block this node builds (returns whether).
    pub fn relay_vote(
        &self,
        ticket: [u8; 32],
        message: [u8; 32],
        signature: Signature,
        late: bool,
    ) -> Result<bool, NodeError> {
        let (round, ballot) = self.checked_vote(ticket, &message, &signature, late)?;
        if (round.is_none() && !late) || ballot.message != message {
            return Ok(false);
        }
        Ok(Self::lock(&self.votes).add(ticket, message, signature))
    }

    /// Announces the round of `miner`'s next block to voters elsewhere
    /// (a [`NodeEvent::Round`]); called while its votes are missing.
    pub fn announce_round(&self, miner: AccountId) -> Result<(), NodeError> {
        self.begin_round(miner)?;
        let announcement = Self::lock(&self.votes).announce();
        if let Some(a) = announcement {
            let _ = self.events.send(NodeEvent::Round(a));
        }
        Ok(())
    }

    /// Takes a round another node announced (`announcer` names it, for the
    /// caps): when it builds on this node's tip, this node's keys sign the
    /// ballots they hold and the votes go out as [`NodeEvent::Vote`]s.
    /// An announcement no honest miner sends (a height that does not
    /// follow its parent) is an error.
    pub fn vote_on_round(
        &self,
        announcement: &RoundAnnouncement,
        announcer: &[u8],
    ) -> Result<Announced, NodeError> {
        let tip = self.tip()?;
        if announcement.parent != tip.hash() {
            let known = Self::lock(&self.index)
                .locate(&announcement.parent)
                .is_some();
            return Ok(if known {
                Announced::Stale
            } else {
                Announced::UnknownParent
            });
        }
        if announcement.height != tip.height + 1 {
            return Err(NodeError::Invalid(format!(
                "a round at height {} on the block at height {}",
                announcement.height, tip.height
            )));
        }
        {
            // Relays count too: what is over the caps is not forwarded.
            let mut votes = Self::lock(&self.votes);
            if !votes.may_vote_on(&announcement.parent, announcer) {
                return Ok(Announced::Capped);
            }
            if !votes.has_keys() {
                return Ok(Announced::Voted(0));
            }
        }
        let draw = self.chain.next_draw_full()?;
        let b = ballots(&Round::announced(announcement), &draw);
        let signed = Self::lock(&self.votes).sign(&b, &mut OsRng);
        for v in &signed {
            self.relay(v.ticket, v.message, v.signature, v.late);
        }
        Ok(Announced::Voted(signed.len()))
    }

    fn relay(&self, ticket: [u8; 32], message: [u8; 32], signature: Signature, late: bool) {
        let _ = self.events.send(NodeEvent::Vote {
            ticket,
            message,
            signature,
            late,
        });
    }

    /// The current round and `ticket`'s ballot, if the ticket is drawn and
    /// `signature` signs `message` under its vote key.
    fn checked_vote(
        &self,
        ticket: [u8; 32],
        message: &[u8; 32],
        signature: &Signature,
        late: bool,
    ) -> Result<(Option<Round>, Ballot), NodeError> {
        let (round, ballots, _) = self.current_draw()?;
        let ballot = ballots
            .into_iter()
            .find(|b| b.request.ticket == ticket && b.request.late == late)
            .ok_or_else(|| {
                NodeError::Vote(format!(
                    "ticket {} is not drawn to vote{} now",
                    hex::encode(ticket),
                    if late { " late" } else { "" }
                ))
            })?;
        let key = verification_key(&ballot.request.signer)
            .ok_or_else(|| NodeError::Vote("the ticket's vote key is not a valid key".into()))?;
        key.verify(message, signature)
            .map_err(|_| NodeError::Vote("the signature does not verify".into()))?;
        Ok((round, ballot))
    }

    /// The cumulative work of the best chain.
    pub fn tip_work(&self) -> u128 {
        Self::lock(&self.index).tip_work()
    }

    /// A pending transaction by id.
    pub fn pending_transaction(&self, id: &[u8; 32]) -> Option<ChainTx> {
        Self::lock(&self.mempool).get(id).cloned()
    }

    /// How many votes of `miner`'s round are ready (signed by this node's
    /// keys or submitted), and how many the block needs.
    pub fn votes_ready(&self, miner: AccountId) -> Result<(usize, usize), NodeError> {
        let round = self.begin_round(miner)?;
        let draw = self.chain.next_draw_full()?;
        let b = ballots(&round, &draw);
        Ok((Self::lock(&self.votes).votes_ready(&b), draw.required))
    }

    /// `miner`'s next block, unmined: the round's transactions and every
    /// vote ready for it; time `time` (or the earliest allowed).
    pub fn block_template(&self, miner: AccountId, time: u64) -> Result<Block, NodeError> {
        let round = self.begin_round(miner)?;
        let votes = Self::lock(&self.votes);
        let mut rng = OsRng;
        let block = self.chain.block_template(
            miner,
            time,
            round.txs,
            |req, msg| votes.vote_for(req, msg, &mut OsRng),
            &mut rng,
        )?;
        Ok(block)
    }

    /// Mines `miner`'s next block (the devnet's low difficulty: instant)
    /// and submits it.
    pub fn mine_block(&self, miner: AccountId, time: u64) -> Result<(Block, Outcome), NodeError> {
        let mut block = self.block_template(miner, time)?;
        mine(&mut block.header);
        let outcome = self.submit_block(block.clone())?;
        Ok((block, outcome))
    }
}

/// Bytes of transactions a block template takes from the mempool at most.
pub const MAX_BLOCK_TX_BYTES: usize = 2 << 20;
