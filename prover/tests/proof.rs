//! One proof outside a transaction (`superzk_prover::proof`): it verifies
//! against its own public inputs only, and refuses another circuit's
//! parameters.

use std::path::Path;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::{note::AssetId, Fr};
use superzk_prover::ProvingKeys;

fn keys() -> &'static ProvingKeys {
    ProvingKeys::shared_for_tests(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("superzk-params"))
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn output_witness(rng: &mut ChaCha20Rng) -> superzk_circuits::output::OutputWitness {
    use ark_ff::UniformRand;
    superzk_circuits::output::OutputWitness {
        note: superzk_circuits::note::Note {
            asset: AssetId::native(),
            value: 7,
            owner: Fr::rand(rng),
            rho: Fr::rand(rng),
            rcm: Fr::rand(rng),
        },
        rcv: ark_ed_on_bls12_381::Fr::rand(rng),
    }
}

#[test]
fn a_single_output_proof_verifies_against_its_own_inputs_only() {
    use superzk_verifier::groth16::{verify_single, ProofItem};
    let mut rng = rng(41);
    let w = output_witness(&mut rng);
    let inputs = w.public_inputs().to_field_elements();
    let proof = superzk_prover::proof::prove_output(&keys().output, w, &mut rng).unwrap();
    let check = |public_inputs: &[Fr]| {
        verify_single(&ProofItem {
            pvk: &keys().output.verifying.prepared,
            proof: &proof,
            public_inputs,
        })
    };
    assert!(check(&inputs).is_ok());
    let mut wrong = inputs.clone();
    wrong[0] += Fr::from(1u8);
    assert!(check(&wrong).is_err(), "a changed public input is refused");
}

#[test]
fn a_single_proof_refuses_another_circuits_parameters() {
    let mut rng = rng(42);
    let err =
        superzk_prover::proof::prove_output(&keys().spend, output_witness(&mut rng), &mut rng)
            .unwrap_err();
    assert!(
        matches!(
            err,
            superzk_prover::proof::ProofError::WrongParameters {
                expected: "output",
                found: "spend"
            }
        ),
        "{err}"
    );
}
