//! Sync by height ranges: answering peers' requests from the best chain,
//! and catching up from peers with more work — headers first (their
//! linkage and proof of work checked before any body is asked for), then
//! bodies in batches spread over the peers that have them, each block
//! applied through the node (fork choice, chain-core's full validation
//! with its batch proof verification).

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use futures::{stream, StreamExt};
use libp2p::PeerId;
use superzk_chain_core::{
    block::{Block, Header},
    pow::meets_target,
};
use tokio::sync::{mpsc, oneshot, watch};

use super::{
    protocol::{self, Request, Response, Status},
    Command, Hint,
};
use crate::{error::NodeError, forks::MAX_REORG_DEPTH, node::Node};

/// How far below its tip a node looks for where a peer's chain forks
/// from its own (within the reorganisation bound).
const FORK_WINDOW: u64 = MAX_REORG_DEPTH / 2;
/// Blocks asked of one peer at once.
const BODY_BATCH: u32 = 64;
/// Body requests in flight at once (over all peers).
const PARALLEL_BATCHES: usize = 6;
/// How often peers are asked for their status.
const POLL: Duration = Duration::from_secs(2);

/// Answers a sync request from the best chain (blocking).
pub(super) fn answer(node: &Node, request: &Request) -> Result<Response, NodeError> {
    let tip = node.tip()?;
    Ok(match *request {
        Request::Status => Response::Status(Status {
            chain_id: node.chain_id()?,
            height: tip.height,
            tip: tip.hash(),
            work: node.tip_work(),
        }),
        Request::Headers { start, count } => {
            let count = count.min(protocol::MAX_HEADERS);
            let mut hs = vec![];
            for h in range(start, count, tip.height) {
                match node.chain().header(h)? {
                    Some(header) => hs.push(header),
                    None => break,
                }
            }
            Response::Headers(hs)
        }
        Request::Blocks { start, count } => {
            let count = count.min(protocol::MAX_BLOCKS);
            let mut bs = vec![];
            let mut bytes = 0;
            for h in range(start, count, tip.height) {
                let Ok(b) = node.block_at(h) else { break };
                bytes += b.to_bytes().len();
                if !bs.is_empty() && bytes > protocol::MAX_BLOCKS_BYTES {
                    break;
                }
                bs.push(b);
            }
            Response::Blocks(bs)
        }
    })
}

fn range(start: u64, count: u32, tip: u64) -> std::ops::RangeInclusive<u64> {
    let end = start.saturating_add(u64::from(count) - 1).min(tip);
    start..=end
}

/// Why a sync round stopped.
#[derive(Debug, thiserror::Error)]
enum SyncError {
    /// The peer broke the protocol or sent an invalid chain: banned.
    #[error("{0}")]
    Misbehaved(String),
    /// The peer did not answer usefully (it may have moved on).
    #[error("{0}")]
    Unhelpful(String),
    /// The node failed.
    #[error(transparent)]
    Node(#[from] NodeError),
}

/// The sync driver's handle on the swarm.
#[derive(Clone)]
struct Net {
    commands: mpsc::Sender<Command>,
}

impl Net {
    async fn request(&self, peer: PeerId, request: Request) -> Result<Response, String> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Request {
                peer,
                request,
                reply,
            })
            .await
            .map_err(|_| "the network stopped".to_string())?;
        match answer.await {
            Ok(Ok(Response::Refused(why))) => Err(format!("refused: {why}")),
            Ok(r) => r,
            Err(_) => Err("the network stopped".into()),
        }
    }

    async fn ban(&self, peer: PeerId, reason: String) {
        tracing::warn!(%peer, %reason, "sync: banning a peer");
        let _ = self.commands.send(Command::Ban { peer, reason }).await;
    }
}

async fn blocking<T: Send + 'static>(
    node: &Arc<Node>,
    f: impl FnOnce(&Node) -> Result<T, NodeError> + Send + 'static,
) -> Result<T, NodeError> {
    let n = node.clone();
    tokio::task::spawn_blocking(move || f(&n))
        .await
        .map_err(|_| NodeError::Stopped)?
}

/// Runs the sync driver until `stop`: every [`POLL`], or at once when a
/// peer connects or gossips a block with an unknown parent, asks the
/// peers for their status and catches up from those with more work.
pub(super) async fn run(
    node: Arc<Node>,
    commands: mpsc::Sender<Command>,
    mut hints: mpsc::UnboundedReceiver<Hint>,
    syncing: Arc<AtomicBool>,
    mut stop: watch::Receiver<bool>,
) {
    let net = Net { commands };
    let mut peers: HashSet<PeerId> = HashSet::new();
    let mut poll = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            h = hints.recv() => match h {
                Some(h) => note(&mut peers, h),
                None => return,
            },
            _ = poll.tick() => {}
            _ = stop.changed() => {
                if *stop.borrow() { return; }
            }
        }
        while let Ok(h) = hints.try_recv() {
            note(&mut peers, h);
        }
        if peers.is_empty() {
            continue;
        }
        let done = tokio::select! {
            r = round(&node, &net, &peers, &syncing) => r,
            _ = stop.changed() => return,
        };
        syncing.store(false, Ordering::Relaxed);
        match done {
            Ok(()) => {}
            Err(SyncError::Misbehaved(_)) => {}
            Err(e) => tracing::debug!(error = %e, "sync round stopped"),
        }
    }
}

fn note(peers: &mut HashSet<PeerId>, hint: Hint) {
    match hint {
        Hint::Connected(p) | Hint::UnknownParent(p) => {
            peers.insert(p);
        }
        Hint::Disconnected(p) => {
            peers.remove(&p);
        }
    }
}

/// One round: the peers' status, then a catch-up from those with more
/// work than this node.
async fn round(
    node: &Arc<Node>,
    net: &Net,
    peers: &HashSet<PeerId>,
    syncing: &AtomicBool,
) -> Result<(), SyncError> {
    let (chain_id, our_work) = blocking(node, |n| Ok((n.chain_id()?, n.tip_work()))).await?;
    let asking = net.clone();
    let asked = stream::iter(peers.iter().copied().collect::<Vec<_>>())
        .map(move |p| {
            let net = asking.clone();
            async move { (p, net.request(p, Request::Status).await) }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    let mut ahead: Vec<(PeerId, Status)> = vec![];
    for (peer, answer) in asked {
        match answer {
            Ok(Response::Status(s)) if s.chain_id != chain_id => {
                net.ban(peer, "a peer of another chain".into()).await;
            }
            Ok(Response::Status(s)) if s.work > our_work => ahead.push((peer, s)),
            Ok(Response::Status(_)) => {}
            Ok(_) => {
                net.ban(peer, "a status request answered with another kind".into())
                    .await
            }
            Err(e) => tracing::debug!(%peer, error = %e, "status request"),
        }
    }
    if ahead.is_empty() {
        return Ok(());
    }
    ahead.sort_by_key(|(_, s)| std::cmp::Reverse(s.work));
    syncing.store(true, Ordering::Relaxed);
    let best = ahead[0].0;
    match catch_up(node, net, &ahead).await {
        Err(SyncError::Misbehaved(reason)) => {
            net.ban(best, reason.clone()).await;
            Err(SyncError::Misbehaved(reason))
        }
        other => other,
    }
}

/// Catches up from `ahead` (most work first): segments of headers from
/// the best peer, each followed by its bodies.
async fn catch_up(
    node: &Arc<Node>,
    net: &Net,
    ahead: &[(PeerId, Status)],
) -> Result<(), SyncError> {
    let (best, target) = (ahead[0].0, ahead[0].1.work);
    loop {
        let (tip_height, work) = blocking(node, |n| Ok((n.tip()?.height, n.tip_work()))).await?;
        if work >= target {
            return Ok(());
        }
        let start = tip_height.saturating_sub(FORK_WINDOW).max(1);
        let headers = match net
            .request(
                best,
                Request::Headers {
                    start,
                    count: protocol::MAX_HEADERS,
                },
            )
            .await
        {
            Ok(Response::Headers(hs)) => hs,
            Ok(_) => {
                return Err(SyncError::Misbehaved(
                    "headers answered with another kind".into(),
                ))
            }
            Err(e) => return Err(SyncError::Unhelpful(e)),
        };
        check_headers(&headers, start)?;
        let fresh = new_headers(node, headers, start).await?;
        if fresh.is_empty() {
            return Err(SyncError::Unhelpful(
                "the peer claims more work but sent no new headers".into(),
            ));
        }
        fetch_bodies(node, net, ahead, &fresh).await?;
    }
}

/// Headers must be consecutive from `start`, linked, and each meet its
/// stated difficulty.
fn check_headers(headers: &[Header], start: u64) -> Result<(), SyncError> {
    let Some(first) = headers.first() else {
        return Err(SyncError::Unhelpful("no headers".into()));
    };
    if first.height != start {
        return Err(SyncError::Misbehaved(format!(
            "headers from height {} asked from {start}",
            first.height
        )));
    }
    for (i, h) in headers.iter().enumerate() {
        if !meets_target(&h.hash(), h.difficulty) {
            return Err(SyncError::Misbehaved(format!(
                "header at height {} does not meet its difficulty",
                h.height
            )));
        }
        if i > 0 {
            let prev = &headers[i - 1];
            if h.height != prev.height + 1 || h.parent != prev.hash() {
                return Err(SyncError::Misbehaved(format!(
                    "header at height {} does not follow the one before",
                    h.height
                )));
            }
        }
    }
    Ok(())
}

/// The headers after the last one this node has on its best chain (the
/// first must link to a block of it).
async fn new_headers(
    node: &Arc<Node>,
    headers: Vec<Header>,
    start: u64,
) -> Result<Vec<Header>, SyncError> {
    let ours: Vec<[u8; 32]> = blocking(node, move |n| {
        let tip = n.tip()?.height;
        let mut v = vec![];
        for h in start.saturating_sub(1)..=tip {
            match n.chain().header(h)? {
                Some(x) => v.push(x.hash()),
                None => break,
            }
        }
        Ok(v)
    })
    .await?;
    if ours.first() != Some(&headers[0].parent) {
        return Err(SyncError::Unhelpful(format!(
            "the peer's chain forks below height {start}, deeper than this node follows"
        )));
    }
    // ours[i + 1] is this node's block at headers[i]'s height.
    let same = headers
        .iter()
        .enumerate()
        .take_while(|(i, h)| ours.get(i + 1) == Some(&h.hash()))
        .count();
    Ok(headers.into_iter().skip(same).collect())
}

/// Fetches the bodies of `fresh` in batches, spread over the peers of
/// `ahead` that are high enough, and applies them in order.
async fn fetch_bodies(
    node: &Arc<Node>,
    net: &Net,
    ahead: &[(PeerId, Status)],
    fresh: &[Header],
) -> Result<(), SyncError> {
    let best = ahead[0].0;
    let batches: Vec<Vec<Header>> = fresh
        .chunks(BODY_BATCH as usize)
        .map(<[Header]>::to_vec)
        .collect();
    let heights: HashMap<PeerId, u64> = ahead.iter().map(|(p, s)| (*p, s.height)).collect();
    let order: Vec<PeerId> = ahead.iter().map(|(p, _)| *p).collect();
    let net = net.clone();
    let mut fetched = stream::iter(batches.into_iter().enumerate())
        .map(move |(i, batch)| {
            let end = batch[batch.len() - 1].height;
            // Round-robin over the peers high enough for this batch.
            let able: Vec<PeerId> = order
                .iter()
                .copied()
                .filter(|p| heights.get(p).is_some_and(|h| *h >= end))
                .collect();
            let peer = if able.is_empty() {
                best
            } else {
                able[i % able.len()]
            };
            let net = net.clone();
            async move {
                match fetch_batch(&net, peer, &batch).await {
                    Ok(blocks) => Ok(blocks),
                    // Another peer may be on another branch: ask the best.
                    Err(_) if peer != best => fetch_batch(&net, best, &batch).await,
                    Err(e) => Err(e),
                }
            }
        })
        .buffered(PARALLEL_BATCHES);
    while let Some(batch) = fetched.next().await {
        let blocks = batch?;
        let applied = blocking(node, move |n| {
            for b in blocks {
                let height = b.header.height;
                if let Err(e) = n.submit_block(b) {
                    return Ok(Err((height, e)));
                }
            }
            Ok(Ok(()))
        })
        .await?;
        if let Err((height, e)) = applied {
            if super::block_refused_for_good(&e) {
                return Err(SyncError::Misbehaved(format!(
                    "synced block at height {height} refused: {e}"
                )));
            }
            return Err(SyncError::Node(e));
        }
    }
    Ok(())
}

/// One batch of bodies; each must be the block its header names (the
/// header commits to the transactions and votes).
async fn fetch_batch(net: &Net, peer: PeerId, batch: &[Header]) -> Result<Vec<Block>, SyncError> {
    let start = batch[0].height;
    let blocks = match net
        .request(
            peer,
            Request::Blocks {
                start,
                count: batch.len() as u32,
            },
        )
        .await
    {
        Ok(Response::Blocks(bs)) => bs,
        Ok(_) => {
            net.ban(peer, "blocks answered with another kind".into())
                .await;
            return Err(SyncError::Unhelpful("a wrong answer".into()));
        }
        Err(e) => return Err(SyncError::Unhelpful(e)),
    };
    if blocks.len() != batch.len() {
        // A byte-bounded response may hold fewer: take what came only if
        // it is a prefix; the rest is asked for in the next segment.
        if blocks.is_empty() || blocks.len() > batch.len() {
            return Err(SyncError::Unhelpful(format!(
                "{} blocks for a batch of {}",
                blocks.len(),
                batch.len()
            )));
        }
    }
    for (b, h) in blocks.iter().zip(batch) {
        if b.hash() != h.hash() {
            return Err(SyncError::Unhelpful(format!(
                "the block at height {} is not the one its header named",
                h.height
            )));
        }
    }
    Ok(blocks)
}
