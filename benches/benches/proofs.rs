//! Spend and Output: constraints, proving (one thread and all cores),
//! verification, and batch verification at 64 (with proof-point checks, and
//! for already-decoded proofs without them).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_benches::{
    constraints, output_witness, package_output_witness, package_spend_witness, proving_keys,
    spend_witness,
};
use superzk_circuits::{
    output::{OutputCircuit, PackageOutputCircuit},
    spend::{PackageSpendCircuit, SpendCircuit},
};
use superzk_prover::proof;
use superzk_verifier::groth16::{batch_verify, batch_verify_validated, verify_single, ProofItem};

fn bench(c: &mut Criterion) {
    let keys = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    println!(
        "constraints: spend {}, output {}, package spend {}, package output {}",
        constraints(SpendCircuit::blank()),
        constraints(OutputCircuit::blank()),
        constraints(PackageSpendCircuit::blank()),
        constraints(PackageOutputCircuit::blank())
    );
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let all = rayon::ThreadPoolBuilder::new().build().expect("pool");

    let spend = spend_witness(&mut rng);
    let output = output_witness(&mut rng);
    let mut group = c.benchmark_group("prove");
    group.sample_size(10);
    for (label, pool) in [("1-thread", &one), ("all-cores", &all)] {
        group.bench_function(BenchmarkId::new("spend", label), |b| {
            b.iter(|| {
                pool.install(|| {
                    proof::prove_spend(&keys.spend, spend.clone(), &mut rng).expect("proves")
                })
            })
        });
        group.bench_function(BenchmarkId::new("output", label), |b| {
            b.iter(|| {
                pool.install(|| {
                    proof::prove_output(&keys.output, output.clone(), &mut rng).expect("proves")
                })
            })
        });
    }
    let package_spend = package_spend_witness(&mut rng);
    let package_output = package_output_witness(&mut rng);
    group.bench_function(BenchmarkId::new("package-spend", "all-cores"), |b| {
        b.iter(|| {
            proof::prove_package_spend(&keys.package_spend, package_spend.clone(), &mut rng)
                .expect("proves")
        })
    });
    group.bench_function(BenchmarkId::new("package-output", "all-cores"), |b| {
        b.iter(|| {
            proof::prove_package_output(&keys.package_output, package_output.clone(), &mut rng)
                .expect("proves")
        })
    });
    group.finish();

    let package_proof =
        proof::prove_package_spend(&keys.package_spend, package_spend.clone(), &mut rng)
            .expect("proves");
    let package_inputs = package_spend.public_inputs().to_field_elements();
    let package_item = ProofItem {
        pvk: &keys.package_spend.verifying.prepared,
        proof: &package_proof,
        public_inputs: &package_inputs,
    };

    let spend_inputs = spend.public_inputs().to_field_elements();
    let spend_proofs: Vec<_> = (0..64)
        .map(|_| proof::prove_spend(&keys.spend, spend.clone(), &mut rng).expect("proves"))
        .collect();
    let items: Vec<ProofItem> = spend_proofs
        .iter()
        .map(|proof| ProofItem {
            pvk: &keys.spend.verifying.prepared,
            proof,
            public_inputs: &spend_inputs,
        })
        .collect();
    let mut group = c.benchmark_group("verify");
    group.bench_function("spend-single", |b| {
        b.iter(|| verify_single(&items[0]).expect("valid"))
    });
    group.bench_function("package-spend-single", |b| {
        b.iter(|| verify_single(&package_item).expect("valid"))
    });
    group.bench_function("spend-batch-64", |b| {
        b.iter(|| batch_verify(&items, &mut rng).expect("valid"))
    });
    group.bench_function("spend-batch-64-decoded", |b| {
        b.iter(|| batch_verify_validated(&items, &mut rng).expect("valid"))
    });
    group.bench_function("spend-64-one-by-one", |b| {
        b.iter(|| items.iter().for_each(|i| verify_single(i).expect("valid")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
