//! Fork choice with shielded spends (release only: it proves): two branches
//! spend different notes of one shielding; after the node switches to the
//! heavier one its nullifiers and balances are exactly those of a node that
//! only ever saw that branch, and the losing branch's spend, still valid
//! there, is back in the mempool.

use std::{path::Path, sync::Arc};

use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use superzk_chain_core::{block::Block, chain::Chain, store::StateTable, tx::ChainTx};
use superzk_keys::spending_key::encode_field;
use superzk_node::{
    forks::Outcome,
    network::{Network, GENESIS_TIME},
    node::{Node, NodeOptions, TxState},
};

#[path = "support/shielded.rs"]
mod shielded_support;
use shielded_support::{inner, proving_keys, shield, spend, wallet};

fn open_node(dir: &Path) -> Arc<Node> {
    let (options, genesis) = NodeOptions::for_network(Network::Devnet, dir.to_path_buf()).unwrap();
    Node::open(options, genesis).unwrap()
}

/// A chain-core chain on the devnet genesis that has applied `prefix`.
fn miner_chain(dir: &Path, prefix: &[Block]) -> Chain {
    let (options, genesis) = NodeOptions::for_network(Network::Devnet, dir.to_path_buf()).unwrap();
    let chain = Chain::open(&dir.join("chain.redb"), options.params, options.keys).unwrap();
    chain.apply(&genesis, &mut OsRng).unwrap();
    for b in prefix {
        chain.apply(b, &mut OsRng).unwrap();
    }
    chain
}

/// Mines and applies the next block of `chain`, paying `miner`.
fn mine(chain: &Chain, miner: u8, txs: Vec<ChainTx>) -> Block {
    let h = chain.height().unwrap().unwrap() + 1;
    let b = chain
        .produce_block(
            [miner; 32],
            GENESIS_TIME + 10 * h,
            txs,
            |_, _| None,
            &mut OsRng,
        )
        .unwrap();
    chain.apply(&b, &mut OsRng).unwrap();
    b
}

fn nullifiers(chain: &Chain) -> Vec<Vec<u8>> {
    chain
        .state_dump()
        .unwrap()
        .into_iter()
        .filter(|(t, _, _)| *t == StateTable::Nullifiers)
        .map(|(_, k, _)| k)
        .collect()
}

#[test]
#[cfg_attr(debug_assertions, ignore = "proves transactions: run it in release")]
fn a_switch_takes_the_winning_branchs_nullifiers_and_returns_the_losers_spend() {
    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let prefix_chain = miner_chain(dirs[0].path(), &[]);
    let chain_id = prefix_chain.chain_id().unwrap().unwrap();
    let mut w = wallet(chain_id);
    let shielding = shield(&pk, &w, chain_id, 3, 0, &mut rng);
    let prefix = vec![mine(&prefix_chain, 1, vec![shielding.clone()])];
    w.scan(inner(&shielding)).unwrap();

    let spend_x = spend(&pk, &w, chain_id, 0, 0, &mut rng);
    let spend_y = spend(&pk, &w, chain_id, 1, 0, &mut rng);
    let x_chain = miner_chain(dirs[1].path(), &prefix);
    let x = vec![
        mine(&x_chain, 2, vec![spend_x.clone()]),
        mine(&x_chain, 2, vec![]),
    ];
    let y_chain = miner_chain(dirs[2].path(), &prefix);
    let y = [
        mine(&y_chain, 3, vec![spend_y.clone()]),
        mine(&y_chain, 3, vec![]),
        mine(&y_chain, 3, vec![]),
    ];

    let node = open_node(dirs[3].path());
    for b in prefix.iter().chain(&x) {
        assert_eq!(node.submit_block(b.clone()).unwrap(), Outcome::BestChain);
    }
    let spent_x = encode_field(&inner(&spend_x).spends[0].nullifier).to_vec();
    let spent_y = encode_field(&inner(&spend_y).spends[0].nullifier).to_vec();
    assert!(nullifiers(node.chain()).contains(&spent_x));
    assert_eq!(
        node.submit_block(y[0].clone()).unwrap(),
        Outcome::SideBranch
    );
    assert_eq!(
        node.submit_block(y[1].clone()).unwrap(),
        Outcome::SideBranch
    );
    assert_eq!(node.submit_block(y[2].clone()).unwrap(), Outcome::BestChain);

    // Exactly the state of a chain that only ever saw y.
    assert_eq!(
        node.chain().state_dump().unwrap(),
        y_chain.state_dump().unwrap()
    );
    let now = nullifiers(node.chain());
    assert!(now.contains(&spent_y) && !now.contains(&spent_x));
    // x's spend is valid on y (its note is unspent there): it is pending.
    assert_eq!(
        node.transaction_status(&spend_x.id()).unwrap(),
        TxState::Pending
    );
    assert_eq!(
        node.transaction_status(&spend_y.id()).unwrap(),
        TxState::Mined(y[0].header.height)
    );
}
