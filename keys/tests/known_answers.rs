//! Known answers: the committed vectors in `fixtures/vectors/` are
//! recomputed field by field, so any silent change of key derivation, text
//! encoding or note encryption fails here (round-trip tests cannot see one).
//! BIP-39 seeds are also checked against published test vectors.

mod vectors;

use superzk_circuits::note_kind::NoteKind;
use superzk_keys::{
    address::PaymentAddress,
    encryption::{recover_ephemeral_secret, try_decrypt_outgoing},
    hd::{account_spending_key, Mnemonic},
    network::Network,
    spending_key::{encode_field, FullViewingKey, IncomingViewingKey, SpendingKey},
};
use vectors::{bytes, field, Derivation, Encryption, NoteVector, PackageVector};

fn read<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = std::path::Path::new(vectors::DIR).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; regenerate with the vectors example",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Trezor's BIP-39 vectors (passphrase "TREZOR"): the seed of a mnemonic is
/// the one every other implementation computes.
#[test]
fn bip39_seeds_match_published_vectors() {
    let cases = [
        (
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
             abandon about",
            "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d182\
             64c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
        ),
        (
            vectors::MNEMONIC,
            "bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e\
             451ce9eb835f43620bf5c514db0f8add49f5d121449d3e87",
        ),
    ];
    for (phrase, seed) in cases {
        let m = Mnemonic::parse(phrase).unwrap();
        assert_eq!(hex::encode(m.to_seed("TREZOR").as_bytes()), seed);
    }
    // The all-zero entropy is "abandon ... about".
    let m = Mnemonic::from_entropy(&[0; 16]).unwrap();
    assert_eq!(
        m.phrase().as_str(),
        cases[0].0.split_whitespace().collect::<Vec<_>>().join(" ")
    );
}

#[test]
fn derivation_vectors_recompute() {
    let file: Derivation = read(vectors::DERIVATION_FILE);
    let ours = vectors::derivation(&file.mnemonic, &file.passphrase);
    assert_eq!(ours.seed, file.seed, "BIP-39 seed");
    assert_eq!(
        ours.master_spending_key, file.master_spending_key,
        "master key"
    );
    assert_eq!(
        ours.master_chain_code, file.master_chain_code,
        "master chain code"
    );
    assert_eq!(ours.accounts.len(), file.accounts.len());
    assert_eq!(
        file.accounts.len(),
        9,
        "three accounts on each of three networks"
    );
    for (got, want) in ours.accounts.iter().zip(&file.accounts) {
        let at = format!("{} account {}", want.network, want.account);
        assert_eq!(got.network, want.network, "{at}");
        assert_eq!(got.coin_type, want.coin_type, "{at}: coin type");
        assert_eq!(got.path, want.path, "{at}: path");
        assert_eq!(got.spending_key, want.spending_key, "{at}: spending key");
        assert_eq!(got.chain_code, want.chain_code, "{at}: chain code");
        assert_eq!(
            got.spending_key_encoded, want.spending_key_encoded,
            "{at}: sk text"
        );
        assert_eq!(got.full_viewing_key, want.full_viewing_key, "{at}: fvk");
        assert_eq!(
            got.incoming_viewing_key, want.incoming_viewing_key,
            "{at}: ivk"
        );
        assert_eq!(got.addresses, want.addresses, "{at}: addresses");
    }
    assert_eq!(ours, file);
}

/// The committed text forms decode, on their own network only, to the keys
/// the committed spending keys give.
#[test]
fn derivation_vectors_decode_on_their_network() {
    let file: Derivation = read(vectors::DERIVATION_FILE);
    let seed = bytes::<64>(&file.seed);
    for a in &file.accounts {
        let network: Network = a.network.parse().unwrap();
        let sk = SpendingKey::from_bytes(bytes(&a.spending_key));
        assert_eq!(account_spending_key(&seed, network, a.account).unwrap(), sk);
        let fvk = sk.full_viewing_key();
        let ivk = fvk.incoming_viewing_key();
        assert_eq!(
            SpendingKey::decode_with_network(&a.spending_key_encoded).unwrap(),
            (sk.clone(), network)
        );
        assert_eq!(
            FullViewingKey::decode_for(network, &a.full_viewing_key).unwrap(),
            fvk
        );
        assert_eq!(
            IncomingViewingKey::decode_for(network, &a.incoming_viewing_key).unwrap(),
            ivk
        );
        for (i, text) in vectors::ADDRESS_INDEXES.iter().zip(&a.addresses) {
            assert_eq!(
                PaymentAddress::decode_with_network(text).unwrap(),
                (ivk.address(*i), network)
            );
            let other = Network::ALL.into_iter().find(|n| *n != network).unwrap();
            assert!(PaymentAddress::decode_for(other, text).is_err());
        }
    }
}

#[test]
fn note_encryption_vectors_recompute() {
    let file: Encryption = read(vectors::ENCRYPTION_FILE);
    assert_eq!(file.notes.len(), 3);
    for (i, v) in file.notes.iter().enumerate() {
        assert_eq!(
            vectors::compute_note(v).outputs,
            v.outputs,
            "note vector {i}"
        );
    }
    assert_eq!(file.packages.len(), 1);
    for (i, v) in file.packages.iter().enumerate() {
        assert_eq!(
            vectors::compute_package(v).outputs,
            v.outputs,
            "package vector {i}"
        );
    }
    // And the whole file, inputs included, is what the generator writes.
    assert_eq!(vectors::encryption(), file);
}

fn keys(v: &vectors::Common) -> (IncomingViewingKey, FullViewingKey) {
    let recipient = SpendingKey::from_bytes(bytes(&v.recipient_spending_key));
    let sender = SpendingKey::from_bytes(bytes(&v.sender_spending_key));
    (
        recipient.full_viewing_key().incoming_viewing_key(),
        sender.full_viewing_key(),
    )
}

/// The committed ciphertexts decrypt, with the recipient's key and with the
/// sender's ovk, to the committed note, and to nothing with a wrong key.
#[test]
fn note_encryption_vectors_decrypt() {
    let file: Encryption = read(vectors::ENCRYPTION_FILE);
    for v in &file.notes {
        check_note(v);
    }
    for v in &file.packages {
        check_package(v);
    }
}

fn check_note(v: &NoteVector) {
    let (ivk, sender) = keys(&v.common);
    let o = &v.outputs;
    let (cm, epk, ct) = (
        field(&o.cm),
        bytes(&o.epk),
        hex::decode(&o.enc_ciphertext).unwrap(),
    );
    let note = vectors::note_of(v);
    assert_eq!(encode_field(&note.commitment()), bytes(&o.cm));
    let got = ivk
        .decrypt_output(&cm, &epk, &ct)
        .expect("the recipient decrypts");
    assert_eq!(got.note, note);
    assert_eq!(got.memo[..], hex::decode(&v.common.memo).unwrap()[..]);
    assert_eq!(got.asset_info, vectors::asset_info(&v.asset_info));
    assert_eq!(got.diversifier, ivk.diversifier(v.common.diversifier_index));
    let (pk_d, sent) = sender
        .decrypt_sent_output(
            &cm,
            &bytes(&v.common.cv),
            &epk,
            &bytes(&o.out_ciphertext),
            &ct,
        )
        .expect("the sender reads back with its ovk");
    assert_eq!(pk_d, ivk.address(v.common.diversifier_index).pk_d());
    assert_eq!(sent.note, note);
    check_ephemeral_secret(v.common.cv.as_str(), o);
    // Nobody else reads it.
    assert!(sender
        .incoming_viewing_key()
        .decrypt_output(&cm, &epk, &ct)
        .is_none());
}

fn check_package(v: &PackageVector) {
    let (ivk, sender) = keys(&v.common);
    let o = &v.outputs;
    let (cm, epk, ct) = (
        field(&o.cm),
        bytes(&o.epk),
        hex::decode(&o.enc_ciphertext).unwrap(),
    );
    let (package, infos) = vectors::package_of(v);
    assert_eq!(encode_field(&package.commitment()), bytes(&o.cm));
    let got = ivk
        .decrypt_package_output(&cm, &epk, &ct)
        .expect("the recipient decrypts");
    assert_eq!(got.package, package);
    assert_eq!(got.infos, infos);
    assert_eq!(got.memo[..], hex::decode(&v.common.memo).unwrap()[..]);
    let (pk_d, plaintext) = try_decrypt_outgoing(
        &sender.ovk(),
        &bytes(&v.common.cv),
        &bytes(&o.cm),
        &epk,
        &bytes(&o.out_ciphertext),
        &ct,
    )
    .expect("the sender reads back with its ovk");
    assert_eq!(pk_d, ivk.address(v.common.diversifier_index).pk_d());
    assert_eq!(hex::encode(plaintext), o.plaintext);
    check_ephemeral_secret(v.common.cv.as_str(), o);
}

/// The out-ciphertext holds the vector's esk, and epk is [esk] B_d.
fn check_ephemeral_secret(cv: &str, o: &vectors::Outputs) {
    let ovk = bytes(&o.ovk);
    let (_, esk) = recover_ephemeral_secret(
        &ovk,
        &bytes(cv),
        &bytes(&o.cm),
        &bytes(&o.epk),
        &bytes(&o.out_ciphertext),
    )
    .expect("ovk opens the out-ciphertext");
    assert_eq!(hex::encode(*esk.to_bytes()), o.esk);
    let to = PaymentAddress::decode(&o.address).unwrap();
    assert_eq!(
        esk.public_key(&to.base()).compress().to_bytes(),
        bytes::<32>(&o.epk)
    );
    let mut wrong = ovk;
    wrong[0] ^= 1;
    assert!(recover_ephemeral_secret(
        &wrong,
        &bytes(cv),
        &bytes(&o.cm),
        &bytes(&o.epk),
        &bytes(&o.out_ciphertext)
    )
    .is_none());
}
