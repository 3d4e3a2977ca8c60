//! Rule 8: the weekly settlement (at heights divisible by the settlement
//! interval) and the block's new anchor.
//!
//! At settlement every StakingNode's period is judged: below the vote-rate
//! threshold (with enough drawn votes to judge) its period's rewards are
//! burned, else due to its owner; a closing node whose tickets have all
//! finished (none in the pool, none waiting for a late vote) and whose lock
//! has passed gets its pledge back and leaves. Then everything due is paid.

use superzk_circuits::{note::AssetId, tree::CommitmentTree};
use superzk_keys::spending_key::encode_field;

use crate::{
    error::ChainError,
    params::ChainParams,
    records::{LateVoter, NodeRecord},
    store::{StateTable as T, StateTxn},
};

use super::state::{account_key, bump, credit, id_from, store_tree, BURNED_KEY};

fn penalised(params: &ChainParams, n: &NodeRecord) -> bool {
    n.votes_expected >= params.staking_min_sample
        && u128::from(n.votes_cast) * 100
            < u128::from(n.votes_expected) * u128::from(params.staking_min_vote_rate_pct)
}

fn awaits_late_vote(st: &StateTxn, node: &[u8; 32]) -> Result<bool, ChainError> {
    for (_, v) in st.entries(T::LateVoters)? {
        let rec = LateVoter::from_bytes(&v)
            .map_err(|e| ChainError::Store(format!("corrupt late voter: {e}")))?;
        if rec.node.as_ref() == Some(node) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn may_leave(params: &ChainParams, n: &NodeRecord, height: u64) -> bool {
    let lock = params.staking_min_lock.max(params.staking_min_age);
    n.closing && n.active_tickets == 0 && height >= n.registered_at.saturating_add(lock)
}

/// Settles every StakingNode's period and pays everything due.
fn settle(params: &ChainParams, st: &mut StateTxn, height: u64) -> Result<(), ChainError> {
    for (k, v) in st.entries(T::Nodes)? {
        let id = id_from(&k, "node")?;
        let mut n = NodeRecord::from_bytes(&v)
            .map_err(|e| ChainError::Store(format!("corrupt node record: {e}")))?;
        if penalised(params, &n) {
            bump(st, BURNED_KEY, n.pending_reward)?;
        } else {
            credit(st, T::Pending, &n.owner, n.pending_reward)?;
        }
        n.pending_reward = 0;
        n.votes_cast = 0;
        n.votes_expected = 0;
        if may_leave(params, &n, height) && !awaits_late_vote(st, &id)? {
            credit(st, T::Pending, &n.owner, n.pledge)?;
            st.delete(T::Nodes, &id)?;
        } else {
            st.put(T::Nodes, &id, &n.to_bytes())?;
        }
    }
    let native = AssetId::native();
    for (k, v) in st.entries(T::Pending)? {
        let account = id_from(&k, "pending")?;
        let amount = u64::from_le_bytes(
            v.as_slice()
                .try_into()
                .map_err(|_| ChainError::Store("corrupt pending amount".into()))?,
        );
        credit(st, T::Accounts, &account_key(&account, &native), amount)?;
        st.delete(T::Pending, &k)?;
    }
    Ok(())
}

/// Settles at the period's end; stores the tree and its root as an anchor
/// as of this height. The anchor's height is the last height at which it
/// was the root, so that a tree left unchanged for longer than the window
/// stays spendable.
pub(crate) fn end_of_block(
    params: &ChainParams,
    st: &mut StateTxn,
    height: u64,
    tree: &CommitmentTree,
) -> Result<(), ChainError> {
    store_tree(st, tree)?;
    if height % params.settlement_interval.max(1) == 0 {
        settle(params, st, height)?;
    }
    st.put(
        T::Anchors,
        &encode_field(&tree.root()),
        &height.to_le_bytes(),
    )
}
