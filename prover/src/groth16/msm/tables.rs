//! Fixed-base MSMs from precomputed tables: the prover's server mode
//! ([`super::super::MsmMode::Tables`]), natively, on blst's bucket code or
//! on batched affine buckets ([`super::batch_affine`]).
//!
//! A proving key's points never change, so each point `P` can be kept with
//! its window shifts `2^(c·j)·P` for `j < ⌈256/c⌉`. An MSM `Σ kᵢ·Pᵢ` is then
//! `Σᵢ Σⱼ dᵢⱼ·(2^(c·j)·Pᵢ)` with `dᵢⱼ` the signed (Booth) c-bit digits of
//! `kᵢ`: one single-window Pippenger over `n·⌈256/c⌉` points with one set
//! of 2^(c-1) buckets. Against the default mode's Pippenger (a window per
//! c bits, each with its own bucket reduction, and c doublings between
//! windows), the bucket reductions are made once instead of once a window
//! and no doubling is left, so a wider window pays: the additions fall from
//! about `(256/c₀)·(n + 2^c₀)` to `(256/c)·n + 2^c`.
//!
//! The single window is blst's own tile (`blst_p*s_tile_pippenger`, its
//! XYZZ buckets and prefetching): each table entry gets as its "scalar"
//! the c + 1 bits of `2k` from bit `c·j` (the digit's c bits and the bit
//! below, which carries the Booth borrow), and the tile is asked for the
//! window at bit 1 of a (c + 1)-bit scalar, which it reads as a signed
//! digit in `[-2^(c-1), 2^(c-1)]`. The digits of one scalar add up to `k`
//! because the top window's sign bit, bit `c·⌈256/c⌉ - 1` of `k`, is zero
//! (`k < r < 2^255`). Zero digits (zero and small scalars, frequent in a
//! witness) cost a read and a branch, no addition.
//!
//! The same digits can instead go to [`super::batch_affine`]'s buckets
//! ([`Accumulation::BatchAffine`]: affine additions sharing one inversion
//! a batch); the prover picks, per query, the one measured faster.
//!
//! Memory: `⌈256/c⌉` affine points per key point (16 at c = 16: 1.5 KiB a
//! G1 point, 3 KiB a G2 point); the tables are built once per key, with
//! `c·⌈256/c⌉` doublings per point and a batch conversion to affine form.

use ark_bls12_381::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ff::{BigInt, BigInteger, PrimeField};
use blst::{
    blst_p1, blst_p1_add_or_double, blst_p1_affine, blst_p1_double, blst_p1_from_affine,
    blst_p1s_mult_pippenger_scratch_sizeof, blst_p1s_tile_pippenger, blst_p1s_to_affine, blst_p2,
    blst_p2_add_or_double, blst_p2_affine, blst_p2_double, blst_p2_from_affine,
    blst_p2s_mult_pippenger_scratch_sizeof, blst_p2s_tile_pippenger, blst_p2s_to_affine, byte,
    limb_t,
};
use rayon::prelude::*;
use zeroize::Zeroizing;

use super::batch_affine;
use super::blst_backend::{g1_from_ark, g1_to_ark, g2_from_ark, g2_to_ark};
use super::sorted;

/// How a table MSM's single window adds its entries into buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accumulation {
    /// blst's tile: projective XYZZ buckets, mixed additions.
    Tile,
    /// Affine buckets, additions batched over one inversion
    /// ([`super::batch_affine`]).
    BatchAffine,
    /// Affine buckets filled by pairwise rounds over the entries sorted by
    /// bucket, each round's additions over one inversion
    /// ([`super::sorted`]).
    Sorted,
}

/// The narrowest and widest table windows accepted. Below 10 the tables
/// outgrow any gain (26+ copies of the key); above 20 the 2^(c-1) buckets
/// (96 MiB of G2 buckets at 20) cost more than the additions they save.
/// blst's scratch for `2^(c+3)` points is exactly 2^(c-1) buckets from
/// c = 10 on (its window for 2^m points is m - 3 there).
pub const WINDOWS: std::ops::RangeInclusive<u8> = 10..=20;

/// The window for a table of `n` key points when none is given: the one
/// that minimizes the model `⌈256/c⌉·n + 1.3·2^c` (the digits' mixed
/// additions, and the bucket reduction's 2^c full additions, each about
/// 1.3 mixed ones). It picks 16 for the Spend key's joined H and L queries
/// (30k points), 13-14 for its A and B queries (10-12k), 12-13 for the
/// Output key's (3k), where measurement put the best windows
/// (benches/RESULTS.md, "Round 4"); a single window for all was up to
/// 1.3x slower on the Output key.
pub fn best_window(n: usize) -> u8 {
    let cost = |c: u8| {
        let c = usize::from(c);
        10 * windows(c) * n + 13 * (1usize << c)
    };
    WINDOWS.min_by_key(|&c| cost(c)).unwrap_or(16)
}

/// Windows (table entries per point) for window `c`: the top window's sign
/// bit must lie above a scalar's 255 bits.
fn windows(c: usize) -> usize {
    256usize.div_ceil(c)
}

/// Bytes of one entry's digit (c + 1 bits).
fn digit_bytes(c: usize) -> usize {
    (c + 1).div_ceil(8)
}

/// The `c + 1` bits of `2k` from bit `c·j` on, for every `j`, little-endian
/// `digit_bytes(c)` bytes each, appended to `out`.
fn push_digits(k: &BigInt<4>, c: usize, out: &mut Vec<u8>) {
    // 2k, as five limbs (k < 2^255, so the fifth stays zero; it keeps the
    // reads below in bounds).
    let mut two_k = [0u64; 5];
    let mut carry = 0;
    for (i, limb) in k.0.iter().enumerate() {
        two_k[i] = (limb << 1) | carry;
        carry = limb >> 63;
    }
    let nbytes = digit_bytes(c);
    let mask = (1u64 << (c + 1)) - 1;
    for j in 0..windows(c) {
        let bit = c * j;
        let (limb, shift) = (bit / 64, bit % 64);
        let low = two_k[limb] >> shift;
        let high = if shift == 0 || limb + 1 >= two_k.len() {
            0
        } else {
            two_k[limb + 1] << (64 - shift)
        };
        let digit = (low | high) & mask;
        out.extend_from_slice(&digit.to_le_bytes()[..nbytes]);
    }
}

macro_rules! tables {
    (
        $(#[$doc:meta])*
        $name:ident, $affine:ty, $proj:ty, $ark_affine:ty, $ark_proj:ty,
        $from_ark:expr, $to_ark:expr,
        $tile:ident, $scratch_sizeof:ident, $add:ident, $double:ident,
        $from_affine:ident, $to_affines:ident
    ) => {
        $(#[$doc])*
        pub struct $name {
            /// Window width c.
            window: usize,
            /// For each kept point `P` (the finite ones, in `index`'s
            /// order), `2^(c·j)·P` for `j < windows(c)`, contiguous.
            entries: Vec<$affine>,
            /// Where each kept point came from: (part, position in it).
            index: Vec<(u32, u32)>,
        }

        impl $name {
            /// The tables of the points of several queries joined as one
            /// set (as [`super::blst_backend::G1Points::joined`]), window
            /// `c` (checked by the caller: in [`WINDOWS`]), or if `None`
            /// the [`best_window`] for their number.
            ///
            /// # Panics
            ///
            /// If `c` is outside [`WINDOWS`] or a part has 2^32 points or
            /// more (a proving key's query never comes close).
            pub fn joined(parts: &[&[$ark_affine]], c: Option<u8>) -> Self {
                let index = super::finite_index(parts);
                let c = c.unwrap_or_else(|| best_window(index.len()));
                assert!(WINDOWS.contains(&c), "table window {c} outside {WINDOWS:?}");
                let c = usize::from(c);
                let w = windows(c);
                let mut entries = vec![<$affine>::default(); index.len() * w];
                // In chunks of points: the projective shifts of one chunk
                // are held at a time, then converted with one inversion.
                const CHUNK: usize = 256;
                entries
                    .par_chunks_mut(CHUNK * w)
                    .zip(index.par_chunks(CHUNK))
                    .for_each(|(out, idx)| {
                        let mut shifts = Vec::with_capacity(idx.len() * w);
                        for &(k, j) in idx {
                            let mut p = <$proj>::default();
                            let a = $from_ark(&parts[k as usize][j as usize]);
                            // SAFETY: valid points; the output may alias
                            // the input.
                            unsafe { $from_affine(&mut p, &a) };
                            for _ in 0..w {
                                shifts.push(p);
                                for _ in 0..c {
                                    // SAFETY: as above.
                                    unsafe { $double(&mut p, &p) };
                                }
                            }
                        }
                        let src: [*const $proj; 2] = [shifts.as_ptr(), std::ptr::null()];
                        // SAFETY: `out` holds exactly `shifts.len()` points;
                        // the null second pointer says the input is
                        // contiguous.
                        unsafe { $to_affines(out.as_mut_ptr(), src.as_ptr(), shifts.len()) };
                    });
                Self {
                    window: c,
                    entries,
                    index,
                }
            }

            /// The window width c.
            pub fn window(&self) -> u8 {
                u8::try_from(self.window).expect("checked at construction")
            }

            /// How many key points are kept (the finite ones).
            pub fn len(&self) -> usize {
                self.index.len()
            }

            /// Whether none is.
            pub fn is_empty(&self) -> bool {
                self.index.is_empty()
            }

            /// Bytes held (for memory accounting).
            pub fn heap_bytes(&self) -> usize {
                self.entries.capacity() * std::mem::size_of::<$affine>()
                    + self.index.capacity() * std::mem::size_of::<(u32, u32)>()
            }

            /// `Σ scalars[i]·points[i]` for one part.
            pub fn msm(&self, scalars: &[Fr]) -> $ark_proj {
                self.msm_joined(&[scalars])
            }

            /// `Σ_k Σ_i scalars[k][i]·parts[k][i]`, each part over the
            /// shorter of its points and its scalars, on rayon's current
            /// pool.
            pub fn msm_joined(&self, scalars: &[&[Fr]]) -> $ark_proj {
                self.msm_joined_with(scalars, Accumulation::Tile)
            }

            /// [`Self::msm_joined`] with the given bucket accumulation.
            pub fn msm_joined_with(&self, scalars: &[&[Fr]], how: Accumulation) -> $ark_proj {
                let c = self.window;
                let w = windows(c);
                let nbytes = digit_bytes(c);
                let mut digits =
                    Zeroizing::new(Vec::with_capacity(self.index.len() * w * nbytes));
                let mut live = false;
                for &(part, j) in &self.index {
                    let k = scalars
                        .get(part as usize)
                        .and_then(|s| s.get(j as usize))
                        .map_or(BigInt::zero(), |s| s.into_bigint());
                    live |= !k.is_zero();
                    push_digits(&k, c, &mut digits);
                }
                if !live {
                    return $to_ark(&<$proj>::default());
                }
                let n = self.entries.len();
                let threads = rayon::current_num_threads().max(1);
                // Each share pays one bucket reduction (2^c additions):
                // shares of at least 2^(c+2) entries.
                let shares = (n >> (c + 2)).clamp(1, threads);
                let sum_of = |e: &[$affine], d: &[u8]| match how {
                    Accumulation::Tile => Self::window_sum(e, d, c),
                    Accumulation::BatchAffine => batch_affine::window_sum(e, d, c),
                    Accumulation::Sorted => sorted::window_sum(e, d, c),
                };
                if shares == 1 {
                    return $to_ark(&sum_of(&self.entries, &digits));
                }
                let per = n.div_ceil(shares);
                let sum = self
                    .entries
                    .par_chunks(per)
                    .zip(digits.par_chunks(per * nbytes))
                    .map(|(e, d)| sum_of(e, d))
                    .reduce(<$proj>::default, |mut a, b| {
                        // SAFETY: valid points; output may alias an input.
                        unsafe { $add(&mut a, &a, &b) };
                        a
                    });
                $to_ark(&sum)
            }

            /// `Σ dᵢ·entries[i]` with `dᵢ` the signed c-bit digit that blst's
            /// tile reads at bit 1 of the `(c + 1)`-bit `digits[i]`.
            fn window_sum(entries: &[$affine], digits: &[u8], c: usize) -> $proj {
                let n = entries.len();
                let nbits = c + 1;
                debug_assert_eq!(digits.len(), n * nbits.div_ceil(8));
                let mut out = <$proj>::default();
                if n == 0 {
                    return out;
                }
                if n == 1 {
                    // blst's tile reads one point and one scalar past the
                    // first: it needs two. One entry is never more than one
                    // digit; kept for completeness.
                    let two_e = [entries[0], <$affine>::default()];
                    let mut two_d = Zeroizing::new(digits.to_vec());
                    two_d.resize(2 * digits.len(), 0);
                    return Self::window_sum(&two_e, &two_d, c);
                }
                // SAFETY: a pure size computation. blst's scratch for
                // 2^(c+3) points is 2^(c-1) buckets (its window is c there).
                let size = unsafe { $scratch_sizeof(1 << (c + 3)) };
                // Zeroed: the tile expects empty buckets.
                let mut buckets = vec![0 as limb_t; size.div_ceil(std::mem::size_of::<limb_t>())];
                let p: [*const $affine; 2] = [entries.as_ptr(), std::ptr::null()];
                let s: [*const byte; 2] = [digits.as_ptr(), std::ptr::null()];
                // SAFETY: `n ≥ 2` contiguous points and `n` contiguous
                // scalars of `c + 1` bits (the null second pointers say so);
                // bit 1 and a window of c bits end at bit c + 1 = nbits,
                // so blst reads a signed c-bit digit and uses 2^(c-1)
                // buckets, the scratch's size.
                unsafe {
                    $tile(&mut out, p.as_ptr(), n, s.as_ptr(), nbits, buckets.as_mut_ptr(), 1, c)
                };
                out
            }
        }
    };
}

tables!(
    /// G1 points of a proving key with their window shifts, for MSMs.
    G1Tables, blst_p1_affine, blst_p1, G1Affine, G1Projective,
    g1_from_ark, g1_to_ark,
    blst_p1s_tile_pippenger, blst_p1s_mult_pippenger_scratch_sizeof,
    blst_p1_add_or_double, blst_p1_double, blst_p1_from_affine, blst_p1s_to_affine
);

tables!(
    /// G2 points of a proving key with their window shifts, for MSMs.
    G2Tables, blst_p2_affine, blst_p2, G2Affine, G2Projective,
    g2_from_ark, g2_to_ark,
    blst_p2s_tile_pippenger, blst_p2s_mult_pippenger_scratch_sizeof,
    blst_p2_add_or_double, blst_p2_double, blst_p2_from_affine, blst_p2s_to_affine
);
