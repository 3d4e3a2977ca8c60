//! Groth16 proofs made by other toolchains: their files are read into
//! arkworks types and verified with [`crate::groth16::verify_single`].
//!
//! * [`snarkjs`]: the JSON files snarkjs writes (`verification_key.json`,
//!   `proof.json`, `public.json`) for the `bls12381` curve;
//! * [`bellman`]: the byte layout of zkcrypto's bellman (`VerifyingKey::write`,
//!   `Proof::write`) with public inputs as defined in [`bellman`].
//!
//! Every point read is checked to be on its curve and in the prime-order
//! subgroup here, whatever the decoder underneath does (arkworks' uncompressed
//! BLS12-381 decoding checks only the subgroup, assuming the point is on the
//! curve). Every number must be canonical (below its modulus). A file made
//! for another curve is refused with [`InteropError::WrongCurve`], naming it.

pub mod bellman;
pub mod snarkjs;

use ark_bls12_381::{Bls12_381, Fr};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_groth16::{prepare_verifying_key, Proof, VerifyingKey};

use crate::groth16::{verify_single, Groth16Error, ProofItem};

/// Why foreign files could not be read as a BLS12-381 Groth16 proof.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum InteropError {
    /// The files are for another curve.
    #[error(
        "{file} is for curve {found}; SuperZK verifies BLS12-381 proofs only \
         (with snarkjs, make the setup with `snarkjs powersoftau new bls12381 ...`)"
    )]
    WrongCurve {
        /// Which file.
        file: &'static str,
        /// The curve it names.
        found: String,
    },
    /// The files are for another proof system.
    #[error("{file} is a {found} file; only Groth16 proofs can be verified here")]
    WrongProtocol {
        /// Which file.
        file: &'static str,
        /// The protocol it names.
        found: String,
    },
    /// The file is not in the expected layout (bad JSON, missing field,
    /// truncated bytes, trailing bytes).
    #[error("{file}: {reason}")]
    Malformed {
        /// Which file.
        file: &'static str,
        /// What is wrong and where.
        reason: String,
    },
    /// A point that is not on the curve or not in the prime-order subgroup.
    #[error(
        "{file}: {field} is not a valid point: off the curve or outside the prime-order \
         subgroup (a corrupt file, or one for another curve)"
    )]
    InvalidPoint {
        /// Which file.
        file: &'static str,
        /// Which point.
        field: String,
    },
    /// A number at or above its field's modulus, or not a number.
    #[error("{file}: {field} is not a canonical field element ({reason})")]
    BadNumber {
        /// Which file.
        file: &'static str,
        /// Which number.
        field: String,
        /// Why.
        reason: String,
    },
    /// The key and the proof disagree on the number of public inputs.
    #[error(
        "the verifying key takes {expected} public inputs but {got} were given; \
         pass the public inputs of this proof, in order"
    )]
    WrongInputCount {
        /// What the key takes.
        expected: usize,
        /// What was given.
        got: usize,
    },
}

/// A Groth16 proof over BLS12-381 read from another toolchain's files, with
/// its verifying key and public inputs; every point checked.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignProof {
    /// The verifying key.
    pub vk: VerifyingKey<Bls12_381>,
    /// The proof.
    pub proof: Proof<Bls12_381>,
    /// The public inputs, in order, without the leading constant 1.
    pub public_inputs: Vec<Fr>,
}

impl ForeignProof {
    /// Puts the parts together, checking that the key takes as many public
    /// inputs as were given.
    pub fn new(
        vk: VerifyingKey<Bls12_381>,
        proof: Proof<Bls12_381>,
        public_inputs: Vec<Fr>,
    ) -> Result<Self, InteropError> {
        let expected = vk.gamma_abc_g1.len().saturating_sub(1);
        if vk.gamma_abc_g1.is_empty() || expected != public_inputs.len() {
            return Err(InteropError::WrongInputCount {
                expected,
                got: public_inputs.len(),
            });
        }
        Ok(Self {
            vk,
            proof,
            public_inputs,
        })
    }

    /// Checks the proof: `Ok` if it is valid for its key and inputs.
    pub fn verify(&self) -> Result<(), Groth16Error> {
        let pvk = prepare_verifying_key(&self.vk);
        verify_single(&ProofItem {
            pvk: &pvk,
            proof: &self.proof,
            public_inputs: &self.public_inputs,
        })
    }
}

/// `p` if it is on the curve and in the prime-order subgroup (G1 or G2).
pub(crate) fn checked<P: SWCurveConfig>(
    p: Affine<P>,
    file: &'static str,
    field: &str,
) -> Result<Affine<P>, InteropError> {
    if p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() {
        Ok(p)
    } else {
        Err(InteropError::InvalidPoint {
            file,
            field: field.to_string(),
        })
    }
}

/// Parses a decimal string as an element of the prime field `F`, refusing
/// anything at or above the modulus, signs, and empty strings.
pub(crate) fn decimal_field<F: ark_ff::PrimeField>(
    s: &str,
    file: &'static str,
    field: &str,
) -> Result<F, InteropError> {
    let bad = |reason: &str| InteropError::BadNumber {
        file,
        field: field.to_string(),
        reason: reason.to_string(),
    };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 200 {
        return Err(bad("expected a decimal number"));
    }
    let n = num_bigint::BigUint::parse_bytes(s.as_bytes(), 10)
        .ok_or_else(|| bad("expected a decimal number"))?;
    let modulus: num_bigint::BigUint = F::MODULUS.into();
    if n >= modulus {
        return Err(bad("at or above the field modulus"));
    }
    Ok(F::from_le_bytes_mod_order(&n.to_bytes_le()))
}
