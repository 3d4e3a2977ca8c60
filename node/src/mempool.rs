//! The mempool (placeholder API: the mempool helper replaces this file).

use std::sync::Mutex;

use rand_core::CryptoRngCore;
use superzk_chain_core::{block::Block, chain::Chain, tx::ChainTx};

/// Why the mempool refused a transaction.
#[derive(Debug, thiserror::Error)]
pub enum MempoolError {
    /// Placeholder.
    #[error("{0}")]
    Refused(String),
}

/// Mempool bounds.
#[derive(Clone, Debug)]
pub struct MempoolLimits {
    /// Bytes of transactions held at most.
    pub max_bytes: usize,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
        }
    }
}

/// Pending transactions.
pub struct Mempool {
    _limits: MempoolLimits,
}

impl Mempool {
    /// An empty pool.
    pub fn new(limits: MempoolLimits) -> Self {
        Self { _limits: limits }
    }
    /// Follows a new tip.
    pub fn on_new_tip(
        &mut self,
        _chain: &Chain,
        _connected: &[Block],
        _disconnected: &[Block],
        _rng: &mut dyn CryptoRngCore,
    ) {
    }
    /// Whether `id` is pending.
    pub fn contains(&self, _id: &[u8; 32]) -> bool {
        false
    }
    /// Transactions held.
    pub fn len(&self) -> usize {
        0
    }
    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        true
    }
    /// Bytes held.
    pub fn bytes(&self) -> usize {
        0
    }
    /// Transactions for the next block, in the order to include them.
    pub fn block_candidates(&self, _chain: &Chain, _max_bytes: usize) -> Vec<ChainTx> {
        vec![]
    }
}

/// Checks `tx` and admits it.
pub fn admit_one(
    _pool: &Mutex<Mempool>,
    _chain: &Chain,
    _tx: ChainTx,
    _rng: &mut dyn CryptoRngCore,
) -> Result<[u8; 32], MempoolError> {
    Err(MempoolError::Refused("not yet".into()))
}
