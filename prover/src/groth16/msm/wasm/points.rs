//! A proving key's points in the Wasm MSM's form, converted once per key,
//! with the same interface as the blst backend's (`G1Points`, `G2Points`).
//!
//! As there, the points at infinity are dropped, each point `P` is kept
//! with `z²·P` (the endomorphism), and each scalar is split as
//! `k₁ + k₂·z²` (GLV): one MSM over twice the points with 128-bit scalars.

use super::curve::{Affine, Jacobian};
use super::fp::Fp;
use super::fp2::Fp2;
use super::pippenger;
use crate::groth16::msm::blst_backend::{g1_times_z2, g2_times_z2, split};
use crate::groth16::msm::store::{Backend, Points};
use ark_bls12_381::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use zeroize::Zeroizing;

/// Fq (arkworks) to [`Fp`].
pub fn fp_from_ark(x: &Fq) -> Fp {
    Fp::from_ark_limbs(&x.0 .0)
}

/// [`Fp`] to Fq (arkworks).
pub fn fp_to_ark(x: &Fp) -> Fq {
    Fq::new_unchecked(BigInt(x.to_ark_limbs()))
}

/// Fq2 (arkworks) to [`Fp2`].
pub fn fp2_from_ark(x: &Fq2) -> Fp2 {
    Fp2 {
        c0: fp_from_ark(&x.c0),
        c1: fp_from_ark(&x.c1),
    }
}

/// [`Fp2`] to Fq2 (arkworks).
pub fn fp2_to_ark(x: &Fp2) -> Fq2 {
    Fq2::new(fp_to_ark(&x.c0), fp_to_ark(&x.c1))
}

/// A G1 point from arkworks' affine form.
pub fn g1_from_ark(p: &G1Affine) -> Affine<Fp> {
    if p.is_zero() {
        return Affine::INFINITY;
    }
    Affine {
        x: fp_from_ark(&p.x),
        y: fp_from_ark(&p.y),
        inf: false,
    }
}

/// A G1 point (Jacobian; both libraries' projective G1 is Jacobian) to
/// arkworks.
pub fn g1_to_ark(p: &Jacobian<Fp>) -> G1Projective {
    G1Projective::new_unchecked(fp_to_ark(&p.x), fp_to_ark(&p.y), fp_to_ark(&p.z))
}

/// A G2 point from arkworks' affine form.
pub fn g2_from_ark(p: &G2Affine) -> Affine<Fp2> {
    if p.is_zero() {
        return Affine::INFINITY;
    }
    Affine {
        x: fp2_from_ark(&p.x),
        y: fp2_from_ark(&p.y),
        inf: false,
    }
}

/// A G2 point (Jacobian) to arkworks.
pub fn g2_to_ark(p: &Jacobian<Fp2>) -> G2Projective {
    G2Projective::new_unchecked(fp2_to_ark(&p.x), fp2_to_ark(&p.y), fp2_to_ark(&p.z))
}

/// The split scalars for the kept points, laid out as the points are
/// (all the `k₁`, then all the `k₂`), with how many are non-zero and the
/// bits of the largest.
fn split_scalars(index: &[(u32, u32)], scalars: &[&[Fr]]) -> (Zeroizing<Vec<u128>>, usize, usize) {
    let n = index.len();
    let mut out = Zeroizing::new(vec![0u128; 2 * n]);
    let (mut live, mut nbits) = (0, 0);
    for (i, &(part, j)) in index.iter().enumerate() {
        let v = scalars
            .get(part as usize)
            .and_then(|s| s.get(j as usize))
            .map_or([0, 0], |s| split(&s.into_bigint()));
        for (half, &x) in v.iter().enumerate() {
            if x != 0 {
                live += 1;
                nbits = nbits.max(128 - x.leading_zeros() as usize);
            }
            out[half * n + i] = x;
        }
    }
    (out, live, nbits)
}

macro_rules! wasm_points {
    (
        $(#[$doc:meta])*
        $name:ident, $field:ty, $ark_affine:ty, $ark_proj:ty, $from_ark:expr, $to_ark:expr, $times_z2:expr
    ) => {
        $(#[$doc])*
        pub struct $name;

        impl Backend for $name {
            type Affine = Affine<$field>;
            type ArkAffine = $ark_affine;
            type ArkProj = $ark_proj;

            fn from_ark(p: &$ark_affine) -> Affine<$field> {
                $from_ark(p)
            }

            fn times_z2(p: &$ark_affine) -> $ark_affine {
                $times_z2(p)
            }

            fn msm(points: &[Affine<$field>], index: &[(u32, u32)], scalars: &[&[Fr]]) -> $ark_proj {
                let (s, live, nbits) = split_scalars(index, scalars);
                $to_ark(&pippenger::msm(points, &s, nbits, live))
            }
        }

        impl Points<$name> {
            /// [`Points::msm`] with windows of `c` bits.
            #[cfg(test)]
            pub(crate) fn msm_window_for_tests(&self, scalars: &[Fr], c: usize) -> $ark_proj {
                let (points, index) = self.parts();
                let (s, _, nbits) = split_scalars(index, &[scalars]);
                if nbits == 0 {
                    return $to_ark(&Jacobian::INFINITY);
                }
                $to_ark(&pippenger::msm_with_window(points, &s, nbits, c))
            }
        }
    };
}

/// G1 points of a proving key in the Wasm MSM's form.
pub type G1Points = Points<WasmG1>;

/// G2 points of a proving key in the Wasm MSM's form.
pub type G2Points = Points<WasmG2>;

wasm_points!(
    /// The Wasm MSM's form of G1 points and its Pippenger.
    WasmG1, Fp, G1Affine, G1Projective, g1_from_ark, g1_to_ark, g1_times_z2
);

wasm_points!(
    /// The Wasm MSM's form of G2 points and its Pippenger.
    WasmG2, Fp2, G2Affine, G2Projective, g2_from_ark, g2_to_ark, g2_times_z2
);
