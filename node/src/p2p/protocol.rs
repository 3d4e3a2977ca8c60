//! The peer protocol's wire formats (PROTOCOL.md "Peer protocol"): gossip
//! topics and their messages, and the sync protocol's requests and
//! responses with their codec. Everything a peer sends is decoded here with
//! every count and length bounded before anything is allocated; nothing
//! here panics on input.

use std::io;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::{gossipsub::IdentTopic, StreamProtocol};
use superzk_chain_core::{
    block::{Block, Header},
    codec::{Reader, Writer},
    error::DecodeError,
    tx::ChainTx,
};
use superzk_keys::signature::Signature;

use crate::votes::RoundAnnouncement;

/// The version byte every gossip message and sync message starts with.
pub const WIRE_VERSION: u8 = 1;
/// Bytes of a gossiped block message at most (a block with its proofs; the
/// gRPC API's bound too).
pub const MAX_BLOCK_MESSAGE: usize = 4 << 20;
/// Bytes of a gossiped transaction message at most (the mempool's bound on
/// one transaction, plus the version byte).
pub const MAX_TX_MESSAGE: usize = (1 << 20) + 1;
/// Bytes of a gossiped vote message: version, ticket, message, signature,
/// late flag.
pub const VOTE_MESSAGE_LEN: usize = 1 + 32 + 32 + 64 + 1;
/// Bytes of a gossiped round announcement: version, parent, height, miner,
/// body root, sequence number.
pub const ROUND_MESSAGE_LEN: usize = 1 + 32 + 8 + 32 + 32 + 4;
/// Headers one response carries at most.
pub const MAX_HEADERS: u32 = 2_000;
/// Blocks one response carries at most.
pub const MAX_BLOCKS: u32 = 128;
/// Bytes of blocks one response carries at most (at least one block is
/// sent, whatever its size up to [`MAX_BLOCK_MESSAGE`]).
pub const MAX_BLOCKS_BYTES: usize = 8 << 20;
/// Bytes of a sync request at most.
pub const MAX_REQUEST_BYTES: usize = 64;
/// Bytes of a sync response at most.
pub const MAX_RESPONSE_BYTES: usize = MAX_BLOCKS_BYTES + MAX_BLOCK_MESSAGE + 1024;

/// The sync protocol's name.
pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/superzk/sync/1");

/// What a gossip topic carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// New blocks.
    Blocks,
    /// Transactions entering mempools.
    Transactions,
    /// Votes for the block being built.
    Votes,
    /// Rounds: a miner's block that needs votes, for voters elsewhere.
    Rounds,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 4] = [Kind::Blocks, Kind::Transactions, Kind::Votes, Kind::Rounds];

    fn name(self) -> &'static str {
        match self {
            Kind::Blocks => "blocks",
            Kind::Transactions => "transactions",
            Kind::Votes => "votes",
            Kind::Rounds => "rounds",
        }
    }

    /// The topic of this kind on the chain `chain_id` (its genesis hash):
    /// nodes of other chains never share a mesh.
    pub fn topic(self, chain_id: &[u8; 32]) -> IdentTopic {
        IdentTopic::new(format!(
            "/superzk/{}/{}/1",
            hex::encode(chain_id),
            self.name()
        ))
    }

    /// Bytes of one message of this kind at most.
    pub fn max_bytes(self) -> usize {
        match self {
            Kind::Blocks => MAX_BLOCK_MESSAGE,
            Kind::Transactions => MAX_TX_MESSAGE,
            Kind::Votes => VOTE_MESSAGE_LEN,
            Kind::Rounds => ROUND_MESSAGE_LEN,
        }
    }
}

/// Why a peer's message was refused before the node saw it.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The message is larger than its kind allows.
    #[error("{what} of {size} bytes, more than the {max} allowed")]
    Oversize {
        /// What it was.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The version byte is not one this node speaks.
    #[error("wire version {0}, this node speaks {WIRE_VERSION}")]
    Version(u8),
    /// The bytes do not decode.
    #[error("undecodable: {0}")]
    Decode(#[from] DecodeError),
}

fn versioned(body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 1);
    v.push(WIRE_VERSION);
    v.extend_from_slice(body);
    v
}

fn unversioned(kind: Kind, bytes: &[u8]) -> Result<&[u8], WireError> {
    if bytes.len() > kind.max_bytes() {
        return Err(WireError::Oversize {
            what: kind.name(),
            size: bytes.len(),
            max: kind.max_bytes(),
        });
    }
    match bytes.split_first() {
        Some((&WIRE_VERSION, rest)) => Ok(rest),
        Some((&v, _)) => Err(WireError::Version(v)),
        None => Err(DecodeError::Truncated("version byte").into()),
    }
}

/// A block as gossiped.
pub fn encode_block(block: &Block) -> Vec<u8> {
    versioned(&block.to_bytes())
}

/// Decodes a gossiped block.
pub fn decode_block(bytes: &[u8]) -> Result<Block, WireError> {
    Ok(Block::from_bytes(unversioned(Kind::Blocks, bytes)?)?)
}

/// A transaction as gossiped.
pub fn encode_tx(tx: &ChainTx) -> Vec<u8> {
    versioned(&tx.to_bytes())
}

/// Decodes a gossiped transaction (nothing may follow it).
pub fn decode_tx(bytes: &[u8]) -> Result<ChainTx, WireError> {
    let mut r = Reader::new(unversioned(Kind::Transactions, bytes)?);
    let tx = ChainTx::read(&mut r)?;
    r.finish()?;
    Ok(tx)
}

/// A vote for the block being built, as gossiped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteMessage {
    /// The voting ticket.
    pub ticket: [u8; 32],
    /// The vote message it signs.
    pub message: [u8; 32],
    /// The signature.
    pub signature: Signature,
    /// A late vote (for the parent of the block being built).
    pub late: bool,
}

/// A vote as gossiped.
pub fn encode_vote(v: &VoteMessage) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(WIRE_VERSION)
        .bytes(&v.ticket)
        .bytes(&v.message)
        .bytes(&v.signature.to_bytes())
        .u8(u8::from(v.late));
    w.0
}

/// Decodes a gossiped vote.
pub fn decode_vote(bytes: &[u8]) -> Result<VoteMessage, WireError> {
    let mut r = Reader::new(unversioned(Kind::Votes, bytes)?);
    let ticket = r.array("vote ticket")?;
    let message = r.array("vote message")?;
    let signature = Signature::from_bytes(&r.array("vote signature")?);
    let late = match r.u8("late flag")? {
        0 => false,
        1 => true,
        _ => return Err(DecodeError::Invalid("late flag").into()),
    };
    r.finish()?;
    Ok(VoteMessage {
        ticket,
        message,
        signature,
        late,
    })
}

/// A round announcement as gossiped.
pub fn encode_round(a: &RoundAnnouncement) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(WIRE_VERSION)
        .bytes(&a.parent)
        .u64(a.height)
        .bytes(&a.miner)
        .bytes(&a.body_root)
        .u32(a.seq);
    w.0
}

/// Decodes a gossiped round announcement.
pub fn decode_round(bytes: &[u8]) -> Result<RoundAnnouncement, WireError> {
    let mut r = Reader::new(unversioned(Kind::Rounds, bytes)?);
    let a = RoundAnnouncement {
        parent: r.array("round parent")?,
        height: r.u64("round height")?,
        miner: r.array("round miner")?,
        body_root: r.array("round body root")?,
        seq: r.u32("round sequence number")?,
    };
    r.finish()?;
    Ok(a)
}

/// A sync request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The peer's chain, tip and work.
    Status,
    /// Best-chain headers from `start`, `count` at most.
    Headers {
        /// The first height.
        start: u64,
        /// How many.
        count: u32,
    },
    /// Best-chain blocks from `start`, `count` at most.
    Blocks {
        /// The first height.
        start: u64,
        /// How many.
        count: u32,
    },
}

/// A peer's chain and tip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The chain id (genesis hash).
    pub chain_id: [u8; 32],
    /// The tip's height.
    pub height: u64,
    /// The tip's hash.
    pub tip: [u8; 32],
    /// The best chain's cumulative work.
    pub work: u128,
}

/// A sync response.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// To [`Request::Status`].
    Status(Status),
    /// To [`Request::Headers`]: consecutive best-chain headers.
    Headers(Vec<Header>),
    /// To [`Request::Blocks`]: consecutive best-chain blocks.
    Blocks(Vec<Block>),
    /// The request was refused (a rate limit, a range beyond the tip).
    Refused(String),
}

const REQ_STATUS: u8 = 0;
const REQ_HEADERS: u8 = 1;
const REQ_BLOCKS: u8 = 2;
const RES_REFUSED: u8 = 0xff;
/// Bytes of a refusal's reason at most.
const MAX_REASON: usize = 256;

impl Request {
    /// Its encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(WIRE_VERSION);
        match self {
            Request::Status => {
                w.u8(REQ_STATUS);
            }
            Request::Headers { start, count } => {
                w.u8(REQ_HEADERS).u64(*start).u32(*count);
            }
            Request::Blocks { start, count } => {
                w.u8(REQ_BLOCKS).u64(*start).u32(*count);
            }
        }
        w.0
    }

    /// Decodes a request; counts above the limits are refused here.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        let v = r.u8("version")?;
        if v != WIRE_VERSION {
            return Err(WireError::Version(v));
        }
        let req = match r.u8("request kind")? {
            REQ_STATUS => Request::Status,
            k @ (REQ_HEADERS | REQ_BLOCKS) => {
                let start = r.u64("start height")?;
                let count = r.u32("count")?;
                let max = if k == REQ_HEADERS {
                    MAX_HEADERS
                } else {
                    MAX_BLOCKS
                };
                if count == 0 || count > max {
                    return Err(DecodeError::Invalid("count (1 to the kind's maximum)").into());
                }
                if k == REQ_HEADERS {
                    Request::Headers { start, count }
                } else {
                    Request::Blocks { start, count }
                }
            }
            _ => return Err(DecodeError::Invalid("request kind").into()),
        };
        r.finish()?;
        Ok(req)
    }
}

impl Response {
    /// Its encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(WIRE_VERSION);
        match self {
            Response::Status(s) => {
                w.u8(REQ_STATUS)
                    .bytes(&s.chain_id)
                    .u64(s.height)
                    .bytes(&s.tip)
                    .bytes(&s.work.to_le_bytes());
            }
            Response::Headers(hs) => {
                w.u8(REQ_HEADERS).u32(hs.len() as u32);
                for h in hs {
                    w.var_bytes(&h.to_bytes());
                }
            }
            Response::Blocks(bs) => {
                w.u8(REQ_BLOCKS).u32(bs.len() as u32);
                for b in bs {
                    w.var_bytes(&b.to_bytes());
                }
            }
            Response::Refused(reason) => {
                let reason = &reason.as_bytes()[..reason.len().min(MAX_REASON)];
                w.u8(RES_REFUSED).var_bytes(reason);
            }
        }
        w.0
    }

    /// Decodes a response; every count and length is bounded.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() > MAX_RESPONSE_BYTES {
            return Err(WireError::Oversize {
                what: "sync response",
                size: bytes.len(),
                max: MAX_RESPONSE_BYTES,
            });
        }
        let mut r = Reader::new(bytes);
        let v = r.u8("version")?;
        if v != WIRE_VERSION {
            return Err(WireError::Version(v));
        }
        let res = match r.u8("response kind")? {
            REQ_STATUS => Response::Status(Status {
                chain_id: r.array("chain id")?,
                height: r.u64("height")?,
                tip: r.array("tip")?,
                work: u128::from_le_bytes(r.array("work")?),
            }),
            REQ_HEADERS => {
                let n = r.count(MAX_HEADERS as usize, "headers")?;
                let mut hs = Vec::with_capacity(n);
                for _ in 0..n {
                    hs.push(Header::from_bytes(r.var_bytes(1024, "header")?)?);
                }
                Response::Headers(hs)
            }
            REQ_BLOCKS => {
                let n = r.count(MAX_BLOCKS as usize, "blocks")?;
                let mut bs = Vec::with_capacity(n);
                for _ in 0..n {
                    bs.push(Block::from_bytes(r.var_bytes(MAX_BLOCK_MESSAGE, "block")?)?);
                }
                Response::Blocks(bs)
            }
            RES_REFUSED => {
                let reason = r.var_bytes(MAX_REASON, "reason")?;
                Response::Refused(String::from_utf8_lossy(reason).into_owned())
            }
            _ => return Err(DecodeError::Invalid("response kind").into()),
        };
        r.finish()?;
        Ok(res)
    }
}

/// The sync protocol's codec: each message is a `u32` little-endian length
/// and that many bytes, bounded before reading.
#[derive(Clone, Copy, Debug, Default)]
pub struct SyncCodec;

async fn read_frame<T: AsyncRead + Unpin + Send>(io: &mut T, max: usize) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_le_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a sync message of {len} bytes, more than the {max} allowed"),
        ));
    }
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(io: &mut T, bytes: &[u8]) -> io::Result<()> {
    io.write_all(&(bytes.len() as u32).to_le_bytes()).await?;
    io.write_all(bytes).await?;
    io.close().await
}

fn invalid(e: WireError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

#[async_trait::async_trait]
impl libp2p::request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = Request;
    type Response = Response;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Request>
    where
        T: AsyncRead + Unpin + Send,
    {
        let bytes = read_frame(io, MAX_REQUEST_BYTES).await?;
        Request::from_bytes(&bytes).map_err(invalid)
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Response>
    where
        T: AsyncRead + Unpin + Send,
    {
        let bytes = read_frame(io, MAX_RESPONSE_BYTES).await?;
        Response::from_bytes(&bytes).map_err(invalid)
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Request,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &req.to_bytes()).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Response,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &res.to_bytes()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_bounds_hold() {
        for req in [
            Request::Status,
            Request::Headers {
                start: 7,
                count: MAX_HEADERS,
            },
            Request::Blocks {
                start: 0,
                count: MAX_BLOCKS,
            },
        ] {
            assert_eq!(Request::from_bytes(&req.to_bytes()).unwrap(), req);
        }
        let over = Request::Blocks {
            start: 0,
            count: MAX_BLOCKS + 1,
        };
        assert!(Request::from_bytes(&over.to_bytes()).is_err());
        let zero = Request::Headers { start: 0, count: 0 };
        assert!(Request::from_bytes(&zero.to_bytes()).is_err());
        let mut trailing = Request::Status.to_bytes();
        trailing.push(0);
        assert!(Request::from_bytes(&trailing).is_err());
    }

    #[test]
    fn garbage_never_decodes_nor_panics() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let _ = Request::from_bytes(&bytes);
            let _ = Response::from_bytes(&bytes);
            let _ = decode_block(&bytes);
            let _ = decode_tx(&bytes);
            let _ = decode_vote(&bytes);
            let _ = decode_round(&bytes);
        }
        assert!(matches!(decode_block(&[]), Err(WireError::Decode(_))));
        assert!(matches!(decode_block(&[9, 1]), Err(WireError::Version(9))));
        let big = vec![WIRE_VERSION; MAX_TX_MESSAGE + 1];
        assert!(matches!(decode_tx(&big), Err(WireError::Oversize { .. })));
    }

    #[test]
    fn responses_round_trip() {
        let s = Response::Status(Status {
            chain_id: [1; 32],
            height: 5,
            tip: [2; 32],
            work: u128::MAX - 3,
        });
        assert_eq!(Response::from_bytes(&s.to_bytes()).unwrap(), s);
        let r = Response::Refused("slow down".into());
        assert_eq!(Response::from_bytes(&r.to_bytes()).unwrap(), r);
        let long = Response::Refused("x".repeat(1000));
        match Response::from_bytes(&long.to_bytes()).unwrap() {
            Response::Refused(t) => assert_eq!(t.len(), MAX_REASON),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn votes_round_trip_and_refuse_a_bad_flag() {
        let v = VoteMessage {
            ticket: [3; 32],
            message: [4; 32],
            signature: Signature::from_bytes(&[5; 64]),
            late: true,
        };
        let bytes = encode_vote(&v);
        assert_eq!(bytes.len(), VOTE_MESSAGE_LEN);
        assert_eq!(decode_vote(&bytes).unwrap(), v);
        let mut bad = bytes.clone();
        *bad.last_mut().unwrap() = 2;
        assert!(decode_vote(&bad).is_err());
    }

    #[test]
    fn rounds_round_trip_and_refuse_wrong_lengths() {
        let a = RoundAnnouncement {
            parent: [1; 32],
            height: 77,
            miner: [2; 32],
            body_root: [3; 32],
            seq: 4,
        };
        let bytes = encode_round(&a);
        assert_eq!(bytes.len(), ROUND_MESSAGE_LEN);
        assert_eq!(decode_round(&bytes).unwrap(), a);
        assert!(decode_round(&bytes[..bytes.len() - 1]).is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            decode_round(&long),
            Err(WireError::Oversize { .. })
        ));
        let mut version = bytes;
        version[0] = 9;
        assert!(matches!(decode_round(&version), Err(WireError::Version(9))));
    }
}
