//! The one error type every call raises: a variant per kind of failure, each
//! with the message of the Rust error it came from, so a caller can catch a
//! kind (`SuperzkException.Decode` in Kotlin, `SuperzkError.Decode` in Swift
//! and Python) and show the message.

use superzk_circuits::{asset::AssetInfoError, tree::TreeError};
use superzk_keys::error::KeyError;
use superzk_prover::BuildError;
use superzk_verifier::error::DecodeError;

/// Why a call failed. Crosses as a "flat" error: the foreign exception's
/// class is the variant, its message this type's `Display` text.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum SuperzkError {
    /// Bytes that are not a well-formed transaction, proof or block file.
    #[error("malformed input: {message}")]
    Decode {
        /// What is wrong with the bytes.
        message: String,
    },
    /// A key, address, or parameter (proving or verifying key) file that does
    /// not decode, or a parameter file that cannot be read.
    #[error("key error: {message}")]
    Key {
        /// What is wrong.
        message: String,
    },
    /// A transaction that cannot be built (unbalanced, insufficient funds…).
    #[error("cannot build the transaction: {message}")]
    Build {
        /// Why.
        message: String,
    },
    /// An argument outside what the call accepts (a memo too long, an
    /// asset name too long).
    #[error("invalid argument: {message}")]
    InvalidArgument {
        /// Which argument and why.
        message: String,
    },
    /// The wallet's note commitment tree cannot take more notes.
    #[error("scanning failed: {message}")]
    Scan {
        /// Why.
        message: String,
    },
}

/// Each source error becomes one kind, keeping its message.
macro_rules! kind_from {
    ($($source:ty => $kind:ident),* $(,)?) => {$(
        impl From<$source> for SuperzkError {
            fn from(e: $source) -> Self {
                Self::$kind {
                    message: e.to_string(),
                }
            }
        }
    )*};
}

kind_from!(
    DecodeError => Decode,
    superzk_chain_core::error::DecodeError => Decode,
    KeyError => Key,
    BuildError => Build,
    AssetInfoError => InvalidArgument,
    TreeError => Scan,
);
