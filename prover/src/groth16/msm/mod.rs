//! The MSMs of a proof: blst natively, arkworks' serial MSM in chunks on
//! rayon's current pool elsewhere (Wasm). Both run on whichever pool calls
//! them, so a proof's five MSMs share one.

pub mod ark_backend;
#[cfg(not(target_arch = "wasm32"))]
pub mod blst_backend;
