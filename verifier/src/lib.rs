//! SuperZK verification: single and batch Groth16 verification, the
//! transaction and proof-file formats, and the checks that make a transaction
//! valid.
//!
//! * [`curve`]: proof-point decoding, subgroup checks and pairing products
//!   (on `blst` natively);
//! * [`groth16`]: one proof, or many in a randomized batch;
//! * [`transaction`]: the transaction format and its canonical bytes;
//! * [`verify`]: transaction-level checks, for one transaction or a batch
//!   (a block's signatures in one batch: `signatures`);
//! * [`proof_file`]: a single proof with its public inputs, for auditors;
//! * [`interop`]: Groth16 proofs from snarkjs and bellman files.
#![deny(missing_docs)]

pub mod curve;
pub mod error;
pub mod groth16;
pub mod interop;
pub mod proof_file;
mod signatures;
pub mod transaction;
pub mod verify;
