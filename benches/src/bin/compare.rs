//! `compare`: SuperZK against Zcash Sapling, side by side, in one process.
//!
//! ```text
//! cargo run --release --bin compare [-- --quick] [-- --json] [-- --sync]
//! ```
//!
//! `--sync` runs the wallet sync comparison alone (seconds, no parameters);
//! `--verifier` the verifier's rows alone: one proof verified against
//! Sapling's, the cost of each kind of point decoding, and the block of
//! 1,000 actions decoded and verified, with its parts; `--prover` the
//! prover's rows alone: peak memory, Spend and Output against Sapling, the
//! MSMs against blst, the profile, and one and eight proofs on all cores;
//! `--block` the block's rows alone (for profiling it). The prover's rows
//! (and the whole run) end with the table mode's (`MsmMode::TABLES`, the
//! servers' option): Spend and Output against Sapling again, the tables'
//! preparation and bytes, and the peak memory of a one-Spend process in
//! that mode.
//!
//! Measures, with the same thread count for both systems: proving times of
//! Spend and Output (one thread), single-proof verification, batch
//! verification of 64 proofs against verifying them one by one, the
//! throughput gain of proving 8 proofs on all cores over one core, the peak
//! memory of a process that makes one Spend proof, and the time a block
//! validator needs for the proofs and signatures of 1,000 actions, and a
//! wallet's sync speed: compact outputs trial-decrypted per second on all
//! cores, against Sapling's batch trial decryption. Prints a table; with
//! `--json` the last line is one JSON object of the ratios and figures.
//! `--quick` takes fewer samples (the whole run stays under 3 minutes on two
//! cores once parameters are cached); the default takes more and reports
//! medians.
//!
//! Threads: bellman (Zcash's prover) runs its work on rayon's *global* pool
//! and refuses to be called from inside a pool, so this binary makes the
//! global pool one thread (the one-thread measurements of both systems run
//! from the main thread on it) and runs its all-cores measurements, which are
//! SuperZK's alone, in a separate pool of `RAYON_NUM_THREADS` (default: all
//! cores) threads. The 8-proof throughput is measured in child processes of
//! this binary, the one-core side pinned to one CPU, because arkworks' MSMs
//! start threads of their own (see `measure::pin_to_one_cpu`).

use std::{path::Path, process::Command};

use ark_bls12_381::Bls12_381;
use ark_groth16::{Groth16, Proof};
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use superzk_benches::{
    constraints,
    measure::{self, child_peak_rss_mib, cpu_secs, median, secs, time},
    one_spend_proof, one_spend_proof_in, output_witness, params_dir, proving_keys, sapling,
    spend_witness,
    sync::{self, OURS_ONE_IN},
};
use superzk_circuits::{
    asset::AssetInfo, note::AssetId, output::OutputCircuit, spend::SpendCircuit, Fr,
};
use superzk_keys::{note_plaintext::MEMO_LEN, spending_key::SpendingKey};
use superzk_prover::{groth16::MsmMode, proof, ProvingKeys, TransactionBuilder};
use superzk_verifier::{
    groth16::{batch_verify, batch_verify_validated, verify_single, ProofItem},
    transaction::Transaction,
    verify::{block_signatures_verify, check_without_proofs, verify_batch, AnyAnchor},
};
use superzk_wallet::memory::ScanningWallet;

#[path = "compare/hardware.rs"]
mod hardware;

/// The hidden flag that makes this binary the one-Spend child process.
const CHILD_FLAG: &str = "--one-spend-child";
/// With [`CHILD_FLAG`]: the child proves in the table mode.
const TABLES_FLAG: &str = "--tables";
/// The hidden flag that makes this binary a throughput child.
const PROVE8_FLAG: &str = "--prove8-child";

/// How many samples each measurement takes.
struct Plan {
    quick: bool,
    /// Proving samples per circuit and system (one thread).
    prove: usize,
    /// Rounds of single verifications (each round verifies `verify_round`
    /// proofs) per system.
    verify_rounds: usize,
    verify_round: usize,
    /// Repetitions of the 64-proof batch comparison.
    batch: usize,
    /// Repetitions of the 8-proof throughput comparison.
    parallel: usize,
    /// Distinct 4-action transactions built for the block.
    block_txs: usize,
    /// Repetitions of the block verification.
    block: usize,
    /// Repetitions of the sync scan (each side scans [`SYNC_OUTPUTS`]).
    sync: usize,
}

/// Compact outputs each side scans per repetition.
const SYNC_OUTPUTS: usize = 10_000;

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                quick,
                prove: 1,
                verify_rounds: 5,
                verify_round: 10,
                batch: 3,
                parallel: 1,
                block_txs: 2,
                block: 3,
                sync: 3,
            }
        } else {
            Self {
                quick,
                prove: 5,
                verify_rounds: 21,
                verify_round: 20,
                batch: 9,
                parallel: 5,
                block_txs: 5,
                block: 9,
                sync: 9,
            }
        }
    }
}

/// The table and the JSON object being filled in.
#[derive(Default)]
struct Report {
    rows: Vec<[String; 4]>,
    json: Map<String, Value>,
}

impl Report {
    fn row(&mut self, what: &str, ours: String, theirs: String, ratio: String) {
        self.rows.push([what.into(), ours, theirs, ratio]);
    }

    fn key(&mut self, key: &str, value: f64) {
        // Four significant digits: the measurements are no more precise.
        let rounded = format!("{value:.4e}").parse::<f64>().unwrap_or(value);
        self.json.insert(key.into(), json!(rounded));
    }

    fn print(&self) {
        let header = ["measurement", "SuperZK", "baseline", "ratio"];
        let widths: Vec<usize> = (0..4)
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r[c].chars().count())
                    .chain([header[c].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |r: [&str; 4]| {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            println!("| {} |", cells.join(" | "));
        };
        line(header);
        let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        println!("|-{}-|", dashes.join("-|-"));
        for r in &self.rows {
            line([&r[0], &r[1], &r[2], &r[3]]);
        }
    }
}

fn ms(s: f64) -> String {
    format!("{:.3} ms", s * 1e3)
}

fn sec(s: f64) -> String {
    format!("{s:.3} s")
}

fn ratio(x: f64) -> String {
    format!("{x:.3}")
}

/// Threads of the all-cores pool: `RAYON_NUM_THREADS`, else all cores.
fn all_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

fn prove_spend(keys: &ProvingKeys, seed: u64) -> Proof<Bls12_381> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let w = spend_witness(&mut ChaCha20Rng::seed_from_u64(1));
    proof::prove_spend(&keys.spend, w, &mut rng).expect("proves")
}

/// Constraint counts.
fn constraint_rows(report: &mut Report) {
    let (ours_s, ours_o) = (
        constraints(SpendCircuit::blank()),
        constraints(OutputCircuit::blank()),
    );
    let (sap_s, sap_o) = (sapling::spend_constraints(), sapling::output_constraints());
    report.row(
        "Spend constraints",
        ours_s.to_string(),
        format!("{sap_s} (Sapling)"),
        ratio(ours_s as f64 / sap_s as f64),
    );
    report.row(
        "Output constraints",
        ours_o.to_string(),
        format!("{sap_o} (Sapling)"),
        ratio(ours_o as f64 / sap_o as f64),
    );
    report.key("spend_constraints", ours_s as f64);
    report.key("sapling_spend_constraints", sap_s as f64);
    report.key("output_constraints", ours_o as f64);
    report.key("sapling_output_constraints", sap_o as f64);
}

/// Proving times, ours and Sapling's interleaved sample by sample so that
/// load from elsewhere on the machine hits both alike.
fn proving(
    report: &mut Report,
    plan: &Plan,
    keys: &ProvingKeys,
    sap: &sapling::SaplingParams,
    all: &rayon::ThreadPool,
) -> f64 {
    let spend = spend_witness(&mut ChaCha20Rng::seed_from_u64(1));
    let output = output_witness(&mut ChaCha20Rng::seed_from_u64(2));
    let sap_spend = sapling::spend_instance(3);
    let sap_output = sapling::output_instance(4);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    // The keys' one-time preparation (matrices, blst points) is loading,
    // not proving: done before the first sample.
    for params in [&keys.spend, &keys.output] {
        superzk_prover::groth16::prepare(params).expect("the keys prepare");
    }
    let ours_spend = |rng: &mut ChaCha20Rng| {
        secs(|| {
            proof::prove_spend(&keys.spend, spend.clone(), rng).expect("proves");
        })
    };
    let ours_output = |rng: &mut ChaCha20Rng| {
        secs(|| {
            proof::prove_output(&keys.output, output.clone(), rng).expect("proves");
        })
    };
    // One thread: from the main thread, on the one-thread global pool.
    let (mut os, mut ss, mut oo, mut so) = (vec![], vec![], vec![], vec![]);
    for i in 0..plan.prove {
        os.push(ours_spend(&mut rng));
        ss.push(secs(|| {
            sapling::prove(sap_spend.circuit.clone(), &sap.spend, i as u64);
        }));
        oo.push(ours_output(&mut rng));
        so.push(secs(|| {
            sapling::prove(sap_output.circuit.clone(), &sap.output, i as u64);
        }));
    }
    let (os, ss, oo, so) = (median(&os), median(&ss), median(&oo), median(&so));
    report.row("Spend prove (1 thread)", sec(os), sec(ss), ratio(os / ss));
    report.row("Output prove (1 thread)", sec(oo), sec(so), ratio(oo / so));
    report.key("spend_prove_s", os);
    report.key("sapling_spend_prove_s", ss);
    report.key("spend_prove_vs_sapling", os / ss);
    report.key("output_prove_s", oo);
    report.key("sapling_output_prove_s", so);
    report.key("output_prove_vs_sapling", oo / so);
    if !plan.quick {
        // bellman cannot run in a pool of our choosing: SuperZK alone here.
        let (mut a_s, mut a_o) = (vec![], vec![]);
        all.install(|| {
            for _ in 0..plan.prove {
                a_s.push(ours_spend(&mut rng));
                a_o.push(ours_output(&mut rng));
            }
        });
        let (a_s, a_o) = (median(&a_s), median(&a_o));
        let label = |c: &str| {
            format!(
                "{c} prove (one proof, all {} cores)",
                all.current_num_threads()
            )
        };
        report.row(&label("Spend"), sec(a_s), "-".into(), String::new());
        report.row(&label("Output"), sec(a_o), "-".into(), String::new());
        report.key("spend_prove_all_cores_s", a_s);
    }
    os
}

/// Single-proof verification, one thread, ours (with the proof-point checks)
/// against Zcash's (which leaves them to its decoder).
fn verification(
    report: &mut Report,
    plan: &Plan,
    keys: &ProvingKeys,
    sap: &sapling::SaplingParams,
) {
    let spend = spend_witness(&mut ChaCha20Rng::seed_from_u64(1));
    let proof = prove_spend(keys, 6);
    let inputs = spend.public_inputs().to_field_elements();
    let item = ProofItem {
        pvk: &keys.spend.verifying.prepared,
        proof: &proof,
        public_inputs: &inputs,
    };
    let sap_spend = sapling::spend_instance(3);
    let sap_proof = sapling::prove(sap_spend.circuit.clone(), &sap.spend, 7);
    assert!(
        sapling::verify(&sap.spend_pvk, &sap_proof, &sap_spend.inputs),
        "the Sapling baseline's proof verifies"
    );
    let n = plan.verify_round;
    let (mut ours, mut theirs) = (vec![], vec![]);
    for _ in 0..plan.verify_rounds {
        ours.push(secs(|| (0..n).for_each(|_| verify_single(&item).expect("valid"))) / n as f64);
        theirs.push(
            secs(|| {
                (0..n).for_each(|_| {
                    assert!(sapling::verify(
                        &sap.spend_pvk,
                        &sap_proof,
                        &sap_spend.inputs
                    ))
                })
            }) / n as f64,
        );
    }
    let (o, t) = (median(&ours), median(&theirs));
    report.row(
        "Spend verify (1 proof, 1 thread)",
        ms(o),
        ms(t),
        ratio(o / t),
    );
    report.key("verify_s", o);
    report.key("sapling_verify_s", t);
    report.key("verify_vs_sapling", o / t);
}

/// 64 distinct Spend proofs: `base` real ones, re-randomized (a re-randomized
/// Groth16 proof is a fresh valid proof of the same statement, and costs the
/// verifier exactly as much).
fn sixty_four(keys: &ProvingKeys, base: &[Proof<Bls12_381>]) -> Vec<Proof<Bls12_381>> {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    (0..64)
        .map(|i| {
            Groth16::<Bls12_381>::rerandomize_proof(
                &keys.spend.verifying.prepared.vk,
                &base[i % base.len()],
                &mut rng,
            )
        })
        .collect()
}

/// Batch of 64 against one by one, both on one thread and both on all cores
/// (the headline: a validator has the cores, and one-by-one verification
/// cannot use them, which is half the point of batching).
fn batching(
    report: &mut Report,
    plan: &Plan,
    keys: &ProvingKeys,
    base: &[Proof<Bls12_381>],
    all: &rayon::ThreadPool,
) {
    let proofs = sixty_four(keys, base);
    let inputs = spend_witness(&mut ChaCha20Rng::seed_from_u64(1))
        .public_inputs()
        .to_field_elements();
    let items: Vec<ProofItem> = proofs
        .iter()
        .map(|proof| ProofItem {
            pvk: &keys.spend.verifying.prepared,
            proof,
            public_inputs: &inputs,
        })
        .collect();
    let (mut single, mut validated, mut checked, mut all_cores) = (vec![], vec![], vec![], vec![]);
    let mut single_all_cores = vec![];
    let one_by_one = || items.iter().for_each(|i| verify_single(i).expect("valid"));
    for _ in 0..plan.batch {
        single.push(secs(one_by_one));
        single_all_cores.push(all.install(|| secs(one_by_one)));
        validated.push(secs(|| {
            batch_verify_validated(&items, &mut OsRng).expect("valid")
        }));
        checked.push(secs(|| batch_verify(&items, &mut OsRng).expect("valid")));
        all_cores.push(
            all.install(|| secs(|| batch_verify_validated(&items, &mut OsRng).expect("valid"))),
        );
    }
    let (s, v, c, a, s_all) = (
        median(&single),
        median(&validated),
        median(&checked),
        median(&all_cores),
        median(&single_all_cores),
    );
    report.row(
        "64 Spend proofs, batch (decoded proofs) vs one by one, 1 thread",
        ms(v),
        format!("{} one by one", ms(s)),
        ratio(v / s),
    );
    report.row(
        "64 Spend proofs, batch with point checks vs one by one, 1 thread",
        ms(c),
        format!("{} one by one", ms(s)),
        ratio(c / s),
    );
    report.row(
        "64 Spend proofs, batch (decoded proofs) vs one by one, all cores",
        format!("{} ({}/proof)", ms(a), ms(a / 64.0)),
        format!("{} one by one", ms(s_all)),
        ratio(a / s_all),
    );
    report.key("batch64_vs_single", a / s_all);
    report.key("batch64_vs_single_1thread", v / s);
    report.key("batch64_checked_vs_single", c / s);
    report.key("batch64_per_proof_s", v / 64.0);
    report.key("batch64_all_cores_per_proof_s", a / 64.0);
}

/// 8 Spend proofs, one rayon task per proof, on the current pool.
fn prove8(keys: &ProvingKeys) -> Vec<Proof<Bls12_381>> {
    (0..8u64)
        .into_par_iter()
        .map(|i| prove_spend(keys, 100 + i))
        .collect()
}

/// The throughput child ([`PROVE8_FLAG`] `CORES`): on one core (pinned) or
/// on a pool of `CORES` threads, makes one warm-up proof, then prints the
/// seconds 8 Spend proofs take.
fn prove8_child(cores: &str) -> Result<(), String> {
    let cores: usize = cores
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{PROVE8_FLAG} wants a core count, not {cores:?}"))?;
    if cores == 1 {
        // Before any thread starts: they all inherit the one CPU.
        measure::pin_to_one_cpu().map_err(|e| format!("cannot pin to one CPU: {e}"))?;
    }
    let keys = proving_keys();
    let pool = pool(cores);
    // Warm-up: the first proof pays for page faults the others do not.
    let _warm_up = pool.install(|| prove_spend(&keys, 99));
    println!("{}", secs(|| drop(pool.install(|| prove8(&keys)))));
    Ok(())
}

/// Seconds one throughput child reports for `cores`.
fn prove8_seconds(cores: usize) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = measure::child_stdout(&exe, &[PROVE8_FLAG, &cores.to_string()])
        .map_err(|e| e.to_string())?;
    out.trim()
        .parse()
        .map_err(|_| format!("the throughput child printed {out:?}, not seconds"))
}

/// Throughput of proving 8 Spend proofs on all cores against one core.
///
/// Each side runs in a child process of its own, the one-core side pinned to
/// one CPU: a one-thread pool in this process would not be one core (see
/// [`measure::pin_to_one_cpu`]). Returns 8 proofs for the batch measurement.
fn parallel(
    report: &mut Report,
    plan: &Plan,
    keys: &ProvingKeys,
    all: &rayon::ThreadPool,
) -> Vec<Proof<Bls12_381>> {
    let threads = all.current_num_threads();
    let rounds: Result<Vec<(f64, f64)>, String> = (0..plan.parallel)
        .map(|_| Ok((prove8_seconds(1)?, prove8_seconds(threads)?)))
        .collect();
    match rounds {
        Ok(rounds) => {
            let one: Vec<f64> = rounds.iter().map(|r| r.0).collect();
            let many: Vec<f64> = rounds.iter().map(|r| r.1).collect();
            let (o, a) = (median(&one), median(&many));
            report.row(
                &format!("8 Spend proofs, all {threads} cores vs 1 core (pinned)"),
                format!("{} ({:.2} proofs/s)", sec(a), 8.0 / a),
                format!("{} on 1 core", sec(o)),
                format!("{:.2}x speed-up", o / a),
            );
            report.key("parallel_speedup", o / a);
        }
        Err(e) => eprintln!("compare: parallel speed-up not measured: {e}"),
    }
    report.key("threads", threads as f64);
    all.install(|| prove8(keys))
}

/// Builds `n` distinct transactions of 2 spends and 2 outputs each and
/// returns them decoded from their bytes, as a validator receives them.
fn transactions(keys: &ProvingKeys, n: usize) -> Vec<Transaction> {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut alice = ScanningWallet::new(SpendingKey::random(&mut rng));
    let bob = ScanningWallet::new(SpendingKey::random(&mut rng));
    let native = AssetInfo::native();
    let mut b = TransactionBuilder::new();
    b.set_public_account([0xa1; 32])
        .add_public_input(AssetId::native(), 200 * n as u64);
    for _ in 0..2 * n {
        b.add_output(None, alice.address(0), native.clone(), 100, [0; MEMO_LEN]);
    }
    let shield = b.build(keys, &mut rng).expect("shielding builds");
    alice.scan(&shield).expect("alice scans");
    (0..n)
        .map(|_| {
            let tx = alice
                .transfer(
                    keys,
                    &bob.address(0),
                    &[(native.clone(), 150)],
                    0,
                    [0; MEMO_LEN],
                    &mut rng,
                )
                .expect("transfer builds");
            assert_eq!(
                (tx.spends.len(), tx.outputs.len()),
                (2, 2),
                "a transfer of 150 from notes of 100 spends two and makes two"
            );
            alice.scan(&tx).expect("alice scans");
            Transaction::from_bytes(&tx.to_bytes()).expect("decodes")
        })
        .collect()
}

/// A block of 1,000 actions (250 transactions of 2 spends and 2 outputs,
/// copies of a few distinct ones), as a validator receives it: decoded from
/// its bytes (every point checked), then its proofs and signatures verified
/// in one batch. `block_1000_actions_s` is the whole (decoding included);
/// the parts are timed alone too: decoding, the checks without proofs
/// (signatures, binding keys) and the proof batch.
fn block(report: &mut Report, plan: &Plan, keys: &ProvingKeys, all: &rayon::ThreadPool) {
    let (build, distinct) = all.install(|| time(|| transactions(keys, plan.block_txs)));
    let txs: Vec<Transaction> = (0..250)
        .map(|i| distinct[i % distinct.len()].clone())
        .collect();
    let actions: usize = txs.iter().map(|t| t.spends.len() + t.outputs.len()).sum();
    assert_eq!(actions, 1000);
    let vks = keys.verifying_keys();
    let bytes: Vec<Vec<u8>> = txs.iter().map(Transaction::to_bytes).collect();
    // For profilers attaching to this process now (`perf record -p`).
    eprintln!("  transactions built; timing the block");
    let sample = |f: &(dyn Fn() + Sync)| {
        all.install(|| median(&(0..plan.block).map(|_| secs(f)).collect::<Vec<_>>()))
    };
    let decode_all = || -> Vec<Transaction> {
        bytes
            .par_iter()
            .map(|b| Transaction::from_bytes(b).expect("decodes"))
            .collect()
    };
    let decode = sample(&|| drop(decode_all()));
    let total = sample(&|| {
        let txs = decode_all();
        verify_batch(&txs, &vks, &AnyAnchor, &mut OsRng).expect("valid block")
    });
    // CPU seconds of the whole, all threads together: what the block costs
    // whatever else runs on the machine (the wall time above is inflated on
    // a shared machine; the CPU time divided by the cores is its floor).
    let cpu = all.install(|| {
        median(
            &(0..plan.block)
                .map(|_| {
                    cpu_secs(|| {
                        let txs = decode_all();
                        verify_batch(&txs, &vks, &AnyAnchor, &mut OsRng).expect("valid block")
                    })
                })
                .collect::<Vec<_>>(),
        )
    });
    let verify = sample(&|| verify_batch(&txs, &vks, &AnyAnchor, &mut OsRng).expect("valid block"));
    let cheap = sample(&|| {
        txs.par_iter().for_each(|tx| {
            check_without_proofs(tx, &vks, &AnyAnchor, &mut OsRng).expect("valid transaction")
        })
    });
    let inputs: Vec<(Vec<Fr>, &Proof<Bls12_381>, bool)> = txs
        .iter()
        .flat_map(|tx| {
            let spends = tx
                .spends
                .iter()
                .map(|s| (s.public_inputs().to_field_elements(), &s.proof, true));
            let outputs = tx
                .outputs
                .iter()
                .map(|o| (o.public_inputs().to_field_elements(), &o.proof, false));
            spends.chain(outputs).collect::<Vec<_>>()
        })
        .collect();
    let items: Vec<ProofItem> = inputs
        .iter()
        .map(|(x, proof, spend)| ProofItem {
            pvk: if *spend {
                &vks.spend.prepared
            } else {
                &vks.output.prepared
            },
            proof,
            public_inputs: x,
        })
        .collect();
    let proofs = sample(&|| batch_verify_validated(&items, &mut OsRng).expect("valid proofs"));
    let signatures = sample(&|| assert!(block_signatures_verify(&txs, &mut OsRng)));
    report.row(
        "Block of 1,000 actions (250 tx): decoded from bytes, then verified, all cores",
        sec(total),
        format!("decoding alone: {}", sec(decode)),
        format!("{:.0} actions/s", 1000.0 / total),
    );
    report.row(
        "  CPU time of decoding and verifying it, all threads together",
        sec(cpu),
        format!(
            "/ {} cores: {}",
            all.current_num_threads(),
            sec(cpu / all.current_num_threads() as f64)
        ),
        String::new(),
    );
    report.row(
        "  verifying the decoded block (proofs + signatures, one batch)",
        sec(verify),
        String::new(),
        String::new(),
    );
    report.row(
        "  of which the checks without proofs (signatures, binding keys)",
        sec(cheap),
        String::new(),
        String::new(),
    );
    report.row(
        "  of which the proof batch (1,000 proofs, one pairing check)",
        sec(proofs),
        String::new(),
        String::new(),
    );
    report.row(
        "  of which the block's signatures (750, one batch; beside the proofs)",
        sec(signatures),
        String::new(),
        String::new(),
    );
    report.row(
        &format!("  (building its {} distinct transactions)", distinct.len()),
        sec(build),
        String::new(),
        String::new(),
    );
    report.key("block_1000_actions_s", total);
    report.key("block_1000_decode_s", decode);
    report.key("block_1000_cpu_s", cpu);
    report.key("block_1000_verify_decoded_s", verify);
    report.key("block_1000_cheap_checks_s", cheap);
    report.key("block_1000_proof_batch_s", proofs);
    report.key("block_1000_signatures_s", signatures);
}

/// CPU seconds the calling thread spends in `f`.
fn thread_cpu_secs(f: impl FnOnce()) -> f64 {
    fn now() -> f64 {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a valid pointer to a `timespec`.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
        t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
    }
    let start = now();
    f();
    now() - start
}

/// Points decoded per kind, one thread: the compressed encodings of random
/// points (in their subgroups), decoded with every check and, for reference,
/// without the subgroup check.
const DECODE_POINTS: usize = 1000;

/// The cost of one point decoding of each kind a transaction holds, in CPU
/// time of one thread: what dominates a block's decoding.
fn point_decoding(report: &mut Report, plan: &Plan) {
    use ark_ec::CurveGroup;
    use ark_ed_on_bls12_381::EdwardsProjective;
    use ark_ff::UniformRand;
    use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};

    fn encodings<P: CanonicalSerialize>(points: Vec<P>) -> Vec<Vec<u8>> {
        points
            .iter()
            .map(|p| {
                let mut out = vec![];
                p.serialize_compressed(&mut out).expect("serializes");
                out
            })
            .collect()
    }
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let n = DECODE_POINTS;
    let g1 = encodings(
        (0..n)
            .map(|_| ark_bls12_381::G1Projective::rand(&mut rng).into_affine())
            .collect(),
    );
    let g2 = encodings(
        (0..n)
            .map(|_| ark_bls12_381::G2Projective::rand(&mut rng).into_affine())
            .collect(),
    );
    let jj = encodings(
        (0..n)
            .map(|_| EdwardsProjective::rand(&mut rng).into_affine())
            .collect(),
    );
    let proofs: Vec<Vec<u8>> = (0..n / 10)
        .map(|i| {
            let mut out = g1[i].clone();
            out.extend_from_slice(&g2[i]);
            out.extend_from_slice(&g1[i + 1]);
            out
        })
        .collect();
    // CPU time of this thread: a shared machine's load does not inflate it.
    let per_point = |set: &[Vec<u8>], f: &dyn Fn(&[u8])| {
        median(
            &(0..plan.block)
                .map(|_| thread_cpu_secs(|| set.iter().for_each(|b| f(b))) / set.len() as f64)
                .collect::<Vec<_>>(),
        )
    };
    let us = |s: f64| format!("{:.1} us", s * 1e6);
    use ark_bls12_381::{G1Affine, G2Affine};
    use ark_ed_on_bls12_381::EdwardsAffine;
    use superzk_keys::spending_key::{decode_point, decode_point_bound_by_proof};
    use superzk_verifier::{curve, transaction::decode_proof};
    type Decoder<'a> = &'a dyn Fn(&[u8]);
    /// What, its JSON key, the encodings, and how to decode them now, with
    /// arkworks' validation, and without subgroup checks.
    type Row<'a> = (&'a str, &'a str, &'a [Vec<u8>], [Decoder<'a>; 3]);
    // What each kind costs as transactions decode it now; with arkworks'
    // full validation (the decoder before issue 20); without any subgroup
    // check (the floor: decompression alone).
    let rows: [Row; 4] = [
        (
            "G1 point (proof A, C)",
            "g1",
            &g1,
            [
                &|b| assert!(curve::decode_g1(b).is_some()),
                &|b| assert!(G1Affine::deserialize_compressed(b).is_ok()),
                &|b| assert!(G1Affine::deserialize_compressed_unchecked(b).is_ok()),
            ],
        ),
        (
            "G2 point (proof B)",
            "g2",
            &g2,
            [
                &|b| assert!(curve::decode_g2(b).is_some()),
                &|b| assert!(G2Affine::deserialize_compressed(b).is_ok()),
                &|b| assert!(G2Affine::deserialize_compressed_unchecked(b).is_ok()),
            ],
        ),
        (
            "Jubjub point (cv, rk)",
            "jubjub",
            &jj,
            [
                &|b| assert!(decode_point_bound_by_proof(b, "point").is_ok()),
                &|b| assert!(decode_point(b, "point").is_ok()),
                &|b| assert!(EdwardsAffine::deserialize_compressed_unchecked(b).is_ok()),
            ],
        ),
        (
            "Groth16 proof (A, B, C)",
            "proof",
            &proofs,
            [
                &|b| assert!(decode_proof(b).is_ok()),
                &|b| assert!(Proof::<Bls12_381>::deserialize_compressed(b).is_ok()),
                &|b| assert!(Proof::<Bls12_381>::deserialize_compressed_unchecked(b).is_ok()),
            ],
        ),
    ];
    for (what, key, set, [now, arkworks, floor]) in rows {
        let (now, arkworks, floor) = (
            per_point(set, now),
            per_point(set, arkworks),
            per_point(set, floor),
        );
        report.row(
            &format!("Decode one {what}, 1 thread: now vs arkworks validating"),
            us(now),
            format!("{} (no subgroup check: {})", us(arkworks), us(floor)),
            ratio(now / arkworks),
        );
        report.key(&format!("decode_{key}_us"), now * 1e6);
        report.key(&format!("decode_{key}_arkworks_us"), arkworks * 1e6);
        report.key(&format!("decode_{key}_unchecked_us"), floor * 1e6);
    }
}

/// Wallet sync: [`SYNC_OUTPUTS`] compact outputs (one in [`OURS_ONE_IN`] the
/// wallet's) trial-decrypted with one key on all cores, ours against
/// Sapling's batch decryption, interleaved repetition by repetition.
fn wallet_sync(report: &mut Report, plan: &Plan, all: &rayon::ThreadPool) {
    let n = SYNC_OUTPUTS;
    let (ivk, ours) = all.install(|| sync::superzk_outputs(n, 11));
    let (sapling_ivk, theirs) = all.install(|| sync::sapling_outputs(n, 12));
    let found = n.div_ceil(OURS_ONE_IN);
    let (mut o, mut t) = (vec![], vec![]);
    for _ in 0..plan.sync {
        o.push(all.install(|| secs(|| assert_eq!(sync::scan_superzk(&ivk, &ours), found))));
        t.push(
            all.install(|| secs(|| assert_eq!(sync::scan_sapling(&sapling_ivk, &theirs), found))),
        );
    }
    let (ours_rate, sapling_rate) = (n as f64 / median(&o), n as f64 / median(&t));
    report.row(
        &format!(
            "Wallet sync: compact outputs trial-decrypted per second, all {} cores \
             ({n}, 1 in {OURS_ONE_IN} ours)",
            all.current_num_threads()
        ),
        format!("{ours_rate:.0}/s"),
        format!("{sapling_rate:.0}/s (Sapling batch)"),
        ratio(ours_rate / sapling_rate),
    );
    report.key("sync_outputs_per_s", ours_rate);
    report.key("sapling_sync_outputs_per_s", sapling_rate);
    report.key("sync_vs_sapling", ours_rate / sapling_rate);
}

/// Peak memory of a child process that loads the Spend parameters and makes
/// one proof (this binary, started with [`CHILD_FLAG`]).
fn memory(report: &mut Report) {
    let rss = std::env::current_exe()
        .map_err(|e| e.to_string())
        .and_then(|exe| child_peak_rss_mib(&exe, &[CHILD_FLAG]).map_err(|e| e.to_string()));
    match rss {
        Ok(mib) => {
            report.row(
                "Peak RSS, process loading params + 1 Spend proof",
                format!("{mib:.1} MiB"),
                String::new(),
                String::new(),
            );
            report.key("spend_peak_rss_mib", mib);
        }
        Err(e) => eprintln!("compare: peak memory not measured: {e}"),
    }
}

/// The table mode's rows: the Spend and Output keys prepared with
/// [`MsmMode::TABLES`] (how long, how many bytes), their proofs against
/// Sapling's again (interleaved, one thread, as in [`proving`]), and the
/// peak memory of a one-Spend process in that mode. Leaves this process's
/// keys in the table mode.
fn table_mode(report: &mut Report, plan: &Plan, keys: &ProvingKeys, sap: &sapling::SaplingParams) {
    let rss = std::env::current_exe()
        .map_err(|e| e.to_string())
        .and_then(|exe| {
            child_peak_rss_mib(&exe, &[CHILD_FLAG, TABLES_FLAG]).map_err(|e| e.to_string())
        });
    match rss {
        Ok(mib) => {
            report.row(
                "Peak RSS, process loading params + 1 Spend proof, table mode",
                format!("{mib:.1} MiB"),
                String::new(),
                String::new(),
            );
            report.key("spend_peak_rss_tables_mib", mib);
        }
        Err(e) => eprintln!("compare: table-mode peak memory not measured: {e}"),
    }
    let (prepared, ()) = time(|| {
        for params in [&keys.spend, &keys.output] {
            superzk_prover::groth16::prepare_with(params, MsmMode::TABLES)
                .expect("the keys prepare");
        }
    });
    report.row(
        "Table mode: Spend + Output keys prepared (wall, all cores)",
        sec(prepared),
        String::new(),
        String::new(),
    );
    report.key("tables_prepare_s", prepared);
    let spend = spend_witness(&mut ChaCha20Rng::seed_from_u64(1));
    let output = output_witness(&mut ChaCha20Rng::seed_from_u64(2));
    let sap_spend = sapling::spend_instance(3);
    let sap_output = sapling::output_instance(4);
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let (mut os, mut ss, mut oo, mut so) = (vec![], vec![], vec![], vec![]);
    for i in 0..plan.prove {
        os.push(secs(|| {
            proof::prove_spend(&keys.spend, spend.clone(), &mut rng).expect("proves");
        }));
        ss.push(secs(|| {
            sapling::prove(sap_spend.circuit.clone(), &sap.spend, i as u64);
        }));
        oo.push(secs(|| {
            proof::prove_output(&keys.output, output.clone(), &mut rng).expect("proves");
        }));
        so.push(secs(|| {
            sapling::prove(sap_output.circuit.clone(), &sap.output, i as u64);
        }));
    }
    let (os, ss, oo, so) = (median(&os), median(&ss), median(&oo), median(&so));
    report.row(
        "Spend prove, table mode (1 thread)",
        sec(os),
        sec(ss),
        ratio(os / ss),
    );
    report.row(
        "Output prove, table mode (1 thread)",
        sec(oo),
        sec(so),
        ratio(oo / so),
    );
    report.key("spend_prove_tables_s", os);
    report.key("spend_prove_tables_vs_sapling", os / ss);
    report.key("output_prove_tables_s", oo);
    report.key("output_prove_tables_vs_sapling", oo / so);
}

/// The Wasm binding's own benchmark, when it and `node` are there.
fn wasm(report: &mut Report, native_one_thread_spend: f64) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("bindings/wasm/bench.mjs");
    let pkg = root.join("bindings/wasm/pkg-node");
    let skip = |why: String| println!("Wasm section skipped: {why}");
    if !script.is_file() {
        return skip(format!("{} does not exist", script.display()));
    }
    if !pkg.is_dir() {
        return skip(format!(
            "{} does not exist (build the Wasm binding first)",
            pkg.display()
        ));
    }
    let out = match Command::new("node")
        .arg(&script)
        .arg("--json")
        .current_dir(&root)
        .output()
    {
        Ok(out) => out,
        Err(e) => return skip(format!("node could not be run ({e}); is it on PATH?")),
    };
    if !out.status.success() {
        return skip(format!(
            "node bench.mjs failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let parsed: Result<Value, _> = serde_json::from_str(last);
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    match parsed {
        Ok(v) => match (
            field(&v, "wasm_spend_prove_s"),
            field(&v, "wasm_size_bytes"),
        ) {
            (Some(t), Some(size)) => {
                report.row(
                    "Spend prove in Wasm (node) vs native, 1 thread",
                    sec(t),
                    format!("{} native", sec(native_one_thread_spend)),
                    ratio(t / native_one_thread_spend),
                );
                report.row(
                    "Wasm module size",
                    format!("{:.2} MiB", size / (1024.0 * 1024.0)),
                    String::new(),
                    String::new(),
                );
                report.key("wasm_spend_prove_s", t);
                report.key("wasm_spend_prove_vs_native", t / native_one_thread_spend);
                report.key("wasm_size_bytes", size);
            }
            _ => skip(format!(
                "bench.mjs's last line lacks wasm_spend_prove_s or wasm_size_bytes: {last}"
            )),
        },
        Err(e) => skip(format!("bench.mjs's last line is not JSON ({e}): {last}")),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == CHILD_FLAG) {
        if args.iter().any(|a| a == TABLES_FLAG) {
            one_spend_proof_in(MsmMode::TABLES);
        } else {
            one_spend_proof();
        }
        return;
    }
    if args.first().map(String::as_str) == Some(PROVE8_FLAG) {
        if let Err(e) = prove8_child(args.get(1).map_or("", String::as_str)) {
            eprintln!("compare: {e}");
            std::process::exit(1);
        }
        return;
    }
    let known = [
        "--quick",
        "--json",
        "--sync",
        "--verifier",
        "--prover",
        "--block",
    ];
    if let Some(bad) = args.iter().find(|a| !known.contains(&a.as_str())) {
        eprintln!(
            "compare: unknown argument {bad}; usage: compare [--quick] [--json] [--sync] [--verifier] [--prover] [--block]"
        );
        std::process::exit(2);
    }
    let plan = Plan::new(args.iter().any(|a| a == "--quick"));
    let json_out = args.iter().any(|a| a == "--json");
    let sync_only = args.iter().any(|a| a == "--sync");
    let verifier_only = args.iter().any(|a| a == "--verifier");
    let prover_only = args.iter().any(|a| a == "--prover");
    let block_only = args.iter().any(|a| a == "--block");
    // See the module documentation: the global pool is the one-thread one.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("the global thread pool is set up first");
    let all = pool(all_threads());
    let mut report = Report::default();
    let started = std::time::Instant::now();
    let progress = |what: &str| eprintln!("[{:6.1} s] {what}", started.elapsed().as_secs_f64());

    if sync_only {
        progress("wallet sync");
        wallet_sync(&mut report, &plan, &all);
        return finish(report, &plan, &all, json_out);
    }
    if prover_only {
        // Proving alone: the rows of issue 20's proving targets.
        progress("peak memory of a one-Spend process");
        memory(&mut report);
        progress("loading parameters (SuperZK, Sapling; generated and cached on first use)");
        let keys = proving_keys();
        let sap =
            sapling::SaplingParams::load_or_generate(&params_dir()).expect("Sapling parameters");
        progress("proving");
        proving(&mut report, &plan, &keys, &sap, &all);
        progress("proving close to the hardware (MSMs against blst, profile)");
        hardware::rows(&mut report, &plan, &keys, &all);
        progress("proving 8 proofs on all cores and on one");
        parallel(&mut report, &plan, &keys, &all);
        progress("the table mode (last: it keeps the keys in that mode)");
        table_mode(&mut report, &plan, &keys, &sap);
        return finish(report, &plan, &all, json_out);
    }
    if block_only {
        progress("loading parameters");
        let keys = proving_keys();
        progress("block of 1,000 actions");
        block(&mut report, &plan, &keys, &all);
        return finish(report, &plan, &all, json_out);
    }
    if verifier_only {
        progress("loading parameters (SuperZK, Sapling; generated and cached on first use)");
        let keys = proving_keys();
        let sap =
            sapling::SaplingParams::load_or_generate(&params_dir()).expect("Sapling parameters");
        progress("verifying");
        verification(&mut report, &plan, &keys, &sap);
        progress("point decoding");
        point_decoding(&mut report, &plan);
        progress("block of 1,000 actions");
        block(&mut report, &plan, &keys, &all);
        return finish(report, &plan, &all, json_out);
    }
    // Memory first, while this process is still small and idle.
    progress("peak memory of a one-Spend process");
    memory(&mut report);
    progress("wallet sync");
    wallet_sync(&mut report, &plan, &all);
    progress("loading parameters (SuperZK, Sapling; generated and cached on first use)");
    let (ours_load, keys) = time(proving_keys);
    let (sap_load, sap) = time(|| {
        sapling::SaplingParams::load_or_generate(&params_dir()).expect("Sapling parameters")
    });
    eprintln!("  SuperZK parameters in {ours_load:.2} s, Sapling's in {sap_load:.2} s");
    constraint_rows(&mut report);
    progress("proving");
    let spend_1 = proving(&mut report, &plan, &keys, &sap, &all);
    progress("proving close to the hardware (MSMs against blst, profile)");
    hardware::rows(&mut report, &plan, &keys, &all);
    progress("verifying");
    verification(&mut report, &plan, &keys, &sap);
    progress("proving 8 proofs on all cores and on one");
    let proofs = parallel(&mut report, &plan, &keys, &all);
    progress("batch of 64");
    batching(&mut report, &plan, &keys, &proofs, &all);
    progress("point decoding");
    point_decoding(&mut report, &plan);
    progress("block of 1,000 actions");
    block(&mut report, &plan, &keys, &all);
    progress("Wasm");
    wasm(&mut report, spend_1);
    progress("the table mode (last: it keeps the keys in that mode)");
    table_mode(&mut report, &plan, &keys, &sap);
    progress("done");
    finish(report, &plan, &all, json_out);
}

/// Prints the table (and the JSON line).
fn finish(report: Report, plan: &Plan, all: &rayon::ThreadPool, json_out: bool) {
    println!(
        "SuperZK vs Zcash Sapling (sapling-crypto 0.9, groth16 0.2), {} mode, {} threads",
        if plan.quick { "quick" } else { "careful" },
        all.current_num_threads()
    );
    report.print();
    if json_out {
        println!("{}", Value::Object(report.json));
    }
}
