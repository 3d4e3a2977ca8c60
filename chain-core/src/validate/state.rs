//! Typed access to the state tables that the rules share: balances with
//! checked arithmetic, ticket and node records, the note commitment tree and
//! the counters in the meta table.

use superzk_circuits::{note::AssetId, tree::CommitmentTree};

use crate::{
    account::AccountId,
    error::{BlockError, ChainError, Rule},
    records::{NodeRecord, TicketRecord},
    store::{StateTable as T, StateTxn},
};

/// Meta key of the note commitment tree.
pub(crate) const TREE_KEY: &[u8] = b"tree";
/// Meta key of the number of tickets in the pool, mature or not (prices).
pub(crate) const POOL_KEY: &[u8] = b"pool-size";
/// Meta key of the number of mature tickets (the draw's range).
pub(crate) const MATURE_KEY: &[u8] = b"mature-count";
/// Meta key of the coins burned so far.
pub(crate) const BURNED_KEY: &[u8] = b"burned";
/// Meta key of the coins the genesis block allocated.
pub(crate) const GENESIS_KEY: &[u8] = b"genesis-supply";
/// Meta key of the coins block rewards issued so far (paid and burned).
pub(crate) const ISSUED_KEY: &[u8] = b"issued";

/// A refusal under `rule`; `apply_block` fills in the height.
pub(crate) fn fail(rule: Rule, detail: impl Into<String>) -> ChainError {
    ChainError::Block {
        height: 0,
        error: BlockError::new(rule, detail),
    }
}

/// The first bytes of an id, in hex, for messages.
pub(crate) fn hex8(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect()
}

/// A consensus sum that refuses the block instead of overflowing.
pub(crate) fn checked_sum(rule: Rule, what: &str, a: u64, b: u64) -> Result<u64, ChainError> {
    a.checked_add(b)
        .ok_or_else(|| fail(rule, format!("{what} overflows a 64-bit amount")))
}

/// The key of an account's balance of an asset.
pub(crate) fn account_key(account: &AccountId, asset: &AssetId) -> Vec<u8> {
    [account.as_slice(), &asset.to_bytes()].concat()
}

/// Adds `amount` to the u64 at `key` of `table`.
pub(crate) fn credit(
    st: &mut StateTxn,
    table: T,
    key: &[u8],
    amount: u64,
) -> Result<(), ChainError> {
    let v = st.get_u64(table, key)?;
    let new = checked_sum(Rule::Accounts, "a balance", v, amount)?;
    st.put_u64(table, key, new)
}

/// Takes `amount` of `asset` from `account`, refusing an overdraft.
pub(crate) fn debit(
    st: &mut StateTxn,
    account: &AccountId,
    asset: &AssetId,
    amount: u64,
) -> Result<(), ChainError> {
    let key = account_key(account, asset);
    let v = st.get_u64(T::Accounts, &key)?;
    let new = v.checked_sub(amount).ok_or_else(|| {
        fail(
            Rule::Accounts,
            format!("account {} has {v}, needs {amount}", hex8(account)),
        )
    })?;
    st.put_u64(T::Accounts, &key, new)
}

/// Adds to a meta counter.
pub(crate) fn bump(st: &mut StateTxn, key: &[u8], amount: u64) -> Result<(), ChainError> {
    credit(st, T::Meta, key, amount)
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> ChainError {
    ChainError::Store(format!("corrupt {what} record: {e}"))
}

/// A ticket's record.
pub(crate) fn get_ticket(st: &StateTxn, id: &[u8]) -> Result<Option<TicketRecord>, ChainError> {
    st.get(T::Tickets, id)?
        .map(|b| TicketRecord::from_bytes(&b).map_err(|e| corrupt("ticket", e)))
        .transpose()
}

/// A StakingNode's record.
pub(crate) fn get_node(st: &StateTxn, id: &[u8; 32]) -> Result<Option<NodeRecord>, ChainError> {
    st.get(T::Nodes, id)?
        .map(|b| NodeRecord::from_bytes(&b).map_err(|e| corrupt("node", e)))
        .transpose()
}

/// Changes a StakingNode's record through `f` (nothing if it is gone).
pub(crate) fn update_node(
    st: &mut StateTxn,
    id: &[u8; 32],
    f: impl FnOnce(&mut NodeRecord) -> Result<(), ChainError>,
) -> Result<bool, ChainError> {
    let Some(mut n) = get_node(st, id)? else {
        return Ok(false);
    };
    f(&mut n)?;
    st.put(T::Nodes, id, &n.to_bytes())?;
    Ok(true)
}

/// The note commitment tree in the state.
pub fn load_tree(st: &StateTxn) -> Result<CommitmentTree, ChainError> {
    use ark_serialize::CanonicalDeserialize;
    match st.get(T::Meta, TREE_KEY)? {
        None => Ok(CommitmentTree::new()),
        Some(b) => CommitmentTree::deserialize_compressed(b.as_slice())
            .map_err(|e| ChainError::Store(format!("corrupt note commitment tree: {e}"))),
    }
}

/// Writes the note commitment tree back.
pub(crate) fn store_tree(st: &mut StateTxn, tree: &CommitmentTree) -> Result<(), ChainError> {
    use ark_serialize::CanonicalSerialize;
    let mut b = vec![];
    tree.serialize_compressed(&mut b)
        .map_err(|e| ChainError::Store(e.to_string()))?;
    st.put(T::Meta, TREE_KEY, &b)
}

/// A 32-byte id from a table key.
pub(crate) fn id_from(key: &[u8], what: &str) -> Result<[u8; 32], ChainError> {
    key.try_into()
        .map_err(|_| ChainError::Store(format!("corrupt {what} key")))
}
