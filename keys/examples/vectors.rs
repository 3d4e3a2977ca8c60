//! Writes the known-answer vectors of key derivation and note encryption:
//!
//! ```text
//! cargo run --release -p superzk-keys --example vectors -- fixtures/vectors
//! ```
//!
//! Everything is computed from fixed inputs, so a run on any machine writes
//! the same bytes; `tests/known_answers.rs` recomputes the committed files.
//! Regenerate only for a deliberate protocol change, and say so in the commit.

use std::{path::PathBuf, process::ExitCode};

#[path = "../tests/vectors/mod.rs"]
mod vectors;

fn write(dir: &std::path::Path, name: &str, value: &impl serde::Serialize) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: vectors <directory>   (the committed ones are in fixtures/vectors)");
        return ExitCode::from(2);
    };
    let result = std::fs::create_dir_all(&dir)
        .map_err(|e| format!("creating {}: {e}", dir.display()))
        .and_then(|()| {
            write(
                &dir,
                vectors::DERIVATION_FILE,
                &vectors::derivation(vectors::MNEMONIC, vectors::PASSPHRASE),
            )
        })
        .and_then(|()| write(&dir, vectors::ENCRYPTION_FILE, &vectors::encryption()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
