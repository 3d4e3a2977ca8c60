//! The gRPC API (node/proto/superzk/node/v1/node.proto): the `LightClient` and
//! `Chain` services over an [`Arc<Node>`](crate::node::Node), served by
//! tonic over HTTP/2 and, through tonic-web, over HTTP/1.1 for browsers.
//!
//! The server defends the node against its clients: messages are bounded
//! in size both ways, each request has a deadline, each connection a
//! number of requests in flight (more are refused with ResourceExhausted
//! rather than queued), and one token bucket bounds the request rate over
//! all connections. Requests are decoded and checked here (`status`)
//! before the node sees them; node errors map to one status each.
//!
//! * `light`: the `LightClient` service;
//! * `chain`: the `Chain` service;
//! * [`compact`]: compact blocks for wallet scanning;
//! * `status`: error mapping and checked decoders;
//! * `limit`: the global rate limit.

use std::{
    collections::BTreeMap,
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use tonic::{
    service::interceptor::InterceptedService,
    transport::{server::TcpIncoming, Channel, Endpoint, Server},
};

use crate::{
    error::NodeError,
    node::Node,
    proto::{
        chain_client::ChainClient, chain_server::ChainServer,
        light_client_client::LightClientClient, light_client_server::LightClientServer,
    },
};

mod chain;
pub mod compact;
mod light;
mod limit;
mod status;

pub use chain::{ChainService, DEFAULT_TICKETS, MAX_TICKETS};
pub use light::LightService;
pub use limit::RateLimit;

/// How the API is served.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Largest message decoded from or encoded to a client, in bytes
    /// (default 4 MiB: a full block with its proofs fits).
    pub max_message_bytes: usize,
    /// Most compact blocks one `GetCompactBlocks` call streams (default
    /// 10,000): a wallet asks again for the next range.
    pub max_blocks_per_stream: u64,
    /// Requests a second over all connections, with bursts of as many
    /// (default 1,000; 0: no limit). Requests over it get ResourceExhausted.
    pub requests_per_second: u32,
    /// Requests in flight on one connection (default 32); more get
    /// ResourceExhausted at once.
    pub concurrent_per_connection: usize,
    /// Deadline of each request (default 30 s; a client's shorter
    /// `grpc-timeout` wins). Streams are bounded by their length instead.
    pub timeout: Duration,
    /// Idle time before TCP keepalive probes (default 60 s), so dead
    /// clients' connections are closed.
    pub tcp_keepalive: Duration,
    /// Whether this node mines (reported by `GetStatus`).
    pub mining: bool,
    /// Connected peers (reported by `GetStatus`), kept by whoever manages
    /// them.
    pub peers: Arc<PeerList>,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            max_message_bytes: 4 << 20,
            max_blocks_per_stream: 10_000,
            requests_per_second: 1_000,
            concurrent_per_connection: 32,
            timeout: Duration::from_secs(30),
            tcp_keepalive: Duration::from_secs(60),
            mining: false,
            peers: Arc::new(PeerList::default()),
        }
    }
}

/// The peers a node is connected to, as `GetStatus` reports them: peer id
/// to the address of its first connection, in peer id order.
#[derive(Debug, Default)]
pub struct PeerList(Mutex<BTreeMap<String, String>>);

impl PeerList {
    /// Records a connected peer; an already listed peer keeps its address.
    pub fn connected(&self, id: String, address: String) {
        self.entries().entry(id).or_insert(address);
    }

    /// Forgets a peer that disconnected.
    pub fn disconnected(&self, id: &str) {
        self.entries().remove(id);
    }

    /// How many peers are connected.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether no peer is connected.
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// Every connected peer: (peer id, address).
    pub fn list(&self) -> Vec<(String, String)> {
        self.entries()
            .iter()
            .map(|(id, address)| (id.clone(), address.clone()))
            .collect()
    }

    // A panic while the lock was held cannot leave the map half-changed
    // (each change is one map call), so a poisoned lock is used as is.
    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Serves both services on `listener` (gRPC and gRPC-web) until
/// `shutdown` completes; then stops accepting and lets open requests end.
pub async fn serve(
    node: Arc<Node>,
    listener: tokio::net::TcpListener,
    config: RpcConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    let limit = RateLimit::new(config.requests_per_second);
    let size = config.max_message_bytes;
    let light = LightClientServer::new(LightService::new(
        Arc::clone(&node),
        config.max_blocks_per_stream,
    ))
    .max_decoding_message_size(size)
    .max_encoding_message_size(size);
    let chain = ChainServer::new(ChainService::new(node, config.clone()))
        .max_decoding_message_size(size)
        .max_encoding_message_size(size);
    let incoming = TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .with_keepalive(Some(config.tcp_keepalive));
    Server::builder()
        .accept_http1(true)
        .timeout(config.timeout)
        .concurrency_limit_per_connection(config.concurrent_per_connection)
        .load_shed(true)
        .layer(tonic_web::GrpcWebLayer::new())
        .add_service(InterceptedService::new(light, limit.clone()))
        .add_service(InterceptedService::new(chain, limit))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(|e| NodeError::io("gRPC server", std::io::Error::other(chain_of(&e))))
}

/// How long [`connect`] waits for a node to answer.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest message the clients of [`connect`] accept (a node may be
/// configured above the default 4 MiB).
pub const CLIENT_MAX_MESSAGE_BYTES: usize = 64 << 20;

/// Clients of both services on the node at `url` (`http://host:port`),
/// over one connection; an error names the URL when nothing answers.
pub async fn connect(
    url: &str,
) -> Result<(LightClientClient<Channel>, ChainClient<Channel>), NodeError> {
    let endpoint = Endpoint::from_shared(url.to_string())
        .map_err(|e| NodeError::Config(format!("node URL {url:?}: {}", chain_of(&e))))?
        .connect_timeout(CONNECT_TIMEOUT);
    let channel = tokio::time::timeout(CONNECT_TIMEOUT, endpoint.connect())
        .await
        .map_err(|_| {
            let timed_out = std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer");
            NodeError::io(format!("connecting to the node at {url}"), timed_out)
        })?
        .map_err(|e| {
            let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, chain_of(&e));
            NodeError::io(
                format!("no node answers at {url} (is it running?)"),
                refused,
            )
        })?;
    Ok((
        LightClientClient::new(channel.clone()).max_decoding_message_size(CLIENT_MAX_MESSAGE_BYTES),
        ChainClient::new(channel).max_decoding_message_size(CLIENT_MAX_MESSAGE_BYTES),
    ))
}

/// An error with its sources, joined: tonic's transport errors say only
/// "transport error" at the top.
fn chain_of(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
