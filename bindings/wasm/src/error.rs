//! Rust errors as JS exceptions. Each call's error becomes a JS `Error` with
//! `name` the Rust error type, `kind` its variant, `message` the Rust
//! message and `fields` the variant's data (e.g. `{ position: 3 }` for an
//! unknown mnemonic word, `{ expected, found }` for a wrong network), so JS
//! can `catch (e) { if (e.kind === "UnknownWord") … e.fields.position }`
//! without parsing text.

use std::fmt::{Debug, Display};

use wasm_bindgen::JsValue;

/// An error on its way to JS. Kept as plain Rust data (so the logic is
/// testable natively) and turned into a JS `Error` at the boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The Rust error type, the JS error's `name`.
    pub name: &'static str,
    /// The variant, the JS error's `kind`.
    pub kind: String,
    /// The message.
    pub message: String,
    /// The variant's data, for programs (the JS error's `fields` object).
    pub fields: Vec<(&'static str, Field)>,
}

/// One datum of an error variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// Text (names, hex).
    Text(String),
    /// A count, height or amount (a JS `number` below 2^53, else `bigint`).
    Number(u64),
}

impl From<&str> for Field {
    fn from(s: &str) -> Self {
        Self::Text(s.into())
    }
}
impl From<String> for Field {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}
impl From<u64> for Field {
    fn from(n: u64) -> Self {
        Self::Number(n)
    }
}
impl From<usize> for Field {
    fn from(n: usize) -> Self {
        Self::Number(n as u64)
    }
}

impl From<&Field> for JsValue {
    fn from(f: &Field) -> Self {
        match f {
            Field::Text(s) => s.as_str().into(),
            Field::Number(n) if *n < (1 << 53) => (*n as f64).into(),
            Field::Number(n) => (*n).into(),
        }
    }
}

impl Error {
    /// An error of a Rust error type: the variant is read off its `Debug`
    /// form (the leading identifier), the message is its `Display`.
    pub fn from_rust(name: &'static str, e: &(impl Debug + Display)) -> Self {
        let debug = format!("{e:?}");
        let kind = debug
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        Self {
            name,
            kind,
            message: e.to_string(),
            fields: vec![],
        }
    }

    /// An error of a kind of this binding's own (not a Rust error type's).
    pub fn new(name: &'static str, kind: &str, message: impl Into<String>) -> Self {
        Self {
            name,
            kind: kind.into(),
            message: message.into(),
            fields: vec![],
        }
    }

    /// The same error with a field added.
    pub fn with(mut self, key: &'static str, value: impl Into<Field>) -> Self {
        self.fields.push((key, value.into()));
        self
    }

    /// A bad argument from JS (a memo too long, an unknown circuit name…).
    pub fn argument(message: impl Into<String>) -> Self {
        Self::new("ArgumentError", "InvalidArgument", message)
    }
}

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.name, self.kind, self.message)
    }
}

impl From<Error> for JsValue {
    fn from(e: Error) -> Self {
        let js = js_sys::Error::new(&e.message);
        js.set_name(e.name);
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&js, &"kind".into(), &e.kind.into());
        let fields = js_sys::Object::new();
        for (key, value) in &e.fields {
            let _ = js_sys::Reflect::set(&fields, &(*key).into(), &value.into());
        }
        let _ = js_sys::Reflect::set(&js, &"fields".into(), &fields.into());
        js.into()
    }
}

macro_rules! from_rust_error {
    ($($ty:path => $name:literal),* $(,)?) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Self {
                Self::from_rust($name, &e)
            }
        }
    )*};
}

from_rust_error! {
    superzk_verifier::error::DecodeError => "DecodeError",
    superzk_chain_core::error::DecodeError => "DecodeError",
    superzk_chain_core::error::ChainError => "ChainError",
    superzk_verifier::error::TxError => "TxError",
    superzk_verifier::groth16::Groth16Error => "Groth16Error",
    superzk_prover::BuildError => "BuildError",
    superzk_circuits::asset::AssetInfoError => "AssetInfoError",
    superzk_circuits::tree::TreeError => "TreeError",
}

impl From<superzk_keys::error::KeyError> for Error {
    fn from(e: superzk_keys::error::KeyError) -> Self {
        use superzk_keys::error::KeyError as K;
        let base = Self::from_rust("KeyError", &e);
        match &e {
            K::WrongNetwork {
                what,
                expected,
                found,
            } => base
                .with("what", *what)
                .with("expected", expected.name())
                .with("found", found.name()),
            K::WrongLength {
                what,
                expected,
                got,
            } => base
                .with("what", *what)
                .with("expected", *expected)
                .with("got", *got),
            K::NonCanonical { what } | K::InvalidPoint { what } => base.with("what", *what),
            K::UnknownNetwork { name } => base.with("name", name.as_str()),
            _ => base,
        }
    }
}

impl From<superzk_keys::hd::HdError> for Error {
    fn from(e: superzk_keys::hd::HdError) -> Self {
        use superzk_keys::hd::HdError as H;
        let base = Self::from_rust("MnemonicError", &e);
        match e {
            H::WrongWordCount { got } => base.with("got", got),
            H::UnknownWord { position } => base.with("position", position),
            H::EntropyLength { got } | H::SeedLength { got } => base.with("got", got),
            _ => base,
        }
    }
}

impl From<superzk_wallet::OpenError> for Error {
    fn from(e: superzk_wallet::OpenError) -> Self {
        use superzk_wallet::OpenError as O;
        let base = Self::from_rust("WalletOpenError", &e);
        match e {
            O::WrongChain {
                expected_network,
                expected_genesis,
                found_network,
                found_genesis,
                ..
            } => base
                .with("expectedNetwork", expected_network)
                .with("expectedGenesis", expected_genesis)
                .with("foundNetwork", found_network)
                .with("foundGenesis", found_genesis),
            O::TooNew {
                found, supported, ..
            } => base
                .with("found", found as u64)
                .with("supported", supported as u64),
            O::Damaged { reason, .. } | O::Unavailable { reason, .. } => {
                base.with("reason", reason)
            }
            _ => base,
        }
    }
}

impl From<superzk_wallet::WalletError> for Error {
    fn from(e: superzk_wallet::WalletError) -> Self {
        match e {
            superzk_wallet::WalletError::Source(s) => s.into(),
            e => Self::from_rust("WalletError", &e),
        }
    }
}

impl From<superzk_wallet::SourceError> for Error {
    fn from(e: superzk_wallet::SourceError) -> Self {
        use superzk_wallet::SourceError as S;
        let base = Self::from_rust("NodeError", &e);
        match e {
            S::Malformed { what, reason } => base.with("what", what).with("reason", reason),
            S::Unavailable(reason) | S::Refused(reason) => base.with("reason", reason),
        }
    }
}

impl From<superzk_wallet::spend::SpendError> for Error {
    fn from(e: superzk_wallet::spend::SpendError) -> Self {
        use superzk_wallet::{spend::SpendError as S, ProposalError, SelectionError};
        match e {
            S::Wallet(w) => w.into(),
            S::Proposal(ProposalError::Selection(SelectionError::InsufficientFunds {
                ref asset,
                needed,
                available,
                pending,
                ..
            })) => Self::from_rust("SpendError", &e)
                .with("asset", asset.as_str())
                .with("needed", needed)
                .with("available", available)
                .with("pending", pending),
            e => Self::from_rust("SpendError", &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use superzk_verifier::error::DecodeError;

    #[test]
    fn kind_is_the_variant_and_message_the_display() {
        let e = Error::from(DecodeError::Truncated {
            what: "header",
            needed: 3,
        });
        assert_eq!(e.name, "DecodeError");
        assert_eq!(e.kind, "Truncated");
        assert!(e.message.contains("needed 3 more bytes"), "{}", e.message);
        let e = Error::from(DecodeError::BadMagic);
        assert_eq!(e.kind, "BadMagic");
    }

    #[test]
    fn key_and_mnemonic_errors_carry_their_fields() {
        use superzk_keys::{address::PaymentAddress, network::Network};
        let sk = superzk_keys::spending_key::SpendingKey::from_seed(&[1; 32], 0);
        let testnet = sk
            .full_viewing_key()
            .incoming_viewing_key()
            .address(0)
            .encode_for(Network::Testnet);
        let e = Error::from(PaymentAddress::decode_for(Network::Devnet, &testnet).unwrap_err());
        assert_eq!(e.kind, "WrongNetwork");
        assert!(e.fields.contains(&("found", Field::Text("testnet".into()))));
        assert!(e
            .fields
            .contains(&("expected", Field::Text("devnet".into()))));
        let phrase = "legal winner thank year wave sausage worth useful legal winner thank yeer";
        let e = Error::from(superzk_keys::hd::Mnemonic::parse(phrase).unwrap_err());
        assert_eq!((e.name, e.kind.as_str()), ("MnemonicError", "UnknownWord"));
        assert_eq!(e.fields, vec![("position", Field::Number(12))]);
    }
}
