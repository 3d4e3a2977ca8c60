//! Why a transaction could not be built.

use superzk_verifier::transaction::MAX_ITEMS;

use crate::pczt::PcztError;

/// Why a transaction could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Inputs and outputs of an asset differ.
    #[error("asset {asset} does not balance: inputs exceed outputs by {excess} (negative: outputs exceed inputs); add a change output, more spends, or adjust the fee")]
    Unbalanced {
        /// The asset, hex.
        asset: String,
        /// Inputs minus outputs.
        excess: i128,
    },
    /// The wallet holds too little of an asset.
    #[error("insufficient funds: the wallet holds {have} unspent units of the asset, the transfer needs {need}")]
    InsufficientFunds {
        /// Unspent units held.
        have: u128,
        /// Units needed, fee included.
        need: u128,
    },
    /// Nothing to build.
    #[error("the transaction has no spends and no outputs")]
    Empty,
    /// Too many spends or outputs.
    #[error("too many actions: {0} (at most {MAX_ITEMS} of each kind)")]
    TooManyActions(usize),
    /// A package with more contents than it has slots.
    #[error("a package holds at most {max} assets, {got} were given")]
    TooManyPackageSlots {
        /// Contents given.
        got: usize,
        /// Slots a package has.
        max: usize,
    },
    /// A ticket note of a value other than 1.
    #[error("output {index} holds a ticket with value {value}; a ticket note always has value 1 (one output per ticket)")]
    TicketValue {
        /// Index of the output among the plain outputs.
        index: usize,
        /// The value given.
        value: u64,
    },
    /// A package slot holding a ticket with a value other than 1.
    #[error("package output {index}, slot {slot} holds a ticket with value {value}; a ticket in a package always has value 1")]
    PackageTicketValue {
        /// Index of the package output.
        index: usize,
        /// The slot.
        slot: usize,
        /// The value given.
        value: u64,
    },
    /// A ticket issued before a public account was set.
    #[error("a ticket is issued by the transaction's public account: call set_public_account before issue_ticket")]
    NoIssuer,
    /// A ticket category that is empty or too long.
    #[error("ticket category {0:?} is invalid: a category is 1 to 32 bytes of UTF-8")]
    InvalidCategory(String),
    /// Public value or issuances without a public account.
    #[error("the transaction moves public value or issues tickets, so it must name the transparent account that pays, receives and issues: call set_public_account")]
    NoPublicAccount,
    /// A public account on a transaction that has nothing public.
    #[error("a public account is set but the transaction moves no public value and issues no ticket; do not set one (a verifier refuses it)")]
    UnneededPublicAccount,
    /// The public account changed after tickets were issued under another.
    #[error("the public account was changed after issue_ticket: the tickets issued name the earlier account as issuer; set the account once, before issuing")]
    IssuerChanged,
    /// The public amount of an asset does not fit the format.
    #[error("public value of an asset exceeds 2^63 - 1 units; split the transaction")]
    AmountTooLarge,
    /// A spent note does not belong to the key given for it.
    #[error("spend {0}: the note does not belong to this spending key and diversifier")]
    NotOwned(usize),
    /// A spend's path does not lead to the same root as the others.
    #[error("spend {0} is witnessed against a different tree root than spend 0; update the wallet's witnesses")]
    MixedAnchors(usize),
    /// Proving failed (a witness does not satisfy its circuit).
    #[error("proving {kind} {index} failed: {reason}")]
    Proving {
        /// Which kind of action.
        kind: &'static str,
        /// Its index.
        index: usize,
        /// The arkworks error.
        reason: String,
    },
    /// Note encryption failed.
    #[error("encrypting {kind} {index} failed: {reason}")]
    Encryption {
        /// Which kind of output.
        kind: &'static str,
        /// Its index.
        index: usize,
        /// Why.
        reason: String,
    },
    /// A step of the partially built transaction refused (see [`PcztError`]).
    #[error(transparent)]
    Pczt(PcztError),
}

/// The errors [`crate::TransactionBuilder::build`] always had keep their
/// variants; the rest of the PCZT's errors are wrapped.
impl From<PcztError> for BuildError {
    fn from(e: PcztError) -> Self {
        match e {
            PcztError::NotOwned(i) => BuildError::NotOwned(i),
            PcztError::Proving {
                kind,
                index,
                reason,
            } => BuildError::Proving {
                kind,
                index,
                reason,
            },
            PcztError::Encryption {
                kind,
                index,
                reason,
            } => BuildError::Encryption {
                kind,
                index,
                reason,
            },
            other => BuildError::Pczt(other),
        }
    }
}
