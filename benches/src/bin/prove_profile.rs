//! Where a Spend and an Output proof spend their time, on one thread, and
//! what their MSMs are made of: the density of each query (points at
//! infinity), the classes of the scalars of a real witness (0, ±1, small,
//! full width), each MSM's time against blst's Pippenger run directly on
//! the same points and scalars. The numbers behind RESULTS.md's profile.
//!
//! `RAYON_NUM_THREADS=1 target/release/prove_profile`

use ark_bls12_381::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_benches::{measure::median, output_witness, proving_keys, spend_witness};
use superzk_circuits::{output::OutputCircuitFor, spend::SpendCircuitFor};
use superzk_keys::params::Parameters;
use superzk_prover::groth16::{self, key, Phases};

fn secs<T>(f: impl FnOnce() -> T) -> f64 {
    let t = std::time::Instant::now();
    std::hint::black_box(f());
    t.elapsed().as_secs_f64()
}

fn classes(z: &[Fr]) -> [usize; 4] {
    let mut out = [0; 4];
    for s in z {
        let v = s.into_bigint();
        let mut n = Fr::MODULUS;
        n.sub_with_borrow(&v);
        let i = if v.is_zero() {
            0
        } else if v == Fr::from(1u64).into_bigint() || n == Fr::from(1u64).into_bigint() {
            1
        } else if v.num_bits() <= 64 || n.num_bits() <= 64 {
            2
        } else {
            3
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
        "  assignment classes 0 / ±1 / small / full: {:?}",
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
}

fn main() {
    let keys = proving_keys();
    let reps = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let sw = spend_witness(&mut ChaCha20Rng::seed_from_u64(1));
    let ow = output_witness(&mut ChaCha20Rng::seed_from_u64(2));
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
