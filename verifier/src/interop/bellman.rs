//! zkcrypto bellman's Groth16 byte layout (BLS12-381).
//!
//! * Verifying key (`bellman::groth16::VerifyingKey::write`): `alpha_g1 ||
//!   beta_g1 || beta_g2 || gamma_g2 || delta_g1 || delta_g2 || n (u32,
//!   big-endian) || ic[0..n]`, every point uncompressed (G1: 96 bytes, G2: 192
//!   bytes). `beta_g1` and `delta_g1` serve bellman's prover only; they are
//!   checked and dropped.
//! * Proof (`Proof::write`): `a || b || c` compressed (48 + 96 + 48 = 192
//!   bytes).
//! * Public inputs (SuperZK's convention, as bellman has no file for them):
//!   one or more files, read in order, each either the concatenation of
//!   32-byte little-endian scalars (the bytes of `bls12_381::Scalar::to_bytes`)
//!   or text: decimal numbers separated by whitespace. A file made only of
//!   ASCII digits and whitespace is read as text, anything else as bytes.
//!
//! Points use the Zcash encoding of BLS12-381 (big-endian coordinates, flag
//! bits in the first byte, `c1` before `c0` in F_q²), which is also what
//! arkworks reads, so decoding goes through arkworks and then through the
//! explicit on-curve and subgroup checks of [`super`].

use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine};
use ark_ec::{
    short_weierstrass::{Affine, SWCurveConfig},
    AffineRepr,
};
use ark_ff::PrimeField;
use ark_groth16::{Proof, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

use super::{checked, decimal_field, ForeignProof, InteropError};

const VK_FILE: &str = "bellman verifying key";
const PROOF_FILE: &str = "bellman proof";
const PUBLIC_FILE: &str = "public inputs";

/// Size of a proof: `a`, `b`, `c` compressed.
pub const PROOF_LEN: usize = 48 + 96 + 48;
/// Most public inputs a verifying key may declare (far beyond any real
/// circuit; bounds the work done on a forged length).
pub const MAX_INPUTS: usize = 1 << 20;

/// Reads a bellman verifying key, proof and public-input files into a
/// checked proof.
pub fn parse(vk: &[u8], proof: &[u8], public: &[&[u8]]) -> Result<ForeignProof, InteropError> {
    let vk = parse_verifying_key(vk)?;
    let proof = parse_proof(proof)?;
    let mut inputs = Vec::new();
    for file in public {
        inputs.extend(parse_public_inputs(file)?);
    }
    ForeignProof::new(vk, proof, inputs)
}

/// A cursor over a file's bytes that names the file and field in errors.
struct Reader<'a> {
    bytes: &'a [u8],
    file: &'static str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], InteropError> {
        if self.bytes.len() < n {
            return Err(InteropError::Malformed {
                file: self.file,
                reason: format!(
                    "truncated: {what} needs {n} bytes, {} left",
                    self.bytes.len()
                ),
            });
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// A point of G1 or G2 in the Zcash encoding, checked.
    fn point<P: SWCurveConfig>(
        &mut self,
        compress: Compress,
        what: &str,
    ) -> Result<Affine<P>, InteropError> {
        let bytes = self.take(Affine::<P>::generator().serialized_size(compress), what)?;
        // Decoding failures (bad flags, x not on the curve when compressed,
        // coordinates at or above the modulus) and subgroup failures alike
        // are reported as an invalid point.
        let p =
            Affine::<P>::deserialize_with_mode(bytes, compress, Validate::No).map_err(|_| {
                InteropError::InvalidPoint {
                    file: self.file,
                    field: what.to_string(),
                }
            })?;
        checked(p, self.file, what)
    }

    fn g1(&mut self, compress: Compress, what: &str) -> Result<G1Affine, InteropError> {
        self.point(compress, what)
    }

    fn g2(&mut self, compress: Compress, what: &str) -> Result<G2Affine, InteropError> {
        self.point(compress, what)
    }

    fn finish(self) -> Result<(), InteropError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(InteropError::Malformed {
                file: self.file,
                reason: format!("{} unexpected bytes after the end", self.bytes.len()),
            })
        }
    }
}

/// Reads `VerifyingKey::write`'s bytes.
pub fn parse_verifying_key(bytes: &[u8]) -> Result<VerifyingKey<Bls12_381>, InteropError> {
    let mut r = Reader {
        bytes,
        file: VK_FILE,
    };
    let alpha_g1 = r.g1(Compress::No, "alpha_g1")?;
    let _beta_g1 = r.g1(Compress::No, "beta_g1")?;
    let beta_g2 = r.g2(Compress::No, "beta_g2")?;
    let gamma_g2 = r.g2(Compress::No, "gamma_g2")?;
    let _delta_g1 = r.g1(Compress::No, "delta_g1")?;
    let delta_g2 = r.g2(Compress::No, "delta_g2")?;
    let n =
        u32::from_be_bytes(r.take(4, "the length of ic")?.try_into().expect("4 bytes")) as usize;
    if n == 0 || n > MAX_INPUTS + 1 {
        return Err(InteropError::Malformed {
            file: VK_FILE,
            reason: format!(
                "ic must hold 1 to {} points, the key says {n}",
                MAX_INPUTS + 1
            ),
        });
    }
    if r.bytes.len() != n * 96 {
        return Err(InteropError::Malformed {
            file: VK_FILE,
            reason: format!(
                "ic has {n} points ({} bytes) but {} bytes follow",
                n * 96,
                r.bytes.len()
            ),
        });
    }
    let gamma_abc_g1 = (0..n)
        .map(|i| r.g1(Compress::No, &format!("ic[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    r.finish()?;
    Ok(VerifyingKey {
        alpha_g1,
        beta_g2,
        gamma_g2,
        delta_g2,
        gamma_abc_g1,
    })
}

/// Reads `Proof::write`'s 192 bytes.
pub fn parse_proof(bytes: &[u8]) -> Result<Proof<Bls12_381>, InteropError> {
    if bytes.len() != PROOF_LEN {
        return Err(InteropError::Malformed {
            file: PROOF_FILE,
            reason: format!(
                "a proof is {PROOF_LEN} bytes (a, b, c compressed), this file has {}",
                bytes.len()
            ),
        });
    }
    let mut r = Reader {
        bytes,
        file: PROOF_FILE,
    };
    let proof = Proof {
        a: r.g1(Compress::Yes, "a")?,
        b: r.g2(Compress::Yes, "b")?,
        c: r.g1(Compress::Yes, "c")?,
    };
    r.finish()?;
    Ok(proof)
}

/// Reads a public-input file: decimal text, or 32-byte little-endian scalars.
pub fn parse_public_inputs(bytes: &[u8]) -> Result<Vec<Fr>, InteropError> {
    let is_text = bytes
        .iter()
        .all(|b| b.is_ascii_digit() || b.is_ascii_whitespace());
    if is_text {
        let text = std::str::from_utf8(bytes).expect("ASCII");
        return text
            .split_ascii_whitespace()
            .enumerate()
            .map(|(i, s)| decimal_field(s, PUBLIC_FILE, &format!("input {i}")))
            .collect();
    }
    if bytes.len() % 32 != 0 {
        return Err(InteropError::Malformed {
            file: PUBLIC_FILE,
            reason: format!(
                "{} bytes is not a whole number of 32-byte scalars (and the file is not decimal text)",
                bytes.len()
            ),
        });
    }
    bytes
        .chunks_exact(32)
        .enumerate()
        .map(|(i, chunk)| {
            let n = num_bigint::BigUint::from_bytes_le(chunk);
            let modulus: num_bigint::BigUint = Fr::MODULUS.into();
            if n >= modulus {
                Err(InteropError::BadNumber {
                    file: PUBLIC_FILE,
                    field: format!("input {i}"),
                    reason: "at or above the scalar field modulus".into(),
                })
            } else {
                Ok(Fr::from_le_bytes_mod_order(chunk))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_inputs_text_and_bytes() {
        assert_eq!(
            parse_public_inputs(b"33\n 7\n").unwrap(),
            vec![Fr::from(33u8), Fr::from(7u8)]
        );
        let mut bytes = [0u8; 64];
        bytes[0] = 33;
        bytes[32] = 0xff;
        assert_eq!(
            parse_public_inputs(&bytes).unwrap(),
            vec![Fr::from(33u8), Fr::from(255u8)]
        );
        assert!(matches!(
            parse_public_inputs(&[0xff; 32]),
            Err(InteropError::BadNumber { .. })
        ));
        assert!(matches!(
            parse_public_inputs(&[1; 33]),
            Err(InteropError::Malformed { .. })
        ));
        assert!(parse_public_inputs(b"").unwrap().is_empty());
    }

    #[test]
    fn truncated_and_garbage_keys_are_typed_errors() {
        for len in [0, 1, 95, 96, 500, 868, 1000] {
            let garbage = vec![0x5a; len];
            assert!(parse_verifying_key(&garbage).is_err());
        }
        assert!(matches!(
            parse_proof(&[0u8; 191]),
            Err(InteropError::Malformed { .. })
        ));
        assert!(matches!(
            parse_proof(&[0x5a; 192]),
            Err(InteropError::InvalidPoint { .. })
        ));
    }
}
