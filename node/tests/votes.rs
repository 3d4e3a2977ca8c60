//! Votes submitted from outside (ticket holders on other machines): only a
//! drawn ticket's vote over exactly the round's message, signed by its vote
//! key, is taken; the block the node then builds carries it. Through the
//! `Node` API and once over gRPC. A round announced by a miner without
//! vote keys is voted on by another node holding them.

use std::sync::Arc;

use rand_core::OsRng;
use superzk_chain_core::{
    account::AccountKey,
    params::COIN,
    tx::{Authorization, ChainTx, TicketPurchase},
};
use superzk_node::{
    error::NodeError,
    network::{devnet_key, Network},
    node::{Announced, Node, NodeEvent, NodeOptions},
    proto::VoteSubmission,
    rpc::{connect, serve, RpcConfig},
    votes::{RoundAnnouncement, MAX_ANNOUNCEMENTS_PER_ANNOUNCER},
};
use tonic::Code;

const MINER: [u8; 32] = [7; 32];

/// A devnet node holding no vote key: every vote comes from outside.
fn open_node(dir: &std::path::Path) -> Arc<Node> {
    let (options, genesis) = NodeOptions::for_network(Network::Devnet, dir.to_path_buf()).unwrap();
    Node::open(options, genesis).unwrap()
}

fn buy(node: &Node, key: &AccountKey, count: u32) {
    let mut tx = ChainTx::BuyTickets(TicketPurchase {
        count,
        max_price: 10 * COIN,
        vote_key: key.id(),
        node: None,
        auth: Authorization::unsigned(),
    });
    let nonce = node.chain().nonce(&key.id()).unwrap();
    tx.authorize(key, nonce, &node.chain_id().unwrap(), &mut OsRng);
    node.submit_transaction(tx).unwrap();
}

fn mine(node: &Node) -> superzk_chain_core::block::Block {
    let h = node.tip().unwrap().height + 1;
    node.mine_block(MINER, 1_700_000_000 + 10 * h).unwrap().0
}

fn refused(r: Result<(), NodeError>, why: &str) {
    match r {
        Err(NodeError::Vote(_)) => {}
        other => panic!("{why}: refused as a vote error, got {other:?}"),
    }
}

#[test]
fn only_drawn_tickets_voting_for_this_block_count() {
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(dir.path());
    let alice = devnet_key("alice");
    buy(&node, &alice, 8);
    mine(&node);
    mine(&node);
    // The tickets are mature: the next block needs votes.
    let round = node.begin_round(MINER).unwrap();
    let (current, ballots, required) = node.current_draw().unwrap();
    assert!(required >= 1, "a mature pool of 8 needs votes");
    assert_eq!(current.unwrap().body_root, round.body_root);
    let drawn: Vec<_> = ballots.iter().filter(|b| !b.request.late).collect();
    assert_eq!(drawn.len(), 3);
    // Without votes the node does not produce a block the rules refuse.
    assert!(node.mine_block(MINER, 1_700_000_100).is_err());

    let first = drawn[0];
    let sign = |msg: &[u8; 32]| alice.sign(msg, &mut OsRng);
    let undrawn = node
        .tickets()
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| drawn.iter().all(|b| b.request.ticket != *id))
        .expect("a ticket not drawn");
    refused(
        node.submit_vote(undrawn, first.message, sign(&first.message), false),
        "an undrawn ticket",
    );
    let other_block = [9u8; 32];
    refused(
        node.submit_vote(first.request.ticket, other_block, sign(&other_block), false),
        "a vote for another block",
    );
    let operator = devnet_key("staking-node operator");
    refused(
        node.submit_vote(
            first.request.ticket,
            first.message,
            operator.sign(&first.message, &mut OsRng),
            false,
        ),
        "a signature by another key",
    );
    refused(
        node.submit_vote(
            first.request.ticket,
            first.message,
            sign(&first.message),
            true,
        ),
        "an on-time ballot submitted as late",
    );
    for b in &drawn {
        node.submit_vote(b.request.ticket, b.message, sign(&b.message), false)
            .unwrap();
    }
    let block = mine(&node);
    assert_eq!(
        block.votes.len(),
        3,
        "the block carries the submitted votes"
    );
    assert_eq!(node.tip().unwrap(), block.header);
}

/// The same refusals arrive over gRPC as FailedPrecondition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vote_for_another_block_is_refused_over_grpc() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let node = tokio::task::spawn_blocking(move || {
        let node = open_node(&d);
        buy(&node, &devnet_key("alice"), 8);
        for _ in 0..2 {
            mine(&node);
        }
        node.begin_round(MINER).unwrap();
        node
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(node.clone(), listener, RpcConfig::default(), async {
        let _ = stopped.await;
    }));
    let (_, mut chain) = connect(&url).await.unwrap();
    let draw = chain
        .get_current_draw(superzk_node::proto::DrawRequest {})
        .await
        .unwrap()
        .into_inner();
    let ballot = draw
        .tickets
        .iter()
        .find(|t| !t.late)
        .expect("a drawn ticket");
    let wrong = [9u8; 32];
    let vote = VoteSubmission {
        ticket: ballot.ticket.clone(),
        signature: devnet_key("alice")
            .sign(&wrong, &mut OsRng)
            .to_bytes()
            .to_vec(),
        late: false,
        message: wrong.to_vec(),
    };
    let e = chain.submit_vote(vote).await.expect_err("refused");
    assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
    let message: [u8; 32] = ballot.message.clone().try_into().unwrap();
    let vote = VoteSubmission {
        ticket: ballot.ticket.clone(),
        signature: devnet_key("alice")
            .sign(&message, &mut OsRng)
            .to_bytes()
            .to_vec(),
        late: false,
        message: message.to_vec(),
    };
    chain
        .submit_vote(vote)
        .await
        .expect("the right vote is taken");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// A node opened with `vote_keys`.
fn open_voter(dir: &std::path::Path, vote_keys: Vec<AccountKey>) -> Arc<Node> {
    let (options, genesis) = NodeOptions::for_network(Network::Devnet, dir.to_path_buf()).unwrap();
    Node::open(
        NodeOptions {
            vote_keys,
            ..options
        },
        genesis,
    )
    .unwrap()
}

/// The events of `rx` so far.
fn drain(rx: &mut tokio::sync::broadcast::Receiver<NodeEvent>) -> Vec<NodeEvent> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// A miner holding no vote key announces its round; a second node holding
/// Alice's key signs the drawn tickets' votes for it; the miner takes them
/// and its block carries them. Stale, unknown, malformed and repeated
/// announcements are told apart.
#[test]
fn a_round_announced_by_one_node_is_voted_on_by_another() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let miner = open_node(d1.path());
    let alice = devnet_key("alice");
    let voter = open_voter(d2.path(), vec![alice.clone()]);
    buy(&miner, &alice, 8);
    let mut blocks = vec![];
    for _ in 0..2 {
        blocks.push(mine(&miner));
    }
    for b in &blocks {
        voter.submit_block(b.clone()).unwrap();
    }
    assert_eq!(voter.tip().unwrap(), miner.tip().unwrap());
    assert!(
        miner.mine_block(MINER, 1_700_000_100).is_err(),
        "needs votes"
    );

    let mut miner_events = miner.subscribe();
    miner.announce_round(MINER).unwrap();
    let announcement = drain(&mut miner_events)
        .into_iter()
        .find_map(|e| match e {
            NodeEvent::Round(a) => Some(a),
            _ => None,
        })
        .expect("the round is announced");
    assert_eq!(announcement.height, miner.tip().unwrap().height + 1);
    assert_eq!(announcement.seq, 0);

    let mut voter_events = voter.subscribe();
    let signed = voter.vote_on_round(&announcement, b"miner").unwrap();
    let votes: Vec<_> = drain(&mut voter_events)
        .into_iter()
        .filter_map(|e| match e {
            NodeEvent::Vote {
                ticket,
                message,
                signature,
                late,
            } => Some((ticket, message, signature, late)),
            _ => None,
        })
        .collect();
    assert_eq!(signed, Announced::Voted(votes.len()));
    assert!(votes.len() >= 3, "the three drawn tickets vote");
    for (ticket, message, signature, late) in votes {
        assert!(miner.relay_vote(ticket, message, signature, late).unwrap());
    }
    let alices: Vec<[u8; 32]> = miner
        .tickets()
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let block = mine(&miner);
    assert_eq!(block.votes.len(), 3, "the voter's votes are in the block");
    assert!(block.votes.iter().all(|v| alices.contains(&v.ticket)));

    // The voter has not seen the new block: the announcement of the next
    // round is on a parent unknown to it; the old one is now stale there.
    voter.submit_block(block.clone()).unwrap();
    assert_eq!(
        voter.vote_on_round(&announcement, b"miner").unwrap(),
        Announced::Stale
    );
    let unknown = RoundAnnouncement {
        parent: [0xee; 32],
        ..announcement.clone()
    };
    assert_eq!(
        voter.vote_on_round(&unknown, b"miner").unwrap(),
        Announced::UnknownParent
    );
    let wrong_height = RoundAnnouncement {
        parent: block.hash(),
        height: block.header.height + 2,
        ..announcement.clone()
    };
    assert!(matches!(
        voter.vote_on_round(&wrong_height, b"miner"),
        Err(NodeError::Invalid(_))
    ));
    // One announcer gets a few announcements per parent voted on, then no
    // more; another announcer still gets its own.
    let next = RoundAnnouncement {
        parent: block.hash(),
        height: block.header.height + 1,
        ..announcement
    };
    for seq in 0..MAX_ANNOUNCEMENTS_PER_ANNOUNCER {
        let again = RoundAnnouncement {
            seq,
            ..next.clone()
        };
        assert!(matches!(
            voter.vote_on_round(&again, b"spammer").unwrap(),
            Announced::Voted(_)
        ));
    }
    assert_eq!(
        voter.vote_on_round(&next, b"spammer").unwrap(),
        Announced::Capped
    );
    assert!(matches!(
        voter.vote_on_round(&next, b"another").unwrap(),
        Announced::Voted(_)
    ));
}
