//! The ticket pool (rules 3 and 4's bookkeeping): tickets wait
//! `ticket_maturity` blocks, then enter the mature pool, numbered densely by
//! slot so that the draw reads only the tickets it picks; a drawn or expired
//! ticket leaves with a swap-remove. Every step touches the tickets that
//! change, never the whole pool, so a block's work does not grow with the
//! pool.

use crate::{
    account::AccountId,
    draw::{draw_indices, draw_seed},
    error::ChainError,
    params::ChainParams,
    records::TicketRecord,
    store::{StateTable as T, StateTxn},
};

use super::state::{credit, get_node, get_ticket, id_from, update_node, MATURE_KEY, POOL_KEY};

/// A ticket drawn to vote on the next block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnTicket {
    /// The ticket.
    pub ticket: [u8; 32],
    /// Its record.
    pub record: TicketRecord,
    /// The key whose signature counts as its vote: the StakingNode's vote
    /// key when the ticket names a registered node, else the ticket's.
    pub signer: AccountId,
    /// The registered StakingNode that votes for it, if any.
    pub via_node: Option<[u8; 32]>,
}

fn height_key(height: u64, id: &[u8; 32]) -> Vec<u8> {
    [height.to_be_bytes().as_slice(), id].concat()
}

fn matures_at(params: &ChainParams, t: &TicketRecord) -> u64 {
    t.bought_at.saturating_add(params.ticket_maturity)
}

fn expires_at(params: &ChainParams, t: &TicketRecord) -> u64 {
    matures_at(params, t).saturating_add(params.ticket_expiry)
}

/// Puts a bought ticket into the pool (immature until its maturity height).
pub(crate) fn add_ticket(
    params: &ChainParams,
    st: &mut StateTxn,
    id: &[u8; 32],
    rec: &TicketRecord,
) -> Result<(), ChainError> {
    st.put(T::Tickets, id, &rec.to_bytes())?;
    st.put(T::Maturing, &height_key(matures_at(params, rec), id), &[])?;
    st.put(T::Expiries, &height_key(expires_at(params, rec), id), &[])?;
    let pool = st.get_u64(T::Meta, POOL_KEY)?;
    st.put_u64(T::Meta, POOL_KEY, pool.saturating_add(1))
}

fn pool_key(slot: u64) -> [u8; 8] {
    slot.to_be_bytes()
}

/// Moves the tickets maturing at or before `height` into the mature pool.
fn mature_tickets(st: &mut StateTxn, height: u64) -> Result<(), ChainError> {
    let end = height.saturating_add(1).to_be_bytes();
    for key in st.keys_below(T::Maturing, &end)? {
        st.delete(T::Maturing, &key)?;
        let id = id_from(key.get(8..).unwrap_or_default(), "maturing ticket")?;
        let Some(mut rec) = get_ticket(st, &id)? else {
            continue;
        };
        let slot = st.get_u64(T::Meta, MATURE_KEY)?;
        st.put(T::Pool, &pool_key(slot), &id)?;
        st.put_u64(T::Meta, MATURE_KEY, slot + 1)?;
        rec.slot = Some(slot);
        st.put(T::Tickets, &id, &rec.to_bytes())?;
    }
    Ok(())
}

/// Takes a mature ticket out of its slot: the last slot's ticket moves in.
fn vacate_slot(st: &mut StateTxn, slot: u64) -> Result<(), ChainError> {
    let count = st.get_u64(T::Meta, MATURE_KEY)?;
    let last = count
        .checked_sub(1)
        .ok_or_else(|| ChainError::Store("the mature pool is empty".into()))?;
    if slot != last {
        let moved = st
            .get(T::Pool, &pool_key(last))?
            .ok_or_else(|| ChainError::Store(format!("pool slot {last} missing")))?;
        let moved = id_from(&moved, "pool slot")?;
        let mut rec = get_ticket(st, &moved)?
            .ok_or_else(|| ChainError::Store("a pool slot names no ticket".into()))?;
        rec.slot = Some(slot);
        st.put(T::Tickets, &moved, &rec.to_bytes())?;
        st.put(T::Pool, &pool_key(slot), &moved)?;
    }
    st.delete(T::Pool, &pool_key(last))?;
    st.put_u64(T::Meta, MATURE_KEY, last)
}

/// Removes a ticket from the pool: its stake is due at the next settlement,
/// its node no longer waits for it. The record is read afresh: an earlier
/// retirement in the same block may have moved the ticket to another slot.
pub(crate) fn retire_ticket(
    params: &ChainParams,
    st: &mut StateTxn,
    id: &[u8; 32],
) -> Result<(), ChainError> {
    let Some(t) = get_ticket(st, id)? else {
        return Err(ChainError::Store(
            "a retired ticket is not in the pool".into(),
        ));
    };
    st.delete(T::Tickets, id)?;
    st.delete(T::Expiries, &height_key(expires_at(params, &t), id))?;
    match t.slot {
        Some(slot) => vacate_slot(st, slot)?,
        None => st.delete(T::Maturing, &height_key(matures_at(params, &t), id))?,
    }
    let pool = st.get_u64(T::Meta, POOL_KEY)?;
    st.put_u64(T::Meta, POOL_KEY, pool.saturating_sub(1))?;
    credit(st, T::Pending, &t.owner, t.price)?;
    if let Some(node_id) = &t.node {
        update_node(st, node_id, |n| {
            n.active_tickets = n.active_tickets.saturating_sub(1);
            Ok(())
        })?;
    }
    Ok(())
}

/// Rule 3: the tickets whose expiry height is at most `height` leave the
/// pool (stake returned); then the tickets mature at `height` join the
/// mature pool. Run before the draw of the block at `height`.
pub fn prepare_pool(
    params: &ChainParams,
    st: &mut StateTxn,
    height: u64,
) -> Result<(), ChainError> {
    let end = height.saturating_add(1).to_be_bytes();
    for key in st.keys_below(T::Expiries, &end)? {
        let id = id_from(key.get(8..).unwrap_or_default(), "expiry")?;
        retire_ticket(params, st, &id)?;
    }
    mature_tickets(st, height)
}

/// Mature tickets in the pool.
pub(crate) fn mature_count(st: &StateTxn) -> Result<u64, ChainError> {
    st.get_u64(T::Meta, MATURE_KEY)
}

/// The tickets drawn to vote on the block after `parent` at `height`, and
/// the votes it needs ([`prepare_pool`] first). Reads only the drawn slots.
pub fn drawn_tickets(
    params: &ChainParams,
    st: &StateTxn,
    parent: &[u8; 32],
    _height: u64,
) -> Result<(Vec<DrawnTicket>, usize), ChainError> {
    let mature = mature_count(st)?;
    let required = params.required_votes(mature);
    if required == 0 {
        return Ok((vec![], 0));
    }
    let mut out = vec![];
    for slot in draw_indices(&draw_seed(parent), mature, params.voters_per_block) {
        let id = st
            .get(T::Pool, &pool_key(slot))?
            .ok_or_else(|| ChainError::Store(format!("pool slot {slot} missing")))?;
        let ticket = id_from(&id, "pool slot")?;
        let record = get_ticket(st, &ticket)?
            .ok_or_else(|| ChainError::Store("a pool slot names no ticket".into()))?;
        let node = match &record.node {
            Some(n) => get_node(st, n)?.map(|node| (*n, node.vote_key)),
            None => None,
        };
        out.push(DrawnTicket {
            ticket,
            signer: node.map_or(record.vote_key, |(_, k)| k),
            via_node: node.map(|(id, _)| id),
            record,
        });
    }
    Ok((out, required))
}
