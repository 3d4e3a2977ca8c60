//! Rule 4: the draw and the votes. The tickets drawn from the parent's hash
//! vote on one miner's block (the message names the miner, so votes copied
//! into another miner's block do not verify); at least the required number
//! must. A drawn ticket whose vote the block leaves out may still vote in
//! the next block (a late vote, for 2/3 of the reward, as SERO does), and a
//! StakingNode's vote-rate counts a vote as missed only when neither block
//! carried it: a miner who leaves a node's votes out must also mine the
//! next block to hurt it (probability α² for hash share α). Drawn tickets
//! leave the pool either way.

use superzk_keys::signature::Signature;

use crate::{
    account::{vote_message, AccountId, VotedBlock},
    block::{body_root, Block},
    error::{ChainError, Rule},
    records::LateVoter,
    rewards::{split, Split},
    store::{StateTable as T, StateTxn},
    tx::Coinbase,
};

use super::{
    pool::{drawn_tickets, mature_count, retire_ticket, DrawnTicket},
    state::{fail, hex8, id_from, update_node},
    Context,
};

/// One signature the block's batch must verify: signer, message, signature.
pub(crate) type SigItem = (AccountId, [u8; 32], Signature);

/// What the votes decided, for the rewards rule.
pub(crate) struct VoteOutcome {
    /// The tickets that voted on time.
    pub voted: Vec<DrawnTicket>,
    /// This block's reward split.
    pub split: Split,
    /// The late votes the block carries: ticket and its record.
    pub late: Vec<([u8; 32], LateVoter)>,
}

/// Checks the votes and late votes, queues their signatures in `sigs`,
/// records vote rates, and retires the drawn tickets.
pub(crate) fn check_votes(
    ctx: &Context,
    st: &mut StateTxn,
    block: &Block,
    coinbase: &Coinbase,
    sigs: &mut Vec<SigItem>,
) -> Result<VoteOutcome, ChainError> {
    let h = &block.header;
    let (drawn, required) = drawn_tickets(ctx.params, st, &h.parent, h.height)?;
    let body = body_root(&block.txs[1..]);
    let endorsed = VotedBlock {
        parent: &h.parent,
        height: h.height,
        miner: &coinbase.miner,
        body_root: &body,
    };
    let mut voted: Vec<DrawnTicket> = vec![];
    for v in &block.votes {
        let Some(d) = drawn.iter().find(|d| d.ticket == v.ticket) else {
            return Err(fail(
                Rule::Votes,
                format!("vote by ticket {} which was not drawn", hex8(&v.ticket)),
            ));
        };
        if voted.iter().any(|x| x.ticket == v.ticket) {
            return Err(fail(Rule::Votes, "a ticket voted twice"));
        }
        voted.push(d.clone());
        sigs.push((d.signer, vote_message(&endorsed, &v.ticket), v.signature));
    }
    if voted.len() < required {
        return Err(fail(
            Rule::Votes,
            format!(
                "{} votes where {required} of {} drawn tickets are required",
                voted.len(),
                drawn.len()
            ),
        ));
    }
    let late = check_late_votes(st, block, sigs)?;
    let split = block_split(
        ctx.params,
        h.height,
        h.difficulty,
        mature_count(st)?,
        drawn.len(),
        &voted,
    );
    for d in &drawn {
        let on_time = voted.iter().any(|x| x.ticket == d.ticket);
        if on_time {
            count_node_vote(st, d.via_node.as_ref(), true)?;
        } else {
            let record = LateVoter {
                signer: d.signer,
                owner: d.record.owner,
                node: d.via_node,
                message: vote_message(&endorsed, &d.ticket),
                per_voter: split.per_voter,
                per_node: split.per_node,
            };
            st.put(T::LateVoters, &d.ticket, &record.to_bytes())?;
        }
        retire_ticket(ctx.params, st, &d.ticket)?;
    }
    Ok(VoteOutcome { voted, split, late })
}

/// The reward split of the block at `height` with `difficulty`, drawn from
/// `mature` tickets, `drawn` of them drawn and `voted` voting on time.
pub(crate) fn block_split(
    params: &crate::params::ChainParams,
    height: u64,
    difficulty: u64,
    mature: u64,
    drawn: usize,
    voted: &[DrawnTicket],
) -> Split {
    let curves = params.reward_curves(height, difficulty, mature);
    let via_node = voted.iter().filter(|d| d.via_node.is_some()).count();
    split(
        params.block_reward(height),
        curves,
        drawn,
        voted.len(),
        via_node,
    )
}

/// The late-vote records the parent left: tickets that may vote late in
/// the block at hand.
pub(crate) fn late_voters(st: &StateTxn) -> Result<Vec<([u8; 32], LateVoter)>, ChainError> {
    let mut out = vec![];
    for (k, v) in st.entries(T::LateVoters)? {
        let rec = LateVoter::from_bytes(&v)
            .map_err(|e| ChainError::Store(format!("corrupt late voter: {e}")))?;
        out.push((id_from(&k, "late voter")?, rec));
    }
    Ok(out)
}

/// The parent's missed tickets: the block may carry their late votes. Every
/// record of the parent is settled here (the node's vote counted as cast or
/// missed) and removed, so late votes are only ever one block late.
fn check_late_votes(
    st: &mut StateTxn,
    block: &Block,
    sigs: &mut Vec<SigItem>,
) -> Result<Vec<([u8; 32], LateVoter)>, ChainError> {
    let waiting = late_voters(st)?;
    let mut late: Vec<([u8; 32], LateVoter)> = vec![];
    for v in &block.late_votes {
        let Some((_, rec)) = waiting.iter().find(|(t, _)| *t == v.ticket) else {
            return Err(fail(
                Rule::Votes,
                format!(
                    "late vote by ticket {} which the parent did not miss",
                    hex8(&v.ticket)
                ),
            ));
        };
        if late.iter().any(|(t, _)| *t == v.ticket) {
            return Err(fail(Rule::Votes, "a ticket voted late twice"));
        }
        sigs.push((rec.signer, rec.message, v.signature));
        late.push((v.ticket, rec.clone()));
    }
    for (ticket, rec) in &waiting {
        let cast = late.iter().any(|(t, _)| t == ticket);
        count_node_vote(st, rec.node.as_ref(), cast)?;
        st.delete(T::LateVoters, ticket)?;
    }
    Ok(late)
}

/// A StakingNode's vote-rate: one more vote expected, and cast or not.
fn count_node_vote(
    st: &mut StateTxn,
    node: Option<&[u8; 32]>,
    cast: bool,
) -> Result<(), ChainError> {
    let Some(node) = node else {
        return Ok(());
    };
    update_node(st, node, |n| {
        n.votes_expected = n.votes_expected.saturating_add(1);
        n.votes_cast = n.votes_cast.saturating_add(u64::from(cast));
        Ok(())
    })?;
    Ok(())
}
