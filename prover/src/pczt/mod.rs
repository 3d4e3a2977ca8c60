//! Partially built transactions: a transaction in three steps, each of
//! which may run in another process or on another machine.
//!
//! 1. **Create** ([`crate::TransactionBuilder::into_pczt`]): checks
//!    everything checkable without keys (balance per asset, ticket values,
//!    counts, the public account, one anchor) and draws all the randomness.
//!    Needs no key at all.
//! 2. **Prove** ([`Pczt::prove`]): with the [`ProofGenerationKey`] `(ak, nk)`
//!    only, checks the key owns every spent note, proves every action in
//!    parallel and encrypts the outputs. A server or a phone's background
//!    task can do this: it cannot spend.
//! 3. **Authorize** ([`Pczt::authorize`]): with the spending key, checks the
//!    proven transaction says what the contents shown by [`Pczt::summary`]
//!    say (every note commitment, value commitment, nullifier, randomized
//!    key and ciphertext is recomputed; only the proofs are left to the
//!    verifier), signs each spend under its re-randomized key and makes the
//!    binding signature; then wipes the randomness.
//!
//! [`Pczt::extract`] gives the transaction once authorized. Between steps a
//! [`Pczt`] travels as bytes ([`Pczt::to_bytes`], [`Pczt::from_bytes`]; the
//! format is in `docs/PROTOCOL.md`, "Partially built transactions").

mod authorize;
mod encoding;
mod error;
mod keys;
mod prove;
mod summary;

use ark_ed_on_bls12_381::Fr as JubjubScalar;
use rand_core::CryptoRngCore;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::{AssetId, Note, DIVERSIFIER_LEN},
    package::{PackageNote, PACKAGE_SLOTS},
    tree::MerklePath,
    Fr,
};
use superzk_keys::{address::PaymentAddress, note_plaintext::MEMO_LEN, spending_key::SpendingKey};
use superzk_verifier::transaction::{AccountId, TicketIssuance, Transaction};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use encoding::MAGIC;
pub use error::{PcztDecodeError, PcztError};
pub use keys::{ProofGenerationKey, PROOF_GENERATION_KEY_LEN};
pub use summary::{OutputSummary, PcztSummary, SpendSummary};

use crate::proving_keys::ProvingKeys;

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;

/// How far a partially built transaction has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Created: contents and randomness, no proofs.
    Created,
    /// Proven: the transaction with its proofs, not yet signed.
    Proven,
    /// Authorized: signed; ready to extract. The randomness is gone.
    Authorized,
}

impl Stage {
    fn byte(self) -> u8 {
        match self {
            Stage::Created => 1,
            Stage::Proven => 2,
            Stage::Authorized => 3,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(Stage::Created),
            2 => Some(Stage::Proven),
            3 => Some(Stage::Authorized),
            _ => None,
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Created => "created (not proven)",
            Stage::Proven => "proven (not signed)",
            Stage::Authorized => "authorized (signed)",
        })
    }
}

/// What the signatures cover besides the actions.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Header {
    pub chain_id: [u8; 32],
    pub expiry_height: u64,
    pub public_account: Option<AccountId>,
    pub fee: u64,
    /// Canonical: sorted by asset bytes, no zero amounts.
    pub balances: Vec<(AssetId, i64)>,
    pub issuances: Vec<TicketIssuance>,
    pub redemptions: Vec<Ticket>,
}

/// A spent note, where it is, and the address it was sent to.
#[derive(Clone)]
pub(crate) struct SpendEntry<N> {
    pub note: N,
    pub diversifier: [u8; DIVERSIFIER_LEN],
    pub path: MerklePath,
}

/// What an output creates.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Payload {
    /// A plain note.
    Note { info: AssetInfo, value: u64 },
    /// A package with its key.
    Package {
        contents: Box<[(AssetInfo, u64); PACKAGE_SLOTS]>,
        key: Fr,
    },
}

/// An output as requested: what the signer is shown.
#[derive(Clone)]
pub(crate) struct OutputEntry {
    pub to: PaymentAddress,
    pub payload: Payload,
    pub memo: [u8; MEMO_LEN],
    /// Whether the sender asked to read the note back (its own ovk); if
    /// not, the ovk is random and forgotten after signing.
    pub sender_keeps: bool,
}

/// One spend's randomness.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct SpendSecrets {
    pub rcv: JubjubScalar,
    pub alpha: JubjubScalar,
    pub seed: [u8; 32],
}

/// One output's randomness and outgoing viewing key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct OutputSecrets {
    pub ovk: [u8; 32],
    pub rho: Fr,
    pub rcm: Fr,
    pub rcv: JubjubScalar,
    pub seed: [u8; 32],
}

/// All the randomness, list by list, in the order of the entries.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    pub spends: Vec<SpendSecrets>,
    pub package_spends: Vec<SpendSecrets>,
    pub outputs: Vec<OutputSecrets>,
    pub package_outputs: Vec<OutputSecrets>,
}

/// A partially built transaction. Its randomness is wiped on drop (and on
/// authorization); `Debug` shows the stage and counts only.
#[derive(Clone)]
pub struct Pczt {
    stage: Stage,
    header: Header,
    spends: Vec<SpendEntry<Note>>,
    package_spends: Vec<SpendEntry<PackageNote>>,
    outputs: Vec<OutputEntry>,
    package_outputs: Vec<OutputEntry>,
    /// Present until authorized.
    secrets: Option<Secrets>,
    /// Present once proven.
    tx: Option<Transaction>,
}

impl std::fmt::Debug for Pczt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Pczt({}, {} spends, {} package spends, {} outputs, {} package outputs, <contents redacted>)",
            self.stage,
            self.spends.len(),
            self.package_spends.len(),
            self.outputs.len(),
            self.package_outputs.len()
        )
    }
}

impl Pczt {
    /// A created PCZT (the builder checked the contents).
    pub(crate) fn created(
        header: Header,
        spends: Vec<SpendEntry<Note>>,
        package_spends: Vec<SpendEntry<PackageNote>>,
        outputs: Vec<OutputEntry>,
        package_outputs: Vec<OutputEntry>,
        secrets: Secrets,
    ) -> Self {
        Self {
            stage: Stage::Created,
            header,
            spends,
            package_spends,
            outputs,
            package_outputs,
            secrets: Some(secrets),
            tx: None,
        }
    }

    /// How far it has come.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The transaction once proven (unsigned until authorized).
    pub fn transaction(&self) -> Option<&Transaction> {
        self.tx.as_ref()
    }

    fn expect_stage(&self, step: &'static str, expected: Stage) -> Result<(), PcztError> {
        if self.stage != expected {
            return Err(PcztError::WrongStage {
                step,
                expected,
                found: self.stage,
            });
        }
        Ok(())
    }

    /// The secrets, present in every stage before authorization.
    fn secrets(&self, step: &'static str, expected: Stage) -> Result<&Secrets, PcztError> {
        self.expect_stage(step, expected)?;
        self.secrets.as_ref().ok_or(PcztError::WrongStage {
            step,
            expected,
            found: Stage::Authorized,
        })
    }

    /// Proves every action in parallel with `key`, which must own every
    /// spent note, and encrypts the outputs. Proof randomness mixes the
    /// seeds drawn at creation with `rng`; the encryption randomness is the
    /// seeds' alone, so the signer can re-derive and check the ciphertexts.
    ///
    /// # Errors
    ///
    /// [`PcztError::WrongStage`] unless created; [`PcztError::NotOwned`]
    /// for a note of another key; [`PcztError::Proving`] and
    /// [`PcztError::Encryption`] if a step fails.
    pub fn prove(
        &self,
        key: &ProofGenerationKey,
        params: &ProvingKeys,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Pczt, PcztError> {
        self.prove_with_keys(std::slice::from_ref(key), params, rng)
    }

    /// As [`Self::prove`], for a transaction spending the notes of several
    /// wallets (each note is proven with the key that owns it).
    ///
    /// # Errors
    ///
    /// As [`Self::prove`].
    pub fn prove_with_keys(
        &self,
        keys: &[ProofGenerationKey],
        params: &ProvingKeys,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Pczt, PcztError> {
        self.prove_reporting(keys, params, rng, None)
    }

    /// As [`Self::prove`], reporting progress: `progress(done, total)` is
    /// called once before the first proof (`done` = 0) and after each proof,
    /// from the proving threads (proofs run in parallel, so calls may
    /// overlap). Returning `false` stops: proofs not yet started are not
    /// started, and the call fails with [`PcztError::Cancelled`] once the
    /// running ones end. `total` is [`Self::proof_count`].
    ///
    /// # Errors
    ///
    /// As [`Self::prove`], and [`PcztError::Cancelled`].
    pub fn prove_with_progress(
        &self,
        key: &ProofGenerationKey,
        params: &ProvingKeys,
        rng: &mut dyn CryptoRngCore,
        progress: &(dyn Fn(usize, usize) -> bool + Sync),
    ) -> Result<Pczt, PcztError> {
        self.prove_reporting(std::slice::from_ref(key), params, rng, Some(progress))
    }

    /// How many proofs proving takes: one per spend, package spend, output
    /// and package output.
    pub fn proof_count(&self) -> usize {
        self.spends.len()
            + self.package_spends.len()
            + self.outputs.len()
            + self.package_outputs.len()
    }

    fn prove_reporting(
        &self,
        keys: &[ProofGenerationKey],
        params: &ProvingKeys,
        rng: &mut dyn CryptoRngCore,
        progress: Option<&(dyn Fn(usize, usize) -> bool + Sync)>,
    ) -> Result<Pczt, PcztError> {
        let secrets = self.secrets("prove", Stage::Created)?;
        let progress = prove::Progress::new(self.proof_count(), progress);
        let tx = prove::prove(self, secrets, keys, params, rng, &progress)?;
        let mut proven = self.clone();
        proven.stage = Stage::Proven;
        proven.tx = Some(tx);
        Ok(proven)
    }

    /// Checks the proven transaction against the contents (everything but
    /// the proofs, which the verifier checks), signs each spend with the
    /// re-randomized key `ask + alpha` over the signature hash, makes the
    /// binding signature, and wipes the randomness.
    ///
    /// # Errors
    ///
    /// [`PcztError::WrongStage`] unless proven;
    /// [`PcztError::WrongSpendingKey`] if a spend is not this key's;
    /// [`PcztError::Mismatch`] if the transaction was tampered with.
    pub fn authorize(
        &self,
        sk: &SpendingKey,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Pczt, PcztError> {
        self.authorize_with_keys(std::slice::from_ref(sk), rng)
    }

    /// As [`Self::authorize`], for a transaction spending the notes of
    /// several wallets: every spend is signed by the key among `keys` that
    /// owns its note.
    ///
    /// # Errors
    ///
    /// As [`Self::authorize`].
    pub fn authorize_with_keys(
        &self,
        keys: &[SpendingKey],
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Pczt, PcztError> {
        self.authorize_checked(keys, rng, true)
    }

    pub(crate) fn authorize_checked(
        &self,
        keys: &[SpendingKey],
        rng: &mut dyn CryptoRngCore,
        check: bool,
    ) -> Result<Pczt, PcztError> {
        let secrets = self.secrets("authorize", Stage::Proven)?;
        let tx = authorize::authorize(self, secrets, keys, rng, check)?;
        let mut signed = self.clone();
        signed.stage = Stage::Authorized;
        signed.secrets = None;
        signed.tx = Some(tx);
        Ok(signed)
    }

    /// The finished transaction.
    ///
    /// # Errors
    ///
    /// [`PcztError::WrongStage`] unless authorized.
    pub fn extract(&self) -> Result<Transaction, PcztError> {
        self.expect_stage("extract", Stage::Authorized)?;
        self.tx.clone().ok_or(PcztError::WrongStage {
            step: "extract",
            expected: Stage::Authorized,
            found: Stage::Created,
        })
    }

    /// For test vectors only: changes the proven transaction before it is
    /// signed (see `TransactionBuilder::build_tampered`).
    #[cfg(feature = "test-hooks")]
    pub(crate) fn tamper(&mut self, tamper: impl FnOnce(&mut Transaction)) {
        if let Some(tx) = &mut self.tx {
            tamper(tx)
        }
    }
}
