//! Crash safety of the store. A child process (this test binary, run again
//! in child mode) applies a pre-built chain to a store and is killed with
//! SIGKILL at random moments; after every kill the reopened store holds the
//! state after the last whole block (height, block and state root agree with
//! the chain file), and the next child carries on from there. The end state
//! is byte-identical to an uninterrupted run. A damaged database file is
//! refused on open with a typed error, never read as wrong state.

mod common;

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Instant,
};

use common::{busy_net, fixture_keys};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use superzk_chain_core::{
    block::ChainFile,
    chain::{Chain, StateEntry},
    error::ChainError,
    params::{ChainParams, COIN},
    tx::Authorization,
    tx::{ChainTx, TicketPurchase},
};

/// Set in the child's environment: the directory holding the chain file
/// and the store.
const CHILD_DIR: &str = "SUPERZK_CRASH_CHILD_DIR";
const CHILD_TEST: &str = "child_applies_the_chain_file";
/// Kills, at most; the chain is long enough for all of them.
const KILLS: usize = 20;
/// The most blocks a child may apply before its kill is due.
const MAX_STRIDE: u64 = 12;

fn store(dir: &Path) -> PathBuf {
    dir.join("chain.redb")
}

/// Applies every block of the chain file after the store's tip.
#[test]
#[ignore = "the child process of kills_at_random_points_leave_whole_blocks, run by it"]
fn child_applies_the_chain_file() {
    let dir = PathBuf::from(std::env::var_os(CHILD_DIR).expect("run by the crash test"));
    let file = ChainFile::from_bytes(&std::fs::read(dir.join("chain.szkc")).unwrap()).unwrap();
    let chain = Chain::open(&store(&dir), ChainParams::devnet(), fixture_keys()).unwrap();
    let next = chain.height().unwrap().map_or(0, |h| h + 1);
    let mut rng = ChaCha20Rng::seed_from_u64(next);
    let mut out = std::io::stdout().lock();
    for b in &file.blocks[next as usize..] {
        chain.apply(b, &mut rng).unwrap();
        // The parent counts these to place its kill.
        writeln!(out, "applied {}", b.header.height).unwrap();
        out.flush().unwrap();
    }
}

/// A devnet chain with tickets, votes, silent tickets, a StakingNode and
/// settlements; its export and final state.
fn long_chain(blocks: usize) -> (ChainFile, Vec<StateEntry>) {
    let mut net = busy_net();
    let alice = net.alice.clone();
    for i in 0..blocks {
        let txs = if i % 4 == 0 {
            vec![net.signed(
                ChainTx::BuyTickets(TicketPurchase {
                    count: 3,
                    max_price: 10 * COIN,
                    vote_key: alice.id(),
                    node: None,
                    auth: Authorization::unsigned(),
                }),
                &alice,
            )]
        } else {
            vec![]
        };
        let b = net.block(txs, i % 5 / 4);
        net.apply(&b).unwrap();
    }
    (net.chain.export().unwrap(), net.chain.state_dump().unwrap())
}

fn child(dir: &Path) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--ignored", "--exact", CHILD_TEST, "--nocapture"])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    c
}

/// Opens the store and checks it holds the state after a whole block of
/// `file`; returns the height (`None`: not even genesis yet).
fn check_whole_block(dir: &Path, file: &ChainFile) -> Option<u64> {
    let chain = Chain::open(&store(dir), ChainParams::devnet(), fixture_keys())
        .expect("a killed writer leaves an openable store");
    let height = chain.height().unwrap();
    match height {
        None => assert!(chain.state_dump().unwrap().is_empty()),
        Some(h) => {
            let expected = &file.blocks[h as usize];
            assert!(chain.block(h).unwrap().as_ref() == Some(expected));
            assert_eq!(
                chain.state_root().unwrap(),
                expected.header.state_root,
                "the state is that after block {h}"
            );
        }
    }
    height
}

#[test]
fn kills_at_random_points_leave_whole_blocks() {
    let (file, final_state) = long_chain(150);
    let n = file.blocks.len() as u64;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.szkc"), file.to_bytes()).unwrap();

    // An uninterrupted child in another directory: how long a run takes.
    let clean = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.path().join("chain.szkc"),
        clean.path().join("chain.szkc"),
    )
    .unwrap();
    let started = Instant::now();
    assert!(child(clean.path()).output().unwrap().status.success());
    let full = started.elapsed();
    // The same child again has nothing to apply: its start-up time.
    let started = Instant::now();
    assert!(child(clean.path()).output().unwrap().status.success());
    let startup = started.elapsed();
    let per_block = full.saturating_sub(startup) / n as u32;

    let mut rng = ChaCha20Rng::seed_from_u64(2026);
    let mut kills = 0;
    let mut finished = false;
    let mut last: Option<u64> = None;
    let mut heights = vec![];
    while kills < KILLS {
        // Let the child apply 0 to MAX_STRIDE blocks, then kill it at a
        // random moment of the next one (0: while it starts and opens).
        let blocks = rng.next_u64() % (MAX_STRIDE + 1);
        let wait = per_block.mul_f64((rng.next_u32() % 1000) as f64 / 1000.0);
        let mut proc = child(dir.path()).spawn().unwrap();
        let mut lines = BufReader::new(proc.stdout.take().unwrap()).lines();
        let mut seen = 0;
        while seen < blocks {
            match lines.next() {
                Some(line) => seen += u64::from(line.unwrap().starts_with("applied ")),
                None => break,
            }
        }
        std::thread::sleep(wait);
        match proc.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success());
                finished = true;
            }
            None => {
                proc.kill().unwrap();
                proc.wait().unwrap();
                kills += 1;
            }
        }
        let h = check_whole_block(dir.path(), &file);
        assert!(
            h >= last,
            "a committed block was lost: {h:?} after {last:?}"
        );
        heights.push(h);
        last = h;
        if finished {
            break;
        }
    }
    if !finished {
        assert!(child(dir.path()).output().unwrap().status.success());
    }
    let chain = Chain::open(&store(dir.path()), ChainParams::devnet(), fixture_keys()).unwrap();
    assert_eq!(chain.height().unwrap(), Some(n - 1));
    assert!(
        chain.state_dump().unwrap() == final_state,
        "nothing lost or doubled"
    );
    eprintln!(
        "{kills} kills; heights after each: {heights:?}; a clean run takes {full:?} \
         (start-up {startup:?})"
    );
    assert_eq!(kills, KILLS, "every kill landed before the end");
}

/// What opening a damaged store gives: an error naming the damage, or the
/// exact state (the flipped bytes were in unused space).
fn open_damaged(path: &Path, file: &ChainFile, state: &[StateEntry]) -> Result<(), String> {
    let chain = Chain::open(path, ChainParams::devnet(), fixture_keys()).map_err(|e| match e {
        ChainError::Store(m) => m,
        other => panic!("a damaged store gives ChainError::Store, not {other:?}"),
    })?;
    // Not assert_eq: the values are far too long to print.
    assert!(chain.export().unwrap() == *file, "an opened store is whole");
    assert!(
        chain.state_dump().unwrap() == state,
        "an opened store is whole"
    );
    Ok(())
}

#[test]
fn a_damaged_database_file_is_refused_on_open() {
    let (file, state) = long_chain(20);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.redb");
    {
        let chain = Chain::open(&good, ChainParams::devnet(), fixture_keys()).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for b in &file.blocks {
            chain.apply(b, &mut rng).unwrap();
        }
    }
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.path().join("bad.redb");
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let (mut refused, mut harmless) = (0, 0);
    for round in 0..60 {
        let mut damaged = bytes.clone();
        // Half the rounds damage one run of bytes, half scatter flips.
        if round % 2 == 0 {
            let at = rng.next_u32() as usize % damaged.len();
            let len = (1 + rng.next_u32() as usize % 64).min(damaged.len() - at);
            for b in &mut damaged[at..at + len] {
                *b = rng.next_u32() as u8;
            }
        } else {
            for _ in 0..8 {
                let at = rng.next_u32() as usize % damaged.len();
                damaged[at] ^= 1 << (rng.next_u32() % 8);
            }
        }
        std::fs::write(&bad, &damaged).unwrap();
        match open_damaged(&bad, &file, &state) {
            Ok(()) => harmless += 1,
            Err(msg) => {
                assert!(
                    msg.contains("damaged") && msg.contains("restore"),
                    "the error says what is wrong and what to do: {msg}"
                );
                refused += 1;
            }
        }
    }
    // Truncation.
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    assert!(open_damaged(&bad, &file, &state).is_err());
    eprintln!("{refused} damaged files refused, {harmless} damaged only unused bytes");
    assert!(refused >= 10, "damage was detected ({refused} of 60)");
}

/// A store of `blocks` blocks at `path`, closed.
fn stored_chain(path: &Path, blocks: usize) {
    let (file, _) = long_chain(blocks);
    let chain = Chain::open(path, ChainParams::devnet(), fixture_keys()).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for b in &file.blocks {
        chain.apply(b, &mut rng).unwrap();
    }
}

fn store_error(path: &Path) -> String {
    match Chain::open(path, ChainParams::devnet(), fixture_keys()) {
        Err(ChainError::Store(m)) => m,
        Err(other) => panic!("a refused store gives ChainError::Store, not {other:?}"),
        Ok(_) => panic!("the store was opened"),
    }
}

#[test]
fn a_state_entry_changed_behind_the_chains_back_is_refused_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path());
    stored_chain(&path, 6);
    {
        // Well-formed pages, wrong state: redb's checksums cannot see this,
        // the state digests can.
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let def: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("nonces");
            let mut nonces = txn.open_table(def).unwrap();
            nonces
                .insert(&[7u8; 32][..], &5u64.to_le_bytes()[..])
                .unwrap();
        }
        txn.commit().unwrap();
    }
    let msg = store_error(&path);
    assert!(
        msg.contains("do not match their digests") && msg.contains("restore"),
        "{msg}"
    );
}

#[test]
fn a_store_without_state_digests_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = store(dir.path());
    stored_chain(&path, 2);
    {
        // What a store written before the digests existed looks like.
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        let def: redb::TableDefinition<u8, &[u8]> = redb::TableDefinition::new("state_digests");
        assert!(txn.delete_table(def).unwrap());
        txn.commit().unwrap();
    }
    let msg = store_error(&path);
    assert!(
        msg.contains("older SuperZK") && msg.contains("fresh --data-dir"),
        "{msg}"
    );
}
