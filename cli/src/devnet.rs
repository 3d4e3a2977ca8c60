//! A local devnet on `superzk-chain-core` for the CLI's demo and node: the
//! genesis accounts, a PoW miner, a StakingNode, a ticket holder whose drawn
//! tickets vote (directly or through the node), and one call that mines,
//! validates and applies the next block with the transactions given.

use std::path::Path;

use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, RngCore, SeedableRng};
use superzk_chain_core::{
    account::AccountKey,
    block::Block,
    chain::Chain,
    error::ChainError,
    params::{ChainParams, COIN},
    tx::{Allocation, Authorization, ChainTx, NodeRegistration, ShieldedTx, TicketPurchase},
    validate::node_id,
};
use superzk_circuits::note::AssetId;
use superzk_verifier::{transaction::Transaction, verify::VerifyingKeys};

/// Tickets bought in each of the two purchase blocks.
const TICKETS_PER_PURCHASE: u32 = 20;
/// Every this many blocks, the first drawn ticket stays silent (it is
/// discarded with its stake returned and earns nothing).
const SILENT_EVERY: u64 = 5;
/// Seconds between blocks on the devnet clock.
const BLOCK_SPACING: u64 = 10;

/// What the devnet has done so far.
#[derive(Default, Debug, Clone, Copy)]
struct DevnetStats {
    /// Blocks mined after genesis.
    blocks: u64,
    /// Votes included in blocks.
    votes: usize,
    /// Drawn tickets that stayed silent.
    silent: usize,
    /// Shielded transactions included.
    shielded: usize,
}

/// A devnet chain with its actors' account keys.
pub struct Devnet {
    /// The chain, on its embedded store.
    pub chain: Chain,
    /// Receives the 5/8 and the fees.
    pub miner: AccountKey,
    /// Holds public funds of every genesis asset, buys tickets and
    /// authorises shielding.
    pub holder: AccountKey,
    /// Runs the StakingNode.
    pub operator: AccountKey,
    rng: ChaCha20Rng,
    time: u64,
    stats: DevnetStats,
}

impl Devnet {
    /// A fresh devnet in the store file `path` (which must not hold a
    /// chain yet): genesis gives the holder `holder_funds` and the operator
    /// enough for the StakingNode pledge.
    pub fn create(
        path: &Path,
        keys: VerifyingKeys,
        holder_funds: &[(AssetId, u64)],
    ) -> Result<Self, ChainError> {
        let mut seed = [0; 32];
        OsRng.fill_bytes(&mut seed);
        Self::create_seeded(path, keys, holder_funds, seed)
    }

    /// As [`Devnet::create`], with the randomness of signatures and batch
    /// checks drawn from `seed`: the same calls give the same blocks, byte
    /// for byte (for fixtures).
    pub fn create_seeded(
        path: &Path,
        keys: VerifyingKeys,
        holder_funds: &[(AssetId, u64)],
        seed: [u8; 32],
    ) -> Result<Self, ChainError> {
        let chain = Chain::open(path, ChainParams::devnet(), keys)?;
        if chain.height()?.is_some() {
            return Err(ChainError::Usage(format!(
                "{} already holds a chain; use a fresh data directory",
                path.display()
            )));
        }
        let mut devnet = Self {
            chain,
            miner: AccountKey::from_seed(b"devnet", "miner"),
            holder: AccountKey::from_seed(b"devnet", "alice"),
            operator: AccountKey::from_seed(b"devnet", "staking-node operator"),
            rng: ChaCha20Rng::from_seed(seed),
            time: 1_700_000_000,
            stats: DevnetStats::default(),
        };
        let mut allocations: Vec<Allocation> = holder_funds
            .iter()
            .map(|&(asset, amount)| Allocation {
                account: devnet.holder.id(),
                asset,
                amount,
            })
            .collect();
        allocations.push(Allocation {
            account: devnet.operator.id(),
            asset: AssetId::native(),
            amount: 1_000_000 * COIN,
        });
        devnet
            .chain
            .init_genesis(allocations, devnet.time, &mut devnet.rng)?;
        Ok(devnet)
    }

    /// The proof-of-stake set-up, one block each: the operator registers a
    /// StakingNode, then the holder buys tickets twice, the second batch
    /// naming the node (so later blocks have votes cast both ways).
    pub fn stake(&mut self) -> Result<(), ChainError> {
        let registration = ChainTx::RegisterNode(NodeRegistration {
            vote_key: self.operator.id(),
            auth: Authorization::unsigned(),
        });
        let tx = self.authorized(registration, &self.operator.clone())?;
        self.mine(vec![tx])?;
        for through_node in [false, true] {
            let purchase = ChainTx::BuyTickets(TicketPurchase {
                count: TICKETS_PER_PURCHASE,
                max_price: 10 * COIN,
                vote_key: self.holder.id(),
                node: through_node.then(|| node_id(&self.operator.id(), 0)),
                auth: Authorization::unsigned(),
            });
            let tx = self.authorized(purchase, &self.holder.clone())?;
            self.mine(vec![tx])?;
        }
        Ok(())
    }

    /// How far ahead of the tip a transaction built now expires.
    pub const EXPIRY_MARGIN: u64 = 100;

    /// What a transaction built now for this devnet signs: the chain id
    /// (the genesis block hash) and the expiry height (the tip's height
    /// plus [`Self::EXPIRY_MARGIN`]).
    pub fn tx_binding(&self) -> Result<([u8; 32], u64), ChainError> {
        let genesis = self
            .chain
            .block(0)?
            .ok_or_else(|| ChainError::Usage("the devnet has no genesis block".into()))?;
        let tip = self.chain.height()?.unwrap_or(0);
        Ok((genesis.header.hash(), tip + Self::EXPIRY_MARGIN))
    }

    /// `tx` as a chain transaction; one that names a public account (it
    /// shields, unshields or issues tickets; the account must be the
    /// holder's, [`Self::holder`]) is authorised by the holder's account.
    pub fn shielded(&mut self, tx: Transaction) -> Result<ChainTx, ChainError> {
        let public = tx.public_account.is_some();
        let wrapped = ChainTx::Shielded(Box::new(ShieldedTx {
            tx,
            public: public.then(Authorization::unsigned),
        }));
        if public {
            self.authorized(wrapped, &self.holder.clone())
        } else {
            Ok(wrapped)
        }
    }

    fn authorized(&mut self, mut tx: ChainTx, key: &AccountKey) -> Result<ChainTx, ChainError> {
        let nonce = self.chain.nonce(&key.id())?;
        let chain_id = self.chain.chain_id()?.unwrap_or_default();
        tx.authorize(key, nonce, &chain_id, &mut self.rng);
        Ok(tx)
    }

    /// Mines the next block with `txs` (PoW, the drawn tickets' votes) and
    /// applies it, which validates it in full.
    pub fn mine(&mut self, txs: Vec<ChainTx>) -> Result<Block, ChainError> {
        self.time += BLOCK_SPACING;
        let height = self.stats.blocks + 1;
        let signers = [self.holder.clone(), self.operator.clone()];
        let mut vote_rng = ChaCha20Rng::seed_from_u64(height);
        let mut silent = height % SILENT_EVERY == 0;
        let mut stayed_silent = 0;
        let block = self.chain.produce_block(
            self.miner.id(),
            self.time,
            txs,
            |drawn, msg| {
                if std::mem::take(&mut silent) {
                    stayed_silent += 1;
                    return None;
                }
                signers
                    .iter()
                    .find(|k| k.id() == drawn.signer)
                    .map(|k| k.sign(msg, &mut vote_rng))
            },
            &mut self.rng,
        )?;
        self.chain.apply(&block, &mut self.rng)?;
        self.stats.blocks = height;
        self.stats.votes += block.votes.len();
        self.stats.silent += stayed_silent;
        self.stats.shielded += block
            .txs
            .iter()
            .filter(|t| matches!(t, ChainTx::Shielded(_)))
            .count();
        Ok(block)
    }

    /// One line on the chain's state: tickets, nodes, burned coins, the
    /// miner's balance.
    pub fn summary(&self) -> Result<String, ChainError> {
        let s = self.stats;
        Ok(format!(
            "{} blocks mined and validated; {} votes ({} drawn tickets stayed silent), \
             {} shielded transactions; pool {} tickets, {} StakingNode(s); burned {} base units; \
             miner's account {} base units",
            s.blocks,
            s.votes,
            s.silent,
            s.shielded,
            self.chain.tickets()?.len(),
            self.chain.nodes()?.len(),
            self.chain.burned()?,
            self.chain.balance(&self.miner.id(), &AssetId::native())?
        ))
    }
}
