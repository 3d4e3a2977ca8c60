//! Networks a node can join: the chain profile, the fixed genesis block and
//! the built-in verifying keys. Genesis is fixed per network (its
//! allocations and time are constants), so every node of a network derives
//! the same genesis hash: the chain id.

use std::path::PathBuf;

use superzk_chain_core::{
    account::AccountKey,
    block::Block,
    chain::Chain,
    params::{ChainParams, COIN},
    tx::Allocation,
};
use superzk_circuits::asset::AssetInfo;
use superzk_keys::params::{verifying_key_from_bytes, VerifyingParameters};
use superzk_verifier::verify::VerifyingKeys;

use crate::error::NodeError;

const SPEND_VK: &[u8] = include_bytes!("../../fixtures/spend.vk");
const OUTPUT_VK: &[u8] = include_bytes!("../../fixtures/output.vk");
const PACKAGE_SPEND_VK: &[u8] = include_bytes!("../../fixtures/package-spend.vk");
const PACKAGE_OUTPUT_VK: &[u8] = include_bytes!("../../fixtures/package-output.vk");

/// The genesis time of every built-in network (2023-11-14).
pub const GENESIS_TIME: u64 = 1_700_000_000;

/// A network a node can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// A local chain: short periods, low difficulty, well-known keys.
    Devnet,
    /// The public test network: a fixed genesis whose coins sit in a
    /// faucet account with a published key (test coins only).
    Testnet,
}

impl Network {
    /// The network called `name`.
    pub fn by_name(name: &str) -> Result<Self, NodeError> {
        match name {
            "devnet" => Ok(Self::Devnet),
            "testnet" => Ok(Self::Testnet),
            other => Err(NodeError::Config(format!(
                "unknown network {other:?} (known: devnet, testnet)"
            ))),
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Devnet => "devnet",
            Self::Testnet => "testnet",
        }
    }

    /// Its chain profile.
    pub fn params(self) -> ChainParams {
        match self {
            Self::Devnet => ChainParams::devnet(),
            Self::Testnet => ChainParams::testnet(),
        }
    }

    /// Its genesis allocations.
    pub fn allocations(self) -> Vec<Allocation> {
        match self {
            Self::Devnet => {
                let alice = devnet_key("alice").id();
                let operator = devnet_key("staking-node operator").id();
                vec![
                    Allocation {
                        account: alice,
                        asset: AssetInfo::native().asset(),
                        amount: 1_000_000 * COIN,
                    },
                    Allocation {
                        account: alice,
                        asset: AssetInfo::currency("USD").asset(),
                        amount: 1_000_000,
                    },
                    Allocation {
                        account: operator,
                        asset: AssetInfo::native().asset(),
                        amount: 1_000_000 * COIN,
                    },
                ]
            }
            Self::Testnet => vec![Allocation {
                account: testnet_faucet_key().id(),
                asset: AssetInfo::native().asset(),
                amount: 10_000_000 * COIN,
            }],
        }
    }

    /// Its genesis block (built on a scratch store: the state root needs
    /// the state).
    pub fn genesis(self, keys: &VerifyingKeys) -> Result<Block, NodeError> {
        let dir = scratch_dir()?;
        let result = (|| {
            let chain = Chain::open(&dir.join("genesis.redb"), self.params(), keys.clone())?;
            Ok(chain.init_genesis(self.allocations(), GENESIS_TIME, &mut rand_core::OsRng)?)
        })();
        let _ = std::fs::remove_dir_all(&dir);
        result
    }
}

/// A devnet account key, derived from a well-known label ("alice",
/// "staking-node operator", "miner"): anyone can sign for it, so it holds
/// value only on a devnet.
pub fn devnet_key(label: &str) -> AccountKey {
    AccountKey::from_seed(b"devnet", label)
}

/// The testnet faucet's key: published, so anyone can take test coins.
pub fn testnet_faucet_key() -> AccountKey {
    AccountKey::from_seed(b"testnet", "faucet")
}

fn scratch_dir() -> Result<PathBuf, NodeError> {
    let mut nonce = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
    let dir = std::env::temp_dir().join(format!("superzk-genesis-{}", hex::encode(nonce)));
    std::fs::create_dir_all(&dir).map_err(|e| NodeError::io(dir.display().to_string(), e))?;
    Ok(dir)
}

/// The verifying keys built into the node (the project's fixtures).
pub fn builtin_keys() -> Result<VerifyingKeys, NodeError> {
    let key = |bytes: &[u8]| -> Result<VerifyingParameters, NodeError> {
        verifying_key_from_bytes(bytes)
            .map_err(|e| NodeError::Config(format!("built-in verifying key: {e}")))
    };
    Ok(VerifyingKeys {
        spend: key(SPEND_VK)?,
        output: key(OUTPUT_VK)?,
        package_spend: key(PACKAGE_SPEND_VK)?,
        package_output: key(PACKAGE_OUTPUT_VK)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node of a network must derive the same chain id.
    #[test]
    fn genesis_is_fixed_per_network() {
        let keys = builtin_keys().expect("built-in keys");
        let devnet = Network::Devnet.genesis(&keys).expect("devnet genesis");
        let testnet = Network::Testnet.genesis(&keys).expect("testnet genesis");
        assert_eq!(devnet, Network::Devnet.genesis(&keys).expect("again"));
        assert_eq!(testnet, Network::Testnet.genesis(&keys).expect("again"));
        assert_ne!(devnet.hash(), testnet.hash());
        assert!(Network::by_name("mainnet").is_err());
    }
}
