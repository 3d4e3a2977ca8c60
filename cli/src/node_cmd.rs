//! `superzk devnet` (a local devnet, see [`crate::devnet`]: PoW blocks, ticket
//! purchases, drawn tickets voting — some through a StakingNode — and the
//! wallets' shielded transactions of every kind) and
//! `superzk chain export|validate`.

use std::{path::PathBuf, process::ExitCode};

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use rand_core::OsRng;
use superzk_chain_core::{
    block::ChainFile,
    chain::Chain,
    error::{ChainError, Rule},
    params::ChainParams,
    validate::RuleCounts,
};

use crate::{devnet::Devnet, scenario::Scenario};

/// `superzk chain ...`
#[derive(Subcommand)]
pub enum ChainCommand {
    /// Write the chain in DIR to FILE.
    Export {
        /// The node's data directory.
        #[arg(long)]
        data_dir: PathBuf,
        /// The chain file to write.
        file: PathBuf,
    },
    /// Re-validate a chain file from genesis on a fresh store; exit 0 valid,
    /// 1 invalid (naming the block and rule), 2 unreadable.
    Validate {
        /// The chain file.
        file: PathBuf,
    },
}

fn store_path(dir: &std::path::Path) -> PathBuf {
    dir.join("chain.redb")
}

fn keys() -> Result<superzk_verifier::verify::VerifyingKeys, String> {
    crate::files::load_keys(&[])
}

/// Blocks the proof-of-stake set-up takes (a StakingNode, two ticket
/// purchases) before the wallets' story starts.
const STAKING_BLOCKS: u64 = 3;

/// Runs a devnet for `blocks` blocks in `data_dir`: the proof-of-stake
/// set-up, then one step of the wallets' story per block (every kind of
/// shielded transaction), then empty blocks (still voted on). Writes the
/// two wallets' full viewing keys to `alice.fvk` and `bob.fvk` in `data_dir`.
pub fn node(data_dir: PathBuf, blocks: u64, params_dir: Option<PathBuf>) -> Result<(), String> {
    if blocks < STAKING_BLOCKS {
        return Err(format!(
            "--blocks {blocks}: the devnet needs at least {STAKING_BLOCKS} blocks for its StakingNode and tickets"
        ));
    }
    std::fs::create_dir_all(&data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let proving = crate::load_demo_keys(params_dir).map_err(|e| e.to_string())?;
    let mut devnet = Devnet::create(
        &store_path(&data_dir),
        keys()?,
        &crate::scenario::genesis_funds(),
    )
    .map_err(|e| e.to_string())?;
    let bar = ProgressBar::new(blocks);
    bar.set_style(
        ProgressStyle::with_template("{spinner} blocks [{bar:30}] {pos}/{len} {msg} ({elapsed})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    devnet.stake().map_err(|e| e.to_string())?;
    bar.inc(STAKING_BLOCKS);
    let mut story = Scenario::new(&mut OsRng, devnet.holder.id());
    for _ in STAKING_BLOCKS..blocks {
        let (chain_id, expiry) = devnet.tx_binding().map_err(|e| e.to_string())?;
        let step = story
            .next_step(&proving, chain_id, expiry, &mut OsRng)
            .map_err(|e| e.to_string())?;
        let txs = match &step {
            Some(s) => vec![devnet.shielded(s.tx.clone()).map_err(|e| e.to_string())?],
            None => vec![],
        };
        devnet.mine(txs).map_err(|e| e.to_string())?;
        if let Some(s) = &step {
            story.scan(&s.tx).map_err(|e| e.to_string())?;
            bar.set_message(s.label);
        }
        bar.inc(1);
    }
    bar.finish();
    println!("devnet: {}", devnet.summary().map_err(|e| e.to_string())?);
    if story.finished() {
        println!(
            "wallets: {}",
            story.check_outcome().map_err(|e| e.to_string())?
        );
    }
    // The wallets' keys are fresh each run: their full viewing keys go next
    // to the store, so the chain can be audited (`superzk audit --fvk`).
    for (name, wallet) in [("alice", &story.alice), ("bob", &story.bob)] {
        let path = data_dir.join(format!("{name}.fvk"));
        superzk_keys::params::write_file_atomic(
            &path,
            wallet.full_viewing_key().encode().as_bytes(),
        )
        .map_err(|e| e.to_string())?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Prints how many checks of each rule a validation made, one rule a line.
pub fn print_rule_counts(counts: &RuleCounts) {
    for r in Rule::ALL {
        println!(
            "  {:<16} {}",
            r.name(),
            counts.0.get(&r).copied().unwrap_or(0)
        );
    }
}

/// `superzk chain ...`
pub fn chain(cmd: ChainCommand) -> ExitCode {
    match cmd {
        ChainCommand::Export { data_dir, file } => {
            let run = || -> Result<usize, String> {
                let keys = keys()?;
                let chain = Chain::open(&store_path(&data_dir), ChainParams::devnet(), keys)
                    .map_err(|e| e.to_string())?;
                let f = chain.export().map_err(|e| e.to_string())?;
                std::fs::write(&file, f.to_bytes())
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                Ok(f.blocks.len())
            };
            match run() {
                Ok(n) => {
                    println!("wrote {n} blocks to {}", file.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        ChainCommand::Validate { file } => {
            let parsed = std::fs::read(&file)
                .map_err(|e| format!("{}: {e}", file.display()))
                .and_then(|b| {
                    ChainFile::from_bytes(&b).map_err(|e| format!("{}: {e}", file.display()))
                });
            let f = match parsed {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("unreadable: {e}");
                    return ExitCode::from(2);
                }
            };
            let dir = match tempfile::tempdir() {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: temporary store: {e}");
                    return ExitCode::from(2);
                }
            };
            let keys = match keys() {
                Ok(k) => k,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match Chain::validate_file(&f, &dir.path().join("chain.redb"), keys, &mut OsRng, |_| {})
            {
                Ok(counts) => {
                    println!(
                        "{}: {} blocks valid ({} profile)",
                        file.display(),
                        f.blocks.len(),
                        f.profile
                    );
                    print_rule_counts(&counts);
                    ExitCode::SUCCESS
                }
                Err(ChainError::Block { height, error }) => {
                    println!("{}: INVALID at block {height}: {error}", file.display());
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
