//! Load, bounded: 24 concurrent clients on loopback, each streaming the
//! whole chain's compact blocks several times and submitting transactions
//! (one client a valid sequence of ticket purchases, the others stale ones
//! the mempool must refuse), while the chain grows. Every call must end with
//! its expected answer, the node must serve afterwards, and the process's
//! resident memory must stay within a bound. Fixed counts; every wait has a
//! deadline.

use std::{sync::Arc, time::Duration};

use rand_core::OsRng;
use superzk_chain_core::{
    account::AccountKey,
    params::COIN,
    tx::{Authorization, ChainTx, TicketPurchase},
};
use superzk_node::{
    network::{devnet_key, Network},
    node::{Node, NodeOptions},
    proto::{BlockRange, RawTransaction, StatusRequest},
    rpc::{connect, serve, RpcConfig},
};
use tokio::sync::oneshot;
use tonic::Code;

const CLIENTS: usize = 24;
const STREAMS_PER_CLIENT: usize = 4;
const BLOCKS: u64 = 60;
const PURCHASES: u64 = 10;
/// Growth of resident memory allowed over the whole test.
const MEMORY_BOUND_MIB: u64 = 256;

fn resident_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

fn purchase(key: &AccountKey, nonce: u64, chain_id: &[u8; 32]) -> ChainTx {
    let mut tx = ChainTx::BuyTickets(TicketPurchase {
        count: 1,
        max_price: 10 * COIN,
        vote_key: key.id(),
        node: None,
        auth: Authorization::unsigned(),
    });
    tx.authorize(key, nonce, chain_id, &mut OsRng);
    tx
}

fn open_node(dir: &std::path::Path) -> Arc<Node> {
    let (options, genesis) =
        NodeOptions::for_network(Network::Devnet, dir.to_path_buf()).expect("devnet");
    let vote_keys = vec![devnet_key("alice")];
    Node::open(
        NodeOptions {
            vote_keys,
            ..options
        },
        genesis,
    )
    .expect("node opens")
}

/// Streams the chain `STREAMS_PER_CLIENT` times; returns blocks received.
async fn streamer(url: String) -> u64 {
    let (mut light, _) = connect(&url).await.expect("connects");
    let mut received = 0;
    for _ in 0..STREAMS_PER_CLIENT {
        let mut stream = light
            .get_compact_blocks(BlockRange {
                start: 0,
                end: BLOCKS,
            })
            .await
            .expect("stream opens")
            .into_inner();
        let mut expected = 0;
        while let Some(block) = stream.message().await.expect("stream item") {
            assert_eq!(block.height, expected, "blocks come in order");
            expected += 1;
            received += 1;
        }
        assert_eq!(expected, BLOCKS + 1, "the whole range arrives");
    }
    received
}

/// Submits a transaction with a nonce long used: always refused.
async fn stale_submitter(url: String, chain_id: [u8; 32]) {
    let (mut light, _) = connect(&url).await.expect("connects");
    let key = devnet_key("staking-node operator");
    for _ in 0..5 {
        let tx = purchase(&key, 1_000, &chain_id);
        let err = light
            .send_transaction(RawTransaction { tx: tx.to_bytes() })
            .await
            .expect_err("a nonce from the future is refused");
        assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    }
}

/// The chain grows under load; alice's purchases are admitted in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_stream_and_submit_with_bounded_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_path_buf();
    let node = tokio::task::spawn_blocking(move || open_node(&d))
        .await
        .expect("open");
    let n = node.clone();
    tokio::task::spawn_blocking(move || {
        for h in 1..=BLOCKS {
            n.mine_block([5; 32], 1_700_000_000 + 10 * h)
                .expect("mined");
        }
    })
    .await
    .expect("history");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    let config = RpcConfig {
        requests_per_second: 0,
        ..RpcConfig::default()
    };
    let server = tokio::spawn(serve(node.clone(), listener, config, async {
        let _ = stopped.await;
    }));
    let chain_id = node.chain_id().expect("chain id");
    let before = resident_mib();

    let work = async {
        let mut tasks = vec![];
        for i in 0..CLIENTS {
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                if i % 3 == 0 {
                    stale_submitter(url.clone(), chain_id).await;
                }
                streamer(url).await
            }));
        }
        let (mut light, mut chain) = connect(&url).await.expect("connects");
        let alice = devnet_key("alice");
        for nonce in 0..PURCHASES {
            let tx = purchase(&alice, nonce, &chain_id);
            light
                .send_transaction(RawTransaction { tx: tx.to_bytes() })
                .await
                .expect("alice's purchase is admitted");
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.expect("client task");
        }
        assert_eq!(total, (CLIENTS * STREAMS_PER_CLIENT) as u64 * (BLOCKS + 1));
        let status = chain
            .get_status(StatusRequest {})
            .await
            .expect("still serving")
            .into_inner();
        assert_eq!(status.mempool_transactions, PURCHASES);
    };
    tokio::time::timeout(Duration::from_secs(120), work)
        .await
        .expect("the load finishes in time");

    // The pool's purchases are mined into the next block, in nonce order.
    let n = node.clone();
    let (block, _) = tokio::task::spawn_blocking(move || n.mine_block([5; 32], 1_700_001_000))
        .await
        .expect("task")
        .expect("mined");
    assert_eq!(block.txs.len() as u64, 1 + PURCHASES);
    assert_eq!(node.mempool_size().0, 0);

    let grown = resident_mib().saturating_sub(before);
    assert!(
        grown < MEMORY_BOUND_MIB,
        "resident memory grew {grown} MiB under load (bound {MEMORY_BOUND_MIB} MiB)"
    );
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("stops")
        .expect("task")
        .expect("clean");
}
