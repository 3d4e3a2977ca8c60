//! Proofs made by zkcrypto's bellman (from crates.io, in this test) verify
//! through `superzk_verifier::interop::bellman`; altered ones do not.

use bellman::{groth16, Circuit, ConstraintSystem, SynthesisError};
use bls12_381::{Bls12, Scalar};
use ff::Field;
use rand_core::OsRng;
use superzk_verifier::interop::{bellman as interop, InteropError};

/// Knows `x` with `x³ + x + 5 = y`; public inputs `y` and `w = x + 1`, in
/// that order.
struct Cubic {
    x: Option<Scalar>,
}

impl Circuit<Scalar> for Cubic {
    fn synthesize<CS: ConstraintSystem<Scalar>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let missing = || SynthesisError::AssignmentMissing;
        let x_val = self.x;
        let x2_val = x_val.map(|x| x.square());
        let x3_val = x2_val.zip(x_val).map(|(a, b)| a * b);
        let x = cs.alloc(|| "x", || x_val.ok_or_else(missing))?;
        let x2 = cs.alloc(|| "x2", || x2_val.ok_or_else(missing))?;
        let x3 = cs.alloc(|| "x3", || x3_val.ok_or_else(missing))?;
        let y = cs.alloc_input(
            || "y",
            || {
                x3_val
                    .zip(x_val)
                    .map(|(a, b)| a + b + Scalar::from(5u64))
                    .ok_or_else(missing)
            },
        )?;
        let w = cs.alloc_input(
            || "w",
            || x_val.map(|x| x + Scalar::ONE).ok_or_else(missing),
        )?;
        cs.enforce(|| "x2", |lc| lc + x, |lc| lc + x, |lc| lc + x2);
        cs.enforce(|| "x3", |lc| lc + x2, |lc| lc + x, |lc| lc + x3);
        cs.enforce(
            || "y",
            |lc| lc + x3 + x + (Scalar::from(5u64), CS::one()),
            |lc| lc + CS::one(),
            |lc| lc + y,
        );
        cs.enforce(
            || "w",
            |lc| lc + x + CS::one(),
            |lc| lc + CS::one(),
            |lc| lc + w,
        );
        Ok(())
    }
}

struct Made {
    vk: Vec<u8>,
    proof: Vec<u8>,
    /// `y = 35`, `w = 4` as 32-byte little-endian scalars.
    inputs: Vec<u8>,
}

fn make() -> Made {
    let params =
        groth16::generate_random_parameters::<Bls12, _, _>(Cubic { x: None }, &mut OsRng).unwrap();
    let x = Scalar::from(3u64);
    let proof = groth16::create_random_proof(Cubic { x: Some(x) }, &params, &mut OsRng).unwrap();
    let publics = [Scalar::from(35u64), Scalar::from(4u64)];
    // bellman itself accepts it: the files below are a real, valid proof.
    let pvk = groth16::prepare_verifying_key(&params.vk);
    groth16::verify_proof(&pvk, &proof, &publics).unwrap();
    let mut vk = vec![];
    params.vk.write(&mut vk).unwrap();
    let mut proof_bytes = vec![];
    proof.write(&mut proof_bytes).unwrap();
    Made {
        vk,
        proof: proof_bytes,
        inputs: publics.iter().flat_map(|s| s.to_bytes()).collect(),
    }
}

#[test]
fn bellman_proof_verifies_with_binary_and_decimal_inputs() {
    let m = make();
    assert_eq!(m.proof.len(), interop::PROOF_LEN);
    let p = interop::parse(&m.vk, &m.proof, &[&m.inputs]).unwrap();
    assert_eq!(p.public_inputs.len(), 2);
    p.verify().unwrap();
    // The same inputs as decimal text, split over two files.
    interop::parse(&m.vk, &m.proof, &[b"35\n", b"4\n"])
        .unwrap()
        .verify()
        .unwrap();
}

#[test]
fn wrong_inputs_are_invalid() {
    let m = make();
    for inputs in [&b"36 4"[..], b"4 35", b"35 5"] {
        let p = interop::parse(&m.vk, &m.proof, &[inputs]).unwrap();
        assert!(p.verify().is_err(), "inputs {inputs:?} must not verify");
    }
    assert_eq!(
        interop::parse(&m.vk, &m.proof, &[b"35"]).unwrap_err(),
        InteropError::WrongInputCount {
            expected: 2,
            got: 1
        }
    );
}

#[test]
fn altered_proofs_and_keys_never_verify() {
    let m = make();
    for i in (0..m.proof.len()).step_by(7) {
        let mut proof = m.proof.clone();
        proof[i] ^= 0x04;
        if let Ok(p) = interop::parse(&m.vk, &proof, &[&m.inputs]) {
            assert!(p.verify().is_err(), "proof altered at byte {i} verified");
        }
    }
    // Every point of the key, altered in its last coordinate byte.
    let ends = [96, 192, 384, 576, 672, 864]
        .into_iter()
        .chain((0..3).map(|i| 868 + 96 * (i + 1)));
    for end in ends {
        let mut vk = m.vk.clone();
        vk[end - 1] ^= 0x01;
        assert!(
            matches!(
                interop::parse(&vk, &m.proof, &[&m.inputs]),
                Err(InteropError::InvalidPoint { .. })
            ),
            "key altered at byte {} was accepted",
            end - 1
        );
    }
    let mut short = m.vk.clone();
    short.pop();
    assert!(matches!(
        interop::parse_verifying_key(&short),
        Err(InteropError::Malformed { .. })
    ));
}
