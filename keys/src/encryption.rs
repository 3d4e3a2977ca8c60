//! Note encryption: Sapling-style in-band secret distribution on ristretto255
//! with ChaCha20-Poly1305.
//!
//! # Keys
//!
//! An address for diversifier `d` (11 bytes) carries the *diversified base*
//! `B_d = RistrettoPoint::from_uniform_bytes(Blake2b-512("SuperZK_DivBase_", d))`
//! ([`diversified_base`]) implicitly through `d`, and the *transmission key*
//! `pk_d = [ivk_enc] B_d`, where `ivk_enc` is the recipient's incoming viewing
//! scalar. ristretto255 is a prime-order group, so there are no small-order
//! points to clear or reject: only the identity is refused.
//!
//! # Sending (per output)
//!
//! 1. Draw a fresh ephemeral secret `esk` (64 random bytes reduced mod ℓ, never
//!    zero) and publish `epk = [esk] B_d`.
//! 2. The shared secret is `[esk] pk_d = [esk · ivk_enc] B_d`; the note key is
//!    `K_enc = Blake2b-256("SuperZK_NoteKDF_", shared || epk)` (compressed
//!    encodings).
//! 3. `ciphertext = ChaCha20-Poly1305(K_enc, nonce = 0, plaintext)`: the
//!    plaintext (at most [`MAX_PLAINTEXT_LEN`] bytes) plus a 16-byte tag.
//! 4. So that the sender can read back what it sent with its outgoing viewing
//!    key `ovk`, it also publishes
//!    `out_ciphertext = ChaCha20-Poly1305(ock, nonce = 0, pk_d || esk)`
//!    (64 bytes plus a 16-byte tag, [`OUT_CIPHERTEXT_LEN`] in all) under
//!    `ock = Blake2b-256("SuperZK_OutCK___", ovk || cv || cm || epk)`, binding
//!    it to the output's value commitment `cv` and note commitment `cm`.
//!
//! The all-zero nonce is safe because every key encrypts exactly one message:
//! `K_enc` is derived from a fresh `esk` (hence a fresh `epk`, which is also
//! hashed in), and `ock` from that same fresh `epk`. A sender who wants an
//! output to be unrecoverable even by itself passes a random `ovk`.
//!
//! # Receiving
//!
//! The recipient computes `[ivk_enc] epk = [esk] pk_d` and trial-decrypts
//! ([`try_decrypt_incoming`]); a failing tag simply means the output is not
//! for it. The sender decrypts `out_ciphertext` with `ock`, recovers `pk_d`
//! and `esk` and from them the note key ([`try_decrypt_outgoing`]). Checking
//! the plaintext against the note commitment on chain is the caller's job
//! (see `note_plaintext`). Neither function panics on any input.
//!
//! Hashes are unkeyed Blake2b with a 16-byte personalization and the output
//! length in the parameter block (as RFC 7693 and e.g. `blake2b_simd`
//! define them).

use blake2::{
    digest::{
        core_api::{Buffer, UpdateCore, VariableOutputCore},
        Output,
    },
    Blake2bVarCore,
};
use chacha20poly1305::{
    aead::{AeadInPlace, KeyInit},
    ChaCha20Poly1305, Key, Nonce, Tag,
};
use curve25519_dalek::{
    ristretto::{CompressedRistretto, RistrettoPoint},
    scalar::Scalar,
    traits::IsIdentity,
};
use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of a diversifier.
pub const DIVERSIFIER_LEN: usize = 11;
/// Longest plaintext [`encrypt_note`] accepts (1.5 KiB): room for a package
/// plaintext (1,076 bytes with its 512-byte memo) and some growth.
pub const MAX_PLAINTEXT_LEN: usize = 1536;
/// Length of a ChaCha20-Poly1305 authentication tag.
pub const TAG_LEN: usize = 16;
/// Length of the out-plaintext `pk_d || esk`.
pub const OUT_PLAINTEXT_LEN: usize = 64;
/// Length of an out-ciphertext: the out-plaintext and a tag.
pub const OUT_CIPHERTEXT_LEN: usize = OUT_PLAINTEXT_LEN + TAG_LEN;

const DIVERSIFIED_BASE_PERSONALIZATION: &[u8; 16] = b"SuperZK_DivBase_";
const NOTE_KDF_PERSONALIZATION: &[u8; 16] = b"SuperZK_NoteKDF_";
const OUT_CIPHER_KEY_PERSONALIZATION: &[u8; 16] = b"SuperZK_OutCK___";

/// What can go wrong encrypting a note. Decryption does not fail with an
/// error: an output that does not decrypt is simply not ours.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncryptionError {
    /// The plaintext is longer than [`MAX_PLAINTEXT_LEN`].
    #[error(
        "the note plaintext is {len} bytes but at most {max} can be encrypted; \
         shorten it (note plaintexts have a fixed size, so this is a caller bug)"
    )]
    PlaintextTooLong {
        /// Its length.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// The recipient's transmission key `pk_d` is the identity point.
    #[error(
        "the recipient's transmission key pk_d is the identity point, so the note \
         would not be secret; the address is invalid, ask the recipient for a new one"
    )]
    InvalidTransmissionKey,
    /// The diversified base `B_d` is the identity point.
    #[error(
        "the diversified base B_d is the identity point; this diversifier cannot be \
         used, ask the recipient for an address with another diversifier"
    )]
    InvalidDiversifiedBase,
    /// The AEAD refused to encrypt (it only does so far beyond our size limit).
    #[error("ChaCha20-Poly1305 refused to encrypt the note; this is a bug, please report it")]
    Cipher,
    /// The asset information given does not describe the note's asset.
    #[error(
        "the asset information does not match the note's asset (or its name is not 1 to 32 bytes)"
    )]
    AssetMismatch,
}

/// An ephemeral secret `esk`: a nonzero ristretto255 scalar used for exactly
/// one output. Zeroized on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct EphemeralSecret(Scalar);

impl EphemeralSecret {
    /// A fresh uniformly random nonzero secret (64 random bytes reduced mod ℓ).
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        loop {
            let mut wide = Zeroizing::new([0u8; 64]);
            rng.fill_bytes(&mut wide[..]);
            let esk = Scalar::from_bytes_mod_order_wide(&wide);
            if esk != Scalar::ZERO {
                return Self(esk);
            }
        }
    }

    /// Parses a canonical, nonzero scalar; `None` otherwise.
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        let esk: Option<Scalar> = Scalar::from_canonical_bytes(*bytes).into();
        esk.filter(|s| *s != Scalar::ZERO).map(Self)
    }

    /// The canonical 32 bytes (secret!).
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The ephemeral public key `epk = [esk] B_d`.
    pub fn public_key(&self, b_d: &RistrettoPoint) -> RistrettoPoint {
        self.0 * b_d
    }

    /// The scalar itself (secret!), for proofs about it.
    pub(crate) fn scalar(&self) -> &Scalar {
        &self.0
    }

    /// The shared secret `[esk] pk_d`.
    fn shared_secret(&self, pk_d: &RistrettoPoint) -> Zeroizing<RistrettoPoint> {
        Zeroizing::new(self.0 * pk_d)
    }
}

impl std::fmt::Debug for EphemeralSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EphemeralSecret(<redacted>)")
    }
}

impl ConstantTimeEq for EphemeralSecret {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for EphemeralSecret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for EphemeralSecret {}

/// One encrypted output note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedNote {
    /// The ephemeral public key `epk = [esk] B_d`, compressed.
    pub epk: [u8; 32],
    /// The note plaintext encrypted to the recipient, with its tag.
    pub ciphertext: Vec<u8>,
    /// `pk_d || esk` encrypted under the sender's outgoing cipher key, with its tag.
    pub out_ciphertext: [u8; OUT_CIPHERTEXT_LEN],
}

/// Unkeyed Blake2b with output length `N` (1 to 64 bytes) and a 16-byte
/// personalization over the concatenation of `parts`.
///
/// (The `blake2` crate's `Blake2bMac` with an empty key is not the standard
/// unkeyed hash: it hashes an extra all-zero key block. This drives the core
/// directly instead.)
pub fn blake2b_personal<const N: usize>(
    personal: &[u8; 16],
    parts: &[&[u8]],
) -> Zeroizing<[u8; N]> {
    const { assert!(N >= 1 && N <= 64, "Blake2b outputs 1 to 64 bytes") };
    let mut core = Blake2bVarCore::new_with_params(&[], personal, 0, N);
    let mut buffer = Buffer::<Blake2bVarCore>::default();
    for part in parts {
        buffer.digest_blocks(part, |blocks| core.update_blocks(blocks));
    }
    let mut full = Output::<Blake2bVarCore>::default();
    core.finalize_variable_core(&mut buffer, &mut full);
    let mut out = Zeroizing::new([0u8; N]);
    out.copy_from_slice(&full[..N]);
    full.as_mut_slice().zeroize();
    out
}

/// The diversified base `B_d` for diversifier `d`: a hash to ristretto255.
pub fn diversified_base(d: &[u8; DIVERSIFIER_LEN]) -> RistrettoPoint {
    let wide = blake2b_personal::<64>(DIVERSIFIED_BASE_PERSONALIZATION, &[d]);
    RistrettoPoint::from_uniform_bytes(&wide)
}

/// The note key `Blake2b-256("SuperZK_NoteKDF_", shared || epk)`.
fn note_key(shared: &RistrettoPoint, epk: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let shared = Zeroizing::new(shared.compress());
    blake2b_personal::<32>(NOTE_KDF_PERSONALIZATION, &[shared.as_bytes(), epk])
}

/// The outgoing cipher key `Blake2b-256("SuperZK_OutCK___", ovk || cv || cm || epk)`.
fn out_cipher_key(
    ovk: &[u8; 32],
    cv: &[u8; 32],
    cm: &[u8; 32],
    epk: &[u8; 32],
) -> Zeroizing<[u8; 32]> {
    blake2b_personal::<32>(OUT_CIPHER_KEY_PERSONALIZATION, &[ovk, cv, cm, epk])
}

fn cipher(key: &[u8; 32]) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(Key::from_slice(key))
}

/// Decrypts `ciphertext || tag` under a one-time key (zero nonce); `None` if
/// the length is impossible or the tag does not match.
fn open(key: &[u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < TAG_LEN || sealed.len() > MAX_PLAINTEXT_LEN + TAG_LEN {
        return None;
    }
    let (body, tag) = sealed.split_at(sealed.len() - TAG_LEN);
    let mut buffer = body.to_vec();
    // The tag is checked before anything is decrypted, so on failure `buffer`
    // still holds only ciphertext.
    cipher(key)
        .decrypt_in_place_detached(&Nonce::default(), &[], &mut buffer, Tag::from_slice(tag))
        .ok()?;
    Some(buffer)
}

/// Decodes a compressed ristretto255 point, refusing invalid encodings and the identity.
fn decode_point(bytes: &[u8]) -> Option<RistrettoPoint> {
    CompressedRistretto::from_slice(bytes)
        .ok()?
        .decompress()
        .filter(|p| !p.is_identity())
}

/// Encrypts `plaintext` (at most [`MAX_PLAINTEXT_LEN`] bytes) to the address
/// with transmission key `pk_d` and diversified base `b_d`, and makes the
/// out-ciphertext that lets the holder of `ovk` recover it, bound to the
/// output's value commitment `cv` and note commitment `cm`.
///
/// A fresh ephemeral secret is drawn from `rng` for every call.
pub fn encrypt_note<R: RngCore + CryptoRng + ?Sized>(
    pk_d: &RistrettoPoint,
    b_d: &RistrettoPoint,
    plaintext: &[u8],
    ovk: &[u8; 32],
    cv: &[u8; 32],
    cm: &[u8; 32],
    rng: &mut R,
) -> Result<EncryptedNote, EncryptionError> {
    if plaintext.len() > MAX_PLAINTEXT_LEN {
        return Err(EncryptionError::PlaintextTooLong {
            len: plaintext.len(),
            max: MAX_PLAINTEXT_LEN,
        });
    }
    if b_d.is_identity() {
        return Err(EncryptionError::InvalidDiversifiedBase);
    }
    if pk_d.is_identity() {
        return Err(EncryptionError::InvalidTransmissionKey);
    }
    let esk = EphemeralSecret::random(rng);
    let epk = esk.public_key(b_d).compress().to_bytes();

    let key = note_key(&esk.shared_secret(pk_d), &epk);
    let mut ciphertext = Vec::with_capacity(plaintext.len() + TAG_LEN);
    ciphertext.extend_from_slice(plaintext);
    let tag = cipher(&key)
        .encrypt_in_place_detached(&Nonce::default(), &[], &mut ciphertext)
        .map_err(|_| EncryptionError::Cipher)?;
    ciphertext.extend_from_slice(&tag);

    let ock = out_cipher_key(ovk, cv, cm, &epk);
    let mut out = Zeroizing::new([0u8; OUT_PLAINTEXT_LEN]);
    out[..32].copy_from_slice(pk_d.compress().as_bytes());
    out[32..].copy_from_slice(&esk.to_bytes()[..]);
    let out_tag = cipher(&ock)
        .encrypt_in_place_detached(&Nonce::default(), &[], &mut out[..])
        .map_err(|_| EncryptionError::Cipher)?;
    let mut out_ciphertext = [0u8; OUT_CIPHERTEXT_LEN];
    out_ciphertext[..OUT_PLAINTEXT_LEN].copy_from_slice(&out[..]);
    out_ciphertext[OUT_PLAINTEXT_LEN..].copy_from_slice(&out_tag);

    Ok(EncryptedNote {
        epk,
        ciphertext,
        out_ciphertext,
    })
}

/// Trial-decrypts an output with the incoming viewing scalar `ivk_enc`.
///
/// Returns the plaintext if the output was encrypted to an address of this
/// key, and `None` if it was not (or `epk` or the ciphertext is malformed or
/// was altered). The caller should keep the plaintext in a
/// `Zeroizing` buffer.
pub fn try_decrypt_incoming(
    ivk_enc: &Scalar,
    epk: &[u8; 32],
    ciphertext: &[u8],
) -> Option<Vec<u8>> {
    let epk_point = decode_point(epk)?;
    let shared = Zeroizing::new(ivk_enc * epk_point);
    open(&note_key(&shared, epk), ciphertext)
}

/// Decrypts an output given its shared secret `S` itself rather than a key
/// (as an audit disclosure reveals it): `None` if `epk` is malformed or the
/// tag does not match. Checking that `S` is the right one is the caller's job.
pub fn try_decrypt_with_shared_secret(
    shared: &RistrettoPoint,
    epk: &[u8; 32],
    ciphertext: &[u8],
) -> Option<Vec<u8>> {
    decode_point(epk)?;
    open(&note_key(shared, epk), ciphertext)
}

/// Decrypts `out_ciphertext` (bound to `cv`, `cm` and `epk`) with the
/// sender's `ovk`: the recipient's transmission key `pk_d` and the output's
/// ephemeral secret `esk`, or `None` if `ovk` is not the sender's.
pub fn recover_ephemeral_secret(
    ovk: &[u8; 32],
    cv: &[u8; 32],
    cm: &[u8; 32],
    epk: &[u8; 32],
    out_ciphertext: &[u8; OUT_CIPHERTEXT_LEN],
) -> Option<(RistrettoPoint, EphemeralSecret)> {
    let ock = out_cipher_key(ovk, cv, cm, epk);
    let mut out = Zeroizing::new([0u8; OUT_PLAINTEXT_LEN]);
    out.copy_from_slice(&out_ciphertext[..OUT_PLAINTEXT_LEN]);
    cipher(&ock)
        .decrypt_in_place_detached(
            &Nonce::default(),
            &[],
            &mut out[..],
            Tag::from_slice(&out_ciphertext[OUT_PLAINTEXT_LEN..]),
        )
        .ok()?;
    let pk_d = decode_point(&out[..32])?;
    let mut esk_bytes = Zeroizing::new([0u8; 32]);
    esk_bytes.copy_from_slice(&out[32..]);
    Some((pk_d, EphemeralSecret::from_bytes(&esk_bytes)?))
}

/// Recovers an output the holder of `ovk` sent: decrypts `out_ciphertext`
/// (bound to `cv`, `cm` and `epk`) to `pk_d || esk`, then the note itself.
///
/// Returns the recipient's transmission key `pk_d` and the plaintext, or
/// `None` if `ovk` is not the sender's (or anything was altered).
pub fn try_decrypt_outgoing(
    ovk: &[u8; 32],
    cv: &[u8; 32],
    cm: &[u8; 32],
    epk: &[u8; 32],
    out_ciphertext: &[u8; OUT_CIPHERTEXT_LEN],
    ciphertext: &[u8],
) -> Option<(RistrettoPoint, Vec<u8>)> {
    let (pk_d, esk) = recover_ephemeral_secret(ovk, cv, cm, epk, out_ciphertext)?;
    decode_point(epk)?;
    let plaintext = open(&note_key(&esk.shared_secret(&pk_d), epk), ciphertext)?;
    Some((pk_d, plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    struct Recipient {
        ivk_enc: Scalar,
        b_d: RistrettoPoint,
        pk_d: RistrettoPoint,
    }

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::from_seed([42u8; 32])
    }

    fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    fn recipient(rng: &mut ChaCha20Rng) -> Recipient {
        let ivk_enc = random_scalar(rng);
        let mut d = [0u8; DIVERSIFIER_LEN];
        rng.fill_bytes(&mut d);
        let b_d = diversified_base(&d);
        Recipient {
            ivk_enc,
            b_d,
            pk_d: ivk_enc * b_d,
        }
    }

    fn bytes32(rng: &mut ChaCha20Rng) -> [u8; 32] {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        b
    }

    fn plaintext(rng: &mut ChaCha20Rng, len: usize) -> Vec<u8> {
        let mut p = vec![0u8; len];
        rng.fill_bytes(&mut p);
        p
    }

    #[test]
    fn blake2b_personal_matches_the_standard() {
        // Reference values from Python's hashlib.blake2b(data, digest_size=N, person=P).
        assert_eq!(
            hex::encode(*blake2b_personal::<32>(b"SuperZK_NoteKDF_", &[b"a", b"bc"])),
            "37b1c8fcf0a768cd0c45fb0486da88223c97b1af84be87b73896bc1b4b3f2ef3"
        );
        assert_eq!(
            hex::encode(*blake2b_personal::<64>(b"SuperZK_SpendSig", &[b"abc"])),
            "4abe7eb50d663098f447831248eda1a108a22926f0e3f5cab6b4749e8e88734d\
             84e44e32f99fb2219fec827ae4fe7dcff25dcc9ab9f46839bd90400e9a2ec9ee"
        );
        // Several blocks, split across parts at odd places.
        let data = [b'x'; 300];
        assert_eq!(
            hex::encode(*blake2b_personal::<32>(
                b"SuperZK_OutCK___",
                &[&data[..7], &data[7..200], &data[200..]]
            )),
            "ebdbd6d5242ba395da99f938a11e84319b8c5e2bf3a5c4b6799aba0e5423e58c"
        );
    }

    #[test]
    fn diversified_bases_are_distinct_and_deterministic() {
        let a = diversified_base(&[0u8; 11]);
        let b = diversified_base(&[1u8; 11]);
        assert_eq!(a, diversified_base(&[0u8; 11]));
        assert_ne!(a, b);
        assert!(!a.is_identity() && !b.is_identity());
    }

    #[test]
    fn roundtrip() {
        let mut rng = rng();
        let r = recipient(&mut rng);
        let (ovk, cv, cm) = (bytes32(&mut rng), bytes32(&mut rng), bytes32(&mut rng));
        for len in [0, 1, 180, MAX_PLAINTEXT_LEN] {
            let pt = plaintext(&mut rng, len);
            let enc = encrypt_note(&r.pk_d, &r.b_d, &pt, &ovk, &cv, &cm, &mut rng).unwrap();
            assert_eq!(enc.ciphertext.len(), len + TAG_LEN);
            assert_eq!(
                try_decrypt_incoming(&r.ivk_enc, &enc.epk, &enc.ciphertext).unwrap(),
                pt
            );
        }
        // Two encryptions of the same note are unlinkable.
        let pt = plaintext(&mut rng, 180);
        let e1 = encrypt_note(&r.pk_d, &r.b_d, &pt, &ovk, &cv, &cm, &mut rng).unwrap();
        let e2 = encrypt_note(&r.pk_d, &r.b_d, &pt, &ovk, &cv, &cm, &mut rng).unwrap();
        assert_ne!(e1.epk, e2.epk);
        assert_ne!(e1.ciphertext, e2.ciphertext);
    }

    #[test]
    fn too_long_or_identity_keys_are_refused() {
        let mut rng = rng();
        let r = recipient(&mut rng);
        let z = [0u8; 32];
        let long = vec![0u8; MAX_PLAINTEXT_LEN + 1];
        assert_eq!(
            encrypt_note(&r.pk_d, &r.b_d, &long, &z, &z, &z, &mut rng),
            Err(EncryptionError::PlaintextTooLong {
                len: MAX_PLAINTEXT_LEN + 1,
                max: MAX_PLAINTEXT_LEN
            })
        );
        let id = RistrettoPoint::default();
        assert_eq!(
            encrypt_note(&id, &r.b_d, b"x", &z, &z, &z, &mut rng),
            Err(EncryptionError::InvalidTransmissionKey)
        );
        assert_eq!(
            encrypt_note(&r.pk_d, &id, b"x", &z, &z, &z, &mut rng),
            Err(EncryptionError::InvalidDiversifiedBase)
        );
    }

    #[test]
    fn wrong_key_gets_none() {
        let mut rng = rng();
        let r = recipient(&mut rng);
        let other = recipient(&mut rng);
        let z = [0u8; 32];
        let enc = encrypt_note(&r.pk_d, &r.b_d, b"hello", &z, &z, &z, &mut rng).unwrap();
        assert_eq!(
            try_decrypt_incoming(&other.ivk_enc, &enc.epk, &enc.ciphertext),
            None
        );
        assert_eq!(
            try_decrypt_incoming(&(r.ivk_enc + Scalar::ONE), &enc.epk, &enc.ciphertext),
            None
        );
    }

    #[test]
    fn tampering_gets_none() {
        let mut rng = rng();
        let r = recipient(&mut rng);
        let (ovk, cv, cm) = (bytes32(&mut rng), bytes32(&mut rng), bytes32(&mut rng));
        let pt = plaintext(&mut rng, 180);
        let enc = encrypt_note(&r.pk_d, &r.b_d, &pt, &ovk, &cv, &cm, &mut rng).unwrap();
        for i in 0..enc.ciphertext.len() {
            let mut c = enc.ciphertext.clone();
            c[i] ^= 1 << (i % 8);
            assert_eq!(
                try_decrypt_incoming(&r.ivk_enc, &enc.epk, &c),
                None,
                "byte {i}"
            );
            assert_eq!(
                try_decrypt_outgoing(&ovk, &cv, &cm, &enc.epk, &enc.out_ciphertext, &c),
                None
            );
        }
        assert_eq!(
            try_decrypt_incoming(&r.ivk_enc, &enc.epk, &enc.ciphertext[..179]),
            None
        );
        let mut longer = enc.ciphertext.clone();
        longer.push(0);
        assert_eq!(try_decrypt_incoming(&r.ivk_enc, &enc.epk, &longer), None);
        for i in 0..32 {
            let mut epk = enc.epk;
            epk[i] ^= 0x10;
            assert_eq!(
                try_decrypt_incoming(&r.ivk_enc, &epk, &enc.ciphertext),
                None
            );
            assert_eq!(
                try_decrypt_outgoing(&ovk, &cv, &cm, &epk, &enc.out_ciphertext, &enc.ciphertext),
                None
            );
        }
        // The identity is refused as epk.
        assert_eq!(
            try_decrypt_incoming(&r.ivk_enc, &[0u8; 32], &enc.ciphertext),
            None
        );
    }

    #[test]
    fn outgoing_recovery() {
        let mut rng = rng();
        let r = recipient(&mut rng);
        let (ovk, cv, cm) = (bytes32(&mut rng), bytes32(&mut rng), bytes32(&mut rng));
        let pt = plaintext(&mut rng, 180);
        let enc = encrypt_note(&r.pk_d, &r.b_d, &pt, &ovk, &cv, &cm, &mut rng).unwrap();
        let (pk_d, recovered) = try_decrypt_outgoing(
            &ovk,
            &cv,
            &cm,
            &enc.epk,
            &enc.out_ciphertext,
            &enc.ciphertext,
        )
        .unwrap();
        assert_eq!(pk_d, r.pk_d);
        assert_eq!(recovered, pt);

        let mut other = ovk;
        other[0] ^= 1;
        let (ct, oc, e) = (&enc.ciphertext, &enc.out_ciphertext, &enc.epk);
        assert_eq!(try_decrypt_outgoing(&other, &cv, &cm, e, oc, ct), None);
        assert_eq!(try_decrypt_outgoing(&ovk, &other, &cm, e, oc, ct), None);
        assert_eq!(try_decrypt_outgoing(&ovk, &cv, &other, e, oc, ct), None);
        assert_eq!(try_decrypt_outgoing(&ovk, &cm, &cv, e, oc, ct), None);
        for i in 0..OUT_CIPHERTEXT_LEN {
            let mut oc = enc.out_ciphertext;
            oc[i] ^= 0x80;
            assert_eq!(try_decrypt_outgoing(&ovk, &cv, &cm, e, &oc, ct), None);
        }
        // A random ovk makes the output unrecoverable by the sender, but not by the recipient.
        let random_ovk = bytes32(&mut rng);
        let enc = encrypt_note(&r.pk_d, &r.b_d, &pt, &random_ovk, &cv, &cm, &mut rng).unwrap();
        assert_eq!(
            try_decrypt_outgoing(
                &ovk,
                &cv,
                &cm,
                &enc.epk,
                &enc.out_ciphertext,
                &enc.ciphertext
            ),
            None
        );
        assert_eq!(
            try_decrypt_incoming(&r.ivk_enc, &enc.epk, &enc.ciphertext).unwrap(),
            pt
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = rng();
        let r = recipient(&mut rng);
        let ovk = bytes32(&mut rng);
        for _ in 0..2000 {
            let epk = bytes32(&mut rng);
            let len = (rng.next_u32() % (MAX_PLAINTEXT_LEN as u32 + 100)) as usize;
            let ct = plaintext(&mut rng, len);
            let mut oc = [0u8; OUT_CIPHERTEXT_LEN];
            rng.fill_bytes(&mut oc);
            assert_eq!(try_decrypt_incoming(&r.ivk_enc, &epk, &ct), None);
            assert_eq!(try_decrypt_outgoing(&ovk, &epk, &epk, &epk, &oc, &ct), None);
        }
        // A valid epk with garbage, and a valid out-ciphertext pointing at garbage.
        let z = [0u8; 32];
        let enc = encrypt_note(&r.pk_d, &r.b_d, b"note", &ovk, &z, &z, &mut rng).unwrap();
        assert_eq!(try_decrypt_incoming(&r.ivk_enc, &enc.epk, &[]), None);
        assert_eq!(
            try_decrypt_outgoing(&ovk, &z, &z, &enc.epk, &enc.out_ciphertext, &[1, 2, 3]),
            None
        );
    }

    #[test]
    fn ephemeral_secret_hygiene() {
        let mut rng = rng();
        let esk = EphemeralSecret::random(&mut rng);
        let dbg = format!("{esk:?}");
        assert_eq!(dbg, "EphemeralSecret(<redacted>)");
        let again = EphemeralSecret::from_bytes(&esk.to_bytes()).unwrap();
        assert_eq!(esk, again);
        assert!(EphemeralSecret::from_bytes(&[0u8; 32]).is_none());
        assert!(EphemeralSecret::from_bytes(&[0xff; 32]).is_none());
        let mut s = EphemeralSecret::random(&mut rng);
        s.zeroize();
        assert_eq!(*s.to_bytes(), [0u8; 32]);
    }
}
