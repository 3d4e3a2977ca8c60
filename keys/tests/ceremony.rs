//! The parameter ceremony: a three-participant ceremony for the real Output
//! circuit whose parameters prove and verify; tampered, skipped and garbage
//! transcripts are refused with typed errors (on a tiny circuit, for speed).

use ark_bls12_381::{Bls12_381, Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_groth16::Groth16;
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_serialize::Compress;
use ark_snark::SNARK;
use rand_core::OsRng;
use superzk_keys::{
    ceremony::{CeremonyError, R1cs, Transcript},
    params::{
        proving_key_from_bytes, proving_key_to_bytes, CircuitKind, Parameters, VerifyingParameters,
    },
};

fn quiet(_: u64) {}

/// Knows `x` with `x³ + x + k = y`; public `k`, `y`.
#[derive(Clone)]
struct Cubic {
    x: Fr,
    k: Fr,
}

impl ConstraintSynthesizer<Fr> for Cubic {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let k = FpVar::new_input(cs.clone(), || Ok(self.k))?;
        let y = FpVar::new_input(cs.clone(), || {
            Ok(self.x * self.x * self.x + self.x + self.k)
        })?;
        let x = FpVar::new_witness(cs, || Ok(self.x))?;
        (&x * &x * &x + &x + k).enforce_equal(&y)
    }
}

fn cubic_public(c: &Cubic) -> Vec<Fr> {
    vec![c.k, c.x * c.x * c.x + c.x + c.k]
}

/// A tiny ceremony: `p1` phase-1 and `p2` phase-2 contributions.
fn tiny(p1: usize, p2: usize) -> (R1cs, Transcript) {
    let r1cs = R1cs::of(Cubic {
        x: Fr::from(0u8),
        k: Fr::from(0u8),
    })
    .unwrap();
    let mut t = Transcript::new(0, &r1cs).unwrap();
    for _ in 0..p1 {
        t.contribute(&mut OsRng, &quiet);
    }
    t.begin_phase2(&r1cs).unwrap();
    for _ in 0..p2 {
        t.contribute(&mut OsRng, &quiet);
    }
    (r1cs, t)
}

#[test]
fn tiny_ceremony_proves_and_round_trips() {
    let (r1cs, t) = tiny(3, 3);
    let v = t.verify(&r1cs, &mut OsRng).unwrap();
    assert_eq!((v.phase1, v.phase2, v.digests.len()), (3, 3, 6));
    let t2 = Transcript::from_bytes(&t.to_bytes()).unwrap();
    assert_eq!(t2, t);
    let pk = t2.finalize(&r1cs, &mut OsRng).unwrap();
    let c = Cubic {
        x: Fr::from(3u8),
        k: Fr::from(7u8),
    };
    let proof = Groth16::<Bls12_381>::prove(&pk, c.clone(), &mut OsRng).unwrap();
    assert!(Groth16::<Bls12_381>::verify(&pk.vk, &cubic_public(&c), &proof).unwrap());
    let mut wrong = cubic_public(&c);
    wrong[1] += Fr::from(1u8);
    assert!(!Groth16::<Bls12_381>::verify(&pk.vk, &wrong, &proof).unwrap());
}

#[test]
fn phases_need_contributions() {
    let r1cs = R1cs::of(Cubic {
        x: Fr::from(0u8),
        k: Fr::from(0u8),
    })
    .unwrap();
    let mut t = Transcript::new(0, &r1cs).unwrap();
    assert!(matches!(
        t.begin_phase2(&r1cs),
        Err(CeremonyError::WrongState(_))
    ));
    t.contribute(&mut OsRng, &quiet);
    t.begin_phase2(&r1cs).unwrap();
    assert!(matches!(
        t.finalize(&r1cs, &mut OsRng),
        Err(CeremonyError::WrongState(_))
    ));
}

#[test]
fn tampered_contributions_fail() {
    let (r1cs, t) = tiny(3, 3);
    let other = G1Affine::generator() * Fr::from(5u8);

    let mut bad = t.clone();
    bad.phase1[1].tau.response += Fr::from(1u8);
    assert!(matches!(
        bad.verify(&r1cs, &mut OsRng),
        Err(CeremonyError::BadContribution {
            phase: 1,
            index: 2,
            ..
        })
    ));

    let mut bad = t.clone();
    bad.phase2[2].delta_g2 = (bad.phase2[2].delta_g2 * Fr::from(2u8)).into_affine();
    assert!(matches!(
        bad.verify(&r1cs, &mut OsRng),
        Err(CeremonyError::BadContribution {
            phase: 2,
            index: 3,
            ..
        })
    ));

    // A valid-looking point in the parameters that no contribution explains.
    let mut bad = t.clone();
    bad.params.as_mut().unwrap().l_query[0] = other.into_affine();
    assert!(matches!(
        bad.verify(&r1cs, &mut OsRng),
        Err(CeremonyError::Inconsistent(_))
    ));
    let mut bad = t.clone();
    bad.params.as_mut().unwrap().a_query[1] = other.into_affine();
    assert!(matches!(
        bad.verify(&r1cs, &mut OsRng),
        Err(CeremonyError::Inconsistent(_))
    ));
    let mut bad = t.clone();
    bad.powers.tau_g1[5] = other.into_affine();
    assert!(matches!(
        bad.verify(&r1cs, &mut OsRng),
        Err(CeremonyError::Inconsistent(_))
    ));
}

#[test]
fn skipped_contributions_fail() {
    let (r1cs, t) = tiny(3, 3);
    let mut bad = t.clone();
    bad.phase1.remove(1);
    assert!(matches!(
        bad.verify(&r1cs, &mut OsRng),
        Err(CeremonyError::BadContribution {
            phase: 1,
            index: 2,
            ..
        })
    ));
    let mut bad = t.clone();
    bad.phase2.remove(0);
    assert!(matches!(
        bad.verify(&r1cs, &mut OsRng),
        Err(CeremonyError::BadContribution {
            phase: 2,
            index: 1,
            ..
        })
    ));
    // Dropping the last one leaves parameters its predecessors do not explain.
    let mut bad = t.clone();
    bad.phase2.pop();
    assert!(matches!(
        bad.verify(&r1cs, &mut OsRng),
        Err(CeremonyError::Inconsistent(_))
    ));
}

#[test]
fn garbage_transcripts_are_typed_errors() {
    let (r1cs, t) = tiny(1, 1);
    let bytes = t.to_bytes();
    assert!(matches!(
        Transcript::from_bytes(b""),
        Err(CeremonyError::Malformed(_))
    ));
    assert!(matches!(
        Transcript::from_bytes(&[0x42; 5000]),
        Err(CeremonyError::Malformed(_))
    ));
    for cut in [5, 38, 39, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(matches!(
            Transcript::from_bytes(&bytes[..cut]),
            Err(CeremonyError::Malformed(_))
        ));
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        Transcript::from_bytes(&long),
        Err(CeremonyError::Malformed(_))
    ));
    // Huge length prefix right after the header.
    let mut huge = bytes[..38].to_vec();
    huge.extend_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        Transcript::from_bytes(&huge),
        Err(CeremonyError::Malformed(_))
    ));
    // Flipped bytes anywhere: an error, or (in a scalar) a transcript that
    // does not verify; never a panic, never a valid transcript.
    for i in (38..bytes.len()).step_by(997) {
        let mut b = bytes.clone();
        b[i] ^= 0x10;
        if let Ok(t2) = Transcript::from_bytes(&b) {
            assert!(
                t2.verify(&r1cs, &mut OsRng).is_err(),
                "byte {i} altered, still valid"
            );
        }
    }
    // Another circuit.
    let other = R1cs::of(CircuitKindCircuit).unwrap();
    assert!(matches!(
        t.verify(&other, &mut OsRng),
        Err(CeremonyError::WrongCircuit(_))
    ));
}

/// A circuit of another shape (two cubes).
struct CircuitKindCircuit;
impl ConstraintSynthesizer<Fr> for CircuitKindCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(2u8)))?;
        let y = FpVar::new_input(cs, || Ok(Fr::from(16u8)))?;
        (&x * &x * &x * &x).enforce_equal(&y)
    }
}

#[test]
fn three_participant_ceremony_for_the_output_circuit() {
    use ark_ed_on_bls12_381::Fr as JubjubScalar;
    use ark_ff::UniformRand;
    use superzk_circuits::{
        note::{AssetId, Note},
        output::{OutputCircuit, OutputWitness},
    };
    let kind = CircuitKind::Output;
    let r1cs = R1cs::of(OutputCircuit::blank()).unwrap();
    let mut t = Transcript::new(kind.id(), &r1cs).unwrap();
    let mut published = vec![];
    for _participant in 0..3 {
        // Each participant gets the file, contributes, passes it on.
        let mut mine = Transcript::from_bytes(&t.to_bytes()).unwrap();
        published.push(mine.contribute(&mut OsRng, &quiet));
        t = mine;
    }
    t.begin_phase2(&r1cs).unwrap();
    for _participant in 0..3 {
        published.push(t.contribute(&mut OsRng, &quiet));
    }
    let t = Transcript::from_bytes(&t.to_bytes()).unwrap();
    let (v, pk) = t.verify_and_finalize(&r1cs, &mut OsRng).unwrap();
    assert_eq!(v.digests, published);

    // Into the SDK's parameter file format and back.
    let params = Parameters {
        verifying: VerifyingParameters::new(kind, pk.vk.clone()).unwrap(),
        proving_key: pk,
    };
    let params = proving_key_from_bytes(
        &proving_key_to_bytes(&params, Compress::Yes),
        ark_serialize::Validate::Yes,
    )
    .unwrap();

    let mut rng = OsRng;
    let w = OutputWitness {
        note: Note {
            asset: AssetId::native(),
            value: 42,
            owner: Fr::rand(&mut rng),
            rho: Fr::rand(&mut rng),
            rcm: Fr::rand(&mut rng),
        },
        rcv: JubjubScalar::rand(&mut rng),
    };
    let public = w.public_inputs().to_field_elements();
    let proof =
        Groth16::<Bls12_381>::prove(&params.proving_key, OutputCircuit::new(w), &mut rng).unwrap();
    assert!(Groth16::<Bls12_381>::verify(&params.verifying.vk, &public, &proof).unwrap());
    let mut wrong = public.clone();
    wrong[0] += Fr::from(1u8);
    assert!(!Groth16::<Bls12_381>::verify(&params.verifying.vk, &wrong, &proof).unwrap());
}
