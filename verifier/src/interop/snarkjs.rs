//! snarkjs's Groth16 JSON files, for the `bls12381` curve.
//!
//! * `verification_key.json`: `{"protocol": "groth16", "curve": "bls12381",
//!   "nPublic": n, "vk_alpha_1": G1, "vk_beta_2": G2, "vk_gamma_2": G2,
//!   "vk_delta_2": G2, "IC": [G1; n + 1], ...}` (other fields, such as
//!   `vk_alphabeta_12`, are ignored: they are derived from the others);
//! * `proof.json`: `{"pi_a": G1, "pi_b": G2, "pi_c": G1, "protocol": "groth16",
//!   "curve": "bls12381"}`;
//! * `public.json`: `["decimal", ...]`, the public signals in order.
//!
//! A G1 point is `[x, y, z]` and a G2 point `[[x0, x1], [y0, y1], [z0, z1]]`
//! (an element of F_q² is `[c0, c1]`, meaning `c0 + c1·u`), all decimal
//! strings, in Jacobian coordinates: the affine point is `(x/z², y/z³)`, and
//! `z = 0` is the point at infinity. snarkjs writes affine points (`z = 1`).

use ark_bls12_381::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ff::Field;
use ark_groth16::{Proof, VerifyingKey};
use serde_json::Value;

use super::{checked, decimal_field, ForeignProof, InteropError};

/// The curve name snarkjs writes for BLS12-381.
pub const CURVE: &str = "bls12381";

const VK_FILE: &str = "verification key";
const PROOF_FILE: &str = "proof";
const PUBLIC_FILE: &str = "public signals";

/// Reads the three snarkjs files (their bytes) into a checked proof.
pub fn parse(
    vk_json: &[u8],
    proof_json: &[u8],
    public_json: &[u8],
) -> Result<ForeignProof, InteropError> {
    let vk = parse_verifying_key(vk_json)?;
    let proof = parse_proof(proof_json)?;
    let inputs = parse_public_signals(public_json)?;
    ForeignProof::new(vk, proof, inputs)
}

fn json(bytes: &[u8], file: &'static str) -> Result<Value, InteropError> {
    serde_json::from_slice(bytes).map_err(|e| InteropError::Malformed {
        file,
        reason: format!("not JSON: {e}"),
    })
}

fn malformed(file: &'static str, reason: impl Into<String>) -> InteropError {
    InteropError::Malformed {
        file,
        reason: reason.into(),
    }
}

fn field<'a>(v: &'a Value, name: &str, file: &'static str) -> Result<&'a Value, InteropError> {
    v.get(name)
        .ok_or_else(|| malformed(file, format!("missing field \"{name}\"")))
}

/// Refuses files of another curve or protocol. `required`: the verifying key
/// must name its curve; snarkjs's proof files name it too, but a proof without
/// the field is accepted (its points are checked on BLS12-381 anyway).
fn check_header(v: &Value, file: &'static str, required: bool) -> Result<(), InteropError> {
    match v.get("curve") {
        Some(Value::String(c)) if c == CURVE => {}
        Some(Value::String(c)) => {
            return Err(InteropError::WrongCurve {
                file,
                found: c.clone(),
            })
        }
        Some(_) => return Err(malformed(file, "\"curve\" is not a string")),
        None if required => return Err(malformed(file, "missing field \"curve\"")),
        None => {}
    }
    match v.get("protocol") {
        Some(Value::String(p)) if p == "groth16" => Ok(()),
        Some(Value::String(p)) => Err(InteropError::WrongProtocol {
            file,
            found: p.clone(),
        }),
        Some(_) => Err(malformed(file, "\"protocol\" is not a string")),
        None if required => Err(malformed(file, "missing field \"protocol\"")),
        None => Ok(()),
    }
}

fn array<'a>(
    v: &'a Value,
    len: usize,
    file: &'static str,
    name: &str,
) -> Result<&'a [Value], InteropError> {
    match v.as_array() {
        Some(a) if a.len() == len => Ok(a),
        _ => Err(malformed(
            file,
            format!("{name} must be an array of {len} elements"),
        )),
    }
}

fn number<F: ark_ff::PrimeField>(
    v: &Value,
    file: &'static str,
    name: &str,
) -> Result<F, InteropError> {
    match v.as_str() {
        Some(s) => decimal_field(s, file, name),
        None => Err(malformed(file, format!("{name} must be a decimal string"))),
    }
}

fn fq2(v: &Value, file: &'static str, name: &str) -> Result<Fq2, InteropError> {
    let c = array(v, 2, file, name)?;
    Ok(Fq2::new(
        number(&c[0], file, name)?,
        number(&c[1], file, name)?,
    ))
}

/// Jacobian `(x, y, z)` to affine `(x/z², y/z³)`; `None` for `z = 0`.
fn jacobian_to_affine<F: Field>(x: F, y: F, z: F) -> Option<(F, F)> {
    let zinv = z.inverse()?;
    let zinv2 = zinv.square();
    Some((x * zinv2, y * zinv2 * zinv))
}

/// A G1 point `[x, y, z]`, checked.
pub fn g1(v: &Value, file: &'static str, name: &str) -> Result<G1Affine, InteropError> {
    let c = array(v, 3, file, name)?;
    let (x, y, z): (Fq, Fq, Fq) = (
        number(&c[0], file, name)?,
        number(&c[1], file, name)?,
        number(&c[2], file, name)?,
    );
    let p = match jacobian_to_affine(x, y, z) {
        Some((x, y)) => G1Affine::new_unchecked(x, y),
        None => G1Affine::identity(),
    };
    checked(p, file, name)
}

/// A G2 point `[[x0, x1], [y0, y1], [z0, z1]]`, checked.
pub fn g2(v: &Value, file: &'static str, name: &str) -> Result<G2Affine, InteropError> {
    let c = array(v, 3, file, name)?;
    let (x, y, z) = (
        fq2(&c[0], file, name)?,
        fq2(&c[1], file, name)?,
        fq2(&c[2], file, name)?,
    );
    let p = match jacobian_to_affine(x, y, z) {
        Some((x, y)) => G2Affine::new_unchecked(x, y),
        None => G2Affine::identity(),
    };
    checked(p, file, name)
}

/// Reads `verification_key.json`.
pub fn parse_verifying_key(
    bytes: &[u8],
) -> Result<VerifyingKey<ark_bls12_381::Bls12_381>, InteropError> {
    let v = json(bytes, VK_FILE)?;
    check_header(&v, VK_FILE, true)?;
    let ic = field(&v, "IC", VK_FILE)?
        .as_array()
        .ok_or_else(|| malformed(VK_FILE, "\"IC\" must be an array of G1 points"))?;
    if ic.is_empty() {
        return Err(malformed(VK_FILE, "\"IC\" is empty"));
    }
    if let Some(n) = v.get("nPublic") {
        if n.as_u64() != Some(ic.len() as u64 - 1) {
            return Err(malformed(
                VK_FILE,
                format!(
                    "\"nPublic\" is {n} but \"IC\" has {} points (expected nPublic + 1)",
                    ic.len()
                ),
            ));
        }
    }
    let gamma_abc_g1 = ic
        .iter()
        .enumerate()
        .map(|(i, p)| g1(p, VK_FILE, &format!("IC[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VerifyingKey {
        alpha_g1: g1(field(&v, "vk_alpha_1", VK_FILE)?, VK_FILE, "vk_alpha_1")?,
        beta_g2: g2(field(&v, "vk_beta_2", VK_FILE)?, VK_FILE, "vk_beta_2")?,
        gamma_g2: g2(field(&v, "vk_gamma_2", VK_FILE)?, VK_FILE, "vk_gamma_2")?,
        delta_g2: g2(field(&v, "vk_delta_2", VK_FILE)?, VK_FILE, "vk_delta_2")?,
        gamma_abc_g1,
    })
}

/// Reads `proof.json`.
pub fn parse_proof(bytes: &[u8]) -> Result<Proof<ark_bls12_381::Bls12_381>, InteropError> {
    let v = json(bytes, PROOF_FILE)?;
    check_header(&v, PROOF_FILE, false)?;
    Ok(Proof {
        a: g1(field(&v, "pi_a", PROOF_FILE)?, PROOF_FILE, "pi_a")?,
        b: g2(field(&v, "pi_b", PROOF_FILE)?, PROOF_FILE, "pi_b")?,
        c: g1(field(&v, "pi_c", PROOF_FILE)?, PROOF_FILE, "pi_c")?,
    })
}

/// Reads `public.json`: an array of decimal strings below the scalar field's
/// modulus.
pub fn parse_public_signals(bytes: &[u8]) -> Result<Vec<Fr>, InteropError> {
    let v = json(bytes, PUBLIC_FILE)?;
    let signals = v
        .as_array()
        .ok_or_else(|| malformed(PUBLIC_FILE, "must be an array of decimal strings"))?;
    signals
        .iter()
        .enumerate()
        .map(|(i, s)| number(s, PUBLIC_FILE, &format!("signal {i}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::UniformRand;

    fn g1_json(p: G1Affine) -> Value {
        match p.xy() {
            Some((x, y)) => serde_json::json!([x.to_string(), y.to_string(), "1"]),
            None => serde_json::json!(["0", "1", "0"]),
        }
    }

    #[test]
    fn jacobian_coordinates_are_converted() {
        let mut rng = ark_std::test_rng();
        let p = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let (x, y) = p.xy().unwrap();
        let z = Fq::rand(&mut rng);
        let v = serde_json::json!([
            (x * z.square()).to_string(),
            (y * z.square() * z).to_string(),
            z.to_string()
        ]);
        assert_eq!(g1(&v, "t", "p").unwrap(), p);
        assert_eq!(g1(&g1_json(p), "t", "p").unwrap(), p);
        assert!(g1(&g1_json(G1Affine::identity()), "t", "p")
            .unwrap()
            .is_zero());
    }

    #[test]
    fn off_curve_and_non_canonical_points_are_refused() {
        let p = G1Affine::generator();
        let (x, y) = p.xy().unwrap();
        let off = serde_json::json!([x.to_string(), (y + Fq::from(1u8)).to_string(), "1"]);
        assert!(matches!(
            g1(&off, "t", "p"),
            Err(InteropError::InvalidPoint { .. })
        ));
        let modulus: num_bigint::BigUint = <Fq as ark_ff::PrimeField>::MODULUS.into();
        let big = serde_json::json!([
            (modulus + num_bigint::BigUint::from(1u8)).to_string(),
            "2",
            "1"
        ]);
        assert!(matches!(
            g1(&big, "t", "p"),
            Err(InteropError::BadNumber { .. })
        ));
        let neg = serde_json::json!(["-1", "2", "1"]);
        assert!(matches!(
            g1(&neg, "t", "p"),
            Err(InteropError::BadNumber { .. })
        ));
    }

    #[test]
    fn other_curves_are_named() {
        let vk = br#"{"protocol":"groth16","curve":"bn128","nPublic":0,"IC":[]}"#;
        let err = parse_verifying_key(vk).unwrap_err();
        assert_eq!(
            err,
            InteropError::WrongCurve {
                file: VK_FILE,
                found: "bn128".into()
            }
        );
        assert!(err.to_string().contains("bn128"));
        let plonk = br#"{"protocol":"plonk","curve":"bls12381"}"#;
        assert!(matches!(
            parse_verifying_key(plonk),
            Err(InteropError::WrongProtocol { .. })
        ));
        assert!(matches!(
            parse_proof(b"\xff"),
            Err(InteropError::Malformed { .. })
        ));
    }
}
