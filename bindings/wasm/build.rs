//! Two build-time jobs:
//!
//! 1. The node API's protobuf messages (prost, no gRPC client: the browser
//!    wallet speaks gRPC-web over `fetch` itself), generated from the node's
//!    .proto with protox, so building needs no `protoc`.
//! 2. Linker flags for the threaded Wasm build (the `threads` feature on
//!    wasm32; see threads/README.md): a shared memory, imported so that
//!    every Web Worker of the pool instantiates the module on the same
//!    memory, and the thread-local-storage symbols wasm-bindgen's thread
//!    support needs. Given here, for the `.wasm` alone, rather than in
//!    RUSTFLAGS: linker flags there would also change every dependency's
//!    fingerprint.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=build.rs");
    generate_node_messages()?;
    thread_linker_flags();
    Ok(())
}

fn generate_node_messages() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "../../node/proto/superzk/node/v1/node.proto";
    println!("cargo:rerun-if-changed={proto}");
    let descriptors = protox::compile([proto], ["../../node/proto"])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
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
