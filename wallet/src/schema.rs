//! The wallet database's schema, as an ordered list of migration steps.
//!
//! `PRAGMA user_version` is the number of steps applied; each step runs in
//! one SQL transaction together with the version bump, so a wallet is
//! always at exactly one version. Never edit a released step: add one.

/// `PRAGMA application_id` of a SuperZK wallet ("SZKW" in ASCII).
pub const APPLICATION_ID: i32 = 0x535A_4B57;

/// The schema version this build writes and reads (the number of steps).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Migration steps; step `i` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// Version 1: the first schema.
const V1: &str = "
CREATE TABLE wallet_meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    watch_only INTEGER NOT NULL CHECK (watch_only IN (0, 1)),
    fvk TEXT NOT NULL UNIQUE,
    birthday INTEGER NOT NULL CHECK (birthday >= 0)
);
CREATE TABLE blocks (
    height INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    tree_size INTEGER NOT NULL,
    time INTEGER NOT NULL
);
CREATE TABLE transactions (
    id INTEGER PRIMARY KEY,
    txid BLOB NOT NULL UNIQUE,
    mined_height INTEGER,
    tx_index INTEGER,
    expiry_height INTEGER,
    fee INTEGER,
    created_at INTEGER,
    raw BLOB
);
CREATE TABLE received_notes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    tx_id INTEGER NOT NULL REFERENCES transactions(id),
    output_index INTEGER NOT NULL,
    is_package INTEGER NOT NULL CHECK (is_package IN (0, 1)),
    asset BLOB,
    value INTEGER,
    diversifier BLOB NOT NULL,
    rho BLOB NOT NULL,
    rcm BLOB NOT NULL,
    position INTEGER NOT NULL UNIQUE,
    nullifier BLOB NOT NULL UNIQUE,
    memo BLOB,
    asset_info BLOB,
    package BLOB,
    spent_tx INTEGER REFERENCES transactions(id),
    pending_tx INTEGER REFERENCES transactions(id),
    pending_expiry INTEGER,
    UNIQUE (tx_id, output_index)
);
CREATE TABLE sent_notes (
    id INTEGER PRIMARY KEY,
    tx_id INTEGER NOT NULL REFERENCES transactions(id),
    output_index INTEGER NOT NULL,
    from_account INTEGER NOT NULL REFERENCES accounts(id),
    recipient TEXT NOT NULL,
    asset_info BLOB NOT NULL,
    value INTEGER NOT NULL,
    memo BLOB NOT NULL,
    UNIQUE (tx_id, output_index)
);
CREATE TABLE wallet_tree (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL
);
";

/// Version 2: the next unused address index of each account (so that
/// `next_address` never hands out one address twice), and an index for the
/// spendable-note queries that run on every proposal.
const V2: &str = "
ALTER TABLE accounts ADD COLUMN next_address_index INTEGER NOT NULL DEFAULT 1;
CREATE INDEX received_notes_unspent ON received_notes (account_id, spent_tx, pending_tx);
";
