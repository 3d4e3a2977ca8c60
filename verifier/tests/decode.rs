//! The transaction and proof-file decoders on the committed fixtures and on
//! corruptions of them: typed errors, never a panic, and every point checked.

use std::path::PathBuf;

use ark_ed_on_bls12_381::{EdwardsAffine, Fq};
use ark_ff::{One, PrimeField};
use ark_serialize::CanonicalSerialize;
use superzk_verifier::{error::DecodeError, proof_file::ProofFile, transaction::Transaction};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures")
            .join(name),
    )
    .expect("fixture exists")
}

/// Offsets in transfer.tx: header (magic, version, chain id, expiry, account
/// flag 0, four fingerprints), then the first spend.
const FIRST_SPEND: usize = 4 + 1 + 32 + 8 + 1 + 4 * 32 + 2;
const CV: usize = FIRST_SPEND + 64;
const RK: usize = FIRST_SPEND + 96;
const PROOF: usize = FIRST_SPEND + 128;

fn with(bytes: &[u8], at: usize, patch: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at..at + patch.len()].copy_from_slice(patch);
    b
}

#[test]
fn fixtures_decode_and_reencode_identically() {
    for name in ["shield.tx", "transfer.tx"] {
        let bytes = fixture(name);
        let tx = Transaction::from_bytes(&bytes).unwrap();
        assert_eq!(tx.to_bytes(), bytes, "{name} is canonical");
    }
    let bytes = fixture("spend.proof");
    assert_eq!(ProofFile::from_bytes(&bytes).unwrap().to_bytes(), bytes);
}

#[test]
fn points_off_curve_or_outside_the_subgroup_are_rejected() {
    let tx = fixture("transfer.tx");
    // Not a curve point at all.
    assert_eq!(
        Transaction::from_bytes(&with(&tx, CV, &[0xff; 32])),
        Err(DecodeError::InvalidEncoding("value commitment"))
    );
    // A curve point with a small-order component: rk + (0, -1).
    let t = Transaction::from_bytes(&tx).unwrap();
    let torsion = EdwardsAffine::new_unchecked(Fq::from(0u64), -Fq::one());
    assert!(torsion.is_on_curve() && !torsion.is_in_correct_subgroup_assuming_on_curve());
    let mixed: EdwardsAffine = (t.spends[0].rk + torsion).into();
    let mut enc = [0u8; 32];
    mixed.serialize_compressed(&mut enc[..]).unwrap();
    assert_eq!(
        Transaction::from_bytes(&with(&tx, RK, &enc)),
        Err(DecodeError::InvalidEncoding("authorization key"))
    );
    // The identity as a key.
    let mut id = [0u8; 32];
    EdwardsAffine::zero()
        .serialize_compressed(&mut id[..])
        .unwrap();
    assert!(Transaction::from_bytes(&with(&tx, RK, &id)).is_err());
    // A proof whose A is not a G1 point.
    assert_eq!(
        Transaction::from_bytes(&with(&tx, PROOF, &[0x9f; 48])),
        Err(DecodeError::InvalidEncoding("proof"))
    );
}

#[test]
fn non_canonical_fields_and_bad_structure_are_rejected() {
    let tx = fixture("transfer.tx");
    // The field modulus itself is not a canonical element.
    let mut modulus = [0u8; 32];
    ark_bls12_381::Fr::MODULUS
        .serialize_compressed(&mut modulus[..])
        .unwrap();
    assert_eq!(
        Transaction::from_bytes(&with(&tx, FIRST_SPEND, &modulus)),
        Err(DecodeError::InvalidEncoding("anchor"))
    );
    assert_eq!(
        Transaction::from_bytes(&with(&tx, 0, b"XXXX")),
        Err(DecodeError::BadMagic)
    );
    assert_eq!(
        Transaction::from_bytes(&with(&tx, 4, &[9])),
        Err(DecodeError::UnsupportedVersion(9))
    );
    assert!(matches!(
        Transaction::from_bytes(&with(&tx, FIRST_SPEND - 2, &[0xff, 0xff])),
        Err(DecodeError::TooMany { .. })
    ));
    let mut longer = tx.clone();
    longer.extend_from_slice(&[0; 3]);
    assert_eq!(
        Transaction::from_bytes(&longer),
        Err(DecodeError::TrailingBytes(3))
    );
    for len in 0..tx.len() {
        assert!(Transaction::from_bytes(&tx[..len]).is_err());
    }
}

#[test]
fn proof_files_reject_garbage() {
    let p = fixture("spend.proof");
    for len in 0..p.len() {
        assert!(ProofFile::from_bytes(&p[..len]).is_err());
    }
    assert_eq!(
        ProofFile::from_bytes(&with(&p, 5, &[7])),
        Err(DecodeError::InvalidEncoding("circuit id"))
    );
    let mut longer = p.clone();
    longer.push(0);
    assert_eq!(
        ProofFile::from_bytes(&longer),
        Err(DecodeError::TrailingBytes(1))
    );
    let mut state = 1u64;
    for _ in 0..2000 {
        let mut b = p.clone();
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = (state >> 33) as usize % b.len();
        b[at] ^= (state >> 20) as u8 | 1;
        let _ = ProofFile::from_bytes(&b);
    }
}
