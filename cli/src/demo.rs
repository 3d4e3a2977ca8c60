//! `superzk demo`: the main job on embedded defaults.

use std::{path::PathBuf, time::Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, RngCore, SeedableRng};
use superzk_circuits::asset::{AssetInfo, Ticket};
use superzk_keys::{params::write_file_atomic, spending_key::SpendingKey};
use superzk_prover::{TransactionBuilder, Wallet};
use superzk_verifier::{transaction::Transaction, verify::verify_batch};

use crate::{error::CliError, ledger::Ledger};

fn memo(text: &str) -> [u8; 64] {
    let mut m = [0u8; 64];
    let n = text.len().min(64);
    m[..n].copy_from_slice(&text.as_bytes()[..n]);
    m
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// One line of the summary.
struct Row {
    label: &'static str,
    prove_ms: f64,
    verify_ms: f64,
    size: usize,
}

/// Puts `tx` on the ledger (full verification), reporting and recording it.
fn submit(
    label: &'static str,
    tx: &Transaction,
    prove_ms: f64,
    ledger: &mut Ledger,
    rows: &mut Vec<Row>,
    rng: &mut ChaCha20Rng,
) -> Result<(), CliError> {
    let t = Instant::now();
    ledger.apply_block(vec![tx.clone()], rng)?;
    let verify_ms = ms(t);
    let size = tx.to_bytes().len();
    println!(
        "{label}: {} spends, {} outputs, {} package spends, {} package outputs, {size} bytes; \
         proved in {prove_ms:.0} ms, verified in {verify_ms:.0} ms",
        tx.spends.len(),
        tx.outputs.len(),
        tx.package_spends.len(),
        tx.package_outputs.len()
    );
    rows.push(Row {
        label,
        prove_ms,
        verify_ms,
        size,
    });
    Ok(())
}

/// Runs the demo; prints a summary with timings.
pub fn run(params_dir: Option<PathBuf>, out: Option<PathBuf>) -> Result<(), CliError> {
    let mut rng = ChaCha20Rng::from_seed({
        let mut s = [0u8; 32];
        OsRng.fill_bytes(&mut s);
        s
    });
    println!("SuperZK demo — Groth16 on BLS12-381, Poseidon in-circuit (parameters are INSECURE, seeded, for demos only)");
    let t = Instant::now();
    let keys = crate::load_demo_keys(params_dir)?;
    let params_ms = ms(t);
    let mut ledger = Ledger::new(keys.verifying_keys());

    let mut alice = Wallet::new(SpendingKey::random(&mut rng));
    let mut bob = Wallet::new(SpendingKey::random(&mut rng));
    let sero = AssetInfo::native();
    let usd = AssetInfo::currency("USD");
    println!("alice's address: {}", alice.address(0));
    println!("bob's address:   {}", bob.address(0));

    let mut rows: Vec<Row> = vec![];

    // 1. Shield public value of two currencies into Alice's notes.
    let t = Instant::now();
    let mut b = TransactionBuilder::new();
    b.add_public_input(sero.asset(), 1_000)
        .add_public_input(usd.asset(), 500);
    b.add_output(
        None,
        alice.address(0),
        sero.clone(),
        600,
        memo("shielded SERO"),
    );
    b.add_output(
        None,
        alice.address(0),
        sero.clone(),
        400,
        memo("shielded SERO"),
    );
    b.add_output(
        None,
        alice.address(0),
        usd.clone(),
        500,
        memo("shielded USD"),
    );
    let shield = b.build(&keys, &mut rng)?;
    let prove_ms = ms(t);
    submit(
        "shield",
        &shield,
        prove_ms,
        &mut ledger,
        &mut rows,
        &mut rng,
    )?;
    alice.scan(&shield)?;
    bob.scan(&shield)?;

    // 2. A private transfer of both currencies to Bob, with change and a fee.
    let t = Instant::now();
    let transfer = alice.transfer(
        &keys,
        &bob.address(3),
        &[(sero.clone(), 250), (usd.clone(), 120)],
        2,
        memo("for the concert"),
        &mut rng,
    )?;
    let prove_ms = ms(t);
    submit(
        "transfer",
        &transfer,
        prove_ms,
        &mut ledger,
        &mut rows,
        &mut rng,
    )?;
    let t = Instant::now();
    let found_alice = alice.scan(&transfer)?;
    let found_bob = bob.scan(&transfer)?;
    let scan_ms = ms(t);
    println!(
        "scanning: bob found {} notes, alice found {} change notes and {} of her notes spent ({scan_ms:.1} ms)",
        found_bob.received, found_alice.received, found_alice.spent
    );

    // 3. Bob pays some USD back, spending the notes he found.
    let t = Instant::now();
    let payback = bob.transfer(
        &keys,
        &alice.address(1),
        &[(usd.clone(), 20)],
        1,
        memo("thanks"),
        &mut rng,
    )?;
    let prove_ms = ms(t);
    submit(
        "pay back",
        &payback,
        prove_ms,
        &mut ledger,
        &mut rows,
        &mut rng,
    )?;
    alice.scan(&payback)?;
    bob.scan(&payback)?;

    // 4. Alice issues a concert ticket to herself and sells it to Bob for
    //    30 SERO in one private transaction that both of them fund.
    let ticket = Ticket {
        category: "concert-2026".into(),
        id: *b"SuperZK demo ticket, seat 42A..."
            .first_chunk()
            .expect("32 bytes"),
    };
    let t = Instant::now();
    let mut b = TransactionBuilder::new();
    b.issue_ticket(None, &ticket, alice.address(2));
    let issue = b.build(&keys, &mut rng)?;
    let prove_ms = ms(t);
    submit("issue", &issue, prove_ms, &mut ledger, &mut rows, &mut rng)?;
    alice.scan(&issue)?;
    bob.scan(&issue)?;
    let ticket_info = AssetInfo::Ticket(ticket.clone());
    let t = Instant::now();
    let mut b = TransactionBuilder::new();
    b.add_output(
        None,
        bob.address(4),
        ticket_info.clone(),
        1,
        memo("enjoy the show"),
    );
    b.add_output(
        None,
        alice.address(3),
        sero.clone(),
        30,
        memo("ticket payment"),
    );
    alice.fund(&mut b, &ticket_info, 1)?;
    bob.fund(&mut b, &sero, 30)?;
    let sale = b.build(&keys, &mut rng)?;
    let prove_ms = ms(t);
    submit("sale", &sale, prove_ms, &mut ledger, &mut rows, &mut rng)?;
    alice.scan(&sale)?;
    bob.scan(&sale)?;
    println!(
        "bob now holds: {}",
        bob.tickets()
            .iter()
            .map(|t| AssetInfo::Ticket(t.clone()).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );

    // 5. Bob seals 50 SERO, 20 USD and the ticket into a package for Alice;
    //    Alice passes it back to Bob, who opens it.
    let t = Instant::now();
    let contents = [
        (sero.clone(), 50),
        (usd.clone(), 20),
        (ticket_info.clone(), 1),
    ];
    let seal = bob.seal_package(
        &keys,
        &alice.address(6),
        &contents,
        memo("a sealed gift"),
        &mut rng,
    )?;
    let prove_ms = ms(t);
    submit("seal", &seal, prove_ms, &mut ledger, &mut rows, &mut rng)?;
    alice.scan(&seal)?;
    bob.scan(&seal)?;
    let held = alice
        .packages()
        .first()
        .map(|p| (*p).clone())
        .ok_or_else(|| CliError::Ledger("alice did not find the package".into()))?;
    println!(
        "alice holds a package of: {}",
        held.contents()
            .iter()
            .map(|(a, v)| format!("{v} {a}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let t = Instant::now();
    let pass = alice.pass_package(&keys, &held, &bob.address(7), &mut rng)?;
    let prove_ms = ms(t);
    submit("pass", &pass, prove_ms, &mut ledger, &mut rows, &mut rng)?;
    alice.scan(&pass)?;
    bob.scan(&pass)?;
    let held = bob
        .packages()
        .first()
        .map(|p| (*p).clone())
        .ok_or_else(|| CliError::Ledger("bob did not find the package".into()))?;
    let t = Instant::now();
    let open = bob.open_package(&keys, &held, &mut rng)?;
    let prove_ms = ms(t);
    submit("open", &open, prove_ms, &mut ledger, &mut rows, &mut rng)?;
    alice.scan(&open)?;
    bob.scan(&open)?;

    // 6. An auditor-style re-verification of the whole ledger in one batch.
    let t = Instant::now();
    verify_batch(
        ledger.transactions(),
        &keys.verifying_keys(),
        ledger.anchors(),
        &mut rng,
    )
    .map_err(|f| CliError::Ledger(format!("re-verification failed: {:?}", f.invalid)))?;
    let batch_ms = ms(t);

    let (a_sero, a_usd, b_sero, b_usd) = (
        alice.balance_of(&sero.asset()),
        alice.balance_of(&usd.asset()),
        bob.balance_of(&sero.asset()),
        bob.balance_of(&usd.asset()),
    );
    if (a_sero, a_usd, b_sero, b_usd) != (778, 400, 219, 100)
        || bob.tickets() != [ticket.clone()]
        || !alice.tickets().is_empty()
    {
        return Err(CliError::Ledger(format!(
            "unexpected balances: alice {a_sero} SERO {a_usd} USD, bob {b_sero} SERO {b_usd} USD"
        )));
    }
    println!();
    println!("summary");
    println!("  parameters ready in {params_ms:.0} ms");
    for r in &rows {
        println!(
            "  {:<10} prove {:>7.0} ms   verify {:>6.0} ms   {:>6} bytes",
            r.label, r.prove_ms, r.verify_ms, r.size
        );
    }
    println!(
        "  whole ledger ({} transactions, {} proofs) batch-verified in {batch_ms:.0} ms",
        ledger.transactions().len(),
        ledger
            .transactions()
            .iter()
            .map(|t| t.all_spends().count() + t.all_outputs().count())
            .sum::<usize>()
    );
    println!(
        "  alice: {a_sero} SERO, {a_usd} USD   bob: {b_sero} SERO, {b_usd} USD, 1 ticket   fees paid: 3 SERO"
    );
    println!("  all transactions valid; every balance as expected");

    if let Some(dir) = out {
        for (name, tx) in [
            ("shield", &shield),
            ("transfer", &transfer),
            ("payback", &payback),
            ("issue", &issue),
            ("sale", &sale),
            ("seal", &seal),
            ("pass", &pass),
            ("open", &open),
        ] {
            let path = dir.join(format!("{name}.tx"));
            write_file_atomic(&path, &tx.to_bytes())?;
            println!("  wrote {}", path.display());
        }
        // The wallets' full viewing keys, for `superzk audit`.
        for (name, wallet) in [("alice", &alice), ("bob", &bob)] {
            let path = dir.join(format!("{name}.fvk"));
            write_file_atomic(&path, wallet.full_viewing_key().encode().as_bytes())?;
            println!("  wrote {}", path.display());
        }
    }
    Ok(())
}
