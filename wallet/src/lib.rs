//! SuperZK wallet engine: what a wallet application links. Accounts derived
//! from a BIP-39 mnemonic, a SQLite wallet database that survives restarts
//! and crashes, sync from a node's compact blocks (trial decryption,
//! witnesses of unspent notes, reorg rewind), and transactions in three
//! steps kept apart: propose (no keys), prove (proof-generation key only),
//! authorize (spending key).
#![deny(missing_docs)]

pub mod source;
pub mod tree;

pub use source::{
    ChainSource, CompactBlock, CompactOutput, CompactTx, SourceError, TreeState, TxStatus,
};
