//! Payment-request URIs, in the spirit of ZIP-321: how a DApp asks a wallet
//! for payment without touching keys.
//!
//! ```text
//! superzk:<address>?amount=1.5&memo=<base64url>&message=Thanks
//! superzk:<address>?asset=USD&amount=20&address.1=<address>&ticket.1=concert:<64 hex>
//! ```
//!
//! A request holds one or more payments. Payment 0's parameters have no
//! suffix (its address may stand in the path); payment `n` (1 to 9999, no
//! leading zero) has `.n` on each: `address.1`, `amount.1`, ... Parameters:
//!
//! * `address`: the recipient (Bech32m payment address). Required.
//! * `amount`: a decimal number of coins with at most [`DECIMALS`] decimals
//!   (`1`, `1.5`, `0.000001`), more than zero; required for a currency.
//! * `asset`: the currency's name, percent-encoded; `SERO` when absent.
//! * `ticket`: `<category>:<id>`, the category percent-encoded and the id
//!   64 hex digits: the payment is that ticket (no `amount` or `asset`).
//! * `memo`: base64url without padding, at most `MEMO_LEN` bytes decoded.
//! * `label`, `message`: percent-encoded UTF-8 for the payer's eyes.
//! * Any other parameter starting with `req-` is one the wallet must
//!   understand: it refuses the URI. Other unknown parameters are ignored.
//!
//! Characters outside RFC 3986's unreserved, sub-delimiters, `:`, `@`,
//! `/`, `?`, `=`, `&` and `%` must be percent-encoded.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use superzk_circuits::asset::{Ticket, MAX_NAME_LEN};
use superzk_keys::{address::PaymentAddress, note_plaintext::MEMO_LEN};

use crate::select::{Payment, PaymentKind, TransactionRequest};

/// The URI scheme.
pub const SCHEME: &str = "superzk";
/// Decimals of a coin: 10^6 base units (chain-core's `COIN`).
pub const DECIMALS: u32 = 6;
/// Base units per coin.
pub const BASE_UNITS_PER_COIN: u64 = 10u64.pow(DECIMALS);
/// Highest payment index.
pub const MAX_INDEX: u32 = 9999;

/// What is left unescaped when rendering: RFC 3986's unreserved characters.
const ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why an amount does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing given.
    #[error("the amount is empty")]
    Empty,
    /// Not a plain decimal number.
    #[error("the amount has {found:?} at character {position}; write digits with at most one '.'")]
    NotDecimal {
        /// Offset in the amount.
        position: usize,
        /// The character.
        found: char,
    },
    /// More decimals than a base unit.
    #[error("the amount has more than {DECIMALS} decimals (a base unit is 0.000001)")]
    TooManyDecimals,
    /// Larger than any amount.
    #[error("the amount is larger than 2^64 - 1 base units")]
    TooLarge,
    /// Zero.
    #[error("the amount is zero; ask for more than nothing")]
    Zero,
}

/// Formats base units as coins: `1500000` as `1.5`, `1` as `0.000001`.
pub fn format_amount(units: u64) -> String {
    let (whole, frac) = (units / BASE_UNITS_PER_COIN, units % BASE_UNITS_PER_COIN);
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:0width$}", width = DECIMALS as usize);
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// Parses coins into base units: digits, optionally a `.` and 1 to
/// [`DECIMALS`] digits. Zero is allowed here (callers decide).
pub fn parse_amount(text: &str) -> Result<u64, AmountError> {
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let not_digit = |s: &str, offset: usize| {
        s.char_indices()
            .find(|(_, c)| !c.is_ascii_digit())
            .map(|(i, found)| AmountError::NotDecimal {
                position: offset + i,
                found,
            })
    };
    if whole.is_empty() {
        return Err(AmountError::NotDecimal {
            position: 0,
            found: '.',
        });
    }
    if let Some(e) = not_digit(whole, 0) {
        return Err(e);
    }
    let mut units: u128 = 0;
    for d in whole.bytes() {
        units = units * 10 + u128::from(d - b'0');
        if units > u128::from(u64::MAX) {
            return Err(AmountError::TooLarge);
        }
    }
    units *= u128::from(BASE_UNITS_PER_COIN);
    if let Some(frac) = frac {
        if let Some(e) = not_digit(frac, whole.len() + 1) {
            return Err(e);
        }
        if frac.is_empty() {
            return Err(AmountError::NotDecimal {
                position: whole.len(),
                found: '.',
            });
        }
        if frac.len() > DECIMALS as usize {
            return Err(AmountError::TooManyDecimals);
        }
        let padded = format!("{frac:0<width$}", width = DECIMALS as usize);
        units += u128::from(padded.parse::<u64>().expect("six digits"));
    }
    u64::try_from(units).map_err(|_| AmountError::TooLarge)
}

/// Why a payment-request URI was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// Not a `superzk:` URI.
    #[error("not a payment request: it must start with \"{SCHEME}:\"")]
    Scheme,
    /// A character that must be percent-encoded.
    #[error("character {found:?} at position {position} must be percent-encoded")]
    BadCharacter {
        /// Byte offset in the URI.
        position: usize,
        /// The character.
        found: char,
    },
    /// A parameter that is not `name=value`.
    #[error("the parameter at position {position} is not name=value")]
    MalformedParam {
        /// Byte offset in the URI.
        position: usize,
    },
    /// A parameter index that is not 1 to 9999 without leading zeros.
    #[error("parameter {param:?} has an invalid index; use .1 to .{MAX_INDEX}, no leading zeros")]
    BadIndex {
        /// The parameter as written.
        param: String,
    },
    /// A `%` not followed by two hex digits, or text that is not UTF-8.
    #[error("parameter {param:?} is not valid percent-encoded UTF-8")]
    PercentEncoding {
        /// The parameter as written.
        param: String,
    },
    /// A `req-` parameter this wallet does not understand.
    #[error("the request requires {param:?}, which this wallet does not support; it cannot pay it safely")]
    UnknownRequired {
        /// The parameter as written.
        param: String,
    },
    /// A parameter given twice for one payment.
    #[error("parameter {param:?} appears twice for payment {index}")]
    Duplicate {
        /// The parameter's name.
        param: String,
        /// The payment index.
        index: u32,
    },
    /// A payment without a recipient.
    #[error("payment {index} has no address")]
    MissingAddress {
        /// The payment index.
        index: u32,
    },
    /// A recipient that is not a payment address.
    #[error("payment {index}'s address is invalid: {reason}")]
    BadAddress {
        /// The payment index.
        index: u32,
        /// Why.
        reason: String,
    },
    /// A currency payment without an amount.
    #[error("payment {index} has no amount")]
    MissingAmount {
        /// The payment index.
        index: u32,
    },
    /// An amount that does not parse.
    #[error("payment {index}'s amount is invalid: {reason}")]
    BadAmount {
        /// The payment index.
        index: u32,
        /// Why.
        reason: AmountError,
    },
    /// A currency name that is empty or too long.
    #[error("payment {index}'s asset name must be 1 to {MAX_NAME_LEN} bytes")]
    BadAsset {
        /// The payment index.
        index: u32,
    },
    /// A ticket that is not `category:64 hex digits`.
    #[error("payment {index}'s ticket is invalid: {reason}; write category:<64 hex digits>")]
    BadTicket {
        /// The payment index.
        index: u32,
        /// Why.
        reason: &'static str,
    },
    /// Parameters that exclude each other.
    #[error("payment {index} gives both a ticket and {other}; a ticket payment has neither amount nor asset")]
    Conflict {
        /// The payment index.
        index: u32,
        /// The other parameter.
        other: &'static str,
    },
    /// A memo that is not base64url without padding.
    #[error("payment {index}'s memo is not base64url without padding")]
    BadMemo {
        /// The payment index.
        index: u32,
    },
    /// A memo longer than a note holds.
    #[error("payment {index}'s memo is {len} bytes; a memo holds at most {MEMO_LEN}")]
    MemoTooLong {
        /// The payment index.
        index: u32,
        /// Its length.
        len: usize,
    },
    /// A URI with parameters but no payment.
    #[error("the request holds no payment")]
    NoPayment,
    /// A payment a URI cannot express (packages live in one wallet).
    #[error("payment {index} ({what}) cannot be written in a payment request; only currencies and tickets can")]
    Unrepresentable {
        /// The payment's position.
        index: usize,
        /// What it is.
        what: &'static str,
    },
    /// More payments than indices.
    #[error("a request holds at most {} payments", MAX_INDEX + 1)]
    TooManyPayments,
    /// A request to open packages or redeem tickets.
    #[error("a payment request can only hold payments, not package openings or redemptions")]
    NotPayments,
}

/// A payment as its parameters arrive.
#[derive(Default)]
struct Fields {
    address: Option<String>,
    amount: Option<String>,
    asset: Option<String>,
    ticket: Option<String>,
    memo: Option<String>,
    label: Option<String>,
    message: Option<String>,
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$'()*+,;=:@/?&%".contains(c)
}

/// Decodes a percent-encoded value to UTF-8, refusing a malformed `%`.
fn decode(raw: &str, param: &str) -> Result<String, UriError> {
    let bad = || UriError::PercentEncoding {
        param: param.to_owned(),
    };
    let bytes = raw.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err(bad());
        }
    }
    percent_decode(bytes)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| bad())
}

/// Splits `name.index` and checks the index.
fn split_index(param: &str) -> Result<(&str, u32), UriError> {
    let Some((name, index)) = param.split_once('.') else {
        return Ok((param, 0));
    };
    let bad = || UriError::BadIndex {
        param: param.to_owned(),
    };
    if index.is_empty()
        || index.len() > 4
        || index.starts_with('0')
        || !index.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    Ok((name, index.parse().map_err(|_| bad())?))
}

/// Stores one parameter's value in its payment's fields.
fn store(payments: &mut BTreeMap<u32, Fields>, param: &str, raw: &str) -> Result<(), UriError> {
    let (name, index) = split_index(param)?;
    const KNOWN: [&str; 7] = [
        "address", "amount", "asset", "ticket", "memo", "label", "message",
    ];
    if !KNOWN.contains(&name) {
        if name.starts_with("req-") {
            return Err(UriError::UnknownRequired {
                param: param.to_owned(),
            });
        }
        return Ok(());
    }
    let fields = payments.entry(index).or_default();
    let slot = match name {
        "address" => &mut fields.address,
        "amount" => &mut fields.amount,
        "asset" => &mut fields.asset,
        "ticket" => &mut fields.ticket,
        "memo" => &mut fields.memo,
        "label" => &mut fields.label,
        _ => &mut fields.message,
    };
    if slot.is_some() {
        return Err(UriError::Duplicate {
            param: name.to_owned(),
            index,
        });
    }
    *slot = Some(decode(raw, param)?);
    Ok(())
}

fn parse_ticket(index: u32, text: &str) -> Result<Ticket, UriError> {
    let bad = |reason| UriError::BadTicket { index, reason };
    let (category, id) = text.rsplit_once(':').ok_or(bad("no ':' before the id"))?;
    if category.is_empty() || category.len() > MAX_NAME_LEN {
        return Err(bad("the category must be 1 to 32 bytes"));
    }
    let mut bytes = [0u8; 32];
    if id.len() != 64 || hex::decode_to_slice(id, &mut bytes).is_err() {
        return Err(bad("the id is not 64 hex digits"));
    }
    Ok(Ticket {
        category: category.to_owned(),
        id: bytes,
    })
}

fn parse_memo(index: u32, text: Option<String>) -> Result<Vec<u8>, UriError> {
    let Some(text) = text else {
        return Ok(vec![]);
    };
    let memo = URL_SAFE_NO_PAD
        .decode(text.as_bytes())
        .map_err(|_| UriError::BadMemo { index })?;
    if memo.len() > MEMO_LEN {
        return Err(UriError::MemoTooLong {
            index,
            len: memo.len(),
        });
    }
    Ok(memo)
}

fn parse_kind(index: u32, f: &mut Fields) -> Result<PaymentKind, UriError> {
    if let Some(ticket) = f.ticket.take() {
        if f.amount.is_some() {
            return Err(UriError::Conflict {
                index,
                other: "an amount",
            });
        }
        if f.asset.is_some() {
            return Err(UriError::Conflict {
                index,
                other: "an asset",
            });
        }
        return Ok(PaymentKind::Ticket(parse_ticket(index, &ticket)?));
    }
    let name = f
        .asset
        .take()
        .unwrap_or_else(|| superzk_circuits::NATIVE_ASSET.to_owned());
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(UriError::BadAsset { index });
    }
    let text = f.amount.take().ok_or(UriError::MissingAmount { index })?;
    let amount = match parse_amount(&text) {
        Ok(0) => Err(AmountError::Zero),
        other => other,
    }
    .map_err(|reason| UriError::BadAmount { index, reason })?;
    Ok(PaymentKind::Currency { name, amount })
}

fn payment(index: u32, mut f: Fields) -> Result<Payment, UriError> {
    let text = f.address.take().ok_or(UriError::MissingAddress { index })?;
    let recipient = PaymentAddress::decode(&text).map_err(|e| UriError::BadAddress {
        index,
        reason: e.to_string(),
    })?;
    let kind = parse_kind(index, &mut f)?;
    Ok(Payment {
        recipient,
        kind,
        memo: parse_memo(index, f.memo)?,
        label: f.label,
        message: f.message,
    })
}

/// Parses a payment-request URI into the request [`crate::proposal::propose`]
/// takes. Never panics, whatever the text.
pub fn parse(uri: &str) -> Result<TransactionRequest, UriError> {
    let rest = uri
        .get(..SCHEME.len() + 1)
        .filter(|s| s.eq_ignore_ascii_case(&format!("{SCHEME}:")))
        .map(|_| &uri[SCHEME.len() + 1..])
        .ok_or(UriError::Scheme)?;
    if let Some((position, found)) = uri.char_indices().find(|(_, c)| !allowed(*c)) {
        return Err(UriError::BadCharacter { position, found });
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut payments: BTreeMap<u32, Fields> = BTreeMap::new();
    if !path.is_empty() {
        payments.entry(0).or_default().address = Some(decode(path, "address")?);
    }
    let mut position = SCHEME.len() + 1 + path.len() + 1;
    for param in query.split('&').filter(|_| !query.is_empty()) {
        let (name, raw) = param
            .split_once('=')
            .filter(|(n, _)| !n.is_empty())
            .ok_or(UriError::MalformedParam { position })?;
        store(&mut payments, name, raw)?;
        position += param.len() + 1;
    }
    if payments.is_empty() {
        return Err(UriError::NoPayment);
    }
    let payments = payments
        .into_iter()
        .map(|(index, fields)| payment(index, fields))
        .collect::<Result<_, _>>()?;
    Ok(TransactionRequest {
        payments,
        ..Default::default()
    })
}

fn escape(text: &str) -> String {
    utf8_percent_encode(text, ESCAPE).to_string()
}

/// Appends payment `index`'s parameters to `out`.
fn render_payment(out: &mut Vec<String>, index: usize, p: &Payment) -> Result<(), UriError> {
    let suffix = if index == 0 {
        String::new()
    } else {
        format!(".{index}")
    };
    let mut push = |name: &str, value: String| out.push(format!("{name}{suffix}={value}"));
    if index > 0 {
        push("address", p.recipient.encode());
    }
    match &p.kind {
        PaymentKind::Currency { name, amount } => {
            if name != superzk_circuits::NATIVE_ASSET {
                push("asset", escape(name));
            }
            push("amount", format_amount(*amount));
        }
        PaymentKind::Ticket(t) => push(
            "ticket",
            format!("{}:{}", escape(&t.category), hex::encode(t.id)),
        ),
        PaymentKind::SealPackage { .. } => {
            return Err(UriError::Unrepresentable {
                index,
                what: "a package to seal",
            })
        }
        PaymentKind::PassPackage { .. } => {
            return Err(UriError::Unrepresentable {
                index,
                what: "a package to pass on",
            })
        }
    }
    if !p.memo.is_empty() {
        push("memo", URL_SAFE_NO_PAD.encode(&p.memo));
    }
    if let Some(label) = &p.label {
        push("label", escape(label));
    }
    if let Some(message) = &p.message {
        push("message", escape(message));
    }
    Ok(())
}

/// Renders a request as a URI that [`parse`] reads back unchanged: payment
/// 0's address in the path, the others indexed from 1.
pub fn render(request: &TransactionRequest) -> Result<String, UriError> {
    if !request.open_packages.is_empty() || !request.redeem_tickets.is_empty() {
        return Err(UriError::NotPayments);
    }
    let first = request.payments.first().ok_or(UriError::NoPayment)?;
    if request.payments.len() > MAX_INDEX as usize + 1 {
        return Err(UriError::TooManyPayments);
    }
    let mut params = vec![];
    for (index, p) in request.payments.iter().enumerate() {
        render_payment(&mut params, index, p)?;
    }
    Ok(format!(
        "{SCHEME}:{}?{}",
        first.recipient.encode(),
        params.join("&")
    ))
}
