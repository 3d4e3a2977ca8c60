//! Transaction-level checks: everything that makes a well-formed transaction
//! valid except what only the chain knows (nullifiers spent earlier, and,
//! through [`AnchorCheck`], which roots exist).
//!
//! For one transaction, or a batch:
//! 1. its proofs were made for the verifying keys the verifier holds;
//! 2. it has at least one spend or output, and no nullifier twice;
//! 3. every anchor is a known root (when the caller supplies a check);
//! 4. every spend-authorization signature verifies under its `rk` (batched);
//! 5. the binding signature verifies under
//!    `bvk = Σ cv_spend − Σ cv_output − Σ_a balance_a·G_a − fee·G_native
//!           + Σ_issued G_t − Σ_redeemed G_t`,
//!    so the values balance per asset; an asset appears at most once among
//!    the public balances, issuances and redemptions;
//! 6. every Groth16 proof verifies (one randomized batch for everything).

use std::collections::HashSet;

use ark_ec::CurveGroup;
use ark_ed_on_bls12_381::EdwardsProjective;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use rayon::prelude::*;
use superzk_circuits::{
    note::{public_value_point, AssetId},
    Fr,
};
use superzk_keys::{
    params::VerifyingParameters,
    signature::{self, VerificationKey},
    spending_key::{Binding, SpendAuth},
};

use crate::{
    error::{hex_fr, TxError},
    groth16::{batch_verify, batch_verify_report, ProofItem},
    transaction::Transaction,
};

/// The verifying keys of both circuits.
#[derive(Clone, Debug)]
pub struct VerifyingKeys {
    /// Spend circuit.
    pub spend: VerifyingParameters,
    /// Output circuit.
    pub output: VerifyingParameters,
}

/// Which anchors (tree roots) are acceptable.
pub trait AnchorCheck: Sync {
    /// Whether `anchor` is a root spends may use.
    fn is_known(&self, anchor: &Fr) -> bool;
}

/// Accepts every anchor: for checking a transaction on its own, offline, where
/// the chain's roots are unknown (the proof still binds the anchor it shows).
pub struct AnyAnchor;

impl AnchorCheck for AnyAnchor {
    fn is_known(&self, _: &Fr) -> bool {
        true
    }
}

impl AnchorCheck for HashSet<Fr> {
    fn is_known(&self, anchor: &Fr) -> bool {
        self.contains(anchor)
    }
}

/// The binding verification key the transaction's values imply.
pub fn binding_verification_key(tx: &Transaction) -> EdwardsProjective {
    let mut bvk = EdwardsProjective::default();
    for s in &tx.spends {
        bvk += s.cv;
    }
    for o in &tx.outputs {
        bvk -= o.cv;
    }
    for (asset, amount) in &tx.balances {
        bvk -= public_value_point(asset, i128::from(*amount));
    }
    bvk -= public_value_point(&AssetId::native(), i128::from(tx.fee));
    for issued in &tx.issuances {
        bvk += public_value_point(&issued.asset, 1);
    }
    for redeemed in &tx.redemptions {
        bvk -= public_value_point(&redeemed.asset(), 1);
    }
    bvk
}

/// Checks 1–5 (everything but the proofs), in order.
pub fn check_without_proofs<R: RngCore + CryptoRng>(
    tx: &Transaction,
    keys: &VerifyingKeys,
    anchors: &dyn AnchorCheck,
    rng: &mut R,
) -> Result<(), TxError> {
    for (circuit, found, have) in [
        ("spend", tx.spend_vk, &keys.spend),
        ("output", tx.output_vk, &keys.output),
    ] {
        if found != have.fingerprint {
            return Err(TxError::UnknownVerifyingKey {
                circuit,
                found: found.to_string(),
                expected: have.fingerprint.to_string(),
            });
        }
    }
    if tx.spends.is_empty() && tx.outputs.is_empty() {
        return Err(TxError::Empty);
    }
    let mut public_assets = HashSet::new();
    let tickets = tx
        .issuances
        .iter()
        .map(|i| i.asset)
        .chain(tx.redemptions.iter().map(|t| t.asset()));
    for asset in tx.balances.iter().map(|(a, _)| *a).chain(tickets) {
        if !public_assets.insert(asset) {
            return Err(TxError::DuplicateAsset(hex_fr(&asset.0)));
        }
    }
    let mut seen = HashSet::with_capacity(tx.spends.len());
    for s in &tx.spends {
        if !seen.insert(s.nullifier) {
            return Err(TxError::DuplicateNullifier(hex_fr(&s.nullifier)));
        }
    }
    for (index, s) in tx.spends.iter().enumerate() {
        if !anchors.is_known(&s.anchor) {
            return Err(TxError::UnknownAnchor {
                index,
                anchor: hex_fr(&s.anchor),
            });
        }
    }
    let sighash = tx.sighash();
    if !tx.spends.is_empty() {
        let items: Vec<_> = tx
            .spends
            .iter()
            .map(|s| {
                (
                    VerificationKey::<SpendAuth>::from_point(s.rk),
                    &sighash[..],
                    s.auth_sig,
                )
            })
            .collect();
        signature::batch_verify(&items, rng).map_err(|_| TxError::SpendAuthorization)?;
    }
    let bvk = VerificationKey::<Binding>::from_point(binding_verification_key(tx).into_affine());
    bvk.verify(&sighash, &tx.binding_sig)
        .map_err(|_| TxError::Binding)?;
    Ok(())
}

fn proof_items<'a>(
    tx: &'a Transaction,
    keys: &'a VerifyingKeys,
    inputs: &'a [Vec<Fr>],
) -> Vec<ProofItem<'a>> {
    let spends = tx.spends.iter().map(|s| (&keys.spend.prepared, &s.proof));
    let outputs = tx.outputs.iter().map(|o| (&keys.output.prepared, &o.proof));
    spends
        .chain(outputs)
        .zip(inputs)
        .map(|((pvk, proof), public_inputs)| ProofItem {
            pvk,
            proof,
            public_inputs,
        })
        .collect()
}

fn public_inputs(tx: &Transaction) -> Vec<Vec<Fr>> {
    tx.spends
        .iter()
        .map(|s| s.public_inputs().to_field_elements())
        .chain(
            tx.outputs
                .iter()
                .map(|o| o.public_inputs().to_field_elements()),
        )
        .collect()
}

/// Fully verifies one transaction.
pub fn verify_transaction<R: RngCore + CryptoRng>(
    tx: &Transaction,
    keys: &VerifyingKeys,
    anchors: &dyn AnchorCheck,
    rng: &mut R,
) -> Result<(), TxError> {
    check_without_proofs(tx, keys, anchors, rng)?;
    let inputs = public_inputs(tx);
    let items = proof_items(tx, keys, &inputs);
    batch_verify_report(&items, rng).map_err(|bad| proof_error(tx, &bad))
}

/// The error naming the first invalid proof among `bad` (indices over the
/// transaction's spends, then outputs).
fn proof_error(tx: &Transaction, bad: &[usize]) -> TxError {
    match bad.first() {
        Some(&index) if index < tx.spends.len() => TxError::Proof {
            kind: "spend",
            index,
        },
        Some(&index) => TxError::Proof {
            kind: "output",
            index: index - tx.spends.len(),
        },
        None => TxError::Proofs,
    }
}

/// The outcome of verifying several transactions together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchFailure {
    /// Index and reason of every invalid transaction.
    pub invalid: Vec<(usize, TxError)>,
}

/// Verifies many transactions: the cheap checks of each in parallel, then
/// every proof of every transaction in a single randomized Groth16 batch (one
/// multi-Miller loop, one final exponentiation). If the batch fails, each
/// transaction's proofs are checked on their own to name the culprits.
pub fn verify_batch<R: RngCore + CryptoRng>(
    txs: &[Transaction],
    keys: &VerifyingKeys,
    anchors: &dyn AnchorCheck,
    rng: &mut R,
) -> Result<(), BatchFailure> {
    let seeds: Vec<[u8; 32]> = txs
        .iter()
        .map(|_| {
            let mut s = [0u8; 32];
            rng.fill_bytes(&mut s);
            s
        })
        .collect();
    let mut invalid: Vec<(usize, TxError)> = txs
        .par_iter()
        .zip(seeds.par_iter())
        .enumerate()
        .filter_map(|(i, (tx, seed))| {
            let mut rng = rand_chacha::ChaCha20Rng::from_seed(*seed);
            check_without_proofs(tx, keys, anchors, &mut rng)
                .err()
                .map(|e| (i, e))
        })
        .collect();
    let cheap_failed: HashSet<usize> = invalid.iter().map(|(i, _)| *i).collect();
    let inputs: Vec<Vec<Vec<Fr>>> = txs.par_iter().map(public_inputs).collect();
    let items: Vec<ProofItem> = txs
        .iter()
        .zip(&inputs)
        .enumerate()
        .filter(|(i, _)| !cheap_failed.contains(i))
        .flat_map(|(_, (tx, inp))| proof_items(tx, keys, inp))
        .collect();
    if batch_verify(&items, rng).is_err() {
        for (i, tx) in txs.iter().enumerate() {
            if cheap_failed.contains(&i) {
                continue;
            }
            let items = proof_items(tx, keys, &inputs[i]);
            if let Err(bad) = batch_verify_report(&items, rng) {
                invalid.push((i, proof_error(tx, &bad)));
            }
        }
    }
    if invalid.is_empty() {
        Ok(())
    } else {
        invalid.sort_by_key(|(i, _)| *i);
        Err(BatchFailure { invalid })
    }
}
