//! The MSM backends against arkworks' MSM, and the point conversions
//! against both libraries' serializations.

use ark_bls12_381::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, Field, UniformRand, Zero};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::msm::ark_backend;

/// Sizes that exercise the edge cases: none, one, blst's small-input path
/// (< 32), chunk boundaries, and sizes that are not powers of two.
const SIZES: [usize; 9] = [0, 1, 2, 7, 31, 33, 255, 257, 1000];

/// Scalars of every class: 0, ±1, small, −small, full width.
fn scalars(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
    (0..n)
        .map(|i| match i % 7 {
            0 => Fr::ZERO,
            1 => Fr::ONE,
            2 => -Fr::ONE,
            3 => Fr::from(u64::rand(rng) >> (i % 60)),
            4 => -Fr::from(u64::rand(rng)),
            5 => Fr::from(2u64),
            _ => Fr::rand(rng),
        })
        .collect()
}

/// Points with some at infinity.
fn points<G: CurveGroup>(rng: &mut ChaCha20Rng, n: usize) -> Vec<G::Affine> {
    let v: Vec<G> = (0..n)
        .map(|i| if i % 11 == 5 { G::zero() } else { G::rand(rng) })
        .collect();
    G::normalize_batch(&v)
}

fn reference<G: CurveGroup + VariableBaseMSM<MulBase = G::Affine>>(
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
        g1_from_ark, g1_to_ark, g2_from_ark, g2_to_ark, G1Points, G2Points,
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
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let pools = [1, 3].map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        });
        for n in SIZES {
            let s = scalars(&mut rng, n);
            let g1 = points::<G1Projective>(&mut rng, n);
            let g2 = points::<G2Projective>(&mut rng, n);
            let want1 = G1Projective::msm(&g1, &s).unwrap();
            let want2 = G2Projective::msm(&g2, &s).unwrap();
            let (p1, p2) = (G1Points::new(&g1), G2Points::new(&g2));
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

    fn pools() -> [rayon::ThreadPool; 2] {
        [1, 3].map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        })
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
