//! Building and proving: proving keys from bytes the caller supplies (a page
//! fetches them lazily, only for the circuits it proves; they are never
//! inside the `.wasm`), progress reported to a JS callback, and the
//! transactions that need no wallet (shielding, issuing a ticket). Wallet
//! transfers and packages are in [`crate::wallet`]; all delegate to
//! `superzk-prover`.

use ark_bls12_381::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_groth16::ProvingKey;
use ark_serialize::Validate;
use js_sys::Function;
use rand_core::OsRng;
use superzk_circuits::asset::{AssetInfo, Ticket};
use superzk_keys::{
    note_plaintext::MEMO_LEN,
    params::{proving_key_from_bytes, CircuitKind, Parameters, VerifyingParameters},
};
use superzk_prover::{BuildError, TransactionBuilder};
use superzk_verifier::transaction::Transaction;
use wasm_bindgen::prelude::*;

use crate::{error::Error, js, keys::parse_address, verify};

/// Proving keys, one per circuit, added from the bytes of proving-key files.
///
/// A transaction names the verifying keys of all four circuits, but proves
/// only those it uses: a transfer needs `spend` and `output` only, so a page
/// need not download the package keys. A circuit whose key was not added is
/// named by the built-in (fixtures') verifying key, and a transaction that
/// would need it is refused with a `KeyError` (`NotLoaded`) before proving.
#[wasm_bindgen]
pub struct ProvingKeys {
    keys: superzk_prover::ProvingKeys,
    loaded: [bool; 4],
}

impl Default for ProvingKeys {
    fn default() -> Self {
        let builtin = verify::builtin_keys();
        Self {
            keys: superzk_prover::ProvingKeys {
                spend: placeholder(&builtin.spend),
                output: placeholder(&builtin.output),
                package_spend: placeholder(&builtin.package_spend),
                package_output: placeholder(&builtin.package_output),
            },
            loaded: [false; 4],
        }
    }
}

/// Parameters that carry a verifying key (so transactions name it) and no
/// proving material. Never proven with: [`ProvingKeys::require`] refuses.
fn placeholder(vp: &VerifyingParameters) -> Parameters {
    Parameters {
        proving_key: ProvingKey {
            vk: vp.vk.clone(),
            beta_g1: G1Affine::zero(),
            delta_g1: G1Affine::zero(),
            a_query: vec![],
            b_g1_query: vec![],
            b_g2_query: Vec::<G2Affine>::new(),
            h_query: vec![],
            l_query: vec![],
        },
        verifying: vp.clone(),
    }
}

fn index(kind: CircuitKind) -> usize {
    usize::from(kind.id() - 1)
}

/// Why proving keys cannot be used.
#[derive(Debug, thiserror::Error)]
enum ProvingKeyError {
    /// The transaction needs a circuit whose key was not added.
    #[error("the {0} proving key is not loaded; fetch its .pk file and pass the bytes to ProvingKeys.add")]
    NotLoaded(CircuitKind),
}

#[wasm_bindgen]
impl ProvingKeys {
    /// No keys yet: add them with [`add`](Self::add).
    #[wasm_bindgen(constructor)]
    pub fn new() -> ProvingKeys {
        Self::default()
    }

    /// Adds the key in a proving-key file (its header names its circuit),
    /// replacing any key of that circuit; returns `{ circuit, fingerprint }`.
    /// The file's checksum is checked, its points are not (that is slow for
    /// keys this size, and a wrong key can only make proofs that fail
    /// verification, never make a bad one pass).
    #[wasm_bindgen(unchecked_return_type = "VerifyingKeyInfo")]
    pub fn add(&mut self, bytes: &[u8]) -> Result<JsValue, Error> {
        let params = proving_key_from_bytes(bytes, Validate::No)?;
        let kind = params.kind();
        let info = js::object(&[
            ("circuit", kind.name().into()),
            ("fingerprint", params.verifying.fingerprint.to_hex().into()),
        ]);
        let k = &mut self.keys;
        *match kind {
            CircuitKind::Spend => &mut k.spend,
            CircuitKind::Output => &mut k.output,
            CircuitKind::PackageSpend => &mut k.package_spend,
            CircuitKind::PackageOutput => &mut k.package_output,
        } = params;
        self.loaded[index(kind)] = true;
        Ok(info)
    }

    /// As [`add`](Self::add), but first checks that the file is the one
    /// pinned for `circuit`: its SHA-256 must be `sha256` (hex, from the
    /// fingerprint list shipped with the package, `keys.sha256.json`) and
    /// its header must name `circuit`. Throws a `ProvingKeyError`
    /// (`FingerprintMismatch`, fields `circuit`, `expected`, `found`; or
    /// `WrongCircuit`) and adds nothing otherwise: a cached copy that fails
    /// this must be dropped and fetched again.
    #[wasm_bindgen(js_name = addPinned, unchecked_return_type = "VerifyingKeyInfo")]
    pub fn add_pinned(
        &mut self,
        circuit: &str,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<JsValue, Error> {
        let kind = verify::circuit(circuit)?;
        check_pinned(kind, bytes, sha256)?;
        let params = proving_key_from_bytes(bytes, Validate::No)?;
        if params.kind() != kind {
            return Err(Error::new(
                "ProvingKeyError",
                "WrongCircuit",
                format!(
                    "the file pinned for {} is a {} key; the fingerprint list is wrong",
                    kind.name(),
                    params.kind().name()
                ),
            )
            .with("circuit", kind.name())
            .with("found", params.kind().name()));
        }
        self.add(bytes)
    }

    /// Whether the key of a circuit (`spend`, `output`, `package-spend`,
    /// `package-output`) has been added.
    pub fn has(&self, circuit: &str) -> Result<bool, Error> {
        Ok(self.loaded[index(verify::circuit(circuit)?)])
    }
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    js::hex(&sha2::Sha256::digest(bytes))
}

/// Refuses proving-key bytes whose SHA-256 is not the pinned one.
pub(crate) fn check_pinned(kind: CircuitKind, bytes: &[u8], pinned: &str) -> Result<(), Error> {
    let found = sha256_hex(bytes);
    if found.eq_ignore_ascii_case(pinned.trim()) {
        return Ok(());
    }
    Err(Error::new(
        "ProvingKeyError",
        "FingerprintMismatch",
        format!(
            "the {} proving key's SHA-256 is {found}, not the pinned {}; the file is damaged or \
             not the release's: drop any cached copy and fetch it again",
            kind.name(),
            pinned.trim()
        ),
    )
    .with("circuit", kind.name())
    .with("expected", pinned.trim())
    .with("found", found))
}

impl ProvingKeys {
    /// The keys, if every circuit in `needed` has been added.
    pub(crate) fn require(
        &self,
        needed: &[CircuitKind],
    ) -> Result<&superzk_prover::ProvingKeys, Error> {
        match needed.iter().find(|k| !self.loaded[index(**k)]) {
            Some(k) => Err(Error::from_rust(
                "KeyError",
                &ProvingKeyError::NotLoaded(*k),
            )),
            None => Ok(&self.keys),
        }
    }
}

/// Proves with the keys of `needed`, reporting progress, and returns the
/// transaction's bytes.
pub(crate) fn prove(
    keys: &ProvingKeys,
    needed: &[CircuitKind],
    on_progress: Option<Function>,
    build: impl FnOnce(&superzk_prover::ProvingKeys) -> Result<Transaction, BuildError>,
) -> Result<Vec<u8>, Error> {
    let keys = keys.require(needed)?;
    js::progress(on_progress.as_ref(), "proving", 0, 1);
    let tx = build(keys)?;
    js::progress(on_progress.as_ref(), "proved", 1, 1);
    Ok(tx.to_bytes())
}

/// A memo argument: at most `MEMO_LEN` (512) bytes, padded with zeros.
pub(crate) fn memo(bytes: Option<Vec<u8>>) -> Result<[u8; MEMO_LEN], Error> {
    let bytes = bytes.unwrap_or_default();
    if bytes.len() > MEMO_LEN {
        return Err(Error::argument(format!(
            "a memo holds at most {MEMO_LEN} bytes, {} were given",
            bytes.len()
        )));
    }
    let mut out = [0u8; MEMO_LEN];
    out[..bytes.len()].copy_from_slice(&bytes);
    Ok(out)
}

/// A currency by name, checked (1 to 32 bytes of UTF-8).
pub(crate) fn currency(name: &str) -> Result<AssetInfo, Error> {
    let info = AssetInfo::currency(name);
    info.to_bytes()?;
    Ok(info)
}

/// A transparent account id (32 bytes), checked.
pub(crate) fn account(bytes: &[u8]) -> Result<[u8; 32], Error> {
    bytes.try_into().map_err(|_| {
        Error::argument(format!(
            "an account id is 32 bytes, {} were given",
            bytes.len()
        ))
    })
}

/// The ticket the transparent account `issuer` issues in `category` with
/// the 32-byte `serial` (what [`issue_ticket`] creates): its 32-byte id.
#[wasm_bindgen(js_name = ticketId)]
pub fn ticket_id(issuer: &[u8], category: &str, serial: &[u8]) -> Result<Vec<u8>, Error> {
    let serial: [u8; 32] = serial.try_into().map_err(|_| {
        Error::argument(format!(
            "a ticket serial is 32 bytes, {} were given",
            serial.len()
        ))
    })?;
    Ok(Ticket::issued(&account(issuer)?, category, &serial)?
        .id
        .to_vec())
}

/// A ticket, checked.
pub(crate) fn ticket(category: &str, id: &[u8]) -> Result<Ticket, Error> {
    let id: [u8; 32] = id.try_into().map_err(|_| {
        Error::argument(format!("a ticket id is 32 bytes, {} were given", id.len()))
    })?;
    let t = Ticket {
        category: category.into(),
        id,
    };
    AssetInfo::Ticket(t.clone()).to_bytes()?;
    Ok(t)
}

/// Shields `amount` of public `currency` into a new note for `to`: one
/// Output proof. Returns the transaction's bytes.
#[wasm_bindgen]
pub fn shield(
    keys: &ProvingKeys,
    #[wasm_bindgen(js_name = account)] payer: &[u8],
    to: &str,
    #[wasm_bindgen(js_name = currency)] currency_name: &str,
    amount: u64,
    #[wasm_bindgen(js_name = memo)] memo_bytes: Option<Vec<u8>>,
    #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "ProgressCallback")]
    on_progress: Option<Function>,
) -> Result<Vec<u8>, Error> {
    let payer = account(payer)?;
    let to = parse_address(to)?;
    let info = currency(currency_name)?;
    let memo = memo(memo_bytes)?;
    prove(keys, &[CircuitKind::Output], on_progress, |keys| {
        let mut b = TransactionBuilder::new();
        b.set_public_account(payer)
            .add_public_input(info.asset(), amount);
        b.add_output(None, to, info, amount, memo);
        b.build(keys, &mut OsRng)
    })
}

/// The transparent account `issuer` (32 bytes) issues a ticket of
/// `category` with the 32-byte `serial` to `to`: registers it publicly and
/// creates its one shielded note (one Output proof). The ticket's id is
/// [`ticket_id`]`(issuer, category, serial)`: it binds the issuer, so no
/// other account can issue it.
#[wasm_bindgen(js_name = issueTicket)]
pub fn issue_ticket(
    keys: &ProvingKeys,
    issuer: &[u8],
    category: &str,
    serial: &[u8],
    to: &str,
    #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "ProgressCallback")]
    on_progress: Option<Function>,
) -> Result<Vec<u8>, Error> {
    let issuer = account(issuer)?;
    let to = parse_address(to)?;
    let serial: [u8; 32] = serial.try_into().map_err(|_| {
        Error::argument(format!(
            "a ticket serial is 32 bytes, {} were given",
            serial.len()
        ))
    })?;
    let category = category.to_owned();
    prove(keys, &[CircuitKind::Output], on_progress, |keys| {
        let mut b = TransactionBuilder::new();
        b.set_public_account(issuer);
        b.issue_ticket(None, &category, serial, to)?;
        b.build(keys, &mut OsRng)
    })
}

#[wasm_bindgen(typescript_custom_section)]
const PROGRESS_TS: &str = r#"
/** Progress of long work: `step` of `total` done, `stage` says what. */
export type ProgressCallback = (stage: string, step: number, total: number) => void;
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proving_without_the_needed_key_is_refused_before_any_work() {
        let keys = ProvingKeys::new();
        let e = keys.require(&[CircuitKind::Output]).err().unwrap();
        assert_eq!((e.name, e.kind.as_str()), ("KeyError", "NotLoaded"));
        assert!(e.message.contains("output proving key is not loaded"));
        // The placeholders still name the built-in verifying keys.
        assert_eq!(
            keys.keys.spend.verifying.fingerprint,
            verify::builtin_keys().spend.fingerprint
        );
    }

    #[test]
    fn memos_and_names_are_checked() {
        assert_eq!(memo(Some(vec![1; MEMO_LEN])).unwrap()[MEMO_LEN - 1], 1);
        assert_eq!(
            memo(Some(vec![1; MEMO_LEN + 1])).unwrap_err().name,
            "ArgumentError"
        );
        assert_eq!(currency("").unwrap_err().name, "AssetInfoError");
        assert_eq!(ticket("t", &[0; 31]).unwrap_err().name, "ArgumentError");
    }
}
