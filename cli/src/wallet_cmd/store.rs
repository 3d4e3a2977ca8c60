//! The wallet directory: `wallet.sqlite`, `chain.json` (which chain it is
//! for, so it opens without a node) and `mnemonic` (mode 0600; absent for a
//! watch-only wallet). Accounts are named `account0`, `account1`, ...:
//! the number is the account's index in the derivation path.

use std::path::{Path, PathBuf};

use superzk_keys::{
    hd::{account_spending_key, Mnemonic},
    network::Network,
    spending_key::{FullViewingKey, SpendingKey},
};
use superzk_wallet::{grpc::NodeSource, AccountId, AccountKey, ChainIdentity, Wallet};
use zeroize::Zeroizing;

use crate::error::CliError;

const DB: &str = "wallet.sqlite";
const CHAIN: &str = "chain.json";
const MNEMONIC: &str = "mnemonic";

/// A wallet's directory.
pub struct WalletDir {
    path: PathBuf,
}

impl WalletDir {
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the wallet for `mnemonic`'s first account.
    pub fn create(
        &self,
        source: &NodeSource,
        mnemonic: &Mnemonic,
        birthday: u64,
    ) -> Result<(), CliError> {
        let (mut wallet, network) = self.create_db(source)?;
        let sk = derive(mnemonic, network, 0)?;
        write_file(
            &self.path.join(MNEMONIC),
            mnemonic.phrase().as_bytes(),
            true,
        )?;
        wallet
            .add_account("account0", AccountKey::Spending(&sk), birthday)
            .map_err(|e| CliError::Io(e.to_string()))?;
        Ok(())
    }

    /// Creates a watch-only wallet for an encoded full viewing key.
    pub fn create_watch_only(
        &self,
        source: &NodeSource,
        fvk: &str,
        birthday: u64,
    ) -> Result<(), CliError> {
        let (mut wallet, network) = self.create_db(source)?;
        let fvk = FullViewingKey::decode_for(network, fvk)?;
        wallet
            .add_account("watch0", AccountKey::Viewing(&fvk), birthday)
            .map_err(|e| CliError::Io(e.to_string()))?;
        Ok(())
    }

    fn create_db(&self, source: &NodeSource) -> Result<(Wallet, Network), CliError> {
        if self.path.join(DB).exists() {
            return Err(CliError::Io(format!(
                "{} already holds a wallet; choose another --wallet-dir",
                self.path.display()
            )));
        }
        let (name, genesis_hash) = source
            .chain_identity()
            .map_err(|e| CliError::Chain(e.to_string()))?;
        let network = Network::by_name(&name)?;
        std::fs::create_dir_all(&self.path)
            .map_err(|e| CliError::Io(format!("creating {}: {e}", self.path.display())))?;
        let chain =
            serde_json::json!({ "network": name, "genesis_hash": hex::encode(genesis_hash) });
        write_file(&self.path.join(CHAIN), chain.to_string().as_bytes(), false)?;
        let identity = ChainIdentity {
            network: name,
            genesis_hash,
        };
        let wallet = Wallet::open(&self.path.join(DB), &identity)
            .map_err(|e| CliError::Io(e.to_string()))?;
        Ok((wallet, network))
    }

    /// Opens the wallet (no node needed).
    pub fn open(&self) -> Result<(Wallet, Network), CliError> {
        let chain_file = self.path.join(CHAIN);
        let text = std::fs::read_to_string(&chain_file).map_err(|e| {
            CliError::Io(format!(
                "no wallet in {} ({e}): create one with `superzk wallet init` or `restore`",
                self.path.display()
            ))
        })?;
        let identity = parse_chain(&text).ok_or_else(|| {
            CliError::Io(format!(
                "{} is damaged: it should name the wallet's network and genesis hash",
                chain_file.display()
            ))
        })?;
        let network = Network::by_name(&identity.network)?;
        let wallet = Wallet::open(&self.path.join(DB), &identity)
            .map_err(|e| CliError::Io(e.to_string()))?;
        Ok((wallet, network))
    }

    /// Adds the mnemonic's next account; returns its name.
    pub fn add_account(&self, birthday: Option<u64>) -> Result<String, CliError> {
        let (mut wallet, network) = self.open()?;
        let accounts = wallet.accounts().map_err(|e| CliError::Io(e.to_string()))?;
        let next = accounts
            .iter()
            .filter_map(|a| a.name.strip_prefix("account")?.parse::<u32>().ok())
            .max()
            .map_or(0, |n| n + 1);
        let mnemonic = self.mnemonic()?;
        let sk = derive(&mnemonic, network, next)?;
        let birthday = match birthday {
            Some(b) => b,
            None => wallet
                .last_scanned()
                .map_err(|e| CliError::Io(e.to_string()))?
                .map_or(0, |(h, _)| h + 1),
        };
        let name = format!("account{next}");
        wallet
            .add_account(&name, AccountKey::Spending(&sk), birthday)
            .map_err(|e| CliError::Io(e.to_string()))?;
        Ok(name)
    }

    fn mnemonic(&self) -> Result<Mnemonic, CliError> {
        let phrase = read_secret_text(&self.path.join(MNEMONIC))?;
        Mnemonic::parse(phrase.trim())
            .map_err(|e| CliError::Io(format!("the wallet's mnemonic file: {e}")))
    }

    /// The account named `name`, or the first.
    pub fn account(&self, wallet: &Wallet, name: Option<&str>) -> Result<AccountId, CliError> {
        let accounts = wallet.accounts().map_err(|e| CliError::Io(e.to_string()))?;
        let found = match name {
            Some(n) => accounts.iter().find(|a| a.name == n),
            None => accounts.first(),
        };
        found.map(|a| a.id).ok_or_else(|| {
            CliError::Io(format!(
                "no account {} in this wallet",
                name.unwrap_or("at all")
            ))
        })
    }

    /// The spending key of account `id`, derived from the mnemonic file and
    /// checked against the account's viewing key.
    pub fn spending_key(&self, id: AccountId) -> Result<SpendingKey, CliError> {
        let (wallet, network) = self.open()?;
        let account = wallet
            .accounts()
            .map_err(|e| CliError::Io(e.to_string()))?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| CliError::Io(format!("no account {id}")))?;
        let index: u32 = account
            .name
            .strip_prefix("account")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                CliError::Io(format!(
                    "account {} is watch-only: it has no spending key",
                    account.name
                ))
            })?;
        let sk = derive(&self.mnemonic()?, network, index)?;
        let fvk = wallet
            .full_viewing_key(id)
            .map_err(|e| CliError::Io(e.to_string()))?;
        if sk.full_viewing_key().encode().as_str() != fvk.encode().as_str() {
            return Err(CliError::Io(
                "the mnemonic file does not belong to this wallet's account".into(),
            ));
        }
        Ok(sk)
    }
}

fn parse_chain(text: &str) -> Option<ChainIdentity> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let hash = hex::decode(v.get("genesis_hash")?.as_str()?).ok()?;
    Some(ChainIdentity {
        network: v.get("network")?.as_str()?.to_string(),
        genesis_hash: hash.try_into().ok()?,
    })
}

fn derive(mnemonic: &Mnemonic, network: Network, index: u32) -> Result<SpendingKey, CliError> {
    let seed = mnemonic.to_seed("");
    account_spending_key(seed.as_bytes(), network, index)
        .map_err(|e| CliError::Io(format!("deriving account {index}: {e}")))
}

/// A secret text file (`-`: stdin), wiped from memory when dropped.
pub fn read_secret_text(path: &Path) -> Result<Zeroizing<String>, CliError> {
    let mut text = Zeroizing::new(String::new());
    let result = if path == Path::new("-") {
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| *text = t)
    };
    result.map_err(|e| CliError::Io(format!("reading {}: {e}", path.display())))?;
    Ok(text)
}

/// Writes `bytes` to `path`; a secret is created with mode 0600.
pub fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<(), CliError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    let _ = secret;
    options
        .open(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .map_err(|e| CliError::Io(format!("writing {}: {e}", path.display())))
}
