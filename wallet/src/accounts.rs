//! Accounts: a full one from a spending key, or a watch-only one from a full
//! viewing key, each with the height its first note can be at (its birthday).
//!
//! The database keeps the encoded full viewing key only, never a spending
//! key: the application keeps the mnemonic (docs/SECURITY.md).

use rusqlite::{params, OptionalExtension};
use superzk_keys::{
    address::PaymentAddress,
    spending_key::{FullViewingKey, SpendingKey},
};
use zeroize::Zeroizing;

use crate::{error::WalletError, Wallet};

/// An account's id in its wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub i64);

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The key an account is made from.
pub enum AccountKey<'a> {
    /// A full account: it can spend (the key itself is not stored).
    Spending(&'a SpendingKey),
    /// A watch-only account: it sees notes and spends, cannot spend.
    Viewing(&'a FullViewingKey),
}

/// An account as the wallet lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// Its name, unique in the wallet.
    pub name: String,
    /// Whether it was added from a viewing key only.
    pub watch_only: bool,
    /// The first height scanned for it.
    pub birthday: u64,
}

impl Wallet {
    /// Adds an account whose notes are at height `birthday` or later. If the
    /// wallet has already scanned past `birthday`, it rewinds to rescan
    /// from there on the next sync.
    pub fn add_account(
        &mut self,
        name: &str,
        key: AccountKey<'_>,
        birthday: u64,
    ) -> Result<AccountId, WalletError> {
        let (fvk, watch_only) = match key {
            AccountKey::Spending(sk) => (sk.full_viewing_key(), false),
            AccountKey::Viewing(fvk) => (fvk.clone(), true),
        };
        let encoded = fvk.encode();
        let tx = self.conn.transaction()?;
        let taken: Option<String> = tx
            .query_row(
                "SELECT name FROM accounts WHERE name = ?1 OR fvk = ?2",
                params![name, encoded.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(existing) = taken {
            return Err(WalletError::DuplicateAccount(existing));
        }
        tx.execute(
            "INSERT INTO accounts (name, watch_only, fvk, birthday) VALUES (?1, ?2, ?3, ?4)",
            params![name, watch_only, encoded.as_str(), to_sql(birthday)],
        )?;
        let id = AccountId(tx.last_insert_rowid());
        let scanned: Option<i64> =
            tx.query_row("SELECT max(height) FROM blocks", [], |r| r.get(0))?;
        if scanned.is_some_and(|h| h >= to_sql(birthday)) {
            crate::sync::rewind(&tx, birthday.checked_sub(1))?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// All accounts, by id.
    pub fn accounts(&self) -> Result<Vec<Account>, WalletError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, watch_only, birthday FROM accounts ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(Account {
                id: AccountId(r.get(0)?),
                name: r.get(1)?,
                watch_only: r.get(2)?,
                birthday: from_sql(r.get(3)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The account named `name`.
    pub fn account_by_name(&self, name: &str) -> Result<Account, WalletError> {
        self.accounts()?
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| WalletError::UnknownAccount(name.to_owned()))
    }

    /// An account's full viewing key (for export to an auditor).
    pub fn full_viewing_key(&self, account: AccountId) -> Result<FullViewingKey, WalletError> {
        let encoded: Zeroizing<String> = Zeroizing::new(
            self.conn
                .query_row("SELECT fvk FROM accounts WHERE id = ?1", [account.0], |r| {
                    r.get(0)
                })
                .optional()?
                .ok_or_else(|| WalletError::UnknownAccount(account.to_string()))?,
        );
        FullViewingKey::decode(&encoded).map_err(|_| WalletError::Corrupt {
            what: "full viewing key",
        })
    }

    /// Address number `index` of an account.
    pub fn address(&self, account: AccountId, index: u64) -> Result<PaymentAddress, WalletError> {
        Ok(self
            .full_viewing_key(account)?
            .incoming_viewing_key()
            .address(index))
    }

    /// A fresh address of an account, never handed out before (address 0
    /// is the account's default and change address).
    pub fn next_address(&mut self, account: AccountId) -> Result<PaymentAddress, WalletError> {
        let fvk = self.full_viewing_key(account)?;
        let tx = self.conn.transaction()?;
        let index: i64 = tx.query_row(
            "UPDATE accounts SET next_address_index = next_address_index + 1 WHERE id = ?1 RETURNING next_address_index - 1",
            [account.0],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(fvk.incoming_viewing_key().address(from_sql(index)))
    }
}

/// A height or amount as SQLite stores it: an `i64` with the same bits
/// (values above `i64::MAX` round-trip through [`from_sql`]).
pub(crate) fn to_sql(v: u64) -> i64 {
    v as i64
}

/// The inverse of [`to_sql`].
pub(crate) fn from_sql(v: i64) -> u64 {
    v as u64
}
