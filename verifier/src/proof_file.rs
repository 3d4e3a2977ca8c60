//! A standalone proof file: one Groth16 proof with its public inputs and the
//! fingerprint of the verifying key it is for, so that an auditor can check a
//! single action offline.
//!
//! ```text
//! proof_file = "SZKR" || version (1) || circuit (1 spend, 2 output, 3 package spend, 4 package output)
//!              || vk fingerprint (32) || n_inputs (u16) || input (32)* || proof (192)
//! ```

use ark_bls12_381::Bls12_381;
use ark_groth16::Proof;
use ark_serialize::CanonicalSerialize;
use superzk_circuits::Fr;
use superzk_keys::{
    params::{CircuitKind, Fingerprint},
    spending_key::{decode_field, encode_field},
};

use crate::{
    error::DecodeError,
    transaction::{decode_proof, PROOF_LEN},
};

const MAGIC: &[u8; 4] = b"SZKR";
const VERSION: u8 = 1;

/// One proof and what it proves.
#[derive(Clone, Debug, PartialEq)]
pub struct ProofFile {
    /// Which circuit.
    pub kind: CircuitKind,
    /// Fingerprint of its verifying key.
    pub vk: Fingerprint,
    /// The public inputs.
    pub public_inputs: Vec<Fr>,
    /// The proof.
    pub proof: Proof<Bls12_381>,
}

impl ProofFile {
    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.push(self.kind.id());
        out.extend_from_slice(&self.vk.0);
        out.extend_from_slice(&(self.public_inputs.len() as u16).to_le_bytes());
        for x in &self.public_inputs {
            out.extend_from_slice(&encode_field(x));
        }
        let mut proof = [0u8; PROOF_LEN];
        self.proof
            .serialize_compressed(&mut proof[..])
            .expect("192 bytes");
        out.extend_from_slice(&proof);
        out
    }

    /// Parses a proof file; any bytes give a file or a typed error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let need = |what, n: usize, have: usize| DecodeError::Truncated {
            what,
            needed: n.saturating_sub(have),
        };
        if bytes.len() < 4 + 1 + 1 + 32 + 2 {
            return Err(need("proof file header", 40, bytes.len()));
        }
        if &bytes[..4] != MAGIC {
            return Err(DecodeError::BadMagic);
        }
        if bytes[4] != VERSION {
            return Err(DecodeError::UnsupportedVersion(bytes[4]));
        }
        let kind =
            CircuitKind::from_id(bytes[5]).ok_or(DecodeError::InvalidEncoding("circuit id"))?;
        let vk = Fingerprint(bytes[6..38].try_into().expect("32 bytes"));
        let n = u16::from_le_bytes([bytes[38], bytes[39]]) as usize;
        if n != kind.num_public_inputs() {
            return Err(DecodeError::TooMany {
                what: "public inputs",
                got: n,
                max: kind.num_public_inputs(),
            });
        }
        let rest = &bytes[40..];
        let expected = n * 32 + PROOF_LEN;
        if rest.len() < expected {
            return Err(need("public inputs and proof", expected, rest.len()));
        }
        if rest.len() > expected {
            return Err(DecodeError::TrailingBytes(rest.len() - expected));
        }
        let public_inputs = rest[..n * 32]
            .chunks(32)
            .map(|c| {
                decode_field(c, "public input")
                    .map_err(|_| DecodeError::InvalidEncoding("public input"))
            })
            .collect::<Result<_, _>>()?;
        let proof = decode_proof(&rest[n * 32..])?;
        Ok(Self {
            kind,
            vk,
            public_inputs,
            proof,
        })
    }
}
