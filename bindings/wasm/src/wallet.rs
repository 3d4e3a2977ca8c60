//! Scanning and the wallet: trial-decrypting a transaction's outputs with an
//! incoming viewing key, and a wallet that follows the note commitment tree
//! (so it can spend what it finds) and builds transfers and packages.

use js_sys::{Array, Function};
use rand_core::OsRng;
use superzk_circuits::{asset::AssetInfo, note_kind::NoteKind};
use superzk_keys::params::CircuitKind;
use superzk_keys::{
    note_plaintext::{DecryptedNote, DecryptedPackage},
    spending_key::encode_field,
};
use superzk_verifier::transaction::Transaction;
use superzk_wallet::memory::{OwnedPackage, ScanningWallet};
use wasm_bindgen::{prelude::*, JsCast};

use crate::{
    error::Error,
    js,
    keys::{parse_address, IncomingViewingKey, SpendingKey},
    proving::{currency, memo, prove, ticket, ProvingKeys},
};

#[wasm_bindgen(typescript_custom_section)]
const WALLET_TS: &str = r#"
/** What an asset is: a currency by name, or a ticket (id in hex). `label` is for people. */
export type Asset =
  | { kind: "currency"; name: string; label: string }
  | { kind: "ticket"; category: string; id: string; label: string };
/** An asset argument: a currency name, or a ticket. */
export type AssetSpec = string | { category: string; id: Uint8Array };
/** An amount of an asset. */
export interface Holding { asset: Asset; value: bigint; }
/** A note or package found by trial decryption. */
export interface FoundNote {
  type: "note" | "package";
  /** For notes. */
  asset?: Asset;
  /** For notes. */
  value?: bigint;
  /** For packages: what they hold. */
  contents?: Holding[];
  /** The raw 512-byte memo, and the same read as UTF-8 up to the first zero byte. */
  memo: Uint8Array;
  memoText: string;
  /** Hex. */
  diversifier: string;
  /** The note commitment, hex. */
  commitment: string;
}
/** What scanning a transaction did to a wallet. */
export interface ScanResult { received: number; spent: number; }
/** A package a wallet holds. */
export interface HeldPackage { index: number; contents: Holding[]; memoText: string; }
"#;

fn asset_js(info: &AssetInfo) -> JsValue {
    let label = info.to_string().into();
    match info {
        AssetInfo::Currency(name) => js::object(&[
            ("kind", "currency".into()),
            ("name", name.as_str().into()),
            ("label", label),
        ]),
        AssetInfo::Ticket(t) => js::object(&[
            ("kind", "ticket".into()),
            ("category", t.category.as_str().into()),
            ("id", js::hex(&t.id).into()),
            ("label", label),
        ]),
    }
}

fn holding(info: &AssetInfo, value: u64) -> JsValue {
    js::object(&[("asset", asset_js(info)), ("value", value.into())])
}

fn memo_text(memo: &[u8]) -> String {
    let end = memo.iter().position(|b| *b == 0).unwrap_or(memo.len());
    String::from_utf8_lossy(&memo[..end]).into_owned()
}

/// An asset argument: a currency name, or `{ category, id }` for a ticket.
fn asset_spec(spec: &JsValue) -> Result<AssetInfo, Error> {
    if let Some(name) = spec.as_string() {
        return currency(&name);
    }
    let field = |k: &str| js_sys::Reflect::get(spec, &k.into()).unwrap_or(JsValue::UNDEFINED);
    match (
        field("category").as_string(),
        field("id").dyn_into::<js_sys::Uint8Array>(),
    ) {
        (Some(category), Ok(id)) => Ok(AssetInfo::Ticket(ticket(&category, &id.to_vec())?)),
        _ => Err(Error::argument(
            "an asset is a currency name or { category: string, id: Uint8Array }",
        )),
    }
}

fn found_note(d: &DecryptedNote) -> JsValue {
    js::object(&[
        ("type", "note".into()),
        ("asset", asset_js(&d.asset_info)),
        ("value", d.note.value.into()),
        ("memo", js_sys::Uint8Array::from(&d.memo[..]).into()),
        ("memoText", memo_text(&d.memo).into()),
        ("diversifier", js::hex(&d.diversifier).into()),
        (
            "commitment",
            js::hex(&encode_field(&d.note.commitment())).into(),
        ),
    ])
}

fn contents(infos: &[AssetInfo], values: impl Iterator<Item = u64>) -> Array {
    infos
        .iter()
        .zip(values)
        .filter(|(_, v)| *v > 0)
        .map(|(info, v)| holding(info, v))
        .collect()
}

fn found_package(d: &DecryptedPackage) -> JsValue {
    js::object(&[
        ("type", "package".into()),
        (
            "contents",
            contents(&d.infos, d.package.contents.iter().map(|(_, v)| *v)).into(),
        ),
        ("memo", js_sys::Uint8Array::from(&d.memo[..]).into()),
        ("memoText", memo_text(&d.memo).into()),
        ("diversifier", js::hex(&d.diversifier).into()),
        (
            "commitment",
            js::hex(&encode_field(&d.package.commitment())).into(),
        ),
    ])
}

#[wasm_bindgen]
impl IncomingViewingKey {
    /// Trial-decrypts every output of a transaction; returns the notes and
    /// packages sent to this key (checked against their commitments). Throws
    /// `DecodeError` if the bytes are not a transaction.
    #[wasm_bindgen(unchecked_return_type = "FoundNote[]")]
    pub fn scan(&self, transaction: &[u8]) -> Result<Array, Error> {
        let tx = Transaction::from_bytes(transaction)?;
        let notes = tx
            .outputs
            .iter()
            .filter_map(|o| self.0.decrypt_output(&o.cm, &o.epk, &o.enc_ciphertext))
            .map(|d| found_note(&d));
        let packages = tx
            .package_outputs
            .iter()
            .filter_map(|o| {
                self.0
                    .decrypt_package_output(&o.cm, &o.epk, &o.enc_ciphertext)
            })
            .map(|d| found_package(&d));
        Ok(notes.chain(packages).collect())
    }
}

/// A wallet: a spending key, the notes it found, and the note commitment
/// tree as far as it has scanned. Scan every transaction of the chain, in
/// order, so that its tree (and so its spends' anchors) match the chain's.
#[wasm_bindgen]
pub struct Wallet(pub(crate) ScanningWallet);

#[wasm_bindgen]
impl Wallet {
    /// A wallet of `key`, starting from an empty chain.
    #[wasm_bindgen(constructor)]
    pub fn new(key: &SpendingKey) -> Wallet {
        Self(ScanningWallet::new(key.0.clone()))
    }

    /// Address number `index` (`szk1…`).
    pub fn address(&self, index: u32) -> String {
        self.0.address(u64::from(index)).encode()
    }

    /// Scans the next transaction of the chain: finds notes sent to this
    /// wallet and marks those it spends.
    #[wasm_bindgen(unchecked_return_type = "ScanResult")]
    pub fn scan(&mut self, transaction: &[u8]) -> Result<JsValue, Error> {
        let tx = Transaction::from_bytes(transaction)?;
        let r = self.0.scan(&tx)?;
        Ok(js::object(&[
            ("received", (r.received as u32).into()),
            ("spent", (r.spent as u32).into()),
        ]))
    }

    /// Unspent value of an asset (a currency name or a ticket).
    pub fn balance(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AssetSpec")] asset: JsValue,
    ) -> Result<u64, Error> {
        Ok(self.0.balance_of(&asset_spec(&asset)?.asset()))
    }

    /// Unspent value per asset.
    #[wasm_bindgen(unchecked_return_type = "Holding[]")]
    pub fn balances(&self) -> Array {
        self.0
            .balances()
            .iter()
            .map(|(info, v)| holding(info, *v))
            .collect()
    }

    /// The packages held (unspent), each with the index `openPackage` takes.
    #[wasm_bindgen(unchecked_return_type = "HeldPackage[]")]
    pub fn packages(&self) -> Array {
        self.0
            .packages()
            .iter()
            .enumerate()
            .map(|(i, p)| {
                js::object(&[
                    ("index", (i as u32).into()),
                    (
                        "contents",
                        contents(&p.infos, p.package.contents.iter().map(|(_, v)| *v)).into(),
                    ),
                    ("memoText", memo_text(&p.memo).into()),
                ])
            })
            .collect()
    }

    /// Sends `amount` of `asset` to `to`, paying `fee` (native currency),
    /// change back to address 0: Spend and Output proofs. Returns the
    /// transaction's bytes; scan it (here and at the recipient) once the
    /// chain has it.
    #[allow(clippy::too_many_arguments)]
    pub fn transfer(
        &self,
        keys: &ProvingKeys,
        to: &str,
        #[wasm_bindgen(unchecked_param_type = "AssetSpec")] asset: JsValue,
        amount: u64,
        fee: u64,
        #[wasm_bindgen(js_name = memo)] memo_bytes: Option<Vec<u8>>,
        #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "ProgressCallback")]
        on_progress: Option<Function>,
    ) -> Result<Vec<u8>, Error> {
        let to = parse_address(to)?;
        let info = asset_spec(&asset)?;
        let memo = memo(memo_bytes)?;
        let needed = [CircuitKind::Spend, CircuitKind::Output];
        prove(keys, &needed, on_progress, |keys| {
            self.0
                .transfer(keys, &to, &[(info, amount)], fee, memo, &mut OsRng)
        })
    }

    /// Seals assets of this wallet into a new package for `to`
    /// (`contents`: up to four `[asset, amount]` pairs).
    #[wasm_bindgen(js_name = sealPackage)]
    pub fn seal_package(
        &self,
        keys: &ProvingKeys,
        to: &str,
        #[wasm_bindgen(unchecked_param_type = "[AssetSpec, bigint][]")] contents: Array,
        #[wasm_bindgen(js_name = memo)] memo_bytes: Option<Vec<u8>>,
        #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "ProgressCallback")]
        on_progress: Option<Function>,
    ) -> Result<Vec<u8>, Error> {
        let to = parse_address(to)?;
        let memo = memo(memo_bytes)?;
        let contents = contents
            .iter()
            .map(|pair| {
                let pair = Array::from(&pair);
                let amount = u64::try_from(pair.get(1)).map_err(|_| {
                    Error::argument("package contents are [asset, amount] pairs, amount a bigint")
                })?;
                Ok((asset_spec(&pair.get(0))?, amount))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let needed = [
            CircuitKind::Spend,
            CircuitKind::Output,
            CircuitKind::PackageOutput,
        ];
        prove(keys, &needed, on_progress, |keys| {
            self.0.seal_package(keys, &to, &contents, memo, &mut OsRng)
        })
    }

    /// Opens the held package number `index` (see `packages()`): its
    /// contents become notes of this wallet.
    #[wasm_bindgen(js_name = openPackage)]
    pub fn open_package(
        &self,
        keys: &ProvingKeys,
        index: u32,
        #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "ProgressCallback")]
        on_progress: Option<Function>,
    ) -> Result<Vec<u8>, Error> {
        let package: OwnedPackage = self
            .0
            .packages()
            .get(index as usize)
            .map(|p| (*p).clone())
            .ok_or_else(|| Error::argument(format!("the wallet holds no package {index}")))?;
        let needed = [CircuitKind::PackageSpend, CircuitKind::Output];
        prove(keys, &needed, on_progress, |keys| {
            self.0.open_package(keys, &package, &mut OsRng)
        })
    }
}
