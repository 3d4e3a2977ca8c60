//! SuperZK's node: chain-core's state behind fork choice (side branches,
//! orphans, atomic reorganisations), a mempool, a block producer that
//! collects the drawn tickets' votes, and a gRPC API (tonic, with
//! tonic-web for browsers) for light wallets, voters and miners, and a
//! peer-to-peer network on libp2p (`p2p`) that relays and syncs blocks. The rules
//! stay in chain-core; this crate schedules, stores branches and serves.

#![deny(missing_docs)]

pub mod compact_cache;
pub mod config;
pub mod daemon;
pub mod error;
pub mod forks;
pub mod mempool;
pub mod network;
pub mod node;
pub mod p2p;
pub mod producer;
pub mod rpc;
pub mod votes;

/// The API's messages, clients and servers (node/proto; PROTOCOL.md "gRPC
/// API"), generated in the superzk-proto crate and named here as before.
pub use superzk_proto::node as proto;
