//! Coin conservation over randomized devnet chains: ticket purchases with
//! and without StakingNodes, node registrations and withdrawals, votes left
//! out and carried late (or not), empty blocks through settlements, and
//! refused blocks in between. After every block the supply audit balances
//! (accounts + pending + pledges + ticket stakes + shielded pool + burned ==
//! genesis + issued); a refused block changes nothing.

mod common;

use std::collections::BTreeSet;

use common::{coinbase, reseal, Net};
use proptest::prelude::*;
use superzk_chain_core::{
    account::AccountKey,
    block::Vote,
    chain::SupplyAudit,
    params::COIN,
    tx::Authorization,
    tx::{ChainTx, NodeRegistration, NodeWithdrawal, TicketPurchase},
};
use superzk_circuits::note::AssetId;

/// What one account does in a block.
#[derive(Clone, Copy, Debug)]
enum Act {
    Nothing,
    Buy { count: u32, other_votes: bool },
    BuyForNode { count: u32, pick: usize },
    Register,
    Withdraw { pick: usize },
}

/// A refused block tried before the step's block.
#[derive(Clone, Copy, Debug)]
enum Bad {
    None,
    UnknownNode,
    GreedyCoinbase,
    FakeLateVote,
}

#[derive(Clone, Debug)]
struct Step {
    alice: Act,
    operator: Act,
    /// Bit i: the i-th drawn ticket's on-time vote is left out (as far as
    /// the required votes allow).
    skip: u8,
    /// Bit i: the i-th late vote request is carried.
    late: u8,
    bad: Bad,
    /// Empty blocks after the step.
    empty: u8,
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        3 => Just(Act::Nothing),
        3 => (1u32..6, any::<bool>()).prop_map(|(count, other_votes)| Act::Buy { count, other_votes }),
        3 => (1u32..6, 0usize..8).prop_map(|(count, pick)| Act::BuyForNode { count, pick }),
        1 => Just(Act::Register),
        1 => (0usize..8).prop_map(|pick| Act::Withdraw { pick }),
    ]
}

fn bad() -> impl Strategy<Value = Bad> {
    prop_oneof![
        6 => Just(Bad::None),
        1 => Just(Bad::UnknownNode),
        1 => Just(Bad::GreedyCoinbase),
        1 => Just(Bad::FakeLateVote),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (act(), act(), any::<u8>(), any::<u8>(), bad(), 0u8..3).prop_map(
        |(alice, operator, skip, late, bad, empty)| Step {
            alice,
            operator,
            skip,
            late,
            bad,
            empty,
        },
    )
}

const MAX_BLOCKS: u64 = 40;

/// What a run went through, to show the history exercised the rules.
#[derive(Debug, Default)]
struct Stats {
    blocks: u64,
    refused: u64,
    votes_left_out: u64,
    late_votes: u64,
    nodes_registered: u64,
    nodes_left: u64,
    settlements: u64,
}

fn audit(net: &Net) -> SupplyAudit {
    net.chain.supply_audit().unwrap()
}

fn check(net: &Net, what: &str) -> SupplyAudit {
    let a = audit(net);
    assert!(
        a.is_conserved(),
        "{what} at height {:?}: {a:?}",
        net.chain.height().unwrap()
    );
    a
}

/// Applies `b`, which must be refused, and checks nothing moved.
fn refused(net: &mut Net, b: &superzk_chain_core::block::Block, stats: &mut Stats) {
    stats.refused += 1;
    let before = audit(net);
    let dump = net.chain.state_dump().unwrap();
    net.refuse(b);
    assert_eq!(audit(net), before);
    assert_eq!(net.chain.state_dump().unwrap(), dump);
}

fn try_bad(net: &mut Net, bad: Bad, stats: &mut Stats) {
    match bad {
        Bad::None => {}
        Bad::UnknownNode => {
            let alice = net.alice.clone();
            let tx = net.signed(
                ChainTx::BuyTickets(TicketPurchase {
                    count: 1,
                    max_price: 10 * COIN,
                    vote_key: alice.id(),
                    node: Some([7; 32]),
                    auth: Authorization::unsigned(),
                }),
                &alice,
            );
            let b = net.forge(vec![tx]);
            refused(net, &b, stats);
        }
        Bad::GreedyCoinbase => {
            let mut b = net.block(vec![], 0);
            if let ChainTx::Coinbase(c) = &mut b.txs[0] {
                c.miner_amount += 1;
            }
            reseal(&mut b);
            refused(net, &b, stats);
        }
        Bad::FakeLateVote => {
            let mut b = net.block(vec![], 0);
            let signature = b
                .votes
                .first()
                .map(|v| v.signature)
                .unwrap_or_else(|| superzk_keys::signature::Signature::from_bytes(&[0; 64]));
            b.late_votes.push(Vote {
                ticket: [9; 32],
                signature,
            });
            reseal(&mut b);
            refused(net, &b, stats);
        }
    }
}

/// The transaction `key` makes for `act`, if it can make it now; nodes in
/// `leaving` are being withdrawn in this block and may not be named.
fn tx_for(
    net: &mut Net,
    key: &AccountKey,
    other: &AccountKey,
    act: Act,
    leaving: &BTreeSet<[u8; 32]>,
) -> Option<ChainTx> {
    let open: Vec<[u8; 32]> = net
        .chain
        .nodes()
        .unwrap()
        .into_iter()
        .filter(|(id, n)| !n.closing && !leaving.contains(id))
        .map(|x| x.0)
        .collect();
    let tx = match act {
        Act::Nothing => return None,
        Act::Buy { count, other_votes } => ChainTx::BuyTickets(TicketPurchase {
            count,
            max_price: 10 * COIN,
            vote_key: if other_votes { other.id() } else { key.id() },
            node: None,
            auth: Authorization::unsigned(),
        }),
        Act::BuyForNode { count, pick } => ChainTx::BuyTickets(TicketPurchase {
            count,
            max_price: 10 * COIN,
            vote_key: key.id(),
            node: Some(*open.get(pick % open.len().max(1))?),
            auth: Authorization::unsigned(),
        }),
        Act::Register => {
            let balance = net.chain.balance(&key.id(), &AssetId::native()).unwrap();
            if balance < net.chain.params().staking_pledge + 1_000 * COIN {
                return None;
            }
            ChainTx::RegisterNode(NodeRegistration {
                vote_key: key.id(),
                auth: Authorization::unsigned(),
            })
        }
        Act::Withdraw { .. } => unreachable!("withdrawals are made first"),
    };
    Some(net.signed(tx, key))
}

fn withdrawal(net: &mut Net, key: &AccountKey, pick: usize) -> Option<(ChainTx, [u8; 32])> {
    let mine: Vec<[u8; 32]> = net
        .chain
        .nodes()
        .unwrap()
        .into_iter()
        .filter(|(_, n)| !n.closing && n.owner == key.id())
        .map(|x| x.0)
        .collect();
    let node = *mine.get(pick % mine.len().max(1))?;
    let tx = net.signed(
        ChainTx::WithdrawNode(NodeWithdrawal {
            node,
            auth: Authorization::unsigned(),
        }),
        key,
    );
    Some((tx, node))
}

/// Mines and applies one block with `txs` under the step's vote choices.
fn step_block(net: &mut Net, txs: Vec<ChainTx>, skip: u8, late: u8, stats: &mut Stats) {
    let before = check(net, "before the block");
    let nodes_before = net.chain.nodes().unwrap().len() as u64;
    let registering = txs
        .iter()
        .filter(|t| matches!(t, ChainTx::RegisterNode(_)))
        .count() as u64;
    stats.nodes_registered += registering;
    let (drawn, required) = net.chain.next_draw().unwrap();
    let mut left_out = BTreeSet::new();
    for (i, d) in drawn.iter().enumerate() {
        if skip & (1 << i) != 0 && drawn.len() - left_out.len() > required {
            left_out.insert(d.ticket);
        }
    }
    let mut late_index = 0;
    let b = net.block_with(txs, |r| {
        if r.late {
            late_index += 1;
            late & (1 << ((late_index - 1) % 8)) != 0
        } else {
            !left_out.contains(&r.ticket)
        }
    });
    assert_eq!(b.votes.len(), drawn.len() - left_out.len());
    net.apply(&b).unwrap();
    let after = check(net, "after the block");
    stats.blocks += 1;
    stats.votes_left_out += left_out.len() as u64;
    stats.late_votes += b.late_votes.len() as u64;
    stats.nodes_left += nodes_before + registering - net.chain.nodes().unwrap().len() as u64;
    let late_paid: u64 = coinbase(&b)
        .late_voter_rewards
        .iter()
        .chain(&coinbase(&b).late_node_rewards)
        .map(|x| x.1)
        .sum();
    assert_eq!(
        after.issued - before.issued,
        u128::from(net.chain.params().block_reward(b.header.height)) + u128::from(late_paid)
    );
    assert!(after.burned >= before.burned);
    if b.header.height % net.chain.params().settlement_interval == 0 {
        assert_eq!(after.pending, 0, "a settlement pays everything due");
        stats.settlements += 1;
    }
}

fn run(steps: &[Step]) -> Stats {
    let mut stats = Stats::default();
    let mut net = Net::new();
    check(&net, "genesis");
    let (alice, operator) = (net.alice.clone(), net.operator.clone());
    for s in steps {
        if net.chain.height().unwrap().unwrap() >= MAX_BLOCKS {
            break;
        }
        try_bad(&mut net, s.bad, &mut stats);
        let mut txs = vec![];
        let mut leaving = BTreeSet::new();
        let mut withdrawals = vec![];
        for (key, act) in [(&alice, s.alice), (&operator, s.operator)] {
            if let Act::Withdraw { pick } = act {
                if let Some((tx, node)) = withdrawal(&mut net, key, pick) {
                    leaving.insert(node);
                    withdrawals.push(tx);
                }
            }
        }
        for (key, other, act) in [
            (&alice, &operator, s.alice),
            (&operator, &alice, s.operator),
        ] {
            if !matches!(act, Act::Withdraw { .. }) {
                txs.extend(tx_for(&mut net, key, other, act, &leaving));
            }
        }
        txs.extend(withdrawals);
        step_block(&mut net, txs, s.skip, s.late, &mut stats);
        for _ in 0..s.empty {
            step_block(&mut net, vec![], s.skip, s.late, &mut stats);
        }
    }
    // Through the next settlement: everything due is paid and the audit
    // still balances.
    while net.chain.height().unwrap().unwrap() % net.chain.params().settlement_interval != 0 {
        step_block(&mut net, vec![], 0, 0xff, &mut stats);
    }
    assert_eq!(audit(&net).pending, 0);
    stats
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 12,
        max_shrink_iters: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn coins_are_conserved_on_random_chains(steps in prop::collection::vec(step(), 8..30)) {
        let stats = run(&steps);
        prop_assert!(stats.blocks >= 8);
    }
}

#[test]
fn a_fixed_busy_history_conserves_coins() {
    // The same driver on a hand-written history: nodes, named tickets,
    // missed and late votes, a withdrawal, refused blocks.
    let reg = Act::Register;
    let mut steps = vec![];
    for (alice, operator) in [
        (reg, reg),
        (
            Act::Buy {
                count: 5,
                other_votes: false,
            },
            Act::BuyForNode { count: 5, pick: 0 },
        ),
        (
            Act::BuyForNode { count: 5, pick: 1 },
            Act::Buy {
                count: 5,
                other_votes: true,
            },
        ),
        (Act::Nothing, Act::Nothing),
        (
            Act::Withdraw { pick: 0 },
            Act::BuyForNode { count: 2, pick: 0 },
        ),
        (Act::Nothing, Act::Withdraw { pick: 0 }),
    ] {
        steps.push(Step {
            alice,
            operator,
            skip: 0b101,
            late: 0b01,
            bad: Bad::FakeLateVote,
            empty: 2,
        });
    }
    let stats = run(&steps);
    assert!(stats.refused >= 6, "{stats:?}");
    assert!(stats.votes_left_out > 0, "{stats:?}");
    assert!(stats.late_votes > 0, "{stats:?}");
    assert_eq!(stats.nodes_registered, 2, "{stats:?}");
    // Alice's node leaves; the operator's still has tickets in the pool.
    assert_eq!(stats.nodes_left, 1, "{stats:?}");
    assert!(stats.settlements >= 3, "{stats:?}");
}
