//! Verification: transactions one at a time or in one batch, standalone proof
//! files, verifying-key files, and the fixtures' verifying keys built in (the
//! insecure demo parameters' keys, as the `superzk` command has them).
//!
//! Bytes that do not decode raise [`SuperzkError::Decode`]; a well-formed
//! but invalid transaction or proof gives a [`Verdict`] with `valid = false`
//! and the reason.

use std::sync::Arc;

use rand_core::OsRng;
use superzk_chain_core::offline::{self, BlockFileError};
use superzk_keys::params::{verifying_key_from_bytes, CircuitKind, VerifyingParameters};
use superzk_verifier::{
    groth16::{verify_single, ProofItem},
    proof_file::ProofFile,
    transaction::Transaction,
    verify::{self, AnyAnchor},
};

use crate::error::SuperzkError;

/// One of the four circuits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Circuit {
    /// Spends a note.
    Spend,
    /// Creates a note.
    Output,
    /// Spends a package.
    PackageSpend,
    /// Creates a package.
    PackageOutput,
}

impl From<CircuitKind> for Circuit {
    fn from(k: CircuitKind) -> Self {
        match k {
            CircuitKind::Spend => Self::Spend,
            CircuitKind::Output => Self::Output,
            CircuitKind::PackageSpend => Self::PackageSpend,
            CircuitKind::PackageOutput => Self::PackageOutput,
        }
    }
}

/// The fixtures' verifying-key files, built into the library.
const BUILTIN: [(Circuit, &[u8]); 4] = [
    (Circuit::Spend, include_bytes!("../../../fixtures/spend.vk")),
    (
        Circuit::Output,
        include_bytes!("../../../fixtures/output.vk"),
    ),
    (
        Circuit::PackageSpend,
        include_bytes!("../../../fixtures/package-spend.vk"),
    ),
    (
        Circuit::PackageOutput,
        include_bytes!("../../../fixtures/package-output.vk"),
    ),
];

/// The built-in verifying-key file of `circuit` (from the insecure demo
/// parameters; the same bytes as `fixtures/<circuit>.vk`).
#[uniffi::export]
pub fn builtin_verifying_key(circuit: Circuit) -> Vec<u8> {
    BUILTIN
        .iter()
        .find(|(c, _)| *c == circuit)
        .map(|(_, bytes)| bytes.to_vec())
        .unwrap_or_default()
}

/// What a verifying-key file holds.
#[derive(uniffi::Record)]
pub struct VerifyingKeyInfo {
    /// The circuit it verifies.
    pub circuit: Circuit,
    /// Its fingerprint, hex (the one transactions name).
    pub fingerprint: String,
}

/// Reads a verifying-key file, checking every point and its fingerprint.
#[uniffi::export]
pub fn read_verifying_key(bytes: Vec<u8>) -> Result<VerifyingKeyInfo, SuperzkError> {
    let vp = verifying_key_from_bytes(&bytes)?;
    Ok(VerifyingKeyInfo {
        circuit: vp.kind.into(),
        fingerprint: vp.fingerprint.to_hex(),
    })
}

/// The verifying keys of all four circuits.
#[derive(uniffi::Object)]
pub struct VerifyingKeys(pub(crate) verify::VerifyingKeys);

#[uniffi::export]
impl VerifyingKeys {
    /// The built-in keys of the insecure demo parameters.
    #[uniffi::constructor]
    pub fn builtin() -> Result<Arc<Self>, SuperzkError> {
        let [s, o, ps, po] = BUILTIN.map(|(_, bytes)| bytes.to_vec());
        Self::from_files(s, o, ps, po)
    }

    /// Keys from four verifying-key files; each must be for its circuit.
    #[uniffi::constructor]
    pub fn from_files(
        spend: Vec<u8>,
        output: Vec<u8>,
        package_spend: Vec<u8>,
        package_output: Vec<u8>,
    ) -> Result<Arc<Self>, SuperzkError> {
        let load = |bytes: &[u8], kind: CircuitKind| -> Result<VerifyingParameters, SuperzkError> {
            let vp = verifying_key_from_bytes(bytes)?;
            if vp.kind != kind {
                return Err(SuperzkError::Key {
                    reason: format!("expected a {kind} verifying key, got a {} key", vp.kind),
                });
            }
            Ok(vp)
        };
        Ok(Arc::new(Self(verify::VerifyingKeys {
            spend: load(&spend, CircuitKind::Spend)?,
            output: load(&output, CircuitKind::Output)?,
            package_spend: load(&package_spend, CircuitKind::PackageSpend)?,
            package_output: load(&package_output, CircuitKind::PackageOutput)?,
        })))
    }

    /// The fingerprint (hex) of `circuit`'s key.
    pub fn fingerprint(&self, circuit: Circuit) -> String {
        self.get(circuit).fingerprint.to_hex()
    }
}

impl VerifyingKeys {
    fn get(&self, circuit: Circuit) -> &VerifyingParameters {
        match circuit {
            Circuit::Spend => &self.0.spend,
            Circuit::Output => &self.0.output,
            Circuit::PackageSpend => &self.0.package_spend,
            Circuit::PackageOutput => &self.0.package_output,
        }
    }
}

/// The outcome of verifying something well-formed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Verdict {
    /// Whether it verified.
    pub valid: bool,
    /// Why not, when it did not.
    pub reason: Option<String>,
}

impl Verdict {
    fn from_result<E: std::fmt::Display>(r: Result<(), E>) -> Self {
        Self {
            valid: r.is_ok(),
            reason: r.err().map(|e| e.to_string()),
        }
    }
}

/// Fully verifies one transaction offline (any anchor is accepted: the chain
/// checks its roots and earlier nullifiers).
#[uniffi::export]
pub fn verify_transaction(
    keys: &VerifyingKeys,
    transaction: Vec<u8>,
) -> Result<Verdict, SuperzkError> {
    let tx = Transaction::from_bytes(&transaction)?;
    Ok(Verdict::from_result(verify::verify_transaction(
        &tx, &keys.0, &AnyAnchor, &mut OsRng,
    )))
}

/// Verifies many transactions with every proof in one randomized batch; one
/// verdict per transaction, in order. Raises if any does not decode.
#[uniffi::export]
pub fn verify_transactions(
    keys: &VerifyingKeys,
    transactions: Vec<Vec<u8>>,
) -> Result<Vec<Verdict>, SuperzkError> {
    let txs = transactions
        .iter()
        .map(|b| Transaction::from_bytes(b))
        .collect::<Result<Vec<_>, _>>()?;
    let mut verdicts = vec![Verdict::from_result::<String>(Ok(())); txs.len()];
    if let Err(failure) = verify::verify_batch(&txs, &keys.0, &AnyAnchor, &mut OsRng) {
        for (i, reason) in failure.invalid {
            verdicts[i] = Verdict::from_result(Err(reason));
        }
    }
    Ok(verdicts)
}

/// Verifies a block file (`SZKB…`) as far as it can be without the chain
/// state: its transaction and vote roots, the coinbase's place, the proof of
/// work, the account signatures, and every shielded transaction's proofs and
/// signatures in one batch (any anchor accepted). Votes, balances,
/// nullifiers, anchors, rewards and the state root need the chain.
#[uniffi::export]
pub fn verify_block(keys: &VerifyingKeys, block_file: Vec<u8>) -> Result<Verdict, SuperzkError> {
    match offline::verify_block_file(&block_file, &keys.0, &mut OsRng) {
        Ok(_) => Ok(Verdict::from_result::<String>(Ok(()))),
        Err(BlockFileError::Malformed(e)) => Err(e.into()),
        Err(BlockFileError::Invalid(e)) => Ok(Verdict::from_result(Err(e))),
    }
}

/// Verifies a standalone proof file (`SZKR…`): one Groth16 proof against its
/// public inputs, under `keys`' key for its circuit.
#[uniffi::export]
pub fn verify_proof(keys: &VerifyingKeys, proof_file: Vec<u8>) -> Result<Verdict, SuperzkError> {
    let p = ProofFile::from_bytes(&proof_file)?;
    let vp = keys.get(p.kind.into());
    if vp.fingerprint != p.vk {
        return Ok(Verdict::from_result(Err(format!(
            "the proof is for {} key {}, these keys have {}",
            p.kind, p.vk, vp.fingerprint
        ))));
    }
    Ok(Verdict::from_result(verify_single(&ProofItem {
        pvk: &vp.prepared,
        proof: &p.proof,
        public_inputs: &p.public_inputs,
    })))
}
