//! The node's errors: each says what was refused and why, and maps to one
//! gRPC status (see `rpc`).

use superzk_chain_core::error::ChainError;

/// Why the node refused a request or could not go on.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A block or transaction breaks a consensus rule.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The mempool refused a transaction.
    #[error("transaction refused: {0}")]
    Mempool(#[from] crate::mempool::MempoolError),
    /// A vote was refused.
    #[error("vote refused: {0}")]
    Vote(String),
    /// The request does not fit (an unknown height or hash, a bad range).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// A file or socket failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being read or written.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// The node is shutting down or a worker stopped.
    #[error("the node is shutting down")]
    Stopped,
}

impl NodeError {
    /// An I/O error on `what`.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}
