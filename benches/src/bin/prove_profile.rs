//! Where a Spend and an Output proof spend their time, on one thread, and
//! what their MSMs are made of: the density of each query (points at
//! infinity), the classes of the scalars of a real witness (0, ±1, small,
//! full width), each MSM's time against blst's Pippenger run directly on
//! the same points and scalars. The numbers behind RESULTS.md's profile.
//!
//! `RAYON_NUM_THREADS=1 target/release/prove_profile [REPS]`
//!
//! `prove_profile --loop N` makes N Spend and N Output proofs exactly as
//! `compare`'s rows time them (`proof::prove_spend` on a clone of the
//! witness), and nothing else: the process to run under `perf record`.
//!
//! With `TABLE_WINDOWS=14,16,auto` it also prepares each key in the table mode
//! at each of those windows and reports the preparation time, the points'
//! bytes and the proof's phases in that mode (how the window was chosen).

use ark_bls12_381::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_benches::{
    measure::{cpu_secs as cpu, median},
    output_witness, proving_keys, spend_witness,
};
use superzk_circuits::{
    output::{OutputCircuitFor, OutputWitness},
    spend::{SpendCircuitFor, SpendWitness},
};
use superzk_keys::params::Parameters;
use superzk_prover::{
    groth16::{self, key, msm::tables::Accumulation, Phases},
    proof,
};

fn secs<T>(f: impl FnOnce() -> T) -> f64 {
    let t = std::time::Instant::now();
    std::hint::black_box(f());
    t.elapsed().as_secs_f64()
}

/// How many scalars are 0, 1, -1, under 2^16 (or their negation is), under
/// 2^64 (or their negation), and wider.
fn classes(z: &[Fr]) -> [usize; 6] {
    let mut out = [0; 6];
    for s in z {
        let v = s.into_bigint();
        let mut n = Fr::MODULUS;
        n.sub_with_borrow(&v);
        let bits = v.num_bits().min(n.num_bits());
        let i = if v.is_zero() {
            0
        } else if v == Fr::from(1u64).into_bigint() {
            1
        } else if n == Fr::from(1u64).into_bigint() {
            2
        } else if bits <= 16 {
            3
        } else if bits <= 64 {
            4
        } else {
            5
        };
        out[i] += 1;
    }
    out
}

fn infinities<A: AffineRepr>(q: &[A]) -> usize {
    q.iter().filter(|p| p.is_zero()).count()
}

/// Nonzero scalars on finite points.
fn live<A: AffineRepr>(q: &[A], z: &[Fr]) -> usize {
    q.iter()
        .zip(z)
        .filter(|(p, s)| !p.is_zero() && !s.into_bigint().is_zero())
        .count()
}

fn report_phases(name: &str, runs: &[Phases]) {
    let f = |g: &dyn Fn(&Phases) -> f64| median(&runs.iter().map(g).collect::<Vec<_>>());
    let w = f(&|p| p.witness.as_secs_f64());
    let h = f(&|p| p.h_polynomial.as_secs_f64());
    let m = f(&|p| p.msms.as_secs_f64());
    let each: Vec<f64> = (0..4)
        .map(|i| f(&|p: &Phases| p.each_msm[i].as_secs_f64()))
        .collect();
    let total = w + h + m;
    println!(
        "{name}: total {total:.3} s: witness {w:.3} ({:.1}%), matrices+FFTs {h:.3} ({:.1}%), MSMs {m:.3} ({:.1}%)",
        w / total * 100.0,
        h / total * 100.0,
        m / total * 100.0
    );
    println!(
        "  MSMs A / B1 / B2 / H+L: {}",
        each.iter()
            .map(|x| format!("{x:.3} s"))
            .collect::<Vec<_>>()
            .join(" / ")
    );
}

/// A timer of blst's own Pippenger (`$mult`) on `points` and `z`, in one
/// group: the two groups differ only in their types and functions.
macro_rules! blst_msm_timer {
    ($name:ident, $affine:ty, $convert:path, $projective:ty, $scratch:path, $mult:path) => {
        fn $name(points: &[$affine], z: &[Fr]) -> f64 {
            let pts: Vec<_> = points.iter().map($convert).collect();
            let bytes: Vec<u8> = z
                .iter()
                .flat_map(|s| s.into_bigint().to_bytes_le())
                .collect();
            let n = pts.len().min(z.len());
            // SAFETY: `pts` holds n points and `bytes` n 32-byte scalars;
            // the scratch is blst's own size for n, rounded up to words.
            secs(|| unsafe {
                let mut out = <$projective>::default();
                let mut scratch = vec![0u64; $scratch(n) / 8 + 1];
                let p = [pts.as_ptr(), std::ptr::null()];
                let s = [bytes.as_ptr(), std::ptr::null()];
                $mult(
                    &mut out,
                    p.as_ptr(),
                    n,
                    s.as_ptr(),
                    255,
                    scratch.as_mut_ptr(),
                );
                out
            })
        }
    };
}

blst_msm_timer!(
    blst_g1,
    G1Affine,
    groth16::msm::blst_backend::g1_from_ark,
    blst::blst_p1,
    blst::blst_p1s_mult_pippenger_scratch_sizeof,
    blst::blst_p1s_mult_pippenger
);
blst_msm_timer!(
    blst_g2,
    G2Affine,
    groth16::msm::blst_backend::g2_from_ark,
    blst::blst_p2,
    blst::blst_p2s_mult_pippenger_scratch_sizeof,
    blst::blst_p2s_mult_pippenger
);

fn study<C: ark_relations::gr1cs::ConstraintSynthesizer<Fr>>(
    name: &str,
    params: &Parameters,
    circuit: impl Fn() -> C,
    reps: usize,
) {
    groth16::prepare(params).expect("prepares");
    let k = key::prepared(params).expect("prepared");
    let pk = &params.proving_key;
    let z = k.shape.assignment(circuit()).expect("assigns");
    let w = &z[k.shape.num_inputs..];
    println!(
        "{name}: {} constraints, {} inputs, {} witness variables, H query {}",
        k.shape.num_constraints(),
        k.shape.num_inputs,
        k.shape.num_witness,
        pk.h_query.len()
    );
    println!(
        "  assignment classes 0 / 1 / -1 / < 2^16 / < 2^64 / full (either sign): {:?}",
        classes(&z)
    );
    println!(
        "  infinity points A {} B1 {} B2 {} L {} H {}",
        infinities(&pk.a_query),
        infinities(&pk.b_g1_query),
        infinities(&pk.b_g2_query),
        infinities(&pk.l_query),
        infinities(&pk.h_query)
    );
    println!(
        "  live terms A {} B1 {} B2 {} L {}",
        live(&pk.a_query, &z),
        live(&pk.b_g1_query, &z),
        live(&pk.b_g2_query, &z),
        live(&pk.l_query, w)
    );
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let runs: Vec<Phases> = (0..reps)
        .map(|_| {
            groth16::prove_timed(circuit(), params, &mut rng)
                .expect("proves")
                .1
        })
        .collect();
    report_phases(name, &runs);
    quotient(name, &k, &z, reps);
    // Each MSM, ours against blst's on the same (full) inputs.
    let key::KeyPoints::Pippenger(b) = &k.points else {
        panic!("prepared in the default mode")
    };
    let m = |f: &dyn Fn() -> f64| median(&(0..reps).map(|_| f()).collect::<Vec<_>>());
    let hr: Vec<Fr> = {
        use ark_ff::UniformRand;
        (0..pk.h_query.len()).map(|_| Fr::rand(&mut rng)).collect()
    };
    let rows: [(&str, f64, f64); 4] = [
        (
            "A",
            m(&|| secs(|| b.a.msm(&z))),
            m(&|| blst_g1(&pk.a_query, &z)),
        ),
        (
            "B1",
            m(&|| secs(|| b.b_g1.msm(&z))),
            m(&|| blst_g1(&pk.b_g1_query, &z)),
        ),
        (
            "B2",
            m(&|| secs(|| b.b_g2.msm(&z))),
            m(&|| blst_g2(&pk.b_g2_query, &z)),
        ),
        (
            "H+L (ours joined, blst two runs; random H)",
            m(&|| secs(|| b.hl.msm_joined(&[&hr, w]))),
            m(&|| blst_g1(&pk.h_query, &hr) + blst_g1(&pk.l_query, w)),
        ),
    ];
    for (q, ours, theirs) in rows {
        println!(
            "  MSM {q}: ours {ours:.3} s, blst direct (all points) {theirs:.3} s, {:.3}",
            ours / theirs
        );
    }
    println!("  default mode: key points {:.1} MiB", mib(k.heap_bytes()));
    accumulations(name, b, &z, w, &hr, reps);
    tables(name, params, &k, &z, &hr, reps);
}

/// The quotient polynomial (matrices and FFTs) with the key's FFT tables
/// against arkworks' transforms, interleaved rep by rep, CPU seconds.
fn quotient(name: &str, k: &key::PreparedKey, z: &[Fr], reps: usize) {
    use groth16::qap::{h_polynomial, h_polynomial_arkworks};
    let (mut ours, mut ark) = (Vec::new(), Vec::new());
    for _ in 0..reps.max(5) {
        ours.push(cpu(|| {
            h_polynomial(&k.shape, &k.transforms, z).expect("satisfied")
        }));
        ark.push(cpu(|| {
            h_polynomial_arkworks(&k.shape, z).expect("satisfied")
        }));
    }
    let (o, a) = (median(&ours), median(&ark));
    println!(
        "  {name} matrices+FFTs (CPU): key's tables {o:.4} s, arkworks' transforms {a:.4} s, {:.3}",
        o / a
    );
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The default mode's four MSMs with blst's tile per window, with batched
/// affine buckets per window (in input order, and sorted by bucket with
/// pairwise rounds), interleaved rep by rep, CPU seconds.
fn accumulations(name: &str, b: &key::BlstKey, z: &[Fr], w: &[Fr], hr: &[Fr], reps: usize) {
    let four = |how: Accumulation| {
        [
            cpu(|| b.a.msm_joined_with(&[z], how)),
            cpu(|| b.b_g1.msm_joined_with(&[z], how)),
            cpu(|| b.b_g2.msm_joined_with(&[z], how)),
            cpu(|| b.hl.msm_joined_with(&[hr, w], how)),
        ]
    };
    let hows = [
        Accumulation::Tile,
        Accumulation::BatchAffine,
        Accumulation::Sorted,
    ];
    let mut runs = vec![Vec::new(); hows.len()];
    for _ in 0..reps {
        for (how, r) in hows.iter().zip(&mut runs) {
            r.push(four(*how));
        }
    }
    let med = |v: &[[f64; 4]], i: usize| median(&v.iter().map(|x| x[i]).collect::<Vec<_>>());
    for (i, q) in ["A", "B1", "B2", "H+L"].iter().enumerate() {
        let (t, a, s) = (med(&runs[0], i), med(&runs[1], i), med(&runs[2], i));
        println!(
            "  {name} default mode {q} (CPU s): tile {t:.4}, batch-affine {a:.4} ({:.3}), sorted {s:.4} ({:.3}; {:.3} of batch-affine)",
            a / t,
            s / t,
            s / a
        );
    }
}

/// The four MSMs of a proof (`A`, `B` in G1, `B` in G2, `H` and `L`) in
/// the table mode at each window of `TABLE_WINDOWS`, against the default
/// mode's, interleaved rep by rep, in CPU seconds; with each mode's bytes
/// and the tables' preparation time (how the window was chosen).
fn tables(
    name: &str,
    params: &Parameters,
    default: &key::PreparedKey,
    z: &[Fr],
    hr: &[Fr],
    reps: usize,
) {
    let Ok(windows) = std::env::var("TABLE_WINDOWS") else {
        return;
    };
    let w = &z[default.shape.num_inputs..];
    fn four(k: &key::PreparedKey, z: &[Fr], w: &[Fr], hr: &[Fr], how: Accumulation) -> [f64; 4] {
        match &k.points {
            key::KeyPoints::Pippenger(b) => [
                cpu(|| b.a.msm(z)),
                cpu(|| b.b_g1.msm(z)),
                cpu(|| b.b_g2.msm(z)),
                cpu(|| b.hl.msm_joined(&[hr, w])),
            ],
            key::KeyPoints::Tables(t) => [
                cpu(|| t.a.msm_joined_with(&[z], how)),
                cpu(|| t.b_g1.msm_joined_with(&[z], how)),
                cpu(|| t.b_g2.msm_joined_with(&[z], how)),
                cpu(|| t.hl.msm_joined_with(&[hr, w], how)),
            ],
        }
    }
    // A window, or `auto` (each query's own, by its size).
    for c in windows.split(',').map(|w| w.trim().parse::<u8>().ok()) {
        let mode = groth16::MsmMode::Tables { window: c };
        let c = c.map_or("auto".to_string(), |c| c.to_string());
        let t = std::time::Instant::now();
        let k = key::PreparedKey::new(params.kind(), &params.proving_key, mode).expect("prepares");
        let built = t.elapsed().as_secs_f64();
        let (mut ours, mut base, mut affine, mut sorted) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..reps {
            base.push(four(default, z, w, hr, Accumulation::Tile));
            ours.push(four(&k, z, w, hr, Accumulation::Tile));
            affine.push(four(&k, z, w, hr, Accumulation::BatchAffine));
            sorted.push(four(&k, z, w, hr, Accumulation::Sorted));
        }
        let med = |v: &[[f64; 4]], i: usize| median(&v.iter().map(|x| x[i]).collect::<Vec<_>>());
        let total = |v: &[[f64; 4]]| median(&v.iter().map(|x| x.iter().sum()).collect::<Vec<_>>());
        println!(
            "  {name} tables c={c}: prepared in {built:.2} s (wall), key points {:.1} MiB; MSMs (CPU s) A / B1 / B2 / H+L tables {:.3} / {:.3} / {:.3} / {:.3}, default {:.3} / {:.3} / {:.3} / {:.3}; all four {:.3} vs {:.3} = {:.3}",
            mib(k.heap_bytes()),
            med(&ours, 0), med(&ours, 1), med(&ours, 2), med(&ours, 3),
            med(&base, 0), med(&base, 1), med(&base, 2), med(&base, 3),
            total(&ours), total(&base), total(&ours) / total(&base)
        );
        for (how, v) in [
            ("batch-affine buckets", &affine),
            ("sorted rounds", &sorted),
        ] {
            println!(
                "  {name} tables c={c}, {how}: A / B1 / B2 / H+L {:.3} / {:.3} / {:.3} / {:.3}; all four {:.3} = {:.3} of the tile's, {:.3} of the default mode's",
                med(v, 0), med(v, 1), med(v, 2), med(v, 3),
                total(v), total(v) / total(&ours), total(v) / total(&base)
            );
        }
    }
}

/// `--loop N`: compare's Spend and Output rows, N times each, for perf.
fn proofs_only(
    keys: &superzk_prover::ProvingKeys,
    sw: &SpendWitness,
    ow: &OutputWitness,
    n: usize,
) {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for params in [&keys.spend, &keys.output] {
        groth16::prepare(params).expect("prepares");
    }
    for _ in 0..n {
        proof::prove_spend(&keys.spend, sw.clone(), &mut rng).expect("proves");
        proof::prove_output(&keys.output, ow.clone(), &mut rng).expect("proves");
    }
}

/// What compare's rows time besides the phases of [`Phases`]: the
/// circuit's construction from the witness (its public inputs, computed
/// natively), CPU seconds, median of `reps`.
fn outside_phases(sw: &SpendWitness, ow: &OutputWitness, reps: usize) {
    let m = |f: &dyn Fn() -> f64| median(&(0..reps.max(5)).map(|_| f()).collect::<Vec<_>>());
    let s = m(&|| cpu(|| SpendCircuitFor::new(sw.clone())));
    let o = m(&|| cpu(|| OutputCircuitFor::new(ow.clone())));
    println!("circuit construction (public inputs, native): Spend {s:.4} s, Output {o:.4} s (CPU)");
}

/// The matrices' entries by coefficient (what `row_dot` multiplies):
/// ones, minus ones, other, and how many distinct values.
fn matrix_stats<C: ark_relations::gr1cs::ConstraintSynthesizer<Fr>>(name: &str, blank: C) {
    use ark_ff::{One, Zero};
    use ark_relations::gr1cs::{
        ConstraintSystem, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
    };
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    blank.generate_constraints(cs.clone()).expect("synthesizes");
    cs.finalize();
    let m = cs.to_matrices().expect("matrices");
    for (label, mat) in ["A", "B", "C"].iter().zip(&m[R1CS_PREDICATE_LABEL]) {
        let (mut one, mut minus, mut other, mut zero) = (0, 0, 0, 0);
        let mut distinct = std::collections::HashSet::new();
        for (c, _) in mat.iter().flatten() {
            if c.is_one() {
                one += 1;
            } else if (-*c).is_one() {
                minus += 1;
            } else if c.is_zero() {
                zero += 1;
            } else {
                other += 1;
                distinct.insert(c.into_bigint());
            }
        }
        println!("{name} matrix {label}: entries 1 {one}, -1 {minus}, 0 {zero}, other {other} ({} distinct)", distinct.len());
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--matrices") {
        matrix_stats("Spend", superzk_circuits::spend::SpendCircuit::blank());
        matrix_stats("Output", superzk_circuits::output::OutputCircuit::blank());
        return;
    }
    let keys = proving_keys();
    let args: Vec<String> = std::env::args().collect();
    let sw = spend_witness(&mut ChaCha20Rng::seed_from_u64(1));
    let ow = output_witness(&mut ChaCha20Rng::seed_from_u64(2));
    if args.get(1).map(String::as_str) == Some("--loop") {
        let n = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10);
        return proofs_only(&keys, &sw, &ow, n);
    }
    let reps = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    outside_phases(&sw, &ow, reps);
    study(
        "Spend",
        &keys.spend,
        || SpendCircuitFor::new(sw.clone()),
        reps,
    );
    study(
        "Output",
        &keys.output,
        || OutputCircuitFor::new(ow.clone()),
        reps,
    );
}
