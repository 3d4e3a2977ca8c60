//! Keys and addresses: a spending key from a seed, its full and incoming
//! viewing keys, addresses, and their Bech32m text forms.

use superzk_keys::{address::PaymentAddress, spending_key};
use wasm_bindgen::prelude::*;

use crate::{error::Error, js};

/// A spending key: spends notes, and derives every other key. Secret; its
/// memory is wiped when it is freed (`free()`, or garbage collection).
#[wasm_bindgen]
pub struct SpendingKey(pub(crate) spending_key::SpendingKey);

#[wasm_bindgen]
impl SpendingKey {
    /// The key of `account` derived from `seed` (e.g. a 64-byte BIP-39
    /// seed; it should hold at least 32 bytes of entropy). An empty seed is
    /// refused: it is always a mistake.
    #[wasm_bindgen(js_name = fromSeed)]
    pub fn from_seed(seed: &[u8], account: u32) -> Result<SpendingKey, Error> {
        if seed.is_empty() {
            return Err(Error::argument("the seed is empty"));
        }
        Ok(Self(spending_key::SpendingKey::from_seed(seed, account)))
    }

    /// Parses the text form (`szk-sk1…`).
    pub fn decode(text: &str) -> Result<SpendingKey, Error> {
        Ok(Self(spending_key::SpendingKey::decode(text)?))
    }

    /// The text form (`szk-sk1…`). Secret.
    pub fn encode(&self) -> String {
        self.0.encode().to_string()
    }

    /// The full viewing key (sees incoming notes and spends: a full audit).
    #[wasm_bindgen(js_name = fullViewingKey)]
    pub fn full_viewing_key(&self) -> FullViewingKey {
        FullViewingKey(self.0.full_viewing_key())
    }

    /// The incoming viewing key (finds and reads notes sent to this key).
    #[wasm_bindgen(js_name = incomingViewingKey)]
    pub fn incoming_viewing_key(&self) -> IncomingViewingKey {
        IncomingViewingKey(self.0.full_viewing_key().incoming_viewing_key())
    }

    /// Address number `index`, in text form (`szk1…`).
    pub fn address(&self, index: u32) -> String {
        self.incoming_viewing_key().address(index)
    }
}

/// A full viewing key: sees incoming notes and spends, cannot spend.
#[wasm_bindgen]
pub struct FullViewingKey(spending_key::FullViewingKey);

#[wasm_bindgen]
impl FullViewingKey {
    /// Parses the text form (`szk-fvk1…`).
    pub fn decode(text: &str) -> Result<FullViewingKey, Error> {
        Ok(Self(spending_key::FullViewingKey::decode(text)?))
    }

    /// The text form (`szk-fvk1…`).
    pub fn encode(&self) -> String {
        self.0.encode().to_string()
    }

    /// The incoming viewing key.
    #[wasm_bindgen(js_name = incomingViewingKey)]
    pub fn incoming_viewing_key(&self) -> IncomingViewingKey {
        IncomingViewingKey(self.0.incoming_viewing_key())
    }
}

/// An incoming viewing key: derives addresses and finds the notes sent to
/// them by trial decryption.
#[wasm_bindgen]
pub struct IncomingViewingKey(pub(crate) spending_key::IncomingViewingKey);

#[wasm_bindgen]
impl IncomingViewingKey {
    /// Parses the text form (`szk-ivk1…`).
    pub fn decode(text: &str) -> Result<IncomingViewingKey, Error> {
        Ok(Self(spending_key::IncomingViewingKey::decode(text)?))
    }

    /// The text form (`szk-ivk1…`).
    pub fn encode(&self) -> String {
        self.0.encode().to_string()
    }

    /// Address number `index`, in text form (`szk1…`).
    pub fn address(&self, index: u32) -> String {
        self.0.address(u64::from(index)).encode()
    }
}

/// Parses an address's text form (`szk1…`) into its 75 bytes
/// (diversifier ‖ owner ‖ pk_d); throws a `KeyError` if it is not one.
#[wasm_bindgen(js_name = decodeAddress)]
pub fn decode_address(text: &str) -> Result<Vec<u8>, Error> {
    Ok(parse_address(text)?.to_bytes().to_vec())
}

/// The text form of an address's 75 bytes; throws a `KeyError` if the bytes
/// are not a valid address.
#[wasm_bindgen(js_name = encodeAddress)]
pub fn encode_address(bytes: &[u8]) -> Result<String, Error> {
    Ok(PaymentAddress::from_bytes(bytes)?.encode())
}

/// Describes an address: `{ diversifier, owner }` in hex (what a recipient
/// can check it handed out).
#[wasm_bindgen(js_name = addressInfo, unchecked_return_type = "AddressInfo")]
pub fn address_info(text: &str) -> Result<JsValue, Error> {
    let a = parse_address(text)?;
    Ok(js::object(&[
        ("diversifier", js::hex(&a.diversifier()).into()),
        (
            "owner",
            js::hex(&superzk_keys::spending_key::encode_field(&a.owner())).into(),
        ),
    ]))
}

#[wasm_bindgen(typescript_custom_section)]
const ADDRESS_INFO_TS: &str = r#"
/** What an address is made of (hex). */
export interface AddressInfo { diversifier: string; owner: string; }
"#;

/// Parses an address's text form.
pub(crate) fn parse_address(text: &str) -> Result<PaymentAddress, Error> {
    Ok(PaymentAddress::decode(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_addresses_round_trip_through_text() {
        let sk = SpendingKey::from_seed(&[7; 32], 0).unwrap();
        let again = SpendingKey::decode(&sk.encode()).unwrap();
        assert_eq!(again.address(3), sk.address(3));
        let fvk = FullViewingKey::decode(&sk.full_viewing_key().encode()).unwrap();
        let ivk = IncomingViewingKey::decode(&fvk.incoming_viewing_key().encode()).unwrap();
        assert_eq!(ivk.address(0), sk.address(0));
        assert_ne!(sk.address(0), sk.address(1));
        let bytes = decode_address(&sk.address(0)).unwrap();
        assert_eq!(bytes.len(), 75);
        assert_eq!(encode_address(&bytes).unwrap(), sk.address(0));
    }

    #[test]
    fn empty_seeds_and_bad_text_are_refused_with_their_kind() {
        let e = SpendingKey::from_seed(&[], 0).err().unwrap();
        assert_eq!(e.name, "ArgumentError");
        let e = decode_address("szk1notanaddress").unwrap_err();
        assert_eq!(e.name, "KeyError");
        assert_eq!(e.kind, "Encoding");
    }
}
