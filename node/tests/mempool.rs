//! The mempool against a real node on a devnet chain in a temporary
//! directory: duplicates, nonces and their sequencing, eviction after a
//! block, the byte bound under a flood, concurrent submitters coalesced
//! into batches, block candidates. The shielded double spend across two
//! pending transactions needs proofs: it runs in release builds only (see
//! its doc comment).

use std::{
    sync::{Arc, Mutex},
    thread,
};

use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use superzk_chain_core::{
    account::AccountKey,
    block::Block,
    chain::Chain,
    error::{ChainError, Rule},
    tx::{Authorization, ChainTx, NodeRegistration, TicketPurchase},
};
use superzk_node::{
    error::NodeError,
    mempool::{admit_one, Mempool, MempoolError, MempoolLimits},
    network::{builtin_keys, devnet_key, Network, GENESIS_TIME},
    node::{Node, NodeOptions, TxState},
};

/// A devnet chain and a pool over it, in a temporary directory: the
/// pool's public API as the node drives it (admission, new tips, block
/// candidates).
struct Devnet {
    chain: Chain,
    pool: Mutex<Mempool>,
    chain_id: [u8; 32],
    rng: ChaCha20Rng,
    time: u64,
    _dir: tempfile::TempDir,
}

/// One ticket bought by `key` with `nonce` (its vote key is `key`'s).
fn ticket(chain_id: &[u8; 32], key: &AccountKey, nonce: u64, rng: &mut ChaCha20Rng) -> ChainTx {
    let mut tx = ChainTx::BuyTickets(TicketPurchase {
        count: 1,
        max_price: u64::MAX,
        vote_key: key.id(),
        node: None,
        auth: Authorization::unsigned(),
    });
    tx.authorize(key, nonce, chain_id, rng);
    tx
}

/// A StakingNode registration by `key` with `nonce`.
fn register(chain_id: &[u8; 32], key: &AccountKey, nonce: u64, rng: &mut ChaCha20Rng) -> ChainTx {
    let mut tx = ChainTx::RegisterNode(NodeRegistration {
        vote_key: key.id(),
        auth: Authorization::unsigned(),
    });
    tx.authorize(key, nonce, chain_id, rng);
    tx
}

/// Produces the block after `chain`'s tip holding `txs`, dated `time`
/// (votes signed by the devnet accounts, whose keys the tickets name).
fn produce(chain: &Chain, time: u64, txs: Vec<ChainTx>) -> Block {
    let signers = [devnet_key("alice"), devnet_key("staking-node operator")];
    let mut rng = ChaCha20Rng::seed_from_u64(time);
    chain
        .produce_block(
            devnet_key("miner").id(),
            time,
            txs,
            |req, msg| {
                signers
                    .iter()
                    .find(|k| k.id() == req.signer)
                    .map(|k| k.sign(msg, &mut rng))
            },
            &mut OsRng,
        )
        .unwrap()
}

impl Devnet {
    fn new(limits: MempoolLimits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(
            &dir.path().join("chain.redb"),
            Network::Devnet.params(),
            builtin_keys().unwrap(),
        )
        .unwrap();
        chain
            .init_genesis(Network::Devnet.allocations(), GENESIS_TIME, &mut OsRng)
            .unwrap();
        let chain_id = chain.chain_id().unwrap().unwrap();
        Self {
            chain,
            pool: Mutex::new(Mempool::new(limits)),
            chain_id,
            rng: ChaCha20Rng::seed_from_u64(1),
            time: GENESIS_TIME,
            _dir: dir,
        }
    }

    fn ticket(&mut self, key: &AccountKey, nonce: u64) -> ChainTx {
        ticket(&self.chain_id, key, nonce, &mut self.rng)
    }

    fn register(&mut self, key: &AccountKey, nonce: u64) -> ChainTx {
        register(&self.chain_id, key, nonce, &mut self.rng)
    }

    fn submit(&self, tx: ChainTx) -> Result<[u8; 32], MempoolError> {
        admit_one(&self.pool, &self.chain, tx, &mut OsRng)
    }

    /// Mines the next block holding `txs`, applies it and tells the pool.
    fn mine(&mut self, txs: Vec<ChainTx>) -> Block {
        self.time += 10;
        let block = produce(&self.chain, self.time, txs);
        self.chain.apply(&block, &mut OsRng).unwrap();
        self.pool.lock().unwrap().on_new_tip(
            &self.chain,
            std::slice::from_ref(&block),
            &[],
            &mut OsRng,
        );
        block
    }

    fn candidates(&self, max_bytes: usize) -> Vec<ChainTx> {
        self.pool
            .lock()
            .unwrap()
            .block_candidates(&self.chain, max_bytes)
    }

    /// Transactions and bytes pending.
    fn size(&self) -> (usize, usize) {
        let p = self.pool.lock().unwrap();
        (p.len(), p.bytes())
    }
}

fn rule_of(e: &MempoolError) -> Option<Rule> {
    match e {
        MempoolError::Invalid(ChainError::Block { error, .. }) => Some(error.rule),
        _ => None,
    }
}

#[test]
fn a_duplicate_is_refused() {
    let mut net = Devnet::new(MempoolLimits::default());
    let tx = net.ticket(&devnet_key("alice"), 0);
    let id = net.submit(tx.clone()).unwrap();
    match net.submit(tx) {
        Err(MempoolError::Duplicate { id: dup }) => assert_eq!(dup, id),
        other => panic!("expected a duplicate refusal, got {other:?}"),
    }
    assert_eq!(net.size().0, 1);
}

#[test]
fn a_wrong_nonce_or_a_forged_signature_is_refused() {
    let mut net = Devnet::new(MempoolLimits::default());
    let alice = devnet_key("alice");
    let early = net.ticket(&alice, 1);
    let err = net.submit(early).unwrap_err();
    assert_eq!(rule_of(&err), Some(Rule::Accounts), "{err}");
    // Another key's signature over alice's authorisation passes the state
    // checks and is refused by the signature batch.
    let mut forged = net.ticket(&alice, 0);
    if let ChainTx::BuyTickets(p) = &mut forged {
        p.auth.signature = devnet_key("mallory").sign(&[1; 32], &mut net.rng);
    }
    let err = net.submit(forged).unwrap_err();
    assert_eq!(rule_of(&err), Some(Rule::Signatures), "{err}");
    assert_eq!(net.size(), (0, 0));
}

#[test]
fn an_accounts_nonce_sequence_is_admitted_in_order_and_mined() {
    let mut net = Devnet::new(MempoolLimits::default());
    let alice = devnet_key("alice");
    let txs: Vec<ChainTx> = (0..4).map(|n| net.ticket(&alice, n)).collect();
    for tx in &txs {
        net.submit(tx.clone()).unwrap();
    }
    // Another transaction with a nonce already pending is refused.
    let again = net.register(&alice, 2);
    assert_eq!(
        rule_of(&net.submit(again).unwrap_err()),
        Some(Rule::Accounts)
    );
    let candidates = net.candidates(1 << 20);
    assert_eq!(candidates, txs, "candidates follow the nonce order");
    net.mine(candidates);
    assert_eq!(net.size(), (0, 0), "mined transactions leave");
    assert_eq!(net.chain.nonce(&alice.id()).unwrap(), 4);
}

#[test]
fn a_transaction_made_invalid_by_a_block_is_evicted_with_its_successors() {
    let mut net = Devnet::new(MempoolLimits::default());
    let alice = devnet_key("alice");
    let operator = devnet_key("staking-node operator");
    let txs = [
        net.ticket(&alice, 0),
        net.ticket(&alice, 1),
        net.register(&operator, 0),
    ];
    let ids: Vec<[u8; 32]> = txs.iter().map(|t| net.submit(t.clone()).unwrap()).collect();
    // Alice's nonce 0 is used another way, in a block the pool never saw.
    let rival = net.register(&alice, 0);
    net.mine(vec![rival]);
    let pool = net.pool.lock().unwrap();
    assert!(!pool.contains(&ids[0]), "its nonce is used");
    assert!(!pool.contains(&ids[1]), "its predecessor is gone");
    assert!(pool.contains(&ids[2]), "the operator's is still valid");
    assert_eq!(pool.len(), 1);
}

/// The node drives the pool: admission through `submit_transaction`, and a
/// block through `submit_block` evicts what it made invalid.
#[test]
fn the_node_admits_and_evicts_through_its_pool() {
    let dir = tempfile::tempdir().unwrap();
    let keys = builtin_keys().unwrap();
    let genesis = Network::Devnet.genesis(&keys).unwrap();
    let options = NodeOptions {
        data_dir: dir.path().join("node"),
        params: Network::Devnet.params(),
        keys,
        mempool: MempoolLimits::default(),
        vote_keys: vec![],
    };
    let node = Node::open(options, genesis).unwrap();
    let chain_id = node.chain_id().unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let alice = devnet_key("alice");
    let pending = ticket(&chain_id, &alice, 0, &mut rng);
    let id = node.submit_transaction(pending.clone()).unwrap();
    assert_eq!(node.transaction_status(&id).unwrap(), TxState::Pending);
    assert!(matches!(
        node.submit_transaction(pending),
        Err(NodeError::Mempool(MempoolError::Duplicate { .. }))
    ));
    let rival = register(&chain_id, &alice, 0, &mut rng);
    let block = produce(node.chain(), GENESIS_TIME + 10, vec![rival]);
    node.submit_block(block).unwrap();
    assert_eq!(node.transaction_status(&id).unwrap(), TxState::Unknown);
    assert_eq!(node.mempool_size(), (0, 0));
}

/// Transactions made in advance, so that threads only submit.
fn sequences(net: &mut Devnet, per_account: u64) -> Vec<Vec<ChainTx>> {
    ["alice", "staking-node operator"]
        .into_iter()
        .map(|label| {
            let key = devnet_key(label);
            (0..per_account).map(|n| net.ticket(&key, n)).collect()
        })
        .collect()
}

#[test]
fn pool_bytes_stay_under_the_bound_under_a_flood() {
    let mut probe = Devnet::new(MempoolLimits::default());
    let size = probe.ticket(&devnet_key("alice"), 0).to_bytes().len();
    let max_bytes = 5 * size + size / 2;
    let mut net = Devnet::new(MempoolLimits {
        max_bytes,
        ..MempoolLimits::default()
    });
    let seqs = sequences(&mut net, 20);
    let net = Arc::new(net);
    let workers: Vec<_> = seqs
        .into_iter()
        .map(|txs| {
            let net = net.clone();
            thread::spawn(move || {
                let mut full = 0;
                for tx in txs {
                    match net.submit(tx) {
                        Ok(_) => {}
                        Err(MempoolError::Full { max, bytes }) => {
                            assert_eq!(max, max_bytes);
                            assert!(bytes <= max_bytes);
                            full += 1;
                        }
                        // A transaction after a refused one of its account
                        // no longer follows on.
                        Err(e) if rule_of(&e) == Some(Rule::Accounts) => full += 1,
                        Err(e) => panic!("unexpected refusal: {e}"),
                    }
                    assert!(net.size().1 <= max_bytes);
                }
                full
            })
        })
        .collect();
    let refused: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let (count, bytes) = net.size();
    assert_eq!(count, 5, "five transactions fit");
    assert_eq!(bytes, 5 * size);
    assert_eq!(refused, 40 - 5);
}

#[test]
fn concurrent_submitters_are_all_answered_and_sequenced() {
    let mut net = Devnet::new(MempoolLimits::default());
    let seqs = sequences(&mut net, 15);
    let net = Arc::new(net);
    let workers: Vec<_> = seqs
        .into_iter()
        .map(|txs| {
            let net = net.clone();
            thread::spawn(move || {
                for tx in txs {
                    net.submit(tx).unwrap();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut net = Arc::try_unwrap(net).ok().unwrap();
    assert_eq!(net.size().0, 30);
    let candidates = net.candidates(1 << 20);
    assert_eq!(candidates.len(), 30);
    net.mine(candidates);
    assert_eq!(net.size(), (0, 0));
}

#[test]
fn block_candidates_stay_within_max_bytes_in_nonce_order() {
    let mut net = Devnet::new(MempoolLimits::default());
    let alice = devnet_key("alice");
    let mut size = 0;
    for n in 0..6 {
        let tx = net.ticket(&alice, n);
        size = tx.to_bytes().len();
        net.submit(tx).unwrap();
    }
    let candidates = net.candidates(3 * size + 1);
    let nonces: Vec<u64> = candidates
        .iter()
        .filter_map(|t| t.authorization().map(|a| a.nonce))
        .collect();
    assert_eq!(nonces, [0, 1, 2]);
}

#[path = "support/shielded.rs"]
mod shielded_support;

/// Shielded transactions with real proofs: a double spend across two
/// pending transactions is refused with the nullifier named; once one is
/// mined the other breaks the chain's nullifier rule; a better-paying
/// shielded transaction evicts a cheaper one from a full pool. Proving (and,
/// the first time, generating the demo parameters into the on-disk cache)
/// is far too slow in a debug build, so this runs in release builds only:
/// `cargo test --release -p superzk-node --test mempool -- shielded`.
#[test]
#[cfg_attr(debug_assertions, ignore = "proves transactions: run it in release")]
fn shielded_double_spends_and_fee_rate_eviction() {
    use shielded_support::{inner, proving_keys, shield, spend, wallet};
    use superzk_keys::spending_key::encode_field;

    let mut net = Devnet::new(MempoolLimits::default());
    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut w = wallet(net.chain_id);
    let shielding = shield(&pk, &w, net.chain_id, 3, 0, &mut rng);
    net.submit(shielding.clone()).unwrap();
    net.mine(vec![shielding.clone()]);
    assert_eq!(net.size(), (0, 0));
    w.scan(inner(&shielding)).unwrap();
    let a = spend(&pk, &w, net.chain_id, 0, 10, &mut rng);
    let b = spend(&pk, &w, net.chain_id, 0, 20, &mut rng);
    let a_id = net.submit(a.clone()).unwrap();
    match net.submit(b.clone()) {
        Err(MempoolError::Conflict { nullifier, pending }) => {
            assert_eq!(pending, a_id);
            assert_eq!(nullifier, encode_field(&inner(&a).spends[0].nullifier));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    net.mine(vec![a]);
    let err = net.submit(b).unwrap_err();
    assert_eq!(rule_of(&err), Some(Rule::Nullifiers), "{err}");

    // A pool with room for one spend: the better fee rate stays.
    let cheap = spend(&pk, &w, net.chain_id, 1, 10, &mut rng);
    let dear = spend(&pk, &w, net.chain_id, 2, 1_000, &mut rng);
    let small = Mutex::new(Mempool::new(MempoolLimits {
        max_bytes: cheap.to_bytes().len() + 10,
        ..MempoolLimits::default()
    }));
    let cheap_id = admit_one(&small, &net.chain, cheap.clone(), &mut OsRng).unwrap();
    let dear_id = admit_one(&small, &net.chain, dear, &mut OsRng).unwrap();
    let pool = small.lock().unwrap();
    assert!(pool.contains(&dear_id) && !pool.contains(&cheap_id));
    drop(pool);
    assert!(matches!(
        admit_one(&small, &net.chain, cheap, &mut OsRng),
        Err(MempoolError::Full { .. })
    ));
}
