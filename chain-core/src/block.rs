//! Blocks: a header (sealed by proof of work), the votes of the drawn
//! tickets, and the transactions. Canonical bytes and hashes; block files
//! ("SZKB") and chain files ("SZKC"). Formats: docs/PROTOCOL.md §11.

use rayon::prelude::*;
use superzk_keys::signature::Signature;

use crate::{
    codec::{hash, Reader, Writer},
    error::DecodeError,
    tx::ChainTx,
};

/// Most transactions in a block.
pub const MAX_BLOCK_TXS: usize = 10_000;
/// Most votes in a block.
pub const MAX_VOTES: usize = 16;
/// Largest block file, in bytes.
pub const MAX_BLOCK_BYTES: usize = 256 << 20;
/// Header format version (2: votes name the miner, blocks carry late votes).
pub const HEADER_VERSION: u32 = 2;

/// The sealed part of a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version ([`HEADER_VERSION`]).
    pub version: u32,
    /// Height: the parent's plus one; genesis is 0.
    pub height: u64,
    /// Hash of the parent header (zero for genesis).
    pub parent: [u8; 32],
    /// Seconds since the Unix epoch; greater than the parent's.
    pub time: u64,
    /// Expected hashes to find this block (the retarget rule fixes it).
    pub difficulty: u64,
    /// Commits to the transactions, in order.
    pub tx_root: [u8; 32],
    /// Commits to the votes, in order.
    pub votes_root: [u8; 32],
    /// Commits to the whole state after this block.
    pub state_root: [u8; 32],
    /// The miner's proof-of-work nonce.
    pub nonce: u64,
}

/// A drawn ticket's vote: a signature over the block's vote message by the
/// ticket's vote key or by its StakingNode's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vote {
    /// The voting ticket.
    pub ticket: [u8; 32],
    /// The signature.
    pub signature: Signature,
}

/// A block.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// Votes of drawn tickets.
    pub votes: Vec<Vote>,
    /// Late votes: votes for the parent block by tickets drawn for it whose
    /// votes it did not carry (they earn 2/3 of a vote's reward).
    pub late_votes: Vec<Vote>,
    /// Transactions: the coinbase first (genesis: one allocation).
    pub txs: Vec<ChainTx>,
}

impl Header {
    /// Canonical bytes (the proof of work hashes these).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(self.version)
            .u64(self.height)
            .bytes(&self.parent)
            .u64(self.time)
            .u64(self.difficulty)
            .bytes(&self.tx_root)
            .bytes(&self.votes_root)
            .bytes(&self.state_root)
            .u64(self.nonce);
        w.0
    }

    /// The block hash.
    pub fn hash(&self) -> [u8; 32] {
        hash(b"SuperZK_BlockHdr", &[&self.to_bytes()])
    }

    /// Decodes a header's canonical bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let h = Self::read(&mut r)?;
        r.finish()?;
        Ok(h)
    }

    fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        let version = r.u32("header version")?;
        if version != HEADER_VERSION {
            return Err(DecodeError::UnsupportedVersion(version.min(255) as u8));
        }
        Ok(Self {
            version,
            height: r.u64("height")?,
            parent: r.array("parent hash")?,
            time: r.u64("time")?,
            difficulty: r.u64("difficulty")?,
            tx_root: r.array("transaction root")?,
            votes_root: r.array("votes root")?,
            state_root: r.array("state root")?,
            nonce: r.u64("nonce")?,
        })
    }
}

/// The commitment to a block's transactions.
pub fn tx_root(txs: &[ChainTx]) -> [u8; 32] {
    let ids: Vec<[u8; 32]> = txs.iter().map(ChainTx::id).collect();
    hash(b"SuperZK_TxRoot__", &[&ids.concat()])
}

/// The commitment to a block's transactions after the coinbase: what votes
/// sign (the coinbase depends on who voted, so it cannot be signed).
pub fn body_root(txs: &[ChainTx]) -> [u8; 32] {
    let ids: Vec<[u8; 32]> = txs.iter().map(ChainTx::id).collect();
    hash(b"SuperZK_BodyRoot", &[&ids.concat()])
}

/// The commitment to a block's votes and late votes.
pub fn votes_root(votes: &[Vote], late_votes: &[Vote]) -> [u8; 32] {
    let mut w = Writer::default();
    write_votes(&mut w, votes);
    write_votes(&mut w, late_votes);
    hash(b"SuperZK_VoteRoot", &[&w.0])
}

fn write_votes(w: &mut Writer, votes: &[Vote]) {
    w.u32(votes.len() as u32);
    for v in votes {
        w.bytes(&v.ticket).bytes(&v.signature.to_bytes());
    }
}

fn read_votes(r: &mut Reader, what: &'static str) -> Result<Vec<Vote>, DecodeError> {
    let n = r.count(MAX_VOTES, what)?;
    (0..n)
        .map(|_| {
            Ok(Vote {
                ticket: r.array("vote ticket")?,
                signature: Signature::from_bytes(&r.array("vote signature")?),
            })
        })
        .collect()
}

impl Block {
    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes(&self.header.to_bytes());
        write_votes(&mut w, &self.votes);
        write_votes(&mut w, &self.late_votes);
        w.u32(self.txs.len() as u32);
        for tx in &self.txs {
            w.var_bytes(&tx.to_bytes());
        }
        w.0
    }

    /// Decodes a block; every embedded point is checked (a shielded
    /// transaction's `cv` and `rk` by its proofs, see
    /// `superzk_verifier::transaction`).
    ///
    /// Transactions are length-prefixed, so their bytes are delimited first
    /// and decoded in parallel (their proof points dominate a block's
    /// decoding). The error is the one a decoder reading front to back meets
    /// first: the first transaction that fails, in block order, before a
    /// framing error after it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let header = Header::read(&mut r)?;
        let votes = read_votes(&mut r, "votes")?;
        let late_votes = read_votes(&mut r, "late votes")?;
        let n = r.count(MAX_BLOCK_TXS, "transactions")?;
        let mut slices = Vec::with_capacity(n.min(1024));
        let mut framing = Ok(());
        for _ in 0..n {
            match r.var_bytes(MAX_BLOCK_BYTES, "transaction") {
                Ok(bytes) => slices.push(bytes),
                Err(e) => {
                    framing = Err(e);
                    break;
                }
            }
        }
        let decoded: Vec<Result<ChainTx, DecodeError>> = slices
            .par_iter()
            .map(|bytes| {
                let mut tr = Reader::new(bytes);
                let tx = ChainTx::read(&mut tr)?;
                tr.finish()?;
                Ok(tx)
            })
            .collect();
        let txs = decoded.into_iter().collect::<Result<Vec<_>, _>>()?;
        framing?;
        r.finish()?;
        Ok(Self {
            header,
            votes,
            late_votes,
            txs,
        })
    }

    /// The block hash.
    pub fn hash(&self) -> [u8; 32] {
        self.header.hash()
    }
}

/// Magic of a single-block file.
pub const BLOCK_FILE_MAGIC: &[u8; 4] = b"SZKB";
/// Magic of a chain file.
pub const CHAIN_FILE_MAGIC: &[u8; 4] = b"SZKC";
const FILE_VERSION: u8 = 2;

/// A block file: magic, version, the chain id (its genesis hash, which
/// account signatures commit to), the block.
pub fn block_file_bytes(chain_id: &[u8; 32], block: &Block) -> Vec<u8> {
    let mut w = Writer::default();
    w.bytes(BLOCK_FILE_MAGIC)
        .u8(FILE_VERSION)
        .bytes(chain_id)
        .bytes(&block.to_bytes());
    w.0
}

/// Reads a block file: the chain id and the block.
pub fn read_block_file(bytes: &[u8]) -> Result<([u8; 32], Block), DecodeError> {
    let mut r = Reader::new(bytes);
    if r.take(4, "magic")? != BLOCK_FILE_MAGIC {
        return Err(DecodeError::BadMagic("block"));
    }
    match r.u8("version")? {
        FILE_VERSION => {
            let chain_id = r.array("chain id")?;
            let block = Block::from_bytes(r.take(bytes.len() - 37, "block")?)?;
            Ok((chain_id, block))
        }
        v => Err(DecodeError::UnsupportedVersion(v)),
    }
}

/// An exported chain: the profile it runs under and its blocks from genesis.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainFile {
    /// The chain-parameters profile (`devnet`, `mainnet`).
    pub profile: String,
    /// The blocks, genesis first.
    pub blocks: Vec<Block>,
}

/// Most blocks in a chain file.
pub const MAX_CHAIN_BLOCKS: usize = 10_000_000;

impl ChainFile {
    /// Canonical bytes: magic, version, profile name, counted blocks.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes(CHAIN_FILE_MAGIC)
            .u8(FILE_VERSION)
            .var_bytes(self.profile.as_bytes())
            .u32(self.blocks.len() as u32);
        for b in &self.blocks {
            w.var_bytes(&b.to_bytes());
        }
        w.0
    }

    /// Reads a chain file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != CHAIN_FILE_MAGIC {
            return Err(DecodeError::BadMagic("chain"));
        }
        let v = r.u8("version")?;
        if v != FILE_VERSION {
            return Err(DecodeError::UnsupportedVersion(v));
        }
        let profile = String::from_utf8(r.var_bytes(64, "profile")?.to_vec())
            .map_err(|_| DecodeError::Invalid("profile name (not UTF-8)"))?;
        let n = r.count(MAX_CHAIN_BLOCKS, "blocks")?;
        let mut blocks = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            blocks.push(Block::from_bytes(r.var_bytes(MAX_BLOCK_BYTES, "block")?)?);
        }
        r.finish()?;
        Ok(Self { profile, blocks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed block fixture (a shielded transaction among others).
    fn fixture_block() -> Block {
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/block.szkb"),
        )
        .expect("committed fixture");
        read_block_file(&bytes).expect("the fixture decodes").1
    }

    /// The decoder before transactions were decoded in parallel: front to
    /// back, stopping at the first error.
    fn front_to_back(bytes: &[u8]) -> Result<Block, DecodeError> {
        let mut r = Reader::new(bytes);
        let header = Header::read(&mut r)?;
        let votes = read_votes(&mut r, "votes")?;
        let late_votes = read_votes(&mut r, "late votes")?;
        let n = r.count(MAX_BLOCK_TXS, "transactions")?;
        let mut txs = Vec::new();
        for _ in 0..n {
            let bytes = r.var_bytes(MAX_BLOCK_BYTES, "transaction")?;
            let mut tr = Reader::new(bytes);
            txs.push(ChainTx::read(&mut tr)?);
            tr.finish()?;
        }
        r.finish()?;
        Ok(Block {
            header,
            votes,
            late_votes,
            txs,
        })
    }

    #[test]
    fn parallel_decoding_gives_what_a_front_to_back_decoder_gives() {
        let mut block = fixture_block();
        assert!(
            block.txs.iter().any(|t| matches!(t, ChainTx::Shielded(_))),
            "the fixture holds a shielded transaction"
        );
        // Several transactions, so that errors in two of them race.
        block.txs = block.txs.iter().cycle().take(8).cloned().collect();
        let bytes = block.to_bytes();
        assert_eq!(Block::from_bytes(&bytes), Ok(block));
        // Corruptions everywhere: flipped bytes (in points, proofs, lengths,
        // counts), two at once (two failing transactions), and truncations.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut refused = 0;
        for round in 0..400 {
            let mut b = bytes.clone();
            for _ in 0..1 + round % 2 {
                let at = next() as usize % b.len();
                b[at] ^= (next() as u8) | 1;
            }
            if round % 5 == 0 {
                b.truncate(next() as usize % b.len());
            }
            let parallel = Block::from_bytes(&b);
            assert_eq!(parallel, front_to_back(&b), "round {round}");
            refused += usize::from(parallel.is_err());
        }
        // Flips inside ciphertexts and signatures still decode (signatures
        // and proofs are checked later): about a third of the rounds.
        assert!(refused > 100, "many corruptions are refused ({refused})");
    }
}
