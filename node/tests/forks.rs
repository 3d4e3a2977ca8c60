//! Fork choice through `Node::submit_block` on a real data directory: the
//! node follows the valid branch with the most work (switching at the block
//! that gives it more, keeping the first seen on equal work), leaves the
//! state a node that only saw that branch would have, refuses invalid and
//! too-deep branches for good, holds orphans in a bounded pool until their
//! link arrives, and keeps its side branches across a restart.
//!
//! Branches are mined on chain-core `Chain`s in their own directories,
//! all from the devnet genesis, then handed to the node block by block.

use std::{
    path::Path,
    sync::{Arc, OnceLock},
};

use rand_core::{OsRng, RngCore};
use superzk_chain_core::{
    account::AccountKey,
    block::Block,
    chain::Chain,
    params::COIN,
    pow::{self, meets_target},
    tx::{Authorization, ChainTx, NodeRegistration, TicketPurchase},
};
use superzk_node::{
    error::NodeError,
    forks::{Outcome, MAX_ORPHANS, MAX_REORG_DEPTH},
    network::{builtin_keys, devnet_key, Network, GENESIS_TIME},
    node::{Node, NodeOptions, TxState},
};
use superzk_verifier::verify::VerifyingKeys;

fn keys() -> &'static VerifyingKeys {
    static KEYS: OnceLock<VerifyingKeys> = OnceLock::new();
    KEYS.get_or_init(|| builtin_keys().unwrap())
}

fn genesis() -> &'static Block {
    static GENESIS: OnceLock<Block> = OnceLock::new();
    GENESIS.get_or_init(|| Network::Devnet.genesis(keys()).unwrap())
}

fn alice() -> AccountKey {
    devnet_key("alice")
}

fn operator() -> AccountKey {
    devnet_key("staking-node operator")
}

/// A node on `dir` (created, or reopened as it was left).
fn open_node(dir: &Path) -> Arc<Node> {
    Node::open(
        NodeOptions {
            data_dir: dir.to_path_buf(),
            params: Network::Devnet.params(),
            keys: keys().clone(),
            mempool: Default::default(),
            vote_keys: vec![],
        },
        genesis().clone(),
    )
    .unwrap()
}

/// A chain-core chain in its own directory that mines one branch.
struct BranchMiner {
    chain: Chain,
    miner: AccountKey,
    /// Seconds between its blocks' times.
    spacing: u64,
    _dir: tempfile::TempDir,
}

impl BranchMiner {
    /// A chain holding the devnet genesis; its coinbases pay `label`.
    fn new(label: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(
            &dir.path().join("chain.redb"),
            Network::Devnet.params(),
            keys().clone(),
        )
        .unwrap();
        chain.apply(genesis(), &mut OsRng).unwrap();
        Self {
            chain,
            miner: devnet_key(label),
            spacing: 10,
            _dir: dir,
        }
    }

    /// Applies blocks mined elsewhere (a common prefix).
    fn follow(&mut self, blocks: &[Block]) {
        for b in blocks {
            self.chain.apply(b, &mut OsRng).unwrap();
        }
    }

    /// Mines and applies the next block with `txs`; alice and the
    /// operator sign every vote asked of them.
    fn mine(&mut self, txs: Vec<ChainTx>) -> Block {
        let height = self.chain.height().unwrap().unwrap() + 1;
        let time = GENESIS_TIME + self.spacing * height;
        let signers = [alice(), operator()];
        let vote = |d: &superzk_chain_core::producer::VoteRequest, msg: &[u8; 32]| {
            signers
                .iter()
                .find(|k| k.id() == d.signer)
                .map(|k| k.sign(msg, &mut OsRng))
        };
        let block = self
            .chain
            .produce_block(self.miner.id(), time, txs, vote, &mut OsRng)
            .unwrap();
        self.chain.apply(&block, &mut OsRng).unwrap();
        block
    }

    /// Mines `n` empty blocks.
    fn mine_empty(&mut self, n: usize) -> Vec<Block> {
        (0..n).map(|_| self.mine(vec![])).collect()
    }

    /// `tx` authorised by `key` with its next nonce on this branch.
    fn signed(&self, mut tx: ChainTx, key: &AccountKey) -> ChainTx {
        let nonce = self.chain.nonce(&key.id()).unwrap();
        let chain_id = self.chain.chain_id().unwrap().unwrap();
        tx.authorize(key, nonce, &chain_id, &mut OsRng);
        tx
    }

    /// Alice buys `count` tickets she votes for herself.
    fn buy_tickets(&self, count: u32) -> ChainTx {
        self.signed(
            ChainTx::BuyTickets(TicketPurchase {
                count,
                max_price: 10 * COIN,
                vote_key: alice().id(),
                node: None,
                auth: Authorization::unsigned(),
            }),
            &alice(),
        )
    }

    /// The operator registers a StakingNode.
    fn register_node(&self) -> ChainTx {
        self.signed(
            ChainTx::RegisterNode(NodeRegistration {
                vote_key: operator().id(),
                auth: Authorization::unsigned(),
            }),
            &operator(),
        )
    }
}

/// Two branches from a common prefix of `prefix` blocks: `x` (`len_x`
/// blocks, alice buys tickets in its first) and `y` (`len_y` blocks, the
/// operator registers a node in its first), each mined by its own miner
/// whose chain holds exactly the prefix and that branch.
struct Fork {
    a: BranchMiner,
    b: BranchMiner,
    prefix: Vec<Block>,
    x: Vec<Block>,
    y: Vec<Block>,
}

fn fork(prefix: usize, len_x: usize, len_y: usize) -> Fork {
    let mut a = BranchMiner::new("miner a");
    let mut b = BranchMiner::new("miner b");
    let prefix = a.mine_empty(prefix);
    b.follow(&prefix);
    let buy = a.buy_tickets(3);
    let mut x = vec![a.mine(vec![buy])];
    x.extend(a.mine_empty(len_x - 1));
    let reg = b.register_node();
    let mut y = vec![b.mine(vec![reg])];
    y.extend(b.mine_empty(len_y - 1));
    Fork { a, b, prefix, x, y }
}

/// Submits every block; each must go where `want` says.
fn submit_all(node: &Node, blocks: &[Block], want: Outcome) {
    for b in blocks {
        assert_eq!(
            node.submit_block(b.clone()).unwrap(),
            want,
            "block {}",
            b.header.height
        );
    }
}

/// The node's best chain and state are exactly `reference`'s: a chain that
/// only ever applied one branch.
fn assert_state_of(node: &Node, reference: &Chain) {
    let chain = node.chain();
    assert_eq!(node.tip().unwrap(), reference.tip().unwrap().unwrap());
    assert!(
        chain.export().unwrap() == reference.export().unwrap(),
        "blocks"
    );
    assert_eq!(chain.state_root().unwrap(), reference.state_root().unwrap());
    assert!(
        chain.state_dump().unwrap() == reference.state_dump().unwrap(),
        "every state entry"
    );
    for key in [
        alice(),
        operator(),
        devnet_key("miner a"),
        devnet_key("miner b"),
    ] {
        let id = key.id();
        let (balances, nonce, pending) = node.account(&id).unwrap();
        assert_eq!(balances, reference.balances(&id).unwrap());
        assert_eq!(nonce, reference.nonce(&id).unwrap());
        assert_eq!(pending, reference.pending(&id).unwrap());
    }
    assert_eq!(node.tickets().unwrap(), reference.tickets().unwrap());
    assert_eq!(node.nodes().unwrap(), reference.nodes().unwrap());
}

/// A heavier branch arriving block by block makes the node switch at the
/// block that gives it more work, not before: lighter and equal-work blocks
/// are side blocks and the first-seen tip stays. Afterwards the node's
/// state is that of a chain that only saw the winning branch, the losing
/// branch's blocks are side blocks still served by hash, the winning
/// branch's transactions are found mined and the loser's (still valid)
/// are pending again.
#[test]
fn a_heavier_branch_takes_over_at_the_block_that_gives_it_more_work() {
    let f = fork(2, 3, 5);
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(dir.path());
    submit_all(&node, &f.prefix, Outcome::BestChain);
    submit_all(&node, &f.x, Outcome::BestChain);
    assert_state_of(&node, &f.a.chain);

    // Lighter, then equal work: side blocks, the tip stays.
    submit_all(&node, &f.y[..3], Outcome::SideBranch);
    assert_eq!(f.y[2].header.height, f.x[2].header.height);
    assert_eq!(
        node.tip().unwrap(),
        f.x[2].header,
        "equal work keeps the first seen"
    );
    assert_state_of(&node, &f.a.chain);
    assert_eq!(node.fork_counts(), (0, 3));

    // One more block: more work than the best chain.
    assert_eq!(
        node.submit_block(f.y[3].clone()).unwrap(),
        Outcome::BestChain
    );
    assert_eq!(node.tip().unwrap(), f.y[3].header);
    submit_all(&node, &f.y[4..], Outcome::BestChain);
    assert_state_of(&node, &f.b.chain);
    assert_eq!(
        node.fork_counts(),
        (0, 3),
        "x's blocks are now the side ones"
    );
    for b in &f.x {
        assert_eq!(node.block_by_hash(&b.hash()).unwrap(), *b);
        assert_eq!(node.submit_block(b.clone()).unwrap(), Outcome::Duplicate);
    }
    let bought = f.x[0].txs[1].id();
    let registered = f.y[0].txs[1].id();
    // Undone with x and still valid on y: back in the mempool.
    assert_eq!(node.transaction_status(&bought).unwrap(), TxState::Pending);
    assert_eq!(node.mempool_size().0, 1);
    assert_eq!(
        node.transaction_status(&registered).unwrap(),
        TxState::Mined(f.y[0].header.height)
    );
}

/// Fork choice counts work, not blocks: a branch whose timestamps drove a
/// retarget to a higher difficulty wins with fewer blocks, at the block
/// where its summed difficulty first exceeds the best chain's.
#[test]
fn the_branch_with_more_work_wins_even_when_shorter() {
    let interval = Network::Devnet.params().retarget_interval as usize;
    let mut slow = BranchMiner::new("miner a");
    let long = slow.mine_empty(interval + 2);
    let mut fast = BranchMiner::new("miner b");
    fast.spacing = 1;
    let short = fast.mine_empty(interval);
    let work = |blocks: &[Block]| -> u64 {
        genesis().header.difficulty + blocks.iter().map(|b| b.header.difficulty).sum::<u64>()
    };
    assert!(short.last().unwrap().header.difficulty > long[0].header.difficulty);
    assert!(
        work(&short) > work(&long),
        "the shorter branch has more work"
    );
    assert!(work(&short[..interval - 1]) < work(&long));

    let dir = tempfile::tempdir().unwrap();
    let node = open_node(dir.path());
    submit_all(&node, &long, Outcome::BestChain);
    submit_all(&node, &short[..interval - 1], Outcome::SideBranch);
    assert_eq!(node.tip().unwrap(), long.last().unwrap().header);
    assert_eq!(
        node.submit_block(short[interval - 1].clone()).unwrap(),
        Outcome::BestChain
    );
    assert_state_of(&node, &fast.chain);
}

/// `b` with its header re-mined until its hash misses its own target.
fn with_bad_pow(mut b: Block) -> Block {
    while meets_target(&b.header.hash(), b.header.difficulty) {
        b.header.nonce = b.header.nonce.wrapping_add(1);
    }
    b
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

/// `b` made different (another time), re-linked onto `parent` and re-mined.
fn sibling_on(b: &Block, parent: &Block) -> Block {
    let mut s = b.clone();
    s.header.parent = parent.hash();
    s.header.time += 1;
    pow::mine(&mut s.header);
    s
}

fn assert_refused(node: &Node, b: &Block) {
    match node.submit_block(b.clone()) {
        Err(NodeError::Invalid(_) | NodeError::Chain(_)) => {}
        other => panic!("block {} should be refused: {other:?}", b.header.height),
    }
}

/// A heavier branch with an invalid block (a state root that is not the
/// state's, proof of work intact) is refused when it would take over: the
/// tip and state stay, and the invalid block, its descendants (on that
/// branch or another child of it) and anything built on them are refused
/// from then on. Blocks whose proof of work misses their target are
/// refused on arrival and never stored.
#[test]
fn an_invalid_heavier_branch_is_refused_for_good() {
    let f = fork(1, 3, 4);
    let mut bad = f.y.clone();
    bad[1].header.state_root[0] ^= 1;
    remine_from(&mut bad, 1);
    let other_child = sibling_on(&bad[2], &bad[1]);
    let grandchild = sibling_on(&bad[3], &other_child);

    let dir = tempfile::tempdir().unwrap();
    let node = open_node(dir.path());
    submit_all(&node, &f.prefix, Outcome::BestChain);
    submit_all(&node, &f.x, Outcome::BestChain);
    // Checked only for what needs no state yet: stored as side blocks.
    submit_all(&node, &bad[..3], Outcome::SideBranch);
    submit_all(
        &node,
        std::slice::from_ref(&other_child),
        Outcome::SideBranch,
    );
    assert_eq!(node.fork_counts(), (0, 4));
    // The block that would make the branch heavier: the switch fails at
    // the bad block and nothing changes.
    assert_refused(&node, &bad[3]);
    assert_state_of(&node, &f.a.chain);
    assert_eq!(
        node.fork_counts(),
        (0, 1),
        "only the valid first block stays"
    );
    for b in bad[1..].iter().chain([&other_child, &grandchild]) {
        assert_refused(&node, b);
        assert!(node.block_by_hash(&b.hash()).is_err(), "not stored");
    }
    let mut on_bad = bad[3].clone();
    on_bad.header.height += 1;
    on_bad.header.parent = bad[3].hash();
    pow::mine(&mut on_bad.header);
    assert_refused(&node, &on_bad);
    assert_state_of(&node, &f.a.chain);

    // Bad proof of work on the tip: refused, and the honest block after.
    let mut a = f.a;
    let next = a.mine(vec![]);
    assert_refused(&node, &with_bad_pow(next.clone()));
    assert!(node.block_by_hash(&next.hash()).is_err());
    assert_eq!(node.submit_block(next.clone()).unwrap(), Outcome::BestChain);
    // ... and on the block that would make a side branch heavier.
    let mut b = f.b;
    let tip_y = b.mine(vec![]);
    submit_all(&node, &f.y[1..], Outcome::SideBranch);
    assert_eq!(tip_y.header.height, next.header.height + 1);
    assert_refused(&node, &with_bad_pow(tip_y.clone()));
    assert_eq!(node.tip().unwrap(), next.header);
    assert_state_of(&node, &a.chain);
    // The same block with its proof of work is taken.
    assert_eq!(node.submit_block(tip_y).unwrap(), Outcome::BestChain);
    assert_state_of(&node, &b.chain);
}

/// A branch sent newest first is held as orphans until the block linking
/// it to the tree arrives; then all of it connects, and the node switches
/// to it since it has more work.
#[test]
fn a_branch_sent_in_reverse_connects_when_its_link_arrives() {
    let f = fork(1, 2, 4);
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(dir.path());
    submit_all(&node, &f.prefix, Outcome::BestChain);
    submit_all(&node, &f.x, Outcome::BestChain);
    for (held, b) in f.y[1..].iter().rev().enumerate() {
        assert_eq!(node.submit_block(b.clone()).unwrap(), Outcome::Orphan);
        assert_eq!(node.fork_counts(), (held + 1, 0));
        assert_eq!(node.tip().unwrap(), f.x[1].header);
    }
    assert_eq!(
        node.submit_block(f.y[0].clone()).unwrap(),
        Outcome::BestChain
    );
    assert_eq!(node.fork_counts(), (0, 2));
    assert_state_of(&node, &f.b.chain);
}

/// Blocks whose parent is unknown (more than `MAX_ORPHANS` of them) never
/// make the pool exceed its bound; the orphans furthest from connecting
/// go first, so a real branch sent in reverse still connects.
#[test]
fn the_orphan_pool_stays_bounded() {
    let f = fork(1, 1, 3);
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(dir.path());
    submit_all(&node, &f.prefix, Outcome::BestChain);
    submit_all(&node, &f.x, Outcome::BestChain);
    for i in 0..MAX_ORPHANS + 40 {
        let mut junk = f.y[0].clone();
        OsRng.fill_bytes(&mut junk.header.parent);
        junk.header.height = 1_000 + i as u64;
        pow::mine(&mut junk.header);
        assert_eq!(node.submit_block(junk).unwrap(), Outcome::Orphan);
        assert!(node.fork_counts().0 <= MAX_ORPHANS);
    }
    assert_eq!(node.fork_counts(), (MAX_ORPHANS, 0));
    for b in f.y[1..].iter().rev() {
        assert_eq!(node.submit_block(b.clone()).unwrap(), Outcome::Orphan);
        assert_eq!(node.fork_counts().0, MAX_ORPHANS);
    }
    assert_eq!(
        node.submit_block(f.y[0].clone()).unwrap(),
        Outcome::BestChain
    );
    assert_eq!(node.fork_counts(), (MAX_ORPHANS - 2, 1));
    assert_state_of(&node, &f.b.chain);
}

/// After a switch the node reopens on the same directory with the same
/// tip, state and side blocks (served by hash), and a side branch that
/// later grows heavier still takes over.
#[test]
fn side_branches_survive_a_restart_and_can_still_take_over() {
    let mut f = fork(1, 2, 3);
    let dir = tempfile::tempdir().unwrap();
    {
        let node = open_node(dir.path());
        submit_all(&node, &f.prefix, Outcome::BestChain);
        submit_all(&node, &f.x, Outcome::BestChain);
        submit_all(&node, &f.y[..2], Outcome::SideBranch);
        submit_all(&node, &f.y[2..], Outcome::BestChain);
        assert_eq!(node.fork_counts(), (0, 2));
    }
    let node = open_node(dir.path());
    assert_state_of(&node, &f.b.chain);
    assert_eq!(node.fork_counts(), (0, 2));
    for b in &f.x {
        assert_eq!(node.block_by_hash(&b.hash()).unwrap(), *b);
    }
    let more = f.a.mine_empty(2);
    assert_eq!(
        node.submit_block(more[0].clone()).unwrap(),
        Outcome::SideBranch
    );
    assert_eq!(
        node.tip().unwrap(),
        f.y[2].header,
        "equal work keeps the tip"
    );
    assert_eq!(
        node.submit_block(more[1].clone()).unwrap(),
        Outcome::BestChain
    );
    assert_state_of(&node, &f.a.chain);
    assert_eq!(node.fork_counts(), (0, 3));
}

/// A branch may fork at most `MAX_REORG_DEPTH` blocks below the tip: a
/// block forking deeper is refused, one forking exactly that deep is kept
/// as a side block, and a side branch whose fork point the tip has since
/// left more than that far behind is refused even though each new block's
/// parent is recent (a branch grown in step with the best chain never
/// reorganises deeper than the bound).
#[test]
fn a_fork_deeper_than_the_bound_is_refused() {
    let depth = MAX_REORG_DEPTH as usize;
    let mut main = BranchMiner::new("miner a");
    let blocks = main.mine_empty(depth + 1);
    let mut from_genesis = BranchMiner::new("miner b");
    let too_deep = from_genesis.mine(vec![]);
    let mut at_bound = BranchMiner::new("miner c");
    at_bound.follow(&blocks[..1]);
    let side = at_bound.mine_empty(2);

    let dir = tempfile::tempdir().unwrap();
    let node = open_node(dir.path());
    submit_all(&node, &blocks, Outcome::BestChain);
    let tip = node.tip().unwrap();
    assert_eq!(tip.height, MAX_REORG_DEPTH + 1);
    // Forks at genesis, MAX_REORG_DEPTH + 1 below the tip.
    assert_refused(&node, &too_deep);
    assert_eq!(node.fork_counts(), (0, 0));
    // Forks at height 1: exactly MAX_REORG_DEPTH below.
    assert_eq!(
        node.submit_block(side[0].clone()).unwrap(),
        Outcome::SideBranch
    );
    // The tip moves on: that fork point is now too deep.
    let next = main.mine(vec![]);
    assert_eq!(node.submit_block(next.clone()).unwrap(), Outcome::BestChain);
    assert_refused(&node, &side[1]);
    assert_eq!(node.tip().unwrap(), next.header);
    assert_eq!(node.fork_counts(), (0, 1));
    assert_state_of(&node, &main.chain);
}

/// A block dated beyond this node's clock and drift is refused now but not
/// remembered as invalid: once the clock catches up (or is corrected) the
/// same block is judged again, not refused for good.
#[test]
fn a_block_from_the_future_is_refused_but_not_for_good() {
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(dir.path());
    let mut ahead = BranchMiner::new("miner");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    ahead
        .chain
        .set_clock(std::sync::Arc::new(move || now + 10 * 3_600));
    let block = ahead
        .chain
        .produce_block(
            ahead.miner.id(),
            now + 3 * 3_600,
            vec![],
            |_, _| None,
            &mut OsRng,
        )
        .unwrap();
    for attempt in 0..2 {
        match node.submit_block(block.clone()) {
            Err(NodeError::Chain(superzk_chain_core::error::ChainError::Block {
                error, ..
            })) => {
                assert_eq!(
                    error.rule,
                    superzk_chain_core::error::Rule::Timestamp,
                    "attempt {attempt}: {error}"
                );
            }
            other => panic!("attempt {attempt}: judged by the time rule, got {other:?}"),
        }
    }
    assert_eq!(node.tip().unwrap(), genesis().header);
}

/// Compact blocks follow the best chain: those cached for a branch that
/// lost are never served for it, and the winner's are what a fresh node
/// that saw only the winner serves.
#[test]
fn compact_blocks_follow_a_switch() {
    let f = fork(2, 2, 3);
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(dir.path());
    submit_all(&node, &f.prefix, Outcome::BestChain);
    submit_all(&node, &f.x, Outcome::BestChain);
    let tip = f.prefix.len() as u64 + f.x.len() as u64;
    let before = node.compact_blocks(0, tip).unwrap();
    assert_eq!(
        before.last().unwrap().hash,
        f.x.last().unwrap().hash().to_vec()
    );
    submit_all(&node, &f.y[..2], Outcome::SideBranch);
    assert_eq!(
        node.submit_block(f.y[2].clone()).unwrap(),
        Outcome::BestChain
    );
    let end = f.prefix.len() as u64 + f.y.len() as u64;
    let after = node.compact_blocks(0, end).unwrap();
    for (c, b) in after.iter().skip(1 + f.prefix.len()).zip(&f.y) {
        assert_eq!(c.hash, b.hash().to_vec(), "height {}", c.height);
    }
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = open_node(fresh_dir.path());
    submit_all(&fresh, &f.prefix, Outcome::BestChain);
    submit_all(&fresh, &f.y, Outcome::BestChain);
    assert_eq!(fresh.compact_blocks(0, end).unwrap(), after);
    // With the cache file gone, the node makes them again, the same.
    drop(node);
    std::fs::remove_file(superzk_node::compact_cache::CompactCache::path(dir.path())).unwrap();
    let reopened = open_node(dir.path());
    assert_eq!(reopened.compact_blocks(0, end).unwrap(), after);
}
