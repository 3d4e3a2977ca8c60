//! The baseline: Zcash Sapling's Spend and Output circuits (the
//! `sapling-crypto` crate) proven and verified with Zcash's own Groth16
//! implementation (the `groth16` crate, bellman's prover), under random
//! parameters generated here and cached on disk.
//!
//! Witnesses are honest: the Spend proves a real note at a random position
//! of a depth-32 tree whose root is computed with Sapling's own Merkle hash,
//! so the proofs verify.

use std::{
    fs::File,
    io::{BufReader, BufWriter},
    path::Path,
};

use bellman::{Circuit, ConstraintSystem, Index, LinearCombination, SynthesisError, Variable};
use bls12_381::{Bls12, Scalar};
use ff::{Field, PrimeField};
use groth16::{Parameters, PreparedVerifyingKey, Proof};
use rand_core_sapling::{Rng, SeedableRng};
use rand_sapling::rngs::StdRng;
use sapling_crypto::{
    circuit::{Output, Spend, ValueCommitmentOpening},
    keys::ExpandedSpendingKey,
    merkle_hash,
    value::NoteValue,
    Diversifier, Note, PaymentAddress, Rseed,
};

/// Depth of Sapling's note commitment tree.
const DEPTH: usize = 32;

/// The Sapling Spend and Output parameters (random, insecure).
pub struct SaplingParams {
    /// Spend circuit parameters.
    pub spend: Parameters<Bls12>,
    /// Output circuit parameters.
    pub output: Parameters<Bls12>,
    /// Prepared Spend verifying key.
    pub spend_pvk: PreparedVerifyingKey<Bls12>,
    /// Prepared Output verifying key.
    pub output_pvk: PreparedVerifyingKey<Bls12>,
}

/// A blank Spend circuit (for parameter generation and counting).
fn blank_spend() -> Spend {
    Spend {
        value_commitment_opening: None,
        proof_generation_key: None,
        payment_address: None,
        commitment_randomness: None,
        ar: None,
        auth_path: vec![None; DEPTH],
        anchor: None,
    }
}

/// A blank Output circuit.
fn blank_output() -> Output {
    Output {
        value_commitment_opening: None,
        payment_address: None,
        commitment_randomness: None,
        esk: None,
    }
}

/// Loads parameters from `path`, or generates them (from a fixed seed) for
/// `circuit` and writes them there. Loading skips the point checks: the file
/// is one this process family wrote.
fn load_or_generate<C: Circuit<Scalar>>(
    path: &Path,
    circuit: C,
    seed: u64,
) -> std::io::Result<Parameters<Bls12>> {
    if let Ok(f) = File::open(path) {
        if let Ok(p) = Parameters::read(BufReader::new(f), false) {
            return Ok(p);
        }
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let params = groth16::generate_random_parameters::<Bls12, _, _>(circuit, &mut rng)
        .map_err(std::io::Error::other)?;
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
    // Write to a temporary name first so a concurrent reader never sees half a file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    params.write(BufWriter::new(File::create(&tmp)?))?;
    std::fs::rename(&tmp, path)?;
    Ok(params)
}

impl SaplingParams {
    /// Loads the cached parameters from `dir`, generating (a minute or two
    /// on two cores) and caching those missing.
    pub fn load_or_generate(dir: &Path) -> std::io::Result<Self> {
        let spend = load_or_generate(&dir.join("sapling-insecure-spend.params"), blank_spend(), 1)?;
        let output = load_or_generate(
            &dir.join("sapling-insecure-output.params"),
            blank_output(),
            2,
        )?;
        Ok(Self {
            spend_pvk: groth16::prepare_verifying_key(&spend.vk),
            output_pvk: groth16::prepare_verifying_key(&output.vk),
            spend,
            output,
        })
    }
}

/// A constraint system that only counts constraints and records the public
/// inputs the circuit assigns.
#[derive(Default)]
struct Recorder {
    constraints: usize,
    aux: usize,
    /// Public inputs, without the leading constant one.
    inputs: Vec<Scalar>,
}

impl ConstraintSystem<Scalar> for Recorder {
    type Root = Self;

    fn alloc<F, A, AR>(&mut self, _: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Scalar, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        // Bellman's gadgets learn their own values by running `f`: run it
        // (a blank circuit's `f` fails, which is fine here).
        let _ = f();
        self.aux += 1;
        Ok(Variable::new_unchecked(Index::Aux(self.aux - 1)))
    }

    fn alloc_input<F, A, AR>(&mut self, _: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Scalar, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        // A blank circuit has no values: record zero then.
        self.inputs.push(f().unwrap_or(Scalar::ZERO));
        Ok(Variable::new_unchecked(Index::Input(self.inputs.len())))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, _: A, _: LA, _: LB, _: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Scalar>) -> LinearCombination<Scalar>,
        LB: FnOnce(LinearCombination<Scalar>) -> LinearCombination<Scalar>,
        LC: FnOnce(LinearCombination<Scalar>) -> LinearCombination<Scalar>,
    {
        self.constraints += 1;
    }

    fn push_namespace<NR, N>(&mut self, _: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
    }

    fn pop_namespace(&mut self) {}

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }
}

fn record<C: Circuit<Scalar>>(circuit: C) -> Recorder {
    let mut cs = Recorder::default();
    circuit
        .synthesize(&mut cs)
        .expect("Sapling circuit synthesizes");
    cs
}

/// Constraints of Sapling's Spend circuit.
pub fn spend_constraints() -> usize {
    record(blank_spend()).constraints
}

/// Constraints of Sapling's Output circuit.
pub fn output_constraints() -> usize {
    record(blank_output()).constraints
}

/// A Sapling circuit with an honest witness, and the public inputs it proves.
#[derive(Clone)]
pub struct Instance<C> {
    /// The circuit with its witness.
    pub circuit: C,
    /// Its public inputs, in the circuit's order.
    pub inputs: Vec<Scalar>,
}

/// A random payment address of a fresh spending key, with its key.
fn address(rng: &mut StdRng) -> (ExpandedSpendingKey, PaymentAddress) {
    loop {
        let mut sk = [0u8; 32];
        rng.fill_bytes(&mut sk);
        let Some(expsk) = ExpandedSpendingKey::from_spending_key(&sk) else {
            continue;
        };
        let vk = expsk.proof_generation_key().to_viewing_key();
        let mut d = [0u8; 11];
        rng.fill_bytes(&mut d);
        if let Some(addr) = vk.to_payment_address(Diversifier(d)) {
            return (expsk, addr);
        }
    }
}

/// An honest Spend: a note at a random position of a tree with random
/// siblings, its root as anchor.
pub fn spend_instance(seed: u64) -> Instance<Spend> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (expsk, addr) = address(&mut rng);
    let value = NoteValue::from_raw(42);
    let rcm = jubjub::Fr::random(&mut rng);
    let note = Note::from_parts(addr, value, Rseed::BeforeZip212(rcm));
    let position = rng.next_u32();
    let mut cur = note.cmu().to_bytes();
    let mut auth_path = Vec::with_capacity(DEPTH);
    for depth in 0..DEPTH {
        let sibling = Scalar::random(&mut rng);
        let right = (position >> depth) & 1 == 1;
        let s = sibling.to_repr();
        cur = if right {
            merkle_hash(depth, &s, &cur)
        } else {
            merkle_hash(depth, &cur, &s)
        };
        auth_path.push(Some((sibling, right)));
    }
    let anchor = Scalar::from_repr(cur).expect("a Merkle hash is a canonical field element");
    let circuit = Spend {
        value_commitment_opening: Some(ValueCommitmentOpening {
            value,
            randomness: jubjub::Fr::random(&mut rng),
        }),
        proof_generation_key: Some(expsk.proof_generation_key()),
        payment_address: Some(addr),
        commitment_randomness: Some(rcm),
        ar: Some(jubjub::Fr::random(&mut rng)),
        auth_path,
        anchor: Some(anchor),
    };
    let inputs = record(circuit.clone()).inputs;
    Instance { circuit, inputs }
}

/// An honest Output of a random note.
pub fn output_instance(seed: u64) -> Instance<Output> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (_, addr) = address(&mut rng);
    let circuit = Output {
        value_commitment_opening: Some(ValueCommitmentOpening {
            value: NoteValue::from_raw(42),
            randomness: jubjub::Fr::random(&mut rng),
        }),
        payment_address: Some(addr),
        commitment_randomness: Some(jubjub::Fr::random(&mut rng)),
        esk: Some(jubjub::Fr::random(&mut rng)),
    };
    let inputs = record(circuit.clone()).inputs;
    Instance { circuit, inputs }
}

/// Proves `circuit` under `params` (bellman's prover, on the current rayon
/// pool).
pub fn prove<C: Circuit<Scalar>>(
    circuit: C,
    params: &Parameters<Bls12>,
    seed: u64,
) -> Proof<Bls12> {
    let mut rng = StdRng::seed_from_u64(seed);
    groth16::create_random_proof(circuit, params, &mut rng).expect("Sapling proving succeeds")
}

/// Verifies one proof (Zcash's single-proof verifier).
pub fn verify(pvk: &PreparedVerifyingKey<Bls12>, proof: &Proof<Bls12>, inputs: &[Scalar]) -> bool {
    groth16::verify_proof(pvk, proof, inputs).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bellman::gadgets::test::TestConstraintSystem;

    fn satisfied<C: Circuit<Scalar>>(c: C, inputs: &[Scalar]) {
        let mut cs = TestConstraintSystem::new();
        c.synthesize(&mut cs).expect("synthesizes");
        assert_eq!(cs.which_is_unsatisfied(), None);
        assert_eq!(cs.num_inputs(), inputs.len() + 1);
        assert!(
            cs.verify(inputs),
            "the recorded public inputs are the circuit's"
        );
    }

    #[test]
    fn witnesses_satisfy_sapling_circuits() {
        let s = spend_instance(3);
        satisfied(s.circuit.clone(), &s.inputs);
        let o = output_instance(4);
        satisfied(o.circuit.clone(), &o.inputs);
    }

    #[test]
    fn constraint_counts_are_sapling_s() {
        // The counts Zcash's own tests assert.
        assert_eq!(spend_constraints(), 98_777);
        assert_eq!(output_constraints(), 7_827);
    }
}
