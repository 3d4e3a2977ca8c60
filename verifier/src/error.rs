//! Errors of decoding and verifying transactions.

use superzk_circuits::Fr;

/// Why bytes are not a well-formed transaction.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended early.
    #[error("truncated: needed {needed} more bytes for {what}; the file or message is incomplete")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes missing.
        needed: usize,
    },
    /// Bytes after the end of the transaction.
    #[error("{0} unexpected bytes after the end of the transaction")]
    TrailingBytes(usize),
    /// The first bytes are not a SuperZK transaction.
    #[error("not a SuperZK transaction (bad magic bytes)")]
    BadMagic,
    /// A version this build does not know.
    #[error("transaction version {0} is not supported; upgrade SuperZK")]
    UnsupportedVersion(u8),
    /// A field element, point, proof or signature that does not decode.
    #[error("invalid {0}: not canonical, off the curve or outside the prime-order subgroup")]
    InvalidEncoding(&'static str),
    /// More elements than the format allows.
    #[error("too many {what}: {got} (at most {max})")]
    TooMany {
        /// What there are too many of.
        what: &'static str,
        /// How many were claimed.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// A flag byte that is neither 0 (absent) nor 1 (present).
    #[error("invalid {what} flag {found}: must be 0 (absent) or 1 (present); the transaction is corrupt or from an incompatible encoder")]
    BadFlag {
        /// What the flag announces.
        what: &'static str,
        /// The byte found.
        found: u8,
    },
    /// The public value balance is not in canonical form.
    #[error("public value balance must list each asset once, sorted, with a nonzero amount")]
    NonCanonicalBalance,
}

/// Why a well-formed transaction is invalid.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TxError {
    /// The transaction names verifying keys the verifier does not have.
    #[error("the transaction was proven with {circuit} key {found}, but this verifier has {expected}; load the matching parameters")]
    UnknownVerifyingKey {
        /// Which circuit.
        circuit: &'static str,
        /// Fingerprint the transaction names.
        found: String,
        /// Fingerprint the verifier holds.
        expected: String,
    },
    /// No spends and no outputs.
    #[error("the transaction has no spends and no outputs")]
    Empty,
    /// The same nullifier twice in one transaction.
    #[error("nullifier {0} is spent twice in this transaction (double spend)")]
    DuplicateNullifier(String),
    /// An asset listed twice among public balances, issuances and redemptions.
    #[error("asset {0} appears more than once among the public balances, ticket issuances and redemptions")]
    DuplicateAsset(String),
    /// Public value moves or tickets are issued, but no account is named.
    #[error("the transaction moves public value or issues tickets but names no public account; set the account that pays, receives and issues (TransactionBuilder::set_public_account) and sign again")]
    MissingPublicAccount,
    /// An account is named, but nothing public happens.
    #[error("the transaction names public account {0} but moves no public value and issues no ticket; a transaction names an account only when it needs one: build it without")]
    UnexpectedPublicAccount(String),
    /// An issuance whose category is not 1 to 32 bytes.
    #[error(
        "ticket issuance {index} has an invalid category: a category is 1 to 32 bytes of UTF-8"
    )]
    InvalidIssuance {
        /// Index of the issuance.
        index: usize,
    },
    /// A spend's anchor is not a known tree root.
    #[error("spend {index} uses anchor {anchor}, which is not a known note commitment tree root")]
    UnknownAnchor {
        /// Spend index.
        index: usize,
        /// The anchor, hex.
        anchor: String,
    },
    /// A spend-authorization signature does not verify.
    #[error("spend authorization signature(s) invalid")]
    SpendAuthorization,
    /// The binding signature does not verify: values do not balance.
    #[error("binding signature invalid: the values of the transaction do not balance")]
    Binding,
    /// A zero-knowledge proof does not verify.
    #[error("zero-knowledge proof of {kind} {index} is invalid")]
    Proof {
        /// "spend" or "output".
        kind: &'static str,
        /// Its index.
        index: usize,
    },
    /// Some proofs of the transaction do not verify.
    #[error("one or more zero-knowledge proofs are invalid")]
    Proofs,
}

/// Hex of bytes in order, for messages.
pub(crate) fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex of a field element, for messages.
pub(crate) fn hex_fr(f: &Fr) -> String {
    superzk_keys::spending_key::encode_field(f)
        .iter()
        .rev()
        .map(|b| format!("{b:02x}"))
        .collect()
}
