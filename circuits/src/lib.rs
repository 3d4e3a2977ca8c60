//! SuperZK circuits: the R1CS statements SuperZK proves with Groth16 over
//! BLS12-381, and the native primitives those statements talk about.
//!
//! * [`poseidon`]: the hash used everywhere in-circuit;
//! * [`asset`]: currencies and tickets, and their asset ids;
//! * [`generators`]: Jubjub generators, one per asset, hashed to the curve;
//! * [`note`]: notes, note commitments, nullifiers, value commitments;
//! * [`tree`]: the depth-32 note commitment tree and wallet witnesses;
//! * [`package`]: sealed bundles of assets;
//! * [`spend`] and [`output`]: the two circuits (generic over [`note_kind`]:
//!   plain notes and packages), each stating its statement;
//! * [`gadgets`]: the in-circuit halves of the primitives.
//!
//! The specification of all of it is `docs/PROTOCOL.md`.
//!
//! ```
//! use superzk_circuits::{note::{AssetId, Note}, tree::CommitmentTree, Fr};
//! let note = Note { asset: AssetId::native(), value: 5, owner: Fr::from(1u64),
//!                   rho: Fr::from(2u64), rcm: Fr::from(3u64) };
//! let mut tree = CommitmentTree::new();
//! let witness = tree.append_marked(note.commitment(), &mut []).unwrap();
//! assert_eq!(witness.path().root(note.commitment()), tree.root());
//! ```
#![deny(missing_docs)]

pub mod asset;
pub mod gadgets;
pub mod generators;
pub mod note;
pub mod note_kind;
pub mod output;
pub mod package;
pub mod poseidon;
pub mod spend;
pub mod tree;

/// BLS12-381's scalar field: the field the circuits are written over, and the
/// base field of Jubjub.
pub type Fr = ark_bls12_381::Fr;

/// A Jubjub point in-circuit.
pub type EdwardsVar = ark_ed_on_bls12_381::constraints::EdwardsVar;

/// Bits of a Jubjub scalar (its order is just under 2^252).
pub const SCALAR_BITS: usize = 252;

/// Name of the chain's native currency, in which fees are paid.
pub const NATIVE_ASSET: &str = "SERO";
