//! Atomic reorganisation (`Chain::reorganize`): a switch to another branch
//! leaves exactly the state of a chain that only ever applied that branch,
//! with the undone blocks kept as side blocks; a branch with an invalid
//! block changes nothing at all; and a process killed at any moment of a
//! switch leaves a store holding the old tip or the new one, whole, never a
//! mix (a child process, this test binary in child mode, is SIGKILLed).

mod common;

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::{fixture_keys, Net};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use superzk_chain_core::{
    block::{Block, ChainFile, Header},
    chain::{Chain, StateEntry},
    error::{ChainError, Rule},
    params::{ChainParams, COIN},
    pow,
    tx::Authorization,
    tx::{ChainTx, NodeRegistration, TicketPurchase},
};

/// Two devnet chains with one genesis and a common prefix, then each its
/// own branch.
struct Forked {
    /// The prefix, then branch `x`: the chain that switches.
    a: Net,
    /// The prefix, then branch `y` only: what a switch to `y` must equal.
    b: Net,
    /// Height of the last common block.
    fork: u64,
    x: Vec<Block>,
    y: Vec<Block>,
}

/// Alice buys `count` tickets that she votes for herself.
fn buy_tickets(net: &mut Net, count: u32) -> ChainTx {
    let alice = net.alice.clone();
    net.signed(
        ChainTx::BuyTickets(TicketPurchase {
            count,
            max_price: 10 * COIN,
            vote_key: alice.id(),
            node: None,
            auth: Authorization::unsigned(),
        }),
        &alice,
    )
}

/// The operator registers a StakingNode.
fn register_node(net: &mut Net) -> ChainTx {
    let op = net.operator.clone();
    net.signed(
        ChainTx::RegisterNode(NodeRegistration {
            vote_key: op.id(),
            auth: Authorization::unsigned(),
        }),
        &op,
    )
}

/// Mines and applies `n` blocks; block `i` holds `txs(i, net)`.
fn mine_branch(
    net: &mut Net,
    n: usize,
    mut txs: impl FnMut(usize, &mut Net) -> Vec<ChainTx>,
) -> Vec<Block> {
    (0..n)
        .map(|i| {
            let t = txs(i, net);
            net.mine(t)
        })
        .collect()
}

/// `prefix` common blocks, then branch `x` (`len_x` blocks: alice buys
/// tickets) on `a` and branch `y` (`len_y` blocks: the operator registers a
/// node, alice buys other tickets) on `b`: states that really differ.
fn forked(prefix: usize, len_x: usize, len_y: usize) -> Forked {
    let mut a = Net::new();
    let mut b = Net::new();
    assert_eq!(a.chain.chain_id().unwrap(), b.chain.chain_id().unwrap());
    for _ in 0..prefix {
        let blk = a.mine(vec![]);
        b.apply(&blk).unwrap();
    }
    b.time = a.time;
    let fork = a.chain.height().unwrap().unwrap();
    let x = mine_branch(&mut a, len_x, |i, net| match i % 3 {
        0 => vec![buy_tickets(net, 2)],
        _ => vec![],
    });
    let y = mine_branch(&mut b, len_y, |i, net| match i {
        0 => vec![register_node(net)],
        i if i % 4 == 1 => vec![buy_tickets(net, 5)],
        _ => vec![],
    });
    Forked { a, b, fork, x, y }
}

fn hashes(blocks: &[Block]) -> BTreeSet<[u8; 32]> {
    blocks.iter().map(Block::hash).collect()
}

fn side_hashes(chain: &Chain) -> BTreeSet<[u8; 32]> {
    chain
        .side_headers()
        .unwrap()
        .iter()
        .map(Header::hash)
        .collect()
}

/// Everything a reorganisation could change.
#[derive(PartialEq)]
struct Snapshot {
    tip: Option<Header>,
    root: [u8; 32],
    dump: Vec<StateEntry>,
    side: BTreeSet<[u8; 32]>,
    blocks: ChainFile,
}

fn snapshot(chain: &Chain) -> Snapshot {
    Snapshot {
        tip: chain.tip().unwrap(),
        root: chain.state_root().unwrap(),
        dump: chain.state_dump().unwrap(),
        side: side_hashes(chain),
        blocks: chain.export().unwrap(),
    }
}

/// `chain` has the blocks and the state of `reference`: tip, blocks, state
/// root, every state entry, what each of `net`'s accounts holds, tickets,
/// nodes, supply and the tree after each block.
fn assert_same_chain(chain: &Chain, reference: &Net) {
    let want = &reference.chain;
    assert_eq!(chain.tip().unwrap(), want.tip().unwrap());
    assert!(chain.export().unwrap() == want.export().unwrap(), "blocks");
    assert_eq!(chain.state_root().unwrap(), want.state_root().unwrap());
    assert!(
        chain.state_dump().unwrap() == want.state_dump().unwrap(),
        "every state entry"
    );
    for account in [
        reference.alice.id(),
        reference.operator.id(),
        reference.miner.id(),
    ] {
        assert_eq!(
            chain.balances(&account).unwrap(),
            want.balances(&account).unwrap()
        );
        assert_eq!(
            chain.nonce(&account).unwrap(),
            want.nonce(&account).unwrap()
        );
        assert_eq!(
            chain.pending(&account).unwrap(),
            want.pending(&account).unwrap()
        );
    }
    assert_eq!(chain.tickets().unwrap(), want.tickets().unwrap());
    assert_eq!(chain.nodes().unwrap(), want.nodes().unwrap());
    let audit = chain.supply_audit().unwrap();
    assert!(audit.is_conserved());
    assert_eq!(audit, want.supply_audit().unwrap());
    for h in 0..=want.height().unwrap().unwrap() {
        assert_eq!(
            chain.frontier(h).unwrap(),
            want.frontier(h).unwrap(),
            "tree after {h}"
        );
    }
    assert_eq!(
        chain.frontier(want.height().unwrap().unwrap() + 1).unwrap(),
        None
    );
}

/// Re-mines `blocks[from]` (a test edited it) and re-links every block
/// after it to its new parent, re-mined: only the edit is wrong.
fn remine_from(blocks: &mut [Block], from: usize) {
    pow::mine(&mut blocks[from].header);
    for i in from + 1..blocks.len() {
        blocks[i].header.parent = blocks[i - 1].hash();
        pow::mine(&mut blocks[i].header);
    }
}

/// `err` refuses the block at `height` for breaking `rule`.
fn assert_refused_at(err: ChainError, height: u64, rule: Rule) {
    match err {
        ChainError::Block { height: h, error } => {
            assert_eq!((h, error.rule), (height, rule), "{error}")
        }
        other => panic!("expected block {height} refused, got {other}"),
    }
}

/// A switch to a heavier branch leaves exactly the state, blocks, tree
/// frontiers and accounts of a chain that only ever applied that branch;
/// the undone blocks become side blocks and the applied ones stop being
/// side blocks. Switching back restores the first state byte for byte.
#[test]
fn a_switch_equals_a_chain_that_only_applied_the_winning_branch() {
    let mut f = forked(3, 4, 5);
    let old = snapshot(&f.a.chain);
    assert!(
        old.dump != f.b.chain.state_dump().unwrap(),
        "the branches' states differ"
    );
    assert_ne!(
        f.a.chain.nonce(&f.a.operator.id()).unwrap(),
        f.b.chain.nonce(&f.b.operator.id()).unwrap()
    );
    // As a node does: the competing branch arrives as side blocks first.
    for blk in &f.y {
        f.a.chain.store_side_block(blk).unwrap();
    }
    assert_eq!(side_hashes(&f.a.chain), hashes(&f.y));

    f.a.chain.reorganize(f.fork, &f.y, &mut f.a.rng).unwrap();
    assert_same_chain(&f.a.chain, &f.b);
    assert_eq!(side_hashes(&f.a.chain), hashes(&f.x), "x undone, y applied");
    for blk in &f.x {
        assert_eq!(
            f.a.chain.side_block(&blk.hash()).unwrap().as_ref(),
            Some(blk)
        );
    }
    for blk in &f.y {
        assert_eq!(f.a.chain.side_block(&blk.hash()).unwrap(), None);
    }
    assert!(f
        .a
        .chain
        .inspect(|st, _| st.digests_match_tables())
        .unwrap());

    f.a.chain.reorganize(f.fork, &f.x, &mut f.a.rng).unwrap();
    let back = snapshot(&f.a.chain);
    assert!(back.tip == old.tip && back.root == old.root && back.blocks == old.blocks);
    assert!(back.dump == old.dump, "switching back restores every entry");
    assert_eq!(back.side, hashes(&f.y));
}

/// A branch whose middle block is invalid (a wrong state root; a replayed
/// purchase) is refused with that block's height, and nothing changes:
/// tip, blocks, state and side blocks. The valid branch still switches.
#[test]
fn a_branch_with_an_invalid_block_in_the_middle_changes_nothing() {
    let mut f = forked(2, 3, 4);
    for blk in &f.y {
        f.a.chain.store_side_block(blk).unwrap();
    }
    let before = snapshot(&f.a.chain);

    let mut bad_root = f.y.clone();
    bad_root[1].header.state_root[0] ^= 1;
    remine_from(&mut bad_root, 1);
    let err =
        f.a.chain
            .reorganize(f.fork, &bad_root, &mut f.a.rng)
            .unwrap_err();
    assert_refused_at(err, f.fork + 2, Rule::StateRoot);
    assert!(snapshot(&f.a.chain) == before, "nothing changed");

    // The same signed purchase twice in the block after y's first: the
    // second spends a nonce already used.
    for _ in 1..f.y.len() {
        f.b.chain.undo_tip().unwrap();
    }
    let buy = buy_tickets(&mut f.b, 1);
    let mut replay = vec![f.y[0].clone(), f.b.forge(vec![buy.clone(), buy])];
    let mut child = replay[1].clone();
    child.header.height += 1;
    replay.push(child);
    remine_from(&mut replay, 2);
    let err =
        f.a.chain
            .reorganize(f.fork, &replay, &mut f.a.rng)
            .unwrap_err();
    assert_refused_at(err, f.fork + 2, Rule::Accounts);
    assert!(snapshot(&f.a.chain) == before, "nothing changed");

    for blk in &f.y[1..] {
        f.b.apply(blk).unwrap();
    }
    f.a.chain.reorganize(f.fork, &f.y, &mut f.a.rng).unwrap();
    assert_same_chain(&f.a.chain, &f.b);
}

/// Set in the child's environment: the directory holding both branches'
/// chain files and the store.
const CHILD_DIR: &str = "SUPERZK_REORG_CHILD_DIR";
const CHILD_TEST: &str = "child_switches_to_the_other_branch";
/// Kills at most, and the time they may take in all.
const KILLS: usize = 40;
const KILL_BUDGET: Duration = Duration::from_secs(60);

fn store(dir: &Path) -> PathBuf {
    dir.join("chain.redb")
}

fn read_file(dir: &Path, name: &str) -> ChainFile {
    ChainFile::from_bytes(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

/// Height of the last block two chain files share.
fn fork_height(x: &ChainFile, y: &ChainFile) -> u64 {
    let common = x
        .blocks
        .iter()
        .zip(&y.blocks)
        .take_while(|(a, b)| a == b)
        .count();
    common as u64 - 1
}

/// Switches the store to the branch it is not on.
#[test]
#[ignore = "the child process of kills_during_a_switch_leave_the_old_tip_or_the_new_one"]
fn child_switches_to_the_other_branch() {
    let dir = PathBuf::from(std::env::var_os(CHILD_DIR).expect("run by the kill test"));
    let (x, y) = (read_file(&dir, "x.szkc"), read_file(&dir, "y.szkc"));
    let fork = fork_height(&x, &y);
    let chain = Chain::open(&store(&dir), ChainParams::devnet(), fixture_keys()).unwrap();
    let tip = chain.tip().unwrap().unwrap().hash();
    let target = if tip == x.blocks.last().unwrap().hash() {
        &y
    } else {
        &x
    };
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut out = std::io::stdout().lock();
    // The parent times its kill from this line.
    writeln!(out, "start").unwrap();
    out.flush().unwrap();
    chain
        .reorganize(fork, &target.blocks[fork as usize + 1..], &mut rng)
        .unwrap();
    writeln!(out, "done").unwrap();
    out.flush().unwrap();
}

/// Reads the child's output up to the line `want` (the test harness
/// prints its own lines first); false if the output ended before it.
fn wait_for(lines: &mut impl Iterator<Item = std::io::Result<String>>, want: &str) -> bool {
    lines.any(|l| l.unwrap() == want)
}

fn child(dir: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", CHILD_TEST, "--nocapture"])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// One branch's tip and the state there.
struct Reference {
    tip: Header,
    dump: Vec<StateEntry>,
    /// Height of the last block both branches share.
    fork: u64,
    /// Blocks after the fork.
    branch: BTreeSet<[u8; 32]>,
}

/// Opens the store (redb's integrity check and the state digests run on
/// open) and checks it is exactly at one of `refs`' tips; returns which.
fn check_whole_switch(dir: &Path, refs: &[Reference; 2]) -> usize {
    let chain = Chain::open(&store(dir), ChainParams::devnet(), fixture_keys())
        .expect("a killed switch leaves an openable, intact store");
    let tip = chain.tip().unwrap().unwrap();
    let at = refs
        .iter()
        .position(|r| r.tip == tip)
        .unwrap_or_else(|| panic!("the tip {} is neither branch's", tip.height));
    assert_eq!(chain.state_root().unwrap(), tip.state_root);
    assert!(
        chain.state_dump().unwrap() == refs[at].dump,
        "the state is that of the tip's branch"
    );
    let best: BTreeSet<[u8; 32]> = chain
        .headers_from(refs[at].fork + 1)
        .unwrap()
        .iter()
        .map(Header::hash)
        .collect();
    assert_eq!(best, refs[at].branch, "the best chain is that branch");
    assert!(
        side_hashes(&chain).is_disjoint(&best),
        "applied blocks are not side blocks"
    );
    at
}

/// A child process switching a store between two branches is SIGKILLed at
/// random moments of `reorganize`; after every kill the store opens intact
/// and holds the old tip or the new one with exactly that branch's state,
/// never a mix. Kills land both before and after the commit.
#[test]
fn kills_during_a_switch_leave_the_old_tip_or_the_new_one() {
    let f = forked(3, 40, 41);
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = (f.a.chain.export().unwrap(), f.b.chain.export().unwrap());
    std::fs::write(dir.path().join("x.szkc"), x.to_bytes()).unwrap();
    std::fs::write(dir.path().join("y.szkc"), y.to_bytes()).unwrap();
    {
        let chain = Chain::open(&store(dir.path()), ChainParams::devnet(), fixture_keys()).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for blk in &x.blocks {
            chain.apply(blk, &mut rng).unwrap();
        }
    }
    let refs = [
        Reference {
            tip: f.a.chain.tip().unwrap().unwrap(),
            dump: f.a.chain.state_dump().unwrap(),
            fork: f.fork,
            branch: hashes(&f.x),
        },
        Reference {
            tip: f.b.chain.tip().unwrap().unwrap(),
            dump: f.b.chain.state_dump().unwrap(),
            fork: f.fork,
            branch: hashes(&f.y),
        },
    ];
    drop(f);
    assert_eq!(check_whole_switch(dir.path(), &refs), 0);

    // An uninterrupted switch: how long `reorganize` takes.
    let mut proc = child(dir.path());
    let mut lines = BufReader::new(proc.stdout.take().unwrap()).lines();
    assert!(wait_for(&mut lines, "start"));
    let started = Instant::now();
    assert!(wait_for(&mut lines, "done"));
    let switch = started.elapsed();
    assert!(proc.wait().unwrap().success());
    let mut at = check_whole_switch(dir.path(), &refs);
    assert_eq!(at, 1);

    let mut rng = ChaCha20Rng::seed_from_u64(2026);
    let begun = Instant::now();
    let (mut kills, mut kept_old, mut kept_new) = (0, 0, 0);
    while kills < KILLS && begun.elapsed() < KILL_BUDGET {
        // A random moment from the start of `reorganize` to a little past
        // its usual end (the commit's sync is the last part).
        let wait = switch.mul_f64(f64::from(rng.next_u32() % 1250) / 1000.0);
        let mut proc = child(dir.path());
        let mut lines = BufReader::new(proc.stdout.take().unwrap()).lines();
        assert!(wait_for(&mut lines, "start"));
        std::thread::sleep(wait);
        let killed = match proc.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success());
                false
            }
            None => {
                proc.kill().unwrap();
                proc.wait().unwrap();
                kills += 1;
                true
            }
        };
        let now = check_whole_switch(dir.path(), &refs);
        if !killed {
            assert_ne!(now, at, "a finished switch changed the tip");
        } else if now == at {
            kept_old += 1;
        } else {
            kept_new += 1;
        }
        at = now;
    }
    eprintln!(
        "{kills} kills during switches of {switch:?}: {kept_old} left the old tip, {kept_new} \
         the new one"
    );
    assert!(kills >= 10, "enough kills landed ({kills})");
    assert!(kept_old > 0, "some kills landed before the commit");
}
