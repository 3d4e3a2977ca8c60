//! Mempool admission throughput with proofs batch-verified across arrivals:
//! shielded spends (one spend and one output proof each) submitted by one
//! submitter (every transaction verified alone) and by many at once (their
//! proofs coalesced into shared batches). Throughput is in actions (spends
//! plus outputs) per second.
//!
//! Setup proves the transactions with the insecure demo parameters (cached
//! on disk; generated the first time), so run it in release:
//! `cargo bench -p superzk-node --bench mempool`. `SUPERZK_BENCH_TXS`
//! sets how many spends (default 32).

use std::{sync::Mutex, thread};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use superzk_chain_core::{chain::Chain, tx::ChainTx};
use superzk_node::{
    mempool::{admit_one, Mempool, MempoolLimits},
    network::{builtin_keys, devnet_key, Network, GENESIS_TIME},
};

#[path = "../tests/support/shielded.rs"]
mod shielded;

/// A devnet chain whose first block shields `count` notes, and `count`
/// transactions spending them.
fn setup(dir: &std::path::Path, count: u64) -> (Chain, Vec<ChainTx>) {
    let chain = Chain::open(
        &dir.join("chain.redb"),
        Network::Devnet.params(),
        builtin_keys().expect("built-in keys"),
    )
    .expect("chain opens");
    chain
        .init_genesis(Network::Devnet.allocations(), GENESIS_TIME, &mut OsRng)
        .expect("genesis");
    let chain_id = chain.chain_id().expect("id").expect("genesis");
    let pk = shielded::proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut w = shielded::wallet(chain_id);
    let shielding = shielded::shield(&pk, &w, chain_id, count, 0, &mut rng);
    let block = chain
        .produce_block(
            devnet_key("miner").id(),
            GENESIS_TIME + 10,
            vec![shielding.clone()],
            |_, _| None,
            &mut OsRng,
        )
        .expect("block");
    chain.apply(&block, &mut OsRng).expect("applies");
    w.scan(shielded::inner(&shielding)).expect("scans");
    let txs = (0..count as usize)
        .map(|i| shielded::spend(&pk, &w, chain_id, i, 1, &mut rng))
        .collect();
    (chain, txs)
}

fn admit_all(chain: &Chain, txs: &[ChainTx], submitters: usize) {
    let pool = Mutex::new(Mempool::new(MempoolLimits::default()));
    let per = txs.len().div_ceil(submitters.max(1)).max(1);
    thread::scope(|s| {
        for chunk in txs.chunks(per) {
            let pool = &pool;
            s.spawn(move || {
                for tx in chunk {
                    admit_one(pool, chain, tx.clone(), &mut OsRng).expect("admitted");
                }
            });
        }
    });
    let held = pool.lock().map(|p| p.len()).unwrap_or(0);
    assert_eq!(held, txs.len());
}

fn admission(c: &mut Criterion) {
    let count: u64 = std::env::var("SUPERZK_BENCH_TXS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let dir = tempfile::tempdir().expect("temp dir");
    let (chain, txs) = setup(dir.path(), count);
    let actions: usize = txs
        .iter()
        .map(|t| {
            let s = shielded::inner(t);
            s.all_spends().count() + s.all_outputs().count()
        })
        .sum();
    let mut group = c.benchmark_group("mempool admission");
    group.sample_size(10);
    group.throughput(Throughput::Elements(actions as u64));
    for submitters in [1, 16] {
        group.bench_function(format!("{count} spends, {submitters} submitters"), |b| {
            b.iter(|| admit_all(&chain, &txs, submitters))
        });
    }
    group.finish();
}

criterion_group!(benches, admission);
criterion_main!(benches);
