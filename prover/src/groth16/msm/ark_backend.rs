//! The portable MSM: arkworks' serial MSM on chunks of the points, the
//! chunks spread over rayon's current pool (never a pool of its own).
//!
//! The prover uses blst's MSMs on every target; this one is the reference
//! the tests check them against (and was the Wasm build's MSM until blst's
//! C was built for wasm32: see docs/DECISIONS.md, "Wasm MSMs with blst").

use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use rayon::prelude::*;

/// Below this many points a chunk is not cut further.
const MIN_CHUNK: usize = 256;

/// `Σ scalars[i]·bases[i]` over the shorter of the two slices.
pub fn msm<G>(bases: &[G::Affine], scalars: &[G::ScalarField]) -> G
where
    G: CurveGroup + VariableBaseMSM<MulBase = G::Affine>,
    G::Affine: AffineRepr<Group = G>,
{
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return G::zero();
    }
    let threads = rayon::current_num_threads().max(1);
    let count = n.div_ceil(MIN_CHUNK).clamp(1, threads);
    let size = n.div_ceil(count);
    bases[..n]
        .par_chunks(size)
        .zip(scalars[..n].par_chunks(size))
        .map(|(b, s)| G::msm_unchecked(b, s))
        .reduce(G::zero, |a, b| a + b)
}
