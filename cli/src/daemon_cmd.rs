//! `superzk node run` (the daemon, `superzk-node`), `superzk node status`
//! and `superzk node story` (gRPC clients of a running node).

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use superzk_node::{config::NodeConfig, daemon, proto};

/// `superzk node ...`
#[derive(Subcommand)]
pub enum NodeCommand {
    /// Run a node until SIGINT or SIGTERM: the chain store in --data-dir,
    /// gRPC and gRPC-web on --listen, mining with --mine, peers with
    /// --p2p-listen and --peer.
    Run(RunArgs),
    /// Ask a running node for its height, tip, mempool and next draw.
    Status {
        /// The node's gRPC address.
        #[arg(long, default_value = "http://127.0.0.1:8232")]
        node: String,
    },
    /// Tell the devnet story (a StakingNode, tickets, both wallets' eight
    /// shielded transactions) as a client of a running devnet node: build
    /// and send each transaction, vote for the story's tickets, wait for
    /// the blocks, scan them, and check the wallets' balances.
    Story(crate::story_client::StoryArgs),
}

/// Flags of `superzk node run` (each overrides the config file).
#[derive(Args)]
pub struct RunArgs {
    /// A TOML configuration file (see the node crate's `config` module).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The network: devnet.
    #[arg(long)]
    network: Option<String>,
    /// The data directory (created if new; a second start resumes it).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The gRPC address (loopback by default).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// The Prometheus metrics address.
    #[arg(long)]
    metrics: Option<SocketAddr>,
    /// Mine blocks (to --miner, else to a key kept in the data directory).
    #[arg(long)]
    mine: bool,
    /// The miner's key: a file with a 32-byte hex seed, or `devnet:LABEL`.
    #[arg(long)]
    miner: Option<String>,
    /// A key whose votes the node signs (repeatable): a seed file or
    /// `devnet:LABEL`.
    #[arg(long = "vote-key")]
    vote_keys: Vec<String>,
    /// Milliseconds between mined blocks (default: the profile's target).
    #[arg(long)]
    block_interval_ms: Option<u64>,
    /// Join the peer-to-peer network, listening on this multiaddr
    /// (repeatable; replaces the config file's): TCP
    /// (`/ip4/127.0.0.1/tcp/0`) or QUIC (`/ip4/127.0.0.1/udp/0/quic-v1`);
    /// port 0 lets the system pick. The addresses taken, with
    /// `/p2p/PEER_ID`, are written to DATA_DIR/p2p.addr, one a line.
    #[arg(long)]
    p2p_listen: Vec<String>,
    /// A peer to dial (repeatable), TCP or QUIC, e.g. a line of its
    /// p2p.addr; dialled again whenever it drops.
    #[arg(long = "peer")]
    peers: Vec<String>,
    /// Log JSON lines instead of text.
    #[arg(long)]
    log_json: bool,
}

impl RunArgs {
    fn config(self) -> Result<NodeConfig, String> {
        let mut c = match &self.config {
            Some(path) => NodeConfig::from_file(path).map_err(|e| e.to_string())?,
            None => NodeConfig::default(),
        };
        if let Some(n) = self.network {
            c.network = n;
        }
        if self.data_dir.is_some() {
            c.data_dir = self.data_dir;
        }
        if let Some(l) = self.listen {
            c.listen = l;
        }
        if self.metrics.is_some() {
            c.metrics = self.metrics;
        }
        c.mining.enabled |= self.mine;
        if self.miner.is_some() {
            c.mining.account = self.miner;
        }
        if self.block_interval_ms.is_some() {
            c.mining.block_interval_ms = self.block_interval_ms;
        }
        c.voting.keys.extend(self.vote_keys);
        if !self.p2p_listen.is_empty() {
            c.p2p_listen = self.p2p_listen;
        }
        c.peers.extend(self.peers);
        Ok(c)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Runs `superzk node ...`.
pub fn run(cmd: NodeCommand) -> ExitCode {
    let result = match cmd {
        NodeCommand::Run(args) => {
            let json = args.log_json;
            args.config().and_then(|c| {
                daemon::init_logging(json);
                // Before the runtime's threads exist: they inherit the mask.
                daemon::unblock_stop_signals().map_err(|e| e.to_string())?;
                runtime()?
                    .block_on(daemon::run(c, daemon::stop_signal()))
                    .map_err(|e| e.to_string())
            })
        }
        NodeCommand::Status { node } => runtime().and_then(|rt| rt.block_on(status(&node))),
        NodeCommand::Story(args) => crate::story_client::run(args).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn status(url: &str) -> Result<(), String> {
    let (_, mut chain) = superzk_node::rpc::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let s = chain
        .get_status(proto::StatusRequest {})
        .await
        .map_err(|e| format!("{url}: {}", e.message()))?
        .into_inner();
    println!("network: {}", s.network);
    println!("height: {}", s.height);
    println!("tip: {}", hex::encode(&s.tip));
    println!("chain id: {}", hex::encode(&s.chain_id));
    println!(
        "mempool: {} transactions, {} bytes",
        s.mempool_transactions, s.mempool_bytes
    );
    println!(
        "next draw: {} tickets, {} votes required{}",
        s.next_draw.len(),
        s.required_votes,
        if s.next_draw.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                s.next_draw
                    .iter()
                    .map(|t| hex::encode(&t[..t.len().min(8)]))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    println!("side blocks: {}, orphans: {}", s.side_blocks, s.orphans);
    println!("mining: {}", if s.mining { "yes" } else { "no" });
    println!("peers: {}", s.peers);
    for peer in &s.connected_peers {
        println!("  {} at {}", peer.id, peer.address);
    }
    Ok(())
}
