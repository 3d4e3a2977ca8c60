//! SuperZK prover: builds shielded transactions and proves all of their
//! actions in parallel ([`TransactionBuilder`]); builds them in steps kept
//! apart, from proposal to proof to signature, as a partially created
//! transaction ([`pczt`]); and makes single proofs of one circuit outside a
//! transaction ([`proof`]). Finding and keeping notes is the wallet's work:
//! see the `superzk-wallet` crate.
//!
//! ```no_run
//! use superzk_prover::{ProvingKeys, TransactionBuilder};
//! use superzk_keys::{note_plaintext::MEMO_LEN, spending_key::SpendingKey};
//! use superzk_circuits::{asset::AssetInfo, note::AssetId};
//! let mut rng = rand_core::OsRng;
//! let keys = ProvingKeys::insecure_cached(b"demo").unwrap();
//! let alice = SpendingKey::random(&mut rng).full_viewing_key();
//! let mut builder = TransactionBuilder::new();
//! // Shield 100 SERO from public funds into a note for Alice.
//! builder.add_public_input(AssetId::native(), 100);
//! let to = alice.incoming_viewing_key().address(0);
//! builder.add_output(None, to, AssetInfo::native(), 100, [0; MEMO_LEN]);
//! let tx = builder.build(&keys, &mut rng).unwrap();
//! ```
#![deny(missing_docs)]

mod builder;
mod error;
pub mod groth16;
pub mod pczt;
pub mod proof;
mod proving_keys;

pub use builder::TransactionBuilder;
pub use error::BuildError;
pub use pczt::{Pczt, PcztDecodeError, PcztError, PcztSummary, ProofGenerationKey, Stage};
pub use proving_keys::ProvingKeys;
