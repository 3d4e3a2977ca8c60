//! SuperZK prover: builds shielded transactions and proves all of their
//! actions in parallel; the wallet that finds its notes by scanning and
//! keeps their Merkle witnesses current; and single proofs of one circuit
//! outside a transaction ([`proof`]).
//!
//! ```no_run
//! use superzk_prover::{ProvingKeys, TransactionBuilder, Wallet};
//! use superzk_keys::{note_plaintext::MEMO_LEN, spending_key::SpendingKey};
//! use superzk_circuits::{asset::AssetInfo, note::AssetId};
//! let mut rng = rand_core::OsRng;
//! let keys = ProvingKeys::insecure_cached(b"demo").unwrap();
//! let alice = Wallet::new(SpendingKey::random(&mut rng));
//! let mut builder = TransactionBuilder::new();
//! // Shield 100 SERO from public funds into a note for Alice.
//! builder.add_public_input(AssetId::native(), 100);
//! builder.add_output(None, alice.address(0), AssetInfo::native(), 100, [0; MEMO_LEN]);
//! let tx = builder.build(&keys, &mut rng).unwrap();
//! ```
#![deny(missing_docs)]

mod builder;
mod error;
pub mod pczt;
pub mod proof;
mod proving_keys;
mod wallet;

pub use builder::TransactionBuilder;
pub use error::BuildError;
pub use pczt::{Pczt, PcztDecodeError, PcztError, PcztSummary, ProofGenerationKey, Stage};
pub use proving_keys::ProvingKeys;
pub use wallet::{holds_as_ticket, OwnedNote, OwnedPackage, ScanError, ScanResult, Wallet};
