//! A wallet written by schema version 1 (the committed fixture, made by
//! `make_v1_wallet_fixture`) opens after migration with all its data.

use std::path::Path;

use superzk_circuits::asset::AssetInfo;
use superzk_keys::spending_key::SpendingKey;
use superzk_node::{network::Network, node::NodeOptions};
use superzk_wallet::{queries::Balance, schema::SCHEMA_VERSION, ChainIdentity, Wallet};

const ONE: u64 = superzk_chain_core::params::COIN;

fn devnet() -> ChainIdentity {
    let dir = tempfile::tempdir().unwrap();
    let (_, genesis) = NodeOptions::for_network(Network::Devnet, dir.path().into()).unwrap();
    ChainIdentity {
        network: "devnet".into(),
        genesis_hash: genesis.hash(),
    }
}

fn fixture_copy(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("v1.sqlite");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/wallet/v1.sqlite");
    std::fs::copy(fixture, &path).unwrap();
    path
}

#[test]
fn a_version_1_wallet_migrates_and_keeps_its_accounts_notes_and_scan_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_copy(dir.path());
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "the fixture is a version 1 wallet");

    let mut w = Wallet::open(&path, &devnet()).unwrap();
    assert_eq!(w.schema_version().unwrap(), SCHEMA_VERSION);
    const { assert!(SCHEMA_VERSION >= 2) };
    let accounts = w.accounts().unwrap();
    let names: Vec<_> = accounts
        .iter()
        .map(|a| (a.name.as_str(), a.watch_only))
        .collect();
    assert_eq!(names, [("spender", false), ("watcher", true)]);
    let native = |spendable| {
        vec![Balance {
            asset: AssetInfo::native(),
            spendable,
            pending: 0,
        }]
    };
    assert_eq!(w.balances(accounts[0].id).unwrap(), native(3 * ONE));
    assert_eq!(w.balances(accounts[1].id).unwrap(), native(3 * ONE));
    let memos: Vec<Vec<u8>> = w
        .received_notes(accounts[0].id)
        .unwrap()
        .iter()
        .map(|n| n.memo[..6].to_vec())
        .collect();
    assert_eq!(memos, [b"first\0".to_vec(), b"second".to_vec()]);
    let (height, _) = w.last_scanned().unwrap().unwrap();
    assert_eq!(height, 3);
    // Witnesses survive the migration.
    for n in w.spendable_notes(accounts[0].id).unwrap() {
        let root = w
            .witness(n.position)
            .unwrap()
            .root(superzk_circuits::note_kind::NoteKind::commitment(&n.note));
        assert_eq!(root, w.anchor().unwrap().unwrap().1);
    }
    // What version 2 added works: fresh addresses, after the default one.
    let a = SpendingKey::from_seed(b"fixture account a", 0);
    let fresh = w.next_address(accounts[0].id).unwrap();
    assert_eq!(
        fresh,
        a.full_viewing_key().incoming_viewing_key().address(1)
    );
    drop(w);
    // Migrated once: reopening changes nothing.
    let w = Wallet::open(&path, &devnet()).unwrap();
    assert_eq!(w.schema_version().unwrap(), SCHEMA_VERSION);
}
