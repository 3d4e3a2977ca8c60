//! BIP-39 mnemonics and hierarchical derivation: typed errors for every way
//! a phrase can be wrong (never echoing a word), secrets redacted, and
//! account keys that depend on everything they should.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use superzk_keys::{
    hd::{
        account_spending_key, ChildIndex, ExtendedSpendingKey, HdError, Mnemonic, Seed,
        DEFAULT_WORD_COUNT,
    },
    network::Network,
};

const ABOUT: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                     abandon abandon about";

#[test]
fn generated_mnemonics_have_24_words_and_parse_back() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let m = Mnemonic::generate(&mut rng);
    assert_eq!(m.word_count(), DEFAULT_WORD_COUNT);
    assert_eq!(m.entropy().len(), 32);
    let again = Mnemonic::parse(&m.phrase()).unwrap();
    assert_eq!(again, m);
    assert_ne!(Mnemonic::generate(&mut rng), m);
    // Case and extra whitespace do not matter.
    let shouty = format!("  {}\n", m.phrase().to_uppercase().replace(' ', "\t "));
    assert_eq!(Mnemonic::parse(&shouty).unwrap(), m);
}

#[test]
fn every_word_count_of_bip39_parses() {
    for bytes in [16, 20, 24, 28, 32] {
        let m = Mnemonic::from_entropy(&vec![0x5a; bytes]).unwrap();
        assert_eq!(m.word_count(), bytes * 3 / 4);
        assert_eq!(Mnemonic::parse(&m.phrase()).unwrap(), m);
    }
    for bytes in [0, 15, 17, 33, 64] {
        assert_eq!(
            Mnemonic::from_entropy(&vec![0; bytes]).unwrap_err(),
            HdError::EntropyLength { got: bytes }
        );
    }
}

#[test]
fn wrong_phrases_get_typed_errors_that_name_no_word() {
    let words: Vec<&str> = ABOUT.split_whitespace().collect();
    // Too few, too many, none.
    assert_eq!(
        Mnemonic::parse(&words[..11].join(" ")).unwrap_err(),
        HdError::WrongWordCount { got: 11 }
    );
    assert_eq!(
        Mnemonic::parse(&format!("{ABOUT} abandon")).unwrap_err(),
        HdError::WrongWordCount { got: 13 }
    );
    assert_eq!(
        Mnemonic::parse("").unwrap_err(),
        HdError::WrongWordCount { got: 0 }
    );
    // A misspelt word, reported by position (from 1), never by itself.
    let mut typo = words.clone();
    typo[4] = "abandonn";
    let err = Mnemonic::parse(&typo.join(" ")).unwrap_err();
    assert_eq!(err, HdError::UnknownWord { position: 5 });
    assert!(!err.to_string().contains("abandon"), "{err}");
    assert!(err.to_string().contains('5'), "{err}");
    // Valid words, wrong checksum: the last word swapped for another.
    let mut swapped = words.clone();
    swapped[11] = "abandon";
    assert_eq!(
        Mnemonic::parse(&swapped.join(" ")).unwrap_err(),
        HdError::BadChecksum
    );
    // Two words exchanged.
    let mut reordered = words.clone();
    reordered.swap(0, 11);
    assert_eq!(
        Mnemonic::parse(&reordered.join(" ")).unwrap_err(),
        HdError::BadChecksum
    );
}

#[test]
fn garbage_phrases_never_panic() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    for _ in 0..500 {
        let len = (rng.next_u32() % 300) as usize;
        let mut b = vec![0u8; len];
        rng.fill_bytes(&mut b);
        let s = String::from_utf8_lossy(&b);
        assert!(Mnemonic::parse(&s).is_err());
    }
    // Twelve real words in a random order almost never have a valid
    // checksum; whatever the outcome, it is a value, not a panic.
    let list = [
        "zoo", "wrong", "abandon", "legal", "winner", "art", "about", "title",
    ];
    for _ in 0..200 {
        let phrase: Vec<&str> = (0..12)
            .map(|_| list[(rng.next_u32() % list.len() as u32) as usize])
            .collect();
        let _ = Mnemonic::parse(&phrase.join(" "));
    }
    assert!(Mnemonic::parse(&"abandon ".repeat(10_000)).is_err());
}

#[test]
fn passphrases_give_different_seeds() {
    let m = Mnemonic::parse(ABOUT).unwrap();
    assert_ne!(m.to_seed("").as_bytes(), m.to_seed("TREZOR").as_bytes());
    // BIP-39's vector without passphrase.
    assert_eq!(
        hex::encode(m.to_seed("").as_bytes()),
        "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1\
         9a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4"
    );
}

#[test]
fn secrets_never_print() {
    let m = Mnemonic::parse(ABOUT).unwrap();
    let seed = m.to_seed("TREZOR");
    let xsk = ExtendedSpendingKey::master(seed.as_bytes()).unwrap();
    let seed_hex = hex::encode(seed.as_bytes());
    for text in [
        format!("{m:?}"),
        format!("{seed:?}"),
        format!("{xsk:?}"),
        format!("{:?}", Seed::from_bytes([7; 64])),
    ] {
        assert!(text.contains("redacted"), "{text}");
        assert!(!text.contains("abandon") && !text.contains(&seed_hex[..16]));
        assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
    }
}

#[test]
fn account_keys_depend_on_seed_network_and_account() {
    let seed = Mnemonic::parse(ABOUT).unwrap().to_seed("");
    let key = |n, a| account_spending_key(seed.as_bytes(), n, a).unwrap();
    let mut seen = Vec::new();
    for n in Network::ALL {
        for a in [0, 1, 2, (1 << 31) - 1] {
            let k = key(n, a);
            assert!(!seen.contains(&k), "{n} account {a}");
            seen.push(k);
        }
    }
    let other = Mnemonic::parse(ABOUT).unwrap().to_seed("x");
    assert_ne!(
        account_spending_key(other.as_bytes(), Network::Mainnet, 0).unwrap(),
        key(Network::Mainnet, 0)
    );
    assert_eq!(
        account_spending_key(seed.as_bytes(), Network::Mainnet, 1 << 31).unwrap_err(),
        HdError::IndexTooLarge { index: 1 << 31 }
    );
    assert_eq!(
        account_spending_key(&[0; 16], Network::Mainnet, 0).unwrap_err(),
        HdError::SeedLength { got: 16 }
    );
    // The account key is the node at m/32'/coin'/account'.
    let h = |i| ChildIndex::hardened(i).unwrap();
    let node = ExtendedSpendingKey::master(seed.as_bytes())
        .unwrap()
        .derive_path(&[h(32), h(Network::Devnet.coin_type()), h(2)]);
    assert_eq!(node.spending_key(), key(Network::Devnet, 2));
    assert_eq!(node.depth(), 3);
    assert_eq!(node.child_index(), Some(h(2)));
}
