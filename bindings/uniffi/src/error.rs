//! The one error type every call raises: a variant per kind of failure, each
//! with named fields a caller can read (the amounts of insufficient funds,
//! the networks of a wrong-network address, the position of a wrong
//! mnemonic word) as well as a message (`Display`). Each language turns it
//! into its own exception, one subclass per kind: `SuperzkException.
//! InsufficientFunds` in Kotlin (fields as properties), `SuperzkError.
//! InsufficientFunds(have:need:asset:)` in Swift, `SuperzkError.
//! InsufficientFunds` in Python (fields as attributes).
//!
//! Every variant is made from a typed Rust error (never from its `Debug`
//! or `Display` text): the `From` conversions below and the wallet's
//! mappings in [`crate::wallet`].

use superzk_circuits::{asset::AssetInfoError, tree::TreeError};
use superzk_keys::{error::KeyError, hd::HdError};
use superzk_prover::{BuildError, PcztDecodeError, PcztError};
use superzk_verifier::error::DecodeError;
use superzk_wallet::{
    error::{OpenError, WalletError},
    select::SelectionError,
    spend::SpendError,
    ProposalError, SourceError,
};

/// Why a call failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SuperzkError {
    /// Bytes that are not a well-formed transaction, proof, block or
    /// partially built transaction.
    #[error("malformed input: {reason}")]
    Decode {
        /// What is wrong with the bytes.
        reason: String,
    },
    /// A key (spending, viewing) or verifying key that does not decode, or
    /// a parameter file that cannot be read.
    #[error("key error: {reason}")]
    Key {
        /// What is wrong.
        reason: String,
    },
    /// Proving-key bytes or files that are not a proving key of the
    /// circuit they are given for.
    #[error("bad proving key for the {circuit} circuit: {reason}")]
    BadProvingKey {
        /// Which circuit's key ("spend", "output", ...; "any" when unknown).
        circuit: String,
        /// What is wrong.
        reason: String,
    },
    /// A payment address that does not decode.
    #[error("invalid address {address:?}: {reason}")]
    InvalidAddress {
        /// The address given (public data).
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An address, key, wallet or node of another network than expected.
    #[error("wrong network: expected {expected}, found {found}")]
    WrongNetwork {
        /// The network the call works on.
        expected: String,
        /// The network of what was given.
        found: String,
    },
    /// A network name that is not mainnet, testnet or devnet.
    #[error("unknown network {name:?}: the networks are mainnet, testnet and devnet")]
    UnknownNetwork {
        /// The name given.
        name: String,
    },
    /// A mnemonic phrase that is not a valid BIP-39 phrase.
    #[error("invalid mnemonic: {reason}")]
    InvalidMnemonic {
        /// Position (from 1) of the first word not in the BIP-39 English
        /// list, if that is what is wrong; the word itself is not repeated
        /// (it is part of a secret).
        position: Option<u32>,
        /// Words in the phrase.
        word_count: u32,
        /// What is wrong.
        reason: String,
    },
    /// A mnemonic or spending key that is valid but not this wallet's.
    #[error("this key is not the wallet's: it derives another account; use the mnemonic the wallet was created with")]
    KeyMismatch,
    /// Not enough of an asset to pay.
    #[error("not enough {asset}: {need} needed (fee included: {includes_fee}), {have} spendable, {pending} pending")]
    InsufficientFunds {
        /// The asset (currency name, or `ticket CATEGORY:ID`).
        asset: String,
        /// What the wallet can spend now, in base units.
        have: u64,
        /// What the payment needs, in base units.
        need: u64,
        /// Whether `need` includes the fee.
        includes_fee: bool,
        /// What is held but not spendable yet (unconfirmed, or locked by a
        /// transaction in flight).
        pending: u64,
    },
    /// A payment request the wallet cannot turn into a transaction (no
    /// payment, zero amount, a ticket or package not held, too many
    /// outputs...).
    #[error("invalid payment request: {reason}")]
    InvalidRequest {
        /// Why.
        reason: String,
    },
    /// A transaction that cannot be built (unbalanced, a witness that does
    /// not verify...).
    #[error("cannot build the transaction: {reason}")]
    Build {
        /// Why.
        reason: String,
    },
    /// A step (prove, authorize, extract) refused a partially built
    /// transaction (wrong stage, a key that does not own the notes, a
    /// tampered transaction).
    #[error("partially built transaction refused: {reason}")]
    Pczt {
        /// Why.
        reason: String,
    },
    /// The caller cancelled the call (a [`crate::wallet::CancelToken`]). A
    /// cancelled proof gave its transaction up; a cancelled sync kept every
    /// batch it stored.
    #[error("cancelled by the caller")]
    Cancelled,
    /// An argument outside what the call accepts (a memo too long, an
    /// asset name too long, an id of the wrong length).
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// Which argument and why.
        reason: String,
    },
    /// The in-memory wallet's note commitment tree cannot take more notes.
    #[error("scanning failed: {reason}")]
    Scan {
        /// Why.
        reason: String,
    },
    /// The node could not be reached or broke off.
    #[error("the node at {url} is unreachable: {reason}")]
    NodeUnreachable {
        /// The node's URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The node answered, but refused or sent something unusable.
    #[error("the node refused: {reason}")]
    NodeRefused {
        /// What it said.
        reason: String,
    },
    /// No wallet file at the path (open creates none: create or restore).
    #[error("no wallet at {path}: create or restore one")]
    WalletNotFound {
        /// The path.
        path: String,
    },
    /// A wallet file already exists where a new one was to be created.
    #[error("{path} already holds a wallet: open it, or choose another path")]
    WalletExists {
        /// The path.
        path: String,
    },
    /// The wallet file is damaged, foreign or of a newer version.
    #[error("the wallet file cannot be used: {reason}")]
    WalletDamaged {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The wallet database failed (disk full, I/O, permissions, a lock).
    #[error("the wallet database failed: {reason}")]
    Database {
        /// Why.
        reason: String,
    },
    /// A sync of this wallet is running: only one runs at a time, and a
    /// second one is refused at once rather than queued (so a listener
    /// that starts a sync and waits for it cannot deadlock).
    #[error("a sync of this wallet is already running: wait for it to finish, then sync again")]
    SyncInProgress,
    /// The wallet has not scanned any block yet.
    #[error("the wallet has not synced yet: sync before sending")]
    NotSynced,
    /// Waiting for something took longer than allowed.
    #[error("{what} did not happen within {seconds} s")]
    Timeout {
        /// What was awaited.
        what: String,
        /// The limit.
        seconds: u64,
    },
    /// A bug: a worker thread stopped without an answer.
    #[error("internal error: {reason}")]
    Internal {
        /// What happened.
        reason: String,
    },
}

impl From<DecodeError> for SuperzkError {
    fn from(e: DecodeError) -> Self {
        Self::Decode {
            reason: e.to_string(),
        }
    }
}

impl From<superzk_chain_core::error::DecodeError> for SuperzkError {
    fn from(e: superzk_chain_core::error::DecodeError) -> Self {
        Self::Decode {
            reason: e.to_string(),
        }
    }
}

impl From<PcztDecodeError> for SuperzkError {
    fn from(e: PcztDecodeError) -> Self {
        Self::Decode {
            reason: e.to_string(),
        }
    }
}

impl From<KeyError> for SuperzkError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::WrongNetwork {
                expected, found, ..
            } => Self::WrongNetwork {
                expected: expected.name().into(),
                found: found.name().into(),
            },
            KeyError::UnknownNetwork { name } => Self::UnknownNetwork { name },
            e => Self::Key {
                reason: e.to_string(),
            },
        }
    }
}

impl From<HdError> for SuperzkError {
    fn from(e: HdError) -> Self {
        let (position, word_count) = match e {
            HdError::UnknownWord { position } => (Some(position), 0),
            HdError::WrongWordCount { got } => (None, got),
            _ => (None, 0),
        };
        Self::InvalidMnemonic {
            position: position.map(count),
            word_count: count(word_count),
            reason: e.to_string(),
        }
    }
}

impl From<BuildError> for SuperzkError {
    fn from(e: BuildError) -> Self {
        match e {
            BuildError::Pczt(p) => p.into(),
            e => Self::Build {
                reason: e.to_string(),
            },
        }
    }
}

impl From<PcztError> for SuperzkError {
    fn from(e: PcztError) -> Self {
        match e {
            PcztError::Cancelled => Self::Cancelled,
            e => Self::Pczt {
                reason: e.to_string(),
            },
        }
    }
}

impl From<AssetInfoError> for SuperzkError {
    fn from(e: AssetInfoError) -> Self {
        Self::InvalidArgument {
            reason: e.to_string(),
        }
    }
}

impl From<TreeError> for SuperzkError {
    fn from(e: TreeError) -> Self {
        Self::Scan {
            reason: e.to_string(),
        }
    }
}

impl From<OpenError> for SuperzkError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::WrongChain {
                expected_network,
                expected_genesis,
                found_network,
                found_genesis,
                ..
            } => Self::WrongNetwork {
                expected: chain_name(&expected_network, &expected_genesis),
                found: chain_name(&found_network, &found_genesis),
            },
            OpenError::Unavailable { reason, .. } => Self::Database { reason },
            ref other @ (OpenError::Damaged { ref path, .. }
            | OpenError::Foreign { ref path, .. }
            | OpenError::TooNew { ref path, .. }
            | OpenError::Migration { ref path, .. }) => Self::WalletDamaged {
                path: path.display().to_string(),
                reason: other.to_string(),
            },
        }
    }
}

/// A chain named by its network, and its genesis when two chains of one
/// network differ (two devnets).
fn chain_name(network: &str, genesis: &str) -> String {
    format!("{network} (genesis {genesis})")
}

impl From<WalletError> for SuperzkError {
    fn from(e: WalletError) -> Self {
        match e {
            WalletError::Source(s) => s.into(),
            // Stopped only by the caller's CancelToken.
            WalletError::Stopped { .. } => Self::Cancelled,
            e => Self::Database {
                reason: e.to_string(),
            },
        }
    }
}

impl From<SourceError> for SuperzkError {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Unavailable(reason) => Self::NodeUnreachable {
                url: String::new(),
                reason,
            },
            e => Self::NodeRefused {
                reason: e.to_string(),
            },
        }
    }
}

impl From<SelectionError> for SuperzkError {
    fn from(e: SelectionError) -> Self {
        match e {
            SelectionError::InsufficientFunds {
                asset,
                needed,
                includes_fee,
                available,
                pending,
            } => Self::InsufficientFunds {
                asset,
                have: available,
                need: needed,
                includes_fee,
                pending,
            },
            e => Self::InvalidRequest {
                reason: e.to_string(),
            },
        }
    }
}

impl From<ProposalError> for SuperzkError {
    fn from(e: ProposalError) -> Self {
        match e {
            ProposalError::Selection(s) => s.into(),
            e => Self::InvalidRequest {
                reason: e.to_string(),
            },
        }
    }
}

impl From<SpendError> for SuperzkError {
    fn from(e: SpendError) -> Self {
        match e {
            SpendError::Wallet(w) => w.into(),
            SpendError::Proposal(p) => p.into(),
            SpendError::Build(b) => b.into(),
            SpendError::Pczt(p) => p.into(),
            SpendError::NotSynced => Self::NotSynced,
            e @ (SpendError::Stale { .. }
            | SpendError::WatchOnly(_)
            | SpendError::Expired { .. }) => Self::InvalidRequest {
                reason: e.to_string(),
            },
        }
    }
}

/// A count as a `u32` (saturating: counts here are small).
pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use superzk_keys::{address::PaymentAddress, hd::Mnemonic, network::Network};

    #[test]
    fn insufficient_funds_keeps_its_amounts() {
        let e: SuperzkError = SpendError::Proposal(ProposalError::Selection(
            SelectionError::InsufficientFunds {
                asset: "SERO".into(),
                needed: 7,
                includes_fee: true,
                available: 5,
                pending: 2,
            },
        ))
        .into();
        assert!(matches!(
            e,
            SuperzkError::InsufficientFunds { ref asset, have: 5, need: 7, includes_fee: true, pending: 2 }
                if asset == "SERO"
        ));
    }

    #[test]
    fn a_wrong_word_gives_its_position_not_the_word() {
        let phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        let e: SuperzkError = Mnemonic::parse(&phrase.replace("wave", "wavy"))
            .unwrap_err()
            .into();
        assert!(matches!(
            e,
            SuperzkError::InvalidMnemonic {
                position: Some(5),
                ..
            }
        ));
        assert!(!e.to_string().contains("wavy"));
        let e: SuperzkError = Mnemonic::parse("legal winner").unwrap_err().into();
        assert!(matches!(
            e,
            SuperzkError::InvalidMnemonic {
                position: None,
                word_count: 2,
                ..
            }
        ));
    }

    #[test]
    fn wrong_networks_and_cancellation_keep_their_kind() {
        let address = superzk_keys::spending_key::SpendingKey::from_seed(b"seed", 0)
            .full_viewing_key()
            .incoming_viewing_key()
            .address(0)
            .encode_for(Network::Testnet);
        let e: SuperzkError = PaymentAddress::decode_for(Network::Devnet, &address)
            .unwrap_err()
            .into();
        assert!(matches!(
            e,
            SuperzkError::WrongNetwork { ref expected, ref found } if expected == "devnet" && found == "testnet"
        ));
        let e: SuperzkError = BuildError::Pczt(PcztError::Cancelled).into();
        assert!(matches!(e, SuperzkError::Cancelled));
        let e: SuperzkError = SourceError::Unavailable("refused".into()).into();
        assert!(matches!(e, SuperzkError::NodeUnreachable { .. }));
    }
}
