//! The security review's attacks, performed against the real validation:
//! each builds the block an attacker would send and shows it refused with
//! the rule that stops it (and the state untouched), or shows the honest
//! behaviour the rule protects (late votes paid, nodes able to leave,
//! reward curves, bounded difficulty manipulation).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{busy_net, busy_net_with, coinbase, reseal, rule_of, Net};
use superzk_chain_core::{
    account::{vote_message, AccountKey, VotedBlock},
    block::{body_root, Vote},
    error::Rule,
    params::{ChainParams, COIN},
    pow,
    rewards::late_share,
    tx::Authorization,
    tx::{ChainTx, NodeWithdrawal, ShieldedTx, TicketPurchase},
    validate::node_id,
};
use superzk_circuits::note::AssetId;
use superzk_keys::{params::Fingerprint, signature::Signature};
use superzk_verifier::transaction::Transaction;

fn buy(net: &mut Net, key: &AccountKey, count: u32, node: Option<[u8; 32]>) -> ChainTx {
    net.signed(
        ChainTx::BuyTickets(TicketPurchase {
            count,
            max_price: 10 * COIN,
            vote_key: key.id(),
            node,
            auth: Authorization::unsigned(),
        }),
        key,
    )
}

fn withdraw(net: &mut Net, node: [u8; 32]) -> ChainTx {
    let op = net.operator.clone();
    net.signed(
        ChainTx::WithdrawNode(NodeWithdrawal {
            node,
            auth: Authorization::unsigned(),
        }),
        &op,
    )
}

fn native() -> AssetId {
    AssetId::native()
}

/// The StakingNode `busy_net` registers.
fn the_node(net: &Net) -> [u8; 32] {
    node_id(&net.operator.id(), 0)
}

fn node_record(net: &Net, id: &[u8; 32]) -> Option<superzk_chain_core::records::NodeRecord> {
    net.chain
        .nodes()
        .unwrap()
        .into_iter()
        .find(|(n, _)| n == id)
        .map(|x| x.1)
}

// ---------------------------------------------------------------- item 4

#[test]
fn a_block_dated_u64_max_is_refused_and_the_chain_goes_on() {
    let mut net = Net::new();
    net.mine(vec![]);
    net.mine(vec![]);
    let mut b = net.block(vec![], 0);
    b.header.time = u64::MAX;
    pow::mine(&mut b.header);
    assert_eq!(net.refuse(&b).rule, Rule::Timestamp);
    for _ in 0..3 {
        net.mine(vec![]);
    }
    assert_eq!(net.chain.height().unwrap(), Some(5));
}

#[test]
fn the_future_limit_is_the_nodes_clock_plus_the_drift() {
    let mut net = busy_net();
    let now = net.time + 5;
    net.set_now(now);
    let drift = net.chain.params().max_future_drift;
    let mut far = net.block(vec![], 0);
    far.header.time = now + drift + 1;
    pow::mine(&mut far.header);
    assert_eq!(net.refuse(&far).rule, Rule::Timestamp);
    let at = net.produce(now + drift, vec![], |_| true);
    assert_eq!(at.header.time, now + drift);
    net.apply(&at).unwrap();
    // The chain goes on after it: later blocks are dated after the median
    // time, not after the far block, and stay within the limit.
    let height = net.chain.height().unwrap().unwrap();
    for _ in 0..15 {
        let min = net.chain.next_min_time().unwrap();
        let b = net.block(vec![], 0);
        assert!(b.header.time >= min);
        assert!(b.header.time <= now + drift);
        net.apply(&b).unwrap();
    }
    assert_eq!(net.chain.height().unwrap(), Some(height + 15));
}

#[test]
fn the_time_rule_is_the_median_of_the_last_blocks_not_the_parent() {
    let mut net = Net::new();
    for _ in 0..12 {
        net.mine(vec![]);
    }
    let tip = net.chain.tip().unwrap().unwrap();
    let n = net.chain.params().median_time_blocks as u64;
    let mut times: Vec<u64> = (tip.height + 1 - n..=tip.height)
        .map(|h| net.chain.header(h).unwrap().unwrap().time)
        .collect();
    times.sort_unstable();
    let median = times[times.len() / 2];
    assert!(median < tip.time, "the median lies before the parent");
    assert_eq!(net.chain.next_min_time().unwrap(), median + 1);
    // Dated at the median (later than most of the window): refused.
    let mut b = net.block(vec![], 0);
    b.header.time = median;
    pow::mine(&mut b.header);
    assert_eq!(net.refuse(&b).rule, Rule::Timestamp);
    // One second later, though earlier than its parent: accepted.
    let b = net.produce(median + 1, vec![], |_| true);
    assert_eq!(b.header.time, median + 1);
    assert!(b.header.time < tip.time);
    net.apply(&b).unwrap();
    // A block dated at its parent's time is now at the median: refused.
    let mut c = net.block(vec![], 0);
    c.header.time = median + 1;
    pow::mine(&mut c.header);
    assert_eq!(net.chain.next_min_time().unwrap(), median + 2);
    assert_eq!(net.refuse(&c).rule, Rule::Timestamp);
    net.mine(vec![]);
}

#[test]
fn a_miner_dating_a_retarget_window_ahead_is_bounded_by_the_drift() {
    let params = ChainParams {
        max_future_drift: 60,
        ..ChainParams::devnet()
    };
    let (interval, target, drift) = (
        params.retarget_interval,
        params.target_block_time,
        params.max_future_drift,
    );
    let mut net = Net::with_params(params);
    let genesis_time = net.time;
    // Honest blocks every target_block_time up to the window's last block.
    while net.chain.height().unwrap().unwrap() < interval - 2 {
        net.mine(vec![]);
    }
    let d = net.chain.tip().unwrap().unwrap().difficulty;
    let now = net.time + target; // the honest time of the window's last block
    net.set_now(now);
    let mut far = net.block(vec![], 0);
    assert_eq!(far.header.height, interval - 1);
    far.header.time = now + 100 * drift;
    pow::mine(&mut far.header);
    assert_eq!(net.refuse(&far).rule, Rule::Timestamp);
    let mut late = far.clone();
    late.header.time = now + drift + 1;
    pow::mine(&mut late.header);
    assert_eq!(net.refuse(&late).rule, Rule::Timestamp);
    // At the limit: accepted; the retarget sees the window stretched by
    // at most the drift.
    let at = net.produce(now + drift, vec![], |_| true);
    net.apply(&at).unwrap();
    let tip = net.chain.tip().unwrap().unwrap();
    let next = net.chain.next_difficulty(&tip).unwrap();
    let intended = target * (interval - 1);
    let honest_span = now - genesis_time;
    assert_eq!(
        honest_span, intended,
        "an honest window keeps the difficulty"
    );
    assert_eq!(next, d * intended / (honest_span + drift));
    assert!(
        next > d / 4,
        "the far-future block would have quartered it (the clamp); the drift limit bounds it \
         to {intended}/{}",
        intended + drift
    );
    let b = net.mine(vec![]);
    assert_eq!(b.header.difficulty, next);
}

#[test]
fn header_fields_near_u64_max_are_refused_without_panicking() {
    let mut net = busy_net();
    let good = net.block(vec![], 0);
    type Edit = fn(&mut superzk_chain_core::block::Header);
    let cases: [(Edit, Rule, bool); 8] = [
        (|h| h.height = u64::MAX, Rule::Structure, true),
        (|h| h.height = u64::MAX - 1, Rule::Structure, true),
        (|h| h.time = u64::MAX, Rule::Timestamp, true),
        (|h| h.time = u64::MAX - 1, Rule::Timestamp, true),
        (|h| h.difficulty = u64::MAX, Rule::Difficulty, false),
        (|h| h.difficulty = 0, Rule::Difficulty, false),
        (
            |h| {
                h.height = u64::MAX;
                h.time = u64::MAX;
                h.difficulty = u64::MAX;
                h.nonce = u64::MAX;
            },
            Rule::Structure,
            false,
        ),
        (
            |h| {
                h.time = u64::MAX;
                h.difficulty = u64::MAX;
            },
            Rule::Timestamp,
            false,
        ),
    ];
    for (edit, rule, mine) in cases {
        let mut b = good.clone();
        edit(&mut b.header);
        if mine {
            pow::mine(&mut b.header);
        }
        assert_eq!(net.refuse(&b).rule, rule);
    }
    // The retarget arithmetic saturates.
    let p = net.chain.params().clone();
    for parent_height in [u64::MAX, u64::MAX - 1, p.retarget_interval - 1] {
        for parent_difficulty in [0, 1, u64::MAX] {
            for span in [0, 1, u64::MAX] {
                let d = pow::next_difficulty(&p, parent_height, parent_difficulty, || span);
                assert!(d >= 1 || parent_difficulty == 0);
            }
        }
    }
    assert_eq!(p.block_reward(u64::MAX), 0);
    net.apply(&good).unwrap();
}

#[test]
fn a_header_of_another_version_is_refused_and_the_store_stays_readable() {
    let mut net = busy_net();
    let good = net.block(vec![], 0);
    for version in [0, 1, 3, u32::MAX] {
        let mut b = good.clone();
        b.header.version = version;
        pow::mine(&mut b.header);
        assert_eq!(net.refuse(&b).rule, Rule::Structure, "version {version}");
    }
    // Had it been stored, the tip would no longer decode.
    assert!(net.chain.tip().is_ok());
    net.apply(&good).unwrap();
    assert_eq!(net.chain.tip().unwrap().unwrap(), good.header);
}

// ---------------------------------------------------------------- item 5

#[test]
fn votes_copied_into_another_miners_block_do_not_verify() {
    let mut net = busy_net();
    let a = net.block(vec![], 0);
    assert!(!a.votes.is_empty());
    let thief = AccountKey::from_seed(b"test", "thief");
    let mut stolen = a.clone();
    if let ChainTx::Coinbase(c) = &mut stolen.txs[0] {
        c.miner = thief.id();
    }
    reseal(&mut stolen);
    assert_eq!(net.refuse(&stolen).rule, Rule::Signatures);
    // The thief cannot even compute a state root to mine on.
    let e = net
        .chain
        .state_root_after(&stolen, &mut net.rng)
        .unwrap_err();
    assert_eq!(rule_of(e), Rule::Signatures);
    // Nor may the votes endorse another body from the same miner.
    let alice = net.alice.clone();
    let extra = buy(&mut net, &alice, 1, None);
    let mut padded = a.clone();
    padded.txs.push(extra);
    reseal(&mut padded);
    assert_eq!(net.refuse(&padded).rule, Rule::Signatures);
    net.apply(&a).unwrap();
    assert_eq!(coinbase(&a).miner, net.miner.id());
}

// ---------------------------------------------------------------- item 9

/// A block (10 s after the last) in which `missed` does not vote on time.
fn block_missing(net: &mut Net, missed: [u8; 32]) -> superzk_chain_core::block::Block {
    net.block_with(vec![], |r| r.late || r.ticket != missed)
}

#[test]
fn a_missed_vote_carried_late_earns_two_thirds() {
    let mut net = busy_net();
    // A ticket voting through the StakingNode misses its vote, in a block
    // whose child (carrying the late vote) is not a settlement block.
    let interval = net.chain.params().settlement_interval;
    let (drawn, missed) = loop {
        let (drawn, _) = net.chain.next_draw().unwrap();
        let next = net.chain.height().unwrap().unwrap() + 1;
        match drawn.iter().find(|d| d.via_node.is_some()) {
            Some(d) if (next + 1) % interval != 0 => break (drawn.clone(), d.clone()),
            _ => net.mine(vec![]),
        };
    };
    let p = block_missing(&mut net, missed.ticket);
    assert_eq!(p.votes.len(), drawn.len() - 1);
    net.apply(&p).unwrap();
    let per_voter = coinbase(&p).voter_rewards[0].1;
    let late = net.chain.next_draw_full().unwrap().late;
    assert_eq!(late.len(), 1);
    let (ticket, rec) = &late[0];
    assert_eq!(*ticket, missed.ticket);
    assert_eq!(rec.per_voter, per_voter);
    assert_eq!(rec.node, missed.via_node);

    let alice = net.alice.id();
    let tickets_before: BTreeMap<_, _> = net.chain.tickets().unwrap().into_iter().collect();
    let pending_before = net.chain.pending(&alice).unwrap();
    let audit_before = net.chain.supply_audit().unwrap();
    let node = the_node(&net);
    let node_before = node_record(&net, &node).unwrap().pending_reward;

    let c = net.block(vec![], 0);
    assert_eq!(c.late_votes.len(), 1);
    let cb = coinbase(&c);
    assert_eq!(
        cb.late_voter_rewards,
        vec![(missed.ticket, late_share(per_voter))]
    );
    assert_eq!(late_share(per_voter), per_voter / 3 * 2);
    assert_eq!(late_share(6 * COIN), 4 * COIN);
    assert_eq!(missed.via_node, Some(the_node(&net)));
    assert!(rec.per_node > 0);
    assert_eq!(
        cb.late_node_rewards,
        vec![(the_node(&net), late_share(rec.per_node))]
    );
    let late_node = late_share(rec.per_node);
    net.apply(&c).unwrap();
    assert_ne!(c.header.height % interval, 0);

    // Alice (every ticket's owner) is owed exactly: the stakes of the
    // tickets that left the pool, the on-time shares and the late share.
    let after: BTreeSet<_> = net
        .chain
        .tickets()
        .unwrap()
        .into_iter()
        .map(|x| x.0)
        .collect();
    let stakes: u64 = tickets_before
        .iter()
        .filter(|(t, _)| !after.contains(*t))
        .map(|(_, r)| r.price)
        .sum();
    let on_time: u64 = cb.voter_rewards.iter().map(|x| x.1).sum();
    assert_eq!(
        net.chain.pending(&alice).unwrap(),
        pending_before + stakes + on_time + late_share(per_voter)
    );
    let node_paid: u64 = cb
        .node_rewards
        .iter()
        .filter(|x| x.0 == node)
        .map(|x| x.1)
        .sum();
    assert_eq!(
        node_record(&net, &node).unwrap().pending_reward,
        node_before + node_paid + late_node
    );
    // The late shares are issued again (the parent burned them).
    let audit = net.chain.supply_audit().unwrap();
    assert!(audit.is_conserved());
    assert_eq!(
        audit.issued - audit_before.issued,
        u128::from(net.chain.params().block_reward(c.header.height))
            + u128::from(late_share(per_voter) + late_node)
    );
    // At the settlement the late share is paid out with the rest.
    let balance = net.chain.balance(&alice, &native()).unwrap();
    let owed = net.chain.pending(&alice).unwrap();
    while net.chain.height().unwrap().unwrap() % net.chain.params().settlement_interval != 0 {
        net.mine(vec![]);
    }
    assert_eq!(net.chain.pending(&alice).unwrap(), 0);
    assert!(net.chain.balance(&alice, &native()).unwrap() >= balance + owed);
}

#[test]
fn late_votes_that_break_the_rules_are_refused() {
    let mut net = busy_net();
    net.mine(vec![]);
    let (drawn, _) = net.chain.next_draw().unwrap();
    let missed = drawn[0].ticket;
    let p = block_missing(&mut net, missed);
    net.apply(&p).unwrap();
    let honest = net.block(vec![], 0);
    assert_eq!(honest.late_votes.len(), 1);

    // A late vote by a ticket that voted on time in the parent.
    let mut b = honest.clone();
    b.late_votes.push(p.votes[0].clone());
    reseal(&mut b);
    assert_eq!(net.refuse(&b).rule, Rule::Votes);
    // By a ticket that was never drawn.
    let mut b = honest.clone();
    b.late_votes[0].ticket = [9; 32];
    reseal(&mut b);
    assert_eq!(net.refuse(&b).rule, Rule::Votes);
    // The same late vote twice.
    let mut b = honest.clone();
    let dup = b.late_votes[0].clone();
    b.late_votes.push(dup);
    reseal(&mut b);
    assert_eq!(net.refuse(&b).rule, Rule::Votes);
    // A late vote whose signature is not over the parent's vote message.
    let mut b = honest.clone();
    b.late_votes[0].signature = honest.votes[0].signature;
    reseal(&mut b);
    assert_eq!(net.refuse(&b).rule, Rule::Signatures);
    // A late vote the coinbase does not pay: the rewards rule.
    let mut b = honest.clone();
    if let ChainTx::Coinbase(c) = &mut b.txs[0] {
        c.late_voter_rewards.clear();
        c.late_node_rewards.clear();
    }
    reseal(&mut b);
    assert_eq!(net.refuse(&b).rule, Rule::Rewards);
    net.apply(&honest).unwrap();
}

#[test]
fn a_late_vote_two_blocks_late_is_refused() {
    let mut net = busy_net();
    net.mine(vec![]);
    let (drawn, _) = net.chain.next_draw().unwrap();
    let missed = drawn[0].clone();
    let p = block_missing(&mut net, missed.ticket);
    net.apply(&p).unwrap();
    // The vote message the missed ticket would have signed.
    let body = body_root(&p.txs[1..]);
    let miner = coinbase(&p).miner;
    let msg = vote_message(
        &VotedBlock {
            parent: &p.header.parent,
            height: p.header.height,
            miner: &miner,
            body_root: &body,
        },
        &missed.ticket,
    );
    let late = net.chain.next_draw_full().unwrap().late;
    assert_eq!(late[0].1.message, msg);
    // The next block does not carry it.
    let q = net.block_with(vec![], |r| !r.late);
    assert!(q.late_votes.is_empty());
    net.apply(&q).unwrap();
    assert!(net
        .chain
        .next_draw_full()
        .unwrap()
        .late
        .iter()
        .all(|(t, _)| *t != missed.ticket));
    let key = net.key_of(&missed.signer).unwrap();
    let mut r = net.block(vec![], 0);
    r.late_votes.push(Vote {
        ticket: missed.ticket,
        signature: key.sign(&msg, &mut net.rng),
    });
    reseal(&mut r);
    assert_eq!(net.refuse(&r).rule, Rule::Votes);
}

// ---------------------------------------------------------------- item 6

#[test]
fn a_closing_node_cannot_be_held_by_griefing_tickets_and_leaves() {
    let mut net = busy_net();
    let node = the_node(&net);
    let alice = net.alice.clone();
    let op = net.operator.id();
    let pledge = net.chain.params().staking_pledge;
    // While open, anyone may name it with a cheap ticket.
    let cheap = buy(&mut net, &alice, 1, Some(node));
    net.mine(vec![cheap]);
    let last_ticket = net.chain.height().unwrap().unwrap();
    // Only the owner may withdraw.
    let by_alice = net.signed(
        ChainTx::WithdrawNode(NodeWithdrawal {
            node,
            auth: Authorization::unsigned(),
        }),
        &alice,
    );
    let b = net.forge(vec![by_alice]);
    assert_eq!(net.refuse(&b).rule, Rule::StakingNodes);
    let w = withdraw(&mut net, node);
    net.mine(vec![w]);
    assert!(node_record(&net, &node).unwrap().closing);
    // Withdrawing twice is refused.
    let again = withdraw(&mut net, node);
    let b = net.forge(vec![again]);
    assert_eq!(net.refuse(&b).rule, Rule::StakingNodes);
    let before = net.chain.balance(&op, &native()).unwrap();
    let p = net.chain.params().clone();
    let bound = (last_ticket + p.ticket_maturity + p.ticket_expiry + 1)
        .div_ceil(p.settlement_interval)
        * p.settlement_interval
        + p.settlement_interval;
    let mut refused = 0;
    let mut left_at = None;
    for i in 0..bound {
        if node_record(&net, &node).is_none() {
            left_at = net.chain.height().unwrap();
            break;
        }
        if i % 3 == 0 {
            // The griefer's ticket naming the closing node.
            let grief = buy(&mut net, &alice, 1, Some(node));
            let b = net.forge(vec![grief]);
            assert_eq!(net.refuse(&b).rule, Rule::StakingNodes);
            refused += 1;
        }
        net.mine(vec![]);
    }
    let left_at = left_at.expect("the closing node left");
    assert!(refused >= 3);
    assert!(left_at <= bound, "left at {left_at}, bound {bound}");
    assert_eq!(left_at % p.settlement_interval, 0);
    assert!(net
        .chain
        .tickets()
        .unwrap()
        .iter()
        .all(|(_, t)| t.node != Some(node)));
    assert!(net.chain.balance(&op, &native()).unwrap() >= before + pledge);
    assert!(net.chain.supply_audit().unwrap().is_conserved());
}

/// Params where a block needs one vote of three: a miner may leave two out.
fn one_vote_params() -> ChainParams {
    ChainParams {
        large_pool: 1_000,
        ..ChainParams::devnet()
    }
}

/// Runs blocks up to and including the next settlement. At heights where
/// `omit(height)` holds the miner leaves out the node's on-time votes (as
/// many as the required count allows); `carry_late(height, via_node)` says
/// whether a late vote is carried. `tally` counts (the node's drawn votes,
/// those carried on time). Returns (the node record just before the
/// settlement block, that block, burned before it, the operator's balance
/// before it).
#[allow(clippy::type_complexity)]
fn run_period(
    net: &mut Net,
    node: [u8; 32],
    mut omit: impl FnMut(u64) -> bool,
    carry_late: impl Fn(u64, bool) -> bool,
    tally: &mut (u64, u64),
) -> (
    superzk_chain_core::records::NodeRecord,
    superzk_chain_core::block::Block,
    u64,
    u64,
) {
    let interval = net.chain.params().settlement_interval;
    loop {
        let height = net.chain.height().unwrap().unwrap() + 1;
        let (drawn, required) = net.chain.next_draw().unwrap();
        let mut left_out = BTreeSet::new();
        if omit(height) {
            for d in drawn.iter().filter(|d| d.via_node == Some(node)) {
                if drawn.len() - left_out.len() > required {
                    left_out.insert(d.ticket);
                }
            }
        }
        let node_draws = drawn.iter().filter(|d| d.via_node == Some(node));
        tally.0 += node_draws.clone().count() as u64;
        tally.1 += node_draws.filter(|d| !left_out.contains(&d.ticket)).count() as u64;
        let before = node_record(net, &node).unwrap();
        let burned = net.chain.burned().unwrap();
        let op_balance = net.chain.balance(&net.operator.id(), &native()).unwrap();
        let b = net.block_with(vec![], |r| {
            if r.late {
                carry_late(height, r.via_node == Some(node))
            } else {
                !left_out.contains(&r.ticket)
            }
        });
        net.apply(&b).unwrap();
        if height % interval == 0 {
            return (before, b, burned, op_balance);
        }
    }
}

/// What the settlement block `s` paid the node.
fn node_pay(s: &superzk_chain_core::block::Block, node: [u8; 32]) -> u64 {
    let cb = coinbase(s);
    cb.node_rewards
        .iter()
        .chain(&cb.late_node_rewards)
        .filter(|x| x.0 == node)
        .map(|x| x.1)
        .sum()
}

#[test]
fn omitting_a_nodes_votes_every_other_block_does_not_penalise_it() {
    let mut net = busy_net_with(one_vote_params());
    let node = the_node(&net);
    // Settle the registration period first.
    let mut ignored = (0, 0);
    run_period(&mut net, node, |_| false, |_, _| true, &mut ignored);
    // Settlement heights are even: the miner omits at odd heights only, so
    // every omitted vote is carried late within the period.
    let mut tally = (0, 0);
    let (before, s, burned, op_balance) =
        run_period(&mut net, node, |h| h % 2 == 1, |_, _| true, &mut tally);
    let p = net.chain.params().clone();
    let (expected, on_time) = tally;
    assert!(expected >= p.staking_min_sample);
    assert!(
        on_time * 100 < expected * p.staking_min_vote_rate_pct,
        "the attack would penalise the node if late votes did not count \
         ({on_time} of {expected} on time)"
    );
    assert!(before.votes_expected >= p.staking_min_sample);
    assert_eq!(
        before.votes_cast, before.votes_expected,
        "all cast, late or not"
    );
    let reward = before.pending_reward + node_pay(&s, node);
    assert!(reward > 0);
    assert_eq!(
        net.chain.burned().unwrap() - burned,
        coinbase(&s).burned,
        "no node reward burned"
    );
    assert_eq!(
        net.chain.balance(&net.operator.id(), &native()).unwrap() - op_balance,
        reward,
        "the node's period rewards reach its owner"
    );
    assert!(net.chain.supply_audit().unwrap().is_conserved());
}

#[test]
fn a_node_that_mostly_stops_voting_is_penalised() {
    let mut net = busy_net_with(one_vote_params());
    let node = the_node(&net);
    let mut ignored = (0, 0);
    run_period(&mut net, node, |_| false, |_, _| true, &mut ignored);
    let mut tally = (0, 0);
    let (before, s, burned, op_balance) =
        // The node votes only in every third block, and never late: it
        // still earns something, which the penalty burns.
        run_period(&mut net, node, |h| h % 3 != 0, |_, via_node| !via_node, &mut tally);
    let p = net.chain.params().clone();
    let (expected, cast) = tally;
    assert!(expected >= p.staking_min_sample);
    assert!(cast * 100 < expected * p.staking_min_vote_rate_pct);
    assert!(before.votes_cast < before.votes_expected);
    let forfeited = before.pending_reward + node_pay(&s, node);
    assert!(forfeited > 0);
    assert_eq!(
        net.chain.burned().unwrap() - burned,
        coinbase(&s).burned + forfeited,
        "the period's node rewards are burned"
    );
    assert_eq!(
        net.chain.balance(&net.operator.id(), &native()).unwrap(),
        op_balance
    );
    assert!(net.chain.supply_audit().unwrap().is_conserved());
}

#[test]
fn a_node_withdrawing_as_its_last_ticket_votes_keeps_that_reward() {
    let mut net = Net::new();
    let op = net.operator.clone();
    let alice = net.alice.clone();
    let reg = net.signed(
        ChainTx::RegisterNode(superzk_chain_core::tx::NodeRegistration {
            vote_key: op.id(),
            auth: Authorization::unsigned(),
        }),
        &op,
    );
    net.mine(vec![reg]);
    let node = node_id(&op.id(), 0);
    let start = net.chain.balance(&op.id(), &native()).unwrap();
    let t = buy(&mut net, &alice, 1, Some(node));
    net.mine(vec![t]);
    let t = buy(&mut net, &alice, 2, None);
    net.mine(vec![t]);
    // Run until the node's only ticket is drawn: withdraw in that block.
    let mut paid = 0;
    loop {
        let (drawn, _) = net.chain.next_draw().unwrap();
        if drawn.iter().any(|d| d.via_node == Some(node)) {
            break;
        }
        let b = net.mine(vec![]);
        paid += node_pay(&b, node);
    }
    let w = withdraw(&mut net, node);
    let b = net.mine(vec![w]);
    let last = node_pay(&b, node);
    assert!(last > 0, "the last vote earned a node share");
    assert_eq!(node_record(&net, &node).unwrap().active_tickets, 0);
    paid += last;
    let mut guard = 0;
    while node_record(&net, &node).is_some() {
        let b = net.mine(vec![]);
        paid += node_pay(&b, node);
        guard += 1;
        assert!(guard < 40, "the node never left");
    }
    // Not before its lock: it registered at height 1.
    let p = net.chain.params().clone();
    let left = net.chain.height().unwrap().unwrap();
    let free_at = 1 + p.staking_min_lock.max(p.staking_min_age);
    assert!(left >= free_at);
    assert!(
        left - p.settlement_interval < free_at,
        "the first settlement after it"
    );
    assert_eq!(
        net.chain.balance(&op.id(), &native()).unwrap(),
        start + net.chain.params().staking_pledge + paid,
        "pledge and every node share returned"
    );
    assert!(net.chain.supply_audit().unwrap().is_conserved());
}

// ---------------------------------------------------------------- item 12

#[test]
fn below_full_difficulty_the_miner_is_paid_in_proportion_and_the_rest_burned() {
    let params = ChainParams {
        full_reward_difficulty: 32,
        ..ChainParams::devnet()
    };
    let mut net = busy_net_with(params);
    let burned = net.chain.burned().unwrap();
    let b = net.mine(vec![]);
    assert_eq!(b.header.difficulty, 16);
    let cb = coinbase(&b);
    assert_eq!(cb.miner_amount, 45 * COIN * 16 / 32);
    let voters: u64 = cb.voter_rewards.iter().map(|x| x.1).sum();
    let nodes: u64 = cb.node_rewards.iter().map(|x| x.1).sum();
    assert_eq!(voters, 18 * COIN, "the PoS shares are not scaled");
    assert_eq!(cb.miner_amount + voters + nodes + cb.burned, 72 * COIN);
    assert!(cb.burned >= 45 * COIN - cb.miner_amount);
    assert_eq!(net.chain.burned().unwrap() - burned, cb.burned);
}

#[test]
fn a_small_pool_scales_the_voters_and_nodes_shares() {
    let params = ChainParams {
        full_participation_pool: 60,
        ..ChainParams::devnet()
    };
    let mut net = busy_net_with(params);
    let mature = net.chain.next_draw_full().unwrap().mature;
    assert!((3..60).contains(&mature));
    let b = net.mine(vec![]);
    let cb = coinbase(&b);
    assert_eq!(cb.miner_amount, 45 * COIN);
    let per_voter = 18 * COIN * mature / 60 / 3;
    let per_node = 9 * COIN * mature / 60 / 3;
    assert!(cb.voter_rewards.iter().all(|x| x.1 == per_voter));
    assert!(cb.node_rewards.iter().all(|x| x.1 == per_node));
    let paid = cb.miner_amount
        + per_voter * cb.voter_rewards.len() as u64
        + per_node * cb.node_rewards.len() as u64;
    assert_eq!(cb.burned, 72 * COIN - paid);
}

#[test]
fn full_conditions_pay_72_as_45_18_9() {
    let mut net = busy_net();
    let b = net.mine(vec![]);
    let cb = coinbase(&b);
    assert_eq!(b.votes.len(), 3);
    assert_eq!(cb.miner_amount, 45 * COIN);
    assert!(cb.voter_rewards.iter().all(|x| x.1 == 6 * COIN));
    assert!(cb.node_rewards.iter().all(|x| x.1 == 3 * COIN));
    assert_eq!(
        cb.burned,
        3 * COIN * (3 - cb.node_rewards.len() as u64),
        "only the node shares of votes cast without a node are burned"
    );
    let total: u64 = cb.miner_amount
        + cb.voter_rewards.iter().map(|x| x.1).sum::<u64>()
        + cb.node_rewards.iter().map(|x| x.1).sum::<u64>()
        + cb.burned;
    assert_eq!(total, 72 * COIN);
}

// ---------------------------------------------------------------- item 8

/// A shielded transaction of `net`'s chain with no notes: only its public
/// value (paid by `public`, when given) and fee.
fn bare_shielded(
    net: &Net,
    fee: u64,
    balances: Vec<(AssetId, i64)>,
    public: Option<[u8; 32]>,
) -> ChainTx {
    ChainTx::Shielded(Box::new(ShieldedTx {
        tx: Transaction {
            chain_id: net.chain.chain_id().unwrap().unwrap(),
            expiry_height: 0,
            public_account: public,
            spend_vk: Fingerprint([0; 32]),
            output_vk: Fingerprint([0; 32]),
            package_spend_vk: Fingerprint([0; 32]),
            package_output_vk: Fingerprint([0; 32]),
            spends: vec![],
            outputs: vec![],
            package_spends: vec![],
            package_outputs: vec![],
            balances,
            issuances: vec![],
            redemptions: vec![],
            fee,
            binding_sig: Signature::from_bytes(&[0; 64]),
        },
        public: public.map(|_| Authorization::unsigned()),
    }))
}

#[test]
fn overflowing_fees_are_refused_not_a_panic() {
    let mut net = busy_net();
    let alice = net.alice.clone();
    // One unit in from alice pays the first fee; the second overflows.
    let one = bare_shielded(&net, 1, vec![(native(), -1)], Some(alice.id()));
    let one = net.signed(one, &alice);
    let max = bare_shielded(&net, u64::MAX, vec![], None);
    let b = net.forge(vec![one.clone(), max.clone()]);
    let e = net.refuse(&b);
    assert_eq!(e.rule, Rule::Rewards, "{e}");
    // The template refuses them too.
    let e = net
        .chain
        .produce_block(
            net.miner.id(),
            net.time + 10,
            vec![one, max],
            |_, _| None,
            &mut net.rng,
        )
        .unwrap_err();
    assert_eq!(rule_of(e), Rule::Rewards);
    net.mine(vec![]);
}

#[test]
fn a_coinbase_whose_reward_plus_fees_overflows_is_refused_not_a_panic() {
    let mut net = busy_net();
    let big = bare_shielded(&net, u64::MAX - COIN, vec![], None);
    // The template: miner share + fees overflows.
    let e = net
        .chain
        .produce_block(
            net.miner.id(),
            net.time + 10,
            vec![big.clone()],
            |_, _| None,
            &mut net.rng,
        )
        .unwrap_err();
    assert_eq!(rule_of(e), Rule::Rewards);
    // A block claiming such fees: the shielded pool cannot pay them.
    let mut b = net.forge(vec![big]);
    if let ChainTx::Coinbase(c) = &mut b.txs[0] {
        c.miner_amount = u64::MAX;
    }
    reseal(&mut b);
    let e = net.refuse(&b);
    assert!(matches!(e.rule, Rule::Accounts | Rule::Rewards), "{e}");
    net.mine(vec![]);
}
