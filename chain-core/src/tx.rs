//! Chain transactions: the genesis allocation, the coinbase, ticket
//! purchases, StakingNode registration and withdrawal, and shielded SDK
//! transactions (with an optional transparent account that funds shielding
//! and receives unshielded value). Byte formats: docs/PROTOCOL.md §11.

use rand_core::{CryptoRng, RngCore};
use superzk_circuits::note::AssetId;
use superzk_keys::signature::Signature;
use superzk_verifier::transaction::Transaction;

use crate::{
    account::{AccountId, AccountKey},
    codec::{hash, Reader, Writer},
    error::DecodeError,
};

/// Most entries in any list of a chain transaction.
pub const MAX_ENTRIES: usize = 100_000;
/// Largest embedded shielded transaction, in bytes.
pub const MAX_SHIELDED_BYTES: usize = 16 << 20;

/// Coins given to an account by the genesis block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    /// The receiving account.
    pub account: AccountId,
    /// The asset.
    pub asset: AssetId,
    /// The amount in base units.
    pub amount: u64,
}

/// The block's payouts: the miner's 5/8 plus fees now; the voters' 2/8 and
/// the StakingNodes' 1/8 (and late votes' 2/3 shares) accrue and are paid
/// at the next settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coinbase {
    /// The miner's account.
    pub miner: AccountId,
    /// The miner's 5/8 plus every fee of the block.
    pub miner_amount: u64,
    /// Each voting ticket's share of 2/8.
    pub voter_rewards: Vec<([u8; 32], u64)>,
    /// Each vote's StakingNode share of 1/8 (by node id).
    pub node_rewards: Vec<([u8; 32], u64)>,
    /// Burned: shares of votes cast without a node, missing votes, the
    /// reward curves' shortfall, rounding.
    pub burned: u64,
    /// Each late vote's share (2/3 of the parent's per-vote share).
    pub late_voter_rewards: Vec<([u8; 32], u64)>,
    /// Each late vote's StakingNode share (2/3 of the parent's).
    pub late_node_rewards: Vec<([u8; 32], u64)>,
}

/// An account's authorisation of a transaction: its id, its next nonce
/// (replay protection) and a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The account.
    pub account: AccountId,
    /// Must equal the account's nonce; it then increments.
    pub nonce: u64,
    /// Signature over [`ChainTx::auth_message`].
    pub signature: Signature,
}

impl Authorization {
    /// A placeholder for a transaction being built: [`ChainTx::authorize`]
    /// fills in the account, nonce and signature.
    pub fn unsigned() -> Self {
        Self {
            account: [0; 32],
            nonce: 0,
            signature: Signature::from_bytes(&[0; 64]),
        }
    }
}

/// Locks coins in tickets at the current ticket price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketPurchase {
    /// Tickets bought (1 to the profile's maximum).
    pub count: u32,
    /// The most the buyer pays per ticket; the purchase fails above it.
    pub max_price: u64,
    /// The key that signs this ticket's votes (when no node is named).
    pub vote_key: AccountId,
    /// A StakingNode that votes for these tickets.
    pub node: Option<[u8; 32]>,
    /// The paying account; it gets the stake and rewards back.
    pub auth: Authorization,
}

/// Registers a StakingNode by pledging coins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRegistration {
    /// The key that signs the votes the node casts.
    pub vote_key: AccountId,
    /// The pledging account, the node's owner.
    pub auth: Authorization,
}

/// A StakingNode's owner asks for the pledge back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeWithdrawal {
    /// The node.
    pub node: [u8; 32],
    /// Its owner.
    pub auth: Authorization,
}

/// A shielded SDK transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct ShieldedTx {
    /// The transaction, as the SDK builds it.
    pub tx: Transaction,
    /// The account that pays value entering the pool and receives value
    /// leaving it; required when the transaction has public balances.
    pub public: Option<Authorization>,
}

/// A transaction of the chain.
#[derive(Clone, Debug, PartialEq)]
pub enum ChainTx {
    /// The initial allocation; only in the genesis block.
    Genesis(Vec<Allocation>),
    /// The block's payouts; first in every other block.
    Coinbase(Coinbase),
    /// Ticket purchase.
    BuyTickets(TicketPurchase),
    /// StakingNode registration.
    RegisterNode(NodeRegistration),
    /// StakingNode withdrawal.
    WithdrawNode(NodeWithdrawal),
    /// Shielded transaction.
    Shielded(Box<ShieldedTx>),
}

fn write_auth(w: &mut Writer, a: &Authorization) {
    w.bytes(&a.account)
        .u64(a.nonce)
        .bytes(&a.signature.to_bytes());
}

fn read_auth(r: &mut Reader) -> Result<Authorization, DecodeError> {
    Ok(Authorization {
        account: r.array("account")?,
        nonce: r.u64("nonce")?,
        signature: Signature::from_bytes(&r.array("signature")?),
    })
}

fn read_asset(r: &mut Reader) -> Result<AssetId, DecodeError> {
    let bytes: [u8; 32] = r.array("asset")?;
    superzk_keys::spending_key::decode_field(&bytes, "asset")
        .map(AssetId)
        .map_err(|_| DecodeError::Invalid("asset id (not a canonical field element)"))
}

fn write_pairs(w: &mut Writer, pairs: &[([u8; 32], u64)]) {
    w.u32(pairs.len() as u32);
    for (k, v) in pairs {
        w.bytes(k).u64(*v);
    }
}

fn read_pairs(r: &mut Reader, what: &'static str) -> Result<Vec<([u8; 32], u64)>, DecodeError> {
    let n = r.count(MAX_ENTRIES, what)?;
    (0..n).map(|_| Ok((r.array(what)?, r.u64(what)?))).collect()
}

impl ChainTx {
    fn tag(&self) -> u8 {
        match self {
            ChainTx::Genesis(_) => 0,
            ChainTx::Coinbase(_) => 1,
            ChainTx::BuyTickets(_) => 2,
            ChainTx::RegisterNode(_) => 3,
            ChainTx::WithdrawNode(_) => 4,
            ChainTx::Shielded(_) => 5,
        }
    }

    /// What the authorising account signs: everything but the
    /// authorisation's signature (for shielded transactions, the SDK's
    /// signature hash stands for the transaction).
    fn body(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(self.tag());
        match self {
            ChainTx::Genesis(allocations) => {
                w.u32(allocations.len() as u32);
                for a in allocations {
                    w.bytes(&a.account).bytes(&a.asset.to_bytes()).u64(a.amount);
                }
            }
            ChainTx::Coinbase(c) => {
                w.bytes(&c.miner).u64(c.miner_amount);
                write_pairs(&mut w, &c.voter_rewards);
                write_pairs(&mut w, &c.node_rewards);
                w.u64(c.burned);
                write_pairs(&mut w, &c.late_voter_rewards);
                write_pairs(&mut w, &c.late_node_rewards);
            }
            ChainTx::BuyTickets(t) => {
                w.u32(t.count).u64(t.max_price).bytes(&t.vote_key);
                match &t.node {
                    Some(n) => w.u8(1).bytes(n),
                    None => w.u8(0),
                };
            }
            ChainTx::RegisterNode(n) => {
                w.bytes(&n.vote_key);
            }
            ChainTx::WithdrawNode(n) => {
                w.bytes(&n.node);
            }
            ChainTx::Shielded(s) => {
                w.bytes(&s.tx.sighash());
            }
        }
        w.0
    }

    /// The authorisation, for transactions an account signs.
    pub fn authorization(&self) -> Option<&Authorization> {
        match self {
            ChainTx::BuyTickets(t) => Some(&t.auth),
            ChainTx::RegisterNode(n) => Some(&n.auth),
            ChainTx::WithdrawNode(n) => Some(&n.auth),
            ChainTx::Shielded(s) => s.public.as_ref(),
            ChainTx::Genesis(_) | ChainTx::Coinbase(_) => None,
        }
    }

    fn authorization_mut(&mut self) -> Option<&mut Authorization> {
        match self {
            ChainTx::BuyTickets(t) => Some(&mut t.auth),
            ChainTx::RegisterNode(n) => Some(&mut n.auth),
            ChainTx::WithdrawNode(n) => Some(&mut n.auth),
            ChainTx::Shielded(s) => s.public.as_mut(),
            ChainTx::Genesis(_) | ChainTx::Coinbase(_) => None,
        }
    }

    /// The message the authorising account signs on the chain `chain_id`
    /// (its genesis hash: a signature never replays on another chain).
    pub fn auth_message(&self, chain_id: &[u8; 32]) -> Option<[u8; 32]> {
        let a = self.authorization()?;
        Some(hash(
            b"SuperZK_AcctAut2",
            &[chain_id, &self.body(), &a.account, &a.nonce.to_le_bytes()],
        ))
    }

    /// Fills in the authorisation for the chain `chain_id`: `key`'s account,
    /// `nonce`, and the signature. Does nothing for the genesis and coinbase
    /// transactions.
    pub fn authorize<R: RngCore + CryptoRng>(
        &mut self,
        key: &AccountKey,
        nonce: u64,
        chain_id: &[u8; 32],
        rng: &mut R,
    ) {
        if let Some(a) = self.authorization_mut() {
            a.account = key.id();
            a.nonce = nonce;
        }
        if let Some(msg) = self.auth_message(chain_id) {
            let sig = key.sign(&msg, rng);
            if let Some(a) = self.authorization_mut() {
                a.signature = sig;
            }
        }
    }

    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            ChainTx::Shielded(s) => {
                w.u8(5).var_bytes(&s.tx.to_bytes());
                match &s.public {
                    Some(a) => write_auth(w.u8(1), a),
                    None => {
                        w.u8(0);
                    }
                }
            }
            other => {
                w.bytes(&other.body());
                if let Some(a) = other.authorization() {
                    write_auth(&mut w, a);
                }
            }
        }
        w.0
    }

    /// The transaction id: a hash of its canonical bytes.
    pub fn id(&self) -> [u8; 32] {
        hash(b"SuperZK_ChainTx_", &[&self.to_bytes()])
    }

    /// Decodes one transaction from `r`.
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(match r.u8("transaction kind")? {
            0 => {
                let n = r.count(MAX_ENTRIES, "allocations")?;
                let allocations = (0..n)
                    .map(|_| {
                        Ok(Allocation {
                            account: r.array("account")?,
                            asset: read_asset(r)?,
                            amount: r.u64("amount")?,
                        })
                    })
                    .collect::<Result<_, DecodeError>>()?;
                ChainTx::Genesis(allocations)
            }
            1 => ChainTx::Coinbase(Coinbase {
                miner: r.array("miner")?,
                miner_amount: r.u64("miner amount")?,
                voter_rewards: read_pairs(r, "voter rewards")?,
                node_rewards: read_pairs(r, "node rewards")?,
                burned: r.u64("burned")?,
                late_voter_rewards: read_pairs(r, "late voter rewards")?,
                late_node_rewards: read_pairs(r, "late node rewards")?,
            }),
            2 => {
                let count = r.u32("ticket count")?;
                let max_price = r.u64("max price")?;
                let vote_key = r.array("vote key")?;
                let node = match r.u8("node flag")? {
                    0 => None,
                    1 => Some(r.array("node")?),
                    _ => return Err(DecodeError::Invalid("node flag")),
                };
                ChainTx::BuyTickets(TicketPurchase {
                    count,
                    max_price,
                    vote_key,
                    node,
                    auth: read_auth(r)?,
                })
            }
            3 => ChainTx::RegisterNode(NodeRegistration {
                vote_key: r.array("vote key")?,
                auth: read_auth(r)?,
            }),
            4 => ChainTx::WithdrawNode(NodeWithdrawal {
                node: r.array("node")?,
                auth: read_auth(r)?,
            }),
            5 => {
                let tx = Transaction::from_bytes(
                    r.var_bytes(MAX_SHIELDED_BYTES, "shielded transaction")?,
                )?;
                let public = match r.u8("public account flag")? {
                    0 => None,
                    1 => Some(read_auth(r)?),
                    _ => return Err(DecodeError::Invalid("public account flag")),
                };
                ChainTx::Shielded(Box::new(ShieldedTx { tx, public }))
            }
            _ => return Err(DecodeError::Invalid("transaction kind")),
        })
    }
}
