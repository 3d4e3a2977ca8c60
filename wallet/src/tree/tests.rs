use super::*;
use ark_ff::UniformRand;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use superzk_circuits::tree::IncrementalWitness;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The reference: circuits' own tree, with a witness for every marked note.
#[derive(Clone)]
struct Reference {
    tree: CommitmentTree,
    witnesses: Vec<IncrementalWitness>,
    leaves: Vec<Fr>,
}

impl Reference {
    fn new(tree: CommitmentTree) -> Self {
        Self {
            tree,
            witnesses: vec![],
            leaves: vec![],
        }
    }

    fn append(&mut self, cms: &[(Fr, bool)]) {
        for &(cm, ours) in cms {
            if ours {
                let w = self.tree.append_marked(cm, &mut self.witnesses).unwrap();
                self.witnesses.push(w);
                self.leaves.push(cm);
            } else {
                self.tree.append(cm, &mut self.witnesses).unwrap();
            }
        }
    }

    fn positions(&self) -> BTreeSet<u64> {
        self.witnesses.iter().map(|w| w.position()).collect()
    }

    fn forget(&mut self, position: u64) {
        let i = self
            .witnesses
            .iter()
            .position(|w| w.position() == position)
            .unwrap();
        self.witnesses.remove(i);
        self.leaves.remove(i);
    }
}

/// A block of `n` random commitments, each ours with probability 1/`one_in`.
fn block(rng: &mut ChaCha20Rng, n: usize, one_in: u32) -> Vec<(Fr, bool)> {
    (0..n)
        .map(|_| (Fr::rand(rng), rng.next_u32() % one_in == 0))
        .collect()
}

/// Every witness the reference keeps equals the wallet tree's, and opens
/// to the root at `height`.
fn assert_witnesses_agree(tree: &WalletTree, reference: &Reference, height: u64) {
    let root = tree.root_at(height).unwrap();
    assert_eq!(root, reference.tree.root(), "root at {height}");
    for (w, leaf) in reference.witnesses.iter().zip(&reference.leaves) {
        let path = tree.witness(w.position(), height).unwrap();
        assert_eq!(&path, w.path(), "witness of {} at {height}", w.position());
        assert_eq!(path.root(*leaf), root);
    }
}

#[test]
fn node_hashing_is_circuits_hashing() {
    for level in 0..=DEPTH {
        let l = Level::from(level);
        assert_eq!(Node::empty_root(l).0, empty_roots()[level as usize]);
        // The trait's default (combine the level below with itself) agrees.
        let mut node = Node::empty_leaf();
        for below in 0..level {
            node = Node::combine(Level::from(below), &node, &node);
        }
        assert_eq!(node, Node::empty_root(l), "level {level}");
    }
    let (a, b) = (Fr::from(3u64), Fr::from(4u64));
    assert_eq!(
        Node::combine(Level::from(7), &Node(a), &Node(b)).0,
        merkle_hash(7, a, b)
    );
    assert_ne!(
        Node::combine(Level::from(7), &Node(a), &Node(b)),
        Node::combine(Level::from(8), &Node(a), &Node(b))
    );
}

#[test]
fn witnesses_equal_circuits_witnesses_over_random_blocks() {
    let mut rng = rng(1);
    let mut tree = WalletTree::new();
    let mut reference = Reference::new(CommitmentTree::new());
    let mut roots = vec![];
    for height in 0..40u64 {
        let n = (rng.next_u32() % 24) as usize;
        let cms = block(&mut rng, n, 6);
        let positions = tree.append_block(height, &cms).unwrap();
        assert_eq!(
            positions,
            reference.tree.size()..reference.tree.size() + n as u64
        );
        reference.append(&cms);
        roots.push(reference.tree.root());
        assert_eq!(tree.size(), reference.tree.size());
        assert_eq!(tree.tip(), Some(height));
        if height % 7 == 3 {
            assert_witnesses_agree(&tree, &reference, height);
        }
    }
    assert_witnesses_agree(&tree, &reference, 39);
    let marked = reference.positions();
    assert!(marked.len() > 10);
    assert_eq!(tree.marked_positions().unwrap(), marked);
    // Roots of earlier blocks, and a witness as of an earlier block.
    for (height, root) in roots.iter().enumerate() {
        assert_eq!(tree.root_at(height as u64).unwrap(), *root);
    }
    let first = *marked.iter().next().unwrap();
    let path = tree.witness(first, 30).unwrap();
    let leaf = reference.leaves[0];
    assert_eq!(path.root(leaf), roots[30]);
    // Someone else's note has no witness; nor does a position beyond the tip.
    let theirs = (0..tree.size()).find(|p| !marked.contains(p)).unwrap();
    assert_eq!(
        tree.witness(theirs, 39),
        Err(TreeError::NotWitnessed(theirs))
    );
    assert_eq!(
        tree.witness(tree.size() + 5, 39),
        Err(TreeError::NotWitnessed(tree.size() + 5))
    );
    assert_eq!(tree.witness(first, 40), Err(TreeError::NoCheckpoint(40)));
    assert_eq!(tree.root_at(40), Err(TreeError::NoCheckpoint(40)));
}

#[test]
fn blocks_must_come_in_order() {
    let mut tree = WalletTree::new();
    tree.append_block(5, &[]).unwrap();
    for bad in [5, 4, 7] {
        assert_eq!(
            tree.append_block(bad, &[(Fr::from(1u64), true)]),
            Err(TreeError::OutOfOrder {
                expected_after: 5,
                got: bad
            })
        );
    }
    assert_eq!(tree.size(), 0);
    tree.append_block(6, &[(Fr::from(1u64), true)]).unwrap();
    assert_eq!(tree.size(), 1);
}

#[test]
fn rewind_returns_to_the_root_at_that_height_and_a_new_branch_follows() {
    let mut rng = rng(2);
    let mut tree = WalletTree::new();
    let mut reference = Reference::new(CommitmentTree::new());
    let mut snapshots = vec![];
    for height in 0..30u64 {
        let n = (rng.next_u32() % 10) as usize;
        let cms = block(&mut rng, n, 4);
        tree.append_block(height, &cms).unwrap();
        reference.append(&cms);
        snapshots.push(reference.clone());
    }
    // A note spent in block 25, then blocks 21.. reorganised away: the
    // spend is forgotten and the note keeps its witness.
    let spent = reference.witnesses[0].position();
    assert!(tree.unmark(spent, 25).unwrap());
    tree.rewind_to(20).unwrap();
    assert_eq!(tree.tip(), Some(20));
    let mut reference = snapshots[20].clone();
    assert_eq!(tree.size(), reference.tree.size());
    assert_eq!(tree.root_at(20).unwrap(), reference.tree.root());
    assert_eq!(tree.root_at(21), Err(TreeError::NoCheckpoint(21)));
    assert!(tree.marked_positions().unwrap().contains(&spent));
    // The other branch.
    for height in 21..35u64 {
        let n = (rng.next_u32() % 10) as usize;
        let cms = block(&mut rng, n, 4);
        tree.append_block(height, &cms).unwrap();
        reference.append(&cms);
    }
    assert_witnesses_agree(&tree, &reference, 34);
    // Rewinding to the tip changes nothing; beyond the tip is refused.
    tree.rewind_to(34).unwrap();
    assert_witnesses_agree(&tree, &reference, 34);
    assert_eq!(tree.rewind_to(35), Err(TreeError::NoCheckpoint(35)));
}

#[test]
fn only_the_last_blocks_can_be_rewound() {
    let mut tree = WalletTree::new();
    let n = MAX_CHECKPOINTS as u64 + 20;
    for height in 0..n {
        tree.append_block(height, &[(Fr::from(height), height % 3 == 0)])
            .unwrap();
    }
    let oldest = n - MAX_CHECKPOINTS as u64;
    assert_eq!(tree.oldest_checkpoint(), Some(oldest));
    assert_eq!(
        tree.rewind_to(oldest - 1),
        Err(TreeError::NoCheckpoint(oldest - 1))
    );
    tree.rewind_to(oldest).unwrap();
    assert_eq!(tree.size(), oldest + 1);
}

#[test]
fn spent_notes_lose_their_witness_once_the_spend_is_final() {
    let mut rng = rng(3);
    let mut tree = WalletTree::new();
    let mut reference = Reference::new(CommitmentTree::new());
    for height in 0..5u64 {
        let cms = block(&mut rng, 8, 3);
        tree.append_block(height, &cms).unwrap();
        reference.append(&cms);
    }
    let (spent, kept) = (
        reference.witnesses[0].position(),
        reference.witnesses[1].position(),
    );
    assert!(tree.unmark(spent, 4).unwrap());
    // Unmarking twice, or someone else's note, does nothing.
    let theirs = (0..tree.size())
        .find(|p| !reference.positions().contains(p))
        .unwrap();
    assert!(!tree.unmark(theirs, 4).unwrap());
    assert_eq!(tree.unmark(kept, 5), Err(TreeError::NoCheckpoint(5)));
    // Within the reorg window the spent note can still be witnessed.
    assert!(tree.witness(spent, 4).is_ok());
    for height in 5..5 + MAX_CHECKPOINTS as u64 + 1 {
        let cms = block(&mut rng, 2, 1000);
        tree.append_block(height, &cms).unwrap();
        reference.append(&cms);
    }
    let tip = tree.tip().unwrap();
    assert_eq!(
        tree.witness(spent, tip),
        Err(TreeError::NotWitnessed(spent))
    );
    assert!(!tree.marked_positions().unwrap().contains(&spent));
    reference.forget(spent);
    assert_witnesses_agree(&tree, &reference, tip);
}

/// A frontier of the given size with arbitrary node values (as a node's
/// would be, deep into the chain), and circuits' tree from it.
fn arbitrary_frontier(size: u64, rng: &mut ChaCha20Rng) -> CommitmentTree {
    let nodes: Vec<Option<Fr>> = (0..CIRCUIT_DEPTH)
        .map(|h| ((size >> h) & 1 == 1).then(|| Fr::rand(rng)))
        .collect();
    let mut bytes = vec![];
    (size, nodes).serialize_compressed(&mut bytes).unwrap();
    CommitmentTree::deserialize_compressed(bytes.as_slice()).unwrap()
}

#[test]
fn starting_from_a_frontier_equals_starting_from_genesis() {
    let mut rng = rng(4);
    for birthday_size in [0u64, 1, 2, 37, 64, 300] {
        let mut from_genesis = WalletTree::new();
        let mut reference = Reference::new(CommitmentTree::new());
        let cms = block(&mut rng, birthday_size as usize, u32::MAX);
        from_genesis.append_block(10, &cms).unwrap();
        reference.append(&cms);
        let mut from_frontier = WalletTree::from_frontier(10, &reference.tree).unwrap();
        assert_eq!(from_frontier.size(), birthday_size);
        assert_eq!(from_frontier.root_at(10), from_genesis.root_at(10));
        for height in 11..16u64 {
            let n = (rng.next_u32() % 12) as usize;
            let cms = block(&mut rng, n, 3);
            from_genesis.append_block(height, &cms).unwrap();
            from_frontier.append_block(height, &cms).unwrap();
            reference.append(&cms);
        }
        assert_witnesses_agree(&from_frontier, &reference, 15);
        assert_witnesses_agree(&from_genesis, &reference, 15);
    }
}

#[test]
fn frontiers_deep_in_the_chain_work_at_every_shape() {
    let mut rng = rng(5);
    // Odd and even sizes, a full shard, frontiers whose lowest node is above
    // the shard level, and a tree one leaf from full.
    let sizes = [
        1u64 << 16,
        1 << 17,
        (1 << 20) + (1 << 17),
        (1 << 31) + 12345,
        (1 << 31) + 2,
        (1 << 32) - 1,
    ];
    for size in sizes {
        let frontier = arbitrary_frontier(size, &mut rng);
        let mut tree = WalletTree::from_frontier(100, &frontier).unwrap();
        let mut reference = Reference::new(frontier.clone());
        assert_eq!(tree.root_at(100).unwrap(), frontier.root(), "size {size}");
        if size == (1 << 32) - 1 {
            assert_eq!(
                tree.append_block(101, &block(&mut rng, 2, 1)),
                Err(TreeError::Full)
            );
            tree.append_block(101, &[(Fr::from(9u64), true)]).unwrap();
            reference.append(&[(Fr::from(9u64), true)]);
            // circuits' `CommitmentTree::root` reads a full tree as empty
            // (its frontier is all spent); its witness has the true root.
            let path = tree.witness(size, 101).unwrap();
            assert_eq!(&path, reference.witnesses[0].path());
            assert_eq!(tree.root_at(101).unwrap(), path.root(Fr::from(9u64)));
            continue;
        }
        // Empty blocks first (no shard may hold the tip yet), then notes.
        tree.append_block(101, &[]).unwrap();
        tree.append_block(102, &[]).unwrap();
        let cms = block(&mut rng, 20, 3);
        tree.append_block(103, &cms).unwrap();
        reference.append(&cms);
        assert_witnesses_agree(&tree, &reference, 103);
        assert_eq!(tree.root_at(101).unwrap(), frontier.root());
        // Back to an empty block after the birthday, then a new branch.
        tree.rewind_to(101).unwrap();
        assert_eq!(tree.size(), size);
        assert_eq!(tree.root_at(100).unwrap(), frontier.root());
        assert_eq!(tree.root_at(102), Err(TreeError::NoCheckpoint(102)));
        let mut reference = Reference::new(frontier.clone());
        let cms = block(&mut rng, 5, 2);
        tree.append_block(102, &cms).unwrap();
        reference.append(&cms);
        assert_witnesses_agree(&tree, &reference, 102);
        // And to the birthday itself; before it there is nothing.
        tree.rewind_to(100).unwrap();
        assert_eq!(tree.root_at(100).unwrap(), frontier.root());
        assert_eq!(tree.rewind_to(99), Err(TreeError::NoCheckpoint(99)));
        assert!(tree.marked_positions().unwrap().is_empty());
    }
}

#[test]
fn many_empty_blocks_after_a_high_frontier_keep_the_checkpoint_bound() {
    let mut rng = rng(6);
    let frontier = arbitrary_frontier(1 << 18, &mut rng);
    let mut tree = WalletTree::from_frontier(0, &frontier).unwrap();
    for height in 1..=MAX_CHECKPOINTS as u64 + 10 {
        tree.append_block(height, &[]).unwrap();
    }
    // Heights 0..=MAX + 10, of which the last MAX are kept.
    let oldest = 11;
    assert_eq!(tree.oldest_checkpoint(), Some(oldest));
    assert_eq!(
        tree.root_at(oldest - 1),
        Err(TreeError::NoCheckpoint(oldest - 1))
    );
    tree.rewind_to(oldest).unwrap();
    assert_eq!(tree.root_at(oldest).unwrap(), frontier.root());
    tree.append_block(oldest + 1, &[(Fr::from(1u64), true)])
        .unwrap();
    let mut reference = Reference::new(frontier);
    reference.append(&[(Fr::from(1u64), true)]);
    assert_witnesses_agree(&tree, &reference, oldest + 1);
}

#[test]
fn malformed_frontiers_are_refused() {
    assert!(matches!(
        WalletTree::from_frontier_bytes(1, &[]),
        Err(TreeError::Frontier(_))
    ));
    assert!(matches!(
        WalletTree::from_frontier_bytes(1, &[7u8; 100]),
        Err(TreeError::Frontier(_))
    ));
    // Well formed, but a node where the size has no bit.
    let mut nodes: Vec<Option<Fr>> = vec![None; CIRCUIT_DEPTH];
    nodes[3] = Some(Fr::from(1u64));
    let mut bytes = vec![];
    (5u64, nodes).serialize_compressed(&mut bytes).unwrap();
    assert!(matches!(
        WalletTree::from_frontier_bytes(1, &bytes),
        Err(TreeError::Frontier(_))
    ));
    let mut good = vec![];
    arbitrary_frontier(77, &mut rng(7))
        .serialize_compressed(&mut good)
        .unwrap();
    assert!(WalletTree::from_frontier_bytes(1, &good).is_ok());
}

/// A tree with marks, unmarks, checkpoints and a birthday.
fn busy_tree(rng: &mut ChaCha20Rng) -> (WalletTree, Reference) {
    let frontier = arbitrary_frontier(1000, rng);
    let mut tree = WalletTree::from_frontier(50, &frontier).unwrap();
    let mut reference = Reference::new(frontier);
    for height in 51..60u64 {
        let cms = block(rng, 6, 3);
        tree.append_block(height, &cms).unwrap();
        reference.append(&cms);
    }
    let spent = reference.witnesses[0].position();
    assert!(tree.unmark(spent, 58).unwrap());
    (tree, reference)
}

#[test]
fn bytes_round_trip() {
    let mut rng = rng(8);
    for mut tree in [WalletTree::new(), busy_tree(&mut rng).0] {
        let bytes = tree.to_bytes();
        let mut back = WalletTree::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.size(), tree.size());
        assert_eq!(back.tip(), tree.tip());
        assert_eq!(back.oldest_checkpoint(), tree.oldest_checkpoint());
        assert_eq!(back.marked_positions(), tree.marked_positions());
        // Both go on the same way, rewinds included.
        let next = tree.tip().map_or(0, |t| t + 1);
        let cms = block(&mut rng, 9, 2);
        tree.append_block(next, &cms).unwrap();
        back.append_block(next, &cms).unwrap();
        assert_eq!(back.to_bytes(), tree.to_bytes());
        assert_eq!(back.root_at(next), tree.root_at(next));
        if let Some(oldest) = tree.oldest_checkpoint() {
            tree.rewind_to(oldest).unwrap();
            back.rewind_to(oldest).unwrap();
            assert_eq!(back.to_bytes(), tree.to_bytes());
        }
    }
    let (tree, reference) = busy_tree(&mut rng);
    let back = WalletTree::from_bytes(&tree.to_bytes()).unwrap();
    assert_witnesses_agree(&back, &reference, 59);
}

#[test]
fn garbage_bytes_are_refused_without_panics() {
    let mut rng = rng(9);
    let (tree, _) = busy_tree(&mut rng);
    let bytes = tree.to_bytes();
    // Every truncation, and a trailing byte.
    for len in 0..bytes.len() {
        assert!(
            matches!(
                WalletTree::from_bytes(&bytes[..len]),
                Err(TreeError::Corrupt(_))
            ),
            "prefix of {len} bytes"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        WalletTree::from_bytes(&longer),
        Err(TreeError::Corrupt(_))
    ));
    // Another magic or version.
    for at in [0, MAGIC.len()] {
        let mut other = bytes.clone();
        other[at] ^= 1;
        assert!(matches!(
            WalletTree::from_bytes(&other),
            Err(TreeError::Corrupt(_))
        ));
    }
    // The tip moved off its checkpoint, or the size off the tip.
    let mut moved = bytes.clone();
    moved[9] ^= 1;
    assert!(matches!(
        WalletTree::from_bytes(&moved),
        Err(TreeError::Corrupt(_))
    ));
    // Any flipped byte: refused or read, never a panic.
    let mut refused = 0;
    for at in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x5a;
        if WalletTree::from_bytes(&flipped).is_err() {
            refused += 1;
        }
    }
    assert!(refused > bytes.len() / 4, "{refused} of {}", bytes.len());
    // Random bytes, with and without a valid header.
    for len in [0usize, 1, 8, 9, 64, 1000] {
        let mut junk = vec![0u8; len];
        rng.fill_bytes(&mut junk);
        assert!(WalletTree::from_bytes(&junk).is_err());
        let mut headed = MAGIC.to_vec();
        headed.push(FORMAT_VERSION);
        headed.extend_from_slice(&junk);
        assert!(WalletTree::from_bytes(&headed).is_err());
    }
    // A deep chain of parents where the level runs out.
    let mut deep = MAGIC.to_vec();
    deep.push(FORMAT_VERSION);
    deep.extend_from_slice(&0u64.to_le_bytes());
    deep.extend_from_slice(&[0, 0]);
    for _ in 0..40 {
        deep.extend_from_slice(&[PARENT, 0]);
    }
    assert!(matches!(
        WalletTree::from_bytes(&deep),
        Err(TreeError::Corrupt(_))
    ));
}
