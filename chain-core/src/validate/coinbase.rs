//! Rule 6: the coinbase pays exactly the reward split (with the reward
//! curves), the late votes' 2/3 shares and the fees; then the block's
//! payouts are credited and the supply counters move (every sum checked).

use superzk_circuits::note::AssetId;

use crate::{
    error::{ChainError, Rule},
    records::LateVoter,
    rewards::{late_share, Split},
    store::{StateTable as T, StateTxn},
    tx::Coinbase,
};

use super::{
    pool::DrawnTicket,
    state::{account_key, bump, checked_sum, credit, fail, update_node, BURNED_KEY, ISSUED_KEY},
    votes::VoteOutcome,
    Context,
};

/// The coinbase the rules give for a block paying `miner`, with the
/// `split`, the tickets that `voted` on time, the `late` votes and `fees`.
pub(crate) fn expected_coinbase(
    miner: [u8; 32],
    split: &Split,
    voted: &[DrawnTicket],
    late: &[([u8; 32], LateVoter)],
    fees: u64,
) -> Result<Coinbase, ChainError> {
    let s = split;
    Ok(Coinbase {
        miner,
        miner_amount: checked_sum(Rule::Rewards, "the miner's reward and fees", s.miner, fees)?,
        voter_rewards: voted.iter().map(|d| (d.ticket, s.per_voter)).collect(),
        node_rewards: voted
            .iter()
            .filter_map(|d| d.via_node.map(|n| (n, s.per_node)))
            .collect(),
        burned: s.burned,
        late_voter_rewards: late
            .iter()
            .map(|(t, r)| (*t, late_share(r.per_voter)))
            .collect(),
        late_node_rewards: late
            .iter()
            .filter_map(|(_, r)| r.node.map(|n| (n, late_share(r.per_node))))
            .collect(),
    })
}

fn describe(c: &Coinbase) -> String {
    let amounts = |v: &[([u8; 32], u64)]| v.iter().map(|x| x.1).collect::<Vec<_>>();
    format!(
        "miner {} / voters {:?} / nodes {:?} / burns {} / late {:?} {:?}",
        c.miner_amount,
        amounts(&c.voter_rewards),
        amounts(&c.node_rewards),
        c.burned,
        amounts(&c.late_voter_rewards),
        amounts(&c.late_node_rewards)
    )
}

/// Checks the coinbase against the split and credits every payout.
pub(crate) fn check_coinbase(
    ctx: &Context,
    st: &mut StateTxn,
    height: u64,
    coinbase: &Coinbase,
    outcome: &VoteOutcome,
    fees: u64,
) -> Result<(), ChainError> {
    let expected = expected_coinbase(
        coinbase.miner,
        &outcome.split,
        &outcome.voted,
        &outcome.late,
        fees,
    )?;
    if *coinbase != expected {
        return Err(fail(
            Rule::Rewards,
            format!(
                "coinbase pays {}; the split gives {}",
                describe(coinbase),
                describe(&expected)
            ),
        ));
    }
    let native = AssetId::native();
    credit(
        st,
        T::Accounts,
        &account_key(&coinbase.miner, &native),
        expected.miner_amount,
    )?;
    let mut late_total = 0u64;
    for (d, (_, amount)) in outcome.voted.iter().zip(&expected.voter_rewards) {
        credit(st, T::Pending, &d.record.owner, *amount)?;
    }
    for ((_, rec), (_, amount)) in outcome.late.iter().zip(&expected.late_voter_rewards) {
        credit(st, T::Pending, &rec.owner, *amount)?;
        late_total = checked_sum(Rule::Rewards, "late rewards", late_total, *amount)?;
    }
    for (id, amount) in &expected.node_rewards {
        pay_node(st, id, *amount)?;
    }
    for (id, amount) in &expected.late_node_rewards {
        pay_node(st, id, *amount)?;
        late_total = checked_sum(Rule::Rewards, "late rewards", late_total, *amount)?;
    }
    bump(st, BURNED_KEY, expected.burned)?;
    // Issued: the full reward (paid or burned) plus the late shares, which
    // the parent burned and this block pays again.
    let issued = checked_sum(
        Rule::Rewards,
        "the block's issuance",
        ctx.params.block_reward(height),
        late_total,
    )?;
    bump(st, ISSUED_KEY, issued)
}

/// A node's share accrues until settlement; a node that no longer exists
/// cannot be named (nodes leave only at settlement, after their votes).
fn pay_node(st: &mut StateTxn, id: &[u8; 32], amount: u64) -> Result<(), ChainError> {
    let paid = update_node(st, id, |n| {
        n.pending_reward = checked_sum(Rule::Rewards, "a node's reward", n.pending_reward, amount)?;
        Ok(())
    })?;
    if paid {
        Ok(())
    } else {
        Err(ChainError::Store(
            "a vote names a StakingNode the state does not hold".into(),
        ))
    }
}
