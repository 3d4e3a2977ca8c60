//! Rust errors as JS exceptions. Each call's error becomes a JS `Error` with
//! `name` the Rust error type, `kind` its variant and `message` the Rust
//! message, so JS can `catch (e) { if (e.name === "DecodeError") … }`.

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
        }
    }

    /// A bad argument from JS (a memo too long, an unknown circuit name…).
    pub fn argument(message: impl Into<String>) -> Self {
        Self {
            name: "ArgumentError",
            kind: "InvalidArgument".into(),
            message: message.into(),
        }
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
    superzk_keys::error::KeyError => "KeyError",
    superzk_prover::BuildError => "BuildError",
    superzk_circuits::asset::AssetInfoError => "AssetInfoError",
    superzk_circuits::tree::TreeError => "TreeError",
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
}
