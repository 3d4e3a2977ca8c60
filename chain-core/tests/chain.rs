//! Block validation on a devnet chain: blocks with tickets, StakingNodes and
//! votes apply; blocks breaking a rule are refused with that rule and leave
//! the state untouched; apply-then-undo restores byte-identical state.

mod common;

use common::{busy_net, fixture_keys, rule_of};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_chain_core::{
    block::Block,
    chain::Chain,
    error::Rule,
    params::COIN,
    tx::Authorization,
    tx::{ChainTx, TicketPurchase},
};

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
    b.header.votes_root = superzk_chain_core::block::votes_root(&[], &[]);
    cases.push((b, Rule::Votes));

    let mut b = good.clone();
    b.votes[0].ticket = [9; 32];
    b.header.votes_root = superzk_chain_core::block::votes_root(&b.votes, &b.late_votes);
    cases.push((b, Rule::Votes));

    let mut b = good.clone();
    let other = b.votes[1].signature;
    b.votes[0].signature = other;
    b.header.votes_root = superzk_chain_core::block::votes_root(&b.votes, &b.late_votes);
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
            auth: Authorization::unsigned(),
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
    // The digests kept up to date through the undo are those of a full scan.
    let intact = |chain: &Chain| chain.inspect(|st, _| st.digests_match_tables()).unwrap();
    assert!(intact(&net.chain));
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
    assert!(intact(&net.chain));
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
        fixture_keys(),
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

#[test]
fn block_files_verify_offline_as_the_fixtures_say() {
    use superzk_chain_core::{
        error::ChainError,
        offline::{verify_block_file, BlockFileError},
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let read = |n: &str| std::fs::read(dir.join(n)).unwrap();
    let keys = fixture_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let ok = verify_block_file(&read("block.szkb"), &keys, &mut rng).unwrap();
    assert_eq!((ok.height, ok.transactions, ok.shielded), (1, 2, 1));
    match verify_block_file(&read("block_unbalanced.szkb"), &keys, &mut rng) {
        Err(BlockFileError::Invalid(ChainError::Block { height: 1, error })) => {
            assert_eq!(error.rule, Rule::ShieldedProofs, "{error}")
        }
        other => panic!("the unbalanced block is refused for its proofs, not {other:?}"),
    }
    for garbage in [
        read("block_truncated.szkb"),
        read("shield.tx"),
        vec![],
        b"SZKB\x01".to_vec(),
    ] {
        assert!(matches!(
            verify_block_file(&garbage, &keys, &mut rng),
            Err(BlockFileError::Malformed(_))
        ));
    }
}
