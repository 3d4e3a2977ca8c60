//! Payment-request URIs: vectors, every refusal, and round trips and
//! garbage over random input.

use proptest::prelude::*;
use superzk_circuits::asset::Ticket;
use superzk_keys::{address::PaymentAddress, note_plaintext::MEMO_LEN, spending_key::SpendingKey};
use superzk_wallet::{
    select::{Payment, PaymentKind, TransactionRequest},
    uri::{format_amount, parse, parse_amount, render, AmountError, UriError, DECIMALS},
};

fn addr(seed: u8) -> PaymentAddress {
    SpendingKey::from_bytes([seed; 32])
        .full_viewing_key()
        .incoming_viewing_key()
        .address(0)
}

fn a(seed: u8) -> String {
    addr(seed).encode()
}

fn one(p: Payment) -> TransactionRequest {
    TransactionRequest {
        payments: vec![p],
        ..Default::default()
    }
}

#[test]
fn decimals_are_the_chains_coin() {
    assert_eq!(10u64.pow(DECIMALS), superzk_chain_core::params::COIN);
}

#[test]
fn amounts_parse_and_print_in_coins() {
    for (text, units) in [
        ("1", 1_000_000),
        ("1.5", 1_500_000),
        ("0.000001", 1),
        ("0", 0),
        ("007.25", 7_250_000),
        ("18446744073709.551615", u64::MAX),
    ] {
        assert_eq!(parse_amount(text), Ok(units), "{text}");
    }
    for (units, text) in [
        (1_500_000, "1.5"),
        (1, "0.000001"),
        (0, "0"),
        (u64::MAX, "18446744073709.551615"),
        (20_000_000, "20"),
    ] {
        assert_eq!(format_amount(units), text);
    }
    for (text, err) in [
        ("", AmountError::Empty),
        ("18446744073709.551616", AmountError::TooLarge),
        ("99999999999999999999999", AmountError::TooLarge),
        ("1.0000001", AmountError::TooManyDecimals),
        (
            ".5",
            AmountError::NotDecimal {
                position: 0,
                found: '.',
            },
        ),
        (
            "5.",
            AmountError::NotDecimal {
                position: 1,
                found: '.',
            },
        ),
        (
            "-1",
            AmountError::NotDecimal {
                position: 0,
                found: '-',
            },
        ),
        (
            "1e3",
            AmountError::NotDecimal {
                position: 1,
                found: 'e',
            },
        ),
        (
            "1.2.3",
            AmountError::NotDecimal {
                position: 3,
                found: '.',
            },
        ),
        (
            "1,5",
            AmountError::NotDecimal {
                position: 1,
                found: ',',
            },
        ),
        (
            "١",
            AmountError::NotDecimal {
                position: 0,
                found: '١',
            },
        ),
    ] {
        assert_eq!(parse_amount(text), Err(err), "{text}");
    }
}

#[test]
fn a_single_payment_parses_and_renders_exactly() {
    let uri = format!(
        "superzk:{}?amount=1.5&memo=aGVsbG8&message=Lunch%20at%20Bo%27s",
        a(1)
    );
    let request = parse(&uri).unwrap();
    let want = one(Payment {
        memo: b"hello".to_vec(),
        message: Some("Lunch at Bo's".into()),
        ..Payment::currency(addr(1), "SERO", 1_500_000)
    });
    assert_eq!(request, want);
    assert_eq!(render(&want).unwrap(), uri);
    // Scheme in any case; the address as a parameter; unknown optional
    // parameters ignored.
    let alt = format!(
        "SuperZK:?address={}&amount=1.5&memo=aGVsbG8&message=Lunch+at%20Bo's&x-app=7",
        a(1)
    );
    let mut got = parse(&alt).unwrap();
    assert_eq!(got.payments[0].message.as_deref(), Some("Lunch+at Bo's"));
    got.payments[0].message = want.payments[0].message.clone();
    assert_eq!(got, want);
}

#[test]
fn several_payments_with_assets_and_tickets() {
    let ticket = Ticket {
        category: "concert:2026 ✓".into(),
        id: [0xab; 32],
    };
    let request = TransactionRequest {
        payments: vec![
            Payment {
                label: Some("shop".into()),
                ..Payment::currency(addr(1), "USD", 20_000_000)
            },
            Payment::of(addr(2), PaymentKind::Ticket(ticket.clone())),
            Payment::currency(addr(3), "SERO", 1),
        ],
        ..Default::default()
    };
    let uri = render(&request).unwrap();
    assert_eq!(
        uri,
        format!(
            "superzk:{}?asset=USD&amount=20&label=shop&address.1={}&ticket.1=concert%3A2026%20%E2%9C%93:{}&address.2={}&amount.2=0.000001",
            a(1),
            a(2),
            "ab".repeat(32),
            a(3)
        )
    );
    assert_eq!(parse(&uri).unwrap(), request);
    // Indices may come in any order and with gaps; payments follow them.
    let shuffled = format!(
        "superzk:?amount.7=2&address.7={}&address.3={}&amount.3=1&address={}&amount=3",
        a(2),
        a(1),
        a(3)
    );
    let got = parse(&shuffled).unwrap();
    let to: Vec<PaymentAddress> = got.payments.iter().map(|p| p.recipient).collect();
    assert_eq!(to, vec![addr(3), addr(1), addr(2)]);
}

#[test]
fn every_refusal_names_what_is_wrong() {
    let (a1, a2) = (a(1), a(2));
    let long_memo = base64_of(&[7u8; MEMO_LEN + 1]);
    let cases: Vec<(String, UriError)> = vec![
        (format!("zcash:{a1}?amount=1"), UriError::Scheme),
        ("superzk".into(), UriError::Scheme),
        (
            format!("superzk:{a1}?amount=1&message=hi there"),
            UriError::BadCharacter {
                position: 8 + a1.len() + 20,
                found: ' ',
            },
        ),
        (
            format!("superzk:{a1}?amount=1&message=é"),
            UriError::BadCharacter {
                position: 8 + a1.len() + 18,
                found: 'é',
            },
        ),
        (
            format!("superzk:{a1}?amount=1&memo"),
            UriError::MalformedParam {
                position: 8 + a1.len() + 10,
            },
        ),
        (
            format!("superzk:{a1}?amount=1&=3"),
            UriError::MalformedParam {
                position: 8 + a1.len() + 10,
            },
        ),
        (
            format!("superzk:{a1}?amount.01=1"),
            UriError::BadIndex {
                param: "amount.01".into(),
            },
        ),
        (
            format!("superzk:{a1}?amount.10000=1"),
            UriError::BadIndex {
                param: "amount.10000".into(),
            },
        ),
        (
            format!("superzk:{a1}?amount.=1"),
            UriError::BadIndex {
                param: "amount.".into(),
            },
        ),
        (
            format!("superzk:{a1}?amount.x=1"),
            UriError::BadIndex {
                param: "amount.x".into(),
            },
        ),
        (
            format!("superzk:{a1}?amount=1&message=%zz"),
            UriError::PercentEncoding {
                param: "message".into(),
            },
        ),
        (
            format!("superzk:{a1}?amount=1&label=%ff"),
            UriError::PercentEncoding {
                param: "label".into(),
            },
        ),
        (
            format!("superzk:{a1}?amount=1&message=%4"),
            UriError::PercentEncoding {
                param: "message".into(),
            },
        ),
        (
            format!("superzk:{a1}?amount=1&req-expiry=9"),
            UriError::UnknownRequired {
                param: "req-expiry".into(),
            },
        ),
        (
            format!("superzk:{a1}?amount=1&amount=2"),
            UriError::Duplicate {
                param: "amount".into(),
                index: 0,
            },
        ),
        (
            format!("superzk:{a1}?address={a2}&amount=1"),
            UriError::Duplicate {
                param: "address".into(),
                index: 0,
            },
        ),
        (
            format!("superzk:{a1}?amount=1&amount.2=1"),
            UriError::MissingAddress { index: 2 },
        ),
        (
            "superzk:szk1qqqq?amount=1".into(),
            UriError::BadAddress {
                index: 0,
                reason: String::new(),
            },
        ),
        (
            format!("superzk:{a1}?asset=USD"),
            UriError::MissingAmount { index: 0 },
        ),
        (
            format!("superzk:{a1}?amount=0"),
            UriError::BadAmount {
                index: 0,
                reason: AmountError::Zero,
            },
        ),
        (
            format!("superzk:{a1}?amount=1.0000001"),
            UriError::BadAmount {
                index: 0,
                reason: AmountError::TooManyDecimals,
            },
        ),
        (
            format!("superzk:{a1}?amount=1&asset="),
            UriError::BadAsset { index: 0 },
        ),
        (
            format!("superzk:{a1}?amount=1&asset={}", "x".repeat(33)),
            UriError::BadAsset { index: 0 },
        ),
        (
            format!("superzk:{a1}?ticket=concert"),
            UriError::BadTicket {
                index: 0,
                reason: "",
            },
        ),
        (
            format!("superzk:{a1}?ticket=concert:abcd"),
            UriError::BadTicket {
                index: 0,
                reason: "",
            },
        ),
        (
            format!("superzk:{a1}?ticket=:{}", "00".repeat(32)),
            UriError::BadTicket {
                index: 0,
                reason: "",
            },
        ),
        (
            format!("superzk:{a1}?ticket=c:{}", "zz".repeat(32)),
            UriError::BadTicket {
                index: 0,
                reason: "",
            },
        ),
        (
            format!("superzk:{a1}?ticket=c:{}&amount=1", "00".repeat(32)),
            UriError::Conflict {
                index: 0,
                other: "an amount",
            },
        ),
        (
            format!("superzk:{a1}?ticket=c:{}&asset=USD", "00".repeat(32)),
            UriError::Conflict {
                index: 0,
                other: "an asset",
            },
        ),
        (
            format!("superzk:{a1}?amount=1&memo=aGVsbG8="),
            UriError::BadMemo { index: 0 },
        ),
        (
            format!("superzk:{a1}?amount=1&memo=a+b/"),
            UriError::BadMemo { index: 0 },
        ),
        (
            format!("superzk:{a1}?amount=1&memo={long_memo}"),
            UriError::MemoTooLong {
                index: 0,
                len: MEMO_LEN + 1,
            },
        ),
        ("superzk:".into(), UriError::NoPayment),
        ("superzk:?x=1".into(), UriError::NoPayment),
    ];
    for (uri, want) in cases {
        let got = parse(&uri).unwrap_err();
        // Reasons in free text are checked by kind only.
        let same = match (&got, &want) {
            (UriError::BadAddress { index: i, .. }, UriError::BadAddress { index: j, .. }) => {
                i == j
            }
            (UriError::BadTicket { index: i, .. }, UriError::BadTicket { index: j, .. }) => i == j,
            _ => got == want,
        };
        assert!(same, "{uri}: got {got:?}, want {want:?}");
        assert!(!got.to_string().is_empty());
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn what_a_uri_cannot_hold_is_refused_when_rendering() {
    let base = Payment::currency(addr(1), "SERO", 1);
    for (request, want) in [
        (TransactionRequest::default(), UriError::NoPayment),
        (
            one(Payment::of(
                addr(1),
                PaymentKind::PassPackage { package: 1 },
            )),
            UriError::Unrepresentable {
                index: 0,
                what: "a package to pass on",
            },
        ),
        (
            TransactionRequest {
                payments: vec![
                    base.clone(),
                    Payment::of(addr(1), PaymentKind::SealPackage { contents: vec![] }),
                ],
                ..Default::default()
            },
            UriError::Unrepresentable {
                index: 1,
                what: "a package to seal",
            },
        ),
        (
            TransactionRequest {
                payments: vec![base.clone()],
                open_packages: vec![1],
                ..Default::default()
            },
            UriError::NotPayments,
        ),
        (
            TransactionRequest {
                payments: vec![base.clone(); 10_001],
                ..Default::default()
            },
            UriError::TooManyPayments,
        ),
    ] {
        assert_eq!(render(&request), Err(want));
    }
}

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,20}", "[a-zA-Z0-9 %&=?#:+./-]{0,20}"]
}

fn arb_name() -> impl Strategy<Value = String> {
    arb_text().prop_filter("1 to 32 bytes", |s| (1..=32).contains(&s.len()))
}

fn arb_payment() -> impl Strategy<Value = Payment> {
    let kind = prop_oneof![
        (arb_name(), 1..u64::MAX).prop_map(|(name, amount)| PaymentKind::Currency { name, amount }),
        (1..u64::MAX).prop_map(|amount| PaymentKind::Currency {
            name: "SERO".into(),
            amount
        }),
        (arb_name(), any::<[u8; 32]>())
            .prop_map(|(category, id)| PaymentKind::Ticket(Ticket { category, id })),
    ];
    (
        0..4u8,
        kind,
        prop::collection::vec(any::<u8>(), 0..=MEMO_LEN),
        prop::option::of(arb_text()),
        prop::option::of(arb_text()),
    )
        .prop_map(|(to, kind, memo, label, message)| Payment {
            recipient: addr(to),
            kind,
            memo,
            label,
            message,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn render_then_parse_is_the_identity(payments in prop::collection::vec(arb_payment(), 1..5)) {
        let request = TransactionRequest { payments, ..Default::default() };
        let uri = render(&request).unwrap();
        prop_assert_eq!(parse(&uri).unwrap(), request);
    }

    #[test]
    fn amounts_round_trip(units in any::<u64>()) {
        prop_assert_eq!(parse_amount(&format_amount(units)), Ok(units));
    }

    #[test]
    fn random_text_never_panics(text in ".{0,200}", tail in "[a-z0-9.=&%?:-]{0,80}") {
        let _ = parse(&text);
        let _ = parse(&format!("superzk:{tail}"));
        let _ = parse(&format!("superzk:{}?{tail}", a(1)));
        let _ = parse_amount(&tail);
    }

    #[test]
    fn mutated_uris_never_panic(payments in prop::collection::vec(arb_payment(), 1..3), cuts in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let uri = render(&TransactionRequest { payments, ..Default::default() }).unwrap();
        let mut bytes = uri.into_bytes();
        for (i, b) in cuts {
            let i = i % bytes.len();
            bytes[i] = b;
        }
        let _ = parse(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn a_dapps_uri_becomes_a_proposal() {
    use superzk_circuits::asset::AssetInfo;
    use superzk_wallet::{
        fee::FeeRule,
        proposal::{propose, ProposalParams, Spendable},
        select::{NoteContent, SpendableNote},
    };
    let uri = format!(
        "superzk:{}?amount=2.5&memo=b3JkZXIgNDI&address.1={}&asset.1=USD&amount.1=1",
        a(1),
        a(2)
    );
    let request = parse(&uri).unwrap();
    let note = |id, name: &str, value| SpendableNote {
        id,
        height: 5,
        content: NoteContent::Note {
            asset: AssetInfo::currency(name),
            value,
        },
    };
    let spendable = Spendable {
        notes: vec![note(1, "SERO", 10_000_000), note(2, "USD", 3_000_000)],
        pending: vec![],
    };
    let p = propose(
        &spendable,
        &request,
        &FeeRule::standard(),
        &ProposalParams::at(9),
    )
    .unwrap();
    assert_eq!(p.payments, request.payments);
    assert_eq!(p.payments[0].memo, b"order 42");
    assert_eq!(p.notes, vec![2, 1]);
    // 2 spends, 2 payments, 2 change notes.
    assert_eq!(p.fee, 6 * FeeRule::standard().marginal_fee);
    assert!(p.to_string().contains("pay 2.5 SERO"));
}
