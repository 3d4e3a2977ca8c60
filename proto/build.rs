//! Compiles the node's .proto with protox (a protobuf compiler in Rust), so
//! building needs no `protoc` on the machine.
//!
//! One generated file for every build: the messages, and the tonic client
//! and server modules each marked `#[cfg(feature = "grpc")]`, so that
//! without the feature they are left out and nothing needs tonic.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let include = "../node/proto";
    let proto = "../node/proto/superzk/node/v1/node.proto";
    println!("cargo:rerun-if-changed={proto}");
    let descriptors = protox::compile([proto], [include])?;
    let grpc_only = r#"#[cfg(feature = "grpc")]"#;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .client_mod_attribute(".", grpc_only)
        .server_mod_attribute(".", grpc_only)
        .compile_fds(descriptors)?;
    Ok(())
}
