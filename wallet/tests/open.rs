//! Opening wallet files: new, reopened, and every kind of file that must be
//! refused with a typed error saying what to do.

use std::path::Path;

use superzk_keys::spending_key::SpendingKey;
use superzk_wallet::{
    schema::{APPLICATION_ID, SCHEMA_VERSION},
    AccountKey, ChainIdentity, OpenError, Wallet, WalletError,
};

fn devnet() -> ChainIdentity {
    ChainIdentity {
        network: "devnet".into(),
        genesis_hash: [7; 32],
    }
}

fn new_wallet(path: &Path) -> Wallet {
    let mut w = Wallet::open(path, &devnet()).unwrap();
    let sk = SpendingKey::from_seed(b"open tests", 0);
    w.add_account("main", AccountKey::Spending(&sk), 5).unwrap();
    w
}

#[test]
fn a_new_wallet_reopens_with_its_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.sqlite");
    drop(new_wallet(&path));
    let w = Wallet::open(&path, &devnet()).unwrap();
    assert_eq!(w.schema_version().unwrap(), SCHEMA_VERSION);
    let accounts = w.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(
        (accounts[0].name.as_str(), accounts[0].birthday),
        ("main", 5)
    );
    assert!(!accounts[0].watch_only);
}

#[test]
fn accounts_are_unique_and_watch_only_ones_have_no_spending_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = new_wallet(&dir.path().join("w.sqlite"));
    let sk = SpendingKey::from_seed(b"open tests", 0);
    assert!(matches!(
        w.add_account(
            "main",
            AccountKey::Spending(&SpendingKey::from_seed(b"x", 0)),
            0
        ),
        Err(WalletError::DuplicateAccount(_))
    ));
    // The same key under another name is the same account.
    assert!(matches!(
        w.add_account("again", AccountKey::Spending(&sk), 0),
        Err(WalletError::DuplicateAccount(_))
    ));
    let fvk = SpendingKey::from_seed(b"watched", 0).full_viewing_key();
    let id = w
        .add_account("watched", AccountKey::Viewing(&fvk), 0)
        .unwrap();
    assert!(w.accounts().unwrap()[1].watch_only);
    assert_eq!(w.full_viewing_key(id).unwrap(), fvk);
    // Fresh addresses never repeat, and start after the default address 0.
    let a = w.next_address(id).unwrap();
    let b = w.next_address(id).unwrap();
    assert_ne!(a, b);
    assert_eq!(a, fvk.incoming_viewing_key().address(1));
    assert!(matches!(
        w.full_viewing_key(superzk_wallet::AccountId(99)),
        Err(WalletError::UnknownAccount(_))
    ));
}

#[test]
fn the_database_never_holds_the_spending_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.sqlite");
    drop(new_wallet(&path));
    let bytes = std::fs::read(&path).unwrap();
    let sk = SpendingKey::from_seed(b"open tests", 0);
    let raw = sk.to_bytes();
    let encoded = sk.encode();
    assert!(!bytes.windows(32).any(|w| w == &raw[..]));
    assert!(!bytes
        .windows(encoded.len())
        .any(|w| w == encoded.as_bytes()));
}

fn refuse(path: &Path) -> OpenError {
    match Wallet::open(path, &devnet()) {
        Ok(_) => panic!("{} was opened", path.display()),
        Err(e) => e,
    }
}

#[test]
fn garbage_is_refused_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage");
    let junk: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2654435761u32) >> 13) as u8)
        .collect();
    std::fs::write(&path, &junk).unwrap();
    let e = refuse(&path);
    assert!(matches!(e, OpenError::Damaged { .. }), "{e}");
    assert!(e.to_string().contains("restore"), "{e}");
    // A text file too.
    std::fs::write(
        &path,
        b"SQLite format 3 is not what this is, just text\n".repeat(100),
    )
    .unwrap();
    assert!(matches!(refuse(&path), OpenError::Damaged { .. }));
}

#[test]
fn truncated_and_overwritten_wallets_are_refused_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.sqlite");
    drop(new_wallet(&path));
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 4096, "a wallet spans several pages");
    for cut in [100, 4096 + 10, bytes.len() / 2 + 10] {
        let p = dir.path().join(format!("cut{cut}"));
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let e = refuse(&p);
        assert!(matches!(e, OpenError::Damaged { .. }), "cut at {cut}: {e}");
    }
    // A page in the middle overwritten with junk.
    let mut damaged = bytes.clone();
    for b in &mut damaged[4096..4096 + 1000] {
        *b = 0xA5;
    }
    let p = dir.path().join("overwritten");
    std::fs::write(&p, &damaged).unwrap();
    let e = refuse(&p);
    assert!(matches!(e, OpenError::Damaged { .. }), "{e}");
}

#[test]
fn another_applications_database_is_refused_as_foreign() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);")
        .unwrap();
    drop(conn);
    let e = refuse(&path);
    assert!(
        matches!(
            e,
            OpenError::Foreign {
                application_id: 0,
                ..
            }
        ),
        "{e}"
    );
    // One with an application id of its own.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA application_id = 1234;").unwrap();
    drop(conn);
    assert!(matches!(
        refuse(&path),
        OpenError::Foreign {
            application_id: 1234,
            ..
        }
    ));
    // The foreign file is left alone.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_wallet_from_a_newer_superzk_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.sqlite");
    drop(new_wallet(&path));
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = {};", SCHEMA_VERSION + 1))
        .unwrap();
    drop(conn);
    let e = refuse(&path);
    assert!(
        matches!(e, OpenError::TooNew { found, supported, .. } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{e}"
    );
    assert!(e.to_string().contains("upgrade SuperZK"));
}

#[test]
fn a_wallet_of_another_network_or_chain_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.sqlite");
    drop(new_wallet(&path));
    let testnet = ChainIdentity {
        network: "testnet".into(),
        ..devnet()
    };
    assert!(matches!(
        Wallet::open(&path, &testnet),
        Err(OpenError::WrongChain { .. })
    ));
    let other_genesis = ChainIdentity {
        genesis_hash: [8; 32],
        ..devnet()
    };
    let e = Wallet::open(&path, &other_genesis).err().unwrap();
    assert!(matches!(e, OpenError::WrongChain { .. }), "{e}");
    // Still opens for its own chain.
    assert!(Wallet::open(&path, &devnet()).is_ok());
}

#[test]
fn the_header_carries_superzks_application_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.sqlite");
    drop(new_wallet(&path));
    let bytes = std::fs::read(&path).unwrap();
    // SQLite's header: application id at offset 68, big-endian.
    assert_eq!(&bytes[68..72], &APPLICATION_ID.to_be_bytes());
}

#[test]
fn a_missing_directory_is_unavailable_not_damaged() {
    let e = refuse(Path::new("/nonexistent-dir-superzk/w.sqlite"));
    assert!(matches!(e, OpenError::Unavailable { .. }), "{e}");
}
