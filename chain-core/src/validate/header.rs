//! Rules 1 and 2 on the header: structure (commitments, height, parent
//! link, the coinbase's place), timestamp (median-time-past and a future
//! limit), difficulty (the retarget rule) and proof of work. No arithmetic
//! here can overflow on a header field: every sum is checked.

use crate::{
    block::{tx_root, votes_root, Block, Header, HEADER_VERSION},
    error::{ChainError, Rule},
    pow::{meets_target, next_difficulty},
    tx::{ChainTx, Coinbase},
};

use super::{
    state::{fail, hex8},
    Context,
};

/// The header's transaction and vote roots commit to the block's contents.
pub(crate) fn check_roots(block: &Block) -> Result<(), ChainError> {
    if block.header.tx_root != tx_root(&block.txs) {
        return Err(fail(
            Rule::Structure,
            "transaction root does not match the transactions",
        ));
    }
    if block.header.votes_root != votes_root(&block.votes, &block.late_votes) {
        return Err(fail(Rule::Structure, "votes root does not match the votes"));
    }
    Ok(())
}

/// Rule 1: the block extends `parent`, starts with its coinbase and holds
/// no other coinbase or genesis allocation. Returns the coinbase.
pub(crate) fn check_structure<'b>(
    block: &'b Block,
    parent: &Header,
) -> Result<&'b Coinbase, ChainError> {
    let h = &block.header;
    // A header of another version would be stored but never read back
    // (decoding refuses it): the store would be stuck at that block.
    if h.version != HEADER_VERSION {
        return Err(fail(
            Rule::Structure,
            format!(
                "header version {} (this chain's is {HEADER_VERSION})",
                h.version
            ),
        ));
    }
    if parent.height.checked_add(1) != Some(h.height) || h.parent != parent.hash() {
        return Err(fail(
            Rule::Structure,
            format!(
                "does not extend the tip (height {}, parent {})",
                h.height,
                hex8(&h.parent)
            ),
        ));
    }
    let Some(ChainTx::Coinbase(coinbase)) = block.txs.first() else {
        return Err(fail(
            Rule::Structure,
            "the first transaction must be the coinbase",
        ));
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
    Ok(coinbase)
}

/// The median of the times of the last blocks (the parent's and its
/// ancestors', at most `median_time_blocks` of them).
pub fn median_time_past(recent_times: &[u64]) -> u64 {
    let mut times = recent_times.to_vec();
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or(0)
}

/// Rule 2a, Bitcoin's two time rules: later than the median time of the
/// last blocks (so one wrong clock cannot stop the chain or hold it back),
/// and not further ahead of the validating node's clock than the profile's
/// drift (so no block can be dated where no child can follow it, and a
/// retarget window cannot be stretched by more than the drift).
pub(crate) fn check_timestamp(ctx: &Context, header: &Header) -> Result<(), ChainError> {
    let mtp = median_time_past(ctx.recent_times);
    if header.time <= mtp {
        return Err(fail(
            Rule::Timestamp,
            format!(
                "time {} is not after the median time {mtp} of the last {} blocks",
                header.time,
                ctx.recent_times.len()
            ),
        ));
    }
    let limit = ctx.now.saturating_add(ctx.params.max_future_drift);
    if header.time > limit {
        return Err(fail(
            Rule::Timestamp,
            format!(
                "time {} is more than {} s ahead of this node's clock ({}); check the \
                 clocks of the miner and of this node",
                header.time, ctx.params.max_future_drift, ctx.now
            ),
        ));
    }
    Ok(())
}

/// Rule 2b: the header states the difficulty the retarget rule gives.
pub(crate) fn check_difficulty(
    ctx: &Context,
    parent: &Header,
    header: &Header,
) -> Result<(), ChainError> {
    let mut span_err = None;
    let expected = next_difficulty(ctx.params, parent.height, parent.difficulty, || {
        (ctx.retarget_span)().unwrap_or_else(|e| {
            span_err = Some(e);
            1
        })
    });
    if let Some(e) = span_err {
        return Err(e);
    }
    if header.difficulty != expected {
        return Err(fail(
            Rule::Difficulty,
            format!(
                "difficulty {} where the retarget rule gives {expected}",
                header.difficulty
            ),
        ));
    }
    Ok(())
}

/// Rule 2c: the header hash meets its difficulty.
pub(crate) fn check_proof_of_work(header: &Header) -> Result<(), ChainError> {
    if !meets_target(&header.hash(), header.difficulty) {
        return Err(fail(Rule::ProofOfWork, "header hash is above the target"));
    }
    Ok(())
}
