//! The sync loop: from the last scanned block (or the earliest birthday) to
//! the source's tip, a batch at a time, each batch stored in one SQL
//! transaction; a reorg found by a parent-hash mismatch rewinds to the fork.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction as SqlTx};

use crate::{
    accounts::{from_sql, to_sql, AccountId},
    error::WalletError,
    scan::{package_bytes, scan_batch, Received, ScanKey, ScannedBatch},
    source::ChainSource,
    tree::WalletTree,
    Wallet,
};
use superzk_keys::{network::Network, spending_key::encode_field};

/// Blocks a reorg may undo without a rescan from the birthday (the tree's
/// checkpoints cover them).
pub const MAX_REORG_DEPTH: u64 = crate::tree::MAX_CHECKPOINTS as u64 - 1;

/// Where sync stands, reported after each batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// The last block scanned.
    pub scanned_height: u64,
    /// The source's tip when the batch was fetched.
    pub tip_height: u64,
    /// Compact outputs trial-decrypted in this sync so far.
    pub outputs_scanned: u64,
    /// Notes and packages found in this sync so far.
    pub notes_found: u64,
    /// Blocks undone by reorgs in this sync so far.
    pub blocks_rewound: u64,
}

/// How sync proceeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncOptions {
    /// Blocks fetched and stored per batch (at least 1).
    pub batch_blocks: u64,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self { batch_blocks: 100 }
    }
}

impl Wallet {
    /// Syncs to the source's tip with the default options.
    pub fn sync(
        &mut self,
        source: &impl ChainSource,
        progress: impl FnMut(SyncProgress),
    ) -> Result<SyncProgress, WalletError> {
        self.sync_with(source, SyncOptions::default(), progress)
    }

    /// Syncs to the source's tip. Interrupted at any point (an error, a
    /// crash), the wallet keeps every batch stored so far and resumes from
    /// its last scanned block.
    pub fn sync_with(
        &mut self,
        source: &impl ChainSource,
        options: SyncOptions,
        progress: impl FnMut(SyncProgress),
    ) -> Result<SyncProgress, WalletError> {
        self.sync_until(source, options, progress, || false)
    }

    /// As [`Wallet::sync_with`], stopping with [`WalletError::Stopped`] as
    /// soon as `stop` says so. `stop` is asked before each batch is fetched
    /// and again before it is scanned (a batch fetched but not yet stored is
    /// dropped), never inside the SQL transaction that stores a batch: a
    /// stopped wallet holds exactly the batches stored before, as after a
    /// crash, and the next sync resumes from there. `progress` may itself
    /// decide to stop (e.g. a cancel button's flag set from it): the next
    /// ask of `stop` sees it.
    pub fn sync_until(
        &mut self,
        source: &impl ChainSource,
        options: SyncOptions,
        mut progress: impl FnMut(SyncProgress),
        stop: impl Fn() -> bool,
    ) -> Result<SyncProgress, WalletError> {
        let mut state = SyncProgress::default();
        let keys = self.scan_keys()?;
        let network = self.network()?;
        if keys.is_empty() {
            return Ok(state);
        }
        let stopped = |w: &Self| -> WalletError {
            match w.last_scanned() {
                Ok(last) => WalletError::Stopped {
                    scanned_height: last.map(|l| l.0),
                },
                Err(e) => e,
            }
        };
        loop {
            if stop() {
                return Err(stopped(&*self));
            }
            let (tip, tip_hash) = source.tip()?;
            state.tip_height = tip;
            let birthday = self.earliest_birthday()?;
            let mut last = self.last_scanned()?;
            if last.is_none() && birthday > 0 && birthday - 1 <= tip {
                self.start_fresh(source, birthday - 1)?;
                last = self.last_scanned()?;
            }
            let start = last.map_or(birthday, |l| l.0 + 1);
            if start > tip {
                if let Some((h, hash)) = self.stored_block(tip)? {
                    if hash != tip_hash {
                        state.blocks_rewound += self.handle_reorg(source, tip.min(h))?;
                        continue;
                    }
                }
                state.scanned_height = last.map_or(start.saturating_sub(1), |l| l.0);
                return Ok(state);
            }
            let end = tip.min(start + options.batch_blocks.max(1) - 1);
            let blocks = source.compact_blocks(start, end)?;
            if stop() {
                return Err(stopped(&*self));
            }
            let Some(first) = blocks.first() else {
                return Ok(state);
            };
            if let Some((h, hash)) = last {
                if first.parent != hash {
                    state.blocks_rewound += self.handle_reorg(source, h)?;
                    continue;
                }
            }
            check_chain(&blocks, start, end)?;
            let found = self.scan_and_store(source, &keys, &blocks, network)?;
            state.outputs_scanned += found.0;
            state.notes_found += found.1;
            state.scanned_height = blocks.last().expect("not empty").height;
            progress(state);
        }
    }

    fn scan_keys(&self) -> Result<Vec<ScanKey>, WalletError> {
        self.accounts()?
            .into_iter()
            .map(|a| Ok(ScanKey::new(a.id, self.full_viewing_key(a.id)?)))
            .collect()
    }

    /// The last scanned block's height and hash.
    pub fn last_scanned(&self) -> Result<Option<(u64, [u8; 32])>, WalletError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT height, hash FROM blocks ORDER BY height DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(h, hash)| Ok((from_sql(h), hash32(hash, "block hash")?)))
            .transpose()
    }

    fn stored_block(&self, height: u64) -> Result<Option<(u64, [u8; 32])>, WalletError> {
        let hash: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT hash FROM blocks WHERE height = ?1",
                [to_sql(height)],
                |r| r.get(0),
            )
            .optional()?;
        hash.map(|h| Ok((height, hash32(h, "block hash")?)))
            .transpose()
    }

    fn earliest_birthday(&self) -> Result<u64, WalletError> {
        let birthday: i64 = self
            .conn
            .query_row("SELECT min(birthday) FROM accounts", [], |r| r.get(0))?;
        Ok(from_sql(birthday))
    }

    /// Starts an empty wallet below its earliest birthday, at block `below`,
    /// from the node's frontier there (not from genesis).
    fn start_fresh(&mut self, source: &impl ChainSource, below: u64) -> Result<(), WalletError> {
        let state = source.tree_state(below)?;
        let tree = WalletTree::from_frontier_bytes(below, &state.frontier)?;
        if state.height != below
            || tree.size() != state.size
            || encode_field(&tree.root_at(below)?) != state.root
        {
            return Err(WalletError::InconsistentSource(format!(
                "the tree state at height {below} does not match its size or root"
            )));
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO blocks (height, hash, tree_size, time) VALUES (?1, ?2, ?3, 0)",
            params![to_sql(below), &state.hash[..], to_sql(state.size)],
        )?;
        save_tree(&tx, &tree)?;
        tx.commit()?;
        Ok(())
    }

    /// Walks back from `from` to the highest block whose stored hash is the
    /// source's, and rewinds there. Returns how many blocks were undone.
    fn handle_reorg(&mut self, source: &impl ChainSource, from: u64) -> Result<u64, WalletError> {
        let top = self.last_scanned()?.map_or(0, |l| l.0);
        let mut height = from;
        let fork = loop {
            match self.stored_block(height)? {
                None => break None,
                Some((_, ours)) => {
                    let theirs = source.compact_blocks(height, height)?;
                    if theirs.first().is_some_and(|b| b.hash == ours) {
                        break Some(height);
                    }
                }
            }
            match height.checked_sub(1) {
                Some(h) => height = h,
                None => break None,
            }
        };
        if fork == Some(top) {
            // The source's block above ours does not name ours as parent,
            // yet it agrees on ours: it contradicts itself. Looping would
            // rewind nothing, forever.
            return Err(WalletError::InconsistentSource(format!(
                "the block after {top} does not follow the source's own block {top}"
            )));
        }
        tracing::info!(?fork, top, "chain reorganisation: rewinding the wallet");
        let tx = self.conn.transaction()?;
        let kept = rewind(&tx, fork)?;
        tx.commit()?;
        Ok(top - kept.unwrap_or(0))
    }

    /// Scans `blocks` and stores everything in one SQL transaction.
    /// Returns (outputs scanned, notes found).
    fn scan_and_store(
        &mut self,
        source: &impl ChainSource,
        keys: &[ScanKey],
        blocks: &[crate::source::CompactBlock],
        network: Network,
    ) -> Result<(u64, u64), WalletError> {
        let last = self.last_scanned()?.map(|l| l.0);
        let mut tree = match last {
            Some(h) => load_tree(&self.conn, h)?,
            None => WalletTree::new(),
        };
        let mut unspent = self.unspent_nullifiers()?;
        let batch = scan_batch(source, keys, &mut tree, &mut unspent, blocks)?;
        let tx = self.conn.transaction()?;
        store_batch(&tx, &batch, network)?;
        let height = blocks.last().expect("not empty").height;
        save_tree(&tx, &tree)?;
        release_expired(&tx, height)?;
        tx.commit()?;
        Ok((batch.outputs_scanned, batch.received.len() as u64))
    }

    fn unspent_nullifiers(&self) -> Result<HashMap<[u8; 32], u64>, WalletError> {
        let mut stmt = self
            .conn
            .prepare("SELECT nullifier, position FROM received_notes WHERE spent_tx IS NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
        rows.map(|row| {
            let (nf, pos) = row?;
            Ok((hash32(nf, "nullifier")?, from_sql(pos)))
        })
        .collect()
    }
}

/// Blocks must be `start..` in order, each the child of the one before.
fn check_chain(
    blocks: &[crate::source::CompactBlock],
    start: u64,
    end: u64,
) -> Result<(), WalletError> {
    if blocks.len() as u64 > end - start + 1 {
        return Err(WalletError::InconsistentSource(
            "more blocks than asked for".into(),
        ));
    }
    for (i, b) in blocks.iter().enumerate() {
        if b.height != start + i as u64 {
            return Err(WalletError::InconsistentSource(format!(
                "block {} where {} was expected",
                b.height,
                start + i as u64
            )));
        }
        if i > 0 && b.parent != blocks[i - 1].hash {
            return Err(WalletError::InconsistentSource(format!(
                "block {} is not the child of block {}; the chain changed during the fetch, retry",
                b.height,
                b.height - 1
            )));
        }
    }
    Ok(())
}

fn hash32(bytes: Vec<u8>, what: &'static str) -> Result<[u8; 32], WalletError> {
    bytes.try_into().map_err(|_| WalletError::Corrupt { what })
}

fn tx_row(tx: &SqlTx, txid: &[u8; 32]) -> Result<i64, WalletError> {
    tx.execute(
        "INSERT INTO transactions (txid) VALUES (?1) ON CONFLICT (txid) DO NOTHING",
        [&txid[..]],
    )?;
    Ok(tx.query_row(
        "SELECT id FROM transactions WHERE txid = ?1",
        [&txid[..]],
        |r| r.get(0),
    )?)
}

fn store_batch(tx: &SqlTx, batch: &ScannedBatch, network: Network) -> Result<(), WalletError> {
    for (height, hash, size, time) in &batch.blocks {
        tx.execute(
            "INSERT INTO blocks (height, hash, tree_size, time) VALUES (?1, ?2, ?3, ?4)",
            params![to_sql(*height), &hash[..], to_sql(*size), to_sql(*time)],
        )?;
    }
    for m in &batch.txs {
        let id = tx_row(tx, &m.txid)?;
        tx.execute(
            "UPDATE transactions SET mined_height = ?2, tx_index = ?3, expiry_height = ?4, fee = ?5 WHERE id = ?1",
            params![id, to_sql(m.height), m.index, to_sql(m.expiry_height), to_sql(m.fee)],
        )?;
    }
    for r in &batch.received {
        store_received(tx, r)?;
    }
    for (nf, txid) in &batch.spends {
        let id = tx_row(tx, txid)?;
        tx.execute(
            "UPDATE received_notes SET spent_tx = ?2 WHERE nullifier = ?1",
            params![&nf[..], id],
        )?;
    }
    for s in &batch.sent {
        let id = tx_row(tx, &s.txid)?;
        let info = s.asset_info.to_bytes().map_err(|_| WalletError::Corrupt {
            what: "asset information",
        })?;
        tx.execute(
            "INSERT INTO sent_notes (tx_id, output_index, from_account, recipient, asset_info, value, memo)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (tx_id, output_index) DO NOTHING",
            params![id, s.output_index, s.account.0, s.recipient.encode_for(network), &info[..], to_sql(s.value), &s.memo[..]],
        )?;
    }
    Ok(())
}

fn store_received(tx: &SqlTx, r: &crate::scan::ReceivedOutput) -> Result<(), WalletError> {
    let id = tx_row(tx, &r.txid)?;
    let AccountId(account) = r.account;
    let (is_package, asset, value, d, rho, rcm, memo, info, package) = match &r.received {
        Received::Note {
            note,
            diversifier,
            asset_info,
            memo,
        } => (
            false,
            Some(encode_field(&note.asset.0).to_vec()),
            Some(to_sql(note.value)),
            diversifier.to_vec(),
            encode_field(&note.rho),
            encode_field(&note.rcm),
            memo.to_vec(),
            Some(asset_info.to_bytes().map_err(|_| WalletError::Corrupt {
                what: "asset information",
            })?),
            None,
        ),
        Received::Package(p) => (
            true,
            None,
            None,
            p.diversifier.to_vec(),
            encode_field(&p.package.rho),
            encode_field(&p.package.rcm),
            p.memo.to_vec(),
            None,
            Some(package_bytes(p)?),
        ),
    };
    tx.execute(
        "INSERT INTO received_notes (account_id, tx_id, output_index, is_package, asset, value,
            diversifier, rho, rcm, position, nullifier, memo, asset_info, package)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            account,
            id,
            r.output_index,
            is_package,
            asset,
            value,
            d,
            &rho[..],
            &rcm[..],
            to_sql(r.position),
            &r.nullifier[..],
            memo,
            info.map(|i| i.to_vec()),
            package
        ],
    )?;
    Ok(())
}

fn save_tree(tx: &SqlTx, tree: &WalletTree) -> Result<(), WalletError> {
    let height = tree.tip().ok_or(WalletError::Corrupt {
        what: "note commitment tree (no block)",
    })?;
    tx.execute(
        "INSERT OR REPLACE INTO wallet_tree (id, height, bytes) VALUES (0, ?1, ?2)",
        params![to_sql(height), tree.to_bytes()],
    )?;
    Ok(())
}

/// The stored tree, which must be at the last scanned block `height`.
pub(crate) fn load_tree(
    conn: &rusqlite::Connection,
    height: u64,
) -> Result<WalletTree, WalletError> {
    let corrupt = WalletError::Corrupt {
        what: "note commitment tree",
    };
    let (at, bytes): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT height, bytes FROM wallet_tree WHERE id = 0",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(WalletError::Corrupt {
            what: "note commitment tree (missing)",
        })?;
    let tree = WalletTree::from_bytes(&bytes)?;
    if from_sql(at) != height || tree.tip() != Some(height) {
        return Err(corrupt);
    }
    Ok(tree)
}

/// Releases the pending marks of transactions that can no longer be mined:
/// the chain is past their expiry height and they spent nothing.
fn release_expired(tx: &SqlTx, height: u64) -> Result<(), WalletError> {
    tx.execute(
        "UPDATE received_notes SET pending_tx = NULL, pending_expiry = NULL
         WHERE spent_tx IS NULL AND pending_expiry IS NOT NULL AND pending_expiry > 0 AND pending_expiry < ?1",
        [to_sql(height)],
    )?;
    Ok(())
}

/// Undoes everything above block `to` (all of it for `None`, or when the
/// tree keeps no checkpoint that deep: a rescan from the birthday): notes
/// received above are removed, spends above undone, our own transactions
/// above unmined (kept with their pending marks), other transactions above
/// forgotten, the tree rewound. Returns the height kept.
pub(crate) fn rewind(tx: &SqlTx, to: Option<u64>) -> Result<Option<u64>, WalletError> {
    let last: Option<i64> = tx.query_row("SELECT max(height) FROM blocks", [], |r| r.get(0))?;
    let kept = match (to, last) {
        (Some(to), Some(last)) if to >= from_sql(last) => return Ok(Some(from_sql(last))),
        (Some(to), Some(last)) => {
            let mut tree = load_tree(tx, from_sql(last))?;
            match tree.oldest_checkpoint() {
                Some(oldest) if oldest <= to => {
                    tree.rewind_to(to)?;
                    save_tree(tx, &tree)?;
                    Some(to)
                }
                _ => None,
            }
        }
        _ => None,
    };
    // -1: below every height, so everything goes.
    let above = kept.map_or(-1, to_sql);
    if kept.is_none() {
        tx.execute("DELETE FROM wallet_tree", [])?;
    }
    tx.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS undone (id INTEGER PRIMARY KEY);
         DELETE FROM temp.undone;
         INSERT INTO temp.undone SELECT id FROM transactions WHERE mined_height > {above};
         UPDATE received_notes SET spent_tx = NULL WHERE spent_tx IN (SELECT id FROM temp.undone);
         DELETE FROM received_notes WHERE tx_id IN (SELECT id FROM temp.undone)
            OR position >= coalesce((SELECT tree_size FROM blocks WHERE height = {above}), 0);
         DELETE FROM sent_notes WHERE tx_id IN (SELECT id FROM temp.undone WHERE id IN (SELECT id FROM transactions WHERE raw IS NULL));
         UPDATE transactions SET mined_height = NULL, tx_index = NULL WHERE id IN (SELECT id FROM temp.undone);
         DELETE FROM transactions WHERE raw IS NULL AND mined_height IS NULL
            AND id NOT IN (SELECT pending_tx FROM received_notes WHERE pending_tx IS NOT NULL)
            AND id NOT IN (SELECT tx_id FROM received_notes)
            AND id NOT IN (SELECT tx_id FROM sent_notes);
         DELETE FROM blocks WHERE height > {above};"
    ))?;
    Ok(kept)
}
