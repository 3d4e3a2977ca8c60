//! The checks of a block that need no chain state, for verifying block and
//! chain files offline (`superzk verify`): the transaction and vote roots,
//! the coinbase's place, the proof of work, the chain links of a chain file,
//! and the account signatures. The shielded transactions are handed back so
//! that the caller verifies their proofs in one batch with everything else
//! it has (with any anchor accepted: anchors, nullifiers, balances, votes and
//! rewards need the state, which `superzk chain validate` rebuilds).

use rand_core::CryptoRngCore;
use superzk_verifier::{
    transaction::Transaction,
    verify::{verify_batch, AnyAnchor, VerifyingKeys},
};

use crate::{
    block::{read_block_file, Block},
    error::{BlockError, ChainError, DecodeError, Rule},
    pow::meets_target,
    tx::ChainTx,
    validate::{check_roots, verify_signatures},
};

/// What the offline check of a block file found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockFileSummary {
    /// The block's height.
    pub height: u64,
    /// The block's hash (of its header).
    pub hash: [u8; 32],
    /// Its chain transactions, coinbase included.
    pub transactions: usize,
    /// How many of them are shielded transactions.
    pub shielded: usize,
}

/// Why a block file is refused offline.
#[derive(Debug, thiserror::Error)]
pub enum BlockFileError {
    /// The bytes are no block file.
    #[error("malformed block file: {0}")]
    Malformed(#[from] DecodeError),
    /// A well-formed block that breaks a rule checkable without the state
    /// (always [`ChainError::Block`], naming the rule).
    #[error("{0}")]
    Invalid(ChainError),
}

/// Verifies a block file (SZKB) as far as it can be without the chain
/// state: [`check_block`], then every shielded transaction's proofs and
/// signatures in one batch (any anchor accepted). Votes, balances,
/// nullifiers, anchors, rewards and the state root need the state.
///
/// # Errors
///
/// [`BlockFileError::Malformed`] for bytes that are no block file;
/// [`BlockFileError::Invalid`] naming the first rule the block breaks.
pub fn verify_block_file(
    bytes: &[u8],
    keys: &VerifyingKeys,
    rng: &mut dyn CryptoRngCore,
) -> Result<BlockFileSummary, BlockFileError> {
    let (chain_id, block) = read_block_file(bytes)?;
    let height = block.header.height;
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let shielded: Vec<Transaction> = check_block(&block, &chain_id, seed)
        .map_err(BlockFileError::Invalid)?
        .into_iter()
        .cloned()
        .collect();
    if let Err(failure) = verify_batch(&shielded, keys, &AnyAnchor, rng) {
        let detail = failure
            .invalid
            .first()
            .map(|(k, reason)| format!("shielded transaction {k}: {reason}"))
            .unwrap_or_else(|| "the shielded transactions do not verify".into());
        return Err(BlockFileError::Invalid(refuse(
            height,
            Rule::ShieldedProofs,
            detail,
        )));
    }
    Ok(BlockFileSummary {
        height,
        hash: block.hash(),
        transactions: block.txs.len(),
        shielded: shielded.len(),
    })
}

fn refuse(height: u64, rule: Rule, detail: impl Into<String>) -> ChainError {
    ChainError::Block {
        height,
        error: BlockError::new(rule, detail),
    }
}

/// Checks `block` of the chain `chain_id` (its genesis hash) without state;
/// returns its shielded transactions, whose proofs and signatures the caller
/// must still verify.
pub fn check_block<'b>(
    block: &'b Block,
    chain_id: &[u8; 32],
    seed: [u8; 32],
) -> Result<Vec<&'b Transaction>, ChainError> {
    let h = &block.header;
    let fail = |rule, detail: &str| refuse(h.height, rule, detail);
    let at_height = |e: ChainError| match e {
        ChainError::Block { error, .. } => ChainError::Block {
            height: h.height,
            error,
        },
        other => other,
    };
    check_roots(block).map_err(at_height)?;
    let first_ok = match block.txs.first() {
        Some(ChainTx::Genesis(_)) => h.height == 0 && block.txs.len() == 1,
        Some(ChainTx::Coinbase(_)) => h.height > 0,
        _ => false,
    };
    let later_ok = !block
        .txs
        .iter()
        .skip(1)
        .any(|t| matches!(t, ChainTx::Coinbase(_) | ChainTx::Genesis(_)));
    if !first_ok || !later_ok {
        return Err(fail(
            Rule::Structure,
            "a block starts with its coinbase (genesis: one allocation) and holds no other",
        ));
    }
    // Genesis is not mined.
    if h.height > 0 && !meets_target(&h.hash(), h.difficulty) {
        return Err(fail(Rule::ProofOfWork, "header hash is above the target"));
    }
    let sigs: Vec<_> = block
        .txs
        .iter()
        .filter_map(|tx| {
            let a = tx.authorization()?;
            Some((a.account, tx.auth_message(chain_id)?, a.signature))
        })
        .collect();
    verify_signatures(&sigs, seed, "account authorisations in block order").map_err(at_height)?;
    Ok(block
        .txs
        .iter()
        .filter_map(|tx| match tx {
            ChainTx::Shielded(s) => Some(&s.tx),
            _ => None,
        })
        .collect())
}

/// Checks that `blocks` form a chain from genesis: heights count up from 0
/// and each block names its predecessor's hash.
pub fn check_links(blocks: &[Block]) -> Result<(), ChainError> {
    for (i, b) in blocks.iter().enumerate() {
        let h = &b.header;
        if h.height != i as u64 {
            return Err(refuse(
                i as u64,
                Rule::Structure,
                format!("block {i} of the file says height {}", h.height),
            ));
        }
        let parent = if i == 0 {
            [0; 32]
        } else {
            blocks[i - 1].hash()
        };
        if h.parent != parent {
            return Err(refuse(
                i as u64,
                Rule::Structure,
                "does not name the previous block as its parent",
            ));
        }
    }
    Ok(())
}
