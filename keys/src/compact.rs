//! Trial decryption of compact outputs: what a syncing wallet runs on every
//! output of every block.
//!
//! A node's compact block keeps, for a note, only the first
//! [`COMPACT_NOTE_LEN`] bytes of its ciphertext (the plaintext up to and
//! including `rcm`) and drops the rest with the AEAD tag. ChaCha20-Poly1305
//! (RFC 8439) encrypts the plaintext with the ChaCha20 keystream from block
//! counter 1 (block 0 makes the Poly1305 key), so that prefix decrypts with
//! the bare keystream. With no tag to check, the note commitment on chain
//! authenticates it instead: the note rebuilt from the decrypted fields must
//! commit to `cm` and carry this key's owner tag for its diversifier, exactly
//! the checks `IncomingViewingKey::decrypt_output` makes after its tag. A
//! package's compact ciphertext is whole and goes through the AEAD as usual.
//!
//! The asset information and the memo stay on the node: a wallet that finds a
//! note fetches the full transaction for them.
//!
//! [`decrypt_compact_batch`] scans many outputs for many keys on rayon's
//! pool, decoding each `epk` once and each key's scalars once.

use chacha20::{
    cipher::{KeyIvInit, StreamCipher, StreamCipherSeek},
    ChaCha20,
};
use curve25519_dalek::{
    ristretto::{CompressedRistretto, RistrettoPoint},
    scalar::Scalar,
    traits::IsIdentity,
};
use rayon::prelude::*;
use subtle::Choice;
use superzk_circuits::{
    note::{owner_tag, AssetId, Note, DIVERSIFIER_LEN},
    note_kind::NoteKind,
    Fr,
};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{
    encryption::{blake2b_personal, try_decrypt_with_shared_secret},
    note_plaintext::{
        decode_package_plaintext, DecryptedPackage, NOTE_PLAINTEXT_LEN, PACKAGE_PLAINTEXT_LEN,
    },
    spending_key::{ct_eq_field, decode_field, IncomingViewingKey},
};

/// Length of a note's compact ciphertext: lead byte (1), diversifier (11),
/// owner (32), asset (32), value (8), rho (32) and rcm (32).
pub const COMPACT_NOTE_LEN: usize = 1 + DIVERSIFIER_LEN + 32 + 32 + 8 + 32 + 32;

/// Length of a full note ciphertext (plaintext and tag); also accepted, and
/// read through its compact prefix.
const FULL_NOTE_LEN: usize = NOTE_PLAINTEXT_LEN + crate::encryption::TAG_LEN;

// A package ciphertext is told from a note's by its length alone.
const _: () = assert!(COMPACT_NOTE_LEN <= NOTE_PLAINTEXT_LEN);
const _: () = assert!(PACKAGE_PLAINTEXT_LEN != NOTE_PLAINTEXT_LEN);
const _: () = assert!(PACKAGE_PLAINTEXT_LEN + crate::encryption::TAG_LEN != COMPACT_NOTE_LEN);

const NOTE_LEAD_BYTE: u8 = 0x01;
/// Must match `encryption::note_key`'s personalization (the tests decrypt
/// real outputs both ways, so a divergence fails them).
const NOTE_KDF_PERSONALIZATION: &[u8; 16] = b"SuperZK_NoteKDF_";
/// Bytes of ChaCha20 keystream per block: the prefix starts at block 1.
const CHACHA_BLOCK_LEN: u64 = 64;

/// One output as a compact block carries it. The wallet implements this for
/// its own compact output type, so batches are scanned without copying.
pub trait CompactCiphertext {
    /// Note commitment, canonical little-endian field element.
    fn cm(&self) -> &[u8; 32];
    /// Ephemeral public key, compressed ristretto255.
    fn epk(&self) -> &[u8; 32];
    /// [`COMPACT_NOTE_LEN`] bytes for a note, the whole ciphertext for a
    /// package.
    fn ciphertext(&self) -> &[u8];
}

/// A note found in a compact output: the note (its owner checked) and the
/// diversifier of the address it was sent to. Redacted in `Debug` and wiped on
/// drop (the note wipes itself).
#[derive(Clone, PartialEq, Eq)]
pub struct CompactNote {
    /// The note; its commitment is the output's `cm`.
    pub note: Note,
    /// The diversifier of the receiving address.
    pub diversifier: [u8; DIVERSIFIER_LEN],
}

impl Drop for CompactNote {
    fn drop(&mut self) {
        self.diversifier.zeroize();
    }
}
impl ZeroizeOnDrop for CompactNote {}

impl std::fmt::Debug for CompactNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CompactNote(<redacted>)")
    }
}

/// What trial decryption of a compact output found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompactFound {
    /// A note (asset info and memo are not in compact outputs).
    Note(CompactNote),
    /// A package, decrypted whole (its ciphertext is not cut).
    Package(Box<DecryptedPackage>),
}

/// An incoming viewing key made ready for scanning: the Poseidon-side `ivk`
/// (owner tags) and the ristretto255 scalar (key agreement), derived once.
/// Wiped on drop, redacted in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PreparedIvk {
    ivk: Fr,
    scalar: Scalar,
}

impl std::fmt::Debug for PreparedIvk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PreparedIvk(<redacted>)")
    }
}

impl PreparedIvk {
    /// Derives the scanning scalars of `ivk`.
    pub fn new(ivk: &IncomingViewingKey) -> Self {
        Self {
            ivk: ivk.ivk(),
            scalar: *ivk.encryption_scalar(),
        }
    }

    /// Trial-decrypts one output whose `epk` is already decoded.
    fn decrypt(
        &self,
        cm: &Fr,
        epk: &[u8; 32],
        epk_point: &RistrettoPoint,
        ciphertext: &[u8],
    ) -> Option<CompactFound> {
        let shared = Zeroizing::new(self.scalar * epk_point);
        if ciphertext.len() == COMPACT_NOTE_LEN || ciphertext.len() == FULL_NOTE_LEN {
            let prefix: &[u8; COMPACT_NOTE_LEN] = ciphertext[..COMPACT_NOTE_LEN].try_into().ok()?;
            self.decrypt_note(cm, &note_key(&shared, epk), prefix)
                .map(CompactFound::Note)
        } else {
            self.decrypt_package(cm, &shared, epk, ciphertext)
                .map(|p| CompactFound::Package(Box::new(p)))
        }
    }

    /// Decrypts a note prefix with the bare keystream and accepts it only if
    /// it commits to `cm` and is owned by this key.
    fn decrypt_note(
        &self,
        cm: &Fr,
        key: &[u8; 32],
        prefix: &[u8; COMPACT_NOTE_LEN],
    ) -> Option<CompactNote> {
        let mut plaintext = Zeroizing::new(*prefix);
        let mut cipher = ChaCha20::new(key.into(), &[0u8; 12].into());
        cipher.seek(CHACHA_BLOCK_LEN);
        cipher.apply_keystream(&mut plaintext[..]);
        // Not ours with probability 255/256: stop before any hashing.
        if plaintext[0] != NOTE_LEAD_BYTE {
            return None;
        }
        let found = decode_compact(&plaintext)?;
        let owned = self.owns(&found.note.owner, &found.diversifier)
            & ct_eq_field(&found.note.commitment(), cm);
        bool::from(owned).then_some(found)
    }

    /// The full AEAD path for a package (its ciphertext is not cut).
    fn decrypt_package(
        &self,
        cm: &Fr,
        shared: &RistrettoPoint,
        epk: &[u8; 32],
        ciphertext: &[u8],
    ) -> Option<DecryptedPackage> {
        let plaintext = Zeroizing::new(try_decrypt_with_shared_secret(shared, epk, ciphertext)?);
        let found = decode_package_plaintext(&plaintext)?;
        let owned = self.owns(&found.package.owner, &found.diversifier)
            & ct_eq_field(&found.package.commitment(), cm);
        bool::from(owned).then_some(found)
    }

    /// Whether `owner` is this key's owner tag for diversifier `d`.
    fn owns(&self, owner: &Fr, d: &[u8; DIVERSIFIER_LEN]) -> Choice {
        ct_eq_field(owner, &owner_tag(&self.ivk, d))
    }
}

impl IncomingViewingKey {
    /// Trial-decrypts a compact output: `Some` only if it is addressed to
    /// this key and what it decrypts to commits to `cm`. `None` for outputs
    /// of others and for anything malformed; never panics.
    pub fn decrypt_compact(
        &self,
        cm: &[u8; 32],
        epk: &[u8; 32],
        ciphertext: &[u8],
    ) -> Option<CompactFound> {
        let cm = decode_field(cm, "cm").ok()?;
        let epk_point = decode_epk(epk)?;
        PreparedIvk::new(self).decrypt(&cm, epk, &epk_point, ciphertext)
    }
}

/// Trial-decrypts every output with every key, in parallel on rayon's pool.
///
/// Returns one entry per output, in order: the index in `ivks` of the first
/// key that owns it and what it holds, or `None`.
pub fn decrypt_compact_batch<O: CompactCiphertext + Sync>(
    ivks: &[PreparedIvk],
    outputs: &[O],
) -> Vec<Option<(usize, CompactFound)>> {
    outputs
        .par_iter()
        .map(|output| {
            let cm = decode_field(output.cm(), "cm").ok()?;
            let epk_point = decode_epk(output.epk())?;
            ivks.iter().enumerate().find_map(|(index, ivk)| {
                ivk.decrypt(&cm, output.epk(), &epk_point, output.ciphertext())
                    .map(|found| (index, found))
            })
        })
        .collect()
}

/// Decodes an `epk`, refusing invalid encodings and the identity.
fn decode_epk(epk: &[u8; 32]) -> Option<RistrettoPoint> {
    CompressedRistretto(*epk)
        .decompress()
        .filter(|p| !p.is_identity())
}

/// The note key `Blake2b-256("SuperZK_NoteKDF_", shared || epk)`.
fn note_key(shared: &RistrettoPoint, epk: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let shared = Zeroizing::new(shared.compress());
    blake2b_personal::<32>(NOTE_KDF_PERSONALIZATION, &[shared.as_bytes(), epk])
}

/// Parses a decrypted prefix (lead byte already checked); `None` if a field
/// is not canonical.
fn decode_compact(p: &[u8; COMPACT_NOTE_LEN]) -> Option<CompactNote> {
    let mut diversifier = [0u8; DIVERSIFIER_LEN];
    diversifier.copy_from_slice(&p[1..12]);
    let field = |at: usize| decode_field(&p[at..at + 32], "plaintext field").ok();
    let mut value = [0u8; 8];
    value.copy_from_slice(&p[76..84]);
    Some(CompactNote {
        note: Note {
            owner: field(12)?,
            asset: AssetId(field(44)?),
            value: u64::from_le_bytes(value),
            rho: field(84)?,
            rcm: field(116)?,
        },
        diversifier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        note_plaintext::{encrypt_output, encrypt_package, MEMO_LEN},
        spending_key::{encode_field, SpendingKey},
    };
    use ark_ff::UniformRand;
    use proptest::prelude::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};
    use superzk_circuits::{
        asset::AssetInfo,
        package::{PackageNote, PACKAGE_SLOTS},
    };

    /// An output as the node would serve it.
    #[derive(Clone)]
    struct Out {
        cm: [u8; 32],
        epk: [u8; 32],
        ciphertext: Vec<u8>,
        full: Vec<u8>,
    }

    impl CompactCiphertext for Out {
        fn cm(&self) -> &[u8; 32] {
            &self.cm
        }
        fn epk(&self) -> &[u8; 32] {
            &self.epk
        }
        fn ciphertext(&self) -> &[u8] {
            &self.ciphertext
        }
    }

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::from_seed([7u8; 32])
    }

    fn ivk(seed: u8) -> IncomingViewingKey {
        SpendingKey::from_seed(&[seed; 32], 0)
            .full_viewing_key()
            .incoming_viewing_key()
    }

    fn note_to(ivk: &IncomingViewingKey, index: u64, rng: &mut ChaCha20Rng) -> Out {
        let to = ivk.address(index);
        let note = Note {
            asset: AssetId::native(),
            value: rng.next_u64(),
            owner: to.owner(),
            rho: Fr::rand(rng),
            rcm: Fr::rand(rng),
        };
        let enc = encrypt_output(
            &to,
            &note,
            &AssetInfo::native(),
            &[9u8; MEMO_LEN],
            &[1u8; 32],
            &[2u8; 32],
            rng,
        )
        .unwrap();
        Out {
            cm: encode_field(&note.commitment()),
            epk: enc.epk,
            ciphertext: enc.ciphertext[..COMPACT_NOTE_LEN].to_vec(),
            full: enc.ciphertext,
        }
    }

    fn package_to(ivk: &IncomingViewingKey, rng: &mut ChaCha20Rng) -> Out {
        let to = ivk.address(3);
        let mut contents = [(AssetId::native(), 0u64); PACKAGE_SLOTS];
        contents[0].1 = 42;
        let package = PackageNote {
            key: Fr::rand(rng),
            contents,
            owner: to.owner(),
            rho: Fr::rand(rng),
            rcm: Fr::rand(rng),
        };
        let infos = std::array::from_fn(|_| AssetInfo::native());
        let enc = encrypt_package(
            &to,
            &package,
            &infos,
            &[0u8; MEMO_LEN],
            &[1u8; 32],
            &[2u8; 32],
            rng,
        )
        .unwrap();
        Out {
            cm: encode_field(&package.commitment()),
            epk: enc.epk,
            ciphertext: enc.ciphertext.clone(),
            full: enc.ciphertext,
        }
    }

    fn compact(ivk: &IncomingViewingKey, o: &Out) -> Option<CompactFound> {
        ivk.decrypt_compact(&o.cm, &o.epk, &o.ciphertext)
    }

    #[test]
    fn agrees_with_full_decryption() {
        let mut rng = rng();
        let alice = ivk(1);
        for index in 0..8 {
            let o = note_to(&alice, index, &mut rng);
            let cm = decode_field(&o.cm, "cm").unwrap();
            let full = alice.decrypt_output(&cm, &o.epk, &o.full).unwrap();
            let Some(CompactFound::Note(found)) = compact(&alice, &o) else {
                panic!("the compact output of note {index} was not found");
            };
            assert!(found.note == full.note);
            assert_eq!(found.diversifier, full.diversifier);
            assert_eq!(found.diversifier, alice.diversifier(index));
            // A whole note ciphertext is read through its prefix too.
            let whole = alice.decrypt_compact(&o.cm, &o.epk, &o.full);
            assert_eq!(whole, Some(CompactFound::Note(found)));
        }
    }

    #[test]
    fn packages_are_found_whole() {
        let mut rng = rng();
        let alice = ivk(1);
        let o = package_to(&alice, &mut rng);
        let cm = decode_field(&o.cm, "cm").unwrap();
        let full = alice.decrypt_package_output(&cm, &o.epk, &o.full).unwrap();
        assert_eq!(
            compact(&alice, &o),
            Some(CompactFound::Package(Box::new(full)))
        );
        assert_eq!(compact(&ivk(2), &o), None);
        let mut cut = o.clone();
        cut.ciphertext.truncate(cut.ciphertext.len() - 1);
        assert_eq!(compact(&alice, &cut), None);
    }

    #[test]
    fn wrong_key_finds_nothing() {
        let mut rng = rng();
        let o = note_to(&ivk(1), 0, &mut rng);
        assert_eq!(compact(&ivk(2), &o), None);
    }

    #[test]
    fn any_flipped_bit_is_refused() {
        let mut rng = rng();
        let alice = ivk(1);
        let o = note_to(&alice, 0, &mut rng);
        for i in 0..COMPACT_NOTE_LEN * 8 {
            let mut bad = o.clone();
            bad.ciphertext[i / 8] ^= 1 << (i % 8);
            assert_eq!(compact(&alice, &bad), None, "ciphertext bit {i}");
        }
        for i in 0..256 {
            let mut bad = o.clone();
            bad.cm[i / 8] ^= 1 << (i % 8);
            assert_eq!(compact(&alice, &bad), None, "cm bit {i}");
            let mut bad = o.clone();
            bad.epk[i / 8] ^= 1 << (i % 8);
            assert_eq!(compact(&alice, &bad), None, "epk bit {i}");
        }
    }

    #[test]
    fn a_note_to_another_owner_tag_is_refused() {
        // The sender encrypts to Alice's pk_d but commits to Bob's owner
        // tag: decryption works, the owner check must refuse it.
        let mut rng = rng();
        let (alice, bob) = (ivk(1), ivk(2));
        let to = alice.address(0);
        let note = Note {
            asset: AssetId::native(),
            value: 5,
            owner: bob.address(0).owner(),
            rho: Fr::rand(&mut rng),
            rcm: Fr::rand(&mut rng),
        };
        let plaintext = crate::note_plaintext::encode_plaintext(
            &to.diversifier(),
            &note,
            &AssetInfo::native().to_bytes().unwrap(),
            &[0u8; MEMO_LEN],
        );
        let cm = encode_field(&note.commitment());
        let enc = crate::encryption::encrypt_note(
            &to.pk_d(),
            &to.base(),
            &plaintext,
            &[0u8; 32],
            &[0u8; 32],
            &cm,
            &mut rng,
        )
        .unwrap();
        assert_eq!(
            alice.decrypt_compact(&cm, &enc.epk, &enc.ciphertext[..COMPACT_NOTE_LEN]),
            None
        );
    }

    #[test]
    fn short_long_and_identity_inputs_are_refused() {
        let mut rng = rng();
        let alice = ivk(1);
        let o = note_to(&alice, 0, &mut rng);
        for len in [0, 1, COMPACT_NOTE_LEN - 1, COMPACT_NOTE_LEN + 1, 4096] {
            let mut bad = o.clone();
            bad.ciphertext.resize(len, 0);
            assert_eq!(compact(&alice, &bad), None, "length {len}");
        }
        let mut bad = o.clone();
        bad.epk = [0u8; 32];
        assert_eq!(compact(&alice, &bad), None);
        bad = o.clone();
        bad.cm = [0xff; 32];
        assert_eq!(compact(&alice, &bad), None);
    }

    #[test]
    fn batch_finds_each_keys_outputs_in_order() {
        let mut rng = rng();
        let keys = [ivk(1), ivk(2), ivk(3)];
        let stranger = ivk(4);
        let mut outputs = vec![];
        let mut expected = vec![];
        for i in 0..40u64 {
            let owner = (i % 5) as usize;
            let o = match owner {
                0..=2 => note_to(&keys[owner], i, &mut rng),
                _ => note_to(&stranger, i, &mut rng),
            };
            outputs.push(o);
            expected.push((owner < 3).then_some(owner));
        }
        outputs.push(package_to(&keys[2], &mut rng));
        expected.push(Some(2));
        let prepared: Vec<_> = keys.iter().map(PreparedIvk::new).collect();
        let found = decrypt_compact_batch(&prepared, &outputs);
        assert_eq!(found.len(), outputs.len());
        for (i, (f, e)) in found.iter().zip(&expected).enumerate() {
            assert_eq!(f.as_ref().map(|(k, _)| *k), *e, "output {i}");
            if let Some((k, found)) = f {
                assert_eq!(Some(found.clone()), compact(&keys[*k], &outputs[i]));
            }
        }
        assert!(decrypt_compact_batch(&[], &outputs)
            .iter()
            .all(Option::is_none));
        assert!(decrypt_compact_batch::<Out>(&prepared, &[]).is_empty());
    }

    #[test]
    fn secrets_are_redacted() {
        let mut rng = rng();
        let alice = ivk(1);
        let prepared = PreparedIvk::new(&alice);
        assert_eq!(format!("{prepared:?}"), "PreparedIvk(<redacted>)");
        let found = compact(&alice, &note_to(&alice, 0, &mut rng)).unwrap();
        assert_eq!(format!("{found:?}"), "Note(CompactNote(<redacted>))");
        let mut wiped = prepared.clone();
        wiped.zeroize();
        assert_eq!(wiped.scalar, Scalar::ZERO);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn garbage_never_panics_and_is_never_found(
            cm in any::<[u8; 32]>(),
            epk in any::<[u8; 32]>(),
            ciphertext in proptest::collection::vec(any::<u8>(), 0..1200),
        ) {
            let alice = ivk(1);
            prop_assert_eq!(alice.decrypt_compact(&cm, &epk, &ciphertext), None);
        }

        #[test]
        fn a_real_epk_with_garbage_is_never_found(
            seed in any::<u64>(),
            ciphertext in proptest::collection::vec(any::<u8>(), COMPACT_NOTE_LEN..=COMPACT_NOTE_LEN),
        ) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let alice = ivk(1);
            let o = note_to(&alice, 0, &mut rng);
            prop_assert_eq!(alice.decrypt_compact(&o.cm, &o.epk, &ciphertext), None);
        }
    }
}
