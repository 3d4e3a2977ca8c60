//! `superzk node story`: the devnet story of `superzk devnet`, told as a
//! client of a running devnet node instead of on an embedded store.
//!
//! The client holds the devnet's well-known keys of Alice and the
//! StakingNode operator. It builds every transaction locally (nonces from
//! `GetAccount`, the chain id from `GetStatus`, expiry at the tip plus 100),
//! sends it with `SendTransaction` and waits, bounded, until the node mined
//! it. Meanwhile a background voter polls `GetCurrentDraw` and signs the
//! ballots of Alice's tickets and of the operator's StakingNode, so the
//! node's blocks get the votes the rules require (Alice buys more tickets
//! when hers run low: drawn tickets leave the pool). The wallets scan every
//! shielded transaction of the chain in order (located with compact blocks,
//! read in full with `GetBlock`), so their note commitment trees match the
//! node's even when other transactions came first.
//!
//! Why a client: it exercises the node's API the way wallets and voters
//! will, end to end, with real blocks mined by the daemon.

use std::{
    collections::HashSet,
    path::PathBuf,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rand_core::OsRng;
use superzk_chain_core::{
    account::{AccountId, AccountKey},
    block::Block,
    params::COIN,
    tx::{Authorization, ChainTx, NodeRegistration, ShieldedTx, TicketPurchase},
    validate::node_id,
};
use superzk_node::{
    network::devnet_key,
    proto::{
        self, block_request::At, chain_client::ChainClient, light_client_client::LightClientClient,
        transaction_status::State,
    },
};
use superzk_prover::ProvingKeys;
use superzk_verifier::transaction::Transaction;
use tokio::sync::watch;
use tonic::transport::Channel;

use crate::{error::CliError, scenario::Scenario};

/// Flags of `superzk node story`.
#[derive(Args)]
pub struct StoryArgs {
    /// The devnet node's gRPC address (its data directory's `node.addr`).
    #[arg(long, default_value = "http://127.0.0.1:8232")]
    pub node: String,
    /// Where the demo's (insecure, seeded) proving parameters are cached;
    /// default: the user cache directory or $SUPERZK_PARAMS_DIR.
    #[arg(long)]
    pub params_dir: Option<PathBuf>,
    /// Seconds to wait for each transaction to be mined.
    #[arg(long, default_value_t = 120)]
    pub mine_timeout_s: u64,
}

/// Why the story stopped.
#[derive(Debug, thiserror::Error)]
pub enum StoryError {
    /// Nothing answers at the address.
    #[error(
        "no node at {url}: start one with `superzk node run --mine --data-dir DIR` ({reason})"
    )]
    Unreachable {
        /// The address tried.
        url: String,
        /// What the transport said.
        reason: String,
    },
    /// The node runs another network, where the devnet keys hold nothing.
    #[error(
        "the node at {url} runs {network}; the story signs with the devnet's well-known keys, \
         so it needs a devnet node"
    )]
    NotDevnet {
        /// The address.
        url: String,
        /// The network it reported.
        network: String,
    },
    /// A call failed or the node refused a request.
    #[error("{call}: {message} ({code:?})")]
    Rpc {
        /// The call (and what it was about).
        call: String,
        /// The gRPC status code.
        code: tonic::Code,
        /// The node's message.
        message: String,
    },
    /// A transaction stayed unmined past the deadline.
    #[error(
        "{what} was not mined within {secs} s (last seen {state}); is the node mining \
         (`--mine`), and did the drawn tickets vote?"
    )]
    NotMined {
        /// The transaction.
        what: String,
        /// The deadline.
        secs: u64,
        /// Its last state.
        state: &'static str,
    },
    /// The node answered something that cannot be right.
    #[error("the node sent {0}")]
    Malformed(String),
    /// Keys, proofs or the wallets' story.
    #[error(transparent)]
    Story(#[from] CliError),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

/// Tickets Alice buys in each of her two purchases.
const TICKETS_PER_PURCHASE: u32 = 20;
/// The most she pays per ticket.
const MAX_TICKET_PRICE: u64 = 10 * COIN;
/// Fewer of Alice's tickets than this left in the pool (three blocks'
/// draws on the devnet), and she buys more before the next step.
const TICKETS_LOW: usize = 9;
/// Blocks before a story transaction expires.
const EXPIRY_MARGIN: u64 = 100;
/// How often the voter asks for the current draw.
const VOTE_POLL: Duration = Duration::from_millis(200);
/// How often a pending transaction's state is asked for.
const STATUS_POLL: Duration = Duration::from_millis(100);
/// Compact blocks asked for per `GetCompactBlocks` call.
const COMPACT_PAGE: u64 = 100;

/// Runs `superzk node story`.
pub fn run(args: StoryArgs) -> Result<(), StoryError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| StoryError::Runtime(e.to_string()))?
        .block_on(story(args))
}

/// The story's two well-known devnet actors.
struct Actors {
    alice: AccountKey,
    operator: AccountKey,
}

impl Actors {
    fn devnet() -> Self {
        Self {
            alice: devnet_key("alice"),
            operator: devnet_key("staking-node operator"),
        }
    }
}

async fn story(args: StoryArgs) -> Result<(), StoryError> {
    let mut client = NodeClient::connect(&args.node, args.mine_timeout_s).await?;
    let actors = Actors::devnet();
    let params_dir = args.params_dir.clone();
    let proving = tokio::task::spawn_blocking(move || crate::load_demo_keys(params_dir))
        .await
        .map_err(|e| StoryError::Runtime(e.to_string()))?
        .map_err(CliError::from)?;
    let (stop, stopped) = watch::channel(false);
    let votes = Arc::new(VoteCount::default());
    let voter = tokio::spawn(vote_loop(
        client.chain.clone(),
        vec![actors.alice.clone(), actors.operator.clone()],
        votes.clone(),
        stopped,
    ));
    let bar = progress_bar();
    let told = tell(&mut client, &actors, &proving, &bar).await;
    let _ = stop.send(true);
    let _ = voter.await;
    let (scenario, txs) = told?;
    bar.finish_with_message("done");
    let status = client.status().await?;
    println!("wallets: {}", scenario.check_outcome()?);
    println!(
        "story: {txs} transactions mined; height {}; votes: {} accepted, {} refused",
        status.height,
        votes.accepted.load(Ordering::Relaxed),
        votes.refused.load(Ordering::Relaxed),
    );
    Ok(())
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(3 + crate::scenario::STEPS as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} story [{bar:30}] {pos}/{len} {msg} ({elapsed})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The staking set-up, then the wallets' steps; returns the wallets and
/// how many transactions were mined.
async fn tell(
    client: &mut NodeClient,
    actors: &Actors,
    proving: &ProvingKeys,
    bar: &ProgressBar,
) -> Result<(Scenario, usize), StoryError> {
    let (node, mut mined) = stake(client, actors, bar).await?;
    let mut scenario = Scenario::new(&mut OsRng, actors.alice.id());
    let mut scanner = Scanner::default();
    loop {
        mined += top_up_tickets(client, &actors.alice, node, bar).await?;
        scanner.catch_up(client, &mut scenario, None).await?;
        let tip = client.status().await?.height;
        let chain_id = client.chain_id;
        bar.set_message("proving");
        let step = tokio::task::block_in_place(|| {
            scenario.next_step(proving, chain_id, tip + EXPIRY_MARGIN, &mut OsRng)
        })?;
        let Some(step) = step else { break };
        let what = format!("the {} transaction", step.label);
        bar.set_message(format!(
            "{} (proved in {:.0} ms)",
            step.label, step.prove_ms
        ));
        let tx = wrap_shielded(client, step.tx, &actors.alice).await?;
        let height = client.send_and_wait(&tx, &what).await?;
        scanner
            .catch_up(client, &mut scenario, Some(height))
            .await?;
        mined += 1;
        bar.inc(1);
    }
    Ok((scenario, mined))
}

/// The proof-of-stake set-up: the operator's StakingNode (registered now
/// unless it has one already), then two purchases of Alice's tickets, the
/// second naming the node. Returns the node and the transactions mined.
async fn stake(
    client: &mut NodeClient,
    actors: &Actors,
    bar: &ProgressBar,
) -> Result<([u8; 32], usize), StoryError> {
    bar.set_message("registering a StakingNode");
    let operator = actors.operator.id();
    let (node, mut mined) = match client.node_of(&operator).await? {
        Some(node) => (node, 0),
        None => {
            let nonce = client.nonce(&operator).await?;
            let mut tx = ChainTx::RegisterNode(NodeRegistration {
                vote_key: operator,
                auth: Authorization::unsigned(),
            });
            tx.authorize(&actors.operator, nonce, &client.chain_id, &mut OsRng);
            client
                .send_and_wait(&tx, "the StakingNode registration")
                .await?;
            (node_id(&operator, nonce), 1)
        }
    };
    bar.inc(1);
    for named in [None, Some(node)] {
        bar.set_message(if named.is_some() {
            "buying tickets voted by the StakingNode"
        } else {
            "buying tickets"
        });
        buy_tickets(client, &actors.alice, named).await?;
        mined += 1;
        bar.inc(1);
    }
    Ok((node, mined))
}

/// Alice buys [`TICKETS_PER_PURCHASE`] tickets (voted by the StakingNode
/// `named`, or by her own key) and waits until the purchase is mined.
async fn buy_tickets(
    client: &mut NodeClient,
    alice: &AccountKey,
    named: Option<[u8; 32]>,
) -> Result<(), StoryError> {
    let purchase = ChainTx::BuyTickets(TicketPurchase {
        count: TICKETS_PER_PURCHASE,
        max_price: MAX_TICKET_PRICE,
        vote_key: alice.id(),
        node: named,
        auth: Authorization::unsigned(),
    });
    let tx = client.authorized(purchase, alice).await?;
    client.send_and_wait(&tx, "a ticket purchase").await?;
    Ok(())
}

/// Tops Alice's tickets up (one purchase naming the StakingNode) when
/// fewer than [`TICKETS_LOW`] are left: drawn tickets leave the pool after
/// voting and the rest expire, so on fast blocks the first purchases run
/// out before the story ends. Returns the transactions mined (0 or 1).
async fn top_up_tickets(
    client: &mut NodeClient,
    alice: &AccountKey,
    node: [u8; 32],
    bar: &ProgressBar,
) -> Result<usize, StoryError> {
    if client.tickets_of(&alice.id()).await? >= TICKETS_LOW {
        return Ok(0);
    }
    bar.set_message("topping up the tickets");
    buy_tickets(client, alice, Some(node)).await?;
    Ok(1)
}

/// `tx` as a chain transaction; one naming a public account (shielding,
/// issuing) is authorised by Alice, whose account that is.
async fn wrap_shielded(
    client: &mut NodeClient,
    tx: Transaction,
    alice: &AccountKey,
) -> Result<ChainTx, StoryError> {
    let public = tx.public_account.is_some();
    let wrapped = ChainTx::Shielded(Box::new(ShieldedTx {
        tx,
        public: public.then(Authorization::unsigned),
    }));
    if public {
        client.authorized(wrapped, alice).await
    } else {
        Ok(wrapped)
    }
}

/// The node's two services and what every transaction binds to.
struct NodeClient {
    url: String,
    light: LightClientClient<Channel>,
    chain: ChainClient<Channel>,
    chain_id: [u8; 32],
    mine_timeout: Duration,
}

impl NodeClient {
    /// Connects and checks the node runs a devnet.
    async fn connect(url: &str, mine_timeout_s: u64) -> Result<Self, StoryError> {
        let unreachable = |reason: String| StoryError::Unreachable {
            url: url.to_string(),
            reason,
        };
        let (light, chain) = superzk_node::rpc::connect(url)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let mut client = Self {
            url: url.to_string(),
            light,
            chain,
            chain_id: [0; 32],
            mine_timeout: Duration::from_secs(mine_timeout_s),
        };
        let status = client.status().await?;
        if status.network != "devnet" {
            return Err(StoryError::NotDevnet {
                url: url.to_string(),
                network: status.network,
            });
        }
        client.chain_id = bytes32(&status.chain_id, "a chain id")?;
        Ok(client)
    }

    /// A failed call as a [`StoryError`]: an unavailable node is unreachable.
    fn failed(&self, call: impl Into<String>, status: tonic::Status) -> StoryError {
        if status.code() == tonic::Code::Unavailable {
            return StoryError::Unreachable {
                url: self.url.clone(),
                reason: status.message().to_string(),
            };
        }
        StoryError::Rpc {
            call: call.into(),
            code: status.code(),
            message: status.message().to_string(),
        }
    }

    async fn status(&mut self) -> Result<proto::NodeStatus, StoryError> {
        match self.chain.get_status(proto::StatusRequest {}).await {
            Ok(r) => Ok(r.into_inner()),
            Err(s) => Err(self.failed("GetStatus", s)),
        }
    }

    async fn nonce(&mut self, account: &AccountId) -> Result<u64, StoryError> {
        let request = proto::AccountRequest {
            account: account.to_vec(),
        };
        match self.chain.get_account(request).await {
            Ok(r) => Ok(r.into_inner().nonce),
            Err(s) => Err(self.failed("GetAccount", s)),
        }
    }

    /// `tx` authorised by `key` with its account's next nonce.
    async fn authorized(
        &mut self,
        mut tx: ChainTx,
        key: &AccountKey,
    ) -> Result<ChainTx, StoryError> {
        let nonce = self.nonce(&key.id()).await?;
        tx.authorize(key, nonce, &self.chain_id, &mut OsRng);
        Ok(tx)
    }

    /// How many tickets `owner` has in the pool (the node lists at most
    /// 100).
    async fn tickets_of(&mut self, owner: &AccountId) -> Result<usize, StoryError> {
        let request = proto::TicketsRequest {
            owner: owner.to_vec(),
            limit: 0,
        };
        match self.chain.get_tickets(request).await {
            Ok(r) => Ok(r.into_inner().tickets.len()),
            Err(s) => Err(self.failed("GetTickets", s)),
        }
    }

    /// The StakingNode `owner` registered, if it has one still open.
    async fn node_of(&mut self, owner: &AccountId) -> Result<Option<[u8; 32]>, StoryError> {
        let nodes = match self.chain.get_nodes(proto::NodesRequest {}).await {
            Ok(r) => r.into_inner().nodes,
            Err(s) => return Err(self.failed("GetNodes", s)),
        };
        nodes
            .iter()
            .find(|n| n.owner == owner && !n.closing)
            .map(|n| bytes32(&n.id, "a StakingNode id"))
            .transpose()
    }

    /// Sends `tx` and waits until it is mined; returns its block's height.
    async fn send_and_wait(&mut self, tx: &ChainTx, what: &str) -> Result<u64, StoryError> {
        let request = proto::RawTransaction { tx: tx.to_bytes() };
        let sent = match self.light.send_transaction(request).await {
            Ok(r) => r.into_inner().txid,
            Err(s) => return Err(self.failed(format!("SendTransaction ({what})"), s)),
        };
        if sent != tx.id() {
            return Err(StoryError::Malformed(format!(
                "another id for {what} than its own ({})",
                hex::encode(&sent)
            )));
        }
        self.wait_mined(&tx.id(), what).await
    }

    /// Polls the transaction's state until it is mined or the deadline.
    async fn wait_mined(&mut self, txid: &[u8; 32], what: &str) -> Result<u64, StoryError> {
        let deadline = tokio::time::Instant::now() + self.mine_timeout;
        let mut state = "pending";
        while tokio::time::Instant::now() < deadline {
            let request = proto::TxId {
                txid: txid.to_vec(),
            };
            let status = match self.light.get_transaction_status(request).await {
                Ok(r) => r.into_inner(),
                Err(s) => return Err(self.failed("GetTransactionStatus", s)),
            };
            match status.state() {
                State::Mined => return Ok(status.height),
                State::Pending => state = "pending in the mempool",
                State::Unknown => state = "unknown to the node (dropped from the mempool?)",
            }
            tokio::time::sleep(STATUS_POLL).await;
        }
        Err(StoryError::NotMined {
            what: what.to_string(),
            secs: self.mine_timeout.as_secs(),
            state,
        })
    }

    /// The best chain's block at `height`.
    async fn block(&mut self, height: u64) -> Result<Block, StoryError> {
        let request = proto::BlockRequest {
            at: Some(At::Height(height)),
        };
        let raw = match self.light.get_block(request).await {
            Ok(r) => r.into_inner().block,
            Err(s) => return Err(self.failed(format!("GetBlock {height}"), s)),
        };
        let block = Block::from_bytes(&raw)
            .map_err(|e| StoryError::Malformed(format!("an undecodable block {height}: {e}")))?;
        if block.header.height != height {
            return Err(StoryError::Malformed(format!(
                "block {} when asked for block {height}",
                block.header.height
            )));
        }
        Ok(block)
    }

    /// Heights in `start..=end` whose compact blocks carry shielded
    /// transactions, paging through `GetCompactBlocks`.
    async fn shielded_heights(&mut self, start: u64, end: u64) -> Result<Vec<u64>, StoryError> {
        let mut heights = vec![];
        let mut next = start;
        while next <= end {
            let last = end.min(next + COMPACT_PAGE - 1);
            let range = proto::BlockRange {
                start: next,
                end: last,
            };
            let mut stream = match self.light.get_compact_blocks(range).await {
                Ok(r) => r.into_inner(),
                Err(s) => return Err(self.failed("GetCompactBlocks", s)),
            };
            let before = next;
            loop {
                let block = match stream.message().await {
                    Ok(Some(b)) => b,
                    Ok(None) => break,
                    Err(s) => return Err(self.failed("GetCompactBlocks", s)),
                };
                if block.height != next {
                    return Err(StoryError::Malformed(format!(
                        "compact block {} where block {next} was due",
                        block.height
                    )));
                }
                if !block.txs.is_empty() {
                    heights.push(block.height);
                }
                next += 1;
            }
            if next == before {
                return Err(StoryError::Malformed(format!(
                    "no compact blocks for {before}..={last}"
                )));
            }
        }
        Ok(heights)
    }
}

/// A 32-byte field of a reply.
fn bytes32(bytes: &[u8], what: &str) -> Result<[u8; 32], StoryError> {
    bytes
        .try_into()
        .map_err(|_| StoryError::Malformed(format!("{what} of {} bytes", bytes.len())))
}

/// Feeds the wallets every shielded transaction of the best chain, in
/// order, from block 1 on.
#[derive(Default)]
struct Scanner {
    /// The highest block scanned.
    scanned: u64,
}

impl Scanner {
    /// Scans the blocks after the last one scanned, up to `upto` (default:
    /// the tip).
    async fn catch_up(
        &mut self,
        client: &mut NodeClient,
        scenario: &mut Scenario,
        upto: Option<u64>,
    ) -> Result<(), StoryError> {
        let end = match upto {
            Some(h) => h,
            None => client.status().await?.height,
        };
        if end <= self.scanned {
            return Ok(());
        }
        for height in client.shielded_heights(self.scanned + 1, end).await? {
            let block = client.block(height).await?;
            for tx in &block.txs {
                if let ChainTx::Shielded(s) = tx {
                    scenario.scan(&s.tx)?;
                }
            }
        }
        self.scanned = end;
        Ok(())
    }
}

/// Votes the voter submitted: taken by the node, or refused.
#[derive(Default)]
struct VoteCount {
    accepted: AtomicUsize,
    refused: AtomicUsize,
}

/// Polls the current draw until `stop` turns true, and votes with `keys`
/// for every ballot one of them signs (late ones included), once per
/// block being built (a new tip drops the node's collected votes, so the
/// ballots of the next block are voted on afresh). Refusals are counted
/// and polling goes on: the story itself notices a node that went away.
async fn vote_loop(
    mut chain: ChainClient<Channel>,
    keys: Vec<AccountKey>,
    count: Arc<VoteCount>,
    mut stop: watch::Receiver<bool>,
) {
    let mut voted = HashSet::new();
    let mut building = (0, vec![]);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(VOTE_POLL) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        let Ok(draw) = chain.get_current_draw(proto::DrawRequest {}).await else {
            continue;
        };
        let draw = draw.into_inner();
        if building != (draw.height, draw.parent.clone()) {
            building = (draw.height, draw.parent.clone());
            voted.clear();
        }
        for ballot in draw.tickets {
            vote_once(&mut chain, &keys, &ballot, &mut voted, &count).await;
        }
    }
}

/// Signs and submits `ballot` if one of `keys` is its signer and it was
/// not voted on yet with this message.
async fn vote_once(
    chain: &mut ChainClient<Channel>,
    keys: &[AccountKey],
    ballot: &proto::DrawnTicket,
    voted: &mut HashSet<(Vec<u8>, Vec<u8>, bool)>,
    count: &VoteCount,
) {
    // No message (empty, or zeros): the node builds no block right now.
    let Ok(message) = <[u8; 32]>::try_from(ballot.message.as_slice()) else {
        return;
    };
    if message == [0; 32] {
        return;
    }
    let Some(key) = keys.iter().find(|k| k.id().as_slice() == ballot.signer) else {
        return;
    };
    if !voted.insert((ballot.ticket.clone(), ballot.message.clone(), ballot.late)) {
        return;
    }
    let vote = proto::VoteSubmission {
        ticket: ballot.ticket.clone(),
        signature: key.sign(&message, &mut OsRng).to_bytes().to_vec(),
        late: ballot.late,
        message: ballot.message.clone(),
    };
    let counter = match chain.submit_vote(vote).await {
        Ok(_) => &count.accepted,
        Err(_) => &count.refused,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}
