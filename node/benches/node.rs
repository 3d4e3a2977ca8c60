//! The node end to end: the time from `Node::submit_block` of a block of
//! 1,000 shielded actions to its commit (fork choice, full validation with
//! the proof batch, the durable write, the mempool and vote box following
//! the new tip), next to an empty block's.
//!
//! A block's actions are shielding transactions of 4 outputs each, one
//! proven transaction re-authorised with successive nonces (as
//! chain-core's `blocks` bench: verifying a proof costs the same whether or
//! not it repeats another). Each sample is a new block on the tip; building
//! and mining it is not timed.
//!
//! `compact_blocks` streams 1,000 blocks of 4 shielded outputs each as
//! compact blocks over a real gRPC connection on loopback (the node's
//! `GetCompactBlocks`, its limits and encoding included), to count the
//! compact blocks served per second.
//!
//! Run: `cargo bench -p superzk-node --bench node` (parameters are cached
//! in `$SUPERZK_PARAMS_DIR`, else `target/superzk-params`).

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_chain_core::{
    account::AccountKey,
    block::Block,
    chain::Chain,
    params::{ChainParams, COIN},
    tx::{Allocation, Authorization, ChainTx, ShieldedTx},
};
use superzk_circuits::{asset::AssetInfo, note::AssetId};
use superzk_keys::{note_plaintext::MEMO_LEN, params::ParameterCache, spending_key::SpendingKey};
use superzk_node::{
    forks::Outcome,
    node::{Node, NodeOptions},
    proto::BlockRange,
    rpc::{connect, serve, RpcConfig},
};
use superzk_prover::{ProvingKeys, TransactionBuilder};
use superzk_verifier::transaction::Transaction;
use superzk_wallet::memory::ScanningWallet;

const DEMO_PARAMS_SEED: &[u8] = b"SuperZK insecure demo parameters v1";
const OUTPUTS: usize = 4;

fn params_dir() -> PathBuf {
    std::env::var_os("SUPERZK_PARAMS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params"))
}

fn payer() -> AccountKey {
    AccountKey::from_seed(b"node bench", "payer")
}

fn shielding(keys: &ProvingKeys, chain_id: [u8; 32]) -> Transaction {
    let wallet = ScanningWallet::new(SpendingKey::from_seed(b"node bench", 0));
    let mut b = TransactionBuilder::new();
    b.set_chain_id(chain_id)
        .set_public_account(payer().id())
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
    node: Arc<Node>,
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
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let genesis = {
            let scratch = tempfile::tempdir().expect("scratch");
            let chain = Chain::open(
                &scratch.path().join("g.redb"),
                ChainParams::devnet(),
                keys.verifying_keys(),
            )
            .expect("scratch store");
            let allocation = Allocation {
                account: payer().id(),
                asset: AssetId::native(),
                amount: 1_000_000_000 * COIN,
            };
            chain
                .init_genesis(vec![allocation], 1_700_000_000, &mut rng)
                .expect("genesis")
        };
        let node = Node::open(
            NodeOptions {
                data_dir: dir.path().to_path_buf(),
                params: ChainParams::devnet(),
                keys: keys.verifying_keys(),
                mempool: Default::default(),
                vote_keys: vec![],
            },
            genesis.clone(),
        )
        .expect("node opens");
        Self {
            tx: shielding(&keys, genesis.hash()),
            node,
            rng,
            _dir: dir,
        }
    }

    fn next_block(&mut self, actions: usize) -> Block {
        let chain = self.node.chain();
        let nonce = chain.nonce(&payer().id()).expect("nonce");
        let chain_id = chain.chain_id().expect("store").expect("genesis");
        let txs = (0..actions / OUTPUTS)
            .map(|i| {
                let mut tx = ChainTx::Shielded(Box::new(ShieldedTx {
                    tx: self.tx.clone(),
                    public: Some(Authorization::unsigned()),
                }));
                tx.authorize(&payer(), nonce + i as u64, &chain_id, &mut self.rng);
                tx
            })
            .collect();
        let time = chain.tip().expect("tip").expect("genesis").time + 10;
        chain
            .produce_block([7; 32], time, txs, |_, _| None, &mut self.rng)
            .expect("a valid block")
    }

    fn submit(&self, block: Block) -> Duration {
        let start = Instant::now();
        let outcome = self.node.submit_block(block).expect("accepted");
        let took = start.elapsed();
        assert_eq!(outcome, Outcome::BestChain);
        took
    }
}

fn end_to_end(c: &mut Criterion) {
    let mut bench = Bench::new();
    let mut g = c.benchmark_group("node_submit_block");
    g.sample_size(10);
    for actions in [0usize, 1_000] {
        g.bench_function(format!("{actions}_actions"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let block = bench.next_block(actions);
                    total += bench.submit(block);
                }
                total
            })
        });
    }
    g.finish();
}

fn compact_blocks(c: &mut Criterion) {
    const BLOCKS: u64 = 1_000;
    let mut bench = Bench::new();
    for _ in 0..BLOCKS {
        let block = bench.next_block(OUTPUTS);
        bench.submit(block);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let url = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let config = RpcConfig {
            requests_per_second: 0,
            ..RpcConfig::default()
        };
        tokio::spawn(serve(
            bench.node.clone(),
            listener,
            config,
            std::future::pending(),
        ));
        url
    });
    let (mut light, _) = rt.block_on(connect(&url)).expect("connects");
    let mut g = c.benchmark_group("compact_blocks");
    g.sample_size(10);
    g.throughput(Throughput::Elements(BLOCKS));
    g.bench_function("stream_1000_blocks_4_outputs", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut stream = light
                    .get_compact_blocks(BlockRange {
                        start: 1,
                        end: BLOCKS,
                    })
                    .await
                    .expect("stream")
                    .into_inner();
                let mut n = 0u64;
                while let Some(block) = stream.message().await.expect("item") {
                    n += block
                        .txs
                        .iter()
                        .map(|t| t.outputs.len() as u64)
                        .sum::<u64>();
                }
                assert_eq!(n, BLOCKS * OUTPUTS as u64);
            })
        })
    });
    g.finish();
}

criterion_group!(benches, end_to_end, compact_blocks);
criterion_main!(benches);
