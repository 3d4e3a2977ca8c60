//! `superzk audit` on the demo's transactions: totals per asset agree with
//! the demo's final balances, the JSON has its documented shape, and
//! disclosures verify (exit 0) or are refused (exit 1 forged or altered,
//! exit 2 unreadable).
//!
//! The demo runs once for the whole file (about a minute in release) and
//! writes its transactions and the wallets' full viewing keys into a
//! temporary directory that every test reads.

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
        // The shared parameter cache: $SUPERZK_PARAMS_DIR, else the one the
        // other tests of the workspace use.
        if std::env::var_os("SUPERZK_PARAMS_DIR").is_none() {
            let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params");
            args.extend(["--params-dir".into(), cache.display().to_string()]);
        }
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
    let mut args = vec![
        "audit".to_string(),
        "--fvk".into(),
        path(fvk),
        "--json".into(),
    ];
    args.extend(TXS.iter().map(|t| path(t)));
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
