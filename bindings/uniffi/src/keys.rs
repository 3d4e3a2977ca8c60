//! Keys and addresses: a spending key from a seed, its full and incoming
//! viewing keys, payment addresses, and their text encodings (Bech32m), all
//! delegated to `superzk-keys`.

use std::sync::Arc;

use rand_core::OsRng;
use superzk_keys::{
    address::PaymentAddress,
    hd::{account_spending_key, Mnemonic},
    network::Network,
    spending_key,
};

use crate::error::SuperzkError;

/// A spending key: spends notes and derives every other key. Secret.
#[derive(uniffi::Object)]
pub struct SpendingKey(pub(crate) spending_key::SpendingKey);

#[uniffi::export]
impl SpendingKey {
    /// Derives the key of `account` from a seed (e.g. a BIP-39 seed).
    #[uniffi::constructor]
    pub fn from_seed(seed: Vec<u8>, account: u32) -> Arc<Self> {
        Arc::new(Self(spending_key::SpendingKey::from_seed(&seed, account)))
    }

    /// Decodes a key written by [`SpendingKey::encode`] (`szk-sk1…`).
    #[uniffi::constructor]
    pub fn decode(text: String) -> Result<Arc<Self>, SuperzkError> {
        Ok(Arc::new(Self(spending_key::SpendingKey::decode(&text)?)))
    }

    /// The key of wallet account `account` of a BIP-39 `mnemonic` on
    /// `network` (`mainnet`, `testnet`, `devnet`): the key a
    /// [`crate::wallet::Wallet`] created from that mnemonic signs with.
    /// Raises `InvalidMnemonic` (with the position of an unknown word) or
    /// `UnknownNetwork`.
    #[uniffi::constructor]
    pub fn from_mnemonic(
        mnemonic: String,
        network: String,
        account: u32,
    ) -> Result<Arc<Self>, SuperzkError> {
        Ok(Arc::new(Self(mnemonic_key(
            &mnemonic,
            parse_network(&network)?,
            account,
        )?)))
    }

    /// The key as text. Secret: store it as such.
    pub fn encode(&self) -> String {
        self.0.encode().to_string()
    }

    /// The full viewing key: sees incoming and outgoing notes and spends.
    pub fn full_viewing_key(&self) -> Arc<FullViewingKey> {
        Arc::new(FullViewingKey(self.0.full_viewing_key()))
    }

    /// Payment address number `index` (all addresses share one wallet).
    pub fn address(&self, index: u64) -> String {
        self.0
            .full_viewing_key()
            .incoming_viewing_key()
            .address(index)
            .encode()
    }
}

/// A full viewing key: watches a wallet without being able to spend.
#[derive(uniffi::Object)]
pub struct FullViewingKey(pub(crate) spending_key::FullViewingKey);

#[uniffi::export]
impl FullViewingKey {
    /// Decodes a key written by [`FullViewingKey::encode`] (`szk-fvk1…`).
    #[uniffi::constructor]
    pub fn decode(text: String) -> Result<Arc<Self>, SuperzkError> {
        Ok(Arc::new(Self(spending_key::FullViewingKey::decode(&text)?)))
    }

    /// The key as text.
    pub fn encode(&self) -> String {
        self.0.encode().to_string()
    }

    /// The incoming viewing key: finds notes sent to this wallet.
    pub fn incoming_viewing_key(&self) -> Arc<IncomingViewingKey> {
        Arc::new(IncomingViewingKey(self.0.incoming_viewing_key()))
    }
}

/// An incoming viewing key: detects and reads notes sent to a wallet.
#[derive(uniffi::Object)]
pub struct IncomingViewingKey(pub(crate) spending_key::IncomingViewingKey);

#[uniffi::export]
impl IncomingViewingKey {
    /// Decodes a key written by [`IncomingViewingKey::encode`] (`szk-ivk1…`).
    #[uniffi::constructor]
    pub fn decode(text: String) -> Result<Arc<Self>, SuperzkError> {
        Ok(Arc::new(Self(spending_key::IncomingViewingKey::decode(
            &text,
        )?)))
    }

    /// The key as text.
    pub fn encode(&self) -> String {
        self.0.encode().to_string()
    }

    /// Payment address number `index`, the same as the spending key's.
    pub fn address(&self, index: u64) -> String {
        self.0.address(index).encode()
    }
}

/// A payment address in its raw form.
#[derive(uniffi::Record)]
pub struct AddressParts {
    /// The diversifier (11 bytes): which of the wallet's addresses it is.
    pub diversifier: Vec<u8>,
    /// The whole address in bytes (the diversifier, then the encryption keys).
    pub bytes: Vec<u8>,
}

/// Decodes an address (`szk1…`), checking its checksum and its points.
#[uniffi::export]
pub fn decode_address(address: String) -> Result<AddressParts, SuperzkError> {
    let a = PaymentAddress::decode(&address)?;
    Ok(AddressParts {
        diversifier: a.diversifier().to_vec(),
        bytes: a.to_bytes().to_vec(),
    })
}

/// Encodes an address's raw bytes as text (`szk1…`).
#[uniffi::export]
pub fn encode_address(bytes: Vec<u8>) -> Result<String, SuperzkError> {
    Ok(PaymentAddress::from_bytes(&bytes)?.encode())
}

/// A fresh 24-word BIP-39 mnemonic from the system's random generator. The
/// app must store it as the secret it is (it derives every spending key of
/// the wallet; the wallet database never holds it).
#[uniffi::export]
pub fn generate_mnemonic() -> String {
    Mnemonic::generate(&mut OsRng).phrase().to_string()
}

/// Checks a mnemonic phrase: `InvalidMnemonic` says what is wrong (the
/// word count, the position of a word not in the BIP-39 list, or a
/// checksum that does not match).
#[uniffi::export]
pub fn check_mnemonic(mnemonic: String) -> Result<(), SuperzkError> {
    Mnemonic::parse(mnemonic.trim())?;
    Ok(())
}

/// The spending key of `account` of `phrase` on `network`.
pub(crate) fn mnemonic_key(
    phrase: &str,
    network: Network,
    account: u32,
) -> Result<spending_key::SpendingKey, SuperzkError> {
    let mnemonic = Mnemonic::parse(phrase.trim())?;
    Ok(account_spending_key(
        mnemonic.to_seed("").as_bytes(),
        network,
        account,
    )?)
}

/// A network by name.
pub(crate) fn parse_network(name: &str) -> Result<Network, SuperzkError> {
    Ok(Network::by_name(name)?)
}

/// Decodes an address argument of another call.
pub(crate) fn parse_address(address: &str) -> Result<PaymentAddress, SuperzkError> {
    Ok(PaymentAddress::decode(address)?)
}
