//! `superzk verify --format snarkjs|bellman`: verifies one Groth16 proof over
//! BLS12-381 made by another toolchain (see `superzk_verifier::interop`).
//! Exit status as for native files: 0 valid, 1 invalid, 2 unreadable,
//! malformed, or for another curve.

use std::{path::PathBuf, process::ExitCode};

use superzk_verifier::interop::{bellman, snarkjs, ForeignProof};

/// The layout of the files given to `superzk verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// SuperZK transaction, proof, block and chain files (many at once, in
    /// one batch).
    Native,
    /// snarkjs JSON: VK.json PROOF.json PUBLIC.json.
    Snarkjs,
    /// zkcrypto bellman bytes: VK PROOF [PUBLIC...].
    Bellman,
}

/// Verifies the files of one foreign proof and prints the verdict.
pub fn run(format: Format, paths: &[PathBuf], vk_files: &[PathBuf]) -> ExitCode {
    let malformed = |reason: String| {
        println!("malformed: {reason}");
        println!("0 valid, 0 invalid, 1 unreadable");
        ExitCode::from(2)
    };
    if format == Format::Native {
        return crate::files::verify_command(paths, vk_files);
    }
    if !vk_files.is_empty() {
        return malformed(
            "--vk names SuperZK key files; with --format the key is the first file".into(),
        );
    }
    let (usage, count_ok) = match format {
        Format::Snarkjs => ("VK.json PROOF.json PUBLIC.json", paths.len() == 3),
        Format::Native | Format::Bellman => ("VK PROOF [PUBLIC...]", paths.len() >= 2),
    };
    if !count_ok {
        return malformed(format!(
            "--format {format:?} takes {usage}, got {} files",
            paths.len()
        ));
    }
    let mut contents = Vec::with_capacity(paths.len());
    for p in paths {
        match std::fs::read(p) {
            Ok(b) => contents.push(b),
            Err(e) => return malformed(format!("{}: unreadable: {e}", p.display())),
        }
    }
    let parsed: Result<ForeignProof, _> = match format {
        Format::Snarkjs => snarkjs::parse(&contents[0], &contents[1], &contents[2]),
        Format::Native | Format::Bellman => {
            let public: Vec<&[u8]> = contents[2..].iter().map(Vec::as_slice).collect();
            bellman::parse(&contents[0], &contents[1], &public)
        }
    };
    let name = paths[1].display();
    match parsed {
        Err(e) => malformed(e.to_string()),
        Ok(proof) => match proof.verify() {
            Ok(()) => {
                println!(
                    "{name}: valid ({} public inputs, under {})",
                    proof.public_inputs.len(),
                    paths[0].display()
                );
                println!("1 valid, 0 invalid, 0 unreadable");
                ExitCode::SUCCESS
            }
            Err(e) => {
                println!("{name}: INVALID: {e}");
                println!("0 valid, 1 invalid, 0 unreadable");
                ExitCode::from(1)
            }
        },
    }
}
