//! The block producer: at the profile's block interval, build the next
//! block from the mempool, wait for the drawn tickets' votes up to a
//! deadline, mine it and submit it like any other block.
//!
//! Votes sign the block's transactions, so a round's transactions are fixed
//! when the round begins (after each new tip); the producer waits until the
//! interval since the tip has passed, then until enough votes are ready or
//! the vote deadline passes (a block short of votes is refused by the
//! rules, so it then waits for the next tick rather than mining it).
//! While votes are missing, the round is announced to peers (once a
//! second), so vote keys held by other nodes sign it too.

use std::{sync::Arc, time::Duration};

use superzk_chain_core::account::AccountId;
use tokio::sync::watch;

use crate::{error::NodeError, node::Node};

/// How often a round still missing votes is announced to peers.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(1);

/// When the producer mines.
#[derive(Clone, Debug)]
pub struct ProducerConfig {
    /// The account coinbases pay.
    pub miner: AccountId,
    /// Time between blocks.
    pub block_interval: Duration,
    /// How long after the interval the producer waits for missing votes.
    pub vote_wait: Duration,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Runs until `stop` turns true.
pub async fn run(node: Arc<Node>, config: ProducerConfig, mut stop: watch::Receiver<bool>) {
    let tick = Duration::from_millis(100).min(config.block_interval);
    let mut last_tip = None;
    let mut round_started = tokio::time::Instant::now();
    let mut last_announced: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        let n = node.clone();
        let miner = config.miner;
        let Ok(Ok(tip)) = tokio::task::spawn_blocking(move || n.tip()).await else {
            continue;
        };
        if last_tip != Some(tip.hash()) {
            last_tip = Some(tip.hash());
            round_started = tokio::time::Instant::now();
            last_announced = None;
        }
        let waited = round_started.elapsed();
        if waited < config.block_interval {
            continue;
        }
        let n = node.clone();
        let ready = tokio::task::spawn_blocking(move || n.votes_ready(miner)).await;
        let Ok(Ok((ready, required))) = ready else {
            continue;
        };
        if ready < required && last_announced.is_none_or(|t| t.elapsed() >= ANNOUNCE_EVERY) {
            // Voters on other nodes learn the round this way; again while
            // votes are missing, in case a voter joined late.
            last_announced = Some(tokio::time::Instant::now());
            let n = node.clone();
            let _ = tokio::task::spawn_blocking(move || n.announce_round(miner)).await;
        }
        if ready < required && waited < config.block_interval + config.vote_wait {
            continue;
        }
        if ready < required {
            tracing::warn!(ready, required, "not enough votes for the next block yet");
            round_started = tokio::time::Instant::now();
            continue;
        }
        let n = node.clone();
        match tokio::task::spawn_blocking(move || n.mine_block(miner, unix_now())).await {
            Ok(Ok((block, outcome))) => tracing::info!(
                height = block.header.height,
                txs = block.txs.len() - 1,
                votes = block.votes.len(),
                ?outcome,
                "mined a block"
            ),
            Ok(Err(e)) => log_refusal(&e),
            Err(e) => tracing::error!(error = %e, "the producer's task failed"),
        }
    }
}

fn log_refusal(e: &NodeError) {
    tracing::warn!(error = %e, "the block produced was refused; trying again next tick");
}
