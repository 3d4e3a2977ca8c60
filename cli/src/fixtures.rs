//! `superzk fixtures`: regenerates the committed test vectors and their
//! manifest. Everything is derived from fixed seeds, so a regeneration on any
//! machine gives the same bytes.

use std::path::{Path, PathBuf};

use ark_serialize::Compress;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;
use superzk_chain_core::account::AccountId;
use superzk_circuits::tree::MerklePath;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    Fr,
};
use superzk_keys::{
    note_plaintext::MEMO_LEN,
    params::{verifying_key_to_bytes, write_file_atomic, CircuitKind, Parameters},
    spending_key::SpendingKey,
};
use superzk_prover::{ProvingKeys, TransactionBuilder};
use superzk_verifier::{proof_file::ProofFile, transaction::Transaction};
use superzk_wallet::memory::{OwnedNote, OwnedPackage, ScanningWallet};

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

/// Block files, from a devnet seeded so that they come out the same on
/// every run: block 1 carrying `shield` (valid); the same block carrying
/// `unbalanced` instead, authorised, its roots and proof of work redone, so
/// that only the shielded verification refuses it; the valid file cut short.
fn blocks(
    mut devnet: crate::devnet::Devnet,
    shield: &Transaction,
    unbalanced: &Transaction,
    out: &mut Out,
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
    out.write(
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
    out.write(
        "block_unbalanced.szkb",
        &block_file_bytes(&chain_id, &bad),
        "block",
        "invalid",
        "block 1 carrying unbalanced.tx, resealed: only its shielded verification fails",
    )?;
    out.write(
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

/// Writes every fixture into `dir`, then the manifest. The order matters:
/// the transactions share one seeded random stream and two wallets, so each
/// step must run where it always has for the bytes to come out the same.
pub fn generate(dir: &Path, params_dir: Option<PathBuf>) -> Result<(), CliError> {
    let keys = crate::load_demo_keys(params_dir)?;
    let mut out = Out {
        dir,
        entries: vec![],
    };
    verifying_keys(&keys, &mut out)?;
    let store = tempfile::tempdir().map_err(|e| CliError::Io(format!("temporary store: {e}")))?;
    let devnet = seeded_devnet(&keys, store.path())?;
    let mut scene = Scene::new(&keys, &devnet)?;
    let shield = scene.shield(&mut out)?;
    let transfer = scene.transfer(&mut out)?;
    proofs_of(&transfer, &mut out)?;
    let unbalanced = scene.invalid_transfers(&transfer, &mut out)?;
    scene.tickets(&shield, &transfer, &mut out)?;
    scene.packages(&mut out)?;
    scene.malformed(&shield, &transfer, &mut out)?;
    blocks(devnet, &shield, &unbalanced, &mut out)?;
    write_manifest(&keys, out)
}

/// The fixture files written so far, and their manifest lines.
struct Out<'a> {
    dir: &'a Path,
    entries: Vec<Entry>,
}

impl Out<'_> {
    /// Writes one fixture and its manifest line: name, bytes, kind, expected
    /// outcome ("valid", "invalid" or "malformed"), description.
    fn write(
        &mut self,
        name: &str,
        bytes: &[u8],
        kind: &'static str,
        expect: &'static str,
        description: &'static str,
    ) -> Result<(), CliError> {
        write_file_atomic(&self.dir.join(name), bytes)?;
        self.entries.push(Entry {
            file: name.into(),
            kind,
            expect,
            valid: expect == "valid",
            description,
        });
        Ok(())
    }
}

/// The four circuits' parameters, in the order of their fixtures.
fn circuits(keys: &ProvingKeys) -> [&Parameters; 4] {
    [
        &keys.spend,
        &keys.output,
        &keys.package_spend,
        &keys.package_output,
    ]
}

/// One verifying-key file per circuit.
fn verifying_keys(keys: &ProvingKeys, out: &mut Out) -> Result<(), CliError> {
    for params in circuits(keys) {
        let name = format!("{}.vk", params.kind().name());
        let bytes = verifying_key_to_bytes(&params.verifying, Compress::Yes);
        out.write(
            &name,
            &bytes,
            "verifying-key",
            "valid",
            "verifying key (insecure demo parameters)",
        )?;
    }
    Ok(())
}

/// A Spend and an Output proof file out of `transfer`, and the Spend proof
/// with its nullifier input altered.
fn proofs_of(transfer: &Transaction, out: &mut Out) -> Result<(), CliError> {
    let spend = &transfer.spends[0];
    let spend_proof = ProofFile {
        kind: CircuitKind::Spend,
        vk: transfer.spend_vk,
        public_inputs: spend.public_inputs().to_field_elements(),
        proof: spend.proof.clone(),
    };
    out.write(
        "spend.proof",
        &spend_proof.to_bytes(),
        "proof",
        "valid",
        "one Spend proof of transfer.tx with its public inputs",
    )?;
    let output = &transfer.outputs[0];
    let output_proof = ProofFile {
        kind: CircuitKind::Output,
        vk: transfer.output_vk,
        public_inputs: output.public_inputs().to_field_elements(),
        proof: output.proof.clone(),
    };
    out.write(
        "output.proof",
        &output_proof.to_bytes(),
        "proof",
        "valid",
        "one Output proof of transfer.tx with its public inputs",
    )?;
    let mut bad_inputs = spend_proof;
    bad_inputs.public_inputs[1] += Fr::from(1u64);
    out.write(
        "spend_wrong_nullifier.proof",
        &bad_inputs.to_bytes(),
        "proof",
        "invalid",
        "Spend proof whose nullifier input was altered",
    )
}

/// `manifest.json`: every file written, with the parameters' seed and the
/// verifying keys' fingerprints.
fn write_manifest(keys: &ProvingKeys, out: Out) -> Result<(), CliError> {
    let manifest = Manifest {
        description: "SuperZK test vectors; regenerate with `cargo run --release -p superzk-cli --features fixtures -- fixtures fixtures`",
        params_seed: String::from_utf8_lossy(crate::DEMO_PARAMS_SEED).into_owned(),
        vk_fingerprints: circuits(keys)
            .iter()
            .map(|p| (p.kind().name(), hex::encode(p.verifying.fingerprint.0)))
            .collect(),
        files: out.entries,
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| CliError::Io(e.to_string()))?;
    write_file_atomic(&out.dir.join("manifest.json"), json.as_bytes())?;
    println!(
        "wrote {} fixtures to {}",
        manifest.files.len(),
        out.dir.display()
    );
    Ok(())
}

/// What every transaction fixture is built from: the keys, one seeded
/// random stream, the seeded devnet's chain binding (every transaction
/// expires 100 blocks after its genesis) and holder account (which pays for
/// the shielding and issues the tickets), and the wallets of alice and bob.
struct Scene<'k> {
    keys: &'k ProvingKeys,
    rng: ChaCha20Rng,
    chain_id: [u8; 32],
    expiry: u64,
    holder: AccountId,
    alice_sk: SpendingKey,
    bob_sk: SpendingKey,
    alice: ScanningWallet,
    bob: ScanningWallet,
    sero: AssetInfo,
    usd: AssetInfo,
}

impl<'k> Scene<'k> {
    fn new(keys: &'k ProvingKeys, devnet: &crate::devnet::Devnet) -> Result<Self, CliError> {
        let (chain_id, expiry) = devnet
            .tx_binding()
            .map_err(|e| CliError::Chain(e.to_string()))?;
        let alice_sk = SpendingKey::from_seed(b"SuperZK fixture wallet alice", 0);
        let bob_sk = SpendingKey::from_seed(b"SuperZK fixture wallet bob", 0);
        let mut alice = ScanningWallet::new(alice_sk.clone());
        let mut bob = ScanningWallet::new(bob_sk.clone());
        alice.bind_to_chain(chain_id, expiry);
        bob.bind_to_chain(chain_id, expiry);
        Ok(Self {
            keys,
            rng: ChaCha20Rng::seed_from_u64(0x5e70_2026),
            chain_id,
            expiry,
            holder: devnet.holder.id(),
            alice_sk,
            bob_sk,
            alice,
            bob,
            sero: AssetInfo::native(),
            usd: AssetInfo::currency("USD"),
        })
    }

    fn builder(&self) -> TransactionBuilder {
        builder(self.chain_id, self.expiry)
    }

    /// The holder shields 1000 SERO and 500 USD to alice.
    fn shield(&mut self, out: &mut Out) -> Result<Transaction, CliError> {
        let mut shield = self.builder();
        shield
            .set_public_account(self.holder)
            .add_public_input(self.sero.asset(), 1_000)
            .add_public_input(self.usd.asset(), 500);
        shield.add_output(
            None,
            self.alice.address(0),
            self.sero.clone(),
            1_000,
            memo("fixture"),
        );
        shield.add_output(
            None,
            self.alice.address(0),
            self.usd.clone(),
            500,
            memo("fixture"),
        );
        let tx = shield.build(self.keys, &mut self.rng)?;
        out.write(
            "shield.tx",
            &tx.to_bytes(),
            "transaction",
            "valid",
            "shields 1000 SERO and 500 USD into two notes",
        )?;
        self.alice.scan(&tx)?;
        Ok(tx)
    }

    /// Alice pays bob 300 SERO and 200 USD privately.
    fn transfer(&mut self, out: &mut Out) -> Result<Transaction, CliError> {
        let tx = self.alice.transfer(
            self.keys,
            &self.bob.address(0),
            &[(self.sero.clone(), 300), (self.usd.clone(), 200)],
            5,
            memo("fixture transfer"),
            &mut self.rng,
        )?;
        out.write(
            "transfer.tx",
            &tx.to_bytes(),
            "transaction",
            "valid",
            "private transfer of two currencies with change and a fee",
        )?;
        Ok(tx)
    }

    /// Alice's SERO note to bob with a fee of 1, altered by `tamper` after
    /// proving and before signing, so that its signatures hold and one
    /// thing fails.
    fn tampered(
        &mut self,
        note: &OwnedNote,
        path: &MerklePath,
        tamper: &dyn Fn(&mut Transaction),
    ) -> Result<Transaction, CliError> {
        const FEE: u64 = 1;
        let mut b = self.builder();
        b.add_spend(
            &self.alice_sk,
            note.note.clone(),
            note.diversifier,
            path.clone(),
        );
        b.add_output(
            None,
            self.bob.address(1),
            self.sero.clone(),
            note.note.value - FEE,
            memo("variant"),
        );
        b.set_fee(FEE);
        Ok(b.build_tampered(self.keys, &mut self.rng, tamper)?)
    }

    /// Invalid transactions with valid signatures, and `transfer` with a bit
    /// flipped after signing. Returns the unbalanced one (a block fixture
    /// carries it).
    fn invalid_transfers(
        &mut self,
        transfer: &Transaction,
        out: &mut Out,
    ) -> Result<Transaction, CliError> {
        let (note, path) = self
            .alice
            .spendable()
            .find(|(n, _)| n.note.asset == self.sero.asset())
            .map(|(n, p)| (n.clone(), p.clone()))
            .expect("alice holds SERO");
        let tampered = self.tampered(&note, &path, &|tx| {
            let other = tx.outputs[0].proof.a;
            tx.spends[0].proof.a = other;
        })?;
        out.write(
            "tampered_proof.tx",
            &tampered.to_bytes(),
            "transaction",
            "invalid",
            "a Spend proof altered before signing",
        )?;
        let wrong_anchor =
            self.tampered(&note, &path, &|tx| tx.spends[0].anchor += Fr::from(1u64))?;
        out.write(
            "wrong_anchor.tx",
            &wrong_anchor.to_bytes(),
            "transaction",
            "invalid",
            "spend anchor changed: the proof is for another root",
        )?;
        let unbalanced = self.tampered(&note, &path, &|tx| tx.fee = 0)?;
        out.write(
            "unbalanced.tx",
            &unbalanced.to_bytes(),
            "transaction",
            "invalid",
            "fee lowered after proving: creates one SERO",
        )?;
        let double = self.tampered(&note, &path, &|tx| {
            let dup = tx.spends[0].clone();
            tx.spends.push(dup);
        })?;
        out.write(
            "double_spend.tx",
            &double.to_bytes(),
            "transaction",
            "invalid",
            "the same note spent twice in one transaction",
        )?;
        let mut flipped = transfer.to_bytes();
        // Header (no public account), then inside the first spend's nullifier.
        flipped[4 + 1 + 32 + 8 + 1 + 4 * 32 + 2 + 40] ^= 1;
        out.write(
            "flipped_bit.tx",
            &flipped,
            "transaction",
            "invalid",
            "one bit of a valid transaction flipped after signing",
        )?;
        Ok(unbalanced)
    }

    /// Both wallets scan `tx`.
    fn both_scan(&mut self, tx: &Transaction) -> Result<(), CliError> {
        self.alice.scan(tx)?;
        self.bob.scan(tx)?;
        Ok(())
    }

    /// Tickets: issued to alice, sold to bob for 30 SERO, redeemed by bob;
    /// then the ways a ticket must not move.
    fn tickets(
        &mut self,
        shield: &Transaction,
        transfer: &Transaction,
        out: &mut Out,
    ) -> Result<(), CliError> {
        self.bob.scan(shield)?;
        self.bob.scan(transfer)?;
        self.alice.scan(transfer)?;
        let ticket = self.ticket_trade(out)?;
        self.ticket_forgeries(&ticket, out)
    }

    /// Issue, sale and redemption of ticket concert-2026; returns it.
    fn ticket_trade(&mut self, out: &mut Out) -> Result<Ticket, CliError> {
        let ticket =
            Ticket::issued(&self.holder, "concert-2026", &[42; 32]).expect("a valid category");
        let ticket_info = AssetInfo::Ticket(ticket.clone());
        let mut b = self.builder();
        b.set_public_account(self.holder);
        b.issue_ticket(None, "concert-2026", [42; 32], self.alice.address(4))?;
        let issue = b.build(self.keys, &mut self.rng)?;
        out.write(
            "ticket_issue.tx",
            &issue.to_bytes(),
            "transaction",
            "valid",
            "issues ticket concert-2026 to a shielded owner",
        )?;
        self.both_scan(&issue)?;
        let mut b = self.builder();
        b.add_output(
            None,
            self.bob.address(2),
            ticket_info.clone(),
            1,
            memo("ticket"),
        );
        b.add_output(
            None,
            self.alice.address(5),
            self.sero.clone(),
            30,
            memo("payment"),
        );
        self.alice.fund(&mut b, &ticket_info, 1)?;
        self.bob.fund(&mut b, &self.sero, 30)?;
        let sale = b.build(self.keys, &mut self.rng)?;
        out.write(
            "ticket_sale.tx",
            &sale.to_bytes(),
            "transaction",
            "valid",
            "the ticket sold for 30 SERO in one private transaction",
        )?;
        self.both_scan(&sale)?;
        let redeem = self.bob.redeem(self.keys, &ticket, &mut self.rng)?;
        out.write(
            "ticket_redeem.tx",
            &redeem.to_bytes(),
            "transaction",
            "valid",
            "the ticket redeemed: revealed and burnt",
        )?;
        Ok(ticket)
    }

    /// One of `ticket` to bob's address `address`.
    fn ticket_to_bob(
        &self,
        b: &mut TransactionBuilder,
        address: u64,
        ticket: AssetInfo,
        text: &str,
    ) {
        b.add_output(None, self.bob.address(address), ticket, 1, memo(text));
    }

    /// Bob's ticket (he has not scanned his redeem, so his wallet still
    /// holds it) spent into two copies, a ticket output never issued, and
    /// the ticket's category changed in transit: each built with no balance
    /// check, as an attacker would.
    fn ticket_forgeries(&mut self, ticket: &Ticket, out: &mut Out) -> Result<(), CliError> {
        let ticket_info = AssetInfo::Ticket(ticket.clone());
        let (tnote, tpath) = self
            .bob
            .spendable()
            .find(|(n, _)| n.note.asset == ticket.asset())
            .map(|(n, p)| (n.clone(), p.clone()))
            .expect("bob holds the ticket");
        let mut b = self.builder();
        b.add_spend(
            &self.bob_sk,
            tnote.note.clone(),
            tnote.diversifier,
            tpath.clone(),
        );
        self.ticket_to_bob(&mut b, 6, ticket_info.clone(), "copy 1");
        self.ticket_to_bob(&mut b, 7, ticket_info, "copy 2");
        let dup = b.skip_balance_check().build(self.keys, &mut self.rng)?;
        out.write(
            "ticket_duplicated.tx",
            &dup.to_bytes(),
            "transaction",
            "invalid",
            "one ticket spent, two outputs of it",
        )?;
        let mut b = self.builder();
        let never_issued = AssetInfo::Ticket(Ticket {
            category: "concert-2026".into(),
            id: [7; 32],
        });
        self.ticket_to_bob(&mut b, 6, never_issued, "forged");
        let forged = b.skip_balance_check().build(self.keys, &mut self.rng)?;
        out.write(
            "ticket_forged.tx",
            &forged.to_bytes(),
            "transaction",
            "invalid",
            "an output of a ticket never issued",
        )?;
        let mut b = self.builder();
        b.add_spend(&self.bob_sk, tnote.note.clone(), tnote.diversifier, tpath);
        let other_category = AssetInfo::Ticket(Ticket {
            category: "vip-2026".into(),
            id: [42; 32],
        });
        self.ticket_to_bob(&mut b, 6, other_category, "changed");
        let changed = b.skip_balance_check().build(self.keys, &mut self.rng)?;
        out.write(
            "ticket_changed.tx",
            &changed.to_bytes(),
            "transaction",
            "invalid",
            "a ticket's category changed in transit",
        )
    }

    /// Packages: alice seals 100 SERO, 50 USD and a ticket for bob; bob
    /// passes it back; alice opens it; then an opening into more than it
    /// holds.
    fn packages(&mut self, out: &mut Out) -> Result<(), CliError> {
        let opened = self.package_journey(out)?;
        self.package_open_more(&opened, out)
    }

    /// Seal, pass and open of one package; returns the package as alice
    /// held it before opening.
    fn package_journey(&mut self, out: &mut Out) -> Result<OwnedPackage, CliError> {
        let mut b = self.builder();
        b.set_public_account(self.holder);
        let gift = b.issue_ticket(None, "gift-2026", [9; 32], self.alice.address(8))?;
        let issue_gift = b.build(self.keys, &mut self.rng)?;
        self.both_scan(&issue_gift)?;
        let contents = [
            (self.sero.clone(), 100),
            (self.usd.clone(), 50),
            (AssetInfo::Ticket(gift), 1),
        ];
        let seal = self.alice.seal_package(
            self.keys,
            &self.bob.address(9),
            &contents,
            memo("a sealed gift"),
            &mut self.rng,
        )?;
        out.write(
            "package_seal.tx",
            &seal.to_bytes(),
            "transaction",
            "valid",
            "two currencies and a ticket sealed into a package",
        )?;
        self.both_scan(&seal)?;
        let held = self.bob.packages()[0].clone();
        let pass =
            self.bob
                .pass_package(self.keys, &held, &self.alice.address(10), &mut self.rng)?;
        out.write(
            "package_pass.tx",
            &pass.to_bytes(),
            "transaction",
            "valid",
            "the package passed on, contents hidden",
        )?;
        self.both_scan(&pass)?;
        let held = self.alice.packages()[0].clone();
        let open = self.alice.open_package(self.keys, &held, &mut self.rng)?;
        out.write(
            "package_open.tx",
            &open.to_bytes(),
            "transaction",
            "valid",
            "the package opened into ordinary notes",
        )?;
        Ok(held)
    }

    /// `held` opened again (alice has not scanned the opening) into one SERO
    /// more than it holds.
    fn package_open_more(&mut self, held: &OwnedPackage, out: &mut Out) -> Result<(), CliError> {
        let mut b = self.builder();
        b.add_package_spend(
            &self.alice_sk,
            held.package.clone(),
            held.diversifier,
            self.alice.package_path(held).clone(),
        );
        for (info, value) in held.contents() {
            b.add_output(
                None,
                self.alice.address(0),
                info.clone(),
                if info == self.sero { value + 1 } else { value },
                memo("more"),
            );
        }
        let greedy = b.skip_balance_check().build(self.keys, &mut self.rng)?;
        out.write(
            "package_open_more.tx",
            &greedy.to_bytes(),
            "transaction",
            "invalid",
            "a package opened into more than it holds",
        )
    }

    /// Inputs that must not decode: a transaction cut short, one with a
    /// value commitment off the curve, random bytes.
    fn malformed(
        &mut self,
        shield: &Transaction,
        transfer: &Transaction,
        out: &mut Out,
    ) -> Result<(), CliError> {
        let bytes = transfer.to_bytes();
        out.write(
            "truncated.tx",
            &bytes[..bytes.len() - 7],
            "transaction",
            "malformed",
            "a valid transaction cut short",
        )?;
        let mut off_curve = shield.to_bytes();
        // Header with a public account; shield.tx has no spends: the first
        // output's cv.
        let cv_at = 4 + 1 + 32 + 8 + 1 + 32 + 4 * 32 + 2 + 2 + 32;
        off_curve[cv_at..cv_at + 32].copy_from_slice(&[0xff; 32]);
        out.write(
            "off_curve.tx",
            &off_curve,
            "transaction",
            "malformed",
            "an output value commitment that is not a curve point",
        )?;
        let mut garbage = vec![0u8; 300];
        self.rng.fill_bytes(&mut garbage);
        out.write(
            "garbage.bin",
            &garbage,
            "garbage",
            "malformed",
            "random bytes",
        )
    }
}
