//! Admission with proofs batch-verified across arrivals. Submitters queue
//! their transactions; whoever finds no batch in progress becomes the
//! leader, takes everything queued (up to `max_batch`), checks it against
//! the state, verifies all of it in one `verify_pending` batch without
//! holding the pool's lock, inserts under the lock (re-checking what may
//! have changed meanwhile), and hands every submitter its answer. Arrivals
//! during a batch wait for the next one, so the batch grows with the load:
//! one randomized proof batch per burst instead of one per transaction.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Condvar, Mutex, MutexGuard},
};

use rand_core::CryptoRngCore;
use superzk_chain_core::{account::AccountId, chain::Chain, pending::PendingCheck, tx::ChainTx};

use super::{pool::Meta, Mempool, MempoolError, MempoolLimits};

type Answer = Result<[u8; 32], MempoolError>;

/// The queue of submitted transactions and the answers not yet collected.
#[derive(Default)]
pub(crate) struct Admission {
    queue: Mutex<Queue>,
    ready: Condvar,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<(u64, ChainTx)>,
    answers: HashMap<u64, Answer>,
    busy: bool,
    next_ticket: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // What these locks guard stays consistent at every unlock; a panic
    // elsewhere does not make it unusable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The leader's duty, done even if the batch panicked: publish the
/// answers (a missing one is `Stopped`), end the batch, wake everyone.
struct Leader<'a> {
    admission: &'a Admission,
    tickets: Vec<u64>,
    answers: Vec<Answer>,
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        let mut q = lock(&self.admission.queue);
        let mut answers = std::mem::take(&mut self.answers).into_iter();
        for t in &self.tickets {
            q.answers
                .insert(*t, answers.next().unwrap_or(Err(MempoolError::Stopped)));
        }
        q.busy = false;
        self.admission.ready.notify_all();
    }
}

/// Checks `tx` and admits it, verified in one batch with whatever else
/// was submitted meanwhile; returns its id. Blocks until answered.
pub fn admit_one(
    pool: &Mutex<Mempool>,
    chain: &Chain,
    tx: ChainTx,
    rng: &mut dyn CryptoRngCore,
) -> Result<[u8; 32], MempoolError> {
    let (admission, limits) = {
        let p = lock(pool);
        (p.admission.clone(), p.limits().clone())
    };
    let ticket = {
        let mut q = lock(&admission.queue);
        q.next_ticket += 1;
        let t = q.next_ticket;
        q.waiting.push_back((t, tx));
        t
    };
    loop {
        let batch = {
            let mut q = lock(&admission.queue);
            loop {
                if let Some(answer) = q.answers.remove(&ticket) {
                    return answer;
                }
                if !q.busy {
                    break;
                }
                q = admission.ready.wait(q).unwrap_or_else(|p| p.into_inner());
            }
            q.busy = true;
            let n = q.waiting.len().min(limits.max_batch.max(1));
            q.waiting.drain(..n).collect::<Vec<_>>()
        };
        let mut leader = Leader {
            admission: &admission,
            tickets: batch.iter().map(|(t, _)| *t).collect(),
            answers: vec![],
        };
        let txs = batch.into_iter().map(|(_, tx)| tx).collect();
        leader.answers = admit_batch(pool, chain, txs, &limits, rng);
    }
}

/// A transaction that passed the state checks, with the number of its
/// account's pending transactions it was checked after.
struct Planned {
    index: usize,
    tx: ChainTx,
    check: PendingCheck,
    ahead: u64,
}

/// Admits a batch: state checks, pool checks, one verification batch,
/// insertion. One answer per transaction, in order.
fn admit_batch(
    pool: &Mutex<Mempool>,
    chain: &Chain,
    txs: Vec<ChainTx>,
    limits: &MempoolLimits,
    rng: &mut dyn CryptoRngCore,
) -> Vec<Answer> {
    let mut answers: Vec<Option<Answer>> = txs.iter().map(|_| None).collect();
    let mut planned = vec![];
    let mut in_batch: HashMap<AccountId, u64> = HashMap::new();
    for (index, tx) in txs.into_iter().enumerate() {
        match state_check(pool, chain, &tx, limits, &mut in_batch) {
            Ok((check, ahead)) => planned.push(Planned {
                index,
                tx,
                check,
                ahead,
            }),
            Err(e) => answers[index] = Some(Err(e)),
        }
    }
    prefilter(pool, &mut planned, &mut answers);
    let checks: Vec<&PendingCheck> = planned.iter().map(|p| &p.check).collect();
    let verdicts = chain.verify_pending(&checks, rng);
    let mut p = lock(pool);
    for (plan, verdict) in planned.into_iter().zip(verdicts) {
        let index = plan.index;
        let answer = match verdict {
            Err(e) => Err(MempoolError::Invalid(e)),
            Ok(()) => insert_verified(&mut p, chain, plan),
        };
        answers[index] = Some(answer);
    }
    answers
        .into_iter()
        .map(|a| a.unwrap_or(Err(MempoolError::Stopped)))
        .collect()
}

/// The size bound and every state rule (no proofs), with the account's
/// nonce counted past its pending transactions and those earlier in the
/// batch.
fn state_check(
    pool: &Mutex<Mempool>,
    chain: &Chain,
    tx: &ChainTx,
    limits: &MempoolLimits,
    in_batch: &mut HashMap<AccountId, u64>,
) -> Result<(PendingCheck, u64), MempoolError> {
    let size = tx.to_bytes().len();
    if size > limits.max_tx_bytes {
        return Err(MempoolError::TooLarge {
            size,
            max: limits.max_tx_bytes,
        });
    }
    // Before the state check, whose nonce rule would refuse a resubmission
    // less clearly.
    let id = tx.id();
    if lock(pool).contains(&id) {
        return Err(MempoolError::Duplicate { id });
    }
    let account = tx.authorization().map(|a| a.account);
    let ahead = match &account {
        Some(a) => lock(pool).account_len(a) + in_batch.get(a).copied().unwrap_or(0),
        None => 0,
    };
    let check = chain.check_pending(tx, ahead)?;
    if let Some(a) = account {
        *in_batch.entry(a).or_default() += 1;
    }
    Ok((check, ahead))
}

/// Refuses, before the expensive verification, what the pool would refuse
/// anyway: duplicates, double spends (against the pool and earlier in the
/// batch), too low a fee, no room.
fn prefilter(pool: &Mutex<Mempool>, planned: &mut Vec<Planned>, answers: &mut [Option<Answer>]) {
    let p = lock(pool);
    let mut ids = HashSet::new();
    let mut spent: HashMap<[u8; 32], [u8; 32]> = HashMap::new();
    planned.retain(|plan| {
        let meta = Meta::from(&plan.check);
        let verdict = p.admissible(&meta).and_then(|()| {
            if !ids.insert(meta.id) {
                return Err(MempoolError::Duplicate { id: meta.id });
            }
            if let Some((nf, pending)) = meta
                .nullifiers
                .iter()
                .find_map(|nf| spent.get(nf).map(|by| (*nf, *by)))
            {
                return Err(MempoolError::Conflict {
                    nullifier: nf,
                    pending,
                });
            }
            spent.extend(meta.nullifiers.iter().map(|nf| (*nf, meta.id)));
            Ok(())
        });
        match verdict {
            Ok(()) => true,
            Err(e) => {
                answers[plan.index] = Some(Err(e));
                false
            }
        }
    });
}

/// Inserts a verified transaction under the pool's lock. If a new tip
/// arrived since its check, it is checked again (not its proofs: they do
/// not depend on the tip); otherwise its account's pending transactions
/// must be those it was checked after.
fn insert_verified(pool: &mut Mempool, chain: &Chain, plan: Planned) -> Answer {
    let mut meta = Meta::from(&plan.check);
    if pool.tip().is_some_and(|t| t != plan.check.tip) {
        let ahead = meta.account.map_or(0, |(a, _)| pool.account_len(&a));
        meta = Meta::from(&chain.check_pending(&plan.tx, ahead)?);
    } else if let Some((account, nonce)) = meta.account {
        if pool.account_len(&account) != plan.ahead {
            return Err(MempoolError::MissingPredecessor { account, nonce });
        }
    }
    pool.insert(plan.tx, meta)
}
