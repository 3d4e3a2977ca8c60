//! Verification: transactions (one, or many in one batch), single proof
//! files, verifying-key files; with the fixtures' verifying keys built in
//! (the same files the `superzk verify` command embeds), or others the
//! caller loads into a [`VerifyingKeys`].

use std::sync::OnceLock;

use js_sys::{Array, Uint8Array};
use rand_core::OsRng;
use superzk_chain_core::offline::{self, BlockFileError};
use superzk_keys::params::{verifying_key_from_bytes, CircuitKind, VerifyingParameters};
use superzk_verifier::{
    error::DecodeError,
    groth16::{verify_single, ProofItem},
    proof_file::ProofFile,
    transaction::Transaction,
    verify::{self, AnyAnchor},
};
use wasm_bindgen::{prelude::*, JsCast};

use crate::{error::Error, js};

/// The fixtures' verifying keys (insecure demo parameters), by circuit.
const BUILTIN: [(CircuitKind, &[u8]); 4] = [
    (
        CircuitKind::Spend,
        include_bytes!("../../../fixtures/spend.vk"),
    ),
    (
        CircuitKind::Output,
        include_bytes!("../../../fixtures/output.vk"),
    ),
    (
        CircuitKind::PackageSpend,
        include_bytes!("../../../fixtures/package-spend.vk"),
    ),
    (
        CircuitKind::PackageOutput,
        include_bytes!("../../../fixtures/package-output.vk"),
    ),
];

/// The built-in keys, parsed (and their points checked) once.
pub(crate) fn builtin_keys() -> &'static verify::VerifyingKeys {
    static KEYS: OnceLock<verify::VerifyingKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let key = |i: usize| {
            verifying_key_from_bytes(BUILTIN[i].1).expect("the committed fixture keys decode")
        };
        verify::VerifyingKeys {
            spend: key(0),
            output: key(1),
            package_spend: key(2),
            package_output: key(3),
        }
    })
}

/// A circuit by its name (`spend`, `output`, `package-spend`, `package-output`).
pub(crate) fn circuit(name: &str) -> Result<CircuitKind, Error> {
    CircuitKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| {
            Error::argument(format!(
                "unknown circuit {name:?}; expected spend, output, package-spend or package-output"
            ))
        })
}

fn key_of(keys: &verify::VerifyingKeys, kind: CircuitKind) -> &VerifyingParameters {
    match kind {
        CircuitKind::Spend => &keys.spend,
        CircuitKind::Output => &keys.output,
        CircuitKind::PackageSpend => &keys.package_spend,
        CircuitKind::PackageOutput => &keys.package_output,
    }
}

fn slot(keys: &mut verify::VerifyingKeys, kind: CircuitKind) -> &mut VerifyingParameters {
    match kind {
        CircuitKind::Spend => &mut keys.spend,
        CircuitKind::Output => &mut keys.output,
        CircuitKind::PackageSpend => &mut keys.package_spend,
        CircuitKind::PackageOutput => &mut keys.package_output,
    }
}

/// The bytes of a built-in verifying-key file (`fixtures/<circuit>.vk`).
#[wasm_bindgen(js_name = builtinVerifyingKey)]
pub fn builtin_verifying_key(
    #[wasm_bindgen(js_name = circuit)] circuit_name: &str,
) -> Result<Vec<u8>, Error> {
    let kind = circuit(circuit_name)?;
    let (_, bytes) = BUILTIN
        .iter()
        .find(|(k, _)| *k == kind)
        .expect("every circuit has a built-in key");
    Ok(bytes.to_vec())
}

/// Parses a verifying-key file, checking its points and fingerprint; returns
/// `{ circuit, fingerprint }` (fingerprint in hex, as transactions name it).
#[wasm_bindgen(js_name = verifyingKeyInfo, unchecked_return_type = "VerifyingKeyInfo")]
pub fn verifying_key_info(bytes: &[u8]) -> Result<JsValue, Error> {
    let vp = verifying_key_from_bytes(bytes)?;
    Ok(key_info(&vp))
}

fn key_info(vp: &VerifyingParameters) -> JsValue {
    js::object(&[
        ("circuit", vp.kind.name().into()),
        ("fingerprint", vp.fingerprint.to_hex().into()),
    ])
}

#[wasm_bindgen(typescript_custom_section)]
const VERIFY_TS: &str = r#"
/** A verifying key's circuit and fingerprint (hex). */
export interface VerifyingKeyInfo { circuit: string; fingerprint: string; }
/** The verdict on one item of a batch. `kind` and `message` are those of the error the item would throw on its own. */
export interface Verdict {
  status: "valid" | "invalid" | "malformed";
  name?: string;
  kind?: string;
  message?: string;
}
/** What a verified file was. */
export interface FileSummary {
  type: "transaction" | "proof" | "verifying-key" | "block";
  /** Transaction id (hex), for transactions. */
  id?: string;
  /** For blocks (checked without the chain state: roots, proof of work,
   * account signatures, every shielded transaction): height, hash (hex),
   * chain transactions (coinbase included) and how many are shielded. */
  height?: number;
  hash?: string;
  transactions?: number;
  shielded?: number;
  /** Circuit name, for proofs and keys. */
  circuit?: string;
  /** Key fingerprint (hex), for keys. */
  fingerprint?: string;
}
"#;

/// Verifying keys to check against: the built-in demo keys, any of which
/// can be replaced by a key file the caller loads.
#[wasm_bindgen]
pub struct VerifyingKeys(verify::VerifyingKeys);

impl Default for VerifyingKeys {
    fn default() -> Self {
        Self(builtin_keys().clone())
    }
}

#[wasm_bindgen]
impl VerifyingKeys {
    /// The built-in keys (those of `fixtures/*.vk`).
    #[wasm_bindgen(constructor)]
    pub fn new() -> VerifyingKeys {
        Self::default()
    }

    /// Replaces the key of the circuit the file names; returns its circuit
    /// and fingerprint.
    #[wasm_bindgen(unchecked_return_type = "VerifyingKeyInfo")]
    pub fn load(&mut self, bytes: &[u8]) -> Result<JsValue, Error> {
        let vp = verifying_key_from_bytes(bytes)?;
        let info = key_info(&vp);
        let kind = vp.kind;
        *slot(&mut self.0, kind) = vp;
        Ok(info)
    }

    /// The fingerprint (hex) of the key held for a circuit.
    pub fn fingerprint(
        &self,
        #[wasm_bindgen(js_name = circuit)] circuit_name: &str,
    ) -> Result<String, Error> {
        let kind = circuit(circuit_name)?;
        Ok(key_of(&self.0, kind).fingerprint.to_hex())
    }

    /// Verifies a transaction; returns its id (hex). Throws `DecodeError` if
    /// the bytes are not a transaction, `TxError` if it is invalid.
    #[wasm_bindgen(js_name = verifyTransaction)]
    pub fn verify_transaction(&self, bytes: &[u8]) -> Result<String, Error> {
        check_transaction(bytes, &self.0)
    }

    /// Verifies many transactions, all their proofs in one randomized batch;
    /// returns one verdict per transaction, in order, and never throws for
    /// a bad transaction (only for an argument that is not an array of
    /// `Uint8Array`).
    #[wasm_bindgen(js_name = verifyBatch, unchecked_return_type = "Verdict[]")]
    pub fn verify_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] transactions: Array,
    ) -> Result<Array, Error> {
        let files = byte_arrays(&transactions)?;
        Ok(batch_verdicts(&files, &self.0)
            .iter()
            .map(verdict)
            .collect())
    }

    /// Verifies a proof file (`SZKR…`, one proof and its public inputs).
    /// Throws `DecodeError` if malformed, `TxError` (`UnknownVerifyingKey`)
    /// if made for another key, `Groth16Error` if it does not verify.
    /// Returns the proof's circuit name.
    #[wasm_bindgen(js_name = verifyProof)]
    pub fn verify_proof(&self, bytes: &[u8]) -> Result<String, Error> {
        Ok(check_proof(bytes, &self.0)?.name().into())
    }

    /// Verifies any SuperZK file by its magic bytes: a transaction, a proof
    /// file, or a verifying key; throws as the specific call would, and
    /// `DecodeError` (`BadMagic`) for anything else.
    #[wasm_bindgen(js_name = verifyFile, unchecked_return_type = "FileSummary")]
    pub fn verify_file(&self, bytes: &[u8]) -> Result<JsValue, Error> {
        check_file(bytes, &self.0)
    }
}

/// [`VerifyingKeys::verify_transaction`] with the built-in keys.
#[wasm_bindgen(js_name = verifyTransaction)]
pub fn verify_transaction(bytes: &[u8]) -> Result<String, Error> {
    check_transaction(bytes, builtin_keys())
}

/// [`VerifyingKeys::verify_batch`] with the built-in keys.
#[wasm_bindgen(js_name = verifyBatch, unchecked_return_type = "Verdict[]")]
pub fn verify_batch(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] transactions: Array,
) -> Result<Array, Error> {
    let files = byte_arrays(&transactions)?;
    Ok(batch_verdicts(&files, builtin_keys())
        .iter()
        .map(verdict)
        .collect())
}

/// [`VerifyingKeys::verify_proof`] with the built-in keys.
#[wasm_bindgen(js_name = verifyProof)]
pub fn verify_proof(bytes: &[u8]) -> Result<String, Error> {
    Ok(check_proof(bytes, builtin_keys())?.name().into())
}

/// [`VerifyingKeys::verify_file`] with the built-in keys.
#[wasm_bindgen(js_name = verifyFile, unchecked_return_type = "FileSummary")]
pub fn verify_file(bytes: &[u8]) -> Result<JsValue, Error> {
    check_file(bytes, builtin_keys())
}

fn byte_arrays(items: &Array) -> Result<Vec<Vec<u8>>, Error> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.dyn_into::<Uint8Array>()
                .map(|a| a.to_vec())
                .map_err(|_| Error::argument(format!("item {i} is not a Uint8Array")))
        })
        .collect()
}

fn verdict(v: &Result<(), Error>) -> JsValue {
    match v {
        Ok(()) => js::object(&[("status", "valid".into())]),
        Err(e) => js::object(&[
            (
                "status",
                if e.name == "DecodeError" {
                    "malformed"
                } else {
                    "invalid"
                }
                .into(),
            ),
            ("name", e.name.into()),
            ("kind", e.kind.as_str().into()),
            ("message", e.message.as_str().into()),
        ]),
    }
}

/// Decodes and fully verifies one transaction; its id on success.
pub fn check_transaction(bytes: &[u8], keys: &verify::VerifyingKeys) -> Result<String, Error> {
    let tx = Transaction::from_bytes(bytes)?;
    verify::verify_transaction(&tx, keys, &AnyAnchor, &mut OsRng)?;
    Ok(js::hex(&tx.id()))
}

/// Verdicts on many transactions: the well-formed ones verified together in
/// one batch (which names each invalid one), the others malformed.
pub fn batch_verdicts(files: &[Vec<u8>], keys: &verify::VerifyingKeys) -> Vec<Result<(), Error>> {
    let mut verdicts: Vec<Result<(), Error>> = vec![Ok(()); files.len()];
    let mut txs = vec![];
    let mut positions = vec![];
    for (i, bytes) in files.iter().enumerate() {
        match Transaction::from_bytes(bytes) {
            Ok(tx) => {
                txs.push(tx);
                positions.push(i);
            }
            Err(e) => verdicts[i] = Err(e.into()),
        }
    }
    if let Err(failure) = verify::verify_batch(&txs, keys, &AnyAnchor, &mut OsRng) {
        for (j, reason) in failure.invalid {
            verdicts[positions[j]] = Err(reason.into());
        }
    }
    verdicts
}

/// Decodes and verifies one proof file; its circuit on success.
pub fn check_proof(bytes: &[u8], keys: &verify::VerifyingKeys) -> Result<CircuitKind, Error> {
    let p = ProofFile::from_bytes(bytes)?;
    let vp = key_of(keys, p.kind);
    if vp.fingerprint != p.vk {
        return Err(superzk_verifier::error::TxError::UnknownVerifyingKey {
            circuit: p.kind.name(),
            found: p.vk.to_hex(),
            expected: vp.fingerprint.to_hex(),
        }
        .into());
    }
    verify_single(&ProofItem {
        pvk: &vp.prepared,
        proof: &p.proof,
        public_inputs: &p.public_inputs,
    })?;
    Ok(p.kind)
}

fn check_file(bytes: &[u8], keys: &verify::VerifyingKeys) -> Result<JsValue, Error> {
    let summary = |fields: &[(&str, JsValue)]| js::object(fields);
    match bytes.get(..4) {
        Some(b"SZKT") => {
            let id = check_transaction(bytes, keys)?;
            Ok(summary(&[
                ("type", "transaction".into()),
                ("id", id.into()),
            ]))
        }
        Some(b"SZKR") => {
            let kind = check_proof(bytes, keys)?;
            Ok(summary(&[
                ("type", "proof".into()),
                ("circuit", kind.name().into()),
            ]))
        }
        Some(b"SZKV") => {
            let vp = verifying_key_from_bytes(bytes)?;
            Ok(summary(&[
                ("type", "verifying-key".into()),
                ("circuit", vp.kind.name().into()),
                ("fingerprint", vp.fingerprint.to_hex().into()),
            ]))
        }
        Some(b"SZKB") => {
            let block =
                offline::verify_block_file(bytes, keys, &mut OsRng).map_err(|e| match e {
                    BlockFileError::Malformed(d) => Error::from(d),
                    BlockFileError::Invalid(c) => Error::from(c),
                })?;
            Ok(summary(&[
                ("type", "block".into()),
                ("height", (block.height as f64).into()),
                ("hash", js::hex(&block.hash).into()),
                ("transactions", (block.transactions as f64).into()),
                ("shielded", (block.shielded as f64).into()),
            ]))
        }
        _ => Err(DecodeError::BadMagic.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn builtin_keys_match_the_manifest_fingerprints() {
        let manifest: serde_json::Value =
            serde_json::from_slice(&fixture("manifest.json")).unwrap();
        let keys = builtin_keys();
        for vp in [
            &keys.spend,
            &keys.output,
            &keys.package_spend,
            &keys.package_output,
        ] {
            assert_eq!(
                manifest["vk_fingerprints"][vp.kind.name()],
                vp.fingerprint.to_hex()
            );
        }
    }

    #[test]
    fn transactions_verify_as_the_manifest_says_alone_and_in_a_batch() {
        let manifest: serde_json::Value =
            serde_json::from_slice(&fixture("manifest.json")).unwrap();
        let entries: Vec<(String, String)> = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["file"].as_str().unwrap().ends_with(".tx"))
            .map(|f| {
                (
                    f["file"].as_str().unwrap().into(),
                    f["expect"].as_str().unwrap().into(),
                )
            })
            .collect();
        let files: Vec<Vec<u8>> = entries.iter().map(|(f, _)| fixture(f)).collect();
        let batch = batch_verdicts(&files, builtin_keys());
        for ((name, expect), (bytes, in_batch)) in entries.iter().zip(files.iter().zip(&batch)) {
            let alone = check_transaction(bytes, builtin_keys());
            for got in [alone.as_ref().map(|_| ()), in_batch.as_ref().map(|_| ())] {
                let status = match got {
                    Ok(()) => "valid",
                    Err(e) if e.name == "DecodeError" => "malformed",
                    Err(_) => "invalid",
                };
                assert_eq!(status, expect, "{name}: {got:?}");
            }
        }
    }
}
