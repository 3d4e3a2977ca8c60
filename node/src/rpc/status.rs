//! The boundary between the node's typed errors and gRPC: one status code
//! per [`NodeError`] variant, and the checked decoders every `bytes` field
//! of a request goes through. Checking here, before any node call, keeps
//! malformed input from ever reaching the chain, and gives the caller a
//! message naming the field that was wrong.

use std::sync::Arc;

use superzk_chain_core::{
    block::Block,
    codec::Reader,
    error::{ChainError, DecodeError},
    tx::ChainTx,
};
use superzk_keys::signature::Signature;
use tonic::Status;

use crate::{error::NodeError, mempool::MempoolError, node::Node};

impl From<NodeError> for Status {
    fn from(e: NodeError) -> Self {
        match e {
            NodeError::Chain(c) => chain_status(c),
            // The mempool's refusals are about the chain's current state
            // (a spent nullifier, a full pool): the request was well formed.
            NodeError::Mempool(m) => mempool_status(m),
            NodeError::Vote(v) => Status::failed_precondition(format!("vote refused: {v}")),
            NodeError::NotFound(m) => Status::not_found(m),
            NodeError::Invalid(m) => Status::invalid_argument(m),
            NodeError::Stopped => Status::unavailable("the node is shutting down"),
            // Local failures: the caller cannot fix them, and file paths
            // stay in the node's log rather than in a network reply.
            e @ (NodeError::Config(_) | NodeError::Io { .. }) => {
                tracing::error!(error = %e, "rpc: internal error");
                Status::internal("internal error (see the node's log)")
            }
        }
    }
}

fn mempool_status(m: MempoolError) -> Status {
    let message = format!("transaction refused: {m}");
    match m {
        MempoolError::Duplicate { .. } => Status::already_exists(message),
        MempoolError::Full { .. } => Status::resource_exhausted(message),
        MempoolError::TooLarge { .. } | MempoolError::Invalid(ChainError::Decode(_)) => {
            Status::invalid_argument(message)
        }
        MempoolError::Stopped => Status::unavailable(message),
        // About the chain's current state (a spent nullifier, a stale
        // nonce, a low fee): the request was well formed.
        _ => Status::failed_precondition(message),
    }
}

fn chain_status(e: ChainError) -> Status {
    match e {
        ChainError::Block { .. } | ChainError::Decode(_) => Status::invalid_argument(e.to_string()),
        ChainError::Usage(m) => Status::failed_precondition(m),
        ChainError::Store(_) | ChainError::WrongChain(_) => {
            tracing::error!(error = %e, "rpc: store error");
            Status::internal("internal error: the chain store failed (see the node's log)")
        }
    }
}

/// Runs `f` on the node in a blocking task (every `Node` method reads the
/// disk or checks proofs), turning its error into a status.
pub(crate) async fn blocking<T, F>(node: &Arc<Node>, f: F) -> Result<T, Status>
where
    T: Send + 'static,
    F: FnOnce(&Node) -> Result<T, NodeError> + Send + 'static,
{
    let node = Arc::clone(node);
    tokio::task::spawn_blocking(move || f(&node))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "rpc: blocking task failed");
            Status::internal("internal error: a worker task failed")
        })?
        .map_err(Status::from)
}

/// `bytes` as a 32-byte value (hash, id, account), or InvalidArgument
/// naming `field`.
pub(crate) fn array32(field: &str, bytes: &[u8]) -> Result<[u8; 32], Status> {
    bytes.try_into().map_err(|_| {
        Status::invalid_argument(format!("{field} must be 32 bytes, got {}", bytes.len()))
    })
}

/// `bytes` as a 64-byte signature.
pub(crate) fn signature(bytes: &[u8]) -> Result<Signature, Status> {
    let raw: [u8; 64] = bytes.try_into().map_err(|_| {
        Status::invalid_argument(format!("signature must be 64 bytes, got {}", bytes.len()))
    })?;
    Ok(Signature::from_bytes(&raw))
}

/// A block in its canonical encoding.
pub(crate) fn block(bytes: &[u8]) -> Result<Block, Status> {
    if bytes.is_empty() {
        return Err(Status::invalid_argument("block: empty"));
    }
    Block::from_bytes(bytes).map_err(|e| decode_status("block", e))
}

/// A transaction in its canonical encoding, with nothing after it.
pub(crate) fn transaction(bytes: &[u8]) -> Result<ChainTx, Status> {
    if bytes.is_empty() {
        return Err(Status::invalid_argument("transaction: empty"));
    }
    let mut r = Reader::new(bytes);
    let tx = ChainTx::read(&mut r).map_err(|e| decode_status("transaction", e))?;
    r.finish().map_err(|e| decode_status("transaction", e))?;
    Ok(tx)
}

fn decode_status(what: &str, e: DecodeError) -> Status {
    Status::invalid_argument(format!("{what}: undecodable: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn every_variant_has_its_code() {
        let cases = [
            (NodeError::NotFound("x".into()), Code::NotFound),
            (NodeError::Invalid("x".into()), Code::InvalidArgument),
            (NodeError::Vote("x".into()), Code::FailedPrecondition),
            (NodeError::Stopped, Code::Unavailable),
            (NodeError::Config("x".into()), Code::Internal),
            (
                NodeError::io("f", std::io::Error::other("disk")),
                Code::Internal,
            ),
            (
                NodeError::Chain(ChainError::Store("s".into())),
                Code::Internal,
            ),
            (
                NodeError::Chain(ChainError::Usage("u".into())),
                Code::FailedPrecondition,
            ),
            (
                NodeError::Mempool(MempoolError::Invalid(ChainError::Usage("u".into()))),
                Code::FailedPrecondition,
            ),
            (
                NodeError::Mempool(MempoolError::Duplicate { id: [0; 32] }),
                Code::AlreadyExists,
            ),
            (
                NodeError::Mempool(MempoolError::Full { bytes: 1, max: 1 }),
                Code::ResourceExhausted,
            ),
        ];
        for (e, code) in cases {
            assert_eq!(Status::from(e).code(), code);
        }
    }

    #[test]
    fn lengths_are_checked() {
        assert!(array32("hash", &[0; 32]).is_ok());
        let s = array32("hash", &[0; 31]).unwrap_err();
        assert_eq!(s.code(), Code::InvalidArgument);
        assert!(s.message().contains("hash must be 32 bytes, got 31"));
        assert!(signature(&[0; 63]).is_err());
        assert_eq!(transaction(&[]).unwrap_err().code(), Code::InvalidArgument);
        assert_eq!(block(&[1, 2, 3]).unwrap_err().code(), Code::InvalidArgument);
    }
}
