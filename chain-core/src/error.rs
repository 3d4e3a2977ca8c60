//! What can go wrong: undecodable bytes, a block that breaks a consensus rule
//! (each variant names the rule), and storage failures.

use superzk_verifier::error::TxError;

/// Bytes that are not a valid block, chain transaction, record or chain file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended early.
    #[error("truncated input: {0} is missing; the file or message is incomplete")]
    Truncated(&'static str),
    /// Bytes left over after a complete value.
    #[error("{0} unexpected trailing bytes after a complete value")]
    TrailingBytes(usize),
    /// A count above the format's limit.
    #[error("too many {what} (at most {max}); the input is corrupt or hostile")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// A field that does not hold a valid value.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// The file does not start with the expected magic bytes.
    #[error("not a SuperZK {0} file (bad magic bytes)")]
    BadMagic(&'static str),
    /// A format version this build does not read.
    #[error("unsupported format version {0}; upgrade superzk")]
    UnsupportedVersion(u8),
    /// An embedded shielded transaction does not decode.
    #[error("shielded transaction: {0}")]
    Shielded(#[from] superzk_verifier::error::DecodeError),
}

/// The consensus rules, for error reports and per-rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The block's encoding, height and parent link.
    Structure,
    /// The header hash is under the target.
    ProofOfWork,
    /// The header states the difficulty the retarget rule gives.
    Difficulty,
    /// Timestamps increase.
    Timestamp,
    /// The required votes are present and come from drawn tickets.
    Votes,
    /// Signatures of votes and of account-authorised transactions.
    Signatures,
    /// Account balances and nonces.
    Accounts,
    /// Ticket purchases and their price.
    Tickets,
    /// StakingNode registration and withdrawal.
    StakingNodes,
    /// The coinbase pays exactly the reward split plus fees.
    Rewards,
    /// Shielded transactions: proofs, spend authorisation, binding signatures.
    ShieldedProofs,
    /// Nullifiers unique across the chain and within the block.
    Nullifiers,
    /// Anchors are recent note commitment tree roots.
    Anchors,
    /// Ticket (NFT) issuance is unique chain-wide and bound to its issuer.
    Issuance,
    /// The header's state root matches the state after the block.
    StateRoot,
    /// Shielded transactions are made for this chain and not expired.
    Binding,
}

impl Rule {
    /// Every rule, in checking order.
    pub const ALL: [Rule; 16] = [
        Rule::Structure,
        Rule::ProofOfWork,
        Rule::Difficulty,
        Rule::Timestamp,
        Rule::Votes,
        Rule::Signatures,
        Rule::Accounts,
        Rule::Tickets,
        Rule::StakingNodes,
        Rule::Rewards,
        Rule::ShieldedProofs,
        Rule::Nullifiers,
        Rule::Anchors,
        Rule::Binding,
        Rule::Issuance,
        Rule::StateRoot,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Structure => "structure",
            Rule::ProofOfWork => "proof-of-work",
            Rule::Difficulty => "difficulty",
            Rule::Timestamp => "timestamp",
            Rule::Votes => "votes",
            Rule::Signatures => "signatures",
            Rule::Accounts => "accounts",
            Rule::Tickets => "tickets",
            Rule::StakingNodes => "staking-nodes",
            Rule::Rewards => "rewards",
            Rule::ShieldedProofs => "shielded-proofs",
            Rule::Nullifiers => "nullifiers",
            Rule::Anchors => "anchors",
            Rule::Issuance => "ticket-issuance",
            Rule::StateRoot => "state-root",
            Rule::Binding => "tx-binding",
        }
    }
}

/// Why a block was refused: the rule it breaks and what exactly was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {}: {detail}", rule.name())]
pub struct BlockError {
    /// The broken rule.
    pub rule: Rule,
    /// What was wrong, for people.
    pub detail: String,
    /// The shielded transaction error, when that is the cause.
    pub tx_error: Option<TxError>,
}

impl BlockError {
    /// A violation of `rule`.
    pub fn new(rule: Rule, detail: impl Into<String>) -> Self {
        Self {
            rule,
            detail: detail.into(),
            tx_error: None,
        }
    }
}

/// Any failure of the chain: a refused block, bad bytes or the store.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The block breaks a consensus rule; nothing was applied.
    #[error("block at height {height} refused: {error}")]
    Block {
        /// Height of the refused block.
        height: u64,
        /// The rule and the detail.
        error: BlockError,
    },
    /// Undecodable bytes.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The database failed or is corrupt.
    #[error("state store: {0}")]
    Store(String),
    /// The store belongs to another chain or profile.
    #[error("the store at this path holds another chain ({0}); use a fresh --data-dir")]
    WrongChain(String),
    /// There is nothing to undo or the request does not fit the chain.
    #[error("{0}")]
    Usage(String),
}

macro_rules! store_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for ChainError {
            fn from(e: $t) -> Self {
                ChainError::Store(e.to_string())
            }
        }
    )*};
}
store_errors!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
