//! Payment addresses, as bytes and as text: any input gives an address or a
//! typed error, and what decodes re-encodes to the same canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use superzk_keys::{
    address::{PaymentAddress, ADDRESS_HRP},
    encoding,
};

fuzz_target!(|data: &[u8]| {
    // The 75-byte form: only canonical encodings decode.
    if let Ok(address) = PaymentAddress::from_bytes(data) {
        assert_eq!(&address.to_bytes()[..], data);
        assert_eq!(PaymentAddress::decode(&address.encode()).unwrap(), address);
    }
    // The text form as a user would paste it.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(address) = PaymentAddress::decode(text) {
            assert_eq!(address.encode(), text.to_ascii_lowercase());
        }
    }
    // Arbitrary data under a valid checksum: the text path down to the byte
    // parser, which a random string almost never reaches past the checksum.
    if let Ok(text) = encoding::encode(ADDRESS_HRP, data) {
        assert_eq!(encoding::decode(ADDRESS_HRP, &text).unwrap(), data);
        assert_eq!(
            encoding::decode(ADDRESS_HRP, &text.to_ascii_uppercase()).unwrap(),
            data
        );
        let _ = PaymentAddress::decode(&text);
    }
});
