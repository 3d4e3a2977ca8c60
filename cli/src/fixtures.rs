//! `superzk fixtures`: regenerates the committed test vectors and their
//! manifest. Everything is derived from fixed seeds, so a regeneration on any
//! machine gives the same bytes.

use std::path::{Path, PathBuf};

use ark_serialize::Compress;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    Fr,
};
use superzk_keys::{
    note_plaintext::MEMO_LEN,
    params::{verifying_key_to_bytes, write_file_atomic, CircuitKind},
    spending_key::SpendingKey,
};
use superzk_prover::TransactionBuilder;
use superzk_verifier::{proof_file::ProofFile, transaction::Transaction};
use superzk_wallet::memory::ScanningWallet;

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
    /// Fingerprint (hex) of each circuit's verifying key, by circuit name.
    vk_fingerprints: std::collections::BTreeMap<&'static str, String>,
    files: Vec<Entry>,
}

/// Writes one fixture and its manifest line: name, bytes, kind, expected
/// outcome, description.
type WriteFixture<'a> =
    dyn FnMut(&str, &[u8], &'static str, &'static str, &'static str) -> Result<(), CliError> + 'a;

/// Block files, from a devnet seeded so that they come out the same on
/// every run: block 1 carrying `shield` (valid); the same block carrying
/// `unbalanced` instead, authorised, its roots and proof of work redone, so
/// that only the shielded verification refuses it; the valid file cut short.
fn blocks(
    mut devnet: crate::devnet::Devnet,
    shield: &Transaction,
    unbalanced: &Transaction,
    write: &mut WriteFixture,
) -> Result<(), CliError> {
    use superzk_chain_core::{
        block::{block_file_bytes, tx_root},
        pow,
    };
    let chain = |e: superzk_chain_core::error::ChainError| CliError::Chain(e.to_string());
    let wrapped = devnet.shielded(shield.clone()).map_err(chain)?;
    let block = devnet.mine(vec![wrapped]).map_err(chain)?;
    let chain_id = devnet.chain.chain_id().map_err(chain)?.unwrap_or_default();
    let bytes = block_file_bytes(&chain_id, &block);
    write(
        "block.szkb",
        &bytes,
        "block",
        "valid",
        "block 1 of a devnet: the coinbase and shield.tx",
    )?;
    let mut bad = block.clone();
    bad.txs[1] = devnet.shielded(unbalanced.clone()).map_err(chain)?;
    bad.header.tx_root = tx_root(&bad.txs);
    pow::mine(&mut bad.header);
    write(
        "block_unbalanced.szkb",
        &block_file_bytes(&chain_id, &bad),
        "block",
        "invalid",
        "block 1 carrying unbalanced.tx, resealed: only its shielded verification fails",
    )?;
    write(
        "block_truncated.szkb",
        &bytes[..bytes.len() - 9],
        "block",
        "malformed",
        "block.szkb cut short",
    )
}

/// The seeded devnet the block fixtures extend (in `store`): the same
/// genesis on every run, so its hash, the chain id the transaction fixtures
/// name, is too.
fn seeded_devnet(
    keys: &superzk_prover::ProvingKeys,
    store: &Path,
) -> Result<crate::devnet::Devnet, CliError> {
    crate::devnet::Devnet::create_seeded(
        &store.join("chain.redb"),
        keys.verifying_keys(),
        &crate::scenario::genesis_funds(),
        [0x5b; 32],
    )
    .map_err(|e| CliError::Chain(e.to_string()))
}

/// A builder for the devnet's chain, expiring `expiry_height`.
fn builder(chain_id: [u8; 32], expiry_height: u64) -> TransactionBuilder {
    let mut b = TransactionBuilder::new();
    b.set_chain_id(chain_id).set_expiry_height(expiry_height);
    b
}

fn memo(text: &str) -> [u8; MEMO_LEN] {
    let mut m = [0u8; MEMO_LEN];
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

    let vks = [
        &keys.spend,
        &keys.output,
        &keys.package_spend,
        &keys.package_output,
    ];
    for params in vks {
        let kind = params.kind();
        let name = format!("{}.vk", kind.name());
        let bytes = verifying_key_to_bytes(&params.verifying, Compress::Yes);
        write(
            &name,
            &bytes,
            "verifying-key",
            "valid",
            "verifying key (insecure demo parameters)",
        )?;
    }

    // Every transaction is for the seeded devnet of the block fixtures,
    // expiring 100 blocks after its genesis; the devnet's holder account
    // pays for the shielding and issues the tickets.
    let store = tempfile::tempdir().map_err(|e| CliError::Io(format!("temporary store: {e}")))?;
    let devnet = seeded_devnet(&keys, store.path())?;
    let (chain_id, expiry) = devnet
        .tx_binding()
        .map_err(|e| CliError::Chain(e.to_string()))?;
    let holder = devnet.holder.id();

    let alice_sk = SpendingKey::from_seed(b"SuperZK fixture wallet alice", 0);
    let bob_sk = SpendingKey::from_seed(b"SuperZK fixture wallet bob", 0);
    let mut alice = ScanningWallet::new(alice_sk.clone());
    let mut bob = ScanningWallet::new(bob_sk.clone());
    alice.bind_to_chain(chain_id, expiry);
    bob.bind_to_chain(chain_id, expiry);
    let sero = AssetInfo::native();
    let usd = AssetInfo::currency("USD");

    let mut shield = builder(chain_id, expiry);
    shield
        .set_public_account(holder)
        .add_public_input(sero.asset(), 1_000)
        .add_public_input(usd.asset(), 500);
    shield.add_output(None, alice.address(0), sero.clone(), 1_000, memo("fixture"));
    shield.add_output(None, alice.address(0), usd.clone(), 500, memo("fixture"));
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
        &[(sero.clone(), 300), (usd.clone(), 200)],
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
        .find(|(n, _)| n.note.asset == sero.asset())
        .map(|(n, p)| (n.clone(), p.clone()))
        .expect("alice holds SERO");
    let variant = |rng: &mut ChaCha20Rng,
                   fee: u64,
                   tamper: &dyn Fn(&mut Transaction)|
     -> Result<Transaction, CliError> {
        let mut b = builder(chain_id, expiry);
        b.add_spend(&alice_sk, note.note.clone(), note.diversifier, path.clone());
        b.add_output(
            None,
            bob.address(1),
            sero.clone(),
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
    // Header (no public account), then inside the first spend's nullifier.
    resigned[4 + 1 + 32 + 8 + 1 + 4 * 32 + 2 + 40] ^= 1;
    write(
        "flipped_bit.tx",
        &resigned,
        "transaction",
        "invalid",
        "one bit of a valid transaction flipped after signing",
    )?;

    // Tickets: issue to alice, sell to bob for 30 SERO, bob redeems.
    let ticket = Ticket::issued(&holder, "concert-2026", &[42; 32]).expect("a valid category");
    let ticket_info = AssetInfo::Ticket(ticket.clone());
    bob.scan(&shield_tx)?;
    bob.scan(&transfer_tx)?;
    alice.scan(&transfer_tx)?;
    let mut b = builder(chain_id, expiry);
    b.set_public_account(holder);
    b.issue_ticket(None, "concert-2026", [42; 32], alice.address(4))?;
    let issue = b.build(&keys, &mut rng)?;
    write(
        "ticket_issue.tx",
        &issue.to_bytes(),
        "transaction",
        "valid",
        "issues ticket concert-2026 to a shielded owner",
    )?;
    alice.scan(&issue)?;
    bob.scan(&issue)?;
    let mut b = builder(chain_id, expiry);
    b.add_output(None, bob.address(2), ticket_info.clone(), 1, memo("ticket"));
    b.add_output(None, alice.address(5), sero.clone(), 30, memo("payment"));
    alice.fund(&mut b, &ticket_info, 1)?;
    bob.fund(&mut b, &sero, 30)?;
    let sale = b.build(&keys, &mut rng)?;
    write(
        "ticket_sale.tx",
        &sale.to_bytes(),
        "transaction",
        "valid",
        "the ticket sold for 30 SERO in one private transaction",
    )?;
    alice.scan(&sale)?;
    bob.scan(&sale)?;
    let redeem = bob.redeem(&keys, &ticket, &mut rng)?;
    write(
        "ticket_redeem.tx",
        &redeem.to_bytes(),
        "transaction",
        "valid",
        "the ticket redeemed: revealed and burnt",
    )?;
    let (tnote, tpath) = bob
        .spendable()
        .find(|(n, _)| n.note.asset == ticket.asset())
        .map(|(n, p)| (n.clone(), p.clone()))
        .expect("bob holds the ticket");
    let mut b = builder(chain_id, expiry);
    b.add_spend(
        &bob_sk,
        tnote.note.clone(),
        tnote.diversifier,
        tpath.clone(),
    );
    b.add_output(None, bob.address(6), ticket_info.clone(), 1, memo("copy 1"));
    b.add_output(None, bob.address(7), ticket_info.clone(), 1, memo("copy 2"));
    let dup = b.skip_balance_check().build(&keys, &mut rng)?;
    write(
        "ticket_duplicated.tx",
        &dup.to_bytes(),
        "transaction",
        "invalid",
        "one ticket spent, two outputs of it",
    )?;
    let mut b = builder(chain_id, expiry);
    b.add_output(
        None,
        bob.address(6),
        AssetInfo::Ticket(Ticket {
            category: "concert-2026".into(),
            id: [7; 32],
        }),
        1,
        memo("forged"),
    );
    let forged = b.skip_balance_check().build(&keys, &mut rng)?;
    write(
        "ticket_forged.tx",
        &forged.to_bytes(),
        "transaction",
        "invalid",
        "an output of a ticket never issued",
    )?;
    let mut b = builder(chain_id, expiry);
    b.add_spend(&bob_sk, tnote.note.clone(), tnote.diversifier, tpath);
    b.add_output(
        None,
        bob.address(6),
        AssetInfo::Ticket(Ticket {
            category: "vip-2026".into(),
            id: [42; 32],
        }),
        1,
        memo("changed"),
    );
    let changed = b.skip_balance_check().build(&keys, &mut rng)?;
    write(
        "ticket_changed.tx",
        &changed.to_bytes(),
        "transaction",
        "invalid",
        "a ticket's category changed in transit",
    )?;

    // Packages: alice seals 100 SERO, 50 USD and a ticket for bob; bob
    // passes it back; alice opens it.
    let mut b = builder(chain_id, expiry);
    b.set_public_account(holder);
    let gift = b.issue_ticket(None, "gift-2026", [9; 32], alice.address(8))?;
    let issue_gift = b.build(&keys, &mut rng)?;
    alice.scan(&issue_gift)?;
    bob.scan(&issue_gift)?;
    let contents = [
        (sero.clone(), 100),
        (usd.clone(), 50),
        (AssetInfo::Ticket(gift.clone()), 1),
    ];
    let seal = alice.seal_package(
        &keys,
        &bob.address(9),
        &contents,
        memo("a sealed gift"),
        &mut rng,
    )?;
    write(
        "package_seal.tx",
        &seal.to_bytes(),
        "transaction",
        "valid",
        "two currencies and a ticket sealed into a package",
    )?;
    alice.scan(&seal)?;
    bob.scan(&seal)?;
    let held = bob.packages()[0].clone();
    let pass = bob.pass_package(&keys, &held, &alice.address(10), &mut rng)?;
    write(
        "package_pass.tx",
        &pass.to_bytes(),
        "transaction",
        "valid",
        "the package passed on, contents hidden",
    )?;
    alice.scan(&pass)?;
    bob.scan(&pass)?;
    let held = alice.packages()[0].clone();
    let open = alice.open_package(&keys, &held, &mut rng)?;
    write(
        "package_open.tx",
        &open.to_bytes(),
        "transaction",
        "valid",
        "the package opened into ordinary notes",
    )?;
    let mut b = builder(chain_id, expiry);
    b.add_package_spend(
        &alice_sk,
        held.package.clone(),
        held.diversifier,
        alice.package_path(&held).clone(),
    );
    for (info, value) in held.contents() {
        b.add_output(
            None,
            alice.address(0),
            info.clone(),
            if info == sero { value + 1 } else { value },
            memo("more"),
        );
    }
    let greedy = b.skip_balance_check().build(&keys, &mut rng)?;
    write(
        "package_open_more.tx",
        &greedy.to_bytes(),
        "transaction",
        "invalid",
        "a package opened into more than it holds",
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
    // Header with a public account; shield.tx has no spends: the first
    // output's cv.
    let cv_at = 4 + 1 + 32 + 8 + 1 + 32 + 4 * 32 + 2 + 2 + 32;
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

    blocks(devnet, &shield_tx, &unbalanced, &mut write)?;

    let manifest = Manifest {
        description: "SuperZK test vectors; regenerate with `cargo run --release -p superzk-cli --features fixtures -- fixtures fixtures`",
        params_seed: String::from_utf8_lossy(crate::DEMO_PARAMS_SEED).into_owned(),
        vk_fingerprints: vks.iter().map(|p| (p.kind().name(), hex::encode(p.verifying.fingerprint.0))).collect(),
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
