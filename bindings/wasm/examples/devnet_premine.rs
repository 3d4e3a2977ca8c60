//! Native helper for the browser wallet's sync measurement
//! (`tests/measure-sync.mjs`): mines empty devnet blocks into a node's data
//! directory through the node library, so a 1,000-block devnet takes
//! seconds rather than the minutes of a running node's producer.
//!
//! `cargo run --release -p superzk-wasm --example devnet_premine -- DATA_DIR BLOCKS`
//!
//! Each block is stamped ten seconds (the devnet's target) after its
//! parent, from the tip's time: from the genesis time (2023), the blocks
//! stay in the past and the difficulty at its floor, so mining is instant.
//! A producer mining faster than the target stamps blocks one second apart
//! and the difficulty climbs every ten blocks, which is what slowed the
//! earlier attempts. Every block goes through `Node::submit_block` (full
//! validation and a durable commit), as a synced node's would. Then
//! `superzk node run --data-dir DATA_DIR` serves the chain.

use std::{path::PathBuf, process::ExitCode};

use superzk_node::{config::NodeConfig, daemon::open_node, network::devnet_key};

/// Seconds of block time between premined blocks: the devnet's target.
const SPACING: u64 = 10;

fn premine(data_dir: PathBuf, blocks: u64) -> Result<u64, String> {
    let config = NodeConfig {
        data_dir: Some(data_dir),
        ..Default::default()
    };
    let node = open_node(&config).map_err(|e| format!("opening the node's store: {e}"))?;
    let miner = devnet_key("miner").id();
    let tip = node.tip().map_err(|e| e.to_string())?;
    for i in 1..=blocks {
        node.mine_block(miner, tip.time + SPACING * i)
            .map_err(|e| format!("block {}: {e}", tip.height + i))?;
    }
    Ok(node.tip().map_err(|e| e.to_string())?.height)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, blocks] = args.as_slice() else {
        eprintln!("usage: devnet_premine DATA_DIR BLOCKS");
        return ExitCode::from(2);
    };
    let Ok(blocks) = blocks.parse::<u64>() else {
        eprintln!("BLOCKS must be a whole number, not {blocks:?}");
        return ExitCode::from(2);
    };
    match premine(PathBuf::from(dir), blocks) {
        Ok(height) => {
            println!("premined {blocks} blocks: height {height}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("devnet_premine: {e}");
            ExitCode::FAILURE
        }
    }
}
