//! Scanning a batch of compact blocks, apart from storage: trial decryption
//! of every output for every account in parallel, the tree appends (ours
//! marked), spend detection by nullifier, and the enhancement that fetches
//! the full transactions we take part in for memos, asset names and the
//! outputs we sent. The result, a [`ScannedBatch`], is written by the sync
//! loop in one SQL transaction.

use std::collections::{BTreeSet, HashMap};

use superzk_circuits::{
    asset::AssetInfo, note::Note, note_kind::NoteKind, package::PackageNote, Fr,
};
use superzk_keys::{
    address::PaymentAddress,
    compact::{decrypt_compact_batch, CompactCiphertext, CompactFound, PreparedIvk},
    note_plaintext::{DecryptedPackage, MEMO_LEN},
    spending_key::{decode_field, encode_field, FullViewingKey},
};
use superzk_verifier::transaction::Transaction;

use crate::{
    accounts::AccountId,
    error::WalletError,
    source::{ChainSource, CompactBlock, CompactOutput},
    tree::WalletTree,
};

impl CompactCiphertext for &CompactOutput {
    fn cm(&self) -> &[u8; 32] {
        &self.cm
    }
    fn epk(&self) -> &[u8; 32] {
        &self.epk
    }
    fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }
}

/// An account's keys as scanning needs them.
pub(crate) struct ScanKey {
    pub(crate) account: AccountId,
    pub(crate) fvk: FullViewingKey,
    pub(crate) prepared: PreparedIvk,
}

impl ScanKey {
    pub(crate) fn new(account: AccountId, fvk: FullViewingKey) -> Self {
        let prepared = PreparedIvk::new(&fvk.incoming_viewing_key());
        Self {
            account,
            fvk,
            prepared,
        }
    }
}

/// What a received output holds.
// Only the wallet's own outputs of a batch are held this way, a handful:
// boxing the note variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Received {
    /// A note, with what the full transaction told of it.
    Note {
        note: Note,
        diversifier: [u8; 11],
        asset_info: AssetInfo,
        memo: [u8; MEMO_LEN],
    },
    /// A package (compact outputs carry packages whole).
    Package(Box<DecryptedPackage>),
}

/// One of our notes or packages found in the batch.
pub(crate) struct ReceivedOutput {
    pub(crate) account: AccountId,
    pub(crate) txid: [u8; 32],
    pub(crate) output_index: u32,
    pub(crate) position: u64,
    pub(crate) nullifier: [u8; 32],
    pub(crate) received: Received,
}

/// An output one of our accounts sent, read back with its outgoing key.
pub(crate) struct SentOutput {
    pub(crate) account: AccountId,
    pub(crate) txid: [u8; 32],
    pub(crate) output_index: u32,
    pub(crate) recipient: PaymentAddress,
    pub(crate) asset_info: AssetInfo,
    pub(crate) value: u64,
    pub(crate) memo: [u8; MEMO_LEN],
}

/// A transaction of the batch we take part in.
pub(crate) struct MinedTx {
    pub(crate) txid: [u8; 32],
    pub(crate) height: u64,
    pub(crate) index: u32,
    pub(crate) expiry_height: u64,
    pub(crate) fee: u64,
}

/// Everything a batch found, ready to store.
#[derive(Default)]
pub(crate) struct ScannedBatch {
    /// `(height, hash, tree size, time)` of each block.
    pub(crate) blocks: Vec<(u64, [u8; 32], u64, u64)>,
    pub(crate) txs: Vec<MinedTx>,
    pub(crate) received: Vec<ReceivedOutput>,
    /// `(nullifier, spending txid)` of our notes spent in the batch.
    pub(crate) spends: Vec<([u8; 32], [u8; 32])>,
    pub(crate) sent: Vec<SentOutput>,
    pub(crate) outputs_scanned: u64,
}

/// A found output before enhancement: where it is and what compact
/// decryption gave.
struct Hit {
    key: usize,
    block: usize,
    tx: usize,
    output_index: u32,
    position: u64,
    found: CompactFound,
}

/// Scans `blocks` (consecutive, checked by the caller) on top of `tree`;
/// `unspent` maps the nullifiers of the wallet's unspent notes to their
/// positions and gains those found here.
pub(crate) fn scan_batch(
    source: &impl ChainSource,
    keys: &[ScanKey],
    tree: &mut WalletTree,
    unspent: &mut HashMap<[u8; 32], u64>,
    blocks: &[CompactBlock],
) -> Result<ScannedBatch, WalletError> {
    let outputs: Vec<&CompactOutput> = blocks
        .iter()
        .flat_map(|b| b.txs.iter().flat_map(|t| t.outputs.iter()))
        .collect();
    let ivks: Vec<PreparedIvk> = keys.iter().map(|k| k.prepared.clone()).collect();
    let mut found = decrypt_compact_batch(&ivks, &outputs).into_iter();
    let mut batch = ScannedBatch {
        outputs_scanned: outputs.len() as u64,
        ..Default::default()
    };
    let mut hits = vec![];
    let mut ours: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (b, block) in blocks.iter().enumerate() {
        // Positions are counted here so a note's nullifier is known before
        // a later transaction of the same block could spend it; the block's
        // commitments then go into the tree at once, with its checkpoint.
        let mut position = tree.size();
        let mut cms = vec![];
        let mut spent_here = vec![];
        for (t, tx) in block.txs.iter().enumerate() {
            for nf in &tx.nullifiers {
                if let Some(spent) = unspent.remove(nf) {
                    spent_here.push(spent);
                    batch.spends.push((*nf, tx.txid));
                    ours.insert((b, t));
                }
            }
            for (i, output) in tx.outputs.iter().enumerate() {
                let hit = found.next().flatten();
                let cm = decode_field(&output.cm, "cm")
                    .map_err(|_| source_error("an output's commitment is not a field element"))?;
                cms.push((cm, hit.is_some()));
                if let Some((key, found)) = hit {
                    let nf = nullifier(&keys[key].fvk, &found, position);
                    unspent.insert(nf, position);
                    ours.insert((b, t));
                    hits.push(Hit {
                        key,
                        block: b,
                        tx: t,
                        output_index: i as u32,
                        position,
                        found,
                    });
                }
                position += 1;
            }
        }
        tree.append_block(block.height, &cms)?;
        for spent in spent_here {
            tree.unmark(spent, block.height)?;
        }
        if tree.size() != block.tree_size {
            return Err(source_error(&format!(
                "block {} says the tree holds {} notes, the wallet counts {}",
                block.height,
                block.tree_size,
                tree.size()
            )));
        }
        batch
            .blocks
            .push((block.height, block.hash, block.tree_size, block.time));
    }
    enhance(source, keys, tree, unspent, blocks, &ours, hits, &mut batch)?;
    Ok(batch)
}

fn nullifier(fvk: &FullViewingKey, found: &CompactFound, position: u64) -> [u8; 32] {
    encode_field(&match found {
        CompactFound::Note(n) => n.note.nullifier(&fvk.nk(), position),
        CompactFound::Package(p) => p.package.nullifier(&fvk.nk(), position),
    })
}

fn source_error(what: &str) -> WalletError {
    WalletError::InconsistentSource(what.to_owned())
}

/// Fetches the full transactions we take part in: memos and asset names of
/// our notes, fee and expiry, and the outputs our full accounts sent.
#[allow(clippy::too_many_arguments)]
fn enhance(
    source: &impl ChainSource,
    keys: &[ScanKey],
    tree: &mut WalletTree,
    unspent: &mut HashMap<[u8; 32], u64>,
    blocks: &[CompactBlock],
    ours: &BTreeSet<(usize, usize)>,
    hits: Vec<Hit>,
    batch: &mut ScannedBatch,
) -> Result<(), WalletError> {
    let mut full: HashMap<(usize, usize), Transaction> = HashMap::new();
    for &(b, t) in ours {
        let (block, ctx) = (&blocks[b], &blocks[b].txs[t]);
        let tx = source.transaction(block.height, ctx.index)?;
        if tx.all_outputs().count() != ctx.outputs.len() {
            return Err(source_error(
                "a full transaction differs from its compact form",
            ));
        }
        batch.txs.push(MinedTx {
            txid: ctx.txid,
            height: block.height,
            index: ctx.index,
            expiry_height: tx.expiry_height,
            fee: tx.fee,
        });
        for key in keys {
            sent_outputs(key, &tx, ctx.txid, &mut batch.sent);
        }
        full.insert((b, t), tx);
    }
    for hit in hits {
        let tx = &full[&(hit.block, hit.tx)];
        let txid = blocks[hit.block].txs[hit.tx].txid;
        let key = &keys[hit.key];
        let nf = nullifier(&key.fvk, &hit.found, hit.position);
        let received = match hit.found {
            CompactFound::Package(p) => Received::Package(p),
            CompactFound::Note(_) => {
                let output = tx
                    .all_outputs()
                    .nth(hit.output_index as usize)
                    .expect("counted above");
                let compact = &blocks[hit.block].txs[hit.tx].outputs[hit.output_index as usize];
                if encode_field(&output.cm) != compact.cm {
                    return Err(source_error("a full output differs from its compact form"));
                }
                let ivk = key.fvk.incoming_viewing_key();
                let d = ivk
                    .decrypt_output(&output.cm, &output.epk, &output.enc_ciphertext)
                    .ok_or_else(|| {
                        source_error("a full output does not decrypt as its compact form")
                    })?;
                // A ticket note of another value than 1 is no ticket (see
                // crate::holds_as_ticket): not kept, its
                // commitment stays in the tree as someone else's.
                if !crate::holds_as_ticket(&d.asset_info, d.note.value) {
                    tree.unmark(hit.position, blocks[hit.block].height)?;
                    unspent.remove(&nf);
                    continue;
                }
                Received::Note {
                    note: d.note.clone(),
                    diversifier: d.diversifier,
                    asset_info: d.asset_info.clone(),
                    memo: d.memo,
                }
            }
        };
        batch.received.push(ReceivedOutput {
            account: key.account,
            txid,
            output_index: hit.output_index,
            position: hit.position,
            nullifier: nf,
            received,
        });
    }
    Ok(())
}

/// The notes of `tx` that `key`'s outgoing viewing key reads back.
fn sent_outputs(key: &ScanKey, tx: &Transaction, txid: [u8; 32], out: &mut Vec<SentOutput>) {
    for (i, o) in tx.outputs.iter().enumerate() {
        let mut cv = [0u8; 32];
        if ark_serialize::CanonicalSerialize::serialize_compressed(&o.cv, &mut cv[..]).is_err() {
            continue;
        }
        let Some((pk_d, d)) =
            key.fvk
                .decrypt_sent_output(&o.cm, &cv, &o.epk, &o.out_ciphertext, &o.enc_ciphertext)
        else {
            continue;
        };
        let mut bytes = Vec::with_capacity(75);
        bytes.extend_from_slice(&d.diversifier);
        bytes.extend_from_slice(&encode_field(&d.note.owner));
        bytes.extend_from_slice(pk_d.compress().as_bytes());
        let Ok(recipient) = PaymentAddress::from_bytes(&bytes) else {
            continue;
        };
        out.push(SentOutput {
            account: key.account,
            txid,
            output_index: i as u32,
            recipient,
            asset_info: d.asset_info.clone(),
            value: d.note.value,
            memo: d.memo,
        });
    }
}

/// A package's contents as the wallet stores them: `key ‖ (asset ‖ value
/// LE ‖ asset info)×4`.
pub(crate) fn package_bytes(p: &DecryptedPackage) -> Result<Vec<u8>, WalletError> {
    let mut out = encode_field(&p.package.key).to_vec();
    for ((asset, value), info) in p.package.contents.iter().zip(&p.infos) {
        out.extend_from_slice(&encode_field(&asset.0));
        out.extend_from_slice(&value.to_le_bytes());
        out.extend_from_slice(&info.to_bytes().map_err(|_| WalletError::Corrupt {
            what: "package asset information",
        })?);
    }
    Ok(out)
}

/// Reads [`package_bytes`] back.
pub(crate) fn package_from_bytes(
    bytes: &[u8],
    owner: Fr,
    rho: Fr,
    rcm: Fr,
) -> Option<(PackageNote, [AssetInfo; 4])> {
    use superzk_circuits::{asset::ASSET_INFO_LEN, note::AssetId};
    const SLOT: usize = 32 + 8 + ASSET_INFO_LEN;
    if bytes.len() != 32 + 4 * SLOT {
        return None;
    }
    let key = decode_field(&bytes[..32], "package key").ok()?;
    let mut contents = [(AssetId::native(), 0u64); 4];
    let mut infos: [AssetInfo; 4] = std::array::from_fn(|_| AssetInfo::native());
    for (i, slot) in bytes[32..].chunks(SLOT).enumerate() {
        let asset = AssetId(decode_field(&slot[..32], "asset").ok()?);
        let value = u64::from_le_bytes(slot[32..40].try_into().ok()?);
        infos[i] = AssetInfo::from_bytes(&slot[40..]).ok()?;
        contents[i] = (asset, value);
    }
    Some((
        PackageNote {
            key,
            contents,
            owner,
            rho,
            rcm,
        },
        infos,
    ))
}
