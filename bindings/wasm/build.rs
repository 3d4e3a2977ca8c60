//! Linker flags for the threaded Wasm build (the `threads` feature on
//! wasm32; see threads/README.md): a shared memory, imported so that every
//! Web Worker of the pool instantiates the module on the same memory, and
//! the thread-local-storage symbols wasm-bindgen's thread support needs.
//! Given here, for the `.wasm` alone, rather than in RUSTFLAGS: linker
//! flags there would also change every dependency's fingerprint.
//!
//! (The node API's protobuf messages come from the superzk-proto crate.)

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    thread_linker_flags();
}

fn thread_linker_flags() {
    let threads = std::env::var_os("CARGO_FEATURE_THREADS").is_some();
    let wasm32 = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    if !(threads && wasm32) {
        return;
    }
    for arg in [
        "--shared-memory",
        "--import-memory",
        // A Spend proof needs well under 1 GiB; 2 GiB leaves room for
        // several proofs at once and the keys of all four circuits.
        "--max-memory=2147483648",
        "--export=__wasm_init_tls",
        "--export=__tls_size",
        "--export=__tls_align",
        "--export=__tls_base",
    ] {
        println!("cargo:rustc-link-arg-cdylib={arg}");
    }
}
