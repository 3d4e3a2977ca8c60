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

use std::{collections::HashSet, sync::OnceLock};

use ark_ec::CurveGroup;
use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective, Fr as JubjubScalar};
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
    signatures,
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
        bvk -= value_point(asset, i128::from(*amount));
    }
    bvk -= value_point(&AssetId::native(), i128::from(tx.fee));
    for (_, issued) in tx.issued_tickets() {
        bvk += public_value_point(&issued.asset(), 1);
    }
    for redeemed in &tx.redemptions {
        bvk -= public_value_point(&redeemed.asset(), 1);
    }
    bvk
}

/// `public_value_point(asset, amount)`, with the native asset's value base
/// (a group hash: a Poseidon hash and a square root) computed once per
/// process rather than once per transaction for its fee.
fn value_point(asset: &AssetId, amount: i128) -> EdwardsProjective {
    static NATIVE: OnceLock<(AssetId, EdwardsAffine)> = OnceLock::new();
    let (native, base) = NATIVE.get_or_init(|| {
        let native = AssetId::native();
        (native, native.value_base().point)
    });
    if asset != native {
        return public_value_point(asset, amount);
    }
    let magnitude = JubjubScalar::from(amount.unsigned_abs());
    let point = *base * magnitude;
    if amount < 0 {
        -point
    } else {
        point
    }
}

/// Checks 1–5 (everything but the proofs), in order.
pub fn check_without_proofs(
    tx: &Transaction,
    keys: &VerifyingKeys,
    anchors: &dyn AnchorCheck,
    rng: &mut dyn CryptoRngCore,
) -> Result<(), TxError> {
    check_structure(tx, keys, anchors)?;
    let signed = Signed::of(tx);
    let spend_auth = signed.spend_auth(tx);
    if !spend_auth.is_empty() {
        signature::batch_verify(&spend_auth, rng).map_err(|_| TxError::SpendAuthorization)?;
    }
    let (bvk, msg, sig) = signed.binding(tx);
    bvk.verify(msg, &sig).map_err(|_| TxError::Binding)
}

/// Checks 1–3: keys, shape, nullifiers, anchors (no curve arithmetic).
fn check_structure(
    tx: &Transaction,
    keys: &VerifyingKeys,
    anchors: &dyn AnchorCheck,
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
    Ok(())
}

/// What a transaction's signatures are checked against: its signature hash
/// and binding verification key.
struct Signed {
    sighash: [u8; 32],
    bvk: VerificationKey<Binding>,
}

/// One spend-authorization signature with its key and message.
type SpendAuthItem<'a> = (VerificationKey<SpendAuth>, &'a [u8], signature::Signature);
/// The binding signature with its key and message.
type BindingItem<'a> = (VerificationKey<Binding>, &'a [u8], signature::Signature);

impl Signed {
    fn of(tx: &Transaction) -> Self {
        Self {
            sighash: tx.sighash(),
            bvk: VerificationKey::from_point(binding_verification_key(tx).into_affine()),
        }
    }

    /// Check 4's items. `rk` is in the prime-order subgroup as
    /// `VerificationKey::from_point` asks for every transaction that can be
    /// accepted: its proof puts it there (PROTOCOL.md §9, "Points a proof
    /// vouches for"), and one whose `rk` is not is refused by check 6
    /// whatever this check says.
    fn spend_auth<'a>(&'a self, tx: &Transaction) -> Vec<SpendAuthItem<'a>> {
        tx.all_spends()
            .map(|s| {
                (
                    VerificationKey::<SpendAuth>::from_point(s.rk),
                    &self.sighash[..],
                    s.auth_sig,
                )
            })
            .collect()
    }

    /// Check 5's item (`bvk` likewise in the subgroup for any transaction
    /// that can be accepted: its `cv` are).
    fn binding<'a>(&'a self, tx: &Transaction) -> BindingItem<'a> {
        (self.bvk, &self.sighash[..], tx.binding_sig)
    }
}

/// Checks 4 and 5 (the signatures) of many transactions in one batch, as
/// [`verify_batch`] makes them: `true` if every signature verifies, up to
/// 2^-128. For measuring that part alone; it checks nothing else (not even
/// the keys' fingerprints).
pub fn block_signatures_verify(txs: &[Transaction], rng: &mut dyn CryptoRngCore) -> bool {
    let signed: Vec<(&Transaction, Signed)> =
        txs.par_iter().map(|tx| (tx, Signed::of(tx))).collect();
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    signatures_verify(&signed, seed)
}

/// Checks 4 and 5 for many transactions at once: every spend-authorization
/// signature and every binding signature in one randomized batch across
/// transactions ([`crate::signatures`]: the same equation as
/// `signature::batch_verify`, computed in tasks over the pool). `true` if
/// all verify; on `false` the caller checks each transaction on its own to
/// name the culprits.
fn signatures_verify(txs: &[(&Transaction, Signed)], seed: [u8; 32]) -> bool {
    let items: Vec<signatures::Item> = txs
        .iter()
        .flat_map(|(tx, signed)| {
            let auth = tx.all_spends().map(move |s| signatures::Item {
                domain: signatures::Domain::SpendAuth,
                vk: s.rk,
                msg: &signed.sighash[..],
                sig: &s.auth_sig,
            });
            auth.chain(std::iter::once(signatures::Item {
                domain: signatures::Domain::Binding,
                vk: signed.bvk.point(),
                msg: &signed.sighash[..],
                sig: &tx.binding_sig,
            }))
        })
        .collect();
    signatures::all_verify(&items, seed)
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

/// Verifies many transactions: checks 1–3 of each in parallel; then, side
/// by side on the pool, every signature of every transaction in one
/// randomized batch across transactions (it holds only if each signature
/// does, up to 2^-128, so the outcome is each transaction's own) and every
/// proof of every transaction in a single randomized Groth16 batch (one
/// multi-Miller loop, one final exponentiation). If a batch fails, each
/// transaction is checked on its own to name the culprits: the result is
/// the one checking 1–5 and then 6 transaction by transaction gives.
///
/// A transaction whose `cv` or `rk` has a small-order component (the
/// decoder leaves that check to the proofs) may pass or fail the signature
/// batches; its proof fails either way, so it is refused either way.
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
    let mut block_seed = [0u8; 32];
    rng.fill_bytes(&mut block_seed);
    let mut proof_seed = [0u8; 32];
    rng.fill_bytes(&mut proof_seed);
    // Checks 1–3 and what the signatures need, per transaction in parallel.
    let structure: Vec<Result<Signed, TxError>> = txs
        .par_iter()
        .map(|tx| check_structure(tx, keys, anchors).map(|()| Signed::of(tx)))
        .collect();
    let mut invalid: Vec<(usize, TxError)> = Vec::new();
    let mut signed: Vec<(usize, Signed)> = Vec::with_capacity(txs.len());
    for (i, r) in structure.into_iter().enumerate() {
        match r {
            Ok(s) => signed.push((i, s)),
            Err(e) => invalid.push((i, e)),
        }
    }
    let well_formed: HashSet<usize> = signed.iter().map(|(i, _)| *i).collect();
    let pairs: Vec<(&Transaction, Signed)> =
        signed.into_iter().map(|(i, s)| (&txs[i], s)).collect();
    let inputs: Vec<Vec<Vec<Fr>>> = txs.par_iter().map(public_inputs).collect();
    // Checks 4 and 5 for the whole batch, and beside them (both on the
    // pool) check 6 for every transaction that passed checks 1–3. A
    // `Transaction`'s proofs come from `Transaction::from_bytes`, which
    // validates every point, or from the builder: the proof batch need not
    // check subgroup membership again.
    let (signatures_ok, proofs_ok) = rayon::join(
        || signatures_verify(&pairs, block_seed),
        || {
            let items: Vec<ProofItem> = txs
                .iter()
                .zip(&inputs)
                .enumerate()
                .filter(|(i, _)| well_formed.contains(i))
                .flat_map(|(_, (tx, inp))| proof_items(tx, keys, inp))
                .collect();
            let mut rng = rand_chacha::ChaCha20Rng::from_seed(proof_seed);
            batch_verify_validated(&items, &mut rng).is_ok()
        },
    );
    // If the signatures fail, each transaction on its own to name the
    // culprits (each with its own randomness, as on its own).
    if !signatures_ok {
        let culprits: Vec<(usize, TxError)> = txs
            .par_iter()
            .zip(seeds.par_iter())
            .enumerate()
            .filter(|(i, _)| well_formed.contains(i))
            .filter_map(|(i, (tx, seed))| {
                let mut rng = rand_chacha::ChaCha20Rng::from_seed(*seed);
                check_without_proofs(tx, keys, anchors, &mut rng)
                    .err()
                    .map(|e| (i, e))
            })
            .collect();
        invalid.extend(culprits);
    }
    // If the proofs fail, each transaction that passed checks 1–5 on its
    // own; a transaction refused by 1–5 is reported for that alone, as
    // when the checks run one after another.
    if !proofs_ok {
        let cheap_failed: HashSet<usize> = invalid.iter().map(|(i, _)| *i).collect();
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
