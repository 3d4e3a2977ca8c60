//! `superzk pczt`: a transaction in three steps through partially built
//! transaction (PCZT) files, each step possibly on another machine.
//!
//! * `inspect FILE`: what the transaction does (spends, outputs, fee,
//!   expiry), as a signer must see it before signing.
//! * `prove FILE --proof-key KEYFILE --out FILE`: proves with the
//!   proof-generation key (or a full viewing key), never the spending key.
//! * `authorize FILE --spending-key KEYFILE --out FILE`: checks the proven
//!   transaction against the contents and signs.
//! * `extract FILE --out TX_FILE`: the finished transaction, as
//!   `superzk verify` reads it.
//! * `proof-key --spending-key KEYFILE --out FILE`: the proof-generation
//!   key to hand a prover.
//!
//! Exit status: 0 done; 1 a step refused (wrong key, tampered contents,
//! wrong stage); 2 a file could not be read, decoded or written.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::Subcommand;
use rand_core::OsRng;
use superzk_keys::{
    error::KeyError,
    spending_key::{FullViewingKey, SpendingKey},
};
use superzk_prover::{Pczt, PcztDecodeError, PcztError, ProofGenerationKey};
use zeroize::Zeroizing;

/// The `superzk pczt` subcommands.
#[derive(Subcommand)]
pub enum PcztCommand {
    /// Show what a PCZT does: spends, outputs, fee, expiry, stage.
    Inspect {
        /// The PCZT file.
        file: PathBuf,
    },
    /// Prove a created PCZT with a proof-generation key.
    Prove {
        /// The created PCZT file.
        file: PathBuf,
        /// A file holding the proof-generation key (hex, from
        /// `superzk pczt proof-key`) or a full viewing key (szk-fvk1...).
        #[arg(long)]
        proof_key: PathBuf,
        /// Where to write the proven PCZT.
        #[arg(long)]
        out: PathBuf,
        /// Where the (insecure, seeded) parameters are cached; default: the
        /// user cache directory or $SUPERZK_PARAMS_DIR.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Check a proven PCZT against its contents and sign it.
    Authorize {
        /// The proven PCZT file.
        file: PathBuf,
        /// A file holding the spending key (szk-sk1...).
        #[arg(long)]
        spending_key: PathBuf,
        /// Where to write the authorized PCZT.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the transaction of an authorized PCZT.
    Extract {
        /// The authorized PCZT file.
        file: PathBuf,
        /// Where to write the transaction.
        #[arg(long)]
        out: PathBuf,
    },
    /// Derive the proof-generation key a prover needs from a spending key.
    ProofKey {
        /// A file holding the spending key (szk-sk1...).
        #[arg(long)]
        spending_key: PathBuf,
        /// Where to write the proof-generation key (hex).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Why a `superzk pczt` command failed.
#[derive(Debug, thiserror::Error)]
pub enum PcztCmdError {
    /// A file could not be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {reason}")]
    Unwritable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A PCZT file does not decode.
    #[error("{path}: {source}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// Why.
        source: PcztDecodeError,
    },
    /// A key file does not hold the expected key.
    #[error("{path}: {reason}")]
    Key {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what to pass instead.
        reason: String,
    },
    /// The parameters could not be loaded.
    #[error("loading the proving parameters failed: {0}")]
    Params(KeyError),
    /// The step refused.
    #[error(transparent)]
    Step(#[from] PcztError),
}

impl PcztCmdError {
    fn exit_code(&self) -> ExitCode {
        match self {
            PcztCmdError::Step(_) => ExitCode::from(1),
            _ => ExitCode::from(2),
        }
    }
}

/// Runs a `superzk pczt` command.
pub fn run(cmd: PcztCommand) -> ExitCode {
    match execute(cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

fn execute(cmd: PcztCommand) -> Result<(), PcztCmdError> {
    match cmd {
        PcztCommand::Inspect { file } => {
            print!("{}", read_pczt(&file)?.summary());
            Ok(())
        }
        PcztCommand::Prove {
            file,
            proof_key,
            out,
            params_dir,
        } => {
            let pczt = read_pczt(&file)?;
            let key = read_proof_key(&proof_key)?;
            let params = crate::load_demo_keys(params_dir).map_err(PcztCmdError::Params)?;
            let proven = pczt.prove(&key, &params, &mut OsRng)?;
            write(&out, &proven.to_bytes())?;
            eprintln!("proven: {}", out.display());
            Ok(())
        }
        PcztCommand::Authorize {
            file,
            spending_key,
            out,
        } => {
            let pczt = read_pczt(&file)?;
            let sk = read_spending_key(&spending_key)?;
            let signed = pczt.authorize(&sk, &mut OsRng)?;
            write(&out, &signed.to_bytes())?;
            eprintln!("authorized: {}", out.display());
            Ok(())
        }
        PcztCommand::Extract { file, out } => {
            let tx = read_pczt(&file)?.extract()?;
            write(&out, &tx.to_bytes())?;
            eprintln!("transaction {}: {}", hex::encode(tx.id()), out.display());
            Ok(())
        }
        PcztCommand::ProofKey { spending_key, out } => {
            let sk = read_spending_key(&spending_key)?;
            let key = ProofGenerationKey::from(&sk);
            write(&out, format!("{}\n", key.to_hex().as_str()).as_bytes())
        }
    }
}

fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, PcztCmdError> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| PcztCmdError::Unreadable {
            path: path.into(),
            reason: e.to_string(),
        })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), PcztCmdError> {
    std::fs::write(path, bytes).map_err(|e| PcztCmdError::Unwritable {
        path: path.into(),
        reason: e.to_string(),
    })
}

fn read_pczt(path: &Path) -> Result<Pczt, PcztCmdError> {
    Pczt::from_bytes(&read(path)?).map_err(|source| PcztCmdError::Decode {
        path: path.into(),
        source,
    })
}

/// A key file's text, trimmed; text that is not UTF-8 is refused.
fn read_key_text(path: &Path) -> Result<Zeroizing<String>, PcztCmdError> {
    let bytes = read(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| PcztCmdError::Key {
        path: path.into(),
        reason: "a key file holds text (hex or szk-...1...), this one does not".into(),
    })?;
    Ok(Zeroizing::new(text.trim().to_owned()))
}

fn key_error(path: &Path, what: &str, e: KeyError) -> PcztCmdError {
    PcztCmdError::Key {
        path: path.into(),
        reason: format!("not a valid {what}: {e}"),
    }
}

fn read_spending_key(path: &Path) -> Result<SpendingKey, PcztCmdError> {
    let text = read_key_text(path)?;
    SpendingKey::decode_with_network(&text)
        .map(|(key, _)| key)
        .map_err(|e| key_error(path, "spending key (szk-sk1..., or a test network's)", e))
}

/// A proof-generation key in hex, or a full viewing key it is derived
/// from; a spending key is refused (the prover must not hold it).
fn read_proof_key(path: &Path) -> Result<ProofGenerationKey, PcztCmdError> {
    let text = read_key_text(path)?;
    // Any network's text form: the prover does not care which chain.
    if SpendingKey::decode_with_network(&text).is_ok() {
        return Err(PcztCmdError::Key {
            path: path.into(),
            reason: "this is a spending key; a prover needs only the proof-generation key: \
                     make it with `superzk pczt proof-key --spending-key FILE --out FILE`"
                .into(),
        });
    }
    if let Ok((fvk, _)) = FullViewingKey::decode_with_network(&text) {
        return Ok(ProofGenerationKey::from(&fvk));
    }
    ProofGenerationKey::from_hex(&text)
        .map_err(|e| key_error(path, "proof-generation key (128 hex digits)", e))
}
