//! Human-readable text forms of keys and addresses: Bech32m over a longer code.
//!
//! Every key and address is shown as `prefix || "1" || data || checksum`
//! ([BIP-173] / [BIP-350] syntax): the prefix (human-readable part, "HRP")
//! says what the string is (`szk` for an address, `szk-fvk` for a full
//! viewing key, ...), the data are the payload bytes in base 32 and the last
//! six characters are a Bech32m checksum over both.
//!
//! # Why not plain Bech32m
//!
//! BIP-173 caps strings at 90 characters, because up to 89 characters the
//! checksum is guaranteed to detect *any* error that touches at most four
//! characters. Our payloads are longer (a 96-byte full viewing key is already
//! 154 data characters, and payloads of up to ~200 bytes must fit), so the cap
//! cannot be kept. We therefore define [`SuperZkBech32m`]: exactly Bech32m's
//! generator polynomial and target residue (so a string we write is a valid
//! Bech32m string that any Bech32m library without the length cap can check),
//! but with `CODE_LENGTH = 1023`, the full length of the underlying BCH code
//! over GF(32). The generator has three consecutive roots in GF(1024), so up
//! to 1023 characters the checksum still *guarantees* detection of any error
//! touching at most three characters (a single typo or a swap of two
//! neighbouring characters is always caught), and an arbitrary corruption is
//! missed with probability about 2⁻³⁰. Anything longer than 1023 characters is
//! refused.
//!
//! Decoding is strict: the prefix must be the one expected (compared case
//! insensitively), the string must not mix upper and lower case (an all
//! upper-case string, e.g. from a QR code, is accepted), every data character
//! must be in the Bech32 alphabet, the checksum must match and the padding
//! bits after the last whole byte must be zero (at most four of them), so
//! each payload has exactly one lower-case encoding. Decoding never panics,
//! whatever the input.
//!
//! [BIP-173]: https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki
//! [BIP-350]: https://github.com/bitcoin/bips/blob/master/bip-0350.mediawiki

use bech32::{
    primitives::{
        checksum::Checksum,
        decode::{CharError, ChecksumError, UncheckedHrpstring, UncheckedHrpstringError},
        hrp,
    },
    Hrp,
};

/// The checksum of SuperZK text encodings: Bech32m's generator and target
/// residue over the full 1023-character BCH code length (see the module
/// documentation for why the BIP-173 90-character limit is lifted).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SuperZkBech32m {}

impl Checksum for SuperZkBech32m {
    type MidstateRepr = u32;
    /// The full length of the BCH code: any error of at most three characters
    /// is still guaranteed to be detected up to this length.
    const CODE_LENGTH: usize = MAX_ENCODED_LEN;
    const CHECKSUM_LENGTH: usize = 6;
    /// Bech32's generator (shared with Bech32m), from Bitcoin Core's
    /// `src/bech32.cpp`, with its four shifts.
    const GENERATOR_SH: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    /// Bech32m's target residue (BIP-350's constant `0x2bc830a3`).
    const TARGET_RESIDUE: u32 = 0x2bc8_30a3;
}

/// The longest string [`encode`] writes and [`decode`] accepts: prefix,
/// separator, data and checksum together.
pub const MAX_ENCODED_LEN: usize = 1023;

/// Number of checksum characters at the end of every string.
pub const CHECKSUM_LEN: usize = 6;

/// What can be wrong with a text-encoded key or address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// The string is empty.
    #[error("the string is empty; paste the whole key or address")]
    Empty,
    /// The string, or the string it would encode to, is longer than the code allows.
    #[error(
        "the string is {len} characters long but at most {max} are allowed; \
         check that only one key or address was pasted"
    )]
    TooLong {
        /// Length of the string (or of the string the data would encode to).
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// Too few characters after the separator to hold a checksum.
    #[error(
        "the string has only {found} characters after the prefix, too few to hold the \
         {CHECKSUM_LEN}-character checksum; the end of it is probably missing"
    )]
    TooShort {
        /// Characters after the separator.
        found: usize,
    },
    /// No `1` separating the prefix from the data.
    #[error(
        "the string has no '1' separating the prefix from the data; \
         it is not a SuperZK key or address, or its start is missing"
    )]
    MissingSeparator,
    /// The prefix is not the one this kind of value uses.
    #[error(
        "the string starts with prefix '{found}' but '{expected}' was expected; \
         this is a different kind of key or address (or from another network)"
    )]
    WrongPrefix {
        /// The prefix that was expected.
        expected: String,
        /// The prefix the string has (lower-cased).
        found: String,
    },
    /// The prefix itself is malformed (or the prefix given to [`encode`] is).
    #[error(
        "the prefix is not valid ({reason}); it must be 1 to 83 printable ASCII characters \
         of a single case"
    )]
    InvalidPrefix {
        /// What is wrong with it.
        reason: String,
    },
    /// A character that is not in the Bech32 alphabet.
    #[error(
        "character {character:?} at position {position} is not allowed (Bech32 uses only \
         a-z and 0-9 without 1, b, i and o); it was probably mistyped"
    )]
    InvalidCharacter {
        /// The character.
        character: char,
        /// Its character (not byte) index in the string, from 0.
        position: usize,
    },
    /// Upper- and lower-case letters mixed in one string.
    #[error(
        "the string mixes upper- and lower-case letters; write it all in lower case \
         (or all in upper case)"
    )]
    MixedCase,
    /// The checksum does not match: at least one character is wrong.
    #[error(
        "the checksum does not match: a character was mistyped, or characters were \
         swapped, left out or added; copy the string again"
    )]
    BadChecksum,
    /// The checksum matches but the data do not end on a byte boundary with zero padding.
    #[error(
        "the data part has invalid padding bits, so it was not written by a SuperZK \
         encoder; copy the string from its original source"
    )]
    InvalidPadding,
}

/// Encodes `data` under prefix `hrp` as a lower-case Bech32m-style string.
///
/// Fails if `hrp` is not a valid prefix (1 to 83 printable ASCII characters,
/// not mixing case) or if the result would exceed [`MAX_ENCODED_LEN`]
/// characters (about 630 bytes of data with a short prefix).
pub fn encode(hrp: &str, data: &[u8]) -> Result<String, EncodingError> {
    let parsed = Hrp::parse(hrp).map_err(|e| prefix_error(&e))?;
    let len = bech32::encoded_length::<SuperZkBech32m>(parsed, data).map_err(|e| {
        EncodingError::TooLong {
            len: e.encoded_length,
            max: MAX_ENCODED_LEN,
        }
    })?;
    let mut out = String::with_capacity(len);
    bech32::encode_lower_to_fmt::<SuperZkBech32m, _>(&mut out, parsed, data).map_err(|_| {
        // Writing to a `String` cannot fail and the length was checked above,
        // so this is unreachable; report it as the only error it could mean.
        EncodingError::TooLong {
            len,
            max: MAX_ENCODED_LEN,
        }
    })?;
    Ok(out)
}

/// Decodes a string written by [`encode`] under prefix `expected_hrp`,
/// returning the data bytes.
///
/// The whole string may be in upper case; it may not mix cases. See the
/// module documentation for everything that is checked.
pub fn decode(expected_hrp: &str, s: &str) -> Result<Vec<u8>, EncodingError> {
    if s.is_empty() {
        return Err(EncodingError::Empty);
    }
    // Bounding the length first keeps every later step cheap, whatever the input.
    let chars = s.chars().count();
    if chars > MAX_ENCODED_LEN {
        return Err(EncodingError::TooLong {
            len: chars,
            max: MAX_ENCODED_LEN,
        });
    }
    let unchecked = UncheckedHrpstring::new(s).map_err(|e| parse_error(&e, s))?;
    let found = unchecked.hrp().to_lowercase();
    if !found.eq_ignore_ascii_case(expected_hrp) {
        return Err(EncodingError::WrongPrefix {
            expected: expected_hrp.to_ascii_lowercase(),
            found,
        });
    }
    let data_chars = unchecked.data_part_ascii().len();
    let checked = unchecked
        .validate_and_remove_checksum::<SuperZkBech32m>()
        .map_err(|e| match e {
            ChecksumError::InvalidResidue => EncodingError::BadChecksum,
            ChecksumError::InvalidLength => EncodingError::TooShort { found: data_chars },
            ChecksumError::CodeLength(e) => EncodingError::TooLong {
                len: e.encoded_length,
                max: MAX_ENCODED_LEN,
            },
            _ => EncodingError::BadChecksum,
        })?;
    checked
        .validate_segwit_padding()
        .map_err(|_| EncodingError::InvalidPadding)?;
    Ok(checked.byte_iter().collect())
}

/// The prefix of `s`, lower-cased, without checking the rest of it: for
/// finding out which network (or kind of key) a string claims to be, before
/// decoding it in full with [`decode`].
pub fn prefix_of(s: &str) -> Result<String, EncodingError> {
    if s.is_empty() {
        return Err(EncodingError::Empty);
    }
    let chars = s.chars().count();
    if chars > MAX_ENCODED_LEN {
        return Err(EncodingError::TooLong {
            len: chars,
            max: MAX_ENCODED_LEN,
        });
    }
    let unchecked = UncheckedHrpstring::new(s).map_err(|e| parse_error(&e, s))?;
    Ok(unchecked.hrp().to_lowercase())
}

/// Maps a parse error of the `bech32` crate to ours.
fn parse_error(e: &UncheckedHrpstringError, s: &str) -> EncodingError {
    match e {
        UncheckedHrpstringError::Char(CharError::MissingSeparator) => {
            EncodingError::MissingSeparator
        }
        UncheckedHrpstringError::Char(CharError::NothingAfterSeparator) => {
            EncodingError::TooShort { found: 0 }
        }
        UncheckedHrpstringError::Char(CharError::MixedCase) => EncodingError::MixedCase,
        UncheckedHrpstringError::Char(CharError::InvalidChar(c)) => {
            // The crate scans from the end, so the culprit is the last occurrence.
            let total = s.chars().count();
            let position = s
                .chars()
                .rev()
                .position(|x| x == *c)
                .map_or(0, |from_end| total - 1 - from_end);
            EncodingError::InvalidCharacter {
                character: *c,
                position,
            }
        }
        UncheckedHrpstringError::Hrp(hrp::Error::MixedCase) => EncodingError::MixedCase,
        UncheckedHrpstringError::Hrp(e) => prefix_error(e),
        other => EncodingError::InvalidPrefix {
            reason: other.to_string(),
        },
    }
}

/// Maps a prefix error of the `bech32` crate to ours.
fn prefix_error(e: &hrp::Error) -> EncodingError {
    match e {
        hrp::Error::Empty => EncodingError::InvalidPrefix {
            reason: "it is empty".into(),
        },
        hrp::Error::TooLong(len) => EncodingError::InvalidPrefix {
            reason: format!("it is {len} characters long"),
        },
        hrp::Error::NonAsciiChar(c) => EncodingError::InvalidPrefix {
            reason: format!("it contains the non-ASCII character {c:?}"),
        },
        hrp::Error::InvalidAsciiByte(b) => EncodingError::InvalidPrefix {
            reason: format!("it contains the unprintable byte 0x{b:02x}"),
        },
        hrp::Error::MixedCase => EncodingError::InvalidPrefix {
            reason: "it mixes upper and lower case".into(),
        },
        other => EncodingError::InvalidPrefix {
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bech32::Fe32IterExt;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    const HRP: &str = "szk-test";
    const ALPHABET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::from_seed([7u8; 32])
    }

    #[test]
    fn checksum_constants_are_consistent() {
        SuperZkBech32m::sanity_check();
    }

    #[test]
    fn roundtrip_all_lengths() {
        let mut rng = rng();
        for len in 0..=300 {
            let mut data = vec![0u8; len];
            rng.fill_bytes(&mut data);
            let s = encode(HRP, &data).unwrap();
            assert!(s.starts_with("szk-test1"));
            assert_eq!(s, s.to_lowercase());
            assert_eq!(decode(HRP, &s).unwrap(), data, "length {len}");
        }
    }

    #[test]
    fn matches_standard_bech32m_for_short_strings() {
        // For strings within BIP-173's 90 characters our checksum is exactly Bech32m.
        let data = [0xabu8; 32];
        let ours = encode("szk", &data).unwrap();
        let theirs = bech32::encode::<bech32::Bech32m>(Hrp::parse("szk").unwrap(), &data).unwrap();
        assert_eq!(ours, theirs);
        // And a BIP-350 test vector decodes under our checksum.
        assert_eq!(decode("a", "a1lqfn3a").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn long_payloads_fit_and_too_long_is_refused() {
        let data = vec![0x5au8; 200];
        let s = encode(HRP, &data).unwrap();
        assert!(s.len() > 90);
        assert_eq!(decode(HRP, &s).unwrap(), data);

        let max_bytes = (MAX_ENCODED_LEN - HRP.len() - 1 - CHECKSUM_LEN) * 5 / 8;
        let s = encode(HRP, &vec![1u8; max_bytes]).unwrap();
        assert!(s.len() <= MAX_ENCODED_LEN);
        assert!(matches!(
            encode(HRP, &vec![1u8; max_bytes + 1]),
            Err(EncodingError::TooLong { .. })
        ));

        let long = format!("{s}{}", "q".repeat(MAX_ENCODED_LEN));
        assert!(matches!(
            decode(HRP, &long),
            Err(EncodingError::TooLong { .. })
        ));
    }

    #[test]
    fn every_single_character_typo_is_a_bad_checksum() {
        let mut rng = rng();
        let mut data = [0u8; 96];
        rng.fill_bytes(&mut data);
        let s = encode(HRP, &data).unwrap();
        let start = HRP.len() + 1;
        let bytes = s.as_bytes();
        for i in start..bytes.len() {
            for &c in ALPHABET {
                if c == bytes[i] {
                    continue;
                }
                let mut typo = bytes.to_vec();
                typo[i] = c;
                let typo = String::from_utf8(typo).unwrap();
                assert_eq!(
                    decode(HRP, &typo),
                    Err(EncodingError::BadChecksum),
                    "position {i}"
                );
            }
        }
        // Swapping two neighbouring characters is caught too.
        for i in start..bytes.len() - 1 {
            if bytes[i] == bytes[i + 1] {
                continue;
            }
            let mut swapped = bytes.to_vec();
            swapped.swap(i, i + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            assert_eq!(decode(HRP, &swapped), Err(EncodingError::BadChecksum));
        }
        let err = decode(HRP, &format!("{}q", &s[..s.len() - 1])).unwrap_err();
        assert!(err.to_string().contains("mistyped"));
    }

    #[test]
    fn wrong_prefix_is_reported() {
        let s = encode("szk-fvk", &[1, 2, 3]).unwrap();
        assert_eq!(
            decode("szk", &s),
            Err(EncodingError::WrongPrefix {
                expected: "szk".into(),
                found: "szk-fvk".into()
            })
        );
    }

    #[test]
    fn character_errors() {
        let s = encode(HRP, &[9u8; 20]).unwrap();
        let mut bad = s.clone().into_bytes();
        bad[HRP.len() + 3] = b'b';
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(
            decode(HRP, &bad),
            Err(EncodingError::InvalidCharacter {
                character: 'b',
                position: HRP.len() + 3
            })
        );
        assert_eq!(decode(HRP, ""), Err(EncodingError::Empty));
        assert_eq!(
            decode(HRP, "szkqqqqqq"),
            Err(EncodingError::MissingSeparator)
        );
        assert_eq!(
            decode(HRP, "szk-test1"),
            Err(EncodingError::TooShort { found: 0 })
        );
        assert_eq!(
            decode(HRP, "szk-test1qqq"),
            Err(EncodingError::TooShort { found: 3 })
        );
        // Upper-case one letter of the data part.
        let i = s[HRP.len() + 1..]
            .find(|c: char| c.is_ascii_lowercase())
            .unwrap()
            + HRP.len()
            + 1;
        let mut mixed = s.clone();
        mixed.replace_range(i..i + 1, &s[i..i + 1].to_uppercase());
        assert_eq!(decode(HRP, &mixed), Err(EncodingError::MixedCase));
        assert!(matches!(
            encode("", &[1]),
            Err(EncodingError::InvalidPrefix { .. })
        ));
        assert!(matches!(
            encode("sz k", &[1]),
            Err(EncodingError::InvalidPrefix { .. })
        ));
        assert!(matches!(
            encode("szK", &[1]),
            Err(EncodingError::InvalidPrefix { .. })
        ));
    }

    #[test]
    fn nonzero_padding_is_rejected() {
        // One byte is 8 bits in two characters: 2 padding bits, which must be zero.
        let s = encode(HRP, &[0xff]).unwrap();
        assert_eq!(decode(HRP, &s).unwrap(), vec![0xff]);
        // Build a string with the same byte but padding bits set, and a valid checksum.
        let hrp = Hrp::parse(HRP).unwrap();
        let fes = [
            bech32::Fe32::try_from(31u8).unwrap(),
            bech32::Fe32::try_from(31u8).unwrap(),
        ];
        let bad: String = fes
            .iter()
            .copied()
            .with_checksum::<SuperZkBech32m>(&hrp)
            .chars()
            .collect();
        assert_eq!(decode(HRP, &bad), Err(EncodingError::InvalidPadding));
    }

    #[test]
    fn upper_case_is_accepted_consistently() {
        let data = [42u8; 75];
        let s = encode(HRP, &data).unwrap();
        let upper = s.to_uppercase();
        assert_eq!(decode(HRP, &upper).unwrap(), data);
        assert_eq!(decode(&HRP.to_uppercase(), &upper).unwrap(), data);
        assert_eq!(decode(&HRP.to_uppercase(), &s).unwrap(), data);
        // A typo in the upper-case form is a checksum error exactly as in lower case.
        let mut typo = upper.clone().into_bytes();
        let i = typo.len() - 3;
        typo[i] = if typo[i] == b'Q' { b'P' } else { b'Q' };
        assert_eq!(
            decode(HRP, &String::from_utf8(typo).unwrap()),
            Err(EncodingError::BadChecksum)
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = rng();
        let pool: Vec<char> =
            "qpzry9x8gf2tvdw0s3jn54khce6mua7lQPZRY1bio-_ \u{e9}\u{1f600}\0\u{7f}szk"
                .chars()
                .collect();
        let valid = encode(HRP, &[3u8; 40]).unwrap();
        for round in 0..5000 {
            let len = (rng.next_u32() % 120) as usize;
            let mut s: String = (0..len)
                .map(|_| pool[rng.next_u32() as usize % pool.len()])
                .collect();
            if round % 3 == 0 {
                s = format!("{HRP}1{s}");
            }
            let _ = decode(HRP, &s);
            // Random bytes as (lossy) UTF-8 too.
            let mut raw = vec![0u8; len];
            rng.fill_bytes(&mut raw);
            let _ = decode(HRP, &String::from_utf8_lossy(&raw));
            // And a valid string with one random character replaced.
            let mut chars: Vec<char> = valid.chars().collect();
            let i = rng.next_u32() as usize % chars.len();
            chars[i] = pool[rng.next_u32() as usize % pool.len()];
            let mutated: String = chars.into_iter().collect();
            if mutated != valid {
                assert!(decode(HRP, &mutated).is_err());
            }
        }
    }
}
