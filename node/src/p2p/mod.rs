//! The peer-to-peer network on rust-libp2p (PROTOCOL.md "Peer protocol"):
//! TCP with Noise and Yamux, and QUIC (TLS 1.3 and QUIC's own streams),
//! each address naming its transport; gossipsub for new blocks, transactions,
//! votes and round announcements (a miner's block that needs votes, so
//! vote keys on any node sign it); a request-response protocol for sync by height ranges; identify
//! and ping. Peers come from the configuration only (no outside
//! bootstrap); configured peers are dialled again when they drop.
//!
//! One task owns the swarm ([`run`]); the node's blocking work (checking
//! a block, admitting a transaction, reading ranges) runs on blocking
//! threads and reports back through channels, so the swarm never waits on
//! the disk or a proof. Gossip is validated before it is forwarded: a
//! message is reported Accept only after the node took it, Reject when it
//! breaks a rule (and its sender is banned), Ignore when it is known or
//! cannot be judged yet. The sync driver (`sync`) runs beside the swarm.

mod peers;
pub mod protocol;
mod sync;

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use libp2p::{
    allow_block_list, connection_limits,
    core::transport::ListenerId,
    gossipsub::{self, MessageAcceptance, MessageAuthenticity, MessageId, TopicHash},
    identify, identity, noise, ping,
    request_response::{self, OutboundRequestId, ProtocolSupport, ResponseChannel},
    swarm::{NetworkBehaviour, SwarmEvent},
    tcp, yamux, Multiaddr, PeerId, Swarm,
};
use superzk_chain_core::{
    codec::hash,
    error::{ChainError, Rule},
};
use tokio::sync::{mpsc, oneshot, watch, Semaphore};

use crate::{
    error::NodeError,
    forks::Outcome,
    mempool::MempoolError,
    node::{Announced, Node, NodeEvent},
    rpc::PeerList,
};
use peers::{PeerBook, Verdict};
use protocol::{Kind, Request, Response, SyncCodec};

/// The file in the data directory naming the node's peer-to-peer address
/// (with `/p2p/PEER_ID`).
pub const ADDR_FILE: &str = "p2p.addr";
/// The file in the data directory holding the node's peer identity key.
pub const KEY_FILE: &str = "p2p.key";

/// The network's bounds (PROTOCOL.md "Peer protocol", "Limits").
#[derive(Clone, Debug)]
pub struct Limits {
    /// Established connections at most, both ways together.
    pub max_connections: u32,
    /// Connections being set up at most, each way.
    pub max_pending: u32,
    /// How long a misbehaving peer stays banned.
    pub ban: Duration,
    /// Sync requests a second per peer, and the burst allowed.
    pub requests_per_second: u32,
    /// Sync requests in a burst.
    pub request_burst: u32,
    /// Gossip messages a second per peer, and the burst allowed.
    pub gossip_per_second: u32,
    /// Gossip messages in a burst.
    pub gossip_burst: u32,
    /// Gossip messages being checked by the node at once; more are
    /// ignored (not forwarded) rather than queued.
    pub max_validating: usize,
    /// How long a sync request may take.
    pub request_timeout: Duration,
    /// How often configured peers that dropped are dialled again.
    pub redial: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 64,
            max_pending: 16,
            ban: Duration::from_secs(600),
            requests_per_second: 50,
            request_burst: 100,
            gossip_per_second: 200,
            gossip_burst: 1_000,
            max_validating: 64,
            request_timeout: Duration::from_secs(20),
            redial: Duration::from_secs(2),
        }
    }
}

/// Where the node listens and whom it dials.
#[derive(Clone, Debug, Default)]
pub struct P2pConfig {
    /// Addresses to listen on, TCP (`/ip4/127.0.0.1/tcp/0`) or QUIC
    /// (`/ip4/127.0.0.1/udp/0/quic-v1`); port 0 lets the system pick, and
    /// the addresses taken are written to [`ADDR_FILE`], one a line.
    pub listen: Vec<Multiaddr>,
    /// Peers to dial, and dial again when they drop.
    pub peers: Vec<Multiaddr>,
    /// Bounds.
    pub limits: Limits,
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    limits: connection_limits::Behaviour,
    gossipsub: gossipsub::Behaviour,
    sync: request_response::Behaviour<SyncCodec>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
}

/// What the sync driver and the publisher ask of the swarm task.
pub(crate) enum Command {
    /// Send a sync request; the reply comes back on the channel.
    Request {
        peer: PeerId,
        request: Request,
        reply: oneshot::Sender<Result<Response, String>>,
    },
    /// Ban a peer for misbehaving.
    Ban { peer: PeerId, reason: String },
    /// Publish a message.
    Publish { kind: Kind, data: Vec<u8> },
}

/// What the swarm tells the sync driver.
#[derive(Clone, Debug)]
pub(crate) enum Hint {
    /// A peer connected.
    Connected(PeerId),
    /// A peer disconnected (or was banned).
    Disconnected(PeerId),
    /// A peer gossiped a block whose parent is unknown here.
    UnknownParent(PeerId),
}

/// How the node judged a gossip message.
struct Judgement {
    id: MessageId,
    source: PeerId,
    acceptance: MessageAcceptance,
    /// Why the sender is banned, for a Reject.
    reason: Option<String>,
    /// A block whose parent is unknown: sync from the sender.
    unknown_parent: bool,
    /// Not worth a ban alone (a stale round announcement), but counted:
    /// too many in a while ban the sender.
    strike: bool,
}

/// Loads the node's identity from `DATA_DIR/p2p.key`, making it on first
/// use (so the peer id, which other nodes' configurations name, survives
/// restarts).
fn identity(data_dir: &Path) -> Result<identity::Keypair, NodeError> {
    let path = data_dir.join(KEY_FILE);
    if let Ok(bytes) = std::fs::read(&path) {
        return identity::Keypair::from_protobuf_encoding(&bytes).map_err(|e| {
            NodeError::Config(format!(
                "{}: not a peer identity key ({e}); delete it to make a new identity",
                path.display()
            ))
        });
    }
    let key = identity::Keypair::generate_ed25519();
    let bytes = key
        .to_protobuf_encoding()
        .map_err(|e| NodeError::Config(format!("encoding the peer identity: {e}")))?;
    crate::config::write_private_bytes(&path, &bytes)?;
    Ok(key)
}

fn gossip_config(chain_id: &[u8; 32]) -> Result<gossipsub::Config, NodeError> {
    let mut b = gossipsub::ConfigBuilder::default();
    b.validate_messages()
        .validation_mode(gossipsub::ValidationMode::Strict)
        // Room for the largest block; each kind's own bound is checked on
        // decoding (PROTOCOL.md), and an oversize message bans its sender.
        .max_transmit_size(protocol::MAX_BLOCK_MESSAGE + 64 * 1024)
        .heartbeat_interval(Duration::from_millis(500))
        // The same bytes are the same message whoever publishes them:
        // a block relayed by two peers is checked once.
        .message_id_fn(|m: &gossipsub::Message| {
            MessageId::from(hash(b"SuperZK_GossipId", &[&m.data]).to_vec())
        });
    for kind in Kind::ALL {
        b.max_transmit_size_for_topic(
            protocol::MAX_BLOCK_MESSAGE + 64 * 1024,
            kind.topic(chain_id).hash(),
        );
    }
    b.build()
        .map_err(|e| NodeError::Config(format!("gossipsub configuration: {e}")))
}

fn build_swarm(
    key: identity::Keypair,
    chain_id: &[u8; 32],
    limits: &Limits,
) -> Result<Swarm<Behaviour>, NodeError> {
    let gossip = gossip_config(chain_id)?;
    let conn_limits = connection_limits::ConnectionLimits::default()
        .with_max_established(Some(limits.max_connections))
        .with_max_pending_incoming(Some(limits.max_pending))
        .with_max_pending_outgoing(Some(limits.max_pending))
        .with_max_established_per_peer(Some(2));
    let timeout = limits.request_timeout;
    let swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| NodeError::Config(format!("peer-to-peer transport: {e}")))?
        // QUIC beside TCP: one UDP socket, TLS 1.3 and its own streams
        // instead of Noise and Yamux; the node listens on and dials
        // whichever kind an address names (`/udp/PORT/quic-v1`).
        .with_quic()
        .with_behaviour(|key| {
            Ok(Behaviour {
                blocked: allow_block_list::Behaviour::default(),
                limits: connection_limits::Behaviour::new(conn_limits),
                gossipsub: gossipsub::Behaviour::new(
                    MessageAuthenticity::Signed(key.clone()),
                    gossip,
                )?,
                sync: request_response::Behaviour::new(
                    [(protocol::SYNC_PROTOCOL, ProtocolSupport::Full)],
                    request_response::Config::default()
                        .with_request_timeout(timeout)
                        .with_max_concurrent_streams(32),
                ),
                identify: identify::Behaviour::new(identify::Config::new(
                    "/superzk/1".into(),
                    key.public(),
                )),
                ping: ping::Behaviour::new(ping::Config::new()),
            })
        })
        .map_err(|e| NodeError::Config(format!("peer-to-peer behaviour: {e}")))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(120)))
        .build();
    Ok(swarm)
}

/// Fails when `addr`'s port is taken: its TCP port, or its UDP port for
/// QUIC. libp2p listens on TCP with SO_REUSEPORT, so a second node on the
/// same port would share it silently (the kernel splitting connections
/// between the two); a plain bind, without that option, finds the port
/// taken. QUIC binds its UDP socket plainly and would fail too, but with
/// libp2p's terse error: this check says the same clear thing for both.
fn port_is_free(addr: &Multiaddr) -> Result<(), NodeError> {
    use libp2p::multiaddr::Protocol;
    let mut ip = None;
    let mut port = None;
    for p in addr.iter() {
        match p {
            Protocol::Ip4(a) => ip = Some(std::net::IpAddr::V4(a)),
            Protocol::Ip6(a) => ip = Some(std::net::IpAddr::V6(a)),
            Protocol::Tcp(p) => port = Some((p, false)),
            Protocol::Udp(p) => port = Some((p, true)),
            _ => {}
        }
    }
    let (Some(ip), Some((port, udp))) = (ip, port) else {
        return Ok(());
    };
    if port == 0 {
        return Ok(());
    }
    let bound = if udp {
        std::net::UdpSocket::bind((ip, port)).map(drop)
    } else {
        std::net::TcpListener::bind((ip, port)).map(drop)
    };
    bound.map_err(|e| {
        let kind = if udp { "UDP" } else { "TCP" };
        NodeError::Config(format!(
            "peer-to-peer listen address {addr}: {kind} port {port}: {e} \
             (is another node using the port?); choose another --p2p-listen port"
        ))
    })
}

/// The peer id at the end of `addr` (`.../p2p/PEER_ID`), if any.
fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        libp2p::multiaddr::Protocol::P2p(id) => Some(id),
        _ => None,
    })
}

/// The swarm task's state.
struct P2p {
    swarm: Swarm<Behaviour>,
    node: Arc<Node>,
    limits: Limits,
    book: PeerBook,
    connected: HashSet<PeerId>,
    peer_list: Arc<PeerList>,
    /// Configured peers: the address, and the peer last reached through it.
    configured: Vec<(Multiaddr, Option<PeerId>)>,
    pending: HashMap<OutboundRequestId, oneshot::Sender<Result<Response, String>>>,
    topics: HashMap<TopicHash, Kind>,
    chain_id: [u8; 32],
    validating: Arc<Semaphore>,
    judged: mpsc::UnboundedSender<Judgement>,
    served: mpsc::UnboundedSender<(ResponseChannel<Response>, Response)>,
    hints: mpsc::UnboundedSender<Hint>,
    /// Each listener in `--p2p-listen` order, and the first address it
    /// took; [`ADDR_FILE`] is written once every one has an address.
    listeners: Vec<(ListenerId, Option<Multiaddr>)>,
    addr_written: bool,
    /// Why the network cannot go on (its only listener failed).
    fatal: Option<NodeError>,
}

/// Runs the network until `stop` turns true: listens, dials `config.peers`
/// (again whenever they drop), relays and syncs. `peer_list` is kept at
/// the connected peers.
pub async fn run(
    node: Arc<Node>,
    config: P2pConfig,
    peer_list: Arc<PeerList>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), NodeError> {
    let n = node.clone();
    let (key, chain_id) = tokio::task::spawn_blocking(move || {
        Ok::<_, NodeError>((identity(n.data_dir())?, n.chain_id()?))
    })
    .await
    .map_err(|_| NodeError::Stopped)??;
    let mut swarm = build_swarm(key, &chain_id, &config.limits)?;
    let mut topics = HashMap::new();
    for kind in Kind::ALL {
        let topic = kind.topic(&chain_id);
        swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(&topic)
            .map_err(|e| NodeError::Config(format!("subscribing to {topic}: {e}")))?;
        topics.insert(topic.hash(), kind);
    }
    let mut listeners = Vec::with_capacity(config.listen.len());
    for addr in &config.listen {
        port_is_free(addr)?;
        let id = swarm.listen_on(addr.clone()).map_err(|e| {
            NodeError::Config(format!(
                "peer-to-peer listen on {addr}: {e}; a listen address is \
                 /ip4/IP/tcp/PORT or /ip4/IP/udp/PORT/quic-v1"
            ))
        })?;
        listeners.push((id, None));
    }
    let (judged_tx, mut judged_rx) = mpsc::unbounded_channel();
    let (served_tx, mut served_rx) = mpsc::unbounded_channel();
    let (hints_tx, hints_rx) = mpsc::unbounded_channel();
    let (commands_tx, mut commands_rx) = mpsc::channel(256);
    let syncing = Arc::new(AtomicBool::new(false));
    let mut p2p = P2p {
        swarm,
        node: node.clone(),
        limits: config.limits.clone(),
        book: PeerBook::default(),
        connected: HashSet::new(),
        peer_list,
        configured: config.peers.iter().map(|a| (a.clone(), None)).collect(),
        pending: HashMap::new(),
        topics,
        chain_id,
        validating: Arc::new(Semaphore::new(config.limits.max_validating)),
        judged: judged_tx,
        served: served_tx,
        hints: hints_tx,
        listeners,
        addr_written: config.listen.is_empty(),
        fatal: None,
    };
    p2p.redial();
    let driver = tokio::spawn(sync::run(
        node.clone(),
        commands_tx.clone(),
        hints_rx,
        syncing.clone(),
        stop.clone(),
    ));
    let publisher = tokio::spawn(publish_events(
        node.clone(),
        commands_tx,
        syncing,
        stop.clone(),
    ));
    let mut redial = tokio::time::interval(config.limits.redial);
    loop {
        tokio::select! {
            event = p2p.swarm.select_next_some() => p2p.on_swarm_event(event),
            Some(j) = judged_rx.recv() => p2p.on_judgement(j),
            Some((channel, response)) = served_rx.recv() => {
                let _ = p2p.swarm.behaviour_mut().sync.send_response(channel, response);
            }
            Some(c) = commands_rx.recv() => p2p.on_command(c),
            _ = redial.tick() => {
                p2p.unban_expired();
                p2p.redial();
            }
            _ = stop.changed() => {
                if *stop.borrow() {
                    break;
                }
            }
        }
        if let Some(e) = p2p.fatal.take() {
            driver.abort();
            publisher.abort();
            return Err(e);
        }
    }
    let _ = driver.await;
    let _ = publisher.await;
    Ok(())
}

impl P2p {
    fn update_count(&self) {
        metrics::gauge!("superzk_peers").set(self.connected.len() as f64);
    }

    fn redial(&mut self) {
        let now = Instant::now();
        for i in 0..self.configured.len() {
            let (addr, last) = self.configured[i].clone();
            let peer = peer_of(&addr).or(last);
            if let Some(p) = peer {
                if self.connected.contains(&p) || self.book.is_banned(&p, now) {
                    continue;
                }
            }
            if let Err(e) = self.swarm.dial(addr.clone()) {
                tracing::debug!(%addr, error = %e, "dialling a configured peer");
            }
        }
    }

    fn unban_expired(&mut self) {
        let expired = self.book.expired(Instant::now());
        if !expired.is_empty() {
            metrics::gauge!("superzk_peers_banned").set(self.book.banned() as f64);
        }
        for peer in expired {
            self.swarm.behaviour_mut().blocked.unblock_peer(peer);
            tracing::info!(%peer, "ban expired");
        }
    }

    fn ban(&mut self, peer: PeerId, reason: &str) {
        if self.book.ban(peer, Instant::now(), self.limits.ban) {
            tracing::warn!(%peer, reason, "banned a peer");
            metrics::counter!("superzk_peer_bans_total").increment(1);
            metrics::gauge!("superzk_peers_banned").set(self.book.banned() as f64);
        }
        self.swarm.behaviour_mut().blocked.block_peer(peer);
        let _ = self.hints.send(Hint::Disconnected(peer));
    }

    fn on_command(&mut self, c: Command) {
        match c {
            Command::Request {
                peer,
                request,
                reply,
            } => {
                if !self.connected.contains(&peer) {
                    let _ = reply.send(Err("the peer is not connected".into()));
                    return;
                }
                let id = self.swarm.behaviour_mut().sync.send_request(&peer, request);
                self.pending.insert(id, reply);
            }
            Command::Ban { peer, reason } => self.ban(peer, &reason),
            Command::Publish { kind, data } => {
                let topic = kind.topic(&self.chain_id);
                let size = data.len();
                match self.swarm.behaviour_mut().gossipsub.publish(topic, data) {
                    Ok(_) => {
                        metrics::counter!("superzk_gossip_published_bytes_total")
                            .increment(size as u64);
                    }
                    // Already seen (relayed to us first) or nobody to send to.
                    Err(gossipsub::PublishError::Duplicate)
                    | Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => {}
                    Err(e) => tracing::debug!(error = %e, ?kind, "publishing"),
                }
            }
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr {
                listener_id,
                address,
            } => self.listening(listener_id, address),
            // Before any address was taken: the listen address is unusable
            // (in use, not local), and the operator must hear of it.
            SwarmEvent::ListenerClosed {
                reason: Err(e),
                addresses,
                ..
            } if !self.addr_written || addresses.is_empty() => {
                self.fatal = Some(NodeError::Config(format!(
                    "peer-to-peer listener failed: {e}; choose another --p2p-listen address"
                )));
            }
            SwarmEvent::ConnectionEstablished {
                peer_id, endpoint, ..
            } => {
                if self.book.is_banned(&peer_id, Instant::now()) {
                    self.swarm.behaviour_mut().blocked.block_peer(peer_id);
                    return;
                }
                let addr = endpoint.get_remote_address();
                for (a, last) in &mut self.configured {
                    if a == addr || peer_of(a) == Some(peer_id) {
                        *last = Some(peer_id);
                    }
                }
                if self.connected.insert(peer_id) {
                    tracing::info!(peer = %peer_id, %addr, "peer connected");
                    self.peer_list
                        .connected(peer_id.to_string(), addr.to_string());
                    self.update_count();
                    let _ = self.hints.send(Hint::Connected(peer_id));
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } if self.connected.remove(&peer_id) => {
                tracing::info!(peer = %peer_id, "peer disconnected");
                self.peer_list.disconnected(&peer_id.to_string());
                self.book.disconnected(&peer_id);
                self.update_count();
                let _ = self.hints.send(Hint::Disconnected(peer_id));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(e)) => self.on_gossip(e),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(e)) => self.on_sync(e),
            _ => {}
        }
    }

    /// Notes the address a listener took; once every listener has one,
    /// writes them all to [`ADDR_FILE`], one a line with `/p2p/PEER_ID`.
    fn listening(&mut self, id: ListenerId, address: Multiaddr) {
        if let Some((_, first)) = self.listeners.iter_mut().find(|(l, _)| *l == id) {
            first.get_or_insert(address);
        }
        if self.addr_written || self.listeners.iter().any(|(_, a)| a.is_none()) {
            return;
        }
        self.addr_written = true;
        let me = libp2p::multiaddr::Protocol::P2p(*self.swarm.local_peer_id());
        let mut text = String::new();
        for a in self.listeners.iter().filter_map(|(_, a)| a.as_ref()) {
            let full = a.clone().with(me.clone());
            tracing::info!(addr = %full, "peer-to-peer");
            text.push_str(&format!("{full}\n"));
        }
        // Written whole then renamed: a reader never sees some lines only.
        let path = self.node.data_dir().join(ADDR_FILE);
        let tmp = path.with_extension("addr.tmp");
        if let Err(e) = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &path)) {
            tracing::error!(path = %path.display(), error = %e, "writing the peer-to-peer address");
        }
    }

    fn on_gossip(&mut self, event: gossipsub::Event) {
        let gossipsub::Event::Message {
            propagation_source: source,
            message_id: id,
            message,
        } = event
        else {
            return;
        };
        let report = |p: &mut Self, acceptance| {
            p.swarm
                .behaviour_mut()
                .gossipsub
                .report_message_validation_result(&id, &source, acceptance);
        };
        match self.book.gossip(
            source,
            self.limits.gossip_per_second,
            self.limits.gossip_burst,
            Instant::now(),
        ) {
            Verdict::Allow => {}
            Verdict::Refuse => return report(self, MessageAcceptance::Ignore),
            Verdict::Flood => {
                report(self, MessageAcceptance::Ignore);
                return self.ban(source, "gossip flood");
            }
        }
        let Some(kind) = self.topics.get(&message.topic).copied() else {
            return report(self, MessageAcceptance::Reject);
        };
        let Ok(permit) = self.validating.clone().try_acquire_owned() else {
            // Too much to check at once: not forwarded, nobody punished.
            return report(self, MessageAcceptance::Ignore);
        };
        metrics::counter!("superzk_gossip_received_bytes_total", "kind" => kind_label(kind))
            .increment(message.data.len() as u64);
        let node = self.node.clone();
        let judged = self.judged.clone();
        // The author signed the message (strict validation): round caps
        // count per author, whoever forwarded it.
        let author = message.source.unwrap_or(source).to_bytes();
        tokio::task::spawn_blocking(move || {
            let v = judge(&node, kind, &message.data, &author);
            drop(permit);
            let _ = judged.send(Judgement {
                id,
                source,
                acceptance: v.acceptance,
                reason: v.reason,
                unknown_parent: v.unknown_parent,
                strike: v.strike,
            });
        });
    }

    fn on_judgement(&mut self, j: Judgement) {
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(&j.id, &j.source, j.acceptance);
        if let Some(reason) = j.reason {
            self.ban(j.source, &reason);
        } else if j.strike {
            if self.book.strike(j.source, Instant::now()) {
                self.ban(j.source, "stale round announcements");
            }
        } else if j.unknown_parent {
            let _ = self.hints.send(Hint::UnknownParent(j.source));
        }
    }

    fn on_sync(&mut self, event: request_response::Event<Request, Response>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => self.serve(peer, request, channel),
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(reply) = self.pending.remove(&request_id) {
                        let _ = reply.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                if let Some(reply) = self.pending.remove(&request_id) {
                    let _ = reply.send(Err(error.to_string()));
                }
                // An undecodable response is garbage (io InvalidData from
                // the codec's bounds and decoders).
                if let request_response::OutboundFailure::Io(e) = &error {
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        self.ban(peer, &format!("garbage sync response: {e}"));
                    }
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                if let request_response::InboundFailure::Io(e) = &error {
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        self.ban(peer, &format!("garbage sync request: {e}"));
                    }
                }
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn serve(&mut self, peer: PeerId, request: Request, channel: ResponseChannel<Response>) {
        let verdict = self.book.request(
            peer,
            self.limits.requests_per_second,
            self.limits.request_burst,
            Instant::now(),
        );
        match verdict {
            Verdict::Allow => {}
            Verdict::Refuse => {
                let refusal = Response::Refused("rate limit: slow down".into());
                let _ = self
                    .swarm
                    .behaviour_mut()
                    .sync
                    .send_response(channel, refusal);
                return;
            }
            Verdict::Flood => return self.ban(peer, "sync request flood"),
        }
        let node = self.node.clone();
        let served = self.served.clone();
        tokio::task::spawn_blocking(move || {
            let response =
                sync::answer(&node, &request).unwrap_or_else(|e| Response::Refused(format!("{e}")));
            let _ = served.send((channel, response));
        });
    }
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Blocks => "blocks",
        Kind::Transactions => "transactions",
        Kind::Votes => "votes",
        Kind::Rounds => "rounds",
    }
}

/// How the node judged a message's content.
struct Judged {
    acceptance: MessageAcceptance,
    /// Why the sender is banned.
    reason: Option<String>,
    unknown_parent: bool,
    strike: bool,
}

impl Judged {
    fn of(acceptance: MessageAcceptance) -> Self {
        Self {
            acceptance,
            reason: None,
            unknown_parent: false,
            strike: false,
        }
    }

    fn reject(why: String) -> Self {
        Self {
            reason: Some(why),
            ..Self::of(MessageAcceptance::Reject)
        }
    }
}

/// Checks a gossip message (authored by `author`) with the node.
fn judge(node: &Node, kind: Kind, data: &[u8], author: &[u8]) -> Judged {
    use MessageAcceptance::{Accept, Ignore, Reject};
    match kind {
        Kind::Blocks => {
            let block = match protocol::decode_block(data) {
                Ok(b) => b,
                Err(e) => return Judged::reject(format!("gossiped block: {e}")),
            };
            match node.submit_block(block) {
                Ok(Outcome::BestChain | Outcome::SideBranch) => Judged::of(Accept),
                Ok(Outcome::Duplicate) => Judged::of(Ignore),
                Ok(Outcome::Orphan) => Judged {
                    unknown_parent: true,
                    ..Judged::of(Ignore)
                },
                Err(e) if block_refused_for_good(&e) => {
                    Judged::reject(format!("gossiped block: {e}"))
                }
                Err(_) => Judged::of(Ignore),
            }
        }
        Kind::Transactions => {
            let tx = match protocol::decode_tx(data) {
                Ok(t) => t,
                Err(e) => return Judged::reject(format!("gossiped transaction: {e}")),
            };
            match node.submit_transaction(tx) {
                Ok(_) => Judged::of(Accept),
                Err(NodeError::Mempool(e)) if tx_refused_for_good(&e) => {
                    Judged::reject(format!("gossiped transaction: {e}"))
                }
                Err(_) => Judged::of(Ignore),
            }
        }
        Kind::Votes => {
            let vote = match protocol::decode_vote(data) {
                Ok(v) => v,
                Err(e) => return Judged::reject(format!("gossiped vote: {e}")),
            };
            match node.relay_vote(vote.ticket, vote.message, vote.signature, vote.late) {
                Ok(_) => Judged::of(Accept),
                Err(NodeError::Vote(m)) if m.contains("does not verify") => {
                    Judged::reject(format!("gossiped vote: {m}"))
                }
                Err(_) => Judged::of(Ignore),
            }
        }
        Kind::Rounds => {
            let round = match protocol::decode_round(data) {
                Ok(r) => r,
                Err(e) => return Judged::reject(format!("gossiped round: {e}")),
            };
            match node.vote_on_round(&round, author) {
                Ok(Announced::Voted(_)) => Judged::of(Accept),
                Ok(Announced::Capped) => Judged::of(Ignore),
                // Behind: the sender may have blocks this node lacks.
                Ok(Announced::UnknownParent) => Judged {
                    unknown_parent: true,
                    ..Judged::of(Ignore)
                },
                // A race with a new block is honest once in a while;
                // a stream of them is not.
                Ok(Announced::Stale) => Judged {
                    strike: true,
                    ..Judged::of(Reject)
                },
                Err(NodeError::Invalid(m)) => Judged::reject(format!("gossiped round: {m}")),
                Err(_) => Judged::of(Ignore),
            }
        }
    }
}

/// A block refused by a rule that no later state can change (not a
/// timestamp ahead of this clock, not a store failure).
fn block_refused_for_good(e: &NodeError) -> bool {
    match e {
        NodeError::Invalid(_) => true,
        NodeError::Chain(ChainError::Block { error, .. }) => error.rule != Rule::Timestamp,
        NodeError::Chain(ChainError::Decode(_)) => true,
        _ => false,
    }
}

/// A transaction that no state makes valid: undecodable, too large, a bad
/// proof or signature. Stale nonces, spent notes, old anchors or a full
/// pool are honest races and only ignored.
fn tx_refused_for_good(e: &MempoolError) -> bool {
    match e {
        MempoolError::TooLarge { .. } => true,
        MempoolError::Invalid(ChainError::Decode(_)) => true,
        MempoolError::Invalid(ChainError::Block { error, .. }) => matches!(
            error.rule,
            Rule::Structure | Rule::Signatures | Rule::ShieldedProofs
        ),
        _ => false,
    }
}

/// Publishes what the node takes: each new tip's block (unless the node
/// is catching up, when its peers have the blocks already), each
/// transaction admitted to the mempool, the votes it relays or signs, and
/// its round announcements.
async fn publish_events(
    node: Arc<Node>,
    commands: mpsc::Sender<Command>,
    syncing: Arc<AtomicBool>,
    mut stop: watch::Receiver<bool>,
) {
    let mut events = node.subscribe();
    loop {
        let event = tokio::select! {
            e = events.recv() => e,
            _ = stop.changed() => {
                if *stop.borrow() { return; }
                continue;
            }
        };
        let event = match event {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => return,
        };
        let n = node.clone();
        let catching_up = syncing.load(Ordering::Relaxed);
        let message = tokio::task::spawn_blocking(move || match event {
            NodeEvent::NewTip { hash, .. } if !catching_up => n
                .block_by_hash(&hash)
                .ok()
                .map(|b| (Kind::Blocks, protocol::encode_block(&b))),
            NodeEvent::Transaction(id) => n
                .pending_transaction(&id)
                .map(|t| (Kind::Transactions, protocol::encode_tx(&t))),
            NodeEvent::Vote {
                ticket,
                message,
                signature,
                late,
            } => Some((
                Kind::Votes,
                protocol::encode_vote(&protocol::VoteMessage {
                    ticket,
                    message,
                    signature,
                    late,
                }),
            )),
            NodeEvent::Round(a) => Some((Kind::Rounds, protocol::encode_round(&a))),
            _ => None,
        })
        .await;
        if let Ok(Some((kind, data))) = message {
            if commands
                .send(Command::Publish { kind, data })
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// The peer-to-peer settings of the config file and flags, parsed.
pub fn parse_addrs(what: &str, addrs: &[String]) -> Result<Vec<Multiaddr>, NodeError> {
    addrs
        .iter()
        .map(|a| {
            a.parse().map_err(|e| {
                NodeError::Config(format!(
                    "{what} {a}: not a multiaddr ({e}); write e.g. /ip4/127.0.0.1/tcp/9333"
                ))
            })
        })
        .collect()
}
