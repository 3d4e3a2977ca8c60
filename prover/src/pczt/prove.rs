//! The prove step: witnesses from the PCZT and the proof-generation key,
//! every action proven in parallel (rayon), the outputs encrypted.

use ark_bls12_381::Bls12_381;
use ark_groth16::Proof;
use ark_relations::gr1cs::ConstraintSynthesizer;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRngCore, SeedableRng};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use superzk_circuits::{
    note::{incoming_viewing_key, owner_tag, Note, DIVERSIFIER_LEN},
    note_kind::NoteKind,
    output::{OutputCircuitFor, OutputWitnessFor},
    package::PackageNote,
    spend::{SpendCircuitFor, SpendWitnessFor},
    Fr,
};
use superzk_keys::{
    encryption::{EncryptedNote, EncryptionError},
    note_plaintext::{encrypt_output, encrypt_package},
    params::{CircuitKind, Parameters},
    signature::Signature,
    spending_key::{ct_eq_field, encode_point},
};
use superzk_verifier::transaction::{OutputDescription, SpendDescription, Transaction};

use super::{
    OutputEntry, OutputSecrets, Payload, Pczt, PcztError, ProofGenerationKey, Secrets, SpendEntry,
    SpendSecrets,
};
use crate::{proof::prove as prove_one, proving_keys::ProvingKeys};

/// A kind of note an output creates from its request.
pub(super) trait OutputKind: NoteKind {
    /// The note `entry` creates with `secrets`; `None` if its payload is
    /// of the other kind.
    fn from_entry(entry: &OutputEntry, secrets: &OutputSecrets) -> Option<Self>;
    /// Encrypts `note` for the entry's recipient.
    fn encrypt(
        entry: &OutputEntry,
        note: &Self,
        ovk: &[u8; 32],
        cv: &[u8; 32],
        rng: &mut ChaCha20Rng,
    ) -> Result<EncryptedNote, EncryptionError>;
}

impl OutputKind for Note {
    fn from_entry(entry: &OutputEntry, s: &OutputSecrets) -> Option<Self> {
        let Payload::Note { info, value } = &entry.payload else {
            return None;
        };
        Some(Note {
            asset: info.asset(),
            value: *value,
            owner: entry.to.owner(),
            rho: s.rho,
            rcm: s.rcm,
        })
    }

    fn encrypt(
        entry: &OutputEntry,
        note: &Self,
        ovk: &[u8; 32],
        cv: &[u8; 32],
        rng: &mut ChaCha20Rng,
    ) -> Result<EncryptedNote, EncryptionError> {
        let Payload::Note { info, .. } = &entry.payload else {
            unreachable!("from_entry made the note from a note payload")
        };
        encrypt_output(&entry.to, note, info, &entry.memo, ovk, cv, rng)
    }
}

impl OutputKind for PackageNote {
    fn from_entry(entry: &OutputEntry, s: &OutputSecrets) -> Option<Self> {
        let Payload::Package { contents, key } = &entry.payload else {
            return None;
        };
        Some(PackageNote {
            key: *key,
            contents: std::array::from_fn(|i| (contents[i].0.asset(), contents[i].1)),
            owner: entry.to.owner(),
            rho: s.rho,
            rcm: s.rcm,
        })
    }

    fn encrypt(
        entry: &OutputEntry,
        note: &Self,
        ovk: &[u8; 32],
        cv: &[u8; 32],
        rng: &mut ChaCha20Rng,
    ) -> Result<EncryptedNote, EncryptionError> {
        let Payload::Package { contents, .. } = &entry.payload else {
            unreachable!("from_entry made the note from a package payload")
        };
        let infos = std::array::from_fn(|i| contents[i].0.clone());
        encrypt_package(&entry.to, note, &infos, &entry.memo, ovk, cv, rng)
    }
}

/// The output's note, or a typed error if its payload is the wrong kind
/// (only a hand-made PCZT can do that: decoding reads each list's kind).
pub(super) fn output_note<N: OutputKind>(
    action: &'static str,
    index: usize,
    entry: &OutputEntry,
    secrets: &OutputSecrets,
) -> Result<N, PcztError> {
    N::from_entry(entry, secrets).ok_or(PcztError::Mismatch {
        what: "payload kind",
        action,
        index,
    })
}

/// The encryption of an output: randomness from its seed's second stream,
/// so that the signer re-derives the same bytes.
pub(super) fn encrypt_entry<N: OutputKind>(
    action: &'static str,
    index: usize,
    entry: &OutputEntry,
    note: &N,
    secrets: &OutputSecrets,
    cv: &[u8; 32],
) -> Result<EncryptedNote, PcztError> {
    let mut rng = ChaCha20Rng::from_seed(secrets.seed);
    rng.set_stream(1);
    N::encrypt(entry, note, &secrets.ovk, cv, &mut rng).map_err(|e| PcztError::Encryption {
        kind: action,
        index,
        reason: e.to_string(),
    })
}

/// Whether `key` owns a note sent to diversifier `d` with owner tag
/// `owner` (compared in constant time).
pub(super) fn owns(
    ak_nk: (&ark_ed_on_bls12_381::EdwardsAffine, &Fr),
    d: &[u8; DIVERSIFIER_LEN],
    owner: &Fr,
) -> bool {
    let tag = owner_tag(&incoming_viewing_key(ak_nk.0, ak_nk.1), d);
    ct_eq_field(&tag, owner).into()
}

/// The caller's view of proving: a count of finished proofs, reported to
/// an optional callback that may ask to stop. Shared by the proving
/// threads, so the count and the stop flag are atomics.
pub(super) struct Progress<'a> {
    total: usize,
    done: AtomicUsize,
    stop: AtomicBool,
    report: Option<&'a (dyn Fn(usize, usize) -> bool + Sync)>,
}

impl<'a> Progress<'a> {
    /// Progress over `total` proofs, reported to `report` if any.
    pub(super) fn new(
        total: usize,
        report: Option<&'a (dyn Fn(usize, usize) -> bool + Sync)>,
    ) -> Self {
        Self {
            total,
            done: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            report,
        }
    }

    /// Tells the callback `done` of `total` are finished; remembers a
    /// request to stop.
    fn tell(&self, done: usize) {
        if let Some(report) = self.report {
            if !report(done, self.total) {
                self.stop.store(true, Ordering::SeqCst);
            }
        }
    }

    /// Before a proof: refused once the callback asked to stop.
    fn check(&self) -> Result<(), PcztError> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(PcztError::Cancelled);
        }
        Ok(())
    }

    /// After a proof.
    fn proved(&self) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        self.tell(done);
    }
}

/// The proven transaction, unsigned.
pub(super) fn prove(
    pczt: &Pczt,
    secrets: &Secrets,
    keys: &[ProofGenerationKey],
    params: &ProvingKeys,
    rng: &mut dyn CryptoRngCore,
    progress: &Progress,
) -> Result<Transaction, PcztError> {
    // The callback may stop the work before the first proof, too.
    progress.tell(0);
    progress.check()?;
    let spends = spend_witnesses(&pczt.spends, &secrets.spends, keys, 0)?;
    let package_spends = spend_witnesses(
        &pczt.package_spends,
        &secrets.package_spends,
        keys,
        pczt.spends.len(),
    )?;
    let outputs = output_witnesses::<Note>("output", &pczt.outputs, &secrets.outputs)?;
    let package_outputs = output_witnesses::<PackageNote>(
        "package output",
        &pczt.package_outputs,
        &secrets.package_outputs,
    )?;
    let mut mixed = |seeds: Vec<[u8; 32]>| -> Vec<[u8; 32]> {
        seeds
            .into_iter()
            .map(|mut seed| {
                let mut fresh = [0u8; 32];
                rng.fill_bytes(&mut fresh);
                seed.iter_mut().zip(fresh).for_each(|(s, f)| *s ^= f);
                seed
            })
            .collect()
    };
    let spend_seeds = mixed(secrets.spends.iter().map(|s| s.seed).collect());
    let pspend_seeds = mixed(secrets.package_spends.iter().map(|s| s.seed).collect());
    let output_seeds = mixed(secrets.outputs.iter().map(|s| s.seed).collect());
    let poutput_seeds = mixed(secrets.package_outputs.iter().map(|s| s.seed).collect());
    let h = &pczt.header;
    Ok(Transaction {
        chain_id: h.chain_id,
        expiry_height: h.expiry_height,
        public_account: h.public_account,
        spend_vk: params.spend.verifying.fingerprint,
        output_vk: params.output.verifying.fingerprint,
        package_spend_vk: params.package_spend.verifying.fingerprint,
        package_output_vk: params.package_output.verifying.fingerprint,
        spends: prove_spends(
            ("spend", CircuitKind::Spend),
            &spends,
            &params.spend,
            spend_seeds,
            progress,
        )?,
        outputs: prove_outputs(
            ("output", CircuitKind::Output),
            &outputs,
            &params.output,
            output_seeds,
            progress,
        )?,
        package_spends: prove_spends(
            ("package spend", CircuitKind::PackageSpend),
            &package_spends,
            &params.package_spend,
            pspend_seeds,
            progress,
        )?,
        package_outputs: prove_outputs(
            ("package output", CircuitKind::PackageOutput),
            &package_outputs,
            &params.package_output,
            poutput_seeds,
            progress,
        )?,
        balances: h.balances.clone(),
        issuances: h.issuances.clone(),
        redemptions: h.redemptions.clone(),
        fee: h.fee,
        binding_sig: Signature::from_bytes(&[0u8; 64]),
    })
}

/// Each spend's witness, with the key among `keys` that owns its note;
/// `first` is the index of the first spend among all spends (for errors).
fn spend_witnesses<N: NoteKind>(
    entries: &[SpendEntry<N>],
    secrets: &[SpendSecrets],
    keys: &[ProofGenerationKey],
    first: usize,
) -> Result<Vec<SpendWitnessFor<N>>, PcztError> {
    entries
        .iter()
        .zip(secrets)
        .enumerate()
        .map(|(i, (e, s))| {
            let owner = e.note.owner();
            let key = keys
                .iter()
                .find(|k| owns((&k.ak(), &k.nk()), &e.diversifier, &owner))
                .ok_or(PcztError::NotOwned(first + i))?;
            Ok(SpendWitnessFor {
                note: e.note.clone(),
                ak: key.ak(),
                nk: key.nk(),
                diversifier: e.diversifier,
                rcv: s.rcv,
                alpha: s.alpha,
                path: e.path.clone(),
            })
        })
        .collect()
}

/// Each output's witness with its entry and secrets.
type ReadyOutput<'a, N> = (OutputWitnessFor<N>, &'a OutputEntry, &'a OutputSecrets);

fn output_witnesses<'a, N: OutputKind>(
    action: &'static str,
    entries: &'a [OutputEntry],
    secrets: &'a [OutputSecrets],
) -> Result<Vec<ReadyOutput<'a, N>>, PcztError> {
    entries
        .iter()
        .zip(secrets)
        .enumerate()
        .map(|(i, (e, s))| {
            let note = output_note::<N>(action, i, e, s)?;
            Ok((OutputWitnessFor { note, rcv: s.rcv }, e, s))
        })
        .collect()
}

/// What an action is called in errors, and the circuit proving it.
type Action = (&'static str, CircuitKind);

/// One action's proof, with the randomness of its own `seed`.
fn prove_seeded<C: ConstraintSynthesizer<Fr>>(
    (kind, circuit): Action,
    index: usize,
    statement: C,
    params: &Parameters,
    seed: [u8; 32],
) -> Result<Proof<Bls12_381>, PcztError> {
    prove_one(
        circuit,
        statement,
        params,
        &mut ChaCha20Rng::from_seed(seed),
    )
    .map_err(|e| PcztError::Proving {
        kind,
        index,
        reason: e.into_reason(),
    })
}

/// Proves spends in parallel, one RNG per job.
fn prove_spends<N: NoteKind>(
    action: Action,
    spends: &[SpendWitnessFor<N>],
    params: &Parameters,
    seeds: Vec<[u8; 32]>,
    progress: &Progress,
) -> Result<Vec<SpendDescription>, PcztError> {
    spends
        .par_iter()
        .zip(seeds)
        .enumerate()
        .map(|(index, (w, seed))| {
            progress.check()?;
            let public = w.public_inputs();
            let proof = prove_seeded(action, index, SpendCircuitFor::new(w.clone()), params, seed)?;
            progress.proved();
            Ok(SpendDescription {
                anchor: public.anchor,
                nullifier: public.nullifier,
                cv: public.cv,
                rk: public.rk,
                proof,
                auth_sig: Signature::from_bytes(&[0u8; 64]),
            })
        })
        .collect()
}

/// Proves and encrypts outputs in parallel.
fn prove_outputs<N: OutputKind>(
    action: Action,
    outputs: &[ReadyOutput<N>],
    params: &Parameters,
    seeds: Vec<[u8; 32]>,
    progress: &Progress,
) -> Result<Vec<OutputDescription>, PcztError> {
    outputs
        .par_iter()
        .zip(seeds)
        .enumerate()
        .map(|(index, ((w, entry, secrets), seed))| {
            progress.check()?;
            let public = w.public_inputs();
            let proof = prove_seeded(
                action,
                index,
                OutputCircuitFor::new(w.clone()),
                params,
                seed,
            )?;
            progress.proved();
            let enc = encrypt_entry(
                action.0,
                index,
                entry,
                &w.note,
                secrets,
                &encode_point(&public.cv),
            )?;
            Ok(OutputDescription {
                cm: public.cm,
                cv: public.cv,
                epk: enc.epk,
                enc_ciphertext: enc.ciphertext,
                out_ciphertext: enc.out_ciphertext,
                proof,
            })
        })
        .collect()
}
