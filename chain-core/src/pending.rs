//! Transactions that are not in a block yet: the mempool's view of the
//! rules. A pending transaction is checked as if it were in the block after
//! the tip, by the block validator's own rule functions (the ticket pool
//! prepared for that height, then `apply_tx`), on the tip's state in a write
//! transaction that is always discarded: a transaction the pool admits is
//! one a block would accept, and no rule is written twice.
//!
//! The expensive part (proofs and signatures) is split off: [`Chain::check_pending`]
//! does every state check but no cryptography, and [`Chain::verify_pending`]
//! verifies many checked transactions together, all proofs in one
//! randomized batch beside all signatures in one Schnorr batch, so a busy
//! pool pays for one batch per burst of arrivals rather than one per
//! transaction. [`Chain::applicable`] tells which of a list apply together
//! in order (block templates, re-validation after a new tip).

use std::collections::HashSet;

use rand_core::{CryptoRngCore, SeedableRng};
use superzk_circuits::{tree::CommitmentTree, Fr};
use superzk_keys::spending_key::encode_field;
use superzk_verifier::{error::TxError, transaction::Transaction, verify::verify_batch};

use crate::{
    account::AccountId,
    block::Header,
    chain::Chain,
    error::{BlockError, ChainError, Rule},
    store::{StateTable as T, StateTxn},
    tx::ChainTx,
    validate::{
        apply_tx, fail, hex8, known_anchors, prepare_pool, verify_signatures, Context, RuleCounts,
        SigItem, TxEffects,
    },
};

/// A transaction that passed every state rule for the block after the
/// tip, with what the pool and the batch verifier need from it. Its proofs
/// and signatures are not verified yet ([`Chain::verify_pending`]).
#[derive(Clone, Debug)]
pub struct PendingCheck {
    /// The transaction id.
    pub id: [u8; 32],
    /// Its fee (shielded transactions only; transparent ones pay none).
    pub fee: u64,
    /// Bytes of its canonical encoding (fee rates are per byte of it).
    pub size: usize,
    /// The nullifiers it reveals (canonical encodings).
    pub nullifiers: Vec<[u8; 32]>,
    /// The authorising account and the nonce it uses, if any.
    pub account: Option<(AccountId, u64)>,
    /// The shielded transaction, for the proof batch.
    pub shielded: Option<Transaction>,
    /// The last height it may be included at (0: never expires).
    pub expiry_height: u64,
    /// The tip it was checked against.
    pub tip: [u8; 32],
    /// The account signatures to verify.
    pub(crate) sigs: Vec<SigItem>,
    /// The recent tree roots its spends are anchored at.
    pub(crate) anchors: Vec<Fr>,
}

impl PendingCheck {
    /// Account signatures to verify (the shielded transaction's own
    /// signatures are checked with its proofs).
    pub fn signature_count(&self) -> usize {
        self.sigs.len()
    }

    /// Spends and outputs: the proofs it carries.
    pub fn actions(&self) -> usize {
        self.shielded
            .as_ref()
            .map_or(0, |t| t.all_spends().count() + t.all_outputs().count())
    }
}

/// A fresh accumulator for one pending transaction. The tree starts empty:
/// pending checks only need appends to succeed, never the root.
fn fresh_effects() -> TxEffects {
    TxEffects {
        fees: 0,
        shielded: vec![],
        nullifiers: HashSet::new(),
        tree: CommitmentTree::new(),
    }
}

/// Names the height a refusal happened at (the rules leave it 0).
fn at_height(e: ChainError, height: u64) -> ChainError {
    match e {
        ChainError::Block { error, .. } => ChainError::Block { height, error },
        other => other,
    }
}

/// What one transaction contributes to the batches.
struct Applied {
    sigs: Vec<SigItem>,
    shielded: Option<Transaction>,
    anchors: Vec<Fr>,
}

/// Applies `tx` as the block validator does, then checks that its spends'
/// anchors are recent tree roots (the validator does that with the proofs).
fn apply_pending(
    ctx: &Context,
    st: &mut StateTxn,
    tx: &ChainTx,
    height: u64,
) -> Result<Applied, ChainError> {
    let mut effects = fresh_effects();
    let mut sigs = vec![];
    apply_tx(
        ctx,
        st,
        tx,
        height,
        &mut effects,
        &mut sigs,
        &mut RuleCounts::default(),
    )?;
    let shielded = effects.shielded.pop();
    let anchors = match &shielded {
        Some(stx) => check_anchors(ctx, st, stx, height)?,
        None => vec![],
    };
    Ok(Applied {
        sigs,
        shielded,
        anchors,
    })
}

fn check_anchors(
    ctx: &Context,
    st: &StateTxn,
    stx: &Transaction,
    height: u64,
) -> Result<Vec<Fr>, ChainError> {
    let known = known_anchors(ctx, st, std::slice::from_ref(stx), height)?;
    if let Some(s) = stx.all_spends().find(|s| !known.contains(&s.anchor)) {
        return Err(fail(
            Rule::Anchors,
            format!(
                "a spend is anchored at {}, which is not a tree root of the last {} blocks; \
                 rebuild the transaction on a recent anchor",
                hex8(&encode_field(&s.anchor)),
                ctx.params.anchor_window
            ),
        ));
    }
    Ok(known.into_iter().collect())
}

/// The error of a shielded transaction the proof batch refused.
fn proof_error(e: TxError) -> ChainError {
    let rule = match e {
        TxError::UnknownAnchor { .. } => Rule::Anchors,
        TxError::DuplicateNullifier(_) => Rule::Nullifiers,
        _ => Rule::ShieldedProofs,
    };
    ChainError::Block {
        height: 0,
        error: BlockError {
            rule,
            detail: format!("shielded transaction: {e}"),
            tx_error: Some(e),
        },
    }
}

fn seed(rng: &mut dyn CryptoRngCore) -> [u8; 32] {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    s
}

impl Chain {
    /// Runs `f` with the context of the block after the tip and the state
    /// as that block's transactions see it (ticket pool prepared), in a
    /// write transaction that is discarded.
    fn with_next_block<R>(
        &self,
        f: impl FnOnce(&Context, &mut StateTxn, &Header) -> Result<R, ChainError>,
    ) -> Result<R, ChainError> {
        let facts = self.facts()?;
        let tip = facts
            .tip
            .clone()
            .ok_or_else(|| ChainError::Usage("the chain has no genesis block yet".into()))?;
        let span = facts.retarget_span;
        let retarget = move || Ok(span);
        let ctx = Context {
            params: self.params(),
            keys: self.verifying_keys(),
            parent: Some(&tip),
            chain_id: facts.chain_id,
            recent_times: &facts.recent_times,
            now: facts.now,
            retarget_span: &retarget,
        };
        let height = tip.height + 1;
        self.inspect(|st, _| {
            prepare_pool(ctx.params, st, height)?;
            f(&ctx, st, &tip)
        })
        .map_err(|e| at_height(e, height))
    }

    /// Checks `tx` as if it were in the next block, against the tip's
    /// state, with its account's nonce taken as the state's plus
    /// `nonce_ahead` (the pool's earlier transactions of that account).
    /// Every rule but proofs and signatures; nothing is written.
    pub fn check_pending(
        &self,
        tx: &ChainTx,
        nonce_ahead: u64,
    ) -> Result<PendingCheck, ChainError> {
        self.with_next_block(|ctx, st, tip| {
            let height = tip.height + 1;
            let account = tx.authorization().map(|a| (a.account, a.nonce));
            if let Some((who, _)) = &account {
                let nonce = st.get_u64(T::Nonces, who)?;
                let ahead = nonce.checked_add(nonce_ahead).ok_or_else(|| {
                    fail(Rule::Accounts, "an account nonce overflows a 64-bit count")
                })?;
                st.put_u64(T::Nonces, who, ahead)?;
            }
            let applied = apply_pending(ctx, st, tx, height)?;
            let stx = applied.shielded.as_ref();
            Ok(PendingCheck {
                id: tx.id(),
                fee: stx.map_or(0, |t| t.fee),
                size: tx.to_bytes().len(),
                nullifiers: stx.map_or(vec![], |t| {
                    t.nullifiers().map(|n| encode_field(&n)).collect()
                }),
                account,
                expiry_height: stx.map_or(0, |t| t.expiry_height),
                tip: tip.hash(),
                sigs: applied.sigs,
                anchors: applied.anchors,
                shielded: applied.shielded,
            })
        })
    }

    /// Verifies the proofs and signatures of checked transactions: every
    /// proof in one randomized batch, in parallel with every account
    /// signature in one Schnorr batch. If a batch fails, the culprits are
    /// found one by one. One result per check, in order.
    pub fn verify_pending(
        &self,
        checks: &[&PendingCheck],
        rng: &mut dyn CryptoRngCore,
    ) -> Vec<Result<(), ChainError>> {
        let proof_seed = seed(rng);
        let sig_seed = seed(rng);
        let (proofs, sigs) = rayon::join(
            || self.pending_proofs(checks, proof_seed),
            || pending_signatures(checks, sig_seed),
        );
        proofs
            .into_iter()
            .zip(sigs)
            .map(|(p, s)| p.and(s))
            .collect()
    }

    fn pending_proofs(
        &self,
        checks: &[&PendingCheck],
        seed: [u8; 32],
    ) -> Vec<Result<(), ChainError>> {
        let mut out: Vec<Result<(), ChainError>> = checks.iter().map(|_| Ok(())).collect();
        let (owners, txs): (Vec<usize>, Vec<Transaction>) = checks
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.shielded.clone().map(|t| (i, t)))
            .unzip();
        if txs.is_empty() {
            return out;
        }
        let anchors: HashSet<Fr> = checks
            .iter()
            .flat_map(|c| c.anchors.iter().copied())
            .collect();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        if let Err(failure) = verify_batch(&txs, self.verifying_keys(), &anchors, &mut rng) {
            for (i, e) in failure.invalid {
                if let Some(slot) = owners.get(i).and_then(|&o| out.get_mut(o)) {
                    *slot = Err(proof_error(e));
                }
            }
        }
        out
    }

    /// Which of `txs` apply, in order, to the block after the tip (each
    /// seeing the effects of the earlier ones that applied), without
    /// proofs or signatures. Nothing is written. A store failure is an
    /// error; a refused transaction is `false`.
    pub fn applicable(&self, txs: &[ChainTx]) -> Result<Vec<bool>, ChainError> {
        self.with_next_block(|ctx, st, tip| {
            let height = tip.height + 1;
            let mut out = Vec::with_capacity(txs.len());
            for tx in txs {
                // A refused transaction may have written part of its
                // changes: they are taken back before the next one.
                st.mark();
                match apply_pending(ctx, st, tx, height) {
                    Ok(_) => out.push(true),
                    Err(ChainError::Block { .. }) => {
                        st.rollback()?;
                        out.push(false);
                    }
                    Err(other) => return Err(other),
                }
            }
            Ok(out)
        })
    }
}

/// Every check's account signatures in one batch; one by one if it fails.
fn pending_signatures(checks: &[&PendingCheck], seed: [u8; 32]) -> Vec<Result<(), ChainError>> {
    let all: Vec<SigItem> = checks.iter().flat_map(|c| c.sigs.iter().cloned()).collect();
    if verify_signatures(&all, seed, "pending transactions").is_ok() {
        return checks.iter().map(|_| Ok(())).collect();
    }
    checks
        .iter()
        .map(|c| verify_signatures(&c.sigs, seed, "the transaction's authorisation"))
        .collect()
}

#[cfg(test)]
mod tests {
    //! Refusals of pending transactions by the same rules a block applies,
    //! and the batch verification. Shielded cases use the committed
    //! `transfer.tx` fixture re-bound to the test chain (no fee, no public
    //! value, spends anchored at the empty tree's root, which every chain
    //! has from genesis): its proofs and signatures then no longer verify,
    //! which `check_pending` does not look at and `verify_pending` must
    //! catch. No proving: these tests are fast in a debug build.

    use std::path::Path;

    use rand_chacha::ChaCha20Rng;
    use superzk_circuits::note::AssetId;

    use superzk_verifier::verify::VerifyingKeys;

    use super::*;
    use crate::{
        account::AccountKey,
        params::{ChainParams, COIN},
        tx::{Allocation, Authorization, NodeRegistration, ShieldedTx, TicketPurchase},
    };

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures")
                .join(name),
        )
        .expect("committed fixture")
    }

    fn keys() -> VerifyingKeys {
        let read = |n: &str| {
            superzk_keys::params::verifying_key_from_bytes(&fixture(n)).expect("fixture key")
        };
        VerifyingKeys {
            spend: read("spend.vk"),
            output: read("output.vk"),
            package_spend: read("package-spend.vk"),
            package_output: read("package-output.vk"),
        }
    }

    struct Net {
        chain: Chain,
        alice: AccountKey,
        chain_id: [u8; 32],
        rng: ChaCha20Rng,
        _dir: tempfile::TempDir,
    }

    /// A devnet chain whose genesis gives alice 1,500 coins: one pledge
    /// (1,000) and a few tickets, not two pledges.
    fn net() -> Net {
        let dir = tempfile::tempdir().expect("temp dir");
        let chain =
            Chain::open(&dir.path().join("c.redb"), ChainParams::devnet(), keys()).expect("open");
        let alice = AccountKey::from_seed(b"pending tests", "alice");
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let alloc = Allocation {
            account: alice.id(),
            asset: AssetId::native(),
            amount: 1_500 * COIN,
        };
        chain
            .init_genesis(vec![alloc], 1_000, &mut rng)
            .expect("genesis");
        let chain_id = chain.chain_id().expect("id").expect("genesis");
        Net {
            chain,
            alice,
            chain_id,
            rng,
            _dir: dir,
        }
    }

    fn blank() -> Authorization {
        Authorization::unsigned()
    }

    impl Net {
        fn register(&mut self, nonce: u64) -> ChainTx {
            let mut tx = ChainTx::RegisterNode(NodeRegistration {
                vote_key: [nonce as u8; 32],
                auth: blank(),
            });
            tx.authorize(&self.alice, nonce, &self.chain_id, &mut self.rng);
            tx
        }

        fn ticket(&mut self, nonce: u64) -> ChainTx {
            let mut tx = ChainTx::BuyTickets(TicketPurchase {
                count: 1,
                max_price: u64::MAX,
                vote_key: self.alice.id(),
                node: None,
                auth: blank(),
            });
            tx.authorize(&self.alice, nonce, &self.chain_id, &mut self.rng);
            tx
        }

        /// `transfer.tx` made to fit this chain's state (see the module
        /// comment); `edit` changes it further.
        fn shielded(&self, edit: impl FnOnce(&mut Transaction)) -> ChainTx {
            let mut stx = Transaction::from_bytes(&fixture("transfer.tx")).expect("fixture");
            stx.chain_id = self.chain_id;
            stx.fee = 0;
            stx.balances.clear();
            stx.public_account = None;
            let empty_root = CommitmentTree::new().root();
            for s in stx.spends.iter_mut().chain(stx.package_spends.iter_mut()) {
                s.anchor = empty_root;
            }
            edit(&mut stx);
            ChainTx::Shielded(Box::new(ShieldedTx {
                tx: stx,
                public: None,
            }))
        }

        /// Mines and applies an empty block (no tickets: no votes needed).
        fn empty_block(&mut self) {
            let tip = self.chain.tip().expect("tip").expect("genesis");
            let block = self
                .chain
                .produce_block([3; 32], tip.time + 10, vec![], |_, _| None, &mut self.rng)
                .expect("block");
            self.chain.apply(&block, &mut self.rng).expect("applies");
        }
    }

    fn rule(r: Result<PendingCheck, ChainError>) -> Rule {
        match r {
            Err(ChainError::Block { error, .. }) => error.rule,
            Err(other) => panic!("not a rule refusal: {other}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn nonces_count_past_the_pending_ones_and_nothing_is_written() {
        let mut n = net();
        let root = n.chain.state_root().unwrap();
        let (r0, r1) = (n.register(0), n.register(1));
        let first = n.chain.check_pending(&r0, 0).unwrap();
        assert_eq!(first.account, Some((n.alice.id(), 0)));
        assert_eq!((first.fee, first.signature_count()), (0, 1));
        assert_eq!(first.size, r0.to_bytes().len());
        assert_eq!(rule(n.chain.check_pending(&r1, 0)), Rule::Accounts);
        assert!(n.chain.check_pending(&r1, 1).is_ok());
        assert_eq!(rule(n.chain.check_pending(&r0, 1)), Rule::Accounts);
        assert_eq!(n.chain.state_root().unwrap(), root, "nothing written");
        assert_eq!(n.chain.nonce(&n.alice.id()).unwrap(), 0);
    }

    #[test]
    fn shielded_checks_bind_chain_expiry_and_anchors() {
        let mut n = net();
        let ok = n.chain.check_pending(&n.shielded(|_| {}), 0).unwrap();
        assert!(!ok.nullifiers.is_empty() && ok.shielded.is_some());
        assert_eq!(ok.actions(), {
            let s = ok.shielded.as_ref().unwrap();
            s.all_spends().count() + s.all_outputs().count()
        });
        let foreign = n.shielded(|t| t.chain_id = [1; 32]);
        assert_eq!(rule(n.chain.check_pending(&foreign, 0)), Rule::Binding);
        let unknown = n.shielded(|t| t.spends[0].anchor = Fr::from(7u64));
        assert_eq!(rule(n.chain.check_pending(&unknown, 0)), Rule::Anchors);
        n.empty_block();
        // The next block is at height 2: expiry 1 has passed, 2 has not.
        let expired = n.shielded(|t| t.expiry_height = 1);
        assert_eq!(rule(n.chain.check_pending(&expired, 0)), Rule::Binding);
        assert!(n
            .chain
            .check_pending(&n.shielded(|t| t.expiry_height = 2), 0)
            .is_ok());
    }

    #[test]
    fn applicable_takes_back_a_refused_transactions_partial_writes() {
        let mut n = net();
        let s = n.shielded(|_| {});
        let (r0, r1, t1) = (n.register(0), n.register(1), n.ticket(1));
        // r1 bumps the nonce, then cannot pay a second pledge: without the
        // rollback, t1's nonce 1 would not be next. The second copy of `s`
        // spends nullifiers the first wrote into the state.
        let txs = [r0, r1, t1, s.clone(), s];
        let ok = n.chain.applicable(&txs).unwrap();
        assert_eq!(ok, [true, false, true, true, false]);
        assert_eq!(n.chain.nonce(&n.alice.id()).unwrap(), 0, "nothing written");
    }

    #[test]
    fn verify_pending_names_each_bad_transaction() {
        let mut n = net();
        let r0 = n.register(0);
        let good = n.chain.check_pending(&r0, 0).unwrap();
        let mut forged = n.register(0);
        if let ChainTx::RegisterNode(r) = &mut forged {
            r.auth.signature = AccountKey::from_seed(b"x", "mallory").sign(&[2; 32], &mut n.rng);
        }
        let forged = n.chain.check_pending(&forged, 0).unwrap();
        let shielded = n.chain.check_pending(&n.shielded(|_| {}), 0).unwrap();
        let verdicts = n
            .chain
            .verify_pending(&[&good, &forged, &shielded], &mut n.rng);
        let rules: Vec<Option<Rule>> = verdicts
            .into_iter()
            .map(|v| match v {
                Ok(()) => None,
                Err(ChainError::Block { error, .. }) => Some(error.rule),
                Err(e) => panic!("{e}"),
            })
            .collect();
        assert_eq!(
            rules,
            [None, Some(Rule::Signatures), Some(Rule::ShieldedProofs)]
        );
        assert!(n.chain.verify_pending(&[&good], &mut n.rng)[0].is_ok());
    }
}
