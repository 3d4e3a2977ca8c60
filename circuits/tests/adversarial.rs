//! Adversarial tests: witnesses that break each circuit's statement, in the
//! ways under-constrained circuits have broken before (Zcash's 2019
//! counterfeiting bug was one), checked against the constraint matrices
//! themselves rather than against the gadgets' own bookkeeping.
//!
//! A malicious prover is not bound by the synthesizer: it may hand Groth16 any
//! assignment `z` that satisfies `(A·z) ∘ (B·z) = C·z`. So these tests take
//! the finalized matrices of each circuit (Spend, Output, PackageSpend,
//! PackageOutput), take an honest assignment, edit it the way an attacker
//! would, and evaluate the matrices on the edited assignment:
//!
//! * **no variable can be changed on its own**: for every witness and every
//!   public input, changing its value alone (by +1, or a bit to 2 or −1)
//!   breaks a constraint that mentions it. This subsumes "every witness
//!   variable is constrained" (`circuits.rs` checks that on blank circuits)
//!   and catches free variables that should be tied to an input. The one
//!   exception allowed is a "don't care" hint that a single constraint
//!   multiplies by zero and nothing else reads (see [`R1cs::is_dead_hint`]);
//! * **bits are bits**: every bit of every value, of the tree position and of
//!   the randomizers has a booleanity constraint of its own, so a bit of 2 or
//!   of −1 (the unchecked-boolean pattern) is refused;
//! * **value range**: a value of 2^64 or more, or one that wraps around the
//!   field (a negative value), cannot be spent or output, whether by editing
//!   the bits or by committing to such a value natively;
//! * **bindings named by DESIGN.md's "Must hold"**: the nullifier is bound to
//!   the note's position and to the note's own key (no fresh nullifier for a
//!   spent note), the value commitment to the asset, `ak` to the prime-order
//!   subgroup, and package contents to the package;
//! * **group-hash counter range**: the prover's try-and-increment counter in
//!   `GroupHash` is below 256, so a counter of 256 or more, even one whose
//!   `x` is on the curve, is refused.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_ff::{BigInteger, Field, One, PrimeField, UniformRand, Zero};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::{
    asset::Ticket,
    generators::{
        group_hash_var, spend_auth_base, value_randomness_base, GROUP_HASH_CTR_BITS,
        GROUP_HASH_CTR_BOUND,
    },
    note::{incoming_viewing_key, owner_tag, value_commitment, AssetId, Note},
    note_kind::NoteKind,
    output::{OutputCircuitFor, OutputPublicInputs, OutputWitnessFor},
    package::PackageNote,
    poseidon::{hash, Domain},
    spend::{SpendCircuitFor, SpendPublicInputs, SpendWitnessFor},
    tree::CommitmentTree,
    EdwardsVar, Fr,
};

/// One sparse matrix row: `(coefficient, variable index)`.
type Row = Vec<(Fr, usize)>;

/// A circuit's finalized R1CS and one assignment `z = (1, instance, witness)`.
struct R1cs {
    a: Vec<Row>,
    b: Vec<Row>,
    c: Vec<Row>,
    z: Vec<Fr>,
    /// Number of instance variables, the constant 1 included.
    num_instance: usize,
    /// For each variable, the rows that mention it.
    rows_of: Vec<Vec<usize>>,
}

impl R1cs {
    fn of(circuit: impl ConstraintSynthesizer<Fr>) -> Self {
        let cs = ConstraintSystem::<Fr>::new_ref();
        circuit.generate_constraints(cs.clone()).unwrap();
        cs.finalize();
        let mut matrices = cs.to_matrices().unwrap();
        assert_eq!(matrices.len(), 1, "only the R1CS predicate is used");
        let mut abc = matrices.pop_first().unwrap().1;
        assert_eq!(abc.len(), 3);
        let (c, b, a) = (abc.pop().unwrap(), abc.pop().unwrap(), abc.pop().unwrap());
        let mut z = cs.instance_assignment().unwrap();
        assert_eq!(z[0], Fr::one(), "variable 0 is the constant 1");
        let num_instance = z.len();
        z.extend(cs.witness_assignment().unwrap());
        let mut rows_of = vec![Vec::new(); z.len()];
        for m in [&a, &b, &c] {
            for (i, row) in m.iter().enumerate() {
                for (_, v) in row {
                    if rows_of[*v].last() != Some(&i) {
                        rows_of[*v].push(i);
                    }
                }
            }
        }
        for rows in &mut rows_of {
            rows.sort_unstable();
            rows.dedup();
        }
        let r = Self {
            a,
            b,
            c,
            z,
            num_instance,
            rows_of,
        };
        assert_eq!(
            r.is_satisfied(),
            cs.is_satisfied().unwrap(),
            "this evaluator agrees with ark-relations"
        );
        r
    }

    fn row_holds(&self, i: usize, z: &[Fr]) -> bool {
        let eval = |row: &Row| row.iter().map(|(c, v)| *c * z[*v]).sum::<Fr>();
        eval(&self.a[i]) * eval(&self.b[i]) == eval(&self.c[i])
    }

    fn first_unsatisfied(&self, z: &[Fr]) -> Option<usize> {
        (0..self.a.len()).find(|&i| !self.row_holds(i, z))
    }

    fn is_satisfied(&self) -> bool {
        self.first_unsatisfied(&self.z).is_none()
    }

    /// Whether setting variable `v` alone to `value` leaves every
    /// constraint that mentions it satisfied (the others are untouched).
    fn accepts_edit(&self, v: usize, value: Fr) -> bool {
        let mut z = self.z.clone();
        z[v] = value;
        self.rows_of[v].iter().all(|&i| self.row_holds(i, &z))
    }

    /// Whether some constraint mentions only `v` (and the constant 1) and is
    /// satisfied exactly by 0 and 1 among the values tried: a booleanity check.
    fn has_own_booleanity_constraint(&self, v: usize) -> bool {
        self.rows_of[v].iter().any(|&i| {
            let only_v = [&self.a[i], &self.b[i], &self.c[i]]
                .iter()
                .all(|row| row.iter().all(|(_, u)| *u == v || *u == 0));
            let holds = |x: Fr| {
                let mut z = vec![Fr::zero(); v + 1];
                z[0] = Fr::one();
                z[v] = x;
                self.row_holds(i, &z)
            };
            only_v
                && holds(Fr::zero())
                && holds(Fr::one())
                && !holds(Fr::from(2u64))
                && !holds(-Fr::one())
        })
    }

    /// Whether `v` is a "don't care" hint: it appears in one constraint
    /// only, as a factor of A or B whose other factor is zero, and not in C.
    /// Such a variable (the inverse in arkworks' is-zero gadget, when the
    /// tested value is zero) can take any value, but no other constraint
    /// reads it, so its value changes nothing else.
    fn is_dead_hint(&self, v: usize) -> bool {
        let eval = |row: &Row| row.iter().map(|(c, u)| *c * self.z[*u]).sum::<Fr>();
        let mentions = |row: &Row| row.iter().any(|(_, u)| *u == v);
        match self.rows_of[v][..] {
            [i] => {
                !mentions(&self.c[i])
                    && ((mentions(&self.b[i])
                        && !mentions(&self.a[i])
                        && eval(&self.a[i]).is_zero())
                        || (mentions(&self.a[i])
                            && !mentions(&self.b[i])
                            && eval(&self.b[i]).is_zero()))
            }
            _ => false,
        }
    }
}

/// Indices of `n` consecutive bit variables at or after `from`: the first
/// variable where two assignments of the same circuit differ starts them,
/// with 0 in `zero` and 1 in `ones` for each.
fn locate_bits(zero: &[Fr], ones: &[Fr], from: usize, n: usize) -> std::ops::Range<usize> {
    let start = (from..zero.len())
        .find(|&v| zero[v] != ones[v])
        .expect("the assignments differ");
    for v in start..start + n {
        assert_eq!((zero[v], ones[v]), (Fr::zero(), Fr::one()), "bit {v}");
    }
    start..start + n
}

/// A spendable note of kind `N` in a tree among other notes, with its keys.
fn spend_witness<N: NoteKind>(
    rng: &mut ChaCha20Rng,
    make: impl FnOnce(Fr, &mut ChaCha20Rng) -> N,
) -> SpendWitnessFor<N> {
    let ak = (spend_auth_base() * JubjubScalar::rand(rng)).into_affine();
    let nk = Fr::rand(rng);
    let diversifier = [3u8; 11];
    let note = make(
        owner_tag(&incoming_viewing_key(&ak, &nk), &diversifier),
        rng,
    );
    let mut tree = CommitmentTree::new();
    for i in 0..3u64 {
        tree.append(Fr::from(i + 11), &mut []).unwrap();
    }
    let mut marked = vec![tree.append_marked(note.commitment(), &mut []).unwrap()];
    tree.append(Fr::from(99u64), &mut marked).unwrap();
    SpendWitnessFor {
        note,
        ak,
        nk,
        diversifier,
        rcv: JubjubScalar::rand(rng),
        alpha: JubjubScalar::rand(rng),
        path: marked[0].path().clone(),
    }
}

fn plain_note(value: u64) -> impl FnOnce(Fr, &mut ChaCha20Rng) -> Note {
    move |owner, rng| Note {
        asset: AssetId::from_name("USD"),
        value,
        owner,
        rho: Fr::rand(rng),
        rcm: Fr::rand(rng),
    }
}

fn package_note(values: [u64; 4]) -> impl FnOnce(Fr, &mut ChaCha20Rng) -> PackageNote {
    move |owner, rng| {
        let ticket = Ticket {
            category: "adversarial".into(),
            id: [5; 32],
        };
        PackageNote {
            key: Fr::rand(rng),
            contents: [
                (AssetId::native(), values[0]),
                (AssetId::from_name("USD"), values[1]),
                (ticket.asset(), values[2]),
                (AssetId::from_name("EUR"), values[3]),
            ],
            owner,
            rho: Fr::rand(rng),
            rcm: Fr::rand(rng),
        }
    }
}

fn output_witness<N: NoteKind>(
    rng: &mut ChaCha20Rng,
    make: impl FnOnce(Fr, &mut ChaCha20Rng) -> N,
) -> OutputWitnessFor<N> {
    let owner = Fr::rand(rng);
    OutputWitnessFor {
        note: make(owner, rng),
        rcv: JubjubScalar::rand(rng),
    }
}

fn spend_r1cs<N: NoteKind>(w: &SpendWitnessFor<N>, public: SpendPublicInputs) -> R1cs {
    R1cs::of(SpendCircuitFor {
        witness: w.clone(),
        public,
    })
}

fn output_r1cs<N: NoteKind>(w: &OutputWitnessFor<N>, public: OutputPublicInputs) -> R1cs {
    R1cs::of(OutputCircuitFor {
        witness: w.clone(),
        public,
    })
}

fn spend_satisfied<N: NoteKind>(w: &SpendWitnessFor<N>, public: SpendPublicInputs) -> bool {
    spend_r1cs(w, public).is_satisfied()
}

fn output_satisfied<N: NoteKind>(w: &OutputWitnessFor<N>, public: OutputPublicInputs) -> bool {
    output_r1cs(w, public).is_satisfied()
}

/// The four circuits, each with an honest assignment.
fn honest_circuits() -> Vec<(&'static str, R1cs)> {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let spend = spend_witness(&mut rng, plain_note(12_345));
    let output = output_witness(&mut rng, plain_note(u64::MAX));
    let package_spend = spend_witness(&mut rng, package_note([1, 2, 1, 0]));
    let package_output = output_witness(&mut rng, package_note([u64::MAX, 0, 1, 7]));
    vec![
        ("Spend", spend_r1cs(&spend, spend.public_inputs())),
        ("Output", output_r1cs(&output, output.public_inputs())),
        (
            "PackageSpend",
            spend_r1cs(&package_spend, package_spend.public_inputs()),
        ),
        (
            "PackageOutput",
            output_r1cs(&package_output, package_output.public_inputs()),
        ),
    ]
}

#[test]
fn no_variable_of_any_circuit_can_be_changed_alone() {
    for (name, r) in honest_circuits() {
        assert!(r.is_satisfied(), "{name}: honest assignment");
        let (mut free, mut hints) = (Vec::new(), 0);
        for v in 1..r.z.len() {
            let x = r.z[v];
            let mut edits = vec![x + Fr::one(), -x - Fr::one()];
            if x.is_zero() || x.is_one() {
                // The unchecked-boolean pattern: a "bit" of 2 or of -1.
                edits.extend([Fr::from(2u64), -Fr::one()]);
            }
            if edits.into_iter().any(|e| r.accepts_edit(v, e)) {
                if r.is_dead_hint(v) {
                    hints += 1;
                } else {
                    free.push(v);
                }
            }
        }
        assert_eq!(
            free,
            Vec::<usize>::new(),
            "{name}: variables (instance < {}) a prover may change alone",
            r.num_instance
        );
        println!(
            "{name}: {} public inputs and {} witnesses, each bound but {hints} don't-care hint(s)",
            r.num_instance - 1,
            r.z.len() - r.num_instance
        );
    }
}

#[test]
fn the_edit_check_catches_a_free_variable_and_an_unchecked_bit() {
    // Negative control: a circuit with a witness no constraint pins down and a
    // "bit" composed into a value without a booleanity constraint.
    struct Leaky;
    impl ConstraintSynthesizer<Fr> for Leaky {
        fn generate_constraints(
            self,
            cs: ark_relations::gr1cs::ConstraintSystemRef<Fr>,
        ) -> Result<(), ark_relations::gr1cs::SynthesisError> {
            use ark_r1cs_std::{
                alloc::AllocVar,
                eq::EqGadget,
                fields::{fp::FpVar, FieldVar},
            };
            let value = FpVar::new_input(cs.clone(), || Ok(Fr::from(3u64)))?;
            let b0 = FpVar::new_witness(cs.clone(), || Ok(Fr::one()))?;
            let b1 = FpVar::new_witness(cs.clone(), || Ok(Fr::one()))?;
            let free = FpVar::new_witness(cs.clone(), || Ok(Fr::from(5u64)))?;
            (&b0 + &b1 + &b1).enforce_equal(&value)?;
            (&free * Fr::zero()).enforce_equal(&FpVar::zero())
        }
    }
    let r = R1cs::of(Leaky);
    assert!(r.is_satisfied());
    let free = r.num_instance + 2;
    assert!(r.accepts_edit(free, Fr::from(6u64)) && !r.is_dead_hint(free));
    let b0 = r.num_instance;
    assert!(!r.has_own_booleanity_constraint(b0));
    // b0 = 3, b1 = 0 still composes 3: the unchecked bits let it through.
    let mut z = r.z.clone();
    z[b0] = Fr::from(3u64);
    z[b0 + 1] = Fr::zero();
    assert_eq!(r.first_unsatisfied(&z), None);
}

/// For each circuit kind: the value bits (64 per value, located by synthesizing
/// with all-zero and all-one values against the same public inputs) each have
/// their own booleanity constraint, and no edit of them that composes 2^64 or
/// a negative value is accepted.
#[test]
fn value_bits_are_boolean_and_values_cannot_reach_2_pow_64_or_wrap() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let two_64 = Fr::from(2u64).pow([64u64]);

    let max_note = |n: &mut Note| n.value = u64::MAX;
    let max_package = |p: &mut PackageNote| p.contents.iter_mut().for_each(|s| s.1 = u64::MAX);
    let cases = [
        (
            "Output",
            output_pair(output_witness(&mut rng, plain_note(0)), max_note),
            1,
        ),
        (
            "Spend",
            spend_pair(spend_witness(&mut rng, plain_note(0)), max_note),
            1,
        ),
        (
            "PackageOutput",
            output_pair(output_witness(&mut rng, package_note([0; 4])), max_package),
            4,
        ),
        (
            "PackageSpend",
            spend_pair(spend_witness(&mut rng, package_note([0; 4])), max_package),
            4,
        ),
    ];
    for (name, (zero, ones), values) in cases {
        check_value_bits(name, zero, ones, values, two_64);
    }
}

/// The circuit with an all-zero-value witness, and with the same witness but
/// all values at `u64::MAX` (`max`), both against the zero one's public inputs.
fn spend_pair<N: NoteKind>(w: SpendWitnessFor<N>, max: impl Fn(&mut N)) -> (R1cs, R1cs) {
    let mut ones = w.clone();
    max(&mut ones.note);
    (
        spend_r1cs(&w, w.public_inputs()),
        spend_r1cs(&ones, w.public_inputs()),
    )
}

/// See [`spend_pair`].
fn output_pair<N: NoteKind>(w: OutputWitnessFor<N>, max: impl Fn(&mut N)) -> (R1cs, R1cs) {
    let mut ones = w.clone();
    max(&mut ones.note);
    (
        output_r1cs(&w, w.public_inputs()),
        output_r1cs(&ones, w.public_inputs()),
    )
}

fn check_value_bits(name: &str, zero: R1cs, ones: R1cs, values: usize, two_64: Fr) {
    assert!(zero.is_satisfied(), "{name}: honest zero-value assignment");
    let mut next = zero.num_instance;
    for slot in 0..values {
        // Package slots interleave an asset variable between their bits.
        let bits = locate_bits(&zero.z, &ones.z, next, 64);
        next = bits.end;
        for v in bits.clone() {
            assert!(
                zero.has_own_booleanity_constraint(v),
                "{name}: value bit {} of slot {slot} is not forced to 0 or 1",
                v - bits.start
            );
        }
        // 2^64 (the top bit set to 2), −1 wrapped around the field (bit 0
        // set to −1) and 2^64 again (bit 0 set to 2^64): each an assignment
        // a prover could use were the bits not forced to be bits.
        let attacks: [(usize, Fr); 3] = [
            (bits.end - 1, Fr::from(2u64)),
            (bits.start, -Fr::one()),
            (bits.start, two_64),
        ];
        for (v, x) in attacks {
            let mut z = zero.z.clone();
            z[v] = x;
            let bad = zero.first_unsatisfied(&z);
            assert!(bad.is_some(), "{name}: bit edit to {x} accepted");
        }
    }
}

#[test]
fn out_of_range_values_committed_natively_cannot_be_output_or_spent() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let honest = output_witness(&mut rng, plain_note(5));
    let asset = honest.note.asset;
    let n = &honest.note;
    // The commitment and value commitment of the "same" note with a value of
    // 2^64 + 5 or of −1 (p − 1), as a native attacker would compute them.
    for value in [Fr::from(2u64).pow([64u64]) + Fr::from(5u64), -Fr::one()] {
        let cm = hash(
            Domain::NoteCommitment.tag(0),
            &[asset.0, value, n.owner, n.rho, n.rcm],
        );
        let value_scalar =
            JubjubScalar::from_le_bytes_mod_order(&value.into_bigint().to_bytes_le());
        let cv = (asset.value_base().point * value_scalar + value_randomness_base() * honest.rcv)
            .into_affine();
        let public = OutputPublicInputs { cm, cv };
        // Every u64 the witness can hold, near the attack's residues.
        for v in [5, u64::MAX, 4, 0] {
            let mut w = honest.clone();
            w.note.value = v;
            assert!(!output_satisfied(&w, public), "value {value} output");
        }
    }

    // A note whose commitment holds −1 put in the tree cannot be spent as
    // any 64-bit value either.
    let mut spend = spend_witness(&mut rng, plain_note(u64::MAX));
    let note = &spend.note;
    let cm = hash(
        Domain::NoteCommitment.tag(0),
        &[note.asset.0, -Fr::one(), note.owner, note.rho, note.rcm],
    );
    let mut tree = CommitmentTree::new();
    let marked = tree.append_marked(cm, &mut []).unwrap();
    spend.path = marked.path().clone();
    let mut public = spend.public_inputs();
    public.anchor = tree.root();
    assert!(!spend_satisfied(&spend, public));
}

#[test]
fn nullifier_is_bound_to_position_and_key() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let w = spend_witness(&mut rng, plain_note(40));
    let honest = w.public_inputs();
    assert!(spend_satisfied(&w, honest));
    let position = w.path.position;

    // The nullifier of the same note at another position (or a position that
    // aliases this one modulo 2^32) is refused: a spent note cannot be given
    // a fresh nullifier by moving it.
    for other in [position + 1, position ^ 1, position + (1 << 32)] {
        let mut public = honest;
        public.nullifier = w.note.nullifier(&w.nk, other);
        assert!(!spend_satisfied(&w, public), "nullifier at {other}");
    }

    // A fresh nullifier key with its own, consistent nullifier: refused, as
    // the note's owner is derived from the key.
    let mut fresh = w.clone();
    fresh.nk = Fr::rand(&mut rng);
    let mut public = honest;
    public.nullifier = fresh.note.nullifier(&fresh.nk, position);
    assert!(!spend_satisfied(&fresh, public));

    // The same commitment at two positions: each spend is bound to its own
    // position's nullifier, and never the other's.
    let mut tree = CommitmentTree::new();
    let cm = w.note.commitment();
    let mut marked = vec![tree.append_marked(cm, &mut []).unwrap()];
    tree.append(Fr::from(1u64), &mut marked).unwrap();
    let second = tree.append_marked(cm, &mut marked).unwrap();
    let mut at_second = w.clone();
    at_second.path = second.path().clone();
    let mut at_first = w.clone();
    at_first.path = marked[0].path().clone();
    let (p1, p2) = (at_first.public_inputs(), at_second.public_inputs());
    assert_ne!(p1.nullifier, p2.nullifier);
    assert!(spend_satisfied(&at_first, p1) && spend_satisfied(&at_second, p2));
    let mut swapped = p2;
    swapped.nullifier = p1.nullifier;
    assert!(!spend_satisfied(&at_second, swapped));
}

#[test]
fn value_commitment_is_bound_to_the_asset() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let usd = AssetId::from_name("USD");
    let eur = AssetId::from_name("EUR");

    // Output: a note of USD whose cv claims EUR (same value and randomness),
    // or a EUR witness against the USD note commitment.
    let w = output_witness(&mut rng, plain_note(77));
    let mut public = w.public_inputs();
    public.cv = value_commitment(&eur, 77, &w.rcv);
    assert!(!output_satisfied(&w, public));
    let mut eur_witness = w.clone();
    eur_witness.note.asset = eur;
    let mut public = w.public_inputs();
    public.cv = value_commitment(&eur, 77, &w.rcv);
    assert!(!output_satisfied(&eur_witness, public));

    // Spend: the same.
    let s = spend_witness(&mut rng, plain_note(77));
    assert_eq!(s.note.asset, usd);
    let mut public = s.public_inputs();
    public.cv = value_commitment(&eur, 77, &s.rcv);
    assert!(!spend_satisfied(&s, public));

    // A negated generator (the other square root in the group hash) would
    // commit to −value: the cv −[v]G + [rcv]R is refused.
    let mut public = s.public_inputs();
    public.cv = (-(usd.value_base().point * JubjubScalar::from(77u64))
        + value_randomness_base() * s.rcv)
        .into_affine();
    assert!(!spend_satisfied(&s, public));

    // Packages: two slots' assets swapped, or one slot's asset replaced, with
    // the cv recomputed natively to match the claimed contents.
    let p = output_witness(&mut rng, package_note([3, 4, 1, 0]));
    let mut swapped = p.note.clone();
    let (a0, a1) = (swapped.contents[0].0, swapped.contents[1].0);
    swapped.contents[0].0 = a1;
    swapped.contents[1].0 = a0;
    let public = OutputPublicInputs {
        cm: p.note.commitment(),
        cv: swapped.value_commitment(&p.rcv),
    };
    assert!(!output_satisfied(&p, public));
    let mut renamed = p.clone();
    renamed.note.contents[2].0 = eur;
    let public = OutputPublicInputs {
        cm: p.note.commitment(),
        cv: renamed.note.value_commitment(&p.rcv),
    };
    assert!(!output_satisfied(&renamed, public));
}

#[test]
fn ak_outside_the_prime_order_subgroup_is_refused() {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let w = spend_witness(&mut rng, plain_note(1));
    // (x, −y) = −ak + (0, −1): the same x (so the same ivk and owner) but a
    // point outside the prime-order subgroup.
    let twisted = EdwardsAffine::new_unchecked(w.ak.x, -w.ak.y);
    assert!(twisted.is_on_curve() && !twisted.is_in_correct_subgroup_assuming_on_curve());
    let mut bad = w.clone();
    bad.ak = twisted;
    let mut public = w.public_inputs();
    public.rk = (twisted.into_group() + spend_auth_base() * w.alpha).into_affine();
    assert!(!spend_satisfied(&bad, public));
    assert!(!spend_satisfied(&bad, w.public_inputs()));
}

#[test]
fn package_contents_and_key_are_bound_in_spend_and_output() {
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let s = spend_witness(&mut rng, package_note([10, 20, 1, 0]));
    let honest = s.public_inputs();
    assert!(spend_satisfied(&s, honest));
    // Opening "with other contents": more value in a slot, an emptied slot
    // moved elsewhere, or the ticket duplicated, each with the cv the claimed
    // contents would have (so only the commitment can refuse it).
    let changes: [fn(&mut PackageNote); 4] = [
        |p| p.contents[0].1 += 1,
        |p| p.contents.swap(0, 3),
        |p| p.contents[2].1 = 2,
        |p| p.key += Fr::one(),
    ];
    for change in changes {
        let mut bad = s.clone();
        change(&mut bad.note);
        let mut public = honest;
        public.cv = bad.note.value_commitment(&bad.rcv);
        assert!(!spend_satisfied(&bad, public));
    }
}

/// `GroupHash` alone, from the prover's hints: the input and the claimed
/// generator are public, the counter and `y` are the prover's.
struct GroupHashCircuit {
    input: Fr,
    ctr: Fr,
    y: Fr,
    point: EdwardsAffine,
}

impl ConstraintSynthesizer<Fr> for GroupHashCircuit {
    fn generate_constraints(
        self,
        cs: ark_relations::gr1cs::ConstraintSystemRef<Fr>,
    ) -> Result<(), ark_relations::gr1cs::SynthesisError> {
        use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
        let input = FpVar::new_input(cs.clone(), || Ok(self.input))?;
        // The counter is the first witness, its range bits the next ones.
        let ctr = FpVar::new_witness(cs.clone(), || Ok(self.ctr))?;
        let point = group_hash_var(cs.clone(), &input, &ctr, self.y)?;
        point.enforce_equal(&EdwardsVar::new_input(cs, || Ok(self.point))?)
    }
}

/// The group-hash candidate of any counter, computed the way a cheating
/// prover would: `x = H(input, ctr)`, the even `y` if `x` is on the curve,
/// and the cofactor-cleared point.
fn candidate(input: Fr, ctr: u64) -> Option<(Fr, EdwardsAffine)> {
    use ark_ec::twisted_edwards::TECurveConfig;
    use ark_ed_on_bls12_381::JubjubConfig;
    let x = hash(Domain::GroupHash.tag(0), &[input, Fr::from(ctr)]);
    let x2 = x.square();
    let y2 = (Fr::one() - JubjubConfig::COEFF_A * x2)
        * (Fr::one() - JubjubConfig::COEFF_D * x2).inverse()?;
    let mut y = y2.sqrt()?;
    if y.into_bigint().is_odd() {
        y = -y;
    }
    let point = EdwardsAffine::new_unchecked(x, y).mul_by_cofactor();
    (!point.is_zero()).then_some((y, point))
}

#[test]
fn group_hash_counter_of_256_or_more_is_refused() {
    let bits = GROUP_HASH_CTR_BITS;
    assert_eq!(GROUP_HASH_CTR_BOUND, 256);
    for asset in [
        AssetId::native(),
        AssetId::from_name("USD"),
        Ticket {
            category: "adversarial".into(),
            id: [5; 32],
        }
        .asset(),
    ] {
        let input = asset.0;
        let canonical = asset.value_base();
        assert!(canonical.ctr < GROUP_HASH_CTR_BOUND);
        let honest = R1cs::of(GroupHashCircuit {
            input,
            ctr: Fr::from(canonical.ctr),
            y: canonical.y,
            point: canonical.point,
        });
        assert!(honest.is_satisfied(), "the canonical counter is accepted");

        // The residual freedom the range leaves: another working counter
        // below 256 gives an independent generator, and is accepted (no
        // input of any asset provides value of it).
        let (c, (y, point)) = (canonical.ctr + 1..GROUP_HASH_CTR_BOUND)
            .find_map(|c| candidate(input, c).map(|found| (c, found)))
            .expect("about half the counters work");
        let other = R1cs::of(GroupHashCircuit {
            input,
            ctr: Fr::from(c),
            y,
            point,
        });
        assert!(other.is_satisfied(), "counter {c} < 256 is in range");

        // Counters of 256 or more whose x is on the curve: the point and y
        // are valid, only the range refuses them.
        let mut tried = 0;
        for c in GROUP_HASH_CTR_BOUND..GROUP_HASH_CTR_BOUND + 64 {
            let Some((y, point)) = candidate(input, c) else {
                continue;
            };
            tried += 1;
            assert_ne!(point, canonical.point);
            let r = R1cs::of(GroupHashCircuit {
                input,
                ctr: Fr::from(c),
                y,
                point,
            });
            assert!(!r.is_satisfied(), "counter {c} must be refused");
            let ctr_var = r.num_instance;
            let range = ctr_var + 1..ctr_var + 1 + bits;
            assert_eq!(r.z[ctr_var], Fr::from(c), "the counter witness");
            for (i, v) in range.clone().enumerate() {
                assert_eq!(r.z[v], Fr::from((c >> i) & 1), "range bit {i}");
                assert!(r.has_own_booleanity_constraint(v), "range bit {i}");
            }
            // Every broken constraint is the range check's: without it this
            // assignment would prove the non-canonical generator.
            let mut broken = 0;
            for i in 0..r.a.len() {
                if !r.row_holds(i, &r.z) {
                    broken += 1;
                    assert!(
                        range.clone().any(|v| r.rows_of[v].contains(&i)),
                        "constraint {i} is not the range check"
                    );
                }
            }
            assert!(broken > 0);
            // No choice of the eight bits composes the counter.
            for low in 0..GROUP_HASH_CTR_BOUND {
                let mut z = r.z.clone();
                for (i, v) in range.clone().enumerate() {
                    z[v] = Fr::from((low >> i) & 1);
                }
                assert!(r.first_unsatisfied(&z).is_some(), "bits {low}");
            }
        }
        assert!(tried > 0, "some counter in 256..320 is on the curve");
    }
}
