//! Jubjub generators hashed to the curve: one value base per asset, and the
//! fixed bases for value-commitment randomness and spend authorization.
//!
//! `GroupHash(input)`: for `ctr = 0, 1, 2, ...` take
//! `x = H_GroupHash(input, ctr)`; if `x` is the x-coordinate of a Jubjub point,
//! let `y` be the *even* one of its two y-coordinates (least significant bit of
//! the canonical integer 0), `P = (x, y)`, and return `[8]P` (cofactor cleared,
//! so it lies in the prime-order subgroup) unless that is the identity.
//!
//! The parity rule matters: `(x, -y) = -(P + (0, -1))`, so the other root would
//! give `-[8]P`, and a prover free to pick it could commit to negative value of
//! an asset and mint the difference elsewhere. The circuit therefore decomposes
//! `y` into its unique canonical bits and requires bit 0 to be clear.
//!
//! In-circuit the prover supplies `ctr` and `y`. A prover who picks a
//! non-canonical `ctr` gets a generator independent of every canonical one, so
//! it can neither create nor move value of any real asset: value of such a
//! generator can only come from an input of the same generator, and none exists.

use std::sync::OnceLock;

use ark_ec::{twisted_edwards::TECurveConfig, AdditiveGroup, AffineRepr};
use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective, JubjubConfig};
use ark_ff::{BigInteger, Field, One, PrimeField};
use ark_r1cs_std::{
    alloc::AllocVar, convert::ToBitsGadget, eq::EqGadget, fields::fp::FpVar, fields::FieldVar,
    groups::CurveVar, prelude::Boolean,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use blake2::{Blake2b512, Digest};

use crate::{
    poseidon::{self, Domain},
    EdwardsVar, Fr,
};

/// The result of hashing to the curve, with the hints a circuit needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupHash {
    /// The generator, in the prime-order subgroup.
    pub point: EdwardsAffine,
    /// The counter that produced it (the smallest that works).
    pub ctr: u64,
    /// The y-coordinate of the point before cofactor clearing.
    pub y: Fr,
}

/// Hashes a field element to a prime-order Jubjub point (see module docs).
pub fn group_hash(input: Fr) -> GroupHash {
    let tag = Domain::GroupHash.tag(0);
    let a = JubjubConfig::COEFF_A;
    let d = JubjubConfig::COEFF_D;
    for ctr in 0u64.. {
        let x = poseidon::hash(tag, &[input, Fr::from(ctr)]);
        let x2 = x.square();
        let den = Fr::one() - d * x2;
        let Some(den_inv) = den.inverse() else {
            continue;
        };
        let Some(mut y) = ((Fr::one() - a * x2) * den_inv).sqrt() else {
            continue;
        };
        if y.into_bigint().is_odd() {
            y = -y;
        }
        let point = EdwardsAffine::new_unchecked(x, y).mul_by_cofactor();
        if !point.is_zero() {
            return GroupHash { point, ctr, y };
        }
    }
    unreachable!("about half of all x-coordinates are on the curve")
}

/// Maps a label to a field element, for deriving the fixed generators.
pub fn label_to_field(label: &[u8]) -> Fr {
    Fr::from_le_bytes_mod_order(&Blake2b512::digest(label))
}

/// `R`: the base for value-commitment randomness and the binding signature.
pub fn value_randomness_base() -> EdwardsAffine {
    static BASE: OnceLock<EdwardsAffine> = OnceLock::new();
    *BASE.get_or_init(|| group_hash(label_to_field(b"SuperZK value commitment randomness")).point)
}

/// `G_auth`: the base of spend-authorization keys and signatures.
pub fn spend_auth_base() -> EdwardsAffine {
    static BASE: OnceLock<EdwardsAffine> = OnceLock::new();
    *BASE.get_or_init(|| group_hash(label_to_field(b"SuperZK spend authorization")).point)
}

/// `[2^i] base` for i < 252: the tables fixed-base multiplication needs.
pub(crate) fn powers_of_two(base: EdwardsAffine) -> Vec<EdwardsProjective> {
    let mut acc = base.into_group();
    (0..crate::SCALAR_BITS)
        .map(|_| {
            let cur = acc;
            acc.double_in_place();
            cur
        })
        .collect()
}

/// Multiples tables of the two fixed bases, computed once.
pub(crate) fn fixed_base_tables() -> &'static (Vec<EdwardsProjective>, Vec<EdwardsProjective>) {
    static TABLES: OnceLock<(Vec<EdwardsProjective>, Vec<EdwardsProjective>)> = OnceLock::new();
    TABLES.get_or_init(|| {
        (
            powers_of_two(value_randomness_base()),
            powers_of_two(spend_auth_base()),
        )
    })
}

/// In-circuit [`group_hash`] from the prover's hints `ctr` and `y`.
pub fn group_hash_var(
    cs: ConstraintSystemRef<Fr>,
    input: &FpVar<Fr>,
    ctr: &FpVar<Fr>,
    y: Fr,
) -> Result<EdwardsVar, SynthesisError> {
    let x = poseidon::hash_var(
        cs.clone(),
        Domain::GroupHash.tag(0),
        &[input.clone(), ctr.clone()],
    )?;
    let y = FpVar::new_witness(cs, || Ok(y))?;
    // The canonical decomposition is unique, so its bit 0 is y's parity.
    y.to_bits_le()?[0].enforce_equal(&Boolean::FALSE)?;
    // a x^2 + y^2 = 1 + d x^2 y^2, written as (d x^2 - 1) * y^2 = a x^2 - 1.
    let x2 = x.square()?;
    let y2 = y.square()?;
    let lhs = &x2 * JubjubConfig::COEFF_D - Fr::one();
    let rhs = &x2 * JubjubConfig::COEFF_A - Fr::one();
    lhs.mul_equals(&y2, &rhs)?;
    let mut point = EdwardsVar::new(x, y);
    for _ in 0..3 {
        point.double_in_place()?;
    }
    Ok(point)
}

/// In-circuit `[scalar] base` for a fixed base given by its table of powers.
pub fn fixed_base_mul_var(
    table: &[EdwardsProjective],
    scalar_bits: &[Boolean<Fr>],
) -> Result<EdwardsVar, SynthesisError> {
    let mut acc = EdwardsVar::zero();
    acc.precomputed_base_scalar_mul_le(scalar_bits.iter().zip(table.iter()))?;
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_r1cs_std::GR1CSVar;
    use ark_relations::gr1cs::ConstraintSystem;

    #[test]
    fn generators_are_in_subgroup_and_distinct() {
        let r = value_randomness_base();
        let g = spend_auth_base();
        assert!(r.is_on_curve() && r.is_in_correct_subgroup_assuming_on_curve());
        assert!(g.is_on_curve() && g.is_in_correct_subgroup_assuming_on_curve());
        assert_ne!(r, g);
        assert_ne!(
            group_hash(Fr::from(1u64)).point,
            group_hash(Fr::from(2u64)).point
        );
    }

    #[test]
    fn gadget_matches_native_and_rejects_wrong_y() {
        for i in 0..4u64 {
            let gh = group_hash(Fr::from(i));
            let cs = ConstraintSystem::<Fr>::new_ref();
            let input = FpVar::new_witness(cs.clone(), || Ok(Fr::from(i))).unwrap();
            let ctr = FpVar::new_witness(cs.clone(), || Ok(Fr::from(gh.ctr))).unwrap();
            let p = group_hash_var(cs.clone(), &input, &ctr, gh.y).unwrap();
            assert_eq!(p.value().unwrap().into_affine(), gh.point);
            assert!(cs.is_satisfied().unwrap());

            // The other square root would give the negated point: rejected.
            let cs = ConstraintSystem::<Fr>::new_ref();
            let input = FpVar::new_witness(cs.clone(), || Ok(Fr::from(i))).unwrap();
            let ctr = FpVar::new_witness(cs.clone(), || Ok(Fr::from(gh.ctr))).unwrap();
            let p = group_hash_var(cs.clone(), &input, &ctr, -gh.y).unwrap();
            assert_eq!(p.value().unwrap().into_affine(), -gh.point);
            assert!(!cs.is_satisfied().unwrap());

            // A y that is not on the curve is rejected.
            let cs = ConstraintSystem::<Fr>::new_ref();
            let input = FpVar::new_witness(cs.clone(), || Ok(Fr::from(i))).unwrap();
            let ctr = FpVar::new_witness(cs.clone(), || Ok(Fr::from(gh.ctr))).unwrap();
            let _ = group_hash_var(cs.clone(), &input, &ctr, gh.y + Fr::one()).unwrap();
            assert!(!cs.is_satisfied().unwrap());
        }
    }
}
