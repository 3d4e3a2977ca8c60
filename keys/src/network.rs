//! Networks, and the text prefix each gives every kind of key and address.
//!
//! The same key bytes mean the same thing on every network, so only the text
//! form tells a mainnet address from a testnet one: each network has its own
//! human-readable prefix ("HRP") per kind of string, and a decoder told which
//! network it serves refuses another network's string with
//! [`KeyError::WrongNetwork`] (naming that network) rather than a bare
//! prefix mismatch.
//!
//! | kind                 | mainnet   | testnet       | devnet       |
//! |----------------------|-----------|---------------|--------------|
//! | address              | `szk`     | `szktest`     | `szkdev`     |
//! | spending key         | `szk-sk`  | `szktest-sk`  | `szkdev-sk`  |
//! | full viewing key     | `szk-fvk` | `szktest-fvk` | `szkdev-fvk` |
//! | incoming viewing key | `szk-ivk` | `szktest-ivk` | `szkdev-ivk` |
//!
//! Mainnet's prefixes are the ones SuperZK has always written, so the
//! network-less `encode`/`decode` of every key type are mainnet's.
//!
//! ```
//! use superzk_keys::{network::Network, spending_key::SpendingKey, address::PaymentAddress};
//! let address = SpendingKey::from_seed(b"an example seed of enough entropy", 0)
//!     .full_viewing_key()
//!     .incoming_viewing_key()
//!     .address(0);
//! let text = address.encode_for(Network::Testnet);
//! assert!(text.starts_with("szktest1"));
//! assert_eq!(PaymentAddress::decode_with_network(&text).unwrap(), (address, Network::Testnet));
//! assert!(PaymentAddress::decode_for(Network::Mainnet, &text).is_err());
//! ```

use zeroize::Zeroizing;

use crate::{
    encoding::{self, EncodingError},
    error::KeyError,
};

/// A SuperZK network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Network {
    /// The production network.
    Mainnet,
    /// The public test network (coins of no value).
    Testnet,
    /// A local development chain.
    Devnet,
}

/// The kinds of text-encoded values, each with its own prefix per network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextKind {
    /// A payment address.
    Address,
    /// A spending key.
    SpendingKey,
    /// A full viewing key.
    FullViewingKey,
    /// An incoming viewing key.
    IncomingViewingKey,
}

impl TextKind {
    /// What the value is called in messages ("an address", ...).
    pub fn description(self) -> &'static str {
        match self {
            Self::Address => "an address",
            Self::SpendingKey => "a spending key",
            Self::FullViewingKey => "a full viewing key",
            Self::IncomingViewingKey => "an incoming viewing key",
        }
    }

    /// The suffix after the network's base prefix.
    fn suffix(self) -> &'static str {
        match self {
            Self::Address => "",
            Self::SpendingKey => "-sk",
            Self::FullViewingKey => "-fvk",
            Self::IncomingViewingKey => "-ivk",
        }
    }
}

impl Network {
    /// Every network, mainnet first.
    pub const ALL: [Network; 3] = [Network::Mainnet, Network::Testnet, Network::Devnet];

    /// Its lower-case name: `mainnet`, `testnet` or `devnet`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mainnet => "mainnet",
            Self::Testnet => "testnet",
            Self::Devnet => "devnet",
        }
    }

    /// The network called `name` (case-insensitive).
    pub fn by_name(name: &str) -> Result<Self, KeyError> {
        Self::ALL
            .into_iter()
            .find(|n| n.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| KeyError::UnknownNetwork {
                name: name.chars().take(32).collect(),
            })
    }

    /// The base prefix, the whole prefix of an address: `szk`, `szktest`, `szkdev`.
    fn base_prefix(self) -> &'static str {
        match self {
            Self::Mainnet => "szk",
            Self::Testnet => "szktest",
            Self::Devnet => "szkdev",
        }
    }

    /// The BIP-44 style coin type of this network, the second level of
    /// account paths `m/32'/coin_type'/account'` (see [`crate::hd`]):
    /// mainnet `0x535a4b` (ASCII "SZK"), testnet `1` (SLIP-44's type shared
    /// by all test networks), devnet `0x535a44` ("SZD"). Distinct, so one
    /// mnemonic gives unrelated keys on each network. Provisional until
    /// SuperZK registers a SLIP-44 coin type; changing it changes every
    /// derived key.
    pub fn coin_type(self) -> u32 {
        match self {
            Self::Mainnet => 0x53_5a_4b,
            Self::Testnet => 1,
            Self::Devnet => 0x53_5a_44,
        }
    }

    /// The human-readable prefix of `kind` on this network (see the module
    /// documentation's table).
    pub fn hrp(self, kind: TextKind) -> String {
        format!("{}{}", self.base_prefix(), kind.suffix())
    }

    /// The network whose prefix for `kind` is `hrp` (case-insensitive), if any.
    pub fn for_hrp(kind: TextKind, hrp: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|n| n.hrp(kind).eq_ignore_ascii_case(hrp))
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Network {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::by_name(s)
    }
}

/// Encodes `data` as `kind` on `network`. Only fails if `data` is too long
/// for the text form, which no key or address is.
pub(crate) fn encode(network: Network, kind: TextKind, data: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(
        encoding::encode(&network.hrp(kind), data)
            .expect("keys and addresses are far below the encoding's length limit"),
    )
}

/// Decodes a `kind` string of any network, returning the network and the
/// payload bytes. A string whose prefix is no network's `kind` prefix is
/// refused with [`EncodingError::WrongPrefix`].
pub(crate) fn decode_any(kind: TextKind, s: &str) -> Result<(Network, Vec<u8>), KeyError> {
    let found = encoding::prefix_of(s)?;
    let network = Network::for_hrp(kind, &found).ok_or_else(|| {
        let expected = Network::ALL.map(|n| n.hrp(kind)).join("', '");
        EncodingError::WrongPrefix { expected, found }
    })?;
    Ok((network, encoding::decode(&network.hrp(kind), s)?))
}

/// Decodes a `kind` string of `network`; another network's (valid) string
/// is refused with [`KeyError::WrongNetwork`].
pub(crate) fn decode_for(network: Network, kind: TextKind, s: &str) -> Result<Vec<u8>, KeyError> {
    let found = encoding::prefix_of(s)?;
    match Network::for_hrp(kind, &found) {
        // Checked in full first, so a mistyped string is reported as such.
        Some(other) if other != network => {
            Zeroizing::new(encoding::decode(&other.hrp(kind), s)?);
            Err(KeyError::WrongNetwork {
                what: kind.description(),
                expected: network,
                found: other,
            })
        }
        _ => Ok(encoding::decode(&network.hrp(kind), s)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_distinct_and_mainnet_keeps_the_old_ones() {
        use crate::{address::ADDRESS_HRP, spending_key::*};
        assert_eq!(Network::Mainnet.hrp(TextKind::Address), ADDRESS_HRP);
        assert_eq!(
            Network::Mainnet.hrp(TextKind::SpendingKey),
            SPENDING_KEY_HRP
        );
        assert_eq!(
            Network::Mainnet.hrp(TextKind::FullViewingKey),
            FULL_VIEWING_KEY_HRP
        );
        assert_eq!(
            Network::Mainnet.hrp(TextKind::IncomingViewingKey),
            INCOMING_VIEWING_KEY_HRP
        );
        let kinds = [
            TextKind::Address,
            TextKind::SpendingKey,
            TextKind::FullViewingKey,
            TextKind::IncomingViewingKey,
        ];
        let mut all: Vec<String> = Network::ALL
            .iter()
            .flat_map(|n| kinds.map(|k| n.hrp(k)))
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 12);
        for n in Network::ALL {
            for k in kinds {
                assert_eq!(Network::for_hrp(k, &n.hrp(k).to_uppercase()), Some(n));
            }
        }
        assert_eq!(Network::for_hrp(TextKind::Address, "szk-fvk"), None);
    }

    #[test]
    fn names_parse_back() {
        for n in Network::ALL {
            assert_eq!(n.name().parse::<Network>().unwrap(), n);
            assert_eq!(Network::by_name(&n.to_string().to_uppercase()).unwrap(), n);
        }
        let err = Network::by_name("regtest").unwrap_err();
        assert!(matches!(err, KeyError::UnknownNetwork { .. }), "{err}");
        assert!(err.to_string().contains("mainnet, testnet or devnet"));
    }
}
