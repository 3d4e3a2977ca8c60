//! Wallets held in memory and saved as bytes (how a browser keeps one in
//! IndexedDB): the image reopens with its accounts, and every image that
//! is not this chain's wallet is refused with the same typed errors as a
//! file.

use superzk_keys::spending_key::SpendingKey;
use superzk_wallet::{AccountKey, ChainIdentity, OpenError, Wallet};

fn devnet() -> ChainIdentity {
    ChainIdentity {
        network: "devnet".into(),
        genesis_hash: [7; 32],
    }
}

fn image_with_one_account() -> Vec<u8> {
    let mut w = Wallet::open_in_memory(None, &devnet()).unwrap();
    let sk = SpendingKey::from_seed(b"in-memory tests", 0);
    w.add_account("main", AccountKey::Spending(&sk), 3).unwrap();
    w.to_bytes().unwrap()
}

#[test]
fn an_image_reopens_with_its_accounts_and_saves_again() {
    let image = image_with_one_account();
    let mut w = Wallet::open_in_memory(Some(&image), &devnet()).unwrap();
    let accounts = w.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(
        (accounts[0].name.as_str(), accounts[0].birthday),
        ("main", 3)
    );
    let sk = SpendingKey::from_seed(b"in-memory tests", 1);
    w.add_account("second", AccountKey::Spending(&sk), 0)
        .unwrap();
    let again = Wallet::open_in_memory(Some(&w.to_bytes().unwrap()), &devnet()).unwrap();
    assert_eq!(again.accounts().unwrap().len(), 2);
}

#[test]
fn a_file_wallet_image_opens_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.sqlite");
    let mut w = Wallet::open(&path, &devnet()).unwrap();
    let sk = SpendingKey::from_seed(b"in-memory tests", 0);
    w.add_account("main", AccountKey::Spending(&sk), 0).unwrap();
    // A WAL-mode file's image: memory databases have no WAL.
    let image = w.to_bytes().unwrap();
    let m = Wallet::open_in_memory(Some(&image), &devnet()).unwrap();
    assert_eq!(m.accounts().unwrap()[0].name, "main");
}

#[test]
fn another_chains_image_is_refused() {
    let image = image_with_one_account();
    let other = ChainIdentity {
        network: "devnet".into(),
        genesis_hash: [8; 32],
    };
    match Wallet::open_in_memory(Some(&image), &other) {
        Err(OpenError::WrongChain {
            found_genesis,
            expected_genesis,
            ..
        }) => {
            assert_eq!(found_genesis, hex(&[7; 32]));
            assert_eq!(expected_genesis, hex(&[8; 32]));
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("opened another chain's wallet"),
    }
}

#[test]
fn garbage_and_truncated_images_are_refused_as_damaged() {
    let garbage = vec![0x5a; 8192];
    assert!(
        matches!(
            Wallet::open_in_memory(Some(&garbage), &devnet()),
            Err(OpenError::Damaged { .. })
        ),
        "garbage opened"
    );
    let image = image_with_one_account();
    let cut = &image[..image.len() / 2];
    assert!(
        Wallet::open_in_memory(Some(cut), &devnet()).is_err(),
        "a truncated image opened"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
