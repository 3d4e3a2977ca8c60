//! `superzk demo`: the main job on embedded defaults. A devnet chain on an
//! embedded store (PoW blocks, a StakingNode, tickets that vote) carries the
//! two wallets' story (every kind of shielded transaction, see
//! [`crate::scenario`]), one transaction per block, each block validated in
//! full as it is applied; then the chain is exported and re-validated from
//! genesis on a fresh store, as a second node would.

use std::{path::PathBuf, time::Instant};

use rand_core::OsRng;
use superzk_chain_core::chain::Chain;
use superzk_keys::params::write_file_atomic;

use crate::{devnet::Devnet, error::CliError, scenario::Scenario};

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

fn chain_err(e: superzk_chain_core::error::ChainError) -> CliError {
    CliError::Chain(e.to_string())
}

/// Runs the demo; prints what happens and a summary with timings. With
/// `out`, writes every transaction, the wallets' full viewing keys and the
/// chain file there.
pub fn run(params_dir: Option<PathBuf>, out: Option<PathBuf>) -> Result<(), CliError> {
    println!("SuperZK demo — Groth16 on BLS12-381, Poseidon in-circuit (parameters are INSECURE, seeded, for demos only)");
    let t = Instant::now();
    let keys = crate::load_demo_keys(params_dir)?;
    let params_ms = ms(t);
    let store = tempfile::tempdir().map_err(|e| CliError::Io(format!("temporary store: {e}")))?;
    let mut devnet = Devnet::create(
        &store.path().join("chain.redb"),
        keys.verifying_keys(),
        &crate::scenario::genesis_funds(),
    )
    .map_err(chain_err)?;
    devnet.stake().map_err(chain_err)?;
    println!(
        "devnet: genesis, a StakingNode registered, 40 tickets bought (blocks 1-3); {} tickets in the pool",
        devnet.chain.tickets().map_err(chain_err)?.len()
    );

    let mut story = Scenario::new(&mut OsRng, devnet.holder.id());
    println!("alice's address: {}", story.alice.address(0));
    println!("bob's address:   {}", story.bob.address(0));
    let mut rows = vec![];
    let mut txs = vec![];
    loop {
        let (chain_id, expiry) = devnet.tx_binding().map_err(chain_err)?;
        let Some(step) = story.next_step(&keys, chain_id, expiry, &mut OsRng)? else {
            break;
        };
        let t = Instant::now();
        let chain_tx = devnet.shielded(step.tx.clone()).map_err(chain_err)?;
        let block = devnet.mine(vec![chain_tx]).map_err(chain_err)?;
        let block_ms = ms(t);
        let [(a_in, a_out), (b_in, b_out)] = story.scan(&step.tx)?;
        let tx = &step.tx;
        let size = tx.to_bytes().len();
        println!(
            "block {}: {} — {} spends, {} outputs, {} package spends, {} package outputs, {size} bytes; \
             proved in {:.0} ms; block mined and validated in {block_ms:.0} ms ({} votes)",
            block.header.height,
            step.label,
            tx.spends.len(),
            tx.outputs.len(),
            tx.package_spends.len(),
            tx.package_outputs.len(),
            step.prove_ms,
            block.votes.len(),
        );
        println!(
            "  scanned: alice received {a_in}, spent {a_out}; bob received {b_in}, spent {b_out}"
        );
        rows.push((step.label, step.prove_ms, block_ms, size));
        txs.push(step);
    }
    let outcome = story.check_outcome()?;

    // A second node's view: the exported chain, re-validated from genesis.
    let file = devnet.chain.export().map_err(chain_err)?;
    let fresh = tempfile::tempdir().map_err(|e| CliError::Io(format!("temporary store: {e}")))?;
    let t = Instant::now();
    let counts = Chain::validate_file(
        &file,
        &fresh.path().join("chain.redb"),
        keys.verifying_keys(),
        &mut OsRng,
        |_| {},
    )
    .map_err(chain_err)?;
    let revalidate_ms = ms(t);

    println!();
    println!("summary");
    println!("  parameters ready in {params_ms:.0} ms");
    for (label, prove_ms, block_ms, size) in &rows {
        println!(
            "  {label:<10} prove {prove_ms:>7.0} ms   block {block_ms:>6.0} ms   {size:>6} bytes"
        );
    }
    println!("  devnet: {}", devnet.summary().map_err(chain_err)?);
    println!(
        "  exported chain ({} blocks) re-validated from genesis on a fresh store in {revalidate_ms:.0} ms; checks per rule:",
        file.blocks.len()
    );
    crate::node_cmd::print_rule_counts(&counts);
    println!("  {outcome}   fees paid: 3 SERO");
    println!("  all blocks valid; every balance as expected");

    if let Some(dir) = out {
        let write = |name: String, bytes: &[u8]| -> Result<(), CliError> {
            let path = dir.join(name);
            write_file_atomic(&path, bytes)?;
            println!("  wrote {}", path.display());
            Ok(())
        };
        for step in &txs {
            write(
                format!("{}.tx", step.label.replace(' ', "")),
                &step.tx.to_bytes(),
            )?;
        }
        // The wallets' full viewing keys, for `superzk audit`.
        for (name, wallet) in [("alice", &story.alice), ("bob", &story.bob)] {
            write(
                format!("{name}.fvk"),
                wallet.full_viewing_key().encode().as_bytes(),
            )?;
        }
        write("chain.szkc".into(), &file.to_bytes())?;
    }
    Ok(())
}
