//! Spending from the wallet database: the three steps wired to storage.
//!
//! 1. [`Wallet::propose`] reads the spendable notes and makes a
//!    [`Proposal`] (no keys; nothing changes).
//! 2. [`Wallet::create_pczt`] turns the proposal into a partially built
//!    transaction (notes, witnesses, outputs, randomness) for the account's
//!    proof-generation key, and marks the notes it spends pending until
//!    its expiry height: a second proposal never selects them.
//! 3. Proving ([`Pczt::prove`]) needs only the proof-generation key and
//!    authorizing ([`Pczt::authorize`]) only the spending key: both happen
//!    outside the wallet, possibly on other machines.
//! 4. [`Wallet::record_sent`] records the finished transaction under the
//!    chain's id once the node took it.
//!
//! Until the transaction is sent it is known by its spends' nullifiers: the
//! pending marks made at step 2 are found again from the finished
//! transaction, whichever process finishes it.

use ark_ff::UniformRand;
use rand_core::CryptoRngCore;
use rusqlite::{params, OptionalExtension};
use superzk_circuits::{asset::AssetInfo, package::PACKAGE_SLOTS, Fr};
use superzk_keys::{
    note_plaintext::MEMO_LEN,
    spending_key::{encode_field, FullViewingKey},
};
use superzk_prover::{BuildError, Pczt, PcztError, ProofGenerationKey, TransactionBuilder};
use superzk_verifier::transaction::Transaction;

use crate::{
    accounts::AccountId,
    error::WalletError,
    fee::FeeRule,
    proposal::{propose, Proposal, ProposalError, ProposalParams, Spendable},
    queries::{HeldPackage, SpendableNote as StoredNote},
    select::{NoteContent, Payment, PaymentKind, SpendableNote, TransactionRequest},
    Wallet,
};

/// Why a spend could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum SpendError {
    /// The wallet database.
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// No proposal can pay the request.
    #[error(transparent)]
    Proposal(#[from] ProposalError),
    /// The transaction could not be built from the proposal.
    #[error("building the transaction failed: {0}")]
    Build(#[from] BuildError),
    /// A proposal step on the partially built transaction.
    #[error(transparent)]
    Pczt(#[from] PcztError),
    /// The wallet has not scanned any block: sync first.
    #[error("the wallet has not synced yet: run a sync before sending")]
    NotSynced,
    /// The proposal names a note or package the wallet cannot spend now.
    #[error(
        "the proposal spends wallet note {id}, which is {reason}: make a new proposal after a sync"
    )]
    Stale {
        /// The note's id.
        id: i64,
        /// Why it cannot be spent.
        reason: &'static str,
    },
    /// The account is watch-only or unknown to the key given.
    #[error("account {0} is watch-only: it can propose, not create a transaction to spend")]
    WatchOnly(AccountId),
    /// The wallet's chain is now past the proposal's expiry height.
    #[error("the proposal expired at height {expiry}; the wallet is at {tip}: propose again")]
    Expired {
        /// The proposal's expiry height.
        expiry: u64,
        /// The wallet's scanned height.
        tip: u64,
    },
}

impl Wallet {
    /// The notes and packages of `account` that a proposal may spend (mined,
    /// unspent, not pending), and what is held but locked, per asset.
    pub fn spendable(&self, account: AccountId) -> Result<Spendable, WalletError> {
        let mut notes = vec![];
        let mut pending: Vec<(AssetInfo, u64)> = vec![];
        let packages = self.packages(account)?;
        for n in self.received_notes(account)? {
            if n.spent {
                continue;
            }
            if n.pending.is_some() {
                pending.extend(n.contents.iter().cloned());
                continue;
            }
            let content = if n.is_package {
                let Some(p) = packages.iter().find(|p| p.id == n.id) else {
                    continue;
                };
                NoteContent::Package {
                    contents: p.slots(),
                }
            } else {
                let Some((asset, value)) = n.contents.first().cloned() else {
                    continue;
                };
                NoteContent::Note { asset, value }
            };
            notes.push(SpendableNote {
                id: n.id,
                height: n.height,
                content,
            });
        }
        Ok(Spendable { notes, pending })
    }

    /// A proposal paying `request` from `account` at the wallet's scanned
    /// height: nothing is marked or changed.
    pub fn propose(
        &self,
        account: AccountId,
        request: &TransactionRequest,
        fee_rule: &FeeRule,
        expiry_delta: Option<u64>,
    ) -> Result<Proposal, SpendError> {
        let (tip, _) = self.last_scanned()?.ok_or(SpendError::NotSynced)?;
        let mut params = ProposalParams::at(tip);
        if let Some(delta) = expiry_delta {
            params.expiry_delta = delta;
        }
        Ok(propose(
            &self.spendable(account)?,
            request,
            fee_rule,
            &params,
        )?)
    }

    /// Turns `proposal` into a partially built transaction for `account`,
    /// with witnesses against the wallet's current anchor, and marks every
    /// note it spends pending until the proposal's expiry height.
    pub fn create_pczt(
        &mut self,
        account: AccountId,
        proposal: &Proposal,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Pczt, SpendError> {
        let (tip, _) = self.last_scanned()?.ok_or(SpendError::NotSynced)?;
        if proposal.is_expired_at(tip + 1) {
            return Err(SpendError::Expired {
                expiry: proposal.expiry_height,
                tip,
            });
        }
        let fvk = self.full_viewing_key(account)?;
        if self
            .accounts()?
            .iter()
            .any(|a| a.id == account && a.watch_only)
        {
            return Err(SpendError::WatchOnly(account));
        }
        let pgk = ProofGenerationKey::from(&fvk);
        let mut builder = TransactionBuilder::new();
        builder
            .set_chain_id(self.chain_id()?)
            .set_expiry_height(proposal.expiry_height)
            .set_fee(proposal.fee);
        self.add_spends(account, proposal, &pgk, &mut builder)?;
        self.add_payments(account, &fvk, proposal, &mut builder, rng)?;
        let change = fvk.incoming_viewing_key().address(0);
        for (asset, value) in &proposal.change {
            builder.add_output(
                Some(fvk.ovk()),
                change,
                asset.clone(),
                *value,
                [0; MEMO_LEN],
            );
        }
        let pczt = builder.into_pczt(rng)?;
        let spent: Vec<i64> = proposal
            .notes
            .iter()
            .chain(&proposal.packages)
            .copied()
            .collect();
        self.mark_pending(&spent, pending_id(&pczt), proposal.expiry_height)?;
        Ok(pczt)
    }

    /// The wallet's chain id (its genesis block hash).
    fn chain_id(&self) -> Result<[u8; 32], WalletError> {
        let bytes: Vec<u8> = self.conn.query_row(
            "SELECT value FROM wallet_meta WHERE key = 'genesis_hash'",
            [],
            |r| r.get(0),
        )?;
        bytes
            .try_into()
            .map_err(|_| WalletError::Corrupt { what: "chain id" })
    }

    fn add_spends(
        &self,
        account: AccountId,
        proposal: &Proposal,
        pgk: &ProofGenerationKey,
        builder: &mut TransactionBuilder,
    ) -> Result<(), SpendError> {
        let notes = self.spendable_notes(account)?;
        for id in &proposal.notes {
            let n = stored(&notes, *id)?;
            let path = self.witness(n.position)?;
            let redeemed = match &n.asset {
                AssetInfo::Ticket(t) => proposal.redeem_tickets.iter().find(|r| *r == t),
                AssetInfo::Currency(_) => None,
            };
            match redeemed {
                Some(t) => builder.redeem_ticket_with_proof_key(
                    pgk,
                    t,
                    n.note.clone(),
                    n.diversifier,
                    path,
                ),
                None => builder.add_spend_with_proof_key(pgk, n.note.clone(), n.diversifier, path),
            };
        }
        for id in &proposal.packages {
            let p = self.package(account, *id)?;
            let path = self.witness(p.position)?;
            builder.add_package_spend_with_proof_key(pgk, p.package.clone(), p.diversifier, path);
        }
        Ok(())
    }

    fn add_payments(
        &self,
        account: AccountId,
        fvk: &FullViewingKey,
        proposal: &Proposal,
        builder: &mut TransactionBuilder,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<(), SpendError> {
        let ovk = Some(fvk.ovk());
        for p in &proposal.payments {
            let memo = memo_bytes(p);
            let to = p.recipient;
            match &p.kind {
                PaymentKind::Currency { name, amount } => {
                    builder.add_output(ovk, to, AssetInfo::currency(name), *amount, memo);
                }
                PaymentKind::Ticket(t) => {
                    builder.add_output(ovk, to, AssetInfo::Ticket(t.clone()), 1, memo);
                }
                PaymentKind::SealPackage { contents } => {
                    // A fresh package key: only the recipient learns it.
                    let key = Fr::rand(rng);
                    builder.add_package_output(ovk, to, contents, key, memo)?;
                }
                PaymentKind::PassPackage { package } => {
                    let held = self.package(account, *package)?;
                    builder.add_package_output(ovk, to, &held.slots(), held.package.key, memo)?;
                }
            }
        }
        Ok(())
    }

    /// A held package of `account` by wallet id.
    fn package(&self, account: AccountId, id: i64) -> Result<HeldPackage, SpendError> {
        self.packages(account)?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(SpendError::Stale {
                id,
                reason: "not an unspent package of this account",
            })
    }

    /// Records a finished transaction the node accepted under `chain_txid`:
    /// its pending marks (made by [`Self::create_pczt`], found by the
    /// nullifiers it reveals) move to that id, and its bytes are kept.
    pub fn record_sent(
        &mut self,
        tx: &Transaction,
        chain_txid: [u8; 32],
    ) -> Result<(), WalletError> {
        let db = self.conn.transaction()?;
        let nullifiers = tx.spends.iter().chain(&tx.package_spends);
        let mut placeholder: Option<i64> = None;
        for s in nullifiers {
            let nf = encode_field(&s.nullifier);
            let pending: Option<Option<i64>> = db
                .query_row(
                    "SELECT pending_tx FROM received_notes WHERE nullifier = ?1",
                    [&nf[..]],
                    |r| r.get(0),
                )
                .optional()?;
            placeholder = placeholder.or(pending.flatten());
        }
        let taken: Option<i64> = db
            .query_row(
                "SELECT id FROM transactions WHERE txid = ?1",
                [&chain_txid[..]],
                |r| r.get(0),
            )
            .optional()?;
        match (placeholder, taken) {
            (Some(row), None) => {
                db.execute(
                    "UPDATE transactions SET txid = ?2, raw = ?3, fee = ?4 WHERE id = ?1",
                    params![row, &chain_txid[..], tx.to_bytes(), tx.fee as i64],
                )?;
            }
            (_, Some(row)) => {
                db.execute(
                    "UPDATE transactions SET raw = ?2, fee = ?3 WHERE id = ?1",
                    params![row, tx.to_bytes(), tx.fee as i64],
                )?;
            }
            (None, None) => {
                db.execute(
                    "INSERT INTO transactions (txid, raw, expiry_height, fee, created_at)
                     VALUES (?1, ?2, ?3, ?4, strftime('%s','now'))",
                    params![
                        &chain_txid[..],
                        tx.to_bytes(),
                        tx.expiry_height as i64,
                        tx.fee as i64
                    ],
                )?;
            }
        }
        db.commit()?;
        Ok(())
    }
}

impl Wallet {
    /// Gives up a transaction made by [`Self::create_pczt`] that will never
    /// be sent (proving was cancelled or failed, the user changed their
    /// mind): the notes it marked pending are spendable again at once
    /// instead of at its expiry height. `created` is the PCZT as
    /// `create_pczt` returned it (not proven). Returns how many notes were
    /// released (0 if none were pending for it). Do not call it for a
    /// transaction that may still be sent: its notes could be spent twice,
    /// and the node would refuse the second.
    pub fn release_pczt(&mut self, created: &Pczt) -> Result<usize, WalletError> {
        let id = pending_id(created);
        let db = self.conn.transaction()?;
        let row: Option<(i64, bool)> = db
            .query_row(
                "SELECT id, raw IS NULL FROM transactions WHERE txid = ?1 AND mined_height IS NULL",
                [&id[..]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((row, unsent)) = row else {
            return Ok(0);
        };
        let released = db.execute(
            "UPDATE received_notes SET pending_tx = NULL, pending_expiry = NULL
             WHERE pending_tx = ?1 AND spent_tx IS NULL",
            [row],
        )?;
        if unsent {
            db.execute(
                "DELETE FROM transactions WHERE id = ?1
                 AND id NOT IN (SELECT tx_id FROM received_notes)
                 AND id NOT IN (SELECT tx_id FROM sent_notes)
                 AND id NOT IN (SELECT spent_tx FROM received_notes WHERE spent_tx IS NOT NULL)",
                [row],
            )?;
        }
        db.commit()?;
        Ok(released)
    }
}

impl HeldPackage {
    /// Every non-empty slot as sealed (a forged ticket slot included: it
    /// must move with the package for the package to balance).
    pub fn slots(&self) -> Vec<(AssetInfo, u64)> {
        self.infos
            .iter()
            .zip(&self.package.contents)
            .filter(|(_, (_, v))| *v > 0)
            .map(|(info, (_, v))| (info.clone(), *v))
            .take(PACKAGE_SLOTS)
            .collect()
    }
}

fn stored(notes: &[StoredNote], id: i64) -> Result<&StoredNote, SpendError> {
    notes.iter().find(|n| n.id == id).ok_or(SpendError::Stale {
        id,
        reason: "not an unspent, unlocked note of this account",
    })
}

/// A payment's memo, zero-padded (the proposal checked its length).
fn memo_bytes(p: &Payment) -> [u8; MEMO_LEN] {
    let mut memo = [0u8; MEMO_LEN];
    let n = p.memo.len().min(MEMO_LEN);
    memo[..n].copy_from_slice(&p.memo[..n]);
    memo
}

/// The id the pending marks of a transaction in the making carry until
/// the chain's id replaces it: a hash of the created PCZT.
fn pending_id(pczt: &Pczt) -> [u8; 32] {
    *superzk_keys::encryption::blake2b_personal::<32>(b"SuperZK_Pending_", &[&pczt.to_bytes()])
}
