//! The Wasm MSM's field, curve and Pippenger against arkworks (run
//! natively; the arithmetic is portable Rust, the same code as in Wasm).

use super::curve::{add_pairs, Affine, Jacobian, Scratch};
use super::fp::Fp;
use super::fp2::Field as _;
use super::pippenger::digits;
use super::points::*;
use crate::groth16::tests::{check_stores_against_arkworks, points, reference, scalars};
use ark_bls12_381::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{AdditiveGroup, Field, UniformRand, Zero};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// 0, 1, 2, p-1, p-2, values just under 2^380 and 2^381 (reduced mod p:
/// p is just over 2^380.7), and random ones.
fn fq_values(rng: &mut ChaCha20Rng) -> Vec<Fq> {
    let mut v = vec![Fq::ZERO, Fq::ONE, Fq::from(2u64), -Fq::ONE, -Fq::from(2u64)];
    let mut top = Fq::from(2u64).pow([380]);
    v.push(top - Fq::ONE);
    top.double_in_place();
    v.push(top - Fq::ONE);
    v.push(top);
    v.extend((0..40).map(|_| Fq::rand(rng)));
    v
}

/// Both representatives of x in `[0, 2p)`.
fn both(x: &Fq) -> [Fp; 2] {
    let a = fp_from_ark(x);
    [a, a.plus_p()]
}

#[test]
fn fp_converts_to_and_from_arkworks() {
    let mut rng = ChaCha20Rng::seed_from_u64(20);
    for x in fq_values(&mut rng) {
        let [a, b] = both(&x);
        assert_eq!(fp_to_ark(&a), x);
        assert_eq!(fp_to_ark(&b), x, "the non-canonical form");
        assert_eq!(a.is_zero(), x.is_zero());
        assert_eq!(b.is_zero(), x.is_zero());
    }
    assert_eq!(fp_to_ark(&Fp::ONE), Fq::ONE);
    // Equality past the low limb: alike low limbs, different values.
    let mut limbs = [0u32; 13];
    limbs[0] = 5;
    let a = Fp(limbs);
    limbs[1] = 1;
    assert!(!a.equals(&Fp(limbs)) && !Fp(limbs).equals(&a));
    assert!(a.equals(&a.plus_p()) && a.plus_p().equals(&a));
    assert!(Fp::ZERO.plus_p().is_zero() && !a.is_zero());
    assert_eq!(fp_from_ark(&Fq::ONE), Fp::ONE);
}

#[test]
fn fp_arithmetic_matches_arkworks() {
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    let values = fq_values(&mut rng);
    for x in &values {
        for y in &values {
            for a in both(x) {
                for b in both(y) {
                    let check = |got: Fp, want: Fq, op: &str| {
                        assert_eq!(fp_to_ark(&got), want, "{op} of {x} and {y}");
                        // Every result stays in [0, 2p) with 30-bit limbs.
                        assert!(got.0.iter().all(|&l| l < 1 << 30), "{op}: limbs");
                        assert_eq!(fp_to_ark(&got.plus_p().canonical()), want, "{op}: under 2p");
                    };
                    check(a.mul(&b), *x * y, "mul");
                    check(a.add(&b), *x + y, "add");
                    check(a.sub(&b), *x - y, "sub");
                    assert_eq!(a.equals(&b), x == y, "{x} == {y}");
                }
            }
        }
        for a in both(x) {
            assert_eq!(fp_to_ark(&a.square()), x.square(), "square of {x}");
            assert_eq!(fp_to_ark(&a.neg()), -*x, "neg of {x}");
            assert_eq!(fp_to_ark(&a.double()), x.double(), "double of {x}");
            let want = x.inverse().unwrap_or(Fq::ZERO);
            assert_eq!(fp_to_ark(&a.invert()), want, "inverse of {x}");
        }
    }
}

#[test]
fn fp2_arithmetic_matches_arkworks() {
    let mut rng = ChaCha20Rng::seed_from_u64(22);
    let base = fq_values(&mut rng);
    let values: Vec<Fq2> = base
        .iter()
        .zip(base.iter().rev())
        .map(|(a, b)| Fq2::new(*a, *b))
        .chain([Fq2::ZERO, Fq2::ONE, Fq2::new(Fq::ZERO, Fq::ONE)])
        .collect();
    for x in &values {
        let a = fp2_from_ark(x);
        assert_eq!(fp2_to_ark(&a), *x);
        for y in &values {
            let b = fp2_from_ark(y);
            assert_eq!(fp2_to_ark(&a.mul(&b)), *x * y, "mul");
            assert_eq!(
                fp2_to_ark(&crate::groth16::msm::wasm::fp2::Field::add(&a, &b)),
                *x + y
            );
            assert_eq!(
                fp2_to_ark(&crate::groth16::msm::wasm::fp2::Field::sub(&a, &b)),
                *x - y
            );
            assert_eq!(a.equals(&b), x == y);
        }
        assert_eq!(fp2_to_ark(&a.square()), x.square(), "square");
        assert_eq!(
            fp2_to_ark(&a.invert()),
            x.inverse().unwrap_or(Fq2::ZERO),
            "inverse"
        );
        assert_eq!(
            crate::groth16::msm::wasm::fp2::Field::is_zero(&a),
            x.is_zero()
        );
    }
}

fn random_g1(rng: &mut ChaCha20Rng) -> G1Affine {
    G1Projective::rand(rng).into_affine()
}

fn random_g2(rng: &mut ChaCha20Rng) -> G2Affine {
    G2Projective::rand(rng).into_affine()
}

#[test]
fn point_formulas_match_arkworks_on_every_case() {
    let mut rng = ChaCha20Rng::seed_from_u64(23);
    let p = random_g1(&mut rng);
    let q = random_g1(&mut rng);
    let inf = G1Affine::zero();
    let cases = [(p, q), (p, p), (p, -p), (p, inf), (inf, p), (inf, inf)];
    for (a, b) in cases {
        let want = a.into_group() + b;
        let (ja, ab) = (
            Jacobian::INFINITY.add_affine(&g1_from_ark(&a)),
            g1_from_ark(&b),
        );
        assert_eq!(g1_to_ark(&ja.add_affine(&ab)), want, "madd {a} + {b}");
        let jb = Jacobian::INFINITY.add_affine(&ab);
        assert_eq!(g1_to_ark(&ja.add(&jb)), want, "add {a} + {b}");
        // A Jacobian point with Z ≠ 1 (doubled, then added to).
        let j2 = ja.double();
        assert_eq!(
            g1_to_ark(&j2.add(&jb.double())),
            (a.into_group() + b).double()
        );
        assert_eq!(g1_to_ark(&j2.add_affine(&ab)), a.into_group().double() + b);
        let mut out = [Affine::INFINITY];
        add_pairs(&[g1_from_ark(&a)], &[ab], &mut out, &mut Scratch::default());
        let got = Jacobian::INFINITY.add_affine(&out[0]);
        assert_eq!(g1_to_ark(&got), want, "batch affine {a} + {b}");
    }
    // A batch mixing all the cases shares one inversion.
    let lhs: Vec<_> = cases.iter().map(|(a, _)| g1_from_ark(a)).collect();
    let rhs: Vec<_> = cases.iter().map(|(_, b)| g1_from_ark(b)).collect();
    let mut out = vec![Affine::INFINITY; cases.len()];
    add_pairs(&lhs, &rhs, &mut out, &mut Scratch::default());
    for ((a, b), got) in cases.iter().zip(&out) {
        let got = g1_to_ark(&Jacobian::INFINITY.add_affine(got));
        assert_eq!(got, a.into_group() + b);
    }
    // G2 likewise.
    let p = random_g2(&mut rng);
    let q = random_g2(&mut rng);
    for (a, b) in [(p, q), (p, p), (p, -p), (p, G2Affine::zero())] {
        let want = a.into_group() + b;
        let mut out = [Affine::INFINITY];
        add_pairs(
            &[g2_from_ark(&a)],
            &[g2_from_ark(&b)],
            &mut out,
            &mut Scratch::default(),
        );
        assert_eq!(g2_to_ark(&Jacobian::INFINITY.add_affine(&out[0])), want);
        let ja = Jacobian::INFINITY.add_affine(&g2_from_ark(&a)).double();
        assert_eq!(
            g2_to_ark(&ja.add_affine(&g2_from_ark(&b))),
            a.into_group().double() + b
        );
    }
}

#[test]
fn signed_digits_rebuild_the_scalar() {
    let mut rng = ChaCha20Rng::seed_from_u64(24);
    let mut scalars = vec![0, 1, 2, u128::MAX, u128::MAX >> 1, 1 << 127, (1 << 127) - 1];
    scalars.extend((0..20).map(|_| u128::rand(&mut rng)));
    for c in 2..=16 {
        let windows = 128 / c + 1;
        let d = digits(&scalars, c, windows);
        let n = scalars.len();
        for (i, &s) in scalars.iter().enumerate() {
            let mut back: i128 = 0;
            for w in (0..windows).rev() {
                let digit = d[w * n + i];
                assert!(digit.unsigned_abs() <= 1 << (c - 1), "c = {c}");
                back = back.wrapping_shl(c as u32).wrapping_add(i128::from(digit));
            }
            assert_eq!(back as u128, s, "c = {c}");
        }
    }
}

#[test]
fn wasm_msms_match_arkworks_on_one_thread_and_a_pool() {
    check_stores_against_arkworks::<WasmG1, WasmG2>(
        25,
        &[0, 1, 2, 3, 4, 15, 16, 17, 63, 64, 65, 700],
    );
}

/// Every window width on one input: digit carries across window
/// boundaries, a top window that holds only a carry, many points per
/// bucket (2, 1 and -1 are frequent scalars).
#[test]
fn wasm_msm_is_exact_for_every_window_width() {
    let mut rng = ChaCha20Rng::seed_from_u64(26);
    let s = scalars(&mut rng, 150);
    let g1 = points::<G1Projective>(&mut rng, 150);
    let want = reference::<G1Projective>(&g1, &s);
    let p = G1Points::new(&g1);
    for c in 2..=16 {
        assert_eq!(p.msm_window_for_tests(&s, c), want, "c = {c}");
    }
    let g2 = points::<G2Projective>(&mut rng, 60);
    let want2 = reference::<G2Projective>(&g2, &s[..60]);
    let p2 = G2Points::new(&g2);
    for c in 2..=12 {
        assert_eq!(p2.msm_window_for_tests(&s[..60], c), want2, "G2, c = {c}");
    }
    // Repeated identical (point, scalar) pairs: one bucket with many equal
    // points, so the batch adds P + P, then 2P + 2P, …
    let q = random_g1(&mut rng);
    let many = vec![q; 100];
    let k = vec![Fr::from(3u64); 100];
    assert_eq!(
        G1Points::new(&many).msm(&k),
        q.into_group() * Fr::from(300u64)
    );
    // P and -P with one scalar: their bucket sums to infinity.
    let pair = [q, -q, q, -q, q];
    let k = vec![Fr::from(5u64); 5];
    assert_eq!(
        G1Points::new(&pair).msm(&k),
        q.into_group() * Fr::from(5u64)
    );
    let g2: Vec<G2Affine> = vec![random_g2(&mut rng); 2];
    let g2 = [g2[0], -g2[1]];
    assert_eq!(
        G2Points::new(&g2).msm(&[Fr::ONE, Fr::ONE]),
        G2Projective::zero()
    );
}

#[test]
fn wasm_msms_handle_infinity_zero_scalars_and_lengths() {
    let mut rng = ChaCha20Rng::seed_from_u64(27);
    let g1 = points::<G1Projective>(&mut rng, 50);
    let s = scalars(&mut rng, 40);
    let p = G1Points::new(&g1);
    // The shorter of points and scalars, either way.
    assert_eq!(p.msm(&s), reference::<G1Projective>(&g1[..40], &s));
    let long = scalars(&mut rng, 60);
    assert_eq!(p.msm(&long), reference::<G1Projective>(&g1, &long[..50]));
    assert_eq!(p.msm(&[]), G1Projective::zero());
    assert_eq!(p.msm(&vec![Fr::ZERO; 50]), G1Projective::zero());
    // Only points at infinity: none kept.
    let inf = vec![G1Affine::zero(); 10];
    let pi = G1Points::new(&inf);
    assert!(pi.is_empty());
    assert_eq!(pi.msm(&scalars(&mut rng, 10)), G1Projective::zero());
    assert!(G2Points::new(&[]).msm(&[Fr::ONE]).is_zero());
    // The generator times r-1 is its negation.
    let g = G1Affine::generator();
    assert_eq!(G1Points::new(&[g]).msm(&[-Fr::ONE]), -g.into_group());
    assert_eq!(
        G2Points::new(&[G2Affine::generator()]).msm(&[-Fr::ONE]),
        -G2Projective::generator()
    );
}

#[test]
fn joined_wasm_msms_match_separate_ones() {
    let mut rng = ChaCha20Rng::seed_from_u64(28);
    let (ga, gb) = (
        points::<G1Projective>(&mut rng, 90),
        points::<G1Projective>(&mut rng, 70),
    );
    let (sa, sb) = (scalars(&mut rng, 90), scalars(&mut rng, 60));
    let joined = G1Points::joined(&[&ga, &gb]);
    let want = reference::<G1Projective>(&ga, &sa) + reference::<G1Projective>(&gb, &sb);
    assert_eq!(joined.msm_joined(&[&sa, &sb]), want);
    // A missing part counts as zero scalars.
    assert_eq!(
        joined.msm_joined(&[&sa]),
        reference::<G1Projective>(&ga, &sa)
    );
    let (ha, hb) = (
        points::<G2Projective>(&mut rng, 30),
        points::<G2Projective>(&mut rng, 20),
    );
    let j2 = G2Points::joined(&[&ha, &hb]);
    let want =
        reference::<G2Projective>(&ha, &sa[..30]) + reference::<G2Projective>(&hb, &sb[..20]);
    assert_eq!(j2.msm_joined(&[&sa[..30], &sb[..20]]), want);
}

/// A proof's shape: thousands of points, most scalars 0 or 1 (boolean
/// witness values: one crowded bucket), the rest full width, on a pool.
#[test]
fn wasm_msm_matches_arkworks_on_a_witness_like_input() {
    let mut rng = ChaCha20Rng::seed_from_u64(29);
    let n = 3000;
    let g1 = points::<G1Projective>(&mut rng, n);
    let s: Vec<Fr> = (0..n)
        .map(|i| match i % 4 {
            0 => Fr::ZERO,
            1 | 2 => Fr::ONE,
            _ => Fr::rand(&mut rng),
        })
        .collect();
    let want = reference::<G1Projective>(&g1, &s);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let p = G1Points::new(&g1);
    assert_eq!(pool.install(|| p.msm(&s)), want);
    assert_eq!(p.msm(&s), want);
}
