//! Miller loops over precomputed line coefficients (native, on `blst`'s
//! public field functions).
//!
//! # Why
//!
//! A Miller loop pair costs, per step of the loop over the bits of `|z|`
//! (`z = −0xd201000000010000`, 63 doublings and 5 additions), the line's
//! computation from the G2 point (a doubling or addition of `T` in
//! projective coordinates over Fp2), its evaluation at the G1 point (four Fp
//! multiplications) and a sparse multiplication into the accumulator `f`;
//! the squaring of `f` is shared by all the pairs of one loop. A Groth16
//! verifying key has three fixed G2 points (`β`, `−γ`, `−δ`): their lines
//! depend on nothing else, so they are computed once per key
//! ([`G2Lines`]), and every later loop only evaluates them. `e(−α, β)`
//! depends on the key alone: its Miller value ([`MillerValue`]) is kept,
//! one Fp12 multiplication per verification instead of a pair.
//!
//! # The loop
//!
//! `blst_precompute_lines` writes the 68 lines of a point `Q` in the order
//! blst's own loops consume them: line 0 the first doubling, then five
//! segments, each one addition line followed by `n` doubling lines, with
//! `n` = 2, 3, 9, 32, 16 (the runs of zero bits of `|z|` after each set
//! bit). [`SEGMENTS`] records where each segment starts. A line is three
//! Fp2 coefficients `(c0, c1, c2)` of the sparse Fp12 element blst calls
//! `xy00z0`; evaluating it at `P` multiplies `c1` by `−2·P.x` and `c2` by
//! `2·P.y` (blst folds the common factor 2 into the line). The loop here
//! runs all pairs together: `f = Π_k l_{k,0}(P_k)`, then per segment
//! `f ·= Π_k l_{k,add}(P_k)` and, `n` times, `f = f²·Π_k l_{k,dbl}(P_k)`;
//! finally `f` is conjugated (`z` is negative). That is exactly
//! `blst_miller_loop_n`'s product (the same lines, the same squarings), so
//! the values are equal, not only after the final exponentiation: the tests
//! compare them bit for bit.

use ark_bls12_381::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use blst::{
    blst_final_exp, blst_fp, blst_fp12, blst_fp12_conjugate, blst_fp12_is_one, blst_fp12_mul,
    blst_fp12_mul_by_xy00z0, blst_fp12_one, blst_fp12_sqr, blst_fp6, blst_fp_add, blst_fp_cneg,
    blst_fp_mul, blst_p1_affine, blst_precompute_lines,
};

use super::backend::{g1_to_blst, g2_to_blst};

/// Lines per G2 point: 63 doublings and 5 additions.
const LINES: usize = 68;

/// Each segment's first line (an addition) and how many doubling lines
/// follow it, in blst's order (the bits of `|z|` after the leading one).
const SEGMENTS: [(usize, usize); 5] = [(1, 2), (4, 3), (8, 9), (18, 32), (51, 16)];

/// The Miller-loop lines of a fixed G2 point, computed once (about 20 KiB).
#[derive(Clone)]
pub struct G2Lines(Option<Box<[blst_fp6; LINES]>>);

impl G2Lines {
    /// The lines of `q`; `None` if `q` is off the curve. The point at
    /// infinity has no lines: its pairings are all 1, and it drops out.
    pub fn new(q: &G2Affine) -> Option<Self> {
        if q.is_zero() {
            return Some(Self(None));
        }
        let q = g2_to_blst(q)?;
        let mut lines = Box::new([blst_fp6::default(); LINES]);
        // SAFETY: `lines` has the 68 entries blst writes; `q` is a point on
        // the curve, initialised by `g2_to_blst`.
        unsafe { blst_precompute_lines(lines.as_mut_ptr(), &q) };
        Some(Self(Some(lines)))
    }
}

/// A Miller-loop value (an Fp12 element before the final exponentiation),
/// to be multiplied into a later loop: for instance `e(−α, β)`'s.
#[derive(Clone, Copy)]
pub struct MillerValue(blst_fp12);

impl MillerValue {
    /// The Miller value of `Π e(p_i, q_i)` for pairs with fixed G2 points;
    /// `None` if a G1 point is off the curve.
    pub fn of(pairs: &[(G1Affine, &G2Lines)]) -> Option<Self> {
        let pairs = blst_pairs(pairs)?;
        Some(Self(miller_loop(&pairs)))
    }
}

/// Whether `Π e(var) · Π e(fixed) · times = 1` after the final
/// exponentiation: the pairs of `var` with their lines computed here, those
/// of `fixed` over precomputed lines, all in one loop (one shared squaring
/// per step). Points must be in their subgroups (checked or trusted by the
/// caller); pairs with a point at infinity contribute 1. `false` if a point
/// is off its curve (impossible for checked points).
pub fn product_is_one(
    var: &[(G1Affine, G2Affine)],
    fixed: &[(G1Affine, &G2Lines)],
    times: &MillerValue,
) -> bool {
    let mut own = Vec::with_capacity(var.len());
    for (p, q) in var {
        let Some(lines) = G2Lines::new(q) else {
            return false;
        };
        own.push((*p, lines));
    }
    let all: Vec<(G1Affine, &G2Lines)> = own
        .iter()
        .map(|(p, l)| (*p, l))
        .chain(fixed.iter().copied())
        .collect();
    let Some(pairs) = blst_pairs(&all) else {
        return false;
    };
    let mut f = miller_loop(&pairs);
    let mut out = blst_fp12::default();
    // SAFETY: valid, initialised Fp12 values and output locations.
    unsafe {
        blst_fp12_mul(&mut out, &f, &times.0);
        f = out;
        blst_final_exp(&mut out, &f);
        blst_fp12_is_one(&out)
    }
}

/// One pair ready for the loop: `(−2·P.x, 2·P.y)` and the lines of `Q`.
type LoopPair<'a> = ((blst_fp, blst_fp), &'a [blst_fp6; LINES]);

/// The pairs with both points finite, in blst's form with `P` pre-doubled
/// (the factor blst's lines expect); `None` if a G1 point is off the curve.
fn blst_pairs<'a>(pairs: &[(G1Affine, &'a G2Lines)]) -> Option<Vec<LoopPair<'a>>> {
    let mut out = Vec::with_capacity(pairs.len());
    for (p, lines) in pairs {
        let Some(lines) = lines.0.as_deref() else {
            continue;
        };
        if p.is_zero() {
            continue;
        }
        let b: blst_p1_affine = g1_to_blst(p)?;
        let (mut x2, mut y2) = (blst_fp::default(), blst_fp::default());
        // SAFETY: initialised field elements and output locations.
        unsafe {
            blst_fp_add(&mut x2, &b.x, &b.x);
            blst_fp_cneg(&mut x2, &x2, true);
            blst_fp_add(&mut y2, &b.y, &b.y);
        }
        out.push(((x2, y2), lines));
    }
    Some(out)
}

/// `f ·= Π_k l_k(P_k)` for line `i` of every pair.
fn mul_lines(f: &mut blst_fp12, pairs: &[LoopPair], i: usize) {
    for ((x2, y2), lines) in pairs {
        let mut line = lines[i];
        let mut out = blst_fp12::default();
        // SAFETY: initialised field elements; blst's functions accept an
        // output equal to an input for Fp, and `out` is distinct for Fp12.
        unsafe {
            for c in &mut line.fp2[1].fp {
                blst_fp_mul(c, c, x2);
            }
            for c in &mut line.fp2[2].fp {
                blst_fp_mul(c, c, y2);
            }
            blst_fp12_mul_by_xy00z0(&mut out, f, &line);
        }
        *f = out;
    }
}

/// The multi-Miller loop of the pairs over their lines (module
/// documentation, "The loop"); 1 for no pairs.
fn miller_loop(pairs: &[LoopPair]) -> blst_fp12 {
    // SAFETY: blst's constant one, a valid Fp12 value.
    let mut f = unsafe { *blst_fp12_one() };
    if pairs.is_empty() {
        return f;
    }
    mul_lines(&mut f, pairs, 0);
    for (start, doublings) in SEGMENTS {
        mul_lines(&mut f, pairs, start);
        for i in start + 1..=start + doublings {
            let mut sq = blst_fp12::default();
            // SAFETY: initialised value and distinct output location.
            unsafe { blst_fp12_sqr(&mut sq, &f) };
            f = sq;
            mul_lines(&mut f, pairs, i);
        }
    }
    // SAFETY: an initialised Fp12 value.
    unsafe { blst_fp12_conjugate(&mut f) };
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bls12_381::{Bls12_381, Fr, G1Projective, G2Projective};
    use ark_ec::{pairing::Pairing, CurveGroup};
    use ark_ff::{One, UniformRand};
    use blst::{blst_fp12_is_equal, blst_miller_loop_n, blst_p2_affine};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(0x11e5)
    }

    fn points(n: usize, rng: &mut ChaCha20Rng) -> (Vec<G1Affine>, Vec<G2Affine>) {
        let p = (0..n)
            .map(|_| G1Projective::rand(rng).into_affine())
            .collect();
        let q = (0..n)
            .map(|_| G2Projective::rand(rng).into_affine())
            .collect();
        (p, q)
    }

    /// blst's own multi-Miller loop of the same pairs.
    fn blst_loop(ps: &[G1Affine], qs: &[G2Affine]) -> blst_fp12 {
        let ps: Vec<blst_p1_affine> = ps.iter().map(|p| g1_to_blst(p).unwrap()).collect();
        let qs: Vec<blst_p2_affine> = qs.iter().map(|q| g2_to_blst(q).unwrap()).collect();
        let pr: Vec<*const blst_p1_affine> = ps.iter().map(|p| p as *const _).collect();
        let qr: Vec<*const blst_p2_affine> = qs.iter().map(|q| q as *const _).collect();
        let mut out = blst_fp12::default();
        // SAFETY: as many valid pointers to initialised points as the count.
        unsafe { blst_miller_loop_n(&mut out, qr.as_ptr(), pr.as_ptr(), ps.len()) };
        out
    }

    #[test]
    fn the_loop_equals_blsts_bit_for_bit() {
        let mut rng = rng();
        for n in [1usize, 2, 3, 5] {
            let (ps, qs) = points(n, &mut rng);
            let lines: Vec<G2Lines> = qs.iter().map(|q| G2Lines::new(q).unwrap()).collect();
            let pairs: Vec<(G1Affine, &G2Lines)> = ps.iter().copied().zip(&lines).collect();
            let ours = MillerValue::of(&pairs).unwrap().0;
            // SAFETY: initialised values.
            assert!(
                unsafe { blst_fp12_is_equal(&ours, &blst_loop(&ps, &qs)) },
                "{n}"
            );
        }
    }

    #[test]
    fn products_match_arkworks_pairings() {
        let mut rng = rng();
        for (n_var, n_fixed) in [(0usize, 1usize), (1, 0), (1, 2), (3, 3)] {
            let len = n_var + n_fixed + 1;
            // The last pair's G1 point makes the whole product 1: with
            // p_i = a_i·g, q_i = b_i·h, the last p is −(Σ a_i b_i)/b_last·g.
            let (g, h) = (G1Affine::generator(), G2Affine::generator());
            let a: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            let b: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            let last = len - 1;
            let s: Fr = (0..last).map(|i| a[i] * b[i]).sum();
            let mut ps: Vec<G1Affine> = a.iter().map(|a| (g * a).into_affine()).collect();
            ps[last] = (g * (-s / b[last])).into_affine();
            let qs: Vec<G2Affine> = b.iter().map(|b| (h * b).into_affine()).collect();
            let lines: Vec<G2Lines> = qs.iter().map(|q| G2Lines::new(q).unwrap()).collect();
            let ark = Bls12_381::multi_pairing(ps.iter().copied(), qs.iter().copied());
            assert!(ark.0.is_one());
            // Split as var | fixed | times (the last pair in `times`).
            let var: Vec<(G1Affine, G2Affine)> = ps[..n_var]
                .iter()
                .copied()
                .zip(qs[..n_var].iter().copied())
                .collect();
            let fixed: Vec<(G1Affine, &G2Lines)> = ps[n_var..last]
                .iter()
                .copied()
                .zip(&lines[n_var..last])
                .collect();
            let times = MillerValue::of(&[(ps[last], &lines[last])]).unwrap();
            assert!(product_is_one(&var, &fixed, &times), "{n_var} {n_fixed}");
            // One point changed: no longer 1, wherever it is.
            let wrong = (g * Fr::from(2u64)).into_affine();
            if n_var > 0 {
                let mut v = var.clone();
                v[0].0 = wrong;
                assert!(!product_is_one(&v, &fixed, &times));
            }
            if n_fixed > 0 {
                let mut f = fixed.clone();
                f[0].0 = wrong;
                assert!(!product_is_one(&var, &f, &times));
            }
            let other = MillerValue::of(&[(wrong, &lines[last])]).unwrap();
            assert!(!product_is_one(&var, &fixed, &other));
        }
    }

    #[test]
    fn points_at_infinity_drop_out() {
        let mut rng = rng();
        let (ps, qs) = points(2, &mut rng);
        let inf = G2Lines::new(&G2Affine::zero()).unwrap();
        let one = MillerValue::of(&[]).unwrap();
        // e(p, q)·e(−p, q) = 1, with pairs at infinity added on both sides.
        let lq = G2Lines::new(&qs[0]).unwrap();
        assert!(product_is_one(
            &[
                (ps[0], qs[0]),
                (G1Affine::zero(), qs[1]),
                (ps[1], G2Affine::zero())
            ],
            &[(-ps[0], &lq), (ps[1], &inf), (G1Affine::zero(), &lq)],
            &one,
        ));
        assert!(!product_is_one(&[(ps[0], qs[0])], &[(ps[1], &lq)], &one));
        assert!(product_is_one(&[], &[], &one));
    }

    #[test]
    fn points_off_the_curves_are_refused() {
        let mut rng = rng();
        let (ps, qs) = points(1, &mut rng);
        let off1 = G1Affine::new_unchecked(ps[0].x, ps[0].x);
        let off2 = G2Affine::new_unchecked(qs[0].x, qs[0].x);
        assert!(G2Lines::new(&off2).is_none());
        let l = G2Lines::new(&qs[0]).unwrap();
        assert!(MillerValue::of(&[(off1, &l)]).is_none());
        let one = MillerValue::of(&[]).unwrap();
        assert!(!product_is_one(&[(off1, qs[0])], &[], &one));
        assert!(!product_is_one(&[(ps[0], off2)], &[], &one));
    }
}
