//! Rule 5: the transactions after the coinbase, one function per kind:
//! account authorisations (nonces; the signatures join the block's batch),
//! ticket purchases, StakingNode registration and withdrawal, and shielded
//! transactions (chain binding and expiry, nullifiers, issuances, public
//! value under the spenders' signatures, the shielded-pool turnstile).

use std::collections::HashSet;

use superzk_circuits::{note::AssetId, tree::CommitmentTree};
use superzk_keys::spending_key::encode_field;
use superzk_verifier::transaction::Transaction;

use crate::{
    codec::hash,
    error::{ChainError, Rule},
    records::{NodeRecord, TicketRecord},
    store::{StateTable as T, StateTxn},
    tx::{ChainTx, NodeRegistration, NodeWithdrawal, ShieldedTx, TicketPurchase},
};

use super::{
    pool::add_ticket,
    state::{account_key, checked_sum, credit, debit, fail, get_node, hex8, update_node, POOL_KEY},
    votes::SigItem,
    Context, RuleCounts,
};

/// What the block's transactions add up to, for the later rules.
pub(crate) struct TxEffects {
    /// Fees of the shielded transactions (the miner's).
    pub fees: u64,
    /// The shielded transactions, for the proof batch.
    pub shielded: Vec<Transaction>,
    /// Nullifiers revealed in this block.
    pub nullifiers: HashSet<[u8; 32]>,
    /// The note commitment tree, with this block's outputs appended.
    pub tree: CommitmentTree,
}

/// Applies one transaction after the coinbase.
pub(crate) fn apply_tx(
    ctx: &Context,
    st: &mut StateTxn,
    tx: &ChainTx,
    height: u64,
    effects: &mut TxEffects,
    sigs: &mut Vec<SigItem>,
    counts: &mut RuleCounts,
) -> Result<(), ChainError> {
    check_authorization(ctx, st, tx, sigs)?;
    match tx {
        ChainTx::BuyTickets(p) => buy_tickets(ctx, st, tx, p, height, counts),
        ChainTx::RegisterNode(r) => register_node(ctx, st, r, height, counts),
        ChainTx::WithdrawNode(w) => withdraw_node(st, w, counts),
        ChainTx::Shielded(s) => apply_shielded(ctx, st, s, height, effects, counts),
        ChainTx::Coinbase(_) | ChainTx::Genesis(_) => Err(fail(
            Rule::Structure,
            "a coinbase or genesis allocation after the first transaction",
        )),
    }
}

/// Accounts: the authorising account's nonce is its next one (then it
/// increments); its signature over the chain-bound message joins the batch.
fn check_authorization(
    ctx: &Context,
    st: &mut StateTxn,
    tx: &ChainTx,
    sigs: &mut Vec<SigItem>,
) -> Result<(), ChainError> {
    let Some(auth) = tx.authorization() else {
        return Ok(());
    };
    let nonce = st.get_u64(T::Nonces, &auth.account)?;
    if auth.nonce != nonce {
        return Err(fail(
            Rule::Accounts,
            format!(
                "account {} nonce {} where {nonce} is next",
                hex8(&auth.account),
                auth.nonce
            ),
        ));
    }
    let next = checked_sum(Rule::Accounts, "an account nonce", nonce, 1)?;
    st.put_u64(T::Nonces, &auth.account, next)?;
    let msg = tx
        .auth_message(&ctx.chain_id)
        .ok_or_else(|| fail(Rule::Signatures, "an authorisation without a message"))?;
    sigs.push((auth.account, msg, auth.signature));
    Ok(())
}

/// Tickets: 1 to the profile's maximum per purchase, each at the price the
/// pool gives (at most the buyer's limit); a named StakingNode must be
/// registered and not closing.
fn buy_tickets(
    ctx: &Context,
    st: &mut StateTxn,
    tx: &ChainTx,
    p: &TicketPurchase,
    height: u64,
    counts: &mut RuleCounts,
) -> Result<(), ChainError> {
    let params = ctx.params;
    if p.count == 0 || p.count > params.max_tickets_per_tx {
        return Err(fail(
            Rule::Tickets,
            format!(
                "{} tickets in one purchase (1 to {})",
                p.count, params.max_tickets_per_tx
            ),
        ));
    }
    if let Some(n) = &p.node {
        match get_node(st, n)? {
            None => {
                return Err(fail(
                    Rule::StakingNodes,
                    "ticket names an unregistered StakingNode",
                ))
            }
            Some(node) if node.closing => {
                return Err(fail(
                    Rule::StakingNodes,
                    "ticket names a StakingNode that is closing",
                ))
            }
            Some(_) => {}
        }
    }
    let id = tx.id();
    let native = AssetId::native();
    for i in 0..p.count {
        let price = params.ticket_price(st.get_u64(T::Meta, POOL_KEY)?);
        if price > p.max_price {
            return Err(fail(
                Rule::Tickets,
                format!(
                    "ticket price {price} above the buyer's limit {}",
                    p.max_price
                ),
            ));
        }
        debit(st, &p.auth.account, &native, price)?;
        let tid = hash(b"SuperZK_TicketId", &[&id, &i.to_le_bytes()]);
        let rec = TicketRecord {
            owner: p.auth.account,
            vote_key: p.vote_key,
            node: p.node,
            price,
            bought_at: height,
            slot: None,
        };
        add_ticket(params, st, &tid, &rec)?;
    }
    if let Some(node_id) = &p.node {
        update_node(st, node_id, |n| {
            n.active_tickets = checked_sum(
                Rule::StakingNodes,
                "a node's tickets",
                n.active_tickets,
                u64::from(p.count),
            )?;
            Ok(())
        })?;
    }
    counts.add(Rule::Tickets, u64::from(p.count));
    Ok(())
}

/// The id of the StakingNode registered by `owner` with `nonce`.
pub fn node_id(owner: &crate::account::AccountId, nonce: u64) -> [u8; 32] {
    hash(b"SuperZK_NodeId__", &[owner, &nonce.to_le_bytes()])
}

/// StakingNodes: registration locks the pledge.
fn register_node(
    ctx: &Context,
    st: &mut StateTxn,
    r: &NodeRegistration,
    height: u64,
    counts: &mut RuleCounts,
) -> Result<(), ChainError> {
    let id = node_id(&r.auth.account, r.auth.nonce);
    debit(
        st,
        &r.auth.account,
        &AssetId::native(),
        ctx.params.staking_pledge,
    )?;
    let rec = NodeRecord {
        owner: r.auth.account,
        vote_key: r.vote_key,
        pledge: ctx.params.staking_pledge,
        registered_at: height,
        active_tickets: 0,
        votes_expected: 0,
        votes_cast: 0,
        pending_reward: 0,
        closing: false,
    };
    st.put(T::Nodes, &id, &rec.to_bytes())?;
    counts.add(Rule::StakingNodes, 1);
    Ok(())
}

/// StakingNodes: the owner's withdrawal closes the node at once (no new
/// ticket may name it: a node can always leave); the pledge and last
/// rewards return at a settlement once its tickets have finished and its
/// lock has passed (`settle`), after the vote-rate test.
fn withdraw_node(
    st: &mut StateTxn,
    w: &NodeWithdrawal,
    counts: &mut RuleCounts,
) -> Result<(), ChainError> {
    let Some(mut n) = get_node(st, &w.node)? else {
        return Err(fail(
            Rule::StakingNodes,
            "withdrawal of an unknown StakingNode",
        ));
    };
    if n.owner != w.auth.account {
        return Err(fail(
            Rule::StakingNodes,
            "only the node's owner may withdraw its pledge",
        ));
    }
    if n.closing {
        return Err(fail(Rule::StakingNodes, "the node is already closing"));
    }
    n.closing = true;
    st.put(T::Nodes, &w.node, &n.to_bytes())?;
    counts.add(Rule::StakingNodes, 1);
    Ok(())
}

/// The turnstile: the shielded pool's holding of `asset` changes by
/// `delta`; it can never go below zero, whatever a proof or signature bug
/// would allow (as Zcash's ZIP 209).
fn move_supply(st: &mut StateTxn, asset: &AssetId, delta: i128) -> Result<(), ChainError> {
    let key = asset.to_bytes();
    let have = i128::from(st.get_u64(T::Supply, &key)?);
    let new = have + delta;
    let new = u64::try_from(new).map_err(|_| {
        fail(
            Rule::Accounts,
            format!(
                "the shielded pool holds {have} of asset {} but {} would leave it",
                hex8(&key),
                -delta
            ),
        )
    })?;
    st.put_u64(T::Supply, &key, new)
}

/// Shielded transactions: bound to this chain and not expired; their
/// nullifiers are new in the chain and in the block; their public value
/// moves to and from the account they name; tickets issued are new.
fn apply_shielded(
    ctx: &Context,
    st: &mut StateTxn,
    s: &ShieldedTx,
    height: u64,
    effects: &mut TxEffects,
    counts: &mut RuleCounts,
) -> Result<(), ChainError> {
    let stx = &s.tx;
    check_chain_binding(ctx, stx, height)?;
    check_public_account(s)?;
    effects.fees = checked_sum(Rule::Rewards, "the block's fees", effects.fees, stx.fee)?;
    check_nullifiers(st, stx, height, effects, counts)?;
    check_issuances(st, stx, height, counts)?;
    move_public_value(st, s)?;
    for (asset, delta) in pool_changes(stx) {
        move_supply(st, &asset, delta)?;
    }
    for o in stx.all_outputs() {
        effects
            .tree
            .append(o.cm, &mut [])
            .map_err(|e| fail(Rule::Structure, e.to_string()))?;
    }
    effects.shielded.push(stx.clone());
    Ok(())
}

/// Replay: the transaction was made for this chain (its sighash, which every
/// spend authorisation and the binding signature sign, commits to the chain
/// id) and has not expired (0: no expiry).
fn check_chain_binding(ctx: &Context, stx: &Transaction, height: u64) -> Result<(), ChainError> {
    if stx.chain_id != ctx.chain_id {
        return Err(fail(
            Rule::Binding,
            format!(
                "shielded transaction made for chain {}, not this chain ({}); rebuild it for \
                 this chain",
                hex8(&stx.chain_id),
                hex8(&ctx.chain_id)
            ),
        ));
    }
    if stx.expiry_height != 0 && stx.expiry_height < height {
        return Err(fail(
            Rule::Binding,
            format!(
                "shielded transaction expired at height {}; this block is {height}",
                stx.expiry_height
            ),
        ));
    }
    Ok(())
}

/// Redirection: the account that pays or receives public value is the one
/// the spenders signed for (the SDK transaction's `public_account`, inside
/// the sighash), and it authorises the wrapper. A wrapper naming another
/// account, naming one the transaction does not, or leaving it out is
/// refused.
fn check_public_account(s: &ShieldedTx) -> Result<(), ChainError> {
    match (&s.tx.public_account, &s.public) {
        (None, None) => Ok(()),
        (Some(signed), Some(auth)) if *signed == auth.account => Ok(()),
        (Some(signed), Some(auth)) => Err(fail(
            Rule::Accounts,
            format!(
                "the spenders signed for account {} but account {} wraps the transaction",
                hex8(signed),
                hex8(&auth.account)
            ),
        )),
        (Some(signed), None) => Err(fail(
            Rule::Accounts,
            format!(
                "the transaction's public account {} does not authorise it",
                hex8(signed)
            ),
        )),
        (None, Some(auth)) => Err(fail(
            Rule::Accounts,
            format!(
                "account {} wraps a transaction that names no public account",
                hex8(&auth.account)
            ),
        )),
    }
}

fn check_nullifiers(
    st: &mut StateTxn,
    stx: &Transaction,
    height: u64,
    effects: &mut TxEffects,
    counts: &mut RuleCounts,
) -> Result<(), ChainError> {
    for nf in stx.nullifiers() {
        let key = encode_field(&nf);
        if st.get(T::Nullifiers, &key)?.is_some() || !effects.nullifiers.insert(key) {
            return Err(fail(
                Rule::Nullifiers,
                format!("nullifier {} already spent", hex8(&key)),
            ));
        }
        st.put(T::Nullifiers, &key, &height.to_le_bytes())?;
        counts.add(Rule::Nullifiers, 1);
    }
    Ok(())
}

fn check_issuances(
    st: &mut StateTxn,
    stx: &Transaction,
    height: u64,
    counts: &mut RuleCounts,
) -> Result<(), ChainError> {
    let issued = stx.issued_tickets();
    if issued.len() != stx.issuances.len() {
        return Err(fail(
            Rule::Issuance,
            "an issuance without an issuing account or with an invalid category",
        ));
    }
    let issuer = stx.public_account.unwrap_or_default();
    for (_, ticket) in issued {
        let key = ticket.asset().to_bytes();
        if st.get(T::Issued, &key)?.is_some() {
            return Err(fail(
                Rule::Issuance,
                format!(
                    "ticket {} of category {:?} was already issued",
                    hex8(&key),
                    ticket.category
                ),
            ));
        }
        // The issuer is kept beside the height: a venue checks a redeemed
        // ticket's issuer here.
        let record = [issuer.as_slice(), &height.to_le_bytes()].concat();
        st.put(T::Issued, &key, &record)?;
        counts.add(Rule::Issuance, 1);
    }
    Ok(())
}

/// How a transaction changes the shielded pool's holdings, per asset: its
/// public value in and out, its fee, tickets issued and redeemed. Netted
/// per transaction, so a shielding that also pays its fee from the value it
/// brings in never dips below zero on the way.
fn pool_changes(stx: &Transaction) -> Vec<(AssetId, i128)> {
    let mut net: std::collections::BTreeMap<[u8; 32], (AssetId, i128)> = Default::default();
    let mut add = |asset: AssetId, delta: i128| {
        net.entry(asset.to_bytes()).or_insert((asset, 0)).1 += delta;
    };
    add(AssetId::native(), -i128::from(stx.fee));
    for (asset, v) in &stx.balances {
        add(*asset, -i128::from(*v));
    }
    for (_, t) in stx.issued_tickets() {
        add(t.asset(), 1);
    }
    for t in &stx.redemptions {
        add(t.asset(), -1);
    }
    net.into_values().filter(|(_, d)| *d != 0).collect()
}

fn move_public_value(st: &mut StateTxn, s: &ShieldedTx) -> Result<(), ChainError> {
    let public: Vec<&(AssetId, i64)> = s.tx.balances.iter().filter(|(_, v)| *v != 0).collect();
    if public.is_empty() {
        return Ok(());
    }
    let Some(auth) = &s.public else {
        return Err(fail(
            Rule::Accounts,
            "public value moves but no account authorises it",
        ));
    };
    for (asset, v) in public {
        if *v < 0 {
            debit(st, &auth.account, asset, v.unsigned_abs())?;
        } else {
            credit(
                st,
                T::Accounts,
                &account_key(&auth.account, asset),
                *v as u64,
            )?;
        }
    }
    Ok(())
}
