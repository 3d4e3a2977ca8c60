//! The key hierarchy: spending key → full viewing key → incoming viewing key →
//! addresses.
//!
//! * `sk`: 32 random bytes.
//! * `ask = PRF(sk, 0) mod r_J` (Jubjub scalar), `ak = [ask] G_auth`;
//!   `nk = PRF(sk, 1) mod q`; `ovk = PRF(sk, 2)[..32]`, where
//!   `PRF(sk, t) = Blake2b-512("SuperZK_ExpandSK", sk || t)`.
//! * Full viewing key `(ak, nk, ovk)`: sees incoming notes, recognises their
//!   spends (it can compute nullifiers) and reads outgoing ciphertexts.
//! * Incoming viewing key `ivk = H_Ivk(ak.x, nk)` (Poseidon); its encryption
//!   scalar `ivk_enc = Blake2b-512(personal "SuperZK_IvkEnc__"; ivk) mod ℓ` on
//!   ristretto255. It finds and reads incoming notes but cannot see spends.
//! * Address for diversifier `d`: `(d, owner = H_Owner(ivk, d),
//!   pk_d = [ivk_enc] B_d)`. Addresses of one wallet are unlinkable; each
//!   output made to one is unlinkable too (a fresh ephemeral key per output).

use ark_ec::AffineRepr;
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_ff::PrimeField;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blake2::{
    digest::{consts::U64, Mac},
    Blake2bMac,
};
use curve25519_dalek::{ristretto::RistrettoPoint, scalar::Scalar};
use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConstantTimeEq};
use superzk_circuits::{
    generators::{spend_auth_base, value_randomness_base},
    note::{incoming_viewing_key, owner_tag, DIVERSIFIER_LEN},
    Fr,
};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{
    address::PaymentAddress,
    encryption::diversified_base,
    error::KeyError,
    network::{self, Network, TextKind},
    signature::{SigDomain, SigningKey},
};

/// Signature domain of spend authorization: base `G_auth`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpendAuth {}

impl SigDomain for SpendAuth {
    fn base() -> EdwardsAffine {
        spend_auth_base()
    }
    const PERSONALIZATION: &'static [u8; 16] = b"SuperZK_SpendSig";
}

/// Signature domain of the binding signature: base `R`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {}

impl SigDomain for Binding {
    fn base() -> EdwardsAffine {
        value_randomness_base()
    }
    const PERSONALIZATION: &'static [u8; 16] = b"SuperZK_BindSig_";
}

/// Keyed Blake2b-512 with a 16-byte personalization (`key` must not be
/// empty: the blake2 crate's MAC pads an empty key into a non-standard hash;
/// unkeyed uses go through `encryption::blake2b_personal`).
pub(crate) fn prf(personal: &[u8; 16], key: &[u8], input: &[u8]) -> Zeroizing<[u8; 64]> {
    let mut mac = Blake2bMac::<U64>::new_with_salt_and_personal(key, &[], personal)
        .expect("key and personalization lengths are within Blake2b's limits");
    mac.update(input);
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// A spending key: full control of the wallet's notes.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SpendingKey([u8; 32]);

impl std::fmt::Debug for SpendingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpendingKey(<redacted>)")
    }
}

impl ConstantTimeEq for SpendingKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for SpendingKey {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for SpendingKey {}

/// Human-readable prefix of encoded spending keys.
pub const SPENDING_KEY_HRP: &str = "szk-sk";
/// Human-readable prefix of encoded full viewing keys.
pub const FULL_VIEWING_KEY_HRP: &str = "szk-fvk";
/// Human-readable prefix of encoded incoming viewing keys.
pub const INCOMING_VIEWING_KEY_HRP: &str = "szk-ivk";

impl SpendingKey {
    /// A fresh random spending key.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        // Filled in place, not through a local array that would stay on the
        // stack unwiped.
        let mut sk = Self([0u8; 32]);
        rng.fill_bytes(&mut sk.0);
        sk
    }

    /// A spending key derived from a seed (e.g. a BIP-39 seed) and an account number.
    pub fn from_seed(seed: &[u8], account: u32) -> Self {
        let out = crate::encryption::blake2b_personal::<64>(
            b"SuperZK_SeedToSK",
            &[seed, &account.to_le_bytes()],
        );
        let mut sk = Self([0u8; 32]);
        sk.0.copy_from_slice(&out[..32]);
        sk
    }

    /// The raw 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw 32 bytes (secret!).
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0)
    }

    /// Bech32m text form on mainnet, prefix `szk-sk`.
    pub fn encode(&self) -> Zeroizing<String> {
        self.encode_for(Network::Mainnet)
    }

    /// Bech32m text form on `network`.
    pub fn encode_for(&self, network: Network) -> Zeroizing<String> {
        network::encode(network, TextKind::SpendingKey, &self.0)
    }

    /// Parses a mainnet text form (another network's is refused with
    /// [`KeyError::WrongNetwork`]).
    pub fn decode(s: &str) -> Result<Self, KeyError> {
        Self::decode_for(Network::Mainnet, s)
    }

    /// Parses the text form of a spending key on `network`.
    pub fn decode_for(network: Network, s: &str) -> Result<Self, KeyError> {
        Self::from_slice(&Zeroizing::new(network::decode_for(
            network,
            TextKind::SpendingKey,
            s,
        )?))
    }

    /// Parses the text form of a spending key on any network, and says which.
    pub fn decode_with_network(s: &str) -> Result<(Self, Network), KeyError> {
        let (network, bytes) = network::decode_any(TextKind::SpendingKey, s)?;
        Ok((Self::from_slice(&Zeroizing::new(bytes))?, network))
    }

    fn from_slice(bytes: &[u8]) -> Result<Self, KeyError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| KeyError::WrongLength {
            what: "a spending key",
            expected: 32,
            got: bytes.len(),
        })?;
        Ok(Self(array))
    }

    fn expand(&self, t: u8) -> Zeroizing<[u8; 64]> {
        prf(b"SuperZK_ExpandSK", &self.0, &[t])
    }

    /// The spend-authorization signing key `ask`.
    pub fn spend_auth_key(&self) -> SigningKey<SpendAuth> {
        SigningKey::from_scalar(JubjubScalar::from_le_bytes_mod_order(&self.expand(0)[..]))
    }

    /// The full viewing key.
    pub fn full_viewing_key(&self) -> FullViewingKey {
        let mut ovk = [0u8; 32];
        ovk.copy_from_slice(&self.expand(2)[..32]);
        FullViewingKey {
            ak: self.spend_auth_key().verification_key().point(),
            nk: Fr::from_le_bytes_mod_order(&self.expand(1)[..]),
            ovk,
        }
    }
}

/// A full viewing key `(ak, nk, ovk)`: the full audit of a wallet.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct FullViewingKey {
    #[zeroize(skip)]
    ak: EdwardsAffine,
    nk: Fr,
    ovk: [u8; 32],
}

impl std::fmt::Debug for FullViewingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FullViewingKey(<redacted>)")
    }
}

impl PartialEq for FullViewingKey {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes()[..].ct_eq(&other.to_bytes()[..]).into()
    }
}
impl Eq for FullViewingKey {}

/// Length of a full viewing key's byte form: `ak || nk || ovk`.
pub const FULL_VIEWING_KEY_LEN: usize = 96;

impl FullViewingKey {
    /// The spend-authorization validating key `ak`.
    pub fn ak(&self) -> EdwardsAffine {
        self.ak
    }

    /// The nullifier deriving key.
    pub fn nk(&self) -> Fr {
        self.nk
    }

    /// The outgoing viewing key.
    pub fn ovk(&self) -> [u8; 32] {
        self.ovk
    }

    /// The incoming viewing key.
    pub fn incoming_viewing_key(&self) -> IncomingViewingKey {
        IncomingViewingKey {
            ivk: incoming_viewing_key(&self.ak, &self.nk),
        }
    }

    /// `ak || nk || ovk`, 96 bytes.
    pub fn to_bytes(&self) -> Zeroizing<[u8; FULL_VIEWING_KEY_LEN]> {
        let mut out = Zeroizing::new([0u8; FULL_VIEWING_KEY_LEN]);
        self.ak
            .serialize_compressed(&mut out[..32])
            .expect("32 bytes");
        self.nk
            .serialize_compressed(&mut out[32..64])
            .expect("32 bytes");
        out[64..].copy_from_slice(&self.ovk);
        out
    }

    /// Parses 96 bytes, checking `ak` is a valid non-identity subgroup point
    /// and `nk` canonical.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != FULL_VIEWING_KEY_LEN {
            return Err(KeyError::WrongLength {
                what: "a full viewing key",
                expected: FULL_VIEWING_KEY_LEN,
                got: bytes.len(),
            });
        }
        let ak = decode_point(&bytes[..32], "ak")?;
        let nk = decode_field(&bytes[32..64], "nk")?;
        let mut ovk = [0u8; 32];
        ovk.copy_from_slice(&bytes[64..]);
        Ok(Self { ak, nk, ovk })
    }

    /// Bech32m text form on mainnet, prefix `szk-fvk`.
    pub fn encode(&self) -> Zeroizing<String> {
        self.encode_for(Network::Mainnet)
    }

    /// Bech32m text form on `network`.
    pub fn encode_for(&self, network: Network) -> Zeroizing<String> {
        network::encode(network, TextKind::FullViewingKey, &self.to_bytes()[..])
    }

    /// Parses a mainnet text form (another network's is refused with
    /// [`KeyError::WrongNetwork`]).
    pub fn decode(s: &str) -> Result<Self, KeyError> {
        Self::decode_for(Network::Mainnet, s)
    }

    /// Parses the text form of a full viewing key on `network`.
    pub fn decode_for(network: Network, s: &str) -> Result<Self, KeyError> {
        Self::from_bytes(&Zeroizing::new(network::decode_for(
            network,
            TextKind::FullViewingKey,
            s,
        )?))
    }

    /// Parses the text form of a full viewing key on any network, and says which.
    pub fn decode_with_network(s: &str) -> Result<(Self, Network), KeyError> {
        let (network, bytes) = network::decode_any(TextKind::FullViewingKey, s)?;
        Ok((Self::from_bytes(&Zeroizing::new(bytes))?, network))
    }
}

/// An incoming viewing key: finds and reads the notes sent to a wallet.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct IncomingViewingKey {
    ivk: Fr,
}

impl std::fmt::Debug for IncomingViewingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IncomingViewingKey(<redacted>)")
    }
}

impl PartialEq for IncomingViewingKey {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes()[..].ct_eq(&other.to_bytes()[..]).into()
    }
}
impl Eq for IncomingViewingKey {}

impl IncomingViewingKey {
    /// The Poseidon-side key `ivk`.
    pub fn ivk(&self) -> Fr {
        self.ivk
    }

    /// The ristretto255 scalar used for note decryption.
    pub fn encryption_scalar(&self) -> Zeroizing<Scalar> {
        let out =
            crate::encryption::blake2b_personal::<64>(b"SuperZK_IvkEnc__", &[&self.to_bytes()[..]]);
        Zeroizing::new(Scalar::from_bytes_mod_order_wide(&out))
    }

    /// The diversifier of address number `index`: pseudo-random, so that
    /// addresses reveal nothing about their order.
    pub fn diversifier(&self, index: u64) -> [u8; DIVERSIFIER_LEN] {
        let out = prf(
            b"SuperZK_Diversif",
            &self.to_bytes()[..],
            &index.to_le_bytes(),
        );
        let mut d = [0u8; DIVERSIFIER_LEN];
        d.copy_from_slice(&out[..DIVERSIFIER_LEN]);
        d
    }

    /// The address for diversifier `d`.
    pub fn address_for(&self, d: [u8; DIVERSIFIER_LEN]) -> PaymentAddress {
        let pk_d: RistrettoPoint = diversified_base(&d) * *self.encryption_scalar();
        PaymentAddress::new(d, owner_tag(&self.ivk, &d), pk_d)
    }

    /// Address number `index` of this wallet.
    pub fn address(&self, index: u64) -> PaymentAddress {
        self.address_for(self.diversifier(index))
    }

    /// The 32-byte form.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        self.ivk
            .serialize_compressed(&mut out[..])
            .expect("32 bytes");
        out
    }

    /// Parses the 32-byte form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        Ok(Self {
            ivk: decode_field(bytes, "an incoming viewing key")?,
        })
    }

    /// Bech32m text form on mainnet, prefix `szk-ivk`.
    pub fn encode(&self) -> Zeroizing<String> {
        self.encode_for(Network::Mainnet)
    }

    /// Bech32m text form on `network`.
    pub fn encode_for(&self, network: Network) -> Zeroizing<String> {
        network::encode(network, TextKind::IncomingViewingKey, &self.to_bytes()[..])
    }

    /// Parses a mainnet text form (another network's is refused with
    /// [`KeyError::WrongNetwork`]).
    pub fn decode(s: &str) -> Result<Self, KeyError> {
        Self::decode_for(Network::Mainnet, s)
    }

    /// Parses the text form of an incoming viewing key on `network`.
    pub fn decode_for(network: Network, s: &str) -> Result<Self, KeyError> {
        Self::from_bytes(&Zeroizing::new(network::decode_for(
            network,
            TextKind::IncomingViewingKey,
            s,
        )?))
    }

    /// Parses the text form of an incoming viewing key on any network, and
    /// says which.
    pub fn decode_with_network(s: &str) -> Result<(Self, Network), KeyError> {
        let (network, bytes) = network::decode_any(TextKind::IncomingViewingKey, s)?;
        Ok((Self::from_bytes(&Zeroizing::new(bytes))?, network))
    }
}

/// Decodes a canonical 32-byte field element.
pub fn decode_field(bytes: &[u8], what: &'static str) -> Result<Fr, KeyError> {
    if bytes.len() != 32 {
        return Err(KeyError::WrongLength {
            what,
            expected: 32,
            got: bytes.len(),
        });
    }
    Fr::deserialize_compressed(bytes).map_err(|_| KeyError::NonCanonical { what })
}

/// Decodes a compressed Jubjub point, requiring it on the curve, in the
/// prime-order subgroup and not the identity.
pub fn decode_point(bytes: &[u8], what: &'static str) -> Result<EdwardsAffine, KeyError> {
    if bytes.len() != 32 {
        return Err(KeyError::WrongLength {
            what,
            expected: 32,
            got: bytes.len(),
        });
    }
    let point = EdwardsAffine::deserialize_compressed(bytes)
        .map_err(|_| KeyError::InvalidPoint { what })?;
    if point.is_zero() {
        return Err(KeyError::InvalidPoint { what });
    }
    Ok(point)
}

/// Decodes a compressed Jubjub point whose prime-order membership a Groth16
/// proof establishes: canonical (the encoding [`encode_point`] writes), on
/// the curve and not of small order (so not the identity either), but
/// without [`decode_point`]'s prime-order check, a 252-bit scalar
/// multiplication that is four fifths of its cost.
///
/// Sound only for points that are public inputs of a proof whose circuit
/// computes them in the prime-order subgroup, and only where nothing is
/// accepted unless that proof verifies: a transaction's `cv` (the circuits
/// compute `[value] [8]·GroupHash(asset) + [rcv] R`) and `rk` (`ak + [α]
/// G_auth`, `ak` checked in the subgroup in-circuit). A point with a
/// small-order component then makes the proof fail, and the transaction
/// with it (docs/SECURITY.md, "Points a proof vouches for"). Refusing
/// small-order points here keeps the cheap part of the check: such a point
/// is never a valid `cv` or `rk`.
pub fn decode_point_bound_by_proof(
    bytes: &[u8],
    what: &'static str,
) -> Result<EdwardsAffine, KeyError> {
    if bytes.len() != 32 {
        return Err(KeyError::WrongLength {
            what,
            expected: 32,
            got: bytes.len(),
        });
    }
    use ark_ff::Zero as _;
    let point = EdwardsAffine::deserialize_compressed_unchecked(bytes)
        .map_err(|_| KeyError::InvalidPoint { what })?;
    // Decompression solves the curve equation; checking it again is cheap.
    if !point.is_on_curve()
        || encode_point(&point)[..] != *bytes
        || point.mul_by_cofactor_to_group().is_zero()
    {
        return Err(KeyError::InvalidPoint { what });
    }
    Ok(point)
}

/// A Jubjub point's compressed 32 bytes.
pub fn encode_point(point: &EdwardsAffine) -> [u8; 32] {
    let mut out = [0u8; 32];
    point.serialize_compressed(&mut out[..]).expect("32 bytes");
    out
}

/// A field element's canonical 32 bytes (little-endian).
pub fn encode_field(f: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    f.serialize_compressed(&mut out[..]).expect("32 bytes");
    out
}

/// Whether two field elements are equal, in constant time: for owner tags,
/// note commitments recomputed from decrypted notes and nullifiers of a
/// wallet's notes, where `==` would stop at the first differing limb and let
/// the time taken tell how much of a secret value matched.
pub fn ct_eq_field(a: &Fr, b: &Fr) -> Choice {
    encode_field(a).ct_eq(&encode_field(b))
}
