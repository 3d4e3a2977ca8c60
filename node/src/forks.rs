//! Fork choice: the node follows the valid chain with the most cumulative
//! work (the sum of its blocks' difficulties, which their proofs of work
//! prove were spent).
//!
//! Every known block is in the index: the best chain's from the store's
//! headers, side branches' from the store's side blocks (kept durably, so a
//! restart sees the same tree), and blocks whose parent is unknown in a
//! bounded orphan pool (memory only: a peer sends them again). A side block
//! is checked cheaply on arrival (height, parent, proof of work against its
//! stated difficulty, reorganisation depth) and in full only when its
//! branch would become the best chain; then chain-core undoes and applies
//! in one durable transaction, so a kill leaves the old tip or the new one.
//! A block found invalid is remembered, with its descendants, and never
//! tried again.

use std::collections::{HashMap, HashSet};

use rand_core::CryptoRngCore;
use superzk_chain_core::{
    block::{Block, Header},
    chain::Chain,
    error::{ChainError, Rule},
    pow::meets_target,
    tx::ChainTx,
};

use crate::error::NodeError;

/// How many blocks below the tip a branch may fork and still be followed.
pub const MAX_REORG_DEPTH: u64 = 100;
/// Blocks whose parent is unknown kept at most.
pub const MAX_ORPHANS: usize = 256;
/// Bytes of orphan blocks kept at most.
pub const MAX_ORPHAN_BYTES: usize = 32 << 20;
/// Recent blocks of the best chain whose transactions `mined_at` finds.
const TX_LOOKUP_BLOCKS: usize = 1_000;

/// Where a submitted block went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It is (or its descendants made it part of) the best chain.
    BestChain,
    /// Stored on a side branch with no more work than the best chain.
    SideBranch,
    /// Its parent is unknown: held in the orphan pool.
    Orphan,
    /// Already known.
    Duplicate,
}

/// A change of the best chain: blocks undone (tip first) and applied (in
/// order).
#[derive(Clone, Debug, Default)]
pub struct TipChange {
    /// Blocks that left the best chain, newest first.
    pub disconnected: Vec<Block>,
    /// Blocks that joined it, oldest first.
    pub connected: Vec<Block>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    height: u64,
    parent: [u8; 32],
    work: u128,
    main: bool,
}

/// The tree of known blocks and the orphans.
pub struct BlockIndex {
    entries: HashMap<[u8; 32], Entry>,
    /// Best-chain hashes by height.
    main: Vec<[u8; 32]>,
    invalid: HashSet<[u8; 32]>,
    orphans: HashMap<[u8; 32], Block>,
    orphan_bytes: usize,
    /// Transaction id -> height, for recent best-chain blocks.
    mined: HashMap<[u8; 32], u64>,
}

fn work_of(h: &Header) -> u128 {
    u128::from(h.difficulty.max(1))
}

impl BlockIndex {
    /// Builds the index from the store; a store without blocks gets
    /// `genesis`.
    pub fn load(chain: &Chain, genesis: &Block) -> Result<Self, NodeError> {
        if chain.height()?.is_none() {
            chain.apply(genesis, &mut rand_core::OsRng)?;
        }
        let stored = chain
            .header(0)?
            .ok_or_else(|| NodeError::Config("the store has no genesis block".into()))?;
        if stored.hash() != genesis.hash() {
            return Err(NodeError::Config(format!(
                "the data directory holds another chain (genesis {}, this network's is {}); \
                 use a fresh --data-dir",
                hex::encode(stored.hash()),
                hex::encode(genesis.hash())
            )));
        }
        let mut index = Self {
            entries: HashMap::new(),
            main: vec![],
            invalid: HashSet::new(),
            orphans: HashMap::new(),
            orphan_bytes: 0,
            mined: HashMap::new(),
        };
        let mut work = 0u128;
        for h in chain.headers_from(0)? {
            work = work.saturating_add(work_of(&h));
            let hash = h.hash();
            index.entries.insert(
                hash,
                Entry {
                    height: h.height,
                    parent: h.parent,
                    work,
                    main: true,
                },
            );
            index.main.push(hash);
        }
        index.load_side(chain)?;
        let tip = index.main.len().saturating_sub(TX_LOOKUP_BLOCKS) as u64;
        for height in tip..index.main.len() as u64 {
            if let Some(b) = chain.block(height)? {
                index.remember_txs(&b);
            }
        }
        Ok(index)
    }

    /// Switches to the heaviest side branch if it has more work than the
    /// best chain: at start, after a kill that stored a block of a heavier
    /// branch but not the switch it called for. A refused branch is
    /// forgotten (as in any switch) and the next heaviest tried.
    pub fn follow_heaviest(
        &mut self,
        chain: &Chain,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<TipChange, NodeError> {
        let mut change = TipChange::default();
        loop {
            let tip_work = self.tip().1.work;
            let Some(best) = self
                .entries
                .iter()
                .filter(|(_, e)| !e.main && e.work > tip_work)
                .max_by_key(|(_, e)| e.work)
                .map(|(h, _)| *h)
            else {
                return Ok(change);
            };
            match self.switch_to(chain, best, rng, &mut change) {
                Ok(()) => {}
                // Refused for good: forgotten with its branch; try the next.
                Err(NodeError::Chain(ChainError::Block { .. }))
                    if !self.entries.contains_key(&best) =>
                {
                    continue
                }
                // Refused for now (its time is ahead of this clock): later.
                Err(NodeError::Chain(ChainError::Block { .. })) => return Ok(change),
                Err(e) => return Err(e),
            }
        }
    }

    /// Side blocks join the index parent first; any whose ancestry is
    /// gone are dropped from the store.
    fn load_side(&mut self, chain: &Chain) -> Result<(), NodeError> {
        let mut pending = chain.side_headers()?;
        pending.sort_by_key(|h| h.height);
        let mut dropped = vec![];
        for h in pending {
            match self.entries.get(&h.parent).copied() {
                Some(p) => {
                    self.entries.insert(
                        h.hash(),
                        Entry {
                            height: h.height,
                            parent: h.parent,
                            work: p.work.saturating_add(work_of(&h)),
                            main: false,
                        },
                    );
                }
                None => dropped.push(h.hash()),
            }
        }
        if !dropped.is_empty() {
            chain.remove_side_blocks(&dropped)?;
        }
        Ok(())
    }

    fn remember_txs(&mut self, b: &Block) {
        for tx in &b.txs {
            self.mined.insert(tx.id(), b.header.height);
        }
        if self.mined.len() > TX_LOOKUP_BLOCKS * 64 {
            let oldest = (self.main.len() as u64).saturating_sub(TX_LOOKUP_BLOCKS as u64);
            self.mined.retain(|_, h| *h >= oldest);
        }
    }

    fn forget_txs(&mut self, b: &Block) {
        for tx in &b.txs {
            self.mined.remove(&tx.id());
        }
    }

    /// The height of a block and whether it is on the best chain.
    pub fn locate(&self, hash: &[u8; 32]) -> Option<(u64, bool)> {
        self.entries.get(hash).map(|e| (e.height, e.main))
    }

    /// The best chain's height at which transaction `id` was mined (recent
    /// blocks only).
    pub fn mined_at(&self, id: &[u8; 32]) -> Option<u64> {
        self.mined.get(id).copied()
    }

    /// The best chain's cumulative work.
    pub fn tip_work(&self) -> u128 {
        self.tip().1.work
    }

    /// Orphans held.
    pub fn orphan_count(&self) -> usize {
        self.orphans.len()
    }

    /// Side-branch blocks known.
    pub fn side_count(&self) -> usize {
        self.entries.len() - self.main.len()
    }

    fn tip(&self) -> ([u8; 32], Entry) {
        let hash = *self.main.last().expect("the index always holds genesis");
        (hash, self.entries[&hash])
    }

    /// Takes `block`: stores it where it belongs and switches to the branch
    /// with the most work. Returns where it went and, when the best chain
    /// changed, how.
    pub fn submit(
        &mut self,
        chain: &Chain,
        block: Block,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<(Outcome, Option<TipChange>), NodeError> {
        let hash = block.hash();
        if self.entries.contains_key(&hash) || self.orphans.contains_key(&hash) {
            return Ok((Outcome::Duplicate, None));
        }
        if self.invalid.contains(&hash) || self.invalid.contains(&block.header.parent) {
            self.invalid.insert(hash);
            return Err(NodeError::Invalid(format!(
                "block {} is (or descends from) a block found invalid",
                hex::encode(hash)
            )));
        }
        let Some(parent) = self.entries.get(&block.header.parent).copied() else {
            self.hold_orphan(block)?;
            return Ok((Outcome::Orphan, None));
        };
        let mut change = TipChange::default();
        let outcome = self.connect(chain, block, parent, rng, &mut change)?;
        self.adopt_orphans(chain, hash, rng, &mut change);
        let changed = !change.connected.is_empty() || !change.disconnected.is_empty();
        let outcome = if changed && self.entries[&hash].main {
            Outcome::BestChain
        } else {
            outcome
        };
        Ok((outcome, changed.then_some(change)))
    }

    /// The height at which the branch ending at `hash` leaves the best
    /// chain, if that is at `floor` or above (the walk stops there).
    fn fork_height(&self, mut hash: [u8; 32], floor: u64) -> Option<u64> {
        loop {
            let e = self.entries.get(&hash)?;
            if e.main {
                return (e.height >= floor).then_some(e.height);
            }
            if e.height <= floor {
                return None;
            }
            hash = e.parent;
        }
    }

    /// Checks what can be checked without the branch's state.
    fn check_header(&self, block: &Block, parent: &Entry) -> Result<(), NodeError> {
        let h = &block.header;
        if h.height != parent.height + 1 {
            return Err(NodeError::Invalid(format!(
                "block at height {} on a parent at height {}",
                h.height, parent.height
            )));
        }
        // The whole branch must fork within the bound, not only the
        // parent be recent: a branch grown in step with the best chain
        // would otherwise reorganise deeper than MAX_REORG_DEPTH.
        let (_, tip) = self.tip();
        let floor = tip.height.saturating_sub(MAX_REORG_DEPTH);
        if self.fork_height(block.header.parent, floor).is_none() {
            return Err(NodeError::Invalid(format!(
                "block's branch forks below height {floor}, more than {MAX_REORG_DEPTH} blocks \
                 below the tip ({})",
                tip.height
            )));
        }
        if !meets_target(&h.hash(), h.difficulty) {
            return Err(NodeError::Invalid(
                "the header's proof of work does not meet its difficulty".into(),
            ));
        }
        Ok(())
    }

    /// Adds a block whose parent is known: applied at once on the tip,
    /// else stored as a side block and followed if its branch has more
    /// work.
    fn connect(
        &mut self,
        chain: &Chain,
        block: Block,
        parent: Entry,
        rng: &mut dyn CryptoRngCore,
        change: &mut TipChange,
    ) -> Result<Outcome, NodeError> {
        self.check_header(&block, &parent)?;
        let hash = block.hash();
        let entry = Entry {
            height: block.header.height,
            parent: block.header.parent,
            work: parent.work.saturating_add(work_of(&block.header)),
            main: false,
        };
        let (tip_hash, _) = self.tip();
        if block.header.parent == tip_hash {
            let started = std::time::Instant::now();
            if let Err(e) = chain.apply(&block, rng) {
                if refused_for_good(&e) {
                    self.invalid.insert(hash);
                }
                return Err(e.into());
            }
            metrics::histogram!("superzk_block_validation_seconds")
                .record(started.elapsed().as_secs_f64());
            self.entries.insert(
                hash,
                Entry {
                    main: true,
                    ..entry
                },
            );
            self.main.push(hash);
            self.remember_txs(&block);
            change.connected.push(block);
            return Ok(Outcome::BestChain);
        }
        chain.store_side_block(&block)?;
        self.entries.insert(hash, entry);
        if entry.work > self.tip().1.work {
            self.switch_to(chain, hash, rng, change)?;
        }
        Ok(Outcome::SideBranch)
    }

    /// Reorganises to the branch ending at `target`: one chain-core
    /// transaction. A refused block is marked invalid with every block
    /// after it; nothing else changes.
    fn switch_to(
        &mut self,
        chain: &Chain,
        target: [u8; 32],
        rng: &mut dyn CryptoRngCore,
        change: &mut TipChange,
    ) -> Result<(), NodeError> {
        let mut branch_hashes = vec![];
        let mut at = target;
        while !self.entries[&at].main {
            branch_hashes.push(at);
            at = self.entries[&at].parent;
        }
        branch_hashes.reverse();
        let fork_height = self.entries[&at].height;
        let mut branch = Vec::with_capacity(branch_hashes.len());
        for h in &branch_hashes {
            branch.push(chain.side_block(h)?.ok_or_else(|| {
                NodeError::Chain(ChainError::Store(format!(
                    "side block {} missing",
                    hex::encode(h)
                )))
            })?);
        }
        let mut undone = vec![];
        for height in (fork_height + 1..self.main.len() as u64).rev() {
            if let Some(b) = chain.block(height)? {
                undone.push(b);
            }
        }
        let started = std::time::Instant::now();
        if let Err(e) = chain.reorganize(fork_height, &branch, rng) {
            let bad = match &e {
                ChainError::Block { height, .. } if refused_for_good(&e) => {
                    height.saturating_sub(fork_height + 1) as usize
                }
                _ => return Err(e.into()),
            };
            self.mark_invalid(chain, &branch_hashes[bad.min(branch_hashes.len() - 1)..])?;
            tracing::warn!(error = %e, "a heavier branch was refused; staying on the best chain");
            return Err(e.into());
        }
        metrics::histogram!("superzk_reorg_seconds").record(started.elapsed().as_secs_f64());
        tracing::info!(
            fork_height,
            undone = undone.len(),
            applied = branch.len(),
            "switched to a branch with more work"
        );
        for hash in self
            .main
            .drain(fork_height as usize + 1..)
            .collect::<Vec<_>>()
        {
            if let Some(e) = self.entries.get_mut(&hash) {
                e.main = false;
            }
        }
        for b in &undone {
            self.forget_txs(b);
        }
        for (hash, b) in branch_hashes.iter().zip(&branch) {
            self.entries.get_mut(hash).expect("indexed").main = true;
            self.main.push(*hash);
            self.remember_txs(b);
        }
        change.disconnected.extend(undone);
        change.connected.extend(branch);
        Ok(())
    }

    /// Forgets `hashes` (a refused block and the branch after it) and
    /// every other side block descending from them, and refuses them all
    /// from now on. (A descendant left indexed would lead a later switch
    /// to a parent no longer in the index.)
    fn mark_invalid(&mut self, chain: &Chain, hashes: &[[u8; 32]]) -> Result<(), NodeError> {
        let mut gone: HashSet<[u8; 32]> = hashes.iter().copied().collect();
        let mut side: Vec<([u8; 32], Entry)> = self
            .entries
            .iter()
            .filter(|(_, e)| !e.main)
            .map(|(h, e)| (*h, *e))
            .collect();
        // Parents before children.
        side.sort_by_key(|(_, e)| e.height);
        for (h, e) in side {
            if gone.contains(&e.parent) {
                gone.insert(h);
            }
        }
        let gone: Vec<[u8; 32]> = gone.into_iter().collect();
        for h in &gone {
            self.invalid.insert(*h);
            self.entries.remove(h);
        }
        chain.remove_side_blocks(&gone)?;
        Ok(())
    }

    /// Keeps a block whose parent is unknown, within the pool's bounds.
    fn hold_orphan(&mut self, block: Block) -> Result<(), NodeError> {
        // Work first: junk without it must not push real orphans out.
        if !meets_target(&block.hash(), block.header.difficulty) {
            return Err(NodeError::Invalid(
                "the header's proof of work does not meet its difficulty".into(),
            ));
        }
        let size = block.to_bytes().len();
        if size > MAX_ORPHAN_BYTES / 4 {
            return Err(NodeError::Invalid(format!(
                "orphan block of {size} bytes: too large to hold"
            )));
        }
        while self.orphans.len() >= MAX_ORPHANS || self.orphan_bytes + size > MAX_ORPHAN_BYTES {
            // Evict the orphan with the highest height: the one furthest
            // from being connected.
            let Some(victim) = self
                .orphans
                .iter()
                .max_by_key(|(_, b)| b.header.height)
                .map(|(h, _)| *h)
            else {
                break;
            };
            if let Some(b) = self.orphans.remove(&victim) {
                self.orphan_bytes -= b.to_bytes().len();
            }
        }
        self.orphan_bytes += size;
        self.orphans.insert(block.hash(), block);
        Ok(())
    }

    /// Connects orphans whose parent just arrived (and theirs, in turn).
    /// An orphan that fails is dropped; the others go on.
    fn adopt_orphans(
        &mut self,
        chain: &Chain,
        parent: [u8; 32],
        rng: &mut dyn CryptoRngCore,
        change: &mut TipChange,
    ) {
        let mut parents = vec![parent];
        while let Some(p) = parents.pop() {
            let children: Vec<[u8; 32]> = self
                .orphans
                .iter()
                .filter(|(_, b)| b.header.parent == p)
                .map(|(h, _)| *h)
                .collect();
            for child in children {
                let Some(block) = self.orphans.remove(&child) else {
                    continue;
                };
                self.orphan_bytes -= block.to_bytes().len();
                let Some(entry) = self.entries.get(&p).copied() else {
                    continue;
                };
                match self.connect(chain, block, entry, rng, change) {
                    Ok(_) => parents.push(child),
                    Err(e) => tracing::debug!(error = %e, "an orphan was refused"),
                }
            }
        }
    }
}

/// Whether a refusal holds whatever happens later. A block dated too far
/// ahead of this node's clock becomes valid once the clock catches up (or
/// is corrected), and a store failure says nothing of the block: those are
/// refused now and may be tried again.
fn refused_for_good(e: &ChainError) -> bool {
    match e {
        ChainError::Block { error, .. } => error.rule != Rule::Timestamp,
        ChainError::Decode(_) => true,
        ChainError::Store(_) | ChainError::WrongChain(_) | ChainError::Usage(_) => false,
    }
}

/// Transactions of `blocks` other than coinbases and genesis allocations
/// (what a reorganisation returns to the mempool).
pub fn returned_transactions(blocks: &[Block]) -> Vec<ChainTx> {
    blocks
        .iter()
        .flat_map(|b| b.txs.iter())
        .filter(|t| !matches!(t, ChainTx::Coinbase(_) | ChainTx::Genesis(_)))
        .cloned()
        .collect()
}
