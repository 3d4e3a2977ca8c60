//! The circuit's constraint matrices, built once per proving key from the
//! blank circuit, and the witness of each proof, synthesized without them.
//!
//! arkworks' prover synthesizes every proof's circuit *with* its matrices
//! (and inlines its linear combinations) only to read them back; here the
//! matrices are kept, and a proof synthesizes only the assignment.

use ark_ff::{AdditiveGroup, One};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisError, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use superzk_circuits::Fr;

use super::Groth16Error;

/// One sparse matrix, row after row (compressed sparse rows).
#[derive(Debug, Default)]
pub struct Sparse {
    /// Where each row starts in `cols`/`coeffs`, plus the end.
    starts: Vec<u32>,
    /// Column (variable) of each entry.
    cols: Vec<u32>,
    /// Coefficient of each entry.
    coeffs: Vec<Fr>,
}

impl Sparse {
    fn from_rows(rows: &[Vec<(Fr, usize)>]) -> Result<Self, Groth16Error> {
        let mut m = Sparse {
            starts: Vec::with_capacity(rows.len() + 1),
            ..Default::default()
        };
        let too_big = |_| Groth16Error::TooLarge;
        m.starts.push(0);
        for row in rows {
            for (coeff, col) in row {
                m.cols.push(u32::try_from(*col).map_err(too_big)?);
                m.coeffs.push(*coeff);
            }
            m.starts.push(u32::try_from(m.cols.len()).map_err(too_big)?);
        }
        Ok(m)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.starts.len() - 1
    }

    /// Row `i` times the assignment `z`.
    pub fn row_dot(&self, i: usize, z: &[Fr]) -> Fr {
        let (lo, hi) = (self.starts[i] as usize, self.starts[i + 1] as usize);
        let mut acc = Fr::ZERO;
        for (coeff, col) in self.coeffs[lo..hi].iter().zip(&self.cols[lo..hi]) {
            let v = z[*col as usize];
            // Most coefficients are 1: skip the multiplication then.
            if coeff.is_one() {
                acc += v;
            } else {
                acc += v * coeff;
            }
        }
        acc
    }

    /// Bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.starts.capacity() * 4 + self.cols.capacity() * 4 + self.coeffs.capacity() * 32
    }
}

/// The R1CS of one circuit: `A·z ∘ B·z = C·z`.
#[derive(Debug)]
pub struct Shape {
    /// The three matrices.
    pub a: Sparse,
    /// .
    pub b: Sparse,
    /// .
    pub c: Sparse,
    /// Instance variables, the constant 1 included.
    pub num_inputs: usize,
    /// Witness variables.
    pub num_witness: usize,
}

impl Shape {
    /// Synthesizes `blank` in setup mode, exactly as the parameters were
    /// generated (arkworks' Groth16 setup: optimized for constraints, linear
    /// combinations inlined), and keeps its matrices.
    pub fn of<C: ConstraintSynthesizer<Fr>>(blank: C) -> Result<Self, Groth16Error> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        blank.generate_constraints(cs.clone())?;
        cs.finalize();
        let matrices = cs.to_matrices()?;
        let r1cs = matrices
            .get(R1CS_PREDICATE_LABEL)
            .ok_or(SynthesisError::MissingCS)?;
        let [a, b, c] = [&r1cs[0], &r1cs[1], &r1cs[2]].map(|m| Sparse::from_rows(m));
        Ok(Shape {
            a: a?,
            b: b?,
            c: c?,
            num_inputs: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
        })
    }

    /// Number of constraints.
    pub fn num_constraints(&self) -> usize {
        self.a.rows()
    }

    /// Bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.a.heap_bytes() + self.b.heap_bytes() + self.c.heap_bytes()
    }

    /// The full assignment `z = (1, instance, witness)` of `circuit`,
    /// synthesized without building constraints.
    pub fn assignment<C: ConstraintSynthesizer<Fr>>(
        &self,
        circuit: C,
    ) -> Result<Vec<Fr>, Groth16Error> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit.generate_constraints(cs.clone())?;
        cs.finalize();
        let cs = cs.into_inner().ok_or(SynthesisError::MissingCS)?;
        let instance = cs.instance_assignment()?;
        let witness = cs.witness_assignment()?;
        if instance.len() != self.num_inputs || witness.len() != self.num_witness {
            return Err(Groth16Error::Shape {
                found: (instance.len(), witness.len()),
                expected: (self.num_inputs, self.num_witness),
            });
        }
        let mut z = Vec::with_capacity(instance.len() + witness.len());
        z.extend_from_slice(instance);
        z.extend_from_slice(witness);
        Ok(z)
    }
}
