//! What a wallet shows its user before signing.

use std::fmt;

use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::AssetId,
    note_kind::NoteKind,
};
use superzk_keys::address::PaymentAddress;
use superzk_verifier::transaction::AccountId;

use super::{Payload, Pczt, SpendEntry, Stage};

/// One spent note or package: what it brings in.
#[derive(Clone, Debug, PartialEq)]
pub struct SpendSummary {
    /// Whether it is a package.
    pub package: bool,
    /// The assets and values it holds (one entry for a note).
    pub contents: Vec<(AssetId, u64)>,
}

/// One output: who receives what.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputSummary {
    /// Whether it is a package.
    pub package: bool,
    /// The recipient.
    pub to: PaymentAddress,
    /// The assets and values (one entry for a note; a package's non-empty slots).
    pub contents: Vec<(AssetInfo, u64)>,
    /// The memo, trailing zero bytes cut.
    pub memo: Vec<u8>,
    /// Whether the sender can read the output back with its viewing key.
    pub sender_keeps_copy: bool,
}

/// Everything a partially built transaction does, for a wallet to show
/// before it signs ([`Pczt::summary`]). Its `Display` is a readable list.
#[derive(Clone, Debug, PartialEq)]
pub struct PcztSummary {
    /// How far the transaction has come.
    pub stage: Stage,
    /// The chain it is for (genesis block hash).
    pub chain_id: [u8; 32],
    /// Last height it may be included at (0: never expires).
    pub expiry_height: u64,
    /// The fee, in the native asset.
    pub fee: u64,
    /// The transparent account paying, receiving or issuing, if any.
    pub public_account: Option<AccountId>,
    /// Net public value leaving the pool per asset (negative: entering).
    pub public_balances: Vec<(AssetId, i64)>,
    /// The notes and packages spent.
    pub spends: Vec<SpendSummary>,
    /// The notes and packages created.
    pub outputs: Vec<OutputSummary>,
    /// Tickets issued (by the public account).
    pub issued: Vec<Ticket>,
    /// Tickets redeemed.
    pub redeemed: Vec<Ticket>,
}

fn spend_summaries<N: NoteKind>(
    entries: &[SpendEntry<N>],
    package: bool,
    contents: impl Fn(&N) -> Vec<(AssetId, u64)>,
) -> Vec<SpendSummary> {
    entries
        .iter()
        .map(|e| SpendSummary {
            package,
            contents: contents(&e.note),
        })
        .collect()
}

impl Pczt {
    /// What this transaction does: spends, outputs, fee, expiry, public
    /// value and tickets, as the signer must see them. After
    /// [`Pczt::prove`] the authorize step checks the proven transaction
    /// against exactly these contents.
    pub fn summary(&self) -> PcztSummary {
        let mut spends = spend_summaries(&self.spends, false, |n| vec![(n.asset, n.value)]);
        spends.extend(spend_summaries(&self.package_spends, true, |p| {
            p.contents.iter().filter(|(_, v)| *v > 0).copied().collect()
        }));
        let outputs = self
            .outputs
            .iter()
            .chain(&self.package_outputs)
            .map(|o| OutputSummary {
                package: matches!(o.payload, Payload::Package { .. }),
                to: o.to,
                contents: match &o.payload {
                    Payload::Note { info, value } => vec![(info.clone(), *value)],
                    Payload::Package { contents, .. } => {
                        contents.iter().filter(|(_, v)| *v > 0).cloned().collect()
                    }
                },
                memo: {
                    let end = o.memo.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
                    o.memo[..end].to_vec()
                },
                sender_keeps_copy: o.sender_keeps,
            })
            .collect();
        let h = &self.header;
        PcztSummary {
            stage: self.stage,
            chain_id: h.chain_id,
            expiry_height: h.expiry_height,
            fee: h.fee,
            public_account: h.public_account,
            public_balances: h.balances.clone(),
            spends,
            outputs,
            issued: h
                .public_account
                .map(|a| {
                    h.issuances
                        .iter()
                        .filter_map(|i| i.ticket(&a).ok())
                        .collect()
                })
                .unwrap_or_default(),
            redeemed: h.redemptions.clone(),
        }
    }
}

impl PcztSummary {
    /// A readable name of `asset`: the name an output gives it, or its hex.
    fn asset_name(&self, asset: &AssetId) -> String {
        let named = self
            .outputs
            .iter()
            .flat_map(|o| &o.contents)
            .map(|(info, _)| info.clone())
            .chain([AssetInfo::native()])
            .chain(
                self.issued
                    .iter()
                    .chain(&self.redeemed)
                    .map(|t| AssetInfo::Ticket(t.clone())),
            )
            .find(|info| info.asset() == *asset);
        match named {
            Some(info) => info.to_string(),
            None => format!("asset {}", hex::encode(asset.to_bytes())),
        }
    }
}

impl fmt::Display for PcztSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "stage: {}", self.stage)?;
        writeln!(f, "chain: {}", hex::encode(self.chain_id))?;
        match self.expiry_height {
            0 => writeln!(f, "expiry: never")?,
            h => writeln!(f, "expiry: after height {h}")?,
        }
        writeln!(f, "fee: {} {}", self.fee, AssetInfo::native())?;
        if let Some(a) = &self.public_account {
            writeln!(f, "public account: {}", hex::encode(a))?;
        }
        for (asset, amount) in &self.public_balances {
            let name = self.asset_name(asset);
            match *amount < 0 {
                true => writeln!(f, "public in: {} {name}", amount.unsigned_abs())?,
                false => writeln!(f, "public out: {amount} {name}")?,
            }
        }
        for (i, s) in self.spends.iter().enumerate() {
            let kind = if s.package { "package spend" } else { "spend" };
            write!(f, "{kind} {i}:")?;
            for (asset, value) in &s.contents {
                write!(f, " {value} {}", self.asset_name(asset))?;
            }
            writeln!(f)?;
        }
        for (i, o) in self.outputs.iter().enumerate() {
            let kind = if o.package {
                "package output"
            } else {
                "output"
            };
            write!(f, "{kind} {i}: to {}:", o.to.encode())?;
            for (info, value) in &o.contents {
                write!(f, " {value} {info}")?;
            }
            if !o.memo.is_empty() {
                write!(f, " memo {:?}", String::from_utf8_lossy(&o.memo))?;
            }
            if !o.sender_keeps_copy {
                write!(f, " (sender keeps no copy)")?;
            }
            writeln!(f)?;
        }
        for t in &self.issued {
            writeln!(f, "issues: {}", AssetInfo::Ticket(t.clone()))?;
        }
        for t in &self.redeemed {
            writeln!(f, "redeems: {}", AssetInfo::Ticket(t.clone()))?;
        }
        Ok(())
    }
}
