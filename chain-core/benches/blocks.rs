//! Blocks validated per second with 0, 100 and 1,000 shielded actions, and
//! how that time splits between proof verification and the rest (state
//! work: reads and writes of the store, tree appends, the state root, the
//! commit).
//!
//! A block's actions are shielding transactions of 4 outputs each, paid by
//! one account with successive nonces: every one is a distinct chain
//! transaction the validator accepts in full, so `Chain::apply` runs every
//! rule, while only one transaction is proven (proving 1,000 actions would
//! take many minutes). Verifying a proof costs the same whether or not it
//! repeats another. Each timed `apply` is followed by an untimed
//! `undo_tip`, so every sample validates the same block on the same state.
//!
//! `proofs` times `verify_batch` over the same transactions: the Groth16
//! batch, spend-authorisation and binding signatures, which `apply` runs
//! alongside the batch of account signatures. `apply - proofs` is the state
//! work and everything else.
//!
//! `state_root` times the state root of a transaction that changed 1,000
//! entries, over stores of 10,000 and 100,000 entries: the per-table
//! multiset digests (the cost follows the changes) against re-hashing every
//! entry, the root before session 5 (the cost follows the state); and
//! `open_scan`, the full check of the stored digests `Chain::open` makes.
//!
//! Run: `cargo bench -p superzk-chain-core --bench blocks` (parameters are
//! cached in `$SUPERZK_PARAMS_DIR`, else `target/superzk-params`).

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_chain_core::{
    account::AccountKey,
    block::Block,
    chain::Chain,
    params::{ChainParams, COIN},
    store::{StateTable, StateTxn},
    tx::{Allocation, Authorization, ChainTx, ShieldedTx},
};
use superzk_circuits::{asset::AssetInfo, note::AssetId};
use superzk_keys::{note_plaintext::MEMO_LEN, params::ParameterCache, spending_key::SpendingKey};
use superzk_prover::{ProvingKeys, TransactionBuilder};
use superzk_verifier::{
    transaction::Transaction,
    verify::{verify_batch, AnyAnchor},
};
use superzk_wallet::memory::ScanningWallet;

/// The CLI's demo parameters (their verifying keys are fixtures/*.vk).
const DEMO_PARAMS_SEED: &[u8] = b"SuperZK insecure demo parameters v1";
/// Outputs per shielding transaction.
const OUTPUTS: usize = 4;

fn params_dir() -> PathBuf {
    std::env::var_os("SUPERZK_PARAMS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params"))
}

/// One shielding transaction: 4 coins from an account into 4 notes.
fn shielding(keys: &ProvingKeys, chain_id: [u8; 32]) -> Transaction {
    let wallet = ScanningWallet::new(SpendingKey::from_seed(b"block bench", 0));
    let mut b = TransactionBuilder::new();
    // Paid by the bench's payer account (see `Bench::new`).
    b.set_chain_id(chain_id)
        .set_public_account(AccountKey::from_seed(b"bench", "payer").id())
        .add_public_input(AssetId::native(), OUTPUTS as u64 * COIN);
    for i in 0..OUTPUTS {
        b.add_output(
            None,
            wallet.address(i as u64),
            AssetInfo::native(),
            COIN,
            [0; MEMO_LEN],
        );
    }
    b.build(keys, &mut ChaCha20Rng::seed_from_u64(1))
        .expect("the shielding transaction builds")
}

struct Bench {
    chain: Chain,
    payer: AccountKey,
    miner: AccountKey,
    tx: Transaction,
    rng: ChaCha20Rng,
    _dir: tempfile::TempDir,
}

impl Bench {
    fn new() -> Self {
        let keys = ProvingKeys::insecure_from_cache(
            &ParameterCache::new(params_dir()),
            DEMO_PARAMS_SEED,
            |_| {},
        )
        .expect("demo parameters load or generate");
        let dir = tempfile::tempdir().expect("temporary directory");
        let chain = Chain::open(
            &dir.path().join("chain.redb"),
            ChainParams::devnet(),
            keys.verifying_keys(),
        )
        .expect("fresh store");
        let payer = AccountKey::from_seed(b"bench", "payer");
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        chain
            .init_genesis(
                vec![Allocation {
                    account: payer.id(),
                    asset: AssetId::native(),
                    amount: 1_000_000 * COIN,
                }],
                1_000,
                &mut rng,
            )
            .expect("genesis");
        let chain_id = chain.chain_id().expect("store").expect("genesis");
        Self {
            chain,
            payer,
            miner: AccountKey::from_seed(b"bench", "miner"),
            tx: shielding(&keys, chain_id),
            rng,
            _dir: dir,
        }
    }

    /// The next block, mined, with `actions` shielded actions.
    fn block(&mut self, actions: usize) -> Block {
        let nonce = self.chain.nonce(&self.payer.id()).expect("nonce");
        let chain_id = self.chain.chain_id().expect("store").expect("genesis");
        let txs = (0..actions / OUTPUTS)
            .map(|i| {
                let mut tx = ChainTx::Shielded(Box::new(ShieldedTx {
                    tx: self.tx.clone(),
                    public: Some(Authorization::unsigned()),
                }));
                tx.authorize(&self.payer, nonce + i as u64, &chain_id, &mut self.rng);
                tx
            })
            .collect();
        let time = self.chain.tip().expect("tip").expect("genesis").time + 10;
        self.chain
            .produce_block(self.miner.id(), time, txs, |_, _| None, &mut self.rng)
            .expect("a valid block")
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

fn shielded_txs(block: &Block) -> Vec<Transaction> {
    block
        .txs
        .iter()
        .filter_map(|t| match t {
            ChainTx::Shielded(s) => Some(s.tx.clone()),
            _ => None,
        })
        .collect()
}

fn blocks(c: &mut Criterion) {
    let mut bench = Bench::new();
    let keys = bench.chain.verifying_keys().clone();
    let mut group = c.benchmark_group("block");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    let mut split = vec![];
    for actions in [0, 100, 1_000] {
        let block = bench.block(actions);
        group.bench_with_input(BenchmarkId::new("apply", actions), &block, |b, block| {
            b.iter_custom(|iters| (0..iters).map(|_| bench.apply_and_undo(block)).sum())
        });
        let txs = shielded_txs(&block);
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        if !txs.is_empty() {
            group.bench_with_input(BenchmarkId::new("proofs", actions), &txs, |b, txs| {
                b.iter(|| verify_batch(txs, &keys, &AnyAnchor, &mut rng).expect("valid"))
            });
        }
        // The split, from medians of a few runs of each part.
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let total = median(
            (0..5)
                .map(|_| bench.apply_and_undo(&block).as_secs_f64())
                .collect(),
        );
        let proofs = median(
            (0..5)
                .map(|_| {
                    let start = Instant::now();
                    verify_batch(&txs, &keys, &AnyAnchor, &mut rng).expect("valid");
                    start.elapsed().as_secs_f64()
                })
                .collect(),
        );
        split.push((actions, total, proofs));
    }
    group.finish();
    println!("\nblocks validated (median of 5): actions | block | blocks/s | proofs | rest");
    for (actions, total, proofs) in split {
        println!(
            "  {actions:>5} | {:>8.1} ms | {:>7.1} | {:>8.1} ms ({:>4.1}%) | {:>8.1} ms ({:>4.1}%)",
            total * 1e3,
            1.0 / total,
            proofs * 1e3,
            100.0 * proofs / total,
            (total - proofs) * 1e3,
            100.0 * (total - proofs) / total
        );
    }
}

/// A store holding `n` nullifiers, and its directory.
fn big_store(n: u64) -> (tempfile::TempDir, redb::Database) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = redb::Database::create(dir.path().join("state.redb")).expect("a store");
    let txn = db.begin_write().expect("a write transaction");
    {
        let mut st = StateTxn::open(&txn).expect("state tables");
        for i in 0..n {
            st.put(StateTable::Nullifiers, &nullifier(i), &i.to_le_bytes())
                .expect("insert");
        }
        st.finish().expect("digests stored");
    }
    txn.commit().expect("commit");
    (dir, db)
}

fn nullifier(i: u64) -> [u8; 32] {
    superzk_chain_core::codec::hash(b"bench_nullifier_", &[&i.to_le_bytes()])
}

/// The pre-session-5 state root: every entry of every table, hashed.
fn full_rehash(st: &StateTxn) -> [u8; 32] {
    use superzk_chain_core::codec::{hash, Writer};
    let mut w = Writer::default();
    for t in StateTable::ALL {
        w.u8(t as u8);
        for (k, v) in st.entries(t).expect("entries") {
            w.var_bytes(&k).var_bytes(&v);
        }
        let digest = hash(b"SuperZK_StateTbl", &[&w.0]);
        w.0.clear();
        w.bytes(&digest);
    }
    hash(b"SuperZK_StateRt_", &[&w.0])
}

fn state_root(c: &mut Criterion) {
    let mut group = c.benchmark_group("state_root");
    group.sample_size(10);
    for n in [10_000u64, 100_000] {
        let (_dir, db) = big_store(n);
        // 1,000 new nullifiers: a 1,000-action block's share of the state.
        let timed = |root: &dyn Fn(&StateTxn)| -> Duration {
            let txn = db.begin_write().expect("a write transaction");
            let mut st = StateTxn::open(&txn).expect("state tables");
            for i in n..n + 1_000 {
                st.put(StateTable::Nullifiers, &nullifier(i), &i.to_le_bytes())
                    .expect("insert");
            }
            let start = Instant::now();
            root(&st);
            start.elapsed()
        };
        group.bench_function(BenchmarkId::new("digests", n), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        timed(&|st| {
                            std::hint::black_box(st.state_root().expect("root"));
                        })
                    })
                    .sum()
            })
        });
        // What `Chain::open` pays once: every entry's point, against the
        // stored digests.
        group.bench_function(BenchmarkId::new("open_scan", n), |b| {
            b.iter(|| {
                let txn = db.begin_write().expect("a write transaction");
                let st = StateTxn::open(&txn).expect("state tables");
                assert!(st.digests_match_tables().expect("scan"));
            })
        });
        group.bench_function(BenchmarkId::new("full_rehash", n), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        timed(&|st| {
                            std::hint::black_box(full_rehash(st));
                        })
                    })
                    .sum()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, blocks, state_root);
criterion_main!(benches);
