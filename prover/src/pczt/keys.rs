//! The proof-generation key: what a prover needs to prove a wallet's spends,
//! and no more.

use ark_ed_on_bls12_381::EdwardsAffine;
use subtle::ConstantTimeEq;
use superzk_circuits::Fr;
use superzk_keys::{
    error::KeyError,
    spending_key::{
        decode_field, decode_point, encode_field, encode_point, FullViewingKey, SpendingKey,
    },
};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of a proof-generation key's bytes: `ak (32) || nk (32)`.
pub const PROOF_GENERATION_KEY_LEN: usize = 64;

/// The proof-generation key `(ak, nk)`: the spend-authorization validating
/// key and the nullifier deriving key. With it a prover proves that notes
/// belong to the wallet and computes their nullifiers, but it cannot sign:
/// spending still takes the spending key's `ask` (see
/// [`crate::Pczt::authorize`]). It does let its holder recognise the
/// wallet's notes and spends, so hand it only to a prover you trust with
/// that. `nk` is wiped on drop; `Debug` shows nothing.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ProofGenerationKey {
    #[zeroize(skip)]
    ak: EdwardsAffine,
    nk: Fr,
}

impl std::fmt::Debug for ProofGenerationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProofGenerationKey(<redacted>)")
    }
}

impl PartialEq for ProofGenerationKey {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes()[..].ct_eq(&other.to_bytes()[..]).into()
    }
}
impl Eq for ProofGenerationKey {}

impl From<&FullViewingKey> for ProofGenerationKey {
    fn from(fvk: &FullViewingKey) -> Self {
        Self {
            ak: fvk.ak(),
            nk: fvk.nk(),
        }
    }
}

impl From<&SpendingKey> for ProofGenerationKey {
    fn from(sk: &SpendingKey) -> Self {
        Self::from(&sk.full_viewing_key())
    }
}

impl ProofGenerationKey {
    /// The spend-authorization validating key `ak`.
    pub fn ak(&self) -> EdwardsAffine {
        self.ak
    }

    /// The nullifier deriving key `nk` (secret: it recognises spends).
    pub fn nk(&self) -> Fr {
        self.nk
    }

    /// `ak || nk`, 64 bytes.
    pub fn to_bytes(&self) -> Zeroizing<[u8; PROOF_GENERATION_KEY_LEN]> {
        let mut out = Zeroizing::new([0u8; PROOF_GENERATION_KEY_LEN]);
        out[..32].copy_from_slice(&encode_point(&self.ak));
        out[32..].copy_from_slice(&encode_field(&self.nk));
        out
    }

    /// Parses 64 bytes, checking `ak` is a non-identity point of the
    /// prime-order subgroup and `nk` a canonical field element.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != PROOF_GENERATION_KEY_LEN {
            return Err(KeyError::WrongLength {
                what: "a proof-generation key",
                expected: PROOF_GENERATION_KEY_LEN,
                got: bytes.len(),
            });
        }
        Ok(Self {
            ak: decode_point(&bytes[..32], "ak")?,
            nk: decode_field(&bytes[32..], "nk")?,
        })
    }

    /// The text form: the 64 bytes in lower-case hex (128 characters).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.to_bytes()[..]))
    }

    /// Parses the text form (surrounding whitespace allowed).
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.len() != 2 * PROOF_GENERATION_KEY_LEN {
            return Err(KeyError::WrongLength {
                what: "a proof-generation key in hex (characters)",
                expected: 2 * PROOF_GENERATION_KEY_LEN,
                got: text.len(),
            });
        }
        let mut bytes = Zeroizing::new([0u8; PROOF_GENERATION_KEY_LEN]);
        hex::decode_to_slice(text, &mut bytes[..]).map_err(|_| KeyError::NonCanonical {
            what: "a proof-generation key in hex (not a hex digit)",
        })?;
        Self::from_bytes(&bytes[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn round_trips_and_matches_the_viewing_key() {
        let sk = SpendingKey::random(&mut ChaCha20Rng::seed_from_u64(1));
        let pgk = ProofGenerationKey::from(&sk);
        let fvk = sk.full_viewing_key();
        assert_eq!(pgk.ak(), fvk.ak());
        assert_eq!(pgk.nk(), fvk.nk());
        assert_eq!(
            ProofGenerationKey::from_bytes(&pgk.to_bytes()[..]).unwrap(),
            pgk
        );
        assert_eq!(ProofGenerationKey::from_hex(&pgk.to_hex()).unwrap(), pgk);
        assert_eq!(
            ProofGenerationKey::from_hex(&pgk.to_hex().to_uppercase()).unwrap(),
            pgk
        );
        assert_eq!(format!("{pgk:?}"), "ProofGenerationKey(<redacted>)");
        assert!(!format!("{pgk:?}").contains(&pgk.to_hex()[..8]));
    }

    #[test]
    fn bad_bytes_and_text_are_refused() {
        let pgk =
            ProofGenerationKey::from(&SpendingKey::random(&mut ChaCha20Rng::seed_from_u64(2)));
        let bytes = pgk.to_bytes();
        assert!(ProofGenerationKey::from_bytes(&bytes[..63]).is_err());
        let mut bad_nk = *bytes;
        bad_nk[32..].fill(0xff);
        assert!(ProofGenerationKey::from_bytes(&bad_nk).is_err());
        let mut identity = *bytes;
        identity[..32].copy_from_slice(&encode_point(&EdwardsAffine::default()));
        assert!(ProofGenerationKey::from_bytes(&identity).is_err());
        let mut text = pgk.to_hex().to_string();
        text.replace_range(0..1, "g");
        assert!(ProofGenerationKey::from_hex(&text).is_err());
        assert!(ProofGenerationKey::from_hex("").is_err());
        assert!(ProofGenerationKey::from_hex("é").is_err());
    }
}
