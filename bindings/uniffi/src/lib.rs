//! SuperZK for Kotlin, Swift and Python, through UniFFI (proc macros).
//!
//! One surface over the existing crates, with no protocol logic of its own:
//! the wallet engine an app links ([`wallet`]: create or restore from a
//! mnemonic, a SQLite wallet file, sync from a node, balances, history,
//! tickets and packages, and spending in steps that are each `async` and
//! usable alone, with proving progress and cancellation), keys, mnemonics
//! and addresses ([`keys`]), scanning a transaction's outputs with a viewing
//! key and an in-memory wallet for tests and demos ([`scanning`]), building
//! and proving transactions with caller-supplied or lazily loaded proving
//! keys ([`proving`]), and verifying transactions, batches, proof files and
//! verifying keys, the fixtures' keys built in ([`verify`]).
//!
//! Every fallible call returns [`SuperzkError`], which each language turns
//! into its own exception, one subclass per kind with the kind's fields
//! (e.g. `InsufficientFunds` carries `have` and `need`). Byte strings cross
//! as `Vec<u8>` (`bytes`, `ByteArray`, `Data`).
#![deny(missing_docs)]

pub mod error;
pub mod keys;
pub mod proving;
pub mod scanning;
pub mod verify;
pub mod wallet;

pub use error::SuperzkError;

uniffi::setup_scaffolding!();
