//! The Wasm MSM: Pippenger over affine buckets in portable Rust, on a base
//! field built for Wasm's 64-bit multiply (13 limbs of 30 bits, see
//! [`fp`]), used by the prover on wasm32, where blst has only its portable
//! C (32-bit limbs, each 64-bit product split into halves). Natively blst's
//! assembly stays; this module builds and is tested on every target.
//!
//! See docs/DECISIONS.md, "Wasm MSM on 30-bit limbs".

pub mod curve;
pub mod fp;
pub mod fp2;
pub mod pippenger;
pub mod points;

pub use points::{G1Points, G2Points};

#[cfg(test)]
mod tests;
