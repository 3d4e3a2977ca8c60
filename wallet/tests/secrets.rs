//! Secret hygiene of what a wallet holds and shows: the notes and packages it
//! received (`OwnedNote`, `OwnedPackage`), the decrypted outputs it scans
//! (`DecryptedNote`, `DecryptedPackage`) and the audit disclosures its keys
//! make never print their secrets through `Debug`, and the owned items are
//! wiped on drop.
//!
//! The wallets are the fixture wallets and the transactions the committed
//! fixtures, so nothing is proved here.

use superzk_circuits::asset::AssetInfo;
use superzk_keys::{
    disclosure::{Disclosure, OutputKind, Selection, TxOutput},
    note_plaintext::MEMO_LEN,
    spending_key::{encode_point, SpendingKey},
};
use superzk_verifier::transaction::Transaction;
use superzk_wallet::memory::{OwnedNote, OwnedPackage, ScanningWallet};
use zeroize::ZeroizeOnDrop;

#[path = "../../keys/tests/redaction/mod.rs"]
mod redaction;
use redaction::{assert_debug_hides, field_renderings, renderings};

fn fixture(name: &str) -> Transaction {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name);
    Transaction::from_bytes(&std::fs::read(&path).expect("fixture")).expect("a valid fixture")
}

/// The fixture wallets (cli/src/fixtures.rs).
fn fixture_keys() -> [SpendingKey; 2] {
    [
        SpendingKey::from_seed(b"SuperZK fixture wallet alice", 0),
        SpendingKey::from_seed(b"SuperZK fixture wallet bob", 0),
    ]
}

/// Renderings of a memo: its bytes and its text up to the padding.
fn memo_secrets(memo: &[u8; MEMO_LEN]) -> Vec<String> {
    let mut out = renderings(memo);
    let end = memo.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    if end > 3 {
        out.push(String::from_utf8_lossy(&memo[..end]).into_owned());
    }
    out
}

fn note_secrets(n: &OwnedNote) -> Vec<String> {
    let mut s = vec![n.note.value.to_string()];
    for f in [n.note.owner, n.note.rho, n.note.rcm, n.nullifier] {
        s.extend(field_renderings(&f));
    }
    s.extend(renderings(&n.diversifier));
    s.extend(memo_secrets(&n.memo));
    if let AssetInfo::Ticket(t) = &n.asset_info {
        s.extend(renderings(&t.id));
        s.push(t.category.clone());
    }
    s
}

fn package_secrets(p: &OwnedPackage) -> Vec<String> {
    let mut s = vec![];
    for f in [p.package.key, p.package.rho, p.package.rcm, p.nullifier] {
        s.extend(field_renderings(&f));
    }
    s.extend(
        p.package
            .contents
            .iter()
            .filter(|(_, v)| *v > 9)
            .map(|(_, v)| v.to_string()),
    );
    s.extend(renderings(&p.diversifier));
    s.extend(memo_secrets(&p.memo));
    s
}

#[test]
fn owned_notes_and_packages_are_redacted_and_wiped() {
    fn zeroize_on_drop<T: ZeroizeOnDrop>() {}
    zeroize_on_drop::<OwnedNote>();
    zeroize_on_drop::<OwnedPackage>();

    let (mut notes, mut packages) = (0, 0);
    for name in [
        "shield.tx",
        "transfer.tx",
        "ticket_sale.tx",
        "package_seal.tx",
    ] {
        let tx = fixture(name);
        for sk in fixture_keys() {
            let mut wallet = ScanningWallet::new(sk);
            wallet.scan(&tx).expect("scans");
            for n in wallet.notes() {
                let secrets = note_secrets(n);
                assert_debug_hides(n, &secrets);
                notes += 1;
            }
            for p in wallet.packages() {
                assert_debug_hides(p, &package_secrets(p));
                packages += 1;
            }
            // A list of them, as a caller would print it.
            let all: Vec<&OwnedNote> = wallet.notes().iter().collect();
            let secrets: Vec<String> = all.iter().flat_map(|n| note_secrets(n)).collect();
            if !all.is_empty() {
                assert_debug_hides(&all, &secrets);
            }
        }
    }
    // The fixtures hold notes of both wallets and a package.
    assert!(
        notes >= 4 && packages >= 1,
        "{notes} notes, {packages} packages"
    );
}

#[test]
fn decrypted_outputs_are_redacted() {
    let mut seen = 0;
    for name in ["transfer.tx", "package_seal.tx"] {
        let tx = fixture(name);
        for sk in fixture_keys() {
            let ivk = sk.full_viewing_key().incoming_viewing_key();
            for o in &tx.outputs {
                if let Some(n) = ivk.decrypt_output(&o.cm, &o.epk, &o.enc_ciphertext) {
                    let mut secrets = vec![n.note.value.to_string()];
                    secrets.extend(field_renderings(&n.note.rcm));
                    secrets.extend(field_renderings(&n.note.rho));
                    secrets.extend(renderings(&n.diversifier));
                    secrets.extend(memo_secrets(&n.memo));
                    assert_debug_hides(&n, &secrets);
                    seen += 1;
                }
            }
            for o in &tx.package_outputs {
                if let Some(p) = ivk.decrypt_package_output(&o.cm, &o.epk, &o.enc_ciphertext) {
                    let mut secrets = field_renderings(&p.package.key);
                    secrets.extend(field_renderings(&p.package.rcm));
                    secrets.extend(memo_secrets(&p.memo));
                    assert_debug_hides(&p, &secrets);
                    seen += 1;
                }
            }
        }
    }
    assert!(seen >= 3, "{seen} outputs decrypted");
}

#[test]
fn disclosures_do_not_print_their_shared_secrets() {
    let tx = fixture("transfer.tx");
    let outputs: Vec<TxOutput<'_>> = tx
        .outputs
        .iter()
        .map(|o| TxOutput {
            kind: OutputKind::Note,
            cm: o.cm,
            cv: encode_point(&o.cv),
            epk: o.epk,
            ciphertext: &o.enc_ciphertext,
            out_ciphertext: &o.out_ciphertext,
        })
        .collect();
    let mut disclosures = 0;
    for sk in fixture_keys() {
        let ivk = sk.full_viewing_key().incoming_viewing_key();
        let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
        let Ok(d) = Disclosure::received(&ivk, tx.id(), &outputs, Selection::AllVisible, &mut rng)
        else {
            continue;
        };
        // The file layout (PROTOCOL.md, Audit): a 40-byte header, then per
        // entry the index (4), the kind (1), the address, the shared secret.
        let bytes = d.to_bytes();
        let address_len = d.entries[0].address.to_bytes().len();
        let entry_len = (bytes.len() - 40) / d.entries.len();
        for (i, _) in d.entries.iter().enumerate() {
            let at = 40 + i * entry_len + 5 + address_len;
            let shared = &bytes[at..at + 32];
            let text = format!("{d:?}{d:#?}");
            for s in renderings(shared) {
                assert!(!text.contains(&s), "{text} shows the shared secret");
            }
        }
        disclosures += 1;
    }
    assert!(disclosures >= 1, "a fixture wallet receives in transfer.tx");
}
