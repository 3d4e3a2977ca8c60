//! Multi-scalar multiplication with blst's Pippenger (assembly), natively.
//!
//! The proving key's points are converted once, when the key is prepared,
//! into blst's affine form; each MSM then sorts its scalars by size (zeros
//! and points at infinity skipped, ±1 summed with batch-affine additions,
//! scalars of at most 64 bits in a 64-bit Pippenger, the rest in a 255-bit
//! one: witnesses are mostly bits and small numbers) and cuts every group
//! into chunks that run on rayon's current pool, so that the five MSMs of a
//! proof share one pool and never build their own.
//!
//! Both libraries keep base-field elements as six little-endian 64-bit
//! limbs in Montgomery form with R = 2^384 and points in Jacobian
//! coordinates, so conversions copy limbs; the tests check them against
//! the two libraries' serializations.

use ark_bls12_381::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField};
use blst::{
    blst_fp, blst_fp2, blst_p1, blst_p1_add_or_double, blst_p1_affine, blst_p1_cneg,
    blst_p1_double, blst_p1s_add, blst_p1s_mult_pippenger, blst_p1s_mult_pippenger_scratch_sizeof,
    blst_p1s_tile_pippenger, blst_p2, blst_p2_add_or_double, blst_p2_affine, blst_p2_cneg,
    blst_p2_double, blst_p2s_add, blst_p2s_mult_pippenger, blst_p2s_mult_pippenger_scratch_sizeof,
    blst_p2s_tile_pippenger, byte, limb_t,
};
use rayon::prelude::*;

/// Below this many points a group is not cut further: smaller Pippenger
/// runs cost more per point than the parallelism gains.
const MIN_CHUNK: usize = 256;

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

/// A scalar in canonical form, sorted into the group that multiplies it
/// most cheaply.
enum Class {
    Skip,
    One(bool),
    Small(bool, u64),
    Big([u8; 32]),
}

fn classify(s: &Fr) -> Class {
    let v = zeroize::Zeroizing::new(s.into_bigint());
    if v.is_zero() {
        return Class::Skip;
    }
    let mut neg = Fr::MODULUS;
    neg.sub_with_borrow(&v);
    let (negative, small) = if v.num_bits() <= 64 {
        (false, v.0[0])
    } else if neg.num_bits() <= 64 {
        (true, neg.0[0])
    } else {
        let mut bytes = [0u8; 32];
        for (out, limb) in bytes.chunks_exact_mut(8).zip(v.0) {
            out.copy_from_slice(&limb.to_le_bytes());
        }
        return Class::Big(bytes);
    };
    if small == 1 {
        Class::One(negative)
    } else {
        Class::Small(negative, small)
    }
}

/// The chunks one group of `len` items is cut into on the current pool.
fn chunks(len: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let threads = rayon::current_num_threads().max(1);
    let count = len.div_ceil(MIN_CHUNK).clamp(1, threads);
    let size = len.div_ceil(count).max(1);
    (0..len)
        .step_by(size)
        .map(move |lo| lo..(lo + size).min(len))
}

macro_rules! blst_points {
    (
        $(#[$doc:meta])*
        $name:ident, $affine:ty, $proj:ty, $ark_affine:ty, $ark_proj:ty,
        $from_ark:expr, $to_ark:expr,
        $pippenger:ident, $tile:ident, $scratch_sizeof:ident, $sum:ident, $add:ident,
        $double:ident, $neg:ident
    ) => {
        $(#[$doc])*
        pub struct $name {
            points: Vec<$affine>,
        }

        impl $name {
            /// Converts `points` (done once per proving key).
            pub fn new(points: &[$ark_affine]) -> Self {
                Self {
                    points: points.par_iter().map($from_ark).collect(),
                }
            }

            /// The points in blst's form.
            pub fn as_blst(&self) -> &[$affine] {
                &self.points
            }

            /// How many points there are.
            pub fn len(&self) -> usize {
                self.points.len()
            }

            /// Whether there are none.
            pub fn is_empty(&self) -> bool {
                self.points.is_empty()
            }

            /// Bytes held (for memory accounting).
            pub fn heap_bytes(&self) -> usize {
                self.points.capacity() * std::mem::size_of::<$affine>()
            }

            /// `Σ scalars[i]·points[i]` over the shorter of the two slices
            /// (as arkworks' MSMs do), on rayon's current pool.
            pub fn msm(&self, scalars: &[Fr]) -> $ark_proj {
                let n = self.points.len().min(scalars.len());
                let mut groups = Groups::<$affine>::default();
                for (point, scalar) in self.points[..n].iter().zip(&scalars[..n]) {
                    groups.push(point, classify(scalar));
                }
                let zero = <$proj>::default();
                let jobs = groups.jobs();
                let mut parts: Vec<(usize, $proj)> = jobs
                    .into_par_iter()
                    .map(|job| {
                        let mut out = <$proj>::default();
                        // SAFETY: every pointer in `job.points` points into
                        // `self.points` (alive for this call), the scalar
                        // buffer holds `job.points.len()` scalars of
                        // `job.nbits` bits, the scratch is as large as blst
                        // asks, and neither slice is empty.
                        unsafe {
                            match job.scalars {
                                None => $sum(&mut out, job.points.as_ptr(), job.points.len()),
                                Some((bytes, nbits)) => {
                                    // Zeroed: a tile expects empty buckets.
                                    let words = $scratch_sizeof(job.points.len())
                                        .div_ceil(std::mem::size_of::<limb_t>());
                                    let mut scratch: Vec<limb_t> = vec![0; words];
                                    let s: [*const byte; 2] = [bytes.as_ptr(), std::ptr::null()];
                                    match job.tile {
                                        None => $pippenger(
                                            &mut out,
                                            job.points.as_ptr(),
                                            job.points.len(),
                                            s.as_ptr(),
                                            nbits,
                                            scratch.as_mut_ptr(),
                                        ),
                                        Some((bit0, window)) => {
                                            $tile(
                                                &mut out,
                                                job.points.as_ptr(),
                                                job.points.len(),
                                                s.as_ptr(),
                                                nbits,
                                                scratch.as_mut_ptr(),
                                                bit0,
                                                window,
                                            );
                                        }
                                    }
                                }
                            }
                            $neg(&mut out, job.negative);
                        }
                        (job.tile.map_or(0, |(bit0, _)| bit0), out)
                    })
                    .collect();
                // Σ 2^bit0·part, by Horner from the highest tile down.
                parts.sort_unstable_by_key(|(bit0, _)| std::cmp::Reverse(*bit0));
                let mut sum = zero;
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
                unsafe {
                    for _ in 0..at {
                        $double(&mut sum, &sum);
                    }
                }
                $to_ark(&sum)
            }
        }

        // SAFETY (Send/Sync of the raw pointers in `Job`): they point into
        // the points of a `$name` that outlives every job, and are only read.
        unsafe impl Send for Job<'_, $affine> {}
        unsafe impl Sync for Job<'_, $affine> {}
    };
}

/// The points and scalars of one MSM, sorted by scalar size.
struct Groups<A> {
    ones: [Vec<*const A>; 2],
    small: [(Vec<*const A>, Vec<u8>); 2],
    big: (Vec<*const A>, Vec<u8>),
}

/// The scalar bytes are a witness's values: wiped when the MSM is done.
impl<A> Drop for Groups<A> {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for (_, bytes) in &mut self.small {
            bytes.zeroize();
        }
        self.big.1.zeroize();
    }
}

impl<A> Default for Groups<A> {
    fn default() -> Self {
        Self {
            ones: [Vec::new(), Vec::new()],
            small: [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())],
            big: (Vec::new(), Vec::new()),
        }
    }
}

/// One piece of work: a sum (no scalars), a Pippenger over `points`, or
/// one window (`tile`: lowest bit, width) of a Pippenger.
struct Job<'a, A> {
    points: &'a [*const A],
    scalars: Option<(&'a [u8], usize)>,
    tile: Option<(usize, usize)>,
    negative: bool,
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

trait Infinity {
    fn is_infinity(&self) -> bool;
}

impl Infinity for blst_p1_affine {
    fn is_infinity(&self) -> bool {
        // blst's affine infinity is all zeros.
        self.x.l.iter().chain(&self.y.l).all(|l| *l == 0)
    }
}

impl Infinity for blst_p2_affine {
    fn is_infinity(&self) -> bool {
        self.x
            .fp
            .iter()
            .chain(&self.y.fp)
            .all(|f| f.l.iter().all(|l| *l == 0))
    }
}

impl<A: Infinity> Groups<A> {
    fn push(&mut self, point: &A, class: Class) {
        if point.is_infinity() {
            return;
        }
        let p = point as *const A;
        match class {
            Class::Skip => {}
            Class::One(neg) => self.ones[neg as usize].push(p),
            Class::Small(neg, v) => {
                let (points, bytes) = &mut self.small[neg as usize];
                points.push(p);
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            Class::Big(b) => {
                self.big.0.push(p);
                self.big.1.extend_from_slice(&b);
            }
        }
    }

    fn jobs(&self) -> Vec<Job<'_, A>> {
        let mut jobs = Vec::new();
        for (negative, points) in [(false, &self.ones[0]), (true, &self.ones[1])] {
            for r in chunks(points.len()) {
                jobs.push(Job {
                    points: &points[r],
                    scalars: None,
                    tile: None,
                    negative,
                });
            }
        }
        let scaled = [
            (false, &self.small[0], 64),
            (true, &self.small[1], 64),
            (false, &self.big, 255),
        ];
        for (negative, (points, bytes), nbits) in scaled {
            let scalars = Some((&bytes[..], nbits));
            if rayon::current_num_threads() <= 1 || points.len() < 32 {
                jobs.push(Job {
                    points,
                    scalars,
                    tile: None,
                    negative,
                });
                continue;
            }
            // In parallel, one job per window (blst's own parallel MSM cuts
            // the same way): no window's buckets are built twice, so the
            // work is that of one thread's Pippenger, plus the doublings.
            let w = window(points.len());
            for bit0 in (0..=nbits).step_by(w) {
                jobs.push(Job {
                    points,
                    scalars,
                    tile: Some((bit0, w)),
                    negative,
                });
            }
        }
        jobs.retain(|j| !j.points.is_empty());
        jobs
    }
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

blst_points!(
    /// G1 points of a proving key in blst's form, ready for MSMs.
    G1Points, blst_p1_affine, blst_p1, G1Affine, G1Projective,
    g1_from_ark, g1_to_ark,
    blst_p1s_mult_pippenger, blst_p1s_tile_pippenger, blst_p1s_mult_pippenger_scratch_sizeof,
    blst_p1s_add, blst_p1_add_or_double, blst_p1_double, blst_p1_cneg
);

blst_points!(
    /// G2 points of a proving key in blst's form, ready for MSMs.
    G2Points, blst_p2_affine, blst_p2, G2Affine, G2Projective,
    g2_from_ark, g2_to_ark,
    blst_p2s_mult_pippenger, blst_p2s_tile_pippenger, blst_p2s_mult_pippenger_scratch_sizeof,
    blst_p2s_add, blst_p2_add_or_double, blst_p2_double, blst_p2_cneg
);
