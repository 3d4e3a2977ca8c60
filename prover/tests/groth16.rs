//! The crate's own Groth16 prover (`superzk_prover::groth16`): its Spend
//! and Output proofs verify with arkworks' verifier under today's keys, and
//! a witness that breaks a constraint is refused instead of proven.

use std::{path::Path, sync::OnceLock};

use ark_bls12_381::Bls12_381;
use ark_ec::CurveGroup;
use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_ff::UniformRand;
use ark_groth16::Groth16;
use ark_serialize::CanonicalSerialize;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::{
    generators::spend_auth_base,
    note::{incoming_viewing_key, owner_tag, AssetId, Note},
    output::OutputWitness,
    spend::SpendWitness,
    tree::CommitmentTree,
    Fr,
};
use superzk_keys::params::{CircuitKind, ParameterCache, Parameters};
use superzk_prover::proof::{prove_output, prove_spend, ProofError};

const SEED: &[u8] = b"superzk tests";

fn params(kind: CircuitKind) -> &'static Parameters {
    static SPEND: OnceLock<Parameters> = OnceLock::new();
    static OUTPUT: OnceLock<Parameters> = OnceLock::new();
    let cell = if kind == CircuitKind::Spend {
        &SPEND
    } else {
        &OUTPUT
    };
    cell.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("superzk-params");
        ParameterCache::new(dir)
            .load_or_generate(kind, SEED, |_| {})
            .unwrap()
    })
}

fn spend_witness(rng: &mut ChaCha20Rng) -> SpendWitness {
    let ask = JubjubScalar::rand(rng);
    let ak = (spend_auth_base() * ask).into_affine();
    let nk = Fr::rand(rng);
    let d = [5u8; 11];
    let note = Note {
        asset: AssetId::native(),
        value: 9,
        owner: owner_tag(&incoming_viewing_key(&ak, &nk), &d),
        rho: Fr::rand(rng),
        rcm: Fr::rand(rng),
    };
    let mut tree = CommitmentTree::new();
    for i in 0..5u64 {
        tree.append(Fr::from(i), &mut []).unwrap();
    }
    let mut marked = vec![tree.append_marked(note.commitment(), &mut []).unwrap()];
    tree.append(Fr::from(99u64), &mut marked).unwrap();
    SpendWitness {
        note,
        ak,
        nk,
        diversifier: d,
        rcv: JubjubScalar::rand(rng),
        alpha: JubjubScalar::rand(rng),
        path: marked[0].path().clone(),
    }
}

fn output_witness(rng: &mut ChaCha20Rng) -> OutputWitness {
    OutputWitness {
        note: Note {
            asset: AssetId::from_name("USD"),
            value: 11,
            owner: Fr::rand(rng),
            rho: Fr::rand(rng),
            rcm: Fr::rand(rng),
        },
        rcv: JubjubScalar::rand(rng),
    }
}

fn verifies(params: &Parameters, proof: &ark_groth16::Proof<Bls12_381>, inputs: &[Fr]) -> bool {
    Groth16::<Bls12_381>::verify_proof(&params.verifying.prepared, proof, inputs).unwrap()
}

#[test]
fn spend_proofs_verify_with_arkworks_verifier_and_differ_each_time() {
    let params = params(CircuitKind::Spend);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let w = spend_witness(&mut rng);
    let inputs = w.public_inputs().to_field_elements();
    let first = prove_spend(params, w.clone(), &mut rng).unwrap();
    let second = prove_spend(params, w, &mut rng).unwrap();
    assert!(verifies(params, &first, &inputs));
    assert!(verifies(params, &second, &inputs));
    // Fresh r and s per proof: the same statement never gives the same proof.
    assert_ne!(first, second);
    // The format is arkworks' 192-byte compressed proof, as before.
    assert_eq!(first.compressed_size(), 192);
    let mut wrong = inputs.clone();
    wrong[1] += Fr::from(1u8);
    assert!(!verifies(params, &first, &wrong));
}

#[test]
fn output_proofs_verify_with_arkworks_verifier() {
    let params = params(CircuitKind::Output);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    for _ in 0..2 {
        let w = output_witness(&mut rng);
        let inputs = w.public_inputs().to_field_elements();
        let proof = prove_output(params, w, &mut rng).unwrap();
        assert!(verifies(params, &proof, &inputs));
    }
}

#[test]
fn a_spend_witness_that_breaks_a_constraint_is_refused() {
    let params = params(CircuitKind::Spend);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut w = spend_witness(&mut rng);
    // A note owned by someone else than the spending key's owner.
    w.note.owner = Fr::rand(&mut rng);
    let err = prove_spend(params, w, &mut rng).unwrap_err();
    assert!(
        matches!(&err, ProofError::Proving { circuit: "spend", reason } if reason.contains("does not satisfy")),
        "{err}"
    );
}

/// The server mode through the public API: a Spend proof made after
/// `prepare_with(.., MsmMode::TABLES)` has the bytes of the default mode's
/// with the same randomness and verifies; the process keeps the mode until
/// asked for another.
#[test]
fn spend_proofs_in_the_table_mode_equal_the_default_modes_and_verify() {
    use superzk_prover::groth16::{prepare_with, MsmMode};
    let params = params(CircuitKind::Spend);
    let w = spend_witness(&mut ChaCha20Rng::seed_from_u64(4));
    let inputs = w.public_inputs().to_field_elements();
    let bytes = |mode: MsmMode| {
        prepare_with(params, mode).unwrap();
        let proof = prove_spend(params, w.clone(), &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
        assert!(verifies(params, &proof, &inputs), "{mode:?}");
        let mut out = Vec::new();
        proof.serialize_compressed(&mut out).unwrap();
        out
    };
    let default = bytes(MsmMode::Pippenger);
    assert_eq!(bytes(MsmMode::TABLES), default);
    // Back to the default mode for whatever runs next in this process.
    assert_eq!(bytes(MsmMode::Pippenger), default);
}
