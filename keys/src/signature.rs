//! Schnorr signatures on Jubjub, RedJubjub-style: spend authorization (with
//! re-randomizable keys) and the binding signature.
//!
//! # Construction
//!
//! A signature domain `D` ([`SigDomain`]) fixes a base point `B` of the
//! prime-order subgroup of Jubjub and a 16-byte Blake2b personalization.
//! Scalars live in `Fr`, the subgroup's scalar field (order `r`).
//!
//! * Keys: signing key `sk ∈ Fr`, verification key `vk = [sk] B`.
//! * Re-randomization: for `α ∈ Fr`, `sk' = sk + α` and `vk' = vk + [α] B`,
//!   so anyone holding `vk` and `α` computes the key a re-randomized signing
//!   key signs for, while `vk'` alone is unlinkable to `vk`.
//! * Signing `m`: draw 32 random bytes `T`, take the nonce
//!   `k = Blake2b-512("SuperZK_SigNonce", T || sk || D::PERSONALIZATION || m) mod r`
//!   (hedged: as safe as a deterministic nonce if the RNG is broken, and
//!   robust against fault attacks when it works), `R = [k] B`, the challenge
//!   `c = Blake2b-512(D::PERSONALIZATION, R || vk || m) mod r` and
//!   `s = k + c · sk`. The signature is `R || s` (64 bytes).
//! * Verifying: `R` must be a canonical encoding of a point in the
//!   prime-order subgroup, `s` a canonical scalar (`< r`, so signatures are
//!   not malleable), `vk` not the identity, and `[s] B = R + [c] vk`.
//! * Batch verifying `n` signatures: draw independent 128-bit `z_i` and check
//!   `[−Σ z_i s_i] B + Σ [z_i] R_i + Σ [z_i c_i] vk_i = 0` with one
//!   multi-scalar multiplication. A batch with an invalid signature passes
//!   with probability at most 2⁻¹²⁸. No cofactor multiplication is needed:
//!   every `R_i` is checked to be in the prime-order subgroup on decoding,
//!   every verification key is a subgroup point (from [`VerificationKey::from_bytes`],
//!   which checks, or from arithmetic on subgroup points), and so is `B`.
//!   With no small-order components the batch equation holds exactly when
//!   every individual equation does (up to the 2⁻¹²⁸ above), so single and
//!   batch verification accept the same signatures.
//!
//! Points are encoded compressed as ark-serialize does (the `y` coordinate
//! little-endian with the sign of `x` in the top bit); scalars as 32
//! little-endian bytes.
//!
//! Scalar multiplication is arkworks' own, which is not constant-time; this
//! module does not protect signing against timing side channels.

use std::marker::PhantomData;

use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective, Fr};
use ark_ff::{PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand_core::{CryptoRng, CryptoRngCore, RngCore};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::encryption::blake2b_personal;

/// Personalization of the hedged nonce hash.
const NONCE_PERSONALIZATION: &[u8; 16] = b"SuperZK_SigNonce";

/// A signature domain: which base point keys and signatures use, and the
/// personalization of the challenge hash. Implemented by uninhabited marker
/// types, one per use (spend authorization, binding).
pub trait SigDomain {
    /// The base point `B`; it must be a non-identity point of the prime-order subgroup.
    fn base() -> EdwardsAffine;
    /// The Blake2b personalization of the challenge hash; distinct per domain.
    const PERSONALIZATION: &'static [u8; 16];
}

/// What can be wrong with a key or signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The verification key bytes do not encode a usable key.
    #[error(
        "the verification key is not a valid point (off the curve, outside the prime-order \
         subgroup, the identity, or not canonically encoded); the key bytes are corrupt"
    )]
    InvalidVerificationKey,
    /// The signing key bytes are not a canonical scalar.
    #[error("the signing key bytes are not a canonical scalar (not below the group order); they are corrupt")]
    InvalidSigningKey,
    /// The signature's `R` is not a canonical encoding of a subgroup point.
    #[error(
        "the signature's R is not a canonically encoded point of the prime-order subgroup; \
         the signature is corrupt or was tampered with"
    )]
    InvalidR,
    /// The signature's `s` is not below the group order.
    #[error(
        "the signature's s is not a canonical scalar (not below the group order); \
         the signature is corrupt or was tampered with"
    )]
    NonCanonicalS,
    /// The signature is well formed but does not verify.
    #[error(
        "the signature does not verify: it was made with another key, over other data, \
         or was tampered with"
    )]
    Invalid,
    /// A batch contains at least one signature that does not verify.
    #[error(
        "at least one signature in the batch does not verify; verify them one at a time \
         to find which"
    )]
    BatchInvalid,
    /// One item of a batch is malformed.
    #[error("signature {index} of the batch: {source}")]
    BatchItem {
        /// Its position in the batch, from 0.
        index: usize,
        /// What is wrong with it.
        source: Box<SignatureError>,
    },
}

/// Compressed encoding of a point.
fn encode_point(point: &EdwardsAffine) -> [u8; 32] {
    let mut out = [0u8; 32];
    let written = point.serialize_compressed(&mut out[..]);
    debug_assert!(written.is_ok(), "a Jubjub point compresses to 32 bytes");
    out
}

/// Decodes a canonically encoded point of the prime-order subgroup (the
/// identity included).
fn decode_point(bytes: &[u8; 32]) -> Option<EdwardsAffine> {
    // Validation checks the curve equation and subgroup membership.
    let point = EdwardsAffine::deserialize_compressed(&bytes[..]).ok()?;
    // Refuse the second encoding of points with x = 0 (sign bit set).
    (encode_point(&point) == *bytes).then_some(point)
}

/// Little-endian encoding of a scalar.
fn encode_scalar(s: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    let written = s.serialize_compressed(&mut out[..]);
    debug_assert!(written.is_ok(), "a Jubjub scalar serializes to 32 bytes");
    out
}

/// Decodes a canonical scalar (`< r`).
fn decode_scalar(bytes: &[u8; 32]) -> Option<Fr> {
    let s = Fr::deserialize_compressed(&bytes[..]).ok()?;
    (encode_scalar(&s) == *bytes).then_some(s)
}

/// The challenge `c = Blake2b-512(D::PERSONALIZATION, R || vk || m) mod r`.
fn challenge<D: SigDomain>(r: &[u8; 32], vk: &[u8; 32], msg: &[u8]) -> Fr {
    let h = blake2b_personal::<64>(D::PERSONALIZATION, &[r, vk, msg]);
    Fr::from_le_bytes_mod_order(&h[..])
}

/// A signature: `R` compressed and `s` little-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The commitment `R = [k] B`, compressed.
    pub r: [u8; 32],
    /// The response `s = k + c · sk`, little-endian.
    pub s: [u8; 32],
}

impl Signature {
    /// `r || s`.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r);
        out[32..].copy_from_slice(&self.s);
        out
    }

    /// Splits 64 bytes into `r || s`. Nothing is checked here; verification
    /// checks both halves.
    pub fn from_bytes(bytes: &[u8; 64]) -> Self {
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        s.copy_from_slice(&bytes[32..]);
        Self { r, s }
    }
}

/// A signing key of domain `D`: a secret scalar. Zeroized on drop; its
/// `Debug` shows nothing of it.
pub struct SigningKey<D> {
    sk: Fr,
    domain: PhantomData<fn() -> D>,
}

impl<D: SigDomain> SigningKey<D> {
    /// The signing key with scalar `sk`.
    pub fn from_scalar(sk: Fr) -> Self {
        Self {
            sk,
            domain: PhantomData,
        }
    }

    /// A uniformly random signing key.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut wide = Zeroizing::new([0u8; 64]);
        rng.fill_bytes(&mut wide[..]);
        Self::from_scalar(Fr::from_le_bytes_mod_order(&wide[..]))
    }

    /// Parses a canonical little-endian scalar.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, SignatureError> {
        decode_scalar(bytes)
            .map(Self::from_scalar)
            .ok_or(SignatureError::InvalidSigningKey)
    }

    /// The scalar's 32 little-endian bytes (secret!).
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(encode_scalar(&self.sk))
    }

    /// The verification key `[sk] B`.
    pub fn verification_key(&self) -> VerificationKey<D> {
        VerificationKey::from_point((D::base() * self.sk).into_affine())
    }

    /// The re-randomized key `sk + α`; it signs for
    /// `self.verification_key().randomize(alpha)`.
    pub fn randomize(&self, alpha: &Fr) -> SigningKey<D> {
        Self::from_scalar(self.sk + alpha)
    }

    /// Signs `msg` with a hedged nonce (fresh randomness from `rng` hashed
    /// with the key and message; see the module documentation).
    pub fn sign<R: RngCore + CryptoRng + ?Sized>(&self, msg: &[u8], rng: &mut R) -> Signature {
        let mut t = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut t[..]);
        let sk_bytes = self.to_bytes();
        let wide = blake2b_personal::<64>(
            NONCE_PERSONALIZATION,
            &[&t[..], &sk_bytes[..], D::PERSONALIZATION, msg],
        );
        let mut k = Fr::from_le_bytes_mod_order(&wide[..]);
        let r = encode_point(&(D::base() * k).into_affine());
        let c = challenge::<D>(&r, &self.verification_key().to_bytes(), msg);
        let mut s = k + c * self.sk;
        let sig = Signature {
            r,
            s: encode_scalar(&s),
        };
        k.zeroize();
        s.zeroize();
        sig
    }
}

impl<D> Clone for SigningKey<D> {
    fn clone(&self) -> Self {
        Self {
            sk: self.sk,
            domain: PhantomData,
        }
    }
}

impl<D> Zeroize for SigningKey<D> {
    fn zeroize(&mut self) {
        self.sk.zeroize();
    }
}

impl<D> Drop for SigningKey<D> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<D> ZeroizeOnDrop for SigningKey<D> {}

impl<D> std::fmt::Debug for SigningKey<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl<D> ConstantTimeEq for SigningKey<D> {
    fn ct_eq(&self, other: &Self) -> Choice {
        let a = Zeroizing::new(encode_scalar(&self.sk));
        let b = Zeroizing::new(encode_scalar(&other.sk));
        a.ct_eq(&*b)
    }
}

impl<D> PartialEq for SigningKey<D> {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl<D> Eq for SigningKey<D> {}

/// A verification key of domain `D`: the point `[sk] B`, kept in affine form.
pub struct VerificationKey<D> {
    point: EdwardsAffine,
    domain: PhantomData<fn() -> D>,
}

impl<D: SigDomain> VerificationKey<D> {
    /// Wraps a point. The caller guarantees it is in the prime-order subgroup
    /// (as every point decoded with validation, or computed from such points,
    /// is); use [`Self::from_bytes`] for untrusted bytes. The identity is
    /// accepted here but no signature verifies under it.
    pub fn from_point(point: EdwardsAffine) -> Self {
        Self {
            point,
            domain: PhantomData,
        }
    }

    /// The point.
    pub fn point(&self) -> EdwardsAffine {
        self.point
    }

    /// The compressed 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        encode_point(&self.point)
    }

    /// Parses compressed bytes, rejecting encodings of points off the curve,
    /// outside the prime-order subgroup, the identity and non-canonical encodings.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, SignatureError> {
        decode_point(bytes)
            .filter(|p| !p.is_zero())
            .map(Self::from_point)
            .ok_or(SignatureError::InvalidVerificationKey)
    }

    /// The re-randomized key `vk + [α] B`.
    pub fn randomize(&self, alpha: &Fr) -> VerificationKey<D> {
        Self::from_point((self.point + D::base() * alpha).into_affine())
    }

    /// Verifies `sig` on `msg`.
    pub fn verify(&self, msg: &[u8], sig: &Signature) -> Result<(), SignatureError> {
        if self.point.is_zero() {
            return Err(SignatureError::InvalidVerificationKey);
        }
        let r = decode_point(&sig.r).ok_or(SignatureError::InvalidR)?;
        let s = decode_scalar(&sig.s).ok_or(SignatureError::NonCanonicalS)?;
        let c = challenge::<D>(&sig.r, &self.to_bytes(), msg);
        // [s] B − [c] vk − R = 0
        let check = EdwardsProjective::msm(&[D::base(), self.point, r], &[s, -c, -Fr::from(1u64)])
            .map_err(|_| SignatureError::Invalid)?;
        if check.is_zero() {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }
}

impl<D> Clone for VerificationKey<D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D> Copy for VerificationKey<D> {}

impl<D> PartialEq for VerificationKey<D> {
    fn eq(&self, other: &Self) -> bool {
        self.point == other.point
    }
}
impl<D> Eq for VerificationKey<D> {}

impl<D> std::fmt::Debug for VerificationKey<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerificationKey(")?;
        for b in encode_point(&self.point) {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// Verifies many signatures of one domain at once (see the module
/// documentation): `Ok` only if every one verifies. An empty batch is `Ok`.
///
/// A malformed item is reported with its index; a batch that is well formed
/// but fails reports only [`SignatureError::BatchInvalid`].
pub fn batch_verify<D: SigDomain>(
    items: &[(VerificationKey<D>, &[u8], Signature)],
    rng: &mut dyn CryptoRngCore,
) -> Result<(), SignatureError> {
    if items.is_empty() {
        return Ok(());
    }
    let mut bases = Vec::with_capacity(1 + 2 * items.len());
    let mut scalars = Vec::with_capacity(1 + 2 * items.len());
    bases.push(D::base());
    scalars.push(Fr::zero());
    let mut base_coefficient = Fr::zero();
    for (index, (vk, msg, sig)) in items.iter().enumerate() {
        let item_error = |e: SignatureError| SignatureError::BatchItem {
            index,
            source: Box::new(e),
        };
        if vk.point.is_zero() {
            return Err(item_error(SignatureError::InvalidVerificationKey));
        }
        let r = decode_point(&sig.r).ok_or_else(|| item_error(SignatureError::InvalidR))?;
        let s = decode_scalar(&sig.s).ok_or_else(|| item_error(SignatureError::NonCanonicalS))?;
        let c = challenge::<D>(&sig.r, &vk.to_bytes(), msg);
        let mut z_bytes = [0u8; 16];
        rng.fill_bytes(&mut z_bytes);
        let z = Fr::from(u128::from_le_bytes(z_bytes));
        base_coefficient -= z * s;
        bases.push(r);
        scalars.push(z);
        bases.push(vk.point);
        scalars.push(z * c);
    }
    scalars[0] = base_coefficient;
    let sum = EdwardsProjective::msm(&bases, &scalars).map_err(|_| SignatureError::BatchInvalid)?;
    if sum.is_zero() {
        Ok(())
    } else {
        Err(SignatureError::BatchInvalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ed_on_bls12_381::Fq;
    use ark_ff::{BigInteger, One};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// Test domain on the curve generator.
    #[derive(Debug)]
    enum TestAuth {}
    impl SigDomain for TestAuth {
        fn base() -> EdwardsAffine {
            EdwardsAffine::generator()
        }
        const PERSONALIZATION: &'static [u8; 16] = b"SuperZK_TestAuth";
    }

    /// Second test domain on `[7] G` (fine for tests only: its discrete log is known).
    #[derive(Debug)]
    enum TestBind {}
    impl SigDomain for TestBind {
        fn base() -> EdwardsAffine {
            (EdwardsAffine::generator() * Fr::from(7u64)).into_affine()
        }
        const PERSONALIZATION: &'static [u8; 16] = b"SuperZK_TestBind";
    }

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::from_seed([9u8; 32])
    }

    fn random_fr(rng: &mut ChaCha20Rng) -> Fr {
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        Fr::from_le_bytes_mod_order(&wide)
    }

    #[test]
    fn sign_and_verify() {
        let mut rng = rng();
        for len in [0usize, 1, 32, 200] {
            let msg = vec![0xa5u8; len];
            let sk = SigningKey::<TestAuth>::random(&mut rng);
            let sig = sk.sign(&msg, &mut rng);
            sk.verification_key().verify(&msg, &sig).unwrap();
            let bk = SigningKey::<TestBind>::random(&mut rng);
            bk.verification_key()
                .verify(&msg, &bk.sign(&msg, &mut rng))
                .unwrap();
        }
        // Hedged nonces: two signatures of one message differ, both verify.
        let sk = SigningKey::<TestAuth>::random(&mut rng);
        let (a, b) = (sk.sign(b"m", &mut rng), sk.sign(b"m", &mut rng));
        assert_ne!(a, b);
        sk.verification_key().verify(b"m", &a).unwrap();
        sk.verification_key().verify(b"m", &b).unwrap();
    }

    #[test]
    fn wrong_message_key_or_domain_is_rejected() {
        let mut rng = rng();
        let sk = SigningKey::<TestAuth>::random(&mut rng);
        let vk = sk.verification_key();
        let sig = sk.sign(b"pay 5 to alice", &mut rng);
        assert_eq!(
            vk.verify(b"pay 6 to alice", &sig),
            Err(SignatureError::Invalid)
        );
        let other = SigningKey::<TestAuth>::random(&mut rng).verification_key();
        assert_eq!(
            other.verify(b"pay 5 to alice", &sig),
            Err(SignatureError::Invalid)
        );
        // The same scalar in another domain is another key.
        let bind = SigningKey::<TestBind>::from_scalar(sk.sk).verification_key();
        assert_eq!(
            bind.verify(b"pay 5 to alice", &sig),
            Err(SignatureError::Invalid)
        );
        // The identity key verifies nothing, even the "signature" anyone can make for it.
        let zero = SigningKey::<TestAuth>::from_scalar(Fr::zero());
        let forged = zero.sign(b"x", &mut rng);
        assert_eq!(
            zero.verification_key().verify(b"x", &forged),
            Err(SignatureError::InvalidVerificationKey)
        );
    }

    #[test]
    fn tampered_signatures_are_rejected() {
        let mut rng = rng();
        let sk = SigningKey::<TestAuth>::random(&mut rng);
        let vk = sk.verification_key();
        let sig = sk.sign(b"msg", &mut rng);
        for i in 0..32 {
            for bit in [0u8, 3, 7] {
                let mut t = sig;
                t.r[i] ^= 1 << bit;
                assert!(vk.verify(b"msg", &t).is_err(), "r byte {i} bit {bit}");
                let mut t = sig;
                t.s[i] ^= 1 << bit;
                assert!(vk.verify(b"msg", &t).is_err(), "s byte {i} bit {bit}");
            }
        }
        // s + r (the group order) is the same scalar but not canonical.
        let mut s = Fr::deserialize_compressed(&sig.s[..])
            .unwrap()
            .into_bigint();
        s.add_with_carry(&Fr::MODULUS);
        let mut t = sig;
        t.s.copy_from_slice(&s.to_bytes_le());
        assert_eq!(vk.verify(b"msg", &t), Err(SignatureError::NonCanonicalS));
        // R replaced by a point outside the subgroup.
        let mut t = sig;
        t.r = encode_point(&order_two_point());
        assert_eq!(vk.verify(b"msg", &t), Err(SignatureError::InvalidR));
        // Roundtrip of the byte form.
        assert_eq!(Signature::from_bytes(&sig.to_bytes()), sig);
    }

    #[test]
    fn randomized_keys() {
        let mut rng = rng();
        let sk = SigningKey::<TestAuth>::random(&mut rng);
        let vk = sk.verification_key();
        let alpha = random_fr(&mut rng);
        let rsk = sk.randomize(&alpha);
        let rvk = vk.randomize(&alpha);
        assert_eq!(rsk.verification_key(), rvk);
        assert_ne!(rvk, vk);
        let sig = rsk.sign(b"spend", &mut rng);
        rvk.verify(b"spend", &sig).unwrap();
        assert_eq!(vk.verify(b"spend", &sig), Err(SignatureError::Invalid));
        assert_eq!(sk.verification_key().randomize(&Fr::zero()), vk);
    }

    fn batch(
        rng: &mut ChaCha20Rng,
        n: usize,
    ) -> Vec<(VerificationKey<TestAuth>, Vec<u8>, Signature)> {
        (0..n)
            .map(|i| {
                let sk = SigningKey::<TestAuth>::random(rng);
                let msg = format!("message {i}").into_bytes();
                let sig = sk.sign(&msg, rng);
                (sk.verification_key(), msg, sig)
            })
            .collect()
    }

    fn as_items<D>(
        b: &[(VerificationKey<D>, Vec<u8>, Signature)],
    ) -> Vec<(VerificationKey<D>, &[u8], Signature)> {
        b.iter().map(|(vk, m, s)| (*vk, &m[..], *s)).collect()
    }

    #[test]
    fn batch_verification() {
        let mut rng = rng();
        let good = batch(&mut rng, 20);
        batch_verify(&as_items(&good), &mut rng).unwrap();
        batch_verify::<TestAuth>(&[], &mut rng).unwrap();

        // One wrong message among them.
        let mut bad = good.clone();
        bad[13].1 = b"something else".to_vec();
        assert_eq!(
            batch_verify(&as_items(&bad), &mut rng),
            Err(SignatureError::BatchInvalid)
        );
        // Two signatures swapped.
        let mut bad = good.clone();
        let (a, b) = (bad[3].2, bad[4].2);
        bad[3].2 = b;
        bad[4].2 = a;
        assert_eq!(
            batch_verify(&as_items(&bad), &mut rng),
            Err(SignatureError::BatchInvalid)
        );
        // A malformed s is reported with its index.
        let mut bad = good.clone();
        bad[7].2.s = [0xff; 32];
        assert_eq!(
            batch_verify(&as_items(&bad), &mut rng),
            Err(SignatureError::BatchItem {
                index: 7,
                source: Box::new(SignatureError::NonCanonicalS)
            })
        );
        // Single and batch verification agree on every item.
        for (vk, msg, sig) in &good {
            vk.verify(msg, sig).unwrap();
        }
    }

    /// `(0, -1)`: on the curve, of order 2.
    fn order_two_point() -> EdwardsAffine {
        EdwardsAffine::new_unchecked(Fq::zero(), -Fq::one())
    }

    #[test]
    fn verification_key_decoding() {
        let mut rng = rng();
        let vk = SigningKey::<TestAuth>::random(&mut rng).verification_key();
        assert_eq!(
            VerificationKey::<TestAuth>::from_bytes(&vk.to_bytes()).unwrap(),
            vk
        );

        let order_two = order_two_point();
        assert!(order_two.is_on_curve());
        assert_eq!(
            VerificationKey::<TestAuth>::from_bytes(&encode_point(&order_two)),
            Err(SignatureError::InvalidVerificationKey)
        );
        // A subgroup point plus the order-2 point is on the curve but outside the subgroup.
        let mixed = (vk.point() + order_two).into_affine();
        assert!(mixed.is_on_curve());
        assert_eq!(
            VerificationKey::<TestAuth>::from_bytes(&encode_point(&mixed)),
            Err(SignatureError::InvalidVerificationKey)
        );
        let identity = encode_point(&EdwardsAffine::zero());
        assert_eq!(
            VerificationKey::<TestAuth>::from_bytes(&identity),
            Err(SignatureError::InvalidVerificationKey)
        );
        // The identity's second encoding (sign bit set) too.
        let mut identity_neg = identity;
        identity_neg[31] |= 0x80;
        assert_eq!(
            VerificationKey::<TestAuth>::from_bytes(&identity_neg),
            Err(SignatureError::InvalidVerificationKey)
        );
        assert_eq!(
            VerificationKey::<TestAuth>::from_bytes(&[0xff; 32]),
            Err(SignatureError::InvalidVerificationKey)
        );

        // Random bytes: never a panic; whatever is accepted is a canonical subgroup point.
        let mut accepted = 0;
        for _ in 0..2000 {
            let mut b = [0u8; 32];
            rng.fill_bytes(&mut b);
            if let Ok(vk) = VerificationKey::<TestAuth>::from_bytes(&b) {
                accepted += 1;
                assert_eq!(vk.to_bytes(), b);
                assert!(vk.point().is_in_correct_subgroup_assuming_on_curve());
            }
            let sig = Signature::from_bytes(&[b, b].concat().try_into().unwrap());
            assert!(vk.verify(&b, &sig).is_err());
        }
        // About 1 in 16 random strings is a subgroup point (half decode, 1/8 of those).
        assert!(accepted > 50 && accepted < 250, "accepted {accepted}");
    }

    #[test]
    fn signing_key_hygiene() {
        let mut rng = rng();
        let sk = SigningKey::<TestAuth>::from_scalar(Fr::from(1234567890u64));
        let dbg = format!("{sk:?}");
        assert_eq!(dbg, "SigningKey(<redacted>)");
        assert!(!dbg.chars().any(|c| c.is_ascii_digit()));
        assert_eq!(sk, sk.clone());
        assert_ne!(sk, SigningKey::<TestAuth>::random(&mut rng));
        assert_eq!(
            SigningKey::<TestAuth>::from_bytes(&sk.to_bytes()).unwrap(),
            sk
        );
        assert_eq!(
            SigningKey::<TestAuth>::from_bytes(&[0xff; 32]),
            Err(SignatureError::InvalidSigningKey)
        );
        let mut z = sk.clone();
        z.zeroize();
        assert_eq!(*z.to_bytes(), [0u8; 32]);
        // The verification key's Debug is its public encoding.
        assert!(format!("{:?}", sk.verification_key()).starts_with("VerificationKey("));
    }
}
