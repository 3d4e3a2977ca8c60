//! What a wallet application asks: balances, notes, tickets, packages,
//! history; and the pending marks of notes a transaction in flight spends.

use crate::holds_as_ticket;
use rusqlite::{params, OptionalExtension, Row};
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::{AssetId, Note, DIVERSIFIER_LEN},
    package::PackageNote,
    tree::MerklePath,
    Fr,
};
use superzk_keys::{
    address::PaymentAddress,
    network::Network,
    note_plaintext::MEMO_LEN,
    spending_key::{decode_field, FullViewingKey},
};

use crate::{
    accounts::{from_sql, to_sql, AccountId},
    error::WalletError,
    sync::load_tree,
    Wallet,
};

/// An account's holding of one asset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    /// The asset.
    pub asset: AssetInfo,
    /// Mined, unspent notes no transaction in flight spends.
    pub spendable: u64,
    /// Unspent notes a transaction in flight spends (spendable again if it
    /// expires unmined).
    pub pending: u64,
}

/// A note (or package) the wallet received.
#[derive(Clone)]
pub struct ReceivedNote {
    /// Its id in the wallet (for [`Wallet::mark_pending`]).
    pub id: i64,
    /// The account it belongs to.
    pub account: AccountId,
    /// What it holds: one asset (a note) or up to four (a package).
    pub contents: Vec<(AssetInfo, u64)>,
    /// Whether it is a package.
    pub is_package: bool,
    /// Height of the block it was mined in.
    pub height: u64,
    /// Its position in the note commitment tree.
    pub position: u64,
    /// The sender's memo.
    pub memo: [u8; MEMO_LEN],
    /// Whether a mined transaction spent it.
    pub spent: bool,
    /// The transaction in flight that spends it, and that transaction's
    /// expiry height.
    pub pending: Option<([u8; 32], u64)>,
}

impl std::fmt::Debug for ReceivedNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedNote")
            .field("id", &self.id)
            .field("spent", &self.spent)
            .finish_non_exhaustive()
    }
}

/// What a spend of a note needs: the note itself, the diversifier of its
/// address, and its position (the witness comes from [`Wallet::witness`]).
#[derive(Clone)]
pub struct SpendableNote {
    /// Its id in the wallet.
    pub id: i64,
    /// The note.
    pub note: Note,
    /// The diversifier of the address it was sent to.
    pub diversifier: [u8; DIVERSIFIER_LEN],
    /// What its asset is.
    pub asset: AssetInfo,
    /// Its position in the tree.
    pub position: u64,
}

impl std::fmt::Debug for SpendableNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpendableNote")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A package the wallet holds, with what opening or passing it needs.
#[derive(Clone)]
pub struct HeldPackage {
    /// Its id in the wallet.
    pub id: i64,
    /// The package note (key included).
    pub package: PackageNote,
    /// What each slot's asset is.
    pub infos: [AssetInfo; 4],
    /// The diversifier of the address it was sent to.
    pub diversifier: [u8; DIVERSIFIER_LEN],
    /// The sender's memo.
    pub memo: [u8; MEMO_LEN],
    /// Its position in the tree.
    pub position: u64,
}

impl HeldPackage {
    /// What it holds: non-empty slots, a ticket only with value 1.
    pub fn contents(&self) -> Vec<(AssetInfo, u64)> {
        package_contents(&self.package, &self.infos)
    }
}

impl std::fmt::Debug for HeldPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldPackage")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// An output of a transaction the wallet sent. Its `Debug` shows only the
/// sending account; the memo is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SentNote {
    /// The account that sent it.
    pub from: AccountId,
    /// The recipient's address, in the text form of the wallet's network
    /// (wallets before 0.1's network-form fix stored the mainnet form; it
    /// is shown in the network's form all the same).
    pub recipient: String,
    /// The asset.
    pub asset: AssetInfo,
    /// The amount.
    pub value: u64,
    /// The memo.
    pub memo: [u8; MEMO_LEN],
}

impl std::fmt::Debug for SentNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentNote")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// Wipes what the note types below hold beyond their notes (which wipe
/// themselves): diversifiers link a note to an address, memos are private.
macro_rules! wipe_on_drop {
    ($t:ident: $($field:ident),+) => {
        impl Drop for $t {
            fn drop(&mut self) {
                $(zeroize::Zeroize::zeroize(&mut self.$field);)+
            }
        }
    };
}
wipe_on_drop!(ReceivedNote: memo);
wipe_on_drop!(SpendableNote: diversifier);
wipe_on_drop!(HeldPackage: diversifier, memo);
wipe_on_drop!(SentNote: memo);

/// A transaction in the wallet's history.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    /// The chain's transaction id.
    pub txid: [u8; 32],
    /// Height mined at, if mined.
    pub mined_height: Option<u64>,
    /// Its expiry height, if known.
    pub expiry_height: Option<u64>,
    /// Its fee, if known.
    pub fee: Option<u64>,
    /// Notes and packages it brought the wallet.
    pub received: Vec<ReceivedNote>,
    /// Outputs the wallet sent in it.
    pub sent: Vec<SentNote>,
    /// How many of the wallet's notes it spent.
    pub spent_notes: usize,
}

const NOTE_COLUMNS: &str = "n.id, n.account_id, n.is_package, n.asset, n.value, n.diversifier, n.rho, n.rcm,
    n.position, n.memo, n.asset_info, n.package, t.mined_height, n.spent_tx, p.txid, n.pending_expiry";

/// A stored note row, decoded.
struct NoteRow {
    received: ReceivedNote,
    note: Option<(Note, AssetInfo)>,
    package: Option<(PackageNote, [AssetInfo; 4])>,
    diversifier: [u8; DIVERSIFIER_LEN],
}

fn field(bytes: &[u8]) -> Result<Fr, WalletError> {
    decode_field(bytes, "field").map_err(|_| WalletError::Corrupt { what: "note field" })
}

fn read_note(row: &Row, fvk: &FullViewingKey) -> Result<NoteRow, WalletError> {
    let corrupt = |what| move |_| WalletError::Corrupt { what };
    let d: Vec<u8> = row.get(5)?;
    let diversifier: [u8; DIVERSIFIER_LEN] = d.try_into().map_err(corrupt("diversifier"))?;
    let owner = fvk.incoming_viewing_key().address_for(diversifier).owner();
    let (rho, rcm) = (
        field(&row.get::<_, Vec<u8>>(6)?)?,
        field(&row.get::<_, Vec<u8>>(7)?)?,
    );
    let memo_bytes: Option<Vec<u8>> = row.get(9)?;
    let memo = memo_from(memo_bytes.as_deref().unwrap_or(&[]));
    let is_package: bool = row.get(2)?;
    let (note, package, contents) = if is_package {
        let bytes: Vec<u8> = row.get(11)?;
        let (p, infos) = crate::scan::package_from_bytes(&bytes, owner, rho, rcm)
            .ok_or(WalletError::Corrupt { what: "package" })?;
        let contents = package_contents(&p, &infos);
        (None, Some((p, infos)), contents)
    } else {
        let info = AssetInfo::from_bytes(&row.get::<_, Vec<u8>>(10)?).map_err(|_| {
            WalletError::Corrupt {
                what: "asset information",
            }
        })?;
        let value = from_sql(row.get(4)?);
        let note = Note {
            asset: AssetId(field(&row.get::<_, Vec<u8>>(3)?)?),
            value,
            owner,
            rho,
            rcm,
        };
        (Some((note, info.clone())), None, vec![(info, value)])
    };
    let pending = match (
        row.get::<_, Option<Vec<u8>>>(14)?,
        row.get::<_, Option<i64>>(15)?,
    ) {
        (Some(txid), Some(expiry)) => Some((
            txid.try_into().map_err(corrupt("transaction id"))?,
            from_sql(expiry),
        )),
        _ => None,
    };
    Ok(NoteRow {
        received: ReceivedNote {
            id: row.get(0)?,
            account: AccountId(row.get(1)?),
            contents,
            is_package,
            height: from_sql(row.get::<_, Option<i64>>(12)?.unwrap_or(0)),
            position: from_sql(row.get(8)?),
            memo,
            spent: row.get::<_, Option<i64>>(13)?.is_some(),
            pending,
        },
        note,
        package,
        diversifier,
    })
}

/// A stored memo, zero-padded: memos written before the memo length grew
/// stay readable.
fn memo_from(bytes: &[u8]) -> [u8; MEMO_LEN] {
    let mut memo = [0u8; MEMO_LEN];
    let n = bytes.len().min(MEMO_LEN);
    memo[..n].copy_from_slice(&bytes[..n]);
    memo
}

fn package_contents(p: &PackageNote, infos: &[AssetInfo; 4]) -> Vec<(AssetInfo, u64)> {
    infos
        .iter()
        .zip(&p.contents)
        .filter(|(info, (_, v))| *v > 0 && holds_as_ticket(info, *v))
        .map(|(info, (_, v))| (info.clone(), *v))
        .collect()
}

impl Wallet {
    /// The notes and packages of `account` matching `filter` (SQL over the
    /// note `n`), oldest first.
    fn note_rows(&self, account: AccountId, filter: &str) -> Result<Vec<NoteRow>, WalletError> {
        let fvk = self.full_viewing_key(account)?;
        let sql = format!(
            "SELECT {NOTE_COLUMNS} FROM received_notes n JOIN transactions t ON t.id = n.tx_id
             LEFT JOIN transactions p ON p.id = n.pending_tx
             WHERE n.account_id = ?1 AND ({filter}) ORDER BY n.position"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([account.0])?;
        let mut out = vec![];
        while let Some(row) = rows.next()? {
            out.push(read_note(row, &fvk)?);
        }
        Ok(out)
    }

    /// Every note and package `account` received, spent or not.
    pub fn received_notes(&self, account: AccountId) -> Result<Vec<ReceivedNote>, WalletError> {
        Ok(self
            .note_rows(account, "1")?
            .into_iter()
            .map(|r| r.received)
            .collect())
    }

    /// Balances of `account` per asset, sorted by asset name. Packages are
    /// not counted (their contents are the holder's only once opened).
    pub fn balances(&self, account: AccountId) -> Result<Vec<Balance>, WalletError> {
        let mut out: Vec<Balance> = vec![];
        for row in self.note_rows(account, "n.spent_tx IS NULL AND n.is_package = 0")? {
            let (asset, value) = row.received.contents[0].clone();
            let entry = match out.iter_mut().find(|b| b.asset == asset) {
                Some(b) => b,
                None => {
                    out.push(Balance {
                        asset,
                        spendable: 0,
                        pending: 0,
                    });
                    out.last_mut().expect("just pushed")
                }
            };
            let slot = if row.received.pending.is_some() {
                &mut entry.pending
            } else {
                &mut entry.spendable
            };
            *slot = slot.saturating_add(value);
        }
        out.sort_by_key(|b| b.asset.to_string());
        Ok(out)
    }

    /// Notes of `account` a new transaction may spend: mined, unspent, not
    /// pending; tickets only of value 1.
    pub fn spendable_notes(&self, account: AccountId) -> Result<Vec<SpendableNote>, WalletError> {
        let rows = self.note_rows(
            account,
            "n.spent_tx IS NULL AND n.pending_tx IS NULL AND n.is_package = 0",
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let (note, asset) = r.note?;
                holds_as_ticket(&asset, note.value).then_some(SpendableNote {
                    id: r.received.id,
                    note,
                    diversifier: r.diversifier,
                    asset,
                    position: r.received.position,
                })
            })
            .collect())
    }

    /// The tickets `account` holds: unspent ticket notes of value 1, with
    /// their note ids.
    pub fn tickets(&self, account: AccountId) -> Result<Vec<(i64, Ticket)>, WalletError> {
        Ok(self
            .spendable_or_pending(account)?
            .into_iter()
            .filter_map(|(id, asset, value)| match asset {
                AssetInfo::Ticket(t) if holds_as_ticket(&AssetInfo::Ticket(t.clone()), value) => {
                    Some((id, t))
                }
                _ => None,
            })
            .collect())
    }

    fn spendable_or_pending(
        &self,
        account: AccountId,
    ) -> Result<Vec<(i64, AssetInfo, u64)>, WalletError> {
        Ok(self
            .note_rows(account, "n.spent_tx IS NULL AND n.is_package = 0")?
            .into_iter()
            .map(|r| {
                let (asset, value) = r.received.contents[0].clone();
                (r.received.id, asset, value)
            })
            .collect())
    }

    /// The packages `account` holds (unspent).
    pub fn packages(&self, account: AccountId) -> Result<Vec<HeldPackage>, WalletError> {
        Ok(self
            .note_rows(account, "n.spent_tx IS NULL AND n.is_package = 1")?
            .into_iter()
            .filter_map(|r| {
                let (package, infos) = r.package?;
                Some(HeldPackage {
                    id: r.received.id,
                    package,
                    infos,
                    diversifier: r.diversifier,
                    memo: r.received.memo,
                    position: r.received.position,
                })
            })
            .collect())
    }

    /// The current authentication path of an unspent note at `position`,
    /// valid against [`Wallet::anchor`].
    pub fn witness(&self, position: u64) -> Result<MerklePath, WalletError> {
        let (height, _) = self
            .last_scanned()?
            .ok_or(WalletError::NoWitness(position))?;
        // The tree keeps a spent note's path until the spend is deeper than
        // any reorg; the wallet gives witnesses of unspent notes only.
        let unspent: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM received_notes WHERE position = ?1 AND spent_tx IS NULL",
                [to_sql(position)],
                |r| r.get(0),
            )
            .optional()?;
        if unspent.is_none() {
            return Err(WalletError::NoWitness(position));
        }
        Ok(load_tree(&self.conn, height)?.witness(position, height)?)
    }

    /// The tree root after the last scanned block, with its height: the
    /// anchor the wallet's witnesses open to.
    pub fn anchor(&self) -> Result<Option<(u64, Fr)>, WalletError> {
        let Some((height, _)) = self.last_scanned()? else {
            return Ok(None);
        };
        Ok(Some((
            height,
            load_tree(&self.conn, height)?.root_at(height)?,
        )))
    }

    /// Marks notes as spent by the transaction `txid` in flight, which
    /// expires after `expiry_height`: they are no longer spendable, and
    /// become spendable again if the chain passes `expiry_height` without
    /// mining it. All or nothing: refused if any note is unknown, spent or
    /// already pending.
    pub fn mark_pending(
        &mut self,
        notes: &[i64],
        txid: [u8; 32],
        expiry_height: u64,
    ) -> Result<(), WalletError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO transactions (txid, expiry_height, created_at) VALUES (?1, ?2, strftime('%s','now'))
             ON CONFLICT (txid) DO UPDATE SET expiry_height = excluded.expiry_height",
            params![&txid[..], to_sql(expiry_height)],
        )?;
        let tx_id: i64 = tx.query_row(
            "SELECT id FROM transactions WHERE txid = ?1",
            [&txid[..]],
            |r| r.get(0),
        )?;
        for &id in notes {
            let state: Option<(Option<i64>, Option<i64>)> = tx
                .query_row(
                    "SELECT spent_tx, pending_tx FROM received_notes WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let reason = match state {
                None => Some("the wallet holds no such note"),
                Some((Some(_), _)) => Some("it is spent"),
                Some((None, Some(_))) => Some("a transaction in flight already spends it"),
                Some((None, None)) => None,
            };
            if let Some(reason) = reason {
                return Err(WalletError::UnusableNote { id, reason });
            }
            tx.execute(
                "UPDATE received_notes SET pending_tx = ?2, pending_expiry = ?3 WHERE id = ?1",
                params![id, tx_id, to_sql(expiry_height)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores the bytes of a transaction the wallet made, so it stays in
    /// the history (and is kept through reorgs) until mined or expired.
    pub fn record_sent_transaction(
        &mut self,
        txid: [u8; 32],
        raw: &[u8],
        expiry_height: u64,
        fee: u64,
    ) -> Result<(), WalletError> {
        self.conn.execute(
            "INSERT INTO transactions (txid, raw, expiry_height, fee, created_at) VALUES (?1, ?2, ?3, ?4, strftime('%s','now'))
             ON CONFLICT (txid) DO UPDATE SET raw = excluded.raw, expiry_height = excluded.expiry_height, fee = excluded.fee",
            params![&txid[..], raw, to_sql(expiry_height), to_sql(fee)],
        )?;
        Ok(())
    }

    /// The history of `account`: the transactions it received in, spent
    /// in, or sent from, newest first (unmined ones first of all).
    pub fn history(&self, account: AccountId) -> Result<Vec<HistoryEntry>, WalletError> {
        let received = self.received_notes(account)?;
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT t.id, t.txid, t.mined_height, t.expiry_height, t.fee FROM transactions t
             WHERE t.id IN (SELECT tx_id FROM received_notes WHERE account_id = ?1)
                OR t.id IN (SELECT spent_tx FROM received_notes WHERE account_id = ?1)
                OR t.id IN (SELECT pending_tx FROM received_notes WHERE account_id = ?1)
                OR t.id IN (SELECT tx_id FROM sent_notes WHERE from_account = ?1)
             ORDER BY t.mined_height IS NOT NULL, t.mined_height DESC, t.id DESC",
        )?;
        let rows = stmt.query_map([account.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })?;
        let mut out = vec![];
        for row in rows {
            let (id, txid, mined, expiry, fee) = row?;
            let tx_received: Vec<i64> = self.ids(
                "SELECT id FROM received_notes WHERE tx_id = ?1 AND account_id = ?2",
                id,
                account,
            )?;
            let spent_notes = self
                .ids(
                    "SELECT id FROM received_notes WHERE spent_tx = ?1 AND account_id = ?2",
                    id,
                    account,
                )?
                .len();
            out.push(HistoryEntry {
                txid: txid.try_into().map_err(|_| WalletError::Corrupt {
                    what: "transaction id",
                })?,
                mined_height: mined.map(from_sql),
                expiry_height: expiry.map(from_sql),
                fee: fee.map(from_sql),
                received: received
                    .iter()
                    .filter(|n| tx_received.contains(&n.id))
                    .cloned()
                    .collect(),
                sent: self.sent_notes(id, account)?,
                spent_notes,
            });
        }
        Ok(out)
    }

    fn ids(&self, sql: &str, tx_id: i64, account: AccountId) -> Result<Vec<i64>, WalletError> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params![tx_id, account.0], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn sent_notes(&self, tx_id: i64, account: AccountId) -> Result<Vec<SentNote>, WalletError> {
        let mut stmt = self.conn.prepare(
            "SELECT recipient, asset_info, value, memo FROM sent_notes
             WHERE tx_id = ?1 AND from_account = ?2 ORDER BY output_index",
        )?;
        let mut rows = stmt.query(params![tx_id, account.0])?;
        let network = self.network()?;
        let mut out = vec![];
        while let Some(r) = rows.next()? {
            let asset = AssetInfo::from_bytes(&r.get::<_, Vec<u8>>(1)?).map_err(|_| {
                WalletError::Corrupt {
                    what: "asset information",
                }
            })?;
            out.push(SentNote {
                from: account,
                recipient: network_form(&r.get::<_, String>(0)?, network)?,
                asset,
                value: from_sql(r.get(2)?),
                memo: memo_from(&r.get::<_, Vec<u8>>(3)?),
            });
        }
        Ok(out)
    }
}

impl Wallet {
    /// The wallet's network, as recorded when it was created.
    pub fn network(&self) -> Result<Network, WalletError> {
        let name: Vec<u8> = self.conn.query_row(
            "SELECT value FROM wallet_meta WHERE key = 'network'",
            [],
            |r| r.get(0),
        )?;
        std::str::from_utf8(&name)
            .ok()
            .and_then(|n| Network::by_name(n).ok())
            .ok_or(WalletError::Corrupt {
                what: "network name",
            })
    }
}

/// A stored recipient in the text form of `network`. Sync stores that form;
/// wallets synced by older versions hold the mainnet form, which decodes
/// here just the same (no migration rewrites them).
fn network_form(stored: &str, network: Network) -> Result<String, WalletError> {
    PaymentAddress::decode_with_network(stored)
        .map(|(address, _)| address.encode_for(network))
        .map_err(|_| WalletError::Corrupt {
            what: "recipient address",
        })
}
