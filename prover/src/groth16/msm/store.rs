//! A proving key's points kept in one MSM backend's form: one store for
//! every backend (blst natively, the Wasm MSM on wasm32), which differ only
//! in their affine type and their MSM ([`Backend`]).
//!
//! The points at infinity are dropped (many of a query's points are:
//! variables absent from its matrix), and each kept point `P` is stored
//! with its image `z²·P` under the group's endomorphism, all the `P` first,
//! then all the `z²·P` in the same order: the backends split each scalar as
//! `k₁ + k₂·z²` (GLV) and run one MSM over both halves with scalars of half
//! the width.

use ark_bls12_381::Fr;
use ark_ec::AffineRepr;
use rayon::prelude::*;

use super::finite_index;

/// One backend's form of one group's points and its MSM over them.
pub trait Backend {
    /// The backend's affine point.
    type Affine: Copy + Send + Sync;
    /// arkworks' affine point of the group.
    type ArkAffine: AffineRepr;
    /// arkworks' projective point of the group (the MSM's result).
    type ArkProj;

    /// A point in the backend's form.
    fn from_ark(p: &Self::ArkAffine) -> Self::Affine;

    /// `z²·P`, by the group's endomorphism.
    fn times_z2(p: &Self::ArkAffine) -> Self::ArkAffine;

    /// `Σ_k Σ_j scalars[k][j]·parts[k][j]` over `points` (the kept points,
    /// then their `z²` images) kept from `parts` at `index` (part, position),
    /// each part over the shorter of its points and its scalars (a missing
    /// part's scalars count as zero), on rayon's current pool.
    fn msm(points: &[Self::Affine], index: &[(u32, u32)], scalars: &[&[Fr]]) -> Self::ArkProj;
}

/// A proving key's points in backend `B`'s form, ready for MSMs.
pub struct Points<B: Backend> {
    /// The finite points `P`, contiguous, then their images `z²·P` in the
    /// same order.
    points: Vec<B::Affine>,
    /// Where each came from: (part, position in the part).
    index: Vec<(u32, u32)>,
}

impl<B: Backend> Points<B> {
    /// Converts `points` (done once per proving key).
    pub fn new(points: &[B::ArkAffine]) -> Self {
        Self::joined(&[points])
    }

    /// Converts the points of several queries into one set, to be
    /// multiplied by [`Self::msm_joined`] (the `H` and `L` queries of a
    /// proof: one MSM over both costs less than two).
    ///
    /// # Panics
    ///
    /// If a part has 2^32 points or more (a proving key's query never
    /// comes close: that would be 400 GB of G1 points).
    pub fn joined(parts: &[&[B::ArkAffine]]) -> Self {
        let index = finite_index(parts);
        let at = |&(k, j): &(u32, u32)| &parts[k as usize][j as usize];
        let mut points = Vec::with_capacity(2 * index.len());
        points.par_extend(index.par_iter().map(|i| B::from_ark(at(i))));
        points.par_extend(index.par_iter().map(|i| B::from_ark(&B::times_z2(at(i)))));
        Self { points, index }
    }

    /// How many points are kept (the finite ones).
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.points.capacity() * std::mem::size_of::<B::Affine>()
            + self.index.capacity() * std::mem::size_of::<(u32, u32)>()
    }

    /// `Σ scalars[i]·points[i]` over the shorter of the two slices (as
    /// arkworks' MSMs do), on rayon's current pool.
    pub fn msm(&self, scalars: &[Fr]) -> B::ArkProj {
        self.msm_joined(&[scalars])
    }

    /// `Σ_k Σ_i scalars[k][i]·parts[k][i]` for points made by
    /// [`Self::joined`] from `parts`, each part over the shorter of its
    /// points and its scalars, as one MSM.
    pub fn msm_joined(&self, scalars: &[&[Fr]]) -> B::ArkProj {
        B::msm(&self.points, &self.index, scalars)
    }

    /// The kept points then their `z²` images, and where each came from
    /// (for a backend's own methods).
    pub(crate) fn parts(&self) -> (&[B::Affine], &[(u32, u32)]) {
        (&self.points, &self.index)
    }
}
