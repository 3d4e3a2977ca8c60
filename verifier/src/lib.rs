//! SuperZK verification: single and batch Groth16 verification, the
//! transaction format, and the checks that make a transaction valid.
#![deny(missing_docs)]

pub mod groth16;
