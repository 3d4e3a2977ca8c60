//! The authorize step: the proven transaction checked against the contents
//! the signer is shown, then signed.

use ark_ed_on_bls12_381::Fr as JubjubScalar;
use rand_core::CryptoRngCore;
use superzk_circuits::{
    note::Note, note_kind::NoteKind, package::PackageNote, spend::SpendWitnessFor,
};
use superzk_keys::{
    signature::SigningKey,
    spending_key::{encode_point, Binding, FullViewingKey, SpendAuth, SpendingKey},
};
use superzk_verifier::transaction::{OutputDescription, SpendDescription, Transaction};
use zeroize::Zeroize;

use super::{
    prove::{encrypt_entry, output_note, owns, OutputKind},
    OutputEntry, OutputSecrets, Pczt, PcztError, Secrets, SpendEntry, SpendSecrets,
};

/// A signer's keys, derived once.
struct Signer {
    ask: SigningKey<SpendAuth>,
    fvk: FullViewingKey,
}

/// The signed transaction.
pub(super) fn authorize(
    pczt: &Pczt,
    secrets: &Secrets,
    keys: &[SpendingKey],
    rng: &mut dyn CryptoRngCore,
    check: bool,
) -> Result<Transaction, PcztError> {
    let mut tx = pczt.tx.clone().ok_or(PcztError::WrongStage {
        step: "authorize",
        expected: super::Stage::Proven,
        found: super::Stage::Created,
    })?;
    let signers: Vec<Signer> = keys
        .iter()
        .map(|sk| {
            let ask = sk.spend_auth_key();
            Signer {
                ask,
                fvk: sk.full_viewing_key(),
            }
        })
        .collect();
    let n = pczt.spends.len();
    let mut who = owners(&pczt.spends, &signers, 0)?;
    who.extend(owners(&pczt.package_spends, &signers, n)?);
    if check {
        check_header(pczt, &tx)?;
        check_spends(
            "spend",
            &pczt.spends,
            &secrets.spends,
            &tx.spends,
            &signers,
            &who[..n],
        )?;
        check_spends(
            "package spend",
            &pczt.package_spends,
            &secrets.package_spends,
            &tx.package_spends,
            &signers,
            &who[n..],
        )?;
        check_outputs::<Note>("output", &pczt.outputs, &secrets.outputs, &tx.outputs)?;
        check_outputs::<PackageNote>(
            "package output",
            &pczt.package_outputs,
            &secrets.package_outputs,
            &tx.package_outputs,
        )?;
    }
    sign(&mut tx, secrets, &signers, &who, rng);
    Ok(tx)
}

/// For each spend, the signer owning its note.
fn owners<N: NoteKind>(
    entries: &[SpendEntry<N>],
    signers: &[Signer],
    first: usize,
) -> Result<Vec<usize>, PcztError> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let owner = e.note.owner();
            signers
                .iter()
                .position(|s| owns((&s.fvk.ak(), &s.fvk.nk()), &e.diversifier, &owner))
                .ok_or(PcztError::WrongSpendingKey(first + i))
        })
        .collect()
}

fn mismatch(what: &'static str, action: &'static str, index: usize) -> PcztError {
    PcztError::Mismatch {
        what,
        action,
        index,
    }
}

/// Everything but the actions: what the signer sees in the summary.
fn check_header(pczt: &Pczt, tx: &Transaction) -> Result<(), PcztError> {
    let h = &pczt.header;
    let t = "transaction";
    let same = [
        (tx.chain_id == h.chain_id, "chain id"),
        (tx.expiry_height == h.expiry_height, "expiry height"),
        (tx.public_account == h.public_account, "public account"),
        (tx.fee == h.fee, "fee"),
        (tx.balances == h.balances, "public balances"),
        (tx.issuances == h.issuances, "issuances"),
        (tx.redemptions == h.redemptions, "redemptions"),
        (tx.spends.len() == pczt.spends.len(), "number of spends"),
        (tx.outputs.len() == pczt.outputs.len(), "number of outputs"),
        (
            tx.package_spends.len() == pczt.package_spends.len(),
            "number of package spends",
        ),
        (
            tx.package_outputs.len() == pczt.package_outputs.len(),
            "number of package outputs",
        ),
    ];
    match same.iter().find(|(ok, _)| !ok) {
        Some((_, what)) => Err(mismatch(what, t, 0)),
        None => Ok(()),
    }
}

/// Each spend's public inputs recomputed from its note, path, randomness
/// and its signer's keys.
fn check_spends<N: NoteKind>(
    action: &'static str,
    entries: &[SpendEntry<N>],
    secrets: &[SpendSecrets],
    descs: &[SpendDescription],
    signers: &[Signer],
    who: &[usize],
) -> Result<(), PcztError> {
    for (i, ((e, s), (d, k))) in entries
        .iter()
        .zip(secrets)
        .zip(descs.iter().zip(who))
        .enumerate()
    {
        let signer = &signers[*k];
        let witness = SpendWitnessFor {
            note: e.note.clone(),
            ak: signer.fvk.ak(),
            nk: signer.fvk.nk(),
            diversifier: e.diversifier,
            rcv: s.rcv,
            alpha: s.alpha,
            path: e.path.clone(),
        };
        let public = witness.public_inputs();
        if public.rk != d.rk {
            return Err(mismatch("randomized authorization key", action, i));
        }
        let same = [
            (public.anchor == d.anchor, "anchor"),
            (public.nullifier == d.nullifier, "nullifier"),
            (public.cv == d.cv, "value commitment"),
        ];
        if let Some((_, what)) = same.iter().find(|(ok, _)| !ok) {
            return Err(mismatch(what, action, i));
        }
    }
    Ok(())
}

/// Each output's commitments and ciphertexts recomputed from its request
/// and randomness.
fn check_outputs<N: OutputKind>(
    action: &'static str,
    entries: &[OutputEntry],
    secrets: &[OutputSecrets],
    descs: &[OutputDescription],
) -> Result<(), PcztError> {
    for (i, ((e, s), d)) in entries.iter().zip(secrets).zip(descs).enumerate() {
        let note: N = output_note(action, i, e, s)?;
        let cv = note.value_commitment(&s.rcv);
        if note.commitment() != d.cm {
            return Err(mismatch("note commitment", action, i));
        }
        if cv != d.cv {
            return Err(mismatch("value commitment", action, i));
        }
        let enc = encrypt_entry(action, i, e, &note, s, &encode_point(&cv))?;
        let same = [
            (enc.epk == d.epk, "ephemeral key"),
            (enc.ciphertext == d.enc_ciphertext, "note ciphertext"),
            (enc.out_ciphertext == d.out_ciphertext, "out-ciphertext"),
        ];
        if let Some((_, what)) = same.iter().find(|(ok, _)| !ok) {
            return Err(mismatch(what, action, i));
        }
    }
    Ok(())
}

/// Signs each spend under `ask + alpha` of its signer, then the binding
/// signature under the sum of the value-commitment randomness (wiped).
fn sign(
    tx: &mut Transaction,
    secrets: &Secrets,
    signers: &[Signer],
    who: &[usize],
    rng: &mut dyn CryptoRngCore,
) {
    let sighash = tx.sighash();
    let spend_secrets = secrets.spends.iter().chain(&secrets.package_spends);
    for ((desc, s), k) in tx
        .spends
        .iter_mut()
        .chain(tx.package_spends.iter_mut())
        .zip(spend_secrets)
        .zip(who)
    {
        desc.auth_sig = signers[*k].ask.randomize(&s.alpha).sign(&sighash, rng);
    }
    let sum = |list: &[OutputSecrets]| list.iter().map(|s| s.rcv).sum::<JubjubScalar>();
    let mut bsk = secrets
        .spends
        .iter()
        .chain(&secrets.package_spends)
        .map(|s| s.rcv)
        .sum::<JubjubScalar>()
        - sum(&secrets.outputs)
        - sum(&secrets.package_outputs);
    tx.binding_sig = SigningKey::<Binding>::from_scalar(bsk).sign(&sighash, rng);
    bsk.zeroize();
}
