//! Compact blocks kept ready to serve, in `compact.redb` beside the chain
//! store.
//!
//! Making a compact block means decoding the full block, whose proofs and
//! value commitments are curve points checked on decoding, and the tree's
//! frontier: milliseconds per block, where a wallet syncing from its
//! birthday asks for thousands. So each compact block is made once, when
//! its block joins the best chain (or on first request), stored with the
//! block's hash, and served from then on by a read and a protobuf decode.
//!
//! The cache is only a cache: each entry names its block's hash and is
//! used only while the best chain's header at that height has that hash
//! (a reorganisation makes the old entries miss, and the next request
//! rewrites them); its commits are not forced to disk (a crash loses some
//! entries, never the chain's consistency); a damaged file is deleted and
//! started afresh.

use std::path::{Path, PathBuf};

use prost::Message;
use redb::{Database, Durability, ReadableDatabase, TableDefinition};

use crate::{error::NodeError, proto::CompactBlock};

/// height → block hash (32 bytes) ‖ the compact block (protobuf).
const COMPACT: TableDefinition<u64, &[u8]> = TableDefinition::new("compact_blocks");

/// The cache file.
pub struct CompactCache {
    db: Database,
}

fn cache_error(path: &Path, e: impl std::fmt::Display) -> NodeError {
    NodeError::io(
        path.display().to_string(),
        std::io::Error::other(e.to_string()),
    )
}

impl CompactCache {
    /// The cache's file in `data_dir`.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("compact.redb")
    }

    /// Opens the cache in `data_dir`, starting afresh if the file is
    /// unreadable.
    pub fn open(data_dir: &Path) -> Result<Self, NodeError> {
        let path = Self::path(data_dir);
        let db = match Database::create(&path) {
            Ok(db) => db,
            Err(e) => {
                tracing::warn!(error = %e, "the compact block cache is unreadable: starting afresh");
                std::fs::remove_file(&path)
                    .map_err(|e| NodeError::io(path.display().to_string(), e))?;
                Database::create(&path).map_err(|e| cache_error(&path, e))?
            }
        };
        let txn = db.begin_write().map_err(|e| cache_error(&path, e))?;
        txn.open_table(COMPACT).map_err(|e| cache_error(&path, e))?;
        txn.commit().map_err(|e| cache_error(&path, e))?;
        Ok(Self { db })
    }

    /// The compact block at `height` if it was made for the block `hash`.
    pub fn get(&self, height: u64, hash: &[u8; 32]) -> Option<CompactBlock> {
        let txn = self.db.begin_read().ok()?;
        let table = txn.open_table(COMPACT).ok()?;
        let entry = table.get(height).ok()??;
        let bytes = entry.value();
        if bytes.get(..32)? != hash.as_slice() {
            return None;
        }
        CompactBlock::decode(&bytes[32..]).ok()
    }

    /// Keeps `blocks` (each with its height and hash). Failures only cost
    /// a later re-make, so they are logged, not returned.
    pub fn put(&self, blocks: &[CompactBlock]) {
        if let Err(e) = self.try_put(blocks) {
            tracing::warn!(error = %e, "could not cache compact blocks");
        }
    }

    fn try_put(&self, blocks: &[CompactBlock]) -> Result<(), redb::Error> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::None).map_err(|e| {
            redb::Error::from(redb::StorageError::Io(std::io::Error::other(e.to_string())))
        })?;
        {
            let mut table = txn.open_table(COMPACT)?;
            for b in blocks {
                let mut value = Vec::with_capacity(32 + b.encoded_len());
                value.extend_from_slice(&b.hash);
                b.encode(&mut value).expect("a Vec grows as needed");
                table.insert(b.height, value.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }
}
