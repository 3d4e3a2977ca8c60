//! What the secret-hygiene tests share (keys/tests/secrets.rs and, by path,
//! wallet/tests/secrets.rs): the ways a secret could show up in text, and a
//! check that `Debug` shows none of them.

use superzk_circuits::Fr;
use superzk_keys::spending_key::encode_field;

/// The ways a secret of these bytes could show up in text: hex either case,
/// and the byte array as `Debug` prints it.
pub fn renderings(bytes: &[u8]) -> Vec<String> {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    vec![hex.to_uppercase(), hex, format!("{bytes:?}")]
}

/// The renderings of a field element: its canonical bytes, and `Display`
/// and `Debug` (decimal).
pub fn field_renderings(f: &Fr) -> Vec<String> {
    let mut out = renderings(&encode_field(f));
    out.push(f.to_string());
    out.push(format!("{f:?}"));
    out
}

/// `Debug` of `value` says it is redacted and contains none of `secrets`
/// (nor any 8-byte run of their hex, which would catch partial printing).
pub fn assert_debug_hides<T: std::fmt::Debug>(value: &T, secrets: &[String]) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(text.contains("redacted"), "{text}");
        for s in secrets {
            assert!(!text.contains(s.as_str()), "{text} shows {s}");
            if s.len() >= 16 && s.chars().all(|c| c.is_ascii_hexdigit()) {
                for w in s.as_bytes().windows(16) {
                    let w = std::str::from_utf8(w).unwrap();
                    assert!(!text.contains(w), "{text} shows part of a secret: {w}");
                }
            }
        }
    }
}
