//! `superzk fixtures`: regenerates the committed test vectors and their
//! manifest. Everything is derived from fixed seeds, so a regeneration on any
//! machine gives the same bytes.

use std::path::{Path, PathBuf};

use ark_serialize::Compress;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;
use superzk_circuits::{note::AssetId, Fr};
use superzk_keys::{
    params::{verifying_key_to_bytes, write_file_atomic, CircuitKind},
    spending_key::SpendingKey,
};
use superzk_prover::{TransactionBuilder, Wallet};
use superzk_verifier::{proof_file::ProofFile, transaction::Transaction};

use crate::error::CliError;

/// One line of `fixtures/manifest.json`.
#[derive(Serialize)]
struct Entry {
    file: String,
    kind: &'static str,
    /// "valid", "invalid" (well-formed, fails verification) or "malformed".
    expect: &'static str,
    valid: bool,
    description: &'static str,
}

#[derive(Serialize)]
struct Manifest {
    description: &'static str,
    params_seed: String,
    spend_vk_fingerprint: String,
    output_vk_fingerprint: String,
    files: Vec<Entry>,
}

fn memo(text: &str) -> [u8; 64] {
    let mut m = [0u8; 64];
    m[..text.len()].copy_from_slice(text.as_bytes());
    m
}

/// Writes every fixture into `dir`.
pub fn generate(dir: &Path, params_dir: Option<PathBuf>) -> Result<(), CliError> {
    let keys = crate::load_demo_keys(params_dir)?;
    let mut rng = ChaCha20Rng::seed_from_u64(0x5e70_2026);
    let mut entries = vec![];
    let mut write = |name: &str, bytes: &[u8], kind, expect, description| -> Result<(), CliError> {
        write_file_atomic(&dir.join(name), bytes)?;
        entries.push(Entry {
            file: name.into(),
            kind,
            expect,
            valid: expect == "valid",
            description,
        });
        Ok(())
    };

    write(
        "spend.vk",
        &verifying_key_to_bytes(&keys.spend.verifying, Compress::Yes),
        "verifying-key",
        "valid",
        "Spend verifying key (insecure demo parameters)",
    )?;
    write(
        "output.vk",
        &verifying_key_to_bytes(&keys.output.verifying, Compress::Yes),
        "verifying-key",
        "valid",
        "Output verifying key (insecure demo parameters)",
    )?;

    let alice_sk = SpendingKey::from_seed(b"SuperZK fixture wallet alice", 0);
    let bob_sk = SpendingKey::from_seed(b"SuperZK fixture wallet bob", 0);
    let mut alice = Wallet::new(alice_sk.clone());
    let bob = Wallet::new(bob_sk);
    let sero = AssetId::native();
    let usd = AssetId::from_name("USD");

    let mut shield = TransactionBuilder::new();
    shield
        .add_public_input(sero, 1_000)
        .add_public_input(usd, 500);
    shield.add_output(None, alice.address(0), sero, 1_000, memo("fixture"));
    shield.add_output(None, alice.address(0), usd, 500, memo("fixture"));
    let shield_tx = shield.build(&keys, &mut rng)?;
    write(
        "shield.tx",
        &shield_tx.to_bytes(),
        "transaction",
        "valid",
        "shields 1000 SERO and 500 USD into two notes",
    )?;
    alice.scan(&shield_tx)?;

    let transfer_tx = alice.transfer(
        &keys,
        &bob.address(0),
        &[(sero, 300), (usd, 200)],
        5,
        memo("fixture transfer"),
        &mut rng,
    )?;
    write(
        "transfer.tx",
        &transfer_tx.to_bytes(),
        "transaction",
        "valid",
        "private transfer of two currencies with change and a fee",
    )?;

    let spend = &transfer_tx.spends[0];
    let spend_proof = ProofFile {
        kind: CircuitKind::Spend,
        vk: transfer_tx.spend_vk,
        public_inputs: spend.public_inputs().to_field_elements(),
        proof: spend.proof.clone(),
    };
    write(
        "spend.proof",
        &spend_proof.to_bytes(),
        "proof",
        "valid",
        "one Spend proof of transfer.tx with its public inputs",
    )?;
    let output = &transfer_tx.outputs[0];
    let output_proof = ProofFile {
        kind: CircuitKind::Output,
        vk: transfer_tx.output_vk,
        public_inputs: output.public_inputs().to_field_elements(),
        proof: output.proof.clone(),
    };
    write(
        "output.proof",
        &output_proof.to_bytes(),
        "proof",
        "valid",
        "one Output proof of transfer.tx with its public inputs",
    )?;
    let mut bad_inputs = spend_proof.clone();
    bad_inputs.public_inputs[1] += Fr::from(1u64);
    write(
        "spend_wrong_nullifier.proof",
        &bad_inputs.to_bytes(),
        "proof",
        "invalid",
        "Spend proof whose nullifier input was altered",
    )?;

    // Invalid transactions, each with valid signatures so one thing fails.
    let (note, path) = alice
        .spendable()
        .find(|(n, _)| n.note.asset == sero)
        .map(|(n, p)| (n.clone(), p.clone()))
        .expect("alice holds SERO");
    let variant = |rng: &mut ChaCha20Rng,
                   fee: u64,
                   tamper: &dyn Fn(&mut Transaction)|
     -> Result<Transaction, CliError> {
        let mut b = TransactionBuilder::new();
        b.add_spend(&alice_sk, note.note.clone(), note.diversifier, path.clone());
        b.add_output(
            None,
            bob.address(1),
            sero,
            note.note.value - fee,
            memo("variant"),
        );
        b.set_fee(fee);
        Ok(b.build_tampered(&keys, rng, tamper)?)
    };
    let tampered = variant(&mut rng, 1, &|tx| {
        let other = tx.outputs[0].proof.a;
        tx.spends[0].proof.a = other;
    })?;
    write(
        "tampered_proof.tx",
        &tampered.to_bytes(),
        "transaction",
        "invalid",
        "a Spend proof altered before signing",
    )?;
    let wrong_anchor = variant(&mut rng, 1, &|tx| tx.spends[0].anchor += Fr::from(1u64))?;
    write(
        "wrong_anchor.tx",
        &wrong_anchor.to_bytes(),
        "transaction",
        "invalid",
        "spend anchor changed: the proof is for another root",
    )?;
    let unbalanced = variant(&mut rng, 1, &|tx| tx.fee = 0)?;
    write(
        "unbalanced.tx",
        &unbalanced.to_bytes(),
        "transaction",
        "invalid",
        "fee lowered after proving: creates one SERO",
    )?;
    let double = variant(&mut rng, 1, &|tx| {
        let dup = tx.spends[0].clone();
        tx.spends.push(dup);
    })?;
    write(
        "double_spend.tx",
        &double.to_bytes(),
        "transaction",
        "invalid",
        "the same note spent twice in one transaction",
    )?;
    let mut resigned = transfer_tx.to_bytes();
    resigned[100] ^= 1;
    write(
        "flipped_bit.tx",
        &resigned,
        "transaction",
        "invalid",
        "one bit of a valid transaction flipped after signing",
    )?;

    // Malformed inputs.
    let bytes = transfer_tx.to_bytes();
    write(
        "truncated.tx",
        &bytes[..bytes.len() - 7],
        "transaction",
        "malformed",
        "a valid transaction cut short",
    )?;
    let mut off_curve = shield_tx.to_bytes();
    let cv_at = 4 + 1 + 32 + 32 + 2 + 2 + 32; // first output's cv
    off_curve[cv_at..cv_at + 32].copy_from_slice(&[0xff; 32]);
    write(
        "off_curve.tx",
        &off_curve,
        "transaction",
        "malformed",
        "an output value commitment that is not a curve point",
    )?;
    let mut garbage = vec![0u8; 300];
    rng.fill_bytes(&mut garbage);
    write(
        "garbage.bin",
        &garbage,
        "garbage",
        "malformed",
        "random bytes",
    )?;

    let manifest = Manifest {
        description: "SuperZK test vectors; regenerate with `cargo run --release -p superzk-cli -- fixtures fixtures`",
        params_seed: String::from_utf8_lossy(crate::DEMO_PARAMS_SEED).into_owned(),
        spend_vk_fingerprint: hex::encode(keys.spend.verifying.fingerprint.0),
        output_vk_fingerprint: hex::encode(keys.output.verifying.fingerprint.0),
        files: entries,
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| CliError::Io(e.to_string()))?;
    write_file_atomic(&dir.join("manifest.json"), json.as_bytes())?;
    println!(
        "wrote {} fixtures to {}",
        manifest.files.len(),
        dir.display()
    );
    Ok(())
}
