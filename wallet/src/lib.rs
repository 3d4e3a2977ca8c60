//! SuperZK wallet engine: what a wallet application links. Accounts derived
//! from a BIP-39 mnemonic, a SQLite wallet database that survives restarts
//! and crashes, sync from a node's compact blocks (trial decryption,
//! witnesses of unspent notes, reorg rewind), and transactions in three
//! steps kept apart: propose (no keys), prove (proof-generation key only),
//! authorize (spending key).
//!
//! The database and everything built on it (accounts, sync, queries,
//! spending, [`Wallet`]) come with the default feature `sqlite`. Without it
//! (as on wasm32, where SQLite's bundled C does not build) the crate still
//! offers the chain source, the commitment tree, note selection, proposals,
//! fees and payment URIs, and the in-memory scanning wallet of [`memory`]
//! (`memory::ScanningWallet`): one key, full transactions scanned in chain
//! order, nothing kept on disk; for tests, offline tools, demos and the
//! bindings until they move onto the database-backed engine.
//!
//! ```no_run
//! use superzk_keys::{hd::{account_spending_key, Mnemonic}, network::Network};
//! use superzk_prover::{ProofGenerationKey, ProvingKeys};
//! use superzk_wallet::{
//!     fee::FeeRule, select::{Payment, TransactionRequest}, AccountKey, ChainIdentity,
//!     ChainSource, Wallet,
//! };
//! // `source`: e.g. superzk_wallet::grpc::NodeSource (feature node-client).
//! fn pay(source: &impl ChainSource) -> Result<(), Box<dyn std::error::Error>> {
//! let mnemonic = Mnemonic::parse("legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title")?;
//! let sk = account_spending_key(mnemonic.to_seed("").as_bytes(), Network::Devnet, 0)?;
//! let chain = ChainIdentity { network: "devnet".into(), genesis_hash: [0; 32] };
//! let mut wallet = Wallet::open("wallet.sqlite".as_ref(), &chain)?;
//! let account = wallet.add_account("account0", AccountKey::Spending(&sk), 0)?;
//! wallet.sync(source, |p| println!("{} / {}", p.scanned_height, p.tip_height))?;
//!
//! // Propose (no key), create (notes marked pending), prove (proof key
//! // only), authorize (spending key), send, record.
//! let to = wallet.address(account, 1)?;
//! let request = TransactionRequest {
//!     payments: vec![Payment::currency(to, "SERO", 1_000_000)],
//!     ..Default::default()
//! };
//! let proposal = wallet.propose(account, &request, &FeeRule::standard(), None)?;
//! println!("{proposal}");
//! let pczt = wallet.create_pczt(account, &proposal, &mut rand_core::OsRng)?;
//! let keys = ProvingKeys::insecure_cached(b"demo")?;
//! let proven = pczt.prove(&ProofGenerationKey::from(&sk), &keys, &mut rand_core::OsRng)?;
//! let tx = proven.authorize(&sk, &mut rand_core::OsRng)?.extract()?;
//! let txid = source.send(&tx)?;
//! wallet.record_sent(&tx, txid)?;
//! Ok(())
//! }
//! ```
#![deny(missing_docs)]

pub mod fee;
pub mod memory;
pub mod proposal;
pub mod select;
pub mod source;
mod ticket;
pub mod tree;
pub mod uri;

pub use fee::{estimated_size, FeeError, FeeRule, TxShape};
pub use proposal::{
    propose, Proposal, ProposalError, ProposalFormatError, ProposalParams, Spendable,
    PROPOSAL_FORMAT,
};
pub use select::{
    select, NoteContent, Payment, PaymentKind, Selection, SelectionError, SelectionRules,
    SpendableNote, TransactionRequest,
};
pub use source::{
    ChainSource, CompactBlock, CompactOutput, CompactTx, SourceError, TreeState, TxStatus,
};
pub use ticket::holds_as_ticket;
pub use uri::{format_amount, parse_amount, AmountError, UriError};
#[cfg(feature = "node-client")]
pub mod grpc;
#[cfg(feature = "node-api")]
pub mod node_api;

#[cfg(feature = "sqlite")]
pub mod accounts;
#[cfg(feature = "sqlite")]
pub mod error;
#[cfg(feature = "sqlite")]
pub mod queries;
#[cfg(feature = "sqlite")]
mod scan;
#[cfg(feature = "sqlite")]
pub mod schema;
#[cfg(feature = "sqlite")]
pub mod spend;
#[cfg(feature = "sqlite")]
pub mod storage;
#[cfg(feature = "sqlite")]
pub mod sync;

#[cfg(feature = "sqlite")]
pub use accounts::{Account, AccountId, AccountKey};
#[cfg(feature = "sqlite")]
pub use error::{OpenError, WalletError};
#[cfg(feature = "sqlite")]
pub use storage::ChainIdentity;
#[cfg(feature = "sqlite")]
pub use sync::{SyncOptions, SyncProgress};

/// A wallet: its SQLite database, opened and checked. Sync it from a
/// [`ChainSource`], query its accounts, balances, notes and history, and
/// mark the notes a transaction in flight spends.
#[cfg(feature = "sqlite")]
pub struct Wallet {
    conn: rusqlite::Connection,
}

#[cfg(feature = "sqlite")]
impl Wallet {
    /// Opens the wallet file at `path` for `chain`, creating it if it does
    /// not exist and migrating an older schema. Refuses, with an
    /// [`OpenError`] saying what to do, a damaged file, another
    /// application's database, a wallet of a newer SuperZK and a wallet of
    /// another chain.
    pub fn open(path: &std::path::Path, chain: &ChainIdentity) -> Result<Self, OpenError> {
        Ok(Self {
            conn: storage::open(path, chain)?,
        })
    }

    /// As [`Wallet::open`], but at schema `version` (at most
    /// [`schema::SCHEMA_VERSION`]): for making fixtures of older wallets.
    #[doc(hidden)]
    pub fn open_at_version(
        path: &std::path::Path,
        chain: &ChainIdentity,
        version: i64,
    ) -> Result<Self, OpenError> {
        Ok(Self {
            conn: storage::open_at_version(path, chain, version)?,
        })
    }

    /// A wallet held in memory: new (`image` `None`), or from the bytes
    /// [`Wallet::to_bytes`] made, checked as [`Wallet::open`] checks a file.
    /// For platforms without a file system (a browser keeps the bytes in
    /// IndexedDB and saves them again after each change).
    pub fn open_in_memory(image: Option<&[u8]>, chain: &ChainIdentity) -> Result<Self, OpenError> {
        Ok(Self {
            conn: storage::open_in_memory(image, chain)?,
        })
    }

    /// The whole wallet database as bytes (SQLite's file format): what
    /// [`Wallet::open_in_memory`] opens again. Holds the accounts' keys:
    /// store it as the wallet file itself.
    pub fn to_bytes(&mut self) -> Result<Vec<u8>, WalletError> {
        Ok(storage::serialize(&mut self.conn)?)
    }

    /// The schema version of the open wallet.
    pub fn schema_version(&self) -> Result<i64, WalletError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}
