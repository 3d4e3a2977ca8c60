//! Real shielded transactions for the mempool's release-only test and its
//! benchmark: a shielding of `count` one-coin notes from alice's devnet
//! account, then transactions each spending one of those notes. Proving
//! uses the project's insecure demo parameters (a fixed seed, so their
//! verifying keys are the committed fixtures the devnet node has built in),
//! loaded from the on-disk cache the other tests and the CLI fill
//! (`$SUPERZK_PARAMS_DIR`, else the workspace's `target/superzk-params`),
//! or generated into it once.

// The benchmark and the tests use different parts.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rand_chacha::ChaCha20Rng;
use superzk_chain_core::{
    params::COIN,
    tx::{Authorization, ChainTx, ShieldedTx},
};
use superzk_circuits::{asset::AssetInfo, note::AssetId};
use superzk_keys::{note_plaintext::MEMO_LEN, params::ParameterCache, spending_key::SpendingKey};
use superzk_node::network::devnet_key;
use superzk_prover::{ProvingKeys, TransactionBuilder};
use superzk_verifier::transaction::Transaction;
use superzk_wallet::memory::ScanningWallet;

/// The seed of the demo parameters (the committed fixtures' keys).
const DEMO_PARAMS_SEED: &[u8] = b"SuperZK insecure demo parameters v1";

fn params_dir() -> PathBuf {
    std::env::var_os("SUPERZK_PARAMS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params"))
}

/// The demo proving keys (cached on disk; generated the first time).
pub fn proving_keys() -> ProvingKeys {
    ProvingKeys::insecure_from_cache(&ParameterCache::new(params_dir()), DEMO_PARAMS_SEED, |_| {})
        .expect("demo parameters load or generate")
}

/// A wallet of the tests' own, bound to `chain_id`.
pub fn wallet(chain_id: [u8; 32]) -> ScanningWallet {
    let mut w = ScanningWallet::new(SpendingKey::from_seed(b"mempool tests W", 0));
    w.bind_to_chain(chain_id, 0);
    w
}

/// Shields `count` notes of one coin each from alice's account (nonce
/// `nonce`) into `w`.
pub fn shield(
    pk: &ProvingKeys,
    w: &ScanningWallet,
    chain_id: [u8; 32],
    count: u64,
    nonce: u64,
    rng: &mut ChaCha20Rng,
) -> ChainTx {
    let alice = devnet_key("alice");
    let mut b = TransactionBuilder::new();
    b.set_public_account(alice.id()).set_chain_id(chain_id);
    b.add_public_input(AssetId::native(), count * COIN);
    for i in 0..count {
        b.add_output(None, w.address(i), AssetInfo::native(), COIN, [0; MEMO_LEN]);
    }
    let stx = b.build(pk, rng).expect("shielding builds");
    let mut tx = ChainTx::Shielded(Box::new(ShieldedTx {
        tx: stx,
        public: Some(Authorization::unsigned()),
    }));
    tx.authorize(&alice, nonce, &chain_id, rng);
    tx
}

/// Spends `w`'s `index`-th spendable note to a stranger, paying `fee`.
pub fn spend(
    pk: &ProvingKeys,
    w: &ScanningWallet,
    chain_id: [u8; 32],
    index: usize,
    fee: u64,
    rng: &mut ChaCha20Rng,
) -> ChainTx {
    let (note, path) = w.spendable().nth(index).expect("a spendable note");
    let stranger = ScanningWallet::new(SpendingKey::from_seed(b"mempool tests stranger", 0));
    let mut b = TransactionBuilder::new();
    b.set_chain_id(chain_id).set_fee(fee);
    b.add_spend(
        &SpendingKey::from_seed(b"mempool tests W", 0),
        note.note.clone(),
        note.diversifier,
        path.clone(),
    );
    b.add_output(
        None,
        stranger.address(0),
        AssetInfo::native(),
        note.note.value - fee,
        [0; MEMO_LEN],
    );
    let stx: Transaction = b.build(pk, rng).expect("spend builds");
    ChainTx::Shielded(Box::new(ShieldedTx {
        tx: stx,
        public: None,
    }))
}

/// The SDK transaction inside a shielded chain transaction.
pub fn inner(tx: &ChainTx) -> &Transaction {
    match tx {
        ChainTx::Shielded(s) => &s.tx,
        _ => panic!("not shielded"),
    }
}
