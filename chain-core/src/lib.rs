//! SuperZK's chain core: complete block validation for the dual PoW/PoS
//! chain, on a crash-safe embedded store.
//!
//! A block is mined (proof of work over its header), voted on by tickets
//! drawn from the pool (directly or through the StakingNode they named), and
//! carries transparent chain transactions and shielded SDK transactions,
//! whose proofs are all verified in one batch. Its changes are written in
//! one redb transaction with an undo record, so it applies atomically and
//! reorganisations are exact. The rules are in docs/PROTOCOL.md §11–12.
//!
//! ```no_run
//! # fn main() -> Result<(), superzk_chain_core::error::ChainError> {
//! use superzk_chain_core::{block::ChainFile, chain::Chain, params::ChainParams};
//! # let keys: superzk_verifier::verify::VerifyingKeys = unimplemented!();
//! let bytes = std::fs::read("chain.szkc").expect("readable");
//! let file = ChainFile::from_bytes(&bytes)?;
//! let counts = Chain::validate_file(&file, "fresh.redb".as_ref(), keys, &mut rand_core::OsRng, |_| {})?;
//! println!("{counts:?}");
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod account;
pub mod block;
pub mod chain;
pub mod codec;
pub mod digest;
pub mod draw;
pub mod error;
pub mod offline;
pub mod params;
pub mod pending;
pub mod pow;
pub mod producer;
pub mod records;
pub mod rewards;
pub mod store;
pub mod tx;
pub mod validate;

#[cfg(test)]
mod build_settings {
    /// The workspace profile turns overflow checks on for this crate in every
    /// build (Cargo.toml): an unchecked consensus sum that overflows must
    /// stop, never wrap. This fails if that setting is lost.
    #[test]
    fn arithmetic_overflow_panics_in_every_build() {
        let max = std::hint::black_box(u64::MAX);
        let one = std::hint::black_box(1u64);
        let sum = std::panic::catch_unwind(|| max + one);
        assert!(
            sum.is_err(),
            "u64::MAX + 1 wrapped: overflow checks are off"
        );
    }
}
