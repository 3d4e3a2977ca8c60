//! `superzk devnet`, `chain export`, `chain validate` and `verify` on block
//! and chain files, through the binary: a devnet with votes and shielded
//! transactions validates from genesis; a tampered block is named with its
//! rule (exit 1); a truncated or garbage file is unreadable (exit 2).

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use superzk_chain_core::{
    block::{block_file_bytes, tx_root, Block, ChainFile},
    pow,
    tx::ChainTx,
};

fn superzk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_superzk"))
}

fn run(args: &[&str], files: &[&Path]) -> Output {
    superzk().args(args).args(files).output().unwrap()
}

fn stdout(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `$SUPERZK_PARAMS_DIR`, else where the other CLI tests and the demo
/// cache the demo parameters.
fn params_dir() -> PathBuf {
    std::env::var_os("SUPERZK_PARAMS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params"))
}

/// Seals `b` again after a change, so that only the change is wrong.
fn reseal(b: &mut Block) {
    b.header.tx_root = tx_root(&b.txs);
    pow::mine(&mut b.header);
}

/// The count the validation report gives `rule`.
fn rule_count(report: &str, rule: &str) -> u64 {
    report
        .lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(rule)).then(|| words.next()?.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no {rule} line in {report}"))
}

#[test]
fn devnet_exports_validates_and_verifies_and_tampering_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = superzk()
        .args(["devnet", "--blocks", "8", "--data-dir"])
        .arg(&data)
        .arg("--params-dir")
        .arg(params_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("8 blocks mined and validated"), "{text}");

    let file = dir.path().join("chain.szkc");
    let out = superzk()
        .args(["chain", "export", "--data-dir"])
        .arg(&data)
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stdout(&out));
    let out = run(&["chain", "validate"], &[&file]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("9 blocks valid"), "{report}");
    assert!(rule_count(&report, "shielded-proofs") > 0, "{report}");
    assert_eq!(rule_count(&report, "proof-of-work"), 8, "{report}");
    assert!(rule_count(&report, "votes") > 0, "{report}");

    let chain = ChainFile::from_bytes(&std::fs::read(&file).unwrap()).unwrap();
    let bad = dir.path().join("bad.szkc");
    let validate_tampered = |chain: &ChainFile| {
        std::fs::write(&bad, chain.to_bytes()).unwrap();
        let out = run(&["chain", "validate"], &[&bad]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        stdout(&out)
    };
    // A later time, with the proof of work then failing.
    let mut tampered = chain.clone();
    let h = &mut tampered.blocks[5].header;
    h.time += 1;
    while pow::meets_target(&h.hash(), h.difficulty) {
        h.time += 1;
    }
    let text = validate_tampered(&tampered);
    assert!(
        text.contains("INVALID at block 5: rule proof-of-work"),
        "{text}"
    );
    // A wrong state root under a valid proof of work.
    let mut tampered = chain.clone();
    tampered.blocks[5].header.state_root[0] ^= 1;
    reseal(&mut tampered.blocks[5]);
    let text = validate_tampered(&tampered);
    assert!(
        text.contains("INVALID at block 5: rule state-root"),
        "{text}"
    );

    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let out = run(&["chain", "validate"], &[&bad]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));

    // `superzk verify` on a block file, the chain file, and broken ones.
    let (height, shielded) = chain
        .blocks
        .iter()
        .enumerate()
        .find_map(|(i, b)| {
            b.txs
                .iter()
                .position(|t| match t {
                    ChainTx::Shielded(s) => s.public.is_none(),
                    _ => false,
                })
                .map(|k| (i, k))
        })
        .expect("the devnet holds a private shielded transaction");
    let block_file = dir.path().join("block.szkb");
    std::fs::write(
        &block_file,
        block_file_bytes(&chain.blocks[0].hash(), &chain.blocks[height]),
    )
    .unwrap();
    let out = run(&["verify"], &[&block_file, &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("2 valid, 0 invalid"),
        "{}",
        stdout(&out)
    );

    // The fee changed: the block is resealed, but the shielded
    // transaction's signatures no longer match it.
    let mut b = chain.blocks[height].clone();
    if let ChainTx::Shielded(s) = &mut b.txs[shielded] {
        s.tx.fee += 1;
    }
    reseal(&mut b);
    let tampered = dir.path().join("tampered.szkb");
    std::fs::write(&tampered, block_file_bytes(&chain.blocks[0].hash(), &b)).unwrap();
    let out = run(&["verify"], &[&block_file, &tampered]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("INVALID: block {height}, shielded transaction")),
        "{text}"
    );
    // A block whose header no longer commits to its transactions.
    b.header.tx_root[0] ^= 1;
    std::fs::write(&tampered, block_file_bytes(&chain.blocks[0].hash(), &b)).unwrap();
    let out = run(&["verify"], &[&tampered]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("transaction root"), "{text}");

    let garbage = dir.path().join("garbage.szkb");
    let mut junk = b"SZKB\x01".to_vec();
    junk.extend((0..200u8).map(|i| i.wrapping_mul(37)));
    std::fs::write(&garbage, junk).unwrap();
    let out = run(&["verify"], &[&block_file, &garbage]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let out = run(&["verify"], &[&bad]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}
