//! Building and proving: the proving keys (bytes from the caller, or files
//! and the insecure demo cache loaded lazily, on the first proof), progress
//! reported to a callback the foreign code implements, and the shielding
//! transaction (public funds into a note). Transfers of the in-memory wallet are in
//! [`crate::scanning`], those of the wallet engine in [`crate::wallet`];
//! all build and prove with `superzk-prover`.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
};

use ark_serialize::Validate;
use rand_core::OsRng;
use superzk_circuits::asset::{AssetInfo, Ticket};
use superzk_keys::{
    address::PaymentAddress,
    note_plaintext::MEMO_LEN,
    params::{
        proving_key_from_bytes, read_file, CacheEvent, CircuitKind, ParameterCache, Parameters,
    },
};
use superzk_prover::{BuildError, TransactionBuilder};
use superzk_verifier::transaction::Transaction;

use crate::{error::SuperzkError, keys::parse_address, verify::VerifyingKeys};

/// Receives progress of long work (loading keys, proving). Implemented in
/// the foreign language; called on the thread that does the work, which
/// waits for it. While proving it holds no lock: it may call the wallet's
/// methods, writes included, and cancel the call's token. While keys load
/// (the `loading ...`/`... proving key ready` stages) the keys being loaded
/// are locked: it must not start another call that loads or uses those
/// same keys and wait for it (`is_loaded` is fine).
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    /// `step` of `total` is done; `stage` says what is being done.
    fn on_progress(&self, stage: String, step: u32, total: u32);
}

fn report(listener: &Option<Arc<dyn ProgressListener>>, stage: String, step: u32, total: u32) {
    if let Some(l) = listener {
        l.on_progress(stage, step, total);
    }
}

/// An asset: a currency by name, or a ticket (anonymous NFT).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Asset {
    /// A currency, e.g. `SERO` (the native one) or `USD`.
    Currency {
        /// Its name, 1 to 32 bytes of UTF-8.
        name: String,
    },
    /// A ticket.
    Ticket {
        /// Its category, 1 to 32 bytes of UTF-8.
        category: String,
        /// Its unique id, 32 bytes.
        id: Vec<u8>,
    },
}

impl TryFrom<Asset> for AssetInfo {
    type Error = SuperzkError;

    fn try_from(a: Asset) -> Result<Self, SuperzkError> {
        let info = match a {
            Asset::Currency { name } => AssetInfo::Currency(name),
            Asset::Ticket { category, id } => AssetInfo::Ticket(Ticket {
                category,
                id: id
                    .try_into()
                    .map_err(|id: Vec<u8>| SuperzkError::InvalidArgument {
                        reason: format!("a ticket id is 32 bytes, {} were given", id.len()),
                    })?,
            }),
        };
        info.to_bytes()?;
        Ok(info)
    }
}

impl From<AssetInfo> for Asset {
    fn from(a: AssetInfo) -> Self {
        match a {
            AssetInfo::Currency(name) => Asset::Currency { name },
            AssetInfo::Ticket(t) => Asset::Ticket {
                category: t.category,
                id: t.id.to_vec(),
            },
        }
    }
}

/// A memo argument: at most `MEMO_LEN` (512) bytes, padded with zeros.
pub(crate) fn memo(bytes: &[u8]) -> Result<[u8; MEMO_LEN], SuperzkError> {
    if bytes.len() > MEMO_LEN {
        return Err(SuperzkError::InvalidArgument {
            reason: format!(
                "a memo holds at most {MEMO_LEN} bytes, {} were given",
                bytes.len()
            ),
        });
    }
    let mut out = [0u8; MEMO_LEN];
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(out)
}

/// The arguments of a payment (address, asset, memo), decoded and checked.
pub(crate) fn payment(
    to: &str,
    asset: Asset,
    memo: &[u8],
) -> Result<(PaymentAddress, AssetInfo, [u8; MEMO_LEN]), SuperzkError> {
    Ok((
        parse_address(to)?,
        AssetInfo::try_from(asset)?,
        self::memo(memo)?,
    ))
}

/// Where the keys come from until they are loaded.
enum Source {
    Files([PathBuf; 4]),
    InsecureCache { dir: PathBuf, seed: Vec<u8> },
}

/// The proving keys of the four circuits. Made from bytes they are ready at
/// once; made from files or the demo cache they are loaded on first use, so
/// an app pays for them (hundreds of megabytes in memory) only when it proves.
#[derive(uniffi::Object)]
pub struct ProvingKeys {
    source: Option<Source>,
    loaded: Mutex<Option<Arc<superzk_prover::ProvingKeys>>>,
}

fn check_kind(params: Parameters, kind: CircuitKind) -> Result<Parameters, SuperzkError> {
    if params.kind() != kind {
        return Err(SuperzkError::BadProvingKey {
            circuit: kind.to_string(),
            reason: format!("this is a {} proving key", params.kind()),
        });
    }
    Ok(params)
}

fn parse(bytes: &[u8], kind: CircuitKind) -> Result<Parameters, SuperzkError> {
    // Points are not re-validated (slow for keys this size): the file's
    // checksum catches corruption, and a wrong key can only make proofs that
    // fail verification, never accept a bad one.
    let params =
        proving_key_from_bytes(bytes, Validate::No).map_err(|e| SuperzkError::BadProvingKey {
            circuit: kind.to_string(),
            reason: e.to_string(),
        })?;
    check_kind(params, kind)
}

#[uniffi::export]
impl ProvingKeys {
    /// Keys from the bytes of four proving-key files, parsed now.
    #[uniffi::constructor]
    pub fn from_bytes(
        spend: Vec<u8>,
        output: Vec<u8>,
        package_spend: Vec<u8>,
        package_output: Vec<u8>,
    ) -> Result<Arc<Self>, SuperzkError> {
        let keys = superzk_prover::ProvingKeys {
            spend: parse(&spend, CircuitKind::Spend)?,
            output: parse(&output, CircuitKind::Output)?,
            package_spend: parse(&package_spend, CircuitKind::PackageSpend)?,
            package_output: parse(&package_output, CircuitKind::PackageOutput)?,
        };
        Ok(Arc::new(Self {
            source: None,
            loaded: Mutex::new(Some(Arc::new(keys))),
        }))
    }

    /// Keys read from four proving-key files on first use.
    #[uniffi::constructor]
    pub fn from_files(
        spend: String,
        output: String,
        package_spend: String,
        package_output: String,
    ) -> Arc<Self> {
        Self::lazy(Source::Files(
            [spend, output, package_spend, package_output].map(PathBuf::from),
        ))
    }

    /// **INSECURE** keys derived from a public `seed`, from the parameter
    /// cache in `dir` (generated and stored there if missing), on first use.
    /// Anyone can forge proofs under them: for tests and demos only.
    #[uniffi::constructor]
    pub fn insecure_from_cache(dir: String, seed: Vec<u8>) -> Arc<Self> {
        Self::lazy(Source::InsecureCache {
            dir: dir.into(),
            seed,
        })
    }

    /// Whether the keys are in memory yet (false while they are loading:
    /// never waits, so a progress listener may ask it during the load).
    pub fn is_loaded(&self) -> bool {
        match self.loaded.try_lock() {
            Ok(slot) => slot.is_some(),
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().is_some(),
            Err(std::sync::TryLockError::WouldBlock) => false,
        }
    }

    /// Loads the keys now (if not yet), reporting each circuit's key.
    pub fn load(&self, listener: Option<Arc<dyn ProgressListener>>) -> Result<(), SuperzkError> {
        self.get(&listener).map(|_| ())
    }

    /// The matching verifying keys (loads the proving keys if needed).
    pub fn verifying_keys(&self) -> Result<Arc<VerifyingKeys>, SuperzkError> {
        Ok(Arc::new(VerifyingKeys(self.get(&None)?.verifying_keys())))
    }
}

impl ProvingKeys {
    fn lazy(source: Source) -> Arc<Self> {
        Arc::new(Self {
            source: Some(source),
            loaded: Mutex::new(None),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<superzk_prover::ProvingKeys>>> {
        // A panic while loading leaves `None` behind, which is still valid.
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The loaded keys, loading them first if needed (once, under the lock,
    /// so concurrent callers wait rather than load twice).
    pub(crate) fn get(
        &self,
        listener: &Option<Arc<dyn ProgressListener>>,
    ) -> Result<Arc<superzk_prover::ProvingKeys>, SuperzkError> {
        let mut slot = self.lock();
        if let Some(keys) = slot.as_ref() {
            return Ok(keys.clone());
        }
        let keys = match &self.source {
            // Keys made from bytes are loaded at construction and never
            // unloaded, so this is only reached if that ever changes.
            None => {
                return Err(SuperzkError::Key {
                    reason: "proving keys have no source to load from".into(),
                })
            }
            Some(Source::Files(paths)) => {
                let load = |i: usize, kind: CircuitKind| -> Result<Parameters, SuperzkError> {
                    report(listener, format!("loading {kind} proving key"), i as u32, 4);
                    let bytes = read_file(&paths[i])?;
                    parse(&bytes, kind).map_err(|e| match e {
                        SuperzkError::BadProvingKey { circuit, reason } => {
                            SuperzkError::BadProvingKey {
                                circuit,
                                reason: format!("{}: {reason}", paths[i].display()),
                            }
                        }
                        e => e,
                    })
                };
                superzk_prover::ProvingKeys {
                    spend: load(0, CircuitKind::Spend)?,
                    output: load(1, CircuitKind::Output)?,
                    package_spend: load(2, CircuitKind::PackageSpend)?,
                    package_output: load(3, CircuitKind::PackageOutput)?,
                }
            }
            Some(Source::InsecureCache { dir, seed }) => {
                let mut done = 0;
                superzk_prover::ProvingKeys::insecure_from_cache(
                    &ParameterCache::new(dir),
                    seed,
                    |event| match event {
                        CacheEvent::Generating(k) => {
                            report(listener, format!("generating {k} proving key"), done, 4)
                        }
                        CacheEvent::Loaded(k) | CacheEvent::Generated(k) => {
                            done += 1;
                            report(listener, format!("{k} proving key ready"), done, 4)
                        }
                    },
                )?
            }
        };
        let keys = Arc::new(keys);
        *slot = Some(keys.clone());
        Ok(keys)
    }
}

/// Loads the keys if needed, then runs `build` (which proves), reporting
/// the start and the end of proving; returns the transaction's bytes.
pub(crate) fn prove(
    keys: &ProvingKeys,
    listener: &Option<Arc<dyn ProgressListener>>,
    build: impl FnOnce(&superzk_prover::ProvingKeys) -> Result<Transaction, BuildError>,
) -> Result<Vec<u8>, SuperzkError> {
    let keys = keys.get(listener)?;
    report(listener, "proving".into(), 0, 1);
    let tx = build(&keys)?;
    report(listener, "proved".into(), 1, 1);
    Ok(tx.to_bytes())
}

/// A 32-byte transparent account id, checked.
fn account_id(bytes: Vec<u8>) -> Result<[u8; 32], SuperzkError> {
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| SuperzkError::InvalidArgument {
            reason: format!("an account id is 32 bytes, {} were given", b.len()),
        })
}

/// A 32-byte ticket serial, checked.
fn serial(bytes: Vec<u8>) -> Result<[u8; 32], SuperzkError> {
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| SuperzkError::InvalidArgument {
            reason: format!("a ticket serial is 32 bytes, {} were given", b.len()),
        })
}

/// Builds and proves a shielding transaction: `amount` of `asset` from the
/// public funds of transparent `account` (32 bytes; it is signed, so the
/// transaction cannot be charged to another) into one new note for `to`
/// (one Output proof).
#[uniffi::export]
pub fn shield(
    keys: &ProvingKeys,
    account: Vec<u8>,
    to: String,
    asset: Asset,
    amount: u64,
    memo: Vec<u8>,
    listener: Option<Arc<dyn ProgressListener>>,
) -> Result<Vec<u8>, SuperzkError> {
    let account = account_id(account)?;
    let (to, info, memo) = payment(&to, asset, &memo)?;
    let mut builder = TransactionBuilder::new();
    builder
        .set_public_account(account)
        .add_public_input(info.asset(), amount);
    builder.add_output(None, to, info, amount, memo);
    prove(keys, &listener, |k| builder.build(k, &mut OsRng))
}

/// The id of the ticket transparent account `issuer` (32 bytes) issues in
/// `category` with the 32-byte `serial`: what [`issue_ticket`] creates.
#[uniffi::export]
pub fn ticket_id(
    issuer: Vec<u8>,
    category: String,
    serial: Vec<u8>,
) -> Result<Vec<u8>, SuperzkError> {
    Ok(
        Ticket::issued(&account_id(issuer)?, &category, &self::serial(serial)?)?
            .id
            .to_vec(),
    )
}

/// Builds and proves the issuance by transparent account `issuer` (32
/// bytes) of a new ticket (anonymous NFT) of `category` with the 32-byte
/// `serial`, as a note for `to` (one Output proof). The ticket's id is
/// [`ticket_id`]`(issuer, category, serial)`: it binds the issuer, so no
/// other account can issue it. The chain refuses a second issuance of the
/// same ticket.
#[uniffi::export]
pub fn issue_ticket(
    keys: &ProvingKeys,
    issuer: Vec<u8>,
    category: String,
    serial: Vec<u8>,
    to: String,
    listener: Option<Arc<dyn ProgressListener>>,
) -> Result<Vec<u8>, SuperzkError> {
    let issuer = account_id(issuer)?;
    let serial = self::serial(serial)?;
    let to = parse_address(&to)?;
    let mut builder = TransactionBuilder::new();
    builder.set_public_account(issuer);
    builder.issue_ticket(None, &category, serial, to)?;
    prove(keys, &listener, |k| builder.build(k, &mut OsRng))
}
