//! Shared set-up for SuperZK's benchmarks: cached parameters and honest
//! witnesses for each circuit, the Zcash Sapling baseline ([`sapling`]) and
//! the measuring helpers of the `compare` binary ([`measure`]).
#![deny(missing_docs)]

pub mod measure;
pub mod sapling;
pub mod sync;

use std::path::PathBuf;

use ark_ec::CurveGroup;
use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_ff::UniformRand;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use rand_chacha::ChaCha20Rng;
use superzk_circuits::{
    generators::spend_auth_base,
    note::{incoming_viewing_key, owner_tag, AssetId, Note},
    note_kind::NoteKind,
    output::{OutputWitness, OutputWitnessFor},
    package::PackageNote,
    spend::{SpendWitness, SpendWitnessFor},
    tree::CommitmentTree,
    Fr,
};
use superzk_keys::params::ParameterCache;
use superzk_prover::ProvingKeys;

/// Seed of the benchmarks' (insecure) parameters.
pub const BENCH_SEED: &[u8] = b"superzk benches";

/// Where benchmark parameters are cached: `$SUPERZK_PARAMS_DIR`, else
/// `target/superzk-params`.
pub fn params_dir() -> PathBuf {
    std::env::var_os("SUPERZK_PARAMS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params")
        })
}

/// Parameters for benchmarks, cached in [`params_dir`].
pub fn proving_keys() -> ProvingKeys {
    ProvingKeys::insecure_from_cache(&ParameterCache::new(params_dir()), BENCH_SEED, |_| {})
        .expect("parameters load or generate")
}

/// Loads the Spend parameters from the cache and makes one Spend proof:
/// what a phone has to do. Returns the loading and proving times.
pub fn one_spend_proof() -> (std::time::Duration, std::time::Duration) {
    one_spend_proof_in(superzk_prover::groth16::MsmMode::Pippenger)
}

/// As [`one_spend_proof`], the key prepared in `mode` first (its
/// preparation counted in the loading time).
pub fn one_spend_proof_in(
    mode: superzk_prover::groth16::MsmMode,
) -> (std::time::Duration, std::time::Duration) {
    use rand_core::SeedableRng;
    use superzk_keys::params::CircuitKind;

    let t = std::time::Instant::now();
    let params = ParameterCache::new(params_dir())
        .load_or_generate(CircuitKind::Spend, BENCH_SEED, |_| {})
        .expect("parameters load or generate");
    superzk_prover::groth16::prepare_with(&params, mode).expect("the key prepares");
    let loaded = t.elapsed();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let witness = spend_witness(&mut rng);
    let t = std::time::Instant::now();
    superzk_prover::proof::prove_spend(&params, witness, &mut rng).expect("proves");
    (loaded, t.elapsed())
}

/// An honest Spend witness for a note among 100 others.
pub fn spend_witness(rng: &mut ChaCha20Rng) -> SpendWitness {
    spend_witness_of(rng, |owner, rng| Note {
        asset: AssetId::native(),
        value: 42,
        owner,
        rho: Fr::rand(rng),
        rcm: Fr::rand(rng),
    })
}

/// An honest package Spend witness: three assets sealed, among 100 notes.
pub fn package_spend_witness(rng: &mut ChaCha20Rng) -> SpendWitnessFor<PackageNote> {
    spend_witness_of(rng, package)
}

/// An honest package Output witness.
pub fn package_output_witness(rng: &mut ChaCha20Rng) -> OutputWitnessFor<PackageNote> {
    let owner = Fr::rand(rng);
    OutputWitnessFor {
        note: package(owner, rng),
        rcv: JubjubScalar::rand(rng),
    }
}

fn package(owner: Fr, rng: &mut ChaCha20Rng) -> PackageNote {
    PackageNote {
        key: Fr::rand(rng),
        contents: [
            (AssetId::native(), 10),
            (AssetId::from_name("USD"), 20),
            (AssetId::from_name("EUR"), 30),
            (AssetId::native(), 0),
        ],
        owner,
        rho: Fr::rand(rng),
        rcm: Fr::rand(rng),
    }
}

/// A spend witness of a note made by `make` for a random key's owner tag.
fn spend_witness_of<N: NoteKind>(
    rng: &mut ChaCha20Rng,
    make: impl FnOnce(Fr, &mut ChaCha20Rng) -> N,
) -> SpendWitnessFor<N> {
    let ask = JubjubScalar::rand(rng);
    let ak = (spend_auth_base() * ask).into_affine();
    let nk = Fr::rand(rng);
    let d = [3u8; 11];
    let note = make(owner_tag(&incoming_viewing_key(&ak, &nk), &d), rng);
    let mut tree = CommitmentTree::new();
    for i in 0..50u64 {
        tree.append(Fr::from(i), &mut []).expect("not full");
    }
    let mut ws = vec![tree
        .append_marked(note.commitment(), &mut [])
        .expect("not full")];
    for i in 0..50u64 {
        tree.append(Fr::from(i + 1000), &mut ws).expect("not full");
    }
    SpendWitnessFor {
        note,
        ak,
        nk,
        diversifier: d,
        rcv: JubjubScalar::rand(rng),
        alpha: JubjubScalar::rand(rng),
        path: ws[0].path().clone(),
    }
}

/// An honest Output witness.
pub fn output_witness(rng: &mut ChaCha20Rng) -> OutputWitness {
    OutputWitness {
        note: Note {
            asset: AssetId::from_name("USD"),
            value: 42,
            owner: Fr::rand(rng),
            rho: Fr::rand(rng),
            rcm: Fr::rand(rng),
        },
        rcv: JubjubScalar::rand(rng),
    }
}

/// Number of constraints of a circuit.
pub fn constraints(circuit: impl ConstraintSynthesizer<Fr>) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .generate_constraints(cs.clone())
        .expect("synthesizes");
    cs.num_constraints()
}
