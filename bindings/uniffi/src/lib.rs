//! SuperZK for Kotlin, Swift and Python, through UniFFI (proc macros).
//!
//! One small surface over the existing crates, with no protocol logic of its
//! own: keys and addresses ([`keys`]), scanning a transaction's outputs with a
//! viewing key and a wallet that tracks its notes ([`wallet`]), building and
//! proving transactions with caller-supplied or lazily loaded proving keys
//! ([`proving`]), and verifying transactions, batches, proof files and
//! verifying keys, the fixtures' keys built in ([`verify`]).
//!
//! Every fallible call returns [`SuperzkError`], which each language turns
//! into its own exception, one subclass per kind, carrying the Rust message.
//! Byte strings cross as `Vec<u8>` (`bytes`, `ByteArray`, `Data`).
#![deny(missing_docs)]

pub mod error;
pub mod keys;
pub mod proving;
pub mod verify;
pub mod wallet;

pub use error::SuperzkError;

uniffi::setup_scaffolding!();
