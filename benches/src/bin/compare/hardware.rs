//! Rows of "Proving close to the hardware" (issue 20): the prover's MSMs
//! against the `blst` crate's on the Spend key's own points, where a Spend
//! proof's time goes, and one Spend proof on all cores against one thread.

use ark_bls12_381::{Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use blst::MultiPoint;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_benches::{measure::median, spend_witness};
use superzk_prover::{
    groth16::msm::blst_backend::{g1_from_ark, g2_from_ark, G1Points, G2Points},
    proof, ProvingKeys,
};

use super::{ratio, sec, Plan, Report};

fn seconds<T>(f: impl FnOnce() -> T) -> f64 {
    let t = std::time::Instant::now();
    std::hint::black_box(f());
    t.elapsed().as_secs_f64()
}

fn scalar_bytes(scalars: &[Fr]) -> Vec<u8> {
    scalars
        .iter()
        .flat_map(|s| s.into_bigint().to_bytes_le())
        .collect()
}

/// blst's own one-thread Pippenger over contiguous points (what the `blst`
/// crate runs when it has one CPU).
macro_rules! blst_one_thread {
    ($points:expr, $bytes:expr, $proj:ty, $pippenger:path, $sizeof:path) => {{
        let points = $points;
        let mut out = <$proj>::default();
        // SAFETY: contiguous points and 32-byte scalars, as many as points,
        // and the scratch blst asks for.
        unsafe {
            let mut scratch = vec![0u64; $sizeof(points.len()) / 8 + 1];
            let p = [points.as_ptr(), std::ptr::null()];
            let s = [$bytes.as_ptr(), std::ptr::null()];
            $pippenger(
                &mut out,
                p.as_ptr(),
                points.len(),
                s.as_ptr(),
                255,
                scratch.as_mut_ptr(),
            );
        }
        out
    }};
}

/// Per point, in nanoseconds, the median of `reps` runs of `f`.
fn per_point<T>(reps: usize, n: usize, mut f: impl FnMut() -> T) -> f64 {
    let runs: Vec<f64> = (0..reps).map(|_| seconds(&mut f)).collect();
    median(&runs) * 1e9 / n as f64
}

fn msm_rows(report: &mut Report, plan: &Plan, keys: &ProvingKeys, all: &rayon::ThreadPool) {
    let pk = &keys.spend.proving_key;
    let reps = if plan.quick { 3 } else { 9 };
    let mut rng = ChaCha20Rng::seed_from_u64(20);
    let threads = all.current_num_threads();
    // G1: the H query (full-width scalars, as in a proof).
    let g1: &[G1Affine] = &pk.h_query;
    let s1: Vec<Fr> = (0..g1.len()).map(|_| Fr::rand(&mut rng)).collect();
    let b1 = scalar_bytes(&s1);
    let ours1 = G1Points::new(g1);
    // blst's side: every point of the query, as blst's own API takes them.
    let blst1: Vec<_> = g1.iter().map(g1_from_ark).collect();
    // G2: the B query's points, with random full-width scalars.
    let g2: &[G2Affine] = &pk.b_g2_query;
    let s2: Vec<Fr> = (0..g2.len()).map(|_| Fr::rand(&mut rng)).collect();
    let b2 = scalar_bytes(&s2);
    let ours2 = G2Points::new(g2);
    let blst2: Vec<_> = g2.iter().map(g2_from_ark).collect();
    let rows = [
        (
            "G1",
            g1.len(),
            per_point(reps, g1.len(), || std::hint::black_box(ours1.msm(&s1))),
            per_point(reps, g1.len(), || {
                std::hint::black_box(blst_one_thread!(
                    &blst1[..],
                    b1,
                    blst::blst_p1,
                    blst::blst_p1s_mult_pippenger,
                    blst::blst_p1s_mult_pippenger_scratch_sizeof
                ))
            }),
            per_point(reps, g1.len(), || {
                all.install(|| std::hint::black_box(ours1.msm(&s1)))
            }),
            per_point(reps, g1.len(), || {
                std::hint::black_box(blst1.mult(&b1, 255))
            }),
        ),
        (
            "G2",
            g2.len(),
            per_point(reps, g2.len(), || std::hint::black_box(ours2.msm(&s2))),
            per_point(reps, g2.len(), || {
                std::hint::black_box(blst_one_thread!(
                    &blst2[..],
                    b2,
                    blst::blst_p2,
                    blst::blst_p2s_mult_pippenger,
                    blst::blst_p2s_mult_pippenger_scratch_sizeof
                ))
            }),
            per_point(reps, g2.len(), || {
                all.install(|| std::hint::black_box(ours2.msm(&s2)))
            }),
            per_point(reps, g2.len(), || {
                std::hint::black_box(blst2.mult(&b2, 255))
            }),
        ),
    ];
    for (group, n, ours_1, blst_1, ours_all, blst_all) in rows {
        let key = group.to_lowercase();
        report.row(
            &format!("{group} MSM, {n} points (1 thread), per point"),
            format!("{ours_1:.0} ns"),
            format!("{blst_1:.0} ns (blst)"),
            ratio(ours_1 / blst_1),
        );
        report.row(
            &format!("{group} MSM, {n} points (all {threads} cores), per point"),
            format!("{ours_all:.0} ns"),
            format!("{blst_all:.0} ns (blst)"),
            ratio(ours_all / blst_all),
        );
        report.key(&format!("msm_{key}_ns_per_point"), ours_1);
        report.key(&format!("msm_{key}_vs_blst"), ours_1 / blst_1);
        report.key(&format!("msm_{key}_all_cores_vs_blst"), ours_all / blst_all);
    }
}

/// Where one Spend proof's time goes, on one thread.
fn profile_rows(report: &mut Report, plan: &Plan, keys: &ProvingKeys) {
    let w = spend_witness(&mut ChaCha20Rng::seed_from_u64(1));
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    let reps = if plan.quick { 3 } else { 7 };
    let mut shares = Vec::new();
    for _ in 0..reps {
        let (_, p) = proof::profile_spend(&keys.spend, w.clone(), &mut rng).expect("proves");
        let total = (p.witness + p.h_polynomial + p.msms).as_secs_f64();
        let each = p.each_msm.map(|d| d.as_secs_f64() / total);
        shares.push((
            total,
            p.witness.as_secs_f64() / total,
            p.h_polynomial.as_secs_f64() / total,
            p.msms.as_secs_f64() / total,
            each,
        ));
    }
    shares.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (total, w, h, m, each) = shares[shares.len() / 2];
    report.row(
        "Spend proof profile (1 thread): witness / matrices+FFTs / MSMs",
        format!("{:.1}% / {:.1}% / {:.1}%", w * 100.0, h * 100.0, m * 100.0),
        format!("of {}", sec(total)),
        String::new(),
    );
    report.row(
        "  MSMs: A / B in G1 / B in G2 / H and L (one MSM)",
        each.map(|x| format!("{:.1}%", x * 100.0)).join(" / "),
        String::new(),
        String::new(),
    );
    report.key("spend_profile_witness_share", w);
    report.key("spend_profile_msm_fft_share", h + m);
}

/// The same profile of arkworks' prover, as the prover was before issue 20:
/// synthesis with matrices (and the linear combinations' inlining), the
/// matrices read back, the witness map (row evaluations and FFTs), and the
/// rest of `create_random_proof_with_reduction` (the MSMs).
fn arkworks_profile_rows(report: &mut Report, plan: &Plan, keys: &ProvingKeys) {
    use ark_bls12_381::Bls12_381;
    use ark_groth16::{r1cs_to_qap::LibsnarkReduction, r1cs_to_qap::R1CSToQAP, Groth16};
    use ark_poly::GeneralEvaluationDomain;
    use ark_relations::gr1cs::{
        ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
    };
    use superzk_circuits::spend::SpendCircuitFor;

    let w = spend_witness(&mut ChaCha20Rng::seed_from_u64(1));
    let mut rng = ChaCha20Rng::seed_from_u64(23);
    let reps = if plan.quick { 2 } else { 5 };
    let mut runs = Vec::new();
    for _ in 0..reps {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let synth = seconds(|| {
            cs.set_optimization_goal(OptimizationGoal::Constraints);
            cs.set_mode(SynthesisMode::Prove {
                construct_matrices: true,
                generate_lc_assignments: false,
            });
            SpendCircuitFor::new(w.clone())
                .generate_constraints(cs.clone())
                .expect("synthesizes");
            cs.finalize();
        });
        let matrices = seconds(|| cs.to_matrices().expect("finalized"));
        let qap = seconds(|| {
            LibsnarkReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs.clone())
                .expect("witness map")
        });
        drop(cs);
        let total = seconds(|| {
            Groth16::<Bls12_381>::create_random_proof_with_reduction(
                SpendCircuitFor::new(w.clone()),
                &keys.spend.proving_key,
                &mut rng,
            )
            .expect("proves")
        });
        // The witness map reads the matrices back too: count them once.
        runs.push((total, synth, matrices, qap - matrices));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (total, synth, matrices, qap) = runs[runs.len() / 2];
    let msm = (total - synth - matrices - qap).max(0.0);
    report.row(
        "arkworks' Spend proof profile (1 thread): synthesis / matrices / witness map+FFTs / MSMs",
        format!(
            "{:.1}% / {:.1}% / {:.1}% / {:.1}%",
            synth / total * 100.0,
            matrices / total * 100.0,
            qap / total * 100.0,
            msm / total * 100.0
        ),
        format!("of {}", sec(total)),
        String::new(),
    );
    report.key("arkworks_spend_prove_s", total);
    report.key("arkworks_spend_profile_msm_fft_share", (qap + msm) / total);
}

/// One Spend proof on all cores against one thread (both in this process:
/// the prover runs on whichever pool calls it and starts no threads).
fn one_proof_speedup(
    report: &mut Report,
    plan: &Plan,
    keys: &ProvingKeys,
    all: &rayon::ThreadPool,
) {
    let w = spend_witness(&mut ChaCha20Rng::seed_from_u64(1));
    let mut rng = ChaCha20Rng::seed_from_u64(22);
    let reps = if plan.quick { 3 } else { 7 };
    let (mut one, mut many) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        one.push(seconds(|| {
            proof::prove_spend(&keys.spend, w.clone(), &mut rng).expect("proves");
        }));
        many.push(all.install(|| {
            seconds(|| {
                proof::prove_spend(&keys.spend, w.clone(), &mut rng).expect("proves");
            })
        }));
    }
    let (o, a) = (median(&one), median(&many));
    let threads = all.current_num_threads();
    report.row(
        &format!("One Spend proof, all {threads} cores vs 1 thread"),
        sec(a),
        format!("{} on 1 thread", sec(o)),
        format!("{:.2}x speed-up", o / a),
    );
    report.key("spend_one_proof_speedup", o / a);
}

/// All of this section's rows.
pub fn rows(report: &mut Report, plan: &Plan, keys: &ProvingKeys, all: &rayon::ThreadPool) {
    msm_rows(report, plan, keys, all);
    profile_rows(report, plan, keys);
    arkworks_profile_rows(report, plan, keys);
    one_proof_speedup(report, plan, keys, all);
}
