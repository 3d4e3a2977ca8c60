//! The quotient polynomial `H = (A·B − C) / Z` of a witness, by FFTs over
//! the evaluation domain (the libsnark reduction, as arkworks' Groth16 and
//! the parameters use it), checking on the way that the witness satisfies
//! every constraint.

use ark_ff::{AdditiveGroup, FftField, Field};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use rayon::prelude::*;
use superzk_circuits::Fr;

use super::{fft::Fft, r1cs::Shape, Groth16Error};

type Domain = GeneralEvaluationDomain<Fr>;

/// `A·z`, `B·z` and `C·z` over the domain.
type Evaluations = (Vec<Fr>, Vec<Fr>, Vec<Fr>);

/// The domain of `shape`: one point per constraint and per input (the
/// inputs' rows `z_i·1 = …` keep the instance bound to the proof).
pub fn domain(shape: &Shape) -> Result<Domain, Groth16Error> {
    Domain::new(shape.num_constraints() + shape.num_inputs).ok_or(Groth16Error::TooLarge)
}

/// The evaluations `(A·z, B·z, C·z)` over the domain, after checking that
/// `A·z ∘ B·z = C·z` row by row.
fn evaluations(shape: &Shape, z: &[Fr], size: usize) -> Result<Evaluations, Groth16Error> {
    let m = shape.num_constraints();
    let mut a = vec![Fr::ZERO; size];
    let mut b = vec![Fr::ZERO; size];
    let mut c = vec![Fr::ZERO; size];
    a[..m]
        .par_iter_mut()
        .zip(&mut b[..m])
        .zip(&mut c[..m])
        .enumerate()
        .with_min_len(512)
        .for_each(|(i, ((a, b), c))| {
            *a = shape.a.row_dot(i, z);
            *b = shape.b.row_dot(i, z);
            *c = shape.c.row_dot(i, z);
        });
    if let Some(i) = (0..m).find(|&i| a[i] * b[i] != c[i]) {
        return Err(Groth16Error::Unsatisfied(i));
    }
    a[m..m + shape.num_inputs].copy_from_slice(&z[..shape.num_inputs]);
    Ok((a, b, c))
}

/// The FFT tables of `shape`'s domain and its coset (offset by the
/// field's generator, as arkworks' reduction), with `1/Z(g)`: built once
/// per key.
#[derive(Debug)]
pub struct Transforms {
    fft: Fft,
    /// `1/Z(g)`: `Z = Xⁿ − 1` is the constant `gⁿ − 1` over the coset.
    z_inv: Fr,
}

impl Transforms {
    /// The tables of `shape`'s domain.
    pub fn new(shape: &Shape) -> Result<Self, Groth16Error> {
        let Domain::Radix2(domain) = domain(shape)? else {
            // BLS12-381's scalar field has 2-adicity 32: every domain that
            // fits the keys is radix-2.
            return Err(Groth16Error::TooLarge);
        };
        let z_inv = domain
            .evaluate_vanishing_polynomial(Fr::GENERATOR)
            .inverse()
            .ok_or(Groth16Error::TooLarge)?;
        Ok(Self {
            fft: Fft::new(&domain, Fr::GENERATOR)?,
            z_inv,
        })
    }

    /// The domain's size.
    pub fn size(&self) -> usize {
        self.fft.size()
    }

    /// Bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.fft.heap_bytes()
    }
}

/// The coefficients of `H` for the full assignment `z`.
pub fn h_polynomial(shape: &Shape, t: &Transforms, z: &[Fr]) -> Result<Vec<Fr>, Groth16Error> {
    let (mut a, mut b, mut c) = evaluations(shape, z, t.size())?;
    // The three transforms are independent: on a pool they run side by side.
    rayon::join(
        || t.fft.domain_to_coset(&mut a),
        || {
            rayon::join(
                || t.fft.domain_to_coset(&mut b),
                || t.fft.domain_to_coset(&mut c),
            )
        },
    );
    let z_inv = t.z_inv;
    a.par_iter_mut()
        .zip(&b)
        .zip(&c)
        .with_min_len(1024)
        .for_each(|((a, b), c)| *a = (*a * b - c) * z_inv);
    drop((b, c));
    t.fft.coset_to_coefficients(&mut a);
    Ok(a)
}

/// [`h_polynomial`] with arkworks' transforms (tables made per call, data
/// permuted on every call): the reference the tests hold it to, and the
/// baseline `prove_profile` times it against.
pub fn h_polynomial_arkworks(shape: &Shape, z: &[Fr]) -> Result<Vec<Fr>, Groth16Error> {
    let domain = domain(shape)?;
    let (mut a, mut b, mut c) = evaluations(shape, z, domain.size())?;
    let coset = domain
        .get_coset(Fr::GENERATOR)
        .ok_or(Groth16Error::TooLarge)?;
    for v in [&mut a, &mut b, &mut c] {
        domain.ifft_in_place(v);
        coset.fft_in_place(v);
    }
    let z_inv = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .ok_or(Groth16Error::TooLarge)?;
    for ((a, b), c) in a.iter_mut().zip(&b).zip(&c) {
        *a = (*a * b - c) * z_inv;
    }
    coset.ifft_in_place(&mut a);
    Ok(a)
}
