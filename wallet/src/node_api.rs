//! The node API's messages (superzk-proto, PROTOCOL.md "gRPC API") to and
//! from the wallet's types (feature `node-api`), for every transport that
//! carries them: the gRPC client of module `grpc` natively, gRPC-web over
//! `fetch` in the browser wallet. No tonic here, so it builds for wasm32.
//!
//! Every answer is checked before the wallet sees it (lengths, the height
//! asked for, the block a transaction is read from): a lying or broken node
//! gives a [`SourceError::Malformed`], never a panic.

use superzk_chain_core::{
    block::Block,
    tx::{ChainTx, ShieldedTx},
};
pub use superzk_proto::node as proto;
use superzk_verifier::transaction::Transaction;

use crate::source::{CompactBlock, CompactOutput, CompactTx, SourceError, TreeState, TxStatus};

fn malformed(what: &'static str, reason: impl Into<String>) -> SourceError {
    SourceError::Malformed {
        what,
        reason: reason.into(),
    }
}

fn bytes32(bytes: &[u8], what: &'static str) -> Result<[u8; 32], SourceError> {
    bytes
        .try_into()
        .map_err(|_| malformed(what, format!("{} bytes, not 32", bytes.len())))
}

/// The node's network name and chain id (its genesis block hash), out of
/// `Chain/GetStatus`'s answer.
pub fn chain_identity(status: proto::NodeStatus) -> Result<(String, [u8; 32]), SourceError> {
    Ok((status.network, bytes32(&status.chain_id, "chain id")?))
}

/// The best chain's tip (height and hash), out of
/// `LightClient/GetLatestBlock`'s answer.
pub fn tip(id: proto::BlockId) -> Result<(u64, [u8; 32]), SourceError> {
    Ok((id.height, bytes32(&id.hash, "block hash")?))
}

fn compact_output(o: proto::CompactOutput) -> Result<CompactOutput, SourceError> {
    Ok(CompactOutput {
        cm: bytes32(&o.cm, "note commitment")?,
        epk: bytes32(&o.epk, "ephemeral key")?,
        ciphertext: o.ciphertext,
    })
}

fn compact_tx(t: proto::CompactTx) -> Result<CompactTx, SourceError> {
    Ok(CompactTx {
        index: t.index,
        txid: bytes32(&t.txid, "transaction id")?,
        nullifiers: t
            .spends
            .iter()
            .map(|s| bytes32(&s.nullifier, "nullifier"))
            .collect::<Result<_, _>>()?,
        outputs: t
            .outputs
            .into_iter()
            .map(compact_output)
            .collect::<Result<_, _>>()?,
    })
}

/// A compact block as the node's API sends it, checked and converted (every
/// hash, nullifier, commitment and key must be 32 bytes).
pub fn compact_block(b: proto::CompactBlock) -> Result<CompactBlock, SourceError> {
    Ok(CompactBlock {
        height: b.height,
        hash: bytes32(&b.hash, "block hash")?,
        parent: bytes32(&b.parent, "parent hash")?,
        time: b.time,
        tree_size: b.tree_size,
        txs: b
            .txs
            .into_iter()
            .map(compact_tx)
            .collect::<Result<_, _>>()?,
    })
}

/// The next block of a `LightClient/GetCompactBlocks` stream for the range
/// ending at `end`, converted: it must be block `due` (the range's start
/// plus the blocks already read), and `due` must not be past `end`.
pub fn next_compact_block(
    b: proto::CompactBlock,
    due: u64,
    end: u64,
) -> Result<CompactBlock, SourceError> {
    if b.height != due || due > end {
        return Err(malformed(
            "compact block",
            format!("block {} where {due} was due", b.height),
        ));
    }
    compact_block(b)
}

/// The tree after block `height`, out of `LightClient/GetTreeState`'s
/// answer, checked to be for that block.
pub fn tree_state(s: proto::TreeState, height: u64) -> Result<TreeState, SourceError> {
    if s.height != height {
        return Err(malformed(
            "tree state",
            format!("for block {} when asked for {height}", s.height),
        ));
    }
    Ok(TreeState {
        height: s.height,
        hash: bytes32(&s.hash, "block hash")?,
        size: s.size,
        root: bytes32(&s.root, "tree root")?,
        frontier: s.frontier,
    })
}

/// `LightClient/GetBlock`'s request for the best chain's block at `height`.
pub fn block_request(height: u64) -> proto::BlockRequest {
    proto::BlockRequest {
        at: Some(proto::block_request::At::Height(height)),
    }
}

/// The shielded transaction at `index` of block `height`, out of the
/// answer to [`block_request`]`(height)`: the block must decode and be that
/// height, and its transaction at `index` must be shielded.
pub fn shielded_tx(
    raw: proto::RawBlock,
    height: u64,
    index: u32,
) -> Result<Transaction, SourceError> {
    let block = Block::from_bytes(&raw.block).map_err(|e| malformed("block", e.to_string()))?;
    if block.header.height != height {
        return Err(malformed(
            "block",
            format!("block {} when asked for {height}", block.header.height),
        ));
    }
    match block.txs.get(index as usize) {
        Some(ChainTx::Shielded(s)) => Ok(s.tx.clone()),
        Some(_) => Err(malformed(
            "block",
            format!("transaction {index} of block {height} is not shielded"),
        )),
        None => Err(malformed(
            "block",
            format!("block {height} has no transaction {index}"),
        )),
    }
}

/// `LightClient/SendTransaction`'s request for a shielded transaction:
/// wrapped as the chain's shielded transaction with no public part.
pub fn raw_transaction(tx: &Transaction) -> proto::RawTransaction {
    proto::RawTransaction {
        tx: as_chain_tx(tx).to_bytes(),
    }
}

/// The id the chain gives a shielded transaction sent with
/// [`raw_transaction`]: the id of its chain wrapping, which is what
/// `SendTransaction` answers and `GetTransactionStatus` takes (not the
/// shielded transaction's own [`Transaction::id`]).
pub fn chain_txid(tx: &Transaction) -> [u8; 32] {
    as_chain_tx(tx).id()
}

fn as_chain_tx(tx: &Transaction) -> ChainTx {
    ChainTx::Shielded(Box::new(ShieldedTx {
        tx: tx.clone(),
        public: None,
    }))
}

/// The chain's id of a sent transaction, out of
/// `LightClient/SendTransaction`'s answer.
pub fn sent_txid(reply: proto::SendResponse) -> Result<[u8; 32], SourceError> {
    bytes32(&reply.txid, "transaction id")
}

/// What the node knows of a transaction, out of
/// `LightClient/GetTransactionStatus`'s answer (a state this build does
/// not know reads as its default, Unknown).
pub fn tx_status(s: proto::TransactionStatus) -> TxStatus {
    use proto::transaction_status::State;
    match s.state() {
        State::Unknown => TxStatus::Unknown,
        State::Pending => TxStatus::Pending,
        State::Mined => TxStatus::Mined(s.height),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn malformed_what(r: Result<impl std::fmt::Debug, SourceError>) -> &'static str {
        match r {
            Err(SourceError::Malformed { what, .. }) => what,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    fn block(height: u64) -> proto::CompactBlock {
        proto::CompactBlock {
            height,
            hash: vec![1; 32],
            parent: vec![2; 32],
            time: 7,
            tree_size: 1,
            txs: vec![proto::CompactTx {
                index: 0,
                txid: vec![3; 32],
                spends: vec![proto::CompactSpend {
                    nullifier: vec![4; 32],
                }],
                outputs: vec![proto::CompactOutput {
                    cm: vec![5; 32],
                    epk: vec![6; 32],
                    ciphertext: vec![9; 148],
                }],
            }],
        }
    }

    #[test]
    fn a_well_formed_compact_block_converts_field_for_field() {
        let b = compact_block(block(3)).unwrap();
        assert_eq!(
            (b.height, b.hash, b.parent, b.time),
            (3, [1; 32], [2; 32], 7)
        );
        assert_eq!(b.tree_size, 1);
        let tx = &b.txs[0];
        assert_eq!(
            (tx.index, tx.txid, tx.nullifiers.clone()),
            (0, [3; 32], vec![[4; 32]])
        );
        assert_eq!(tx.outputs[0].cm, [5; 32]);
        assert_eq!(tx.outputs[0].epk, [6; 32]);
        assert_eq!(tx.outputs[0].ciphertext, vec![9; 148]);
    }

    /// A named way to damage a compact block.
    type Damage = (&'static str, fn(&mut proto::CompactBlock));

    #[test]
    fn every_32_byte_field_of_a_compact_block_is_checked() {
        let cases: [Damage; 6] = [
            ("block hash", |b| b.hash.truncate(31)),
            ("parent hash", |b| b.parent.push(0)),
            ("transaction id", |b| b.txs[0].txid.clear()),
            ("nullifier", |b| b.txs[0].spends[0].nullifier.push(0)),
            ("note commitment", |b| b.txs[0].outputs[0].cm.truncate(31)),
            ("ephemeral key", |b| b.txs[0].outputs[0].epk.push(1)),
        ];
        for (what, spoil) in cases {
            let mut b = block(1);
            spoil(&mut b);
            assert_eq!(malformed_what(compact_block(b)), what);
        }
    }

    #[test]
    fn a_stream_block_must_be_the_one_due_within_the_range() {
        assert_eq!(next_compact_block(block(5), 5, 9).unwrap().height, 5);
        assert_eq!(
            malformed_what(next_compact_block(block(6), 5, 9)),
            "compact block"
        );
        assert_eq!(
            malformed_what(next_compact_block(block(10), 10, 9)),
            "compact block"
        );
    }

    #[test]
    fn a_tree_state_must_be_for_the_block_asked_for() {
        let s = proto::TreeState {
            height: 4,
            hash: vec![1; 32],
            size: 3,
            root: vec![2; 32],
            frontier: vec![8, 9],
        };
        let t = tree_state(s.clone(), 4).unwrap();
        assert_eq!((t.height, t.hash, t.size, t.root), (4, [1; 32], 3, [2; 32]));
        assert_eq!(t.frontier, vec![8, 9]);
        assert_eq!(malformed_what(tree_state(s.clone(), 5)), "tree state");
        let short_root = proto::TreeState {
            root: vec![2; 31],
            ..s
        };
        assert_eq!(malformed_what(tree_state(short_root, 4)), "tree root");
    }

    #[test]
    fn ids_and_hashes_in_answers_must_be_32_bytes() {
        let id = proto::BlockId {
            height: 2,
            hash: vec![7; 32],
        };
        assert_eq!(tip(id).unwrap(), (2, [7; 32]));
        let short = proto::BlockId {
            height: 2,
            hash: vec![7; 3],
        };
        assert_eq!(malformed_what(tip(short)), "block hash");
        let status = proto::NodeStatus {
            network: "devnet".into(),
            chain_id: vec![1; 33],
            ..Default::default()
        };
        assert_eq!(malformed_what(chain_identity(status)), "chain id");
        let reply = proto::SendResponse { txid: vec![] };
        assert_eq!(malformed_what(sent_txid(reply)), "transaction id");
    }

    #[test]
    fn a_block_that_does_not_decode_is_malformed_not_a_panic() {
        let mut x = 0x9e37_79b9u32;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let raw = proto::RawBlock { block: bytes };
            assert_eq!(malformed_what(shielded_tx(raw, 1, 0)), "block");
        }
    }

    #[test]
    fn transaction_states_map_one_to_one_and_unknown_values_read_as_unknown() {
        use proto::transaction_status::State;
        let status = |state: i32, height| proto::TransactionStatus { state, height };
        assert_eq!(
            tx_status(status(State::Unknown as i32, 0)),
            TxStatus::Unknown
        );
        assert_eq!(
            tx_status(status(State::Pending as i32, 0)),
            TxStatus::Pending
        );
        assert_eq!(
            tx_status(status(State::Mined as i32, 9)),
            TxStatus::Mined(9)
        );
        assert_eq!(tx_status(status(77, 9)), TxStatus::Unknown);
    }

    #[test]
    fn chain_txid_is_the_id_of_the_sent_bytes_decoded() {
        // A real shielded transaction (the fixture a wallet sends), through
        // what the node does with the request: decode its bytes as a chain
        // transaction and take that one's id.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/transfer.tx");
        let bytes = std::fs::read(path).expect("fixtures/transfer.tx");
        let tx = Transaction::from_bytes(&bytes).expect("the fixture decodes");
        let sent = raw_transaction(&tx).tx;
        let mut r = superzk_chain_core::codec::Reader::new(&sent);
        let decoded = ChainTx::read(&mut r).expect("the request decodes");
        r.finish().expect("nothing after the transaction");
        assert!(matches!(&decoded, ChainTx::Shielded(s) if s.tx == tx && s.public.is_none()));
        assert_eq!(chain_txid(&tx), decoded.id());
        // Not the shielded transaction's own id: the node knows the other.
        assert_ne!(chain_txid(&tx), tx.id());
        // Another transaction, another id.
        let other = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/shield.tx"
        ))
        .expect("fixtures/shield.tx");
        let other = Transaction::from_bytes(&other).expect("the fixture decodes");
        assert_ne!(chain_txid(&other), chain_txid(&tx));
    }
}
