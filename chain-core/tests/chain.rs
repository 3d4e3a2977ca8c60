//! Block validation on a devnet chain: blocks with tickets, StakingNodes and
//! votes apply; blocks breaking a rule are refused with that rule and leave
//! the state untouched; apply-then-undo restores byte-identical state.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_chain_core::{
    account::AccountKey,
    block::Block,
    chain::Chain,
    error::{ChainError, Rule},
    params::{ChainParams, COIN},
    tx::{Allocation, Authorization, ChainTx, NodeRegistration, TicketPurchase},
    validate::node_id,
};
use superzk_circuits::note::AssetId;
use superzk_keys::signature::Signature;

fn keys() -> superzk_verifier::verify::VerifyingKeys {
    // Transparent blocks carry no proofs; any well-formed keys do. Use the
    // fixtures' verifying keys.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let read = |n: &str| {
        superzk_keys::params::verifying_key_from_bytes(&std::fs::read(dir.join(n)).unwrap())
            .unwrap()
    };
    superzk_verifier::verify::VerifyingKeys {
        spend: read("spend.vk"),
        output: read("output.vk"),
        package_spend: read("package-spend.vk"),
        package_output: read("package-output.vk"),
    }
}

struct Net {
    chain: Chain,
    miner: AccountKey,
    alice: AccountKey,
    operator: AccountKey,
    rng: ChaCha20Rng,
    time: u64,
    _dir: tempfile::TempDir,
}

fn auth() -> Authorization {
    Authorization {
        account: [0; 32],
        nonce: 0,
        signature: Signature::from_bytes(&[0; 64]),
    }
}

impl Net {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(
            &dir.path().join("chain.redb"),
            ChainParams::devnet(),
            keys(),
        )
        .unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let miner = AccountKey::from_seed(b"test", "miner");
        let alice = AccountKey::from_seed(b"test", "alice");
        let operator = AccountKey::from_seed(b"test", "operator");
        let alloc = |a: &AccountKey| Allocation {
            account: a.id(),
            asset: AssetId::native(),
            amount: 100_000 * COIN,
        };
        chain
            .init_genesis(vec![alloc(&alice), alloc(&operator)], 1_000, &mut rng)
            .unwrap();
        Self {
            chain,
            miner,
            alice,
            operator,
            rng,
            time: 1_000,
            _dir: dir,
        }
    }

    /// Mines the next block with `txs`; every drawn ticket votes unless
    /// `skip` says otherwise.
    fn block(&mut self, txs: Vec<ChainTx>, skip: usize) -> Block {
        self.time += 10;
        let signers = [self.alice.clone(), self.operator.clone()];
        let mut skipped = 0;
        let mut rng = ChaCha20Rng::seed_from_u64(self.time);
        self.chain
            .produce_block(
                self.miner.id(),
                self.time,
                txs,
                |d, msg| {
                    if skipped < skip {
                        skipped += 1;
                        return None;
                    }
                    signers
                        .iter()
                        .find(|k| k.id() == d.signer)
                        .map(|k| k.sign(msg, &mut rng))
                },
                &mut self.rng,
            )
            .unwrap()
    }

    fn signed(&mut self, mut tx: ChainTx, key: &AccountKey) -> ChainTx {
        let nonce = self.chain.nonce(&key.id()).unwrap();
        tx.authorize(key, nonce, &mut self.rng);
        tx
    }

    fn apply(&mut self, b: &Block) -> Result<(), ChainError> {
        self.chain.apply(b, &mut self.rng).map(|_| ())
    }
}

fn rule_of(e: ChainError) -> Rule {
    match e {
        ChainError::Block { error, .. } => error.rule,
        other => panic!("expected a refused block, got {other}"),
    }
}

/// A chain with a StakingNode and a pool of tickets (some naming the node).
fn busy_net() -> Net {
    let mut net = Net::new();
    let op = net.operator.clone();
    let reg = net.signed(
        ChainTx::RegisterNode(NodeRegistration {
            vote_key: op.id(),
            auth: auth(),
        }),
        &op,
    );
    let b = net.block(vec![reg], 0);
    net.apply(&b).unwrap();
    let node = node_id(&op.id(), 0);
    let alice = net.alice.clone();
    let buy1 = net.signed(
        ChainTx::BuyTickets(TicketPurchase {
            count: 15,
            max_price: 10 * COIN,
            vote_key: alice.id(),
            node: None,
            auth: auth(),
        }),
        &alice,
    );
    let b = net.block(vec![buy1], 0);
    net.apply(&b).unwrap();
    let buy2 = net.signed(
        ChainTx::BuyTickets(TicketPurchase {
            count: 15,
            max_price: 10 * COIN,
            vote_key: alice.id(),
            node: Some(node),
            auth: auth(),
        }),
        &alice,
    );
    let b = net.block(vec![buy2], 0);
    net.apply(&b).unwrap();
    for _ in 0..3 {
        let b = net.block(vec![], 0);
        net.apply(&b).unwrap();
    }
    net
}

#[test]
fn tickets_vote_rewards_split_and_settle() {
    let mut net = busy_net();
    let (drawn, required) = net.chain.next_draw().unwrap();
    assert_eq!(drawn.len(), 3);
    assert!(required >= 1);
    let before_burned = net.chain.burned().unwrap();
    let b = net.block(vec![], 0);
    let superzk_chain_core::tx::ChainTx::Coinbase(cb) = &b.txs[0] else {
        panic!()
    };
    assert_eq!(cb.miner_amount, 45 * COIN);
    assert_eq!(cb.voter_rewards.iter().map(|x| x.1).sum::<u64>(), 18 * COIN);
    let node_paid: u64 = cb.node_rewards.iter().map(|x| x.1).sum();
    assert_eq!(
        node_paid + (cb.burned),
        9 * COIN,
        "the 1/8 is paid to nodes or burned"
    );
    net.apply(&b).unwrap();
    assert_eq!(net.chain.burned().unwrap(), before_burned + cb.burned);
    // Run to a settlement: pending stakes and rewards are paid.
    while net.chain.height().unwrap().unwrap() % net.chain.params().settlement_interval != 0 {
        let b = net.block(vec![], 0);
        net.apply(&b).unwrap();
    }
    assert_eq!(net.chain.pending(&net.alice.id()).unwrap(), 0);
}

#[test]
fn a_drawn_ticket_that_does_not_vote_is_discarded() {
    let mut net = busy_net();
    let pool = net.chain.tickets().unwrap().len();
    let b = net.block(vec![], 1);
    assert_eq!(b.votes.len(), 2);
    net.apply(&b).unwrap();
    assert_eq!(
        net.chain.tickets().unwrap().len(),
        pool - 3,
        "all three drawn tickets leave the pool"
    );
}

#[test]
fn blocks_breaking_a_rule_are_refused_and_change_nothing() {
    let mut net = busy_net();
    let good = net.block(vec![], 0);
    let root = net.chain.state_root().unwrap();
    let mut cases: Vec<(Block, Rule)> = vec![];

    let mut b = good.clone();
    while superzk_chain_core::pow::meets_target(&b.header.hash(), b.header.difficulty) {
        b.header.nonce += 1;
    }
    cases.push((b, Rule::ProofOfWork));

    let mut b = good.clone();
    b.header.difficulty += 1;
    cases.push((b, Rule::Difficulty));

    let mut b = good.clone();
    b.votes.clear();
    b.header.votes_root = superzk_chain_core::block::votes_root(&[]);
    cases.push((b, Rule::Votes));

    let mut b = good.clone();
    b.votes[0].ticket = [9; 32];
    b.header.votes_root = superzk_chain_core::block::votes_root(&b.votes);
    cases.push((b, Rule::Votes));

    let mut b = good.clone();
    let other = b.votes[1].signature;
    b.votes[0].signature = other;
    b.header.votes_root = superzk_chain_core::block::votes_root(&b.votes);
    cases.push((b, Rule::Signatures));

    let mut b = good.clone();
    if let ChainTx::Coinbase(c) = &mut b.txs[0] {
        c.miner_amount += 1;
        c.burned -= 1;
    }
    b.header.tx_root = superzk_chain_core::block::tx_root(&b.txs);
    cases.push((b, Rule::Rewards));

    let mut b = good.clone();
    b.header.state_root[0] ^= 1;
    cases.push((b, Rule::StateRoot));

    for (mut b, rule) in cases {
        // Re-mine so that only the rule under test is broken.
        if rule != Rule::ProofOfWork {
            superzk_chain_core::pow::mine(&mut b.header);
        }
        let got = rule_of(net.chain.apply(&b, &mut net.rng).unwrap_err());
        assert_eq!(got, rule, "block breaking {rule:?}");
        assert_eq!(
            net.chain.state_root().unwrap(),
            root,
            "{rule:?}: a refused block changes nothing"
        );
    }
    net.apply(&good).unwrap();
}

#[test]
fn undo_restores_byte_identical_state_and_reorgs_switch_branches() {
    let mut net = busy_net();
    let before = net.chain.state_dump().unwrap();
    let alice = net.alice.clone();
    let buy = net.signed(
        ChainTx::BuyTickets(TicketPurchase {
            count: 2,
            max_price: 10 * COIN,
            vote_key: alice.id(),
            node: None,
            auth: auth(),
        }),
        &alice,
    );
    let a = net.block(vec![buy], 0);
    net.apply(&a).unwrap();
    let a2 = net.block(vec![], 0);
    net.apply(&a2).unwrap();
    net.chain.undo_tip().unwrap();
    net.chain.undo_tip().unwrap();
    assert_eq!(net.chain.state_dump().unwrap(), before);
    // A competing branch of two blocks, then back to the first branch.
    let fork = net.chain.height().unwrap().unwrap();
    let b1 = net.block(vec![], 1);
    net.apply(&b1).unwrap();
    let b2 = net.block(vec![], 0);
    net.apply(&b2).unwrap();
    let branch_b = net.chain.state_root().unwrap();
    net.chain
        .reorganize(fork, &[a.clone(), a2.clone()], &mut net.rng)
        .unwrap();
    assert_eq!(net.chain.block(fork + 2).unwrap().unwrap(), a2);
    net.chain.reorganize(fork, &[b1, b2], &mut net.rng).unwrap();
    assert_eq!(net.chain.state_root().unwrap(), branch_b);
    // A branch with a bad block is refused and the old branch restored.
    let mut bad = a.clone();
    bad.header.state_root[0] ^= 1;
    superzk_chain_core::pow::mine(&mut bad.header);
    let err = net
        .chain
        .reorganize(fork, &[bad], &mut net.rng)
        .unwrap_err();
    assert_eq!(rule_of(err), Rule::StateRoot);
    assert_eq!(net.chain.state_root().unwrap(), branch_b);
}

#[test]
fn export_validates_from_genesis_and_garbage_is_refused() {
    let net = busy_net();
    let file = net.chain.export().unwrap();
    let bytes = file.to_bytes();
    let back = superzk_chain_core::block::ChainFile::from_bytes(&bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let counts = Chain::validate_file(
        &back,
        &dir.path().join("v.redb"),
        keys(),
        &mut ChaCha20Rng::seed_from_u64(1),
        |_| {},
    )
    .unwrap();
    assert_eq!(counts.0[&Rule::ProofOfWork], file.blocks.len() as u64 - 1);
    for cut in [0, 3, 10, bytes.len() / 2, bytes.len() - 1] {
        assert!(superzk_chain_core::block::ChainFile::from_bytes(&bytes[..cut]).is_err());
    }
    let mut x = 0x1234_5678u32;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let garbage: Vec<u8> = (0..(x % 300)).map(|i| (x >> (i % 24)) as u8).collect();
        let _ = Block::from_bytes(&garbage);
        let _ = superzk_chain_core::block::read_block_file(&garbage);
    }
}
