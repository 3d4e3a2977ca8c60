//! `superzk wallet faucet`: public funds into the wallet, from a key the
//! user holds (on a devnet, the well-known `devnet:alice`; on the testnet,
//! the published faucet key file). A shielding transaction names the
//! public account, so the account signs it; the wallet then finds the note
//! by syncing like any other.

use std::time::{Duration, Instant};

use clap::Args;
use rand_core::{OsRng, RngCore};
use superzk_chain_core::tx::{Authorization, ChainTx, ShieldedTx};
use superzk_circuits::asset::AssetInfo;
use superzk_keys::note_plaintext::MEMO_LEN;
use superzk_node::proto::{self, transaction_status::State};
use superzk_prover::TransactionBuilder;
use superzk_wallet::uri;

use super::store::WalletDir;
use crate::error::CliError;

/// Blocks a faucet transaction may wait to be mined.
const EXPIRY_DELTA: u64 = 40;
/// How long to wait for it to be mined.
const MINE_TIMEOUT: Duration = Duration::from_secs(120);

/// What the faucet moves.
#[derive(Args, Debug)]
pub struct FaucetArgs {
    /// The node.
    #[arg(long)]
    node: String,
    /// The public account's key: `devnet:LABEL` on a devnet, or a file
    /// holding its 32-byte seed in hex.
    #[arg(long)]
    from: String,
    /// The currency to move.
    #[arg(long, default_value = "SERO")]
    asset: String,
    /// How much, in coins (up to 6 decimals).
    #[arg(long)]
    amount: Option<String>,
    /// Issue a new ticket of this category to the wallet instead.
    #[arg(long)]
    issue_ticket: Option<String>,
    /// Pay this address (`szk1…`) instead of the wallet's first address: a
    /// wallet kept elsewhere (a browser, a phone); no wallet directory needed.
    #[arg(long)]
    to: Option<String>,
}

/// Shields (or issues a ticket) into the account's address and waits until
/// it is mined.
pub fn run(dir: &WalletDir, account: Option<&str>, args: FaucetArgs) -> Result<(), CliError> {
    let own = match &args.to {
        Some(_) => None,
        None => {
            let (wallet, _) = dir.open()?;
            let id = dir.account(&wallet, account)?;
            Some(
                wallet
                    .address(id, 0)
                    .map_err(|e| CliError::Io(e.to_string()))?,
            )
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Io(e.to_string()))?;
    runtime.block_on(async {
        let (mut light, mut chain) = superzk_node::rpc::connect(&args.node)
            .await
            .map_err(|e| CliError::Chain(e.to_string()))?;
        let status = chain
            .get_status(proto::StatusRequest {})
            .await
            .map_err(|s| CliError::Chain(format!("GetStatus: {}", s.message())))?
            .into_inner();
        let network = superzk_node::network::Network::by_name(&status.network)
            .map_err(|e| CliError::Chain(e.to_string()))?;
        let key = superzk_node::config::load_key(&args.from, network)
            .map_err(|e| CliError::Chain(e.to_string()))?;
        let chain_id: [u8; 32] = status
            .chain_id
            .as_slice()
            .try_into()
            .map_err(|_| CliError::Chain("the node sent a malformed chain id".into()))?;
        let to = match (own, &args.to) {
            (Some(own), _) => own,
            (None, text) => {
                let text = text.as_deref().unwrap_or_default();
                let on = superzk_keys::network::Network::by_name(&status.network)
                    .map_err(|e| CliError::Chain(e.to_string()))?;
                superzk_keys::address::PaymentAddress::decode_for(on, text)
                    .map_err(|e| CliError::Io(format!("--to {text:?}: {e}")))?
            }
        };

        let mut builder = TransactionBuilder::new();
        builder
            .set_chain_id(chain_id)
            .set_expiry_height(status.height + EXPIRY_DELTA)
            .set_public_account(key.id());
        let what = match (&args.issue_ticket, &args.amount) {
            (Some(category), None) => {
                let mut serial = [0u8; 32];
                OsRng.fill_bytes(&mut serial);
                let ticket = builder.issue_ticket(None, category, serial, to)?;
                format!("ticket {}:{}", ticket.category, hex::encode(ticket.id))
            }
            (None, Some(amount)) => {
                let units = uri::parse_amount(amount)
                    .map_err(|e| CliError::Io(format!("the amount {amount:?}: {e}")))?;
                let asset = AssetInfo::currency(&args.asset);
                builder.add_public_input(asset.asset(), units);
                builder.add_output(None, to, asset, units, [0; MEMO_LEN]);
                format!("{amount} {}", args.asset)
            }
            _ => {
                return Err(CliError::Io(
                    "say what to move: --amount (with --asset) or --issue-ticket CATEGORY".into(),
                ))
            }
        };
        let keys = crate::load_demo_keys(None)?;
        let tx = builder.build(&keys, &mut OsRng)?;
        let nonce = chain
            .get_account(proto::AccountRequest {
                account: key.id().to_vec(),
            })
            .await
            .map_err(|s| CliError::Chain(format!("GetAccount: {}", s.message())))?
            .into_inner()
            .nonce;
        let mut wrapped = ChainTx::Shielded(Box::new(ShieldedTx {
            tx,
            public: Some(Authorization::unsigned()),
        }));
        wrapped.authorize(&key, nonce, &chain_id, &mut OsRng);
        light
            .send_transaction(proto::RawTransaction {
                tx: wrapped.to_bytes(),
            })
            .await
            .map_err(|s| CliError::Chain(format!("the node refused it: {}", s.message())))?;
        let height = wait_mined(&mut light, &wrapped.id()).await?;
        println!(
            "moved {what} into the wallet (mined at height {height}); run `superzk wallet sync`"
        );
        Ok(())
    })
}

async fn wait_mined(
    light: &mut superzk_node::proto::light_client_client::LightClientClient<
        tonic::transport::Channel,
    >,
    txid: &[u8; 32],
) -> Result<u64, CliError> {
    let deadline = Instant::now() + MINE_TIMEOUT;
    while Instant::now() < deadline {
        let status = light
            .get_transaction_status(proto::TxId {
                txid: txid.to_vec(),
            })
            .await
            .map_err(|s| CliError::Chain(format!("GetTransactionStatus: {}", s.message())))?
            .into_inner();
        if status.state() == State::Mined {
            return Ok(status.height);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(CliError::Chain(format!(
        "not mined within {} s: is the node mining (`--mine`)?",
        MINE_TIMEOUT.as_secs()
    )))
}
