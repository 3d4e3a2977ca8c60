//! `superzk wallet` end to end against a real node process on loopback:
//! two wallets restored from mnemonics sync, pay each other in two
//! currencies, trade a ticket, seal and open a package; the recipient is
//! killed (SIGKILL) mid-sync and resumes; two proposals in a row never
//! spend the same note and an expired one's notes come back; the three
//! steps run in three processes through files; and a reorg on the node
//! rewinds the wallet to the right balances.
//!
//! Every command runs with a deadline and every node dies with its guard.

#![cfg(unix)]

use std::{collections::BTreeMap, time::Duration};

use rand_core::{OsRng, RngCore};
use superzk_node::proto::{self, block_request::At};

mod common;
use common::*;

const COMMAND_LIMIT: Duration = WALLET_COMMAND_LIMIT;

/// Readings and payments of the wallet story.
impl WalletCli {
    fn sync(&self) -> String {
        self.ok(&["sync", "--node", &self.node])
    }

    fn address(&self) -> String {
        self.ok(&["address"]).trim().to_string()
    }

    /// Spendable and pending amounts per asset, as printed.
    fn balances(&self) -> BTreeMap<String, (String, String)> {
        self.ok(&["balance"])
            .lines()
            .filter_map(|l| {
                let (asset, rest) = l.split_once(": ")?;
                let (spendable, pending) = rest.split_once(" spendable, ")?;
                let pending = pending.strip_suffix(" pending")?;
                Some((asset.into(), (spendable.into(), pending.into())))
            })
            .collect()
    }

    fn spendable(&self, asset: &str) -> String {
        self.balances()
            .get(asset)
            .map_or("0".into(), |(s, _)| s.clone())
    }

    fn pending(&self, asset: &str) -> String {
        self.balances()
            .get(asset)
            .map_or("0".into(), |(_, p)| p.clone())
    }

    fn tickets(&self) -> Vec<String> {
        self.ok(&["tickets"]).lines().map(str::to_string).collect()
    }

    /// Sends and returns the fee it paid (in SERO, as printed).
    fn send(&self, args: &[&str]) -> f64 {
        let mut all = vec!["send", "--node", &self.node];
        all.extend_from_slice(args);
        let report = self.ok(&all);
        assert!(report.contains("mined at height"), "{report}");
        fee_of(&report)
    }

    fn faucet(&self, args: &[&str]) {
        let mut all = vec!["faucet", "--node", &self.node, "--from", "devnet:alice"];
        all.extend_from_slice(args);
        self.ok(&all);
    }
}

/// The fee a proposal summary names (`fee: 0.01 SERO`).
fn fee_of(report: &str) -> f64 {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix("fee: "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no fee in {report}"))
}

fn amount(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|_| panic!("not an amount: {text}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn two_wallets_pay_trade_seal_open_and_survive_a_crash() {
    let root = tempfile::tempdir().unwrap();
    let node = NodeProcess::start(
        &root.path().join("node"),
        &["--mine", "--block-interval-ms", "300"],
    );
    let a = WalletCli::restore(root.path(), "a", [1; 32], &node.url);
    let b = WalletCli::restore(root.path(), "b", [2; 32], &node.url);
    let (a_addr, b_addr) = (a.address(), b.address());

    // Public funds in: SERO and USD for A, SERO for B, a ticket for A.
    a.faucet(&["--amount", "100"]);
    // Alice holds 1,000,000 base units of USD on the devnet: 1 USD.
    a.faucet(&["--asset", "USD", "--amount", "0.5"]);
    a.faucet(&["--issue-ticket", "concert"]);
    b.faucet(&["--amount", "20"]);
    a.sync();
    b.sync();
    assert_eq!(a.spendable("SERO"), "100");
    assert_eq!(a.spendable("USD"), "0.5");
    assert_eq!(b.spendable("SERO"), "20");
    let ticket = a.tickets().pop().expect("A holds the ticket");
    assert!(ticket.starts_with("concert:"), "{ticket}");

    // Two currencies, both ways, with a memo.
    let mut fees_a = a.send(&[
        "--to",
        &b_addr,
        "--asset",
        "USD",
        "--amount",
        "0.05",
        "--memo",
        "for lunch",
    ]);
    let mut fees_b = b.send(&["--to", &a_addr, "--amount", "3"]);
    // The ticket trade: A hands it over, B pays for it.
    fees_a += a.send(&["--to", &b_addr, "--ticket", &ticket]);
    b.sync();
    assert_eq!(b.tickets(), vec![ticket.clone()]);
    fees_b += b.send(&["--to", &a_addr, "--amount", "1"]);
    // A package: sealed by A, opened by B.
    fees_a += a.send(&["--to", &b_addr, "--seal", "USD=0.02", "--seal", "SERO=1"]);
    b.sync();
    let packages = b.ok(&["packages"]);
    let id = packages
        .split("package ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .unwrap_or_else(|| panic!("no package in {packages}"))
        .to_string();
    fees_b += b.send(&["--open-package", &id]);

    // B dies mid-sync several times, then resumes.
    for _ in 0..3 {
        let mut child = b
            .command(&["sync", "--node", &node.url])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(50 + OsRng.next_u64() % 400));
        child.kill().unwrap();
        child.wait().unwrap();
    }
    a.sync();
    b.sync();

    assert_eq!(a.spendable("USD"), "0.43");
    assert_eq!(b.spendable("USD"), "0.07");
    assert!(a.tickets().is_empty());
    assert_eq!(b.tickets(), vec![ticket.clone()]);
    assert!(close(
        amount(&a.spendable("SERO")),
        100.0 + 3.0 + 1.0 - 1.0 - fees_a
    ));
    assert!(close(
        amount(&b.spendable("SERO")),
        20.0 - 3.0 - 1.0 + 1.0 - fees_b
    ));
    let history = b.ok(&["history"]);
    assert!(history.contains("for lunch"), "{history}");
    // B's payments to A, with A's address in the devnet's form (as the
    // user gave it), never the mainnet form `szk1...`.
    assert!(a_addr.starts_with("szkdev1"), "{a_addr}");
    assert!(history.contains(&format!("to {a_addr}")), "{history}");
    assert!(!history.contains(" szk1"), "{history}");

    // B redeems the ticket it bought: burnt, no longer held.
    b.send(&["--redeem-ticket", &ticket]);
    b.sync();
    assert!(b.tickets().is_empty());
}

#[test]
fn pending_notes_are_not_selected_twice_and_come_back_after_expiry() {
    let root = tempfile::tempdir().unwrap();
    let node = NodeProcess::start(
        &root.path().join("node"),
        &["--mine", "--block-interval-ms", "200"],
    );
    let a = WalletCli::restore(root.path(), "a", [3; 32], &node.url);
    let b = WalletCli::restore(root.path(), "b", [4; 32], &node.url);
    a.faucet(&["--amount", "10"]);
    a.faucet(&["--amount", "20"]);
    a.sync();
    assert_eq!(a.spendable("SERO"), "30");
    let b_addr = b.address();
    let out = |n: &str| a.scratch.join(format!("{n}.pczt"));
    // Two proposals before anything is mined: the second cannot take the
    // note the first locked.
    for (name, expiry) in [("first", "2"), ("second", "2")] {
        a.ok(&[
            "propose",
            "--to",
            &b_addr,
            "--amount",
            "5",
            "--expiry-delta",
            expiry,
            "--out",
            out(name).to_str().unwrap(),
        ]);
    }
    assert_eq!(a.spendable("SERO"), "0");
    assert_eq!(a.pending("SERO"), "30");
    // A third finds nothing left to spend, and says what is pending.
    let third = a.run(&[
        "propose",
        "--to",
        &b_addr,
        "--amount",
        "5",
        "--out",
        out("third").to_str().unwrap(),
    ]);
    assert!(!third.status.success());
    assert!(text(&third).contains("pending"), "{}", text(&third));
    // Neither was sent: once the chain passes their expiry the notes are
    // spendable again.
    let expired = |a: &WalletCli| {
        a.sync();
        a.spendable("SERO") == "30"
    };
    wait_for(Duration::from_secs(60), "the proposals to expire", || {
        expired(&a).then_some(())
    });
    assert_eq!(a.pending("SERO"), "0");

    // A second account from the same mnemonic, paid by the first.
    a.ok(&["add-account"]);
    let accounts = a.ok(&["accounts"]);
    assert!(
        accounts.contains("account0") && accounts.contains("account1"),
        "{accounts}"
    );
    let second = a
        .ok(&["--account", "account1", "address"])
        .trim()
        .to_string();
    assert_ne!(second, a.address());
    a.send(&["--to", &second, "--amount", "2"]);
    a.sync();
    let balance = a.ok(&["--account", "account1", "balance"]);
    assert!(balance.contains("SERO: 2 spendable"), "{balance}");
}

#[test]
fn propose_prove_authorize_in_three_processes_through_files() {
    let root = tempfile::tempdir().unwrap();
    let node = NodeProcess::start(
        &root.path().join("node"),
        &["--mine", "--block-interval-ms", "300"],
    );
    let a = WalletCli::restore(root.path(), "a", [5; 32], &node.url);
    let b = WalletCli::restore(root.path(), "b", [6; 32], &node.url);
    a.faucet(&["--amount", "10"]);
    a.sync();
    let file = |n: &str| a.scratch.join(n).to_str().unwrap().to_string();
    a.ok(&["export-proof-key", "--out", &file("proof.key")]);
    a.ok(&["export-spending-key", "--out", &file("spending.key")]);
    a.ok(&[
        "propose",
        "--to",
        &b.address(),
        "--amount",
        "4",
        "--out",
        &file("created.pczt"),
    ]);

    // The prover holds the proof-generation key only; the signer the
    // spending key only; neither opens the wallet.
    let pczt = |args: &[&str]| {
        let mut cmd = superzk();
        cmd.env("SUPERZK_PARAMS_DIR", params_dir())
            .arg("pczt")
            .args(args);
        let out = run_bounded(cmd, &a.scratch, COMMAND_LIMIT);
        assert!(out.status.success(), "pczt {args:?}: {}", text(&out));
    };
    pczt(&[
        "prove",
        &file("created.pczt"),
        "--proof-key",
        &file("proof.key"),
        "--out",
        &file("proven.pczt"),
    ]);
    pczt(&[
        "authorize",
        &file("proven.pczt"),
        "--spending-key",
        &file("spending.key"),
        "--out",
        &file("signed.pczt"),
    ]);
    let sent = a.ok(&["submit", "--node", &node.url, &file("signed.pczt")]);
    assert!(sent.contains("mined at height"), "{sent}");
    b.sync();
    assert_eq!(b.spendable("SERO"), "4");
    a.sync();
    assert_eq!(a.pending("SERO"), "0");
}

#[test]
fn a_reorg_on_the_node_rewinds_the_wallet() {
    let root = tempfile::tempdir().unwrap();
    let (x_data, y_data) = (root.path().join("x"), root.path().join("y"));
    // Chain X: the wallet is paid on it.
    let x = NodeProcess::start(&x_data, &["--mine", "--block-interval-ms", "200"]);
    let mut a = WalletCli::restore(root.path(), "a", [7; 32], &x.url);
    a.faucet(&["--amount", "10"]);
    a.sync();
    assert_eq!(a.spendable("SERO"), "10");
    let rt = runtime();
    let x_height = rt.block_on(async {
        let (_, mut chain) = x.connect().await;
        chain
            .get_status(proto::StatusRequest {})
            .await
            .unwrap()
            .into_inner()
            .height
    });
    assert!(x.terminate(Duration::from_secs(10)).success());

    // Chain Y, from the same genesis, longer and without the payment.
    let y = NodeProcess::start(&y_data, &["--mine", "--block-interval-ms", "100"]);
    let blocks: Vec<Vec<u8>> = rt.block_on(async {
        let (mut light, mut chain) = y.connect().await;
        loop {
            let h = chain
                .get_status(proto::StatusRequest {})
                .await
                .unwrap()
                .into_inner()
                .height;
            if h >= x_height + 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut blocks = vec![];
        for height in 1..=x_height + 3 {
            let request = proto::BlockRequest {
                at: Some(At::Height(height)),
            };
            blocks.push(light.get_block(request).await.unwrap().into_inner().block);
        }
        blocks
    });
    drop(y);

    // X (not mining now) is handed Y's heavier branch and switches.
    let x = NodeProcess::start(&x_data, &[]);
    rt.block_on(async {
        let (_, mut chain) = x.connect().await;
        for block in blocks {
            chain
                .submit_block(proto::RawBlock { block })
                .await
                .expect("X takes Y's block");
        }
        let status = chain
            .get_status(proto::StatusRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(status.height, x_height + 3, "X switched to Y's branch");
    });
    a.node = x.url.clone();
    let report = a.sync();
    assert!(report.contains("rewound"), "{report}");
    assert_eq!(a.spendable("SERO"), "0");
}
