//! A [`ChainSource`] over a node's gRPC light-client API (feature
//! `node-client`): what the CLI and native applications sync from.
//!
//! The trait is blocking, the client async: the source owns a small
//! current-thread tokio runtime and blocks on each call. Every reply is
//! checked and converted by [`node_api`] (shared with the browser
//! wallet's gRPC-web client), so a lying or broken node gives a
//! [`SourceError::Malformed`], never a panic.

use std::sync::Mutex;

use superzk_proto::node::{self as proto, light_client_client::LightClientClient};
use superzk_verifier::transaction::Transaction;
use tokio::runtime::Runtime;
use tonic::transport::Channel;

use crate::{
    node_api,
    source::{ChainSource, CompactBlock, SourceError, TreeState, TxStatus},
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
}

impl ChainSource for NodeSource {
    fn tip(&self) -> Result<(u64, [u8; 32]), SourceError> {
        let id = self
            .runtime
            .block_on(self.client().get_latest_block(proto::LatestBlockRequest {}))
            .map_err(|s| self.failed("GetLatestBlock", s))?
            .into_inner();
        node_api::tip(id)
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
                blocks.push(node_api::next_compact_block(b, due, end)?);
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
        node_api::tree_state(s, height)
    }

    fn transaction(&self, height: u64, index: u32) -> Result<Transaction, SourceError> {
        let raw = self
            .runtime
            .block_on(self.client().get_block(node_api::block_request(height)))
            .map_err(|s| self.failed("GetBlock", s))?
            .into_inner();
        node_api::shielded_tx(raw, height, index)
    }

    fn send(&self, tx: &Transaction) -> Result<[u8; 32], SourceError> {
        if tx.public_account.is_some() {
            return Err(SourceError::Refused(
                "a transaction naming a public account needs that account's authorization; \
                 the wallet sends shielded-only transactions"
                    .into(),
            ));
        }
        let request = node_api::raw_transaction(tx);
        let reply = self
            .runtime
            .block_on(self.client().send_transaction(request))
            .map_err(|s| self.failed("SendTransaction", s))?
            .into_inner();
        node_api::sent_txid(reply)
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
        Ok(node_api::tx_status(status))
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
        node_api::chain_identity(status)
    }
}
