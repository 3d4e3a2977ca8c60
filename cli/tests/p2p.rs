//! The peer-to-peer network end to end: real `superzk node run` processes,
//! each with its own data directory, on loopback only, joined by
//! `--p2p-listen` and `--peer`. Four nodes (two mining) agree and relay a
//! wallet's transaction; a partition heals onto the branch with the most
//! work and the losing branch's transaction comes back; a killed node and
//! a fresh one catch up; and a hostile peer (this test process, speaking
//! the protocols through libp2p) is banned without changing anything.
//!
//! Every wait is bounded; every node dies with its guard.

#![cfg(unix)]

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use futures::StreamExt;
use libp2p::{
    gossipsub::{self, IdentTopic, MessageAuthenticity},
    identity,
    request_response::{self, ProtocolSupport},
    swarm::{NetworkBehaviour, SwarmEvent},
    Multiaddr, Swarm,
};
use rand_core::OsRng;
use superzk_chain_core::{
    account::AccountKey,
    block::{tx_root, Block},
    params::COIN,
    pow::mine,
    tx::{Authorization, ChainTx, ShieldedTx, TicketPurchase},
};
use superzk_circuits::{asset::AssetInfo, note::AssetId};
use superzk_keys::{note_plaintext::MEMO_LEN, params::ParameterCache, spending_key::SpendingKey};
use superzk_node::{
    p2p::protocol::{self, Kind, Request, Response, Status, SyncCodec},
    proto::{self, block_request::At},
};
use superzk_prover::{ProvingKeys, TransactionBuilder};

mod common;
use common::*;

/// Long enough for a few blocks to cross four loaded nodes.
const CONVERGE: Duration = Duration::from_secs(120);
const COMMAND_LIMIT: Duration = WALLET_COMMAND_LIMIT;

/// Peer-to-peer listen addresses on loopback, the port picked by the
/// system: TCP, and QUIC.
const TCP: &str = "/ip4/127.0.0.1/tcp/0";
const QUIC: &str = "/ip4/127.0.0.1/udp/0/quic-v1";

/// A node on the peer-to-peer network.
struct Peer {
    process: NodeProcess,
    data: PathBuf,
    /// Its first listen address, `/ip4/127.0.0.1/tcp/PORT/p2p/PEER_ID`
    /// (or `/udp/PORT/quic-v1`).
    addr: String,
    /// All its listen addresses, in `--p2p-listen` order.
    addrs: Vec<String>,
}

impl Peer {
    /// Its libp2p peer id (the end of its listen address).
    fn id(&self) -> &str {
        self.addr.rsplit("/p2p/").next().unwrap_or_default()
    }

    /// Its listen address on the transport whose protocol is `which`
    /// ("/tcp/" or "/quic-v1/").
    fn on(&self, which: &str) -> &str {
        self.addrs
            .iter()
            .find(|a| a.contains(which))
            .unwrap_or_else(|| panic!("no {which} address in {:?}", self.addrs))
    }

    /// The port of its listen address on `which` ("/tcp/" or "/udp/").
    fn port(&self, which: &str) -> u16 {
        self.on(which)
            .split(which)
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no {which} port in {:?}", self.addrs))
    }
}

/// A test's network: the directory its nodes keep their data under, and
/// a runtime for the gRPC calls made to them.
struct Net {
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
}

impl Net {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            rt: runtime(),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The data directory of the node called `name`.
    fn path(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// Starts the node called `name` on TCP ([`start`]).
    fn tcp(&self, name: &str, flags: &[&str], peers: &[&str]) -> Peer {
        start(&self.path(name), flags, peers)
    }

    /// Starts the node called `name` listening on each of `listen`
    /// ([`start_on`]).
    fn node(&self, name: &str, listen: &[&str], flags: &[&str], peers: &[&str]) -> Peer {
        start_on(&self.path(name), listen, flags, peers)
    }

    /// Runs `node run` for the node called `name` with `flags`, which must
    /// make it fail (within a minute); returns what it printed.
    fn refused(&self, name: &str, flags: &[&str]) -> String {
        let mut cmd = superzk();
        cmd.args(["node", "run", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(self.path(name))
            .args(flags);
        let out = run_bounded(cmd, self.root(), Duration::from_secs(60));
        let said = text(&out);
        assert!(!out.status.success(), "{flags:?}: {said}");
        said
    }
}

/// Starts a node listening for peers over TCP on a port the system
/// picks, dialling `peers`, and waits for its peer-to-peer address.
fn start(data: &Path, flags: &[&str], peers: &[&str]) -> Peer {
    start_on(data, &[TCP], flags, peers)
}

/// Starts a node listening for peers on each of `listen`, dialling
/// `peers`, and waits for its peer-to-peer addresses (DATA_DIR/p2p.addr,
/// one a line).
fn start_on(data: &Path, listen: &[&str], flags: &[&str], peers: &[&str]) -> Peer {
    std::fs::create_dir_all(data).unwrap();
    let addr_file = data.join("p2p.addr");
    let _ = std::fs::remove_file(&addr_file);
    let mut all: Vec<&str> = vec![];
    for l in listen {
        all.extend(["--p2p-listen", l]);
    }
    for p in peers {
        all.extend(["--peer", p]);
    }
    all.extend_from_slice(flags);
    let process = NodeProcess::start(data, &all);
    let addrs: Vec<String> = wait_for(Duration::from_secs(30), "the p2p addresses", || {
        let a = std::fs::read_to_string(&addr_file).ok()?;
        a.ends_with('\n')
            .then(|| a.lines().map(str::to_string).collect())
    });
    assert_eq!(addrs.len(), listen.len(), "{addrs:?}");
    for (a, l) in addrs.iter().zip(listen) {
        let kind = if l.contains("/tcp/") {
            "/tcp/"
        } else {
            "/quic-v1/"
        };
        assert!(a.contains("/p2p/") && a.contains(kind), "{a} for {l}");
    }
    Peer {
        process,
        data: data.to_path_buf(),
        addr: addrs[0].clone(),
        addrs,
    }
}

fn status(rt: &tokio::runtime::Runtime, node: &NodeProcess) -> proto::NodeStatus {
    rt.block_on(async {
        let (_, mut chain) = node.connect().await;
        chain
            .get_status(proto::StatusRequest {})
            .await
            .unwrap()
            .into_inner()
    })
}

/// The best chain's block at `height`, if the node has one.
fn block_at(rt: &tokio::runtime::Runtime, node: &NodeProcess, height: u64) -> Option<Block> {
    rt.block_on(async {
        let (mut light, _) = node.connect().await;
        let raw = light
            .get_block(proto::BlockRequest {
                at: Some(At::Height(height)),
            })
            .await
            .ok()?
            .into_inner()
            .block;
        Block::from_bytes(&raw).ok()
    })
}

/// Waits until every node's best chain holds the same block at `height`;
/// returns it.
fn agree_at(rt: &tokio::runtime::Runtime, nodes: &[&NodeProcess], height: u64) -> Block {
    wait_for(
        CONVERGE,
        &format!("all nodes agree at height {height}"),
        || {
            let blocks: Vec<Block> = nodes
                .iter()
                .map(|n| block_at(rt, n, height))
                .collect::<Option<_>>()?;
            blocks
                .iter()
                .all(|b| b.hash() == blocks[0].hash())
                .then(|| blocks[0].clone())
        },
    )
}

fn wait_height(rt: &tokio::runtime::Runtime, node: &NodeProcess, height: u64) {
    wait_for(CONVERGE, &format!("height {height}"), || {
        (status(rt, node).height >= height).then_some(())
    });
}

/// The height `nodes` agree on once it has stayed the same for two
/// seconds. A block a stopped miner sent just before it stopped can still
/// be on its way (seconds on a loaded machine): a test that needs the tip
/// to stay put waits for it, or a block it builds on the older tip is
/// only a side block to the nodes.
fn settled_height(rt: &tokio::runtime::Runtime, nodes: &[&NodeProcess]) -> u64 {
    let mut last = (u64::MAX, Instant::now());
    wait_for(CONVERGE, "the nodes' tip to settle", || {
        let heights: Vec<u64> = nodes.iter().map(|n| status(rt, n).height).collect();
        let height = heights[0];
        if heights.iter().any(|h| *h != height) || height != last.0 {
            last = (height, Instant::now());
            return None;
        }
        (last.1.elapsed() >= Duration::from_secs(2)).then_some(height)
    })
}

/// A wallet restored from a mnemonic that depends on its name.
fn wallet(root: &Path, name: &str, node: &str) -> WalletCli {
    WalletCli::restore(root, name, [name.len() as u8 + 40; 32], node)
}

/// Readings and payments through a chosen node.
impl WalletCli {
    /// Spendable SERO as printed, after a sync from `node`.
    fn sero(&self, node: &str) -> String {
        self.ok(&["sync", "--node", node]);
        self.ok(&["balance"])
            .lines()
            .find_map(|l| l.strip_prefix("SERO: "))
            .and_then(|r| r.split_once(" spendable").map(|(s, _)| s.to_string()))
            .unwrap_or_else(|| "0".into())
    }

    /// Moves `amount` SERO from devnet:alice in through `node`; returns
    /// the height it was mined at (as the faucet saw it on `node`).
    fn faucet(&self, node: &str, amount: &str) -> u64 {
        let report = self.ok(&[
            "faucet",
            "--node",
            node,
            "--from",
            "devnet:alice",
            "--amount",
            amount,
        ]);
        report
            .split("mined at height ")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .and_then(|h| h.parse().ok())
            .unwrap_or_else(|| panic!("no height in {report}"))
    }
}

#[test]
fn four_nodes_two_mining_agree_and_relay_a_wallet_transaction() {
    let net = Net::new();
    let rt = &net.rt;
    // A and C do not mine; B and D do. A chain: A - B - C - D, and D - A.
    let b = net.tcp("b", &["--mine", "--block-interval-ms", "400"], &[]);
    let a = net.tcp("a", &[], &[&b.addr]);
    let c = net.tcp("c", &[], &[&b.addr]);
    let d = net.tcp(
        "d",
        &["--mine", "--block-interval-ms", "700"],
        &[&c.addr, &a.addr],
    );
    let all = [&a.process, &b.process, &c.process, &d.process];
    wait_height(rt, &b.process, 5);
    let agreed = agree_at(rt, &all, 5);
    assert_eq!(agreed.header.height, 5);
    for n in &all {
        assert!(status(rt, n).peers >= 1, "every node has a peer");
    }

    // A wallet's transaction submitted to A (which does not mine) is
    // mined by a miner, and a wallet syncing from C sees it.
    let w = wallet(net.root(), "w", &c.process.url);
    let mined = w.faucet(&a.process.url, "7");
    let block = agree_at(rt, &all, mined);
    assert!(block.txs.len() >= 2, "the block holds the transaction");
    let miners: Vec<[u8; 32]> = [&b, &d].iter().map(|p| miner_of(&p.data)).collect();
    assert!(
        miners.contains(&coinbase_account(&block)),
        "a mining node (B or D) mined it"
    );
    assert_eq!(w.sero(&c.process.url), "7");

    // A few blocks on, all four still agree (tip and so state root).
    let later = status(rt, &b.process).height + 3;
    wait_height(rt, &d.process, later);
    let block = agree_at(rt, &all, later);
    let roots: Vec<[u8; 32]> = all
        .iter()
        .map(|n| block_at(rt, n, later).unwrap().header.state_root)
        .collect();
    assert!(roots.iter().all(|r| *r == block.header.state_root));
    let out = run_bounded(
        {
            let mut cmd = superzk();
            cmd.args(["node", "status", "--node", &a.process.url]);
            cmd
        },
        net.root(),
        Duration::from_secs(30),
    );
    // `node status` lists A's peers (B and D dialled it or were dialled)
    // by id, each with the address of its connection.
    let report = text(&out);
    assert!(report.contains("peers: 2"), "{report}");
    for peer in [&b, &d] {
        let line = report
            .lines()
            .find(|l| l.trim_start().starts_with(peer.id()))
            .unwrap_or_else(|| panic!("{} not listed: {report}", peer.id()));
        assert!(line.contains(" at /ip4/127.0.0.1/tcp/"), "{line}");
    }
}

/// The account a block's coinbase pays.
fn coinbase_account(block: &Block) -> [u8; 32] {
    match &block.txs[0] {
        superzk_chain_core::tx::ChainTx::Coinbase(c) => c.miner,
        other => panic!("the first transaction is not a coinbase: {other:?}"),
    }
}

/// The miner account of a node mining to its data directory's key.
fn miner_of(data: &Path) -> [u8; 32] {
    let key = superzk_node::config::node_miner_key(data).unwrap();
    key.id()
}

#[test]
fn a_partition_heals_onto_the_branch_with_the_most_work() {
    let net = Net::new();
    let rt = &net.rt;
    // Group one mines fast, group two slowly: group one's branch has more
    // work when they meet.
    let n1 = net.tcp("n1", &["--mine", "--block-interval-ms", "500"], &[]);
    let n2 = net.tcp("n2", &[], &[&n1.addr]);
    let n3 = net.tcp("n3", &["--mine", "--block-interval-ms", "1000"], &[]);
    let n4 = net.tcp("n4", &[], &[&n3.addr]);
    let w = wallet(net.root(), "w", &n4.process.url);
    // Mined on group two's branch only.
    let mined = w.faucet(&n4.process.url, "5");
    let lost = agree_at(rt, &[&n3.process, &n4.process], mined);
    let s1 = status(rt, &n1.process);
    let s3 = status(rt, &n3.process);
    assert_ne!(s1.tip, s3.tip, "the groups are apart");
    wait_height(rt, &n1.process, s3.height + 3);

    // Heal: N4 restarts with a peer in group one.
    let n4_data = n4.data.clone();
    n4.process.crash();
    let n4 = start(&n4_data, &[], &[&n3.addr, &n1.addr]);
    let all = [&n1.process, &n2.process, &n3.process, &n4.process];
    let h = status(rt, &n1.process).height;
    let winner = agree_at(rt, &all, h);
    assert_ne!(
        block_at(rt, &n3.process, mined).map(|b| b.hash()),
        Some(lost.hash()),
        "N3 left its branch"
    );
    // The losing branch's transaction came back to N3's mempool and was
    // mined again on the winning branch: a wallet syncing from N2 (which
    // never saw group two's branch) sees it.
    let _ = winner;
    let s3 = status(rt, &n3.process);
    eprintln!(
        "after the heal: N3 at height {} with {} pending; the faucet's block was {mined}",
        s3.height, s3.mempool_transactions
    );
    wait_for(
        COMMAND_LIMIT,
        "the returned transaction mined again",
        || (w.sero(&n2.process.url) == "5").then_some(()),
    );
}

/// Mines `blocks` empty devnet blocks into the store in `data` (the node
/// library, no process), ten seconds apart from genesis time: the devnet's
/// target spacing, so the difficulty stays low (a producer mining many
/// blocks a second would raise it at each retarget).
fn premine(data: &Path, blocks: u64) {
    let config = superzk_node::config::NodeConfig {
        data_dir: Some(data.to_path_buf()),
        ..Default::default()
    };
    let node = superzk_node::daemon::open_node(&config).unwrap();
    let miner = superzk_node::network::devnet_key("miner").id();
    let t0 = node.tip().unwrap().time;
    let h0 = node.tip().unwrap().height;
    for i in 1..=blocks {
        node.mine_block(miner, t0 + 10 * i).unwrap();
    }
    assert_eq!(node.tip().unwrap().height, h0 + blocks);
}

#[test]
fn a_fresh_node_and_a_restarted_node_catch_up() {
    let net = Net::new();
    let rt = &net.rt;
    // An hour of devnet blocks (one every ten seconds) before anyone else
    // joins.
    premine(&net.path("m"), 360);
    let m = net.tcp("m", &["--mine", "--block-interval-ms", "300"], &[]);
    let r = net.tcp("r", &[], &[&m.addr]);
    let h = status(rt, &m.process).height;
    assert!(h >= 360);
    agree_at(rt, &[&m.process, &r.process], h);

    // Killed, and started again some blocks later.
    let r_data = r.data.clone();
    r.process.crash();
    let down = status(rt, &m.process).height;
    wait_height(rt, &m.process, down + 10);
    let r = start(&r_data, &[], &[&m.addr]);
    let h = status(rt, &m.process).height;
    agree_at(rt, &[&m.process, &r.process], h);
}

/// The hostile peer: gossipsub and the sync protocol, answering sync
/// requests with whatever it is told to.
#[derive(NetworkBehaviour)]
struct Hostile {
    gossipsub: gossipsub::Behaviour,
    sync: request_response::Behaviour<SyncCodec>,
}

fn hostile_swarm() -> Swarm<Hostile> {
    let key = identity::Keypair::generate_ed25519();
    libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default(),
            libp2p::noise::Config::new,
            libp2p::yamux::Config::default,
        )
        .unwrap()
        .with_behaviour(|key| {
            let config = gossipsub::ConfigBuilder::default()
                .max_transmit_size(8 << 20)
                .heartbeat_interval(Duration::from_millis(200))
                .build()
                .unwrap();
            Hostile {
                gossipsub: gossipsub::Behaviour::new(
                    MessageAuthenticity::Signed(key.clone()),
                    config,
                )
                .unwrap(),
                sync: request_response::Behaviour::new(
                    [(protocol::SYNC_PROTOCOL, ProtocolSupport::Full)],
                    request_response::Config::default(),
                ),
            }
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build()
}

/// What the hostile peer does once connected.
enum Attack {
    /// Publish these bytes on this topic.
    Gossip(IdentTopic, Vec<u8>),
    /// Claim the most work and answer header requests with headers that
    /// break proof of work.
    FakeFork,
    /// Publish all these messages on this topic at once: each well formed,
    /// together far over the rate a peer may send.
    GossipFlood(IdentTopic, Vec<Vec<u8>>),
    /// Send sync requests as fast as they are answered, a few at a time
    /// (the node serves a bounded number of streams at once).
    RequestFlood,
    /// Claim the most work and serve this chain (blocks by height from
    /// genesis): the honest blocks, then an invalid one.
    Fork(Vec<Block>),
}

/// Sync requests the request flood keeps in flight.
const FLOOD_IN_FLIGHT: usize = 16;

/// Connects a fresh hostile identity to `target`, attacks, and returns
/// whether the target closed the connection and then refused a redial.
async fn attack(target: &str, chain_id: [u8; 32], tip: &Block, how: Attack) -> bool {
    let mut swarm = hostile_swarm();
    let target: Multiaddr = target.parse().unwrap();
    let target_id = target
        .iter()
        .find_map(|p| match p {
            libp2p::multiaddr::Protocol::P2p(id) => Some(id),
            _ => None,
        })
        .unwrap();
    for kind in Kind::ALL {
        swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(&kind.topic(&chain_id))
            .unwrap();
    }
    swarm.dial(target.clone()).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut sent = false;
    let mut closed = false;
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let flood_requests = matches!(how, Attack::RequestFlood);
    while tokio::time::Instant::now() < deadline {
        tokio::select! {
            event = swarm.select_next_some() => match event {
                SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. }
                    if peer_id == target_id => {
                    closed = true;
                    break;
                }
                SwarmEvent::ConnectionEstablished { peer_id, .. }
                    if peer_id == target_id && flood_requests => {
                    for _ in 0..FLOOD_IN_FLIGHT {
                        swarm.behaviour_mut().sync.send_request(&target_id, Request::Status);
                    }
                }
                SwarmEvent::Behaviour(HostileEvent::Sync(
                    request_response::Event::Message {
                        message: request_response::Message::Response { .. },
                        ..
                    }
                    | request_response::Event::OutboundFailure { .. },
                )) if flood_requests => {
                    swarm.behaviour_mut().sync.send_request(&target_id, Request::Status);
                }
                SwarmEvent::Behaviour(HostileEvent::Sync(request_response::Event::Message {
                    message: request_response::Message::Request { request, channel, .. },
                    ..
                })) => {
                    let answer = fake_answer(&how, &request, chain_id, tip);
                    let _ = swarm.behaviour_mut().sync.send_response(channel, answer);
                }
                _ => {}
            },
            _ = tick.tick() => {
                let messages = match &how {
                    Attack::Gossip(topic, data) => Some((topic, std::slice::from_ref(data))),
                    Attack::GossipFlood(topic, all) => Some((topic, all.as_slice())),
                    _ => None,
                };
                if let (Some((topic, messages)), false) = (messages, sent) {
                    let subscribed = swarm
                        .behaviour()
                        .gossipsub
                        .all_peers()
                        .any(|(p, ts)| *p == target_id && ts.contains(&&topic.hash()));
                    if subscribed {
                        for m in messages {
                            sent |= swarm
                                .behaviour_mut()
                                .gossipsub
                                .publish(topic.clone(), m.clone())
                                .is_ok();
                        }
                    }
                }
            }
        }
    }
    if !closed {
        return false;
    }
    // Banned: a new connection is closed at once (or refused).
    swarm.dial(target).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        let event = tokio::select! {
            e = swarm.select_next_some() => e,
            _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
        };
        match event {
            SwarmEvent::ConnectionClosed { peer_id, .. } if peer_id == target_id => return true,
            SwarmEvent::OutgoingConnectionError { .. } => return true,
            _ => {}
        }
    }
    false
}

/// The seed of the demo parameters (the proving keys of the verifying
/// keys built into devnet nodes).
const DEMO_PARAMS_SEED: &[u8] = b"SuperZK insecure demo parameters v1";

/// Shields `coins` of Alice's public SERO into a stranger's note
/// (Alice's nonce `nonce`): a real transaction with a real proof, its
/// randomness drawn from `seed`; `tamper`, if given, changes the proven
/// transaction before it is signed.
fn shield(
    keys: &ProvingKeys,
    chain_id: [u8; 32],
    nonce: u64,
    coins: u64,
    seed: [u8; 32],
    tamper: Option<&dyn Fn(&mut superzk_verifier::transaction::Transaction)>,
) -> ChainTx {
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
    let alice = superzk_node::network::devnet_key("alice");
    let to = SpendingKey::from_seed(b"p2p tests stranger", 0)
        .full_viewing_key()
        .incoming_viewing_key()
        .address(0);
    let mut b = TransactionBuilder::new();
    b.set_public_account(alice.id()).set_chain_id(chain_id);
    b.add_public_input(AssetId::native(), coins * COIN);
    b.add_output(None, to, AssetInfo::native(), coins * COIN, [0; MEMO_LEN]);
    let mut rng = ChaCha20Rng::from_seed(seed);
    let stx = match tamper {
        None => b.build(keys, &mut rng),
        Some(t) => b.build_tampered(keys, &mut rng, t),
    }
    .expect("a shielding builds");
    signed(
        ChainTx::Shielded(Box::new(ShieldedTx {
            tx: stx,
            public: Some(Authorization::unsigned()),
        })),
        &alice,
        nonce,
        &chain_id,
    )
}

/// Two blocks on `honest`'s tip (the chain from genesis, as the honest
/// nodes have it), each with valid proof of work and a header true to its
/// contents, whose shielding carries the proof of another statement
/// (another shielding's) and signatures made after that swap: only the
/// proof is wrong. The shielding is built twice from the same randomness,
/// once valid (a node of this process, fed the honest chain in `dir`,
/// makes the block template from it: the state root is right) and once
/// with the foreign proof, which replaces it in the block.
fn blocks_with_a_foreign_proof(dir: &Path, honest: &[Block]) -> (Block, Block) {
    let config = superzk_node::config::NodeConfig {
        data_dir: Some(dir.to_path_buf()),
        ..Default::default()
    };
    let forger = superzk_node::daemon::open_node(&config).unwrap();
    for b in &honest[1..] {
        forger.submit_block(b.clone()).unwrap();
    }
    assert_eq!(forger.tip().unwrap(), honest.last().unwrap().header);
    let keys = ProvingKeys::insecure_from_cache(
        &ParameterCache::new(params_dir()),
        DEMO_PARAMS_SEED,
        |_| {},
    )
    .unwrap();
    let chain_id = forger.chain_id().unwrap();
    let alice = superzk_node::network::devnet_key("alice");
    let nonce = forger.chain().nonce(&alice.id()).unwrap();
    let other = shield(&keys, chain_id, nonce, 2, [2; 32], None);
    let ChainTx::Shielded(foreign) = &other else {
        unreachable!()
    };
    let foreign_proof = foreign.tx.outputs[0].proof.clone();
    let valid = shield(&keys, chain_id, nonce, 1, [1; 32], None);
    let swapped = |t: &mut superzk_verifier::transaction::Transaction| {
        t.outputs[0].proof = foreign_proof.clone();
    };
    let tampered = shield(&keys, chain_id, nonce, 1, [1; 32], Some(&swapped));
    forger.submit_transaction(valid.clone()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let miner = superzk_node::network::devnet_key("miner").id();
    let mut block = forger.block_template(miner, now).unwrap();
    let tx = block
        .txs
        .iter_mut()
        .find(|t| t.id() == valid.id())
        .expect("the template takes the shielding");
    // The same notes and commitments; another proof and signatures.
    let (ChainTx::Shielded(a), ChainTx::Shielded(b)) = (&*tx, &tampered) else {
        unreachable!()
    };
    assert_eq!(a.tx.outputs[0].cm, b.tx.outputs[0].cm);
    assert_ne!(a.tx.outputs[0].proof, b.tx.outputs[0].proof);
    *tx = tampered.clone();
    block.header.tx_root = tx_root(&block.txs);
    let mut second = block.clone();
    mine(&mut block.header);
    // Another nonce: the same contents under another hash.
    second.header.nonce = block.header.nonce.wrapping_add(1 << 40);
    mine(&mut second.header);
    assert_ne!(block.hash(), second.hash());
    (block, second)
}

/// `n` distinct, well-formed votes of tickets that are not drawn (each
/// only ignored by the node: only their number is wrong).
fn undrawn_votes(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut ticket = [0x5a; 32];
            ticket[..8].copy_from_slice(&(i as u64).to_le_bytes());
            protocol::encode_vote(&protocol::VoteMessage {
                ticket,
                message: [1; 32],
                signature: superzk_keys::signature::Signature::from_bytes(&[2; 64]),
                late: false,
            })
        })
        .collect()
}

fn fake_answer(how: &Attack, request: &Request, chain_id: [u8; 32], tip: &Block) -> Response {
    let from = |chain: &[Block], start: u64, count: u32| -> Vec<Block> {
        chain
            .iter()
            .skip(start as usize)
            .take(count as usize)
            .cloned()
            .collect()
    };
    match (how, request) {
        (Attack::Fork(chain), Request::Status) => {
            let last = chain.last().unwrap();
            Response::Status(Status {
                chain_id,
                height: last.header.height,
                tip: last.hash(),
                work: u128::MAX / 2,
            })
        }
        (Attack::Fork(chain), Request::Headers { start, count }) => Response::Headers(
            from(chain, *start, *count)
                .into_iter()
                .map(|b| b.header)
                .collect(),
        ),
        (Attack::Fork(chain), Request::Blocks { start, count }) => {
            Response::Blocks(from(chain, *start, *count))
        }
        (Attack::FakeFork, Request::Status) => Response::Status(Status {
            chain_id,
            height: tip.header.height + 1_000,
            tip: [7; 32],
            work: u128::MAX / 2,
        }),
        (Attack::FakeFork, Request::Headers { start, .. }) => {
            // Linked headers whose hashes miss their stated difficulty.
            let mut h = tip.header.clone();
            h.height = *start;
            h.difficulty = u64::MAX;
            Response::Headers(vec![h])
        }
        _ => Response::Refused("no".into()),
    }
}

#[test]
fn a_hostile_peer_is_banned_and_honest_nodes_keep_their_chain() {
    let net = Net::new();
    let rt = &net.rt;
    let miner = net.tcp("miner", &["--mine", "--block-interval-ms", "300"], &[]);
    let relay = net.tcp("relay", &[], &[&miner.addr]);
    let watcher = net.tcp("watcher", &[], &[&relay.addr]);
    wait_height(rt, &miner.process, 4);
    // The miner stops, so the attacks meet a tip that stays put.
    let miner_data = miner.data.clone();
    miner.process.crash();
    let honest = [&relay.process, &watcher.process];
    let tip = agree_at(rt, &honest, settled_height(rt, &honest));
    let s = status(rt, &relay.process);
    let chain_id: [u8; 32] = s.chain_id.as_slice().try_into().unwrap();

    // An invalid block with valid proof of work: the tip's successor with
    // a wrong state root.
    let mut bad = tip.clone();
    bad.header.height += 1;
    bad.header.parent = tip.hash();
    bad.header.time += 1;
    bad.header.state_root = [0xab; 32];
    mine(&mut bad.header);
    let honest_chain: Vec<Block> = (0..=tip.header.height)
        .map(|h| block_at(rt, &relay.process, h).unwrap())
        .collect();
    let (forged, forged_again) = blocks_with_a_foreign_proof(&net.path("forger"), &honest_chain);
    let mut fork = honest_chain;
    fork.push(forged_again);
    let attacks = [
        (
            "garbage",
            Attack::Gossip(Kind::Blocks.topic(&chain_id), vec![1, 2, 3, 4, 5]),
        ),
        (
            "an invalid block",
            Attack::Gossip(Kind::Blocks.topic(&chain_id), protocol::encode_block(&bad)),
        ),
        (
            "an oversized transaction",
            Attack::Gossip(
                Kind::Transactions.topic(&chain_id),
                vec![protocol::WIRE_VERSION; protocol::MAX_TX_MESSAGE + 10],
            ),
        ),
        ("a fork without proof of work", Attack::FakeFork),
        (
            "a block whose shielded proof is of another statement",
            Attack::Gossip(
                Kind::Blocks.topic(&chain_id),
                protocol::encode_block(&forged),
            ),
        ),
        (
            "a fork ending in a block with a foreign proof",
            Attack::Fork(fork),
        ),
        (
            "a flood of votes",
            Attack::GossipFlood(Kind::Votes.topic(&chain_id), undrawn_votes(3_000)),
        ),
        ("a flood of sync requests", Attack::RequestFlood),
    ];
    for (what, how) in attacks {
        let banned = rt.block_on(attack(&relay.addr, chain_id, &tip, how));
        assert!(banned, "{what}: the relay bans the hostile peer");
    }
    let log = relay.process.log_text();
    let bans: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("banned a peer"))
        .collect();
    for reason in ["gossip flood", "sync request flood"] {
        assert!(
            bans.iter().any(|l| l.contains(reason)),
            "banned for a {reason}: {log}"
        );
    }
    // The foreign proof, gossiped and synced: refused by the proof rule.
    for how in ["gossiped block", "synced block"] {
        assert!(
            bans.iter()
                .any(|l| l.contains(how) && l.contains("rule shielded-proofs")),
            "{how} with a foreign proof: {log}"
        );
    }
    // The honest nodes still run, on the same tip, still peered (the
    // relay forwarded nothing the watcher would punish it for).
    for n in honest {
        let st = status(rt, n);
        assert_eq!(st.tip, tip.hash().to_vec(), "the tip stayed");
        assert_eq!(st.peers, 1);
        assert!(block_at(rt, n, bad.header.height).is_none());
    }
    assert!(relay.process.log_text().contains("banned a peer"));
    assert!(!watcher.process.log_text().contains("banned a peer"));

    // The miner comes back (on a new port: it dials the relay) and
    // everyone follows it again.
    let miner = start(
        &miner_data,
        &["--mine", "--block-interval-ms", "300"],
        &[&relay.addr],
    );
    let all = [&miner.process, &relay.process, &watcher.process];
    agree_at(rt, &all, tip.header.height + 3);
}

/// A port free now on loopback (for a metrics endpoint).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The sum of the metric lines starting with `name` on a Prometheus
/// endpoint.
fn scrape(port: u16, name: &str) -> f64 {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return 0.0;
    };
    let _ = s.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n");
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    body.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Polls until `node` reaches `height`; returns the seconds it took from
/// `since`.
fn sync_time(rt: &tokio::runtime::Runtime, node: &NodeProcess, height: u64, since: Instant) -> f64 {
    wait_for(Duration::from_secs(1_800), "the sync", || {
        (status(rt, node).height >= height).then_some(())
    });
    since.elapsed().as_secs_f64()
}

/// The measurements of benches/RESULTS.md "Peer-to-peer". Run by hand:
/// `SUPERZK_P2P_BLOCKS=10000 cargo test --release -p superzk-cli --test p2p
/// -- --ignored --nocapture measure`; `SUPERZK_P2P_TRANSPORT=quic` syncs
/// over QUIC instead of TCP.
#[test]
#[ignore = "a measurement, run by hand (benches/RESULTS.md \"Peer-to-peer\")"]
fn measure_sync_propagation_and_bytes() {
    let blocks: u64 = std::env::var("SUPERZK_P2P_BLOCKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let transport = std::env::var("SUPERZK_P2P_TRANSPORT").unwrap_or_else(|_| "tcp".into());
    let listen = match transport.as_str() {
        "tcp" => TCP,
        "quic" => QUIC,
        other => panic!("SUPERZK_P2P_TRANSPORT={other}: tcp or quic"),
    };
    let net = Net::new();
    let rt = &net.rt;
    let t = Instant::now();
    premine(&net.path("s1"), blocks);
    println!(
        "premined {blocks} blocks in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for s in ["s2", "s3"] {
        let dir = net.path(s);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(net.path("s1/chain.redb"), dir.join("chain.redb")).unwrap();
    }
    let sources: Vec<Peer> = ["s1", "s2", "s3"]
        .iter()
        .map(|s| net.node(s, &[listen], &[], &[]))
        .collect();
    for (name, peers) in [("one peer", 1), ("three peers", 3)] {
        let addrs: Vec<&str> = sources[..peers].iter().map(|p| p.addr.as_str()).collect();
        let t = Instant::now();
        let fresh = net.node(&format!("fresh{peers}"), &[listen], &[], &addrs);
        let secs = sync_time(rt, &fresh.process, blocks, t);
        let got = block_at(rt, &fresh.process, blocks).unwrap();
        let want = block_at(rt, &sources[0].process, blocks).unwrap();
        assert_eq!(got.hash(), want.hash());
        println!(
            "sync from {name} over {transport}: {blocks} blocks in {secs:.1} s = {:.0} blocks/s \
             (from the start of the process)",
            blocks as f64 / secs
        );
    }
    drop(sources);

    // Propagation across four nodes in a line (M - A - B - C), and the
    // bytes each node's gossip carried per block.
    let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
    let metrics = |i: usize| format!("127.0.0.1:{}", ports[i]);
    let m_metrics = metrics(0);
    let m = net.tcp(
        "pm",
        &[
            "--mine",
            "--block-interval-ms",
            "1000",
            "--metrics",
            &m_metrics,
        ],
        &[],
    );
    let mut line = vec![m];
    for i in 1..4 {
        let prev = line[i - 1].addr.clone();
        let mm = metrics(i);
        line.push(net.tcp(&format!("p{i}"), &["--metrics", &mm], &[&prev]));
    }
    let start_h = status(rt, &line[0].process).height + 2;
    wait_height(rt, &line[3].process, start_h);
    let before: Vec<f64> = (0..4)
        .map(|i| {
            scrape(ports[i], "superzk_gossip_received_bytes_total")
                + scrape(ports[i], "superzk_gossip_published_bytes_total")
        })
        .collect();
    let rounds = 20u64;
    let mut seen: std::collections::HashMap<(usize, u64), Instant> = Default::default();
    let end_h = start_h + rounds;
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        for (i, p) in line.iter().enumerate() {
            let h = status(rt, &p.process).height;
            if h > start_h && h <= end_h {
                seen.entry((i, h)).or_insert_with(Instant::now);
            }
        }
        if (1..4).all(|i| seen.contains_key(&(i, end_h))) {
            break;
        }
    }
    let mut delays: Vec<f64> = vec![];
    for h in start_h + 1..=end_h {
        let Some(t0) = seen.get(&(0, h)) else {
            continue;
        };
        if let Some(last) = (1..4).filter_map(|i| seen.get(&(i, h))).max() {
            if (1..4).all(|i| seen.contains_key(&(i, h))) {
                delays.push(last.saturating_duration_since(*t0).as_secs_f64() * 1e3);
            }
        }
    }
    delays.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let after: Vec<f64> = (0..4)
        .map(|i| {
            scrape(ports[i], "superzk_gossip_received_bytes_total")
                + scrape(ports[i], "superzk_gossip_published_bytes_total")
        })
        .collect();
    let sizes: Vec<usize> = (start_h + 1..=end_h)
        .filter_map(|h| block_at(rt, &line[0].process, h))
        .map(|b| protocol::encode_block(&b).len())
        .collect();
    println!(
        "propagation over 3 hops, {} blocks: median {:.0} ms, max {:.0} ms (polling every node's \
         status in turn)",
        delays.len(),
        delays.get(delays.len() / 2).copied().unwrap_or(f64::NAN),
        delays.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "block message: {:.0} bytes on average; gossip payload bytes per block per node: {:?}",
        sizes.iter().sum::<usize>() as f64 / sizes.len().max(1) as f64,
        (0..4)
            .map(|i| ((after[i] - before[i]) / rounds as f64).round())
            .collect::<Vec<_>>()
    );
}

#[test]
fn peer_settings_come_from_the_config_file_and_bad_ones_are_refused() {
    let net = Net::new();
    let rt = &net.rt;
    let first = net.node("first", &[TCP, QUIC], &[], &[]);
    // `p2p_listen` (both transports) and `peers` (a QUIC address) from a
    // config file.
    let config = net.path("node.toml");
    std::fs::write(
        &config,
        format!(
            "p2p_listen = [\"{TCP}\", \"{QUIC}\"]\npeers = [\"{}\"]\n",
            first.on("/quic-v1/")
        ),
    )
    .unwrap();
    let data = net.path("second");
    std::fs::create_dir_all(&data).unwrap();
    let second = NodeProcess::start(&data, &["--config", config.to_str().unwrap()]);
    wait_for(CONVERGE, "the peers connect", || {
        (status(rt, &second).peers == 1 && status(rt, &first.process).peers == 1).then_some(())
    });
    let addrs = std::fs::read_to_string(data.join("p2p.addr")).unwrap();
    let lines: Vec<&str> = addrs.lines().collect();
    assert_eq!(lines.len(), 2, "{addrs}");
    assert!(lines[0].starts_with("/ip4/127.0.0.1/tcp/"), "{addrs}");
    assert!(lines[1].starts_with("/ip4/127.0.0.1/udp/"), "{addrs}");
    assert!(lines[1].contains("/quic-v1/p2p/"), "{addrs}");

    // Not a multiaddr: refused before anything starts.
    let said = net.refused("bad", &["--peer", "127.0.0.1:9"]);
    assert!(said.contains("not a multiaddr"), "{said}");
    // A multiaddr neither transport listens on (UDP without QUIC): refused,
    // naming the forms that work.
    let said = net.refused("bad", &["--p2p-listen", "/ip4/127.0.0.1/udp/0"]);
    assert!(said.contains("/ip4/IP/udp/PORT/quic-v1"), "{said}");
}

/// A port taken by another node (libp2p listens on TCP with SO_REUSEPORT,
/// so the kernel would let a second node share it) or by any other
/// program makes `node run` fail with a message that names the address:
/// a TCP port, and a UDP port for QUIC.
#[test]
fn a_taken_p2p_port_makes_the_node_fail() {
    let net = Net::new();
    let first = net.node("first", &[TCP, QUIC], &[], &[]);
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let cases = [
        ("another node's TCP port", "tcp", first.port("/tcp/"), ""),
        (
            "another node's QUIC port",
            "udp",
            first.port("/udp/"),
            "/quic-v1",
        ),
        (
            "another program's TCP port",
            "tcp",
            tcp.local_addr().unwrap().port(),
            "",
        ),
        (
            "another program's UDP port",
            "udp",
            udp.local_addr().unwrap().port(),
            "/quic-v1",
        ),
    ];
    for (what, proto, port, tail) in cases {
        let listen = format!("/ip4/127.0.0.1/{proto}/{port}{tail}");
        let said = net.refused("second", &["--p2p-listen", &listen]);
        assert!(said.contains(&listen), "{what}: {said}");
        assert!(
            said.contains(&format!("{} port {port}", proto.to_uppercase())),
            "{what}: {said}"
        );
        assert!(
            said.contains("choose another --p2p-listen port"),
            "{what}: {said}"
        );
    }
    // The first node still runs and answers.
    assert_eq!(status(&net.rt, &first.process).peers, 0);
}

/// Submits a purchase of `count` tickets signed by devnet:alice (her
/// vote key) to `via`; returns it.
fn buy_tickets(rt: &tokio::runtime::Runtime, via: &NodeProcess, count: u32) -> ChainTx {
    let alice = superzk_node::network::devnet_key("alice");
    rt.block_on(async {
        let (mut light, mut chain) = via.connect().await;
        let s = chain
            .get_status(proto::StatusRequest {})
            .await
            .unwrap()
            .into_inner();
        let chain_id: [u8; 32] = s.chain_id.as_slice().try_into().unwrap();
        let nonce = chain
            .get_account(proto::AccountRequest {
                account: alice.id().to_vec(),
            })
            .await
            .unwrap()
            .into_inner()
            .nonce;
        let purchase = ChainTx::BuyTickets(TicketPurchase {
            count,
            max_price: 10 * COIN,
            vote_key: alice.id(),
            node: None,
            auth: Authorization::unsigned(),
        });
        let tx = signed(purchase, &alice, nonce, &chain_id);
        light
            .send_transaction(proto::RawTransaction { tx: tx.to_bytes() })
            .await
            .unwrap();
        tx
    })
}

/// Waits until `node` has `tx` mined; returns the height.
fn mined_at(rt: &tokio::runtime::Runtime, node: &NodeProcess, tx: &ChainTx) -> u64 {
    wait_for(CONVERGE, "the transaction mined", || {
        rt.block_on(async {
            let (mut light, _) = node.connect().await;
            let st = light
                .get_transaction_status(proto::TxId {
                    txid: tx.id().to_vec(),
                })
                .await
                .ok()?
                .into_inner();
            (st.state == proto::transaction_status::State::Mined as i32).then_some(st.height)
        })
    })
}

/// A miner that also signs Alice's votes (so tickets bought by
/// [`relay_a_transaction`] never hold up its chain).
const MINE_AND_VOTE: &[&str] = &[
    "--mine",
    "--block-interval-ms",
    "400",
    "--vote-key",
    "devnet:alice",
];

/// Submits a one-ticket purchase to `via` and waits until `miner` has
/// mined it: `via` does not mine, so the transaction crossed the network.
/// The miner must sign Alice's votes (`--vote-key devnet:alice`), so the
/// chain goes on once her ticket is drawn.
fn relay_a_transaction(rt: &tokio::runtime::Runtime, via: &NodeProcess, miner: &NodeProcess) {
    let tx = buy_tickets(rt, via, 1);
    mined_at(rt, miner, &tx);
}

/// The remote addresses in a node's "peer connected" log lines.
fn connected_over(node: &NodeProcess) -> Vec<String> {
    node.log_text()
        .lines()
        .filter(|l| l.contains("peer connected"))
        // The address is the one word holding `/ip4/` (field names may
        // come wrapped in terminal colour codes).
        .filter_map(|l| {
            l.split_whitespace()
                .find_map(|w| w.find("/ip4/").map(|i| &w[i..]))
        })
        .map(str::to_string)
        .collect()
}

/// Two nodes that listen on QUIC only: the miner's blocks reach the
/// other, and a transaction submitted to the other is mined by the miner;
/// every connection either made is QUIC.
#[test]
fn two_nodes_over_quic_only_relay_blocks_and_a_transaction() {
    let net = Net::new();
    let rt = &net.rt;
    let miner = net.node("miner", &[QUIC], MINE_AND_VOTE, &[]);
    let other = net.node("other", &[QUIC], &[], &[&miner.addr]);
    let both = [&miner.process, &other.process];
    wait_height(rt, &miner.process, 3);
    agree_at(rt, &both, 3);
    relay_a_transaction(rt, &other.process, &miner.process);
    let h = status(rt, &miner.process).height;
    agree_at(rt, &both, h);
    for n in both {
        let over = connected_over(n);
        assert!(!over.is_empty(), "{}", n.log_text());
        assert!(
            over.iter()
                .all(|a| a.contains("/udp/") && a.contains("/quic-v1")),
            "{over:?}"
        );
    }
}

/// A node on TCP only, one on QUIC only, and one on both between them:
/// blocks mined on the TCP side reach the QUIC side through the node on
/// both, a transaction crosses the other way, and all three keep one tip.
#[test]
fn a_mixed_tcp_and_quic_network_reaches_one_tip() {
    let net = Net::new();
    let rt = &net.rt;
    let tcp_only = net.node("tcp", &[TCP], MINE_AND_VOTE, &[]);
    let bridge = net.node("both", &[TCP, QUIC], &[], &[&tcp_only.addr]);
    let quic_only = net.node("quic", &[QUIC], &[], &[bridge.on("/quic-v1/")]);
    let all = [&tcp_only.process, &bridge.process, &quic_only.process];
    wait_height(rt, &tcp_only.process, 3);
    agree_at(rt, &all, 3);
    relay_a_transaction(rt, &quic_only.process, &tcp_only.process);
    let h = status(rt, &tcp_only.process).height;
    let tip = agree_at(rt, &all, h);
    for n in all {
        assert_eq!(
            block_at(rt, n, h).unwrap().header.state_root,
            tip.header.state_root
        );
    }
    // The QUIC-only node reached the rest over QUIC; the TCP-only one over
    // TCP; the node on both used each.
    for (node, kind) in [
        (&quic_only.process, "/quic-v1"),
        (&tcp_only.process, "/tcp/"),
    ] {
        let over = connected_over(node);
        assert!(!over.is_empty(), "{}", node.log_text());
        assert!(over.iter().all(|a| a.contains(kind)), "{over:?}");
    }
    let bridged = connected_over(&bridge.process);
    assert!(bridged.iter().any(|a| a.contains("/tcp/")), "{bridged:?}");
    assert!(
        bridged.iter().any(|a| a.contains("/quic-v1")),
        "{bridged:?}"
    );
    // GetStatus lists the bridge's two peers by id, each on its transport.
    let listed = status(rt, &bridge.process).connected_peers;
    let on = |peer: &Peer| {
        listed
            .iter()
            .find(|p| p.id == peer.id())
            .map(|p| p.address.clone())
            .unwrap_or_else(|| panic!("{} not in {listed:?}", peer.id()))
    };
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(on(&tcp_only).contains("/tcp/"), "{listed:?}");
    assert!(on(&quic_only).contains("/quic-v1"), "{listed:?}");
}

/// Random UDP datagrams on a node's QUIC port, some shaped like QUIC
/// long-header packets (Initial, version 1): the node does not crash, and
/// a peer still connects over QUIC afterwards and syncs its blocks.
#[test]
fn garbage_on_the_quic_port_does_not_crash_the_node() {
    use rand_core::RngCore;
    let net = Net::new();
    let rt = &net.rt;
    let node = net.node(
        "node",
        &[QUIC],
        &["--mine", "--block-interval-ms", "400"],
        &[],
    );
    let target = ("127.0.0.1", node.port("/udp/"));
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut rng = OsRng;
    for i in 0..3_000u32 {
        let mut datagram = vec![0u8; 1 + (rng.next_u32() % 1_400) as usize];
        rng.fill_bytes(&mut datagram);
        if i % 2 == 0 && datagram.len() > 5 {
            // A long header claiming QUIC version 1, the rest random.
            datagram[0] = 0xc0 | (datagram[0] & 0x0f);
            datagram[1..5].copy_from_slice(&1u32.to_be_bytes());
        }
        // A full socket buffer only drops datagrams: not a failure here.
        let _ = socket.send_to(&datagram, target);
    }
    let h = status(rt, &node.process).height;
    let peer = net.node("peer", &[QUIC], &[], &[&node.addr]);
    wait_height(rt, &node.process, h + 2);
    agree_at(rt, &[&node.process, &peer.process], h + 2);
    assert_eq!(status(rt, &node.process).peers, 1);
    let log = node.process.log_text();
    assert!(!log.contains("panicked"), "{log}");
}

/// `tx` authorised by `key` with `nonce` for the chain `chain_id`.
fn signed(mut tx: ChainTx, key: &AccountKey, nonce: u64, chain_id: &[u8; 32]) -> ChainTx {
    tx.authorize(key, nonce, chain_id, &mut OsRng);
    tx
}

/// Votes reach the miner wherever it runs: the miner holds no vote key;
/// Alice's tickets vote through another node holding her key, which
/// hears of each round by the miner's announcement. Once her tickets are
/// mature no block can be mined without her votes, and the blocks carry
/// them.
#[test]
fn votes_signed_on_another_node_reach_the_miner() {
    let net = Net::new();
    let rt = &net.rt;
    let miner = net.tcp("miner", &["--mine", "--block-interval-ms", "300"], &[]);
    let voter = net.tcp("voter", &["--vote-key", "devnet:alice"], &[&miner.addr]);
    wait_for(CONVERGE, "the voter connects", || {
        (status(rt, &miner.process).peers == 1).then_some(())
    });
    let alice = superzk_node::network::devnet_key("alice");
    let purchase = buy_tickets(rt, &miner.process, 5);
    let bought = mined_at(rt, &miner.process, &purchase);
    let tickets: Vec<[u8; 32]> = rt.block_on(async {
        let (_, mut chain) = miner.process.connect().await;
        chain
            .get_tickets(proto::TicketsRequest {
                owner: alice.id().to_vec(),
                limit: 0,
            })
            .await
            .unwrap()
            .into_inner()
            .tickets
            .into_iter()
            .map(|t| t.id.as_slice().try_into().unwrap())
            .collect()
    });
    assert_eq!(tickets.len(), 5);
    // The first block whose draw needs votes: the miner can only have
    // mined it with the voter's.
    let voted = wait_for(CONVERGE, "a voted block", || {
        let tip = status(rt, &miner.process).height;
        ((bought + 1)..=tip)
            .filter_map(|h| block_at(rt, &miner.process, h))
            .find(|b| !b.votes.is_empty())
    });
    for v in &voted.votes {
        assert!(
            tickets.contains(&v.ticket),
            "a vote of one of Alice's tickets"
        );
    }
    // The voter signed them: the miner holds no key to sign with.
    let log = voter.process.log_text();
    assert!(!log.contains("banned a peer"), "{log}");
    assert!(!miner.process.log_text().contains("banned a peer"));
}
