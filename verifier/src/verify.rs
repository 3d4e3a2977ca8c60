//! Transaction-level checks: everything that makes a well-formed transaction
//! valid except what only the chain knows (nullifiers spent earlier, and,
//! through [`AnchorCheck`], which roots exist).
//!
//! For one transaction, or a batch:
//! 1. its proofs were made for the verifying keys the verifier holds;
//! 2. it has at least one spend or output, and no nullifier twice; it names
//!    a public account exactly when it has public balance entries or ticket
//!    issuances, and every issuance's category is valid;
//! 3. every anchor is a known root (when the caller supplies a check);
//! 4. every spend-authorization signature verifies under its `rk` (batched);
//! 5. the binding signature verifies under
//!    `bvk = Σ cv_spend − Σ cv_output − Σ_a balance_a·G_a − fee·G_native
//!           + Σ_issued G_t − Σ_redeemed G_t`, each issued ticket being
//!    `Ticket::issued(public_account, category, serial)`,
//!    so the values balance per asset; an asset appears at most once among
//!    the public balances, issuances and redemptions;
//! 6. every Groth16 proof verifies (one randomized batch for everything).

use std::collections::HashSet;

use ark_ec::CurveGroup;
use ark_ed_on_bls12_381::EdwardsProjective;
use rand_core::{CryptoRngCore, SeedableRng};
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
    error::{hex_bytes, hex_fr, TxError},
    groth16::{batch_verify_report, batch_verify_validated, ProofItem},
    transaction::{OutputDescription, SpendDescription, Transaction},
};

/// The verifying keys of both circuits.
#[derive(Clone, Debug)]
pub struct VerifyingKeys {
    /// Spend circuit.
    pub spend: VerifyingParameters,
    /// Output circuit.
    pub output: VerifyingParameters,
    /// Spend circuit of packages.
    pub package_spend: VerifyingParameters,
    /// Output circuit of packages.
    pub package_output: VerifyingParameters,
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

/// The binding verification key the transaction's values imply. Each
/// issuance adds one unit of the ticket the public account issues with it
/// ([`Transaction::issued_tickets`]); without an account, issuances add
/// nothing (and [`check_without_proofs`] refuses the transaction).
pub fn binding_verification_key(tx: &Transaction) -> EdwardsProjective {
    let mut bvk = EdwardsProjective::default();
    for s in tx.all_spends() {
        bvk += s.cv;
    }
    for o in tx.all_outputs() {
        bvk -= o.cv;
    }
    for (asset, amount) in &tx.balances {
        bvk -= public_value_point(asset, i128::from(*amount));
    }
    bvk -= public_value_point(&AssetId::native(), i128::from(tx.fee));
    for (_, issued) in tx.issued_tickets() {
        bvk += public_value_point(&issued.asset(), 1);
    }
    for redeemed in &tx.redemptions {
        bvk -= public_value_point(&redeemed.asset(), 1);
    }
    bvk
}

/// Checks 1–5 (everything but the proofs), in order.
pub fn check_without_proofs(
    tx: &Transaction,
    keys: &VerifyingKeys,
    anchors: &dyn AnchorCheck,
    rng: &mut dyn CryptoRngCore,
) -> Result<(), TxError> {
    for (circuit, found, have) in [
        ("spend", tx.spend_vk, &keys.spend),
        ("output", tx.output_vk, &keys.output),
        ("package spend", tx.package_spend_vk, &keys.package_spend),
        ("package output", tx.package_output_vk, &keys.package_output),
    ] {
        if found != have.fingerprint {
            return Err(TxError::UnknownVerifyingKey {
                circuit,
                found: found.to_hex(),
                expected: have.fingerprint.to_hex(),
            });
        }
    }
    if tx.all_spends().next().is_none() && tx.all_outputs().next().is_none() {
        return Err(TxError::Empty);
    }
    match (&tx.public_account, tx.needs_public_account()) {
        (None, true) => return Err(TxError::MissingPublicAccount),
        (Some(account), false) => return Err(TxError::UnexpectedPublicAccount(hex_bytes(account))),
        _ => {}
    }
    let issued = tx.issued_tickets();
    if let Some(index) = (0..tx.issuances.len()).find(|i| issued.get(*i).map(|(j, _)| j) != Some(i))
    {
        return Err(TxError::InvalidIssuance { index });
    }
    let mut public_assets = HashSet::new();
    let tickets = issued
        .iter()
        .map(|(_, t)| t.asset())
        .chain(tx.redemptions.iter().map(|t| t.asset()));
    for asset in tx.balances.iter().map(|(a, _)| *a).chain(tickets) {
        if !public_assets.insert(asset) {
            return Err(TxError::DuplicateAsset(hex_fr(&asset.0)));
        }
    }
    let mut seen = HashSet::new();
    for s in tx.all_spends() {
        if !seen.insert(s.nullifier) {
            return Err(TxError::DuplicateNullifier(hex_fr(&s.nullifier)));
        }
    }
    for (index, s) in tx.all_spends().enumerate() {
        if !anchors.is_known(&s.anchor) {
            return Err(TxError::UnknownAnchor {
                index,
                anchor: hex_fr(&s.anchor),
            });
        }
    }
    let sighash = tx.sighash();
    if tx.all_spends().next().is_some() {
        let items: Vec<_> = tx
            .all_spends()
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

type ProofRef<'a> = (
    &'a VerifyingParameters,
    &'a ark_groth16::Proof<ark_bls12_381::Bls12_381>,
);

/// Every proof of `tx` with its key, in one order: spends, outputs, package
/// spends, package outputs (the order of [`public_inputs`] and [`proof_error`]).
fn proofs<'a>(
    tx: &'a Transaction,
    keys: &'a VerifyingKeys,
) -> impl Iterator<Item = ProofRef<'a>> + 'a {
    let spends = |vk, list: &'a [SpendDescription]| list.iter().map(move |s| (vk, &s.proof));
    let outputs = |vk, list: &'a [OutputDescription]| list.iter().map(move |o| (vk, &o.proof));
    spends(&keys.spend, &tx.spends)
        .chain(outputs(&keys.output, &tx.outputs))
        .chain(spends(&keys.package_spend, &tx.package_spends))
        .chain(outputs(&keys.package_output, &tx.package_outputs))
}

fn public_inputs(tx: &Transaction) -> Vec<Vec<Fr>> {
    let spends = |list: &[SpendDescription]| {
        list.iter()
            .map(|s| s.public_inputs().to_field_elements())
            .collect::<Vec<_>>()
    };
    let outputs = |list: &[OutputDescription]| {
        list.iter()
            .map(|o| o.public_inputs().to_field_elements())
            .collect::<Vec<_>>()
    };
    [
        spends(&tx.spends),
        outputs(&tx.outputs),
        spends(&tx.package_spends),
        outputs(&tx.package_outputs),
    ]
    .concat()
}

fn proof_items<'a>(
    tx: &'a Transaction,
    keys: &'a VerifyingKeys,
    inputs: &'a [Vec<Fr>],
) -> Vec<ProofItem<'a>> {
    proofs(tx, keys)
        .zip(inputs)
        .map(|((vp, proof), public_inputs)| ProofItem {
            pvk: &vp.prepared,
            proof,
            public_inputs,
        })
        .collect()
}

/// Fully verifies one transaction.
pub fn verify_transaction(
    tx: &Transaction,
    keys: &VerifyingKeys,
    anchors: &dyn AnchorCheck,
    rng: &mut dyn CryptoRngCore,
) -> Result<(), TxError> {
    check_without_proofs(tx, keys, anchors, rng)?;
    let inputs = public_inputs(tx);
    let items = proof_items(tx, keys, &inputs);
    batch_verify_report(&items, rng).map_err(|bad| proof_error(tx, &bad))
}

/// The error naming the first invalid proof among `bad` (indices in the
/// order of [`proofs`]), with its index within its own list.
fn proof_error(tx: &Transaction, bad: &[usize]) -> TxError {
    let Some(&first) = bad.first() else {
        return TxError::Proofs;
    };
    let lists = [
        ("spend", tx.spends.len()),
        ("output", tx.outputs.len()),
        ("package spend", tx.package_spends.len()),
        ("package output", tx.package_outputs.len()),
    ];
    let mut index = first;
    for (kind, len) in lists {
        if index < len {
            return TxError::Proof { kind, index };
        }
        index -= len;
    }
    TxError::Proofs
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
///
/// The batch trusts that the proof points are in their subgroups, as they
/// are for transactions from [`Transaction::from_bytes`] or the builder (see
/// [`batch_verify_validated`]); a transaction assembled in memory from
/// unchecked points must go through [`verify_transaction`].
pub fn verify_batch(
    txs: &[Transaction],
    keys: &VerifyingKeys,
    anchors: &dyn AnchorCheck,
    rng: &mut dyn CryptoRngCore,
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
    // A `Transaction`'s proofs come from `Transaction::from_bytes`, which
    // validates every point, or from the builder: the batch need not check
    // subgroup membership again.
    if batch_verify_validated(&items, rng).is_err() {
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
