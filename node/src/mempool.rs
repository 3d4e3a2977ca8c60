//! The mempool: transactions waiting for a block.
//!
//! A transaction is admitted when it would be valid in the block after the
//! tip (chain-core's `check_pending`: the block validator's own rules, with
//! the account's nonce counted past its pending transactions), does not
//! spend a nullifier another pending transaction spends, pays at least the
//! minimum fee rate, and fits. Proofs and signatures are the expensive part,
//! so they are verified in batches across arrivals: submitters queue their
//! transactions, and one of them (the leader) takes everything queued and
//! verifies it in one `verify_pending` batch outside the pool's lock, then
//! inserts under the lock, re-checking what may have changed meanwhile. A
//! busy node thus pays for one batch per burst, not one per transaction.
//!
//! The pool is bounded in bytes. When it is full, a newcomer that pays a
//! higher fee rate evicts the lowest-paying transactions (and the later
//! transactions of their accounts, which cannot be mined without them);
//! otherwise it is refused. After each new tip, mined transactions leave,
//! transactions of disconnected blocks come back if still valid, and the
//! rest are re-validated in order (`applicable`); the invalid and expired
//! go.
//!
//! Known limit: admission checks a transaction against the tip's state, not
//! against the state after the account's earlier pending transactions (only
//! their nonces are counted), so two pending transactions may together
//! spend more than the account holds. Block templates only take
//! transactions that apply together, and the next tip evicts the rest.

mod admission;
mod pool;

use superzk_chain_core::{block::Block, error::ChainError, tx::ChainTx};

pub use admission::admit_one;
pub use pool::Mempool;

/// Why the mempool refused a transaction. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum MempoolError {
    /// The same transaction is already pending.
    #[error("transaction {} is already pending; wait for it to be mined", hex::encode(.id))]
    Duplicate {
        /// Its id.
        id: [u8; 32],
    },
    /// Another pending transaction spends the same note.
    #[error(
        "nullifier {} is already spent by pending transaction {}; a note is spent once: wait \
         for that transaction to be mined or dropped, or spend another note",
        hex::encode(.nullifier),
        hex::encode(.pending)
    )]
    Conflict {
        /// The nullifier both spend.
        nullifier: [u8; 32],
        /// The pending transaction that spends it.
        pending: [u8; 32],
    },
    /// The fee is below the pool's minimum fee rate.
    #[error(
        "fee {fee} for {size} bytes is below this node's minimum of {min} ({rate} per byte); \
         raise the fee"
    )]
    FeeTooLow {
        /// The transaction's fee.
        fee: u64,
        /// Its size in bytes.
        size: usize,
        /// The least fee this size needs.
        min: u64,
        /// The minimum fee per byte.
        rate: u64,
    },
    /// The pool is full of transactions that pay at least as much per byte.
    #[error(
        "the mempool is full ({bytes} of {max} bytes) of transactions paying at least as much \
         per byte; raise the fee or submit later"
    )]
    Full {
        /// Bytes held.
        bytes: usize,
        /// The bound.
        max: usize,
    },
    /// The transaction is larger than the pool takes.
    #[error("the transaction has {size} bytes, more than the {max} a pending transaction may have; split it")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// An earlier transaction of the same account left the pool while this
    /// one was being verified, so its nonce no longer follows on.
    #[error(
        "an earlier pending transaction of account {} was dropped while this one was verified; \
         its nonce {nonce} no longer follows on: resubmit the earlier one first",
        hex::encode(.account)
    )]
    MissingPredecessor {
        /// The account.
        account: [u8; 32],
        /// This transaction's nonce.
        nonce: u64,
    },
    /// The transaction breaks a consensus rule for the next block.
    #[error("the transaction is not valid in the next block: {0}")]
    Invalid(#[from] ChainError),
    /// The verifying submitter stopped before answering (a bug: it panicked).
    #[error("the mempool's admission stopped before answering; submit again")]
    Stopped,
}

/// Mempool bounds and policy.
#[derive(Clone, Debug)]
pub struct MempoolLimits {
    /// Bytes of transactions held at most.
    pub max_bytes: usize,
    /// Bytes of one transaction at most.
    pub max_tx_bytes: usize,
    /// The least fee per byte a shielded transaction pays (0 on a devnet).
    /// Transparent transactions carry no fee and are not held to it.
    pub min_fee_rate: u64,
    /// Transactions verified in one batch at most.
    pub max_batch: usize,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            max_tx_bytes: 1 << 20,
            min_fee_rate: 0,
            max_batch: 256,
        }
    }
}

/// The transactions of `blocks` after their coinbase (or genesis).
fn block_txs(blocks: &[Block]) -> impl Iterator<Item = &ChainTx> {
    blocks.iter().flat_map(|b| b.txs.iter().skip(1))
}
