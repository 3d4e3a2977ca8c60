//! Native helper for the Wasm tests: runs wasm-bindgen's JS/TypeScript glue
//! generation on the `.wasm` that rustc (and wasm-opt) made, for one target.
//!
//! `cargo run --release -p superzk-wasm --example bindgen -- web|nodejs IN.wasm OUT_DIR`
//!
//! This is what the `wasm-bindgen` command-line tool does, through the same
//! library (`wasm-bindgen-cli-support`, pinned to the `wasm-bindgen` version
//! in Cargo.lock, as the two must match). Building the library is minutes
//! cheaper than `cargo install wasm-bindgen-cli`, whose test runner and web
//! server the tests do not need, and it is built with the workspace.

use std::process::ExitCode;

use wasm_bindgen_cli_support::Bindgen;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [target, input, out_dir] = args.as_slice() else {
        eprintln!("usage: bindgen web|nodejs IN.wasm OUT_DIR");
        return ExitCode::from(2);
    };
    let mut bindgen = Bindgen::new();
    let configured = match target.as_str() {
        "web" => bindgen.web(true),
        "nodejs" => bindgen.nodejs(true),
        other => {
            eprintln!("unknown target {other:?}: expected web or nodejs");
            return ExitCode::from(2);
        }
    };
    // As the command-line tool's defaults: TypeScript types, and the glue's
    // `init()` finds the .wasm beside itself when given no path (the
    // library's own default omits that, and the browser page relies on it).
    let result = configured.and_then(|b| {
        b.input_path(input)
            .typescript(true)
            .omit_default_module_path(false)
            .generate(out_dir)
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasm-bindgen failed on {input}: {e:#}");
            ExitCode::FAILURE
        }
    }
}
