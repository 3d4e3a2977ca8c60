//! Key hierarchy, addresses, note plaintexts and parameter files: round trips,
//! and typed errors (never panics) on bad input.

use std::path::PathBuf;

use ark_serialize::{Compress, Validate};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use superzk_circuits::{
    asset::AssetInfo,
    note::{AssetId, Note},
    Fr,
};
use superzk_keys::{
    address::{PaymentAddress, ADDRESS_LEN},
    error::KeyError,
    note_plaintext::{encrypt_output, MEMO_LEN},
    params::{
        proving_key_from_bytes, proving_key_to_bytes, verifying_key_from_bytes,
        verifying_key_to_bytes, CacheEvent, CircuitKind, ParameterCache,
    },
    spending_key::{FullViewingKey, IncomingViewingKey, SpendingKey},
};

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(5)
}

#[test]
fn hierarchy_and_text_forms_round_trip() {
    let sk = SpendingKey::random(&mut rng());
    let fvk = sk.full_viewing_key();
    let ivk = fvk.incoming_viewing_key();
    assert_eq!(SpendingKey::decode(&sk.encode()).unwrap(), sk);
    assert_eq!(FullViewingKey::decode(&fvk.encode()).unwrap(), fvk);
    assert_eq!(IncomingViewingKey::decode(&ivk.encode()).unwrap(), ivk);
    let a0 = ivk.address(0);
    let a1 = ivk.address(1);
    assert_ne!(a0, a1);
    assert_ne!(a0.owner(), a1.owner());
    assert_ne!(a0.pk_d(), a1.pk_d());
    assert_eq!(a0.encode().parse::<PaymentAddress>().unwrap(), a0);
    // Seeds derive stable, distinct keys.
    assert_eq!(
        SpendingKey::from_seed(b"seed", 0),
        SpendingKey::from_seed(b"seed", 0)
    );
    assert_ne!(
        SpendingKey::from_seed(b"seed", 0),
        SpendingKey::from_seed(b"seed", 1)
    );
    // A long seed is fine (no panic on outside input).
    let _ = SpendingKey::from_seed(&[7u8; 500], 0);
}

#[test]
fn typos_and_wrong_kinds_are_refused_with_clear_errors() {
    let sk = SpendingKey::random(&mut rng());
    let addr = sk
        .full_viewing_key()
        .incoming_viewing_key()
        .address(0)
        .encode();
    let mut chars: Vec<char> = addr.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'q' { 'p' } else { 'q' };
    let typo: String = chars.into_iter().collect();
    let err = PaymentAddress::decode(&typo).unwrap_err();
    assert!(err.to_string().contains("mistyped"), "{err}");
    // A viewing key is not an address.
    let err = PaymentAddress::decode(&sk.full_viewing_key().encode()).unwrap_err();
    assert!(matches!(err, KeyError::Encoding(_)), "{err}");
    assert!(SpendingKey::decode("").is_err());
}

#[test]
fn decoders_reject_garbage_without_panicking() {
    let mut r = rng();
    for len in [0usize, 1, 31, 32, 33, 74, 75, 76, 95, 96, 97, 200] {
        for _ in 0..50 {
            let mut b = vec![0u8; len];
            r.fill_bytes(&mut b);
            let _ = PaymentAddress::from_bytes(&b);
            let _ = FullViewingKey::from_bytes(&b);
            let _ = IncomingViewingKey::from_bytes(&b);
            let _ = verifying_key_from_bytes(&b);
            let _ = proving_key_from_bytes(&b, Validate::Yes);
        }
    }
    assert!(matches!(
        PaymentAddress::from_bytes(&[0u8; 10]),
        Err(KeyError::WrongLength { .. })
    ));
    // A valid-looking address whose pk_d is not a ristretto point.
    let mut bytes = SpendingKey::random(&mut r)
        .full_viewing_key()
        .incoming_viewing_key()
        .address(0)
        .to_bytes();
    bytes[ADDRESS_LEN - 32..].copy_from_slice(&[0xff; 32]);
    assert!(matches!(
        PaymentAddress::from_bytes(&bytes),
        Err(KeyError::InvalidPoint { .. })
    ));
    // A full viewing key whose ak is off the curve / not in the subgroup.
    let mut fvk = SpendingKey::random(&mut r).full_viewing_key().to_bytes();
    fvk[..32].copy_from_slice(&[0xff; 32]);
    assert!(FullViewingKey::from_bytes(&fvk[..]).is_err());
    // The order-2 point (0, -1) as ak.
    let mut small = [0u8; 32];
    let minus_one = -Fr::from(1u64);
    ark_serialize::CanonicalSerialize::serialize_compressed(&minus_one, &mut small[..]).unwrap();
    fvk[..32].copy_from_slice(&small);
    assert!(matches!(
        FullViewingKey::from_bytes(&fvk[..]),
        Err(KeyError::InvalidPoint { .. })
    ));
}

#[test]
fn secrets_never_print() {
    let sk = SpendingKey::random(&mut rng());
    let fvk = sk.full_viewing_key();
    let ivk = fvk.incoming_viewing_key();
    for text in [
        format!("{sk:?}"),
        format!("{fvk:?}"),
        format!("{ivk:?}"),
        format!("{:?}", sk.spend_auth_key()),
    ] {
        assert!(text.contains("redacted"), "{text}");
        assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
    }
}

#[test]
fn notes_decrypt_only_for_their_recipient_and_sender() {
    let mut r = rng();
    let alice = SpendingKey::random(&mut r).full_viewing_key();
    let bob = SpendingKey::random(&mut r).full_viewing_key();
    let to = bob.incoming_viewing_key().address(3);
    let note = Note {
        asset: AssetId::native(),
        value: 77,
        owner: to.owner(),
        rho: Fr::from(1u64),
        rcm: Fr::from(2u64),
    };
    let cv = [9u8; 32];
    // Asset information must describe the note's asset.
    let usd = AssetInfo::currency("USD");
    assert!(encrypt_output(&to, &note, &usd, &[4; MEMO_LEN], &alice.ovk(), &cv, &mut r).is_err());
    let enc = encrypt_output(
        &to,
        &note,
        &AssetInfo::native(),
        &[4; MEMO_LEN],
        &alice.ovk(),
        &cv,
        &mut r,
    )
    .unwrap();
    let cm = note.commitment();
    let got = bob
        .incoming_viewing_key()
        .decrypt_output(&cm, &enc.epk, &enc.ciphertext)
        .unwrap();
    assert_eq!(got.note, note);
    assert_eq!(got.memo, [4; MEMO_LEN]);
    assert_eq!(got.asset_info, AssetInfo::native());
    assert!(alice
        .incoming_viewing_key()
        .decrypt_output(&cm, &enc.epk, &enc.ciphertext)
        .is_none());
    // The commitment on chain must match what was decrypted.
    assert!(bob
        .incoming_viewing_key()
        .decrypt_output(&(cm + Fr::from(1u64)), &enc.epk, &enc.ciphertext)
        .is_none());
    let (pk_d, sent) = alice
        .decrypt_sent_output(&cm, &cv, &enc.epk, &enc.out_ciphertext, &enc.ciphertext)
        .unwrap();
    assert_eq!(pk_d, to.pk_d());
    assert_eq!(sent.note, note);
    assert!(bob
        .decrypt_sent_output(&cm, &cv, &enc.epk, &enc.out_ciphertext, &enc.ciphertext)
        .is_none());
}

#[test]
fn parameter_files_round_trip_and_reject_corruption() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("superzk-params-keys-test");
    let cache = ParameterCache::new(&dir);
    let params = cache
        .load_or_generate(CircuitKind::Output, b"keys test", |_| {})
        .unwrap();
    let mut events = vec![];
    let again = cache
        .load_or_generate(CircuitKind::Output, b"keys test", |e| events.push(e))
        .unwrap();
    assert_eq!(
        events,
        vec![CacheEvent::Loaded(CircuitKind::Output)],
        "second run loads from the cache"
    );
    assert_eq!(again.verifying.fingerprint, params.verifying.fingerprint);

    for compress in [Compress::Yes, Compress::No] {
        let bytes = proving_key_to_bytes(&params, compress);
        for validate in [Validate::Yes, Validate::No] {
            let back = proving_key_from_bytes(&bytes, validate).unwrap();
            assert_eq!(back.proving_key, params.proving_key);
        }
        let mut corrupt = bytes.clone();
        let at = corrupt.len() - 100;
        corrupt[at] ^= 1;
        assert!(matches!(
            proving_key_from_bytes(&corrupt, Validate::No),
            Err(KeyError::BadParameterFile { .. })
        ));
        assert!(proving_key_from_bytes(&bytes[..bytes.len() - 1], Validate::No).is_err());

        let vk = verifying_key_to_bytes(&params.verifying, compress);
        assert_eq!(
            verifying_key_from_bytes(&vk).unwrap().fingerprint,
            params.verifying.fingerprint
        );
        assert!(
            verifying_key_from_bytes(&bytes).is_err(),
            "a proving key file is not a verifying key file"
        );
    }
    // A corrupt cache file is regenerated, not trusted.
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("output"))
        .unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let mut events = vec![];
    let regenerated = cache
        .load_or_generate(CircuitKind::Output, b"keys test", |e| events.push(e))
        .unwrap();
    assert!(events.contains(&CacheEvent::Generating(CircuitKind::Output)));
    assert_eq!(
        regenerated.verifying.fingerprint, params.verifying.fingerprint,
        "generation is deterministic"
    );
}

/// `decode_point_bound_by_proof` (for a transaction's `cv` and `rk`) leaves
/// out only the prime-order check: it accepts a subgroup point plus a
/// small-order one (its proof refuses that, see the verifier's tests) but
/// never a small-order point, a non-canonical encoding or garbage.
#[test]
fn points_bound_by_proofs_skip_only_the_prime_order_check() {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective, Fq};
    use ark_ff::{One, UniformRand, Zero};
    use ark_serialize::CanonicalSerialize;
    use superzk_keys::spending_key::{decode_point, decode_point_bound_by_proof, encode_point};

    let mut rng = rng();
    let order_two = EdwardsAffine::new_unchecked(Fq::zero(), -Fq::one());
    assert!(order_two.is_on_curve());
    for _ in 0..50 {
        let p = EdwardsProjective::rand(&mut rng).into_affine();
        let bytes = encode_point(&p);
        assert_eq!(decode_point(&bytes, "p").unwrap(), p);
        assert_eq!(decode_point_bound_by_proof(&bytes, "p").unwrap(), p);
        let mixed: EdwardsAffine = (p + order_two).into_affine();
        let bytes = encode_point(&mixed);
        assert!(decode_point(&bytes, "p").is_err());
        assert_eq!(decode_point_bound_by_proof(&bytes, "p").unwrap(), mixed);
    }
    for small in [EdwardsAffine::zero(), order_two] {
        assert!(decode_point_bound_by_proof(&encode_point(&small), "p").is_err());
        let mut second = encode_point(&small);
        second[31] |= 0x80;
        assert!(decode_point_bound_by_proof(&second, "p").is_err());
    }
    assert!(matches!(
        decode_point_bound_by_proof(&[0u8; 31], "p"),
        Err(KeyError::WrongLength { .. })
    ));
    let mut accepted = 0;
    for _ in 0..5000 {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        b[31] &= 0x8f;
        let Ok(p) = decode_point_bound_by_proof(&b, "p") else {
            assert!(decode_point(&b, "p").is_err(), "a superset of decode_point");
            continue;
        };
        accepted += 1;
        let mut again = [0u8; 32];
        p.serialize_compressed(&mut again[..]).unwrap();
        assert_eq!(again, b, "only canonical encodings");
        assert!(p.is_on_curve() && !p.mul_by_cofactor_to_group().is_zero());
    }
    assert!(
        accepted > 100,
        "random y values often give curve points ({accepted})"
    );
}
