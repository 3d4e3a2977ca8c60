//! Note selection: which of the wallet's notes a transaction spends, what
//! change it returns, and its fee.
//!
//! Selection is pure: the wallet database hands it the notes it may spend
//! (already without spent notes and notes locked by pending transactions)
//! and what is pending, and gets back note ids. The same input always gives
//! the same selection.
//!
//! Per asset, the payments' total (less what opened packages bring) is
//! covered by the smallest single note that covers it when there is one,
//! else by notes largest first (fewest inputs). The native asset also pays
//! the fee, which grows with every input and output: native notes are added
//! until they cover payments plus the fee of the transaction as it then
//! stands, so the fee is at its fixpoint when selection ends.
//!
//! Dust: native change below the dust threshold is folded into the fee
//! rather than made a note (spending such a note later would cost more than
//! it holds, and selecting another input to grow it costs a marginal fee
//! too). Other assets cannot pay the fee, so their change is always
//! returned, however small.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use superzk_circuits::{
    asset::{AssetId, AssetInfo, Ticket, MAX_NAME_LEN},
    package::PACKAGE_SLOTS,
};
use superzk_keys::{address::PaymentAddress, note_plaintext::MEMO_LEN};
use superzk_verifier::transaction::MAX_ITEMS;

use crate::fee::{FeeError, FeeRule, TxShape};

/// What a spendable note holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteContent {
    /// A plain note of `value` units of `asset`.
    Note {
        /// Its asset.
        asset: AssetInfo,
        /// Its value in base units (1 for a ticket).
        value: u64,
    },
    /// A package: every non-empty slot as sealed.
    Package {
        /// Each slot's asset and value.
        contents: Vec<(AssetInfo, u64)>,
    },
}

/// A note or package the wallet may spend, as its database lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpendableNote {
    /// The wallet's id of the note (unique among those offered).
    pub id: i64,
    /// Height of the block that mined it.
    pub height: u64,
    /// What it holds.
    pub content: NoteContent,
}

/// What one payment sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentKind {
    /// `amount` base units of the currency `name`.
    Currency {
        /// The currency's name, e.g. `"SERO"`.
        name: String,
        /// Base units, more than zero.
        amount: u64,
    },
    /// A ticket the wallet holds, as its own note of value 1.
    Ticket(Ticket),
    /// A new package sealed from the wallet's notes.
    SealPackage {
        /// 1 to [`PACKAGE_SLOTS`] assets and amounts (tickets with value 1).
        contents: Vec<(AssetInfo, u64)>,
    },
    /// A package the wallet holds, passed on unchanged.
    PassPackage {
        /// The package's id in the wallet.
        package: i64,
    },
}

/// One payment: a recipient, what they get, and a memo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// Who is paid.
    pub recipient: PaymentAddress,
    /// What they are paid.
    pub kind: PaymentKind,
    /// Memo bytes, at most [`MEMO_LEN`] (zero-padded in the note).
    pub memo: Vec<u8>,
    /// A label for the recipient, for the payer's eyes (not sent).
    pub label: Option<String>,
    /// A message for the payer (not sent).
    pub message: Option<String>,
}

impl Payment {
    /// A payment of `amount` base units of currency `name`, without memo.
    pub fn currency(recipient: PaymentAddress, name: &str, amount: u64) -> Self {
        Self::of(
            recipient,
            PaymentKind::Currency {
                name: name.to_owned(),
                amount,
            },
        )
    }

    /// A payment of `kind`, without memo, label or message.
    pub fn of(recipient: PaymentAddress, kind: PaymentKind) -> Self {
        Self {
            recipient,
            kind,
            memo: vec![],
            label: None,
            message: None,
        }
    }
}

/// What a transaction should do: payments, and the wallet's own package
/// openings and ticket redemptions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransactionRequest {
    /// Payments, in order.
    pub payments: Vec<Payment>,
    /// Packages (wallet ids) to open: their contents return to the wallet.
    pub open_packages: Vec<i64>,
    /// Tickets to redeem (burn publicly).
    pub redeem_tickets: Vec<Ticket>,
}

/// How selection works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelectionRules {
    /// The fee rule.
    pub fee_rule: FeeRule,
    /// Native change below this is folded into the fee instead of made a note.
    pub dust_threshold: u64,
    /// Most plain notes one transaction spends (at most [`MAX_ITEMS`]).
    pub max_inputs: usize,
    /// Notes mined above this height are not spendable yet (pending).
    pub anchor_height: u64,
}

impl SelectionRules {
    /// The standard fee rule, a dust threshold of one marginal fee, and the
    /// prover's [`MAX_ITEMS`] inputs, for an anchor at `anchor_height`.
    pub fn standard(anchor_height: u64) -> Self {
        let fee_rule = FeeRule::standard();
        Self {
            fee_rule,
            dust_threshold: fee_rule.marginal_fee,
            max_inputs: MAX_ITEMS,
            anchor_height,
        }
    }
}

/// What selection chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// Plain notes to spend (wallet ids), in the order chosen.
    pub notes: Vec<i64>,
    /// Packages to spend: those passed on, in payment order, then those opened.
    pub packages: Vec<i64>,
    /// Change returned to the wallet, one note per asset, ordered by asset id.
    pub change: Vec<(AssetInfo, u64)>,
    /// The fee, in native base units.
    pub fee: u64,
    /// Native change below the dust threshold folded into the fee (part of
    /// `fee`).
    pub dust_folded: u64,
    /// The transaction's counts.
    pub shape: TxShape,
}

/// Why no selection satisfies a request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// Nothing to do.
    #[error("the request has no payment, package to open or ticket to redeem")]
    EmptyRequest,
    /// A payment of nothing.
    #[error("payment {payment} is of zero; give an amount above zero")]
    ZeroAmount {
        /// Index of the payment.
        payment: usize,
    },
    /// A currency name or ticket category that cannot be encoded.
    #[error(
        "payment {payment} names an asset of {len} bytes; names are 1 to {MAX_NAME_LEN} bytes"
    )]
    BadAssetName {
        /// Index of the payment.
        payment: usize,
        /// The name's length.
        len: usize,
    },
    /// A memo longer than a note holds.
    #[error("payment {payment} has a memo of {len} bytes; a memo holds at most {MEMO_LEN}")]
    MemoTooLong {
        /// Index of the payment.
        payment: usize,
        /// The memo's length.
        len: usize,
    },
    /// A package to seal that is empty, too big, or holds a ticket other
    /// than as value 1.
    #[error("payment {payment} seals {slots} slots ({reason}); a package holds 1 to {PACKAGE_SLOTS} non-zero amounts, tickets as 1")]
    BadPackage {
        /// Index of the payment.
        payment: usize,
        /// Slots asked for.
        slots: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The same note offered twice (a bug in the caller).
    #[error("note {id} is offered twice; list each spendable note once")]
    DuplicateNote {
        /// The note's id.
        id: i64,
    },
    /// Not enough of an asset.
    #[error("not enough {asset}: {needed} base units needed{fee_note}, {available} spendable, {missing} missing ({pending} more pending: wait for confirmations)", fee_note = if *.includes_fee { " (fee included)" } else { "" }, missing = .needed.saturating_sub(*.available))]
    InsufficientFunds {
        /// The asset.
        asset: String,
        /// What the transaction needs of it.
        needed: u64,
        /// Whether `needed` includes the fee.
        includes_fee: bool,
        /// What the wallet can spend now.
        available: u64,
        /// What the wallet has that is not yet spendable (unconfirmed or
        /// locked by a pending transaction).
        pending: u64,
    },
    /// A ticket the wallet does not hold.
    #[error("the wallet holds no spendable ticket {ticket}{}", if *.pending { " yet (it is pending: wait for confirmations)" } else { "" })]
    NoSuchTicket {
        /// The ticket.
        ticket: String,
        /// Whether it is pending.
        pending: bool,
    },
    /// A package id the wallet did not offer as spendable.
    #[error("the wallet holds no spendable package {id}; list its packages again")]
    NoSuchPackage {
        /// The id.
        id: i64,
    },
    /// A package passed on or opened twice.
    #[error("package {id} is used twice in one request")]
    PackageTwice {
        /// The id.
        id: i64,
    },
    /// More inputs than one transaction may spend.
    #[error("paying {asset} needs more than {max} notes; consolidate notes first (send a smaller amount to yourself) and try again")]
    TooManyInputs {
        /// The asset being gathered when the limit was hit.
        asset: String,
        /// The limit.
        max: usize,
    },
    /// More outputs than one transaction may create.
    #[error(
        "the request creates {outputs} outputs; at most {MAX_ITEMS} fit one transaction: split it"
    )]
    TooManyOutputs {
        /// Outputs it would create.
        outputs: usize,
    },
    /// Amounts that do not fit in 64 bits.
    #[error("the amounts asked for add up to more than 2^64 - 1 base units")]
    AmountOverflow,
    /// The fee does not fit in 64 bits.
    #[error(transparent)]
    Fee(#[from] FeeError),
}

impl SelectionError {
    /// For insufficient funds, how much is missing.
    pub fn missing(&self) -> Option<u64> {
        match self {
            SelectionError::InsufficientFunds {
                needed, available, ..
            } => Some(needed.saturating_sub(*available)),
            _ => None,
        }
    }
}

/// Per asset (by its id's bytes): the asset and an amount.
type Ledger = BTreeMap<[u8; 32], (AssetInfo, u128)>;

fn key(asset: &AssetInfo) -> [u8; 32] {
    asset.asset().to_bytes()
}

fn add(ledger: &mut Ledger, asset: &AssetInfo, amount: u64) {
    ledger.entry(key(asset)).or_insert((asset.clone(), 0)).1 += u128::from(amount);
}

fn get(ledger: &Ledger, k: &[u8; 32]) -> u128 {
    ledger.get(k).map_or(0, |(_, v)| *v)
}

/// A ticket is held only as a note of value exactly 1 (see
/// `crate::holds_as_ticket`): any other value is a forgery.
fn counts_as_held(asset: &AssetInfo, value: u64) -> bool {
    !matches!(asset, AssetInfo::Ticket(_)) || value == 1
}

fn name_len_ok(len: usize) -> bool {
    (1..=MAX_NAME_LEN).contains(&len)
}

/// What the request asks of the wallet's notes, before the fee.
#[derive(Default)]
struct Demand {
    /// Value leaving each asset: payments, sealed contents, redemptions.
    need: Ledger,
    /// Value that opened packages bring in.
    pool: Ledger,
    packages: Vec<i64>,
    shape: TxShape,
}

/// Checks one payment and records what it needs.
fn demand_payment(
    i: usize,
    p: &Payment,
    packages: &BTreeMap<i64, &Vec<(AssetInfo, u64)>>,
    d: &mut Demand,
) -> Result<(), SelectionError> {
    if p.memo.len() > MEMO_LEN {
        return Err(SelectionError::MemoTooLong {
            payment: i,
            len: p.memo.len(),
        });
    }
    match &p.kind {
        PaymentKind::Currency { name, amount } => {
            if !name_len_ok(name.len()) {
                return Err(SelectionError::BadAssetName {
                    payment: i,
                    len: name.len(),
                });
            }
            if *amount == 0 {
                return Err(SelectionError::ZeroAmount { payment: i });
            }
            add(&mut d.need, &AssetInfo::currency(name), *amount);
            d.shape.outputs += 1;
        }
        PaymentKind::Ticket(t) => {
            if !name_len_ok(t.category.len()) {
                return Err(SelectionError::BadAssetName {
                    payment: i,
                    len: t.category.len(),
                });
            }
            add(&mut d.need, &AssetInfo::Ticket(t.clone()), 1);
            d.shape.outputs += 1;
        }
        PaymentKind::SealPackage { contents } => {
            check_seal(i, contents)?;
            for (asset, value) in contents {
                add(&mut d.need, asset, *value);
            }
            d.shape.package_outputs += 1;
        }
        PaymentKind::PassPackage { package } => {
            use_package(*package, packages, d)?;
            d.shape.package_outputs += 1;
        }
    }
    Ok(())
}

fn check_seal(payment: usize, contents: &[(AssetInfo, u64)]) -> Result<(), SelectionError> {
    let bad = |reason| SelectionError::BadPackage {
        payment,
        slots: contents.len(),
        reason,
    };
    if contents.is_empty() || contents.len() > PACKAGE_SLOTS {
        return Err(bad("wrong number of slots"));
    }
    for (asset, value) in contents {
        let len = match asset {
            AssetInfo::Currency(n) => n.len(),
            AssetInfo::Ticket(t) => t.category.len(),
        };
        if !name_len_ok(len) {
            return Err(SelectionError::BadAssetName { payment, len });
        }
        if *value == 0 {
            return Err(bad("an amount of zero"));
        }
        if !counts_as_held(asset, *value) {
            return Err(bad("a ticket of value other than 1"));
        }
    }
    Ok(())
}

fn use_package(
    id: i64,
    packages: &BTreeMap<i64, &Vec<(AssetInfo, u64)>>,
    d: &mut Demand,
) -> Result<(), SelectionError> {
    if !packages.contains_key(&id) {
        return Err(SelectionError::NoSuchPackage { id });
    }
    if d.packages.contains(&id) {
        return Err(SelectionError::PackageTwice { id });
    }
    d.packages.push(id);
    d.shape.package_spends += 1;
    Ok(())
}

/// Everything the request asks for, checked.
fn demand(
    request: &TransactionRequest,
    packages: &BTreeMap<i64, &Vec<(AssetInfo, u64)>>,
) -> Result<Demand, SelectionError> {
    if request.payments.is_empty()
        && request.open_packages.is_empty()
        && request.redeem_tickets.is_empty()
    {
        return Err(SelectionError::EmptyRequest);
    }
    let mut d = Demand::default();
    for (i, p) in request.payments.iter().enumerate() {
        demand_payment(i, p, packages, &mut d)?;
    }
    for id in &request.open_packages {
        use_package(*id, packages, &mut d)?;
        for (asset, value) in packages[id].iter() {
            add(&mut d.pool, asset, *value);
        }
    }
    for t in &request.redeem_tickets {
        add(&mut d.need, &AssetInfo::Ticket(t.clone()), 1);
        d.shape.redemptions += 1;
    }
    Ok(d)
}

/// The plain notes of one asset that may be spent, ordered largest first
/// (then oldest, then by id), and the value of those not yet spendable.
struct Candidates<'a> {
    by_asset: BTreeMap<[u8; 32], Vec<&'a SpendableNote>>,
    pending: Ledger,
}

fn value_of(n: &SpendableNote) -> u64 {
    match &n.content {
        NoteContent::Note { value, .. } => *value,
        NoteContent::Package { .. } => 0,
    }
}

fn candidates<'a>(
    notes: &'a [SpendableNote],
    pending: &[(AssetInfo, u64)],
    anchor_height: u64,
) -> Result<Candidates<'a>, SelectionError> {
    let mut seen = BTreeSet::new();
    let mut c = Candidates {
        by_asset: BTreeMap::new(),
        pending: Ledger::new(),
    };
    for (asset, value) in pending {
        add(&mut c.pending, asset, *value);
    }
    // An asset id is a Poseidon hash: computed once per asset, not per note.
    let mut ids: HashMap<&AssetInfo, [u8; 32]> = HashMap::new();
    for n in notes {
        if !seen.insert(n.id) {
            return Err(SelectionError::DuplicateNote { id: n.id });
        }
        let NoteContent::Note { asset, value } = &n.content else {
            continue;
        };
        if *value == 0 || !counts_as_held(asset, *value) {
            continue;
        }
        let k = *ids.entry(asset).or_insert_with(|| key(asset));
        if n.height > anchor_height {
            let entry = c.pending.entry(k).or_insert((asset.clone(), 0));
            entry.1 += u128::from(*value);
        } else {
            c.by_asset.entry(k).or_default().push(n);
        }
    }
    for list in c.by_asset.values_mut() {
        list.sort_by_key(|n| (std::cmp::Reverse(value_of(n)), n.height, n.id));
    }
    Ok(c)
}

/// Chooses notes from `list` (largest first) worth at least `target`: the
/// smallest single note that does, else the largest ones.
fn cover<'a>(list: &[&'a SpendableNote], target: u128) -> Option<Vec<&'a SpendableNote>> {
    if target == 0 {
        return Some(vec![]);
    }
    let covering = list.iter().filter(|n| u128::from(value_of(n)) >= target);
    if let Some(n) = covering.min_by_key(|n| (value_of(n), n.height, n.id)) {
        return Some(vec![*n]);
    }
    let mut sum = 0u128;
    let mut chosen = vec![];
    for n in list {
        chosen.push(*n);
        sum += u128::from(value_of(n));
        if sum >= target {
            return Some(chosen);
        }
    }
    None
}

/// The state selection builds up.
struct Chosen {
    notes: Vec<i64>,
    change: Vec<(AssetInfo, u64)>,
}

fn insufficient(
    asset: &AssetInfo,
    needed: u128,
    available: u128,
    pending: u128,
    includes_fee: bool,
) -> SelectionError {
    let clamp = |v: u128| u64::try_from(v).unwrap_or(u64::MAX);
    match asset {
        AssetInfo::Ticket(t) if !includes_fee => SelectionError::NoSuchTicket {
            ticket: AssetInfo::Ticket(t.clone()).to_string(),
            pending: pending > 0,
        },
        _ => SelectionError::InsufficientFunds {
            asset: asset.to_string(),
            needed: clamp(needed),
            includes_fee,
            available: clamp(available),
            pending: clamp(pending),
        },
    }
}

/// Selects the notes of every asset but the native one, whose change is
/// fixed by the payments alone.
fn select_others(
    d: &Demand,
    c: &Candidates,
    rules: &SelectionRules,
    chosen: &mut Chosen,
) -> Result<(), SelectionError> {
    let native = AssetId::native().to_bytes();
    let keys: BTreeSet<[u8; 32]> = d.need.keys().chain(d.pool.keys()).copied().collect();
    for k in keys.into_iter().filter(|k| *k != native) {
        let asset = d.need.get(&k).or(d.pool.get(&k)).map(|(a, _)| a).cloned();
        let asset = asset.expect("key from one of the ledgers");
        let (need, pool) = (get(&d.need, &k), get(&d.pool, &k));
        let list = c.by_asset.get(&k).map_or(&[][..], |v| &v[..]);
        let ids = cover(list, need.saturating_sub(pool)).ok_or_else(|| {
            let available: u128 = list.iter().map(|n| u128::from(value_of(n))).sum();
            insufficient(&asset, need, available + pool, get(&c.pending, &k), false)
        })?;
        let gathered = push_inputs(chosen, &asset, &ids, rules)?;
        let change = gathered + pool - need;
        if change > 0 {
            let change = u64::try_from(change).map_err(|_| SelectionError::AmountOverflow)?;
            chosen.change.push((asset, change));
        }
    }
    Ok(())
}

/// Records `inputs` as spent, within the input limit; returns their value.
fn push_inputs(
    chosen: &mut Chosen,
    asset: &AssetInfo,
    inputs: &[&SpendableNote],
    rules: &SelectionRules,
) -> Result<u128, SelectionError> {
    if chosen.notes.len() + inputs.len() > rules.max_inputs.min(MAX_ITEMS) {
        return Err(SelectionError::TooManyInputs {
            asset: asset.to_string(),
            max: rules.max_inputs.min(MAX_ITEMS),
        });
    }
    chosen.notes.extend(inputs.iter().map(|n| n.id));
    Ok(inputs.iter().map(|n| u128::from(value_of(n))).sum())
}

/// Selects native notes for the native payments and the fee, and settles
/// the fee and native change. `base` counts every action but native inputs
/// and native change.
fn select_native(
    d: &Demand,
    c: &Candidates,
    rules: &SelectionRules,
    base: u64,
    chosen: &mut Chosen,
) -> Result<(u64, u64), SelectionError> {
    let k = AssetId::native().to_bytes();
    let native = AssetInfo::native();
    let (need, pool) = (get(&d.need, &k), get(&d.pool, &k));
    let list = c.by_asset.get(&k).map_or(&[][..], |v| &v[..]);
    let rule = &rules.fee_rule;
    let fee_with = |inputs: usize, change: u64| rule.fee_for_actions(base + inputs as u64 + change);
    // The fixpoint: with `n` inputs the target is payments plus the fee of
    // `n` inputs; try one covering note, else add notes largest first.
    let one = need + u128::from(fee_with(1, 0)?);
    let mut ids: Vec<&SpendableNote> = vec![];
    if need + u128::from(fee_with(0, 0)?) > pool {
        ids = match cover(list, one.saturating_sub(pool)) {
            Some(single) if single.len() == 1 => single,
            _ => largest_first(list, need, pool, &fee_with).ok_or_else(|| {
                let all: u128 = list.iter().map(|n| u128::from(value_of(n))).sum();
                let fee = fee_with(list.len(), 0).map(u128::from).unwrap_or(u128::MAX);
                insufficient(&native, need + fee, all + pool, get(&c.pending, &k), true)
            })?,
        };
    }
    let gathered = push_inputs(chosen, &native, &ids, rules)?;
    let excess = gathered + pool - need;
    let fee_change = u128::from(fee_with(ids.len(), 1)?);
    let change = excess.saturating_sub(fee_change);
    if change > 0 && change >= u128::from(rules.dust_threshold) {
        let change = u64::try_from(change).map_err(|_| SelectionError::AmountOverflow)?;
        chosen.change.push((native, change));
        return Ok((fee_change as u64, 0));
    }
    let fee = u64::try_from(excess).map_err(|_| SelectionError::AmountOverflow)?;
    Ok((fee, fee - fee_with(ids.len(), 0)?))
}

/// Notes largest first until they cover `need` and the fee of as many
/// inputs; `None` if all of them do not.
fn largest_first<'a>(
    list: &[&'a SpendableNote],
    need: u128,
    pool: u128,
    fee_with: &dyn Fn(usize, u64) -> Result<u64, FeeError>,
) -> Option<Vec<&'a SpendableNote>> {
    let mut sum = pool;
    let mut ids = vec![];
    for n in list {
        ids.push(*n);
        sum += u128::from(value_of(n));
        if sum >= need + u128::from(fee_with(ids.len(), 0).ok()?) {
            return Some(ids);
        }
    }
    None
}

/// Selects the notes that pay `request` from `notes` (what the wallet may
/// spend; `pending` is what it holds but may not spend yet, reported in
/// errors), under `rules`.
pub fn select(
    notes: &[SpendableNote],
    pending: &[(AssetInfo, u64)],
    request: &TransactionRequest,
    rules: &SelectionRules,
) -> Result<Selection, SelectionError> {
    let c = candidates(notes, pending, rules.anchor_height)?;
    let packages: BTreeMap<i64, &Vec<(AssetInfo, u64)>> = notes
        .iter()
        .filter(|n| n.height <= rules.anchor_height)
        .filter_map(|n| match &n.content {
            NoteContent::Package { contents } => Some((n.id, contents)),
            NoteContent::Note { .. } => None,
        })
        .collect();
    let d = demand(request, &packages)?;
    if d.need
        .values()
        .chain(d.pool.values())
        .any(|(_, v)| *v > u128::from(u64::MAX))
    {
        return Err(SelectionError::AmountOverflow);
    }
    let mut chosen = Chosen {
        notes: vec![],
        change: vec![],
    };
    select_others(&d, &c, rules, &mut chosen)?;
    let base = d.shape.actions() + (chosen.notes.len() + chosen.change.len()) as u64;
    let (fee, dust_folded) = select_native(&d, &c, rules, base, &mut chosen)?;
    chosen.change.sort_by_key(|(asset, _)| key(asset));
    let shape = TxShape {
        spends: chosen.notes.len(),
        outputs: d.shape.outputs + chosen.change.len(),
        ..d.shape
    };
    if shape.outputs.max(shape.package_outputs) > MAX_ITEMS {
        return Err(SelectionError::TooManyOutputs {
            outputs: shape.outputs,
        });
    }
    Ok(Selection {
        notes: chosen.notes,
        packages: d.packages,
        change: chosen.change,
        fee,
        dust_folded,
        shape,
    })
}
