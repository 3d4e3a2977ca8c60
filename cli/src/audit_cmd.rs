//! `superzk audit`: what an auditor can learn from the keys and disclosures a
//! user hands over, offline, from files.
//!
//! * `superzk audit --fvk KEY FILE...` — with a full viewing key, every note
//!   the key received (trial decryption with its incoming viewing key) and
//!   every one of them spent (nullifiers computed with its `nk` matched
//!   against the spends), per asset, with totals; a table, or JSON (`--json`).
//!   A FILE is a chain file (`SZKC`, as `superzk chain export` and
//!   `superzk demo --out` write it: every shielded transaction of every
//!   block, each note and spend shown with its block height) or a
//!   transaction file (no height).
//! * `superzk audit disclose --fvk KEY --tx FILE [--output N] [--sent] OUT` —
//!   the owner writes a disclosure of one output (or of every output of the
//!   transaction its key sees) for an auditor.
//! * `superzk audit verify-disclosure DISCLOSURE TX` — the auditor checks a
//!   disclosure against the transaction and sees the disclosed notes; exit 0
//!   valid, 1 invalid, 2 unreadable.
//!
//! A nullifier depends on the note's position in the note commitment tree, so
//! loose transaction files must be given in chain order from the first
//! transaction of the chain (as `superzk demo --out` lists them); positions are
//! counted from 0 across the files. A chain file holds the whole chain from
//! genesis, in the order its commitments entered the tree, and is best given
//! alone. The audit reads the chain as given: `superzk chain validate`
//! checks that it is a valid chain.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Args, Subcommand};
use rand_core::OsRng;
use serde_json::{json, Value};
use superzk_chain_core::{
    block::{ChainFile, CHAIN_FILE_MAGIC},
    tx::ChainTx,
};
use superzk_circuits::{asset::AssetInfo, note::AssetId, note_kind::NoteKind, Fr};
use superzk_keys::{
    disclosure::{
        Disclosure, DisclosureError, OutputKind, Revealed, RevealedContent, Role, Selection,
    },
    note_plaintext::MEMO_LEN,
    params::{read_file, write_file_atomic},
    spending_key::{FullViewingKey, SpendingKey, FULL_VIEWING_KEY_HRP, SPENDING_KEY_HRP},
};
use superzk_verifier::transaction::Transaction;

/// `superzk audit`'s arguments.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    /// The full viewing key (`szk-fvk1…`), or a file holding it.
    #[arg(long, required = true)]
    fvk: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// A chain file (SZKC), or transaction files in chain order from the
    /// chain's first transaction (note positions, and so nullifiers, are
    /// counted across them).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Write a disclosure of one output (or of every output the key sees) of
    /// a transaction, for an auditor.
    Disclose {
        /// The full viewing key (`szk-fvk1…`), or a file holding it.
        #[arg(long, required_unless_present = "sk", conflicts_with = "sk")]
        fvk: Option<String>,
        /// Or the spending key (`szk-sk1…`), or a file holding it.
        #[arg(long)]
        sk: Option<String>,
        /// The transaction file.
        #[arg(long)]
        tx: PathBuf,
        /// The output to disclose (plain outputs first, then package
        /// outputs, from 0); default: every output the key sees.
        #[arg(long)]
        output: Option<u32>,
        /// Disclose outputs this key sent (with its outgoing viewing key)
        /// rather than received.
        #[arg(long)]
        sent: bool,
        /// Where to write the disclosure.
        out: PathBuf,
    },
    /// Check a disclosure against its transaction and show the disclosed
    /// notes (exit 0 valid, 1 invalid, 2 unreadable).
    VerifyDisclosure {
        /// The disclosure file.
        disclosure: PathBuf,
        /// The transaction file.
        tx: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Why an audit command could not run (exit 2).
#[derive(Debug, thiserror::Error)]
enum AuditError {
    #[error("{path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the key is neither a {FULL_VIEWING_KEY_HRP} nor a {SPENDING_KEY_HRP} key, nor a file holding one: {0}")]
    Key(String),
    #[error(transparent)]
    Disclosure(#[from] DisclosureError),
    #[error(transparent)]
    Write(#[from] superzk_keys::error::KeyError),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

/// Runs `superzk audit`.
pub fn run(args: AuditArgs) -> ExitCode {
    let result = match args.command {
        Some(AuditCommand::VerifyDisclosure {
            disclosure,
            tx,
            json,
        }) => return verify_disclosure(&disclosure, &tx, json),
        Some(AuditCommand::Disclose {
            fvk,
            sk,
            tx,
            output,
            sent,
            out,
        }) => disclose(fvk.or(sk).as_deref(), &tx, output, sent, &out),
        None => audit(args.fvk.as_deref(), &args.files, args.json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// A key given as text, or as a file holding the text: a full viewing key,
/// or a spending key (from which the full viewing key is derived).
fn load_fvk(given: Option<&str>) -> Result<FullViewingKey, AuditError> {
    let given = given.ok_or_else(|| AuditError::Key("no key given".into()))?;
    let text = if Path::new(given).is_file() {
        std::fs::read_to_string(given).map_err(|e| AuditError::Unreadable {
            path: given.into(),
            reason: e.to_string(),
        })?
    } else {
        given.to_string()
    };
    let text = text.trim();
    if text.starts_with(&format!("{SPENDING_KEY_HRP}1")) {
        return SpendingKey::decode(text)
            .map(|sk| sk.full_viewing_key())
            .map_err(|e| AuditError::Key(e.to_string()));
    }
    FullViewingKey::decode(text).map_err(|e| AuditError::Key(e.to_string()))
}

/// One shielded transaction to scan: where it came from, and the height of
/// its block when it came from a chain file.
struct Source {
    file: String,
    height: Option<u64>,
    tx: Transaction,
}

/// Reads a chain file's shielded transactions, block by block, or a single
/// transaction file.
fn read_source(path: &Path) -> Result<Vec<Source>, AuditError> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let bytes = read_file(path).map_err(|e| AuditError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    if !bytes.starts_with(CHAIN_FILE_MAGIC) {
        let tx = read_tx_bytes(path, &bytes)?;
        return Ok(vec![Source {
            file,
            height: None,
            tx,
        }]);
    }
    let chain = ChainFile::from_bytes(&bytes).map_err(|e| AuditError::Unreadable {
        path: path.display().to_string(),
        reason: format!("not a chain file: {e}"),
    })?;
    Ok(chain
        .blocks
        .into_iter()
        .flat_map(|block| {
            let height = block.header.height;
            let file = file.clone();
            block.txs.into_iter().filter_map(move |tx| match tx {
                ChainTx::Shielded(s) => Some(Source {
                    file: file.clone(),
                    height: Some(height),
                    tx: s.tx,
                }),
                _ => None,
            })
        })
        .collect())
}

fn read_tx_bytes(path: &Path, bytes: &[u8]) -> Result<Transaction, AuditError> {
    Transaction::from_bytes(bytes).map_err(|e| AuditError::Unreadable {
        path: path.display().to_string(),
        reason: format!("not a transaction: {e}"),
    })
}

fn read_tx(path: &Path) -> Result<Transaction, AuditError> {
    let unreadable = |reason: String| AuditError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    let bytes = read_file(path).map_err(|e| unreadable(e.to_string()))?;
    read_tx_bytes(path, &bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn memo_text(memo: &[u8; MEMO_LEN]) -> String {
    let end = memo.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    String::from_utf8_lossy(&memo[..end]).into_owned()
}

/// The assets an output holds, with their names (a package: its non-empty slots).
fn holdings(content: &RevealedContent) -> Vec<(AssetInfo, u64)> {
    match content {
        RevealedContent::Note(n) => vec![(n.asset_info.clone(), n.note.value)],
        RevealedContent::Package(p) => p
            .infos
            .iter()
            .zip(&p.package.contents)
            .filter(|(_, (_, v))| *v > 0)
            .map(|(info, (_, v))| (info.clone(), *v))
            .collect(),
    }
}

fn holdings_json(h: &[(AssetInfo, u64)]) -> Value {
    h.iter()
        .map(|(info, v)| json!({"asset": info.to_string(), "asset_id": hex(&asset_key(&info.asset())), "value": v}))
        .collect()
}

fn holdings_text(h: &[(AssetInfo, u64)]) -> String {
    h.iter()
        .map(|(info, v)| format!("{v} {info}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_name(content: &RevealedContent) -> &'static str {
    match content {
        RevealedContent::Note(_) => "note",
        RevealedContent::Package(_) => "package",
    }
}

/// A note the key received.
struct Received {
    source: String,
    height: Option<u64>,
    tx: String,
    output: usize,
    position: u64,
    content: RevealedContent,
    address: String,
    memo: String,
    holdings: Vec<(AssetInfo, u64)>,
}

/// A spend of one of those notes.
struct Spent {
    source: String,
    height: Option<u64>,
    tx: String,
    spend: usize,
    note: usize,
}

/// Per asset: received, spent.
#[derive(Default)]
struct Total {
    name: String,
    received: u64,
    spent: u64,
}

/// Scans the files in order.
fn scan(
    fvk: &FullViewingKey,
    txs: &[Source],
) -> (Vec<Received>, Vec<Spent>, BTreeMap<Vec<u8>, Total>) {
    let ivk = fvk.incoming_viewing_key();
    let nk = fvk.nk();
    let mut received: Vec<Received> = vec![];
    let mut spent = vec![];
    let mut by_nullifier: HashMap<Fr, usize> = HashMap::new();
    let mut position = 0u64;
    for Source {
        file: source,
        height,
        tx,
    } in txs
    {
        let id = hex(&tx.id());
        for (spend, s) in tx.all_spends().enumerate() {
            if let Some(note) = by_nullifier.remove(&s.nullifier) {
                spent.push(Spent {
                    source: source.clone(),
                    height: *height,
                    tx: id.clone(),
                    spend,
                    note,
                });
            }
        }
        for (output, o) in tx.disclosure_outputs().iter().enumerate() {
            let found = match o.kind {
                OutputKind::Note => ivk.decrypt_output(&o.cm, &o.epk, o.ciphertext).map(|n| {
                    (
                        n.note.nullifier(&nk, position),
                        n.diversifier,
                        n.memo,
                        RevealedContent::Note(n),
                    )
                }),
                OutputKind::Package => {
                    ivk.decrypt_package_output(&o.cm, &o.epk, o.ciphertext)
                        .map(|p| {
                            (
                                p.package.nullifier(&nk, position),
                                p.diversifier,
                                p.memo,
                                RevealedContent::Package(p),
                            )
                        })
                }
            };
            if let Some((nf, d, memo, content)) = found {
                by_nullifier.insert(nf, received.len());
                received.push(Received {
                    source: source.clone(),
                    height: *height,
                    tx: id.clone(),
                    output,
                    position,
                    address: ivk.address_for(d).encode(),
                    memo: memo_text(&memo),
                    holdings: holdings(&content),
                    content,
                });
            }
            position += 1;
        }
    }
    let mut totals: BTreeMap<Vec<u8>, Total> = BTreeMap::new();
    for r in &received {
        for (info, v) in &r.holdings {
            let t = totals.entry(asset_key(&info.asset())).or_default();
            t.name = info.to_string();
            t.received = t.received.saturating_add(*v);
        }
    }
    for s in &spent {
        for (info, v) in &received[s.note].holdings {
            let t = totals.entry(asset_key(&info.asset())).or_default();
            t.spent = t.spent.saturating_add(*v);
        }
    }
    (received, spent, totals)
}

fn asset_key(asset: &AssetId) -> Vec<u8> {
    superzk_keys::spending_key::encode_field(&asset.0).to_vec()
}

/// `superzk audit --fvk KEY FILE...`.
fn audit(fvk: Option<&str>, files: &[PathBuf], as_json: bool) -> Result<(), AuditError> {
    let fvk = load_fvk(fvk)?;
    let txs = files
        .iter()
        .map(|p| read_source(p))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let (received, spent, totals) = scan(&fvk, &txs);
    let mut totals: Vec<&Total> = totals.values().collect();
    totals.sort_by(|a, b| a.name.cmp(&b.name));
    let spent_notes: std::collections::HashSet<usize> = spent.iter().map(|s| s.note).collect();
    if as_json {
        let report = json!({
            "received": received.iter().enumerate().map(|(i, r)| json!({
                "source": r.source,
                "height": r.height,
                "tx": r.tx,
                "output": r.output,
                "position": r.position,
                "kind": kind_name(&r.content),
                "address": r.address,
                "memo": r.memo,
                "spent": spent_notes.contains(&i),
                "assets": holdings_json(&r.holdings),
            })).collect::<Vec<_>>(),
            "spent": spent.iter().map(|s| {
                let note = &received[s.note];
                json!({
                    "source": s.source,
                    "height": s.height,
                    "tx": s.tx,
                    "spend": s.spend,
                    "note": {"source": note.source, "height": note.height, "tx": note.tx, "output": note.output},
                    "kind": kind_name(&note.content),
                    "assets": holdings_json(&note.holdings),
                })
            }).collect::<Vec<_>>(),
            "totals": totals.iter().map(|t| json!({
                "asset": t.name,
                "received": t.received,
                "spent": t.spent,
                "balance": t.received.saturating_sub(t.spent),
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let short = |id: &str| id[..12.min(id.len())].to_string();
    let height = |h: Option<u64>| h.map_or_else(|| "-".to_string(), |h| h.to_string());
    println!("received ({} notes)", received.len());
    println!(
        "  {:<14} {:>6} {:<12} {:>3} {:>5} {:<8} {:<40} memo",
        "where", "height", "tx", "out", "pos", "kind", "holds"
    );
    for r in &received {
        println!(
            "  {:<14} {:>6} {:<12} {:>3} {:>5} {:<8} {:<40} {}",
            r.source,
            height(r.height),
            short(&r.tx),
            r.output,
            r.position,
            kind_name(&r.content),
            holdings_text(&r.holdings),
            r.memo
        );
    }
    println!("spent ({} notes)", spent.len());
    println!(
        "  {:<14} {:>6} {:<12} {:>5}  {:<22} holds",
        "where", "height", "tx", "spend", "note (where:out)"
    );
    for s in &spent {
        let note = &received[s.note];
        println!(
            "  {:<14} {:>6} {:<12} {:>5}  {:<22} {}",
            s.source,
            height(s.height),
            short(&s.tx),
            s.spend,
            format!(
                "{}:{}",
                note.height.map_or_else(
                    || note.source.clone(),
                    |h| format!("block {h} {}", short(&note.tx)[..8].to_owned())
                ),
                note.output
            ),
            holdings_text(&note.holdings)
        );
    }
    println!("totals");
    println!(
        "  {:<36} {:>10} {:>10} {:>10}",
        "asset", "received", "spent", "balance"
    );
    for t in &totals {
        println!(
            "  {:<36} {:>10} {:>10} {:>10}",
            t.name,
            t.received,
            t.spent,
            t.received.saturating_sub(t.spent)
        );
    }
    Ok(())
}

/// `superzk audit disclose`.
fn disclose(
    key: Option<&str>,
    tx_path: &Path,
    output: Option<u32>,
    sent: bool,
    out: &Path,
) -> Result<(), AuditError> {
    let fvk = load_fvk(key)?;
    let tx = read_tx(tx_path)?;
    let outputs = tx.disclosure_outputs();
    let selection = output.map_or(Selection::AllVisible, Selection::Output);
    let disclosure = if sent {
        Disclosure::sent(&fvk, tx.id(), &outputs, selection, &mut OsRng)?
    } else {
        Disclosure::received(
            &fvk.incoming_viewing_key(),
            tx.id(),
            &outputs,
            selection,
            &mut OsRng,
        )?
    };
    write_file_atomic(out, &disclosure.to_bytes())?;
    println!(
        "wrote {}: a disclosure of output{} {} of transaction {}",
        out.display(),
        if disclosure.entries.len() == 1 {
            ""
        } else {
            "s"
        },
        disclosure
            .entries
            .iter()
            .map(|e| e.index.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        hex(&tx.id())
    );
    Ok(())
}

/// `superzk audit verify-disclosure`: exit 0 valid, 1 invalid, 2 unreadable.
fn verify_disclosure(disclosure: &Path, tx_path: &Path, as_json: bool) -> ExitCode {
    let unreadable = |e: AuditError| {
        eprintln!("unreadable: {e}");
        ExitCode::from(2)
    };
    let parsed = read_file(disclosure)
        .map_err(|e| AuditError::Unreadable {
            path: disclosure.display().to_string(),
            reason: e.to_string(),
        })
        .and_then(|b| {
            Disclosure::from_bytes(&b).map_err(|e| AuditError::Unreadable {
                path: disclosure.display().to_string(),
                reason: e.to_string(),
            })
        });
    let (d, tx) = match (parsed, read_tx(tx_path)) {
        (Ok(d), Ok(tx)) => (d, tx),
        (Err(e), _) | (_, Err(e)) => return unreadable(e),
    };
    match d.verify(&tx.id(), &tx.disclosure_outputs()) {
        Ok(revealed) => {
            if as_json {
                let shown = json!({
                    "valid": true,
                    "tx": hex(&tx.id()),
                    "role": role_name(d.role),
                    "outputs": revealed.iter().map(revealed_json).collect::<Vec<_>>(),
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&shown).unwrap_or_default()
                );
            } else {
                println!(
                    "valid disclosure ({}) of transaction {}",
                    role_name(d.role),
                    hex(&tx.id())
                );
                for r in &revealed {
                    println!(
                        "  output {} ({}) to {}: {}; memo \"{}\"",
                        r.index,
                        kind_name(&r.content),
                        r.address,
                        holdings_text(&holdings(&r.content)),
                        memo_text(revealed_memo(&r.content))
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if as_json {
                println!("{}", json!({"valid": false, "reason": e.to_string()}));
            } else {
                println!("INVALID disclosure: {e}");
            }
            ExitCode::from(1)
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Received => "received",
        Role::Sent => "sent",
    }
}

fn revealed_memo(content: &RevealedContent) -> &[u8; MEMO_LEN] {
    match content {
        RevealedContent::Note(n) => &n.memo,
        RevealedContent::Package(p) => &p.memo,
    }
}

fn revealed_json(r: &Revealed) -> Value {
    json!({
        "output": r.index,
        "kind": kind_name(&r.content),
        "address": r.address.encode(),
        "memo": memo_text(revealed_memo(&r.content)),
        "assets": holdings_json(&holdings(&r.content)),
    })
}
