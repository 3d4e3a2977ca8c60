//! The MSM backends against arkworks' MSM, and the point conversions
//! against both libraries' serializations.

use ark_bls12_381::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, Field, UniformRand, Zero};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::msm::ark_backend;
use super::msm::store::{Backend, Points};

/// Sizes that exercise the edge cases: none, one, blst's small-input path
/// (< 32), chunk boundaries, and sizes that are not powers of two.
const SIZES: [usize; 9] = [0, 1, 2, 7, 31, 33, 255, 257, 1000];

/// Scalars of every class: 0, ±1, 2, small, −small, 2^127 and 2^254
/// (plus small), u128::MAX, random full width.
pub(crate) fn scalars(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
    let high = Fr::from(2u64).pow([254]);
    let mid = Fr::from(2u64).pow([127]);
    (0..n)
        .map(|i| match i % 10 {
            0 => Fr::ZERO,
            1 => Fr::ONE,
            2 => -Fr::ONE,
            3 => Fr::from(u64::rand(rng) >> (i % 60)),
            4 => -Fr::from(u64::rand(rng)),
            5 => Fr::from(2u64),
            6 => high + Fr::from(u64::rand(rng)),
            7 => Fr::from(u128::MAX),
            8 => mid,
            _ => Fr::rand(rng),
        })
        .collect()
}

/// Points with some at infinity, some repeated and some negated (so that
/// buckets see P + P and P + (-P)).
pub(crate) fn points<G: CurveGroup>(rng: &mut ChaCha20Rng, n: usize) -> Vec<G::Affine> {
    let mut v: Vec<G> = Vec::with_capacity(n);
    for i in 0..n {
        v.push(match i % 13 {
            5 => G::zero(),
            7 if i > 0 => v[i - 1],
            9 if i > 1 => -v[i - 2],
            _ => G::rand(rng),
        });
    }
    G::normalize_batch(&v)
}

/// Pools of one thread (whole MSMs) and of three (cut in jobs).
pub(crate) fn pools() -> [rayon::ThreadPool; 2] {
    [1, 3].map(|n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    })
}

/// One backend's G1 and G2 point stores against arkworks' MSM on random
/// inputs of each of `sizes` (scalars of every class, points repeated,
/// negated, at infinity), on a pool of one thread and of three.
pub(crate) fn check_stores_against_arkworks<B1, B2>(seed: u64, sizes: &[usize])
where
    B1: Backend<ArkAffine = G1Affine, ArkProj = G1Projective>,
    B2: Backend<ArkAffine = G2Affine, ArkProj = G2Projective>,
{
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let pools = pools();
    for &n in sizes {
        let s = scalars(&mut rng, n);
        let g1 = points::<G1Projective>(&mut rng, n);
        let g2 = points::<G2Projective>(&mut rng, n);
        let want1 = reference::<G1Projective>(&g1, &s);
        let want2 = reference::<G2Projective>(&g2, &s);
        let (p1, p2) = (Points::<B1>::new(&g1), Points::<B2>::new(&g2));
        for pool in &pools {
            let t = pool.current_num_threads();
            assert_eq!(
                pool.install(|| p1.msm(&s)),
                want1,
                "G1, {n} points, {t} threads"
            );
            assert_eq!(
                pool.install(|| p2.msm(&s)),
                want2,
                "G2, {n} points, {t} threads"
            );
        }
    }
}

pub(crate) fn reference<G: CurveGroup + VariableBaseMSM<MulBase = G::Affine>>(
    bases: &[G::Affine],
    scalars: &[G::ScalarField],
) -> G {
    bases
        .iter()
        .zip(scalars)
        .map(|(b, s)| b.into_group() * s)
        .sum()
}

#[test]
fn the_chunked_arkworks_msm_matches_scalar_multiplication() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for n in SIZES {
        let s = scalars(&mut rng, n);
        let g1 = points::<G1Projective>(&mut rng, n);
        assert_eq!(
            ark_backend::msm::<G1Projective>(&g1, &s),
            reference::<G1Projective>(&g1, &s),
            "G1, {n}"
        );
        let g2 = points::<G2Projective>(&mut rng, n);
        assert_eq!(
            ark_backend::msm::<G2Projective>(&g2, &s),
            reference::<G2Projective>(&g2, &s),
            "G2, {n}"
        );
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod blst {
    use super::*;
    use crate::groth16::msm::blst_backend::{
        g1_from_ark, g1_to_ark, g2_from_ark, g2_to_ark, BlstG1, BlstG2, G1Points, G2Points,
    };
    use ark_serialize::CanonicalSerialize;

    fn uncompressed(p: &impl CanonicalSerialize) -> Vec<u8> {
        let mut v = Vec::new();
        p.serialize_uncompressed(&mut v).unwrap();
        v
    }

    /// On one thread (whole Pippenger runs) and on three (one job per
    /// window, recombined).
    #[test]
    fn blst_msms_match_arkworks_on_random_inputs() {
        check_stores_against_arkworks::<BlstG1, BlstG2>(2, &SIZES);
    }

    #[test]
    fn blst_msms_use_the_shorter_of_points_and_scalars() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let s = scalars(&mut rng, 40);
        let g1 = points::<G1Projective>(&mut rng, 50);
        let points = G1Points::new(&g1);
        assert_eq!(points.msm(&s), reference::<G1Projective>(&g1[..40], &s));
        assert_eq!(points.msm(&[]), G1Projective::zero());
        // Only full-width random scalars (the H query's case), and many on
        // one thread and on a pool of three.
        let s: Vec<Fr> = (0..50).map(|_| Fr::rand(&mut rng)).collect();
        let want = reference::<G1Projective>(&g1, &s);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| points.msm(&s)), want);
    }

    /// Scalars of few bits (blst then reads fewer bytes and windows), mostly
    /// zero ones (the live points are gathered first), all zero, and all
    /// points at infinity: each against arkworks' MSM, on one thread and on
    /// a pool.
    #[test]
    fn blst_msms_match_arkworks_on_narrow_sparse_and_empty_inputs() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let pools = pools();
        for n in [1, 2, 40, 300, 1000] {
            let g1 = points::<G1Projective>(&mut rng, n);
            let g2 = points::<G2Projective>(&mut rng, n);
            let (p1, p2) = (G1Points::new(&g1), G2Points::new(&g2));
            let cases: [(&str, Vec<Fr>); 5] = [
                ("bits", (0..n).map(|i| Fr::from((i % 2) as u64)).collect()),
                (
                    "13-bit",
                    (0..n)
                        .map(|_| Fr::from(u64::rand(&mut rng) >> 51))
                        .collect(),
                ),
                (
                    "sparse",
                    (0..n)
                        .map(|i| {
                            if i % 5 == 1 {
                                Fr::rand(&mut rng)
                            } else {
                                Fr::ZERO
                            }
                        })
                        .collect(),
                ),
                (
                    "sparse ones",
                    (0..n)
                        .map(|i| if i % 9 == 0 { -Fr::ONE } else { Fr::ZERO })
                        .collect(),
                ),
                ("zero", vec![Fr::ZERO; n]),
            ];
            for (what, s) in cases {
                let want1 = G1Projective::msm(&g1, &s).unwrap();
                let want2 = G2Projective::msm(&g2, &s).unwrap();
                for pool in &pools {
                    let t = pool.current_num_threads();
                    assert_eq!(pool.install(|| p1.msm(&s)), want1, "G1 {what} {n} {t}");
                    assert_eq!(pool.install(|| p2.msm(&s)), want2, "G2 {what} {n} {t}");
                }
            }
        }
        // Only points at infinity: nothing is kept, every sum is zero.
        let inf = vec![G1Affine::identity(); 20];
        let p = G1Points::new(&inf);
        assert!(p.is_empty());
        assert_eq!(p.msm(&scalars(&mut rng, 20)), G1Projective::zero());
        let inf2 = vec![G2Affine::identity(); 20];
        assert_eq!(
            G2Points::new(&inf2).msm(&scalars(&mut rng, 20)),
            G2Projective::zero()
        );
    }

    /// Points joined from several queries (the H and L queries of a
    /// proof) multiply each part by its own scalars, each part over the
    /// shorter of its points and scalars.
    #[test]
    fn joined_blst_msms_equal_the_sum_of_the_parts() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let pools = pools();
        let (g_h, g_l) = (
            points::<G1Projective>(&mut rng, 600),
            points::<G1Projective>(&mut rng, 333),
        );
        let joined = G1Points::joined(&[&g_h, &g_l]);
        let (h, w): (Vec<Fr>, Vec<Fr>) = (
            (0..600).map(|_| Fr::rand(&mut rng)).collect(),
            scalars(&mut rng, 333),
        );
        let want = reference::<G1Projective>(&g_h, &h) + reference::<G1Projective>(&g_l, &w);
        for pool in &pools {
            let t = pool.current_num_threads();
            assert_eq!(pool.install(|| joined.msm_joined(&[&h, &w])), want, "{t}");
            // Fewer scalars than points: the rest count as zero.
            assert_eq!(
                pool.install(|| joined.msm_joined(&[&h[..10], &w])),
                reference::<G1Projective>(&g_h[..10], &h[..10])
                    + reference::<G1Projective>(&g_l, &w),
                "{t}"
            );
            // A missing part counts as zero.
            assert_eq!(
                pool.install(|| joined.msm_joined(&[&h])),
                reference::<G1Projective>(&g_h, &h),
                "{t}"
            );
        }
        let g2_a = points::<G2Projective>(&mut rng, 100);
        let g2_b = points::<G2Projective>(&mut rng, 70);
        let j2 = G2Points::joined(&[&g2_a, &g2_b]);
        let (sa, sb) = (scalars(&mut rng, 100), scalars(&mut rng, 70));
        assert_eq!(
            j2.msm_joined(&[&sa, &sb]),
            reference::<G2Projective>(&g2_a, &sa) + reference::<G2Projective>(&g2_b, &sb)
        );
    }

    /// z² as a scalar (z² = |z|², the endomorphisms' eigenvalue).
    fn z2() -> Fr {
        let z = Fr::from(crate::groth16::msm::blst_backend::Z_ABS);
        z * z
    }

    /// Edge scalars: 0, 1, r - 1, parts that are zero (z², z² - 1), parts at
    /// their largest (z² - 1 + (z² - 1)·z² is past r: r - 1 is the largest).
    fn edge_scalars() -> Vec<Fr> {
        let z2 = z2();
        vec![
            Fr::ZERO,
            Fr::ONE,
            -Fr::ONE,
            z2,
            z2 - Fr::ONE,
            z2 + Fr::ONE,
            z2 * Fr::from(7u64),
            z2 * z2,
            -z2,
            Fr::from(2u64).pow([128]),
            Fr::from(2u64).pow([254]),
        ]
    }

    /// The default mode's batched affine windows ([`Accumulation::BatchAffine`]
    /// on [`G1Points`], [`G2Points`]) against arkworks: every length 0..300
    /// with scalars of every class, the edge scalars, a witness-like input
    /// (most scalars 0 and 1), 3000 and 4500 equal points with equal scalars (one
    /// crowded bucket a window), `P` and `-P`, all on pools of 1 and 3.
    ///
    /// Both batched accumulations: in input order (`BatchAffine`) and
    /// sorted by bucket with pairwise rounds (`Sorted`).
    #[test]
    fn batch_affine_blst_msms_match_arkworks() {
        use crate::groth16::msm::tables::Accumulation::{BatchAffine, Sorted};
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let pools = pools();
        let check = |g1: &[G1Affine], g2: &[G2Affine], s: &[Fr], what: &str| {
            let (p1, p2) = (G1Points::new(g1), G2Points::new(g2));
            let (want1, want2) = (
                reference::<G1Projective>(g1, s),
                reference::<G2Projective>(g2, s),
            );
            for pool in &pools {
                let t = pool.current_num_threads();
                for how in [BatchAffine, Sorted] {
                    let got1 = pool.install(|| p1.msm_joined_with(&[s], how));
                    assert_eq!(got1, want1, "G1 {what}, {how:?}, {t} threads");
                    let got2 = pool.install(|| p2.msm_joined_with(&[s], how));
                    assert_eq!(got2, want2, "G2 {what}, {how:?}, {t} threads");
                }
            }
        };
        let g1 = points::<G1Projective>(&mut rng, 300);
        let g2 = points::<G2Projective>(&mut rng, 300);
        for n in (0..=300).step_by(13).chain([1, 2, 3, 299, 300]) {
            let s = scalars(&mut rng, n);
            check(&g1[..n], &g2[..n], &s, &format!("{n} points"));
        }
        let edges = edge_scalars();
        let s: Vec<Fr> = (0..300).map(|i| edges[i % edges.len()]).collect();
        check(&g1, &g2, &s, "edge scalars");
        let s: Vec<Fr> = (0..300)
            .map(|i| match i % 5 {
                0 => Fr::ZERO,
                1..=3 => Fr::ONE,
                _ => Fr::rand(&mut rng),
            })
            .collect();
        check(&g1, &g2, &s, "witness-like");
        let (q1, q2) = (g1[0], g2[0]);
        let k = Fr::rand(&mut rng);
        check(&[q1; 3000], &[q2; 3000], &[k; 3000], "3000 equal");
        // Past a sorted group's points (4,096 G1, 2,048 G2) in one bucket.
        check(&[q1; 4500], &[q2; 4500], &[k; 4500], "4500 equal");
        check(&[q1, -q1, q1], &[q2, -q2, q2], &[k, k, k], "P, -P, P");
        check(&[q1, -q1], &[q2, -q2], &[k, k], "P, -P");
    }

    #[test]
    fn scalar_splits_recombine_with_parts_under_z2() {
        use crate::groth16::msm::blst_backend::split;
        use ark_ff::PrimeField;
        let z2 = z2();
        let z2_int: u128 = u128::from(crate::groth16::msm::blst_backend::Z_ABS).pow(2);
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let mut all = edge_scalars();
        all.extend(scalars(&mut rng, 2000));
        for k in all {
            let [k1, k2] = split(&k.into_bigint());
            assert!(k1 < z2_int, "{k}: k1 = {k1}");
            assert_eq!(Fr::from(k1) + Fr::from(k2) * z2, k, "{k}");
        }
        assert_eq!(split(&z2.into_bigint()), [0, 1]);
        assert_eq!(split(&(z2 - Fr::ONE).into_bigint()), [z2_int - 1, 0]);
        assert_eq!(split(&Fr::ZERO.into_bigint()), [0, 0]);
    }

    #[test]
    fn endomorphism_images_are_multiples_by_z2() {
        use crate::groth16::msm::blst_backend::{g1_times_z2, g2_times_z2};
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let z2 = z2();
        for p in points::<G1Projective>(&mut rng, 12) {
            assert_eq!(g1_times_z2(&p), (p * z2).into_affine());
        }
        for p in points::<G2Projective>(&mut rng, 12) {
            assert_eq!(g2_times_z2(&p), (p * z2).into_affine());
        }
        // A wrong sign or cube root would fail on the generators too.
        let g1 = G1Affine::generator();
        assert_ne!(g1_times_z2(&g1), (g1 * -z2).into_affine());
        let g2 = G2Affine::generator();
        assert_ne!(g2_times_z2(&g2), (g2 * -z2).into_affine());
    }

    /// The split's edge cases through whole MSMs (parts that are zero, the
    /// largest scalar, points at infinity), on one thread and on a pool.
    #[test]
    fn blst_msms_match_arkworks_on_edge_scalars() {
        let mut rng = ChaCha20Rng::seed_from_u64(10);
        let pools = pools();
        let edges = edge_scalars();
        for n in [edges.len(), 100, 700] {
            let s: Vec<Fr> = (0..n).map(|i| edges[i % edges.len()]).collect();
            let g1 = points::<G1Projective>(&mut rng, n);
            let g2 = points::<G2Projective>(&mut rng, n);
            let (p1, p2) = (G1Points::new(&g1), G2Points::new(&g2));
            let want1 = G1Projective::msm(&g1, &s).unwrap();
            let want2 = G2Projective::msm(&g2, &s).unwrap();
            for pool in &pools {
                let t = pool.current_num_threads();
                assert_eq!(pool.install(|| p1.msm(&s)), want1, "G1 {n} {t}");
                assert_eq!(pool.install(|| p2.msm(&s)), want2, "G2 {n} {t}");
            }
            // One edge scalar alone, the rest zero (the gathered path).
            for (i, e) in edges.iter().enumerate() {
                let mut one = vec![Fr::ZERO; n];
                one[i] = *e;
                assert_eq!(p1.msm(&one), g1[i] * e, "G1 alone {i}");
                assert_eq!(p2.msm(&one), g2[i] * e, "G2 alone {i}");
            }
        }
    }

    #[test]
    fn point_conversions_agree_with_both_libraries_serializations() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        for p in points::<G1Projective>(&mut rng, 12) {
            let b = g1_from_ark(&p);
            let mut bytes = [0u8; 96];
            // SAFETY: a valid point and a 96-byte buffer.
            unsafe { ::blst::blst_p1_affine_serialize(bytes.as_mut_ptr(), &b) };
            assert_eq!(bytes.to_vec(), uncompressed(&p));
            // Back, through blst's Jacobian form.
            let mut j = ::blst::blst_p1::default();
            unsafe { ::blst::blst_p1_from_affine(&mut j, &b) };
            assert_eq!(g1_to_ark(&j).into_affine(), p);
        }
        for p in points::<G2Projective>(&mut rng, 12) {
            let b = g2_from_ark(&p);
            let mut bytes = [0u8; 192];
            // SAFETY: a valid point and a 192-byte buffer.
            unsafe { ::blst::blst_p2_affine_serialize(bytes.as_mut_ptr(), &b) };
            assert_eq!(bytes.to_vec(), uncompressed(&p));
            let mut j = ::blst::blst_p2::default();
            unsafe { ::blst::blst_p2_from_affine(&mut j, &b) };
            assert_eq!(g2_to_ark(&j).into_affine(), p);
        }
        // A non-normalized Jacobian point (Z ≠ 1) converts to the same point.
        let g = G1Projective::generator();
        let mut j = ::blst::blst_p1::default();
        let b = g1_from_ark(&g.into_affine());
        unsafe {
            ::blst::blst_p1_from_affine(&mut j, &b);
            ::blst::blst_p1_double(&mut j, &j);
        }
        assert_eq!(g1_to_ark(&j), g.double());
        let _ = G1Affine::identity();
        let _ = G2Affine::identity();
    }
}

/// With the same `r` and `s`, our prover and arkworks' make the very same
/// proof: same reduction, same matrices, same MSM results.
#[test]
fn proofs_equal_arkworks_proofs_for_the_same_randomness() {
    use ark_bls12_381::Bls12_381;
    use ark_groth16::Groth16;
    use superzk_circuits::{
        note::{AssetId, Note},
        output::{OutputCircuitFor, OutputWitness},
    };
    use superzk_keys::params::{generate_insecure, CircuitKind};

    let params = generate_insecure(CircuitKind::Output, b"groth16 unit test");
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let w = OutputWitness {
        note: Note {
            asset: AssetId::native(),
            value: 3,
            owner: Fr::rand(&mut rng),
            rho: Fr::rand(&mut rng),
            rcm: Fr::rand(&mut rng),
        },
        rcv: ark_ed_on_bls12_381::Fr::rand(&mut rng),
    };
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let key = super::key::prepared(&params).unwrap();
    let z = key
        .shape
        .assignment(OutputCircuitFor::new(w.clone()))
        .unwrap();
    let ours = super::prove_with(
        &key,
        &params.proving_key,
        &z,
        r,
        s,
        &mut super::Phases::default(),
    )
    .unwrap();
    let theirs = Groth16::<Bls12_381>::create_proof_with_reduction(
        OutputCircuitFor::new(w),
        &params.proving_key,
        r,
        s,
    )
    .unwrap();
    assert_eq!(ours, theirs);
}

/// The table mode's MSMs ([`super::msm::tables`]) and proofs.
mod tables {
    use super::*;
    use crate::groth16::msm::tables::{best_window, Accumulation, G1Tables, G2Tables, WINDOWS};
    use ark_ff::PrimeField;

    /// Every bucket accumulation: the tile, the batched affine one in
    /// input order, and the sorted pairwise rounds.
    const BOTH: [Accumulation; 3] = [
        Accumulation::Tile,
        Accumulation::BatchAffine,
        Accumulation::Sorted,
    ];

    /// Scalars at the digits' edges for window `c`: 0, 1, r - 1, high bits
    /// (2^254, 2^255 mod r), every digit at the Booth boundary 2^(c-1)
    /// (each borrows from the next), every digit all ones, and a digit
    /// set just below and above a window boundary.
    fn edge_scalars(c: usize) -> Vec<Fr> {
        let pattern = |digit: u64| {
            let mut bytes = [0u8; 40];
            for j in 0..256 / c {
                let bit = c * j;
                let v = u128::from(digit) << (bit % 8);
                for (b, x) in v.to_le_bytes().iter().enumerate() {
                    if bit / 8 + b < bytes.len() {
                        bytes[bit / 8 + b] |= x;
                    }
                }
            }
            Fr::from_le_bytes_mod_order(&bytes)
        };
        let two = Fr::from(2u64);
        vec![
            Fr::ZERO,
            Fr::ONE,
            -Fr::ONE,
            -two,
            two.pow([254]),
            two.pow([255]),
            two.pow([c as u64 - 1]),
            two.pow([c as u64]) - Fr::ONE,
            two.pow([c as u64]),
            two.pow([2 * c as u64 - 1]) + two.pow([c as u64 - 1]),
            pattern(1 << (c - 1)),
            pattern((1 << c) - 1),
            pattern((1 << (c - 1)) - 1),
            pattern(1),
            Fr::from_bigint(Fr::MODULUS_MINUS_ONE_DIV_TWO).unwrap(),
        ]
    }

    fn check(c: u8, g1: &[G1Affine], g2: &[G2Affine], s: &[Fr], what: &str) {
        let (t1, t2) = (
            G1Tables::joined(&[g1], Some(c)),
            G2Tables::joined(&[g2], Some(c)),
        );
        let want1 =
            G1Projective::msm(&g1[..s.len().min(g1.len())], &s[..s.len().min(g1.len())]).unwrap();
        let want2 =
            G2Projective::msm(&g2[..s.len().min(g2.len())], &s[..s.len().min(g2.len())]).unwrap();
        for pool in &pools() {
            let t = pool.current_num_threads();
            for how in BOTH {
                let (m1, m2) =
                    pool.install(|| (t1.msm_joined_with(&[s], how), t2.msm_joined_with(&[s], how)));
                assert_eq!(m1, want1, "G1 {what} c={c} {t} {how:?}");
                assert_eq!(m2, want2, "G2 {what} c={c} {t} {how:?}");
            }
        }
    }

    /// Inputs where many additions meet in one bucket, so the batched
    /// affine accumulation defers (and, past its queue, sends entries to
    /// its projective side buckets), doubles (`P + P`) and cancels
    /// (`P + (-P)`): thousands of equal points with equal scalars, a point
    /// and its negation, scalars ±1 and ±2^c, mixed with random ones.
    #[test]
    fn table_msms_match_arkworks_when_additions_conflict() {
        let mut rng = ChaCha20Rng::seed_from_u64(25);
        let c = 12;
        let two_c = Fr::from(1u64 << c);
        let (p1, p2) = (
            G1Projective::rand(&mut rng).into_affine(),
            G2Projective::rand(&mut rng).into_affine(),
        );
        // One point, one scalar, many times: every entry in bucket 0 (P + P
        // first, then 2P + P, ...), most of them past the queue.
        check(c, &[p1; 3000], &[p2; 3000], &[Fr::ONE; 3000], "equal");
        // The same with digits in two windows and of both signs.
        check(c, &[p1; 3000], &[p2; 3000], &[-two_c; 3000], "equal -2^c");
        // P and -P alternating with the same scalar: each pair cancels in
        // its bucket, which then fills again.
        let alt1: Vec<G1Affine> = (0..1001)
            .map(|i| if i % 2 == 0 { p1 } else { -p1 })
            .collect();
        let alt2: Vec<G2Affine> = (0..1001)
            .map(|i| if i % 2 == 0 { p2 } else { -p2 })
            .collect();
        let k = Fr::rand(&mut rng);
        check(c, &alt1, &alt2, &vec![k; 1001], "P, -P");
        // The same point with k and -k, 1 and -1, and 2 (a doubling of the
        // bucket's own point when the two land in the same bucket).
        let mixed: Vec<Fr> = (0..2000)
            .map(|i| match i % 5 {
                0 => Fr::ONE,
                1 => -Fr::ONE,
                2 => k,
                3 => -k,
                _ => Fr::from(2u64),
            })
            .collect();
        check(c, &[p1; 2000], &[p2; 2000], &mixed, "±1, ±k, 2");
        // Random points, scalars mostly 0 and 1 (a witness's bits) with a
        // few random ones.
        let g1 = points::<G1Projective>(&mut rng, 2500);
        let g2 = points::<G2Projective>(&mut rng, 2500);
        let bits: Vec<Fr> = (0..2500)
            .map(|i| match i % 7 {
                0 => Fr::rand(&mut rng),
                1 | 2 => Fr::ZERO,
                _ => Fr::ONE,
            })
            .collect();
        check(c, &g1, &g2, &bits, "bits");
        // The identity as a result: k·P + k·(-P) over thousands of entries.
        let half1: Vec<G1Affine> = [vec![p1; 1500], vec![-p1; 1500]].concat();
        let half2: Vec<G2Affine> = [vec![p2; 1500], vec![-p2; 1500]].concat();
        check(c, &half1, &half2, &vec![k; 3000], "sum zero");
    }

    #[test]
    fn table_msms_match_arkworks_on_random_inputs() {
        let mut rng = ChaCha20Rng::seed_from_u64(20);
        for c in [10, 13, 16] {
            for n in [0, 1, 2, 3, 7, 33, 300] {
                let s = scalars(&mut rng, n);
                let g1 = points::<G1Projective>(&mut rng, n);
                let g2 = points::<G2Projective>(&mut rng, n);
                check(c, &g1, &g2, &s, &format!("n={n}"));
                // Full-width random scalars only.
                let s: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                check(c, &g1, &g2, &s, &format!("random n={n}"));
            }
        }
    }

    /// Enough entries that a pool of three cuts the sum into shares (each
    /// share at least 2^(c+2) entries: 1000 points · 26 windows at c = 10).
    #[test]
    fn table_msms_cut_over_a_pool_match_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        let n = 1000;
        let s: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let g1 = points::<G1Projective>(&mut rng, n);
        let g2 = points::<G2Projective>(&mut rng, 200);
        check(10, &g1, &g2, &s, "pool");
    }

    #[test]
    fn table_msms_match_arkworks_on_edge_scalars() {
        let mut rng = ChaCha20Rng::seed_from_u64(22);
        for c in [10, 11, 16, 20] {
            let edges = edge_scalars(usize::from(c));
            let n = edges.len();
            let g1 = points::<G1Projective>(&mut rng, n);
            let g2 = points::<G2Projective>(&mut rng, n);
            check(c, &g1, &g2, &edges, "edges");
            if c == 20 {
                // 2^19 buckets a sum: the widest window once, not per edge.
                continue;
            }
            let (t1, t2) = (
                G1Tables::joined(&[&g1], Some(c)),
                G2Tables::joined(&[&g2], Some(c)),
            );
            // Each edge scalar alone, on a finite point.
            let (p1, p2) = (G1Affine::generator(), G2Affine::generator());
            let (o1, o2) = (
                G1Tables::joined(&[&[p1]], Some(c)),
                G2Tables::joined(&[&[p2]], Some(c)),
            );
            for (i, e) in edges.iter().enumerate() {
                let mut one = vec![Fr::ZERO; n];
                one[i] = *e;
                for how in BOTH {
                    let w = format!("{i} c={c} {how:?}");
                    assert_eq!(t1.msm_joined_with(&[&one], how), g1[i] * e, "G1 alone {w}");
                    assert_eq!(t2.msm_joined_with(&[&one], how), g2[i] * e, "G2 alone {w}");
                    assert_eq!(o1.msm_joined_with(&[&[*e]], how), p1 * e, "G1 single {w}");
                    assert_eq!(o2.msm_joined_with(&[&[*e]], how), p2 * e, "G2 single {w}");
                }
            }
        }
    }

    /// Points at infinity only, one point repeated, a point with its
    /// negation (the sum cancels), and scalars shorter or longer than the
    /// points.
    #[test]
    fn table_msms_handle_identity_repeated_points_and_lengths() {
        let mut rng = ChaCha20Rng::seed_from_u64(23);
        let c = 12;
        let s: Vec<Fr> = (0..40).map(|_| Fr::rand(&mut rng)).collect();
        let inf1 = vec![G1Affine::identity(); 5];
        let inf2 = vec![G2Affine::identity(); 5];
        check(c, &inf1, &inf2, &s[..5], "infinity");
        assert_eq!(G1Tables::joined(&[&inf1], Some(c)).len(), 0);
        assert_eq!(
            G1Tables::joined(&[&inf1], Some(c)).msm(&s),
            G1Projective::zero()
        );
        let p1 = G1Projective::rand(&mut rng).into_affine();
        let p2 = G2Projective::rand(&mut rng).into_affine();
        check(c, &[p1; 9], &[p2; 9], &s[..9], "repeated");
        // k·P + k·(-P) = 0, and the same point with k and -k.
        let k = s[0];
        check(c, &[p1, -p1], &[p2, -p2], &[k, k], "cancelling");
        check(c, &[p1, p1], &[p2, p2], &[k, -k], "cancelling scalars");
        let g1 = points::<G1Projective>(&mut rng, 20);
        let g2 = points::<G2Projective>(&mut rng, 20);
        check(c, &g1, &g2, &s[..7], "short scalars");
        check(c, &g1, &g2, &s, "long scalars");
        check(c, &g1, &g2, &[], "no scalars");
        check(c, &g1, &g2, &vec![Fr::ZERO; 20], "zero scalars");
    }

    #[test]
    fn joined_table_msms_equal_the_sum_of_the_parts() {
        let mut rng = ChaCha20Rng::seed_from_u64(24);
        let h = points::<G1Projective>(&mut rng, 50);
        let l = points::<G1Projective>(&mut rng, 30);
        let (sh, sl) = (scalars(&mut rng, 50), scalars(&mut rng, 30));
        let joined = G1Tables::joined(&[&h, &l], Some(14));
        let want = reference::<G1Projective>(&h, &sh) + reference::<G1Projective>(&l, &sl);
        for pool in &pools() {
            assert_eq!(pool.install(|| joined.msm_joined(&[&sh, &sl])), want);
        }
        assert_eq!(
            joined.msm_joined(&[&sh]),
            reference::<G1Projective>(&h, &sh)
        );
        assert_eq!(
            joined.msm_joined(&[&sh[..10], &sl]),
            reference::<G1Projective>(&h[..10], &sh[..10]) + reference::<G1Projective>(&l, &sl)
        );
        assert_eq!(joined.window(), 14);
        // Chosen by size: the model's minimum, inside the range, wider for
        // more points.
        assert_eq!(G1Tables::joined(&[&h, &l], None).window(), best_window(78));
        let picks: Vec<u8> = [10, 3_000, 12_000, 30_000, 10_000_000]
            .iter()
            .map(|&n| best_window(n))
            .collect();
        assert!(picks.windows(2).all(|p| p[0] <= p[1]), "{picks:?}");
        assert!(picks.iter().all(|c| WINDOWS.contains(c)), "{picks:?}");
        assert_eq!(picks[0], 10);
        assert_eq!(picks[3], 16);
        assert_eq!(picks[4], 20);
    }

    #[test]
    #[should_panic(expected = "table window 9")]
    fn tables_refuse_a_window_outside_the_range() {
        let _ = G1Tables::joined(&[&[G1Affine::generator()]], Some(*WINDOWS.start() - 1));
    }
}

/// An Output witness and its circuit's parameters (insecure, own seed).
fn output_case(
    seed: &[u8],
) -> (
    superzk_keys::params::Parameters,
    superzk_circuits::output::OutputWitness,
) {
    use superzk_circuits::{
        note::{AssetId, Note},
        output::OutputWitness,
    };
    use superzk_keys::params::{generate_insecure, CircuitKind};
    let params = generate_insecure(CircuitKind::Output, seed);
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let w = OutputWitness {
        note: Note {
            asset: AssetId::native(),
            value: 1234,
            owner: Fr::rand(&mut rng),
            rho: Fr::rand(&mut rng),
            rcm: Fr::rand(&mut rng),
        },
        rcv: ark_ed_on_bls12_381::Fr::rand(&mut rng),
    };
    (params, w)
}

/// A proof made in the table mode has the bytes of the default mode's
/// with the same randomness, and verifies.
#[test]
fn table_mode_proofs_equal_default_mode_proofs_and_verify() {
    use super::{key::PreparedKey, prove_prepared, MsmMode};
    use ark_bls12_381::Bls12_381;
    use ark_groth16::Groth16;
    use ark_serialize::CanonicalSerialize;
    use superzk_circuits::output::OutputCircuitFor;
    use superzk_keys::params::CircuitKind;

    let (params, w) = output_case(b"table mode proofs");
    let pk = &params.proving_key;
    let bytes = |mode: MsmMode, seed: u64| {
        let key = PreparedKey::new(CircuitKind::Output, pk, mode).unwrap();
        assert_eq!(key.mode(), mode);
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (proof, _) =
            prove_prepared(OutputCircuitFor::new(w.clone()), &params, &key, &mut rng).unwrap();
        let mut out = Vec::new();
        proof.serialize_compressed(&mut out).unwrap();
        (proof, out)
    };
    let (_, default) = bytes(MsmMode::Pippenger, 1);
    for mode in [MsmMode::TABLES, MsmMode::Tables { window: Some(11) }] {
        let (proof, table) = bytes(mode, 1);
        assert_eq!(table, default, "{mode:?}");
        let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
        let inputs = w.public_inputs().to_field_elements();
        assert!(Groth16::<Bls12_381>::verify_proof(&pvk, &proof, &inputs).unwrap());
        // Other public inputs fail: the check above could fail.
        let mut wrong = inputs.clone();
        wrong[0] += Fr::ONE;
        assert!(!Groth16::<Bls12_381>::verify_proof(&pvk, &proof, &wrong).unwrap());
    }
    // Other randomness, another proof (the comparison above could fail).
    assert_ne!(bytes(MsmMode::TABLES, 2).1, default);
}

/// A table window outside 10..=20 and a key of another circuit are typed
/// errors, and nothing is replaced by the refused preparation.
#[test]
fn table_mode_preparation_errors_are_typed() {
    use super::{key::PreparedKey, prepare_with, Groth16Error, MsmMode};
    use superzk_keys::params::CircuitKind;

    let (params, _) = output_case(b"table mode errors");
    for window in [0, 9, 21, 255] {
        let mode = MsmMode::Tables {
            window: Some(window),
        };
        assert!(matches!(
            prepare_with(&params, mode),
            Err(Groth16Error::TableWindow(w)) if w == window
        ));
        assert!(matches!(
            PreparedKey::new(CircuitKind::Output, &params.proving_key, mode),
            Err(Groth16Error::TableWindow(w)) if w == window
        ));
    }
    assert!(matches!(
        PreparedKey::new(CircuitKind::Spend, &params.proving_key, MsmMode::TABLES),
        Err(Groth16Error::KeyShape)
    ));
    // The process's preparation follows the last mode asked for.
    prepare_with(&params, MsmMode::Tables { window: Some(10) }).unwrap();
    assert_eq!(
        super::key::prepared(&params).unwrap().mode(),
        MsmMode::Tables { window: Some(10) }
    );
    assert!(prepare_with(&params, MsmMode::Tables { window: Some(21) }).is_err());
    assert_eq!(
        super::key::prepared(&params).unwrap().mode(),
        MsmMode::Tables { window: Some(10) }
    );
    prepare_with(&params, MsmMode::Pippenger).unwrap();
    assert_eq!(
        super::key::prepared(&params).unwrap().mode(),
        MsmMode::Pippenger
    );
}

#[test]
fn msm_modes_parse_from_their_names_and_refuse_others() {
    use super::MsmMode;
    assert_eq!("pippenger".parse::<MsmMode>().unwrap(), MsmMode::Pippenger);
    assert_eq!("default".parse::<MsmMode>().unwrap(), MsmMode::Pippenger);
    assert_eq!("tables".parse::<MsmMode>().unwrap(), MsmMode::TABLES);
    assert_eq!(
        " tables:12 ".parse::<MsmMode>().unwrap(),
        MsmMode::Tables { window: Some(12) }
    );
    for bad in [
        "",
        "table",
        "tables:",
        "tables:9",
        "tables:21",
        "tables:x",
        "tables:300",
        "Tables",
    ] {
        let e = bad.parse::<MsmMode>().unwrap_err();
        assert!(e.to_string().contains("10..=20"), "{bad}: {e}");
    }
}

/// An honest Spend circuit (the path's siblings random: its anchor is the
/// root they make).
fn spend_case() -> superzk_circuits::spend::SpendCircuit {
    use ark_ec::CurveGroup;
    use superzk_circuits::{
        generators::spend_auth_base,
        note::{incoming_viewing_key, owner_tag, AssetId, Note},
        spend::{SpendCircuit, SpendWitness},
        tree::{MerklePath, DEPTH},
    };
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let ak = (spend_auth_base() * ark_ed_on_bls12_381::Fr::rand(&mut rng)).into_affine();
    let (nk, d) = (Fr::rand(&mut rng), [3u8; 11]);
    let note = Note {
        asset: AssetId::native(),
        value: 77,
        owner: owner_tag(&incoming_viewing_key(&ak, &nk), &d),
        rho: Fr::rand(&mut rng),
        rcm: Fr::rand(&mut rng),
    };
    SpendCircuit::new(SpendWitness {
        note,
        ak,
        nk,
        diversifier: d,
        rcv: ark_ed_on_bls12_381::Fr::rand(&mut rng),
        alpha: ark_ed_on_bls12_381::Fr::rand(&mut rng),
        path: MerklePath {
            position: 5,
            siblings: (0..DEPTH).map(|_| Fr::rand(&mut rng)).collect(),
        },
    })
}

/// The quotient polynomial with the key's FFT tables equals arkworks'
/// transforms on real assignments of both circuits (domains 2^12 and
/// 2^14), and a perturbed assignment is refused at the constraint it
/// breaks.
#[test]
fn h_polynomial_equals_arkworks_transforms_on_real_witnesses() {
    use super::{
        qap::{h_polynomial, h_polynomial_arkworks, Transforms},
        r1cs::Shape,
        Groth16Error,
    };
    use superzk_circuits::{output::OutputCircuit, spend::SpendCircuit};

    let (_, w) = output_case(b"h polynomial");
    let output = superzk_circuits::output::OutputCircuitFor::new(w);
    let output_shape = Shape::of(OutputCircuit::blank()).unwrap();
    let spend_shape = Shape::of(SpendCircuit::blank()).unwrap();
    let cases = [
        (output_shape.assignment(output).unwrap(), output_shape),
        (spend_shape.assignment(spend_case()).unwrap(), spend_shape),
    ];
    for (z, shape) in cases {
        let t = Transforms::new(&shape).unwrap();
        let want = h_polynomial_arkworks(&shape, &z).unwrap();
        for pool in pools() {
            assert_eq!(pool.install(|| h_polynomial(&shape, &t, &z)).unwrap(), want);
        }
        let mut bad = z.clone();
        let last = bad.len() - 1;
        bad[last] += Fr::ONE;
        assert!(matches!(
            h_polynomial(&shape, &t, &bad),
            Err(Groth16Error::Unsatisfied(_))
        ));
    }
}
