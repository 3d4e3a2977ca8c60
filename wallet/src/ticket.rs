//! Which received amounts count as held: the rule that keeps a forged
//! ticket note out of every wallet's balance, shared by the database-backed
//! `Wallet` (feature `sqlite`) and the in-memory
//! [`ScanningWallet`](crate::memory::ScanningWallet).

use superzk_circuits::asset::AssetInfo;

/// Whether a received amount of an asset counts as held: any amount of a
/// currency, but a ticket only with value exactly 1.
///
/// The balance rule keeps the total of each ticket asset in the pool at 1, so
/// a genuine ticket is one note (or package slot) of value 1; `(ticket, 0)`
/// needs no input and proves nothing, and a value of 2 or more cannot come
/// from a valid chain. Either is a forgery attempt, never a ticket.
pub fn holds_as_ticket(info: &AssetInfo, value: u64) -> bool {
    match info {
        AssetInfo::Ticket(_) => value == 1,
        AssetInfo::Currency(_) => true,
    }
}
