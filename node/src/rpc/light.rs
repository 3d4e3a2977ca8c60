//! The `LightClient` service: blocks, compact blocks and tree states for
//! wallets, and transaction submission. Every node call runs in a blocking
//! task; the compact-block stream reads the chain chunk by chunk into a
//! bounded channel, so a slow client holds back the reads rather than
//! filling the node's memory.

use std::sync::Arc;

use superzk_keys::spending_key::encode_field;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::{
    compact::{compact_range, tree_at},
    status::{array32, blocking, transaction},
};
use crate::{
    error::NodeError,
    node::{Node, TxState},
    proto::{
        block_request::At, light_client_server::LightClient, transaction_status::State, BlockId,
        BlockRange, BlockRequest, CompactBlock, LatestBlockRequest, RawBlock, RawTransaction,
        SendResponse, TransactionStatus, TreeState, TreeStateRequest, TxId,
    },
};

/// Compact blocks read per blocking task: large enough to amortise the
/// task, small enough that a client going away stops the reads soon.
const CHUNK: u64 = 32;
/// Compact blocks buffered ahead of a slow client.
const CHANNEL_DEPTH: usize = 16;

/// The `LightClient` service over a node.
#[derive(Clone)]
pub struct LightService {
    node: Arc<Node>,
    max_blocks_per_stream: u64,
}

impl LightService {
    /// Serves `node`, streaming at most `max_blocks_per_stream` compact
    /// blocks per call.
    pub fn new(node: Arc<Node>, max_blocks_per_stream: u64) -> Self {
        Self {
            node,
            max_blocks_per_stream,
        }
    }
}

/// Refuses a range that is reversed, past the tip or too long.
fn check_range(start: u64, end: u64, tip: u64, max: u64) -> Result<(), Status> {
    if start > end {
        return Err(Status::invalid_argument(format!(
            "range start {start} is after its end {end}"
        )));
    }
    if end > tip {
        return Err(Status::out_of_range(format!(
            "range end {end} is past the tip at height {tip}"
        )));
    }
    // `end - start + 1` cannot overflow: end <= tip < u64::MAX in practice,
    // but a u128 leaves no doubt.
    if u128::from(end - start) + 1 > u128::from(max) {
        return Err(Status::invalid_argument(format!(
            "range of {} blocks is over the limit of {max} per call",
            u128::from(end - start) + 1
        )));
    }
    Ok(())
}

/// Sends compact blocks `start..=end` to `tx`, reading them `CHUNK` at a
/// time; stops at the first error (sent as the stream's status) or when
/// the receiver is gone.
async fn stream_compact(
    node: Arc<Node>,
    start: u64,
    end: u64,
    tx: mpsc::Sender<Result<CompactBlock, Status>>,
) {
    let mut next = start;
    loop {
        if tx.is_closed() {
            return;
        }
        let last = end.min(next.saturating_add(CHUNK - 1));
        match blocking(&node, move |n| compact_range(n, next, last)).await {
            Ok(blocks) => {
                for block in blocks {
                    if tx.send(Ok(block)).await.is_err() {
                        return;
                    }
                }
            }
            Err(status) => {
                let _ = tx.send(Err(status)).await;
                return;
            }
        }
        if last >= end {
            return;
        }
        next = last + 1;
    }
}

fn block_id(height: u64, hash: [u8; 32]) -> BlockId {
    BlockId {
        height,
        hash: hash.to_vec(),
    }
}

#[tonic::async_trait]
impl LightClient for LightService {
    async fn get_latest_block(
        &self,
        _: Request<LatestBlockRequest>,
    ) -> Result<Response<BlockId>, Status> {
        let tip = blocking(&self.node, Node::tip).await?;
        Ok(Response::new(block_id(tip.height, tip.hash())))
    }

    async fn get_block(
        &self,
        request: Request<BlockRequest>,
    ) -> Result<Response<RawBlock>, Status> {
        let block = match request.into_inner().at {
            Some(At::Height(h)) => blocking(&self.node, move |n| n.block_at(h)).await?,
            Some(At::Hash(hash)) => {
                let hash = array32("hash", &hash)?;
                blocking(&self.node, move |n| n.block_by_hash(&hash)).await?
            }
            None => return Err(Status::invalid_argument("give a height or a hash")),
        };
        Ok(Response::new(RawBlock {
            block: block.to_bytes(),
        }))
    }

    type GetCompactBlocksStream = ReceiverStream<Result<CompactBlock, Status>>;

    async fn get_compact_blocks(
        &self,
        request: Request<BlockRange>,
    ) -> Result<Response<Self::GetCompactBlocksStream>, Status> {
        let BlockRange { start, end } = request.into_inner();
        let tip = blocking(&self.node, Node::tip).await?.height;
        check_range(start, end, tip, self.max_blocks_per_stream)?;
        let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
        tokio::spawn(stream_compact(Arc::clone(&self.node), start, end, tx));
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn get_tree_state(
        &self,
        request: Request<TreeStateRequest>,
    ) -> Result<Response<TreeState>, Status> {
        let height = request.into_inner().height;
        let state = blocking(&self.node, move |n| {
            let header = n
                .chain()
                .header(height)?
                .ok_or_else(|| NodeError::NotFound(format!("no block at height {height}")))?;
            let (tree, frontier) = tree_at(n, height)?;
            Ok(TreeState {
                height,
                hash: header.hash().to_vec(),
                size: tree.size(),
                root: encode_field(&tree.root()).to_vec(),
                frontier,
            })
        })
        .await?;
        Ok(Response::new(state))
    }

    async fn send_transaction(
        &self,
        request: Request<RawTransaction>,
    ) -> Result<Response<SendResponse>, Status> {
        let tx = transaction(&request.into_inner().tx)?;
        let id = blocking(&self.node, move |n| n.submit_transaction(tx)).await?;
        Ok(Response::new(SendResponse { txid: id.to_vec() }))
    }

    async fn get_transaction_status(
        &self,
        request: Request<TxId>,
    ) -> Result<Response<TransactionStatus>, Status> {
        let id = array32("txid", &request.into_inner().txid)?;
        let state = blocking(&self.node, move |n| n.transaction_status(&id)).await?;
        let (state, height) = match state {
            TxState::Unknown => (State::Unknown, 0),
            TxState::Pending => (State::Pending, 0),
            TxState::Mined(h) => (State::Mined, h),
        };
        Ok(Response::new(TransactionStatus {
            state: state as i32,
            height,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn ranges_are_checked() {
        assert!(check_range(0, 10, 10, 11).is_ok());
        assert_eq!(
            check_range(5, 4, 10, 100).unwrap_err().code(),
            Code::InvalidArgument
        );
        assert_eq!(
            check_range(0, 11, 10, 100).unwrap_err().code(),
            Code::OutOfRange
        );
        assert_eq!(
            check_range(0, 10, 10, 10).unwrap_err().code(),
            Code::InvalidArgument
        );
        assert!(check_range(u64::MAX, u64::MAX, u64::MAX, 1).is_ok());
    }
}
