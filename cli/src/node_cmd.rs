//! `superzk node` (a local devnet: PoW blocks, ticket purchases, drawn
//! tickets voting — some through a StakingNode — and shielded transactions)
//! and `superzk chain export|validate`.

use std::{path::PathBuf, process::ExitCode};

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, RngCore, SeedableRng};
use superzk_chain_core::{
    account::AccountKey,
    block::ChainFile,
    chain::Chain,
    error::{ChainError, Rule},
    params::{ChainParams, COIN},
    tx::{Allocation, Authorization, ChainTx, NodeRegistration, ShieldedTx, TicketPurchase},
    validate::node_id,
};
use superzk_circuits::{asset::AssetInfo, note::AssetId};
use superzk_keys::{signature::Signature, spending_key::SpendingKey};
use superzk_prover::{TransactionBuilder, Wallet};

/// `superzk chain ...`
#[derive(Subcommand)]
pub enum ChainCommand {
    /// Write the chain in DIR to FILE.
    Export {
        /// The node's data directory.
        #[arg(long)]
        data_dir: PathBuf,
        /// The chain file to write.
        file: PathBuf,
    },
    /// Re-validate a chain file from genesis on a fresh store; exit 0 valid,
    /// 1 invalid (naming the block and rule), 2 unreadable.
    Validate {
        /// The chain file.
        file: PathBuf,
    },
}

fn store_path(dir: &std::path::Path) -> PathBuf {
    dir.join("chain.redb")
}

fn blank_auth() -> Authorization {
    Authorization {
        account: [0; 32],
        nonce: 0,
        signature: Signature::from_bytes(&[0; 64]),
    }
}

fn keys() -> Result<superzk_verifier::verify::VerifyingKeys, String> {
    crate::files::load_keys(&[])
}

/// Runs a devnet for `blocks` blocks in `data_dir`.
pub fn node(data_dir: PathBuf, blocks: u64, params_dir: Option<PathBuf>) -> Result<(), String> {
    std::fs::create_dir_all(&data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let chain = Chain::open(&store_path(&data_dir), ChainParams::devnet(), keys()?)
        .map_err(|e| e.to_string())?;
    if chain.height().map_err(|e| e.to_string())?.is_some() {
        return Err(format!(
            "{} already holds a chain; use a fresh --data-dir (or `superzk chain export`)",
            data_dir.display()
        ));
    }
    let mut rng = ChaCha20Rng::from_seed({
        let mut s = [0; 32];
        OsRng.fill_bytes(&mut s);
        s
    });
    let proving = crate::load_demo_keys(params_dir).map_err(|e| e.to_string())?;
    let miner = AccountKey::from_seed(b"devnet", "miner");
    let alice = AccountKey::from_seed(b"devnet", "alice");
    let operator = AccountKey::from_seed(b"devnet", "staking-node operator");
    let mut wallet_a = Wallet::new(SpendingKey::from_seed(b"devnet alice", 0));
    let mut wallet_b = Wallet::new(SpendingKey::from_seed(b"devnet bob", 0));
    let native = AssetId::native();
    let alloc = |a: &AccountKey| Allocation {
        account: a.id(),
        asset: native,
        amount: 1_000_000 * COIN,
    };
    let mut time = 1_700_000_000;
    chain
        .init_genesis(vec![alloc(&alice), alloc(&operator)], time, &mut rng)
        .map_err(|e| e.to_string())?;
    let bar = ProgressBar::new(blocks);
    bar.set_style(
        ProgressStyle::with_template("{spinner} blocks [{bar:30}] {pos}/{len} {msg} ({elapsed})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let signers = [alice.clone(), operator.clone()];
    let (mut votes, mut skipped, mut shielded) = (0usize, 0usize, 0usize);
    for h in 1..=blocks {
        let mut txs = vec![];
        let sign =
            |mut tx: ChainTx, key: &AccountKey, rng: &mut ChaCha20Rng| -> Result<ChainTx, String> {
                let nonce = chain.nonce(&key.id()).map_err(|e| e.to_string())?;
                tx.authorize(key, nonce, rng);
                Ok(tx)
            };
        match h {
            1 => txs.push(sign(
                ChainTx::RegisterNode(NodeRegistration {
                    vote_key: operator.id(),
                    auth: blank_auth(),
                }),
                &operator,
                &mut rng,
            )?),
            2 | 3 => txs.push(sign(
                ChainTx::BuyTickets(TicketPurchase {
                    count: 20,
                    max_price: 10 * COIN,
                    vote_key: alice.id(),
                    node: (h == 3).then(|| node_id(&operator.id(), 0)),
                    auth: blank_auth(),
                }),
                &alice,
                &mut rng,
            )?),
            4 => {
                // Shield 1,000 coins from alice's account into her wallet.
                let mut b = TransactionBuilder::new();
                b.add_public_input(native, 1_000 * COIN);
                b.add_output(
                    None,
                    wallet_a.address(0),
                    AssetInfo::native(),
                    1_000 * COIN,
                    [0; 64],
                );
                let tx = b.build(&proving, &mut rng).map_err(|e| e.to_string())?;
                txs.push(sign(
                    ChainTx::Shielded(Box::new(ShieldedTx {
                        tx,
                        public: Some(blank_auth()),
                    })),
                    &alice,
                    &mut rng,
                )?);
            }
            6 => {
                let tx = wallet_a
                    .transfer(
                        &proving,
                        &wallet_b.address(0),
                        &[(AssetInfo::native(), 300 * COIN)],
                        COIN,
                        [0; 64],
                        &mut rng,
                    )
                    .map_err(|e| e.to_string())?;
                txs.push(ChainTx::Shielded(Box::new(ShieldedTx { tx, public: None })));
            }
            _ => {}
        }
        time += 10;
        let mut vote_rng = ChaCha20Rng::seed_from_u64(h);
        // Every fifth block, the first drawn ticket stays silent.
        let mut silent = h % 5 == 0;
        let block = chain
            .produce_block(
                miner.id(),
                time,
                txs,
                |d, msg| {
                    if std::mem::take(&mut silent) {
                        return None;
                    }
                    signers
                        .iter()
                        .find(|k| k.id() == d.signer)
                        .map(|k| k.sign(msg, &mut vote_rng))
                },
                &mut rng,
            )
            .map_err(|e| e.to_string())?;
        chain.apply(&block, &mut rng).map_err(|e| e.to_string())?;
        let (drawn, _) = (block.votes.len(), ());
        votes += drawn;
        skipped += usize::from(h % 5 == 0 && !block.votes.is_empty());
        for tx in &block.txs {
            if let ChainTx::Shielded(s) = tx {
                wallet_a.scan(&s.tx).map_err(|e| e.to_string())?;
                wallet_b.scan(&s.tx).map_err(|e| e.to_string())?;
                shielded += 1;
            }
        }
        bar.inc(1);
        bar.set_message(format!("{votes} votes, {shielded} shielded"));
    }
    bar.finish();
    println!(
        "devnet: {blocks} blocks mined and validated; {votes} votes ({skipped} drawn tickets stayed silent), \
         {shielded} shielded transactions; pool {} tickets, {} StakingNode(s); burned {} base units",
        chain.tickets().map_err(|e| e.to_string())?.len(),
        chain.nodes().map_err(|e| e.to_string())?.len(),
        chain.burned().map_err(|e| e.to_string())?
    );
    println!(
        "wallets: alice {} / bob {} (shielded SERO base units); miner account {}",
        wallet_a.balance_of(&native),
        wallet_b.balance_of(&native),
        chain
            .balance(&miner.id(), &native)
            .map_err(|e| e.to_string())?
    );
    Ok(())
}

/// `superzk chain ...`
pub fn chain(cmd: ChainCommand) -> ExitCode {
    match cmd {
        ChainCommand::Export { data_dir, file } => {
            let run = || -> Result<usize, String> {
                let keys = keys()?;
                let chain = Chain::open(&store_path(&data_dir), ChainParams::devnet(), keys)
                    .map_err(|e| e.to_string())?;
                let f = chain.export().map_err(|e| e.to_string())?;
                std::fs::write(&file, f.to_bytes())
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                Ok(f.blocks.len())
            };
            match run() {
                Ok(n) => {
                    println!("wrote {n} blocks to {}", file.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        ChainCommand::Validate { file } => {
            let parsed = std::fs::read(&file)
                .map_err(|e| format!("{}: {e}", file.display()))
                .and_then(|b| {
                    ChainFile::from_bytes(&b).map_err(|e| format!("{}: {e}", file.display()))
                });
            let f = match parsed {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("unreadable: {e}");
                    return ExitCode::from(2);
                }
            };
            let dir = match tempfile::tempdir() {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: temporary store: {e}");
                    return ExitCode::from(2);
                }
            };
            let keys = match keys() {
                Ok(k) => k,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match Chain::validate_file(&f, &dir.path().join("chain.redb"), keys, &mut OsRng, |_| {})
            {
                Ok(counts) => {
                    println!(
                        "{}: {} blocks valid ({} profile)",
                        file.display(),
                        f.blocks.len(),
                        f.profile
                    );
                    for r in Rule::ALL {
                        println!(
                            "  {:<16} {}",
                            r.name(),
                            counts.0.get(&r).copied().unwrap_or(0)
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(ChainError::Block { height, error }) => {
                    println!("{}: INVALID at block {height}: {error}", file.display());
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
