//! The command line's error type.

/// Anything that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Keys or parameters.
    #[error(transparent)]
    Key(#[from] superzk_keys::error::KeyError),
    /// Building a transaction.
    #[error("building a transaction failed: {0}")]
    Build(#[from] superzk_prover::BuildError),
    /// The ledger refused something.
    #[error("ledger: {0}")]
    Ledger(String),
    /// The wallet's tree.
    #[error(transparent)]
    Tree(#[from] superzk_circuits::tree::TreeError),
    /// Writing output.
    #[error("{0}")]
    Io(String),
}

impl From<crate::ledger::LedgerError> for CliError {
    fn from(e: crate::ledger::LedgerError) -> Self {
        CliError::Ledger(e.to_string())
    }
}
