//! The BLS12-381 work of verification that dominates its cost: decoding
//! proof points with their subgroup checks, checking points already in
//! memory, and products of pairings.
//!
//! Natively these run on `blst` (assembly field arithmetic; endomorphism
//! based subgroup tests), faster than arkworks on the same points: a proof's
//! three points decode in about two thirds of the time (G2 in half, G1 in
//! four fifths: arkworks' G1 test is already endomorphism based and cheap;
//! benches/RESULTS.md, "Verification close to the hardware"). On wasm32, where
//! `blst` does not build here, the arkworks code does the same checks (also
//! endomorphism based). Both paths accept exactly the same inputs: a point
//! is accepted iff it is the canonical compressed encoding (zcash's format,
//! the one ark-serialize writes) of a point on the curve in the prime-order
//! subgroup (the point at infinity included, as arkworks accepts it). The
//! tests check that agreement on valid points, points outside the subgroup,
//! off-curve encodings, non-canonical encodings and random bytes.
//!
//! Points cross between the libraries through their uncompressed
//! serialization (the same format in both), a few field conversions per
//! point: negligible next to a subgroup check or a Miller loop.

use ark_bls12_381::{g1::Config as G1Config, Fr, G1Affine, G2Affine};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_serialize::CanonicalDeserialize;

/// Length of a compressed G1 point.
pub const G1_LEN: usize = 48;
/// Length of a compressed G2 point.
pub const G2_LEN: usize = 96;

/// The flag bit (first byte) of an encoding of the point at infinity.
const INFINITY_FLAG: u8 = 0x40;

/// Decodes a compressed G1 point: canonical, on the curve, in G1.
pub fn decode_g1(bytes: &[u8]) -> Option<G1Affine> {
    if bytes.len() != G1_LEN {
        return None;
    }
    if bytes[0] & INFINITY_FLAG != 0 {
        // Rare (no honest proof has it): arkworks decides alone.
        return G1Affine::deserialize_compressed(bytes).ok();
    }
    backend::decode_g1(bytes)
}

/// Decodes a compressed G2 point: canonical, on the curve, in G2.
pub fn decode_g2(bytes: &[u8]) -> Option<G2Affine> {
    if bytes.len() != G2_LEN {
        return None;
    }
    if bytes[0] & INFINITY_FLAG != 0 {
        return G2Affine::deserialize_compressed(bytes).ok();
    }
    backend::decode_g2(bytes)
}

/// Whether a G1 point in memory is on the curve and in G1.
pub fn g1_ok(p: &G1Affine) -> bool {
    backend::g1_ok(p)
}

/// Whether a G2 point in memory is on the curve and in G2.
pub fn g2_ok(p: &G2Affine) -> bool {
    backend::g2_ok(p)
}

/// A batch coefficient in GLV form: the scalar `a + b·λ` (mod the order `r`
/// of G1), with `λ` the eigenvalue of the endomorphism `φ(x, y) = (βx, y)`
/// on G1 ([`lambda`], [`endomorphism`]).
///
/// On a point `P` of G1, `[a + b·λ]P = [a]P + [b]φ(P)`: one chain of 64
/// doublings for both halves, where a 128-bit scalar needs 128. The map
/// `(a, b) ↦ a + b·λ mod r` is injective on `[0, 2^64)²` (docs/SECURITY.md,
/// "Batch coefficients in GLV form"), so drawing `a` and `b` uniformly gives
/// `2^128` distinct, equally likely coefficients: the same soundness bound as
/// a uniform 128-bit scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlvScalar {
    /// The coefficient of `P`.
    pub a: u64,
    /// The coefficient of `φ(P) = [λ]P`.
    pub b: u64,
}

impl GlvScalar {
    /// The scalar 1 (`a = 1`, `b = 0`): leaves a point as it is.
    pub const ONE: Self = Self { a: 1, b: 0 };

    /// Whether this is the scalar 0 (`a = b = 0`, the only pair mapping to 0).
    pub fn is_zero(self) -> bool {
        self.a == 0 && self.b == 0
    }

    /// The scalar `a + b·λ` as an element of the scalar field.
    pub fn to_fr(self) -> Fr {
        Fr::from(self.a) + Fr::from(self.b) * lambda()
    }
}

/// `λ`, the eigenvalue of [`endomorphism`] on G1: `φ(P) = [λ]P` for every
/// `P ∈ G1` (arkworks' GLV constant; `λ = −z²` for the curve parameter `z`,
/// a root of `λ² + λ + 1` mod `r`).
pub fn lambda() -> Fr {
    <G1Config as GLVConfig>::LAMBDA
}

/// `φ(x, y) = (βx, y)`, `β` a cube root of unity in Fq (arkworks' GLV
/// constant, matched with [`lambda`]). An endomorphism of the whole curve;
/// it acts as multiplication by `λ` only on G1, so it stands for `[λ]` only
/// on points known to be in G1.
pub fn endomorphism(p: &G1Affine) -> G1Affine {
    <G1Config as GLVConfig>::endomorphism_affine(p)
}

/// Whether `Π e(g1[i], g2[i]) = 1` (one multi-Miller loop, split over the
/// current rayon pool, and one final exponentiation). The points must be in
/// their subgroups (the caller checks or trusts them); pairs with a point at
/// infinity contribute 1.
///
/// # Panics
///
/// If the slices differ in length (a bug of the caller, never input).
pub fn pairing_product_is_one(g1: &[G1Affine], g2: &[G2Affine]) -> bool {
    scaled_pairing_product_is_one(g1, &vec![GlvScalar::ONE; g1.len()], g2)
}

/// Whether `Π e([s_i]·g1[i], g2[i]) = 1`: [`pairing_product_is_one`] with
/// each G1 point first multiplied by a scalar in GLV form (a batch's random
/// coefficients; [`GlvScalar::ONE`] leaves the point as it is), the
/// multiplications spread over the pool with the Miller loops.
///
/// The G1 points must be in G1 (checked or trusted by the caller): the
/// multiplication uses `φ(P) = [λ]P`, which holds only there.
///
/// # Panics
///
/// If the slices differ in length (a bug of the caller, never input).
pub fn scaled_pairing_product_is_one(
    g1: &[G1Affine],
    scalars: &[GlvScalar],
    g2: &[G2Affine],
) -> bool {
    assert_eq!(g1.len(), g2.len(), "one G2 point per G1 point");
    assert_eq!(g1.len(), scalars.len(), "one scalar per G1 point");
    backend::scaled_pairing_product_is_one(g1, scalars, g2)
}

/// `Σ [s_i] p_i` for scalars in GLV form (a batch's random coefficients):
/// `Σ [a_i] p_i + [b_i] φ(p_i)`, twice the points with 64-bit scalars, on
/// `blst`'s Pippenger natively. The points must be in G1 (checked or trusted
/// by the caller: `φ` is `[λ]` only there); points at infinity contribute
/// nothing.
///
/// # Panics
///
/// If the slices differ in length (a bug of the caller, never input).
pub fn g1_msm_glv(points: &[G1Affine], scalars: &[GlvScalar]) -> ark_bls12_381::G1Projective {
    assert_eq!(points.len(), scalars.len(), "one scalar per point");
    backend::g1_msm_glv(points, scalars)
}

#[cfg(not(target_arch = "wasm32"))]
pub mod lines;

/// CPU time of the calling thread, in seconds: what the timing tests
/// report, since a shared machine's load inflates wall time far more.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid pointer to a `timespec`.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

#[cfg(not(target_arch = "wasm32"))]
mod backend {
    use super::*;
    use std::ptr;

    use ark_ec::AffineRepr;
    use ark_ff::{BigInteger, PrimeField};
    use ark_serialize::CanonicalSerialize;
    use blst::{
        blst_final_exp, blst_fp, blst_fp12, blst_fp12_is_one, blst_fp12_mul, blst_fp_from_bendian,
        blst_fp_mul, blst_miller_loop_n, blst_p1, blst_p1_affine, blst_p1_affine_in_g1,
        blst_p1_affine_serialize, blst_p1_deserialize, blst_p1_to_affine, blst_p1_uncompress,
        blst_p1s_mult_pippenger, blst_p1s_mult_pippenger_scratch_sizeof, blst_p1s_mult_wbits,
        blst_p1s_mult_wbits_precompute, blst_p1s_to_affine, blst_p2_affine, blst_p2_affine_in_g2,
        blst_p2_affine_serialize, blst_p2_deserialize, blst_p2_uncompress, BLST_ERROR,
    };
    use rayon::prelude::*;

    /// The canonical compressed encoding of a point, to compare with the input.
    fn compressed<P: CanonicalSerialize, const N: usize>(p: &P) -> [u8; N] {
        let mut out = [0u8; N];
        p.serialize_compressed(&mut out[..])
            .expect("a point has its fixed size");
        out
    }

    /// Pairs per Miller-loop task: enough to amortize the loop's shared
    /// squarings, few enough to spread a block's batch over every core.
    const PAIRS_PER_TASK: usize = 64;

    pub(super) fn decode_g1(bytes: &[u8]) -> Option<G1Affine> {
        let mut p = blst_p1_affine::default();
        // SAFETY: `bytes` holds G1_LEN bytes (checked by the caller), all
        // blst reads; `p` is a valid output location.
        let ok = unsafe { blst_p1_uncompress(&mut p, bytes.as_ptr()) };
        // SAFETY: `p` was initialised above.
        if ok != BLST_ERROR::BLST_SUCCESS || !unsafe { blst_p1_affine_in_g1(&p) } {
            return None;
        }
        let ark = g1_to_ark(&p)?;
        // blst refuses x >= p and bad flags already; comparing with the
        // canonical encoding makes "accepted" mean exactly what arkworks means.
        (compressed::<_, G1_LEN>(&ark) == bytes).then_some(ark)
    }

    pub(super) fn decode_g2(bytes: &[u8]) -> Option<G2Affine> {
        let mut p = blst_p2_affine::default();
        // SAFETY: as in `decode_g1`, with G2_LEN bytes.
        let ok = unsafe { blst_p2_uncompress(&mut p, bytes.as_ptr()) };
        // SAFETY: `p` was initialised above.
        if ok != BLST_ERROR::BLST_SUCCESS || !unsafe { blst_p2_affine_in_g2(&p) } {
            return None;
        }
        let ark = g2_to_ark(&p)?;
        (compressed::<_, G2_LEN>(&ark) == bytes).then_some(ark)
    }

    pub(super) fn g1_ok(p: &G1Affine) -> bool {
        if p.is_zero() {
            return true;
        }
        // `g1_to_blst` refuses points off the curve.
        // SAFETY: the point was initialised by `g1_to_blst`.
        g1_to_blst(p).is_some_and(|b| unsafe { blst_p1_affine_in_g1(&b) })
    }

    pub(super) fn g2_ok(p: &G2Affine) -> bool {
        if p.is_zero() {
            return true;
        }
        // SAFETY: the point was initialised by `g2_to_blst`.
        g2_to_blst(p).is_some_and(|b| unsafe { blst_p2_affine_in_g2(&b) })
    }

    fn g1_to_ark(p: &blst_p1_affine) -> Option<G1Affine> {
        let mut raw = [0u8; 2 * G1_LEN];
        // SAFETY: `raw` has room for the 96-byte uncompressed form.
        unsafe { blst_p1_affine_serialize(raw.as_mut_ptr(), p) };
        G1Affine::deserialize_uncompressed_unchecked(&raw[..]).ok()
    }

    fn g2_to_ark(p: &blst_p2_affine) -> Option<G2Affine> {
        let mut raw = [0u8; 2 * G2_LEN];
        // SAFETY: `raw` has room for the 192-byte uncompressed form.
        unsafe { blst_p2_affine_serialize(raw.as_mut_ptr(), p) };
        G2Affine::deserialize_uncompressed_unchecked(&raw[..]).ok()
    }

    /// The blst form of a finite point; `None` if it is off the curve.
    pub(super) fn g1_to_blst(p: &G1Affine) -> Option<blst_p1_affine> {
        let mut raw = [0u8; 2 * G1_LEN];
        p.serialize_uncompressed(&mut raw[..]).ok()?;
        let mut out = blst_p1_affine::default();
        // SAFETY: `raw` holds the 96 bytes blst reads.
        let ok = unsafe { blst_p1_deserialize(&mut out, raw.as_ptr()) };
        (ok == BLST_ERROR::BLST_SUCCESS).then_some(out)
    }

    pub(super) fn g2_to_blst(p: &G2Affine) -> Option<blst_p2_affine> {
        let mut raw = [0u8; 2 * G2_LEN];
        p.serialize_uncompressed(&mut raw[..]).ok()?;
        let mut out = blst_p2_affine::default();
        // SAFETY: `raw` holds the 192 bytes blst reads.
        let ok = unsafe { blst_p2_deserialize(&mut out, raw.as_ptr()) };
        (ok == BLST_ERROR::BLST_SUCCESS).then_some(out)
    }

    /// The Miller loop of a few pairs (all finite, on their curves).
    fn miller_loop(ps: &[blst_p1_affine], qs: &[blst_p2_affine]) -> blst_fp12 {
        let ps: Vec<*const blst_p1_affine> = ps.iter().map(|p| p as *const _).collect();
        let qs: Vec<*const blst_p2_affine> = qs.iter().map(|q| q as *const _).collect();
        let mut out = blst_fp12::default();
        // SAFETY: `ps` and `qs` hold as many pointers to initialised points,
        // which outlive the call; `out` is a valid output location.
        unsafe { blst_miller_loop_n(&mut out, qs.as_ptr(), ps.as_ptr(), ps.len()) };
        out
    }

    /// `β` of [`endomorphism`] in blst's form (Montgomery, as blst keeps
    /// field elements).
    fn beta() -> blst_fp {
        let bytes = <G1Config as GLVConfig>::ENDO_COEFFS[0]
            .into_bigint()
            .to_bytes_be();
        let mut out = blst_fp::default();
        // SAFETY: `bytes` holds the 48 big-endian bytes blst reads.
        unsafe { blst_fp_from_bendian(&mut out, bytes.as_ptr()) };
        out
    }

    /// Window of the two-point chains: 8 table entries per point
    /// (`[1]P … [8]P`, signed digits). 5 bits measured no faster
    /// (`timing_glv_against_128_bit_scalars`).
    const GLV_WBITS: usize = 4;
    /// The largest window [`glv_mult_wbits`] takes.
    const MAX_WBITS: usize = 5;

    /// `[a_i + b_i·λ] p_i` for finite points of G1, each as one 64-bit
    /// two-point chain `[a_i] p_i + [b_i] φ(p_i)` (blst's Straus over
    /// precomputed affine tables, shared doublings). Results are Jacobian.
    fn glv_mult(ps: &[blst_p1_affine], ks: &[GlvScalar]) -> Vec<blst_p1> {
        glv_mult_wbits(ps, ks, GLV_WBITS)
    }

    /// [`glv_mult`] with windows of `wbits` bits (2 to [`MAX_WBITS`]). The
    /// tables of all the points are built in one call (one field inversion
    /// for all); `φ`'s table is `φ` of `p`'s (`φ` is a group homomorphism),
    /// one multiplication per entry.
    fn glv_mult_wbits(ps: &[blst_p1_affine], ks: &[GlvScalar], wbits: usize) -> Vec<blst_p1> {
        assert!((2..=MAX_WBITS).contains(&wbits), "window of 2 to 5 bits");
        let row_len = 1 << (wbits - 1);
        let refs: Vec<*const blst_p1_affine> = ps.iter().map(|p| p as *const _).collect();
        let mut table = vec![blst_p1_affine::default(); ps.len() * row_len];
        // SAFETY: `refs` holds `ps.len()` pointers to initialised points;
        // `table` has the `ps.len() << (wbits - 1)` entries blst writes
        // (`blst_p1s_mult_wbits_precompute_sizeof`).
        unsafe {
            blst_p1s_mult_wbits_precompute(table.as_mut_ptr(), wbits, refs.as_ptr(), refs.len())
        };
        let beta = beta();
        table
            .chunks_exact(row_len)
            .zip(ks)
            .map(|(row, k)| {
                // Two rows side by side, as blst reads a two-point table.
                let mut pair = [blst_p1_affine::default(); 2 << (MAX_WBITS - 1)];
                let pair = &mut pair[..2 * row_len];
                pair[..row_len].copy_from_slice(row);
                for (phi, p) in pair[row_len..].iter_mut().zip(row) {
                    phi.y = p.y;
                    // SAFETY: initialised field elements.
                    unsafe { blst_fp_mul(&mut phi.x, &p.x, &beta) };
                }
                let (a, b) = (k.a.to_le_bytes(), k.b.to_le_bytes());
                let scalars = [a.as_ptr(), b.as_ptr()];
                let mut out = blst_p1::default();
                // SAFETY: `pair` is a table of two points of `row_len`
                // affine entries each, `scalars` two pointers to 8 bytes (64
                // bits read); a null scratch makes blst use its stack.
                unsafe {
                    blst_p1s_mult_wbits(
                        &mut out,
                        pair.as_ptr(),
                        wbits,
                        2,
                        scalars.as_ptr(),
                        64,
                        ptr::null_mut(),
                    )
                };
                out
            })
            .collect()
    }

    /// Per-point CPU time of the batch's `r_i·A_i`: 128-bit scalars on
    /// `blst_p1_mult` (before session 12) against the GLV form, 4- and
    /// 5-bit windows, and of `Σ r_i·C_i`: 1,000 points with 128-bit
    /// scalars against 2,000 with 64-bit ones, on this thread:
    /// `cargo test --release -p superzk-verifier --lib -- --ignored --nocapture timing_glv`
    #[cfg(test)]
    pub(super) fn timing_glv(points: &[G1Affine], ks: &[GlvScalar]) {
        let ps: Vec<blst_p1_affine> = points
            .iter()
            .map(|p| g1_to_blst(p).expect("on the curve"))
            .collect();
        let n = ps.len() as f64;
        let cpu = thread_cpu_seconds;
        let time = |name: &str, per: f64, f: &dyn Fn()| {
            f();
            let t = cpu();
            for _ in 0..5 {
                f();
            }
            println!("{name:52} {:8.1} us", (cpu() - t) / 5.0 / per * 1e6);
        };
        time("r·A, 128-bit scalar, blst_p1_mult (per point)", n, &|| {
            for (p, k) in ps.iter().zip(ks) {
                let s = ((u128::from(k.b) << 64) | u128::from(k.a)).to_le_bytes();
                let (mut jp, mut out) = (blst_p1::default(), blst_p1::default());
                // SAFETY: valid points; `s` holds the 128 bits read.
                unsafe {
                    blst::blst_p1_from_affine(&mut jp, p);
                    blst::blst_p1_mult(&mut out, &jp, s.as_ptr(), 128);
                }
                let _ = std::hint::black_box(out);
            }
        });
        for w in [4, 5] {
            time(
                &format!("r·A, a + b·λ, two-point chain, {w}-bit windows (per point)"),
                n,
                &|| {
                    let _ = std::hint::black_box(glv_mult_wbits(&ps, ks, w));
                },
            );
        }
        let s128: Vec<u128> = ks
            .iter()
            .map(|k| (u128::from(k.b) << 64) | u128::from(k.a))
            .collect();
        time("Σ r·C, n points, 128-bit scalars (per point)", n, &|| {
            let _ = std::hint::black_box(msm_raw(
                &ps,
                &s128
                    .iter()
                    .map(|s| s.to_le_bytes().to_vec())
                    .collect::<Vec<_>>(),
                128,
            ));
        });
        time(
            "Σ r·C, 2n points, 64-bit scalars (per original point)",
            n,
            &|| {
                let _ = std::hint::black_box(g1_msm_glv(points, ks));
            },
        );
    }

    /// blst's Pippenger over finite points with raw little-endian scalars
    /// of `nbits` bits (Jacobian result).
    fn msm_raw<S: AsRef<[u8]>>(ps: &[blst_p1_affine], ss: &[S], nbits: usize) -> blst_p1 {
        assert_eq!(ps.len(), ss.len(), "one scalar per point");
        assert!(
            ss.iter().all(|s| s.as_ref().len() * 8 >= nbits),
            "scalars of nbits"
        );
        let p_refs: Vec<*const blst_p1_affine> = ps.iter().map(|p| p as *const _).collect();
        let s_refs: Vec<*const u8> = ss.iter().map(|s| s.as_ref().as_ptr()).collect();
        // SAFETY: no arguments.
        let scratch_bytes = unsafe { blst_p1s_mult_pippenger_scratch_sizeof(ps.len()) };
        let mut scratch = vec![0u64; scratch_bytes.div_ceil(8)];
        let mut sum = blst_p1::default();
        // SAFETY: `p_refs` and `s_refs` hold `ps.len()` pointers to
        // initialised finite points and scalars of `nbits` bits, alive for
        // the call; `scratch` has the size blst asks for.
        unsafe {
            blst_p1s_mult_pippenger(
                &mut sum,
                p_refs.as_ptr(),
                ps.len(),
                s_refs.as_ptr(),
                nbits,
                scratch.as_mut_ptr(),
            )
        };
        sum
    }

    /// The Miller loop of one task's pairs, its G1 points first scaled;
    /// `None` if a point is off its curve (impossible for checked points).
    fn task(pairs: &[(&G1Affine, GlvScalar, &G2Affine)]) -> Option<blst_fp12> {
        let mut ps = Vec::with_capacity(pairs.len());
        let mut qs = Vec::with_capacity(pairs.len());
        let mut to_scale = Vec::new();
        let mut ks = Vec::new();
        let mut scaled_qs = Vec::new();
        for &(p, s, q) in pairs {
            let (p, q) = (g1_to_blst(p)?, g2_to_blst(q)?);
            if s == GlvScalar::ONE {
                ps.push(p);
                qs.push(q);
                continue;
            }
            to_scale.push(p);
            ks.push(s);
            scaled_qs.push(q);
        }
        if !to_scale.is_empty() {
            let scaled = glv_mult(&to_scale, &ks);
            // A nonzero scalar (a, b) ≠ (0, 0) is nonzero mod r (the GLV map
            // is injective) and keeps a finite point of G1 finite, so the
            // affine forms are defined.
            let refs: Vec<*const blst_p1> = scaled.iter().map(|p| p as *const _).collect();
            let mut affine = vec![blst_p1_affine::default(); scaled.len()];
            // SAFETY: `refs` points to `scaled.len()` initialised points and
            // `affine` has room for as many.
            unsafe { blst_p1s_to_affine(affine.as_mut_ptr(), refs.as_ptr(), refs.len()) };
            ps.extend(affine);
            qs.extend(scaled_qs);
        }
        Some(miller_loop(&ps, &qs))
    }

    /// `[s_i] p_i` for points of G1, computed as the batch computes them;
    /// for tests against arkworks' scalar multiplication.
    #[cfg(test)]
    pub(super) fn glv_scale(points: &[G1Affine], scalars: &[GlvScalar]) -> Vec<G1Affine> {
        glv_scale_wbits(points, scalars, GLV_WBITS)
    }

    /// [`glv_scale`] with another window.
    #[cfg(test)]
    pub(super) fn glv_scale_wbits(
        points: &[G1Affine],
        scalars: &[GlvScalar],
        wbits: usize,
    ) -> Vec<G1Affine> {
        let ps: Vec<blst_p1_affine> = points
            .iter()
            .map(|p| g1_to_blst(p).expect("on the curve"))
            .collect();
        glv_mult_wbits(&ps, scalars, wbits)
            .iter()
            .map(|p| {
                let mut a = blst_p1_affine::default();
                // SAFETY: initialised point and output location.
                unsafe { blst_p1_to_affine(&mut a, p) };
                // SAFETY: `a` was initialised above.
                if unsafe { blst::blst_p1_affine_is_inf(&a) } {
                    G1Affine::zero()
                } else {
                    g1_to_ark(&a).expect("on the curve")
                }
            })
            .collect()
    }

    pub(super) fn g1_msm_glv(
        points: &[G1Affine],
        scalars: &[GlvScalar],
    ) -> ark_bls12_381::G1Projective {
        // Points at infinity and zero scalars contribute nothing; blst's
        // Pippenger wants finite points. Each point enters twice: `p` with
        // `a` and `φ(p)` with `b`.
        let mut ps = Vec::with_capacity(2 * points.len());
        let mut ss = Vec::with_capacity(2 * points.len());
        let beta = beta();
        for (p, s) in points.iter().zip(scalars) {
            if p.is_zero() || s.is_zero() {
                continue;
            }
            let Some(b) = g1_to_blst(p) else {
                // Off the curve: impossible for checked points; computed
                // by arkworks, which accepts anything.
                return points
                    .iter()
                    .zip(scalars)
                    .map(|(p, s)| p.mul_bigint(s.to_fr().into_bigint()))
                    .sum::<ark_bls12_381::G1Projective>();
            };
            let mut phi = b;
            // SAFETY: initialised field elements.
            unsafe { blst_fp_mul(&mut phi.x, &b.x, &beta) };
            ps.extend([b, phi]);
            ss.extend([s.a.to_le_bytes(), s.b.to_le_bytes()]);
        }
        if ps.is_empty() {
            return ark_bls12_381::G1Projective::default();
        }
        let sum = msm_raw(&ps, &ss, 64);
        let mut affine = blst_p1_affine::default();
        // SAFETY: initialised point and output location.
        unsafe { blst_p1_to_affine(&mut affine, &sum) };
        // The sum may be the point at infinity (blst's affine form: zeros).
        // SAFETY: `affine` was initialised above.
        if unsafe { blst::blst_p1_affine_is_inf(&affine) } {
            return ark_bls12_381::G1Projective::default();
        }
        g1_to_ark(&affine)
            .expect("blst's sum of points on the curve is on the curve")
            .into_group()
    }

    pub(super) fn scaled_pairing_product_is_one(
        g1: &[G1Affine],
        scalars: &[GlvScalar],
        g2: &[G2Affine],
    ) -> bool {
        // e(O, Q) = e(P, O) = 1, and [s]O = O: such pairs drop out, as do
        // zero scalars.
        let pairs: Vec<(&G1Affine, GlvScalar, &G2Affine)> = g1
            .iter()
            .zip(scalars)
            .zip(g2)
            .filter(|((p, s), q)| !p.is_zero() && !s.is_zero() && !q.is_zero())
            .map(|((p, s), q)| (p, *s, q))
            .collect();
        if pairs.is_empty() {
            return true;
        }
        let loops: Option<Vec<blst_fp12>> = pairs.par_chunks(PAIRS_PER_TASK).map(task).collect();
        let Some(loops) = loops else {
            return false;
        };
        let f = loops
            .into_iter()
            .reduce(|a, b| {
                let mut out = blst_fp12::default();
                // SAFETY: all three are valid, initialised Fp12 values.
                unsafe { blst_fp12_mul(&mut out, &a, &b) };
                out
            })
            .expect("at least one pair");
        let mut out = blst_fp12::default();
        // SAFETY: `f` and `out` are valid Fp12 values.
        unsafe {
            blst_final_exp(&mut out, &f);
            blst_fp12_is_one(&out)
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod backend {
    use super::*;
    use ark_bls12_381::{Bls12_381, G1Projective};
    use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup};
    use ark_ff::One;

    pub(super) fn decode_g1(bytes: &[u8]) -> Option<G1Affine> {
        G1Affine::deserialize_compressed(bytes).ok()
    }

    pub(super) fn decode_g2(bytes: &[u8]) -> Option<G2Affine> {
        G2Affine::deserialize_compressed(bytes).ok()
    }

    pub(super) fn g1_ok(p: &G1Affine) -> bool {
        p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()
    }

    pub(super) fn g2_ok(p: &G2Affine) -> bool {
        p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()
    }

    /// `[a]p + [b]φ(p)`.
    fn glv_mul(p: &G1Affine, s: GlvScalar) -> G1Projective {
        p.mul_bigint([s.a]) + endomorphism(p).mul_bigint([s.b])
    }

    pub(super) fn g1_msm_glv(points: &[G1Affine], scalars: &[GlvScalar]) -> G1Projective {
        points
            .iter()
            .zip(scalars)
            .map(|(p, s)| glv_mul(p, *s))
            .sum()
    }

    pub(super) fn scaled_pairing_product_is_one(
        g1: &[G1Affine],
        scalars: &[GlvScalar],
        g2: &[G2Affine],
    ) -> bool {
        let scaled: Vec<G1Projective> = g1
            .iter()
            .zip(scalars)
            .map(|(p, s)| glv_mul(p, *s))
            .collect();
        let g1 = G1Projective::normalize_batch(&scaled);
        let ml = Bls12_381::multi_miller_loop(g1, g2.iter().copied());
        Bls12_381::final_exponentiation(ml).is_some_and(|out| out.0.is_one())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::{Bls12_381, Fq, Fq2, Fr, G1Projective, G2Projective};
    use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup};
    use ark_ff::{BigInteger, One, PrimeField, UniformRand, Zero};
    use ark_serialize::CanonicalSerialize;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(0xc0de)
    }

    fn encode<P: CanonicalSerialize>(p: &P) -> Vec<u8> {
        let mut out = vec![];
        p.serialize_compressed(&mut out).unwrap();
        out
    }

    fn g1_off_subgroup(from: u64) -> G1Affine {
        (from..)
            .find_map(|x| {
                G1Affine::get_point_from_x_unchecked(Fq::from(x), x % 2 == 0)
                    .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
            })
            .unwrap()
    }

    fn g2_off_subgroup(from: u64) -> G2Affine {
        (from..)
            .find_map(|x| {
                G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(x), Fq::one()), x % 2 == 1)
                    .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
            })
            .unwrap()
    }

    /// Both decoders give the same answer on `bytes`.
    fn agree(bytes: &[u8]) {
        match bytes.len() {
            G1_LEN => assert_eq!(
                decode_g1(bytes),
                G1Affine::deserialize_compressed(bytes).ok(),
                "G1 {}",
                hex(bytes)
            ),
            G2_LEN => assert_eq!(
                decode_g2(bytes),
                G2Affine::deserialize_compressed(bytes).ok(),
                "G2 {}",
                hex(bytes)
            ),
            _ => unreachable!(),
        }
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Every encoding worth trying around a valid one: itself, each flag
    /// bit flipped, and the bits of the infinity flag set with a payload.
    fn variants(valid: &[u8]) -> Vec<Vec<u8>> {
        let mut out = vec![valid.to_vec()];
        for bit in [0x80u8, 0x40, 0x20] {
            let mut v = valid.to_vec();
            v[0] ^= bit;
            out.push(v);
        }
        let mut inf_payload = vec![0u8; valid.len()];
        inf_payload[0] = 0xc0;
        out.push(inf_payload.clone());
        inf_payload[valid.len() - 1] = 1;
        out.push(inf_payload.clone());
        inf_payload[valid.len() - 1] = 0;
        inf_payload[0] = 0xe0;
        out.push(inf_payload);
        out.push(vec![0u8; valid.len()]);
        out
    }

    #[test]
    fn valid_points_decode_to_what_arkworks_decodes() {
        let mut rng = rng();
        for _ in 0..50 {
            let p = G1Projective::rand(&mut rng).into_affine();
            let q = G2Projective::rand(&mut rng).into_affine();
            assert_eq!(decode_g1(&encode(&p)), Some(p));
            assert_eq!(decode_g2(&encode(&q)), Some(q));
            assert_eq!(decode_g1(&encode(&-p)), Some(-p));
            assert!(g1_ok(&p) && g2_ok(&q));
            for v in variants(&encode(&p)).iter().chain(&variants(&encode(&q))) {
                agree(v);
            }
        }
        for inf in [encode(&G1Affine::zero()), encode(&G2Affine::zero())] {
            agree(&inf);
        }
        assert!(g1_ok(&G1Affine::zero()) && g2_ok(&G2Affine::zero()));
    }

    #[test]
    fn points_outside_the_subgroups_are_refused() {
        for i in 0..20 {
            let p = g1_off_subgroup(1 + 50 * i);
            let q = g2_off_subgroup(1 + 50 * i);
            assert!(p.is_on_curve() && q.is_on_curve());
            assert_eq!(decode_g1(&encode(&p)), None);
            assert_eq!(decode_g2(&encode(&q)), None);
            assert!(!g1_ok(&p) && !g2_ok(&q));
            agree(&encode(&p));
            agree(&encode(&q));
        }
    }

    #[test]
    fn points_off_the_curves_are_refused_in_memory() {
        let mut rng = rng();
        for _ in 0..20 {
            let p = G1Affine::new_unchecked(Fq::rand(&mut rng), Fq::rand(&mut rng));
            let q = G2Affine::new_unchecked(Fq2::rand(&mut rng), Fq2::rand(&mut rng));
            assert!(!p.is_on_curve() && !q.is_on_curve());
            assert!(!g1_ok(&p) && !g2_ok(&q));
        }
    }

    #[test]
    fn non_canonical_encodings_are_refused() {
        let mut rng = rng();
        // x + p in place of x (it fits: p < 2^381).
        let p = G1Projective::rand(&mut rng).into_affine();
        let mut x = p.x.into_bigint();
        let carry = x.add_with_carry(&Fq::MODULUS);
        assert!(!carry);
        let mut bytes = encode(&p);
        let flags = bytes[0] & 0xe0;
        let mut be = vec![];
        for limb in x.0.iter().rev() {
            be.extend_from_slice(&limb.to_be_bytes());
        }
        if be[0] & 0xe0 == 0 {
            be[0] |= flags;
            bytes.copy_from_slice(&be);
            assert_eq!(decode_g1(&bytes), None);
            agree(&bytes);
        }
        // An x with no point over it.
        let no_point = (1u64..)
            .find(|x| G1Affine::get_point_from_x_unchecked(Fq::from(*x), false).is_none())
            .unwrap();
        let mut bytes = vec![0u8; G1_LEN];
        bytes[G1_LEN - 8..].copy_from_slice(&no_point.to_be_bytes());
        bytes[0] |= 0x80;
        assert_eq!(decode_g1(&bytes), None);
        agree(&bytes);
    }

    #[test]
    fn garbage_agrees_with_arkworks_and_never_panics() {
        let mut rng = rng();
        for round in 0..3000 {
            let mut b1 = [0u8; G1_LEN];
            let mut b2 = [0u8; G2_LEN];
            rng.fill_bytes(&mut b1);
            rng.fill_bytes(&mut b2);
            if round % 2 == 0 {
                // Keep the top bits small so that x < p is likely.
                b1[0] = 0x80 | (b1[0] & 0x2f) >> 2;
                b2[0] = 0x80 | (b2[0] & 0x2f) >> 2;
                b2[G1_LEN] &= 0x0f;
            }
            agree(&b1);
            agree(&b2);
        }
        assert_eq!(decode_g1(&[0u8; 47]), None);
        assert_eq!(decode_g2(&[0u8; 97]), None);
    }

    #[test]
    fn pairing_products_match_arkworks() {
        let mut rng = rng();
        let g = G1Affine::generator();
        let h = G2Affine::generator();
        // Π e(a_i·g, h) · e(−Σ a_i·g, h) = 1, over more pairs than one task.
        for n in [1usize, 2, 63, 64, 65, 150] {
            let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let sum: Fr = a.iter().sum();
            let mut g1: Vec<G1Affine> = a.iter().map(|a| (g * a).into_affine()).collect();
            g1.push((g * -sum).into_affine());
            let mut g2 = vec![h; n + 1];
            assert!(pairing_product_is_one(&g1, &g2), "{n} pairs");
            g2[n / 2] = (h * Fr::from(2u64)).into_affine();
            assert!(!pairing_product_is_one(&g1, &g2), "{n} pairs, one changed");
            let ark = Bls12_381::multi_pairing(g1.iter().copied(), g2.iter().copied());
            assert!(!ark.0.is_one());
        }
        // Pairs with the point at infinity contribute 1.
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G2Projective::rand(&mut rng).into_affine();
        assert!(pairing_product_is_one(&[], &[]));
        assert!(pairing_product_is_one(&[G1Affine::zero()], &[q]));
        assert!(pairing_product_is_one(
            &[p, -p, p],
            &[q, q, G2Affine::zero()]
        ));
        assert!(!pairing_product_is_one(&[p, G1Affine::zero()], &[q, q]));
    }

    /// `z`, the BLS12-381 parameter, is `−0xd201000000010000`; `λ = −z²`.
    const Z_ABS: u64 = 0xd201_0000_0001_0000;

    #[test]
    fn lambda_is_minus_z_squared_and_a_cube_root_of_unity() {
        let z2 = Fr::from(Z_ABS) * Fr::from(Z_ABS);
        assert_eq!(lambda(), -z2);
        assert_eq!(lambda() * lambda() + lambda() + Fr::one(), Fr::from(0u64));
    }

    #[test]
    fn the_endomorphism_is_lambda_on_g1_only() {
        let mut rng = rng();
        for _ in 0..20 {
            let p = G1Projective::rand(&mut rng).into_affine();
            assert_eq!(endomorphism(&p), (p * lambda()).into_affine());
        }
        assert_eq!(endomorphism(&G1Affine::zero()), G1Affine::zero());
        // Outside G1 it is not [λ]: why the batch needs its points in G1.
        for i in 0..5 {
            let p = g1_off_subgroup(1 + 50 * i);
            assert_ne!(
                endomorphism(&p),
                p.mul_bigint(lambda().into_bigint()).into_affine()
            );
        }
    }

    /// The argument of docs/SECURITY.md ("Batch coefficients in GLV form"),
    /// checked in integers: `v1 = (z², 1)` and `v2 = (−1, z² − 1)` lie in the
    /// lattice `{(x, y) : x + λy ≡ 0 mod r}`, their determinant is `r` (so
    /// they are a basis of it), `v1·v2 = −1`, and `(z² − 1)² > 2^129`: every
    /// nonzero lattice vector has squared length at least `(z² − 1)²`, more
    /// than any difference of two pairs of `[0, 2^64)²` can have.
    #[test]
    fn the_glv_lattice_has_no_short_vector() {
        use num_bigint::BigInt;
        let r = BigInt::from_bytes_le(num_bigint::Sign::Plus, &Fr::MODULUS.to_bytes_le());
        let lambda = BigInt::from_bytes_le(
            num_bigint::Sign::Plus,
            &lambda().into_bigint().to_bytes_le(),
        );
        let z2 = BigInt::from(Z_ABS) * BigInt::from(Z_ABS);
        let one = BigInt::from(1);
        let v1 = (z2.clone(), one.clone());
        let v2 = (-one.clone(), &z2 - &one);
        let in_lattice = |v: &(BigInt, BigInt)| ((&v.0 + &lambda * &v.1) % &r) == BigInt::from(0);
        assert!(in_lattice(&v1) && in_lattice(&v2));
        assert_eq!(&v1.0 * &v2.1 - &v1.1 * &v2.0, r);
        assert_eq!(&v1.0 * &v2.0 + &v1.1 * &v2.1, -one.clone());
        let shortest_sq = (&z2 - &one) * (&z2 - &one);
        assert!(shortest_sq > BigInt::from(1) << 129);
        // And the pairs themselves: distinct small pairs, distinct scalars.
        let ks: Vec<GlvScalar> = GLV_EDGES.into_iter().filter(|k| !k.is_zero()).collect();
        for (i, x) in ks.iter().enumerate() {
            assert!(!x.to_fr().is_zero());
            for y in &ks[i + 1..] {
                assert_ne!(x.to_fr(), y.to_fr());
            }
        }
    }

    /// The edges of both halves of a GLV scalar (zero included, last).
    const GLV_EDGES: [GlvScalar; 8] = [
        GlvScalar::ONE,
        GlvScalar { a: 0, b: 1 },
        GlvScalar { a: 1, b: 1 },
        GlvScalar { a: u64::MAX, b: 0 },
        GlvScalar { a: 0, b: u64::MAX },
        GlvScalar {
            a: u64::MAX,
            b: u64::MAX,
        },
        GlvScalar {
            a: 1 << 63,
            b: 1 << 63,
        },
        GlvScalar { a: 0, b: 0 },
    ];

    /// Scalars worth trying: the edges of both halves and random ones.
    fn glv_scalars(n: usize, rng: &mut ChaCha20Rng) -> Vec<GlvScalar> {
        (0..n)
            .map(|i| {
                GLV_EDGES.get(i).copied().unwrap_or(GlvScalar {
                    a: rng.next_u64(),
                    b: rng.next_u64(),
                })
            })
            .collect()
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn glv_multiplication_reproduces_the_full_scalar() {
        let mut rng = rng();
        // More than 32 points: blst builds the tables in strides then.
        for n in [1usize, 9, 70] {
            let ps: Vec<G1Affine> = (0..n)
                .map(|_| G1Projective::rand(&mut rng).into_affine())
                .collect();
            let ks = glv_scalars(n, &mut rng);
            let got = backend::glv_scale(&ps, &ks);
            for ((p, k), got) in ps.iter().zip(&ks).zip(&got) {
                assert_eq!(*got, (*p * k.to_fr()).into_affine(), "{k:?}");
            }
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn glv_windows_agree() {
        let mut rng = rng();
        let ps: Vec<G1Affine> = (0..40)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let ks = glv_scalars(40, &mut rng);
        assert_eq!(
            backend::glv_scale_wbits(&ps, &ks, 5),
            backend::glv_scale(&ps, &ks)
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    #[ignore = "timing, prints the per-point cost of the batch's multiplications"]
    fn timing_glv_against_128_bit_scalars() {
        let mut rng = rng();
        let ps: Vec<G1Affine> = (0..1000)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let ks: Vec<GlvScalar> = (0..1000)
            .map(|_| GlvScalar {
                a: rng.next_u64(),
                b: rng.next_u64(),
            })
            .collect();
        backend::timing_glv(&ps, &ks);
    }

    #[test]
    fn glv_msm_matches_arkworks() {
        let mut rng = rng();
        for n in [1usize, 2, 33, 200] {
            let mut ps: Vec<G1Affine> = (0..n)
                .map(|_| G1Projective::rand(&mut rng).into_affine())
                .collect();
            if n > 2 {
                ps[1] = G1Affine::zero();
            }
            let ks = glv_scalars(n, &mut rng);
            let want: G1Projective = ps.iter().zip(&ks).map(|(p, k)| *p * k.to_fr()).sum();
            assert_eq!(g1_msm_glv(&ps, &ks), want, "{n} points");
        }
        // A sum that cancels to the point at infinity.
        let p = G1Projective::rand(&mut rng).into_affine();
        let k = GlvScalar { a: 5, b: 7 };
        assert_eq!(g1_msm_glv(&[p, -p], &[k, k]), G1Projective::default());
    }

    #[test]
    fn scaled_pairing_products_use_the_full_scalar() {
        let mut rng = rng();
        let h = G2Affine::generator();
        // Π e([k_i]P_i, h) · e(−Σ k_i·P_i, h) = 1, over more than one task.
        for n in [2usize, 65, 130] {
            let ps: Vec<G1Affine> = (0..n)
                .map(|_| G1Projective::rand(&mut rng).into_affine())
                .collect();
            let ks = glv_scalars(n, &mut rng);
            let sum: G1Projective = ps.iter().zip(&ks).map(|(p, k)| *p * k.to_fr()).sum();
            let mut g1 = ps.clone();
            g1.push((-sum).into_affine());
            let mut scalars = ks.clone();
            scalars.push(GlvScalar::ONE);
            let mut g2 = vec![h; n + 1];
            assert!(scaled_pairing_product_is_one(&g1, &scalars, &g2), "{n}");
            // One scalar changed in one half: the product is no longer 1.
            let mut wrong = scalars.clone();
            wrong[n / 2].b ^= 1;
            assert!(!scaled_pairing_product_is_one(&g1, &wrong, &g2), "{n}");
            // (a, b) swapped: a different scalar too.
            let mut swapped = scalars.clone();
            let k = &mut swapped[n - 1];
            std::mem::swap(&mut k.a, &mut k.b);
            if k.a != k.b {
                assert!(!scaled_pairing_product_is_one(&g1, &swapped, &g2), "{n}");
            }
            g2[0] = (h * Fr::from(2u64)).into_affine();
            assert!(!scaled_pairing_product_is_one(&g1, &scalars, &g2), "{n}");
        }
    }
}
