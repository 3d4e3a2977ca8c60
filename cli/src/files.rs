//! `superzk verify`: reads transaction, proof, block and chain files,
//! verifies them all in one batch, and reports per file.
//!
//! A block (or chain) file is checked as far as it can be without the chain
//! state: its transaction and vote roots, the coinbase's place, the proof of
//! work, the links between a chain file's blocks, the account signatures,
//! and every shielded transaction's proofs and signatures, which join the
//! batch of the other files (any anchor accepted). The rules that need the
//! state (votes, balances, nullifiers, anchors, rewards, state root) are
//! `superzk chain validate`'s.

use std::{path::PathBuf, process::ExitCode};

use rand_core::{OsRng, RngCore};
use superzk_chain_core::{
    block::{read_block_file, Block, ChainFile},
    error::ChainError,
    offline,
};
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
    /// A block.
    Block(Box<([u8; 32], Block)>),
    /// A chain: blocks from genesis.
    Chain(Box<ChainFile>),
}

/// Decodes a file by its magic bytes; the error says what is wrong.
pub fn decode_file(bytes: &[u8]) -> Result<InputFile, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    match bytes.get(..4) {
        Some(b"SZKT") => Transaction::from_bytes(bytes)
            .map(|t| InputFile::Transaction(Box::new(t)))
            .map_err(|e| text(&e)),
        Some(b"SZKR") => ProofFile::from_bytes(bytes)
            .map(|p| InputFile::Proof(Box::new(p)))
            .map_err(|e| text(&e)),
        Some(b"SZKB") => read_block_file(bytes)
            .map(|b| InputFile::Block(Box::new(b)))
            .map_err(|e| text(&e)),
        Some(b"SZKC") => ChainFile::from_bytes(bytes)
            .map(|c| InputFile::Chain(Box::new(c)))
            .map_err(|e| text(&e)),
        _ => Err(text(&DecodeError::BadMagic)),
    }
}

/// The stateless checks of `blocks` (a block file's one block, whose file
/// names its chain id, or a chain file's blocks, which must also link up
/// and whose chain id is their genesis hash); on success, their shielded
/// transactions, each labelled with its place.
fn check_blocks(
    blocks: &[Block],
    block_file_chain: Option<[u8; 32]>,
) -> Result<Vec<(String, Transaction)>, String> {
    let refused = |e: ChainError| match e {
        ChainError::Block { height, error } => format!("block {height}: {error}"),
        other => other.to_string(),
    };
    let chain_id = match block_file_chain {
        Some(id) => id,
        None => {
            offline::check_links(blocks).map_err(refused)?;
            blocks.first().map(Block::hash).unwrap_or_default()
        }
    };
    let mut out = vec![];
    for b in blocks {
        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        let txs = offline::check_block(b, &chain_id, seed).map_err(refused)?;
        out.extend(txs.into_iter().enumerate().map(|(k, tx)| {
            (
                format!("block {}, shielded transaction {k}: ", b.header.height),
                tx.clone(),
            )
        }));
    }
    Ok(out)
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
    // (file, label, transaction): one batch for the shielded transactions
    // of every file.
    let mut txs: Vec<(usize, String, Transaction)> = vec![];
    let mut proofs = vec![];
    for (i, (_, bytes)) in files.iter().enumerate() {
        let blocks = match decode_file(bytes) {
            Ok(InputFile::Transaction(tx)) => {
                txs.push((i, String::new(), *tx));
                continue;
            }
            Ok(InputFile::Proof(p)) => {
                proofs.push((i, *p));
                continue;
            }
            Ok(InputFile::Block(b)) => check_blocks(std::slice::from_ref(&b.1), Some(b.0)),
            Ok(InputFile::Chain(c)) => check_blocks(&c.blocks, None),
            Err(e) => {
                verdicts[i] = Verdict::Malformed(e);
                continue;
            }
        };
        match blocks {
            Ok(list) => txs.extend(list.into_iter().map(|(label, tx)| (i, label, tx))),
            Err(reason) => verdicts[i] = Verdict::Invalid(reason),
        }
    }
    let tx_list: Vec<Transaction> = txs.iter().map(|(_, _, t)| t.clone()).collect();
    if let Err(failure) = verify_batch(&tx_list, keys, &AnyAnchor, &mut OsRng) {
        for (j, reason) in failure.invalid {
            let (file, label, _) = &txs[j];
            // A file with several transactions reports its first bad one.
            if verdicts[*file] == Verdict::Valid {
                verdicts[*file] = Verdict::Invalid(format!("{label}{reason}"));
            }
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
    if files
        .iter()
        .any(|(_, b)| matches!(b.get(..4), Some(b"SZKB" | b"SZKC")))
    {
        println!(
            "blocks were checked without the chain state (roots, proof of work, account \
             signatures, shielded proofs); `superzk chain validate` checks every rule"
        );
    }
    if malformed > 0 {
        ExitCode::from(2)
    } else if invalid > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
