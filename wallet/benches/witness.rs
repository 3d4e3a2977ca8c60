//! The cost of keeping the wallet's witnesses as blocks arrive.
//!
//! A tree of 100,000 notes (1,000 blocks of 100) of which 10 or 1,000,
//! spread over the whole tree, are the wallet's unspent notes; then, per
//! measurement:
//!
//! * `append_block`: one more block of 100 commitments (none ours) with its
//!   checkpoint, and the oldest checkpoint pruned: the per-block cost of
//!   sync. shardtree keeps no witness up to date eagerly, so this is all a
//!   block costs whatever the number of notes;
//! * `witness`: the authentication path of one note at the tip (what a spend
//!   asks for);
//! * `to_bytes` / `from_bytes`: the tree's stored form, written with every
//!   batch of scanned blocks and read when the wallet opens (its size is
//!   printed).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::Fr;
use superzk_wallet::tree::WalletTree;

const BLOCKS: u64 = 1_000;
const PER_BLOCK: usize = 100;

fn commitments(rng: &mut ChaCha20Rng) -> Vec<(Fr, bool)> {
    use ark_ff::UniformRand;
    (0..PER_BLOCK).map(|_| (Fr::rand(rng), false)).collect()
}

/// The tree after [`BLOCKS`] blocks with `notes` of ours spread evenly.
fn tree_with(notes: u64, rng: &mut ChaCha20Rng) -> (WalletTree, Vec<u64>) {
    let mut tree = WalletTree::new();
    let total = BLOCKS * PER_BLOCK as u64;
    let every = total / notes;
    let mut ours = vec![];
    for height in 0..BLOCKS {
        let mut cms = commitments(rng);
        for (i, cm) in cms.iter_mut().enumerate() {
            let position = height * PER_BLOCK as u64 + i as u64;
            if position % every == every / 2 {
                cm.1 = true;
                ours.push(position);
            }
        }
        tree.append_block(height, &cms).expect("appends");
    }
    assert_eq!(ours.len() as u64, notes);
    (tree, ours)
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for notes in [10u64, 1_000] {
        let (mut tree, ours) = tree_with(notes, &mut rng);
        let bytes = tree.to_bytes();
        eprintln!(
            "witness bench: {notes} notes, stored tree {} bytes",
            bytes.len()
        );
        let mut group = c.benchmark_group(format!("wallet tree, {notes} unspent notes"));
        group.sample_size(20);
        let mut height = tree.tip().expect("a tip");
        group.bench_function("append_block (100 commitments)", |b| {
            b.iter_batched(
                || commitments(&mut rng),
                |cms| {
                    height += 1;
                    tree.append_block(height, &cms).expect("appends")
                },
                BatchSize::SmallInput,
            )
        });
        let tip = tree.tip().expect("a tip");
        group.bench_function("witness (one note, at the tip)", |b| {
            b.iter(|| tree.witness(ours[ours.len() / 2], tip).expect("witnessed"))
        });
        let bytes = tree.to_bytes();
        group.bench_function("to_bytes", |b| b.iter(|| tree.to_bytes()));
        group.bench_function("from_bytes", |b| {
            b.iter(|| WalletTree::from_bytes(&bytes).expect("reads"))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
