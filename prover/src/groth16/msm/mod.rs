//! The MSMs of a proof: natively blst's Pippenger (its assembly); on wasm32
//! the [`wasm`] backend (affine buckets on a 30-bit-limb field, faster
//! there than blst's portable C). Both cut their work over rayon's current
//! pool, so a proof's five MSMs share one. arkworks' serial MSM in chunks
//! ([`ark_backend`]) is kept as the reference the tests compare with.
//! [`tables`] is the server mode's fixed-base MSM (precomputed window
//! shifts of the key's points, on blst; see [`super::MsmMode`]). Natively,
//! a window's buckets are filled by blst's tile, by [`batch_affine`]
//! (affine buckets in input order) or by `sorted` (entries sorted by
//! bucket, added in pairwise rounds: the default mode's choice for all but
//! the smallest G1 MSMs).

pub mod ark_backend;
pub mod batch_affine;
pub mod blst_backend;
mod sorted;
pub mod store;
pub mod tables;
pub mod wasm;

/// The prover's MSM points for this target.
#[cfg(not(target_arch = "wasm32"))]
pub use blst_backend::{G1Points, G2Points};
/// The prover's MSM points for this target.
#[cfg(target_arch = "wasm32")]
pub use wasm::{G1Points, G2Points};

/// Where each finite point of `parts` is: (part, position in the part),
/// sized exactly (no doubling growth while a key is prepared: peak memory
/// counts). Every backend keeps its key's points in this order.
///
/// # Panics
///
/// If a part has 2^32 points or more (a proving key's query never comes
/// close).
pub(crate) fn finite_index<A: ark_ec::AffineRepr>(parts: &[&[A]]) -> Vec<(u32, u32)> {
    let mut index = Vec::with_capacity(
        parts
            .iter()
            .map(|part| part.iter().filter(|p| !p.is_zero()).count())
            .sum(),
    );
    for (k, part) in parts.iter().enumerate() {
        for (j, p) in part.iter().enumerate() {
            if !p.is_zero() {
                index.push((
                    u32::try_from(k).expect("few parts"),
                    u32::try_from(j).expect("a query of fewer than 2^32 points"),
                ));
            }
        }
    }
    index
}
