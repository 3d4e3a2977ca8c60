//! Transparent accounts: who receives block rewards, owns tickets and
//! pledges, and funds shielding. An account is a Schnorr key on Jubjub (the
//! SDK's signature scheme) in its own signature domain, so a chain
//! signature can never be replayed as a spend authorisation or the reverse.

use rand_core::{CryptoRng, RngCore};
use superzk_keys::signature::{SigDomain, Signature, SigningKey, VerificationKey};

use crate::codec::hash;

/// Signature domain of chain accounts, votes and StakingNodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainAuth {}

impl SigDomain for ChainAuth {
    fn base() -> ark_ed_on_bls12_381::EdwardsAffine {
        superzk_circuits::generators::spend_auth_base()
    }
    const PERSONALIZATION: &'static [u8; 16] = b"SuperZK_ChainSig";
}

/// An account's public identity: its verification key's 32 bytes.
pub type AccountId = [u8; 32];

/// The secret key of an account (zeroized on drop, redacted in `Debug`).
#[derive(Clone, Debug)]
pub struct AccountKey(SigningKey<ChainAuth>);

impl AccountKey {
    /// A fresh random key.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self(SigningKey::random(rng))
    }

    /// A key derived from a seed and a label (devnet wallets, tests).
    pub fn from_seed(seed: &[u8], label: &str) -> Self {
        let wide = superzk_keys::encryption::blake2b_personal::<64>(
            b"SuperZK_ChainKey",
            &[seed, label.as_bytes()],
        );
        let scalar = <ark_ed_on_bls12_381::Fr as ark_ff::PrimeField>::from_le_bytes_mod_order(
            wide.as_slice(),
        );
        Self(SigningKey::from_scalar(scalar))
    }

    /// The public account id.
    pub fn id(&self) -> AccountId {
        self.0.verification_key().to_bytes()
    }

    /// Signs `msg`.
    pub fn sign<R: RngCore + CryptoRng>(&self, msg: &[u8; 32], rng: &mut R) -> Signature {
        self.0.sign(msg, rng)
    }
}

/// The verification key of an account id, if it is a valid key.
pub fn verification_key(id: &AccountId) -> Option<VerificationKey<ChainAuth>> {
    VerificationKey::from_bytes(id).ok()
}

/// What a vote endorses: one miner's block, named by its parent, height,
/// miner and the transactions after the coinbase (not the coinbase amounts,
/// votes, state root or proof of work, which are only known once the votes
/// are in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VotedBlock<'a> {
    /// The block's parent hash.
    pub parent: &'a [u8; 32],
    /// The block's height.
    pub height: u64,
    /// The account its coinbase pays: votes copied into another miner's
    /// block do not verify there.
    pub miner: &'a AccountId,
    /// [`crate::block::body_root`] of the transactions after the coinbase.
    pub body_root: &'a [u8; 32],
}

/// The message a vote signs: the block it endorses and the voting ticket.
pub fn vote_message(block: &VotedBlock, ticket: &[u8; 32]) -> [u8; 32] {
    hash(
        b"SuperZK_VoteMsg2",
        &[
            block.parent,
            &block.height.to_le_bytes(),
            block.miner,
            block.body_root,
            ticket,
        ],
    )
}
