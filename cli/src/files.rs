//! `superzk verify`: reads transaction and proof files, verifies them all in
//! one batch, and reports per file.

use std::{path::PathBuf, process::ExitCode};

use rand_core::OsRng;
use superzk_keys::params::{read_file, verifying_key_from_bytes, CircuitKind, VerifyingParameters};
use superzk_verifier::{
    error::DecodeError,
    groth16::{batch_verify_report, ProofItem},
    proof_file::ProofFile,
    transaction::Transaction,
    verify::{verify_batch, AnyAnchor, VerifyingKeys},
};

/// The demo's verifying keys, built in (the same files as in `fixtures/`).
const BUILTIN_SPEND_VK: &[u8] = include_bytes!("../../fixtures/spend.vk");
const BUILTIN_OUTPUT_VK: &[u8] = include_bytes!("../../fixtures/output.vk");
const BUILTIN_PACKAGE_SPEND_VK: &[u8] = include_bytes!("../../fixtures/package-spend.vk");
const BUILTIN_PACKAGE_OUTPUT_VK: &[u8] = include_bytes!("../../fixtures/package-output.vk");

/// A decoded input file.
pub enum InputFile {
    /// A transaction.
    Transaction(Box<Transaction>),
    /// A single proof.
    Proof(Box<ProofFile>),
}

/// Decodes a file by its magic bytes.
pub fn decode_file(bytes: &[u8]) -> Result<InputFile, DecodeError> {
    match bytes.get(..4) {
        Some(b"SZKT") => Ok(InputFile::Transaction(Box::new(Transaction::from_bytes(
            bytes,
        )?))),
        Some(b"SZKR") => Ok(InputFile::Proof(Box::new(ProofFile::from_bytes(bytes)?))),
        _ => Err(DecodeError::BadMagic),
    }
}

/// The verifying keys to use: the built-in demo keys, replaced by any key
/// file given (each file names its circuit).
pub fn load_keys(files: &[PathBuf]) -> Result<VerifyingKeys, String> {
    let builtin =
        |bytes: &[u8]| verifying_key_from_bytes(bytes).map_err(|e| format!("built-in key: {e}"));
    let mut keys = VerifyingKeys {
        spend: builtin(BUILTIN_SPEND_VK)?,
        output: builtin(BUILTIN_OUTPUT_VK)?,
        package_spend: builtin(BUILTIN_PACKAGE_SPEND_VK)?,
        package_output: builtin(BUILTIN_PACKAGE_OUTPUT_VK)?,
    };
    for path in files {
        let vp = read_file(path)
            .and_then(|b| verifying_key_from_bytes(&b))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let kind = vp.kind;
        *key_for(&mut keys, kind) = vp;
    }
    Ok(keys)
}

fn key_for(keys: &mut VerifyingKeys, kind: CircuitKind) -> &mut VerifyingParameters {
    match kind {
        CircuitKind::Spend => &mut keys.spend,
        CircuitKind::Output => &mut keys.output,
        CircuitKind::PackageSpend => &mut keys.package_spend,
        CircuitKind::PackageOutput => &mut keys.package_output,
    }
}

/// The outcome for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Verified.
    Valid,
    /// Well-formed but invalid.
    Invalid(String),
    /// Unreadable or malformed.
    Malformed(String),
}

/// Verifies files: transactions in one batch, proofs in another.
pub fn verify_files(files: &[(PathBuf, Vec<u8>)], keys: &VerifyingKeys) -> Vec<Verdict> {
    let mut verdicts = vec![Verdict::Valid; files.len()];
    let mut txs = vec![];
    let mut proofs = vec![];
    for (i, (_, bytes)) in files.iter().enumerate() {
        match decode_file(bytes) {
            Ok(InputFile::Transaction(tx)) => txs.push((i, *tx)),
            Ok(InputFile::Proof(p)) => proofs.push((i, *p)),
            Err(e) => verdicts[i] = Verdict::Malformed(e.to_string()),
        }
    }
    let tx_list: Vec<Transaction> = txs.iter().map(|(_, t)| t.clone()).collect();
    if let Err(failure) = verify_batch(&tx_list, keys, &AnyAnchor, &mut OsRng) {
        for (j, reason) in failure.invalid {
            verdicts[txs[j].0] = Verdict::Invalid(reason.to_string());
        }
    }
    let mut items = vec![];
    let mut item_files = vec![];
    for (i, p) in &proofs {
        let vp = match p.kind {
            CircuitKind::Spend => &keys.spend,
            CircuitKind::Output => &keys.output,
            CircuitKind::PackageSpend => &keys.package_spend,
            CircuitKind::PackageOutput => &keys.package_output,
        };
        if vp.fingerprint != p.vk {
            verdicts[*i] = Verdict::Invalid(format!(
                "proof is for {} key {}, this verifier has {}",
                p.kind, p.vk, vp.fingerprint
            ));
            continue;
        }
        items.push(ProofItem {
            pvk: &vp.prepared,
            proof: &p.proof,
            public_inputs: &p.public_inputs,
        });
        item_files.push(*i);
    }
    if let Err(bad) = batch_verify_report(&items, &mut OsRng) {
        for j in bad {
            verdicts[item_files[j]] =
                Verdict::Invalid("the proof does not verify for its public inputs".into());
        }
    }
    verdicts
}

/// `superzk verify`.
pub fn verify_command(paths: &[PathBuf], vk_files: &[PathBuf]) -> ExitCode {
    let keys = match load_keys(vk_files) {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("error: verifying key: {e}");
            return ExitCode::from(2);
        }
    };
    let mut files = vec![];
    let mut unreadable = vec![];
    for p in paths {
        match std::fs::read(p) {
            Ok(b) => files.push((p.clone(), b)),
            Err(e) => unreadable.push((p.clone(), e.to_string())),
        }
    }
    let verdicts = verify_files(&files, &keys);
    let (mut valid, mut invalid, mut malformed) = (0, 0, unreadable.len());
    for (p, e) in &unreadable {
        println!("{}: unreadable: {e}", p.display());
    }
    for ((p, _), v) in files.iter().zip(&verdicts) {
        match v {
            Verdict::Valid => {
                valid += 1;
                println!("{}: valid", p.display());
            }
            Verdict::Invalid(r) => {
                invalid += 1;
                println!("{}: INVALID: {r}", p.display());
            }
            Verdict::Malformed(r) => {
                malformed += 1;
                println!("{}: malformed: {r}", p.display());
            }
        }
    }
    println!("{valid} valid, {invalid} invalid, {malformed} unreadable");
    if malformed > 0 {
        ExitCode::from(2)
    } else if invalid > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
