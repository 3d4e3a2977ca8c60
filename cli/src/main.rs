//! `superzk`: the SuperZK command line.
//!
//! * `superzk demo`: the main job — a local chain with two wallets, shielding,
//!   a private multi-currency transfer with change, scanning and verification.
//! * `superzk node run|status|story`: the node daemon, its status, and the
//!   devnet story told as a client of a running node.
//! * `superzk verify FILE...`: offline verification of transactions and proof
//!   files; exit 0 all valid, 1 some invalid, 2 unreadable or malformed.
//! * `superzk pczt inspect|prove|authorize|extract|proof-key`: a
//!   transaction in three steps through partially built transaction files.
//! * `superzk fixtures DIR` (feature `fixtures`): regenerates the committed
//!   test vectors: `cargo run --release -p superzk-cli --features fixtures --
//!   fixtures fixtures`.

mod audit_cmd;
mod daemon_cmd;
mod demo;
mod devnet;
mod error;
mod files;
#[cfg(feature = "fixtures")]
mod fixtures;
mod interop_cmd;
mod node_cmd;
mod pczt_cmd;
mod scenario;
mod setup_cmd;
mod story_client;
mod wallet_cmd;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

/// Seed of the INSECURE parameters the demo, the fixtures and the embedded
/// verifying keys use.
pub const DEMO_PARAMS_SEED: &[u8] = b"SuperZK insecure demo parameters v1";

#[derive(Parser)]
#[command(
    name = "superzk",
    version,
    about = "SuperZK: private multi-asset transfers with Groth16 on BLS12-381"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the demo: a local devnet chain (PoW, voting tickets, a
    /// StakingNode) carrying two wallets' shielded transactions of every
    /// kind, each block validated, then the whole chain re-validated.
    Demo {
        /// Where to cache the (insecure, seeded) parameters; default: the
        /// user cache directory or $SUPERZK_PARAMS_DIR.
        #[arg(long)]
        params_dir: Option<PathBuf>,
        /// Also write every transaction, the wallets' full viewing keys
        /// and the chain file into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verify transaction, proof, block and chain files offline, all in one batch.
    Verify {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A verifying key file to use instead of the built-in demo key of
        /// its circuit (repeatable; each file names its circuit).
        #[arg(long = "vk")]
        vks: Vec<PathBuf>,
        /// The files' format: `native` (SuperZK files, the default),
        /// `snarkjs` (VK.json PROOF.json PUBLIC.json) or `bellman`
        /// (VK PROOF [PUBLIC...]); see docs/PROTOCOL.md "Interop formats".
        #[arg(long, value_enum, default_value_t = interop_cmd::Format::Native)]
        format: interop_cmd::Format,
    },
    /// Audit with a full viewing key (received and spent notes, totals), and
    /// make or check per-note disclosures.
    Audit(audit_cmd::AuditArgs),
    /// The multi-party ceremony for a circuit's Groth16 parameters.
    #[command(subcommand)]
    Setup(setup_cmd::SetupCommand),
    /// A persistent wallet against a running node: init or restore from a
    /// mnemonic, sync, balances, send (currencies, tickets, packages),
    /// history; propose apart from proving and authorizing.
    Wallet(wallet_cmd::WalletArgs),
    /// A node: `run` the daemon (gRPC API, mempool, fork choice, mining
    /// and voting), or ask a running one its `status`.
    #[command(subcommand)]
    Node(daemon_cmd::NodeCommand),
    /// Mine a scripted devnet offline: PoW blocks, tickets voting (some
    /// through a StakingNode), both wallets' shielded transactions, on an
    /// embedded store (no daemon, no network).
    Devnet {
        /// Where the chain's store lives (must be fresh).
        #[arg(long)]
        data_dir: PathBuf,
        /// Blocks to mine.
        #[arg(long, default_value_t = 20)]
        blocks: u64,
        /// Where to cache the parameters.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Export or validate a chain file.
    #[command(subcommand)]
    Chain(node_cmd::ChainCommand),
    /// A transaction in three steps through partially built transaction
    /// (PCZT) files: inspect, prove (proof-generation key only), authorize
    /// (spending key), extract.
    #[command(subcommand)]
    Pczt(pczt_cmd::PcztCommand),
    /// Regenerate the test vectors in DIR (default: fixtures/).
    #[cfg(feature = "fixtures")]
    Fixtures {
        /// Target directory.
        #[arg(default_value = "fixtures")]
        dir: PathBuf,
        /// Where to cache the parameters.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { params_dir, out } => demo::run(params_dir, out).map(|()| ExitCode::SUCCESS),
        Command::Verify { files, vks, format } => return interop_cmd::run(format, &files, &vks),
        Command::Setup(cmd) => return setup_cmd::run(cmd),
        Command::Node(cmd) => return daemon_cmd::run(cmd),
        Command::Devnet {
            data_dir,
            blocks,
            params_dir,
        } => node_cmd::node(data_dir, blocks, params_dir)
            .map(|()| ExitCode::SUCCESS)
            .map_err(crate::error::CliError::Chain),
        Command::Chain(cmd) => return node_cmd::chain(cmd),
        Command::Audit(args) => return audit_cmd::run(args),
        Command::Pczt(cmd) => return pczt_cmd::run(cmd),
        Command::Wallet(args) => return wallet_cmd::run(args),
        #[cfg(feature = "fixtures")]
        Command::Fixtures { dir, params_dir } => {
            fixtures::generate(&dir, params_dir).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Loads the demo's proving keys from the cache, with a progress bar.
pub fn load_demo_keys(
    params_dir: Option<PathBuf>,
) -> Result<superzk_prover::ProvingKeys, superzk_keys::error::KeyError> {
    use indicatif::{ProgressBar, ProgressStyle};
    use superzk_keys::params::{CacheEvent, ParameterCache};
    let cache = params_dir
        .map(ParameterCache::new)
        .unwrap_or_else(ParameterCache::default_location);
    let bar = ProgressBar::new(2);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} parameters [{bar:20}] {pos}/{len} {msg} ({elapsed})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let keys =
        superzk_prover::ProvingKeys::insecure_from_cache(&cache, DEMO_PARAMS_SEED, |event| {
            match event {
                CacheEvent::Generating(k) => bar.set_message(format!(
                    "generating {k} parameters (INSECURE, seeded; cached after)"
                )),
                CacheEvent::Generated(k) | CacheEvent::Loaded(k) => {
                    bar.inc(1);
                    bar.set_message(format!("{k} ready"));
                }
            }
        })?;
    bar.finish_with_message(format!("ready (cache: {})", cache.dir().display()));
    Ok(keys)
}
