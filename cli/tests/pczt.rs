//! A transaction in three steps, each in its own `superzk pczt` process,
//! through files: this process creates the PCZT (a real spend of a note in
//! a tree it builds); `superzk pczt prove` proves it with the
//! proof-generation key only; `superzk pczt authorize` signs it with the
//! spending key; `superzk pczt extract` writes the transaction, which this
//! process verifies. And what each command refuses.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::Command,
};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::{
    asset::AssetInfo,
    note::{AssetId, Note},
    tree::CommitmentTree,
    Fr,
};
use superzk_keys::{
    note_plaintext::MEMO_LEN, params::verifying_key_from_bytes, spending_key::SpendingKey,
};
use superzk_prover::{Pczt, ProofGenerationKey, Stage, TransactionBuilder};
use superzk_verifier::{
    transaction::Transaction,
    verify::{verify_transaction, VerifyingKeys},
};

/// Runs `superzk` with `args`: exit code, stdout, stderr.
fn superzk(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_superzk"))
        .args(args)
        .output()
        .expect("superzk runs");
    (
        out.status.code().expect("exited normally, not by a signal"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The shared parameter cache, as the other CLI tests use it.
fn params_args() -> Vec<String> {
    if std::env::var_os("SUPERZK_PARAMS_DIR").is_some() {
        return vec![];
    }
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params");
    vec!["--params-dir".into(), cache.display().to_string()]
}

/// The verifying keys `superzk` proves for (the demo parameters), as
/// committed in fixtures/.
fn verifying_keys() -> VerifyingKeys {
    let vk = |name: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures")
            .join(name);
        verifying_key_from_bytes(&std::fs::read(path).unwrap()).unwrap()
    };
    VerifyingKeys {
        spend: vk("spend.vk"),
        output: vk("output.vk"),
        package_spend: vk("package-spend.vk"),
        package_output: vk("package-output.vk"),
    }
}

struct Setup {
    dir: PathBuf,
    anchor: Fr,
}

impl Setup {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

/// Writes `created.pczt` (Alice spends her 1000 SERO note: 700 to Bob, 299
/// change, fee 1), `alice.sk`, `alice.pgk`, `mallory.sk`, `mallory.pgk`.
fn setup(name: &str) -> Setup {
    let dir = std::env::temp_dir().join(format!("superzk-pczt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let alice = SpendingKey::random(&mut rng);
    let mallory = SpendingKey::random(&mut rng);
    let bob = SpendingKey::random(&mut rng).full_viewing_key();
    let to_alice = alice.full_viewing_key().incoming_viewing_key().address(0);
    let note = Note {
        asset: AssetId::native(),
        value: 1000,
        owner: to_alice.owner(),
        rho: Fr::from(0x5eed_u64),
        rcm: Fr::from(0xc0de_u64),
    };
    // A tree with others' notes around Alice's.
    let mut tree = CommitmentTree::new();
    let mut witnesses = vec![];
    for i in 0..3u64 {
        tree.append(Fr::from(100 + i), &mut witnesses).unwrap();
    }
    let mine = tree
        .append_marked(note.commitment(), &mut witnesses)
        .unwrap();
    witnesses.push(mine);
    tree.append(Fr::from(200u64), &mut witnesses).unwrap();

    let mut b = TransactionBuilder::new();
    b.set_chain_id([0xc4; 32]).set_expiry_height(90).set_fee(1);
    b.add_spend_with_proof_key(
        &ProofGenerationKey::from(&alice),
        note,
        to_alice.diversifier(),
        witnesses[0].path().clone(),
    );
    let bob_address = bob.incoming_viewing_key().address(1);
    b.add_output(None, bob_address, AssetInfo::native(), 700, [0; MEMO_LEN]);
    b.add_output(
        Some(alice.full_viewing_key().ovk()),
        to_alice,
        AssetInfo::native(),
        299,
        [0; MEMO_LEN],
    );
    let pczt = b.into_pczt(&mut rng).unwrap();
    std::fs::write(dir.join("created.pczt"), pczt.to_bytes()).unwrap();
    for (file, sk) in [("alice", &alice), ("mallory", &mallory)] {
        std::fs::write(dir.join(format!("{file}.sk")), sk.encode().as_bytes()).unwrap();
        std::fs::write(
            dir.join(format!("{file}.pgk")),
            ProofGenerationKey::from(sk).to_hex().as_bytes(),
        )
        .unwrap();
    }
    Setup {
        dir,
        anchor: tree.root(),
    }
}

/// `superzk pczt prove` of `created.pczt` with `key` into `out`.
fn prove(s: &Setup, key: &str, out: &str) -> (i32, String, String) {
    let (created, key, out) = (s.path("created.pczt"), s.path(key), s.path(out));
    let mut args = vec![
        "pczt",
        "prove",
        &created,
        "--proof-key",
        &key,
        "--out",
        &out,
    ];
    let params = params_args();
    args.extend(params.iter().map(String::as_str));
    superzk(&args)
}

#[test]
fn three_processes_make_a_valid_transaction() {
    let s = setup("ok");
    let (code, out, err) = superzk(&["pczt", "inspect", &s.path("created.pczt")]);
    assert_eq!(code, 0, "{err}");
    for part in [
        "created",
        "fee: 1 SERO",
        "after height 90",
        "spend 0: 1000 SERO",
        "700 SERO",
        "299 SERO",
    ] {
        assert!(out.contains(part), "{part} missing from:\n{out}");
    }

    let (code, _, err) = prove(&s, "alice.pgk", "proven.pczt");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = superzk(&[
        "pczt",
        "authorize",
        &s.path("proven.pczt"),
        "--spending-key",
        &s.path("alice.sk"),
        "--out",
        &s.path("signed.pczt"),
    ]);
    assert_eq!(code, 0, "{err}");
    let signed = Pczt::from_bytes(&std::fs::read(s.path("signed.pczt")).unwrap()).unwrap();
    assert_eq!(signed.stage(), Stage::Authorized);
    let (code, _, err) = superzk(&[
        "pczt",
        "extract",
        &s.path("signed.pczt"),
        "--out",
        &s.path("spend.tx"),
    ]);
    assert_eq!(code, 0, "{err}");

    let tx = Transaction::from_bytes(&std::fs::read(s.path("spend.tx")).unwrap()).unwrap();
    let anchors = HashSet::from([s.anchor]);
    verify_transaction(
        &tx,
        &verifying_keys(),
        &anchors,
        &mut ChaCha20Rng::seed_from_u64(1),
    )
    .expect("the extracted transaction verifies");
    assert_eq!((tx.fee, tx.expiry_height, tx.outputs.len()), (1, 90, 2));
    // `superzk verify` reads the same file and finds it valid.
    let (code, out, err) = superzk(&["verify", &s.path("spend.tx")]);
    assert_eq!(code, 0, "{out}{err}");
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[test]
fn wrong_keys_and_garbage_are_refused_with_clear_errors() {
    let s = setup("refuse");
    // Proving with another wallet's proof-generation key.
    let (code, _, err) = prove(&s, "mallory.pgk", "mallory-proven.pczt");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("spend 0") && err.contains("does not belong"),
        "{err}"
    );
    assert!(!Path::new(&s.path("mallory-proven.pczt")).exists());
    // A spending key offered to the prover is refused before anything.
    let (code, _, err) = prove(&s, "alice.sk", "x.pczt");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("proof-key"), "{err}");

    let (code, _, err) = prove(&s, "alice.pgk", "proven.pczt");
    assert_eq!(code, 0, "{err}");
    // Authorizing with another spending key.
    let (code, _, err) = superzk(&[
        "pczt",
        "authorize",
        &s.path("proven.pczt"),
        "--spending-key",
        &s.path("mallory.sk"),
        "--out",
        &s.path("signed.pczt"),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("proven for another key"), "{err}");
    assert!(!Path::new(&s.path("signed.pczt")).exists());
    // Extracting before authorizing.
    let (code, _, err) = superzk(&[
        "pczt",
        "extract",
        &s.path("proven.pczt"),
        "--out",
        &s.path("t.tx"),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("must be authorized"), "{err}");

    // Garbage, a truncated PCZT, a transaction file and a missing file.
    std::fs::write(s.path("garbage.pczt"), b"this is not a pczt at all").unwrap();
    let proven = std::fs::read(s.path("proven.pczt")).unwrap();
    std::fs::write(s.path("cut.pczt"), &proven[..proven.len() / 2]).unwrap();
    for (file, says) in [
        ("garbage.pczt", "not a SuperZK partially built transaction"),
        ("cut.pczt", "truncated"),
        ("missing.pczt", "cannot read"),
    ] {
        let (code, _, err) = superzk(&["pczt", "inspect", &s.path(file)]);
        assert_eq!(code, 2, "{file}: {err}");
        assert!(err.contains(says), "{file}: {err}");
        assert!(!err.contains("panicked"), "{file}: {err}");
    }
    // A damaged key file.
    std::fs::write(s.path("bad.pgk"), "zz").unwrap();
    let (code, _, err) = prove(&s, "bad.pgk", "y.pczt");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("proof-generation key"), "{err}");
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[test]
fn proof_key_derives_what_the_prover_needs() {
    let s = setup("pgk");
    let out = s.path("derived.pgk");
    let (code, _, err) = superzk(&[
        "pczt",
        "proof-key",
        "--spending-key",
        &s.path("alice.sk"),
        "--out",
        &out,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().trim(),
        std::fs::read_to_string(s.path("alice.pgk")).unwrap().trim()
    );
    let _ = std::fs::remove_dir_all(&s.dir);
}
