//! `superzk setup`: the multi-party ceremony for one circuit's Groth16
//! parameters (see `superzk_keys::ceremony` and docs/PROTOCOL.md
//! "Parameter ceremony").
//!
//! `new` starts a transcript, `contribute` adds a contribution to the current
//! phase, `phase2` closes phase 1, `verify` checks a transcript from scratch,
//! `finalize` verifies and writes the parameter files the SDK loads.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use superzk_circuits::{
    output::{OutputCircuit, PackageOutputCircuit},
    spend::{PackageSpendCircuit, SpendCircuit},
};
use superzk_keys::{
    ceremony::{contribution_rng, CeremonyError, R1cs, Transcript},
    params::{
        proving_key_to_bytes, read_file, verifying_key_to_bytes, write_file_atomic, CircuitKind,
        Parameters, VerifyingParameters,
    },
};

/// The ceremony's steps.
#[derive(Subcommand)]
pub enum SetupCommand {
    /// Start a ceremony for one circuit (phase 1, no contribution yet).
    New {
        /// spend, output, package-spend or package-output.
        #[arg(long)]
        circuit: String,
        /// The transcript to write.
        out: PathBuf,
    },
    /// Add your contribution to the current phase (secrets from the OS,
    /// mixed with --entropy if given, then forgotten).
    Contribute {
        /// The transcript you received.
        input: PathBuf,
        /// The transcript to pass on.
        out: PathBuf,
        /// Extra randomness of your own (any text).
        #[arg(long)]
        entropy: Option<String>,
    },
    /// Close phase 1 and compute the circuit's parameters from its powers.
    Phase2 {
        /// The transcript at the end of phase 1.
        input: PathBuf,
        /// The transcript to write.
        out: PathBuf,
    },
    /// Verify a transcript from scratch (exit 0 valid, 1 invalid, 2 unreadable).
    Verify {
        /// The transcript.
        transcript: PathBuf,
    },
    /// Verify a transcript and write its parameters as SDK key files.
    Finalize {
        /// The transcript (phase 2, with at least one contribution).
        transcript: PathBuf,
        /// The proving key file to write.
        pk: PathBuf,
        /// The verifying key file to write.
        vk: PathBuf,
    },
}

fn r1cs(kind: CircuitKind) -> Result<R1cs, CeremonyError> {
    match kind {
        CircuitKind::Spend => R1cs::of(SpendCircuit::blank()),
        CircuitKind::Output => R1cs::of(OutputCircuit::blank()),
        CircuitKind::PackageSpend => R1cs::of(PackageSpendCircuit::blank()),
        CircuitKind::PackageOutput => R1cs::of(PackageOutputCircuit::blank()),
    }
}

/// Why a step failed, with its exit status.
enum Failure {
    /// Unreadable or malformed input, or a wrong argument: exit 2.
    Unusable(String),
    /// A transcript that does not verify: exit 1.
    Invalid(String),
}

fn unusable(e: impl std::fmt::Display) -> Failure {
    Failure::Unusable(e.to_string())
}

fn load(path: &Path) -> Result<(Transcript, CircuitKind, R1cs), Failure> {
    let bytes = read_file(path).map_err(unusable)?;
    let t = Transcript::from_bytes(&bytes)
        .map_err(|e| Failure::Unusable(format!("{}: {e}", path.display())))?;
    let kind = CircuitKind::from_id(t.circuit).ok_or_else(|| {
        Failure::Unusable(format!(
            "{}: unknown circuit id {}",
            path.display(),
            t.circuit
        ))
    })?;
    let r1cs = r1cs(kind).map_err(unusable)?;
    Ok((t, kind, r1cs))
}

fn save(path: &Path, t: &Transcript) -> Result<(), Failure> {
    write_file_atomic(path, &t.to_bytes()).map_err(unusable)
}

fn verify(t: &Transcript, r1cs: &R1cs) -> Result<superzk_keys::ceremony::Verified, Failure> {
    let spinner = ProgressBar::new_spinner().with_message("verifying the transcript from scratch");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let result = t.verify(r1cs, &mut rand_core::OsRng);
    spinner.finish_and_clear();
    result.map_err(|e| match e {
        CeremonyError::Malformed(_) | CeremonyError::Circuit(_) => Failure::Unusable(e.to_string()),
        _ => Failure::Invalid(e.to_string()),
    })
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn step(cmd: SetupCommand) -> Result<(), Failure> {
    match cmd {
        SetupCommand::New { circuit, out } => {
            let kind = CircuitKind::ALL
                .into_iter()
                .find(|k| k.name() == circuit)
                .ok_or_else(|| {
                    Failure::Unusable(format!(
                        "unknown circuit {circuit:?}: use spend, output, package-spend or package-output"
                    ))
                })?;
            let t = Transcript::new(kind.id(), &r1cs(kind).map_err(unusable)?).map_err(unusable)?;
            save(&out, &t)?;
            println!(
                "{}: a new {kind} ceremony (phase 1, domain of {} points)",
                out.display(),
                t.powers.domain_size()
            );
        }
        SetupCommand::Contribute {
            input,
            out,
            entropy,
        } => {
            let (mut t, kind, _) = load(&input)?;
            let bar = ProgressBar::new(t.work());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} contributing [{bar:30}] {percent}% ({elapsed})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            let mut rng = contribution_rng(entropy.unwrap_or_default().as_bytes());
            let digest = t.contribute(&mut rng, &|n| bar.inc(n));
            bar.finish_and_clear();
            save(&out, &t)?;
            let phase = if t.in_phase2() { 2 } else { 1 };
            let n = if t.in_phase2() {
                t.phase2.len()
            } else {
                t.phase1.len()
            };
            println!(
                "{kind}: phase {phase} contribution {n} written to {}",
                out.display()
            );
            println!("your contribution's digest (publish it): {}", hex(&digest));
        }
        SetupCommand::Phase2 { input, out } => {
            let (mut t, kind, r1cs) = load(&input)?;
            verify(&t, &r1cs)?;
            t.begin_phase2(&r1cs).map_err(unusable)?;
            save(&out, &t)?;
            println!(
                "{kind}: phase 1 closed after {} contributions; phase 2 begins",
                t.phase1.len()
            );
        }
        SetupCommand::Verify { transcript } => {
            let (t, kind, r1cs) = load(&transcript)?;
            let v = verify(&t, &r1cs)?;
            for (i, d) in v.digests.iter().enumerate() {
                let (phase, n) = if i < v.phase1 {
                    (1, i + 1)
                } else {
                    (2, i + 1 - v.phase1)
                };
                println!("phase {phase} contribution {n}: {}", hex(d));
            }
            println!(
                "{}: valid {kind} transcript, {} phase-1 and {} phase-2 contributions",
                transcript.display(),
                v.phase1,
                v.phase2
            );
        }
        SetupCommand::Finalize { transcript, pk, vk } => {
            let (t, kind, r1cs) = load(&transcript)?;
            let key = t
                .finalize(&r1cs, &mut rand_core::OsRng)
                .map_err(|e| match e {
                    CeremonyError::WrongState(_) => Failure::Unusable(e.to_string()),
                    _ => Failure::Invalid(e.to_string()),
                })?;
            let params = Parameters {
                verifying: VerifyingParameters::new(kind, key.vk.clone()).map_err(unusable)?,
                proving_key: key,
            };
            write_file_atomic(
                &pk,
                &proving_key_to_bytes(&params, ark_serialize::Compress::Yes),
            )
            .map_err(unusable)?;
            write_file_atomic(
                &vk,
                &verifying_key_to_bytes(&params.verifying, ark_serialize::Compress::Yes),
            )
            .map_err(unusable)?;
            println!(
                "{kind} parameters written: {} and {} (fingerprint {})",
                pk.display(),
                vk.display(),
                params.verifying.fingerprint.to_hex()
            );
        }
    }
    Ok(())
}

/// Runs one step; exit 0 done, 1 the transcript is invalid, 2 unusable input.
pub fn run(cmd: SetupCommand) -> ExitCode {
    match step(cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(e)) => {
            eprintln!("INVALID: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Unusable(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
