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

use ark_bls12_381::{G1Affine, G2Affine};
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

/// Whether `Π e(g1[i], g2[i]) = 1` (one multi-Miller loop, split over the
/// current rayon pool, and one final exponentiation). The points must be in
/// their subgroups (the caller checks or trusts them); pairs with a point at
/// infinity contribute 1.
///
/// # Panics
///
/// If the slices differ in length (a bug of the caller, never input).
pub fn pairing_product_is_one(g1: &[G1Affine], g2: &[G2Affine]) -> bool {
    scaled_pairing_product_is_one(g1, &vec![1; g1.len()], g2)
}

/// Whether `Π e([s_i]·g1[i], g2[i]) = 1`: [`pairing_product_is_one`] with
/// each G1 point first multiplied by a 128-bit scalar (a batch's random
/// coefficients; 1 leaves the point as it is), the multiplications spread
/// over the pool with the Miller loops.
///
/// # Panics
///
/// If the slices differ in length (a bug of the caller, never input).
pub fn scaled_pairing_product_is_one(g1: &[G1Affine], scalars: &[u128], g2: &[G2Affine]) -> bool {
    assert_eq!(g1.len(), g2.len(), "one G2 point per G1 point");
    assert_eq!(g1.len(), scalars.len(), "one scalar per G1 point");
    backend::scaled_pairing_product_is_one(g1, scalars, g2)
}

/// `Σ [s_i] p_i` for 128-bit scalars (a batch's random coefficients), on
/// `blst`'s Pippenger natively. The points must be on the curve (any point
/// at infinity contributes nothing).
///
/// # Panics
///
/// If the slices differ in length (a bug of the caller, never input).
pub fn g1_msm_u128(points: &[G1Affine], scalars: &[u128]) -> ark_bls12_381::G1Projective {
    assert_eq!(points.len(), scalars.len(), "one scalar per point");
    backend::g1_msm_u128(points, scalars)
}

#[cfg(not(target_arch = "wasm32"))]
mod backend {
    use super::*;
    use ark_ec::AffineRepr;
    use ark_serialize::CanonicalSerialize;
    use blst::{
        blst_final_exp, blst_fp12, blst_fp12_is_one, blst_fp12_mul, blst_miller_loop_n, blst_p1,
        blst_p1_affine, blst_p1_affine_in_g1, blst_p1_affine_serialize, blst_p1_deserialize,
        blst_p1_from_affine, blst_p1_mult, blst_p1_to_affine, blst_p1_uncompress,
        blst_p1s_mult_pippenger, blst_p1s_mult_pippenger_scratch_sizeof, blst_p1s_to_affine,
        blst_p2_affine, blst_p2_affine_in_g2, blst_p2_affine_serialize, blst_p2_deserialize,
        blst_p2_uncompress, BLST_ERROR,
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
    fn g1_to_blst(p: &G1Affine) -> Option<blst_p1_affine> {
        let mut raw = [0u8; 2 * G1_LEN];
        p.serialize_uncompressed(&mut raw[..]).ok()?;
        let mut out = blst_p1_affine::default();
        // SAFETY: `raw` holds the 96 bytes blst reads.
        let ok = unsafe { blst_p1_deserialize(&mut out, raw.as_ptr()) };
        (ok == BLST_ERROR::BLST_SUCCESS).then_some(out)
    }

    fn g2_to_blst(p: &G2Affine) -> Option<blst_p2_affine> {
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

    /// The Miller loop of one task's pairs, its G1 points first scaled;
    /// `None` if a point is off its curve (impossible for checked points).
    fn task(pairs: &[(&G1Affine, u128, &G2Affine)]) -> Option<blst_fp12> {
        let mut ps = Vec::with_capacity(pairs.len());
        let mut qs = Vec::with_capacity(pairs.len());
        let mut scaled = Vec::new();
        let mut scaled_qs = Vec::new();
        for &(p, s, q) in pairs {
            let (p, q) = (g1_to_blst(p)?, g2_to_blst(q)?);
            if s == 1 {
                ps.push(p);
                qs.push(q);
                continue;
            }
            let (mut jp, mut sp) = (blst_p1::default(), blst_p1::default());
            let bytes = s.to_le_bytes();
            // SAFETY: valid points; `bytes` holds the 128 bits read.
            unsafe {
                blst_p1_from_affine(&mut jp, &p);
                blst_p1_mult(&mut sp, &jp, bytes.as_ptr(), 128);
            }
            scaled.push(sp);
            scaled_qs.push(q);
        }
        if !scaled.is_empty() {
            // A nonzero scalar below the group order keeps a finite point of
            // the prime-order subgroup finite, so the affine forms are defined.
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

    pub(super) fn g1_msm_u128(
        points: &[G1Affine],
        scalars: &[u128],
    ) -> ark_bls12_381::G1Projective {
        // Points at infinity and zero scalars contribute nothing; blst's
        // Pippenger wants finite points.
        let mut ps = Vec::with_capacity(points.len());
        let mut ss = Vec::with_capacity(points.len());
        for (p, s) in points.iter().zip(scalars) {
            if p.is_zero() || *s == 0 {
                continue;
            }
            let Some(b) = g1_to_blst(p) else {
                // Off the curve: impossible for checked points; computed
                // by arkworks, which accepts anything.
                return points
                    .iter()
                    .zip(scalars)
                    .map(|(p, s)| p.mul_bigint([*s as u64, (s >> 64) as u64]))
                    .sum::<ark_bls12_381::G1Projective>();
            };
            ps.push(b);
            ss.push(s.to_le_bytes());
        }
        if ps.is_empty() {
            return ark_bls12_381::G1Projective::default();
        }
        let p_refs: Vec<*const blst_p1_affine> = ps.iter().map(|p| p as *const _).collect();
        let s_refs: Vec<*const u8> = ss.iter().map(|s| s.as_ptr()).collect();
        // SAFETY: no arguments.
        let scratch_bytes = unsafe { blst_p1s_mult_pippenger_scratch_sizeof(ps.len()) };
        let mut scratch = vec![0u64; scratch_bytes.div_ceil(8)];
        let mut sum = blst_p1::default();
        let mut affine = blst_p1_affine::default();
        // SAFETY: `p_refs` and `s_refs` hold `ps.len()` pointers to
        // initialised finite points and 16-byte scalars (128 bits read),
        // alive for the call; `scratch` has the size blst asks for.
        unsafe {
            blst_p1s_mult_pippenger(
                &mut sum,
                p_refs.as_ptr(),
                ps.len(),
                s_refs.as_ptr(),
                128,
                scratch.as_mut_ptr(),
            );
            blst_p1_to_affine(&mut affine, &sum);
        }
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
        scalars: &[u128],
        g2: &[G2Affine],
    ) -> bool {
        // e(O, Q) = e(P, O) = 1, and [s]O = O: such pairs drop out, as do
        // zero scalars.
        let pairs: Vec<(&G1Affine, u128, &G2Affine)> = g1
            .iter()
            .zip(scalars)
            .zip(g2)
            .filter(|((p, s), q)| !p.is_zero() && **s != 0 && !q.is_zero())
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

    pub(super) fn g1_msm_u128(points: &[G1Affine], scalars: &[u128]) -> G1Projective {
        points
            .iter()
            .zip(scalars)
            .map(|(p, s)| p.mul_bigint([*s as u64, (s >> 64) as u64]))
            .sum()
    }

    pub(super) fn scaled_pairing_product_is_one(
        g1: &[G1Affine],
        scalars: &[u128],
        g2: &[G2Affine],
    ) -> bool {
        let scaled: Vec<G1Projective> = g1
            .iter()
            .zip(scalars)
            .map(|(p, &s)| p.mul_bigint([s as u64, (s >> 64) as u64]))
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
    use ark_ff::{BigInteger, One, PrimeField, UniformRand};
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
}
