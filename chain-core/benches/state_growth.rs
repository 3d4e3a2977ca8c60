//! Issue item 10: the cost of one block must not grow with the chain.
//!
//! Builds three devnet chains whose state is 1x, 10x and 100x a base size
//! (base: 200 tickets in the mature pool, 200 anchors, 50 funded accounts,
//! 5 StakingNodes; 100x: 20,000 tickets, 20,000 anchors, 5,000 accounts,
//! 500 nodes) and times applying one typical block at each size: three
//! drawn votes and one late vote, two ticket purchases (one naming a
//! StakingNode) and a StakingNode registration, no proofs. Each timed
//! `apply` is followed by an untimed `undo_tip`, so every sample validates
//! the same block on the same state.
//!
//! The chains are built by real blocks: the accounts by the genesis
//! allocation, the nodes by registrations, the tickets by purchases of up to
//! `max_tickets_per_tx` (1,000) tickets, all at the same heights at every
//! size (one registration block, five purchase blocks, empty blocks until
//! the tickets mature). Only the anchors are written directly, before
//! genesis, through the public `StateTxn` (the table maps a tree root to
//! the height it was the root; a real chain fills it one shielded block at a
//! time, which would need proving keys and proofs for every block).
//!
//! Beside the block: `Chain::next_draw` (a state transaction, the pool
//! prepared, the draw), `validate::drawn_tickets` alone (reads only the
//! drawn slots) and one anchor lookup (what the proof rule does per spend),
//! against what the code before the per-rule split did per block: read the
//! whole ticket table to find the mature tickets (`old_ticket_scan`) and
//! read the whole anchors table to build the set of recent roots
//! (`old_anchor_scan`). These four are timed inside one open state
//! transaction, without the cost of opening it.
//!
//! Run: `cargo bench -p superzk-chain-core --bench state_growth -- \
//! --warm-up-time 1 --measurement-time 3`. Everything lives in temporary
//! directories; setup is under a minute for all sizes on 2 cores.

use std::{
    hint::black_box,
    path::Path,
    time::{Duration, Instant},
};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_chain_core::{
    account::AccountKey,
    block::{Block, Header},
    chain::Chain,
    error::ChainError,
    params::{ChainParams, COIN},
    records::TicketRecord,
    store::{StateTable, StateTxn},
    tx::{Allocation, Authorization, ChainTx, NodeRegistration, TicketPurchase},
    validate::{drawn_tickets, node_id, prepare_pool},
};
use superzk_circuits::{note::AssetId, Fr};
use superzk_keys::spending_key::encode_field;
use superzk_verifier::verify::VerifyingKeys;

/// The base size: tickets, anchors, extra accounts, StakingNodes.
const BASE_TICKETS: u64 = 200;
const BASE_ANCHORS: u64 = 200;
const BASE_ACCOUNTS: u64 = 50;
const BASE_NODES: u64 = 5;
/// Blocks that buy the tickets (the same at every size).
const PURCHASE_BLOCKS: u64 = 5;

/// Any verifying keys: blocks without shielded transactions never use them.
fn keys() -> VerifyingKeys {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let read = |n: &str| {
        superzk_keys::params::verifying_key_from_bytes(
            &std::fs::read(dir.join(n)).expect("fixtures/*.vk"),
        )
        .expect("a verifying key")
    };
    VerifyingKeys {
        spend: read("spend.vk"),
        output: read("output.vk"),
        package_spend: read("package-spend.vk"),
        package_output: read("package-output.vk"),
    }
}

/// The anchor key of the `i`th synthetic tree root.
fn anchor_key(i: u64) -> [u8; 32] {
    encode_field(&Fr::from(i + 1_000_000))
}

struct Grown {
    chain: Chain,
    alice: AccountKey,
    operator: AccountKey,
    miner: AccountKey,
    nodes: Vec<[u8; 32]>,
    rng: ChaCha20Rng,
    time: u64,
    _dir: tempfile::TempDir,
}

impl Grown {
    /// A chain at `scale` times the base size.
    fn new(scale: u64) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("chain.redb");
        // The anchors, before genesis (the state root then covers them).
        {
            let db = redb::Database::create(&path).expect("a store");
            let txn = db.begin_write().expect("a write transaction");
            {
                let mut st = StateTxn::open(&txn).expect("state tables");
                for i in 0..BASE_ANCHORS * scale {
                    st.put(StateTable::Anchors, &anchor_key(i), &0u64.to_le_bytes())
                        .expect("an anchor");
                }
                st.finish().expect("digests");
            }
            txn.commit().expect("commit");
        }
        let chain = Chain::open(&path, ChainParams::devnet(), keys()).expect("the store");
        let alice = AccountKey::from_seed(b"state growth", "alice");
        let operator = AccountKey::from_seed(b"state growth", "operator");
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let alloc = |account, amount| Allocation {
            account,
            asset: AssetId::native(),
            amount,
        };
        let mut allocations = vec![
            alloc(alice.id(), 1_000_000 * COIN),
            alloc(operator.id(), 1_000_000 * COIN),
        ];
        for i in 0..BASE_ACCOUNTS * scale {
            allocations.push(alloc(
                AccountKey::from_seed(b"state growth", &format!("holder {i}")).id(),
                COIN + i,
            ));
        }
        chain
            .init_genesis(allocations, 1_000, &mut rng)
            .expect("genesis");
        let mut g = Self {
            chain,
            alice,
            miner: AccountKey::from_seed(b"state growth", "miner"),
            operator,
            nodes: vec![],
            rng,
            time: 1_000,
            _dir: dir,
        };
        // Height 1: the StakingNodes.
        let first = g.chain.nonce(&g.operator.id()).expect("nonce");
        let regs = (0..BASE_NODES * scale)
            .map(|i| {
                g.nodes.push(node_id(&g.operator.id(), first + i));
                g.registration(first + i)
            })
            .collect();
        g.mine(regs, 0);
        // Heights 2-6: the tickets, half of the purchases naming a node.
        let per_block = BASE_TICKETS * scale / PURCHASE_BLOCKS;
        let max = u64::from(ChainParams::devnet().max_tickets_per_tx);
        let mut bought = 0usize;
        for _ in 0..PURCHASE_BLOCKS {
            let mut nonce = g.chain.nonce(&g.alice.id()).expect("nonce");
            let mut left = per_block;
            let mut txs = vec![];
            while left > 0 {
                let count = left.min(max);
                let node = (bought % 2 == 1).then(|| g.nodes[bought % g.nodes.len()]);
                txs.push(g.purchase(count as u32, node, nonce));
                nonce += 1;
                left -= count;
                bought += 1;
            }
            g.mine(txs, 0);
        }
        // Heights 7-9: the tickets mature; then a parent missing one vote,
        // so that the timed block carries a late vote (height 11).
        for _ in 0..3 {
            g.mine(vec![], 0);
        }
        g.mine(vec![], 1);
        g
    }

    fn registration(&mut self, nonce: u64) -> ChainTx {
        let mut tx = ChainTx::RegisterNode(NodeRegistration {
            vote_key: self.operator.id(),
            auth: Authorization::unsigned(),
        });
        let chain_id = self.chain.chain_id().expect("store").expect("genesis");
        tx.authorize(&self.operator, nonce, &chain_id, &mut self.rng);
        tx
    }

    fn purchase(&mut self, count: u32, node: Option<[u8; 32]>, nonce: u64) -> ChainTx {
        let mut tx = ChainTx::BuyTickets(TicketPurchase {
            count,
            max_price: 10 * COIN,
            vote_key: self.alice.id(),
            node,
            auth: Authorization::unsigned(),
        });
        let chain_id = self.chain.chain_id().expect("store").expect("genesis");
        tx.authorize(&self.alice, nonce, &chain_id, &mut self.rng);
        tx
    }

    /// The next block with `txs`; every drawn ticket votes but the first
    /// `skip`, every late voter votes.
    fn block(&mut self, txs: Vec<ChainTx>, skip: usize) -> Block {
        self.time += 10;
        let signers = [self.alice.clone(), self.operator.clone()];
        let mut skipped = 0;
        let mut rng = ChaCha20Rng::seed_from_u64(self.time);
        self.chain
            .produce_block(
                self.miner.id(),
                self.time,
                txs,
                |d, msg| {
                    if !d.late && skipped < skip {
                        skipped += 1;
                        return None;
                    }
                    signers
                        .iter()
                        .find(|k| k.id() == d.signer)
                        .map(|k| k.sign(msg, &mut rng))
                },
                &mut self.rng,
            )
            .expect("a valid block")
    }

    fn mine(&mut self, txs: Vec<ChainTx>, skip: usize) {
        let b = self.block(txs, skip);
        self.chain.apply(&b, &mut self.rng).expect("a valid block");
    }

    /// The timed block: votes, a late vote, two purchases, a registration.
    fn typical_block(&mut self) -> Block {
        let nonce = self.chain.nonce(&self.alice.id()).expect("nonce");
        let node = self.nodes[0];
        let one = self.purchase(1, None, nonce);
        let five = self.purchase(5, Some(node), nonce + 1);
        let op_nonce = self.chain.nonce(&self.operator.id()).expect("nonce");
        let reg = self.registration(op_nonce);
        let b = self.block(vec![one, five, reg], 0);
        assert!(b.votes.len() >= 2, "the block carries votes");
        assert!(!b.late_votes.is_empty(), "the block carries a late vote");
        b
    }

    /// Applies `block` (timed) and undoes it (untimed).
    fn apply_and_undo(&mut self, block: &Block) -> Duration {
        let start = Instant::now();
        self.chain.apply(block, &mut self.rng).expect("valid");
        let took = start.elapsed();
        self.chain.undo_tip().expect("undo");
        took
    }
}

/// Runs `f` on the state after the tip, in a transaction then discarded.
fn in_state(
    chain: &Chain,
    f: impl FnOnce(&mut StateTxn, &Header) -> Result<Duration, ChainError>,
) -> Duration {
    chain
        .inspect(|st, tip| f(st, tip.expect("a tip")))
        .expect("state")
}

fn state_growth(c: &mut Criterion) {
    let mut group = c.benchmark_group("state_growth");
    group.sample_size(10);
    for scale in [1u64, 10, 100] {
        let start = Instant::now();
        let mut g = Grown::new(scale);
        let (tickets, mature, anchors, nodes) = g
            .chain
            .inspect(|st, _| {
                Ok((
                    st.len(StateTable::Tickets)?,
                    st.len(StateTable::Pool)?,
                    st.len(StateTable::Anchors)?,
                    st.len(StateTable::Nodes)?,
                ))
            })
            .expect("state");
        println!(
            "\nstate {scale}x: {tickets} tickets ({mature} mature), {anchors} anchors, \
             {nodes} StakingNodes, built in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        let id = format!("{scale}x");
        let block = g.typical_block();
        let root = g.chain.state_root().expect("root");
        group.bench_with_input(BenchmarkId::new("apply", &id), &block, |b, block| {
            b.iter_custom(|iters| (0..iters).map(|_| g.apply_and_undo(block)).sum())
        });
        assert_eq!(g.chain.state_root().expect("root"), root, "undone exactly");
        group.bench_function(BenchmarkId::new("next_draw", &id), |b| {
            b.iter(|| black_box(g.chain.next_draw().expect("draw")))
        });
        // The rest is timed inside one state transaction (opening one costs
        // about 0.2 ms, the same at every size).
        let params = ChainParams::devnet();
        group.bench_function(BenchmarkId::new("drawn_tickets", &id), |b| {
            b.iter_custom(|iters| {
                in_state(&g.chain, |st, tip| {
                    let height = tip.height + 1;
                    prepare_pool(&params, st, height)?;
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(drawn_tickets(&params, st, &tip.hash(), height)?);
                    }
                    Ok(start.elapsed())
                })
            })
        });
        let anchors = BASE_ANCHORS * scale;
        group.bench_function(BenchmarkId::new("anchor_lookup", &id), |b| {
            b.iter_custom(|iters| {
                in_state(&g.chain, |st, _| {
                    let start = Instant::now();
                    for i in 0..iters {
                        let found = st.get(StateTable::Anchors, &anchor_key(i % anchors))?;
                        assert!(found.is_some());
                    }
                    Ok(start.elapsed())
                })
            })
        });
        // The code before the split, per block: every ticket read to find
        // the mature ones, every anchor read to build the recent set.
        group.bench_function(BenchmarkId::new("old_ticket_scan", &id), |b| {
            b.iter_custom(|iters| {
                in_state(&g.chain, |st, tip| {
                    let height = tip.height + 1;
                    let start = Instant::now();
                    for _ in 0..iters {
                        let mut mature = 0u64;
                        for (_, v) in st.entries(StateTable::Tickets)? {
                            let rec = TicketRecord::from_bytes(&v)
                                .map_err(|e| ChainError::Store(e.to_string()))?;
                            mature += u64::from(rec.bought_at + params.ticket_maturity <= height);
                        }
                        black_box(mature);
                    }
                    Ok(start.elapsed())
                })
            })
        });
        group.bench_function(BenchmarkId::new("old_anchor_scan", &id), |b| {
            b.iter_custom(|iters| {
                in_state(&g.chain, |st, _| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(st.entries(StateTable::Anchors)?);
                    }
                    Ok(start.elapsed())
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, state_growth);
criterion_main!(benches);
