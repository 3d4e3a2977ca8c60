//! The transaction and proof-file decoders on the committed fixtures and on
//! corruptions of them: typed errors, never a panic, and every point checked.

use std::path::PathBuf;

use ark_bls12_381::{Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ed_on_bls12_381::{EdwardsAffine, Fq};
use ark_ff::{PrimeField, Zero};
use ark_serialize::CanonicalSerialize;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_keys::params::verifying_key_from_bytes;
use superzk_verifier::{
    error::DecodeError,
    groth16::{verify_single, Groth16Error, ProofItem},
    proof_file::ProofFile,
    transaction::Transaction,
    verify::{verify_batch, verify_transaction, AnyAnchor, VerifyingKeys},
};

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

fn keys() -> VerifyingKeys {
    let read = |n: &str| verifying_key_from_bytes(&fixture(n)).expect("fixture key");
    VerifyingKeys {
        spend: read("spend.vk"),
        output: read("output.vk"),
        package_spend: read("package-spend.vk"),
        package_output: read("package-output.vk"),
    }
}

fn encode<P: CanonicalSerialize>(p: &P) -> Vec<u8> {
    let mut out = vec![];
    p.serialize_compressed(&mut out).unwrap();
    out
}

/// The eight points of small order: the identity, (0, -1), and the points of
/// order 4 and 8, found as the multiples by `r` of curve points.
fn small_order_points() -> Vec<EdwardsAffine> {
    let mut found = vec![EdwardsAffine::zero()];
    for y in 2u64.. {
        let Some(p) = EdwardsAffine::get_point_from_y_unchecked(Fq::from(y), false) else {
            continue;
        };
        let t: EdwardsAffine = p.mul_bigint(ark_ed_on_bls12_381::Fr::MODULUS).into();
        for k in 1..8u64 {
            let tk: EdwardsAffine = (t * ark_ed_on_bls12_381::Fr::from(k)).into();
            if !found.contains(&tk) {
                found.push(tk);
            }
        }
        if found.len() == 8 {
            return found;
        }
    }
    unreachable!("the curve has eight points of small order")
}

#[test]
fn off_curve_small_order_and_non_canonical_points_are_rejected_on_decoding() {
    let tx = fixture("transfer.tx");
    // Not a curve point at all.
    assert_eq!(
        Transaction::from_bytes(&with(&tx, CV, &[0xff; 32])),
        Err(DecodeError::InvalidEncoding("value commitment"))
    );
    // Every point of small order (the identity included), as cv and as rk.
    let small = small_order_points();
    assert_eq!(small.len(), 8);
    for t in &small {
        assert!(t.is_on_curve() && t.mul_by_cofactor_to_group().is_zero());
        assert_eq!(
            Transaction::from_bytes(&with(&tx, RK, &encode(t))),
            Err(DecodeError::InvalidEncoding("authorization key"))
        );
        assert_eq!(
            Transaction::from_bytes(&with(&tx, CV, &encode(t))),
            Err(DecodeError::InvalidEncoding("value commitment"))
        );
    }
    // The second encoding of a point with x = 0 (sign bit set): (0, 1) and
    // (0, -1) are the only such points, both of small order; and the sign
    // bit flipped on a real rk is the canonical encoding of -rk, which is a
    // different point (its proof then fails: see the test below).
    let mut second = encode(&EdwardsAffine::zero());
    second[31] |= 0x80;
    assert!(Transaction::from_bytes(&with(&tx, RK, &second)).is_err());
    // A y coordinate that is not a canonical field element (y + q for y = 1).
    let mut y_plus_q = [0u8; 32];
    let q = Fq::MODULUS;
    let (mut carry, mut limbs) = (1u128, [0u64; 4]);
    for (i, l) in q.0.iter().enumerate() {
        let sum = u128::from(*l) + carry;
        limbs[i] = sum as u64;
        carry = sum >> 64;
    }
    for (i, l) in limbs.iter().enumerate() {
        y_plus_q[8 * i..8 * i + 8].copy_from_slice(&l.to_le_bytes());
    }
    assert!(Transaction::from_bytes(&with(&tx, RK, &y_plus_q)).is_err());
    // A proof whose A is not a G1 point.
    assert_eq!(
        Transaction::from_bytes(&with(&tx, PROOF, &[0x9f; 48])),
        Err(DecodeError::InvalidEncoding("proof"))
    );
    // Proof points on their curves but outside the prime-order subgroups.
    let g1_off = (1u64..)
        .find_map(|x| {
            G1Affine::get_point_from_x_unchecked(x.into(), false)
                .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        })
        .unwrap();
    let g2_off = (1u64..)
        .find_map(|x| {
            G2Affine::get_point_from_x_unchecked(Fq2::new(x.into(), 1u64.into()), false)
                .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        })
        .unwrap();
    for (at, bytes) in [
        (PROOF, encode(&g1_off)),
        (PROOF + 48, encode(&g2_off)),
        (PROOF + 144, encode(&g1_off)),
    ] {
        assert_eq!(
            Transaction::from_bytes(&with(&tx, at, &bytes)),
            Err(DecodeError::InvalidEncoding("proof"))
        );
    }
}

/// The attack the decoder's relaxed check on `cv` and `rk` could open: a
/// point with a small-order component (`P + T`, `T` of order 2, 4 or 8),
/// which the decoder no longer refuses (only its proof can). The proof
/// refuses it: the transaction is invalid alone and in a batch, and the
/// proof check by itself fails, whatever the signatures say.
#[test]
fn points_with_a_small_order_component_decode_but_their_proof_refuses_them() {
    let tx = fixture("transfer.tx");
    let keys = keys();
    let honest = Transaction::from_bytes(&tx).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    assert_eq!(
        verify_transaction(&honest, &keys, &AnyAnchor, &mut rng),
        Ok(())
    );
    for t in small_order_points().into_iter().skip(1) {
        for (at, what) in [(CV, "cv"), (RK, "rk")] {
            let point = if at == CV {
                honest.spends[0].cv
            } else {
                honest.spends[0].rk
            };
            let mixed: EdwardsAffine = (point + t).into();
            let bytes = with(&tx, at, &encode(&mixed));
            let bad = Transaction::from_bytes(&bytes).expect("decodes: the proof decides");
            assert!(
                verify_transaction(&bad, &keys, &AnyAnchor, &mut rng).is_err(),
                "{what} + T refused alone"
            );
            let batch = verify_batch(
                &[honest.clone(), bad.clone(), honest.clone()],
                &keys,
                &AnyAnchor,
                &mut rng,
            )
            .expect_err("a block with it is refused");
            assert_eq!(batch.invalid.len(), 1);
            assert_eq!(batch.invalid[0].0, 1, "{what} + T: the bad one is named");
            // The proof alone refuses the changed public input.
            let inputs = bad.spends[0].public_inputs().to_field_elements();
            let item = ProofItem {
                pvk: &keys.spend.prepared,
                proof: &bad.spends[0].proof,
                public_inputs: &inputs,
            };
            assert_eq!(verify_single(&item), Err(Groth16Error::Invalid), "{what}");
        }
    }
    // The output's cv too.
    let out = &honest.outputs[0];
    let t = small_order_points()[1];
    let mut bad = honest.clone();
    bad.outputs[0].cv = (out.cv + t).into();
    let bad = Transaction::from_bytes(&bad.to_bytes()).expect("decodes: the proof decides");
    assert!(verify_transaction(&bad, &keys, &AnyAnchor, &mut rng).is_err());
    let inputs = bad.outputs[0].public_inputs().to_field_elements();
    let item = ProofItem {
        pvk: &keys.output.prepared,
        proof: &bad.outputs[0].proof,
        public_inputs: &inputs,
    };
    assert_eq!(verify_single(&item), Err(Groth16Error::Invalid));
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

/// A signature nonce `R` with a small-order component (`R + T`): the
/// decoder of nonces keeps its full prime-order check (docs/PROTOCOL.md §8,
/// "Batch verification": a cofactored equation would let anyone change a
/// transaction's id this way), so the transaction is refused alone and in a
/// block, where the culprit is named with the right reason.
#[test]
fn a_signature_nonce_with_a_small_order_component_is_refused() {
    use ark_serialize::CanonicalDeserialize;
    use superzk_verifier::error::TxError;
    let keys = keys();
    let honest = Transaction::from_bytes(&fixture("transfer.tx")).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    for t in small_order_points().into_iter().skip(1) {
        let plus_t = |r: &[u8; 32]| -> [u8; 32] {
            let p = EdwardsAffine::deserialize_compressed(&r[..]).unwrap();
            encode(&EdwardsAffine::from(p + t)).try_into().unwrap()
        };
        let mut auth = honest.clone();
        auth.spends[0].auth_sig.r = plus_t(&honest.spends[0].auth_sig.r);
        let mut binding = honest.clone();
        binding.binding_sig.r = plus_t(&honest.binding_sig.r);
        for (bad, reason) in [
            (auth, TxError::SpendAuthorization),
            (binding, TxError::Binding),
        ] {
            // It survives its own encoding (signatures are decoded when
            // checked), and is refused when checked.
            let bad = Transaction::from_bytes(&bad.to_bytes()).unwrap();
            assert_eq!(
                verify_transaction(&bad, &keys, &AnyAnchor, &mut rng),
                Err(reason.clone())
            );
            let batch = verify_batch(
                &[honest.clone(), bad, honest.clone()],
                &keys,
                &AnyAnchor,
                &mut rng,
            )
            .expect_err("a block with it is refused");
            assert_eq!(batch.invalid, vec![(1, reason)]);
        }
    }
    verify_batch(&[honest.clone(), honest], &keys, &AnyAnchor, &mut rng).unwrap();
}
