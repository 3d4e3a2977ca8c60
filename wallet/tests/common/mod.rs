//! What the wallet's integration tests share: an in-process node on a temp
//! dir, a `ChainSource` over it, and real shielded transactions built with
//! the prover on the demo parameters.

#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use rand_chacha::ChaCha20Rng;
use superzk_chain_core::{
    params::COIN,
    tx::{Authorization, ChainTx, ShieldedTx},
};
use superzk_circuits::{asset::AssetInfo, note::AssetId, tree::CommitmentTree};
use superzk_keys::{
    address::PaymentAddress, note_plaintext::MEMO_LEN, params::ParameterCache,
    spending_key::encode_field,
};
use superzk_node::{
    network::{devnet_key, Network, GENESIS_TIME},
    node::{Node, NodeOptions, TxState},
};
use superzk_prover::{ProvingKeys, TransactionBuilder};
use superzk_verifier::transaction::Transaction;
use superzk_wallet::{
    node_api::compact_block, ChainIdentity, ChainSource, CompactBlock, SourceError, TreeState,
    TxStatus,
};

pub const MINER: [u8; 32] = [9; 32];

/// The seed of the demo parameters (the devnet's built-in keys).
const DEMO_PARAMS_SEED: &[u8] = b"SuperZK insecure demo parameters v1";

fn params_dir() -> PathBuf {
    std::env::var_os("SUPERZK_PARAMS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params"))
}

/// The demo proving keys (cached on disk).
pub fn proving_keys() -> ProvingKeys {
    ProvingKeys::insecure_from_cache(&ParameterCache::new(params_dir()), DEMO_PARAMS_SEED, |_| {})
        .expect("demo parameters load or generate")
}

/// A devnet node in `dir`.
pub fn open_node(dir: &Path) -> Arc<Node> {
    let (options, genesis) = NodeOptions::for_network(Network::Devnet, dir.to_path_buf()).unwrap();
    Node::open(options, genesis).unwrap()
}

/// The chain identity of a devnet node.
pub fn identity(node: &Node) -> ChainIdentity {
    ChainIdentity {
        network: "devnet".into(),
        genesis_hash: node.chain_id().unwrap(),
    }
}

/// Mines the node's next block with what its mempool holds.
pub fn mine(node: &Node) -> u64 {
    let h = node.tip().unwrap().height + 1;
    node.mine_block(MINER, GENESIS_TIME + 10 * h).unwrap();
    h
}

/// A memo holding `text`.
pub fn memo(text: &str) -> [u8; MEMO_LEN] {
    let mut m = [0u8; MEMO_LEN];
    m[..text.len()].copy_from_slice(text.as_bytes());
    m
}

/// Shields `values` of the native coin from alice's account (next nonce
/// `nonce`) to `to`, each with `memo`.
pub fn shielding(
    pk: &ProvingKeys,
    chain_id: [u8; 32],
    nonce: u64,
    to: &[(PaymentAddress, u64, [u8; MEMO_LEN])],
    rng: &mut ChaCha20Rng,
) -> ChainTx {
    let alice = devnet_key("alice");
    let total: u64 = to.iter().map(|t| t.1).sum();
    let mut b = TransactionBuilder::new();
    b.set_public_account(alice.id()).set_chain_id(chain_id);
    b.add_public_input(AssetId::native(), total);
    for (addr, value, memo) in to {
        b.add_output(None, *addr, AssetInfo::native(), *value, *memo);
    }
    let stx = b.build(pk, rng).expect("shielding builds");
    let mut tx = ChainTx::Shielded(Box::new(ShieldedTx {
        tx: stx,
        public: Some(Authorization::unsigned()),
    }));
    tx.authorize(&alice, nonce, &chain_id, rng);
    tx
}

/// Alice's next nonce on `node`.
pub fn alice_nonce(node: &Node) -> u64 {
    node.account(&devnet_key("alice").id()).unwrap().1
}

/// A shielded-only chain transaction.
pub fn shielded(tx: Transaction) -> ChainTx {
    ChainTx::Shielded(Box::new(ShieldedTx { tx, public: None }))
}

/// One coin.
pub const ONE: u64 = COIN;

/// A `ChainSource` over an in-process node.
pub struct NodeSource(pub Arc<Node>);

fn unavailable(e: impl std::fmt::Display) -> SourceError {
    SourceError::Unavailable(e.to_string())
}

impl ChainSource for NodeSource {
    fn tip(&self) -> Result<(u64, [u8; 32]), SourceError> {
        let h = self.0.tip().map_err(unavailable)?;
        Ok((h.height, h.hash()))
    }

    fn compact_blocks(&self, start: u64, end: u64) -> Result<Vec<CompactBlock>, SourceError> {
        let blocks = self.0.compact_blocks(start, end).map_err(unavailable)?;
        blocks.into_iter().map(compact_block).collect()
    }

    fn tree_state(&self, height: u64) -> Result<TreeState, SourceError> {
        use ark_serialize::CanonicalDeserialize;
        let frontier = self.0.tree_state(height).map_err(unavailable)?;
        let tree =
            CommitmentTree::deserialize_compressed(frontier.as_slice()).map_err(unavailable)?;
        let header = self
            .0
            .chain()
            .header(height)
            .map_err(unavailable)?
            .ok_or_else(|| SourceError::Refused(format!("no block at {height}")))?;
        Ok(TreeState {
            height,
            hash: header.hash(),
            size: tree.size(),
            root: encode_field(&tree.root()),
            frontier,
        })
    }

    fn transaction(&self, height: u64, index: u32) -> Result<Transaction, SourceError> {
        let block = self.0.block_at(height).map_err(unavailable)?;
        match block.txs.get(index as usize) {
            Some(ChainTx::Shielded(s)) => Ok(s.tx.clone()),
            _ => Err(SourceError::Refused(format!(
                "no shielded tx {index} at {height}"
            ))),
        }
    }

    fn send(&self, tx: &Transaction) -> Result<[u8; 32], SourceError> {
        self.0
            .submit_transaction(shielded(tx.clone()))
            .map_err(|e| SourceError::Refused(e.to_string()))
    }

    fn status(&self, txid: &[u8; 32]) -> Result<TxStatus, SourceError> {
        Ok(
            match self.0.transaction_status(txid).map_err(unavailable)? {
                TxState::Unknown => TxStatus::Unknown,
                TxState::Pending => TxStatus::Pending,
                TxState::Mined(h) => TxStatus::Mined(h),
            },
        )
    }
}

/// One wallet with one spending account on a fresh in-process devnet node:
/// what most of the tests start from.
pub struct Scene {
    /// Holds the node's data and the wallet's database.
    pub dir: tempfile::TempDir,
    pub node: Arc<Node>,
    pub source: NodeSource,
    pub chain_id: [u8; 32],
    pub sk: superzk_keys::spending_key::SpendingKey,
    /// The wallet's database file.
    pub path: PathBuf,
    pub w: superzk_wallet::Wallet,
    pub acc: superzk_wallet::AccountId,
}

impl Scene {
    /// A node in a temp dir and a wallet (`w.sqlite` beside it) holding
    /// the account of the spending key derived from `seed`, born at 0.
    pub fn new(seed: &[u8]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let node = open_node(&dir.path().join("node"));
        let chain_id = node.chain_id().unwrap();
        let sk = superzk_keys::spending_key::SpendingKey::from_seed(seed, 0);
        let path = dir.path().join("w.sqlite");
        let mut w = superzk_wallet::Wallet::open(&path, &identity(&node)).unwrap();
        let acc = w
            .add_account("a", superzk_wallet::AccountKey::Spending(&sk), 0)
            .unwrap();
        Self {
            source: NodeSource(node.clone()),
            dir,
            node,
            chain_id,
            sk,
            path,
            w,
            acc,
        }
    }

    /// The account's address number `index`.
    pub fn address(&self, index: u64) -> PaymentAddress {
        self.sk
            .full_viewing_key()
            .incoming_viewing_key()
            .address(index)
    }

    /// Syncs the wallet to the node's tip.
    pub fn sync(&mut self) -> superzk_wallet::SyncProgress {
        self.w.sync(&self.source, |_| {}).unwrap()
    }
}

/// One native-currency balance line: `spendable` and `pending`.
pub fn native(spendable: u64, pending: u64) -> Vec<superzk_wallet::queries::Balance> {
    vec![superzk_wallet::queries::Balance {
        asset: AssetInfo::native(),
        spendable,
        pending,
    }]
}
