//! Proposals: what a transaction will do, decided before anything is
//! proven or signed.
//!
//! [`propose`] turns a request (payments, package openings, redemptions)
//! and the wallet's spendable notes into a [`Proposal`]: the notes it
//! spends, its change, its fee, and the heights it is made for. A proposal
//! holds no key and no witness; a wallet shows it to the user
//! ([`Display`](std::fmt::Display)), stores it, or hands it to the prover as
//! JSON ([`Proposal::to_json`], versioned by [`PROPOSAL_FORMAT`]).

use serde::{Deserialize, Serialize};
use superzk_circuits::asset::{AssetInfo, Ticket, MAX_NAME_LEN};
use superzk_keys::{address::PaymentAddress, note_plaintext::MEMO_LEN};
use superzk_verifier::transaction::MAX_ITEMS;

use crate::{
    fee::{FeeRule, TxShape},
    select::{
        select, Payment, PaymentKind, SelectionError, SelectionRules, SpendableNote,
        TransactionRequest,
    },
    uri::format_amount,
};

/// The proposal format this build writes and reads.
pub const PROPOSAL_FORMAT: u32 = 1;
/// Blocks after the tip a proposal expires at, unless set otherwise.
pub const DEFAULT_EXPIRY_DELTA: u64 = 40;
/// Largest proposal JSON read, in bytes (a full proposal is far smaller).
pub const MAX_PROPOSAL_JSON: usize = 16 << 20;

/// What the wallet may spend, as its database lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spendable {
    /// Unspent notes and packages not locked by a pending transaction.
    pub notes: Vec<SpendableNote>,
    /// Value held but not spendable yet (locked by pending transactions or
    /// awaiting confirmations), per asset: reported when funds fall short.
    pub pending: Vec<(AssetInfo, u64)>,
}

/// Where and how a proposal is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProposalParams {
    /// Height of the chain's tip the wallet is synced to.
    pub tip_height: u64,
    /// Confirmations a note needs to be spent (at least 1: mined).
    pub min_confirmations: u64,
    /// Blocks after the tip the transaction may still be mined in.
    pub expiry_delta: u64,
    /// Native change below this is folded into the fee.
    pub dust_threshold: u64,
    /// Most notes one transaction spends.
    pub max_inputs: usize,
}

impl ProposalParams {
    /// Defaults at `tip_height`: 1 confirmation, [`DEFAULT_EXPIRY_DELTA`],
    /// a dust threshold of the standard marginal fee, [`MAX_ITEMS`] inputs.
    pub fn at(tip_height: u64) -> Self {
        Self {
            tip_height,
            min_confirmations: 1,
            expiry_delta: DEFAULT_EXPIRY_DELTA,
            dust_threshold: FeeRule::standard().marginal_fee,
            max_inputs: MAX_ITEMS,
        }
    }
}

/// Why no proposal could be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProposalError {
    /// The notes cannot pay the request.
    #[error(transparent)]
    Selection(#[from] SelectionError),
    /// Parameters that make no transaction.
    #[error("invalid proposal parameters: {0}")]
    Params(&'static str),
}

/// Why a stored proposal was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProposalFormatError {
    /// Not JSON, or not a proposal.
    #[error("not a proposal ({0}); pass the file `propose` wrote")]
    Malformed(String),
    /// Larger than any proposal.
    #[error("{0} bytes is larger than any proposal ({MAX_PROPOSAL_JSON} at most)")]
    TooLarge(usize),
    /// No format field.
    #[error("the proposal has no format version; it was not written by this wallet")]
    MissingFormat,
    /// A format this build does not know.
    #[error("proposal format {found} is not supported (this build reads format {PROPOSAL_FORMAT}); propose again with this wallet")]
    UnknownFormat {
        /// The format found.
        found: u64,
    },
    /// A field that is well-formed JSON but not a valid value.
    #[error("the proposal's {field} is invalid: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// A transaction, decided: payments, inputs, change and fee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The height of the block it is made for (the tip's successor).
    pub target_height: u64,
    /// Notes are spent against the tree at this height.
    pub anchor_height: u64,
    /// The last height at which it may be mined; its notes are released
    /// when the chain passes it unmined.
    pub expiry_height: u64,
    /// The payments, in request order.
    pub payments: Vec<Payment>,
    /// Packages opened into the wallet.
    pub open_packages: Vec<i64>,
    /// Tickets redeemed.
    pub redeem_tickets: Vec<Ticket>,
    /// Plain notes spent (wallet ids).
    pub notes: Vec<i64>,
    /// Packages spent (wallet ids): passed on, then opened.
    pub packages: Vec<i64>,
    /// Change to the wallet, per asset.
    pub change: Vec<(AssetInfo, u64)>,
    /// The fee, in native base units.
    pub fee: u64,
    /// Native dust folded into the fee (part of `fee`).
    pub dust_folded: u64,
    /// The rule the fee follows.
    pub fee_rule: FeeRule,
    /// The transaction's counts.
    pub shape: TxShape,
}

/// Proposes a transaction paying `request` from `spendable`, under
/// `fee_rule`, at the heights `params` give. Pure: no state changes; the
/// caller marks the chosen notes pending when it keeps the proposal.
pub fn propose(
    spendable: &Spendable,
    request: &TransactionRequest,
    fee_rule: &FeeRule,
    params: &ProposalParams,
) -> Result<Proposal, ProposalError> {
    if params.min_confirmations == 0 {
        return Err(ProposalError::Params(
            "min_confirmations must be at least 1 (a note must be mined to be spent)",
        ));
    }
    if params.expiry_delta == 0 {
        return Err(ProposalError::Params(
            "expiry_delta must be at least 1 (the transaction must have a block to be mined in)",
        ));
    }
    let target_height = params
        .tip_height
        .checked_add(params.expiry_delta)
        .map(|_| params.tip_height + 1)
        .ok_or(ProposalError::Params("the tip height is too large"))?;
    let anchor_height = target_height.saturating_sub(params.min_confirmations);
    let rules = SelectionRules {
        fee_rule: *fee_rule,
        dust_threshold: params.dust_threshold,
        max_inputs: params.max_inputs,
        anchor_height,
    };
    let s = select(&spendable.notes, &spendable.pending, request, &rules)?;
    Ok(Proposal {
        target_height,
        anchor_height,
        expiry_height: params.tip_height + params.expiry_delta,
        payments: request.payments.clone(),
        open_packages: request.open_packages.clone(),
        redeem_tickets: request.redeem_tickets.clone(),
        notes: s.notes,
        packages: s.packages,
        change: s.change,
        fee: s.fee,
        dust_folded: s.dust_folded,
        fee_rule: *fee_rule,
        shape: s.shape,
    })
}

impl Proposal {
    /// The request it pays.
    pub fn request(&self) -> TransactionRequest {
        TransactionRequest {
            payments: self.payments.clone(),
            open_packages: self.open_packages.clone(),
            redeem_tickets: self.redeem_tickets.clone(),
        }
    }

    /// Whether a chain whose next block is at `height` may no longer mine it.
    pub fn is_expired_at(&self, height: u64) -> bool {
        height > self.expiry_height
    }

    /// The JSON form, with `"format": PROPOSAL_FORMAT`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&wire::Proposal::from(self)).expect("plain data serializes")
    }

    /// Reads the JSON form, refusing other formats and invalid values.
    pub fn from_json(text: &str) -> Result<Self, ProposalFormatError> {
        if text.len() > MAX_PROPOSAL_JSON {
            return Err(ProposalFormatError::TooLarge(text.len()));
        }
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ProposalFormatError::Malformed(e.to_string()))?;
        match value.get("format") {
            None => return Err(ProposalFormatError::MissingFormat),
            Some(v) => match v.as_u64() {
                Some(f) if f == u64::from(PROPOSAL_FORMAT) => {}
                Some(found) => return Err(ProposalFormatError::UnknownFormat { found }),
                None => {
                    return Err(ProposalFormatError::Malformed(format!(
                        "the format is {v}, not a number"
                    )))
                }
            },
        }
        let w: wire::Proposal = serde_json::from_value(value)
            .map_err(|e| ProposalFormatError::Malformed(e.to_string()))?;
        w.try_into()
    }
}

fn short_address(a: &PaymentAddress) -> String {
    let s = a.encode();
    format!("{}…{}", &s[..10], &s[s.len() - 6..])
}

fn memo_text(memo: &[u8]) -> String {
    match std::str::from_utf8(memo) {
        Ok(t) if !t.chars().any(char::is_control) => format!("{t:?}"),
        _ => format!("{} bytes", memo.len()),
    }
}

fn asset_amount(asset: &AssetInfo, value: u64) -> String {
    match asset {
        AssetInfo::Currency(name) => format!("{} {name}", format_amount(value)),
        AssetInfo::Ticket(_) => asset.to_string(),
    }
}

fn contents_text(contents: &[(AssetInfo, u64)]) -> String {
    let parts: Vec<String> = contents.iter().map(|(a, v)| asset_amount(a, *v)).collect();
    parts.join(", ")
}

impl std::fmt::Display for Payment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let to = short_address(&self.recipient);
        match &self.kind {
            PaymentKind::Currency { name, amount } => {
                write!(f, "pay {} {name} to {to}", format_amount(*amount))?
            }
            PaymentKind::Ticket(t) => write!(f, "send {} to {to}", AssetInfo::Ticket(t.clone()))?,
            PaymentKind::SealPackage { contents } => {
                write!(f, "seal a package of {} for {to}", contents_text(contents))?
            }
            PaymentKind::PassPackage { package } => {
                write!(f, "pass package #{package} on to {to}")?
            }
        }
        if let Some(label) = &self.label {
            write!(f, " ({label:?})")?;
        }
        if !self.memo.is_empty() {
            write!(f, ", memo {}", memo_text(&self.memo))?;
        }
        if let Some(message) = &self.message {
            write!(f, ", message {message:?}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Proposal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Transaction for block {} (anchor {}), valid until block {}",
            self.target_height, self.anchor_height, self.expiry_height
        )?;
        for (i, p) in self.payments.iter().enumerate() {
            writeln!(f, "  {}. {p}", i + 1)?;
        }
        for id in &self.open_packages {
            writeln!(f, "  open package #{id} into this wallet")?;
        }
        for t in &self.redeem_tickets {
            writeln!(f, "  redeem {}", AssetInfo::Ticket(t.clone()))?;
        }
        writeln!(
            f,
            "  spends {} note(s) and {} package(s)",
            self.notes.len(),
            self.packages.len()
        )?;
        if !self.change.is_empty() {
            writeln!(f, "  change back: {}", contents_text(&self.change))?;
        }
        write!(
            f,
            "  fee: {} {} ({} actions, {} per action",
            format_amount(self.fee),
            superzk_circuits::NATIVE_ASSET,
            self.shape.actions().max(self.fee_rule.grace_actions),
            format_amount(self.fee_rule.marginal_fee)
        )?;
        if self.dust_folded > 0 {
            write!(
                f,
                ", plus {} of change too small to keep",
                format_amount(self.dust_folded)
            )?;
        }
        write!(f, ")")
    }
}

/// The JSON form: plain strings and numbers, every field named.
mod wire {
    use super::*;

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "snake_case")]
    pub(super) enum Asset {
        Currency(String),
        Ticket { category: String, id: String },
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Amount {
        asset: Asset,
        amount: u64,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "snake_case")]
    pub(super) enum Kind {
        Currency { name: String, amount: u64 },
        Ticket { category: String, id: String },
        SealPackage { contents: Vec<Amount> },
        PassPackage { package: i64 },
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Payment {
        recipient: String,
        what: Kind,
        /// Hex.
        memo: String,
        label: Option<String>,
        message: Option<String>,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Proposal {
        format: u32,
        target_height: u64,
        anchor_height: u64,
        expiry_height: u64,
        payments: Vec<Payment>,
        open_packages: Vec<i64>,
        redeem_tickets: Vec<Asset>,
        notes: Vec<i64>,
        packages: Vec<i64>,
        change: Vec<Amount>,
        fee: u64,
        dust_folded: u64,
        fee_rule: FeeRule,
        shape: TxShape,
    }

    fn invalid(field: &'static str, reason: impl ToString) -> ProposalFormatError {
        ProposalFormatError::Invalid {
            field,
            reason: reason.to_string(),
        }
    }

    fn asset(a: &AssetInfo) -> Asset {
        match a {
            AssetInfo::Currency(n) => Asset::Currency(n.clone()),
            AssetInfo::Ticket(t) => Asset::Ticket {
                category: t.category.clone(),
                id: hex::encode(t.id),
            },
        }
    }

    fn name(field: &'static str, n: String) -> Result<String, ProposalFormatError> {
        if n.is_empty() || n.len() > MAX_NAME_LEN {
            return Err(invalid(field, format!("a name of {} bytes", n.len())));
        }
        Ok(n)
    }

    fn ticket(
        field: &'static str,
        category: String,
        id: &str,
    ) -> Result<Ticket, ProposalFormatError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(id, &mut bytes).map_err(|e| invalid(field, e))?;
        Ok(Ticket {
            category: name(field, category)?,
            id: bytes,
        })
    }

    fn asset_info(field: &'static str, a: Asset) -> Result<AssetInfo, ProposalFormatError> {
        Ok(match a {
            Asset::Currency(n) => AssetInfo::Currency(name(field, n)?),
            Asset::Ticket { category, id } => AssetInfo::Ticket(ticket(field, category, &id)?),
        })
    }

    fn amounts(v: &[(AssetInfo, u64)]) -> Vec<Amount> {
        v.iter()
            .map(|(a, amount)| Amount {
                asset: asset(a),
                amount: *amount,
            })
            .collect()
    }

    fn from_amounts(
        field: &'static str,
        v: Vec<Amount>,
    ) -> Result<Vec<(AssetInfo, u64)>, ProposalFormatError> {
        v.into_iter()
            .map(|a| Ok((asset_info(field, a.asset)?, a.amount)))
            .collect()
    }

    impl From<&super::Payment> for Payment {
        fn from(p: &super::Payment) -> Self {
            let what = match &p.kind {
                PaymentKind::Currency { name, amount } => Kind::Currency {
                    name: name.clone(),
                    amount: *amount,
                },
                PaymentKind::Ticket(t) => Kind::Ticket {
                    category: t.category.clone(),
                    id: hex::encode(t.id),
                },
                PaymentKind::SealPackage { contents } => Kind::SealPackage {
                    contents: amounts(contents),
                },
                PaymentKind::PassPackage { package } => Kind::PassPackage { package: *package },
            };
            Payment {
                recipient: p.recipient.encode(),
                what,
                memo: hex::encode(&p.memo),
                label: p.label.clone(),
                message: p.message.clone(),
            }
        }
    }

    impl TryFrom<Payment> for super::Payment {
        type Error = ProposalFormatError;
        fn try_from(p: Payment) -> Result<Self, Self::Error> {
            let recipient = PaymentAddress::decode(&p.recipient)
                .map_err(|e| invalid("payment recipient", e))?;
            let memo = hex::decode(&p.memo).map_err(|e| invalid("payment memo", e))?;
            if memo.len() > MEMO_LEN {
                return Err(invalid(
                    "payment memo",
                    format!("{} bytes, at most {MEMO_LEN}", memo.len()),
                ));
            }
            let kind = match p.what {
                Kind::Currency { name: n, amount } => PaymentKind::Currency {
                    name: name("payment asset", n)?,
                    amount,
                },
                Kind::Ticket { category, id } => {
                    PaymentKind::Ticket(ticket("payment ticket", category, &id)?)
                }
                Kind::SealPackage { contents } => PaymentKind::SealPackage {
                    contents: from_amounts("package contents", contents)?,
                },
                Kind::PassPackage { package } => PaymentKind::PassPackage { package },
            };
            Ok(super::Payment {
                recipient,
                kind,
                memo,
                label: p.label,
                message: p.message,
            })
        }
    }

    impl From<&super::Proposal> for Proposal {
        fn from(p: &super::Proposal) -> Self {
            Proposal {
                format: PROPOSAL_FORMAT,
                target_height: p.target_height,
                anchor_height: p.anchor_height,
                expiry_height: p.expiry_height,
                payments: p.payments.iter().map(Payment::from).collect(),
                open_packages: p.open_packages.clone(),
                redeem_tickets: p
                    .redeem_tickets
                    .iter()
                    .map(|t| asset(&AssetInfo::Ticket(t.clone())))
                    .collect(),
                notes: p.notes.clone(),
                packages: p.packages.clone(),
                change: amounts(&p.change),
                fee: p.fee,
                dust_folded: p.dust_folded,
                fee_rule: p.fee_rule,
                shape: p.shape,
            }
        }
    }

    impl TryFrom<Proposal> for super::Proposal {
        type Error = ProposalFormatError;
        fn try_from(w: Proposal) -> Result<Self, Self::Error> {
            if w.anchor_height >= w.target_height || w.expiry_height < w.target_height {
                return Err(invalid(
                    "heights",
                    "the anchor must be below the target height, the expiry at or above it",
                ));
            }
            let rule_fee = w.fee_rule.fee(&w.shape).map_err(|e| invalid("fee", e))?;
            if w.fee.checked_sub(rule_fee) != Some(w.dust_folded) {
                return Err(invalid(
                    "fee",
                    format!(
                        "{} is not the rule's {rule_fee} plus the dust folded",
                        w.fee
                    ),
                ));
            }
            let redeem_tickets = w
                .redeem_tickets
                .into_iter()
                .map(|a| match asset_info("redeemed ticket", a)? {
                    AssetInfo::Ticket(t) => Ok(t),
                    AssetInfo::Currency(_) => Err(invalid("redeemed ticket", "a currency")),
                })
                .collect::<Result<_, _>>()?;
            let p = super::Proposal {
                target_height: w.target_height,
                anchor_height: w.anchor_height,
                expiry_height: w.expiry_height,
                payments: w
                    .payments
                    .into_iter()
                    .map(super::Payment::try_from)
                    .collect::<Result<_, _>>()?,
                open_packages: w.open_packages,
                redeem_tickets,
                notes: w.notes,
                packages: w.packages,
                change: from_amounts("change", w.change)?,
                fee: w.fee,
                dust_folded: w.dust_folded,
                fee_rule: w.fee_rule,
                shape: w.shape,
            };
            if counted_shape(&p) != p.shape {
                return Err(invalid(
                    "shape",
                    "its counts are not the proposal's notes, packages, payments and change",
                ));
            }
            Ok(p)
        }
    }

    /// The counts a proposal's own lists give.
    fn counted_shape(p: &super::Proposal) -> TxShape {
        let packaged = p
            .payments
            .iter()
            .filter(|x| {
                matches!(
                    x.kind,
                    PaymentKind::SealPackage { .. } | PaymentKind::PassPackage { .. }
                )
            })
            .count();
        TxShape {
            spends: p.notes.len(),
            outputs: p.payments.len() - packaged + p.change.len(),
            package_spends: p.packages.len(),
            package_outputs: packaged,
            balances: 0,
            issuances: 0,
            redemptions: p.redeem_tickets.len(),
        }
    }
}
