//! SuperZK keys: the wallet key hierarchy, addresses and their text encodings,
//! note encryption, spend-authorization and binding signatures, and the Groth16
//! parameter files the prover and verifier load.
#![deny(missing_docs)]

pub mod encoding;
pub mod encryption;
pub mod signature;
