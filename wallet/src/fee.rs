//! The fee rule: a fee per action, in the spirit of ZIP-317.
//!
//! `fee = marginal_fee × max(grace_actions, actions)`, where `actions` counts
//! every spend and every output of the transaction, plain notes and packages
//! alike. A wallet knows both counts before proving, so the fee is known
//! when the transaction is proposed.
//!
//! Nodes price a shielded transaction by its size: a node's mempool refuses
//! one whose fee is below `min_fee_rate × bytes` (node `MempoolLimits`). The
//! size of a transaction is at most a fixed overhead plus a bounded number of
//! bytes per action ([`estimated_size`]), so a marginal fee of at least
//! [`FeeRule::covering`]`(rate)` satisfies every node whose minimum rate is at
//! most `rate`, whatever the transaction holds.

use serde::{Deserialize, Serialize};
use superzk_circuits::asset::MAX_NAME_LEN;
use superzk_verifier::transaction::{
    ENC_CIPHERTEXT_LEN, OUT_CIPHERTEXT_LEN, PACKAGE_ENC_CIPHERTEXT_LEN, PROOF_LEN,
};

/// Bytes of a spend description (note or package): anchor, nullifier, `cv`,
/// `rk`, proof and signature.
pub const SPEND_BYTES: usize = 4 * 32 + PROOF_LEN + 64;
/// Bytes of a note output description: `cm`, `cv`, `epk`, both ciphertexts
/// and the proof.
pub const OUTPUT_BYTES: usize = 3 * 32 + ENC_CIPHERTEXT_LEN + OUT_CIPHERTEXT_LEN + PROOF_LEN;
/// Bytes of a package output description.
pub const PACKAGE_OUTPUT_BYTES: usize =
    3 * 32 + PACKAGE_ENC_CIPHERTEXT_LEN + OUT_CIPHERTEXT_LEN + PROOF_LEN;
/// Most bytes of one ticket issuance or redemption: category length, category
/// (at most [`MAX_NAME_LEN`]) and the serial or id.
pub const TICKET_ENTRY_BYTES: usize = 1 + MAX_NAME_LEN + 32;
/// Bytes of one public balance entry: asset and signed amount.
pub const BALANCE_BYTES: usize = 32 + 8;
/// Most bytes of a shielded chain transaction besides its items: the
/// transaction's header (magic, version, chain, expiry, public account,
/// four key fingerprints), its seven list counts, fee and binding signature,
/// and the chain's wrapper (kind, length, and a public authorization).
pub const OVERHEAD_BYTES: usize =
    (4 + 1 + 32 + 8 + 33 + 4 * 32 + 7 * 2 + 8 + 64) + (1 + 4 + 1) + (32 + 8 + 64);
/// The most one action adds to a transaction's size, counting the item that
/// may come with it: a redemption with a spend, an issuance with an output,
/// and a public balance entry with either (every asset with a public amount
/// has a spend or an output of its own, the native asset aside, which
/// [`OVERHEAD_BYTES`] does not cover and [`FeeRule::covering`] adds).
pub const MAX_ACTION_BYTES: usize = max(
    SPEND_BYTES + TICKET_ENTRY_BYTES,
    max(OUTPUT_BYTES + TICKET_ENTRY_BYTES, PACKAGE_OUTPUT_BYTES),
) + BALANCE_BYTES;

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// Marginal fee of [`FeeRule::standard`], in base units of the native asset
/// (0.005 SERO): it covers nodes asking up to 2 base units per byte with
/// 512-byte memos ([`FeeRule::max_rate_covered`]).
pub const STANDARD_MARGINAL_FEE: u64 = 5_000;
/// Actions a transaction pays for at least: a transfer has a spend and an
/// output even when it is smaller.
pub const STANDARD_GRACE_ACTIONS: u64 = 2;

/// What a transaction holds, counted: all a fee or a size depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TxShape {
    /// Spends of plain notes.
    pub spends: usize,
    /// Outputs of plain notes (payments and change).
    pub outputs: usize,
    /// Spends of packages.
    pub package_spends: usize,
    /// Outputs of packages.
    pub package_outputs: usize,
    /// Public balance entries (shielding, unshielding).
    pub balances: usize,
    /// Ticket issuances.
    pub issuances: usize,
    /// Ticket redemptions.
    pub redemptions: usize,
}

impl TxShape {
    /// Spends and outputs, notes and packages: what the fee rule counts.
    pub fn actions(&self) -> u64 {
        (self.spends + self.outputs + self.package_spends + self.package_outputs) as u64
    }
}

/// An upper bound on the bytes of a shielded chain transaction of `shape`
/// (exact when it names a public account and its categories are
/// [`MAX_NAME_LEN`] bytes long), as the node measures it for its fee rate.
pub fn estimated_size(shape: &TxShape) -> usize {
    OVERHEAD_BYTES
        + (shape.spends + shape.package_spends) * SPEND_BYTES
        + shape.outputs * OUTPUT_BYTES
        + shape.package_outputs * PACKAGE_OUTPUT_BYTES
        + shape.balances * BALANCE_BYTES
        + (shape.issuances + shape.redemptions) * TICKET_ENTRY_BYTES
}

/// Why a fee could not be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    /// The fee does not fit in 64 bits: the rule's marginal fee is absurd
    /// for this many actions.
    #[error("the fee for {actions} actions at {marginal_fee} per action overflows; lower the marginal fee")]
    Overflow {
        /// Actions counted.
        actions: u64,
        /// The rule's marginal fee.
        marginal_fee: u64,
    },
}

/// A fee per action: `marginal_fee × max(grace_actions, actions)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRule {
    /// Fee per action, in base units of the native asset.
    pub marginal_fee: u64,
    /// Actions every transaction pays for, however few it has.
    pub grace_actions: u64,
}

impl Default for FeeRule {
    fn default() -> Self {
        Self::standard()
    }
}

impl FeeRule {
    /// A rule with this marginal fee and grace.
    pub fn new(marginal_fee: u64, grace_actions: u64) -> Self {
        Self {
            marginal_fee,
            grace_actions,
        }
    }

    /// The default rule: [`STANDARD_MARGINAL_FEE`] per action, at least
    /// [`STANDARD_GRACE_ACTIONS`] actions.
    pub fn standard() -> Self {
        Self::new(STANDARD_MARGINAL_FEE, STANDARD_GRACE_ACTIONS)
    }

    /// The smallest rule with [`STANDARD_GRACE_ACTIONS`] whose fees every
    /// node asking at most `min_fee_rate` per byte accepts, whatever the
    /// transaction: each action pays for its largest size, and the grace
    /// actions for the overhead and the native asset's balance entry.
    pub fn covering(min_fee_rate: u64) -> Self {
        let grace = STANDARD_GRACE_ACTIONS as usize;
        let per_action = MAX_ACTION_BYTES + (OVERHEAD_BYTES + BALANCE_BYTES).div_ceil(grace);
        Self::new(
            min_fee_rate.saturating_mul(per_action as u64),
            STANDARD_GRACE_ACTIONS,
        )
    }

    /// The highest node minimum fee rate (per byte) this rule's fees always
    /// meet.
    pub fn max_rate_covered(&self) -> u64 {
        let grace = self.grace_actions.max(1) as usize;
        let per_action = MAX_ACTION_BYTES + (OVERHEAD_BYTES + BALANCE_BYTES).div_ceil(grace);
        self.marginal_fee / per_action as u64
    }

    /// The fee of a transaction of `shape`.
    pub fn fee(&self, shape: &TxShape) -> Result<u64, FeeError> {
        self.fee_for_actions(shape.actions())
    }

    /// The fee of a transaction with `actions` spends and outputs.
    pub fn fee_for_actions(&self, actions: u64) -> Result<u64, FeeError> {
        self.marginal_fee
            .checked_mul(actions.max(self.grace_actions))
            .ok_or(FeeError::Overflow {
                actions,
                marginal_fee: self.marginal_fee,
            })
    }

    /// The fee of a transaction with `spends` and `outputs` (notes and
    /// packages together), before anything is proven.
    pub fn estimate(&self, spends: usize, outputs: usize) -> Result<u64, FeeError> {
        self.fee_for_actions(spends.saturating_add(outputs) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_is_per_action_with_a_grace() {
        let rule = FeeRule::new(10, 2);
        assert_eq!(rule.estimate(0, 1), Ok(20));
        assert_eq!(rule.estimate(1, 1), Ok(20));
        assert_eq!(rule.estimate(1, 2), Ok(30));
        let shape = TxShape {
            spends: 2,
            outputs: 1,
            package_spends: 1,
            package_outputs: 1,
            redemptions: 3,
            ..TxShape::default()
        };
        assert_eq!(rule.fee(&shape), Ok(50));
        assert_eq!(
            FeeRule::new(u64::MAX, 2).estimate(1, 2),
            Err(FeeError::Overflow {
                actions: 3,
                marginal_fee: u64::MAX
            })
        );
    }

    #[test]
    fn covering_rule_meets_the_rate_for_every_shape() {
        let rate = 7;
        let rule = FeeRule::covering(rate);
        assert_eq!(rule.max_rate_covered(), rate);
        for spends in 0..6 {
            for outputs in 0..6 {
                for packages in 0..3 {
                    // Worst case: every action carries its largest extra.
                    let shape = TxShape {
                        spends,
                        outputs,
                        package_spends: packages,
                        package_outputs: packages,
                        balances: spends + outputs + 2 * packages + 1,
                        issuances: outputs,
                        redemptions: spends,
                    };
                    let size = estimated_size(&shape) as u64;
                    assert!(rule.fee(&shape).unwrap() >= rate * size, "{shape:?}");
                }
            }
        }
        // One less per action does not always do.
        let lower = FeeRule::new(rule.marginal_fee - 1, rule.grace_actions);
        assert!(lower.max_rate_covered() < rate);
    }

    #[test]
    fn standard_rule_covers_its_documented_rate() {
        assert!(FeeRule::standard().max_rate_covered() >= 2);
        assert_eq!(FeeRule::default(), FeeRule::standard());
    }
}
