//! Complete block validation: every consensus rule, checked while the block's
//! changes are written into one store transaction, so a refused block leaves
//! nothing behind. One module per rule, in checking order
//! (docs/PROTOCOL.md "Rules"):
//!
//! 1. structure — [`header::check_roots`], [`header::check_structure`];
//! 2. timestamp (median-time-past, future limit), difficulty, proof of work
//!    — [`header`];
//! 3. tickets past their expiry leave the pool, mature ones join the draw —
//!    [`pool::prepare_pool`];
//! 4. the draw from the parent hash; votes for this miner's block from
//!    drawn tickets, late votes for the parent — [`votes`];
//! 5. transactions: accounts, tickets, StakingNodes, shielded transactions
//!    — [`txs`];
//! 6. the coinbase pays exactly the reward split, late shares and fees —
//!    [`coinbase`];
//! 7. all proofs in one randomized batch beside all signatures in one
//!    Schnorr batch; anchors — [`proofs`];
//! 8. settlement at the period's end; the tree root as an anchor —
//!    [`settle`];
//! 9. the state root in the header matches the state.

mod coinbase;
mod header;
mod pool;
mod proofs;
mod settle;
mod state;
mod txs;
mod votes;

use std::collections::{BTreeMap, HashSet};

use rand_core::CryptoRngCore;
use superzk_circuits::{note::AssetId, tree::CommitmentTree};
use superzk_verifier::verify::VerifyingKeys;

pub(crate) use coinbase::expected_coinbase;
pub(crate) use header::check_roots;
pub use header::median_time_past;
pub(crate) use pool::mature_count;
pub use pool::{drawn_tickets, prepare_pool, DrawnTicket};
pub(crate) use proofs::{known_anchors, verify_signatures};
pub use state::load_tree;
pub(crate) use state::TREE_KEY;
pub(crate) use state::{fail, hex8};
pub use txs::node_id;
pub(crate) use txs::{apply_tx, TxEffects};
pub(crate) use votes::SigItem;
pub(crate) use votes::{block_split, late_voters};

use crate::{
    block::{Block, Header},
    error::{ChainError, Rule},
    params::ChainParams,
    store::{StateTable as T, StateTxn},
    tx::ChainTx,
};
use state::{account_key, checked_sum, credit, store_tree, GENESIS_KEY};

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

/// What validation needs besides the state.
pub struct Context<'a> {
    /// Chain parameters.
    pub params: &'a ChainParams,
    /// The verifying keys shielded transactions must use.
    pub keys: &'a VerifyingKeys,
    /// The parent's header (`None` for genesis).
    pub parent: Option<&'a Header>,
    /// The chain id (the genesis block's hash) that account signatures and
    /// shielded transactions commit to (unused for genesis).
    pub chain_id: [u8; 32],
    /// Times of the parent and its ancestors, newest first, at most the
    /// profile's `median_time_blocks`.
    pub recent_times: &'a [u64],
    /// The validating node's clock, seconds since the Unix epoch.
    pub now: u64,
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
    apply_rules(ctx, st, block, seal, rng).map_err(|e| match e {
        ChainError::Block { error, .. } => ChainError::Block { height, error },
        other => other,
    })
}

/// Every rule in order; each is one call a reader finds by its name.
fn apply_rules(
    ctx: &Context,
    st: &mut StateTxn,
    block: &Block,
    seal: Seal,
    rng: &mut dyn CryptoRngCore,
) -> Result<RuleCounts, ChainError> {
    let h = &block.header;
    let mut counts = RuleCounts::default();
    check_roots(block)?;
    let Some(parent) = ctx.parent else {
        return apply_genesis(st, block, seal, counts);
    };
    let coinbase = header::check_structure(block, parent)?;
    counts.add(Rule::Structure, 1);
    header::check_timestamp(ctx, h)?;
    counts.add(Rule::Timestamp, 1);
    header::check_difficulty(ctx, parent, h)?;
    counts.add(Rule::Difficulty, 1);
    if seal == Seal::Check {
        header::check_proof_of_work(h)?;
        counts.add(Rule::ProofOfWork, 1);
    }
    pool::prepare_pool(ctx.params, st, h.height)?;
    let mut sigs = vec![];
    let outcome = votes::check_votes(ctx, st, block, coinbase, &mut sigs)?;
    counts.add(
        Rule::Votes,
        (block.votes.len() + block.late_votes.len()) as u64,
    );
    let mut effects = txs::TxEffects {
        fees: 0,
        shielded: vec![],
        nullifiers: HashSet::new(),
        tree: state::load_tree(st)?,
    };
    for tx in &block.txs[1..] {
        txs::apply_tx(ctx, st, tx, h.height, &mut effects, &mut sigs, &mut counts)?;
    }
    coinbase::check_coinbase(ctx, st, h.height, coinbase, &outcome, effects.fees)?;
    counts.add(Rule::Rewards, 1);
    proofs::verify_block_batch(
        ctx,
        st,
        &effects.shielded,
        &sigs,
        h.height,
        rng,
        &mut counts,
    )?;
    settle::end_of_block(ctx.params, st, h.height, &effects.tree)?;
    if seal == Seal::Check {
        check_state_root(st, h, &mut counts)?;
    }
    Ok(counts)
}

/// Rule 9: the header's state root is the state's.
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

/// The genesis block: height 0, no parent, no votes, one allocation.
fn apply_genesis(
    st: &mut StateTxn,
    block: &Block,
    seal: Seal,
    mut counts: RuleCounts,
) -> Result<RuleCounts, ChainError> {
    let h = &block.header;
    if h.height != 0
        || h.version != crate::block::HEADER_VERSION
        || h.parent != [0; 32]
        || !block.votes.is_empty()
        || !block.late_votes.is_empty()
    {
        return Err(fail(
            Rule::Structure,
            "genesis must be a current-version header at height 0 with no parent and no votes",
        ));
    }
    let [ChainTx::Genesis(allocations)] = block.txs.as_slice() else {
        return Err(fail(
            Rule::Structure,
            "genesis holds exactly one allocation transaction",
        ));
    };
    let native = AssetId::native();
    let mut native_total = 0u64;
    for a in allocations {
        credit(
            st,
            T::Accounts,
            &account_key(&a.account, &a.asset),
            a.amount,
        )?;
        if a.asset == native {
            native_total =
                checked_sum(Rule::Accounts, "the genesis supply", native_total, a.amount)?;
        }
    }
    st.put_u64(T::Meta, GENESIS_KEY, native_total)?;
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
