//! The proving keys of all four circuits, loaded together.

use superzk_keys::{
    error::KeyError,
    params::{CacheEvent, CircuitKind, ParameterCache, Parameters},
};
use superzk_verifier::verify::VerifyingKeys;

use crate::groth16::{Groth16Error, MsmMode};

/// Proving keys for every circuit.
#[derive(Clone, Debug)]
pub struct ProvingKeys {
    /// Spend circuit.
    pub spend: Parameters,
    /// Output circuit.
    pub output: Parameters,
    /// Spend circuit of packages.
    pub package_spend: Parameters,
    /// Output circuit of packages.
    pub package_output: Parameters,
}

impl ProvingKeys {
    /// **INSECURE** seeded parameters from the default on-disk cache
    /// (generated on first use). For tests and demos only.
    pub fn insecure_cached(seed: &[u8]) -> Result<Self, KeyError> {
        Self::insecure_from_cache(&ParameterCache::default_location(), seed, |_| {})
    }

    /// **INSECURE** seeded parameters from `cache`, reporting progress.
    pub fn insecure_from_cache(
        cache: &ParameterCache,
        seed: &[u8],
        mut on_event: impl FnMut(CacheEvent),
    ) -> Result<Self, KeyError> {
        Self::load_all(cache, seed, &mut on_event)
    }

    /// For tests only (feature `test-hooks`): the **INSECURE** keys of the
    /// seed `superzk tests` from a cache in `dir`, loaded once per process
    /// and shared by every test in it. The first call's `dir` is the one
    /// used: a test binary keeps its keys in one place.
    ///
    /// # Panics
    /// If the keys can neither be loaded nor generated (tests only).
    #[cfg(feature = "test-hooks")]
    pub fn shared_for_tests(dir: &std::path::Path) -> &'static Self {
        static KEYS: std::sync::OnceLock<ProvingKeys> = std::sync::OnceLock::new();
        KEYS.get_or_init(|| {
            Self::insecure_from_cache(&ParameterCache::new(dir), b"superzk tests", |_| {})
                .expect("the tests' insecure keys load or generate")
        })
    }

    // Not generic: see `ParameterCache::load_or_generate`.
    fn load_all(
        cache: &ParameterCache,
        seed: &[u8],
        on_event: &mut dyn FnMut(CacheEvent),
    ) -> Result<Self, KeyError> {
        let mut load = |kind| cache.load_or_generate(kind, seed, &mut *on_event);
        Ok(Self {
            spend: load(CircuitKind::Spend)?,
            output: load(CircuitKind::Output)?,
            package_spend: load(CircuitKind::PackageSpend)?,
            package_output: load(CircuitKind::PackageOutput)?,
        })
    }

    /// Prepares the four keys for proving in `mode` now, in this process
    /// (see [`crate::groth16::prepare_with`]): later proofs with these keys
    /// use it. Servers that prove often call it once with
    /// [`MsmMode::TABLES`] after loading; without it, each key is prepared
    /// in the default mode by its first proof.
    ///
    /// # Errors
    ///
    /// As [`crate::groth16::prepare_with`]: a table window outside
    /// 10..=20, or a key that does not match its circuit.
    pub fn prepare(&self, mode: MsmMode) -> Result<(), Groth16Error> {
        for params in [
            &self.spend,
            &self.output,
            &self.package_spend,
            &self.package_output,
        ] {
            crate::groth16::prepare_with(params, mode)?;
        }
        Ok(())
    }

    /// The matching verifying keys.
    pub fn verifying_keys(&self) -> VerifyingKeys {
        VerifyingKeys {
            spend: self.spend.verifying.clone(),
            output: self.output.verifying.clone(),
            package_spend: self.package_spend.verifying.clone(),
            package_output: self.package_output.verifying.clone(),
        }
    }
}
