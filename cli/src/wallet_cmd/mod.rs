//! `superzk wallet`: a persistent wallet against a running node.
//!
//! A wallet lives in a directory: `wallet.sqlite` (the wallet database:
//! viewing keys, notes, witnesses, history; no spending key) and
//! `mnemonic` (the BIP-39 phrase, mode 0600, from which every spending key
//! is derived when needed). Watch-only wallets have no mnemonic file.

mod faucet;
mod store;

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use rand_core::OsRng;
use superzk_circuits::asset::{AssetInfo, Ticket};
use superzk_keys::{address::PaymentAddress, network::Network};
use superzk_prover::{Pczt, ProofGenerationKey};
use superzk_wallet::{
    fee::FeeRule,
    grpc::NodeSource,
    select::{Payment, PaymentKind, TransactionRequest},
    uri, AccountId, ChainSource, TxStatus, Wallet,
};

use crate::error::CliError;
use store::WalletDir;

/// Where the wallet is and which account to use.
#[derive(Args, Debug)]
pub struct WalletArgs {
    /// The wallet's directory (database and mnemonic).
    #[arg(long, default_value = "superzk-wallet", global = true)]
    pub wallet_dir: PathBuf,
    /// The account to act for (by name; default: the first).
    #[arg(long, global = true)]
    pub account: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: WalletCommand,
}

/// What a payment sends.
#[derive(Args, Debug, Clone)]
pub struct PayArgs {
    /// The recipient's address.
    #[arg(long)]
    to: Option<String>,
    /// Amount in coins (up to 6 decimals), with --asset.
    #[arg(long)]
    amount: Option<String>,
    /// The currency (default: the native SERO).
    #[arg(long, default_value = "SERO")]
    asset: String,
    /// A ticket to send instead of an amount: `CATEGORY:ID_HEX` as
    /// `superzk wallet tickets` lists it.
    #[arg(long)]
    ticket: Option<String>,
    /// Seal these into a new package for the recipient (repeatable):
    /// `ASSET=AMOUNT` or `ticket:CATEGORY:ID_HEX`.
    #[arg(long = "seal")]
    seal: Vec<String>,
    /// Pass on a package the wallet holds (its id in `packages`).
    #[arg(long)]
    pass_package: Option<i64>,
    /// Open a package the wallet holds (its id): its contents become notes.
    #[arg(long)]
    open_package: Option<i64>,
    /// Redeem (burn publicly) a ticket the wallet holds: `CATEGORY:ID_HEX`.
    #[arg(long)]
    redeem_ticket: Option<String>,
    /// A memo for the recipient (UTF-8, at most 512 bytes).
    #[arg(long, default_value = "")]
    memo: String,
    /// A payment-request URI (`superzk:ADDRESS?amount=...`) instead of the
    /// options above.
    #[arg(long)]
    uri: Option<String>,
    /// Blocks after the tip the transaction may still be mined in.
    #[arg(long)]
    expiry_delta: Option<u64>,
}

/// The wallet commands.
#[derive(Subcommand, Debug)]
pub enum WalletCommand {
    /// Create a new wallet: a fresh 24-word mnemonic (printed once) and an
    /// account whose birthday is the node's tip.
    Init {
        /// The node to learn the chain (and the birthday) from.
        #[arg(long)]
        node: String,
        /// The first height to scan (default: the node's tip).
        #[arg(long)]
        birthday: Option<u64>,
    },
    /// Restore a wallet from its mnemonic (read from a file or stdin).
    Restore {
        /// The node.
        #[arg(long)]
        node: String,
        /// A file holding the mnemonic; `-` reads stdin.
        #[arg(long)]
        mnemonic_file: PathBuf,
        /// The first height to scan (default 0: the whole chain).
        #[arg(long, default_value_t = 0)]
        birthday: u64,
    },
    /// Add a watch-only wallet from a full viewing key.
    Watch {
        /// The node.
        #[arg(long)]
        node: String,
        /// The encoded full viewing key.
        #[arg(long)]
        viewing_key: String,
        /// The first height to scan.
        #[arg(long, default_value_t = 0)]
        birthday: u64,
    },
    /// Add the mnemonic's next account (`account1`, `account2`, ...).
    AddAccount {
        /// The first height to scan for it (default: the wallet's scanned
        /// height, i.e. a new account with no past).
        #[arg(long)]
        birthday: Option<u64>,
    },
    /// List the wallet's accounts.
    Accounts,
    /// Show the account's address (`--new`: a fresh one).
    Address {
        /// A fresh address never handed out before.
        #[arg(long)]
        new: bool,
    },
    /// Scan the chain for the wallet's notes, with a progress bar.
    Sync {
        /// The node.
        #[arg(long)]
        node: String,
    },
    /// Balances per asset: spendable, and locked by transactions in flight.
    Balance,
    /// The tickets the account holds.
    Tickets,
    /// The packages the account holds, with their contents.
    Packages,
    /// The account's transactions, newest first, with memos.
    History,
    /// Pay: propose, prove, authorize and send in one go.
    Send {
        /// The node.
        #[arg(long)]
        node: String,
        /// What to pay.
        #[command(flatten)]
        pay: PayArgs,
    },
    /// Step 1 of 3: propose a payment and write the partially built
    /// transaction (no key needed to read it; notes marked pending).
    Propose {
        /// What to pay.
        #[command(flatten)]
        pay: PayArgs,
        /// Also write the proposal (JSON) here, for inspection.
        #[arg(long)]
        proposal_out: Option<PathBuf>,
        /// Where to write the partially built transaction.
        #[arg(long)]
        out: PathBuf,
    },
    /// Send a transaction finished by `superzk pczt prove` and
    /// `superzk pczt authorize`, and record it in the wallet.
    Submit {
        /// The node.
        #[arg(long)]
        node: String,
        /// The authorized partially built transaction.
        file: PathBuf,
    },
    /// Write the account's proof-generation key (hex): what a prover needs,
    /// never able to spend.
    ExportProofKey {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the account's spending key (mode 0600), for signing on
    /// another machine with `superzk pczt authorize`.
    ExportSpendingKey {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the account's full viewing key (for an auditor or a
    /// watch-only wallet).
    ExportViewingKey,
    /// Devnet/testnet only: move public funds of a published key (e.g.
    /// `devnet:alice`) into this wallet, or issue it a ticket.
    Faucet(faucet::FaucetArgs),
}

/// Runs a wallet command.
pub fn run(args: WalletArgs) -> ExitCode {
    match dispatch(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(args: WalletArgs) -> Result<(), CliError> {
    let dir = WalletDir::new(&args.wallet_dir);
    let account = args.account.as_deref();
    match args.command {
        WalletCommand::Init { node, birthday } => init(&dir, &node, birthday),
        WalletCommand::Restore {
            node,
            mnemonic_file,
            birthday,
        } => restore(&dir, &node, &mnemonic_file, birthday),
        WalletCommand::Watch {
            node,
            viewing_key,
            birthday,
        } => watch(&dir, &node, &viewing_key, birthday),
        WalletCommand::AddAccount { birthday } => add_account(&dir, birthday),
        WalletCommand::Accounts => accounts(&dir),
        WalletCommand::Address { new } => address(&dir, account, new),
        WalletCommand::Sync { node } => sync(&dir, &node).map(|_| ()),
        WalletCommand::Balance => balance(&dir, account),
        WalletCommand::Tickets => tickets(&dir, account),
        WalletCommand::Packages => packages(&dir, account),
        WalletCommand::History => history(&dir, account),
        WalletCommand::Send { node, pay } => send(&dir, account, &node, &pay),
        WalletCommand::Propose {
            pay,
            proposal_out,
            out,
        } => propose_to_file(&dir, account, &pay, proposal_out.as_deref(), &out),
        WalletCommand::Submit { node, file } => submit(&dir, &node, &file),
        WalletCommand::ExportProofKey { out } => export_proof_key(&dir, account, &out),
        WalletCommand::ExportSpendingKey { out } => export_spending_key(&dir, account, &out),
        WalletCommand::ExportViewingKey => export_viewing_key(&dir, account),
        WalletCommand::Faucet(args) => faucet::run(&dir, account, args),
    }
}

fn connect(node: &str) -> Result<NodeSource, CliError> {
    NodeSource::connect(node).map_err(|e| CliError::Chain(e.to_string()))
}

fn init(dir: &WalletDir, node: &str, birthday: Option<u64>) -> Result<(), CliError> {
    let source = connect(node)?;
    let birthday = match birthday {
        Some(b) => b,
        None => source.tip().map_err(|e| CliError::Chain(e.to_string()))?.0,
    };
    let mnemonic = superzk_keys::hd::Mnemonic::generate(&mut OsRng);
    dir.create(&source, &mnemonic, birthday)?;
    println!("Created a wallet in {}.", dir.path().display());
    println!(
        "Write these 24 words down and keep them secret: they are the only way to restore it."
    );
    println!("{}", mnemonic.phrase().as_str());
    Ok(())
}

fn restore(dir: &WalletDir, node: &str, file: &Path, birthday: u64) -> Result<(), CliError> {
    let phrase = store::read_secret_text(file)?;
    let mnemonic = superzk_keys::hd::Mnemonic::parse(phrase.trim())
        .map_err(|e| CliError::Io(format!("the mnemonic is not valid: {e}")))?;
    let source = connect(node)?;
    dir.create(&source, &mnemonic, birthday)?;
    println!(
        "Restored the wallet in {}; run `superzk wallet sync` to find its notes.",
        dir.path().display()
    );
    Ok(())
}

fn watch(dir: &WalletDir, node: &str, fvk: &str, birthday: u64) -> Result<(), CliError> {
    let source = connect(node)?;
    dir.create_watch_only(&source, fvk, birthday)?;
    println!("Created a watch-only wallet in {}.", dir.path().display());
    Ok(())
}

fn add_account(dir: &WalletDir, birthday: Option<u64>) -> Result<(), CliError> {
    let name = dir.add_account(birthday)?;
    println!("added {name}");
    Ok(())
}

fn accounts(dir: &WalletDir) -> Result<(), CliError> {
    let (wallet, _) = dir.open()?;
    for a in wallet.accounts().map_err(wallet_error)? {
        println!(
            "{}{} (birthday {})",
            a.name,
            if a.watch_only { ", watch-only" } else { "" },
            a.birthday
        );
    }
    Ok(())
}

fn address(dir: &WalletDir, account: Option<&str>, new: bool) -> Result<(), CliError> {
    let (mut wallet, network) = dir.open()?;
    let id = dir.account(&wallet, account)?;
    let address = if new {
        wallet.next_address(id).map_err(wallet_error)?
    } else {
        wallet.address(id, 0).map_err(wallet_error)?
    };
    println!("{}", address.encode_for(network));
    Ok(())
}

/// Syncs with a progress bar; returns the scanned height.
fn sync(dir: &WalletDir, node: &str) -> Result<u64, CliError> {
    let (mut wallet, _) = dir.open()?;
    let source = connect(node)?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} sync [{bar:30}] {pos}/{len} blocks, {msg} ({elapsed})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let done = wallet
        .sync(&source, |p| {
            bar.set_length(p.tip_height);
            bar.set_position(p.scanned_height);
            bar.set_message(format!(
                "{} outputs scanned, {} notes found",
                p.outputs_scanned, p.notes_found
            ));
        })
        .map_err(wallet_error)?;
    bar.finish_and_clear();
    println!(
        "synced to height {} ({} outputs scanned, {} notes found{})",
        done.scanned_height,
        done.outputs_scanned,
        done.notes_found,
        if done.blocks_rewound > 0 {
            format!(", {} blocks rewound by a reorg", done.blocks_rewound)
        } else {
            String::new()
        }
    );
    Ok(done.scanned_height)
}

fn balance(dir: &WalletDir, account: Option<&str>) -> Result<(), CliError> {
    let (wallet, _) = dir.open()?;
    let id = dir.account(&wallet, account)?;
    let balances = wallet.balances(id).map_err(wallet_error)?;
    if balances.is_empty() {
        println!("no funds (run `superzk wallet sync` first?)");
    }
    for b in balances {
        println!(
            "{}: {} spendable, {} pending",
            asset_name(&b.asset),
            uri::format_amount(b.spendable),
            uri::format_amount(b.pending)
        );
    }
    Ok(())
}

fn tickets(dir: &WalletDir, account: Option<&str>) -> Result<(), CliError> {
    let (wallet, _) = dir.open()?;
    let id = dir.account(&wallet, account)?;
    for (_, ticket) in wallet.tickets(id).map_err(wallet_error)? {
        println!("{}", ticket_text(&ticket));
    }
    Ok(())
}

fn packages(dir: &WalletDir, account: Option<&str>) -> Result<(), CliError> {
    let (wallet, _) = dir.open()?;
    let id = dir.account(&wallet, account)?;
    for p in wallet.packages(id).map_err(wallet_error)? {
        let contents: Vec<String> = p
            .contents()
            .iter()
            .map(|(a, v)| format!("{}={}", asset_name(a), uri::format_amount(*v)))
            .collect();
        println!("package {}: {}", p.id, contents.join(", "));
    }
    Ok(())
}

fn history(dir: &WalletDir, account: Option<&str>) -> Result<(), CliError> {
    let (wallet, _) = dir.open()?;
    let id = dir.account(&wallet, account)?;
    for entry in wallet.history(id).map_err(wallet_error)? {
        let when = match entry.mined_height {
            Some(h) => format!("mined at {h}"),
            None => format!(
                "not mined (expires after {})",
                entry.expiry_height.map_or("?".into(), |e| e.to_string())
            ),
        };
        let fee = entry.fee.map_or(String::new(), |f| {
            format!(", fee {}", uri::format_amount(f))
        });
        println!("{} {when}{fee}", hex::encode(entry.txid));
        if entry.spent_notes > 0 {
            println!("  spent {} note(s)", entry.spent_notes);
        }
        for r in &entry.received {
            for (asset, value) in &r.contents {
                println!(
                    "  received {} {}{}",
                    amount_text(asset, *value),
                    if r.is_package { "(in a package) " } else { "" },
                    memo_text(&r.memo)
                );
            }
        }
        for s in &entry.sent {
            println!(
                "  sent {} to {} {}",
                amount_text(&s.asset, s.value),
                s.recipient,
                memo_text(&s.memo)
            );
        }
    }
    Ok(())
}

fn amount_text(asset: &AssetInfo, value: u64) -> String {
    match asset {
        AssetInfo::Ticket(_) => asset_name(asset),
        AssetInfo::Currency(name) => format!("{} {name}", uri::format_amount(value)),
    }
}

/// A memo as text: its bytes up to the zero padding, if UTF-8.
fn memo_text(memo: &[u8]) -> String {
    let end = memo.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    match std::str::from_utf8(&memo[..end]) {
        Ok("") => String::new(),
        Ok(text) => format!("memo {text:?}"),
        Err(_) => format!("memo 0x{}", hex::encode(&memo[..end])),
    }
}

/// The request the payment options describe.
fn request(
    wallet: &Wallet,
    id: AccountId,
    network: Network,
    pay: &PayArgs,
) -> Result<TransactionRequest, CliError> {
    if let Some(text) = &pay.uri {
        return uri::parse(text).map_err(|e| CliError::Io(format!("the payment URI: {e}")));
    }
    let mut request = TransactionRequest::default();
    if let Some(package) = pay.open_package {
        request.open_packages.push(package);
    }
    if let Some(t) = &pay.redeem_ticket {
        request.redeem_tickets.push(held_ticket(wallet, id, t)?);
    }
    let Some(to) = &pay.to else {
        if request.open_packages.is_empty() && request.redeem_tickets.is_empty() {
            return Err(CliError::Io(
                "say what to pay: --to ADDRESS with --amount, --ticket, --seal or --pass-package \
                 (or --uri, --open-package, --redeem-ticket)"
                    .into(),
            ));
        }
        return Ok(request);
    };
    let recipient = PaymentAddress::decode_for(network, to)
        .map_err(|e| CliError::Io(format!("the recipient address: {e}")))?;
    let kind = payment_kind(wallet, id, pay)?;
    request.payments.push(Payment {
        recipient,
        kind,
        memo: pay.memo.as_bytes().to_vec(),
        label: None,
        message: None,
    });
    Ok(request)
}

fn payment_kind(wallet: &Wallet, id: AccountId, pay: &PayArgs) -> Result<PaymentKind, CliError> {
    if let Some(t) = &pay.ticket {
        return Ok(PaymentKind::Ticket(held_ticket(wallet, id, t)?));
    }
    if let Some(package) = pay.pass_package {
        return Ok(PaymentKind::PassPackage { package });
    }
    if !pay.seal.is_empty() {
        let contents = pay
            .seal
            .iter()
            .map(|item| seal_item(wallet, id, item))
            .collect::<Result<_, _>>()?;
        return Ok(PaymentKind::SealPackage { contents });
    }
    let amount = pay
        .amount
        .as_deref()
        .ok_or_else(|| CliError::Io("--amount is needed with --to".into()))?;
    let amount = uri::parse_amount(amount)
        .map_err(|e| CliError::Io(format!("the amount {amount:?}: {e}")))?;
    Ok(PaymentKind::Currency {
        name: pay.asset.clone(),
        amount,
    })
}

/// One `--seal` item: `ASSET=AMOUNT` or `ticket:CATEGORY:ID_HEX`.
fn seal_item(wallet: &Wallet, id: AccountId, item: &str) -> Result<(AssetInfo, u64), CliError> {
    if let Some(t) = item.strip_prefix("ticket:") {
        return Ok((AssetInfo::Ticket(held_ticket(wallet, id, t)?), 1));
    }
    let (asset, amount) = item
        .split_once('=')
        .ok_or_else(|| CliError::Io(format!("--seal {item:?}: write ASSET=AMOUNT")))?;
    let amount =
        uri::parse_amount(amount).map_err(|e| CliError::Io(format!("--seal {item:?}: {e}")))?;
    Ok((AssetInfo::currency(asset), amount))
}

/// The held ticket `CATEGORY:ID_HEX` names.
fn held_ticket(wallet: &Wallet, id: AccountId, text: &str) -> Result<Ticket, CliError> {
    wallet
        .tickets(id)
        .map_err(wallet_error)?
        .into_iter()
        .map(|(_, t)| t)
        .find(|t| ticket_text(t) == text)
        .ok_or_else(|| {
            CliError::Io(format!(
                "the wallet holds no ticket {text}; `superzk wallet tickets` lists them"
            ))
        })
}

fn ticket_text(t: &Ticket) -> String {
    format!("{}:{}", t.category, hex::encode(t.id))
}

fn asset_name(a: &AssetInfo) -> String {
    match a {
        AssetInfo::Currency(name) => name.clone(),
        AssetInfo::Ticket(t) => format!("ticket {}", ticket_text(t)),
    }
}

/// Proposes and creates the partially built transaction (notes marked
/// pending).
fn create(
    dir: &WalletDir,
    account: Option<&str>,
    pay: &PayArgs,
) -> Result<(Pczt, superzk_wallet::proposal::Proposal, AccountId), CliError> {
    let (mut wallet, network) = dir.open()?;
    let id = dir.account(&wallet, account)?;
    let request = request(&wallet, id, network, pay)?;
    let proposal = wallet
        .propose(id, &request, &FeeRule::standard(), pay.expiry_delta)
        .map_err(spend_error)?;
    eprintln!("{proposal}");
    let pczt = wallet
        .create_pczt(id, &proposal, &mut OsRng)
        .map_err(spend_error)?;
    Ok((pczt, proposal, id))
}

fn send(dir: &WalletDir, account: Option<&str>, node: &str, pay: &PayArgs) -> Result<(), CliError> {
    sync(dir, node)?;
    let (pczt, _, id) = create(dir, account, pay)?;
    let keys = crate::load_demo_keys(None)?;
    let sk = dir.spending_key(id)?;
    let proven = pczt
        .prove(&ProofGenerationKey::from(&sk), &keys, &mut OsRng)
        .map_err(|e| CliError::Io(e.to_string()))?;
    let signed = proven
        .authorize(&sk, &mut OsRng)
        .map_err(|e| CliError::Io(e.to_string()))?;
    send_signed(dir, node, &signed)
}

fn propose_to_file(
    dir: &WalletDir,
    account: Option<&str>,
    pay: &PayArgs,
    proposal_out: Option<&Path>,
    out: &Path,
) -> Result<(), CliError> {
    let (pczt, proposal, _) = create(dir, account, pay)?;
    if let Some(path) = proposal_out {
        store::write_file(path, proposal.to_json().as_bytes(), false)?;
    }
    store::write_file(out, &pczt.to_bytes(), false)?;
    println!(
        "wrote {}: prove it with `superzk pczt prove`, then authorize it with `superzk pczt authorize`",
        out.display()
    );
    Ok(())
}

fn submit(dir: &WalletDir, node: &str, file: &Path) -> Result<(), CliError> {
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::Io(format!("reading {}: {e}", file.display())))?;
    let pczt =
        Pczt::from_bytes(&bytes).map_err(|e| CliError::Io(format!("{}: {e}", file.display())))?;
    send_signed(dir, node, &pczt)
}

fn send_signed(dir: &WalletDir, node: &str, pczt: &Pczt) -> Result<(), CliError> {
    let tx = pczt.extract().map_err(|e| CliError::Io(e.to_string()))?;
    let source = connect(node)?;
    let txid = source
        .send(&tx)
        .map_err(|e| CliError::Chain(format!("the node refused the transaction: {e}")))?;
    let (mut wallet, _) = dir.open()?;
    wallet.record_sent(&tx, txid).map_err(wallet_error)?;
    println!("sent {}", hex::encode(txid));
    let height = wait_mined(&source, &txid)?;
    println!("mined at height {height}");
    Ok(())
}

/// Polls the node until `txid` is mined (bounded: the transaction expires
/// anyway, and its notes are released then).
fn wait_mined(source: &NodeSource, txid: &[u8; 32]) -> Result<u64, CliError> {
    let deadline = std::time::Instant::now() + MINE_TIMEOUT;
    while std::time::Instant::now() < deadline {
        match source
            .status(txid)
            .map_err(|e| CliError::Chain(e.to_string()))?
        {
            TxStatus::Mined(height) => return Ok(height),
            TxStatus::Pending => {}
            TxStatus::Unknown => {
                return Err(CliError::Chain(
                    "the node dropped the transaction; its notes are spendable again once it \
                     expires"
                        .into(),
                ))
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Err(CliError::Chain(format!(
        "not mined within {} s; `superzk wallet history` shows it until it is mined or expires",
        MINE_TIMEOUT.as_secs()
    )))
}

/// How long `send` and `submit` wait for the transaction to be mined.
const MINE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

fn export_proof_key(dir: &WalletDir, account: Option<&str>, out: &Path) -> Result<(), CliError> {
    let (wallet, _) = dir.open()?;
    let id = dir.account(&wallet, account)?;
    let fvk = wallet.full_viewing_key(id).map_err(wallet_error)?;
    let key = ProofGenerationKey::from(&fvk);
    store::write_file(out, key.to_hex().as_bytes(), true)?;
    println!("wrote the proof-generation key to {}", out.display());
    Ok(())
}

fn export_spending_key(dir: &WalletDir, account: Option<&str>, out: &Path) -> Result<(), CliError> {
    let (wallet, network) = dir.open()?;
    let id = dir.account(&wallet, account)?;
    let sk = dir.spending_key(id)?;
    store::write_file(out, sk.encode_for(network).as_bytes(), true)?;
    println!("wrote the spending key to {} (mode 0600)", out.display());
    Ok(())
}

fn export_viewing_key(dir: &WalletDir, account: Option<&str>) -> Result<(), CliError> {
    let (wallet, network) = dir.open()?;
    let id = dir.account(&wallet, account)?;
    let fvk = wallet.full_viewing_key(id).map_err(wallet_error)?;
    println!("{}", fvk.encode_for(network).as_str());
    Ok(())
}

fn wallet_error(e: superzk_wallet::WalletError) -> CliError {
    CliError::Io(e.to_string())
}

fn spend_error(e: superzk_wallet::spend::SpendError) -> CliError {
    CliError::Io(e.to_string())
}
