//! What the chain-core integration tests share: a devnet chain in a
//! temporary directory with funded accounts, a miner that produces valid
//! blocks, a forger that builds blocks holding whatever transactions a test
//! wants (valid seal and votes, so only the rule under test breaks), and the
//! verifying and proving keys.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    sync::{Arc, OnceLock},
};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_chain_core::{
    account::{vote_message, AccountKey, VotedBlock},
    block::{body_root, tx_root, votes_root, Block},
    chain::Chain,
    error::{BlockError, ChainError, Rule},
    params::{ChainParams, COIN},
    pow,
    producer::VoteRequest,
    tx::{Allocation, Authorization, ChainTx, Coinbase, NodeRegistration, TicketPurchase},
    validate::node_id,
};
use superzk_circuits::note::AssetId;
use superzk_keys::params::ParameterCache;
use superzk_prover::ProvingKeys;
use superzk_verifier::verify::VerifyingKeys;

/// The seed of the CLI's demo parameters, whose verifying keys are the
/// committed fixtures/*.vk: tests prove with them so that the cache the CLI
/// tests and the demo fill serves these tests too.
pub const DEMO_PARAMS_SEED: &[u8] = b"SuperZK insecure demo parameters v1";

/// The committed fixtures' verifying keys (those of [`DEMO_PARAMS_SEED`]).
pub fn fixture_keys() -> VerifyingKeys {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let read = |n: &str| {
        superzk_keys::params::verifying_key_from_bytes(&std::fs::read(dir.join(n)).unwrap())
            .unwrap()
    };
    VerifyingKeys {
        spend: read("spend.vk"),
        output: read("output.vk"),
        package_spend: read("package-spend.vk"),
        package_output: read("package-output.vk"),
    }
}

/// Where parameters are cached: `$SUPERZK_PARAMS_DIR`, else the
/// workspace's `target/superzk-params` (where the CLI tests and the demo
/// keep theirs).
pub fn params_dir() -> PathBuf {
    std::env::var_os("SUPERZK_PARAMS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params"))
}

/// The demo proving keys, loaded (or generated) once per test binary.
pub fn proving_keys() -> &'static ProvingKeys {
    static KEYS: OnceLock<ProvingKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        ProvingKeys::insecure_from_cache(
            &ParameterCache::new(params_dir()),
            DEMO_PARAMS_SEED,
            |_| {},
        )
        .expect("demo parameters load or generate")
    })
}

/// A devnet chain in a temporary directory; alice and the operator hold
/// 100,000 coins each from genesis.
pub struct Net {
    pub chain: Chain,
    pub miner: AccountKey,
    pub alice: AccountKey,
    pub operator: AccountKey,
    pub rng: ChaCha20Rng,
    pub time: u64,
    pub dir: tempfile::TempDir,
}

impl Net {
    /// A fresh chain after its genesis block.
    pub fn new() -> Self {
        Self::with_params(ChainParams::devnet())
    }

    /// A fresh chain under `params` (a devnet variant) after its genesis
    /// block.
    pub fn with_params(params: ChainParams) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(&dir.path().join("chain.redb"), params, fixture_keys()).unwrap();
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
            dir,
        }
    }

    fn signers(&self) -> [AccountKey; 2] {
        [self.alice.clone(), self.operator.clone()]
    }

    /// The key of `id` among the accounts that sign votes here.
    pub fn key_of(&self, id: &[u8; 32]) -> Option<AccountKey> {
        self.signers().into_iter().find(|k| k.id() == *id)
    }

    /// Fixes the validating node's clock at `now`.
    pub fn set_now(&mut self, now: u64) {
        self.chain.set_clock(Arc::new(move || now));
    }

    /// Mines the next block dated `time` (or the earliest the rules allow)
    /// with `txs`; `choose` says which vote requests (on time or late) are
    /// signed.
    pub fn produce(
        &mut self,
        time: u64,
        txs: Vec<ChainTx>,
        mut choose: impl FnMut(&VoteRequest) -> bool,
    ) -> Block {
        let signers = self.signers();
        let mut rng = ChaCha20Rng::seed_from_u64(time);
        self.chain
            .produce_block(
                self.miner.id(),
                time,
                txs,
                |d, msg| {
                    if !choose(d) {
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

    /// Mines the next block (10 s after the last) with `txs`, signing the
    /// vote requests `choose` accepts.
    pub fn block_with(
        &mut self,
        txs: Vec<ChainTx>,
        choose: impl FnMut(&VoteRequest) -> bool,
    ) -> Block {
        self.time += 10;
        let time = self.time;
        self.produce(time, txs, choose)
    }

    /// Mines the next block with `txs`; every drawn ticket votes except
    /// the first `skip` (late votes for the parent are all carried).
    pub fn block(&mut self, txs: Vec<ChainTx>, skip: usize) -> Block {
        let mut skipped = 0;
        self.block_with(txs, |d| {
            if !d.late && skipped < skip {
                skipped += 1;
                return false;
            }
            true
        })
    }

    /// A block on the tip holding `txs` after a valid coinbase (no fees),
    /// with valid votes and proof of work but a state root nobody checked:
    /// for blocks that must be refused by a rule checked before the state
    /// root (the miner's template would refuse them).
    pub fn forge(&mut self, txs: Vec<ChainTx>) -> Block {
        let mut b = self.block(vec![], 0);
        b.txs.truncate(1);
        b.txs.extend(txs);
        let body = body_root(&b.txs[1..]);
        let (drawn, _) = self.chain.next_draw().unwrap();
        let signers = self.signers();
        for v in &mut b.votes {
            let d = drawn.iter().find(|d| d.ticket == v.ticket).unwrap();
            let key = signers.iter().find(|k| k.id() == d.signer).unwrap();
            let miner = self.miner.id();
            let endorsed = VotedBlock {
                parent: &b.header.parent,
                height: b.header.height,
                miner: &miner,
                body_root: &body,
            };
            let msg = vote_message(&endorsed, &v.ticket);
            v.signature = key.sign(&msg, &mut self.rng);
        }
        b.header.votes_root = votes_root(&b.votes, &b.late_votes);
        b.header.tx_root = tx_root(&b.txs);
        pow::mine(&mut b.header);
        b
    }

    /// `tx` authorised by `key` with its next nonce.
    pub fn signed(&mut self, mut tx: ChainTx, key: &AccountKey) -> ChainTx {
        let nonce = self.chain.nonce(&key.id()).unwrap();
        let chain_id = self.chain.chain_id().unwrap().unwrap();
        tx.authorize(key, nonce, &chain_id, &mut self.rng);
        tx
    }

    /// Applies `b`.
    pub fn apply(&mut self, b: &Block) -> Result<(), ChainError> {
        self.chain.apply(b, &mut self.rng).map(|_| ())
    }

    /// Mines and applies a block with `txs`.
    pub fn mine(&mut self, txs: Vec<ChainTx>) -> Block {
        let b = self.block(txs, 0);
        self.apply(&b).unwrap();
        b
    }

    /// Applies `b`, which must be refused: returns the error and checks
    /// that the state root did not move.
    pub fn refuse(&mut self, b: &Block) -> BlockError {
        let root = self.chain.state_root().unwrap();
        let height = self.chain.height().unwrap();
        let err = block_error(self.chain.apply(b, &mut self.rng).unwrap_err());
        assert_eq!(
            self.chain.state_root().unwrap(),
            root,
            "a refused block ({}) changes nothing",
            err.rule.name()
        );
        assert_eq!(self.chain.height().unwrap(), height);
        err
    }
}

/// The refusal inside `e`; panics (failing the test) on other errors.
pub fn block_error(e: ChainError) -> BlockError {
    match e {
        ChainError::Block { error, .. } => error,
        other => panic!("expected a refused block, got {other}"),
    }
}

/// The block's coinbase.
pub fn coinbase(b: &Block) -> &Coinbase {
    match &b.txs[0] {
        ChainTx::Coinbase(c) => c,
        _ => panic!("the first transaction is not a coinbase"),
    }
}

/// Recomputes the header's transaction and vote roots and mines it again:
/// after a test edits a block, only the rule under test is broken.
pub fn reseal(b: &mut Block) {
    b.header.tx_root = tx_root(&b.txs);
    b.header.votes_root = votes_root(&b.votes, &b.late_votes);
    pow::mine(&mut b.header);
}

/// The rule a refused block broke.
pub fn rule_of(e: ChainError) -> Rule {
    block_error(e).rule
}

/// A chain with a StakingNode and a pool of tickets (some naming the node).
pub fn busy_net() -> Net {
    busy_net_with(ChainParams::devnet())
}

/// [`busy_net`] under `params`.
pub fn busy_net_with(params: ChainParams) -> Net {
    let mut net = Net::with_params(params);
    let op = net.operator.clone();
    let reg = net.signed(
        ChainTx::RegisterNode(NodeRegistration {
            vote_key: op.id(),
            auth: Authorization::unsigned(),
        }),
        &op,
    );
    net.mine(vec![reg]);
    let node = node_id(&op.id(), 0);
    let alice = net.alice.clone();
    for named in [None, Some(node)] {
        let buy = net.signed(
            ChainTx::BuyTickets(TicketPurchase {
                count: 15,
                max_price: 10 * COIN,
                vote_key: alice.id(),
                node: named,
                auth: Authorization::unsigned(),
            }),
            &alice,
        );
        net.mine(vec![buy]);
    }
    for _ in 0..3 {
        net.mine(vec![]);
    }
    net
}
