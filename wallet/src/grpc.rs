//! A [`ChainSource`] over a node's gRPC light-client API (feature
//! `node-client`): what the CLI and native applications sync from.
//!
//! The trait is blocking, the client async: the source owns a small
//! current-thread tokio runtime and blocks on each call. Every reply is
//! checked before the wallet sees it (lengths, heights in order, the block a
//! transaction is read from), so a lying or broken node gives a
//! [`SourceError::Malformed`], never a panic.

use std::sync::Mutex;

use superzk_chain_core::{
    block::Block,
    tx::{ChainTx, ShieldedTx},
};
use superzk_node::proto::{
    self, block_request::At, light_client_client::LightClientClient, transaction_status::State,
};
use superzk_verifier::transaction::Transaction;
use tokio::runtime::Runtime;
use tonic::transport::Channel;

use crate::source::{
    ChainSource, CompactBlock, CompactOutput, CompactTx, SourceError, TreeState, TxStatus,
};

/// Most compact blocks asked for in one call (the node streams at most
/// 10,000; smaller pages keep progress reports frequent).
pub const COMPACT_PAGE: u64 = 1_000;

/// A node reached over gRPC.
pub struct NodeSource {
    url: String,
    runtime: Runtime,
    client: Mutex<LightClientClient<Channel>>,
}

impl std::fmt::Debug for NodeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeSource")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl NodeSource {
    /// Connects to the node at `url` (e.g. `http://127.0.0.1:8232`).
    pub fn connect(url: &str) -> Result<Self, SourceError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SourceError::Unavailable(format!("cannot start a runtime: {e}")))?;
        let (client, _) = runtime
            .block_on(superzk_node::rpc::connect(url))
            .map_err(|e| SourceError::Unavailable(e.to_string()))?;
        Ok(Self {
            url: url.to_string(),
            runtime,
            client: Mutex::new(client),
        })
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A clone of the client (tonic clients are cheap handles).
    fn client(&self) -> LightClientClient<Channel> {
        match self.client.lock() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn failed(&self, call: &str, status: tonic::Status) -> SourceError {
        match status.code() {
            tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Cancelled => {
                SourceError::Unavailable(format!("{call} at {}: {}", self.url, status.message()))
            }
            code => SourceError::Refused(format!("{call}: {code:?}: {}", status.message())),
        }
    }

    /// The best chain's block at `height`, checked to be that height.
    fn block(&self, height: u64) -> Result<Block, SourceError> {
        let request = proto::BlockRequest {
            at: Some(At::Height(height)),
        };
        let raw = self
            .runtime
            .block_on(self.client().get_block(request))
            .map_err(|s| self.failed("GetBlock", s))?
            .into_inner()
            .block;
        let block = Block::from_bytes(&raw).map_err(|e| malformed("block", e.to_string()))?;
        if block.header.height != height {
            return Err(malformed(
                "block",
                format!("block {} when asked for {height}", block.header.height),
            ));
        }
        Ok(block)
    }
}

fn malformed(what: &'static str, reason: impl Into<String>) -> SourceError {
    SourceError::Malformed {
        what,
        reason: reason.into(),
    }
}

fn bytes32(bytes: &[u8], what: &'static str) -> Result<[u8; 32], SourceError> {
    bytes
        .try_into()
        .map_err(|_| malformed(what, format!("{} bytes, not 32", bytes.len())))
}

fn compact_output(o: proto::CompactOutput) -> Result<CompactOutput, SourceError> {
    Ok(CompactOutput {
        cm: bytes32(&o.cm, "note commitment")?,
        epk: bytes32(&o.epk, "ephemeral key")?,
        ciphertext: o.ciphertext,
    })
}

fn compact_tx(t: proto::CompactTx) -> Result<CompactTx, SourceError> {
    Ok(CompactTx {
        index: t.index,
        txid: bytes32(&t.txid, "transaction id")?,
        nullifiers: t
            .spends
            .iter()
            .map(|s| bytes32(&s.nullifier, "nullifier"))
            .collect::<Result<_, _>>()?,
        outputs: t
            .outputs
            .into_iter()
            .map(compact_output)
            .collect::<Result<_, _>>()?,
    })
}

/// A compact block as the node's API sends it, checked and converted (every
/// hash, nullifier, commitment and key must be 32 bytes).
pub fn compact_block(b: proto::CompactBlock) -> Result<CompactBlock, SourceError> {
    Ok(CompactBlock {
        height: b.height,
        hash: bytes32(&b.hash, "block hash")?,
        parent: bytes32(&b.parent, "parent hash")?,
        time: b.time,
        tree_size: b.tree_size,
        txs: b
            .txs
            .into_iter()
            .map(compact_tx)
            .collect::<Result<_, _>>()?,
    })
}

impl ChainSource for NodeSource {
    fn tip(&self) -> Result<(u64, [u8; 32]), SourceError> {
        let id = self
            .runtime
            .block_on(self.client().get_latest_block(proto::LatestBlockRequest {}))
            .map_err(|s| self.failed("GetLatestBlock", s))?
            .into_inner();
        Ok((id.height, bytes32(&id.hash, "block hash")?))
    }

    fn compact_blocks(&self, start: u64, end: u64) -> Result<Vec<CompactBlock>, SourceError> {
        if end < start {
            return Ok(vec![]);
        }
        let end = end.min(start.saturating_add(COMPACT_PAGE - 1));
        let mut client = self.client();
        self.runtime.block_on(async {
            let range = proto::BlockRange { start, end };
            let mut stream = client
                .get_compact_blocks(range)
                .await
                .map_err(|s| self.failed("GetCompactBlocks", s))?
                .into_inner();
            let mut blocks = vec![];
            while let Some(b) = stream
                .message()
                .await
                .map_err(|s| self.failed("GetCompactBlocks", s))?
            {
                let due = start + blocks.len() as u64;
                if b.height != due || due > end {
                    return Err(malformed(
                        "compact block",
                        format!("block {} where {due} was due", b.height),
                    ));
                }
                blocks.push(compact_block(b)?);
            }
            Ok(blocks)
        })
    }

    fn tree_state(&self, height: u64) -> Result<TreeState, SourceError> {
        let s = self
            .runtime
            .block_on(
                self.client()
                    .get_tree_state(proto::TreeStateRequest { height }),
            )
            .map_err(|s| self.failed("GetTreeState", s))?
            .into_inner();
        if s.height != height {
            return Err(malformed(
                "tree state",
                format!("for block {} when asked for {height}", s.height),
            ));
        }
        Ok(TreeState {
            height: s.height,
            hash: bytes32(&s.hash, "block hash")?,
            size: s.size,
            root: bytes32(&s.root, "tree root")?,
            frontier: s.frontier,
        })
    }

    fn transaction(&self, height: u64, index: u32) -> Result<Transaction, SourceError> {
        let block = self.block(height)?;
        match block.txs.get(index as usize) {
            Some(ChainTx::Shielded(s)) => Ok(s.tx.clone()),
            Some(_) => Err(malformed(
                "block",
                format!("transaction {index} of block {height} is not shielded"),
            )),
            None => Err(malformed(
                "block",
                format!("block {height} has no transaction {index}"),
            )),
        }
    }

    fn send(&self, tx: &Transaction) -> Result<[u8; 32], SourceError> {
        if tx.public_account.is_some() {
            return Err(SourceError::Refused(
                "a transaction naming a public account needs that account's authorization; \
                 the wallet sends shielded-only transactions"
                    .into(),
            ));
        }
        let wrapped = ChainTx::Shielded(Box::new(ShieldedTx {
            tx: tx.clone(),
            public: None,
        }));
        let request = proto::RawTransaction {
            tx: wrapped.to_bytes(),
        };
        let reply = self
            .runtime
            .block_on(self.client().send_transaction(request))
            .map_err(|s| self.failed("SendTransaction", s))?
            .into_inner();
        bytes32(&reply.txid, "transaction id")
    }

    fn status(&self, txid: &[u8; 32]) -> Result<TxStatus, SourceError> {
        let request = proto::TxId {
            txid: txid.to_vec(),
        };
        let status = self
            .runtime
            .block_on(self.client().get_transaction_status(request))
            .map_err(|s| self.failed("GetTransactionStatus", s))?
            .into_inner();
        Ok(match status.state() {
            State::Unknown => TxStatus::Unknown,
            State::Pending => TxStatus::Pending,
            State::Mined => TxStatus::Mined(status.height),
        })
    }
}

impl NodeSource {
    /// The node's network name and chain id (its genesis block hash): what
    /// a new wallet binds itself to.
    pub fn chain_identity(&self) -> Result<(String, [u8; 32]), SourceError> {
        let status = self
            .runtime
            .block_on(async {
                let (_, mut chain) = superzk_node::rpc::connect(&self.url)
                    .await
                    .map_err(|e| SourceError::Unavailable(e.to_string()))?;
                chain
                    .get_status(proto::StatusRequest {})
                    .await
                    .map_err(|s| self.failed("GetStatus", s))
            })?
            .into_inner();
        Ok((status.network, bytes32(&status.chain_id, "chain id")?))
    }
}
