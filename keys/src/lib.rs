//! SuperZK keys: the wallet key hierarchy, addresses and their text encodings,
//! note encryption, spend-authorization and binding signatures, and the Groth16
//! parameter files the prover and verifier load.
//!
//! ```
//! use superzk_keys::{address::PaymentAddress, spending_key::SpendingKey};
//! let sk = SpendingKey::from_seed(b"an example seed of enough entropy", 0);
//! let ivk = sk.full_viewing_key().incoming_viewing_key();
//! let text = ivk.address(0).encode();
//! assert!(text.starts_with("szk1"));
//! assert_eq!(PaymentAddress::decode(&text).unwrap(), ivk.address(0));
//! assert_ne!(ivk.address(0), ivk.address(1));
//! ```
#![deny(missing_docs)]

pub mod address;
pub mod ceremony;
pub mod compact;
pub mod disclosure;
pub mod encoding;
pub mod encryption;
pub mod error;
pub mod hd;
pub mod network;
pub mod note_plaintext;
pub mod params;
pub mod signature;
pub mod spending_key;
