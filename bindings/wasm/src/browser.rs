//! The wallet engine in the browser: `superzk_wallet::Wallet` (its SQLite
//! database, in memory) synced from a node over gRPC-web, sending through
//! it. The page keeps the database as bytes (`toBytes`, `NodeWallet.open`)
//! in IndexedDB; see `www/` and the package's `storage.js`.
//!
//! Long calls (`create`, `open`, `sync`, `send`, `status`) return promises;
//! proving inside `send` blocks the calling thread (on rayon's pool in the
//! threaded build): run the wallet in a Web Worker to keep a page
//! responsive, as `www/wallet-worker.js` does. Proof progress reaches the
//! page from there through a `BroadcastChannel` (see [`NodeWallet::send`]),
//! since the worker's own event loop is blocked while it proves.

use std::{cell::RefCell, rc::Rc};

use js_sys::{Array, Function, Promise, Reflect};
use rand_core::OsRng;
use superzk_keys::{
    address::PaymentAddress,
    hd::{account_spending_key, Mnemonic},
    network::Network,
    params::CircuitKind,
    spending_key::SpendingKey,
};
use superzk_prover::ProofGenerationKey;
use superzk_wallet::{
    fee::FeeRule,
    select::{Payment, TransactionRequest},
    AccountId, AccountKey, ChainIdentity, SyncOptions, SyncProgress, Wallet,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::{
    error::Error,
    js,
    node::{Node, Prefetched},
    proving::ProvingKeys,
};

#[wasm_bindgen(typescript_custom_section)]
const NODE_WALLET_TS: &str = r#"
/** Where a sync stands, after each batch of blocks. */
export interface SyncReport { scannedHeight: number; tipHeight: number; notesFound: number; blocksRewound: number; }
/** An asset's balance: spendable now, and locked by transactions in flight. */
export interface WalletBalance { asset: string; spendable: bigint; pending: bigint; }
/** What a node says of a transaction. */
export type TxState = { state: "unknown" } | { state: "pending" } | { state: "mined"; height: number };
/** The fields of a structured error (`error.fields`), per `error.kind`. */
export type ErrorFields = Record<string, string | number | bigint>;
"#;

/// The account every browser wallet uses (one account per wallet).
const ACCOUNT_NAME: &str = "main";
/// Blocks stored per SQL transaction and progress report.
const BATCH_BLOCKS: u64 = 100;
/// Blocks a payment may wait to be mined: more than the engine's default,
/// since proving in a page on one thread takes minutes on slow machines.
const EXPIRY_DELTA: u64 = 100;

struct Inner {
    wallet: Wallet,
    account: AccountId,
    network: Network,
    sk: SpendingKey,
    mnemonic: Mnemonic,
    node: Node,
}

/// A wallet of one account from a BIP-39 mnemonic, its database in memory,
/// synced from and sending through a node's gRPC-web endpoint.
#[wasm_bindgen]
pub struct NodeWallet(Rc<RefCell<Inner>>);

fn parse_mnemonic(phrase: &str) -> Result<Mnemonic, Error> {
    Ok(Mnemonic::parse(phrase)?)
}

fn key_for(mnemonic: &Mnemonic, network: Network) -> Result<SpendingKey, Error> {
    Ok(account_spending_key(
        mnemonic.to_seed("").as_bytes(),
        network,
        0,
    )?)
}

/// The node's chain: what a wallet binds itself to.
async fn chain_of(node: &Node) -> Result<(ChainIdentity, Network), Error> {
    let (name, genesis_hash) = node.chain_identity().await?;
    let network = Network::by_name(&name)?;
    Ok((
        ChainIdentity {
            network: name,
            genesis_hash,
        },
        network,
    ))
}

fn promise<T: Into<JsValue>>(
    f: impl std::future::Future<Output = Result<T, Error>> + 'static,
) -> Promise {
    future_to_promise(async move { f.await.map(Into::into).map_err(Into::into) })
}

fn report(p: &SyncProgress) -> JsValue {
    js::object(&[
        ("scannedHeight", (p.scanned_height as f64).into()),
        ("tipHeight", (p.tip_height as f64).into()),
        ("notesFound", (p.notes_found as f64).into()),
        ("blocksRewound", (p.blocks_rewound as f64).into()),
    ])
}

#[wasm_bindgen]
impl NodeWallet {
    /// A new wallet for the chain of the node at `nodeUrl`: from
    /// `mnemonic` (a restore: scans from `birthday`, default 0), or from a
    /// fresh 24-word mnemonic (scans from the node's tip, where nothing can
    /// have been sent to it yet). Throws a `MnemonicError` (`UnknownWord`
    /// with `fields.position`, `WrongWordCount`, `BadChecksum`) for a bad
    /// phrase, a `NodeError` if the node cannot be reached.
    #[wasm_bindgen(unchecked_return_type = "Promise<NodeWallet>")]
    pub fn create(
        #[wasm_bindgen(js_name = nodeUrl)] node_url: String,
        mnemonic: Option<String>,
        birthday: Option<f64>,
    ) -> Promise {
        promise(async move {
            let given = mnemonic.as_deref().map(parse_mnemonic).transpose()?;
            let node = Node::new(&node_url);
            let (chain, network) = chain_of(&node).await?;
            let (mnemonic, birthday) = match given {
                Some(m) => (m, birthday.unwrap_or(0.0).max(0.0) as u64),
                None => (Mnemonic::generate(&mut OsRng), node.tip().await?.0 + 1),
            };
            let sk = key_for(&mnemonic, network)?;
            let mut wallet = Wallet::open_in_memory(None, &chain)?;
            let account = wallet.add_account(ACCOUNT_NAME, AccountKey::Spending(&sk), birthday)?;
            Ok(NodeWallet(Rc::new(RefCell::new(Inner {
                wallet,
                account,
                network,
                sk,
                mnemonic,
                node,
            }))))
        })
    }

    /// Opens a wallet saved with [`toBytes`](Self::to_bytes), for the node
    /// at `nodeUrl`, with its mnemonic. Throws a `WalletOpenError`
    /// (`WrongChain` with the expected and found network and genesis,
    /// `Damaged`, `TooNew`…) for bytes that are not this chain's wallet, and
    /// a `WalletError` (`UnknownAccount`) if the mnemonic is not the
    /// wallet's.
    #[wasm_bindgen(unchecked_return_type = "Promise<NodeWallet>")]
    pub fn open(
        #[wasm_bindgen(js_name = nodeUrl)] node_url: String,
        image: Vec<u8>,
        mnemonic: String,
    ) -> Promise {
        promise(async move {
            let mnemonic = parse_mnemonic(&mnemonic)?;
            let node = Node::new(&node_url);
            let (chain, network) = chain_of(&node).await?;
            let wallet = Wallet::open_in_memory(Some(&image), &chain)?;
            let sk = key_for(&mnemonic, network)?;
            let account = wallet.account_by_name(ACCOUNT_NAME)?;
            if wallet.full_viewing_key(account.id)?.encode() != sk.full_viewing_key().encode() {
                return Err(Error::new(
                    "WalletError",
                    "WrongMnemonic",
                    "this mnemonic is not the saved wallet's: its keys differ",
                ));
            }
            Ok(NodeWallet(Rc::new(RefCell::new(Inner {
                wallet,
                account: account.id,
                network,
                sk,
                mnemonic,
                node,
            }))))
        })
    }

    /// The whole wallet database as bytes, to keep (IndexedDB) and open
    /// again with [`open`](Self::open). It holds viewing keys, not the
    /// spending key.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        Ok(self.0.borrow_mut().wallet.to_bytes()?)
    }

    /// The mnemonic phrase (secret: show it once for a backup; keep it
    /// only where the page keeps its secrets).
    pub fn mnemonic(&self) -> String {
        self.0.borrow().mnemonic.phrase().to_string()
    }

    /// The network's name (`devnet`, `testnet`, `mainnet`).
    pub fn network(&self) -> String {
        self.0.borrow().network.name().into()
    }

    /// The receive address (address 0 of the account), in text form.
    pub fn address(&self) -> Result<String, Error> {
        let inner = self.0.borrow();
        Ok(inner
            .wallet
            .address(inner.account, 0)?
            .encode_for(inner.network))
    }

    /// The last block scanned (0 before the first sync).
    #[wasm_bindgen(js_name = scannedHeight)]
    pub fn scanned_height(&self) -> Result<f64, Error> {
        Ok(self
            .0
            .borrow()
            .wallet
            .last_scanned()?
            .map_or(0.0, |l| l.0 as f64))
    }

    /// Balances per asset: `[{ asset, spendable, pending }]`.
    #[wasm_bindgen(unchecked_return_type = "WalletBalance[]")]
    pub fn balances(&self) -> Result<js_sys::Array, Error> {
        let inner = self.0.borrow();
        Ok(inner
            .wallet
            .balances(inner.account)?
            .iter()
            .map(|b| {
                js::object(&[
                    ("asset", b.asset.to_string().into()),
                    ("spendable", b.spendable.into()),
                    ("pending", b.pending.into()),
                ])
            })
            .collect())
    }

    /// Syncs to the node's tip; calls `onProgress(report)` after each batch
    /// of blocks. Resolves to the last report.
    #[wasm_bindgen(unchecked_return_type = "Promise<SyncReport>")]
    pub fn sync(
        &self,
        #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "(report: SyncReport) => void")]
        on_progress: Option<Function>,
    ) -> Promise {
        let inner = self.0.clone();
        promise(async move {
            let node = inner.borrow().node.clone();
            let mut source = Prefetched {
                tip: node.tip().await?,
                ..Default::default()
            };
            loop {
                let options = SyncOptions {
                    batch_blocks: BATCH_BLOCKS,
                };
                let result = inner.borrow_mut().wallet.sync_with(&source, options, |p| {
                    if let Some(f) = &on_progress {
                        let _ = f.call1(&JsValue::NULL, &report(&p));
                    }
                });
                let need = source.need.borrow_mut().take();
                match (result, need) {
                    (Ok(p), _) => return Ok(report(&p)),
                    (Err(_), Some(need)) => source.fetch(&node, need).await?,
                    (Err(e), None) => return Err(e.into()),
                }
            }
        })
    }

    /// Sync first: the payment expires 100 blocks after the
    /// last synced block.
    ///
    /// Pays `amount` base units of `asset` (default `SERO`) to `to`, with
    /// an optional text memo: proposes, proves with `keys` (the `spend`
    /// and `output` keys), authorizes, sends through the node and records
    /// it. Resolves to the transaction id (hex). Throws a `KeyError`
    /// (`WrongNetwork`, `Encoding`) for a bad address, a `SpendError`
    /// (`InsufficientFunds` with `needed`, `available`…), a `KeyError`
    /// (`NotLoaded`) when a proving key is missing.
    ///
    /// Proof progress (one report before the first proof, then one per
    /// proof): `onProgress("proving", done, total)` on this thread, where
    /// the proofs run on it (the single-threaded build); and, when
    /// `progressChannel` is given, `{ stage: "proving", done, total }`
    /// posted on the `BroadcastChannel` of that name from whichever thread
    /// finished the proof (the threaded build's pool workers too), which
    /// reaches a page while this thread is blocked in proving.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &self,
        to: String,
        amount: u64,
        asset: Option<String>,
        memo: Option<String>,
        keys: &ProvingKeys,
        #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "ProgressCallback")]
        on_progress: Option<Function>,
        #[wasm_bindgen(js_name = progressChannel)] progress_channel: Option<String>,
    ) -> Promise {
        let inner = self.0.clone();
        // Proving happens now, synchronously; only the network part waits.
        let reporter = ProofProgress {
            channel: progress_channel,
        };
        let prepared = ON_PROGRESS.with(|slot| {
            *slot.borrow_mut() = on_progress;
            let prepared = prepare(&inner, &to, amount, asset, memo, keys, &reporter);
            *slot.borrow_mut() = None;
            prepared
        });
        promise(async move {
            let tx = prepared?;
            let node = inner.borrow().node.clone();
            let txid = node.send_retrying_once(&tx).await?;
            inner.borrow_mut().wallet.record_sent(&tx, txid)?;
            Ok(js::hex(&txid))
        })
    }

    /// What the node knows of a transaction (its id in hex).
    #[wasm_bindgen(unchecked_return_type = "Promise<TxState>")]
    pub fn status(&self, txid: String) -> Promise {
        let node = self.0.borrow().node.clone();
        promise(async move {
            let bytes = parse_txid(&txid)?;
            Ok(match node.status(&bytes).await? {
                superzk_wallet::TxStatus::Unknown => js::object(&[("state", "unknown".into())]),
                superzk_wallet::TxStatus::Pending => js::object(&[("state", "pending".into())]),
                superzk_wallet::TxStatus::Mined(h) => {
                    js::object(&[("state", "mined".into()), ("height", (h as f64).into())])
                }
            })
        })
    }
}

fn parse_txid(text: &str) -> Result<[u8; 32], Error> {
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<_>>()
        .ok_or_else(|| Error::argument("a transaction id is 64 hex digits"))?;
    bytes
        .try_into()
        .map_err(|_| Error::argument("a transaction id is 64 hex digits"))
}

thread_local! {
    /// The `onProgress` callback of the `send` proving on this thread. A JS
    /// function belongs to the thread that made it, so it is kept here
    /// rather than in the (shared) progress closure: pool threads find
    /// none and only broadcast.
    static ON_PROGRESS: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Where proof progress goes: the calling thread's callback, and a
/// `BroadcastChannel` any thread can post on.
struct ProofProgress {
    channel: Option<String>,
}

impl ProofProgress {
    /// Reports `done` of `total` proofs; never asks proving to stop.
    /// Failures to report are ignored: progress is advisory.
    fn report(&self, done: usize, total: usize) -> bool {
        ON_PROGRESS.with(|slot| {
            js::progress(slot.borrow().as_ref(), "proving", done as u32, total as u32);
        });
        if let Some(name) = &self.channel {
            let _ = broadcast(name, done, total);
        }
        true
    }
}

/// Posts `{ stage: "proving", done, total }` on the `BroadcastChannel`
/// `name`, through the global object of whichever thread (window, worker)
/// runs this: no JS object crosses threads.
fn broadcast(name: &str, done: usize, total: usize) -> Result<(), JsValue> {
    let global: JsValue = js_sys::global().into();
    let class: Function = Reflect::get(&global, &"BroadcastChannel".into())?.into();
    let channel = Reflect::construct(&class, &Array::of1(&name.into()))?;
    let message = js::object(&[
        ("stage", "proving".into()),
        ("done", (done as u32).into()),
        ("total", (total as u32).into()),
    ]);
    let post: Function = Reflect::get(&channel, &"postMessage".into())?.into();
    post.call1(&channel, &message)?;
    let close: Function = Reflect::get(&channel, &"close".into())?.into();
    close.call0(&channel)?;
    Ok(())
}

/// Proposes, creates, proves and authorizes a payment.
fn prepare(
    inner: &Rc<RefCell<Inner>>,
    to: &str,
    amount: u64,
    asset: Option<String>,
    memo: Option<String>,
    keys: &ProvingKeys,
    progress: &ProofProgress,
) -> Result<superzk_verifier::transaction::Transaction, Error> {
    let mut inner = inner.borrow_mut();
    let recipient = PaymentAddress::decode_for(inner.network, to)?;
    let asset = asset.unwrap_or_else(|| "SERO".into());
    let mut payment = Payment::currency(recipient, &asset, amount);
    if let Some(memo) = memo {
        payment.memo = memo.into_bytes();
    }
    let request = TransactionRequest {
        payments: vec![payment],
        ..Default::default()
    };
    let keys = keys.require(&[CircuitKind::Spend, CircuitKind::Output])?;
    let account = inner.account;
    let proposal =
        inner
            .wallet
            .propose(account, &request, &FeeRule::standard(), Some(EXPIRY_DELTA))?;
    let pczt = inner.wallet.create_pczt(account, &proposal, &mut OsRng)?;
    let pgk = ProofGenerationKey::from(&inner.sk);
    let proven = pczt
        .prove_with_progress(&pgk, keys, &mut OsRng, &|done, total| {
            progress.report(done, total)
        })
        .map_err(|e| Error::from_rust("PcztError", &e))?;
    let signed = proven
        .authorize(&inner.sk, &mut OsRng)
        .map_err(|e| Error::from_rust("PcztError", &e))?;
    signed
        .extract()
        .map_err(|e| Error::from_rust("PcztError", &e))
}
