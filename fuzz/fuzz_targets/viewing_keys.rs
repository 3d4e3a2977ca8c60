//! Spending, full viewing and incoming viewing keys (bytes and text),
//! signature keys and signatures: any input gives a key or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use superzk_keys::{
    encoding,
    signature::{Signature, SigningKey, VerificationKey},
    spending_key::{
        Binding, FullViewingKey, IncomingViewingKey, SpendAuth, SpendingKey, FULL_VIEWING_KEY_HRP,
        INCOMING_VIEWING_KEY_HRP, SPENDING_KEY_HRP,
    },
};

fuzz_target!(|data: &[u8]| {
    // Byte forms.
    if let Ok(fvk) = FullViewingKey::from_bytes(data) {
        assert_eq!(&fvk.to_bytes()[..], data);
        let _ = fvk.incoming_viewing_key().address(0);
    }
    if let Ok(ivk) = IncomingViewingKey::from_bytes(data) {
        assert_eq!(&ivk.to_bytes()[..], data);
        let _ = ivk.address(u64::from(data[0]));
    }
    if let Ok(bytes) = <[u8; 32]>::try_from(data) {
        if let Ok(vk) = VerificationKey::<SpendAuth>::from_bytes(&bytes) {
            assert_eq!(vk.to_bytes(), bytes);
        }
        if let Ok(sk) = SigningKey::<Binding>::from_bytes(&bytes) {
            assert_eq!(*sk.to_bytes(), bytes);
        }
    }
    // A signature of any 64 bytes against a fixed key: never valid, since
    // making one needs the signing key.
    if data.len() >= 64 {
        let sig = Signature::from_bytes(data[..64].try_into().unwrap());
        let vk = SpendingKey::from_bytes([7; 32])
            .spend_auth_key()
            .verification_key();
        assert!(vk.verify(&data[64..], &sig).is_err(), "forged signature");
    }
    // Text forms, pasted and under a valid checksum.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = SpendingKey::decode(text);
        let _ = FullViewingKey::decode(text);
        let _ = IncomingViewingKey::decode(text);
    }
    for hrp in [
        SPENDING_KEY_HRP,
        FULL_VIEWING_KEY_HRP,
        INCOMING_VIEWING_KEY_HRP,
    ] {
        if let Ok(text) = encoding::encode(hrp, data) {
            if let Ok(sk) = SpendingKey::decode(&text) {
                assert_eq!(&sk.to_bytes()[..], data);
            }
            if let Ok(fvk) = FullViewingKey::decode(&text) {
                assert_eq!(&fvk.to_bytes()[..], data);
            }
            if let Ok(ivk) = IncomingViewingKey::decode(&text) {
                assert_eq!(&ivk.to_bytes()[..], data);
            }
        }
    }
});
