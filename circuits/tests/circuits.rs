//! Each circuit accepts honest witnesses and rejects every kind of wrong one.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_ff::{One, UniformRand};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::{
    generators::spend_auth_base,
    note::{incoming_viewing_key, owner_tag, AssetId, Note},
    output::{OutputCircuit, OutputWitness},
    spend::{SpendCircuit, SpendWitness},
    tree::CommitmentTree,
    Fr,
};

fn satisfied(circuit: impl ConstraintSynthesizer<Fr>) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.is_satisfied().unwrap()
}

fn count(circuit: impl ConstraintSynthesizer<Fr>) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.num_constraints()
}

struct Fixture {
    witness: SpendWitness,
    rng: ChaCha20Rng,
}

/// A note owned by a random key, in a tree among other notes.
fn spend_fixture() -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let ask = JubjubScalar::rand(&mut rng);
    let ak = (spend_auth_base() * ask).into_affine();
    let nk = Fr::rand(&mut rng);
    let d = [7u8; 11];
    let owner = owner_tag(&incoming_viewing_key(&ak, &nk), &d);
    let note = Note {
        asset: AssetId::from_name("USD"),
        value: 1_000_000,
        owner,
        rho: Fr::rand(&mut rng),
        rcm: Fr::rand(&mut rng),
    };
    let mut tree = CommitmentTree::new();
    for i in 0..5u64 {
        tree.append(Fr::from(i + 100), &mut []).unwrap();
    }
    let mut ws = vec![tree.append_marked(note.commitment(), &mut []).unwrap()];
    for i in 0..3u64 {
        tree.append(Fr::from(i + 200), &mut ws).unwrap();
    }
    let witness = SpendWitness {
        note,
        ak,
        nk,
        diversifier: d,
        rcv: JubjubScalar::rand(&mut rng),
        alpha: JubjubScalar::rand(&mut rng),
        path: ws[0].path().clone(),
    };
    assert_eq!(witness.public_inputs().anchor, tree.root());
    Fixture { witness, rng }
}

/// Runs the spend circuit with a modified witness against the honest public inputs.
fn spend_with(f: &Fixture, change: impl FnOnce(&mut SpendWitness)) -> bool {
    let public = f.witness.public_inputs();
    let mut witness = f.witness.clone();
    change(&mut witness);
    satisfied(SpendCircuit { witness, public })
}

#[test]
fn spend_accepts_honest_witness() {
    let f = spend_fixture();
    assert!(satisfied(SpendCircuit::new(f.witness.clone())));
    let n = count(SpendCircuit::blank());
    println!("Spend constraints: {n}");
    assert!(n < 30_000, "Spend grew to {n} constraints");
}

#[test]
fn spend_rejects_wrong_witnesses() {
    let mut f = spend_fixture();
    let other = Fr::rand(&mut f.rng);
    let other_scalar = JubjubScalar::rand(&mut f.rng);
    // Value mismatch with the committed note (and its cv).
    assert!(!spend_with(&f, |w| w.note.value += 1));
    // Wrong asset.
    assert!(!spend_with(&f, |w| w.note.asset = AssetId::from_name("EUR")));
    // Note not in the tree: a path sibling altered, or another position.
    assert!(!spend_with(&f, |w| w.path.siblings[3] += Fr::one()));
    assert!(!spend_with(&f, |w| w.path.position ^= 1));
    // Wrong nullifier key, wrong spend-authorization key, wrong diversifier.
    assert!(!spend_with(&f, |w| w.nk = other));
    assert!(!spend_with(&f, |w| w.ak =
        (spend_auth_base() * other_scalar).into_affine()));
    assert!(!spend_with(&f, |w| w.diversifier[0] ^= 1));
    // Wrong randomness for cv or rk.
    assert!(!spend_with(&f, |w| w.rcv = other_scalar));
    assert!(!spend_with(&f, |w| w.alpha = other_scalar));
    // Altered rho (so nullifier and commitment change).
    assert!(!spend_with(&f, |w| w.note.rho = other));
}

#[test]
fn spend_rejects_altered_public_inputs() {
    let f = spend_fixture();
    let honest = f.witness.public_inputs();
    let g = EdwardsAffine::generator();
    let cases = [
        {
            let mut p = honest;
            p.anchor += Fr::one();
            p
        },
        {
            let mut p = honest;
            p.nullifier += Fr::one();
            p
        },
        {
            let mut p = honest;
            p.cv = (p.cv + g).into_affine();
            p
        },
        {
            let mut p = honest;
            p.rk = (p.rk + g).into_affine();
            p
        },
    ];
    for public in cases {
        assert!(!satisfied(SpendCircuit {
            witness: f.witness.clone(),
            public
        }));
    }
}

fn output_fixture() -> OutputWitness {
    let mut rng = ChaCha20Rng::seed_from_u64(43);
    OutputWitness {
        note: Note {
            asset: AssetId::native(),
            value: u64::MAX,
            owner: Fr::rand(&mut rng),
            rho: Fr::rand(&mut rng),
            rcm: Fr::rand(&mut rng),
        },
        rcv: JubjubScalar::rand(&mut rng),
    }
}

#[test]
fn output_accepts_honest_and_rejects_wrong_witnesses() {
    let w = output_fixture();
    assert!(satisfied(OutputCircuit::new(w.clone())));
    println!("Output constraints: {}", count(OutputCircuit::blank()));
    let public = w.public_inputs();
    type Change = Box<dyn Fn(&mut OutputWitness)>;
    let changes: Vec<Change> = vec![
        Box::new(|w| w.note.value -= 1),
        Box::new(|w| w.note.asset = AssetId::from_name("USD")),
        Box::new(|w| w.note.owner += Fr::one()),
        Box::new(|w| w.note.rho += Fr::one()),
        Box::new(|w| w.note.rcm += Fr::one()),
        Box::new(|w| w.rcv += JubjubScalar::one()),
    ];
    for change in changes {
        let mut bad = w.clone();
        change(&mut bad);
        assert!(!satisfied(OutputCircuit {
            witness: bad,
            public
        }));
    }
    let mut altered = public;
    altered.cm += Fr::one();
    assert!(!satisfied(OutputCircuit {
        witness: w.clone(),
        public: altered
    }));
    let mut altered = public;
    altered.cv = (altered.cv + EdwardsAffine::generator()).into_affine();
    assert!(!satisfied(OutputCircuit {
        witness: w,
        public: altered
    }));
}

mod packages {
    use super::*;
    use superzk_circuits::{
        note_kind::NoteKind,
        output::{OutputCircuitFor, PackageOutputCircuit, PackageOutputWitness},
        package::PackageNote,
        spend::{PackageSpendCircuit, PackageSpendWitness, SpendCircuitFor},
    };

    fn package(owner: Fr, rng: &mut ChaCha20Rng) -> PackageNote {
        PackageNote {
            key: Fr::rand(rng),
            contents: [
                (AssetId::native(), 100),
                (AssetId::from_name("USD"), 50),
                (
                    superzk_circuits::asset::Ticket {
                        category: "c".into(),
                        id: [1; 32],
                    }
                    .asset(),
                    1,
                ),
                (AssetId::native(), 0),
            ],
            owner,
            rho: Fr::rand(rng),
            rcm: Fr::rand(rng),
        }
    }

    fn spend_fixture() -> (PackageSpendWitness, ChaCha20Rng) {
        let mut rng = ChaCha20Rng::seed_from_u64(44);
        let ask = JubjubScalar::rand(&mut rng);
        let ak = (spend_auth_base() * ask).into_affine();
        let nk = Fr::rand(&mut rng);
        let d = [9u8; 11];
        let pkg = package(owner_tag(&incoming_viewing_key(&ak, &nk), &d), &mut rng);
        let mut tree = CommitmentTree::new();
        tree.append(Fr::from(5u64), &mut []).unwrap();
        let w = tree.append_marked(pkg.commitment(), &mut []).unwrap();
        let witness = PackageSpendWitness {
            note: pkg,
            ak,
            nk,
            diversifier: d,
            rcv: JubjubScalar::rand(&mut rng),
            alpha: JubjubScalar::rand(&mut rng),
            path: w.path().clone(),
        };
        (witness, rng)
    }

    #[test]
    fn package_circuits_accept_honest_and_reject_wrong_key_or_contents() {
        let (w, mut rng) = spend_fixture();
        assert!(satisfied(PackageSpendCircuit::new(w.clone())));
        println!(
            "PackageSpend constraints: {}, PackageOutput constraints: {}",
            count(SpendCircuitFor::<PackageNote>::blank()),
            count(OutputCircuitFor::<PackageNote>::blank())
        );
        let public = w.public_inputs();
        // Opening with a wrong key: the commitment cannot be reproduced.
        let mut bad = w.clone();
        bad.note.key = Fr::rand(&mut rng);
        assert!(!satisfied(PackageSpendCircuit {
            witness: bad,
            public
        }));
        // Claiming other contents (more value, another asset).
        let mut bad = w.clone();
        bad.note.contents[0].1 += 1;
        assert!(!satisfied(PackageSpendCircuit {
            witness: bad,
            public
        }));
        let mut bad = w.clone();
        bad.note.contents[1].0 = AssetId::from_name("EUR");
        assert!(!satisfied(PackageSpendCircuit {
            witness: bad,
            public
        }));

        let out = PackageOutputWitness {
            note: w.note.clone(),
            rcv: JubjubScalar::rand(&mut rng),
        };
        assert!(satisfied(PackageOutputCircuit::new(out.clone())));
        let public = out.public_inputs();
        let mut bad = out.clone();
        bad.note.contents[2].1 = 2;
        assert!(!satisfied(PackageOutputCircuit {
            witness: bad,
            public
        }));
        let mut bad = out;
        bad.note.key += Fr::one();
        assert!(!satisfied(PackageOutputCircuit {
            witness: bad,
            public
        }));
    }
}

/// Every allocated witness variable appears in at least one constraint: a
/// witness no constraint mentions is a value the prover may set freely, the
/// classic under-constrained-circuit bug.
#[test]
fn every_witness_variable_is_constrained() {
    use superzk_circuits::{
        note_kind::NoteKind, output::OutputCircuitFor, package::PackageNote, spend::SpendCircuitFor,
    };

    fn unconstrained(circuit: impl ConstraintSynthesizer<Fr>) -> Vec<usize> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        circuit.generate_constraints(cs.clone()).unwrap();
        cs.finalize();
        let instances = cs.num_instance_variables();
        let total = instances + cs.num_witness_variables();
        let mut used = vec![false; total];
        for matrices in cs.to_matrices().unwrap().values() {
            for (_, index) in matrices.iter().flatten().flatten() {
                used[*index] = true;
            }
        }
        (instances..total).filter(|i| !used[*i]).collect()
    }

    fn check<N: NoteKind>() {
        assert_eq!(
            unconstrained(SpendCircuitFor::<N>::blank()),
            Vec::<usize>::new(),
            "{} spend",
            N::NAME
        );
        assert_eq!(
            unconstrained(OutputCircuitFor::<N>::blank()),
            Vec::<usize>::new(),
            "{} output",
            N::NAME
        );
    }
    check::<Note>();
    check::<PackageNote>();

    // The check itself catches a free witness.
    struct Leaky;
    impl ConstraintSynthesizer<Fr> for Leaky {
        fn generate_constraints(
            self,
            cs: ark_relations::gr1cs::ConstraintSystemRef<Fr>,
        ) -> Result<(), ark_relations::gr1cs::SynthesisError> {
            use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
            let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(3u64)))?;
            let _free = FpVar::new_witness(cs.clone(), || Ok(Fr::from(4u64)))?;
            let y = FpVar::new_input(cs, || Ok(Fr::from(9u64)))?;
            (&x * &x).enforce_equal(&y)
        }
    }
    assert_eq!(unconstrained(Leaky).len(), 1);
}
