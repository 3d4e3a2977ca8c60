//! Scanning: trial-decrypting a transaction's outputs with an incoming
//! viewing key (stateless), and a wallet that scans transactions in chain
//! order, keeps its notes' witnesses and builds transfers from them, all
//! delegated to `superzk-wallet`'s in-memory `memory::ScanningWallet`.

use std::sync::{Arc, Mutex, MutexGuard};

use rand_core::OsRng;
use superzk_circuits::asset::AssetInfo;
use superzk_keys::note_plaintext::DecryptedNote;
use superzk_verifier::transaction::Transaction;

use crate::{
    error::SuperzkError,
    keys::{parse_address, IncomingViewingKey, SpendingKey},
    proving::{self, payment, prove, Asset, ProgressListener, ProvingKeys},
};

/// A note found in a transaction.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReceivedNote {
    /// What it holds.
    pub asset: Asset,
    /// How much.
    pub value: u64,
    /// The sender's memo (512 bytes, zero padded).
    pub memo: Vec<u8>,
    /// The diversifier of the address it was sent to.
    pub diversifier: Vec<u8>,
}

impl From<DecryptedNote> for ReceivedNote {
    fn from(d: DecryptedNote) -> Self {
        Self {
            asset: d.asset_info.clone().into(),
            value: d.note.value,
            memo: d.memo.to_vec(),
            diversifier: d.diversifier.to_vec(),
        }
    }
}

/// Trial-decrypts every note output of `transaction` with `key`: the notes
/// sent to that wallet, in output order. Nothing is stored.
#[uniffi::export]
pub fn scan_transaction(
    key: &IncomingViewingKey,
    transaction: Vec<u8>,
) -> Result<Vec<ReceivedNote>, SuperzkError> {
    let tx = Transaction::from_bytes(&transaction)?;
    Ok(tx
        .outputs
        .iter()
        .filter_map(|o| key.0.decrypt_output(&o.cm, &o.epk, &o.enc_ciphertext))
        .map(ReceivedNote::from)
        .collect())
}

/// An amount of an asset: one slot of a package.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AssetAmount {
    /// The asset.
    pub asset: Asset,
    /// How much (1 for a ticket).
    pub amount: u64,
}

/// A package the wallet holds, unopened.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HeldPackage {
    /// Its number, as `ScanningWallet::open_package` takes it.
    pub index: u32,
    /// What it holds.
    pub contents: Vec<AssetAmount>,
    /// The sender's memo (512 bytes, zero padded).
    pub memo: Vec<u8>,
}

/// What scanning one transaction changed in a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ScanSummary {
    /// Notes and packages received.
    pub received: u32,
    /// Of the wallet's notes and packages, how many this spent.
    pub spent: u32,
}

/// An in-memory wallet of one key, with no database and no node: finds its
/// notes by scanning every transaction in chain order, and spends them (for
/// tests, demos and offline tools; apps use [`crate::wallet::Wallet`]). Scanning must see every transaction, so that the tree of
/// note commitments (and so every witness) matches the chain's.
#[derive(uniffi::Object)]
pub struct ScanningWallet(Mutex<superzk_wallet::memory::ScanningWallet>);

#[uniffi::export]
impl ScanningWallet {
    /// An empty wallet of `key`.
    #[uniffi::constructor]
    pub fn new(key: &SpendingKey) -> Arc<Self> {
        let sk = superzk_keys::spending_key::SpendingKey::from_bytes(*key.0.to_bytes());
        Arc::new(Self(Mutex::new(
            superzk_wallet::memory::ScanningWallet::new(sk),
        )))
    }

    /// Payment address number `index`.
    pub fn address(&self, index: u64) -> String {
        self.lock().address(index).encode()
    }

    /// Scans the next transaction of the chain.
    pub fn scan(&self, transaction: Vec<u8>) -> Result<ScanSummary, SuperzkError> {
        let tx = Transaction::from_bytes(&transaction)?;
        let r = self.lock().scan(&tx)?;
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(ScanSummary {
            received: count(r.received),
            spent: count(r.spent),
        })
    }

    /// Unspent notes.
    pub fn notes(&self) -> Vec<ReceivedNote> {
        self.lock()
            .notes()
            .iter()
            .filter(|n| !n.spent)
            .map(|n| ReceivedNote {
                asset: n.asset_info.clone().into(),
                value: n.note.value,
                memo: n.memo.to_vec(),
                diversifier: n.diversifier.to_vec(),
            })
            .collect()
    }

    /// Unspent units of `asset`.
    pub fn balance(&self, asset: Asset) -> Result<u64, SuperzkError> {
        let info = AssetInfo::try_from(asset)?;
        Ok(self.lock().balance_of(&info.asset()))
    }

    /// Builds and proves a transfer of `amount` of `asset` to `to`, paying
    /// `fee` in the native currency, with change back to address 0.
    #[allow(clippy::too_many_arguments)]
    pub fn transfer(
        &self,
        keys: &ProvingKeys,
        to: String,
        asset: Asset,
        amount: u64,
        fee: u64,
        memo: Vec<u8>,
        listener: Option<Arc<dyn ProgressListener>>,
    ) -> Result<Vec<u8>, SuperzkError> {
        let (to, info, memo) = payment(&to, asset, &memo)?;
        let wallet = self.lock();
        prove(keys, &listener, |k| {
            wallet.transfer(k, &to, &[(info, amount)], fee, memo, &mut OsRng)
        })
    }

    /// The packages held, unopened.
    pub fn packages(&self) -> Vec<HeldPackage> {
        self.lock()
            .packages()
            .iter()
            .enumerate()
            .map(|(i, p)| HeldPackage {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                contents: p
                    .contents()
                    .into_iter()
                    .map(|(info, amount)| AssetAmount {
                        asset: info.into(),
                        amount,
                    })
                    .collect(),
                memo: p.memo.to_vec(),
            })
            .collect()
    }

    /// Builds and proves the sealing of `contents` (up to four assets) from
    /// this wallet's notes into one package for `to`.
    pub fn seal_package(
        &self,
        keys: &ProvingKeys,
        to: String,
        contents: Vec<AssetAmount>,
        memo: Vec<u8>,
        listener: Option<Arc<dyn ProgressListener>>,
    ) -> Result<Vec<u8>, SuperzkError> {
        let (to, memo) = (parse_address(&to)?, proving::memo(&memo)?);
        let contents = contents
            .into_iter()
            .map(|c| Ok((AssetInfo::try_from(c.asset)?, c.amount)))
            .collect::<Result<Vec<_>, SuperzkError>>()?;
        let wallet = self.lock();
        prove(keys, &listener, |k| {
            wallet.seal_package(k, &to, &contents, memo, &mut OsRng)
        })
    }

    /// Builds and proves the opening of held package `index` (see
    /// `packages`): its contents become notes of this wallet.
    pub fn open_package(
        &self,
        keys: &ProvingKeys,
        index: u32,
        listener: Option<Arc<dyn ProgressListener>>,
    ) -> Result<Vec<u8>, SuperzkError> {
        let wallet = self.lock();
        let package = wallet
            .packages()
            .get(index as usize)
            .map(|p| (*p).clone())
            .ok_or_else(|| SuperzkError::InvalidArgument {
                reason: format!("the wallet holds no package {index}"),
            })?;
        prove(keys, &listener, |k| {
            wallet.open_package(k, &package, &mut OsRng)
        })
    }
}

impl ScanningWallet {
    fn lock(&self) -> MutexGuard<'_, superzk_wallet::memory::ScanningWallet> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
