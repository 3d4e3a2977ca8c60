//! The error type of key, address and parameter handling.

use std::path::PathBuf;

/// What can go wrong decoding keys and addresses or handling parameter files.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Bytes of the wrong length for the thing being decoded.
    #[error(
        "expected {expected} bytes for {what}, got {got}; check that the whole value was copied"
    )]
    WrongLength {
        /// What was being decoded.
        what: &'static str,
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// A field element or scalar that is not in canonical form.
    #[error(
        "{what} is not a canonical field element; the bytes are corrupt or not a SuperZK {what}"
    )]
    NonCanonical {
        /// What was being decoded.
        what: &'static str,
    },
    /// A curve point that is not valid where it is used.
    #[error("{what} is not a valid point (off the curve, outside the prime-order subgroup, or the identity)")]
    InvalidPoint {
        /// What was being decoded.
        what: &'static str,
    },
    /// A key or address of another network.
    #[error(
        "this is {what} for {found}, but this wallet is on {expected}; use {what} made \
         for {expected} (keys and addresses are never valid on two networks)"
    )]
    WrongNetwork {
        /// What was being decoded ("an address", ...).
        what: &'static str,
        /// The network the caller works on.
        expected: crate::network::Network,
        /// The network the string is for.
        found: crate::network::Network,
    },
    /// A network name that is not one of ours.
    #[error("unknown network {name:?}; the networks are mainnet, testnet or devnet")]
    UnknownNetwork {
        /// The name given (at most 32 characters of it).
        name: String,
    },
    /// The text encoding is wrong.
    #[error(transparent)]
    Encoding(#[from] crate::encoding::EncodingError),
    /// A parameter file is not what it claims.
    #[error(
        "parameter file {path}: {reason}; delete it to have it regenerated, or fetch it again"
    )]
    BadParameterFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Parameter bytes do not decode.
    #[error("parameters do not decode: {0}")]
    Serialization(#[from] ark_serialize::SerializationError),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}
