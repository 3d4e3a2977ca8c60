//! The MSMs of a proof: natively blst's Pippenger (its assembly); on wasm32
//! the [`wasm`] backend (affine buckets on a 30-bit-limb field, faster
//! there than blst's portable C). Both cut their work over rayon's current
//! pool, so a proof's five MSMs share one. arkworks' serial MSM in chunks
//! ([`ark_backend`]) is kept as the reference the tests compare with.
//! [`tables`] is the server mode's fixed-base MSM (precomputed window
//! shifts of the key's points, on blst; see [`super::MsmMode`]).

pub mod ark_backend;
pub mod batch_affine;
pub mod blst_backend;
pub mod tables;
pub mod wasm;

/// The prover's MSM points for this target.
#[cfg(not(target_arch = "wasm32"))]
pub use blst_backend::{G1Points, G2Points};
/// The prover's MSM points for this target.
#[cfg(target_arch = "wasm32")]
pub use wasm::{G1Points, G2Points};
