//! Multi-scalar multiplication with blst's Pippenger (assembly), natively.
//!
//! The proving key's points are converted once, when the key is prepared
//! (by the store all backends share, [`super::store`]), into blst's affine form, the points at infinity dropped (many of a
//! query's points are: variables absent from its matrix), and kept in one
//! contiguous array: blst's Pippenger runs fastest on contiguous points and
//! scalars (through an array of pointers it was 1.15-1.3x slower). Each MSM
//! then writes its scalars beside the points, canonical, as few bytes as
//! the largest needs (a zero scalar costs a read per window, no addition),
//! and runs one Pippenger: whole on one thread, one job per window on a
//! pool (rayon's current one, so that a proof's MSMs share one pool and
//! never build their own). Where most scalars are zero the live points are
//! first gathered, so that the window fits the work.
//!
//! Each point `P` is kept with its image `z²·P` under the group's
//! endomorphism (one multiplication of `x` by a cube root of unity, a sign
//! on `y`; z is the curve parameter, z² about 2^127.4), and each scalar is
//! split as `k = k₁ + k₂·z²` with both parts non-negative and under 2^128:
//! the MSM becomes one Pippenger over twice the points with half-width
//! scalars (GLV), so half the windows, half the bucket reductions, and
//! blst picks a window one bit wider. Kept per key rather than made per
//! call: blst wants one contiguous array, so a per-call copy would hold both
//! halves anyway.
//!
//! One set of points may join several queries (the `H` and `L` queries of a
//! proof: one Pippenger over both costs less than two).
//!
//! Both libraries keep base-field elements as six little-endian 64-bit
//! limbs in Montgomery form with R = 2^384 and points in Jacobian
//! coordinates, so conversions copy limbs; the tests check them against
//! the two libraries' serializations.

use ark_bls12_381::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{scalar_mul::glv::GLVConfig, AffineRepr};
use ark_ff::{BigInt, Field, PrimeField};
use blst::{
    blst_fp, blst_fp2, blst_p1, blst_p1_add_or_double, blst_p1_affine, blst_p1_double,
    blst_p1s_mult_pippenger, blst_p1s_mult_pippenger_scratch_sizeof, blst_p1s_tile_pippenger,
    blst_p2, blst_p2_add_or_double, blst_p2_affine, blst_p2_double, blst_p2s_mult_pippenger,
    blst_p2s_mult_pippenger_scratch_sizeof, blst_p2s_tile_pippenger, byte, limb_t,
};
use rayon::prelude::*;
use zeroize::Zeroizing;

use super::batch_affine;
use super::sorted;
use super::store::{Backend, Points};
use super::tables::Accumulation;

fn fp_from_ark(x: &Fq) -> blst_fp {
    blst_fp { l: x.0 .0 }
}

fn fp_to_ark(x: &blst_fp) -> Fq {
    Fq::new_unchecked(BigInt(x.l))
}

fn fp2_from_ark(x: &Fq2) -> blst_fp2 {
    blst_fp2 {
        fp: [fp_from_ark(&x.c0), fp_from_ark(&x.c1)],
    }
}

fn fp2_to_ark(x: &blst_fp2) -> Fq2 {
    Fq2::new(fp_to_ark(&x.fp[0]), fp_to_ark(&x.fp[1]))
}

/// |z|, BLS12-381's curve parameter (z = -0xd201000000010000): the group
/// order is r = z⁴ - z² + 1, so z² (about 2^127.4) is a square root of r's
/// size, and an endomorphism of either group acts as multiplication by z².
pub(crate) const Z_ABS: u64 = 0xd201_0000_0001_0000;

/// `k = k₁ + k₂·z²` with `0 ≤ k₁ < z²` and `k₂ < 2^128` (`k < r < 2^255`):
/// two divisions by |z|, limb by limb, give `k = r₀ + r₁·|z| + k₂·z²`.
/// Both parts are non-negative, so neither point needs negating.
pub(crate) fn split(k: &BigInt<4>) -> [u128; 2] {
    fn divide(limbs: [u64; 4]) -> ([u64; 4], u64) {
        let mut q = [0u64; 4];
        let mut rem = 0u64;
        for i in (0..4).rev() {
            let cur = (u128::from(rem) << 64) | u128::from(limbs[i]);
            let digit = cur / u128::from(Z_ABS);
            // rem < |z|, so the digit fits 64 bits and the remainder too.
            q[i] = digit as u64;
            rem = (cur - digit * u128::from(Z_ABS)) as u64;
        }
        (q, rem)
    }
    let (q1, r0) = divide(k.0);
    let (q2, r1) = divide(q1);
    debug_assert!(q2[2] == 0 && q2[3] == 0, "k < 2^256 / z² · z²");
    [
        u128::from(r1) * u128::from(Z_ABS) + u128::from(r0),
        (u128::from(q2[1]) << 64) | u128::from(q2[0]),
    ]
}

/// The scalars of one MSM split in two (`[k₁, k₂]` of [`split`]), one pair
/// per kept point, and the bits the largest part needs (0 when all are zero).
struct Canonical {
    values: Zeroizing<Vec<[u128; 2]>>,
    live: usize,
    nbits: usize,
}

impl Canonical {
    /// `scalars[k][j]` for kept point `(k, j)`; past a part's scalars, zero.
    fn of(index: &[(u32, u32)], scalars: &[&[Fr]]) -> Self {
        let mut values = Zeroizing::new(Vec::with_capacity(index.len()));
        let (mut live, mut nbits) = (0, 0);
        for &(part, j) in index {
            let v = scalars
                .get(part as usize)
                .and_then(|s| s.get(j as usize))
                .map_or([0, 0], |s| split(&s.into_bigint()));
            if v != [0, 0] {
                live += 1;
                let bits = 128 - (v[0] | v[1]).leading_zeros() as usize;
                nbits = nbits.max(bits);
            }
            values.push(v);
        }
        Self {
            values,
            live,
            nbits,
        }
    }

    fn is_live(&self, i: usize) -> bool {
        self.values[i] != [0, 0]
    }

    /// The scalars `keep` selects, packed as blst reads them for the points
    /// `[P…, z²·P…]`: all the selected `k₁`, then all the `k₂`, `nbytes`
    /// little-endian bytes each.
    fn packed(&self, keep: impl Fn(usize) -> bool) -> Zeroizing<Vec<u8>> {
        let nbytes = self.nbits.div_ceil(8);
        let mut out = Zeroizing::new(Vec::with_capacity(2 * self.values.len() * nbytes));
        for half in 0..2 {
            for (i, v) in self.values.iter().enumerate() {
                if keep(i) {
                    out.extend_from_slice(&v[half].to_le_bytes()[..nbytes]);
                }
            }
        }
        out
    }
}

/// blst's Pippenger window for `n` points (`pippenger_window_size` in its
/// multi_scalar.c): tiles of this width need no more scratch than blst asks
/// for `n` points.
fn window(n: usize) -> usize {
    let bits = n.checked_ilog2().unwrap_or(0) as usize;
    match bits {
        13.. => bits - 3,
        9..=12 => bits - 2,
        5..=8 => bits - 1,
        1..=4 => 2,
        _ => 1,
    }
}

/// The window for [`batch_affine::msm`] over `n` points with scalars of
/// `nbits` bits: the one that minimises (windows) × (n batched additions +
/// 2^c for the bucket sums, also batched).
fn batch_window(n: usize, nbits: usize) -> usize {
    (4..=16)
        .min_by_key(|&c| (nbits / c + 1) * (n + (1usize << c)))
        .unwrap_or(4)
}

/// From this many live points (both GLV halves) a G1 MSM runs on batched
/// affine buckets, below on blst's tile. With the sorted pairwise rounds
/// ([`sorted`]) the batched path took 0.75 of the tile's CPU time on the
/// Output proof's A and B (4.6k points) and 0.71-0.74 on the Spend's
/// (18-60k) (benches/RESULTS.md, "Round 7"); nothing smaller was measured,
/// so the tile keeps what is below the Output's queries.
const BATCH_FROM_G1: usize = 4096;

/// The same for G2, where an addition costs more against an inversion:
/// the sorted rounds took 0.67-0.68 of the tile's time (Output 4.5k, Spend
/// 18k); below blst's small-input threshold the tile stays.
const BATCH_FROM_G2: usize = 2 * MIN_TILED;

/// Gather the live points when fewer than this share of them are live.
const GATHER_BELOW: f64 = 0.5;

/// Below this many points an MSM is not cut into windows on a pool (and
/// blst runs its own small-input method below 32).
const MIN_TILED: usize = 64;

macro_rules! blst_points {
    (
        $(#[$doc:meta])*
        $name:ident, $affine:ty, $proj:ty, $ark_affine:ty, $ark_proj:ty,
        $from_ark:expr, $to_ark:expr, $times_z2:expr,
        $pippenger:ident, $tile:ident, $scratch_sizeof:ident, $add:ident, $double:ident,
        $batch_from:expr
    ) => {
        $(#[$doc])*
        pub struct $name;

        impl Backend for $name {
            type Affine = $affine;
            type ArkAffine = $ark_affine;
            type ArkProj = $ark_proj;

            fn from_ark(p: &$ark_affine) -> $affine {
                $from_ark(p)
            }

            fn times_z2(p: &$ark_affine) -> $ark_affine {
                $times_z2(p)
            }

            fn msm(points: &[$affine], index: &[(u32, u32)], scalars: &[&[Fr]]) -> $ark_proj {
                Self::sum(points, index, scalars, None)
            }
        }

        impl Points<$name> {
            /// [`Points::msm_joined`] with the given bucket accumulation.
            pub fn msm_joined_with(&self, scalars: &[&[Fr]], how: Accumulation) -> $ark_proj {
                let (points, index) = self.parts();
                $name::sum(points, index, scalars, Some(how))
            }
        }

        impl $name {
            fn sum(
                points: &[$affine],
                index: &[(u32, u32)],
                scalars: &[&[Fr]],
                how: Option<Accumulation>,
            ) -> $ark_proj {
                let c = Canonical::of(index, scalars);
                if c.live == 0 {
                    return $to_ark(&<$proj>::default());
                }
                // By default, batched affine buckets by sorted rounds
                // where they measured faster (benches/RESULTS.md, "Round
                // 7"): from `$batch_from` live points (both GLV halves
                // counted).
                let how = how.unwrap_or(if 2 * c.live >= $batch_from {
                    Accumulation::Sorted
                } else {
                    Accumulation::Tile
                });
                let n = index.len();
                let gather = (c.live as f64) < GATHER_BELOW * n as f64;
                let keep = |i: usize| !gather || c.is_live(i);
                let sum = match how {
                    Accumulation::Tile if gather => {
                        let points: Vec<$affine> =
                            (0..2 * n).filter(|&i| keep(i % n)).map(|i| points[i]).collect();
                        Self::pippenger(&points, &c.packed(keep), c.nbits)
                    }
                    Accumulation::Tile => Self::pippenger(points, &c.packed(keep), c.nbits),
                    Accumulation::BatchAffine | Accumulation::Sorted if gather => {
                        let mut ps = Vec::with_capacity(2 * c.live);
                        let mut ks = Zeroizing::new(Vec::with_capacity(2 * c.live));
                        for half in 0..2 {
                            for i in (0..n).filter(|&i| keep(i)) {
                                ps.push(points[half * n + i]);
                                ks.push(c.values[i][half]);
                            }
                        }
                        let w = batch_window(ps.len(), c.nbits);
                        batch_affine::msm(&ps, &ks, c.nbits, w, Self::window_sum(how))
                    }
                    Accumulation::BatchAffine | Accumulation::Sorted => {
                        // No copy of the points (peak memory counts): the
                        // zero scalars' digits are skipped.
                        let scalars: Zeroizing<Vec<u128>> =
                            Zeroizing::new((0..2 * n).map(|i| c.values[i % n][i / n]).collect());
                        let w = batch_window(2 * c.live, c.nbits);
                        batch_affine::msm(points, &scalars, c.nbits, w, Self::window_sum(how))
                    }
                };
                $to_ark(&sum)
            }
            /// The batched window accumulation `how` names.
            fn window_sum(how: Accumulation) -> batch_affine::WindowSum<$affine> {
                match how {
                    Accumulation::Sorted => sorted::window_sum,
                    _ => batch_affine::window_sum,
                }
            }
            /// blst's Pippenger over contiguous `points` and `bytes` (scalars
            /// of `nbits.div_ceil(8)` bytes each, as many as points): whole on
            /// one thread, one job per window on a pool (blst's own parallel
            /// MSM cuts the same way: no window's buckets are built twice).
            fn pippenger(points: &[$affine], bytes: &[u8], nbits: usize) -> $proj {
                let n = points.len();
                debug_assert_eq!(bytes.len(), n * nbits.div_ceil(8));
                let scratch = |n: usize| -> Vec<limb_t> {
                    // SAFETY: a pure size computation.
                    let size = unsafe { $scratch_sizeof(n) };
                    // Zeroed: a tile expects empty buckets.
                    vec![0; size.div_ceil(std::mem::size_of::<limb_t>())]
                };
                let p: [*const $affine; 2] = [points.as_ptr(), std::ptr::null()];
                let s: [*const byte; 2] = [bytes.as_ptr(), std::ptr::null()];
                if rayon::current_num_threads() <= 1 || n < MIN_TILED {
                    let mut out = <$proj>::default();
                    let mut buckets = scratch(n);
                    // SAFETY: `n` contiguous points and `n` contiguous scalars
                    // of `nbits` bits (the null second pointers say so), the
                    // scratch blst asks for, n ≥ 1.
                    unsafe {
                        $pippenger(&mut out, p.as_ptr(), n, s.as_ptr(), nbits, buckets.as_mut_ptr())
                    };
                    return out;
                }
                let w = window(n);
                let starts: Vec<usize> = (0..=nbits).step_by(w).collect();
                let mut parts: Vec<(usize, $proj)> = starts
                    .into_par_iter()
                    .map(|bit0| {
                        let p: [*const $affine; 2] = [points.as_ptr(), std::ptr::null()];
                        let s: [*const byte; 2] = [bytes.as_ptr(), std::ptr::null()];
                        let mut out = <$proj>::default();
                        let mut buckets = scratch(n);
                        // SAFETY: as above; a window of at most `w` bits needs
                        // no more buckets than blst's scratch for `n` points.
                        unsafe {
                            $tile(
                                &mut out,
                                p.as_ptr(),
                                n,
                                s.as_ptr(),
                                nbits,
                                buckets.as_mut_ptr(),
                                bit0,
                                w,
                            )
                        };
                        (bit0, out)
                    })
                    .collect();
                // Σ 2^bit0·part, by Horner from the highest window down.
                parts.sort_unstable_by_key(|(bit0, _)| std::cmp::Reverse(*bit0));
                let mut sum = <$proj>::default();
                let mut at = parts.first().map_or(0, |(bit0, _)| *bit0);
                for (bit0, part) in &parts {
                    // SAFETY: valid points; blst allows the output to alias
                    // an input.
                    unsafe {
                        for _ in *bit0..at {
                            $double(&mut sum, &sum);
                        }
                        $add(&mut sum, &sum, part);
                    }
                    at = *bit0;
                }
                for _ in 0..at {
                    // SAFETY: as above.
                    unsafe { $double(&mut sum, &sum) };
                }
                sum
            }
        }
    };
}

/// `z²·P` in G1: arkworks' GLV endomorphism `(x, y) ↦ (β·x, y)` (β a cube
/// root of unity in Fq) acts on G1 as `-z²`, so `z²·P = (β·x, -y)`.
pub fn g1_times_z2(p: &G1Affine) -> G1Affine {
    if p.is_zero() {
        return *p;
    }
    let beta = <ark_bls12_381::g1::Config as GLVConfig>::ENDO_COEFFS[0];
    G1Affine::new_unchecked(p.x * beta, -p.y)
}

/// `z²·P` in G2: arkworks' GLV endomorphism `φ: (x, y) ↦ (β·x, y)` acts on
/// G2 as `z² - 1`, and `(z² - 1)² = -z²` modulo r, so `z²·P = -φ²(P) =
/// (β²·x, -y)`.
pub fn g2_times_z2(p: &G2Affine) -> G2Affine {
    if p.is_zero() {
        return *p;
    }
    let beta = <ark_bls12_381::g2::Config as GLVConfig>::ENDO_COEFFS[0];
    G2Affine::new_unchecked(p.x * beta.square(), -p.y)
}

/// G1 point from arkworks' affine form.
pub fn g1_from_ark(p: &G1Affine) -> blst_p1_affine {
    if p.is_zero() {
        return blst_p1_affine::default();
    }
    blst_p1_affine {
        x: fp_from_ark(&p.x),
        y: fp_from_ark(&p.y),
    }
}

/// G1 point (Jacobian) back to arkworks' projective form.
pub fn g1_to_ark(p: &blst_p1) -> G1Projective {
    G1Projective::new_unchecked(fp_to_ark(&p.x), fp_to_ark(&p.y), fp_to_ark(&p.z))
}

/// G2 point from arkworks' affine form.
pub fn g2_from_ark(p: &G2Affine) -> blst_p2_affine {
    if p.is_zero() {
        return blst_p2_affine::default();
    }
    blst_p2_affine {
        x: fp2_from_ark(&p.x),
        y: fp2_from_ark(&p.y),
    }
}

/// G2 point (Jacobian) back to arkworks' projective form.
pub fn g2_to_ark(p: &blst_p2) -> G2Projective {
    G2Projective::new_unchecked(fp2_to_ark(&p.x), fp2_to_ark(&p.y), fp2_to_ark(&p.z))
}

/// G1 points of a proving key in blst's form, ready for MSMs.
pub type G1Points = Points<BlstG1>;

/// G2 points of a proving key in blst's form, ready for MSMs.
pub type G2Points = Points<BlstG2>;

blst_points!(
    /// blst's form of G1 points and its Pippenger.
    BlstG1, blst_p1_affine, blst_p1, G1Affine, G1Projective,
    g1_from_ark, g1_to_ark, g1_times_z2,
    blst_p1s_mult_pippenger, blst_p1s_tile_pippenger, blst_p1s_mult_pippenger_scratch_sizeof,
    blst_p1_add_or_double, blst_p1_double,
    BATCH_FROM_G1
);

blst_points!(
    /// blst's form of G2 points and its Pippenger.
    BlstG2, blst_p2_affine, blst_p2, G2Affine, G2Projective,
    g2_from_ark, g2_to_ark, g2_times_z2,
    blst_p2s_mult_pippenger, blst_p2s_tile_pippenger, blst_p2s_mult_pippenger_scratch_sizeof,
    blst_p2_add_or_double, blst_p2_double,
    BATCH_FROM_G2
);
