//! Payment addresses: `d || owner || pk_d` (75 bytes), shown as Bech32m with
//! prefix `szk`.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use superzk_circuits::{note::DIVERSIFIER_LEN, Fr};

use crate::{
    encryption::diversified_base,
    error::KeyError,
    network::{self, Network, TextKind},
    spending_key::{decode_field, encode_field},
};

/// Human-readable prefix of encoded addresses.
pub const ADDRESS_HRP: &str = "szk";
/// Length of an address's byte form.
pub const ADDRESS_LEN: usize = DIVERSIFIER_LEN + 64;

/// Where notes are sent: a diversifier, the owner tag notes commit to, and the
/// transmission key notes are encrypted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentAddress {
    diversifier: [u8; DIVERSIFIER_LEN],
    owner: Fr,
    pk_d: RistrettoPoint,
}

impl PaymentAddress {
    pub(crate) fn new(diversifier: [u8; DIVERSIFIER_LEN], owner: Fr, pk_d: RistrettoPoint) -> Self {
        Self {
            diversifier,
            owner,
            pk_d,
        }
    }

    /// The diversifier.
    pub fn diversifier(&self) -> [u8; DIVERSIFIER_LEN] {
        self.diversifier
    }

    /// The owner tag a note to this address commits to.
    pub fn owner(&self) -> Fr {
        self.owner
    }

    /// The transmission key `pk_d`.
    pub fn pk_d(&self) -> RistrettoPoint {
        self.pk_d
    }

    /// The diversified base `B_d` of this address.
    pub fn base(&self) -> RistrettoPoint {
        diversified_base(&self.diversifier)
    }

    /// The 75-byte form.
    pub fn to_bytes(&self) -> [u8; ADDRESS_LEN] {
        let mut out = [0u8; ADDRESS_LEN];
        out[..DIVERSIFIER_LEN].copy_from_slice(&self.diversifier);
        out[DIVERSIFIER_LEN..DIVERSIFIER_LEN + 32].copy_from_slice(&encode_field(&self.owner));
        out[DIVERSIFIER_LEN + 32..].copy_from_slice(self.pk_d.compress().as_bytes());
        out
    }

    /// Parses the 75-byte form, rejecting a non-canonical owner and an invalid
    /// or identity `pk_d`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != ADDRESS_LEN {
            return Err(KeyError::WrongLength {
                what: "an address",
                expected: ADDRESS_LEN,
                got: bytes.len(),
            });
        }
        let mut diversifier = [0u8; DIVERSIFIER_LEN];
        diversifier.copy_from_slice(&bytes[..DIVERSIFIER_LEN]);
        let owner = decode_field(
            &bytes[DIVERSIFIER_LEN..DIVERSIFIER_LEN + 32],
            "an address owner tag",
        )?;
        let pk_d = CompressedRistretto::from_slice(&bytes[DIVERSIFIER_LEN + 32..])
            .ok()
            .and_then(|c| c.decompress())
            .filter(|p| *p != RistrettoPoint::default())
            .ok_or(KeyError::InvalidPoint {
                what: "an address transmission key",
            })?;
        Ok(Self {
            diversifier,
            owner,
            pk_d,
        })
    }

    /// Bech32m text form on mainnet (prefix `szk`).
    pub fn encode(&self) -> String {
        self.encode_for(Network::Mainnet)
    }

    /// Bech32m text form on `network`.
    pub fn encode_for(&self, network: Network) -> String {
        network::encode(network, TextKind::Address, &self.to_bytes()).to_string()
    }

    /// Parses a mainnet text form; a mistyped character is reported as
    /// such, another network's address as [`KeyError::WrongNetwork`].
    pub fn decode(s: &str) -> Result<Self, KeyError> {
        Self::decode_for(Network::Mainnet, s)
    }

    /// Parses the text form of an address on `network`; another network's
    /// address is refused with [`KeyError::WrongNetwork`].
    pub fn decode_for(network: Network, s: &str) -> Result<Self, KeyError> {
        Self::from_bytes(&network::decode_for(network, TextKind::Address, s)?)
    }

    /// Parses the text form of an address on any network, and says which.
    pub fn decode_with_network(s: &str) -> Result<(Self, Network), KeyError> {
        let (network, bytes) = network::decode_any(TextKind::Address, s)?;
        Ok((Self::from_bytes(&bytes)?, network))
    }
}

impl std::fmt::Display for PaymentAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.encode())
    }
}

impl std::str::FromStr for PaymentAddress {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::decode(s)
    }
}
