//! Native helper for the Wasm tests and benchmark: writes the proving keys
//! of the demo parameters (the seed in `fixtures/manifest.json`, the one the
//! fixtures' verifying keys come from) as proving-key files into a directory,
//! so that Node and the browser can read them and pass the bytes to Wasm.
//!
//! `cargo run --release -p superzk-wasm --example demo_keys -- DIR`
//!
//! Keys come from the parameter cache (`$SUPERZK_PARAMS_DIR`, else the user
//! cache), generated there on first use. They are written uncompressed:
//! twice the bytes of compressed points, but Wasm then parses them without a
//! square root per point, which in Wasm costs seconds per key.
//!
//! With `--time` it also times, natively and on one thread, the two
//! transactions `bench.mjs` times in Wasm, for the comparison.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use ark_serialize::Compress;
use rand_core::OsRng;
use superzk_circuits::{asset::AssetInfo, note::AssetId};
use superzk_keys::{
    note_plaintext::MEMO_LEN,
    params::{proving_key_to_bytes, write_file_atomic, ParameterCache},
    spending_key::SpendingKey,
};
use superzk_prover::{ProvingKeys, TransactionBuilder};
use superzk_wallet::memory::ScanningWallet;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let time = args.iter().any(|a| a == "--time");
    let Some(dir) = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
    else {
        eprintln!("usage: demo_keys DIR [--time]");
        return ExitCode::from(2);
    };
    match run(&dir, time) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &std::path::Path, time: bool) -> Result<(), Box<dyn std::error::Error>> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/manifest.json");
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(manifest)?)?;
    let seed = manifest["params_seed"]
        .as_str()
        .ok_or("fixtures/manifest.json has no params_seed")?;
    let keys = ProvingKeys::insecure_from_cache(
        &ParameterCache::default_location(),
        seed.as_bytes(),
        |e| eprintln!("parameters: {e:?}"),
    )?;
    for params in [
        &keys.spend,
        &keys.output,
        &keys.package_spend,
        &keys.package_output,
    ] {
        let path = dir.join(format!("{}.pk", params.kind().name()));
        write_file_atomic(&path, &proving_key_to_bytes(params, Compress::No))?;
        println!("{}", path.display());
    }
    if time {
        time_native(&keys)?;
    }
    Ok(())
}

/// Shield (one Output proof), then an exact transfer (one Spend and one
/// Output proof); the difference is the Spend proof. Best of three, in CPU
/// seconds of the process (as `bench.mjs` measures Wasm), wall alongside.
fn time_native(keys: &ProvingKeys) -> Result<(), Box<dyn std::error::Error>> {
    let mut alice = ScanningWallet::new(SpendingKey::from_seed(&[1; 32], 0));
    let bob = SpendingKey::from_seed(&[2; 32], 0)
        .full_viewing_key()
        .incoming_viewing_key();
    let (mut shield_s, mut transfer_s) = (f64::MAX, f64::MAX);
    let (mut shield_wall, mut transfer_wall) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let mut b = TransactionBuilder::new();
        b.add_public_input(AssetId::native(), 100);
        b.add_output(
            None,
            alice.address(0),
            AssetInfo::native(),
            100,
            [0; MEMO_LEN],
        );
        let (t, cpu) = (Instant::now(), cpu_seconds()?);
        let tx = b.build(keys, &mut OsRng)?;
        shield_s = shield_s.min(cpu_seconds()? - cpu);
        shield_wall = shield_wall.min(t.elapsed().as_secs_f64());
        alice.scan(&tx)?;
        let (t, cpu) = (Instant::now(), cpu_seconds()?);
        let tx = alice.transfer(
            keys,
            &bob.address(0),
            &[(AssetInfo::native(), 100)],
            0,
            [0; MEMO_LEN],
            &mut OsRng,
        )?;
        transfer_s = transfer_s.min(cpu_seconds()? - cpu);
        transfer_wall = transfer_wall.min(t.elapsed().as_secs_f64());
        alice.scan(&tx)?;
    }
    println!(
        "{}",
        serde_json::json!({
            "native_threads": rayon_threads(),
            "native_shield_s": shield_s,
            "native_transfer_s": transfer_s,
            "native_spend_prove_s": transfer_s - shield_s,
            "native_shield_wall_s": shield_wall,
            "native_transfer_wall_s": transfer_wall,
        })
    );
    Ok(())
}

/// User + system CPU seconds of this process so far (Linux: /proc/self/stat,
/// in clock ticks of 1/100 s).
fn cpu_seconds() -> Result<f64, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let rest = stat.rsplit_once(')').ok_or("unexpected /proc/self/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    Ok(ticks / 100.0)
}

fn rayon_threads() -> String {
    std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all".into())
}
