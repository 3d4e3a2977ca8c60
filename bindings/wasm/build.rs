//! Generates the node API's protobuf messages (prost, no gRPC client: the
//! browser wallet speaks gRPC-web over `fetch` itself) from the node's
//! .proto with protox, so building needs no `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "../../node/proto/superzk/node/v1/node.proto";
    println!("cargo:rerun-if-changed={proto}");
    let descriptors = protox::compile([proto], ["../../node/proto"])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
