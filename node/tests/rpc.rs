//! The gRPC API over real loopback connections: a devnet node in a temp
//! dir, served on 127.0.0.1:0, called with the generated clients (and once
//! with a hand-written gRPC-web request over HTTP/1.1). Every test is
//! bounded in time.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use ark_serialize::CanonicalDeserialize;
use prost::Message;
use rand_core::{OsRng, RngCore};
use superzk_chain_core::{block::Block, params::COIN, pow::mine};
use superzk_circuits::{asset::AssetInfo, tree::CommitmentTree};
use superzk_keys::spending_key::encode_field;
use superzk_node::{
    network::{builtin_keys, devnet_key, Network},
    node::{Node, NodeOptions},
    proto::{
        block_request::At, chain_client::ChainClient, light_client_client::LightClientClient,
        submit_block_response::Outcome, transaction_status::State, AccountRequest, BlockRange,
        BlockRequest, CompactBlock, DrawRequest, LatestBlockRequest, NodeStatus, NodesRequest,
        RawBlock, RawTransaction, StatusRequest, TemplateRequest, TicketsRequest, TreeStateRequest,
        TxId, VoteSubmission,
    },
    rpc::{connect, serve, RpcConfig},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::oneshot,
    task::JoinHandle,
};
use tonic::{transport::Channel, Code, Status};

type Clients = (LightClientClient<Channel>, ChainClient<Channel>);

/// A served node and what stops it.
struct Served {
    _dir: tempfile::TempDir,
    node: Arc<Node>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<Result<(), superzk_node::error::NodeError>>,
}

impl Served {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn clients(&self) -> Clients {
        connect(&self.url()).await.expect("the node answers")
    }

    /// Stops the server and checks it ended cleanly.
    async fn shut_down(mut self) {
        let _ = self.stop.take().expect("running").send(());
        let ended = tokio::time::timeout(Duration::from_secs(10), self.server)
            .await
            .expect("the server stops after the shutdown signal");
        ended.expect("server task").expect("server result");
    }
}

async fn start(config: RpcConfig) -> Served {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().to_path_buf();
    let node = tokio::task::spawn_blocking(move || {
        let keys = builtin_keys()?;
        let genesis = Network::Devnet.genesis(&keys)?;
        Node::open(
            NodeOptions {
                data_dir,
                params: Network::Devnet.params(),
                keys,
                mempool: Default::default(),
                vote_keys: vec![],
            },
            genesis,
        )
    })
    .await
    .expect("open task")
    .expect("the devnet node opens");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(node.clone(), listener, config, async move {
        let _ = stopped.await;
    }));
    Served {
        _dir: dir,
        node,
        addr,
        stop: Some(stop),
        server,
    }
}

/// Runs a test body with a deadline, so a hang fails instead of blocking.
async fn bounded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(Duration::from_secs(120), body)
        .await
        .expect("the test finished in time");
}

/// A mined block on the node's tip, paying devnet "miner" (not submitted).
async fn next_block(node: &Arc<Node>) -> Block {
    let node = node.clone();
    tokio::task::spawn_blocking(move || {
        let miner = devnet_key("miner").id();
        node.chain()
            .produce_block(miner, 0, vec![], |_, _| None, &mut OsRng)
            .expect("a block on the tip")
    })
    .await
    .expect("mining task")
}

/// Mines and submits `n` blocks over gRPC; returns them.
async fn mine_blocks(s: &Served, chain: &mut ChainClient<Channel>, n: usize) -> Vec<Block> {
    let mut out = Vec::new();
    for _ in 0..n {
        let block = next_block(&s.node).await;
        let r = chain
            .submit_block(RawBlock {
                block: block.to_bytes(),
            })
            .await
            .expect("a valid block is taken")
            .into_inner();
        assert_eq!(r.outcome(), Outcome::BestChain);
        assert_eq!(r.height, block.header.height);
        assert_eq!(r.hash, block.hash().to_vec());
        out.push(block);
    }
    out
}

fn code<T: std::fmt::Debug>(r: Result<tonic::Response<T>, Status>) -> (Code, String) {
    let s = r.expect_err("the request is refused");
    assert!(!s.message().is_empty(), "a refusal says why");
    (s.code(), s.message().to_string())
}

fn random(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    OsRng.fill_bytes(&mut v);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_genesis() {
    bounded(async {
        let s = start(RpcConfig::default()).await;
        let (mut light, mut chain) = s.clients().await;
        let st = chain
            .get_status(StatusRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(st.network, "devnet");
        assert_eq!(st.height, 0);
        assert_eq!(st.tip, st.chain_id, "at genesis the tip is the chain id");
        assert_eq!(st.tip.len(), 32);
        assert!(!st.mining);
        assert_eq!(
            (st.mempool_transactions, st.orphans, st.side_blocks),
            (0, 0, 0)
        );

        let latest = light
            .get_latest_block(LatestBlockRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!((latest.height, &latest.hash), (0, &st.tip));

        let by_height = light
            .get_block(BlockRequest {
                at: Some(At::Height(0)),
            })
            .await
            .unwrap()
            .into_inner();
        let genesis = Block::from_bytes(&by_height.block).expect("canonical block");
        assert_eq!(genesis.hash().to_vec(), st.tip);
        let by_hash = light
            .get_block(BlockRequest {
                at: Some(At::Hash(st.tip.clone())),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(by_hash.block, by_height.block);

        let (c, m) = code(
            light
                .get_block(BlockRequest {
                    at: Some(At::Height(5)),
                })
                .await,
        );
        assert_eq!(c, Code::NotFound, "{m}");
        let (c, _) = code(
            light
                .get_block(BlockRequest {
                    at: Some(At::Hash(vec![7; 32])),
                })
                .await,
        );
        assert_eq!(c, Code::NotFound);
        let (c, _) = code(light.get_block(BlockRequest { at: None }).await);
        assert_eq!(c, Code::InvalidArgument);
        s.shut_down().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_submitted_streamed_and_tree_states() {
    bounded(async {
        let config = RpcConfig {
            max_blocks_per_stream: 3,
            ..RpcConfig::default()
        };
        let s = start(config).await;
        let (mut light, mut chain) = s.clients().await;
        let blocks = mine_blocks(&s, &mut chain, 3).await;
        let latest = light
            .get_latest_block(LatestBlockRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(latest.height, 3);
        assert_eq!(latest.hash, blocks[2].hash().to_vec());

        // Submitting again changes nothing.
        let again = chain
            .submit_block(RawBlock {
                block: blocks[1].to_bytes(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(again.outcome(), Outcome::Duplicate);
        assert_eq!(again.height, 2);

        let stream = light
            .get_compact_blocks(BlockRange { start: 1, end: 3 })
            .await
            .unwrap()
            .into_inner();
        let compact: Vec<CompactBlock> = tokio_stream_collect(stream).await;
        assert_eq!(compact.len(), 3);
        for (c, b) in compact.iter().zip(&blocks) {
            assert_eq!(c.height, b.header.height);
            assert_eq!(c.hash, b.hash().to_vec());
            assert_eq!(c.parent, b.header.parent.to_vec());
            // Coinbase-only blocks: nothing shielded to scan.
            assert!(c.txs.is_empty());
            let ts = light
                .get_tree_state(TreeStateRequest { height: c.height })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(c.tree_size, ts.size);
            assert_eq!(ts.hash, c.hash);
        }

        for (start, end, want) in [
            (3, 2, Code::InvalidArgument),
            (0, 4, Code::OutOfRange),
            (0, 3, Code::InvalidArgument),
        ] {
            let r = light.get_compact_blocks(BlockRange { start, end }).await;
            let status = r.expect_err("bad range refused");
            assert_eq!(status.code(), want, "{start}..={end}: {}", status.message());
        }
        s.shut_down().await;
    })
    .await;
}

async fn tokio_stream_collect(mut s: tonic::Streaming<CompactBlock>) -> Vec<CompactBlock> {
    let mut out = Vec::new();
    while let Some(b) = s.message().await.expect("stream item") {
        out.push(b);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_state_at_genesis() {
    bounded(async {
        let s = start(RpcConfig::default()).await;
        let (mut light, _) = s.clients().await;
        let ts = light
            .get_tree_state(TreeStateRequest { height: 0 })
            .await
            .unwrap()
            .into_inner();
        let genesis = s.node.chain().header(0).unwrap().unwrap();
        assert_eq!(ts.height, 0);
        assert_eq!(ts.hash, genesis.hash().to_vec());
        assert_eq!(ts.root.len(), 32);
        assert_eq!(ts.frontier, s.node.tree_state(0).unwrap());
        let tree = CommitmentTree::deserialize_compressed(ts.frontier.as_slice()).unwrap();
        assert_eq!(ts.size, tree.size());
        assert_eq!(ts.root, encode_field(&tree.root()).to_vec());
        let (c, _) = code(light.get_tree_state(TreeStateRequest { height: 9 }).await);
        assert_eq!(c, Code::NotFound);
        s.shut_down().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_tickets_and_nodes() {
    bounded(async {
        let s = start(RpcConfig::default()).await;
        let (_, mut chain) = s.clients().await;
        let alice = devnet_key("alice").id();
        let info = chain
            .get_account(AccountRequest {
                account: alice.to_vec(),
            })
            .await
            .unwrap()
            .into_inner();
        let balance = |asset: [u8; 32]| {
            info.balances
                .iter()
                .find(|b| b.asset == asset.to_vec())
                .map(|b| b.amount)
        };
        assert_eq!(
            balance(AssetInfo::native().asset().to_bytes()),
            Some(1_000_000 * COIN)
        );
        assert_eq!(
            balance(AssetInfo::currency("USD").asset().to_bytes()),
            Some(1_000_000)
        );
        assert_eq!(info.nonce, 0);
        let nobody = chain
            .get_account(AccountRequest {
                account: vec![3; 32],
            })
            .await
            .unwrap()
            .into_inner();
        assert!(nobody.balances.is_empty());

        let tickets = chain
            .get_tickets(TicketsRequest {
                owner: vec![],
                limit: 0,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            tickets.tickets.len(),
            s.node.tickets().unwrap().len().min(100)
        );
        let nodes = chain.get_nodes(NodesRequest {}).await.unwrap().into_inner();
        assert_eq!(nodes.nodes.len(), s.node.nodes().unwrap().len());
        s.shut_down().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_mined_externally_and_the_draw() {
    bounded(async {
        let s = start(RpcConfig::default()).await;
        let (mut light, mut chain) = s.clients().await;
        let miner = devnet_key("miner").id();
        let raw = chain
            .get_block_template(TemplateRequest {
                miner: miner.to_vec(),
            })
            .await
            .unwrap()
            .into_inner();
        let mut block = Block::from_bytes(&raw.block).expect("a canonical template");
        assert_eq!(block.header.height, 1);
        mine(&mut block.header);
        let r = chain
            .submit_block(RawBlock {
                block: block.to_bytes(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.outcome(), Outcome::BestChain);

        // The coinbase is mined in block 1.
        let txid = block.txs[0].id();
        let st = light
            .get_transaction_status(TxId {
                txid: txid.to_vec(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!((st.state(), st.height), (State::Mined, 1));
        let st = light
            .get_transaction_status(TxId { txid: vec![5; 32] })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(st.state(), State::Unknown);

        let draw = chain
            .get_current_draw(DrawRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(draw.height, 2);
        assert_eq!(draw.parent, block.hash().to_vec());
        // The devnet pool starts empty: nobody is drawn.
        assert!(draw.tickets.is_empty());
        let vote = VoteSubmission {
            ticket: vec![1; 32],
            signature: vec![2; 64],
            late: false,
            message: vec![3; 32],
        };
        let (c, m) = code(chain.submit_vote(vote).await);
        assert_eq!(c, Code::FailedPrecondition, "{m}");
        s.shut_down().await;
    })
    .await;
}

/// Asserts `r` is refused as InvalidArgument with a message naming
/// `field`.
fn refused<T: std::fmt::Debug>(r: Result<tonic::Response<T>, Status>, field: &str) {
    let (c, m) = code(r);
    assert_eq!(c, Code::InvalidArgument, "{m}");
    assert!(m.contains(field), "{field}: {m}");
}

/// Asserts the node still answers after the garbage it was fed.
async fn still_answers(chain: &mut ChainClient<Channel>) {
    let st = chain
        .get_status(StatusRequest {})
        .await
        .expect("still answers");
    assert_eq!(st.into_inner().network, "devnet");
}

/// Random, truncated and padded encodings of blocks and transactions are
/// refused with a status naming what failed to decode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_blocks_and_transactions() {
    bounded(async {
        let s = start(RpcConfig::default()).await;
        let (mut light, mut chain) = s.clients().await;
        let genesis = s.node.block_at(0).unwrap();
        let good = genesis.to_bytes();
        let good_tx = genesis.txs[0].to_bytes();
        let blocks = [
            random(200),
            good[..good.len() / 2].to_vec(),
            [&good[..], &[0]].concat(),
            vec![],
        ];
        for bad in blocks {
            refused(chain.submit_block(RawBlock { block: bad }).await, "block");
        }
        let txs = [random(300), good_tx[..good_tx.len() - 1].to_vec(), vec![]];
        for bad in txs {
            let r = light.send_transaction(RawTransaction { tx: bad }).await;
            refused(r, "transaction");
        }
        still_answers(&mut chain).await;
        s.shut_down().await;
    })
    .await;
}

/// Hashes, ids, accounts and signatures of the wrong length, on every RPC
/// that takes one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_lengths_are_refused() {
    bounded(async {
        let s = start(RpcConfig::default()).await;
        let (mut light, mut chain) = s.clients().await;
        let at = Some(At::Hash(random(31)));
        refused(
            light.get_block(BlockRequest { at }).await,
            "32 bytes, got 31",
        );
        let r = light
            .get_transaction_status(TxId { txid: random(33) })
            .await;
        refused(r, "txid");
        let r = chain.get_account(AccountRequest { account: vec![] }).await;
        refused(r, "account");
        let r = chain
            .get_tickets(TicketsRequest {
                owner: random(5),
                limit: 3,
            })
            .await;
        refused(r, "owner");
        let r = chain
            .get_block_template(TemplateRequest { miner: random(64) })
            .await;
        refused(r, "miner");
        let vote = |ticket: usize, sig: usize, msg: usize| VoteSubmission {
            ticket: random(ticket),
            signature: random(sig),
            late: true,
            message: random(msg),
        };
        let votes = [
            (vote(31, 64, 32), "ticket"),
            (vote(32, 63, 32), "signature"),
            (vote(32, 64, 0), "message"),
        ];
        for (v, field) in votes {
            refused(chain.submit_vote(v).await, field);
        }
        still_answers(&mut chain).await;
        s.shut_down().await;
    })
    .await;
}

/// A message above the configured limit is refused by the codec before
/// it is decoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_messages_are_refused() {
    bounded(async {
        let config = RpcConfig {
            max_message_bytes: 1 << 20,
            ..RpcConfig::default()
        };
        let s = start(config).await;
        let (mut light, mut chain) = s.clients().await;
        let big = random(3 << 19);
        let (c, m) = code(chain.submit_block(RawBlock { block: big.clone() }).await);
        assert_eq!(c, Code::OutOfRange, "{m}");
        let (c, m) = code(light.send_transaction(RawTransaction { tx: big }).await);
        assert_eq!(c, Code::OutOfRange, "{m}");
        still_answers(&mut chain).await;
        s.shut_down().await;
    })
    .await;
}

/// A client that reads one compact block and hangs up: the stream's
/// reader stops, and the node goes on serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_ends_cleanly() {
    bounded(async {
        let s = start(RpcConfig::default()).await;
        let (mut light, mut chain) = s.clients().await;
        mine_blocks(&s, &mut chain, 4).await;
        let range = BlockRange { start: 0, end: 4 };
        let mut stream = light.get_compact_blocks(range).await.unwrap().into_inner();
        let first = stream.message().await.unwrap().expect("one block");
        assert_eq!(first.height, 0);
        drop(stream);
        still_answers(&mut chain).await;
        s.shut_down().await;
    })
    .await;
}

/// Raw garbage on the socket itself: the connection is dropped, the
/// server goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_socket() {
    bounded(async {
        let s = start(RpcConfig::default()).await;
        let mut tcp = TcpStream::connect(s.addr).await.unwrap();
        tcp.write_all(&random(4096)).await.unwrap();
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut sink)).await;
        let (_, mut chain) = s.clients().await;
        assert!(chain.get_status(StatusRequest {}).await.is_ok());
        s.shut_down().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_refuses_at_once() {
    bounded(async {
        let config = RpcConfig {
            requests_per_second: 3,
            ..RpcConfig::default()
        };
        let s = start(config).await;
        let (mut light, _) = s.clients().await;
        let mut codes = Vec::new();
        for _ in 0..12 {
            let r = light.get_latest_block(LatestBlockRequest {}).await;
            codes.push(r.map(|_| Code::Ok).unwrap_or_else(|e| e.code()));
        }
        let ok = codes.iter().filter(|c| **c == Code::Ok).count();
        let refused = codes
            .iter()
            .filter(|c| **c == Code::ResourceExhausted)
            .count();
        assert_eq!(ok + refused, 12, "{codes:?}");
        assert!((3..=6).contains(&ok), "{codes:?}");
        // The bucket refills.
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert!(light.get_latest_block(LatestBlockRequest {}).await.is_ok());
        s.shut_down().await;
    })
    .await;
}

/// A browser's call: gRPC-web over HTTP/1.1, written by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_web_over_http1() {
    bounded(async {
        let s = start(RpcConfig::default()).await;
        let mut tcp = TcpStream::connect(s.addr).await.unwrap();
        // An empty StatusRequest in one uncompressed frame.
        let request = format!(
            "POST /superzk.node.v1.Chain/GetStatus HTTP/1.1\r\nhost: {}\r\n\
             content-type: application/grpc-web+proto\r\nx-grpc-web: 1\r\n\
             content-length: 5\r\nconnection: close\r\n\r\n",
            s.addr
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        tcp.write_all(&[0, 0, 0, 0, 0]).await.unwrap();
        let mut response = Vec::new();
        tcp.read_to_end(&mut response).await.unwrap();
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block");
        let head = String::from_utf8_lossy(&response[..split]).to_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(
            head.contains("content-type: application/grpc-web+proto"),
            "{head}"
        );
        let mut body = response[split + 4..].to_vec();
        if head.contains("transfer-encoding: chunked") {
            body = dechunk(&body);
        }
        assert_eq!(body[0], 0, "a data frame first");
        let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        let status = NodeStatus::decode(&body[5..5 + len]).expect("a NodeStatus");
        assert_eq!(status.network, "devnet");
        let trailers = &body[5 + len..];
        assert_eq!(trailers[0], 0x80, "a trailers frame");
        let text = String::from_utf8_lossy(&trailers[5..]).to_lowercase();
        assert!(text.contains("grpc-status:0"), "{text}");
        s.shut_down().await;
    })
    .await;
}

/// The body of an HTTP/1.1 chunked transfer.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .expect("hex chunk size");
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_says_when_nothing_listens() {
    bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let url = format!("http://{addr}");
        let err = connect(&url).await.expect_err("nothing listens");
        let text = err.to_string();
        assert!(
            text.contains(&url) && text.contains("no node answers"),
            "{text}"
        );
        let err = connect("not a url").await.expect_err("bad URL");
        assert!(err.to_string().contains("node URL"), "{err}");
    })
    .await;
}
