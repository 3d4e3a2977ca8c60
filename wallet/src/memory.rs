//! The in-memory scanning wallet: one spending key, the notes and packages
//! found by scanning full transactions, and their Merkle witnesses, all held
//! in memory.
//!
//! This is not the wallet engine of this crate: `superzk_wallet::Wallet`
//! (feature `sqlite`) keeps its
//! accounts and notes in a SQLite database that survives restarts, syncs
//! from a node's compact blocks and proposes, proves and authorizes
//! transactions apart. [`ScanningWallet`] keeps nothing on disk, sees whole
//! transactions and builds and proves in one call. It serves tests, offline
//! tools (the CLI's scenario and fixtures), benchmarks, demos and the
//! language bindings until they move onto the database-backed engine; it
//! builds without SQLite (the crate's default feature `sqlite` off), so on
//! wasm32 too.
//!
//! The wallet follows the chain's note commitment tree: it must scan every
//! transaction, in chain order, so that its tree and the chain's agree. For
//! each output it tries to decrypt the note; for each spend it checks the
//! nullifier against its notes.
//!
//! A ticket is held only as a note of value exactly 1. The circuits cannot
//! tell a ticket's asset from a currency's (assets are hidden), and a note
//! `(ticket, 0)` balances without any input, so anybody can send one: a
//! seller could "deliver" such a worthless copy while keeping the ticket.
//! The wallet therefore never takes a ticket note of another value as a
//! ticket (see [`holds_as_ticket`]).

use ark_ff::UniformRand;
use rand_core::CryptoRngCore;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::{AssetId, Note, DIVERSIFIER_LEN},
    note_kind::NoteKind,
    package::{PackageNote, PACKAGE_SLOTS},
    tree::{CommitmentTree, IncrementalWitness, TreeError},
    Fr,
};
use superzk_keys::{
    address::PaymentAddress,
    note_plaintext::{DecryptedNote, DecryptedPackage, MEMO_LEN},
    spending_key::{ct_eq_field, FullViewingKey, IncomingViewingKey, SpendingKey},
};
use superzk_verifier::transaction::{OutputDescription, Transaction};
use zeroize::{Zeroize, ZeroizeOnDrop};

use superzk_prover::{BuildError, ProvingKeys, TransactionBuilder};

use crate::holds_as_ticket;

/// A note the wallet received. Its `Debug` shows only whether it is spent
/// (not the note, its diversifier, memo, position or nullifier); the note
/// wipes itself on drop, and this type wipes the rest.
#[derive(Clone)]
pub struct OwnedNote {
    /// The note.
    pub note: Note,
    /// The diversifier of the address it was sent to.
    pub diversifier: [u8; DIVERSIFIER_LEN],
    /// What the asset is: a named currency or a ticket.
    pub asset_info: AssetInfo,
    /// The sender's memo.
    pub memo: [u8; MEMO_LEN],
    /// Its position in the tree.
    pub position: u64,
    /// Its nullifier.
    pub nullifier: Fr,
    /// Whether a scanned transaction spent it.
    pub spent: bool,
    /// Index of its witness in the wallet.
    witness: usize,
}

/// A package the wallet holds, with its key and contents. Redacted in
/// `Debug` and wiped on drop like [`OwnedNote`].
#[derive(Clone)]
pub struct OwnedPackage {
    /// The package note (key included).
    pub package: PackageNote,
    /// What each slot holds (unused slots: the native asset, value 0).
    pub infos: [AssetInfo; PACKAGE_SLOTS],
    /// The diversifier of the address it was sent to.
    pub diversifier: [u8; DIVERSIFIER_LEN],
    /// The sender's memo.
    pub memo: [u8; MEMO_LEN],
    /// Its nullifier.
    pub nullifier: Fr,
    /// Whether a scanned transaction spent it.
    pub spent: bool,
    witness: usize,
}

/// `Debug` and `Drop` for the wallet's owned items: `Debug` says whether the
/// item is spent and nothing else; `Drop` wipes what the item's note type
/// does not wipe itself.
macro_rules! redacted_and_wiped {
    ($t:ident) => {
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($t))
                    .field("spent", &self.spent)
                    .finish_non_exhaustive()?;
                f.write_str(" <redacted>")
            }
        }

        impl Drop for $t {
            fn drop(&mut self) {
                self.diversifier.zeroize();
                self.memo.zeroize();
                self.nullifier.zeroize();
            }
        }

        impl ZeroizeOnDrop for $t {}
    };
}
redacted_and_wiped!(OwnedNote);
redacted_and_wiped!(OwnedPackage);

impl OwnedPackage {
    /// The non-empty slots: what the package holds. A ticket slot whose
    /// value is not 1 is not a ticket ([`holds_as_ticket`]) and is left out;
    /// [`ScanningWallet::open_package`] still moves every slot, so the opening
    /// balances.
    pub fn contents(&self) -> Vec<(AssetInfo, u64)> {
        self.slots()
            .filter(|(info, v)| holds_as_ticket(info, *v))
            .collect()
    }

    /// Every non-empty slot as sealed, including any that [`Self::contents`]
    /// leaves out.
    fn slots(&self) -> impl Iterator<Item = (AssetInfo, u64)> + '_ {
        self.infos
            .iter()
            .zip(&self.package.contents)
            .filter(|(_, (_, v))| *v > 0)
            .map(|(info, (_, v))| (info.clone(), *v))
    }
}

/// What scanning one transaction found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanResult {
    /// Notes and packages received.
    pub received: usize,
    /// Of the wallet's notes, how many this transaction spent.
    pub spent: usize,
}

/// Why a transaction could not be scanned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// The note commitment tree has no room for the transaction's outputs.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// A transaction was skipped: the wallet's tree must see every one.
    #[error("transaction {got} comes after a gap: {scanned} transactions are scanned, so scan transaction {scanned} next")]
    Gap {
        /// Transactions scanned so far.
        scanned: u64,
        /// Chain index of the transaction offered.
        got: u64,
    },
}

/// A wallet: its keys, its notes, and the tree they are witnessed in.
///
/// Cloning a wallet is checkpointing it: a clone taken between two scans
/// resumes with [`ScanningWallet::scan_at`] from [`ScanningWallet::scanned`].
#[derive(Clone)]
pub struct ScanningWallet {
    sk: SpendingKey,
    fvk: FullViewingKey,
    ivk: IncomingViewingKey,
    tree: CommitmentTree,
    notes: Vec<OwnedNote>,
    packages: Vec<OwnedPackage>,
    /// The witnesses of notes and packages, kept apart so the tree can update
    /// them all in one pass; each owned item knows its index here.
    witnesses: Vec<IncrementalWitness>,
    /// How many transactions have been scanned: the chain index of the next.
    scanned: u64,
    /// Chain id and expiry height of the transactions the wallet builds.
    chain: ([u8; 32], u64),
}

impl ScanningWallet {
    /// A wallet for `sk`, starting from an empty chain.
    pub fn new(sk: SpendingKey) -> Self {
        let fvk = sk.full_viewing_key();
        let ivk = fvk.incoming_viewing_key();
        Self {
            sk,
            fvk,
            ivk,
            tree: CommitmentTree::new(),
            notes: vec![],
            packages: vec![],
            witnesses: vec![],
            scanned: 0,
            chain: ([0; 32], 0),
        }
    }

    /// Binds the transactions this wallet builds from now on to the chain
    /// whose genesis block hash is `chain_id`, to be included at height
    /// `expiry_height` at the latest (0: never expires). Set it again as the
    /// chain grows (e.g. to the tip's height plus a margin) before each
    /// transaction. Unset, transactions name no chain and a chain refuses
    /// them.
    pub fn bind_to_chain(&mut self, chain_id: [u8; 32], expiry_height: u64) -> &mut Self {
        self.chain = (chain_id, expiry_height);
        self
    }

    /// A builder bound to the wallet's chain and expiry.
    fn builder(&self) -> TransactionBuilder {
        let mut builder = TransactionBuilder::new();
        builder
            .set_chain_id(self.chain.0)
            .set_expiry_height(self.chain.1);
        builder
    }

    /// Address number `index`.
    pub fn address(&self, index: u64) -> PaymentAddress {
        self.ivk.address(index)
    }

    /// The full viewing key (for auditors).
    pub fn full_viewing_key(&self) -> &FullViewingKey {
        &self.fvk
    }

    /// The tree as the wallet has scanned it.
    pub fn tree(&self) -> &CommitmentTree {
        &self.tree
    }

    /// All received notes, spent or not.
    pub fn notes(&self) -> &[OwnedNote] {
        &self.notes
    }

    /// Unspent notes with their current authentication paths.
    pub fn spendable(
        &self,
    ) -> impl Iterator<Item = (&OwnedNote, &superzk_circuits::tree::MerklePath)> {
        self.notes
            .iter()
            .filter(|n| !n.spent)
            .map(|n| (n, self.witnesses[n.witness].path()))
    }

    /// Unspent value per asset, sorted by asset name.
    pub fn balances(&self) -> Vec<(AssetInfo, u64)> {
        let mut out: Vec<(AssetInfo, u64)> = vec![];
        for n in self.notes.iter().filter(|n| !n.spent) {
            match out.iter_mut().find(|(a, _)| *a == n.asset_info) {
                Some(entry) => entry.1 += n.note.value,
                None => out.push((n.asset_info.clone(), n.note.value)),
            }
        }
        out.sort_by_key(|(a, _)| a.to_string());
        out
    }

    /// The tickets this wallet holds: its unspent ticket notes, each of value 1.
    pub fn tickets(&self) -> Vec<Ticket> {
        self.notes
            .iter()
            .filter(|n| !n.spent && holds_as_ticket(&n.asset_info, n.note.value))
            .filter_map(|n| match &n.asset_info {
                AssetInfo::Ticket(t) => Some(t.clone()),
                AssetInfo::Currency(_) => None,
            })
            .collect()
    }

    /// Unspent value of one asset.
    pub fn balance_of(&self, asset: &AssetId) -> u64 {
        self.notes
            .iter()
            .filter(|n| !n.spent && n.note.asset == *asset)
            .map(|n| n.note.value)
            .sum()
    }

    /// Packages the wallet holds (unspent).
    pub fn packages(&self) -> Vec<&OwnedPackage> {
        self.packages.iter().filter(|p| !p.spent).collect()
    }

    /// How many transactions have been scanned: the chain index (from 0) of
    /// the next one, where a scan resumes.
    pub fn scanned(&self) -> u64 {
        self.scanned
    }

    /// Scans the transaction at chain index `index` (from 0), the resumable
    /// form of [`Self::scan`]: one already scanned (`index < scanned()`) is
    /// skipped, so rescanning an overlap after an interruption counts
    /// nothing twice; one after a gap is refused, as the tree must see every
    /// commitment in order.
    pub fn scan_at(&mut self, index: u64, tx: &Transaction) -> Result<ScanResult, ScanError> {
        match index.cmp(&self.scanned) {
            std::cmp::Ordering::Less => Ok(ScanResult::default()),
            std::cmp::Ordering::Equal => Ok(self.scan(tx)?),
            std::cmp::Ordering::Greater => Err(ScanError::Gap {
                scanned: self.scanned,
                got: index,
            }),
        }
    }

    /// Scans one transaction (the next in chain order). All or nothing: a
    /// transaction whose outputs do not fit the tree changes nothing.
    pub fn scan(&mut self, tx: &Transaction) -> Result<ScanResult, TreeError> {
        let new_leaves = (tx.outputs.len() + tx.package_outputs.len()) as u64;
        if self.tree.size() + new_leaves > 1u64 << superzk_circuits::tree::DEPTH {
            return Err(TreeError::Full);
        }
        let mut result = ScanResult::default();
        for nf in tx.nullifiers() {
            let notes = self.notes.iter_mut().map(|n| (&mut n.spent, n.nullifier));
            let packages = self
                .packages
                .iter_mut()
                .map(|p| (&mut p.spent, p.nullifier));
            for (spent, _) in notes
                .chain(packages)
                .filter(|(spent, n)| !**spent && bool::from(ct_eq_field(n, &nf)))
            {
                *spent = true;
                result.spent += 1;
            }
        }
        result.received += self.scan_outputs(
            &tx.outputs,
            // A ticket note of value other than 1 is dropped, not kept as an
            // ignored note: it is not a ticket (see `holds_as_ticket`), a
            // value of 0 is worth nothing to spend, and one of 2 or more
            // cannot come from a valid chain. Its commitment still enters the
            // tree (as someone else's), so the tree stays the chain's.
            |ivk, o| {
                ivk.decrypt_output(&o.cm, &o.epk, &o.enc_ciphertext)
                    .filter(|found| holds_as_ticket(&found.asset_info, found.note.value))
            },
            |wallet, found: DecryptedNote, position, witness| {
                let nullifier = found.note.nullifier(&wallet.fvk.nk(), position);
                wallet.notes.push(OwnedNote {
                    note: found.note.clone(),
                    diversifier: found.diversifier,
                    asset_info: found.asset_info.clone(),
                    memo: found.memo,
                    position,
                    nullifier,
                    spent: false,
                    witness,
                });
            },
        )?;
        result.received += self.scan_outputs(
            &tx.package_outputs,
            |ivk, o| ivk.decrypt_package_output(&o.cm, &o.epk, &o.enc_ciphertext),
            |wallet, found: DecryptedPackage, position, witness| {
                let nullifier = found.package.nullifier(&wallet.fvk.nk(), position);
                wallet.packages.push(OwnedPackage {
                    package: found.package.clone(),
                    infos: found.infos.clone(),
                    diversifier: found.diversifier,
                    memo: found.memo,
                    nullifier,
                    spent: false,
                    witness,
                });
            },
        )?;
        self.scanned += 1;
        Ok(result)
    }

    /// Appends every output's commitment to the tree, in order; for those
    /// `decrypt` finds ours, starts a witness and lets `keep` record them.
    /// Returns how many were ours.
    fn scan_outputs<T>(
        &mut self,
        outputs: &[OutputDescription],
        decrypt: impl Fn(&IncomingViewingKey, &OutputDescription) -> Option<T>,
        keep: impl Fn(&mut Self, T, u64, usize),
    ) -> Result<usize, TreeError> {
        let mut received = 0;
        for output in outputs {
            match decrypt(&self.ivk, output) {
                Some(found) => {
                    let (position, witness) = self.track(output.cm)?;
                    keep(self, found, position, witness);
                    received += 1;
                }
                None => {
                    self.tree.append(output.cm, &mut self.witnesses)?;
                }
            }
        }
        Ok(received)
    }

    /// Appends one of our commitments and starts its witness.
    fn track(&mut self, cm: Fr) -> Result<(u64, usize), TreeError> {
        let witness = self.tree.append_marked(cm, &mut self.witnesses)?;
        let position = witness.position();
        self.witnesses.push(witness);
        Ok((position, self.witnesses.len() - 1))
    }

    /// Seals `contents` (at most four assets) from this wallet's notes into a
    /// new package for `to`, under a fresh random key; returns the transaction.
    pub fn seal_package(
        &self,
        keys: &ProvingKeys,
        to: &PaymentAddress,
        contents: &[(AssetInfo, u64)],
        memo: [u8; MEMO_LEN],
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Transaction, BuildError> {
        let mut builder = self.builder();
        builder.add_package_output(Some(self.fvk.ovk()), *to, contents, Fr::rand(rng), memo)?;
        for (asset, amount) in contents {
            self.fund(&mut builder, asset, *amount)?;
        }
        builder.build(keys, rng)
    }

    /// Passes a held package on to `to`, contents and key unchanged.
    pub fn pass_package(
        &self,
        keys: &ProvingKeys,
        package: &OwnedPackage,
        to: &PaymentAddress,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Transaction, BuildError> {
        let mut builder = self.builder();
        self.spend_package(&mut builder, package);
        let contents: Vec<(AssetInfo, u64)> = package
            .infos
            .iter()
            .zip(&package.package.contents)
            .map(|(i, (_, v))| (i.clone(), *v))
            .collect();
        builder.add_package_output(
            Some(self.fvk.ovk()),
            *to,
            &contents,
            package.package.key,
            package.memo,
        )?;
        builder.build(keys, rng)
    }

    /// Opens a held package: its contents become ordinary notes of this wallet.
    pub fn open_package(
        &self,
        keys: &ProvingKeys,
        package: &OwnedPackage,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Transaction, BuildError> {
        let mut builder = self.builder();
        self.spend_package(&mut builder, package);
        // Every slot, a bogus ticket slot included: the outputs must balance
        // the package. Such a slot's note is dropped again when scanned.
        for (info, value) in package.slots() {
            builder.add_output(
                Some(self.fvk.ovk()),
                self.address(0),
                info,
                value,
                [0; MEMO_LEN],
            );
        }
        builder.build(keys, rng)
    }

    /// The current authentication path of a held package.
    pub fn package_path(&self, package: &OwnedPackage) -> &superzk_circuits::tree::MerklePath {
        self.witnesses[package.witness].path()
    }

    fn spend_package(&self, builder: &mut TransactionBuilder, package: &OwnedPackage) {
        builder.add_package_spend(
            &self.sk,
            package.package.clone(),
            package.diversifier,
            self.witnesses[package.witness].path().clone(),
        );
    }

    /// Builds a transfer to `to` of each `(asset, amount)` in `payments`,
    /// paying `fee` in the native asset, with change to address 0.
    pub fn transfer(
        &self,
        keys: &ProvingKeys,
        to: &PaymentAddress,
        payments: &[(AssetInfo, u64)],
        fee: u64,
        memo: [u8; MEMO_LEN],
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Transaction, BuildError> {
        let mut builder = self.builder();
        builder.set_fee(fee);
        let mut needs: Vec<(AssetInfo, u64)> = vec![];
        let mut need = |asset: &AssetInfo, amount: u64| -> Result<(), BuildError> {
            match needs.iter_mut().find(|(a, _)| a == asset) {
                Some(n) => n.1 = n.1.checked_add(amount).ok_or(BuildError::AmountTooLarge)?,
                None => needs.push((asset.clone(), amount)),
            }
            Ok(())
        };
        for (asset, amount) in payments {
            builder.add_output(Some(self.fvk.ovk()), *to, asset.clone(), *amount, memo);
            need(asset, *amount)?;
        }
        if fee > 0 {
            need(
                &AssetInfo::Currency(superzk_circuits::NATIVE_ASSET.into()),
                fee,
            )?;
        }
        for (asset, amount) in &needs {
            self.fund(&mut builder, asset, *amount)?;
        }
        builder.build(keys, rng)
    }

    /// Adds to `builder` spends of this wallet's unspent notes of `asset`
    /// worth at least `amount` (largest notes first) and an output returning
    /// the change to address 0. Several wallets can fund one builder: that is
    /// how a ticket is sold for currency in a single transaction.
    pub fn fund(
        &self,
        builder: &mut TransactionBuilder,
        asset: &AssetInfo,
        amount: u64,
    ) -> Result<(), BuildError> {
        let id = asset.asset();
        let mut candidates: Vec<usize> = (0..self.notes.len())
            .filter(|&i| {
                let n = &self.notes[i];
                !n.spent && n.note.asset == id && holds_as_ticket(&n.asset_info, n.note.value)
            })
            .collect();
        candidates.sort_by_key(|&i| std::cmp::Reverse(self.notes[i].note.value));
        let mut gathered = 0u128;
        for i in candidates {
            if gathered >= u128::from(amount) {
                break;
            }
            let n = &self.notes[i];
            builder.add_spend(
                &self.sk,
                n.note.clone(),
                n.diversifier,
                self.witnesses[n.witness].path().clone(),
            );
            gathered += u128::from(n.note.value);
        }
        if gathered < u128::from(amount) {
            return Err(BuildError::InsufficientFunds {
                have: gathered,
                need: u128::from(amount),
            });
        }
        if gathered > u128::from(amount) {
            let change = u64::try_from(gathered - u128::from(amount))
                .map_err(|_| BuildError::AmountTooLarge)?;
            builder.add_output(
                Some(self.fvk.ovk()),
                self.address(0),
                asset.clone(),
                change,
                [0; MEMO_LEN],
            );
        }
        Ok(())
    }

    /// Redeems a ticket this wallet holds: the transaction burns it publicly.
    pub fn redeem(
        &self,
        keys: &ProvingKeys,
        ticket: &Ticket,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Transaction, BuildError> {
        let asset = ticket.asset();
        let i = (0..self.notes.len())
            .find(|&i| {
                let n = &self.notes[i];
                !n.spent && n.note.asset == asset && n.note.value == 1
            })
            .ok_or(BuildError::InsufficientFunds { have: 0, need: 1 })?;
        let n = &self.notes[i];
        let mut builder = self.builder();
        builder.redeem_ticket(
            &self.sk,
            ticket,
            n.note.clone(),
            n.diversifier,
            self.witnesses[n.witness].path().clone(),
        );
        builder.build(keys, rng)
    }
}
