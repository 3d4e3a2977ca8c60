//! BIP-39 mnemonics and hierarchical, hardened-only key derivation in the
//! spirit of ZIP-32 (as Zcash derives Orchard keys).
//!
//! A wallet is backed up as a BIP-39 mnemonic ([`Mnemonic`], 24 English
//! words by default). The mnemonic and an optional passphrase give a 64-byte
//! seed (BIP-39's PBKDF2-HMAC-SHA512, 2,048 rounds), and the seed the
//! spending key of every account:
//!
//! ```text
//! I            = BLAKE2b-512(personal "SuperZK_HDMaster"; seed)
//! master       = (sk = I[..32], chain code c = I[32..])
//! I            = BLAKE2b-512(key c_parent, personal "SuperZK_HDChild_"; sk_parent ‖ i_le32)
//! child i      = (sk = I[..32], c = I[32..])                        (i ≥ 2^31 only)
//! account key  = sk at m / 32' / coin_type' / account'
//! ```
//!
//! Every child is hardened: SuperZK spending keys are 32 uniform bytes, not
//! curve scalars, so there is no public derivation to offer, and a hardened
//! child's key never lets anyone compute its parent's or a sibling's.
//! `coin_type` is [`Network::coin_type`], so one mnemonic gives unrelated
//! keys on each network.
//!
//! ```
//! use superzk_keys::{hd::{account_spending_key, Mnemonic}, network::Network};
//! let mnemonic = Mnemonic::parse(
//!     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
//! ).unwrap();
//! let seed = mnemonic.to_seed("");
//! let sk = account_spending_key(seed.as_bytes(), Network::Testnet, 0).unwrap();
//! assert_ne!(sk, account_spending_key(seed.as_bytes(), Network::Mainnet, 0).unwrap());
//! ```

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{
    encryption::blake2b_personal, network::Network, spending_key::prf, spending_key::SpendingKey,
};

/// The purpose level of account paths, ZIP-32's (and so BIP-43's) 32'.
pub const PURPOSE: u32 = 32;
/// The bit that marks a child index as hardened.
pub const HARDENED_BIT: u32 = 1 << 31;
/// The fewest seed bytes [`ExtendedSpendingKey::master`] accepts.
pub const MIN_SEED_LEN: usize = 32;
/// The most seed bytes [`ExtendedSpendingKey::master`] accepts.
pub const MAX_SEED_LEN: usize = 252;
/// Number of words [`Mnemonic::generate`] draws (256 bits of entropy).
pub const DEFAULT_WORD_COUNT: usize = 24;

const MASTER_PERSONALIZATION: &[u8; 16] = b"SuperZK_HDMaster";
const CHILD_PERSONALIZATION: &[u8; 16] = b"SuperZK_HDChild_";

/// What can be wrong with a mnemonic, a seed or a derivation path. No
/// message repeats a word of the mnemonic: it is the wallet's secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HdError {
    /// The phrase does not have 12, 15, 18, 21 or 24 words.
    #[error(
        "a mnemonic has 12, 15, 18, 21 or 24 words but this one has {got}; \
         check that the whole phrase was copied"
    )]
    WrongWordCount {
        /// Words in the phrase.
        got: usize,
    },
    /// A word that is not in the BIP-39 English word list.
    #[error("word number {position} is not in the BIP-39 English word list; check its spelling")]
    UnknownWord {
        /// Its position in the phrase, counting from 1.
        position: usize,
    },
    /// Every word is known but the checksum the last one carries is wrong.
    #[error(
        "the mnemonic's checksum does not match: a word was mistyped, swapped for \
         another valid word, or the words are out of order; check the backup"
    )]
    BadChecksum,
    /// Entropy that no mnemonic encodes.
    #[error("mnemonic entropy must be 16, 20, 24, 28 or 32 bytes, got {got}")]
    EntropyLength {
        /// Bytes given.
        got: usize,
    },
    /// A seed too short or too long.
    #[error(
        "a seed must be {MIN_SEED_LEN} to {MAX_SEED_LEN} bytes but has {got}; \
         use the 64-byte seed of a BIP-39 mnemonic"
    )]
    SeedLength {
        /// Bytes given.
        got: usize,
    },
    /// A raw child index without the hardened bit.
    #[error(
        "child index {raw} is not hardened (below 2^31); SuperZK derives hardened \
         children only: use ChildIndex::hardened({raw})"
    )]
    NotHardened {
        /// The raw index given.
        raw: u32,
    },
    /// An account or other path index that does not fit below the hardened bit.
    #[error("index {index} is too large: path indexes must be below 2^31 (2147483648)")]
    IndexTooLarge {
        /// The index given.
        index: u32,
    },
}

/// A BIP-39 mnemonic in the English word list. Wiped on drop (the `bip39`
/// crate's type, with its `zeroize` feature); `Debug` shows none of it.
#[derive(Clone)]
pub struct Mnemonic(bip39::Mnemonic);

impl PartialEq for Mnemonic {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        let (a, b) = (self.entropy(), other.entropy());
        a[..].ct_eq(&b[..]).into()
    }
}
impl Eq for Mnemonic {}

impl std::fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mnemonic(<redacted>)")
    }
}

impl Mnemonic {
    /// A fresh mnemonic of [`DEFAULT_WORD_COUNT`] words from `rng`.
    pub fn generate<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut entropy = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut entropy[..]);
        Self::from_entropy(&entropy[..]).expect("32 bytes of entropy make 24 words")
    }

    /// The mnemonic encoding `entropy` (16, 20, 24, 28 or 32 bytes).
    pub fn from_entropy(entropy: &[u8]) -> Result<Self, HdError> {
        bip39::Mnemonic::from_entropy_in(bip39::Language::English, entropy)
            .map(Self)
            .map_err(|_| HdError::EntropyLength { got: entropy.len() })
    }

    /// Parses a phrase: words separated by any whitespace, in any case.
    pub fn parse(phrase: &str) -> Result<Self, HdError> {
        let lower = Zeroizing::new(phrase.to_lowercase());
        let words = lower.split_whitespace().count();
        bip39::Mnemonic::parse_in(bip39::Language::English, lower.as_str())
            .map(Self)
            .map_err(|e| match e {
                bip39::Error::UnknownWord(i) => HdError::UnknownWord { position: i + 1 },
                bip39::Error::InvalidChecksum => HdError::BadChecksum,
                _ => HdError::WrongWordCount { got: words },
            })
    }

    /// The words, separated by single spaces (secret!).
    pub fn phrase(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(DEFAULT_WORD_COUNT * 9));
        for (i, word) in self.0.words().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
        out
    }

    /// The entropy the words encode (secret!).
    pub fn entropy(&self) -> Zeroizing<Vec<u8>> {
        let (mut array, len) = self.0.to_entropy_array();
        let out = Zeroizing::new(array[..len].to_vec());
        array.zeroize();
        out
    }

    /// Number of words.
    pub fn word_count(&self) -> usize {
        self.0.word_count()
    }

    /// The BIP-39 seed for `passphrase` ("" for none; Unicode is NFKD
    /// normalized as BIP-39 says).
    pub fn to_seed(&self, passphrase: &str) -> Seed {
        Seed(self.0.to_seed(passphrase))
    }
}

/// A 64-byte BIP-39 seed. Wiped on drop, redacted in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Seed([u8; 64]);

impl Seed {
    /// Wraps seed bytes (e.g. from another BIP-39 implementation).
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Self(bytes)
    }

    /// The bytes (secret!).
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(<redacted>)")
    }
}

/// A hardened child index: always at least 2^31 in raw form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildIndex(u32);

impl ChildIndex {
    /// Hardened child number `index` (written `index'`), `index` below 2^31.
    pub fn hardened(index: u32) -> Result<Self, HdError> {
        if index >= HARDENED_BIT {
            return Err(HdError::IndexTooLarge { index });
        }
        Ok(Self(index | HARDENED_BIT))
    }

    /// The index with raw value `raw`, which must have the hardened bit set.
    pub fn from_raw(raw: u32) -> Result<Self, HdError> {
        if raw & HARDENED_BIT == 0 {
            return Err(HdError::NotHardened { raw });
        }
        Ok(Self(raw))
    }

    /// The raw value, hardened bit included.
    pub fn raw(self) -> u32 {
        self.0
    }

    /// The index without the hardened bit.
    pub fn index(self) -> u32 {
        self.0 & !HARDENED_BIT
    }
}

impl std::fmt::Display for ChildIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}'", self.index())
    }
}

/// A spending key with the chain code its children are derived with. Wiped
/// on drop, redacted in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ExtendedSpendingKey {
    sk: [u8; 32],
    chain_code: [u8; 32],
    depth: u8,
    child_index: u32,
}

impl std::fmt::Debug for ExtendedSpendingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExtendedSpendingKey(<redacted>)")
    }
}

impl PartialEq for ExtendedSpendingKey {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        let secrets_equal = self.sk.ct_eq(&other.sk) & self.chain_code.ct_eq(&other.chain_code);
        bool::from(secrets_equal)
            && (self.depth, self.child_index) == (other.depth, other.child_index)
    }
}
impl Eq for ExtendedSpendingKey {}

impl ExtendedSpendingKey {
    /// The master key of `seed` ([`MIN_SEED_LEN`] to [`MAX_SEED_LEN`]
    /// bytes; a BIP-39 seed is 64).
    pub fn master(seed: &[u8]) -> Result<Self, HdError> {
        if !(MIN_SEED_LEN..=MAX_SEED_LEN).contains(&seed.len()) {
            return Err(HdError::SeedLength { got: seed.len() });
        }
        let i = blake2b_personal::<64>(MASTER_PERSONALIZATION, &[seed]);
        Ok(Self::from_halves(&i, 0, 0))
    }

    /// The hardened child `index`.
    pub fn derive_child(&self, index: ChildIndex) -> Self {
        let mut input = Zeroizing::new([0u8; 36]);
        input[..32].copy_from_slice(&self.sk);
        input[32..].copy_from_slice(&index.raw().to_le_bytes());
        let i = prf(CHILD_PERSONALIZATION, &self.chain_code, &input[..]);
        Self::from_halves(&i, self.depth.saturating_add(1), index.raw())
    }

    /// The descendant along `path`, from this key.
    pub fn derive_path(&self, path: &[ChildIndex]) -> Self {
        path.iter()
            .fold(self.clone(), |key, index| key.derive_child(*index))
    }

    fn from_halves(i: &[u8; 64], depth: u8, child_index: u32) -> Self {
        let mut key = Self {
            sk: [0; 32],
            chain_code: [0; 32],
            depth,
            child_index,
        };
        key.sk.copy_from_slice(&i[..32]);
        key.chain_code.copy_from_slice(&i[32..]);
        key
    }

    /// The spending key.
    pub fn spending_key(&self) -> SpendingKey {
        SpendingKey::from_bytes(self.sk)
    }

    /// The chain code (secret!).
    pub fn chain_code(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.chain_code)
    }

    /// How many derivations below the master key (0 for the master).
    pub fn depth(&self) -> u8 {
        self.depth
    }

    /// The index this key was derived with; `None` for the master.
    pub fn child_index(&self) -> Option<ChildIndex> {
        ChildIndex::from_raw(self.child_index).ok()
    }
}

/// The path of `account` on `network`: `m/32'/coin_type'/account'`.
pub fn account_path(network: Network, account: u32) -> Result<[ChildIndex; 3], HdError> {
    Ok([
        ChildIndex::hardened(PURPOSE)?,
        ChildIndex::hardened(network.coin_type())?,
        ChildIndex::hardened(account)?,
    ])
}

/// The spending key of `account` (below 2^31) on `network`, from a seed.
pub fn account_spending_key(
    seed: &[u8],
    network: Network,
    account: u32,
) -> Result<SpendingKey, HdError> {
    let path = account_path(network, account)?;
    Ok(ExtendedSpendingKey::master(seed)?
        .derive_path(&path)
        .spending_key())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_indexes_are_always_hardened() {
        assert_eq!(ChildIndex::hardened(0).unwrap().raw(), HARDENED_BIT);
        assert_eq!(ChildIndex::hardened(7).unwrap().index(), 7);
        assert_eq!(ChildIndex::hardened(7).unwrap().to_string(), "7'");
        assert_eq!(
            ChildIndex::hardened(HARDENED_BIT),
            Err(HdError::IndexTooLarge {
                index: HARDENED_BIT
            })
        );
        assert_eq!(
            ChildIndex::from_raw(5),
            Err(HdError::NotHardened { raw: 5 })
        );
        assert_eq!(
            ChildIndex::from_raw(u32::MAX).unwrap().index(),
            HARDENED_BIT - 1
        );
        assert!(account_path(Network::Mainnet, HARDENED_BIT).is_err());
    }

    #[test]
    fn master_refuses_seeds_of_the_wrong_length() {
        for len in [0, 16, 31, 253, 1000] {
            assert_eq!(
                ExtendedSpendingKey::master(&vec![1; len]).unwrap_err(),
                HdError::SeedLength { got: len }
            );
        }
        for len in [32, 64, 252] {
            assert!(ExtendedSpendingKey::master(&vec![1; len]).is_ok());
        }
    }

    #[test]
    fn derivation_is_deterministic_and_every_step_matters() {
        let m = ExtendedSpendingKey::master(&[3; 64]).unwrap();
        assert_eq!((m.depth(), m.child_index()), (0, None));
        let c = |i| ChildIndex::hardened(i).unwrap();
        let a = m.derive_child(c(0));
        assert_eq!(a, m.derive_child(c(0)));
        assert_eq!((a.depth(), a.child_index()), (1, Some(c(0))));
        assert_ne!(a.spending_key(), m.derive_child(c(1)).spending_key());
        assert_ne!(a.spending_key(), m.spending_key());
        assert_ne!(*a.chain_code(), *m.chain_code());
        assert_eq!(
            m.derive_path(&[c(1), c(2)]),
            m.derive_child(c(1)).derive_child(c(2))
        );
        assert_ne!(
            m.derive_path(&[c(1), c(2)]).spending_key(),
            m.derive_path(&[c(2), c(1)]).spending_key()
        );
        // The seed matters, and so do the network and the account.
        let other = ExtendedSpendingKey::master(&[4; 64]).unwrap();
        assert_ne!(other.spending_key(), m.spending_key());
        let sk = |n, a| account_spending_key(&[3; 64], n, a).unwrap();
        assert_ne!(sk(Network::Mainnet, 0), sk(Network::Testnet, 0));
        assert_ne!(sk(Network::Testnet, 0), sk(Network::Devnet, 0));
        assert_ne!(sk(Network::Mainnet, 0), sk(Network::Mainnet, 1));
        assert_eq!(
            sk(Network::Mainnet, 1),
            m.derive_path(&account_path(Network::Mainnet, 1).unwrap())
                .spending_key()
        );
    }
}
