//! SuperZK for browsers and Node, through wasm-bindgen.
//!
//! One small surface over the existing crates, with no protocol logic of its
//! own: keys and addresses ([`keys`]), trial-decrypting a transaction's
//! outputs and a wallet that tracks its notes ([`wallet`]), building and
//! proving transactions with proving-key bytes the caller supplies
//! ([`proving`]; the keys are fetched by the page, never shipped inside the
//! `.wasm`), and verifying transactions, batches, proof files and verifying
//! keys, with the fixtures' verifying keys built in ([`verify`]).
//!
//! Every fallible call throws a JS `Error` whose `name` is the Rust error type
//! (`DecodeError`, `KeyError`, `TxError`, …), whose `kind` is the variant
//! (`Truncated`, `Binding`, …) and whose `message` is the Rust message (see
//! [`error`]). Byte strings cross as `Uint8Array`, amounts as `bigint`.
//!
//! The default build has no threads: the prover's and verifier's rayon loops
//! run on the calling thread (rayon-core falls back to the current thread
//! where it cannot spawn). The `threads` build (`pkg-web-threads`) runs them
//! on Web Workers started by `initThreadPool` ([`threads`]). Either way, run
//! proving in a Web Worker to keep a page responsive.
#![deny(missing_docs)]

pub mod browser;
pub mod error;
mod js;
pub mod keys;
pub mod node;
pub mod proving;
mod redeem;
pub mod threads;
pub mod verify;
pub mod wallet;

pub use error::Error;
