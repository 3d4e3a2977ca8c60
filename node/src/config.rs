//! The node's configuration: a TOML file (every field optional), then
//! command-line flags over it. Keys are named, never inlined: a key is a
//! file holding a 32-byte hex seed, or on a devnet `devnet:LABEL` for the
//! network's well-known accounts.
//!
//! ```toml
//! network = "devnet"
//! data_dir = "/var/lib/superzk"
//! listen = "127.0.0.1:8232"
//! metrics = "127.0.0.1:9232"
//!
//! [mining]
//! enabled = true
//! # account = "devnet:miner"     # default: a key the node keeps in data_dir
//! block_interval_ms = 10000
//! vote_wait_ms = 5000
//!
//! [voting]
//! keys = ["devnet:alice", "/etc/superzk/vote.key"]
//!
//! [mempool]
//! max_bytes = 67108864
//! ```
//!
//! Peer-to-peer (top level, before the tables; see PROTOCOL.md "Peer
//! protocol"):
//!
//! ```toml
//! p2p_listen = ["/ip4/0.0.0.0/tcp/9233", "/ip4/0.0.0.0/udp/9233/quic-v1"]
//! peers = ["/ip4/10.0.0.2/tcp/9233/p2p/12D3KooW...", "/ip4/10.0.0.3/udp/9233/quic-v1/p2p/12D3KooW..."]
//! ```
//!
//! `p2p_listen` takes one address or a list; each is TCP (`/tcp/PORT`) or
//! QUIC (`/udp/PORT/quic-v1`).

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use superzk_chain_core::account::AccountKey;
use zeroize::Zeroizing;

use crate::{error::NodeError, network::Network};

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// The network (default devnet).
    #[serde(default = "default_network")]
    pub network: String,
    /// Where the chain store and the node's keys live.
    pub data_dir: Option<PathBuf>,
    /// The gRPC (and gRPC-web) address.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The Prometheus metrics address (none: no endpoint).
    pub metrics: Option<SocketAddr>,
    /// The peer-to-peer listen multiaddrs, TCP or QUIC: one string or a
    /// list in the file (none: no peer-to-peer network unless `peers` are
    /// given, then the node only dials).
    #[serde(default, deserialize_with = "one_or_many")]
    pub p2p_listen: Vec<String>,
    /// Peers to dial (multiaddrs, best with `/p2p/PEER_ID`), dialled
    /// again whenever they drop.
    #[serde(default)]
    pub peers: Vec<String>,
    /// Block production.
    #[serde(default)]
    pub mining: MiningConfig,
    /// Votes this node signs.
    #[serde(default)]
    pub voting: VotingConfig,
    /// Mempool bounds.
    #[serde(default)]
    pub mempool: MempoolConfig,
}

/// Block production.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MiningConfig {
    /// Whether the node mines.
    #[serde(default)]
    pub enabled: bool,
    /// The key whose account coinbases pay (default: `miner.key` in the
    /// data directory, made on first use).
    pub account: Option<String>,
    /// Milliseconds between blocks (default: the profile's target).
    pub block_interval_ms: Option<u64>,
    /// Milliseconds to wait for missing votes after the interval.
    #[serde(default = "default_vote_wait")]
    pub vote_wait_ms: u64,
}

impl Default for MiningConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            account: None,
            block_interval_ms: None,
            vote_wait_ms: default_vote_wait(),
        }
    }
}

/// Votes this node signs: ticket vote keys, or a StakingNode's.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VotingConfig {
    /// Key specifications (a seed file, or `devnet:LABEL`).
    #[serde(default)]
    pub keys: Vec<String>,
}

/// Mempool bounds.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MempoolConfig {
    /// Bytes of transactions held at most.
    #[serde(default = "default_mempool_bytes")]
    pub max_bytes: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        Self {
            max_bytes: default_mempool_bytes(),
        }
    }
}

/// A string or a list of strings (`p2p_listen` was one address before
/// QUIC; a file written then still reads).
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

fn default_network() -> String {
    "devnet".into()
}
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8232))
}
fn default_vote_wait() -> u64 {
    5_000
}
fn default_mempool_bytes() -> usize {
    64 << 20
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            network: default_network(),
            data_dir: None,
            listen: default_listen(),
            metrics: None,
            p2p_listen: vec![],
            peers: vec![],
            mining: MiningConfig::default(),
            voting: VotingConfig::default(),
            mempool: MempoolConfig::default(),
        }
    }
}

impl NodeConfig {
    /// Reads a TOML file; unknown fields are refused (a typo must not pass
    /// silently).
    pub fn from_file(path: &Path) -> Result<Self, NodeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| NodeError::io(path.display().to_string(), e))?;
        toml::from_str(&text).map_err(|e| NodeError::Config(format!("{}: {e}", path.display())))
    }

    /// The network named.
    pub fn network(&self) -> Result<Network, NodeError> {
        Network::by_name(&self.network)
    }

    /// The data directory (required).
    pub fn data_dir(&self) -> Result<&Path, NodeError> {
        self.data_dir.as_deref().ok_or_else(|| {
            NodeError::Config("no data directory: pass --data-dir or set data_dir".into())
        })
    }
}

/// Loads a key: `devnet:LABEL` (devnet only), or a file holding a 32-byte
/// seed in hex.
pub fn load_key(spec: &str, network: Network) -> Result<AccountKey, NodeError> {
    if let Some(label) = spec.strip_prefix("devnet:") {
        if network != Network::Devnet {
            return Err(NodeError::Config(format!(
                "{spec}: well-known devnet keys hold nothing on {}",
                network.name()
            )));
        }
        return Ok(crate::network::devnet_key(label));
    }
    let path = Path::new(spec);
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| NodeError::io(path.display().to_string(), e))?,
    );
    let seed = Zeroizing::new(hex::decode(text.trim()).map_err(|_| {
        NodeError::Config(format!("{spec}: a key file holds a 32-byte seed in hex"))
    })?);
    if seed.len() != 32 {
        return Err(NodeError::Config(format!(
            "{spec}: a key file holds a 32-byte seed in hex, this one {} bytes",
            seed.len()
        )));
    }
    Ok(AccountKey::from_seed(&seed, "account"))
}

/// The key in `data_dir/miner.key`, made (randomly) on first use.
pub fn node_miner_key(data_dir: &Path) -> Result<AccountKey, NodeError> {
    let path = data_dir.join("miner.key");
    if !path.exists() {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, seed.as_mut());
        write_private(&path, &hex::encode(seed.as_ref()))?;
    }
    load_key(&path.display().to_string(), Network::Devnet)
}

fn write_private(path: &Path, text: &str) -> Result<(), NodeError> {
    write_private_bytes(path, text.as_bytes())
}

/// Writes a new file readable by its owner only (a key).
pub fn write_private_bytes(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .map_err(|e| NodeError::io(path.display().to_string(), e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| NodeError::io(path.display().to_string(), e))
}

#[cfg(test)]
mod tests {
    use super::NodeConfig;

    fn parse(text: &str) -> Result<NodeConfig, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn p2p_listen_is_one_address_or_a_list() {
        let one = parse("p2p_listen = \"/ip4/127.0.0.1/tcp/0\"").unwrap();
        assert_eq!(one.p2p_listen, ["/ip4/127.0.0.1/tcp/0"]);
        let two =
            parse("p2p_listen = [\"/ip4/127.0.0.1/tcp/0\", \"/ip4/127.0.0.1/udp/0/quic-v1\"]")
                .unwrap();
        assert_eq!(
            two.p2p_listen,
            ["/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"]
        );
        assert!(parse("").unwrap().p2p_listen.is_empty());
        // Neither a string nor a list of strings.
        assert!(parse("p2p_listen = 9233").is_err());
        assert!(parse("p2p_listen = [9233]").is_err());
    }
}
