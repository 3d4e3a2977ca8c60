//! The node, reached from a browser (or Node) through its gRPC-web API
//! (tonic-web, on the node's gRPC port): each call is one `fetch` POST with
//! a length-prefixed protobuf message; the answer is a list of message
//! frames then a trailer frame with the gRPC status.
//!
//! Sync itself is the wallet engine's, which reads a synchronous
//! [`ChainSource`]; fetches are async here. [`Prefetched`] bridges the two:
//! the engine runs on what was fetched so far, and where it needs more it
//! stops with a [`Need`]; the caller fetches that and runs it again. Each
//! of the engine's batches is one SQL transaction, so a stop loses nothing.

use std::{
    cell::RefCell,
    collections::{BTreeMap, HashMap},
};

use js_sys::{Function, Object, Reflect, Uint8Array};
use prost::Message;
use superzk_verifier::transaction::Transaction;
use superzk_wallet::{
    node_api::{self, proto},
    ChainSource, CompactBlock, SourceError, TreeState, TxStatus,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Compact blocks asked for per call (the node streams them).
pub(crate) const BLOCKS_PER_CALL: u64 = 500;

/// A frame's flag byte: set on the trailer frame.
const TRAILER: u8 = 0x80;

/// A node's gRPC-web endpoint: `http(s)://host:port`, or a path on the
/// page's own origin that a server forwards to the node.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    base: String,
}

fn unavailable(call: &str, what: impl std::fmt::Display) -> SourceError {
    SourceError::Unavailable(format!("{call}: {what}"))
}

fn malformed(what: &'static str, reason: impl Into<String>) -> SourceError {
    SourceError::Malformed {
        what,
        reason: reason.into(),
    }
}

fn js_text(v: &JsValue) -> String {
    v.as_string()
        .or_else(|| {
            v.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{v:?}"))
}

/// Calls `obj.name(args…)` and awaits it if it returns a promise.
async fn call_method(obj: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(obj, &name.into())?.dyn_into()?;
    let array: js_sys::Array = args.iter().collect();
    let result = f.apply(obj, &array)?;
    match result.dyn_into::<js_sys::Promise>() {
        Ok(p) => JsFuture::from(p).await,
        Err(v) => Ok(v),
    }
}

/// One length-prefixed message frame.
fn frame(message: &impl Message) -> Vec<u8> {
    let body = message.encode_to_vec();
    let mut out = Vec::with_capacity(5 + body.len());
    out.push(0);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// What a gRPC-web answer holds: its message frames, and its status.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    pub messages: Vec<Vec<u8>>,
    /// `grpc-status` (0 is OK) and `grpc-message`.
    pub status: Option<(u32, String)>,
}

/// Splits a gRPC-web body into frames. Refuses truncated frames.
pub(crate) fn parse_frames(mut body: &[u8]) -> Result<Answer, String> {
    let mut answer = Answer {
        messages: vec![],
        status: None,
    };
    while !body.is_empty() {
        if body.len() < 5 {
            return Err(format!("a frame header of {} bytes", body.len()));
        }
        let flag = body[0];
        let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
        let rest = &body[5..];
        if rest.len() < len {
            return Err(format!(
                "a frame of {len} bytes with {} left in the body",
                rest.len()
            ));
        }
        let (payload, next) = rest.split_at(len);
        if flag & TRAILER != 0 {
            answer.status = Some(parse_trailer(payload));
        } else if flag == 0 {
            answer.messages.push(payload.to_vec());
        } else {
            return Err(format!("a frame with flag {flag:#x} (compressed?)"));
        }
        body = next;
    }
    Ok(answer)
}

/// `grpc-status` and `grpc-message` out of trailer lines (`name:value`).
fn parse_trailer(payload: &[u8]) -> (u32, String) {
    let text = String::from_utf8_lossy(payload);
    let mut code = 2; // UNKNOWN, if the trailer has no status
    let mut message = String::new();
    for line in text.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "grpc-status" => code = value.trim().parse().unwrap_or(2),
            "grpc-message" => message = percent_decode(value.trim()),
            _ => {}
        }
    }
    (code, message)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A gRPC status as the wallet's source error.
fn status_error(call: &str, code: u32, message: &str) -> SourceError {
    match code {
        // UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED: try again later.
        14 | 4 | 8 => unavailable(call, message),
        _ => SourceError::Refused(format!("{call}: status {code}: {message}")),
    }
}

impl Node {
    /// The endpoint at `base` (no trailing slash needed).
    pub(crate) fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// One call: `service/method` with `request`; the answer's messages.
    async fn call(
        &self,
        method: &str,
        request: &impl Message,
    ) -> Result<Vec<Vec<u8>>, SourceError> {
        let url = format!("{}/superzk.node.v1.{method}", self.base);
        let init = Object::new();
        let headers = Object::new();
        let set = |o: &Object, k: &str, v: &JsValue| {
            // Setting a property on a fresh plain object cannot fail.
            let _ = Reflect::set(o, &k.into(), v);
        };
        set(
            &headers,
            "content-type",
            &"application/grpc-web+proto".into(),
        );
        set(&headers, "accept", &"application/grpc-web+proto".into());
        set(&headers, "x-grpc-web", &"1".into());
        set(&init, "method", &"POST".into());
        set(&init, "headers", &headers);
        set(
            &init,
            "body",
            &Uint8Array::from(frame(request).as_slice()).into(),
        );
        let global: JsValue = js_sys::global().into();
        let response = call_method(&global, "fetch", &[url.clone().into(), init.into()])
            .await
            .map_err(|e| unavailable(method, format!("{url}: {}", js_text(&e))))?;
        let http = Reflect::get(&response, &"status".into())
            .ok()
            .and_then(|s| s.as_f64())
            .unwrap_or(0.0) as u32;
        let headers = Reflect::get(&response, &"headers".into())
            .map_err(|e| unavailable(method, js_text(&e)))?;
        let header = |name: &'static str| {
            let headers = headers.clone();
            async move {
                call_method(&headers, "get", &[name.into()])
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
            }
        };
        if http != 200 {
            return Err(unavailable(
                method,
                format!("HTTP status {http} from {url}"),
            ));
        }
        // A call that fails at once answers with its status in the headers.
        if let Some(code) = header("grpc-status").await {
            let code: u32 = code.trim().parse().unwrap_or(2);
            if code != 0 {
                let message = header("grpc-message").await.unwrap_or_default();
                return Err(status_error(method, code, &percent_decode(&message)));
            }
        }
        let buffer = call_method(&response, "arrayBuffer", &[])
            .await
            .map_err(|e| unavailable(method, js_text(&e)))?;
        let body = Uint8Array::new(&buffer).to_vec();
        let answer = parse_frames(&body).map_err(|e| malformed("gRPC-web answer", e))?;
        match answer.status {
            Some((0, _)) | None => Ok(answer.messages),
            Some((code, message)) => Err(status_error(method, code, &message)),
        }
    }

    async fn unary<T: Message + Default>(
        &self,
        method: &str,
        request: &impl Message,
    ) -> Result<T, SourceError> {
        let messages = self.call(method, request).await?;
        let [one] = messages.as_slice() else {
            return Err(malformed(
                "gRPC-web answer",
                format!("{} messages to a unary call", messages.len()),
            ));
        };
        T::decode(one.as_slice()).map_err(|e| malformed("protobuf message", e.to_string()))
    }

    /// The node's network name and chain id (genesis block hash).
    pub(crate) async fn chain_identity(&self) -> Result<(String, [u8; 32]), SourceError> {
        let s: proto::NodeStatus = self
            .unary("Chain/GetStatus", &proto::StatusRequest {})
            .await?;
        node_api::chain_identity(s)
    }

    /// The best chain's tip.
    pub(crate) async fn tip(&self) -> Result<(u64, [u8; 32]), SourceError> {
        let id: proto::BlockId = self
            .unary("LightClient/GetLatestBlock", &proto::LatestBlockRequest {})
            .await?;
        node_api::tip(id)
    }

    /// Compact blocks `start..=end` (at most [`BLOCKS_PER_CALL`]), checked
    /// to be those heights in order.
    pub(crate) async fn compact_blocks(
        &self,
        start: u64,
        end: u64,
    ) -> Result<Vec<CompactBlock>, SourceError> {
        let end = end.min(start.saturating_add(BLOCKS_PER_CALL - 1));
        let messages = self
            .call(
                "LightClient/GetCompactBlocks",
                &proto::BlockRange { start, end },
            )
            .await?;
        let mut blocks = Vec::with_capacity(messages.len());
        for m in messages {
            let b = proto::CompactBlock::decode(m.as_slice())
                .map_err(|e| malformed("compact block", e.to_string()))?;
            let due = start + blocks.len() as u64;
            blocks.push(node_api::next_compact_block(b, due, end)?);
        }
        Ok(blocks)
    }

    /// The tree after block `height`.
    pub(crate) async fn tree_state(&self, height: u64) -> Result<TreeState, SourceError> {
        let s: proto::TreeState = self
            .unary(
                "LightClient/GetTreeState",
                &proto::TreeStateRequest { height },
            )
            .await?;
        node_api::tree_state(s, height)
    }

    /// The shielded transaction at `index` of block `height`.
    pub(crate) async fn transaction(
        &self,
        height: u64,
        index: u32,
    ) -> Result<Transaction, SourceError> {
        let raw: proto::RawBlock = self
            .unary("LightClient/GetBlock", &node_api::block_request(height))
            .await?;
        node_api::shielded_tx(raw, height, index)
    }

    /// Sends a shielded transaction; returns its chain id.
    pub(crate) async fn send(&self, tx: &Transaction) -> Result<[u8; 32], SourceError> {
        let reply: proto::SendResponse = self
            .unary(
                "LightClient/SendTransaction",
                &node_api::raw_transaction(tx),
            )
            .await?;
        node_api::sent_txid(reply)
    }

    /// Sends a shielded transaction, trying once more after a transport
    /// failure; returns its chain id.
    ///
    /// Proving holds the calling thread for seconds to minutes, long enough
    /// for a pooled connection to the node to be closed under it (fetch
    /// then fails at once), hence the second try. The first copy may also
    /// have reached the node with only its answer lost: the node then
    /// refuses the second as already pending. Nothing is sent twice either
    /// way; a refused second try whose transaction the node holds (pending
    /// or mined) is the first try's success, not an error.
    pub(crate) async fn send_retrying_once(
        &self,
        tx: &Transaction,
    ) -> Result<[u8; 32], SourceError> {
        match self.send(tx).await {
            Err(SourceError::Unavailable(_)) => {}
            sent => return sent,
        }
        match self.send(tx).await {
            Err(SourceError::Refused(reason)) => {
                let txid = node_api::chain_txid(tx);
                match self.status(&txid).await {
                    Ok(TxStatus::Pending | TxStatus::Mined(_)) => Ok(txid),
                    _ => Err(SourceError::Refused(reason)),
                }
            }
            sent => sent,
        }
    }

    /// What the node knows of a transaction.
    pub(crate) async fn status(&self, txid: &[u8; 32]) -> Result<TxStatus, SourceError> {
        let s: proto::TransactionStatus = self
            .unary(
                "LightClient/GetTransactionStatus",
                &proto::TxId {
                    txid: txid.to_vec(),
                },
            )
            .await?;
        Ok(node_api::tx_status(s))
    }
}

/// What the engine asked for that was not fetched yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    Blocks(u64, u64),
    Tree(u64),
    Transaction(u64, u32),
}

/// A chain source over what was fetched so far. Asked for anything else,
/// it records a [`Need`] and fails the engine's call.
#[derive(Default)]
pub(crate) struct Prefetched {
    pub tip: (u64, [u8; 32]),
    pub blocks: BTreeMap<u64, CompactBlock>,
    pub trees: HashMap<u64, TreeState>,
    pub txs: HashMap<(u64, u32), Transaction>,
    pub need: RefCell<Option<Need>>,
}

impl Prefetched {
    fn missing<T>(&self, need: Need) -> Result<T, SourceError> {
        *self.need.borrow_mut() = Some(need);
        Err(SourceError::Unavailable(format!(
            "not fetched yet: {need:?}"
        )))
    }

    /// Fetches what the engine last asked for. Blocks come a whole call at a
    /// time (older ones are dropped: the engine has stored them).
    pub(crate) async fn fetch(&mut self, node: &Node, need: Need) -> Result<(), SourceError> {
        match need {
            Need::Blocks(start, end) => {
                let end = end
                    .max(start.saturating_add(BLOCKS_PER_CALL - 1))
                    .min(self.tip.0);
                let blocks = node.compact_blocks(start, end.max(start)).await?;
                if blocks.is_empty() {
                    return Err(malformed("compact blocks", format!("none from {start}")));
                }
                self.blocks = blocks.into_iter().map(|b| (b.height, b)).collect();
            }
            Need::Tree(h) => {
                let t = node.tree_state(h).await?;
                self.trees.insert(h, t);
            }
            Need::Transaction(h, i) => {
                let t = node.transaction(h, i).await?;
                self.txs.insert((h, i), t);
            }
        }
        Ok(())
    }
}

impl ChainSource for Prefetched {
    fn tip(&self) -> Result<(u64, [u8; 32]), SourceError> {
        Ok(self.tip)
    }

    fn compact_blocks(&self, start: u64, end: u64) -> Result<Vec<CompactBlock>, SourceError> {
        if end < start {
            return Ok(vec![]);
        }
        if !self.blocks.contains_key(&start) {
            return self.missing(Need::Blocks(start, end));
        }
        Ok(self
            .blocks
            .range(start..=end)
            .map(|(_, b)| b.clone())
            .collect())
    }

    fn tree_state(&self, height: u64) -> Result<TreeState, SourceError> {
        match self.trees.get(&height) {
            Some(t) => Ok(t.clone()),
            None => self.missing(Need::Tree(height)),
        }
    }

    fn transaction(&self, height: u64, index: u32) -> Result<Transaction, SourceError> {
        match self.txs.get(&(height, index)) {
            Some(t) => Ok(t.clone()),
            None => self.missing(Need::Transaction(height, index)),
        }
    }

    fn send(&self, _tx: &Transaction) -> Result<[u8; 32], SourceError> {
        Err(SourceError::Refused(
            "sending goes through the node directly".into(),
        ))
    }

    fn status(&self, _txid: &[u8; 32]) -> Result<TxStatus, SourceError> {
        Err(SourceError::Refused(
            "status goes through the node directly".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_into_messages_and_a_trailer() {
        let mut body = vec![0, 0, 0, 0, 2, 8, 1];
        body.extend_from_slice(&[0, 0, 0, 0, 0]);
        let trailer = b"grpc-status:5\r\ngrpc-message:no%20such%20block\r\n";
        body.push(TRAILER);
        body.extend_from_slice(&(trailer.len() as u32).to_be_bytes());
        body.extend_from_slice(trailer);
        let a = parse_frames(&body).unwrap();
        assert_eq!(a.messages, vec![vec![8, 1], vec![]]);
        assert_eq!(a.status, Some((5, "no such block".into())));
    }

    #[test]
    fn truncated_and_compressed_frames_are_refused() {
        assert!(parse_frames(&[0, 0, 0]).is_err());
        assert!(parse_frames(&[0, 0, 0, 0, 9, 1, 2]).is_err());
        assert!(parse_frames(&[1, 0, 0, 0, 0]).is_err());
        assert_eq!(
            parse_frames(&[]).unwrap(),
            Answer {
                messages: vec![],
                status: None
            }
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut x = 0x1234_5678u32;
        for _ in 0..2000 {
            let len = (x % 64) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let _ = parse_frames(&bytes);
        }
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%41%zz"), "A%zz");
    }
}
