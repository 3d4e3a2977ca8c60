//! Complete block validation: every consensus rule, checked while the block's
//! changes are written into one store transaction, so a refused block leaves
//! nothing behind. The rules, in order (docs/PROTOCOL.md §12):
//!
//! 1. structure: height, parent link, transaction and vote commitments, the
//!    coinbase first and only there;
//! 2. timestamp, difficulty (the retarget rule) and proof of work;
//! 3. tickets past their expiry leave the pool (stake returned);
//! 4. the draw from the parent hash; votes only from drawn tickets, at least
//!    the required number; drawn tickets leave the pool either way;
//! 5. transactions: nonces and balances of accounts, ticket prices,
//!    StakingNode rules, shielded transactions' nullifiers (unique in chain
//!    and block), issuances (unique chain-wide), public balances;
//! 6. the coinbase pays exactly the reward split plus fees;
//! 7. all proofs of the block in one randomized batch, in parallel with all
//!    vote and account signatures in one Schnorr batch;
//! 8. settlement at the period's end; the tree root is an anchor as of this height;
//! 9. the state root in the header matches the state.

use std::collections::{BTreeMap, HashSet};

use rand_core::{CryptoRngCore, SeedableRng};
use superzk_circuits::{note::AssetId, tree::CommitmentTree, Fr};
use superzk_keys::{signature::Signature, spending_key::decode_field};
use superzk_verifier::{
    error::TxError,
    transaction::Transaction,
    verify::{verify_batch, VerifyingKeys},
};

use crate::{
    account::{vote_message, AccountId, ChainAuth},
    block::{body_root, tx_root, votes_root, Block, Header},
    codec::hash,
    draw::{draw_indices, draw_seed},
    error::{BlockError, ChainError, Rule},
    params::ChainParams,
    pow::meets_target,
    records::{NodeRecord, TicketRecord},
    rewards::split,
    store::{StateTable as T, StateTxn},
    tx::{ChainTx, Coinbase},
};

/// How many checks of each rule a validation made, for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleCounts(pub BTreeMap<Rule, u64>);

impl RuleCounts {
    fn add(&mut self, rule: Rule, n: u64) {
        *self.0.entry(rule).or_default() += n;
    }
    /// Adds another block's counts.
    pub fn merge(&mut self, other: &RuleCounts) {
        for (r, n) in &other.0 {
            self.add(*r, *n);
        }
    }
}

/// What to check: everything, or everything but the seal (proof of work and
/// state root), which a miner cannot know before it has the state root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seal {
    /// Check the proof of work and the state root.
    Check,
    /// Skip them (block templates).
    Skip,
}

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

fn fail(rule: Rule, detail: impl Into<String>) -> ChainError {
    ChainError::Block {
        height: 0,
        error: BlockError::new(rule, detail),
    }
}

fn hex8(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect()
}

const TREE_KEY: &[u8] = b"tree";
const POOL_KEY: &[u8] = b"pool-size";
const BURNED_KEY: &[u8] = b"burned";

fn account_key(account: &AccountId, asset: &AssetId) -> Vec<u8> {
    [account.as_slice(), &asset.to_bytes()].concat()
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

fn store_tree(st: &mut StateTxn, tree: &CommitmentTree) -> Result<(), ChainError> {
    use ark_serialize::CanonicalSerialize;
    let mut b = vec![];
    tree.serialize_compressed(&mut b)
        .map_err(|e| ChainError::Store(e.to_string()))?;
    st.put(T::Meta, TREE_KEY, &b)
}

fn credit(st: &mut StateTxn, table: T, key: &[u8], amount: u64) -> Result<(), ChainError> {
    let v = st.get_u64(table, key)?;
    let new = v
        .checked_add(amount)
        .ok_or_else(|| fail(Rule::Accounts, "balance overflow"))?;
    st.put_u64(table, key, new)
}

fn debit(
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

fn get_ticket(st: &StateTxn, id: &[u8; 32]) -> Result<Option<TicketRecord>, ChainError> {
    st.get(T::Tickets, id)?
        .map(|b| TicketRecord::from_bytes(&b).map_err(|e| ChainError::Store(e.to_string())))
        .transpose()
}

fn get_node(st: &StateTxn, id: &[u8; 32]) -> Result<Option<NodeRecord>, ChainError> {
    st.get(T::Nodes, id)?
        .map(|b| NodeRecord::from_bytes(&b).map_err(|e| ChainError::Store(e.to_string())))
        .transpose()
}

fn expiry_key(params: &ChainParams, t: &TicketRecord, id: &[u8; 32]) -> Vec<u8> {
    let at = t.bought_at + params.ticket_maturity + params.ticket_expiry;
    [at.to_be_bytes().as_slice(), id].concat()
}

/// Removes a ticket from the pool: its stake is due at the next settlement,
/// its node no longer waits for it.
fn retire_ticket(
    params: &ChainParams,
    st: &mut StateTxn,
    id: &[u8; 32],
    t: &TicketRecord,
) -> Result<(), ChainError> {
    st.delete(T::Tickets, id)?;
    st.delete(T::Expiries, &expiry_key(params, t, id))?;
    let pool = st.get_u64(T::Meta, POOL_KEY)?;
    st.put_u64(T::Meta, POOL_KEY, pool.saturating_sub(1))?;
    credit(st, T::Pending, &t.owner, t.price)?;
    if let Some(node_id) = &t.node {
        if let Some(mut n) = get_node(st, node_id)? {
            n.active_tickets = n.active_tickets.saturating_sub(1);
            st.put(T::Nodes, node_id, &n.to_bytes())?;
        }
    }
    Ok(())
}

/// Removes the tickets whose expiry height is at most `height`.
pub fn expire_tickets(
    params: &ChainParams,
    st: &mut StateTxn,
    height: u64,
) -> Result<(), ChainError> {
    let end = (height + 1).to_be_bytes();
    for key in st.keys_below(T::Expiries, &end)? {
        let id: [u8; 32] = key
            .get(8..)
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| ChainError::Store("corrupt expiry key".into()))?;
        if let Some(t) = get_ticket(st, &id)? {
            retire_ticket(params, st, &id, &t)?;
        }
    }
    Ok(())
}

/// The tickets drawn to vote on the block after `parent` at `height`.
pub fn drawn_tickets(
    params: &ChainParams,
    st: &StateTxn,
    parent: &[u8; 32],
    height: u64,
) -> Result<(Vec<DrawnTicket>, usize), ChainError> {
    let mut mature = vec![];
    for (k, v) in st.entries(T::Tickets)? {
        let rec = TicketRecord::from_bytes(&v).map_err(|e| ChainError::Store(e.to_string()))?;
        if rec.bought_at + params.ticket_maturity <= height {
            let id: [u8; 32] = k
                .as_slice()
                .try_into()
                .map_err(|_| ChainError::Store("corrupt ticket id".into()))?;
            mature.push((id, rec));
        }
    }
    let required = params.required_votes(mature.len() as u64);
    if required == 0 {
        return Ok((vec![], 0));
    }
    let picks = draw_indices(
        &draw_seed(parent),
        mature.len() as u64,
        params.voters_per_block,
    );
    let mut out = vec![];
    for i in picks {
        let (ticket, record) = mature[i as usize].clone();
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

struct Anchors(HashSet<Fr>);

impl superzk_verifier::verify::AnchorCheck for Anchors {
    fn is_known(&self, a: &Fr) -> bool {
        self.0.contains(a)
    }
}

fn recent_anchors(params: &ChainParams, st: &StateTxn, height: u64) -> Result<Anchors, ChainError> {
    let oldest = height.saturating_sub(params.anchor_window);
    let mut set = HashSet::new();
    for (k, v) in st.entries(T::Anchors)? {
        let h = u64::from_le_bytes(v.as_slice().try_into().unwrap_or([0; 8]));
        if h >= oldest {
            if let Ok(f) = decode_field(&k, "anchor") {
                set.insert(f);
            }
        }
    }
    Ok(Anchors(set))
}

/// What validation needs besides the state.
pub struct Context<'a> {
    /// Chain parameters.
    pub params: &'a ChainParams,
    /// The verifying keys shielded transactions must use.
    pub keys: &'a VerifyingKeys,
    /// The parent's header (`None` for genesis).
    pub parent: Option<&'a Header>,
    /// Seconds between the first and last block of the retarget window
    /// ending at the parent (asked only at retarget heights).
    pub retarget_span: &'a dyn Fn() -> Result<u64, ChainError>,
}

/// Validates `block` and writes its changes into `st`. On error the caller
/// drops the transaction: nothing is applied.
pub fn apply_block(
    ctx: &Context,
    st: &mut StateTxn,
    block: &Block,
    seal: Seal,
    rng: &mut dyn CryptoRngCore,
) -> Result<RuleCounts, ChainError> {
    let height = block.header.height;
    apply_inner(ctx, st, block, seal, rng).map_err(|e| match e {
        ChainError::Block { error, .. } => ChainError::Block { height, error },
        other => other,
    })
}

/// The header's transaction and vote roots commit to the block's contents.
pub(crate) fn check_roots(block: &Block) -> Result<(), ChainError> {
    if block.header.tx_root != tx_root(&block.txs) {
        return Err(fail(
            Rule::Structure,
            "transaction root does not match the transactions",
        ));
    }
    if block.header.votes_root != votes_root(&block.votes) {
        return Err(fail(Rule::Structure, "votes root does not match the votes"));
    }
    Ok(())
}

fn apply_inner(
    ctx: &Context,
    st: &mut StateTxn,
    block: &Block,
    seal: Seal,
    rng: &mut dyn CryptoRngCore,
) -> Result<RuleCounts, ChainError> {
    let params = ctx.params;
    let h = &block.header;
    let mut counts = RuleCounts::default();

    // 1. Structure.
    check_roots(block)?;
    let Some(parent) = ctx.parent else {
        return apply_genesis(st, block, seal, counts);
    };
    if h.height != parent.height + 1 || h.parent != parent.hash() {
        return Err(fail(
            Rule::Structure,
            format!(
                "does not extend the tip (height {}, parent {})",
                h.height,
                hex8(&h.parent)
            ),
        ));
    }
    let coinbase = match block.txs.first() {
        Some(ChainTx::Coinbase(c)) => c,
        _ => {
            return Err(fail(
                Rule::Structure,
                "the first transaction must be the coinbase",
            ))
        }
    };
    if block.txs[1..]
        .iter()
        .any(|t| matches!(t, ChainTx::Coinbase(_) | ChainTx::Genesis(_)))
    {
        return Err(fail(
            Rule::Structure,
            "a coinbase or genesis allocation after the first transaction",
        ));
    }
    counts.add(Rule::Structure, 1);

    // 2. Timestamp, difficulty, proof of work.
    if h.time <= parent.time {
        return Err(fail(Rule::Timestamp, "time is not after the parent's"));
    }
    counts.add(Rule::Timestamp, 1);
    let mut span_err = None;
    let expected = crate::pow::next_difficulty(params, parent.height, parent.difficulty, || {
        (ctx.retarget_span)().unwrap_or_else(|e| {
            span_err = Some(e);
            1
        })
    });
    if let Some(e) = span_err {
        return Err(e);
    }
    if h.difficulty != expected {
        return Err(fail(
            Rule::Difficulty,
            format!(
                "difficulty {} where the retarget rule gives {expected}",
                h.difficulty
            ),
        ));
    }
    counts.add(Rule::Difficulty, 1);
    if seal == Seal::Check {
        if !meets_target(&h.hash(), h.difficulty) {
            return Err(fail(Rule::ProofOfWork, "header hash is above the target"));
        }
        counts.add(Rule::ProofOfWork, 1);
    }

    // 3. Expired tickets leave the pool.
    expire_tickets(params, st, h.height)?;

    // 4. The draw and the votes.
    let mut sigs: Vec<(AccountId, [u8; 32], Signature)> = vec![];
    let (drawn, required) = drawn_tickets(params, st, &h.parent, h.height)?;
    let mut voted: Vec<&DrawnTicket> = vec![];
    let body = body_root(&block.txs[1..]);
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
        voted.push(d);
        sigs.push((
            d.signer,
            vote_message(&h.parent, h.height, &body, &v.ticket),
            v.signature,
        ));
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
    counts.add(Rule::Votes, block.votes.len() as u64);
    for d in &drawn {
        let did_vote = voted.iter().any(|x| x.ticket == d.ticket);
        if let Some(node_id) = &d.record.node {
            if let Some(mut n) = get_node(st, node_id)? {
                n.votes_expected += 1;
                n.votes_cast += u64::from(did_vote);
                st.put(T::Nodes, node_id, &n.to_bytes())?;
            }
        }
        retire_ticket(params, st, &d.ticket, &d.record)?;
    }

    // 5. Transactions.
    let mut fees: u64 = 0;
    let mut shielded: Vec<Transaction> = vec![];
    let mut block_nullifiers = HashSet::new();
    let mut tree = load_tree(st)?;
    let native = AssetId::native();
    for tx in &block.txs[1..] {
        if let Some(auth) = tx.authorization() {
            let nonce = st.get_u64(T::Nonces, &auth.account)?;
            if auth.nonce != nonce {
                return Err(fail(
                    Rule::Accounts,
                    format!("nonce {} where the account's is {nonce}", auth.nonce),
                ));
            }
            st.put_u64(T::Nonces, &auth.account, nonce + 1)?;
            sigs.push((
                auth.account,
                tx.auth_message().expect("authorised"),
                auth.signature,
            ));
            counts.add(Rule::Accounts, 1);
        }
        match tx {
            ChainTx::BuyTickets(p) => {
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
                    if get_node(st, n)?.is_none() {
                        return Err(fail(
                            Rule::StakingNodes,
                            "ticket names an unregistered StakingNode",
                        ));
                    }
                }
                let id = tx.id();
                for i in 0..p.count {
                    let pool = st.get_u64(T::Meta, POOL_KEY)?;
                    let price = params.ticket_price(pool);
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
                        bought_at: h.height,
                    };
                    st.put(T::Tickets, &tid, &rec.to_bytes())?;
                    st.put(T::Expiries, &expiry_key(params, &rec, &tid), &[])?;
                    st.put_u64(T::Meta, POOL_KEY, pool + 1)?;
                }
                if let Some(node_id) = &p.node {
                    let mut n = get_node(st, node_id)?.expect("checked above");
                    n.active_tickets += u64::from(p.count);
                    st.put(T::Nodes, node_id, &n.to_bytes())?;
                }
                counts.add(Rule::Tickets, u64::from(p.count));
            }
            ChainTx::RegisterNode(r) => {
                let id = node_id(&r.auth.account, r.auth.nonce);
                debit(st, &r.auth.account, &native, params.staking_pledge)?;
                let rec = NodeRecord {
                    owner: r.auth.account,
                    vote_key: r.vote_key,
                    pledge: params.staking_pledge,
                    registered_at: h.height,
                    active_tickets: 0,
                    votes_expected: 0,
                    votes_cast: 0,
                    pending_reward: 0,
                };
                st.put(T::Nodes, &id, &rec.to_bytes())?;
                counts.add(Rule::StakingNodes, 1);
            }
            ChainTx::WithdrawNode(w) => {
                let Some(n) = get_node(st, &w.node)? else {
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
                if h.height < n.registered_at + params.staking_min_lock {
                    return Err(fail(
                        Rule::StakingNodes,
                        format!(
                            "pledge locked until height {}",
                            n.registered_at + params.staking_min_lock
                        ),
                    ));
                }
                if n.active_tickets > 0 {
                    return Err(fail(
                        Rule::StakingNodes,
                        format!(
                            "{} tickets naming the node have not finished",
                            n.active_tickets
                        ),
                    ));
                }
                st.delete(T::Nodes, &w.node)?;
                credit(st, T::Pending, &n.owner, n.pledge + n.pending_reward)?;
                counts.add(Rule::StakingNodes, 1);
            }
            ChainTx::Shielded(s) => {
                let stx = &s.tx;
                fees = fees
                    .checked_add(stx.fee)
                    .ok_or_else(|| fail(Rule::Rewards, "fees overflow"))?;
                for nf in stx.nullifiers() {
                    let key = superzk_keys::spending_key::encode_field(&nf);
                    if st.get(T::Nullifiers, &key)?.is_some() || !block_nullifiers.insert(key) {
                        return Err(fail(
                            Rule::Nullifiers,
                            format!("nullifier {} already spent", hex8(&key)),
                        ));
                    }
                    st.put(T::Nullifiers, &key, &h.height.to_le_bytes())?;
                    counts.add(Rule::Nullifiers, 1);
                }
                // The issuer is the transaction's public account (format
                // version 2); without one the list is empty, and the block's
                // `verify_batch` refuses the transaction (MissingPublicAccount).
                for (_, t) in stx.issued_tickets() {
                    let key = t.asset().to_bytes();
                    if st.get(T::Issued, &key)?.is_some() {
                        return Err(fail(
                            Rule::Issuance,
                            format!(
                                "ticket {} of category {:?} was already issued",
                                hex8(&key),
                                t.category
                            ),
                        ));
                    }
                    st.put(T::Issued, &key, &h.height.to_le_bytes())?;
                    counts.add(Rule::Issuance, 1);
                }
                let public: Vec<&(AssetId, i64)> =
                    stx.balances.iter().filter(|(_, v)| *v != 0).collect();
                if !public.is_empty() {
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
                }
                for o in stx.all_outputs() {
                    tree.append(o.cm, &mut [])
                        .map_err(|e| fail(Rule::Structure, e.to_string()))?;
                }
                shielded.push(stx.clone());
            }
            ChainTx::Coinbase(_) | ChainTx::Genesis(_) => unreachable!("refused above"),
        }
    }
    store_tree(st, &tree)?;

    // 6. Rewards.
    let reward = params.block_reward(h.height);
    let via_node: Vec<[u8; 32]> = voted.iter().filter_map(|d| d.via_node).collect();
    let s = split(reward, drawn.len(), voted.len(), via_node.len());
    let expected = Coinbase {
        miner: coinbase.miner,
        miner_amount: s.miner + fees,
        voter_rewards: voted.iter().map(|d| (d.ticket, s.per_voter)).collect(),
        node_rewards: via_node.iter().map(|id| (*id, s.per_node)).collect(),
        burned: s.burned,
    };
    if *coinbase != expected {
        return Err(fail(
            Rule::Rewards,
            format!(
                "coinbase pays miner {} / voters {:?} / nodes {:?} / burns {}; the split gives {} / {:?} / {:?} / {}",
                coinbase.miner_amount,
                coinbase.voter_rewards.iter().map(|x| x.1).collect::<Vec<_>>(),
                coinbase.node_rewards.iter().map(|x| x.1).collect::<Vec<_>>(),
                coinbase.burned,
                expected.miner_amount,
                expected.voter_rewards.iter().map(|x| x.1).collect::<Vec<_>>(),
                expected.node_rewards.iter().map(|x| x.1).collect::<Vec<_>>(),
                expected.burned
            ),
        ));
    }
    credit(
        st,
        T::Accounts,
        &account_key(&coinbase.miner, &native),
        expected.miner_amount,
    )?;
    for d in &voted {
        credit(st, T::Pending, &d.record.owner, s.per_voter)?;
    }
    for id in &via_node {
        if let Some(mut n) = get_node(st, id)? {
            n.pending_reward += s.per_node;
            st.put(T::Nodes, id, &n.to_bytes())?;
        }
    }
    credit(st, T::Meta, BURNED_KEY, s.burned)?;
    counts.add(Rule::Rewards, 1);

    // 7. Proofs and signatures, each in one batch, side by side.
    let anchors = recent_anchors(params, st, h.height)?;
    let mut proof_seed = [0u8; 32];
    rng.fill_bytes(&mut proof_seed);
    let sig_count = sigs.len() as u64;
    let sig_seed = rng_seed(rng);
    let (proofs, signatures) = rayon::join(
        || {
            let mut rng = rand_chacha::ChaCha20Rng::from_seed(proof_seed);
            verify_batch(&shielded, ctx.keys, &anchors, &mut rng)
        },
        || verify_signatures(&sigs, sig_seed, "votes first, then transactions"),
    );
    if let Err(failure) = proofs {
        let (i, e) = failure
            .invalid
            .into_iter()
            .next()
            .expect("a failure names a transaction");
        let rule = match e {
            TxError::UnknownAnchor { .. } => Rule::Anchors,
            TxError::DuplicateNullifier(_) => Rule::Nullifiers,
            _ => Rule::ShieldedProofs,
        };
        return Err(ChainError::Block {
            height: 0,
            error: BlockError {
                rule,
                detail: format!("shielded transaction {i}: {e}"),
                tx_error: Some(e),
            },
        });
    }
    counts.add(
        Rule::ShieldedProofs,
        shielded
            .iter()
            .map(|t| (t.all_spends().count() + t.all_outputs().count()) as u64)
            .sum(),
    );
    counts.add(
        Rule::Anchors,
        shielded.iter().map(|t| t.all_spends().count() as u64).sum(),
    );
    signatures?;
    counts.add(Rule::Signatures, sig_count);

    // 8. Settlement and the new anchor.
    if h.height % params.settlement_interval == 0 {
        settle(params, st)?;
    }
    // The anchor's height is the last height at which it was the root, so
    // that a tree left unchanged for longer than the window stays spendable.
    let root_key = superzk_keys::spending_key::encode_field(&tree.root());
    st.put(T::Anchors, &root_key, &h.height.to_le_bytes())?;

    // 9. State root.
    if seal == Seal::Check {
        check_state_root(st, h, &mut counts)?;
    }
    Ok(counts)
}

fn rng_seed(rng: &mut dyn CryptoRngCore) -> [u8; 32] {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    s
}

/// Verifies `sigs` in one batch; on failure names the first bad one by its
/// index in `sigs`, whose order `order` describes.
pub(crate) fn verify_signatures(
    sigs: &[(AccountId, [u8; 32], Signature)],
    seed: [u8; 32],
    order: &str,
) -> Result<(), ChainError> {
    let mut items = Vec::with_capacity(sigs.len());
    for (who, msg, sig) in sigs {
        let vk = crate::account::verification_key(who).ok_or_else(|| {
            fail(
                Rule::Signatures,
                format!("{} is not a valid public key", hex8(who)),
            )
        })?;
        items.push((vk, msg.as_slice(), *sig));
    }
    let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
    if superzk_keys::signature::batch_verify::<ChainAuth>(&items, &mut rng).is_ok() {
        return Ok(());
    }
    // Name the first bad one.
    for (i, (vk, msg, sig)) in items.iter().enumerate() {
        if vk.verify(msg, sig).is_err() {
            return Err(fail(
                Rule::Signatures,
                format!("signature {i} of the block ({order}) is invalid"),
            ));
        }
    }
    Err(fail(Rule::Signatures, "the signature batch failed"))
}

/// The id of the StakingNode registered by `owner` with `nonce`.
pub fn node_id(owner: &AccountId, nonce: u64) -> [u8; 32] {
    hash(b"SuperZK_NodeId__", &[owner, &nonce.to_le_bytes()])
}

/// The weekly settlement: StakingNodes below the vote-rate threshold forfeit
/// the period's rewards (burned); everything due is paid.
fn settle(params: &ChainParams, st: &mut StateTxn) -> Result<(), ChainError> {
    for (k, v) in st.entries(T::Nodes)? {
        let mut n = NodeRecord::from_bytes(&v).map_err(|e| ChainError::Store(e.to_string()))?;
        let penalised = n.votes_expected >= params.staking_min_sample
            && n.votes_cast * 100 < n.votes_expected * params.staking_min_vote_rate_pct;
        if penalised {
            credit(st, T::Meta, BURNED_KEY, n.pending_reward)?;
        } else {
            credit(st, T::Pending, &n.owner, n.pending_reward)?;
        }
        n.pending_reward = 0;
        n.votes_cast = 0;
        n.votes_expected = 0;
        st.put(T::Nodes, &k, &n.to_bytes())?;
    }
    let native = AssetId::native();
    for (k, v) in st.entries(T::Pending)? {
        let account: AccountId = k
            .as_slice()
            .try_into()
            .map_err(|_| ChainError::Store("corrupt pending key".into()))?;
        let amount = u64::from_le_bytes(v.as_slice().try_into().unwrap_or([0; 8]));
        credit(st, T::Accounts, &account_key(&account, &native), amount)?;
        st.delete(T::Pending, &k)?;
    }
    Ok(())
}

fn check_state_root(st: &StateTxn, h: &Header, counts: &mut RuleCounts) -> Result<(), ChainError> {
    let root = st.state_root()?;
    if root != h.state_root {
        return Err(fail(
            Rule::StateRoot,
            format!(
                "header states {} but the state after the block is {}",
                hex8(&h.state_root),
                hex8(&root)
            ),
        ));
    }
    counts.add(Rule::StateRoot, 1);
    Ok(())
}

fn apply_genesis(
    st: &mut StateTxn,
    block: &Block,
    seal: Seal,
    mut counts: RuleCounts,
) -> Result<RuleCounts, ChainError> {
    let h = &block.header;
    if h.height != 0 || h.parent != [0; 32] || !block.votes.is_empty() {
        return Err(fail(
            Rule::Structure,
            "genesis must be height 0 with no parent and no votes",
        ));
    }
    let [ChainTx::Genesis(allocations)] = block.txs.as_slice() else {
        return Err(fail(
            Rule::Structure,
            "genesis holds exactly one allocation transaction",
        ));
    };
    for a in allocations {
        credit(
            st,
            T::Accounts,
            &account_key(&a.account, &a.asset),
            a.amount,
        )?;
    }
    let tree = CommitmentTree::new();
    store_tree(st, &tree)?;
    st.put(
        T::Anchors,
        &superzk_keys::spending_key::encode_field(&tree.root()),
        &0u64.to_le_bytes(),
    )?;
    counts.add(Rule::Structure, 1);
    if seal == Seal::Check {
        check_state_root(st, h, &mut counts)?;
    }
    Ok(counts)
}
