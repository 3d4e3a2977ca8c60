//! The pool's data: pending transactions indexed by id, fee rate (for
//! eviction and block templates), nullifier (double spends across pending
//! transactions) and account nonce (sequencing); the byte bound and
//! eviction; following a new tip; block candidates.

use std::{
    cmp::{Ordering, Reverse},
    collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, VecDeque},
    sync::Arc,
};

use rand_core::CryptoRngCore;
use superzk_chain_core::{
    account::AccountId, block::Block, chain::Chain, pending::PendingCheck, tx::ChainTx,
};

use super::{admission::Admission, block_txs, MempoolError, MempoolLimits};

/// A fee rate (fee per byte), compared exactly by cross-multiplying.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FeeRate {
    fee: u64,
    size: u64,
}

impl FeeRate {
    fn of(meta: &Meta) -> Self {
        Self {
            fee: meta.fee,
            size: (meta.size as u64).max(1),
        }
    }
}

impl Ord for FeeRate {
    fn cmp(&self, other: &Self) -> Ordering {
        (u128::from(self.fee) * u128::from(other.size))
            .cmp(&(u128::from(other.fee) * u128::from(self.size)))
    }
}
impl PartialOrd for FeeRate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for FeeRate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for FeeRate {}

/// What the pool keeps of a checked transaction besides the transaction.
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    pub id: [u8; 32],
    pub fee: u64,
    pub size: usize,
    pub nullifiers: Vec<[u8; 32]>,
    pub account: Option<(AccountId, u64)>,
    pub shielded: bool,
}

impl From<&PendingCheck> for Meta {
    fn from(c: &PendingCheck) -> Self {
        Self {
            id: c.id,
            fee: c.fee,
            size: c.size,
            nullifiers: c.nullifiers.clone(),
            account: c.account,
            shielded: c.shielded.is_some(),
        }
    }
}

struct Entry {
    tx: ChainTx,
    meta: Meta,
    arrival: u64,
}

/// Eviction order: the lowest fee rate first; among equal rates the latest
/// arrival first (the earlier one was there first).
type RateKey = (FeeRate, Reverse<u64>, [u8; 32]);

/// Arrival numbers of admitted transactions count up from here; those of
/// returned ones count down.
const FIRST_ARRIVAL: u64 = 1 << 62;

/// Pending transactions.
pub struct Mempool {
    limits: MempoolLimits,
    entries: HashMap<[u8; 32], Entry>,
    by_rate: BTreeSet<RateKey>,
    by_nullifier: HashMap<[u8; 32], [u8; 32]>,
    by_account: HashMap<AccountId, BTreeMap<u64, [u8; 32]>>,
    bytes: usize,
    /// The next arrival number of an admitted transaction.
    arrivals: u64,
    /// The arrival numbers of transactions returned from disconnected
    /// blocks are below this one: they come before everything pending
    /// (re-validation runs in arrival order, which then is each account's
    /// nonce order).
    returned: u64,
    /// The tip the pool was last re-validated against (`None`: none since
    /// it was created, so the chain's tip then).
    tip: Option<[u8; 32]>,
    pub(super) admission: Arc<Admission>,
}

impl Mempool {
    /// An empty pool.
    pub fn new(limits: MempoolLimits) -> Self {
        Self {
            limits,
            entries: HashMap::new(),
            by_rate: BTreeSet::new(),
            by_nullifier: HashMap::new(),
            by_account: HashMap::new(),
            bytes: 0,
            arrivals: FIRST_ARRIVAL,
            returned: FIRST_ARRIVAL,
            tip: None,
            admission: Arc::new(Admission::default()),
        }
    }

    /// Its bounds and policy.
    pub fn limits(&self) -> &MempoolLimits {
        &self.limits
    }

    /// The pending transaction `id`.
    pub fn get(&self, id: &[u8; 32]) -> Option<&ChainTx> {
        self.entries.get(id).map(|e| &e.tx)
    }

    /// Whether `id` is pending.
    pub fn contains(&self, id: &[u8; 32]) -> bool {
        self.entries.contains_key(id)
    }

    /// Transactions held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes held (of the transactions' canonical encodings).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Pending transactions of `account`.
    pub fn account_len(&self, account: &AccountId) -> u64 {
        self.by_account.get(account).map_or(0, |m| m.len() as u64)
    }

    /// The pending transaction spending `nullifier`, if any.
    pub fn spender_of(&self, nullifier: &[u8; 32]) -> Option<[u8; 32]> {
        self.by_nullifier.get(nullifier).copied()
    }

    /// Whether a checked transaction may enter now: not pending already,
    /// no nullifier spent by a pending transaction, a high enough fee rate,
    /// and room (possibly by eviction).
    pub(crate) fn admissible(&self, meta: &Meta) -> Result<(), MempoolError> {
        if self.contains(&meta.id) {
            return Err(MempoolError::Duplicate { id: meta.id });
        }
        if let Some((nf, pending)) = meta
            .nullifiers
            .iter()
            .find_map(|nf| self.spender_of(nf).map(|p| (*nf, p)))
        {
            return Err(MempoolError::Conflict {
                nullifier: nf,
                pending,
            });
        }
        let min = self.limits.min_fee_rate.saturating_mul(meta.size as u64);
        if meta.shielded && meta.fee < min {
            return Err(MempoolError::FeeTooLow {
                fee: meta.fee,
                size: meta.size,
                min,
                rate: self.limits.min_fee_rate,
            });
        }
        self.plan_room(meta).map(|_| ())
    }

    /// The transactions to evict so that `meta` fits: the lowest fee rates
    /// first, only those paying strictly less per byte, never the
    /// newcomer's own account's (its predecessors), each with its
    /// account's later transactions.
    fn plan_room(&self, meta: &Meta) -> Result<Vec<[u8; 32]>, MempoolError> {
        let full = || MempoolError::Full {
            bytes: self.bytes,
            max: self.limits.max_bytes,
        };
        if meta.size > self.limits.max_bytes {
            return Err(full());
        }
        let need = (self.bytes + meta.size).saturating_sub(self.limits.max_bytes);
        let rate = FeeRate::of(meta);
        let own = meta.account.map(|(a, _)| a);
        let mut victims = HashSet::new();
        let mut freed = 0;
        for (r, _, id) in &self.by_rate {
            if freed >= need {
                break;
            }
            if *r >= rate {
                return Err(full());
            }
            let Some(e) = self.entries.get(id) else {
                continue;
            };
            if victims.contains(id) || (own.is_some() && e.meta.account.map(|(a, _)| a) == own) {
                continue;
            }
            for v in self.with_successors(id) {
                if victims.insert(v) {
                    freed += self.entries.get(&v).map_or(0, |e| e.meta.size);
                }
            }
        }
        if freed < need {
            return Err(full());
        }
        Ok(victims.into_iter().collect())
    }

    /// `id` and the later pending transactions of its account.
    fn with_successors(&self, id: &[u8; 32]) -> Vec<[u8; 32]> {
        let Some(e) = self.entries.get(id) else {
            return vec![];
        };
        match e.meta.account {
            Some((account, nonce)) => self
                .by_account
                .get(&account)
                .map(|m| m.range(nonce..).map(|(_, id)| *id).collect())
                .unwrap_or_default(),
            None => vec![*id],
        }
    }

    /// Admits a checked and verified transaction, evicting as needed.
    pub(crate) fn insert(&mut self, tx: ChainTx, meta: Meta) -> Result<[u8; 32], MempoolError> {
        self.admissible(&meta)?;
        for victim in self.plan_room(&meta)? {
            self.remove(&victim);
        }
        let id = meta.id;
        self.arrivals += 1;
        self.add(tx, meta, self.arrivals);
        metrics::counter!("superzk_mempool_admitted_total").increment(1);
        self.publish_metrics();
        Ok(id)
    }

    fn add(&mut self, tx: ChainTx, meta: Meta, arrival: u64) {
        self.by_rate
            .insert((FeeRate::of(&meta), Reverse(arrival), meta.id));
        for nf in &meta.nullifiers {
            self.by_nullifier.insert(*nf, meta.id);
        }
        if let Some((account, nonce)) = meta.account {
            self.by_account
                .entry(account)
                .or_default()
                .insert(nonce, meta.id);
        }
        self.bytes += meta.size;
        self.entries.insert(meta.id, Entry { tx, meta, arrival });
    }

    fn remove(&mut self, id: &[u8; 32]) -> Option<ChainTx> {
        let e = self.entries.remove(id)?;
        self.by_rate
            .remove(&(FeeRate::of(&e.meta), Reverse(e.arrival), *id));
        for nf in &e.meta.nullifiers {
            self.by_nullifier.remove(nf);
        }
        if let Some((account, nonce)) = e.meta.account {
            if let Some(m) = self.by_account.get_mut(&account) {
                m.remove(&nonce);
                if m.is_empty() {
                    self.by_account.remove(&account);
                }
            }
        }
        self.bytes -= e.meta.size;
        Some(e.tx)
    }

    fn publish_metrics(&self) {
        metrics::gauge!("superzk_mempool_transactions").set(self.entries.len() as f64);
        metrics::gauge!("superzk_mempool_bytes").set(self.bytes as f64);
    }

    /// The tip the pool was last re-validated against.
    pub(crate) fn tip(&self) -> Option<[u8; 32]> {
        self.tip
    }

    /// Follows a new tip: the mined transactions leave; those of the
    /// disconnected blocks (not the coinbase or genesis) come back if still
    /// valid; every pending transaction is re-validated in order against
    /// the new tip, and the invalid (spent, expired, out of funds, a nonce
    /// that no longer follows on) leave with their account's successors.
    pub fn on_new_tip(
        &mut self,
        chain: &Chain,
        connected: &[Block],
        disconnected: &[Block],
        rng: &mut dyn CryptoRngCore,
    ) {
        let mined: HashSet<[u8; 32]> = block_txs(connected).map(ChainTx::id).collect();
        for id in &mined {
            self.remove(id);
        }
        let returning: Vec<ChainTx> = block_txs(disconnected)
            .filter(|tx| {
                let id = tx.id();
                !mined.contains(&id) && !self.contains(&id)
            })
            .cloned()
            .collect();
        let readmitted = readmit(chain, returning, rng);
        self.revalidate(chain, readmitted);
        match chain.tip() {
            Ok(tip) => self.tip = tip.map(|h| h.hash()),
            Err(e) => tracing::warn!(error = %e, "mempool: cannot read the tip"),
        }
        self.publish_metrics();
    }

    /// Re-validates the pool in order after `readmitted` (which go first:
    /// they were in blocks before anything pending), evicts what no longer
    /// applies, adds the readmitted that do, then trims to the bound.
    fn revalidate(&mut self, chain: &Chain, readmitted: Vec<(ChainTx, Meta)>) {
        let mut pending: Vec<&Entry> = self.entries.values().collect();
        pending.sort_by_key(|e| e.arrival);
        let ids: Vec<[u8; 32]> = pending.iter().map(|e| e.meta.id).collect();
        let list: Vec<ChainTx> = readmitted
            .iter()
            .map(|(tx, _)| tx.clone())
            .chain(pending.iter().map(|e| e.tx.clone()))
            .collect();
        let ok = match chain.applicable(&list) {
            Ok(ok) => ok,
            Err(e) => {
                tracing::warn!(error = %e, "mempool: cannot re-validate; keeping the pool as is");
                return;
            }
        };
        let (back, rest) = ok.split_at(readmitted.len().min(ok.len()));
        for (id, valid) in ids.iter().zip(rest) {
            if !valid {
                for v in self.with_successors(id) {
                    self.remove(&v);
                }
            }
        }
        let back: Vec<(ChainTx, Meta)> = readmitted
            .into_iter()
            .zip(back)
            .filter_map(|(r, valid)| valid.then_some(r))
            .collect();
        let first = self.returned.saturating_sub(back.len() as u64);
        self.returned = first;
        for (i, (tx, meta)) in back.into_iter().enumerate() {
            if !self.contains(&meta.id) {
                self.add(tx, meta, first + i as u64);
            }
        }
        self.trim_to_bound();
    }

    /// Evicts the lowest fee rates until the pool is within its bound.
    fn trim_to_bound(&mut self) {
        while self.bytes > self.limits.max_bytes {
            let Some((_, _, id)) = self.by_rate.first().copied() else {
                break;
            };
            for v in self.with_successors(&id) {
                self.remove(&v);
            }
        }
    }

    /// Transactions for the next block, in the order to include them:
    /// by fee rate, each account's in nonce order, only those that apply
    /// together after the tip, within `max_bytes`.
    pub fn block_candidates(&self, chain: &Chain, max_bytes: usize) -> Vec<ChainTx> {
        let ordered = self.by_rate_in_nonce_order(max_bytes);
        let txs: Vec<ChainTx> = ordered.iter().map(|e| e.tx.clone()).collect();
        match chain.applicable(&txs) {
            Ok(ok) => txs
                .into_iter()
                .zip(ok)
                .filter_map(|(tx, ok)| ok.then_some(tx))
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "mempool: cannot check block candidates");
                vec![]
            }
        }
    }

    /// Greedy by fee rate (earliest arrival first among equals) where an
    /// account's next transaction becomes a candidate only once its
    /// predecessor is taken; within `max_bytes`.
    fn by_rate_in_nonce_order(&self, max_bytes: usize) -> Vec<&Entry> {
        let mut queues: HashMap<AccountId, VecDeque<&Entry>> = HashMap::new();
        let mut heap = BinaryHeap::new();
        let key = |e: &Entry| (FeeRate::of(&e.meta), Reverse(e.arrival), e.meta.id);
        for e in self.entries.values() {
            if e.meta.account.is_none() {
                heap.push(key(e));
            }
        }
        for (account, nonces) in &self.by_account {
            let mut q: VecDeque<&Entry> = nonces
                .values()
                .filter_map(|id| self.entries.get(id))
                .collect();
            if let Some(head) = q.pop_front() {
                heap.push(key(head));
            }
            queues.insert(*account, q);
        }
        let mut out = vec![];
        let mut total = 0;
        while let Some((_, _, id)) = heap.pop() {
            let Some(e) = self.entries.get(&id) else {
                continue;
            };
            let account = e.meta.account.map(|(a, _)| a);
            if total + e.meta.size > max_bytes {
                // Its successors cannot go without it.
                continue;
            }
            total += e.meta.size;
            out.push(e);
            if let Some(next) = account.and_then(|a| queues.get_mut(&a)?.pop_front()) {
                heap.push(key(next));
            }
        }
        out
    }
}

/// Checks and verifies the transactions of disconnected blocks again (the
/// state they were valid in is gone); returns those that pass, in order.
fn readmit(chain: &Chain, txs: Vec<ChainTx>, rng: &mut dyn CryptoRngCore) -> Vec<(ChainTx, Meta)> {
    let mut ahead: HashMap<AccountId, u64> = HashMap::new();
    let mut checked = vec![];
    for tx in txs {
        let account = tx.authorization().map(|a| a.account);
        let n = account.map_or(0, |a| ahead.get(&a).copied().unwrap_or(0));
        if let Ok(check) = chain.check_pending(&tx, n) {
            if let Some(a) = account {
                *ahead.entry(a).or_default() += 1;
            }
            checked.push((tx, check));
        }
    }
    let refs: Vec<&PendingCheck> = checked.iter().map(|(_, c)| c).collect();
    let verdicts = chain.verify_pending(&refs, rng);
    checked
        .into_iter()
        .zip(verdicts)
        .filter_map(|((tx, c), v)| v.ok().map(|_| (tx, Meta::from(&c))))
        .collect()
}

#[cfg(test)]
mod tests {
    //! Fee-rate eviction with chosen fees: only shielded transactions carry
    //! fees, and proving them is slow in a debug build, so these tests give
    //! the pool's own insert path transactions whose check results (fee,
    //! size, account) are set by hand. The transactions themselves are never
    //! looked at by these paths.

    use superzk_chain_core::tx::{ChainTx, NodeWithdrawal};

    use super::*;

    fn tx(tag: u8) -> ChainTx {
        ChainTx::WithdrawNode(NodeWithdrawal {
            node: [tag; 32],
            auth: superzk_chain_core::tx::Authorization::unsigned(),
        })
    }

    fn meta(tag: u8, fee: u64, account: Option<(AccountId, u64)>) -> Meta {
        Meta {
            id: [tag; 32],
            fee,
            size: 100,
            nullifiers: vec![[tag ^ 0x80; 32]],
            account,
            shielded: true,
        }
    }

    fn pool(max_bytes: usize) -> Mempool {
        Mempool::new(MempoolLimits {
            max_bytes,
            ..MempoolLimits::default()
        })
    }

    #[test]
    fn a_full_pool_evicts_the_lowest_fee_rate_for_a_better_one() {
        let mut p = pool(300);
        for (tag, fee) in [(1, 100), (2, 300), (3, 200)] {
            p.insert(tx(tag), meta(tag, fee, None)).unwrap();
        }
        assert_eq!(p.bytes(), 300);
        p.insert(tx(4), meta(4, 150, None)).unwrap();
        assert!(!p.contains(&[1; 32]), "the lowest rate left");
        assert!(p.contains(&[4; 32]));
        assert_eq!(p.spender_of(&[1 ^ 0x80; 32]), None, "its nullifier is free");
        assert_eq!(p.bytes(), 300);
        // Paying no more than the cheapest pending one is not enough.
        match p.insert(tx(5), meta(5, 150, None)) {
            Err(MempoolError::Full { bytes, max }) => assert_eq!((bytes, max), (300, 300)),
            other => panic!("expected Full, got {other:?}"),
        }
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn an_evicted_transaction_takes_its_accounts_successors() {
        let mut p = pool(300);
        let a = [9; 32];
        p.insert(tx(1), meta(1, 10, Some((a, 0)))).unwrap();
        p.insert(tx(2), meta(2, 900, Some((a, 1)))).unwrap();
        p.insert(tx(3), meta(3, 500, None)).unwrap();
        p.insert(tx(4), meta(4, 50, None)).unwrap();
        assert!(!p.contains(&[1; 32]) && !p.contains(&[2; 32]));
        assert!(p.contains(&[3; 32]) && p.contains(&[4; 32]));
        assert_eq!(p.account_len(&a), 0);
        assert_eq!(p.bytes(), 200);
    }

    #[test]
    fn a_low_fee_rate_is_refused_and_a_conflict_is_named() {
        let mut p = Mempool::new(MempoolLimits {
            min_fee_rate: 2,
            ..MempoolLimits::default()
        });
        match p.insert(tx(1), meta(1, 199, None)) {
            Err(MempoolError::FeeTooLow { min, .. }) => assert_eq!(min, 200),
            other => panic!("expected FeeTooLow, got {other:?}"),
        }
        p.insert(tx(1), meta(1, 200, None)).unwrap();
        let mut rival = meta(2, 400, None);
        rival.nullifiers = vec![[1 ^ 0x80; 32]];
        match p.insert(tx(2), rival) {
            Err(MempoolError::Conflict { nullifier, pending }) => {
                assert_eq!((nullifier, pending), ([1 ^ 0x80; 32], [1; 32]))
            }
            other => panic!("expected Conflict, got {other:?}"),
        }
    }
}
