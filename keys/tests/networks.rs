//! Text forms per network: round trips on every network, another network's
//! string refused with a typed error naming it, and garbage refused without
//! panicking.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use superzk_keys::{
    address::PaymentAddress,
    encoding::EncodingError,
    error::KeyError,
    network::{Network, TextKind},
    spending_key::{FullViewingKey, IncomingViewingKey, SpendingKey},
};

fn keys() -> (SpendingKey, FullViewingKey, IncomingViewingKey) {
    let sk = SpendingKey::random(&mut ChaCha20Rng::seed_from_u64(17));
    let fvk = sk.full_viewing_key();
    let ivk = fvk.incoming_viewing_key();
    (sk, fvk, ivk)
}

#[test]
fn every_kind_round_trips_on_every_network() {
    let (sk, fvk, ivk) = keys();
    let address = ivk.address(4);
    for n in Network::ALL {
        let text = address.encode_for(n);
        assert!(text.starts_with(&format!("{}1", n.hrp(TextKind::Address))));
        assert_eq!(PaymentAddress::decode_for(n, &text).unwrap(), address);
        assert_eq!(
            PaymentAddress::decode_with_network(&text).unwrap(),
            (address, n)
        );
        // Upper case (as from a QR code) is the same string.
        assert_eq!(
            PaymentAddress::decode_for(n, &text.to_uppercase()).unwrap(),
            address
        );

        let text = sk.encode_for(n);
        assert!(text.starts_with(&n.hrp(TextKind::SpendingKey)));
        assert_eq!(SpendingKey::decode_for(n, &text).unwrap(), sk);
        assert_eq!(
            SpendingKey::decode_with_network(&text).unwrap(),
            (sk.clone(), n)
        );

        let text = fvk.encode_for(n);
        assert_eq!(FullViewingKey::decode_for(n, &text).unwrap(), fvk);
        assert_eq!(
            FullViewingKey::decode_with_network(&text).unwrap(),
            (fvk.clone(), n)
        );

        let text = ivk.encode_for(n);
        assert_eq!(IncomingViewingKey::decode_for(n, &text).unwrap(), ivk);
        assert_eq!(
            IncomingViewingKey::decode_with_network(&text).unwrap(),
            (ivk.clone(), n)
        );
    }
}

#[test]
fn mainnet_is_the_default_and_unchanged() {
    let (sk, fvk, ivk) = keys();
    let address = ivk.address(0);
    assert_eq!(address.encode(), address.encode_for(Network::Mainnet));
    assert!(address.encode().starts_with("szk1"));
    assert_eq!(*sk.encode(), *sk.encode_for(Network::Mainnet));
    assert!(sk.encode().starts_with("szk-sk1"));
    assert!(fvk.encode().starts_with("szk-fvk1"));
    assert!(ivk.encode().starts_with("szk-ivk1"));
    assert_eq!(PaymentAddress::decode(&address.encode()).unwrap(), address);
}

#[test]
fn another_networks_string_is_refused_naming_its_network() {
    let (sk, fvk, ivk) = keys();
    let address = ivk.address(1);
    for on in Network::ALL {
        for other in Network::ALL.into_iter().filter(|n| *n != on) {
            let expect = |r: Result<(), KeyError>, what: &str| match r.unwrap_err() {
                KeyError::WrongNetwork {
                    what: w,
                    expected,
                    found,
                } => {
                    assert_eq!((w, expected, found), (what, on, other));
                }
                e => panic!("{e}"),
            };
            expect(
                PaymentAddress::decode_for(on, &address.encode_for(other)).map(|_| ()),
                "an address",
            );
            expect(
                SpendingKey::decode_for(on, &sk.encode_for(other)).map(|_| ()),
                "a spending key",
            );
            expect(
                FullViewingKey::decode_for(on, &fvk.encode_for(other)).map(|_| ()),
                "a full viewing key",
            );
            expect(
                IncomingViewingKey::decode_for(on, &ivk.encode_for(other)).map(|_| ()),
                "an incoming viewing key",
            );
        }
    }
    // The message says what to do and names both networks.
    let err = PaymentAddress::decode(&address.encode_for(Network::Testnet)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("testnet") && text.contains("mainnet"),
        "{text}"
    );
}

#[test]
fn a_mistyped_string_of_another_network_is_a_bad_checksum() {
    let (_, _, ivk) = keys();
    let text = ivk.address(0).encode_for(Network::Devnet);
    let mut chars: Vec<char> = text.chars().collect();
    let i = chars.len() - 10;
    chars[i] = if chars[i] == 'q' { 'p' } else { 'q' };
    let typo: String = chars.into_iter().collect();
    for on in Network::ALL {
        assert!(matches!(
            PaymentAddress::decode_for(on, &typo),
            Err(KeyError::Encoding(EncodingError::BadChecksum))
        ));
    }
    assert!(matches!(
        PaymentAddress::decode_with_network(&typo),
        Err(KeyError::Encoding(EncodingError::BadChecksum))
    ));
}

#[test]
fn another_kind_is_a_wrong_prefix_not_a_network() {
    let (_, fvk, ivk) = keys();
    for n in Network::ALL {
        let err = PaymentAddress::decode_with_network(&fvk.encode_for(n)).unwrap_err();
        assert!(
            matches!(err, KeyError::Encoding(EncodingError::WrongPrefix { .. })),
            "{err}"
        );
        let err = FullViewingKey::decode_for(n, &ivk.encode_for(n)).unwrap_err();
        assert!(
            matches!(err, KeyError::Encoding(EncodingError::WrongPrefix { .. })),
            "{err}"
        );
    }
    // A foreign prefix lists every network's.
    let err = PaymentAddress::decode_with_network(
        &superzk_keys::encoding::encode("zs", &ivk.address(0).to_bytes()).unwrap(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("szktest"), "{err}");
}

#[test]
fn garbage_is_refused_without_panicking() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let (_, _, ivk) = keys();
    let valid = ivk.address(0).encode_for(Network::Testnet);
    let mut inputs: Vec<String> = vec![
        String::new(),
        "1".into(),
        "szktest1".into(),
        "szktest".into(),
        "szkdev1qqqqqq".into(),
        "SZKtest1qqqq".into(),
        "szk\u{e9}1qqqqqqqq".into(),
        "\u{0}\u{0}1".into(),
        "x".repeat(2000),
        valid[..valid.len() - 1].to_string(),
        format!("{valid}q"),
    ];
    for _ in 0..300 {
        let len = (rng.next_u32() % 200) as usize;
        let mut b = vec![0u8; len];
        rng.fill_bytes(&mut b);
        inputs.push(String::from_utf8_lossy(&b).into_owned());
        // Random characters of the alphabet after a real prefix.
        let tail: String = b
            .iter()
            .map(|x| b"qpzry9x8gf2tvdw0s3jn54khce6mua7l"[(*x % 32) as usize] as char)
            .collect();
        inputs.push(format!("szkdev1{tail}"));
    }
    for s in &inputs {
        for n in Network::ALL {
            assert!(PaymentAddress::decode_for(n, s).is_err(), "{s:?}");
            assert!(SpendingKey::decode_for(n, s).is_err());
            assert!(FullViewingKey::decode_for(n, s).is_err());
            assert!(IncomingViewingKey::decode_for(n, s).is_err());
        }
        assert!(PaymentAddress::decode_with_network(s).is_err());
        assert!(SpendingKey::decode_with_network(s).is_err());
        assert!(FullViewingKey::decode_with_network(s).is_err());
        assert!(IncomingViewingKey::decode_with_network(s).is_err());
    }
}
