//! SuperZK wallet engine: what a wallet application links. Accounts derived
//! from a BIP-39 mnemonic, a SQLite wallet database that survives restarts
//! and crashes, sync from a node's compact blocks (trial decryption,
//! witnesses of unspent notes, reorg rewind), and transactions in three
//! steps kept apart: propose (no keys), prove (proof-generation key only),
//! authorize (spending key).
#![deny(missing_docs)]

pub mod fee;
pub mod proposal;
pub mod select;
pub mod source;
pub mod uri;

pub use fee::{estimated_size, FeeError, FeeRule, TxShape};
pub use proposal::{
    propose, Proposal, ProposalError, ProposalFormatError, ProposalParams, Spendable,
    PROPOSAL_FORMAT,
};
pub use select::{
    select, NoteContent, Payment, PaymentKind, Selection, SelectionError, SelectionRules,
    SpendableNote, TransactionRequest,
};
pub use source::{
    ChainSource, CompactBlock, CompactOutput, CompactTx, SourceError, TreeState, TxStatus,
};
pub use uri::{format_amount, parse_amount, AmountError, UriError};
#[cfg(feature = "node-client")]
pub mod grpc;
