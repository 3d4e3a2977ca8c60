//! Where the wallet reads the chain from: a [`ChainSource`].
//!
//! The wallet engine never speaks a transport itself. An application gives it
//! a `ChainSource`: the CLI's adapter speaks to a node's gRPC light-client
//! API, tests use an in-process node. The types here mirror the node's
//! compact blocks (PROTOCOL.md, "Compact blocks") without depending on any
//! generated code.

use superzk_verifier::transaction::Transaction;

/// One output as a compact block carries it: enough to trial-decrypt a note
/// and to append its commitment to the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactOutput {
    /// Note commitment (field element, little-endian).
    pub cm: [u8; 32],
    /// Ephemeral public key.
    pub epk: [u8; 32],
    /// For a note, the first 148 bytes of its ciphertext (the plaintext up
    /// to and including `rcm`); for a package, the whole ciphertext.
    pub ciphertext: Vec<u8>,
}

/// A transaction's shielded part as a compact block carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactTx {
    /// Position of the transaction in its block.
    pub index: u32,
    /// The chain's transaction id.
    pub txid: [u8; 32],
    /// Nullifiers it reveals (notes and packages).
    pub nullifiers: Vec<[u8; 32]>,
    /// Its outputs in tree order (notes, then packages).
    pub outputs: Vec<CompactOutput>,
}

/// A block as the wallet scans it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactBlock {
    /// Height.
    pub height: u64,
    /// Block hash.
    pub hash: [u8; 32],
    /// Parent block hash.
    pub parent: [u8; 32],
    /// Block time (seconds since the Unix epoch).
    pub time: u64,
    /// Size of the note commitment tree after this block.
    pub tree_size: u64,
    /// Its transactions with shielded parts, in block order.
    pub txs: Vec<CompactTx>,
}

/// The note commitment tree after a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeState {
    /// Height of the block.
    pub height: u64,
    /// Its hash.
    pub hash: [u8; 32],
    /// Number of notes in the tree.
    pub size: u64,
    /// Tree root (an anchor), field element little-endian.
    pub root: [u8; 32],
    /// The frontier: `superzk_circuits::tree::CommitmentTree` serialized
    /// with ark-serialize, compressed.
    pub frontier: Vec<u8>,
}

/// What the node says of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// The node does not know it (never seen, dropped or expired).
    Unknown,
    /// In the node's mempool.
    Pending,
    /// Mined in the block at this height.
    Mined(u64),
}

/// Why the chain source failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source could not be reached or broke off.
    #[error("the chain source failed: {0}; check that the node is running and reachable")]
    Unavailable(String),
    /// The source answered with something the wallet cannot use.
    #[error("the chain source sent a malformed {what}: {reason}")]
    Malformed {
        /// What was malformed.
        what: &'static str,
        /// What was wrong with it.
        reason: String,
    },
    /// The source refused a request (a transaction it will not relay, a
    /// height it does not have).
    #[error("the chain source refused: {0}")]
    Refused(String),
}

/// A chain the wallet syncs from and sends to.
///
/// Blocking by design: sync runs on its own thread (and trial decryption
/// on rayon's pool); an async application wraps its client with
/// `block_on`, as the CLI does.
pub trait ChainSource {
    /// Height and hash of the best chain's tip.
    fn tip(&self) -> Result<(u64, [u8; 32]), SourceError>;

    /// Compact blocks `start..=end` of the best chain, in order. A source
    /// may return fewer than asked (a limit per call); never more, never
    /// out of order.
    fn compact_blocks(&self, start: u64, end: u64) -> Result<Vec<CompactBlock>, SourceError>;

    /// The tree after block `height`.
    fn tree_state(&self, height: u64) -> Result<TreeState, SourceError>;

    /// The shielded part of the transaction at `index` in the block at
    /// `height` (for memos and asset names, which compact blocks leave out).
    fn transaction(&self, height: u64, index: u32) -> Result<Transaction, SourceError>;

    /// Sends a shielded transaction; returns the chain's transaction id.
    fn send(&self, tx: &Transaction) -> Result<[u8; 32], SourceError>;

    /// What the node knows of a transaction.
    fn status(&self, txid: &[u8; 32]) -> Result<TxStatus, SourceError>;
}
