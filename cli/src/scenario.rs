//! The story the demo and the devnet node tell with two wallets, one
//! transaction per step, every kind of shielded transaction once: Alice
//! shields two currencies, pays Bob privately, Bob pays some back, Alice
//! issues a ticket and sells it to Bob, Bob seals a package for Alice, she
//! passes it back, he opens it. Each step is built from what the wallets
//! have scanned so far, so the caller must [`Scenario::scan`] every
//! transaction of the chain in order before asking for the next step.
//!
//! Every transaction names the chain it is for and expires; the shielding
//! and the ticket issuance name the transparent account that pays for the
//! shielding and issues the ticket (the devnet's holder), and the chain
//! wrapper must be authorised by that same account.

use std::time::Instant;

use rand_core::{CryptoRng, RngCore};
use superzk_chain_core::params::COIN;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::AssetId,
};
use superzk_keys::{note_plaintext::MEMO_LEN, spending_key::SpendingKey};
use superzk_prover::{ProvingKeys, TransactionBuilder};
use superzk_verifier::transaction::Transaction;
use superzk_wallet::memory::ScanningWallet;

use crate::error::CliError;

/// Public SERO and USD (base units) the story shields first.
const SHIELDED: [u64; 2] = [1_000, 500];

/// The public funds the devnet's genesis gives the account that shields:
/// the story's SERO and USD, plus SERO for buying tickets.
pub fn genesis_funds() -> [(AssetId, u64); 2] {
    [
        (AssetInfo::native().asset(), SHIELDED[0] + 1_000_000 * COIN),
        (AssetInfo::currency("USD").asset(), SHIELDED[1]),
    ]
}

/// The ticket's category and serial: the ticket is the one the story's
/// account issues with them ([`Ticket::issued`]).
const TICKET_CATEGORY: &str = "concert-2026";
const TICKET_SERIAL: [u8; 32] = *b"SuperZK demo ticket, seat 42A...";

/// How many steps (transactions) the story has.
pub const STEPS: usize = 8;

fn memo(text: &str) -> [u8; MEMO_LEN] {
    let mut m = [0u8; MEMO_LEN];
    let n = text.len().min(MEMO_LEN);
    m[..n].copy_from_slice(&text.as_bytes()[..n]);
    m
}

/// One transaction of the story.
pub struct Step {
    /// A short name: shield, transfer, pay back, issue, sale, seal, pass, open.
    pub label: &'static str,
    /// The proven transaction.
    pub tx: Transaction,
    /// Proving time in milliseconds.
    pub prove_ms: f64,
}

/// Two wallets and where their story stands.
pub struct Scenario {
    /// Alice's wallet.
    pub alice: ScanningWallet,
    /// Bob's wallet.
    pub bob: ScanningWallet,
    /// The transparent account that shields and issues the ticket.
    account: [u8; 32],
    ticket: Ticket,
    next: usize,
}

impl Scenario {
    /// A new story with wallets from fresh random keys, whose public value
    /// and ticket come from the transparent `account`.
    pub fn new<R: RngCore + CryptoRng>(rng: &mut R, account: [u8; 32]) -> Self {
        Self {
            alice: ScanningWallet::new(SpendingKey::random(rng)),
            bob: ScanningWallet::new(SpendingKey::random(rng)),
            account,
            ticket: Ticket::issued(&account, TICKET_CATEGORY, &TICKET_SERIAL)
                .expect("the story's category is valid"),
            next: 0,
        }
    }

    /// Whether every step has been built.
    pub fn finished(&self) -> bool {
        self.next == STEPS
    }

    /// Builds and proves the next step's transaction (`None` once the story
    /// is over), after the wallets scanned every earlier one. The
    /// transaction is for the chain whose genesis block hash is `chain_id`
    /// and expires after height `expiry_height`.
    pub fn next_step<R: RngCore + CryptoRng>(
        &mut self,
        keys: &ProvingKeys,
        chain_id: [u8; 32],
        expiry_height: u64,
        rng: &mut R,
    ) -> Result<Option<Step>, CliError> {
        self.alice.bind_to_chain(chain_id, expiry_height);
        self.bob.bind_to_chain(chain_id, expiry_height);
        let bound = || {
            let mut b = TransactionBuilder::new();
            b.set_chain_id(chain_id).set_expiry_height(expiry_height);
            b
        };
        let (sero, usd) = (AssetInfo::native(), AssetInfo::currency("USD"));
        let ticket = AssetInfo::Ticket(self.ticket.clone());
        let (alice, bob) = (&self.alice, &self.bob);
        let start = Instant::now();
        let (label, tx) = match self.next {
            0 => {
                let mut b = bound();
                b.set_public_account(self.account)
                    .add_public_input(sero.asset(), SHIELDED[0])
                    .add_public_input(usd.asset(), SHIELDED[1]);
                for (asset, value, text) in [
                    (&sero, 600, "shielded SERO"),
                    (&sero, 400, "shielded SERO"),
                    (&usd, 500, "shielded USD"),
                ] {
                    b.add_output(None, alice.address(0), asset.clone(), value, memo(text));
                }
                ("shield", b.build(keys, rng)?)
            }
            1 => (
                "transfer",
                alice.transfer(
                    keys,
                    &bob.address(3),
                    &[(sero.clone(), 250), (usd.clone(), 120)],
                    2,
                    memo("for the concert"),
                    rng,
                )?,
            ),
            2 => (
                "pay back",
                bob.transfer(
                    keys,
                    &alice.address(1),
                    &[(usd.clone(), 20)],
                    1,
                    memo("thanks"),
                    rng,
                )?,
            ),
            3 => {
                let mut b = bound();
                b.set_public_account(self.account);
                b.issue_ticket(None, TICKET_CATEGORY, TICKET_SERIAL, alice.address(2))?;
                ("issue", b.build(keys, rng)?)
            }
            4 => {
                // One transaction both fund: the ticket for 30 SERO.
                let mut b = bound();
                b.add_output(
                    None,
                    bob.address(4),
                    ticket.clone(),
                    1,
                    memo("enjoy the show"),
                );
                b.add_output(None, alice.address(3), sero.clone(), 30, memo("payment"));
                alice.fund(&mut b, &ticket, 1)?;
                bob.fund(&mut b, &sero, 30)?;
                ("sale", b.build(keys, rng)?)
            }
            5 => (
                "seal",
                bob.seal_package(
                    keys,
                    &alice.address(6),
                    &[(sero.clone(), 50), (usd.clone(), 20), (ticket.clone(), 1)],
                    memo("a sealed gift"),
                    rng,
                )?,
            ),
            6 => {
                let held = alice
                    .packages()
                    .first()
                    .map(|p| (*p).clone())
                    .ok_or_else(|| {
                        CliError::Chain("alice did not find the sealed package".into())
                    })?;
                (
                    "pass",
                    alice.pass_package(keys, &held, &bob.address(7), rng)?,
                )
            }
            7 => {
                let held = bob
                    .packages()
                    .first()
                    .map(|p| (*p).clone())
                    .ok_or_else(|| CliError::Chain("bob did not find the passed package".into()))?;
                ("open", bob.open_package(keys, &held, rng)?)
            }
            _ => return Ok(None),
        };
        self.next += 1;
        Ok(Some(Step {
            label,
            tx,
            prove_ms: start.elapsed().as_secs_f64() * 1e3,
        }))
    }

    /// Both wallets scan `tx`, the next transaction of the chain; returns
    /// what each found, as (received, spent) pairs for Alice and Bob.
    pub fn scan(&mut self, tx: &Transaction) -> Result<[(usize, usize); 2], CliError> {
        let a = self.alice.scan(tx)?;
        let b = self.bob.scan(tx)?;
        Ok([(a.received, a.spent), (b.received, b.spent)])
    }

    /// Checks the balances the whole story must end with (fees 3 SERO):
    /// Alice 778 SERO, 400 USD, no ticket; Bob 219 SERO, 100 USD, the ticket.
    pub fn check_outcome(&self) -> Result<String, CliError> {
        let (sero, usd) = (
            AssetInfo::native().asset(),
            AssetInfo::currency("USD").asset(),
        );
        let got = (
            self.alice.balance_of(&sero),
            self.alice.balance_of(&usd),
            self.bob.balance_of(&sero),
            self.bob.balance_of(&usd),
        );
        let line = format!(
            "alice: {} SERO, {} USD   bob: {} SERO, {} USD, {} ticket(s)",
            got.0,
            got.1,
            got.2,
            got.3,
            self.bob.tickets().len()
        );
        if got != (778, 400, 219, 100)
            || self.bob.tickets() != [self.ticket.clone()]
            || !self.alice.tickets().is_empty()
        {
            return Err(CliError::Chain(format!("unexpected balances: {line}")));
        }
        Ok(line)
    }
}
