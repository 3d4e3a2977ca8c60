//! Opening the wallet file: the checks that refuse a damaged, foreign, newer
//! or other-chain file with a typed error, and the schema migrations.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::{
    error::OpenError,
    schema::{APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION},
};

/// Which chain a wallet belongs to: it refuses to open for another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainIdentity {
    /// The network's name (e.g. "devnet").
    pub network: String,
    /// The chain's genesis block hash (its chain id).
    pub genesis_hash: [u8; 32],
}

/// Opens (or creates) the wallet file at `path` for `chain`, migrating it to
/// [`SCHEMA_VERSION`].
pub(crate) fn open(path: &Path, chain: &ChainIdentity) -> Result<Connection, OpenError> {
    open_at_version(path, chain, SCHEMA_VERSION)
}

/// As [`open`], but creating or migrating only up to `version` (tests make
/// fixtures of old versions with it; clamped to the versions that exist).
pub(crate) fn open_at_version(
    path: &Path,
    chain: &ChainIdentity,
    version: i64,
) -> Result<Connection, OpenError> {
    check_and_migrate(connect(path)?, path, chain, version)
}

/// Where errors about a database held in memory say it is.
pub(crate) const IN_MEMORY: &str = "<in-memory wallet>";

/// Opens a wallet database held in memory: a new one (`bytes` `None`), or
/// the image of one that [`serialize`] made (a browser keeps it in
/// IndexedDB). It gets the same checks as a file: a damaged, foreign,
/// newer or other-chain image is refused.
pub(crate) fn open_in_memory(
    bytes: Option<&[u8]>,
    chain: &ChainIdentity,
) -> Result<Connection, OpenError> {
    let path = Path::new(IN_MEMORY);
    let mut conn = Connection::open_in_memory().map_err(|e| classify(path, e))?;
    if let Some(bytes) = bytes {
        let mut image = bytes.to_vec();
        // An image of a WAL-mode file: memory databases have no WAL, so the
        // header's read/write versions say "legacy" (1) instead (the
        // committed content is the same).
        if image.len() >= 20 && image[18] == 2 && image[19] == 2 {
            image[18] = 1;
            image[19] = 1;
        }
        conn.deserialize_read_exact(rusqlite::MAIN_DB, image.as_slice(), image.len(), false)
            .map_err(|e| classify(path, e))?;
    }
    check_and_migrate(conn, path, chain, SCHEMA_VERSION)
}

/// The whole database as bytes (SQLite's file format), for
/// [`open_in_memory`].
pub(crate) fn serialize(conn: &mut Connection) -> Result<Vec<u8>, rusqlite::Error> {
    Ok(conn.serialize(rusqlite::MAIN_DB)?.to_vec())
}

fn check_and_migrate(
    conn: Connection,
    path: &Path,
    chain: &ChainIdentity,
    version: i64,
) -> Result<Connection, OpenError> {
    let version = version.clamp(0, SCHEMA_VERSION);
    let (app_id, found) = header(&conn, path)?;
    let new = app_id == 0 && found == 0 && !has_tables(&conn, path)?;
    if !new && app_id != APPLICATION_ID {
        return Err(OpenError::Foreign {
            path: path.into(),
            application_id: app_id,
        });
    }
    if found > SCHEMA_VERSION {
        return Err(OpenError::TooNew {
            path: path.into(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if !new {
        integrity_check(&conn, path)?;
    }
    configure(&conn, path)?;
    migrate(&conn, path, found, version)?;
    if new {
        record_identity(&conn, path, chain)?;
    } else {
        check_identity(&conn, path, chain)?;
    }
    Ok(conn)
}

fn connect(path: &Path) -> Result<Connection, OpenError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))
}

/// Maps a SQLite failure on a file to the open error it means.
fn classify(path: &Path, e: rusqlite::Error) -> OpenError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => OpenError::Damaged {
            path: path.into(),
            reason: e.to_string(),
        },
        _ => OpenError::Unavailable {
            path: path.into(),
            reason: e.to_string(),
        },
    }
}

fn header(conn: &Connection, path: &Path) -> Result<(i32, i64), OpenError> {
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| classify(path, e))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| classify(path, e))?;
    Ok((app_id, version))
}

fn has_tables(conn: &Connection, path: &Path) -> Result<bool, OpenError> {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n > 0)
    .map_err(|e| classify(path, e))
}

/// SQLite reads pages lazily: a truncated or overwritten file can pass the
/// header checks, so a quick check reads every page once before use.
fn integrity_check(conn: &Connection, path: &Path) -> Result<(), OpenError> {
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| classify(path, e))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(OpenError::Damaged {
            path: path.into(),
            reason: verdict,
        })
    }
}

fn configure(conn: &Connection, path: &Path) -> Result<(), OpenError> {
    // WAL: a crash at any point leaves the last committed transaction;
    // synchronous=FULL makes each commit durable, not only consistent.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
    )
    .and_then(|_| conn.busy_timeout(std::time::Duration::from_secs(5)))
    .map_err(|e| classify(path, e))
}

/// Applies steps `from..to`, each in its own transaction with its version.
fn migrate(conn: &Connection, path: &Path, from: i64, to: i64) -> Result<(), OpenError> {
    for version in from..to {
        let step = MIGRATIONS[version as usize];
        let fail = |e: rusqlite::Error| OpenError::Migration {
            path: path.into(),
            version: version + 1,
            reason: e.to_string(),
        };
        let sql = format!(
            "BEGIN IMMEDIATE; {step}; PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {}; COMMIT;",
            version + 1
        );
        if let Err(e) = conn.execute_batch(&sql) {
            // Undo the partial step; the error already says what failed.
            let _ = conn.execute_batch("ROLLBACK");
            return Err(fail(e));
        }
    }
    Ok(())
}

fn record_identity(conn: &Connection, path: &Path, chain: &ChainIdentity) -> Result<(), OpenError> {
    let unavailable = |e: rusqlite::Error| OpenError::Unavailable {
        path: path.into(),
        reason: e.to_string(),
    };
    conn.execute(
        "INSERT INTO wallet_meta (key, value) VALUES ('network', ?1), ('genesis_hash', ?2), ('created_by', ?3)",
        rusqlite::params![
            chain.network.as_bytes(),
            &chain.genesis_hash[..],
            concat!("superzk-wallet ", env!("CARGO_PKG_VERSION")).as_bytes()
        ],
    )
    .map_err(unavailable)?;
    Ok(())
}

fn check_identity(conn: &Connection, path: &Path, chain: &ChainIdentity) -> Result<(), OpenError> {
    let damaged = |what: &str| OpenError::Damaged {
        path: PathBuf::from(path),
        reason: format!("its {what} is missing or invalid"),
    };
    let meta = |key: &str| -> Result<Vec<u8>, OpenError> {
        conn.query_row("SELECT value FROM wallet_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .map_err(|_| damaged(key))
    };
    let network = String::from_utf8(meta("network")?).map_err(|_| damaged("network"))?;
    let genesis = meta("genesis_hash")?;
    if network != chain.network || genesis != chain.genesis_hash {
        return Err(OpenError::WrongChain {
            path: path.into(),
            expected_network: chain.network.clone(),
            expected_genesis: hex::encode(chain.genesis_hash),
            found_network: network,
            found_genesis: hex::encode(genesis),
        });
    }
    Ok(())
}
