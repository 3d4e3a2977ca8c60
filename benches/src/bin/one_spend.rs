//! Loads the Spend parameters from the cache and makes one Spend proof, then
//! exits: run it under `/usr/bin/time -v` to see the peak memory of a single
//! proof (what a phone would need).

use std::time::Instant;

use ark_bls12_381::Bls12_381;
use ark_groth16::Groth16;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::spend::SpendCircuit;
use superzk_keys::params::{CircuitKind, ParameterCache};

fn main() {
    let dir = std::env::var_os("SUPERZK_PARAMS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params")
        });
    let t = Instant::now();
    let params = ParameterCache::new(dir)
        .load_or_generate(CircuitKind::Spend, b"superzk benches", |_| {})
        .expect("parameters load or generate");
    let loaded = t.elapsed();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let witness = superzk_benches::spend_witness(&mut rng);
    let t = Instant::now();
    let proof = Groth16::<Bls12_381>::create_random_proof_with_reduction(
        SpendCircuit::new(witness),
        &params.proving_key,
        &mut rng,
    )
    .expect("proves");
    println!(
        "parameters loaded in {loaded:?}; one Spend proof in {:?}; A = {}",
        t.elapsed(),
        proof.a
    );
}
