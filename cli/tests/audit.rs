//! `superzk audit` on the demo's transactions: totals per asset agree with
//! the demo's final balances, the JSON has its documented shape, the demo's
//! chain file gives the same notes with the height of each block, and
//! disclosures verify (exit 0) or are refused (exit 1 forged or altered,
//! exit 2 unreadable).
//!
//! The demo runs once for the whole file (about a minute in release) and
//! writes its transactions, chain file and the wallets' full viewing keys
//! into a temporary directory that every test but the last reads; the last
//! runs `superzk devnet` for 8 blocks, exports the chain and audits it with
//! the recipient's key.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

use serde_json::Value;

/// The demo's transactions in chain order.
const TXS: [&str; 8] = [
    "shield.tx",
    "transfer.tx",
    "payback.tx",
    "issue.tx",
    "sale.tx",
    "seal.tx",
    "pass.tx",
    "open.tx",
];

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

/// Runs the demo once with `--out` and returns its directory.
fn demo_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("superzk-audit-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut args = vec![
            "demo".to_string(),
            "--out".into(),
            dir.display().to_string(),
        ];
        args.extend(params_args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = superzk(&args);
        assert_eq!(code, 0, "the demo failed:\n{out}\n{err}");
        dir
    })
}

fn path(name: &str) -> String {
    demo_dir().join(name).display().to_string()
}

fn audit_json(fvk: &str) -> Value {
    audit_json_of(fvk, &TXS)
}

/// `superzk audit --json` of `files` in the demo's directory.
fn audit_json_of(fvk: &str, files: &[&str]) -> Value {
    let mut args = vec![
        "audit".to_string(),
        "--fvk".into(),
        path(fvk),
        "--json".into(),
    ];
    args.extend(files.iter().map(|t| path(t)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = superzk(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("audit --json prints JSON")
}

/// `asset name -> (received, spent, balance)` from the totals.
fn totals(report: &Value) -> std::collections::BTreeMap<String, (u64, u64, u64)> {
    report["totals"]
        .as_array()
        .expect("totals is a list")
        .iter()
        .map(|t| {
            let n = |k: &str| t[k].as_u64().expect("a number");
            (
                t["asset"].as_str().expect("asset name").to_string(),
                (n("received"), n("spent"), n("balance")),
            )
        })
        .collect()
}

fn balance(report: &Value, prefix: &str) -> u64 {
    totals(report)
        .iter()
        .find(|(name, _)| name.starts_with(prefix))
        .map_or(0, |(_, t)| t.2)
}

#[test]
fn totals_per_asset_are_the_demos_balances() {
    let alice = audit_json("alice.fvk");
    let bob = audit_json("bob.fvk");
    // The demo ends with alice 778 SERO, 400 USD; bob 219 SERO, 100 USD, 1 ticket.
    assert_eq!(balance(&alice, "SERO"), 778);
    assert_eq!(balance(&alice, "USD"), 400);
    assert_eq!(balance(&alice, "ticket concert-2026"), 0);
    assert_eq!(balance(&bob, "SERO"), 219);
    assert_eq!(balance(&bob, "USD"), 100);
    assert_eq!(balance(&bob, "ticket concert-2026"), 1);
    // Alice shielded 1000 SERO and 500 USD into three notes, all in shield.tx.
    let received = alice["received"].as_array().unwrap();
    let shielded: Vec<_> = received
        .iter()
        .filter(|r| r["source"] == "shield.tx")
        .map(|r| {
            (
                r["assets"][0]["asset"].as_str().unwrap(),
                r["assets"][0]["value"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shielded, [("SERO", 600), ("SERO", 400), ("USD", 500)]);
}

#[test]
fn json_shape_is_consistent() {
    for fvk in ["alice.fvk", "bob.fvk"] {
        let report = audit_json(fvk);
        let received = report["received"].as_array().expect("received list");
        let spent = report["spent"].as_array().expect("spent list");
        assert!(!received.is_empty() && !spent.is_empty());
        let mut sums: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        for r in received {
            for key in ["source", "tx", "kind", "address", "memo"] {
                assert!(r[key].is_string(), "received.{key}");
            }
            for key in ["output", "position"] {
                assert!(r[key].is_u64(), "received.{key}");
            }
            assert!(TXS.contains(&r["source"].as_str().unwrap()));
            assert_eq!(r["tx"].as_str().unwrap().len(), 64);
            assert!(r["address"].as_str().unwrap().starts_with("szk1"));
            for a in r["assets"].as_array().unwrap() {
                assert_eq!(a["asset_id"].as_str().unwrap().len(), 64);
                sums.entry(a["asset"].as_str().unwrap().into())
                    .or_default()
                    .0 += a["value"].as_u64().unwrap();
            }
        }
        for s in spent {
            assert!(s["spend"].is_u64());
            // The spent note is one of the received ones, marked spent.
            let note = &s["note"];
            let r = received
                .iter()
                .find(|r| r["tx"] == note["tx"] && r["output"] == note["output"])
                .expect("a spent note was received first");
            assert_eq!(r["spent"], true);
            assert_eq!(r["assets"], s["assets"]);
            for a in s["assets"].as_array().unwrap() {
                sums.entry(a["asset"].as_str().unwrap().into())
                    .or_default()
                    .1 += a["value"].as_u64().unwrap();
            }
        }
        let unspent = received.iter().filter(|r| r["spent"] == false).count();
        assert_eq!(unspent + spent.len(), received.len());
        // Totals are the sums of the lists.
        let t = totals(&report);
        assert_eq!(t.len(), sums.len());
        for (asset, (rec, sp)) in sums {
            assert_eq!(t[&asset], (rec, sp, rec - sp), "{fvk} {asset}");
        }
    }
}

#[test]
fn table_output_and_bad_inputs() {
    let mut args = vec!["audit".to_string(), "--fvk".into(), path("bob.fvk")];
    args.extend(TXS.iter().map(|t| path(t)));
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, _) = superzk(&args_ref);
    assert_eq!(code, 0);
    assert!(out.contains("received (12 notes)"), "{out}");
    assert!(out.contains("totals"));
    // The key can be given as text as well as a file.
    let text = std::fs::read_to_string(path("bob.fvk")).unwrap();
    let mut by_text = args.clone();
    by_text[2] = text.trim().to_string();
    let by_text: Vec<&str> = by_text.iter().map(String::as_str).collect();
    assert_eq!(superzk(&by_text).1, out);
    // A wrong key, a missing file and a file that is not a transaction: exit 2.
    let (code, _, err) = superzk(&["audit", "--fvk", "szk-fvk1qqqq", &path("shield.tx")]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = superzk(&["audit", "--fvk", &path("bob.fvk"), "/nonexistent.tx"]);
    assert_eq!(code, 2);
    let (code, _, _) = superzk(&["audit", "--fvk", &path("bob.fvk"), &path("bob.fvk")]);
    assert_eq!(code, 2);
}

fn disclose(args: &[&str], out: &str) -> (i32, String) {
    let mut all = vec!["audit", "disclose"];
    all.extend_from_slice(args);
    all.push(out);
    let (code, _, err) = superzk(&all);
    (code, err)
}

fn verify(disclosure: &str, tx: &str) -> (i32, String) {
    let (code, out, err) = superzk(&["audit", "verify-disclosure", disclosure, &path(tx)]);
    (code, out + &err)
}

#[test]
fn disclosures_verify_and_forgeries_are_refused() {
    let d = path("bob-transfer-0.szkd");
    let (code, err) = disclose(
        &[
            "--fvk",
            &path("bob.fvk"),
            "--tx",
            &path("transfer.tx"),
            "--output",
            "0",
        ],
        &d,
    );
    assert_eq!(code, 0, "{err}");
    let (code, out) = verify(&d, "transfer.tx");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("250 SERO") && out.contains("for the concert"),
        "{out}"
    );
    // Only the one note: output 1 (120 USD to bob) is not shown.
    assert!(!out.contains("USD"), "{out}");
    let (code, json, _) = superzk(&[
        "audit",
        "verify-disclosure",
        &d,
        &path("transfer.tx"),
        "--json",
    ]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["valid"], true);
    assert_eq!(json["outputs"].as_array().unwrap().len(), 1);
    assert_eq!(json["outputs"][0]["assets"][0]["value"], 250);

    // Against another transaction: invalid.
    assert_eq!(verify(&d, "payback.tx").0, 1);
    // Altered bytes: the output index (40), the address (diversifier 50,
    // owner tag 60) and the proof's challenge (152).
    let bytes = std::fs::read(&d).unwrap();
    for (at, flip) in [(40, 1u8), (50, 1), (60, 1), (152, 1)] {
        let mut b = bytes.clone();
        b[at] ^= flip;
        let altered = path(&format!("altered-{at}.szkd"));
        std::fs::write(&altered, &b).unwrap();
        let (code, out) = verify(&altered, "transfer.tx");
        assert_eq!(code, 1, "byte {at}: {out}");
    }
    // Unreadable: garbage, truncated, a transaction instead of a disclosure.
    let garbage = path("garbage.szkd");
    std::fs::write(&garbage, b"SZKD\x01garbage").unwrap();
    assert_eq!(verify(&garbage, "transfer.tx").0, 2);
    let truncated = path("truncated.szkd");
    std::fs::write(&truncated, &bytes[..bytes.len() - 1]).unwrap();
    assert_eq!(verify(&truncated, "transfer.tx").0, 2);
    assert_eq!(verify(&path("transfer.tx"), "transfer.tx").0, 2);
    assert_eq!(verify(&d, "alice.fvk").0, 2);

    // Alice cannot disclose Bob's note as received; she can as its sender.
    let (code, err) = disclose(
        &[
            "--fvk",
            &path("alice.fvk"),
            "--tx",
            &path("transfer.tx"),
            "--output",
            "0",
        ],
        &path("x.szkd"),
    );
    assert_eq!(code, 2);
    assert!(err.contains("not one this key received"), "{err}");
    let sent = path("alice-sent.szkd");
    let (code, err) = disclose(
        &[
            "--fvk",
            &path("alice.fvk"),
            "--tx",
            &path("transfer.tx"),
            "--sent",
        ],
        &sent,
    );
    assert_eq!(code, 0, "{err}");
    let (code, out) = verify(&sent, "transfer.tx");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("(sent)") && out.contains("250 SERO") && out.contains("120 USD"),
        "{out}"
    );

    // A whole-transaction disclosure of a package.
    let pkg = path("alice-seal.szkd");
    assert_eq!(
        disclose(
            &["--fvk", &path("alice.fvk"), "--tx", &path("seal.tx")],
            &pkg
        )
        .0,
        0
    );
    let (code, out) = verify(&pkg, "seal.tx");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("(package)") && out.contains("50 SERO, 20 USD, 1 ticket concert-2026"),
        "{out}"
    );
}

/// The demo's chain file: the height of the block holding each shielded
/// transaction, by transaction id (hex), read with chain-core itself.
fn chain_heights() -> std::collections::HashMap<String, u64> {
    heights_in(&path("chain.szkc"))
}

fn heights_in(file: &str) -> std::collections::HashMap<String, u64> {
    use superzk_chain_core::{block::ChainFile, tx::ChainTx};
    let chain = ChainFile::from_bytes(&std::fs::read(file).unwrap()).expect("a chain file");
    let mut heights = std::collections::HashMap::new();
    for block in &chain.blocks {
        for tx in &block.txs {
            if let ChainTx::Shielded(s) = tx {
                heights.insert(hex::encode(s.tx.id()), block.header.height);
            }
        }
    }
    heights
}

fn tx_id(file: &str) -> String {
    let bytes = std::fs::read(path(file)).unwrap();
    hex::encode(
        superzk_verifier::transaction::Transaction::from_bytes(&bytes)
            .unwrap()
            .id(),
    )
}

/// A report without the fields that name where a note was read from, to
/// compare a chain-file audit with a transaction-file audit.
fn without_source(report: &Value) -> Value {
    let mut r = report.clone();
    for list in ["received", "spent"] {
        for item in r[list].as_array_mut().unwrap() {
            let item = item.as_object_mut().unwrap();
            item.remove("source");
            item.remove("height");
            if let Some(note) = item.get_mut("note").and_then(Value::as_object_mut) {
                note.remove("source");
                note.remove("height");
            }
        }
    }
    r
}

#[test]
fn chain_file_audit_shows_every_note_with_its_block_height() {
    let heights = chain_heights();
    // Each step of the story is in its own block, in order.
    let story: Vec<u64> = TXS.iter().map(|t| heights[&tx_id(t)]).collect();
    assert!(story[0] > 0, "the devnet stakes before the story starts");
    for w in story.windows(2) {
        assert_eq!(w[1], w[0] + 1, "heights {story:?}");
    }
    for fvk in ["alice.fvk", "bob.fvk"] {
        let chain = audit_json_of(fvk, &["chain.szkc"]);
        let loose = audit_json(fvk);
        // The same notes, spends, positions and totals as from the
        // transaction files.
        assert_eq!(without_source(&chain), without_source(&loose), "{fvk}");
        assert!(!chain["received"].as_array().unwrap().is_empty());
        for r in chain["received"].as_array().unwrap() {
            assert_eq!(r["source"], "chain.szkc");
            assert_eq!(r["height"], heights[r["tx"].as_str().unwrap()], "{r}");
        }
        for s in chain["spent"].as_array().unwrap() {
            assert_eq!(s["height"], heights[s["tx"].as_str().unwrap()], "{s}");
            let note = &s["note"];
            assert_eq!(note["height"], heights[note["tx"].as_str().unwrap()]);
            assert!(note["height"].as_u64() < s["height"].as_u64());
        }
        // Loose transaction files have no height.
        assert!(loose["received"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["height"].is_null()));
    }
    // Alice's three shielded notes, at the shield transaction's height; Bob's
    // balances as the demo ends.
    let alice = audit_json_of("alice.fvk", &["chain.szkc"]);
    let shielded: Vec<_> = alice["received"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["height"] == story[0])
        .map(|r| {
            (
                r["assets"][0]["asset"].as_str().unwrap().to_string(),
                r["assets"][0]["value"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shielded,
        [
            ("SERO".into(), 600),
            ("SERO".into(), 400),
            ("USD".into(), 500)
        ]
    );
    let bob = audit_json_of("bob.fvk", &["chain.szkc"]);
    assert_eq!(balance(&bob, "SERO"), 219);
    assert_eq!(balance(&bob, "USD"), 100);
    assert_eq!(balance(&bob, "ticket concert-2026"), 1);
    // Bob's first note: 250 SERO in the transfer's block, spent later.
    let first = &bob["received"][0];
    assert_eq!(first["height"], story[1]);
    assert_eq!(first["assets"][0]["value"], 250);

    // The table shows heights too.
    let (code, out, err) = superzk(&["audit", "--fvk", &path("bob.fvk"), &path("chain.szkc")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("height"), "{out}");
    let transfer = tx_id("transfer.tx");
    assert!(
        out.contains(&format!("block {} {}:0", story[1], &transfer[..8])),
        "{out}"
    );

    // A damaged chain file is unreadable (exit 2), not half-audited.
    let bytes = std::fs::read(path("chain.szkc")).unwrap();
    let cut = path("cut.szkc");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let (code, _, err) = superzk(&["audit", "--fvk", &path("bob.fvk"), &cut]);
    assert_eq!(code, 2);
    assert!(err.contains("not a chain file"), "{err}");
}

/// The shared parameter cache: $SUPERZK_PARAMS_DIR, else (`--params-dir`)
/// the one the other tests of the workspace use.
fn params_args() -> Vec<String> {
    if std::env::var_os("SUPERZK_PARAMS_DIR").is_some() {
        return vec![];
    }
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params");
    vec!["--params-dir".into(), cache.display().to_string()]
}

#[test]
fn node_chain_audited_with_the_recipients_key() {
    let dir = std::env::temp_dir().join(format!("superzk-audit-node-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.display().to_string();
    let mut args = vec!["devnet", "--data-dir", &d, "--blocks", "8"];
    let params = params_args();
    args.extend(params.iter().map(String::as_str));
    let (code, out, err) = superzk(&args);
    assert_eq!(code, 0, "{out}\n{err}");
    let chain = dir.join("chain.szkc").display().to_string();
    let (code, _, err) = superzk(&["chain", "export", "--data-dir", &d, &chain]);
    assert_eq!(code, 0, "{err}");
    let bob = dir.join("bob.fvk").display().to_string();
    let (code, out, err) = superzk(&["audit", "--json", "--fvk", &bob, &chain]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();

    // Eight blocks: three of staking, then shield (4), alice pays bob 250
    // SERO and 120 USD (5), bob pays 20 USD back with a fee of 1 (6), alice
    // issues a ticket (7) and sells it to bob for 30 SERO (8).
    let heights = heights_in(&chain);
    let notes: Vec<(u64, String, u64)> = report["received"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["height"], heights[r["tx"].as_str().unwrap()], "{r}");
            let a = &r["assets"][0];
            let name = a["asset"].as_str().unwrap();
            (
                r["height"].as_u64().unwrap(),
                name.split('#').next().unwrap().to_string(),
                a["value"].as_u64().unwrap(),
            )
        })
        .collect();
    let n = |h: u64, a: &str, v: u64| (h, a.to_string(), v);
    assert_eq!(
        notes,
        [
            n(5, "SERO", 250),
            n(5, "USD", 120),
            n(6, "USD", 100),
            n(6, "SERO", 249),
            n(8, "ticket concert-2026", 1),
            n(8, "SERO", 219),
        ]
    );
    assert_eq!(report["received"][0]["memo"], "for the concert");
    let spent: Vec<(u64, u64, u64)> = report["spent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["height"].as_u64().unwrap(),
                s["note"]["height"].as_u64().unwrap(),
                s["assets"][0]["value"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(spent, [(6, 5, 120), (6, 5, 250), (8, 6, 249)]);
    assert_eq!(balance(&report, "SERO"), 219);
    assert_eq!(balance(&report, "USD"), 100);
    assert_eq!(balance(&report, "ticket concert-2026"), 1);
    assert_eq!(totals(&report)["SERO"], (718, 499, 219));
    // Alice's key sees her own shielded notes at block 4 instead.
    let alice = dir.join("alice.fvk").display().to_string();
    let (code, out, _) = superzk(&["audit", "--json", "--fvk", &alice, &chain]);
    assert_eq!(code, 0);
    let alice: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(alice["received"][0]["height"], 4);
    assert_eq!(alice["received"][0]["assets"][0]["value"], 600);
    let _ = std::fs::remove_dir_all(&dir);
}
