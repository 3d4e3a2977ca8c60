//! Every file in fixtures/manifest.json verifies (or fails) as the manifest
//! says, through the `superzk verify` command; and the fixtures still match the
//! circuits (their verifying keys are what the seed gives today).

use std::{path::PathBuf, process::Command};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures_dir().join("manifest.json"))
        .expect("fixtures/manifest.json exists");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn superzk(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_superzk"))
        .args(args)
        .output()
        .expect("superzk runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (
        out.status.code().expect("exited normally, not by a signal"),
        text,
    )
}

#[test]
fn every_manifest_entry_verifies_as_listed() {
    let m = manifest();
    let files = m["files"].as_array().expect("files list");
    assert!(files.len() >= 10);
    let mut kinds = std::collections::HashSet::new();
    for entry in files {
        let name = entry["file"].as_str().unwrap();
        let kind = entry["kind"].as_str().unwrap();
        let expect = entry["expect"].as_str().unwrap();
        assert_eq!(entry["valid"].as_bool().unwrap(), expect == "valid");
        kinds.insert((kind.to_string(), expect.to_string()));
        let path = fixtures_dir().join(name);
        assert!(path.exists(), "{name} listed but missing");
        if kind == "verifying-key" {
            let bytes = std::fs::read(&path).unwrap();
            superzk_keys::params::verifying_key_from_bytes(&bytes).expect("verifying key decodes");
            continue;
        }
        let (code, text) = superzk(&["verify", path.to_str().unwrap()]);
        let expected_code = match expect {
            "valid" => 0,
            "invalid" => 1,
            "malformed" => 2,
            other => panic!("unknown expectation {other}"),
        };
        assert_eq!(code, expected_code, "{name}: {text}");
        assert!(!text.contains("panicked"), "{name}: {text}");
        assert!(
            text.lines().count() >= 2,
            "a line per file and a summary: {text}"
        );
    }
    for needed in [
        ("transaction", "valid"),
        ("transaction", "invalid"),
        ("transaction", "malformed"),
        ("proof", "valid"),
        ("proof", "invalid"),
    ] {
        assert!(
            kinds.contains(&(needed.0.to_string(), needed.1.to_string())),
            "no {needed:?} fixture"
        );
    }
}

#[test]
fn many_files_in_one_batch_report_the_worst() {
    let dir = fixtures_dir();
    let valid: Vec<String> = [
        "shield.tx",
        "transfer.tx",
        "package_seal.tx",
        "spend.proof",
        "output.proof",
    ]
    .iter()
    .map(|f| dir.join(f).to_string_lossy().into_owned())
    .collect();
    let args: Vec<&str> = std::iter::once("verify")
        .chain(valid.iter().map(String::as_str))
        .collect();
    let (code, text) = superzk(&args);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("5 valid, 0 invalid, 0 unreadable"), "{text}");

    let bad = dir.join("unbalanced.tx").to_string_lossy().into_owned();
    let mut with_bad = args.clone();
    with_bad.push(&bad);
    let (code, text) = superzk(&with_bad);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("binding signature"), "{text}");

    let (code, text) = superzk(&["verify", "/nonexistent/file.tx"]);
    assert_eq!(code, 2, "{text}");
}

#[test]
fn fixtures_match_todays_circuits() {
    use superzk_keys::params::{CircuitKind, ParameterCache};
    let cache =
        ParameterCache::new(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("superzk-params"));
    let m = manifest();
    for kind in CircuitKind::ALL {
        let params = cache
            .load_or_generate(kind, superzk_cli_seed(), |_| {})
            .unwrap();
        assert_eq!(
            hex::encode(params.verifying.fingerprint.0),
            m["vk_fingerprints"][kind.name()].as_str().unwrap(),
            "the {kind} circuit changed: regenerate fixtures with `cargo run --release -p superzk-cli --features fixtures -- fixtures fixtures`"
        );
    }
}

fn superzk_cli_seed() -> &'static [u8] {
    // Must equal DEMO_PARAMS_SEED in src/main.rs; the manifest records it too.
    let seed = b"SuperZK insecure demo parameters v1";
    assert_eq!(manifest()["params_seed"].as_str().unwrap().as_bytes(), seed);
    seed
}
