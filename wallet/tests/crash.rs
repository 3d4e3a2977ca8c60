//! kill -9 during sync: a child process syncing a wallet from a prepared
//! node directory is killed with SIGKILL at random points, several times;
//! each time the wallet reopens consistent, and in the end it holds exactly
//! what a clean sync finds, having resumed rather than restarted.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use common::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, RngCore, SeedableRng};
use superzk_keys::spending_key::SpendingKey;
use superzk_wallet::{AccountKey, SyncOptions, Wallet};

const CHILD_ENV: &str = "SUPERZK_WALLET_CRASH_CHILD";

fn sk() -> SpendingKey {
    SpendingKey::from_seed(b"crash wallet", 0)
}

/// The child: syncs the wallet at `$CHILD_ENV/w.sqlite` from the node in
/// `$CHILD_ENV/node`, one block per batch, printing each stored batch.
#[test]
#[ignore = "run by the crash test as its child process"]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else {
        return;
    };
    let node = open_node(&dir.join("node"));
    let mut w = Wallet::open(&dir.join("w.sqlite"), &identity(&node)).unwrap();
    if w.accounts().unwrap().is_empty() {
        w.add_account("a", AccountKey::Spending(&sk()), 0).unwrap();
    }
    let options = SyncOptions { batch_blocks: 1 };
    w.sync_with(&NodeSource(node), options, |p| {
        println!("scanned {}", p.scanned_height)
    })
    .unwrap();
    println!("done");
}

/// Runs the child, kills it after `lines` stored batches and a few
/// milliseconds more; returns whether it finished first.
fn run_child(dir: &Path, lines: usize, extra_ms: u64) -> bool {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = 0;
    let mut finished = false;
    for line in out.lines() {
        let line = line.unwrap();
        if line == "done" {
            finished = true;
            break;
        }
        if line.starts_with("scanned ") {
            seen += 1;
            if seen >= lines {
                break;
            }
        }
    }
    std::thread::sleep(Duration::from_millis(extra_ms));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    finished
}

fn summary(w: &Wallet) -> Vec<(u64, u64, bool)> {
    let acc = w.accounts().unwrap()[0].id;
    w.received_notes(acc)
        .unwrap()
        .iter()
        .map(|n| (n.position, n.contents[0].1, n.spent))
        .collect()
}

#[test]
#[cfg_attr(debug_assertions, ignore = "proves transactions: run it in release")]
fn sigkill_at_random_points_leaves_a_consistent_wallet_that_resumes() {
    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(&dir.path().join("node"));
    let chain_id = node.chain_id().unwrap();
    let addr = sk().full_viewing_key().incoming_viewing_key().address(0);

    // A chain of 120 blocks with notes early, in the middle and late.
    for (at, values) in [
        (2u64, vec![ONE, 2 * ONE]),
        (50, vec![3 * ONE]),
        (100, vec![4 * ONE, ONE]),
    ] {
        while node.tip().unwrap().height + 1 < at {
            mine(&node);
        }
        let to: Vec<_> = values.iter().map(|v| (addr, *v, memo("x"))).collect();
        let tx = shielding(&pk, chain_id, alice_nonce(&node), &to, &mut rng);
        node.submit_transaction(tx).unwrap();
        mine(&node);
    }
    while node.tip().unwrap().height < 120 {
        mine(&node);
    }
    let tip = node.tip().unwrap();
    drop(node);

    let seed = OsRng.next_u64();
    eprintln!("kill points seeded with {seed}");
    let mut kills = ChaCha20Rng::seed_from_u64(seed);
    let ident = {
        let node = open_node(&dir.path().join("node"));
        identity(&node)
    };
    let mut heights = vec![];
    for _ in 0..6 {
        let lines = 1 + (kills.next_u32() % 30) as usize;
        let finished = run_child(dir.path(), lines, u64::from(kills.next_u32() % 15));
        // Consistent after every kill: it opens, its last block has its
        // checkpoint, and its balances read.
        let w = Wallet::open(&dir.path().join("w.sqlite"), &ident).unwrap();
        let scanned = w.last_scanned().unwrap().map_or(0, |l| l.0);
        if let Some(acc) = w.accounts().unwrap().first() {
            w.balances(acc.id).unwrap();
            w.anchor().unwrap();
        }
        heights.push(scanned);
        if finished {
            break;
        }
    }
    eprintln!("scanned heights after each kill: {heights:?}");
    assert!(heights.windows(2).all(|h| h[0] <= h[1]), "{heights:?}");
    assert!(
        heights.iter().any(|&h| h > 0 && h < tip.height),
        "some kill fell mid-sync: {heights:?}"
    );

    // Resumed to the tip, it holds exactly what a clean sync finds.
    let node = open_node(&dir.path().join("node"));
    let source = NodeSource(node.clone());
    let mut w = Wallet::open(&dir.path().join("w.sqlite"), &ident).unwrap();
    if w.accounts().unwrap().is_empty() {
        w.add_account("a", AccountKey::Spending(&sk()), 0).unwrap();
    }
    let resumed = w.sync(&source, |_| {}).unwrap();
    // Resumed, not restarted: it scans only the outputs above its last block.
    let last = *heights.last().unwrap();
    let above: u64 = [(2u64, 2u64), (50, 1), (100, 2)]
        .iter()
        .filter(|(h, _)| *h > last)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(resumed.outputs_scanned, above, "{heights:?}");
    let mut clean = Wallet::open(&dir.path().join("clean.sqlite"), &ident).unwrap();
    clean
        .add_account("a", AccountKey::Spending(&sk()), 0)
        .unwrap();
    clean.sync(&source, |_| {}).unwrap();
    let acc = w.accounts().unwrap()[0].id;
    let clean_acc = clean.accounts().unwrap()[0].id;
    assert_eq!(w.balances(acc).unwrap(), clean.balances(clean_acc).unwrap());
    assert_eq!(summary(&w), summary(&clean));
    assert_eq!(w.last_scanned().unwrap(), clean.last_scanned().unwrap());
    assert_eq!(w.anchor().unwrap(), clean.anchor().unwrap());
}
