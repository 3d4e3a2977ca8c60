//! Microbenchmark: BLS12-381 scalar-field operations, arkworks' against
//! blst's assembly (`blst_fr_mul`, `blst_fr_inverse`), on this CPU. The
//! numbers behind the choice of the QAP's arithmetic (benches/RESULTS.md,
//! "Round 7b"). Both keep elements in Montgomery form with R = 2^256, so
//! the same four limbs are passed to either.
//!
//! `target/release/fr_ops`

use ark_bls12_381::Fr;
use ark_ff::{Field, UniformRand};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_benches::measure::cpu_secs;

const N: usize = 1 << 14;

fn as_blst(x: &Fr) -> blst::blst_fr {
    blst::blst_fr { l: x.0 .0 }
}

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let a: Vec<Fr> = (0..N).map(|_| Fr::rand(&mut rng)).collect();
    let b: Vec<Fr> = (0..N).map(|_| Fr::rand(&mut rng)).collect();
    let reps = 200;
    let ns = |s: f64, ops: usize| s * 1e9 / ops as f64;
    for round in 0..3 {
        // Independent products (throughput), as in an FFT's butterflies.
        let mut out = vec![Fr::from(0u64); N];
        let ark = cpu_secs(|| {
            for _ in 0..reps {
                for ((o, x), y) in out.iter_mut().zip(&a).zip(&b) {
                    *o = *x * y;
                }
                std::hint::black_box(&mut out);
            }
        });
        let mut outb = vec![blst::blst_fr::default(); N];
        let ab: Vec<_> = a.iter().map(as_blst).collect();
        let bb: Vec<_> = b.iter().map(as_blst).collect();
        let bl = cpu_secs(|| {
            for _ in 0..reps {
                for ((o, x), y) in outb.iter_mut().zip(&ab).zip(&bb) {
                    // SAFETY: three valid blst_fr.
                    unsafe { blst::blst_fr_mul(o, x, y) };
                }
                std::hint::black_box(&mut outb);
            }
        });
        let same = out.iter().zip(&outb).all(|(x, y)| x.0 .0 == y.l);
        // Inversions.
        let k = 2000;
        let ai = cpu_secs(|| {
            for x in &a[..k] {
                std::hint::black_box(x.inverse());
            }
        });
        let bi = cpu_secs(|| {
            for x in &ab[..k] {
                let mut o = blst::blst_fr::default();
                // SAFETY: valid blst_fr.
                unsafe { blst::blst_fr_inverse(&mut o, x) };
                std::hint::black_box(o);
            }
        });
        let be = cpu_secs(|| {
            for x in &ab[..k] {
                let mut o = blst::blst_fr::default();
                // SAFETY: valid blst_fr.
                unsafe { blst::blst_fr_eucl_inverse(&mut o, x) };
                std::hint::black_box(o);
            }
        });
        println!(
            "round {round}: mul ark {:.2} ns, blst {:.2} ns (equal: {same}); inverse ark {:.0} ns, blst ct {:.0} ns, blst eucl {:.0} ns",
            ns(ark, reps * N),
            ns(bl, reps * N),
            ns(ai, k),
            ns(bi, k),
            ns(be, k)
        );
    }
}
