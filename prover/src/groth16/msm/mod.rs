//! The MSMs of a proof: blst's Pippenger on every target (natively its
//! assembly, in Wasm its portable C with 32-bit limbs), cut over rayon's
//! current pool, so a proof's five MSMs share one. arkworks' serial MSM in
//! chunks ([`ark_backend`]) is kept as the reference the tests compare with.
//! [`tables`] is the server mode's fixed-base MSM (precomputed window
//! shifts of the key's points; see [`super::MsmMode`]).

pub mod ark_backend;
pub mod batch_affine;
pub mod blst_backend;
pub mod tables;
