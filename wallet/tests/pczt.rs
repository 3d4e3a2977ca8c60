//! The three steps of a partially built transaction through its bytes, as
//! separate parties would run them; what each step refuses; the format's
//! decoding of damaged input; and what tampering between steps leads to.

use std::path::Path;

use ark_serialize::CanonicalSerialize;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use superzk_circuits::{asset::AssetInfo, note::AssetId};
use superzk_keys::{note_plaintext::MEMO_LEN, spending_key::SpendingKey};
use superzk_prover::{
    Pczt, PcztDecodeError, PcztError, ProofGenerationKey, ProvingKeys, Stage, TransactionBuilder,
};
use superzk_verifier::{
    error::TxError,
    transaction::Transaction,
    verify::{verify_transaction, AnyAnchor},
};
use superzk_wallet::memory::ScanningWallet;

fn keys() -> &'static ProvingKeys {
    ProvingKeys::shared_for_tests(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("superzk-params"))
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn verify(tx: &Transaction) -> Result<(), TxError> {
    verify_transaction(tx, &keys().verifying_keys(), &AnyAnchor, &mut rng(99))
}

const CHAIN: [u8; 32] = [0xc3; 32];

/// Alice holding 1000 SERO (shielded from a public account).
fn funded_alice(seed: u64) -> (ScanningWallet, SpendingKey) {
    let sk = SpendingKey::random(&mut rng(seed));
    let mut alice = ScanningWallet::new(sk.clone());
    alice.bind_to_chain(CHAIN, 50);
    let mut b = TransactionBuilder::new();
    b.set_public_account([0xa1; 32])
        .set_chain_id(CHAIN)
        .add_public_input(AssetId::native(), 1000);
    b.add_output(
        None,
        alice.address(0),
        AssetInfo::native(),
        1000,
        [0; MEMO_LEN],
    );
    let shield = b.build(keys(), &mut rng(seed + 1)).unwrap();
    alice.scan(&shield).unwrap();
    (alice, sk)
}

/// A created PCZT: Alice pays Bob 300 SERO (memo "rent"), fee 2, change
/// 698 to herself; returns the PCZT and Bob's address.
fn created(seed: u64) -> (Pczt, ScanningWallet, SpendingKey, ScanningWallet) {
    let (alice, sk) = funded_alice(seed);
    let bob = ScanningWallet::new(SpendingKey::random(&mut rng(seed + 2)));
    let mut b = TransactionBuilder::new();
    b.set_chain_id(CHAIN).set_expiry_height(50).set_fee(2);
    let mut memo = [0; MEMO_LEN];
    memo[..4].copy_from_slice(b"rent");
    b.add_output(None, bob.address(3), AssetInfo::native(), 300, memo);
    alice.fund(&mut b, &AssetInfo::native(), 302).unwrap();
    (b.into_pczt(&mut rng(seed + 3)).unwrap(), alice, sk, bob)
}

/// Bytes in, bytes out: what a separate process would read and write.
fn through_bytes(p: &Pczt) -> Pczt {
    let bytes = p.to_bytes();
    let back = Pczt::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes(), bytes, "canonical bytes round-trip");
    back
}

fn proven(seed: u64) -> (Pczt, SpendingKey, ScanningWallet) {
    let (pczt, _, sk, bob) = created(seed);
    let pgk = ProofGenerationKey::from(&sk);
    let proven = through_bytes(&pczt)
        .prove(&pgk, keys(), &mut rng(seed + 4))
        .unwrap();
    (through_bytes(&proven), sk, bob)
}

#[test]
fn three_steps_through_bytes_give_a_valid_transaction() {
    let (pczt, alice, sk, mut bob) = created(1);
    assert_eq!(pczt.stage(), Stage::Created);
    assert!(pczt.transaction().is_none());
    // The prover holds the proof-generation key only, from its text form.
    let pgk = ProofGenerationKey::from_hex(&ProofGenerationKey::from(&sk).to_hex()).unwrap();
    let proven = through_bytes(&pczt)
        .prove(&pgk, keys(), &mut rng(5))
        .unwrap();
    assert_eq!(proven.stage(), Stage::Proven);
    let unsigned = proven.transaction().unwrap().clone();
    // Not signed yet: the verifier refuses the unsigned transaction.
    assert!(verify(&unsigned).is_err());
    let signed = through_bytes(&proven).authorize(&sk, &mut rng(6)).unwrap();
    assert_eq!(signed.stage(), Stage::Authorized);
    let tx = through_bytes(&signed).extract().unwrap();
    verify(&tx).unwrap();
    assert_eq!(
        tx.sighash(),
        unsigned.sighash(),
        "signing changed nothing signed"
    );
    assert_eq!(tx.fee, 2);
    assert_eq!(tx.expiry_height, 50);
    bob.scan(&tx).unwrap();
    assert_eq!(bob.balance_of(&AssetId::native()), 300);
    assert_eq!(&bob.notes()[0].memo[..4], b"rent");
    // The authorized PCZT no longer carries the randomness: 96 bytes per
    // spend (rcv, alpha, seed), 160 per output (ovk, rho, rcm, rcv, seed).
    let (n_spends, n_outputs) = (tx.spends.len(), tx.outputs.len());
    assert_eq!(
        proven.to_bytes().len() + tx.to_bytes().len() - unsigned.to_bytes().len(),
        signed.to_bytes().len() + 96 * n_spends + 160 * n_outputs
    );
    drop(alice);
}

#[test]
fn each_step_refuses_the_wrong_stage() {
    let (pczt, _, sk, _) = created(10);
    let pgk = ProofGenerationKey::from(&sk);
    let stage_err = |e: PcztError| match e {
        PcztError::WrongStage {
            expected, found, ..
        } => (expected, found),
        other => panic!("expected a stage error, got {other}"),
    };
    assert_eq!(
        stage_err(pczt.authorize(&sk, &mut rng(1)).unwrap_err()),
        (Stage::Proven, Stage::Created)
    );
    assert_eq!(
        stage_err(pczt.extract().unwrap_err()),
        (Stage::Authorized, Stage::Created)
    );
    let proven = pczt.prove(&pgk, keys(), &mut rng(2)).unwrap();
    assert_eq!(
        stage_err(proven.prove(&pgk, keys(), &mut rng(3)).unwrap_err()),
        (Stage::Created, Stage::Proven)
    );
    assert_eq!(
        stage_err(proven.extract().unwrap_err()),
        (Stage::Authorized, Stage::Proven)
    );
    let signed = proven.authorize(&sk, &mut rng(4)).unwrap();
    assert_eq!(
        stage_err(signed.authorize(&sk, &mut rng(5)).unwrap_err()),
        (Stage::Proven, Stage::Authorized)
    );
    let msg = signed.authorize(&sk, &mut rng(5)).unwrap_err().to_string();
    assert!(
        msg.contains("authorized") && msg.contains("proven"),
        "{msg}"
    );
}

#[test]
fn another_wallets_keys_are_refused_at_prove_and_at_authorize() {
    let (pczt, _, sk, _) = created(20);
    let mallory = SpendingKey::random(&mut rng(21));
    assert_eq!(
        pczt.prove(&ProofGenerationKey::from(&mallory), keys(), &mut rng(22))
            .unwrap_err(),
        PcztError::NotOwned(0)
    );
    let proven = pczt
        .prove(&ProofGenerationKey::from(&sk), keys(), &mut rng(23))
        .unwrap();
    let err = proven.authorize(&mallory, &mut rng(24)).unwrap_err();
    assert_eq!(err, PcztError::WrongSpendingKey(0));
    assert!(err.to_string().contains("proven for another key"), "{err}");
    // The builder's one-call path refuses a spend it has no spending key
    // for, with the same typed error.
    let (alice, sk2) = funded_alice(25);
    let (note, path) = alice
        .spendable()
        .next()
        .map(|(n, p)| (n.clone(), p.clone()))
        .unwrap();
    let mut b = TransactionBuilder::new();
    b.set_chain_id(CHAIN);
    b.add_spend_with_proof_key(
        &ProofGenerationKey::from(&sk2),
        note.note.clone(),
        note.diversifier,
        path,
    );
    b.add_output(
        None,
        alice.address(1),
        AssetInfo::native(),
        1000,
        [0; MEMO_LEN],
    );
    assert!(matches!(
        b.build(keys(), &mut rng(26)),
        Err(superzk_prover::BuildError::Pczt(
            PcztError::WrongSpendingKey(0)
        ))
    ));
}

#[test]
fn the_summary_shows_what_is_signed() {
    let (pczt, alice, _, bob) = created(30);
    let s = pczt.summary();
    assert_eq!((s.fee, s.expiry_height, s.chain_id), (2, 50, CHAIN));
    assert_eq!(s.stage, Stage::Created);
    assert_eq!(s.spends.len(), 1);
    assert_eq!(s.spends[0].contents, vec![(AssetId::native(), 1000)]);
    assert_eq!(s.outputs.len(), 2);
    assert_eq!(s.outputs[0].to, bob.address(3));
    assert_eq!(s.outputs[0].contents, vec![(AssetInfo::native(), 300)]);
    assert_eq!(s.outputs[0].memo, b"rent");
    assert!(!s.outputs[0].sender_keeps_copy);
    assert_eq!(s.outputs[1].to, alice.address(0));
    assert_eq!(s.outputs[1].contents, vec![(AssetInfo::native(), 698)]);
    assert!(s.outputs[1].sender_keeps_copy);
    let text = s.to_string();
    for part in [
        "fee: 2 SERO",
        "after height 50",
        "spend 0: 1000 SERO",
        "300 SERO",
        "698 SERO",
        "\"rent\"",
    ] {
        assert!(text.contains(part), "{part} missing from:\n{text}");
    }
    assert!(text.contains(&bob.address(3).encode()));
    // Debug shows counts, no contents.
    let debug = format!("{pczt:?}");
    assert!(
        debug.contains("1 spends") && !debug.contains("300"),
        "{debug}"
    );
}

/// `bytes` with the first occurrence of `from` replaced by `to`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

#[test]
fn a_changed_output_request_is_refused_at_authorize() {
    let (proven, sk, bob) = proven(40);
    // Someone between prover and signer raises Bob's output from 300 to
    // 900 in the request the signer is shown.
    let req = |value: u64| {
        let mut r = bob.address(3).to_bytes().to_vec();
        r.extend_from_slice(&AssetInfo::native().to_bytes().unwrap());
        r.extend_from_slice(&value.to_le_bytes());
        r
    };
    let bytes = replace(&proven.to_bytes(), &req(300), &req(900));
    let tampered = Pczt::from_bytes(&bytes).unwrap();
    assert_eq!(tampered.summary().outputs[0].contents[0].1, 900);
    let err = tampered.authorize(&sk, &mut rng(41)).unwrap_err();
    assert_eq!(
        err,
        PcztError::Mismatch {
            what: "note commitment",
            action: "output",
            index: 0
        }
    );
    assert!(err.to_string().contains("do not sign"), "{err}");
}

#[test]
fn a_changed_fee_or_expiry_is_refused_at_authorize() {
    let (proven, sk, _) = proven(45);
    let bytes = proven.to_bytes();
    // Header: magic, version, stage, chain id, expiry, account flag, fee.
    let expiry_at = 7 + 2 + 32;
    let fee_at = expiry_at + 8 + 1;
    for (at, what) in [(expiry_at, "expiry height"), (fee_at, "fee")] {
        let mut b = bytes.clone();
        b[at] ^= 1;
        let err = Pczt::from_bytes(&b)
            .unwrap()
            .authorize(&sk, &mut rng(46))
            .unwrap_err();
        assert!(
            matches!(err, PcztError::Mismatch { what: w, .. } if w == what),
            "{err}"
        );
    }
}

#[test]
fn swapped_proofs_pass_the_signer_but_not_the_verifier() {
    let (proven, sk, _) = proven(50);
    let tx = proven.transaction().unwrap();
    let proof = |i: usize| {
        let mut out = vec![];
        tx.outputs[i].proof.serialize_compressed(&mut out).unwrap();
        out
    };
    let (p0, p1) = (proof(0), proof(1));
    let original = proven.to_bytes();
    let at = |p: &[u8]| original.windows(p.len()).position(|w| w == p).unwrap();
    let (at0, at1) = (at(&p0), at(&p1));
    let mut bytes = original.clone();
    bytes[at0..at0 + p0.len()].copy_from_slice(&p1);
    bytes[at1..at1 + p1.len()].copy_from_slice(&p0);
    let swapped = Pczt::from_bytes(&bytes).unwrap();
    assert_eq!(
        swapped.transaction().unwrap().outputs[0].proof,
        tx.outputs[1].proof
    );
    // The signer cannot check proofs (it has no verifying keys): it signs.
    let tx = swapped
        .authorize(&sk, &mut rng(51))
        .unwrap()
        .extract()
        .unwrap();
    // The verifier refuses the extracted transaction.
    let err = verify(&tx).unwrap_err();
    assert!(err.to_string().to_lowercase().contains("proof"), "{err}");
}

#[test]
fn damaged_bytes_give_typed_errors_never_panics() {
    let (pczt, _, _, _) = created(60);
    let (proven, _, _) = proven(61);
    for p in [&pczt, &proven] {
        let bytes = p.to_bytes();
        // Every truncation.
        for n in 0..bytes.len() {
            let err = Pczt::from_bytes(&bytes[..n]).unwrap_err();
            assert!(
                matches!(
                    err,
                    PcztDecodeError::Truncated { .. }
                        | PcztDecodeError::NotAPczt
                        | PcztDecodeError::Transaction(_)
                ),
                "{n}: {err}"
            );
        }
        // A trailing byte.
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            Pczt::from_bytes(&longer).unwrap_err(),
            PcztDecodeError::TrailingBytes(1)
        );
        // Bit flips: an error or a PCZT whose bytes are the flipped ones.
        let mut r = rng(62);
        for _ in 0..1500 {
            let mut b = bytes.clone();
            let at = (r.next_u64() % b.len() as u64) as usize;
            b[at] ^= 1 << (r.next_u32() % 8);
            if let Ok(decoded) = Pczt::from_bytes(&b) {
                assert_eq!(decoded.to_bytes(), b);
            }
        }
    }
    let bytes = pczt.to_bytes();
    let mut b = bytes.clone();
    b[0] = b'X';
    let err = Pczt::from_bytes(&b).unwrap_err();
    assert_eq!(err, PcztDecodeError::NotAPczt);
    assert!(err
        .to_string()
        .contains("not a SuperZK partially built transaction"));
    let mut b = bytes.clone();
    b[7] = 2;
    let err = Pczt::from_bytes(&b).unwrap_err();
    assert_eq!(err, PcztDecodeError::UnsupportedVersion { found: 2 });
    assert!(err.to_string().contains("version 1"), "{err}");
    let mut b = bytes.clone();
    b[8] = 9;
    assert_eq!(
        Pczt::from_bytes(&b).unwrap_err(),
        PcztDecodeError::UnknownStage(9)
    );
    // A created PCZT relabelled as proven has no transaction to read.
    let mut b = bytes.clone();
    b[8] = 2;
    assert!(matches!(
        Pczt::from_bytes(&b).unwrap_err(),
        PcztDecodeError::Truncated { .. }
    ));
    // A proven PCZT relabelled as created: the secrets are read, the
    // transaction is left over.
    let mut b = proven.to_bytes();
    b[8] = 1;
    assert!(matches!(
        Pczt::from_bytes(&b).unwrap_err(),
        PcztDecodeError::TrailingBytes(_)
    ));
    // Random bytes, with and without the magic.
    let mut r = rng(63);
    for len in [0usize, 1, 8, 9, 100, 5000] {
        for magic in [false, true] {
            let mut b = vec![0u8; len];
            r.fill_bytes(&mut b);
            if magic && len >= 9 {
                b[..7].copy_from_slice(b"SZKPCZT");
                b[7] = 1;
                b[8] = 1;
            }
            assert!(Pczt::from_bytes(&b).is_err());
        }
    }
}

#[test]
fn packages_are_sealed_and_opened_through_pczt_bytes() {
    let (mut alice, alice_sk) = funded_alice(70);
    let bob_sk = SpendingKey::random(&mut rng(71));
    let mut bob = ScanningWallet::new(bob_sk.clone());
    // Alice seals 400 SERO into a package for Bob, in three steps.
    let mut b = TransactionBuilder::new();
    b.set_chain_id(CHAIN);
    b.add_package_output(
        None,
        bob.address(0),
        &[(AssetInfo::native(), 400)],
        superzk_circuits::Fr::from(77u64),
        [5; MEMO_LEN],
    )
    .unwrap();
    alice.fund(&mut b, &AssetInfo::native(), 400).unwrap();
    let created = through_bytes(&b.into_pczt(&mut rng(72)).unwrap());
    let summary = created.summary();
    assert!(summary.outputs.iter().any(|o| o.package
        && o.contents == vec![(AssetInfo::native(), 400)]
        && o.memo == [5; MEMO_LEN]));
    let proven = through_bytes(
        &created
            .prove(&ProofGenerationKey::from(&alice_sk), keys(), &mut rng(73))
            .unwrap(),
    );
    let seal = through_bytes(&proven.authorize(&alice_sk, &mut rng(74)).unwrap())
        .extract()
        .unwrap();
    verify(&seal).unwrap();
    alice.scan(&seal).unwrap();
    bob.scan(&seal).unwrap();
    let package = bob.packages()[0].clone();

    // Bob opens it, proving with his proof-generation key only.
    let pgk = ProofGenerationKey::from(&bob_sk);
    let mut b = TransactionBuilder::new();
    b.set_chain_id(CHAIN);
    b.add_package_spend_with_proof_key(
        &pgk,
        package.package.clone(),
        package.diversifier,
        bob.package_path(&package).clone(),
    );
    b.add_output(
        None,
        bob.address(1),
        AssetInfo::native(),
        400,
        [0; MEMO_LEN],
    );
    let created = through_bytes(&b.into_pczt(&mut rng(75)).unwrap());
    let s = created.summary();
    assert!(s.spends[0].package);
    assert_eq!(s.spends[0].contents, vec![(AssetId::native(), 400)]);
    let proven = through_bytes(&created.prove(&pgk, keys(), &mut rng(76)).unwrap());
    assert_eq!(
        proven.authorize(&alice_sk, &mut rng(77)).unwrap_err(),
        PcztError::WrongSpendingKey(0)
    );
    let open = proven
        .authorize(&bob_sk, &mut rng(78))
        .unwrap()
        .extract()
        .unwrap();
    verify(&open).unwrap();
    bob.scan(&open).unwrap();
    assert_eq!(bob.balance_of(&AssetId::native()), 400);
}
