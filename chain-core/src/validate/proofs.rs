//! Rule 7: every proof of the block in one randomized batch, in parallel
//! with every vote and account signature in one Schnorr batch; anchors are
//! looked up one by one (a block's work depends on its spends, not on how
//! many roots the chain has had).

use std::collections::HashSet;

use rand_core::{CryptoRngCore, SeedableRng};
use superzk_circuits::Fr;
use superzk_keys::spending_key::encode_field;
use superzk_verifier::{error::TxError, transaction::Transaction, verify::verify_batch};

use crate::{
    account::ChainAuth,
    error::{BlockError, ChainError, Rule},
    store::{StateTable as T, StateTxn},
};

use super::{
    state::{fail, hex8},
    votes::SigItem,
    Context, RuleCounts,
};

/// The anchors the block's spends name that are recent tree roots.
pub(crate) fn known_anchors(
    ctx: &Context,
    st: &StateTxn,
    shielded: &[Transaction],
    height: u64,
) -> Result<HashSet<Fr>, ChainError> {
    let oldest = height.saturating_sub(ctx.params.anchor_window);
    let mut known = HashSet::new();
    for anchor in shielded
        .iter()
        .flat_map(|t| t.all_spends().map(|s| s.anchor))
    {
        if known.contains(&anchor) {
            continue;
        }
        if let Some(v) = st.get(T::Anchors, &encode_field(&anchor))? {
            let at = u64::from_le_bytes(v.as_slice().try_into().unwrap_or([0; 8]));
            if at >= oldest {
                known.insert(anchor);
            }
        }
    }
    Ok(known)
}

fn seed(rng: &mut dyn CryptoRngCore) -> [u8; 32] {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    s
}

/// Verifies the proofs and the signatures side by side.
pub(crate) fn verify_block_batch(
    ctx: &Context,
    st: &StateTxn,
    shielded: &[Transaction],
    sigs: &[SigItem],
    height: u64,
    rng: &mut dyn CryptoRngCore,
    counts: &mut RuleCounts,
) -> Result<(), ChainError> {
    let anchors = known_anchors(ctx, st, shielded, height)?;
    let proof_seed = seed(rng);
    let sig_seed = seed(rng);
    let (proofs, signatures) = rayon::join(
        || {
            let mut rng = rand_chacha::ChaCha20Rng::from_seed(proof_seed);
            verify_batch(shielded, ctx.keys, &anchors, &mut rng)
        },
        || verify_signatures(sigs, sig_seed, "votes, late votes, then transactions"),
    );
    if let Err(failure) = proofs {
        let Some((i, e)) = failure.invalid.into_iter().next() else {
            return Err(fail(Rule::ShieldedProofs, "the proof batch failed"));
        };
        let rule = match e {
            TxError::UnknownAnchor { .. } => Rule::Anchors,
            TxError::DuplicateNullifier(_) => Rule::Nullifiers,
            _ => Rule::ShieldedProofs,
        };
        return Err(ChainError::Block {
            height: 0,
            error: BlockError {
                rule,
                detail: format!("shielded transaction {i}: {e}"),
                tx_error: Some(e),
            },
        });
    }
    let spends: u64 = shielded.iter().map(|t| t.all_spends().count() as u64).sum();
    let outputs: u64 = shielded
        .iter()
        .map(|t| t.all_outputs().count() as u64)
        .sum();
    counts.add(Rule::ShieldedProofs, spends + outputs);
    counts.add(Rule::Anchors, spends);
    signatures?;
    counts.add(Rule::Signatures, sigs.len() as u64);
    Ok(())
}

/// Verifies `sigs` in one batch; on failure names the first bad one by its
/// index in `sigs`, whose order `order` describes.
pub(crate) fn verify_signatures(
    sigs: &[SigItem],
    seed: [u8; 32],
    order: &str,
) -> Result<(), ChainError> {
    let mut items = Vec::with_capacity(sigs.len());
    for (who, msg, sig) in sigs {
        let vk = crate::account::verification_key(who).ok_or_else(|| {
            fail(
                Rule::Signatures,
                format!("{} is not a valid public key", hex8(who)),
            )
        })?;
        items.push((vk, msg.as_slice(), *sig));
    }
    let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
    if superzk_keys::signature::batch_verify::<ChainAuth>(&items, &mut rng).is_ok() {
        return Ok(());
    }
    for (i, (vk, msg, sig)) in items.iter().enumerate() {
        if vk.verify(msg, sig).is_err() {
            return Err(fail(
                Rule::Signatures,
                format!("signature {i} of the block ({order}) is invalid"),
            ));
        }
    }
    Err(fail(Rule::Signatures, "the signature batch failed"))
}
