//! Why a partially built transaction could not be read or taken a step on.

use superzk_verifier::error::DecodeError;

use super::{Stage, FORMAT_VERSION};

/// Why bytes are not a partially built transaction this build can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PcztDecodeError {
    /// The magic bytes are not ours.
    #[error("not a SuperZK partially built transaction (the file does not start with the magic bytes \"SZKPCZT\"); check you passed the right file")]
    NotAPczt,
    /// A format version this build does not read.
    #[error("partially built transaction format version {found} is not supported: this build reads version {FORMAT_VERSION} only; use a matching superzk release")]
    UnsupportedVersion {
        /// The version in the file.
        found: u8,
    },
    /// The bytes end early.
    #[error("the partially built transaction is truncated: {needed} more bytes needed for the {what}; the file was cut short, copy it again")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes missing.
        needed: usize,
    },
    /// Bytes after the end.
    #[error("{0} unexpected bytes after the end of the partially built transaction; the file is damaged")]
    TrailingBytes(usize),
    /// An unknown stage byte.
    #[error(
        "unknown stage {0} (expected 1 created, 2 proven or 3 authorized); the file is damaged"
    )]
    UnknownStage(u8),
    /// A flag byte other than 0 or 1.
    #[error("the {what} flag is {found}, expected 0 or 1; the file is damaged")]
    BadFlag {
        /// Which flag.
        what: &'static str,
        /// Its value.
        found: u8,
    },
    /// A field element, point, scalar, address or asset that does not decode.
    #[error("invalid encoding of the {0}; the file is damaged or was tampered with")]
    InvalidEncoding(&'static str),
    /// A list longer than a transaction may be.
    #[error("{got} {what}, at most {max}; the file is damaged")]
    TooMany {
        /// Which list.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// The embedded transaction does not decode.
    #[error("the proven transaction inside does not decode: {0}")]
    Transaction(DecodeError),
    /// Parts that contradict each other or the stage.
    #[error(
        "inconsistent partially built transaction: {0}; the file is damaged or was tampered with"
    )]
    Inconsistent(&'static str),
}

/// Why a step (prove, authorize, extract) refused a partially built
/// transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PcztError {
    /// The step does not apply at this stage.
    #[error("cannot {step} a partially built transaction that is {found}: it must be {expected}")]
    WrongStage {
        /// The step asked for.
        step: &'static str,
        /// The stage it needs.
        expected: Stage,
        /// The stage it is in.
        found: Stage,
    },
    /// No key given owns a spent note.
    #[error("spend {0}: the note does not belong to this proof-generation key (nor to any key given); prove with the key of the wallet that holds the note")]
    NotOwned(usize),
    /// The spending key is not the one a spend was proven for.
    #[error("spend {0} was proven for another key: this spending key's ak is not the one the note belongs to; authorize with the spending key of the wallet that created the transaction")]
    WrongSpendingKey(usize),
    /// The proven transaction says something else than the contents the
    /// signer is shown.
    #[error("the proven transaction does not match the partially built transaction's contents ({what} of {action} {index}); it was tampered with after creation: do not sign it, create and prove it again")]
    Mismatch {
        /// Which field differs.
        what: &'static str,
        /// Which kind of action ("spend", "output", ... or "transaction").
        action: &'static str,
        /// Its index.
        index: usize,
    },
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
    /// The caller stopped proving (see `Pczt::prove_with_progress`).
    #[error("proving was cancelled by the caller; the partially built transaction is unchanged and can be proven again")]
    Cancelled,
}
