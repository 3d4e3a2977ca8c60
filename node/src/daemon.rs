//! The daemon: opens the node, serves gRPC (and gRPC-web), exports
//! Prometheus metrics, runs the producer when mining, and stops cleanly on
//! SIGINT or SIGTERM. Every block is acknowledged only after its redb
//! transaction committed, so SIGKILL loses nothing acknowledged.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use tokio::sync::watch;

use crate::{
    config::{load_key, node_miner_key, NodeConfig},
    error::NodeError,
    mempool::MempoolLimits,
    node::{Node, NodeOptions},
    p2p::{self, P2pConfig},
    producer::{self, ProducerConfig},
    rpc::{self, RpcConfig},
};

/// The file in the data directory naming the address the node serves on.
pub const ADDR_FILE: &str = "node.addr";

/// Logs as text (default) or JSON lines, filtered by `RUST_LOG` (default
/// `info`).
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) keeps the first.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Opens the node `config` describes (blocking: run it off the runtime).
pub fn open_node(config: &NodeConfig) -> Result<Arc<Node>, NodeError> {
    let network = config.network()?;
    let (options, genesis) = NodeOptions::for_network(network, config.data_dir()?.to_path_buf())?;
    let vote_keys = config
        .voting
        .keys
        .iter()
        .map(|spec| load_key(spec, network))
        .collect::<Result<Vec<_>, _>>()?;
    let mempool = MempoolLimits {
        max_bytes: config.mempool.max_bytes,
        ..options.mempool.clone()
    };
    Node::open(
        NodeOptions {
            mempool,
            vote_keys,
            ..options
        },
        genesis,
    )
}

fn producer_config(config: &NodeConfig, node: &Node) -> Result<ProducerConfig, NodeError> {
    let network = config.network()?;
    let key = match &config.mining.account {
        Some(spec) => load_key(spec, network)?,
        None => node_miner_key(node.data_dir())?,
    };
    let interval = config
        .mining
        .block_interval_ms
        .unwrap_or(node.params().target_block_time * 1_000);
    Ok(ProducerConfig {
        miner: key.id(),
        block_interval: Duration::from_millis(interval),
        vote_wait: Duration::from_millis(config.mining.vote_wait_ms),
    })
}

/// The peer-to-peer network `config` asks for, if any.
fn p2p_config(config: &NodeConfig) -> Result<Option<P2pConfig>, NodeError> {
    if config.p2p_listen.is_empty() && config.peers.is_empty() {
        return Ok(None);
    }
    Ok(Some(P2pConfig {
        listen: p2p::parse_addrs("p2p_listen", &config.p2p_listen)?,
        peers: p2p::parse_addrs("peer", &config.peers)?,
        ..P2pConfig::default()
    }))
}

/// Unblocks SIGINT and SIGTERM in the calling thread, and so in every
/// thread it starts afterwards. A process inherits its parent's signal
/// mask: a node started by a parent that blocks them (Swift's Foundation
/// `Process` spawns from threads that block every signal) would never
/// receive them, its handlers would never run, and only SIGKILL could stop
/// it. Call it on the main thread before the async runtime starts.
#[cfg(unix)]
pub fn unblock_stop_signals() -> Result<(), NodeError> {
    use nix::sys::signal::{pthread_sigmask, SigSet, SigmaskHow, Signal};
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    set.add(Signal::SIGTERM);
    pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&set), None)
        .map_err(|e| NodeError::Config(format!("cannot unblock SIGINT and SIGTERM: {e}")))
}

/// Nothing to unblock where there are no POSIX signals.
#[cfg(not(unix))]
pub fn unblock_stop_signals() -> Result<(), NodeError> {
    Ok(())
}

/// Waits for SIGINT or SIGTERM (see [`unblock_stop_signals`] for a parent
/// that blocked them).
pub async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

fn install_metrics(addr: SocketAddr) -> Result<(), NodeError> {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
        .map_err(|e| NodeError::Config(format!("metrics endpoint {addr}: {e}")))
}

/// Runs the node until `shutdown` completes (pass [`stop_signal`]).
pub async fn run(config: NodeConfig, shutdown: impl Future<Output = ()>) -> Result<(), NodeError> {
    let c = config.clone();
    let node = tokio::task::spawn_blocking(move || open_node(&c))
        .await
        .map_err(|_| NodeError::Stopped)??;
    let tip = node.tip()?;
    tracing::info!(
        network = %config.network,
        height = tip.height,
        tip = %hex::encode(tip.hash()),
        "node opened"
    );
    if let Some(addr) = config.metrics {
        install_metrics(addr)?;
        tracing::info!(%addr, "metrics endpoint");
    }
    metrics::gauge!("superzk_height").set(tip.height as f64);
    metrics::gauge!("superzk_peers").set(0.0);
    let p2p_config = p2p_config(&config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| NodeError::io(format!("listening on {}", config.listen), e))?;
    let bound = listener
        .local_addr()
        .map_err(|e| NodeError::io("listener", e))?;
    // Where clients find this node (the port may have been chosen by the
    // system: `--listen 127.0.0.1:0`).
    let addr_file = node.data_dir().join(ADDR_FILE);
    std::fs::write(&addr_file, format!("http://{bound}\n"))
        .map_err(|e| NodeError::io(addr_file.display().to_string(), e))?;
    tracing::info!(addr = %bound, "gRPC and gRPC-web");
    let (stop_tx, stop_rx) = watch::channel(false);
    let mining = config.mining.enabled;
    let producer = if mining {
        let pc = producer_config(&config, &node)?;
        tracing::info!(miner = %hex::encode(pc.miner), "mining");
        Some(tokio::spawn(producer::run(
            node.clone(),
            pc,
            stop_rx.clone(),
        )))
    } else {
        None
    };
    let mut rpc_stop = stop_rx.clone();
    let rpc_config = RpcConfig {
        mining,
        ..RpcConfig::default()
    };
    let network = p2p_config.map(|pc| {
        tokio::spawn(p2p::run(
            node.clone(),
            pc,
            rpc_config.peers.clone(),
            stop_rx.clone(),
        ))
    });
    let server = tokio::spawn(rpc::serve(node.clone(), listener, rpc_config, async move {
        let _ = rpc_stop.wait_for(|s| *s).await;
    }));
    // A network that cannot start (an address taken, a bad multiaddr)
    // stops the node rather than leaving it running alone unnoticed.
    let mut network = network;
    let network_failed = tokio::select! {
        _ = shutdown => None,
        r = async {
            match network.as_mut() {
                Some(n) => n.await,
                None => std::future::pending().await,
            }
        } => {
            network = None;
            match r {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e),
                Err(_) => Some(NodeError::Stopped),
            }
        }
    };
    tracing::info!("stopping");
    let _ = stop_tx.send(true);
    if let Some(p) = producer {
        let _ = p.await;
    }
    if let Some(n) = network {
        match n.await {
            Ok(Err(e)) => tracing::error!(error = %e, "peer-to-peer network"),
            Err(e) => tracing::error!(error = %e, "peer-to-peer task failed"),
            Ok(Ok(())) => {}
        }
    }
    if let Some(e) = network_failed {
        let _ = server.await;
        return Err(e);
    }
    match server.await {
        Ok(r) => r?,
        Err(_) => return Err(NodeError::Stopped),
    }
    tracing::info!("stopped");
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use nix::sys::signal::{pthread_sigmask, SigSet, SigmaskHow, Signal};

    fn blocked() -> SigSet {
        let mut now = SigSet::empty();
        pthread_sigmask(SigmaskHow::SIG_BLOCK, None, Some(&mut now)).unwrap();
        now
    }

    #[test]
    fn stop_signals_a_parent_blocked_are_unblocked() {
        // A thread of its own: the mask is per thread.
        std::thread::spawn(|| {
            let mut set = SigSet::empty();
            set.add(Signal::SIGTERM);
            set.add(Signal::SIGINT);
            set.add(Signal::SIGUSR1);
            pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).unwrap();
            assert!(blocked().contains(Signal::SIGTERM));
            super::unblock_stop_signals().unwrap();
            let now = blocked();
            assert!(!now.contains(Signal::SIGTERM) && !now.contains(Signal::SIGINT));
            // Only those two: the rest of the inherited mask is kept.
            assert!(now.contains(Signal::SIGUSR1));
        })
        .join()
        .unwrap();
    }
}
