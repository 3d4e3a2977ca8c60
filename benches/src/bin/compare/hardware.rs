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
    groth16::msm::blst_backend::{G1Points, G2Points},
    proof, ProvingKeys,
};

use super::{ratio, sec, Plan, Report};

fn seconds(f: impl FnOnce()) -> f64 {
    let t = std::time::Instant::now();
    f();
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
fn per_point(reps: usize, n: usize, mut f: impl FnMut()) -> f64 {
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
    // G2: the B query's points, with random full-width scalars.
    let g2: &[G2Affine] = &pk.b_g2_query;
    let s2: Vec<Fr> = (0..g2.len()).map(|_| Fr::rand(&mut rng)).collect();
    let b2 = scalar_bytes(&s2);
    let ours2 = G2Points::new(g2);
    let rows = [
        (
            "G1",
            g1.len(),
            per_point(reps, g1.len(), || drop(ours1.msm(&s1))),
            per_point(reps, g1.len(), || {
                drop(blst_one_thread!(
                    ours1.as_blst(),
                    b1,
                    blst::blst_p1,
                    blst::blst_p1s_mult_pippenger,
                    blst::blst_p1s_mult_pippenger_scratch_sizeof
                ))
            }),
            per_point(reps, g1.len(), || all.install(|| drop(ours1.msm(&s1)))),
            per_point(reps, g1.len(), || drop(ours1.as_blst().mult(&b1, 255))),
        ),
        (
            "G2",
            g2.len(),
            per_point(reps, g2.len(), || drop(ours2.msm(&s2))),
            per_point(reps, g2.len(), || {
                drop(blst_one_thread!(
                    ours2.as_blst(),
                    b2,
                    blst::blst_p2,
                    blst::blst_p2s_mult_pippenger,
                    blst::blst_p2s_mult_pippenger_scratch_sizeof
                ))
            }),
            per_point(reps, g2.len(), || all.install(|| drop(ours2.msm(&s2)))),
            per_point(reps, g2.len(), || drop(ours2.as_blst().mult(&b2, 255))),
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
        shares.push((
            total,
            p.witness.as_secs_f64() / total,
            p.h_polynomial.as_secs_f64() / total,
            p.msms.as_secs_f64() / total,
        ));
    }
    shares.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (total, w, h, m) = shares[shares.len() / 2];
    report.row(
        "Spend proof profile (1 thread): witness / matrices+FFTs / MSMs",
        format!("{:.1}% / {:.1}% / {:.1}%", w * 100.0, h * 100.0, m * 100.0),
        format!("of {}", sec(total)),
        String::new(),
    );
    report.key("spend_profile_witness_share", w);
    report.key("spend_profile_msm_fft_share", h + m);
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
    one_proof_speedup(report, plan, keys, all);
}
