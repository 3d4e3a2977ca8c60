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
    /// The chain refused something, or the demo's story went other than
    /// planned (the message says what).
    #[error("{0}")]
    Chain(String),
    /// The wallet's tree.
    #[error(transparent)]
    Tree(#[from] superzk_circuits::tree::TreeError),
    /// Writing output.
    #[error("{0}")]
    Io(String),
}
