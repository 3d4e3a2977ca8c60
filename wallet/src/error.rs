//! The wallet's errors: why a wallet file cannot be opened ([`OpenError`])
//! and why an operation on an open wallet failed ([`WalletError`]).

use std::path::PathBuf;

use crate::source::SourceError;

/// Why a wallet file was refused. Each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The file is not a SQLite database, or it is one that is damaged
    /// (truncated, overwritten, a failed integrity check).
    #[error("the wallet file {path} is damaged ({reason}): restore it from a backup, or restore the wallet from its mnemonic into a new file")]
    Damaged {
        /// The wallet file.
        path: PathBuf,
        /// What SQLite or the integrity check said.
        reason: String,
    },
    /// A SQLite database of another application.
    #[error("{path} is not a SuperZK wallet (application id {application_id:#010x}): check the path, or choose a new file for the wallet")]
    Foreign {
        /// The file.
        path: PathBuf,
        /// The application id found in its header.
        application_id: i32,
    },
    /// A wallet written by a newer SuperZK, whose schema this one cannot read.
    #[error("the wallet {path} has schema version {found}, newer than this SuperZK reads ({supported}): upgrade SuperZK to open it")]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build reads.
        supported: i64,
    },
    /// A wallet of another network or chain.
    #[error("the wallet {path} belongs to network {found_network} (genesis {found_genesis}), not {expected_network} (genesis {expected_genesis}): open the wallet made for this network, or make a new one")]
    WrongChain {
        /// The file.
        path: PathBuf,
        /// The network the caller opened it for.
        expected_network: String,
        /// The genesis hash the caller expects, hex.
        expected_genesis: String,
        /// The network recorded in the wallet.
        found_network: String,
        /// The genesis hash recorded in the wallet, hex.
        found_genesis: String,
    },
    /// The file could not be opened or written at all (permissions, a
    /// missing directory, a full disk, another process holding a lock).
    #[error("cannot open the wallet {path}: {reason}; check that the directory exists, is writable, and that no other program holds the wallet")]
    Unavailable {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// A schema migration failed; the wallet was left at its old version.
    #[error("upgrading the wallet {path} to schema version {version} failed ({reason}); the file is unchanged: report this, and keep the file")]
    Migration {
        /// The file.
        path: PathBuf,
        /// The version the failed step leads to.
        version: i64,
        /// What failed.
        reason: String,
    },
}

/// Why an operation on an open wallet failed.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// The database failed (disk full, I/O error, a lock held elsewhere).
    #[error("the wallet database failed: {0}; check free disk space and that no other program uses the wallet")]
    Database(#[from] rusqlite::Error),
    /// The database holds something this code never writes: damage.
    #[error("the wallet database holds an invalid {what}: restore the wallet from a backup or from its mnemonic")]
    Corrupt {
        /// What was invalid.
        what: &'static str,
    },
    /// The chain source failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The chain source's blocks do not fit together or with what the
    /// wallet knows.
    #[error("the chain source is inconsistent: {0}; retry, or sync from another node")]
    InconsistentSource(String),
    /// No account with this id or name.
    #[error("no account {0} in this wallet: list the accounts to see which exist")]
    UnknownAccount(String),
    /// An account with this name or key already exists.
    #[error(
        "the wallet already has an account {0}: choose another name, or use the existing account"
    )]
    DuplicateAccount(String),
    /// A note id the wallet does not hold, or one that cannot be used.
    #[error("note {id} cannot be used: {reason}")]
    UnusableNote {
        /// The note's id.
        id: i64,
        /// Why.
        reason: &'static str,
    },
    /// The wallet's note commitment tree failed.
    #[error(transparent)]
    Tree(#[from] crate::tree::TreeError),
    /// No witness for a note (spent, unknown, or not yet scanned).
    #[error(
        "no witness for the note at position {0}: sync the wallet, and spend only unspent notes"
    )]
    NoWitness(u64),
    /// The caller stopped a sync ([`Wallet::sync_until`](crate::Wallet::sync_until)).
    /// Every batch stored before stays stored: sync again to go on.
    #[error("sync stopped by its caller{}: sync again to resume", match .scanned_height {
        Some(h) => format!(" with blocks up to {h} stored"),
        None => " before any block was stored".to_owned(),
    })]
    Stopped {
        /// The last block stored when it stopped, if any.
        scanned_height: Option<u64>,
    },
}
