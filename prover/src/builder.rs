//! The transaction builder: collects spends, outputs (of notes and of
//! packages), public value, ticket issuances and redemptions and a fee;
//! checks they balance per asset; and makes a partially built transaction
//! ([`TransactionBuilder::into_pczt`]) that is then proven, authorized and
//! extracted ([`crate::Pczt`]). [`TransactionBuilder::build`] runs the
//! three steps in one call.
//!
//! Everything the signatures cover is set before the PCZT is created:
//! the chain ([`TransactionBuilder::set_chain_id`], the genesis block hash),
//! the expiry ([`TransactionBuilder::set_expiry_height`]) and the
//! transparent account that pays value in, receives value out and issues
//! tickets ([`TransactionBuilder::set_public_account`]; required exactly when
//! the transaction has public value or issuances).

use std::collections::BTreeMap;

use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_ff::UniformRand;
use rand_core::CryptoRngCore;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::{AssetId, Note, DIVERSIFIER_LEN},
    note_kind::NoteKind,
    package::{PackageNote, PACKAGE_SLOTS},
    tree::MerklePath,
    Fr,
};
use superzk_keys::{
    address::PaymentAddress,
    note_plaintext::MEMO_LEN,
    spending_key::{encode_field, SpendingKey},
};
use superzk_verifier::transaction::{
    canonical_balances, AccountId, TicketIssuance, Transaction, MAX_ITEMS,
};

use crate::{
    error::BuildError,
    pczt::{
        Header, OutputEntry, OutputSecrets, Payload, Pczt, ProofGenerationKey, Secrets, SpendEntry,
        SpendSecrets,
    },
    proving_keys::ProvingKeys,
};

/// A spend as added: the key that proves it, the note and its path; the
/// randomness is drawn when the PCZT is created.
struct PendingSpend<N: NoteKind> {
    key: ProofGenerationKey,
    note: N,
    diversifier: [u8; DIVERSIFIER_LEN],
    path: MerklePath,
}

struct OutputRequest {
    ovk: Option<[u8; 32]>,
    to: PaymentAddress,
    payload: Payload,
    memo: [u8; MEMO_LEN],
}

/// Collects the parts of a shielded transaction, then creates its PCZT (or
/// proves and signs it in one call).
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
    /// The spending keys given to the `&SpendingKey` conveniences, each
    /// once: what [`TransactionBuilder::build`] signs with.
    spending_keys: Vec<SpendingKey>,
    skip_balance_check: bool,
}

fn random_seed(rng: &mut dyn CryptoRngCore) -> [u8; 32] {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    seed
}

/// The spend entries and their randomness.
fn spend_entries<N: NoteKind>(
    pending: &[PendingSpend<N>],
    rng: &mut dyn CryptoRngCore,
) -> (Vec<SpendEntry<N>>, Vec<SpendSecrets>) {
    pending
        .iter()
        .map(|p| {
            let entry = SpendEntry {
                note: p.note.clone(),
                diversifier: p.diversifier,
                path: p.path.clone(),
            };
            let secrets = SpendSecrets {
                rcv: JubjubScalar::rand(rng),
                alpha: JubjubScalar::rand(rng),
                seed: random_seed(rng),
            };
            (entry, secrets)
        })
        .unzip()
}

/// The output entries and their randomness (a random ovk when the sender
/// keeps none).
fn output_entries(
    requests: &[OutputRequest],
    rng: &mut dyn CryptoRngCore,
) -> (Vec<OutputEntry>, Vec<OutputSecrets>) {
    requests
        .iter()
        .map(|req| {
            let entry = OutputEntry {
                to: req.to,
                payload: req.payload.clone(),
                memo: req.memo,
                sender_keeps: req.ovk.is_some(),
            };
            let secrets = OutputSecrets {
                ovk: req.ovk.unwrap_or_else(|| random_seed(rng)),
                rho: Fr::rand(rng),
                rcm: Fr::rand(rng),
                rcv: JubjubScalar::rand(rng),
                seed: random_seed(rng),
            };
            (entry, secrets)
        })
        .unzip()
}

/// Every spend is witnessed against the same tree root.
fn check_anchors(
    spends: &[PendingSpend<Note>],
    package_spends: &[PendingSpend<PackageNote>],
) -> Result<(), BuildError> {
    let anchors = spends
        .iter()
        .map(|s| s.path.root(s.note.commitment()))
        .chain(
            package_spends
                .iter()
                .map(|s| s.path.root(s.note.commitment())),
        );
    let mut first = None;
    for (i, anchor) in anchors.enumerate() {
        if *first.get_or_insert(anchor) != anchor {
            return Err(BuildError::MixedAnchors(i));
        }
    }
    Ok(())
}

impl TransactionBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spends `note`, sent to diversifier `d` of the wallet of `key`, at
    /// `path`. No spending key needed: the PCZT is proven with `key` and
    /// signed elsewhere ([`Self::into_pczt`]).
    pub fn add_spend_with_proof_key(
        &mut self,
        key: &ProofGenerationKey,
        note: Note,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        self.spends.push(PendingSpend {
            key: key.clone(),
            note,
            diversifier: d,
            path,
        });
        self
    }

    /// Spends a package held by the wallet of `key` (to pass it on or open
    /// it); as [`Self::add_spend_with_proof_key`].
    pub fn add_package_spend_with_proof_key(
        &mut self,
        key: &ProofGenerationKey,
        package: PackageNote,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        self.package_spends.push(PendingSpend {
            key: key.clone(),
            note: package,
            diversifier: d,
            path,
        });
        self
    }

    /// Spends `note`, sent to diversifier `d` of `sk`'s wallet, at `path`;
    /// [`Self::build`] signs it with `sk`.
    pub fn add_spend(
        &mut self,
        sk: &SpendingKey,
        note: Note,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        self.remember(sk);
        self.add_spend_with_proof_key(&ProofGenerationKey::from(sk), note, d, path)
    }

    /// Spends a package held by `sk`'s wallet (to pass it on or open it);
    /// [`Self::build`] signs it with `sk`.
    pub fn add_package_spend(
        &mut self,
        sk: &SpendingKey,
        package: PackageNote,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        self.remember(sk);
        self.add_package_spend_with_proof_key(&ProofGenerationKey::from(sk), package, d, path)
    }

    /// Keeps `sk` for [`Self::build`], once.
    fn remember(&mut self, sk: &SpendingKey) {
        if !self.spending_keys.contains(sk) {
            self.spending_keys.push(sk.clone());
        }
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

    /// As [`Self::redeem_ticket`], with the proof-generation key only.
    pub fn redeem_ticket_with_proof_key(
        &mut self,
        key: &ProofGenerationKey,
        ticket: &Ticket,
        note: Note,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        self.redemptions.push(ticket.clone());
        self.add_spend_with_proof_key(key, note, d, path)
    }

    /// For adversarial tests only (feature `test-hooks`): build even if the
    /// values do not balance (and even with ticket outputs of a value other
    /// than 1). The result is signed with the randomness the builder knows
    /// and can never verify; tests use it to show the verifier catches it.
    #[cfg(feature = "test-hooks")]
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

    /// Creates the partially built transaction: checks everything checkable
    /// before proving (counts, the public account, ticket values, the
    /// balance per asset, one anchor) and draws all the randomness (value
    /// commitment randomness, spend randomizers, output notes' `rho` and
    /// `rcm`, random ovks where the sender keeps none, proof seeds). No key
    /// is needed; prove it with [`Pczt::prove`].
    ///
    /// # Errors
    ///
    /// Any [`BuildError`] of the checks.
    pub fn into_pczt(&self, rng: &mut dyn CryptoRngCore) -> Result<Pczt, BuildError> {
        let balances = self.checked_contents()?;
        check_anchors(&self.spends, &self.package_spends)?;
        let (spends, s_spends) = spend_entries(&self.spends, rng);
        let (package_spends, s_pspends) = spend_entries(&self.package_spends, rng);
        let (outputs, s_outputs) = output_entries(&self.outputs, rng);
        let (package_outputs, s_poutputs) = output_entries(&self.package_outputs, rng);
        let header = Header {
            chain_id: self.chain_id,
            expiry_height: self.expiry_height,
            public_account: self.public_account,
            fee: self.fee,
            balances,
            issuances: self.issuances.iter().map(|(i, _)| i.clone()).collect(),
            redemptions: self.redemptions.clone(),
        };
        let secrets = Secrets {
            spends: s_spends,
            package_spends: s_pspends,
            outputs: s_outputs,
            package_outputs: s_poutputs,
        };
        Ok(Pczt::created(
            header,
            spends,
            package_spends,
            outputs,
            package_outputs,
            secrets,
        ))
    }

    /// The proof-generation keys of the spends, each once.
    fn proof_keys(&self) -> Vec<ProofGenerationKey> {
        let mut keys: Vec<ProofGenerationKey> = vec![];
        let all = self
            .spends
            .iter()
            .map(|s| &s.key)
            .chain(self.package_spends.iter().map(|s| &s.key));
        for key in all {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        keys
    }

    /// Creates, proves (every action in parallel, rayon), authorizes and
    /// extracts the transaction in one call: [`Self::into_pczt`],
    /// [`Pczt::prove_with_keys`], [`Pczt::authorize_with_keys`],
    /// [`Pczt::extract`]. Every spend must have been added with its
    /// spending key ([`Self::add_spend`]); the values must balance per asset.
    ///
    /// # Errors
    ///
    /// Any [`BuildError`]; a spend added with its proof-generation key
    /// only gives [`BuildError::Pczt`] with
    /// [`crate::PcztError::WrongSpendingKey`].
    // Deliberately not generic (a `dyn` RNG): the whole proving path is
    // compiled once, in this crate, instead of again in every crate, test
    // and binary that builds a transaction with its own RNG type. That
    // halves the workspace's release build; an RNG call through a vtable
    // costs nothing next to a proof.
    pub fn build(
        &self,
        keys: &ProvingKeys,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Transaction, BuildError> {
        let proven = self
            .into_pczt(rng)?
            .prove_with_keys(&self.proof_keys(), keys, rng)?;
        Ok(proven
            .authorize_with_keys(&self.spending_keys, rng)?
            .extract()?)
    }

    /// For test vectors only (feature `test-hooks`): like
    /// [`build`](Self::build), but lets `tamper` change the proven
    /// transaction before it is signed, and signs without checking it
    /// against the contents. This makes *invalid* transactions whose
    /// signatures are nonetheless valid, so that test vectors isolate one
    /// failure each (a wrong anchor, an unbalanced fee, a bad proof).
    #[cfg(feature = "test-hooks")]
    pub fn build_tampered(
        &self,
        keys: &ProvingKeys,
        rng: &mut dyn CryptoRngCore,
        tamper: impl FnOnce(&mut Transaction),
    ) -> Result<Transaction, BuildError> {
        let mut proven = self
            .into_pczt(rng)?
            .prove_with_keys(&self.proof_keys(), keys, rng)?;
        proven.tamper(tamper);
        Ok(proven
            .authorize_checked(&self.spending_keys, rng, false)?
            .extract()?)
    }

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
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().rev().map(|b| format!("{b:02x}")).collect()
}
