//! The wallet engine for apps: `superzk-wallet`'s SQLite [`Wallet`] synced
//! from a node over gRPC, spending in the three steps of a partially built
//! transaction (PCZT bytes between them), each step callable alone.
//!
//! Threads and locks: every long call (open, sync, propose, prove,
//! authorize, submit, send) is `async` (a Kotlin `suspend` function, a
//! Swift `async` one, a Python coroutine) whose work runs on a thread of
//! its own, so the caller's thread (a UI thread) never blocks. The wallet
//! keeps three connections to its database (SQLite in WAL mode, each behind
//! its own lock): one that only sync uses, one for the other writes (a new
//! address, marking notes pending, recording a sent transaction, releasing
//! a proposal) and one for the quick reads (address, balances, history,
//! tickets, packages). Reads never wait for a sync or a write; a write
//! made during a sync waits at most for the SQL transaction that stores one
//! batch, never for the whole sync. Proving takes no wallet lock at all: it
//! needs only the account's proof-generation key, kept in memory. Proving
//! reports each proof (k of n) to a [`ProgressListener`] and stops between
//! proofs once a [`CancelToken`] is cancelled; a cancelled proof gives the
//! transaction up, so its notes are spendable again at once. Sync reports
//! each stored batch to a [`SyncListener`] and stops between batches once
//! its token is cancelled, keeping every batch stored so far.
//!
//! Listeners (the rule): a [`SyncListener`] or [`ProgressListener`] runs on
//! the call's worker thread while the call waits for it, holding no wallet
//! lock. It may call any method of the wallet: reads, and writes such as
//! `new_address` or `release` (they work during a sync: sync has its own
//! connection). It may cancel the call's token. Only one sync runs per
//! wallet at a time: a second `sync` while one runs (from a listener or
//! another thread) fails at once with `SyncInProgress` rather than wait,
//! so a listener that starts a sync and waits for it cannot deadlock.
//! Keep listeners short: the call goes on only when they return.
//!
//! Keys: the database holds viewing keys only. The app owns the mnemonic
//! (and its storage: the platform's keystore or keychain) and passes it, or
//! a [`SpendingKey`] made from it, to the calls that need it.

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, MutexGuard, TryLockError,
    },
    time::{Duration, Instant},
};

use rand_core::OsRng;
use superzk_circuits::asset::{AssetInfo, Ticket};
use superzk_keys::{address::PaymentAddress, network::Network, spending_key::FullViewingKey};
use superzk_prover::{Pczt, ProofGenerationKey, Stage};
use superzk_wallet::{
    fee::FeeRule,
    grpc::NodeSource,
    queries::{HistoryEntry as EngineEntry, SentNote},
    select::{Payment as EnginePayment, PaymentKind as EngineKind, TransactionRequest},
    AccountId, AccountKey, ChainIdentity, ChainSource, SyncOptions, TxStatus,
};

use crate::{
    error::{count, SuperzkError},
    keys::{mnemonic_key, parse_network, SpendingKey},
    proving::{Asset, ProgressListener, ProvingKeys},
    scanning::AssetAmount,
};

/// Runs blocking `work` on a thread of its own; the future completes with
/// its result, so the caller's thread (and its async runtime) never blocks.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SuperzkError> + Send + 'static,
) -> Result<T, SuperzkError> {
    let (tx, rx) = futures_channel::oneshot::channel();
    std::thread::Builder::new()
        .name("superzk-wallet".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| SuperzkError::Internal {
            reason: format!("cannot start a worker thread: {e}"),
        })?;
    rx.await.map_err(|_| SuperzkError::Internal {
        reason: "the worker thread stopped without an answer (a panic)".into(),
    })?
}

/// Which chain a wallet belongs to. Ask the node for it once
/// ([`fetch_chain_info`]), keep it with the wallet's path, and open the
/// wallet with it: a wallet refuses to open for another chain, and to
/// sync from a node of another chain.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChainInfo {
    /// The network: `mainnet`, `testnet` or `devnet`.
    pub network: String,
    /// The chain's genesis block hash (its chain id), 32 bytes.
    pub genesis_hash: Vec<u8>,
    /// The node's tip when asked (0 if not from a node): the birthday of a
    /// new wallet, whose past holds none of its notes.
    pub tip_height: u64,
}

impl ChainInfo {
    fn identity(&self) -> Result<(ChainIdentity, Network), SuperzkError> {
        let network = parse_network(&self.network)?;
        let genesis_hash = self.genesis_hash.clone().try_into().map_err(|g: Vec<u8>| {
            SuperzkError::InvalidArgument {
                reason: format!("a genesis hash is 32 bytes, {} were given", g.len()),
            }
        })?;
        Ok((
            ChainIdentity {
                network: network.name().into(),
                genesis_hash,
            },
            network,
        ))
    }
}

/// Connects to the node at `url`, as a [`SuperzkError::NodeUnreachable`]
/// naming it if it cannot.
fn connect(url: &str) -> Result<NodeSource, SuperzkError> {
    NodeSource::connect(url).map_err(|e| unreachable_at(url, e.into()))
}

/// Names the node in an unreachable error.
fn unreachable_at(url: &str, e: SuperzkError) -> SuperzkError {
    match e {
        SuperzkError::NodeUnreachable { reason, .. } => SuperzkError::NodeUnreachable {
            url: url.into(),
            reason,
        },
        e => e,
    }
}

/// Asks the node at `node_url` which chain it serves.
#[uniffi::export]
pub async fn fetch_chain_info(node_url: String) -> Result<ChainInfo, SuperzkError> {
    off_thread(move || {
        let source = connect(&node_url)?;
        let (network, genesis) = source
            .chain_identity()
            .map_err(|e| unreachable_at(&node_url, e.into()))?;
        let (tip, _) = source
            .tip()
            .map_err(|e| unreachable_at(&node_url, e.into()))?;
        Ok(ChainInfo {
            network,
            genesis_hash: genesis.to_vec(),
            tip_height: tip,
        })
    })
    .await
}

/// Creates a wallet file at `path` for `chain` with the first account of
/// `mnemonic`, scanning from `birthday`. A new wallet: a fresh
/// [`crate::keys::generate_mnemonic`] and `chain.tip_height` as birthday.
/// A restored one: the user's mnemonic and birthday 0 (or the height the
/// wallet was first used at). Refuses an existing file (`WalletExists`),
/// an invalid mnemonic (`InvalidMnemonic`).
#[uniffi::export]
pub async fn create_wallet(
    path: String,
    chain: ChainInfo,
    mnemonic: String,
    birthday: u64,
) -> Result<Arc<Wallet>, SuperzkError> {
    off_thread(move || {
        let (identity, network) = chain.identity()?;
        let sk = mnemonic_key(&mnemonic, network, 0)?;
        let path = PathBuf::from(path);
        if path.exists() {
            return Err(SuperzkError::WalletExists {
                path: path.display().to_string(),
            });
        }
        let mut engine = superzk_wallet::Wallet::open(&path, &identity)?;
        engine.add_account("account0", AccountKey::Spending(&sk), birthday)?;
        drop(engine);
        Wallet::load(&path, identity, network)
    })
    .await
}

/// Opens the wallet file at `path`, made for `chain` (the network and
/// genesis are checked: `WrongNetwork` if it belongs to another chain;
/// `WalletNotFound` if there is no file).
#[uniffi::export]
pub async fn open_wallet(path: String, chain: ChainInfo) -> Result<Arc<Wallet>, SuperzkError> {
    off_thread(move || {
        let (identity, network) = chain.identity()?;
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(SuperzkError::WalletNotFound {
                path: path.display().to_string(),
            });
        }
        Wallet::load(&path, identity, network)
    })
    .await
}

/// Stops a long call between two of its steps (proofs, sync batches) when
/// cancelled. Thread-safe: cancel it from any thread, or from a progress
/// callback.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelToken(AtomicBool);

#[uniffi::export]
impl CancelToken {
    /// A token not yet cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Asks the calls holding this token to stop; they fail with
    /// `Cancelled`. Cannot be undone: use a new token for the next call.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Receives sync progress. Called on the sync's worker thread, after each
/// batch is stored, holding no wallet lock: it may read the wallet, call
/// writes such as [`Wallet::new_address`], and cancel the sync's token; it
/// must not wait for another sync of the same wallet (that one fails with
/// `SyncInProgress`).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// A batch of blocks was scanned and stored.
    fn on_sync_progress(&self, progress: SyncProgress);
}

/// How far a sync has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    /// The last block scanned.
    pub scanned_height: u64,
    /// The node's tip.
    pub tip_height: u64,
    /// Compact outputs trial-decrypted in this sync so far.
    pub outputs_scanned: u64,
    /// Notes and packages found in this sync so far.
    pub notes_found: u64,
    /// Blocks undone by reorgs in this sync so far.
    pub blocks_rewound: u64,
}

impl From<superzk_wallet::SyncProgress> for SyncProgress {
    fn from(p: superzk_wallet::SyncProgress) -> Self {
        Self {
            scanned_height: p.scanned_height,
            tip_height: p.tip_height,
            outputs_scanned: p.outputs_scanned,
            notes_found: p.notes_found,
            blocks_rewound: p.blocks_rewound,
        }
    }
}

/// An account's holding of one asset.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Balance {
    /// The asset.
    pub asset: Asset,
    /// Mined, unspent, not locked by a transaction in flight.
    pub spendable: u64,
    /// Locked by a transaction in flight (spendable again if it expires).
    pub pending: u64,
}

/// A ticket, by category and id.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TicketRef {
    /// Its category.
    pub category: String,
    /// Its id, 32 bytes.
    pub id: Vec<u8>,
}

impl TryFrom<TicketRef> for Ticket {
    type Error = SuperzkError;

    fn try_from(t: TicketRef) -> Result<Self, SuperzkError> {
        Ok(Ticket {
            category: t.category,
            id: bytes32("ticket id", t.id)?,
        })
    }
}

/// A package the wallet holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletPackage {
    /// Its id in the wallet (for `PassPackage` and `open_packages`).
    pub id: i64,
    /// What it holds.
    pub contents: Vec<AssetAmount>,
    /// The sender's memo, zero padding removed.
    pub memo: Vec<u8>,
}

/// Notes or a package a transaction brought the wallet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryReceived {
    /// What it holds: one asset (a note) or up to four (a package).
    pub contents: Vec<AssetAmount>,
    /// Whether it is a package.
    pub is_package: bool,
    /// The sender's memo, zero padding removed.
    pub memo: Vec<u8>,
}

/// An output the wallet sent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistorySent {
    /// The recipient's address.
    pub recipient: String,
    /// The asset.
    pub asset: Asset,
    /// The amount.
    pub value: u64,
    /// The memo, zero padding removed.
    pub memo: Vec<u8>,
}

/// A transaction of the wallet's account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// The chain's transaction id, hex.
    pub txid: String,
    /// Height mined at, if mined.
    pub mined_height: Option<u64>,
    /// Its expiry height, if known.
    pub expiry_height: Option<u64>,
    /// Its fee, if known (transactions the wallet sent).
    pub fee: Option<u64>,
    /// Notes and packages it brought the wallet.
    pub received: Vec<HistoryReceived>,
    /// Outputs the wallet sent in it.
    pub sent: Vec<HistorySent>,
    /// How many of the wallet's notes it spent.
    pub spent_notes: u32,
}

/// What one payment pays.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PaymentKind {
    /// An amount of a currency, in base units (1 coin = 1,000,000).
    Currency {
        /// The currency, e.g. `SERO`.
        name: String,
        /// How much.
        amount: u64,
    },
    /// A ticket the wallet holds.
    Ticket {
        /// The ticket.
        ticket: TicketRef,
    },
    /// A new package sealed from the wallet's funds and tickets.
    SealPackage {
        /// Up to four amounts (a ticket as 1).
        contents: Vec<AssetAmount>,
    },
    /// A package the wallet holds, passed on unopened.
    PassPackage {
        /// Its id (see `packages`).
        package: i64,
    },
}

/// One payment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Payment {
    /// The recipient's address, of the wallet's network.
    pub to: String,
    /// What to pay.
    pub kind: PaymentKind,
    /// A memo for the recipient, at most 512 bytes.
    pub memo: Vec<u8>,
}

/// What a transaction should do.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaymentRequest {
    /// Payments to others (or to the wallet itself).
    pub payments: Vec<Payment>,
    /// Packages of the wallet to open (their contents become notes).
    pub open_packages: Vec<i64>,
    /// Tickets of the wallet to redeem (burn publicly).
    pub redeem_tickets: Vec<TicketRef>,
    /// Blocks after the tip the transaction may still be mined in (none:
    /// the wallet's default).
    pub expiry_delta: Option<u64>,
}

/// A proposed transaction, created and waiting to be proven. Its notes
/// are marked pending until it is sent, given up ([`Wallet::release`]),
/// or expires.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Proposal {
    /// The partially built transaction (stage: created), for
    /// [`Wallet::prove`].
    pub pczt: Vec<u8>,
    /// The fee, in native base units.
    pub fee: u64,
    /// The last height it may be mined at.
    pub expiry_height: u64,
    /// How many proofs proving it takes.
    pub proof_count: u32,
    /// Change back to the wallet.
    pub change: Vec<AssetAmount>,
    /// A human-readable account of it (payments, inputs, change, fee).
    pub description: String,
}

/// A transaction the node accepted.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SentTransaction {
    /// The chain's transaction id, hex.
    pub txid: String,
    /// The fee it pays.
    pub fee: u64,
}

/// A wallet: its database (viewing keys, notes, witnesses, history; no
/// spending key), synced from a node, for its first account.
#[derive(uniffi::Object)]
pub struct Wallet {
    path: PathBuf,
    network: Network,
    chain: ChainIdentity,
    account: AccountId,
    /// What proving needs (no lock: proving never waits on the database).
    fvk: FullViewingKey,
    /// Sync only; held for the whole sync (a second sync is refused, not
    /// queued, see [`Wallet::sync`]).
    syncer: Mutex<superzk_wallet::Wallet>,
    /// The other writes: addresses, pending marks, sent transactions.
    writer: Mutex<superzk_wallet::Wallet>,
    /// Quick reads, which never wait for the writer.
    reader: Mutex<superzk_wallet::Wallet>,
}

impl Wallet {
    fn load(
        path: &Path,
        chain: ChainIdentity,
        network: Network,
    ) -> Result<Arc<Self>, SuperzkError> {
        let syncer = superzk_wallet::Wallet::open(path, &chain)?;
        let writer = superzk_wallet::Wallet::open(path, &chain)?;
        let reader = superzk_wallet::Wallet::open(path, &chain)?;
        let account =
            writer
                .accounts()?
                .into_iter()
                .next()
                .ok_or_else(|| SuperzkError::WalletDamaged {
                    path: path.display().to_string(),
                    reason: "the wallet has no account".into(),
                })?;
        let fvk = writer.full_viewing_key(account.id)?;
        Ok(Arc::new(Self {
            path: path.into(),
            network,
            chain,
            account: account.id,
            fvk,
            syncer: Mutex::new(syncer),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        }))
    }

    // A panic cannot happen while a connection is in use (every error is
    // a value), but if one did the connection is still valid: SQLite
    // rolls back an unfinished transaction.
    fn writer(&self) -> MutexGuard<'_, superzk_wallet::Wallet> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reader(&self) -> MutexGuard<'_, superzk_wallet::Wallet> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The sync connection, or `SyncInProgress` if a sync holds it: never
    /// waits, so a listener that starts a sync cannot deadlock its own.
    fn syncer(&self) -> Result<MutexGuard<'_, superzk_wallet::Wallet>, SuperzkError> {
        match self.syncer.try_lock() {
            Ok(guard) => Ok(guard),
            Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
            Err(TryLockError::WouldBlock) => Err(SuperzkError::SyncInProgress),
        }
    }

    /// Connects to the node, checking that it serves the wallet's chain.
    fn node(&self, url: &str) -> Result<NodeSource, SuperzkError> {
        let source = connect(url)?;
        let (network, genesis) = source
            .chain_identity()
            .map_err(|e| unreachable_at(url, e.into()))?;
        if network != self.chain.network || genesis != self.chain.genesis_hash {
            return Err(SuperzkError::WrongNetwork {
                expected: format!(
                    "{} (genesis {})",
                    self.chain.network,
                    hex::encode(self.chain.genesis_hash)
                ),
                found: format!("{network} (genesis {})", hex::encode(genesis)),
            });
        }
        Ok(source)
    }

    /// An address argument, of the wallet's network.
    fn address_arg(&self, text: &str) -> Result<PaymentAddress, SuperzkError> {
        PaymentAddress::decode_for(self.network, text).map_err(|e| match e {
            superzk_keys::error::KeyError::WrongNetwork { .. } => e.into(),
            e => SuperzkError::InvalidAddress {
                address: text.into(),
                reason: e.to_string(),
            },
        })
    }

    fn request(&self, r: PaymentRequest) -> Result<TransactionRequest, SuperzkError> {
        let payments = r
            .payments
            .into_iter()
            .map(|p| {
                Ok(EnginePayment {
                    recipient: self.address_arg(&p.to)?,
                    kind: match p.kind {
                        PaymentKind::Currency { name, amount } => {
                            EngineKind::Currency { name, amount }
                        }
                        PaymentKind::Ticket { ticket } => EngineKind::Ticket(ticket.try_into()?),
                        PaymentKind::SealPackage { contents } => EngineKind::SealPackage {
                            contents: contents
                                .into_iter()
                                .map(|c| Ok((AssetInfo::try_from(c.asset)?, c.amount)))
                                .collect::<Result<_, SuperzkError>>()?,
                        },
                        PaymentKind::PassPackage { package } => EngineKind::PassPackage { package },
                    },
                    memo: p.memo,
                    label: None,
                    message: None,
                })
            })
            .collect::<Result<_, SuperzkError>>()?;
        Ok(TransactionRequest {
            payments,
            open_packages: r.open_packages,
            redeem_tickets: r
                .redeem_tickets
                .into_iter()
                .map(Ticket::try_from)
                .collect::<Result<_, _>>()?,
        })
    }

    /// Proposes and creates the transaction (its notes marked pending).
    fn create(&self, request: PaymentRequest) -> Result<Proposal, SuperzkError> {
        let expiry_delta = request.expiry_delta;
        let request = self.request(request)?;
        let mut writer = self.writer();
        let proposal =
            writer.propose(self.account, &request, &FeeRule::standard(), expiry_delta)?;
        let pczt = writer.create_pczt(self.account, &proposal, &mut OsRng)?;
        Ok(Proposal {
            pczt: pczt.to_bytes(),
            fee: proposal.fee,
            expiry_height: proposal.expiry_height,
            proof_count: count(pczt.proof_count()),
            change: amounts(&proposal.change),
            description: proposal.to_string(),
        })
    }

    /// Proves a created PCZT with the account's proof-generation key,
    /// holding no wallet lock; gives the transaction up if cancelled.
    fn prove_pczt(
        &self,
        created: &Pczt,
        keys: &ProvingKeys,
        listener: &Option<Arc<dyn ProgressListener>>,
        cancel: &Option<Arc<CancelToken>>,
    ) -> Result<Pczt, SuperzkError> {
        let params = keys.get(listener)?;
        let stopped = || cancel.as_ref().is_some_and(|c| c.is_cancelled());
        let progress = |done: usize, total: usize| {
            if let Some(l) = listener {
                l.on_progress("proving".into(), count(done), count(total));
            }
            !stopped()
        };
        let key = ProofGenerationKey::from(&self.fvk);
        match created.prove_with_progress(&key, &params, &mut OsRng, &progress) {
            Err(superzk_prover::PcztError::Cancelled) => {
                self.writer().release_pczt(created)?;
                Err(SuperzkError::Cancelled)
            }
            other => Ok(other?),
        }
    }

    /// Signs a proven PCZT with `key`, checked to be this account's.
    fn authorize_pczt(&self, proven: &Pczt, key: &SpendingKey) -> Result<Pczt, SuperzkError> {
        if key.0.full_viewing_key().encode().as_str() != self.fvk.encode().as_str() {
            return Err(SuperzkError::KeyMismatch);
        }
        Ok(proven.authorize(&key.0, &mut OsRng)?)
    }

    /// Extracts, sends and records an authorized PCZT.
    fn submit_pczt(&self, signed: &Pczt, node_url: &str) -> Result<SentTransaction, SuperzkError> {
        let tx = signed.extract()?;
        let source = self.node(node_url)?;
        let txid = source
            .send(&tx)
            .map_err(|e| unreachable_at(node_url, e.into()))?;
        self.writer().record_sent(&tx, txid)?;
        Ok(SentTransaction {
            txid: hex::encode(txid),
            fee: tx.fee,
        })
    }
}

#[uniffi::export]
impl Wallet {
    /// The wallet's chain, to keep with its path for [`open_wallet`].
    pub fn chain_info(&self) -> ChainInfo {
        ChainInfo {
            network: self.chain.network.clone(),
            genesis_hash: self.chain.genesis_hash.to_vec(),
            tip_height: 0,
        }
    }

    /// The wallet file's path.
    pub fn path(&self) -> String {
        self.path.display().to_string()
    }

    /// The account's first address (the one change goes to).
    pub fn address(&self) -> Result<String, SuperzkError> {
        Ok(self
            .reader()
            .address(self.account, 0)?
            .encode_for(self.network))
    }

    /// A fresh address never handed out before (all reach the same
    /// account; a fresh one per payer keeps payers from linking payments).
    /// Callable during a sync, from its listener too.
    pub fn new_address(&self) -> Result<String, SuperzkError> {
        Ok(self
            .writer()
            .next_address(self.account)?
            .encode_for(self.network))
    }

    /// The last block scanned, if any.
    pub fn scanned_height(&self) -> Result<Option<u64>, SuperzkError> {
        Ok(self.reader().last_scanned()?.map(|(h, _)| h))
    }

    /// Balances per asset (tickets included, as 1 each).
    pub fn balances(&self) -> Result<Vec<Balance>, SuperzkError> {
        Ok(self
            .reader()
            .balances(self.account)?
            .into_iter()
            .map(|b| Balance {
                asset: b.asset.into(),
                spendable: b.spendable,
                pending: b.pending,
            })
            .collect())
    }

    /// The spendable amount of `asset` (0 if none).
    pub fn balance(&self, asset: Asset) -> Result<u64, SuperzkError> {
        let asset = Asset::from(AssetInfo::try_from(asset)?);
        Ok(self
            .balances()?
            .into_iter()
            .find(|b| b.asset == asset)
            .map_or(0, |b| b.spendable))
    }

    /// The tickets the account holds (spendable or pending).
    pub fn tickets(&self) -> Result<Vec<TicketRef>, SuperzkError> {
        Ok(self
            .reader()
            .tickets(self.account)?
            .into_iter()
            .map(|(_, t)| TicketRef {
                category: t.category,
                id: t.id.to_vec(),
            })
            .collect())
    }

    /// The packages the account holds, unopened.
    pub fn packages(&self) -> Result<Vec<WalletPackage>, SuperzkError> {
        Ok(self
            .reader()
            .packages(self.account)?
            .into_iter()
            .map(|p| WalletPackage {
                id: p.id,
                contents: amounts(&p.contents()),
                memo: trim_memo(&p.memo),
            })
            .collect())
    }

    /// The account's transactions, newest first (unmined ones first).
    pub fn history(&self) -> Result<Vec<HistoryEntry>, SuperzkError> {
        Ok(self
            .reader()
            .history(self.account)?
            .into_iter()
            .map(history_entry)
            .collect())
    }

    /// Gives up a proposed transaction that will not be sent (`pczt`: the
    /// bytes [`Wallet::propose`] returned): its notes are spendable again
    /// at once. Returns how many notes were released. Never for a
    /// transaction that may still be sent.
    pub fn release(&self, pczt: Vec<u8>) -> Result<u32, SuperzkError> {
        let created = Pczt::from_bytes(&pczt)?;
        if created.stage() != Stage::Created {
            return Err(SuperzkError::InvalidArgument {
                reason: format!(
                    "release takes the transaction as proposed; this one is {}",
                    created.stage()
                ),
            });
        }
        Ok(count(self.writer().release_pczt(&created)?))
    }

    /// Checks that `key` is this wallet's account key (e.g. one made with
    /// `SpendingKey.from_mnemonic`): `KeyMismatch` if not.
    pub fn check_key(&self, key: Arc<SpendingKey>) -> Result<(), SuperzkError> {
        if key.0.full_viewing_key().encode().as_str() != self.fvk.encode().as_str() {
            return Err(SuperzkError::KeyMismatch);
        }
        Ok(())
    }
}

#[uniffi::export]
impl Wallet {
    /// Scans the chain from the node at `node_url` up to its tip, storing
    /// it in batches of `batch_blocks` blocks (none: 100), each in one SQL
    /// transaction, and reporting each stored batch to `listener`. Smaller
    /// batches give finer progress and quicker cancellation at the cost of
    /// one more fetch and durable commit per batch. If `cancel` is
    /// cancelled (from the listener, or any thread) it stops before the
    /// next batch, keeping every batch stored so far, and raises
    /// `Cancelled`; the next sync resumes from there (so does one after a
    /// crash). Refuses a node of another chain (`WrongNetwork`), a second
    /// sync of this wallet while one runs (`SyncInProgress`), and a
    /// `batch_blocks` of 0 (`InvalidArgument`).
    pub async fn sync(
        self: Arc<Self>,
        node_url: String,
        batch_blocks: Option<u32>,
        listener: Option<Arc<dyn SyncListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<SyncProgress, SuperzkError> {
        off_thread(move || {
            let options = match batch_blocks {
                None => SyncOptions::default(),
                Some(0) => {
                    return Err(SuperzkError::InvalidArgument {
                        reason: "batch_blocks must be at least 1 (none: the default, 100)".into(),
                    })
                }
                Some(n) => SyncOptions {
                    batch_blocks: n.into(),
                },
            };
            let mut syncer = self.syncer()?;
            let source = self.node(&node_url)?;
            let done = syncer
                .sync_until(
                    &source,
                    options,
                    |p| {
                        if let Some(l) = &listener {
                            l.on_sync_progress(p.into());
                        }
                    },
                    || cancel.as_ref().is_some_and(|c| c.is_cancelled()),
                )
                .map_err(|e| unreachable_at(&node_url, e.into()))?;
            Ok(done.into())
        })
        .await
    }

    /// Step 1: chooses the notes, change and fee paying `request`, creates
    /// the partially built transaction and marks its notes pending. Needs
    /// no key. Raises `InsufficientFunds` (with have and need),
    /// `InvalidAddress`, `WrongNetwork`, `InvalidRequest`, `NotSynced`.
    pub async fn propose(
        self: Arc<Self>,
        request: PaymentRequest,
    ) -> Result<Proposal, SuperzkError> {
        off_thread(move || self.create(request)).await
    }

    /// Step 2: proves a proposed transaction (`pczt` from
    /// [`Wallet::propose`]) with this account's proof-generation key,
    /// reporting each proof to `listener` (stage `proving`, k of n; key
    /// loading first if the keys are not loaded), which holds no wallet
    /// lock and may call the wallet's methods (see the module's rule). If `cancel` is cancelled
    /// it stops between proofs, gives the transaction up (its notes are
    /// spendable again) and raises `Cancelled`. Returns the proven PCZT.
    pub async fn prove(
        self: Arc<Self>,
        pczt: Vec<u8>,
        keys: Arc<ProvingKeys>,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Vec<u8>, SuperzkError> {
        off_thread(move || {
            let created = Pczt::from_bytes(&pczt)?;
            Ok(self
                .prove_pczt(&created, &keys, &listener, &cancel)?
                .to_bytes())
        })
        .await
    }

    /// Step 3: checks the proven transaction against what was proposed and
    /// signs it with `key` (this account's: `KeyMismatch` otherwise).
    /// Returns the authorized PCZT.
    pub async fn authorize(
        self: Arc<Self>,
        pczt: Vec<u8>,
        key: Arc<SpendingKey>,
    ) -> Result<Vec<u8>, SuperzkError> {
        off_thread(move || {
            let proven = Pczt::from_bytes(&pczt)?;
            Ok(self.authorize_pczt(&proven, &key)?.to_bytes())
        })
        .await
    }

    /// Step 4: extracts the transaction from an authorized PCZT, sends it
    /// to the node and records it in the wallet (its notes stay pending
    /// until it is mined, or released if it expires).
    pub async fn submit(
        self: Arc<Self>,
        pczt: Vec<u8>,
        node_url: String,
    ) -> Result<SentTransaction, SuperzkError> {
        off_thread(move || {
            let signed = Pczt::from_bytes(&pczt)?;
            self.submit_pczt(&signed, &node_url)
        })
        .await
    }

    /// All four steps: propose, prove (progress and cancellation as in
    /// [`Wallet::prove`]), authorize with `key`, submit. If any step before
    /// the node took the transaction fails, the transaction is given up
    /// and its notes are spendable again.
    pub async fn send(
        self: Arc<Self>,
        request: PaymentRequest,
        key: Arc<SpendingKey>,
        keys: Arc<ProvingKeys>,
        node_url: String,
        listener: Option<Arc<dyn ProgressListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<SentTransaction, SuperzkError> {
        off_thread(move || {
            self.check_key(key.clone())?;
            let proposal = self.create(request)?;
            let created = Pczt::from_bytes(&proposal.pczt)?;
            let finished = self
                .prove_pczt(&created, &keys, &listener, &cancel)
                .and_then(|proven| self.authorize_pczt(&proven, &key))
                .and_then(|signed| self.submit_pczt(&signed, &node_url));
            if finished.is_err() {
                // The node never took it: nothing can spend these notes.
                self.writer().release_pczt(&created)?;
            }
            finished
        })
        .await
    }

    /// Waits (at most `timeout_seconds`) until the node at `node_url` has
    /// mined transaction `txid` (hex); returns the height. `NodeRefused`
    /// if the node dropped it, `Timeout` if not mined in time.
    pub async fn wait_mined(
        self: Arc<Self>,
        node_url: String,
        txid: String,
        timeout_seconds: u64,
    ) -> Result<u64, SuperzkError> {
        off_thread(move || {
            let id = bytes32(
                "transaction id",
                hex::decode(&txid).map_err(|e| SuperzkError::InvalidArgument {
                    reason: format!("the transaction id is not hex: {e}"),
                })?,
            )?;
            let source = self.node(&node_url)?;
            let deadline = Instant::now() + Duration::from_secs(timeout_seconds);
            loop {
                match source
                    .status(&id)
                    .map_err(|e| unreachable_at(&node_url, e.into()))?
                {
                    TxStatus::Mined(height) => return Ok(height),
                    TxStatus::Unknown => {
                        return Err(SuperzkError::NodeRefused {
                            reason: format!("the node does not know transaction {txid}"),
                        })
                    }
                    TxStatus::Pending => {}
                }
                if Instant::now() >= deadline {
                    return Err(SuperzkError::Timeout {
                        what: format!("mining transaction {txid}"),
                        seconds: timeout_seconds,
                    });
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
        .await
    }
}

fn history_entry(e: EngineEntry) -> HistoryEntry {
    HistoryEntry {
        txid: hex::encode(e.txid),
        mined_height: e.mined_height,
        expiry_height: e.expiry_height,
        fee: e.fee,
        received: e
            .received
            .iter()
            .map(|r| HistoryReceived {
                contents: amounts(&r.contents),
                is_package: r.is_package,
                memo: trim_memo(&r.memo),
            })
            .collect(),
        sent: e.sent.iter().map(history_sent).collect(),
        spent_notes: count(e.spent_notes),
    }
}

fn history_sent(s: &SentNote) -> HistorySent {
    HistorySent {
        // Already in the wallet network's form, as the user typed it.
        recipient: s.recipient.clone(),
        asset: s.asset.clone().into(),
        value: s.value,
        memo: trim_memo(&s.memo),
    }
}

fn amounts(list: &[(AssetInfo, u64)]) -> Vec<AssetAmount> {
    list.iter()
        .map(|(a, v)| AssetAmount {
            asset: a.clone().into(),
            amount: *v,
        })
        .collect()
}

/// A memo without its zero padding.
fn trim_memo(memo: &[u8]) -> Vec<u8> {
    let end = memo.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    memo[..end].to_vec()
}

fn bytes32(what: &str, bytes: Vec<u8>) -> Result<[u8; 32], SuperzkError> {
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| SuperzkError::InvalidArgument {
            reason: format!("a {what} is 32 bytes, {} were given", b.len()),
        })
}
