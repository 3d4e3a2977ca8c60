//! Blocks applied to a live chain (chain-core): a small devnet chain with a
//! StakingNode, 30 tickets and a pending late vote is built once per process;
//! each input is a block to apply on its tip:
//!
//! - mode 0: the input, decoded as a block;
//! - mode 1: the valid next block's encoding with byte edits
//!   ([`superzk_fuzz::apply_edits`]);
//! - mode 2: the valid next block with structured edits (votes dropped,
//!   duplicated, moved between on-time and late, their signatures broken;
//!   coinbase amounts; header fields; transactions swapped, duplicated,
//!   dropped, or new signed ones added), then, as a flags byte asks,
//!   re-signed votes, recomputed roots, the state root the miner would
//!   compute, and the proof of work.
//!
//! Whatever the block: no panic; a refused block leaves the state root and
//! the height as they were; an accepted one leaves the supply conserved and
//! `undo_tip` restores the state root exactly.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_chain_core::{
    account::{vote_message, AccountKey, VotedBlock},
    block::{body_root, tx_root, votes_root, Block},
    chain::Chain,
    params::{ChainParams, COIN},
    pow,
    producer::NextDraw,
    tx::{Allocation, Authorization, ChainTx, NodeRegistration, NodeWithdrawal, TicketPurchase},
    validate::node_id,
};
use superzk_circuits::note::AssetId;
use superzk_keys::signature::Signature;

/// The node's clock: far after every block's time, so only the rules decide.
const NOW: u64 = 1_000_000;

struct Live {
    chain: Chain,
    alice: AccountKey,
    operator: AccountKey,
    miner: AccountKey,
    node: [u8; 32],
    chain_id: [u8; 32],
    /// A valid block on the tip, and its encoding.
    next: Block,
    next_bytes: Vec<u8>,
    /// Who votes on it.
    draw: NextDraw,
}

fn blank_auth() -> Authorization {
    Authorization {
        account: [0; 32],
        nonce: 0,
        signature: Signature::from_bytes(&[0; 64]),
    }
}

impl Live {
    fn signer(&self, id: &[u8; 32]) -> Option<&AccountKey> {
        [&self.alice, &self.operator]
            .into_iter()
            .find(|k| k.id() == *id)
    }

    /// A block on the tip with `txs`; every drawn ticket votes but the first
    /// `skip`; late voters vote.
    fn produce(&self, txs: Vec<ChainTx>, skip: usize, time: u64, rng: &mut ChaCha20Rng) -> Block {
        let mut skipped = 0;
        let mut vote_rng = ChaCha20Rng::seed_from_u64(time);
        self.chain
            .produce_block(
                self.miner.id(),
                time,
                txs,
                |d, msg| {
                    if !d.late && skipped < skip {
                        skipped += 1;
                        return None;
                    }
                    self.signer(&d.signer).map(|k| k.sign(msg, &mut vote_rng))
                },
                rng,
            )
            .expect("a valid block")
    }

    fn signed(
        &self,
        mut tx: ChainTx,
        key: &AccountKey,
        nonce: u64,
        rng: &mut ChaCha20Rng,
    ) -> ChainTx {
        tx.authorize(key, nonce, &self.chain_id, rng);
        tx
    }
}

/// The chain: genesis, a StakingNode, 15 plain tickets and 15 naming the
/// node, three empty blocks, one block missing a vote (so the next carries
/// a late vote); the next block is a settlement block.
fn build() -> Live {
    let dir = std::env::temp_dir().join(format!("superzk-fuzz-apply-block-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let mut chain = Chain::open(
        &dir.join("chain.redb"),
        ChainParams::devnet(),
        superzk_fuzz::verifying_keys().clone(),
    )
    .expect("a fresh store");
    // The store stays open; its file is unlinked now so that nothing is
    // left behind when the fuzzer exits (Linux keeps an open file alive).
    let _ = std::fs::remove_dir_all(&dir);
    chain.set_clock(std::sync::Arc::new(|| NOW));
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let alice = AccountKey::from_seed(b"fuzz", "alice");
    let operator = AccountKey::from_seed(b"fuzz", "operator");
    let alloc = |a: &AccountKey| Allocation {
        account: a.id(),
        asset: AssetId::native(),
        amount: 100_000 * COIN,
    };
    let genesis = chain
        .init_genesis(vec![alloc(&alice), alloc(&operator)], 1_000, &mut rng)
        .expect("genesis");
    let mut live = Live {
        chain,
        node: node_id(&operator.id(), 0),
        alice,
        operator,
        miner: AccountKey::from_seed(b"fuzz", "miner"),
        chain_id: genesis.hash(),
        next: genesis.clone(),
        next_bytes: vec![],
        draw: NextDraw {
            drawn: vec![],
            required: 0,
            late: vec![],
            mature: 0,
        },
    };
    let mut time = 1_000;
    let mut mine = |live: &Live, txs: Vec<ChainTx>, skip: usize, rng: &mut ChaCha20Rng| {
        time += 10;
        let b = live.produce(txs, skip, time, rng);
        live.chain.apply(&b, rng).expect("a valid block");
    };
    let reg = live.signed(
        ChainTx::RegisterNode(NodeRegistration {
            vote_key: live.operator.id(),
            auth: blank_auth(),
        }),
        &live.operator,
        0,
        &mut rng,
    );
    mine(&live, vec![reg], 0, &mut rng);
    for (nonce, node) in [(0, None), (1, Some(live.node))] {
        let buy = live.signed(
            ChainTx::BuyTickets(TicketPurchase {
                count: 15,
                max_price: 10 * COIN,
                vote_key: live.alice.id(),
                node,
                auth: blank_auth(),
            }),
            &live.alice,
            nonce,
            &mut rng,
        );
        mine(&live, vec![buy], 0, &mut rng);
    }
    for _ in 0..3 {
        mine(&live, vec![], 0, &mut rng);
    }
    mine(&live, vec![], 1, &mut rng);
    // The valid next block: votes, a late vote, a purchase.
    let buy = live.signed(
        ChainTx::BuyTickets(TicketPurchase {
            count: 2,
            max_price: 10 * COIN,
            vote_key: live.alice.id(),
            node: Some(live.node),
            auth: blank_auth(),
        }),
        &live.alice,
        2,
        &mut rng,
    );
    live.next = live.produce(vec![buy], 0, 1_100, &mut rng);
    live.next_bytes = live.next.to_bytes();
    live.draw = live.chain.next_draw_full().expect("the draw");
    // The unedited block is accepted, and undone exactly.
    let root = live.chain.state_root().expect("the state root");
    live.chain
        .apply(&live.next, &mut rng)
        .expect("the next block is valid");
    live.chain.undo_tip().expect("it undoes");
    assert_eq!(live.chain.state_root().expect("the state root"), root);
    live
}

fn live() -> &'static Mutex<Live> {
    static LIVE: OnceLock<Mutex<Live>> = OnceLock::new();
    LIVE.get_or_init(|| Mutex::new(build()))
}

/// Reads the input a byte at a time (zeros once it runs out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        b
    }
    fn u64(&mut self) -> u64 {
        let n = self.u8();
        // Small values mostly, sometimes a large one.
        match n >> 6 {
            0..=2 => u64::from(n & 0x3f),
            _ => u64::from_le_bytes(std::array::from_fn(|_| self.u8())),
        }
    }
    fn index(&mut self, len: usize) -> usize {
        usize::from(self.u8()) % len.max(1)
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One structured edit of `b`: of its votes, its coinbase, its header or
/// its transactions, as the first input byte picks.
fn edit(live: &Live, b: &mut Block, input: &mut Bytes, rng: &mut ChaCha20Rng) {
    let kind = input.u8() % 20;
    match kind {
        0..=6 | 18 => edit_votes(live, b, kind, input),
        7 | 8 => edit_coinbase(live, b, kind, input),
        9 => edit_header(b, input),
        10..=17 => edit_txs(live, b, kind, input, rng),
        _ => {}
    }
}

/// Votes and late votes removed, duplicated, moved, corrupted or forged.
fn edit_votes(live: &Live, b: &mut Block, kind: u8, input: &mut Bytes) {
    match kind {
        0 if !b.votes.is_empty() => {
            let i = input.index(b.votes.len());
            b.votes.remove(i);
        }
        1 if !b.votes.is_empty() => {
            let i = input.index(b.votes.len());
            b.votes.push(b.votes[i].clone());
        }
        2 if !b.votes.is_empty() => {
            let i = input.index(b.votes.len());
            let v = b.votes.remove(i);
            b.late_votes.push(v);
        }
        3 if !b.late_votes.is_empty() => {
            let i = input.index(b.late_votes.len());
            let v = b.late_votes.remove(i);
            b.votes.push(v);
        }
        4 if !b.late_votes.is_empty() => {
            let i = input.index(b.late_votes.len());
            if input.u8() & 1 == 0 {
                b.late_votes.remove(i);
            } else {
                b.late_votes.push(b.late_votes[i].clone());
            }
        }
        5 => {
            // A byte of a vote's signature or ticket.
            let all = b.votes.len() + b.late_votes.len();
            if all > 0 {
                let i = input.index(all);
                let v = if i < b.votes.len() {
                    &mut b.votes[i]
                } else {
                    &mut b.late_votes[i - b.votes.len()]
                };
                let at = input.index(96);
                let x = input.u8().max(1);
                if at < 32 {
                    v.ticket[at] ^= x;
                } else {
                    let mut s = v.signature.to_bytes();
                    s[at - 32] ^= x;
                    v.signature = Signature::from_bytes(&s);
                }
            }
        }
        6 => {
            // A vote by a ticket that was not drawn (a pool ticket or any).
            let ticket = live
                .draw
                .late
                .first()
                .map(|(t, _)| *t)
                .unwrap_or([input.u8(); 32]);
            if let Some(v) = b.votes.first() {
                let mut v = v.clone();
                v.ticket = ticket;
                b.votes.push(v);
            }
        }
        18 => {
            b.votes.reverse();
            b.late_votes.reverse();
        }
        _ => {}
    }
}

/// Coinbase amounts shifted or moved between lists; (8) paid to alice.
fn edit_coinbase(live: &Live, b: &mut Block, kind: u8, input: &mut Bytes) {
    match kind {
        7 | 8 => {
            if let Some(ChainTx::Coinbase(c)) = b.txs.first_mut() {
                let delta = input.u64();
                let up = input.u8() & 1 == 0;
                let shift = |v: &mut u64| {
                    *v = if up {
                        v.wrapping_add(delta)
                    } else {
                        v.wrapping_sub(delta)
                    }
                };
                match input.u8() % 7 {
                    0 => shift(&mut c.miner_amount),
                    1 => shift(&mut c.burned),
                    2 => c.voter_rewards.iter_mut().for_each(|(_, v)| shift(v)),
                    3 => c.node_rewards.iter_mut().for_each(|(_, v)| shift(v)),
                    4 => c.late_voter_rewards.iter_mut().for_each(|(_, v)| shift(v)),
                    5 => c.late_node_rewards.iter_mut().for_each(|(_, v)| shift(v)),
                    _ => {
                        // Move a payout between lists, or drop one.
                        if let Some(r) = c.voter_rewards.pop() {
                            c.late_voter_rewards.push(r);
                        } else if let Some(r) = c.late_voter_rewards.pop() {
                            c.node_rewards.push(r);
                        }
                    }
                }
                if kind == 8 {
                    c.miner = live.alice.id();
                }
            }
        }
        _ => {}
    }
}

/// One header field changed.
fn edit_header(b: &mut Block, input: &mut Bytes) {
    let d = input.u64();
    let h = &mut b.header;
    match input.u8() % 6 {
        0 => h.time = h.time.wrapping_add(d),
        1 => h.time = h.time.wrapping_sub(d),
        2 => h.height = h.height.wrapping_add(d | 1),
        3 => h.difficulty = h.difficulty.wrapping_add(d),
        4 => h.version = h.version.wrapping_add(d as u32 | 1),
        _ => h.parent[input.index(32)] ^= input.u8().max(1),
    }
}

/// Transactions reordered, duplicated, dropped, added or re-signed badly.
fn edit_txs(live: &Live, b: &mut Block, kind: u8, input: &mut Bytes, rng: &mut ChaCha20Rng) {
    match kind {
        10 if b.txs.len() > 1 => {
            let i = input.index(b.txs.len());
            let j = input.index(b.txs.len());
            b.txs.swap(i, j);
        }
        11 if !b.txs.is_empty() => {
            let i = input.index(b.txs.len());
            b.txs.push(b.txs[i].clone());
        }
        12 if !b.txs.is_empty() => {
            let i = input.index(b.txs.len());
            b.txs.remove(i);
        }
        13..=16 => {
            // A new transaction signed by alice or the operator, with a
            // nonce near the right one.
            let key = if input.u8() & 1 == 0 {
                live.alice.clone()
            } else {
                live.operator.clone()
            };
            let nonce = live.chain.nonce(&key.id()).unwrap_or(0);
            let nonce = match input.u8() % 4 {
                0 => nonce.wrapping_sub(1),
                1 => nonce + 1,
                _ => nonce,
            };
            let tx = match kind {
                13 => ChainTx::BuyTickets(TicketPurchase {
                    count: input.u64() as u32,
                    max_price: input.u64().wrapping_mul(COIN),
                    vote_key: key.id(),
                    node: (input.u8() & 1 == 1).then_some(live.node),
                    auth: blank_auth(),
                }),
                14 => ChainTx::RegisterNode(NodeRegistration {
                    vote_key: live.operator.id(),
                    auth: blank_auth(),
                }),
                15 => ChainTx::WithdrawNode(NodeWithdrawal {
                    node: if input.u8() & 1 == 0 {
                        live.node
                    } else {
                        [input.u8(); 32]
                    },
                    auth: blank_auth(),
                }),
                _ => ChainTx::Genesis(vec![Allocation {
                    account: key.id(),
                    asset: AssetId::native(),
                    amount: input.u64(),
                }]),
            };
            let tx = live.signed(tx, &key, nonce, rng);
            let at = 1 + input.index(b.txs.len());
            b.txs.insert(at.min(b.txs.len()), tx);
        }
        17 if !b.txs.is_empty() => {
            // An authorisation's nonce or signature changed after signing.
            let i = input.index(b.txs.len());
            let x = input.u8().max(1);
            let auth = match &mut b.txs[i] {
                ChainTx::BuyTickets(p) => Some(&mut p.auth),
                ChainTx::RegisterNode(r) => Some(&mut r.auth),
                ChainTx::WithdrawNode(w) => Some(&mut w.auth),
                _ => None,
            };
            if let Some(a) = auth {
                if x & 1 == 0 {
                    a.nonce ^= u64::from(x);
                } else {
                    let mut s = a.signature.to_bytes();
                    s[usize::from(x) % 64] ^= x;
                    a.signature = Signature::from_bytes(&s);
                }
            }
        }
        _ => {}
    }
}

/// Signs every vote of `b` again for its body, as the drawn keys would.
fn resign_votes(live: &Live, b: &mut Block, rng: &mut ChaCha20Rng) {
    let body = body_root(b.txs.get(1..).unwrap_or_default());
    let miner = match b.txs.first() {
        Some(ChainTx::Coinbase(c)) => c.miner,
        _ => live.miner.id(),
    };
    let endorsed = VotedBlock {
        parent: &b.header.parent,
        height: b.header.height,
        miner: &miner,
        body_root: &body,
    };
    for v in &mut b.votes {
        if let Some(d) = live.draw.drawn.iter().find(|d| d.ticket == v.ticket) {
            if let Some(k) = live.signer(&d.signer) {
                v.signature = k.sign(&vote_message(&endorsed, &v.ticket), rng);
            }
        }
    }
    for v in &mut b.late_votes {
        if let Some((_, rec)) = live.draw.late.iter().find(|(t, _)| *t == v.ticket) {
            if let Some(k) = live.signer(&rec.signer) {
                v.signature = k.sign(&rec.message, rng);
            }
        }
    }
}

/// Applies `b` and checks the state's invariants.
fn check(live: &Live, b: &Block, rng: &mut ChaCha20Rng) {
    let chain = &live.chain;
    let root = chain.state_root().expect("the state root");
    let height = chain.height().expect("the height");
    match chain.apply(b, rng) {
        Err(_) => {
            assert_eq!(
                chain.state_root().expect("root"),
                root,
                "a refused block changed the state"
            );
            assert_eq!(
                chain.height().expect("height"),
                height,
                "a refused block moved the tip"
            );
        }
        Ok(_) => {
            assert_eq!(chain.height().expect("height"), Some(b.header.height));
            assert!(
                chain.supply_audit().expect("audit").is_conserved(),
                "an accepted block broke the supply"
            );
            chain.undo_tip().expect("the block undoes");
            assert_eq!(
                chain.state_root().expect("root"),
                root,
                "undo did not restore the state"
            );
            assert_eq!(chain.height().expect("height"), height);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let live = live().lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = ChaCha20Rng::seed_from_u64(data.len() as u64);
    let mut input = Bytes(data);
    let block = match input.u8() % 3 {
        0 => match Block::from_bytes(input.0) {
            Ok(b) => b,
            Err(_) => return,
        },
        1 => {
            let bytes = superzk_fuzz::apply_edits(&live.next_bytes, input.0);
            match Block::from_bytes(&bytes) {
                Ok(b) => b,
                Err(_) => return,
            }
        }
        _ => {
            let flags = input.u8();
            let mut b = live.next.clone();
            let mut edits = 0;
            while !input.is_empty() && edits < 16 {
                edit(&live, &mut b, &mut input, &mut rng);
                edits += 1;
            }
            if flags & 1 == 0 {
                resign_votes(&live, &mut b, &mut rng);
            }
            if flags & 2 == 0 {
                b.header.tx_root = tx_root(&b.txs);
                b.header.votes_root = votes_root(&b.votes, &b.late_votes);
            }
            if flags & 4 == 0 {
                // What a miner computes; a block the rules refuse has none.
                if let Ok(root) = live.chain.state_root_after(&b, &mut rng) {
                    b.header.state_root = root;
                }
            }
            // Cheap at devnet difficulty; a raised difficulty is not mined.
            if flags & 8 == 0 && b.header.difficulty <= 1 << 12 {
                pow::mine(&mut b.header);
            }
            b
        }
    };
    check(&live, &block, &mut rng);
});
