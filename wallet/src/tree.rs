//! The wallet's note commitment tree: the chain's tree from the wallet's
//! birthday on, keeping witnesses of the wallet's own unspent notes only.
//!
//! Built on [`shardtree`] (the tree Zcash wallets use): leaves that are not
//! the wallet's are pruned into subtree hashes as soon as no witness needs
//! them, a checkpoint is kept per block for the last [`MAX_CHECKPOINTS`]
//! blocks so a reorg can rewind, and a spent note's mark is dropped (and its
//! path pruned) once the spend is deeper than any reorg.
//!
//! Hashing is circuits' Poseidon tree: shardtree's `Level` is circuits'
//! height (level 0 holds the leaves, `combine(level, l, r)` is
//! `merkle_hash(level, l, r)`), so a witness here is a
//! [`superzk_circuits::tree::MerklePath`] the prover takes as is.
//!
//! The whole tree serializes to bytes ([`WalletTree::to_bytes`]) that the
//! wallet database writes in the same SQL transaction as the blocks it
//! scanned, so a crash leaves either both or neither (DECISIONS.md, "Wallet
//! tree persistence").

use std::{collections::BTreeSet, ops::Range};

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use incrementalmerkletree::{Address, Hashable, Level, Marking, Position, Retention};
use shardtree::{
    error::ShardTreeError,
    store::{memory::MemoryShardStore, Checkpoint, ShardStore, TreeState},
    LocatedTree, Node as TreeNode, PrunableTree, RetentionFlags, ShardTree, Tree,
};
use superzk_circuits::{
    tree::{empty_roots, merkle_hash, CommitmentTree, MerklePath, DEPTH as CIRCUIT_DEPTH},
    Fr,
};
use superzk_keys::{
    encryption::blake2b_personal,
    spending_key::{decode_field, encode_field},
};

/// Blocks the tree can rewind: the node reorganises at most 100 blocks deep,
/// so the fork point, 100 below the tip, must still have its checkpoint.
pub const MAX_CHECKPOINTS: usize = 101;

const DEPTH: u8 = 32;
/// Shards of 2^16 leaves, as Zcash's Sapling and Orchard trees use.
const SHARD_HEIGHT: u8 = 16;
const _: () = assert!(DEPTH as usize == CIRCUIT_DEPTH);

const MAGIC: &[u8; 8] = b"SZKWTREE";
const FORMAT_VERSION: u8 = 1;
/// The stored form ends with a Blake2b-256 of the rest: most flipped bits in
/// a hash would still read as a field element and go unnoticed otherwise.
const CHECKSUM_LEN: usize = 32;
const CHECKSUM_PERSONALIZATION: &[u8; 16] = b"SuperZK_WTreeSum";

/// A node of the note commitment tree: a circuits field element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node(pub Fr);

impl Hashable for Node {
    fn empty_leaf() -> Self {
        Node(empty_roots()[0])
    }

    fn combine(level: Level, left: &Self, right: &Self) -> Self {
        Node(merkle_hash(usize::from(level), left.0, right.0))
    }

    fn empty_root(level: Level) -> Self {
        Node(empty_roots()[usize::from(level)])
    }
}

type Store = MemoryShardStore<Node, u64>;
type Inner = ShardTree<Store, DEPTH, SHARD_HEIGHT>;

/// What can go wrong with the wallet's tree.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TreeError {
    /// The node's frontier could not be read.
    #[error("the node sent a malformed tree frontier ({0}); sync again, or use another node")]
    Frontier(String),
    /// Blocks must be appended one height after another.
    #[error("block {got} appended to a tree at block {expected_after}; blocks must be appended in order, one height after another")]
    OutOfOrder {
        /// The tree's last block.
        expected_after: u64,
        /// The block given.
        got: u64,
    },
    /// No checkpoint for that height: it is before the wallet's birthday,
    /// after its tip, or deeper than [`MAX_CHECKPOINTS`] blocks.
    #[error("the wallet's tree has no state at height {0} (it keeps the last {MAX_CHECKPOINTS} blocks from its birthday on); rescan from the wallet's birthday")]
    NoCheckpoint(u64),
    /// The tree has no path for that position: not the wallet's note, spent
    /// and pruned, or before the birthday.
    #[error("the wallet's tree keeps no witness for position {0}; it is not an unspent note of this wallet")]
    NotWitnessed(u64),
    /// All 2^32 positions are used.
    #[error("the note commitment tree is full (2^32 notes)")]
    Full,
    /// The stored bytes are not a wallet tree of this version.
    #[error("the wallet's stored note commitment tree is damaged or foreign ({0}); restore the wallet file from a backup, or rescan from the birthday")]
    Corrupt(String),
    /// shardtree refused an operation this module should have prevented.
    #[error("the wallet's note commitment tree failed: {0}; this is a bug, please report it")]
    Internal(String),
}

impl<E: std::fmt::Display> From<ShardTreeError<E>> for TreeError {
    fn from(e: ShardTreeError<E>) -> Self {
        TreeError::Internal(e.to_string())
    }
}

/// Where the wallet started: a block height and the node's frontier after it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Birthday {
    height: u64,
    frontier: CommitmentTree,
}

/// The wallet's note commitment tree (see the module documentation).
#[derive(Debug)]
pub struct WalletTree {
    inner: Inner,
    /// Leaves in the chain's tree after the last block appended.
    size: u64,
    /// The last block appended (or the birthday), if any.
    tip: Option<u64>,
    birthday: Option<Birthday>,
}

impl Default for WalletTree {
    fn default() -> Self {
        Self::new()
    }
}

impl WalletTree {
    /// An empty tree, for a wallet that scans from genesis.
    pub fn new() -> Self {
        Self {
            inner: ShardTree::new(MemoryShardStore::empty(), MAX_CHECKPOINTS),
            size: 0,
            tip: None,
            birthday: None,
        }
    }

    /// The tree after block `height` given by its frontier (the node's
    /// `GetTreeState`): the wallet scans from `height + 1` on.
    pub fn from_frontier(height: u64, frontier: &CommitmentTree) -> Result<Self, TreeError> {
        let mut tree = Self::new();
        for (addr, node) in frontier_nodes(frontier)? {
            tree.inner.insert(addr, node)?;
        }
        tree.size = frontier.size();
        tree.checkpoint_here(height)?;
        tree.tip = Some(height);
        tree.birthday = Some(Birthday {
            height,
            frontier: frontier.clone(),
        });
        // The frontier's layout is read through its serialization; check the
        // result against circuits' own root.
        if tree.root_at(height)? != frontier.root() {
            return Err(TreeError::Frontier("its nodes do not give its root".into()));
        }
        Ok(tree)
    }

    /// [`Self::from_frontier`] from the frontier's bytes (ark-serialize,
    /// compressed, as `TreeState::frontier` carries them).
    pub fn from_frontier_bytes(height: u64, bytes: &[u8]) -> Result<Self, TreeError> {
        let frontier = CommitmentTree::deserialize_compressed(bytes)
            .map_err(|e| TreeError::Frontier(e.to_string()))?;
        Self::from_frontier(height, &frontier)
    }

    /// Number of leaves in the chain's tree after the last block appended.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The last block appended (or the birthday); `None` for a new tree.
    pub fn tip(&self) -> Option<u64> {
        self.tip
    }

    /// The lowest height [`Self::rewind_to`] can go back to.
    pub fn oldest_checkpoint(&self) -> Option<u64> {
        self.inner.store().min_checkpoint_id().unwrap_or(None)
    }

    /// Appends block `height`'s note commitments in tree order, each with
    /// whether it is the wallet's own (its witness is then kept), and
    /// checkpoints the block. Returns the positions the block's notes took.
    pub fn append_block(
        &mut self,
        height: u64,
        cms: &[(Fr, bool)],
    ) -> Result<Range<u64>, TreeError> {
        if let Some(tip) = self.tip {
            if tip.checked_add(1) != Some(height) {
                return Err(TreeError::OutOfOrder {
                    expected_after: tip,
                    got: height,
                });
            }
        }
        let start = self.size;
        let end = u64::try_from(cms.len())
            .ok()
            .and_then(|n| start.checked_add(n))
            .filter(|end| *end <= 1u64 << DEPTH)
            .ok_or(TreeError::Full)?;
        match cms.split_last() {
            None => self.checkpoint_here(height)?,
            Some((&(last, last_ours), rest)) => {
                let leaves = rest.iter().map(|&(cm, ours)| {
                    let retention = if ours {
                        Retention::Marked
                    } else {
                        Retention::Ephemeral
                    };
                    (Node(cm), retention)
                });
                let marking = if last_ours {
                    Marking::Marked
                } else {
                    Marking::None
                };
                let checkpoint = Retention::Checkpoint {
                    id: height,
                    marking,
                };
                let leaves = leaves.chain(std::iter::once((Node(last), checkpoint)));
                self.inner.batch_insert(Position::from(start), leaves)?;
            }
        }
        self.size = end;
        self.tip = Some(height);
        Ok(start..end)
    }

    /// Rewinds to the state after block `height` (a reorg): later blocks are
    /// forgotten, and so are notes unmarked by them.
    pub fn rewind_to(&mut self, height: u64) -> Result<(), TreeError> {
        let checkpoint = self
            .inner
            .store()
            .get_checkpoint(&height)
            .unwrap_or(None)
            .ok_or(TreeError::NoCheckpoint(height))?;
        let size = checkpoint.position().map_or(0, |p| u64::from(p) + 1);
        match &self.birthday {
            // Nothing was appended since the birthday: start over from its
            // frontier (shardtree cannot truncate into a frontier node above
            // its shard level, and this is exact).
            // The kept checkpoints up to `height` all hold the birthday's
            // state (the oldest may be after the birthday, which aged out).
            Some(birthday) if birthday.frontier.size() == size => {
                let heights = self.checkpoint_heights(..=height);
                let (first, rest) = heights
                    .split_first()
                    .ok_or(TreeError::NoCheckpoint(height))?;
                let mut fresh = Self::from_frontier(*first, &birthday.frontier)?;
                for h in rest {
                    fresh.append_block(*h, &[])?;
                }
                fresh.birthday = Some(birthday.clone());
                *self = fresh;
            }
            _ => {
                self.inner.truncate_to_checkpoint(&height)?;
                self.size = size;
                self.tip = Some(height);
            }
        }
        Ok(())
    }

    /// Drops the mark of the note at `position`, spent in block `spent_at`:
    /// its path is pruned once that block is deeper than any reorg (a rewind
    /// below `spent_at` restores the mark). Returns whether it was marked.
    pub fn unmark(&mut self, position: u64, spent_at: u64) -> Result<bool, TreeError> {
        if self.tip.is_none_or(|tip| spent_at > tip) {
            return Err(TreeError::NoCheckpoint(spent_at));
        }
        Ok(self
            .inner
            .remove_mark(Position::from(position), Some(&spent_at))?)
    }

    /// Positions of the notes whose witnesses are kept.
    pub fn marked_positions(&self) -> Result<BTreeSet<u64>, TreeError> {
        Ok(self
            .inner
            .marked_positions()?
            .into_iter()
            .map(u64::from)
            .collect())
    }

    /// The chain's tree root (an anchor) after block `height`.
    pub fn root_at(&self, height: u64) -> Result<Fr, TreeError> {
        self.inner
            .root_at_checkpoint_id(&height)?
            .map(|node| node.0)
            .ok_or(TreeError::NoCheckpoint(height))
    }

    /// The authentication path of the wallet's note at `position` in the
    /// tree after block `height`: its root is [`Self::root_at`]`(height)`.
    pub fn witness(&self, position: u64, height: u64) -> Result<MerklePath, TreeError> {
        if self
            .inner
            .store()
            .get_checkpoint(&height)
            .unwrap_or(None)
            .is_none()
        {
            return Err(TreeError::NoCheckpoint(height));
        }
        let not_witnessed = || TreeError::NotWitnessed(position);
        let marked = self
            .inner
            .get_marked_leaf(Position::from(position))
            .map_err(|_| not_witnessed())?;
        if marked.is_none() {
            return Err(not_witnessed());
        }
        let path = self
            .inner
            .witness_at_checkpoint_id(Position::from(position), &height)
            .map_err(|_| not_witnessed())?
            .ok_or(TreeError::NoCheckpoint(height))?;
        Ok(MerklePath {
            position,
            siblings: path.path_elems().iter().map(|n| n.0).collect(),
        })
    }

    /// Checkpoints the current state as block `height`.
    fn checkpoint_here(&mut self, height: u64) -> Result<(), TreeError> {
        let tip = self.size.checked_sub(1).map(Position::from);
        if self.inner.max_leaf_position(None)? == tip {
            self.inner.checkpoint(height)?;
            return Ok(());
        }
        // Only after a frontier whose lowest node lies above the shard level,
        // before any leaf is appended: no shard holds the tip, so
        // shardtree's `checkpoint` cannot find it. Those checkpoints flag no
        // leaf, so the oldest can simply be dropped.
        let position =
            tip.ok_or_else(|| TreeError::Internal("an empty tree with leaves".into()))?;
        let store = self.inner.store_mut();
        ok(store.add_checkpoint(height, Checkpoint::at_position(position)));
        while ok(store.checkpoint_count()) > MAX_CHECKPOINTS {
            if let Some(oldest) = ok(store.min_checkpoint_id()) {
                ok(store.remove_checkpoint(&oldest));
            }
        }
        Ok(())
    }

    fn checkpoint_heights(&self, range: std::ops::RangeToInclusive<u64>) -> Vec<u64> {
        let mut heights = vec![];
        let _ = self.inner.store().for_each_checkpoint(usize::MAX, |id, _| {
            if range.contains(id) {
                heights.push(*id);
            }
            Ok(())
        });
        heights
    }

    /// The whole tree (shards, cap, checkpoints, birthday) as bytes, for the
    /// wallet database.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::new();
        w.extend_from_slice(MAGIC);
        w.push(FORMAT_VERSION);
        w.extend_from_slice(&self.size.to_le_bytes());
        put_option_u64(&mut w, self.tip);
        match &self.birthday {
            None => w.push(0),
            Some(b) => {
                w.push(1);
                w.extend_from_slice(&b.height.to_le_bytes());
                let mut frontier = Vec::new();
                b.frontier
                    .serialize_compressed(&mut frontier)
                    .expect("writing to a Vec cannot fail");
                put_bytes(&mut w, &frontier);
            }
        }
        let store = self.inner.store();
        let cap = ok(store.get_cap());
        put_tree(&mut w, &cap);
        let roots = ok(store.get_shard_roots());
        let shards: Vec<_> = roots
            .iter()
            .filter_map(|addr| ok(store.get_shard(*addr)))
            .collect();
        put_len(&mut w, shards.len());
        for shard in &shards {
            w.extend_from_slice(&shard.root_addr().index().to_le_bytes());
            put_tree(&mut w, shard.root());
        }
        let mut checkpoints = vec![];
        let _ = store.for_each_checkpoint(usize::MAX, |id, c| {
            checkpoints.push((*id, c.clone()));
            Ok(())
        });
        put_len(&mut w, checkpoints.len());
        for (id, c) in &checkpoints {
            w.extend_from_slice(&id.to_le_bytes());
            put_option_u64(&mut w, c.position().map(u64::from));
            put_len(&mut w, c.marks_removed().len());
            for p in c.marks_removed() {
                w.extend_from_slice(&u64::from(*p).to_le_bytes());
            }
        }
        let sum = checksum(&w);
        w.extend_from_slice(&sum);
        w
    }

    /// Reads [`Self::to_bytes`]'s form back; a typed error, never a panic,
    /// on anything else.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TreeError> {
        if !bytes.starts_with(MAGIC) {
            return Err(corrupt("not a wallet tree"));
        }
        let body = bytes
            .len()
            .checked_sub(CHECKSUM_LEN)
            .map(|at| bytes.split_at(at))
            .filter(|(body, sum)| checksum(body) == *sum)
            .map(|(body, _)| body)
            .ok_or_else(|| corrupt("checksum mismatch"))?;
        let mut r = Reader { rest: body };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(corrupt("not a wallet tree"));
        }
        let version = r.u8()?;
        if version != FORMAT_VERSION {
            return Err(corrupt(format!(
                "format version {version}, this build reads {FORMAT_VERSION}"
            )));
        }
        let size = r.u64()?;
        let tip = r.option_u64()?;
        let birthday = match r.u8()? {
            0 => None,
            1 => {
                let height = r.u64()?;
                let len = r.len()?;
                let frontier = CommitmentTree::deserialize_compressed(r.take(len)?)
                    .map_err(|e| corrupt(format!("birthday frontier: {e}")))?;
                Some(Birthday { height, frontier })
            }
            _ => return Err(corrupt("birthday flag")),
        };
        let mut store = Store::empty();
        ok(store.put_cap(r.tree(DEPTH)?));
        let mut last_index = None;
        for _ in 0..r.len()? {
            let index = r.u64()?;
            if index >= 1 << (DEPTH - SHARD_HEIGHT) || last_index.is_some_and(|l| index <= l) {
                return Err(corrupt("shard index"));
            }
            last_index = Some(index);
            let addr = Address::from_parts(Level::from(SHARD_HEIGHT), index);
            let shard = LocatedTree::from_parts(addr, r.tree(SHARD_HEIGHT)?)
                .map_err(|_| corrupt("shard shape"))?;
            ok(store.put_shard(shard));
        }
        let mut last_id = None;
        for _ in 0..r.len()? {
            let id = r.u64()?;
            if last_id.is_some_and(|l| id <= l) {
                return Err(corrupt("checkpoint order"));
            }
            last_id = Some(id);
            let state = match r.option_u64()? {
                None => TreeState::Empty,
                Some(p) => TreeState::AtPosition(Position::from(p)),
            };
            let mut marks = BTreeSet::new();
            for _ in 0..r.len()? {
                marks.insert(Position::from(r.u64()?));
            }
            ok(store.add_checkpoint(id, Checkpoint::from_parts(state, marks)));
        }
        if !r.rest.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        let tree = Self {
            inner: ShardTree::new(store, MAX_CHECKPOINTS),
            size,
            tip,
            birthday,
        };
        tree.check_consistent()?;
        Ok(tree)
    }

    /// The tip's checkpoint must be the tree's size. (Not the root: that
    /// costs as much as a witness, 0.6 s with 1,000 notes, at every opening;
    /// the checksum already refuses damage.)
    fn check_consistent(&self) -> Result<(), TreeError> {
        let Some(tip) = self.tip else {
            return match self.size {
                0 => Ok(()),
                _ => Err(corrupt("leaves without a tip")),
            };
        };
        let checkpoint = self
            .inner
            .store()
            .get_checkpoint(&tip)
            .unwrap_or(None)
            .ok_or_else(|| corrupt("no checkpoint at the tip"))?;
        if checkpoint.position().map_or(0, |p| u64::from(p) + 1) != self.size
            || self.inner.store().max_checkpoint_id().unwrap_or(None) != Some(tip)
        {
            return Err(corrupt("the tip's checkpoint is not the tree's size"));
        }
        Ok(())
    }
}

/// The frontier's nodes as shardtree addresses: for each set bit `h` of its
/// size, the completed left subtree at height `h` just left of the next
/// position.
fn frontier_nodes(frontier: &CommitmentTree) -> Result<Vec<(Address, Node)>, TreeError> {
    // `CommitmentTree` derives its serialization from `(size: u64,
    // frontier: Vec<Option<Fr>>)`; its fields are private, so read them back
    // from there. `from_frontier` checks the root this gives.
    let mut bytes = Vec::new();
    frontier
        .serialize_compressed(&mut bytes)
        .map_err(|e| TreeError::Frontier(e.to_string()))?;
    let (size, nodes) = <(u64, Vec<Option<Fr>>)>::deserialize_compressed(bytes.as_slice())
        .map_err(|e| TreeError::Frontier(e.to_string()))?;
    if nodes.len() != CIRCUIT_DEPTH {
        return Err(TreeError::Frontier(format!(
            "{} levels, not {CIRCUIT_DEPTH}",
            nodes.len()
        )));
    }
    let mut out = vec![];
    for (h, node) in nodes.into_iter().enumerate() {
        match (node, (size >> h) & 1) {
            (Some(node), 1) => {
                let addr = Address::from_parts(Level::from(h as u8), (size >> h) - 1);
                out.push((addr, Node(node)));
            }
            (None, 0) => {}
            _ => {
                return Err(TreeError::Frontier(format!(
                    "level {h} disagrees with its size"
                )))
            }
        }
    }
    Ok(out)
}

fn checksum(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    *blake2b_personal::<CHECKSUM_LEN>(CHECKSUM_PERSONALIZATION, &[body])
}

/// The memory store never fails.
fn ok<T>(r: Result<T, std::convert::Infallible>) -> T {
    r.unwrap_or_else(|e| match e {})
}

fn corrupt(reason: impl Into<String>) -> TreeError {
    TreeError::Corrupt(reason.into())
}

fn put_len(w: &mut Vec<u8>, len: usize) {
    // Lengths are bounded by the tree (2^32 leaves); u32 is always enough
    // for what the wallet stores, and the reader checks it.
    w.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_bytes(w: &mut Vec<u8>, bytes: &[u8]) {
    put_len(w, bytes.len());
    w.extend_from_slice(bytes);
}

fn put_option_u64(w: &mut Vec<u8>, v: Option<u64>) {
    match v {
        None => w.push(0),
        Some(v) => {
            w.push(1);
            w.extend_from_slice(&v.to_le_bytes());
        }
    }
}

const NIL: u8 = 0;
const LEAF: u8 = 1;
const PARENT: u8 = 2;

/// A pruned tree, depth first: `0` nil, `1 ‖ hash ‖ flags` a leaf, `2 ‖
/// (0 | 1 ‖ hash) ‖ left ‖ right` a parent with its optional cached hash.
fn put_tree(w: &mut Vec<u8>, tree: &PrunableTree<Node>) {
    match &**tree {
        TreeNode::Nil => w.push(NIL),
        TreeNode::Leaf {
            value: (node, flags),
        } => {
            w.push(LEAF);
            w.extend_from_slice(&encode_field(&node.0));
            w.push(flags.bits());
        }
        TreeNode::Parent { ann, left, right } => {
            w.push(PARENT);
            match ann {
                None => w.push(0),
                Some(node) => {
                    w.push(1);
                    w.extend_from_slice(&encode_field(&node.0));
                }
            }
            put_tree(w, left);
            put_tree(w, right);
        }
    }
}

/// Reads what the `put_` functions wrote; every read checks its length.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], TreeError> {
        if n > self.rest.len() {
            return Err(corrupt("truncated"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, TreeError> {
        Ok(self.take(1)?[0])
    }

    fn u64(&mut self) -> Result<u64, TreeError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    /// A count or length; never more than the bytes left, so a forged one
    /// cannot make the reader loop or allocate for long.
    fn len(&mut self) -> Result<usize, TreeError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        let len = u32::from_le_bytes(b) as usize;
        if len > self.rest.len() {
            return Err(corrupt("a length beyond the end"));
        }
        Ok(len)
    }

    fn option_u64(&mut self) -> Result<Option<u64>, TreeError> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.u64()?)),
            _ => Err(corrupt("option flag")),
        }
    }

    fn node(&mut self) -> Result<Node, TreeError> {
        decode_field(self.take(32)?, "tree node")
            .map(Node)
            .map_err(|_| corrupt("a tree node is not a field element"))
    }

    /// A tree whose root is at `level`: recursion stops at level 0, so
    /// forged bytes cannot nest deeper than the tree.
    fn tree(&mut self, level: u8) -> Result<PrunableTree<Node>, TreeError> {
        match self.u8()? {
            NIL => Ok(Tree::empty()),
            LEAF => {
                let node = self.node()?;
                let flags = RetentionFlags::from_bits(self.u8()?)
                    .ok_or_else(|| corrupt("retention flags"))?;
                Ok(Tree::leaf((node, flags)))
            }
            PARENT if level > 0 => {
                let ann = match self.u8()? {
                    0 => None,
                    1 => Some(std::sync::Arc::new(self.node()?)),
                    _ => return Err(corrupt("annotation flag")),
                };
                let left = self.tree(level - 1)?;
                let right = self.tree(level - 1)?;
                Ok(Tree::parent(ann, left, right))
            }
            _ => Err(corrupt("tree node tag")),
        }
    }
}

#[cfg(test)]
mod tests;
