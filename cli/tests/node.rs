//! The node daemon end to end, as real processes on loopback: `superzk
//! node run` mines and serves gRPC; transactions sent over the API are
//! mined, a stale nonce is refused, compact blocks chain up; SIGTERM stops
//! it cleanly and a restart resumes the same chain; SIGKILL at random
//! moments never loses a block the API acknowledged, and the chain still
//! re-validates from genesis; and `superzk node story` tells the whole
//! devnet story against a mining node.
//!
//! Every wait has a deadline, and every process started is killed when
//! its guard drops (a failing test leaves nothing running).

#![cfg(unix)]

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use rand_core::{OsRng, RngCore};
use superzk_chain_core::{
    account::AccountKey,
    block::Block,
    params::COIN,
    tx::{Authorization, ChainTx, NodeRegistration, TicketPurchase},
    validate::node_id,
};
use superzk_node::{
    network::devnet_key,
    proto::{self, block_request::At, transaction_status::State},
};

mod common;
use common::*;

/// `superzk node status` against `url`: its height, once its lines are
/// all there.
fn status_height(url: &str, scratch: &Path) -> u64 {
    let mut cmd = superzk();
    cmd.args(["node", "status", "--node", url]);
    let out = run_bounded(cmd, scratch, Duration::from_secs(20));
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    let line = |prefix: &str| {
        report
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in {report}"))
            .to_string()
    };
    let tip = line("tip: ");
    assert!(
        tip.len() == 64 && tip.bytes().all(|b| b.is_ascii_hexdigit()),
        "{report}"
    );
    assert!(line("mempool: ").ends_with("bytes"), "{report}");
    assert!(line("next draw: ").contains("votes required"), "{report}");
    line("height: ").parse().expect("a height")
}

/// `tx` authorised by `key` with `nonce` for the chain `chain_id`.
fn signed(mut tx: ChainTx, key: &AccountKey, nonce: u64, chain_id: &[u8; 32]) -> ChainTx {
    tx.authorize(key, nonce, chain_id, &mut OsRng);
    tx
}

fn purchase(alice: &AccountKey, count: u32) -> ChainTx {
    ChainTx::BuyTickets(TicketPurchase {
        count,
        max_price: 10 * COIN,
        vote_key: alice.id(),
        node: None,
        auth: Authorization::unsigned(),
    })
}

async fn chain_status(chain: &mut ChainApi) -> proto::NodeStatus {
    chain
        .get_status(proto::StatusRequest {})
        .await
        .unwrap()
        .into_inner()
}

async fn nonce(chain: &mut ChainApi, key: &AccountKey) -> u64 {
    let request = proto::AccountRequest {
        account: key.id().to_vec(),
    };
    chain.get_account(request).await.unwrap().into_inner().nonce
}

async fn block_at(light: &mut Light, height: u64) -> Block {
    let request = proto::BlockRequest {
        at: Some(At::Height(height)),
    };
    let raw = light.get_block(request).await.unwrap().into_inner().block;
    Block::from_bytes(&raw).expect("a canonical block")
}

/// Sends `tx`, checks the id the node answers, and waits (bounded) until
/// it is mined; returns the height of its block.
async fn send_and_mine(light: &mut Light, tx: &ChainTx) -> u64 {
    let sent = light
        .send_transaction(proto::RawTransaction { tx: tx.to_bytes() })
        .await
        .unwrap_or_else(|s| panic!("the node refused a valid transaction: {s:?}"))
        .into_inner();
    assert_eq!(sent.txid, tx.id());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let request = proto::TxId {
            txid: tx.id().to_vec(),
        };
        let status = light
            .get_transaction_status(request)
            .await
            .unwrap()
            .into_inner();
        if status.state() == State::Mined {
            return status.height;
        }
        assert!(tokio::time::Instant::now() < deadline, "not mined in 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Over the API: the operator registers a StakingNode and Alice buys
/// tickets, both mined; a stale nonce is refused; the compact blocks chain
/// up; once the tickets mature, blocks carry the votes the node signs.
async fn transactions_are_mined(node: &NodeProcess) -> (u64, Vec<u8>, Vec<u8>) {
    let (mut light, mut chain) = node.connect().await;
    let chain_id: [u8; 32] = chain_status(&mut chain).await.chain_id.try_into().unwrap();
    let chain_id_bytes = chain_id.to_vec();
    let (alice, operator) = (devnet_key("alice"), devnet_key("staking-node operator"));
    let registration = ChainTx::RegisterNode(NodeRegistration {
        vote_key: operator.id(),
        auth: Authorization::unsigned(),
    });
    let op_nonce = nonce(&mut chain, &operator).await;
    let registered = send_and_mine(
        &mut light,
        &signed(registration, &operator, op_nonce, &chain_id),
    )
    .await;
    let bought = send_and_mine(
        &mut light,
        &signed(purchase(&alice, 5), &alice, 0, &chain_id),
    )
    .await;
    assert!(registered >= 1 && bought >= registered);
    let block = block_at(&mut light, bought).await;
    assert_eq!(block.header.height, bought);
    assert!(block
        .txs
        .iter()
        .any(|t| matches!(t, ChainTx::BuyTickets(p) if p.count == 5)));
    assert_eq!(nonce(&mut chain, &alice).await, 1);
    staking_state_shows(&mut chain, &node_id(&operator.id(), op_nonce), &alice).await;
    stale_nonce_is_refused(&mut light, &alice, &chain_id).await;

    compact_blocks_chain_up(&mut light, bought).await;
    voted_block_after(&mut light, &mut chain, bought).await;
    let tip = chain_status(&mut chain).await;
    (tip.height, tip.tip, chain_id_bytes)
}

/// `GetNodes` lists the node registered, `GetTickets` Alice's 5 tickets.
async fn staking_state_shows(chain: &mut ChainApi, node: &[u8; 32], alice: &AccountKey) {
    let nodes = chain
        .get_nodes(proto::NodesRequest {})
        .await
        .unwrap()
        .into_inner()
        .nodes;
    assert!(nodes.iter().any(|n| n.id == node));
    let tickets = proto::TicketsRequest {
        owner: alice.id().to_vec(),
        limit: 0,
    };
    let tickets = chain
        .get_tickets(tickets)
        .await
        .unwrap()
        .into_inner()
        .tickets;
    assert_eq!(tickets.len(), 5);
}

/// Nonce 0 is spent: a purchase signed with it again is refused with a
/// status that says why.
async fn stale_nonce_is_refused(light: &mut Light, alice: &AccountKey, chain_id: &[u8; 32]) {
    let stale = signed(purchase(alice, 1), alice, 0, chain_id);
    let refused = light
        .send_transaction(proto::RawTransaction {
            tx: stale.to_bytes(),
        })
        .await
        .expect_err("a stale nonce must be refused");
    // Well formed, but not valid on the current state.
    assert_eq!(
        refused.code(),
        tonic::Code::FailedPrecondition,
        "{refused:?}"
    );
    assert!(
        refused.message().to_lowercase().contains("nonce"),
        "{refused:?}"
    );
}

/// Compact blocks 1..=end come in order, each naming its parent's hash.
async fn compact_blocks_chain_up(light: &mut Light, end: u64) {
    let range = proto::BlockRange { start: 1, end };
    let mut stream = light.get_compact_blocks(range).await.unwrap().into_inner();
    let mut parent = block_at(light, 0).await.hash();
    let mut next = 1;
    while let Some(compact) = stream.message().await.unwrap() {
        assert_eq!(compact.height, next);
        assert_eq!(compact.parent, parent);
        assert_eq!(compact.hash, block_at(light, next).await.hash());
        parent = compact.hash.try_into().unwrap();
        next += 1;
    }
    assert_eq!(next, end + 1, "compact blocks 1..={end}");
}

/// Waits (bounded) for a block after `after` that carries votes: the
/// tickets bought matured, were drawn, and the node signed their votes.
async fn voted_block_after(light: &mut Light, chain: &mut ChainApi, after: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut height = after + 1;
    loop {
        if chain_status(chain).await.height >= height {
            if !block_at(light, height).await.votes.is_empty() {
                return;
            }
            height += 1;
            continue;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no voted block in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn node_mines_serves_the_api_stops_on_sigterm_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = NodeProcess::start(
        &data,
        &[
            "--mine",
            "--block-interval-ms",
            "300",
            "--vote-key",
            "devnet:alice",
            "--vote-key",
            "devnet:staking-node operator",
        ],
    );
    wait_for(Duration::from_secs(30), "height 2", || {
        (status_height(&node.url, dir.path()) >= 2).then_some(())
    });
    let rt = runtime();
    let (height, tip, chain_id) = rt.block_on(transactions_are_mined(&node));
    let log = node.log.clone();
    // Within five seconds, or `terminate` fails the test.
    let status = node.terminate(Duration::from_secs(5));
    let log = std::fs::read_to_string(log).unwrap_or_default();
    assert!(status.success(), "exit {status} after SIGTERM: {log}");
    assert!(log.contains("stopped"), "{log}");

    let again = NodeProcess::start(&data, &[]);
    rt.block_on(async {
        let (mut light, mut chain) = again.connect().await;
        let resumed = chain_status(&mut chain).await;
        assert!(resumed.height >= height, "{} < {height}", resumed.height);
        assert_eq!(resumed.chain_id, chain_id);
        assert!(!resumed.mining);
        assert_eq!(block_at(&mut light, height).await.hash().to_vec(), tip);
    });
    assert!(again.terminate(Duration::from_secs(5)).success());
}

/// The best tip the API reports, polled for `span`: the highest height
/// acknowledged, and its hash.
async fn watch_tip(chain: &mut ChainApi, span: Duration) -> (u64, Vec<u8>) {
    let end = tokio::time::Instant::now() + span;
    let mut best = (0, vec![]);
    while tokio::time::Instant::now() < end {
        let s = chain_status(chain).await;
        if s.height >= best.0 {
            best = (s.height, s.tip);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    best
}

/// SIGKILL at a random moment while mining, six times: each restart opens
/// the store with every block the API had acknowledged (same height at
/// least, same hash at the recorded height), and the chain, exported,
/// re-validates from genesis.
#[test]
fn sigkill_while_mining_loses_no_acknowledged_block() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rt = runtime();
    let started = Instant::now();
    let mut acknowledged: Option<(u64, Vec<u8>)> = None;
    for round in 0..6 {
        let node = NodeProcess::start(&data, &["--mine", "--block-interval-ms", "100"]);
        let span = Duration::from_millis(300 + OsRng.next_u64() % 1_700);
        let seen = rt.block_on(async {
            let (mut light, mut chain) = node.connect().await;
            if let Some((height, hash)) = &acknowledged {
                let s = chain_status(&mut chain).await;
                assert!(
                    s.height >= *height,
                    "round {round}: {} < {height}",
                    s.height
                );
                let kept = block_at(&mut light, *height).await.hash();
                assert_eq!(
                    &kept.to_vec(),
                    hash,
                    "round {round}: block {height} changed"
                );
            }
            watch_tip(&mut chain, span).await
        });
        assert!(seen.0 >= acknowledged.as_ref().map_or(0, |a| a.0));
        acknowledged = Some(seen);
        node.crash();
    }
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
    let (height, _) = acknowledged.unwrap();
    assert!(height >= 3, "only {height} blocks mined in six rounds");

    let blocks = export_and_validate(&data, dir.path());
    assert!(
        blocks > height,
        "{blocks} blocks exported, {height} acknowledged"
    );
}

/// `superzk chain export` of the (stopped) node's store, then `superzk
/// chain validate` of the file, both exiting 0; returns the blocks
/// exported (genesis included).
fn export_and_validate(data: &Path, scratch: &Path) -> u64 {
    let file = scratch.join("chain.szkc");
    let mut export = superzk();
    export
        .args(["chain", "export", "--data-dir"])
        .arg(data)
        .arg(&file);
    let out = run_bounded(export, scratch, Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out));
    let blocks: u64 = text(&out)
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", text(&out)));
    let mut validate = superzk();
    validate.args(["chain", "validate"]).arg(&file);
    let out = run_bounded(validate, scratch, Duration::from_secs(120));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{blocks} blocks valid")),
        "{}",
        text(&out)
    );
    blocks
}

/// Without a node, the story says so and how to start one.
#[test]
fn story_without_a_node_says_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    // A port just released: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut story = superzk();
    story.args(["node", "story", "--node", &url]);
    let out = run_bounded(story, dir.path(), Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "no node at {url}: start one with `superzk node run --mine"
        )),
        "{}",
        text(&out)
    );
}

/// The whole devnet story as a client of a mining node: the StakingNode,
/// two ticket purchases, the eight shielded transactions, with the story's
/// voter signing the drawn tickets' votes; the wallets end with the
/// expected balances; the chain the node built then re-validates from
/// genesis. Costly, 20 to 80 s on two shared cores (by their load): it
/// loads the demo's proving keys (cached in `$SUPERZK_PARAMS_DIR` or
/// target/superzk-params, generated there on first use), proves eight
/// transactions and waits for some fifty to a hundred half-second blocks.
#[test]
fn node_story_runs_to_the_end_against_a_mining_node() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = NodeProcess::start(&data, &["--mine", "--block-interval-ms", "500"]);
    let mut story = superzk();
    story
        .args(["node", "story", "--node", &node.url, "--params-dir"])
        .arg(params_dir());
    let out = run_bounded(story, dir.path(), Duration::from_secs(900));
    let report = text(&out);
    assert!(
        out.status.success(),
        "{report}\nnode log: {}",
        node.log_text()
    );
    assert!(
        report.contains("wallets: alice: 778 SERO, 400 USD   bob: 219 SERO, 100 USD, 1 ticket(s)"),
        "{report}"
    );
    // The StakingNode, two purchases, eight shielded transactions, and the
    // purchases that topped the tickets up on the way.
    let mined: u64 = report
        .split("story: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{report}"));
    assert!(mined >= 11, "{report}");
    let votes = report
        .split("votes: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("{report}"));
    assert!(votes > 0, "no vote accepted: {report}");
    let height = runtime().block_on(async {
        let (_, mut chain) = node.connect().await;
        chain_status(&mut chain).await.height
    });
    assert!(height >= mined, "height {height}");
    assert!(node.terminate(Duration::from_secs(10)).success());
    assert!(export_and_validate(&data, dir.path()) > height);
}

/// Two branches from the devnet genesis, mined by different accounts:
/// `x` of `len` blocks and `y` of `len + 1` (one more block: more work).
fn two_branches(len: u64) -> (Vec<Block>, Vec<Block>) {
    use superzk_chain_core::chain::Chain;
    use superzk_node::network::{builtin_keys, Network, GENESIS_TIME};
    let keys = builtin_keys().unwrap();
    let genesis = Network::Devnet.genesis(&keys).unwrap();
    let branch = |miner: [u8; 32], n: u64| {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(
            &dir.path().join("chain.redb"),
            Network::Devnet.params(),
            keys.clone(),
        )
        .unwrap();
        chain.apply(&genesis, &mut OsRng).unwrap();
        (1..=n)
            .map(|h| {
                let time = GENESIS_TIME + 10 * h;
                let b = chain
                    .produce_block(miner, time, vec![], |_, _| None, &mut OsRng)
                    .unwrap();
                chain.apply(&b, &mut OsRng).unwrap();
                b
            })
            .collect::<Vec<_>>()
    };
    (branch([1; 32], len), branch([2; 32], len + 1))
}

async fn submit(chain: &mut ChainApi, b: &Block) -> i32 {
    chain
        .submit_block(proto::RawBlock {
            block: b.to_bytes(),
        })
        .await
        .unwrap_or_else(|e| panic!("block {}: {e:?}", b.header.height))
        .into_inner()
        .outcome
}

/// SIGKILL of the daemon while it switches to a heavier branch a client
/// submitted: after each restart the tip is the old branch's or the new
/// one's, never a mix (a heavier block stored before the kill makes the
/// node switch when it reopens), and submitting the last block again
/// completes the switch; the chain then re-validates from genesis.
#[test]
fn sigkill_during_a_switch_leaves_the_old_tip_or_the_new_one() {
    let (x, y) = two_branches(60);
    let rt = runtime();
    let (mut old, mut new, mut resumed) = (0, 0, 0);
    for round in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let node = NodeProcess::start(&data, &[]);
        rt.block_on(async {
            let (_, mut chain) = node.connect().await;
            for b in &x {
                submit(&mut chain, b).await;
            }
            for b in &y[..y.len() - 1] {
                let side = proto::submit_block_response::Outcome::SideBranch as i32;
                assert_eq!(submit(&mut chain, b).await, side);
            }
            let last = y.last().unwrap().clone();
            // Its answer never comes: the node is killed meanwhile.
            let in_flight = tokio::spawn(async move {
                let raw = proto::RawBlock {
                    block: last.to_bytes(),
                };
                let _ = chain.submit_block(raw).await;
            });
            tokio::time::sleep(Duration::from_micros(OsRng.next_u64() % 8_000)).await;
            // The kill lands wherever the switch has got to.
            let pid = node.child.id().to_string();
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            in_flight.abort();
        });
        node.crash();
        let node = NodeProcess::start(&data, &[]);
        rt.block_on(async {
            let (_, mut chain) = node.connect().await;
            let s = chain_status(&mut chain).await;
            // The heavier block was stored but the switch not committed:
            // the node switches when it opens.
            if node
                .log_text()
                .contains("switched to a branch with more work")
            {
                resumed += 1;
            }
            if s.tip == x.last().unwrap().hash().to_vec() {
                old += 1;
                submit(&mut chain, y.last().unwrap()).await;
            } else {
                assert_eq!(
                    s.tip,
                    y.last().unwrap().hash().to_vec(),
                    "round {round}: the tip is neither branch's"
                );
                new += 1;
            }
            let s = chain_status(&mut chain).await;
            assert_eq!(s.tip, y.last().unwrap().hash().to_vec(), "round {round}");
        });
        let _ = node.terminate(Duration::from_secs(10));
        assert!(export_and_validate(&data, dir.path()) == y.len() as u64 + 1);
    }
    eprintln!(
        "kills during a switch: {old} left the old tip, {new} the new one \
         ({resumed} of them by a switch the node made when it reopened)"
    );
}
