//! The transaction builder: collects spends, outputs (of notes and of
//! packages), public value, ticket issuances and redemptions and a fee; checks
//! they balance per asset; proves every action in parallel; encrypts the
//! outputs; and signs.
//!
//! Everything the signatures cover is set before [`TransactionBuilder::build`]:
//! the chain ([`TransactionBuilder::set_chain_id`], the genesis block hash),
//! the expiry ([`TransactionBuilder::set_expiry_height`]) and the
//! transparent account that pays value in, receives value out and issues
//! tickets ([`TransactionBuilder::set_public_account`]; required exactly when
//! the transaction has public value or issuances).

use std::collections::BTreeMap;

use ark_bls12_381::Bls12_381;
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_ff::UniformRand;
use ark_groth16::Proof;
use ark_relations::gr1cs::ConstraintSynthesizer;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRngCore, SeedableRng};
use rayon::prelude::*;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::{incoming_viewing_key, owner_tag, AssetId, Note, DIVERSIFIER_LEN},
    note_kind::NoteKind,
    output::{OutputCircuitFor, OutputWitnessFor},
    package::{PackageNote, PACKAGE_SLOTS},
    spend::{SpendCircuitFor, SpendWitnessFor},
    tree::MerklePath,
    Fr,
};
use superzk_keys::{
    address::PaymentAddress,
    encryption::{EncryptedNote, EncryptionError},
    note_plaintext::{encrypt_output, encrypt_package, MEMO_LEN},
    params::{CircuitKind, Parameters},
    signature::{Signature, SigningKey},
    spending_key::{ct_eq_field, encode_field, encode_point, Binding, SpendAuth, SpendingKey},
};
use superzk_verifier::transaction::{
    canonical_balances, AccountId, OutputDescription, SpendDescription, TicketIssuance,
    Transaction, MAX_ITEMS,
};
use zeroize::Zeroize;

use crate::{error::BuildError, proof::prove, proving_keys::ProvingKeys};

/// A spend as added: key material, the note and its path; the randomness is
/// drawn at build time.
struct PendingSpend<N: NoteKind> {
    ask: SigningKey<SpendAuth>,
    ak: EdwardsAffine,
    nk: Fr,
    note: N,
    diversifier: [u8; DIVERSIFIER_LEN],
    path: MerklePath,
}

/// What an output creates.
enum Payload {
    /// A plain note.
    Note { info: AssetInfo, value: u64 },
    /// A package with its key.
    Package {
        contents: Box<[(AssetInfo, u64); PACKAGE_SLOTS]>,
        key: Fr,
    },
}

struct OutputRequest {
    ovk: Option<[u8; 32]>,
    to: PaymentAddress,
    payload: Payload,
    memo: [u8; MEMO_LEN],
}

/// A spend ready to prove: its signing key and full witness.
type ReadySpend<N> = (SigningKey<SpendAuth>, SpendWitnessFor<N>);
/// An output ready to prove: its witness, request and outgoing viewing key.
type ReadyOutput<'a, N> = (OutputWitnessFor<N>, &'a OutputRequest, [u8; 32]);
/// The outputs ready to prove: plain notes, then packages.
type ReadyOutputs<'a> = (
    Vec<ReadyOutput<'a, Note>>,
    Vec<ReadyOutput<'a, PackageNote>>,
);

/// Collects the parts of a shielded transaction, then proves and signs it.
#[derive(Default)]
pub struct TransactionBuilder {
    spends: Vec<PendingSpend<Note>>,
    package_spends: Vec<PendingSpend<PackageNote>>,
    outputs: Vec<OutputRequest>,
    package_outputs: Vec<OutputRequest>,
    public: Vec<(AssetId, i128)>,
    /// Each issuance with the ticket it issued when added (under the public
    /// account set then).
    issuances: Vec<(TicketIssuance, Ticket)>,
    redemptions: Vec<Ticket>,
    fee: u64,
    chain_id: [u8; 32],
    expiry_height: u64,
    public_account: Option<AccountId>,
    skip_balance_check: bool,
}

fn pending<N: NoteKind>(
    sk: &SpendingKey,
    note: N,
    diversifier: [u8; DIVERSIFIER_LEN],
    path: MerklePath,
) -> PendingSpend<N> {
    let fvk = sk.full_viewing_key();
    PendingSpend {
        ask: sk.spend_auth_key(),
        ak: fvk.ak(),
        nk: fvk.nk(),
        note,
        diversifier,
        path,
    }
}

impl TransactionBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spends `note`, sent to diversifier `d` of `sk`'s wallet, at `path`.
    pub fn add_spend(
        &mut self,
        sk: &SpendingKey,
        note: Note,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        self.spends.push(pending(sk, note, d, path));
        self
    }

    /// Spends a package held by `sk`'s wallet (to pass it on or open it).
    pub fn add_package_spend(
        &mut self,
        sk: &SpendingKey,
        package: PackageNote,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        self.package_spends.push(pending(sk, package, d, path));
        self
    }

    /// Creates a note of `value` units of `asset` for `to`. With `ovk` the
    /// sender can read the note back later; without, nobody but `to` can.
    pub fn add_output(
        &mut self,
        ovk: Option<[u8; 32]>,
        to: PaymentAddress,
        asset: AssetInfo,
        value: u64,
        memo: [u8; MEMO_LEN],
    ) -> &mut Self {
        self.outputs.push(OutputRequest {
            ovk,
            to,
            payload: Payload::Note { info: asset, value },
            memo,
        });
        self
    }

    /// Creates a package holding `contents` (at most four assets) sealed
    /// with `key`, for `to`; the key travels encrypted with the note. Use a
    /// fresh random key to seal a new package, the same key to pass one on.
    pub fn add_package_output(
        &mut self,
        ovk: Option<[u8; 32]>,
        to: PaymentAddress,
        contents: &[(AssetInfo, u64)],
        key: Fr,
        memo: [u8; MEMO_LEN],
    ) -> Result<&mut Self, BuildError> {
        if contents.len() > PACKAGE_SLOTS {
            return Err(BuildError::TooManyPackageSlots {
                got: contents.len(),
                max: PACKAGE_SLOTS,
            });
        }
        let contents = Box::new(std::array::from_fn(|i| {
            contents.get(i).cloned().unwrap_or((AssetInfo::native(), 0))
        }));
        self.package_outputs.push(OutputRequest {
            ovk,
            to,
            payload: Payload::Package { contents, key },
            memo,
        });
        Ok(self)
    }

    /// Public value entering the shielded pool (shielding).
    pub fn add_public_input(&mut self, asset: AssetId, amount: u64) -> &mut Self {
        self.public.push((asset, -i128::from(amount)));
        self
    }

    /// Public value leaving the shielded pool (unshielding).
    pub fn add_public_output(&mut self, asset: AssetId, amount: u64) -> &mut Self {
        self.public.push((asset, i128::from(amount)));
        self
    }

    /// The chain the transaction is for: its genesis block hash. Without
    /// it the transaction names the all-zero chain, which a chain refuses.
    pub fn set_chain_id(&mut self, chain_id: [u8; 32]) -> &mut Self {
        self.chain_id = chain_id;
        self
    }

    /// The last block height at which the transaction may be included (0,
    /// the default: it never expires). Wallets release the notes a pending
    /// transaction spends once the chain is past its expiry.
    pub fn set_expiry_height(&mut self, expiry_height: u64) -> &mut Self {
        self.expiry_height = expiry_height;
        self
    }

    /// The transparent account that pays the public value entering the pool
    /// ([`Self::add_public_input`]), receives the value leaving it
    /// ([`Self::add_public_output`]) and issues tickets
    /// ([`Self::issue_ticket`]). The signatures cover it, so nobody can
    /// re-wrap the transaction under another account. Required exactly when
    /// the transaction has public value or issuances.
    pub fn set_public_account(&mut self, account: AccountId) -> &mut Self {
        self.public_account = Some(account);
        self
    }

    /// Issues a ticket of `category` with `serial` to `to`: registers the
    /// issuance publicly and creates the ticket's one shielded note. The
    /// issuer is the builder's public account, which must be set first
    /// ([`Self::set_public_account`]); the ticket is
    /// [`Ticket::issued`]`(account, category, serial)` and is returned so the
    /// caller knows its id. The chain accepts each ticket once.
    pub fn issue_ticket(
        &mut self,
        ovk: Option<[u8; 32]>,
        category: &str,
        serial: [u8; 32],
        to: PaymentAddress,
    ) -> Result<Ticket, BuildError> {
        let issuer = self.public_account.ok_or(BuildError::NoIssuer)?;
        let ticket = Ticket::issued(&issuer, category, &serial)
            .map_err(|_| BuildError::InvalidCategory(category.to_owned()))?;
        self.issuances.push((
            TicketIssuance {
                category: category.to_owned(),
                serial,
            },
            ticket.clone(),
        ));
        self.add_output(ovk, to, AssetInfo::Ticket(ticket.clone()), 1, [0; MEMO_LEN]);
        Ok(ticket)
    }

    /// Redeems (burns) a ticket the caller owns: spends its note and reveals
    /// which ticket it was, but not who held it before.
    pub fn redeem_ticket(
        &mut self,
        sk: &SpendingKey,
        ticket: &Ticket,
        note: Note,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        self.redemptions.push(ticket.clone());
        self.add_spend(sk, note, d, path)
    }

    /// For adversarial tests only: build even if the values do not balance
    /// (and even with ticket outputs of a value other than 1).
    /// The result is signed with the randomness the builder knows and can
    /// never verify; tests use it to show the verifier catches it.
    pub fn skip_balance_check(&mut self) -> &mut Self {
        self.skip_balance_check = true;
        self
    }

    /// The fee, in the native asset.
    pub fn set_fee(&mut self, fee: u64) -> &mut Self {
        self.fee = fee;
        self
    }

    /// Every ticket, in a note or a package slot, has value 1.
    fn check_ticket_values(&self) -> Result<(), BuildError> {
        for (index, o) in self.outputs.iter().enumerate() {
            if let Payload::Note {
                info: AssetInfo::Ticket(_),
                value,
            } = &o.payload
            {
                if *value != 1 {
                    return Err(BuildError::TicketValue {
                        index,
                        value: *value,
                    });
                }
            }
        }
        for (index, o) in self.package_outputs.iter().enumerate() {
            if let Payload::Package { contents, .. } = &o.payload {
                for (slot, (info, value)) in contents.iter().enumerate() {
                    if matches!(info, AssetInfo::Ticket(_)) && *value != 1 {
                        return Err(BuildError::PackageTicketValue {
                            index,
                            slot,
                            value: *value,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The public account is set exactly when needed, and is the issuer of
    /// every issuance.
    fn check_public_account(&self, has_balances: bool) -> Result<(), BuildError> {
        let needed = has_balances || !self.issuances.is_empty();
        match (self.public_account, needed) {
            (None, true) => Err(BuildError::NoPublicAccount),
            (Some(_), false) => Err(BuildError::UnneededPublicAccount),
            (Some(account), true) => {
                for (issuance, ticket) in &self.issuances {
                    if Ticket::issued(&account, &issuance.category, &issuance.serial).ok()
                        != Some(ticket.clone())
                    {
                        return Err(BuildError::IssuerChanged);
                    }
                }
                Ok(())
            }
            (None, false) => Ok(()),
        }
    }

    fn check_balance(&self) -> Result<(), BuildError> {
        let mut excess: BTreeMap<[u8; 32], (AssetId, i128)> = BTreeMap::new();
        let mut add = |asset: AssetId, v: i128| {
            excess.entry(encode_field(&asset.0)).or_insert((asset, 0)).1 += v
        };
        for s in &self.spends {
            add(s.note.asset, i128::from(s.note.value));
        }
        for s in &self.package_spends {
            for (asset, value) in &s.note.contents {
                add(*asset, i128::from(*value));
            }
        }
        for o in self.outputs.iter().chain(&self.package_outputs) {
            match &o.payload {
                Payload::Note { info, value } => add(info.asset(), -i128::from(*value)),
                Payload::Package { contents, .. } => {
                    for (info, value) in contents.iter() {
                        add(info.asset(), -i128::from(*value));
                    }
                }
            }
        }
        for (asset, amount) in &self.public {
            add(*asset, -amount);
        }
        for (_, t) in &self.issuances {
            add(t.asset(), 1);
        }
        for t in &self.redemptions {
            add(t.asset(), -1);
        }
        add(AssetId::native(), -i128::from(self.fee));
        match excess.into_values().find(|(_, e)| *e != 0) {
            Some((asset, excess)) => Err(BuildError::Unbalanced {
                asset: hex(&encode_field(&asset.0)),
                excess,
            }),
            None => Ok(()),
        }
    }

    /// Proves every spend and output in parallel (rayon), encrypts the
    /// outputs, and signs. The values must balance per asset.
    pub fn build(
        &self,
        keys: &ProvingKeys,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Transaction, BuildError> {
        self.prove_and_sign(keys, rng, &mut |_| {})
    }

    /// Like [`build`](Self::build), but lets `tamper` change the proven
    /// transaction before it is signed. This makes *invalid* transactions
    /// whose signatures are nonetheless valid, so that test vectors isolate
    /// one failure each (a wrong anchor, an unbalanced fee, a bad proof).
    pub fn build_tampered(
        &self,
        keys: &ProvingKeys,
        rng: &mut dyn CryptoRngCore,
        tamper: impl FnOnce(&mut Transaction),
    ) -> Result<Transaction, BuildError> {
        let mut tamper = Some(tamper);
        self.prove_and_sign(keys, rng, &mut |tx| {
            if let Some(tamper) = tamper.take() {
                tamper(tx)
            }
        })
    }

    // Deliberately not generic (a `dyn` RNG and callback): the whole proving
    // path is compiled once, in this crate, instead of again in every crate,
    // test and binary that builds a transaction with its own RNG type. That
    // halves the workspace's release build; an RNG call through a vtable
    // costs nothing next to a proof.
    /// Everything checkable before proving: some action and not too many,
    /// the public account exactly when needed, ticket values and the
    /// balance (unless skipped). Returns the canonical public balances.
    fn checked_contents(&self) -> Result<Vec<(AssetId, i64)>, BuildError> {
        let counts = [
            self.spends.len(),
            self.package_spends.len(),
            self.outputs.len(),
            self.package_outputs.len(),
        ];
        if counts.iter().all(|c| *c == 0) {
            return Err(BuildError::Empty);
        }
        if let Some(&n) = counts.iter().find(|c| **c > MAX_ITEMS) {
            return Err(BuildError::TooManyActions(n));
        }
        let balances = canonical_balances(self.public.iter().copied())
            .map_err(|_| BuildError::AmountTooLarge)?;
        self.check_public_account(!balances.is_empty())?;
        if !self.skip_balance_check {
            self.check_ticket_values()?;
            self.check_balance()?;
        }
        Ok(balances)
    }

    /// Each output's note, value-commitment randomness and ovk (a random
    /// one when the sender keeps none), notes and packages apart.
    fn ready_outputs(&self, rng: &mut dyn CryptoRngCore) -> ReadyOutputs<'_> {
        let mut outputs: Vec<ReadyOutput<Note>> = vec![];
        let mut package_outputs: Vec<ReadyOutput<PackageNote>> = vec![];
        for req in self.outputs.iter().chain(&self.package_outputs) {
            let mut ovk = [0u8; 32];
            match req.ovk {
                Some(k) => ovk = k,
                None => rng.fill_bytes(&mut ovk),
            }
            let (owner, rho, rcm, rcv) = (
                req.to.owner(),
                Fr::rand(rng),
                Fr::rand(rng),
                JubjubScalar::rand(rng),
            );
            match &req.payload {
                Payload::Note { info, value } => {
                    let note = Note {
                        asset: info.asset(),
                        value: *value,
                        owner,
                        rho,
                        rcm,
                    };
                    outputs.push((OutputWitnessFor { note, rcv }, req, ovk));
                }
                Payload::Package { contents, key } => {
                    let contents = std::array::from_fn(|i| (contents[i].0.asset(), contents[i].1));
                    let note = PackageNote {
                        key: *key,
                        contents,
                        owner,
                        rho,
                        rcm,
                    };
                    package_outputs.push((OutputWitnessFor { note, rcv }, req, ovk));
                }
            }
        }
        (outputs, package_outputs)
    }

    fn prove_and_sign(
        &self,
        keys: &ProvingKeys,
        rng: &mut dyn CryptoRngCore,
        tamper: &mut dyn FnMut(&mut Transaction),
    ) -> Result<Transaction, BuildError> {
        let balances = self.checked_contents()?;

        let spends = ready_spends(&self.spends, rng);
        let package_spends = ready_spends(&self.package_spends, rng);
        check_spends(&spends, &package_spends)?;
        let (outputs, package_outputs) = self.ready_outputs(rng);

        let mut seeds = |n: usize| -> Vec<[u8; 32]> {
            (0..n)
                .map(|_| {
                    let mut s = [0u8; 32];
                    rng.fill_bytes(&mut s);
                    s
                })
                .collect()
        };
        let (spend_seeds, pspend_seeds) = (seeds(spends.len()), seeds(package_spends.len()));
        let (output_seeds, poutput_seeds) = (seeds(outputs.len()), seeds(package_outputs.len()));

        let mut tx = Transaction {
            chain_id: self.chain_id,
            expiry_height: self.expiry_height,
            public_account: self.public_account,
            spend_vk: keys.spend.verifying.fingerprint,
            output_vk: keys.output.verifying.fingerprint,
            package_spend_vk: keys.package_spend.verifying.fingerprint,
            package_output_vk: keys.package_output.verifying.fingerprint,
            spends: prove_spends(
                ("spend", CircuitKind::Spend),
                &spends,
                &keys.spend,
                spend_seeds,
            )?,
            outputs: prove_outputs(
                ("output", CircuitKind::Output),
                &outputs,
                &keys.output,
                output_seeds,
                |req, note, ovk, cv, rng| {
                    let Payload::Note { info, .. } = &req.payload else {
                        unreachable!("sorted above")
                    };
                    encrypt_output(&req.to, note, info, &req.memo, ovk, cv, rng)
                },
            )?,
            package_spends: prove_spends(
                ("package spend", CircuitKind::PackageSpend),
                &package_spends,
                &keys.package_spend,
                pspend_seeds,
            )?,
            package_outputs: prove_outputs(
                ("package output", CircuitKind::PackageOutput),
                &package_outputs,
                &keys.package_output,
                poutput_seeds,
                |req, note, ovk, cv, rng| {
                    let Payload::Package { contents, .. } = &req.payload else {
                        unreachable!("sorted above")
                    };
                    let infos = std::array::from_fn(|i| contents[i].0.clone());
                    encrypt_package(&req.to, note, &infos, &req.memo, ovk, cv, rng)
                },
            )?,
            balances,
            issuances: self.issuances.iter().map(|(i, _)| i.clone()).collect(),
            redemptions: self.redemptions.clone(),
            fee: self.fee,
            binding_sig: Signature::from_bytes(&[0u8; 64]),
        };
        tamper(&mut tx);

        sign(
            &mut tx,
            &spends,
            &package_spends,
            &outputs,
            &package_outputs,
            rng,
        );
        Ok(tx)
    }
}

/// Every spent note is the spender's (its owner tag derives from the
/// spend's keys, compared in constant time) and all spends share one anchor.
fn check_spends(
    spends: &[ReadySpend<Note>],
    package_spends: &[ReadySpend<PackageNote>],
) -> Result<(), BuildError> {
    let publics = spends
        .iter()
        .map(|(_, w)| {
            (
                w.ak,
                w.nk,
                w.diversifier,
                w.note.owner(),
                w.public_inputs().anchor,
            )
        })
        .chain(package_spends.iter().map(|(_, w)| {
            (
                w.ak,
                w.nk,
                w.diversifier,
                w.note.owner(),
                w.public_inputs().anchor,
            )
        }));
    let mut anchor0 = None;
    for (i, (ak, nk, d, owner, anchor)) in publics.enumerate() {
        let tag = owner_tag(&incoming_viewing_key(&ak, &nk), &d);
        if !bool::from(ct_eq_field(&tag, &owner)) {
            return Err(BuildError::NotOwned(i));
        }
        if *anchor0.get_or_insert(anchor) != anchor {
            return Err(BuildError::MixedAnchors(i));
        }
    }
    Ok(())
}

/// Signs the proven transaction: each spend under its re-randomized key,
/// then the binding signature under the sum of the value-commitment
/// randomness (wiped after use).
fn sign(
    tx: &mut Transaction,
    spends: &[ReadySpend<Note>],
    package_spends: &[ReadySpend<PackageNote>],
    outputs: &[ReadyOutput<Note>],
    package_outputs: &[ReadyOutput<PackageNote>],
    rng: &mut dyn CryptoRngCore,
) {
    let sighash = tx.sighash();
    let signers = spends
        .iter()
        .map(|(ask, w)| (ask, w.alpha))
        .chain(package_spends.iter().map(|(ask, w)| (ask, w.alpha)));
    for (desc, (ask, alpha)) in tx
        .spends
        .iter_mut()
        .chain(tx.package_spends.iter_mut())
        .zip(signers)
    {
        desc.auth_sig = ask.randomize(&alpha).sign(&sighash, rng);
    }
    let mut bsk = spends.iter().map(|(_, w)| w.rcv).sum::<JubjubScalar>()
        + package_spends
            .iter()
            .map(|(_, w)| w.rcv)
            .sum::<JubjubScalar>()
        - outputs.iter().map(|(w, ..)| w.rcv).sum::<JubjubScalar>()
        - package_outputs
            .iter()
            .map(|(w, ..)| w.rcv)
            .sum::<JubjubScalar>();
    tx.binding_sig = SigningKey::<Binding>::from_scalar(bsk).sign(&sighash, rng);
    bsk.zeroize();
}

/// Draws each spend's randomness.
fn ready_spends<N: NoteKind>(
    pending: &[PendingSpend<N>],
    rng: &mut dyn CryptoRngCore,
) -> Vec<ReadySpend<N>> {
    pending
        .iter()
        .map(|p| {
            let witness = SpendWitnessFor {
                note: p.note.clone(),
                ak: p.ak,
                nk: p.nk,
                diversifier: p.diversifier,
                rcv: JubjubScalar::rand(rng),
                alpha: JubjubScalar::rand(rng),
                path: p.path.clone(),
            };
            (p.ask.clone(), witness)
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
) -> Result<Proof<Bls12_381>, BuildError> {
    prove(
        circuit,
        statement,
        params,
        &mut ChaCha20Rng::from_seed(seed),
    )
    .map_err(|e| BuildError::Proving {
        kind,
        index,
        reason: e.into_reason(),
    })
}

/// Proves spends in parallel, one RNG per job (seeded from the caller's).
fn prove_spends<N: NoteKind>(
    action: Action,
    spends: &[ReadySpend<N>],
    params: &Parameters,
    seeds: Vec<[u8; 32]>,
) -> Result<Vec<SpendDescription>, BuildError> {
    spends
        .par_iter()
        .zip(seeds)
        .enumerate()
        .map(|(index, ((_, w), seed))| {
            let public = w.public_inputs();
            let proof = prove_seeded(action, index, SpendCircuitFor::new(w.clone()), params, seed)?;
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
fn prove_outputs<N, E>(
    action: Action,
    outputs: &[ReadyOutput<N>],
    params: &Parameters,
    seeds: Vec<[u8; 32]>,
    encrypt: E,
) -> Result<Vec<OutputDescription>, BuildError>
where
    N: NoteKind,
    E: Fn(
            &OutputRequest,
            &N,
            &[u8; 32],
            &[u8; 32],
            &mut ChaCha20Rng,
        ) -> Result<EncryptedNote, EncryptionError>
        + Sync,
{
    outputs
        .par_iter()
        .zip(seeds)
        .enumerate()
        .map(|(index, ((w, req, ovk), seed))| {
            let public = w.public_inputs();
            let proof = prove_seeded(
                action,
                index,
                OutputCircuitFor::new(w.clone()),
                params,
                seed,
            )?;
            let mut rng = ChaCha20Rng::from_seed(seed);
            rng.set_stream(1);
            let enc =
                encrypt(req, &w.note, ovk, &encode_point(&public.cv), &mut rng).map_err(|e| {
                    BuildError::Encryption {
                        kind: action.0,
                        index,
                        reason: e.to_string(),
                    }
                })?;
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().rev().map(|b| format!("{b:02x}")).collect()
}
