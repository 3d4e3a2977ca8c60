//! Jubjub generators hashed to the curve: one value base per asset, and the
//! fixed bases for value-commitment randomness and spend authorization.
//!
//! `GroupHash(input)`: for `ctr = 0, 1, ..., 255` take
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
//! In-circuit the prover supplies `ctr` and `y`, and the circuit requires
//! `ctr < 2^GROUP_HASH_CTR_BITS` (= 256; see [`GROUP_HASH_CTR_BITS`]). Out of
//! circuit [`try_group_hash`] searches only those counters, and [`group_hash`]
//! agrees with it but with probability about 2^-256 per input. Within that
//! range a prover may still pick a non-canonical `ctr` (one above the smallest
//! that works) and get a generator independent of every canonical one, so it
//! can neither create nor move value of any real asset: value of such a
//! generator can only come from an input of the same generator, and none
//! exists. The range check bounds that freedom to at most 256 generators per
//! asset instead of an unbounded search space.

use std::sync::OnceLock;

use ark_ec::{twisted_edwards::TECurveConfig, AdditiveGroup, AffineRepr};
use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective, JubjubConfig};
use ark_ff::{BigInteger, Field, One, PrimeField};
use ark_r1cs_std::{
    alloc::AllocVar, convert::ToBitsGadget, eq::EqGadget, fields::fp::FpVar, fields::FieldVar,
    groups::CurveVar, prelude::Boolean, GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use blake2::{Blake2b512, Digest};

use crate::{
    poseidon::{self, Domain},
    EdwardsVar, Fr,
};

/// Bit width of the group-hash counter: in-circuit, `ctr` is constrained to
/// `0 <= ctr < 2^GROUP_HASH_CTR_BITS = 256`.
///
/// Why: the counter is a prover's hint, and an unconstrained one would let a
/// prover search ever more counters per asset for a generator with some
/// useful relation to another (a collision, or a known discrete logarithm).
/// The canonical counter (the smallest that works) is what every honest
/// party uses and leaves no such freedom; what remains to a cheating prover
/// is at most 256 fixed, independent generators per asset, none of which any
/// input note, issuance or public value provides, so value committed to them
/// can never balance. Each counter works with probability about 1/2, so an
/// input with no working counter below 256 occurs with probability about
/// 2^-256: [`try_group_hash`] refuses it, [`group_hash`] handles it without
/// panicking (see there).
pub const GROUP_HASH_CTR_BITS: usize = 8;

/// The exclusive bound on the group-hash counter: `2^GROUP_HASH_CTR_BITS`,
/// the number of counters a group hash may use.
pub const GROUP_HASH_CTR_BOUND: u64 = 1 << GROUP_HASH_CTR_BITS;

/// The result of hashing to the curve, with the hints a circuit needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupHash {
    /// The generator, in the prime-order subgroup.
    pub point: EdwardsAffine,
    /// The counter that produced it (the smallest that works). Below
    /// [`GROUP_HASH_CTR_BOUND`] for every result of [`try_group_hash`], and for
    /// every result of [`group_hash`] but with probability about 2^-256.
    pub ctr: u64,
    /// The y-coordinate of the point before cofactor clearing.
    pub y: Fr,
}

/// The candidate of counter `ctr`: `[8](x, y)` for `x = H(input, ctr)` and the
/// even `y`, if `x` is on the curve and the point is not the identity.
fn group_hash_at(input: Fr, ctr: u64) -> Option<GroupHash> {
    let x = poseidon::hash(Domain::GroupHash.tag(0), &[input, Fr::from(ctr)]);
    let x2 = x.square();
    let den_inv = (Fr::one() - JubjubConfig::COEFF_D * x2).inverse()?;
    let mut y = ((Fr::one() - JubjubConfig::COEFF_A * x2) * den_inv).sqrt()?;
    if y.into_bigint().is_odd() {
        y = -y;
    }
    let point = EdwardsAffine::new_unchecked(x, y).mul_by_cofactor();
    (!point.is_zero()).then_some(GroupHash { point, ctr, y })
}

/// Hashes a field element to a prime-order Jubjub point (see module docs),
/// trying the counters `0 .. GROUP_HASH_CTR_BOUND` only; `None` if none works
/// (probability about 2^-256 for any input): such an input has no generator a
/// circuit accepts, so it cannot be used as an asset.
pub fn try_group_hash(input: Fr) -> Option<GroupHash> {
    (0..GROUP_HASH_CTR_BOUND).find_map(|ctr| group_hash_at(input, ctr))
}

/// Hashes a field element to a prime-order Jubjub point (see module docs).
///
/// Equal to [`try_group_hash`] whenever that succeeds, that is for every
/// input but with probability about 2^-256. For an input with no counter
/// below 256 it does not panic: it goes on searching the larger counters, as
/// this function always did, so the result is a fixed generator independent
/// of every other. Its `ctr` is then 256 or more, which the circuits refuse:
/// no note of such an asset can be created or spent, and public value of it
/// (an issuance or redemption) can never balance.
pub fn group_hash(input: Fr) -> GroupHash {
    if let Some(found) = try_group_hash(input) {
        return found;
    }
    (GROUP_HASH_CTR_BOUND..=u64::MAX)
        .find_map(|ctr| group_hash_at(input, ctr))
        // Not reached: it would take 2^64 counters in a row without a point
        // (each is one with probability about 1/2). The identity, (0, 1) with
        // counter u64::MAX, satisfies no circuit (its y is odd).
        .unwrap_or(GroupHash {
            point: EdwardsAffine::zero(),
            ctr: u64::MAX,
            y: Fr::one(),
        })
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

/// Constrains `ctr` to `0 <= ctr < 2^GROUP_HASH_CTR_BITS`: it must equal the
/// composition of [`GROUP_HASH_CTR_BITS`] boolean witnesses (the low bits of
/// the prover's value). A `ctr` of 256 or more, or one that wraps the field,
/// has no such decomposition, so no assignment satisfies the constraints.
pub fn enforce_ctr_range(
    cs: ConstraintSystemRef<Fr>,
    ctr: &FpVar<Fr>,
) -> Result<(), SynthesisError> {
    let bits = (0..GROUP_HASH_CTR_BITS)
        .map(|i| Boolean::new_witness(cs.clone(), || Ok(ctr.value()?.into_bigint().get_bit(i))))
        .collect::<Result<Vec<_>, _>>()?;
    Boolean::le_bits_to_fp(&bits)?.enforce_equal(ctr)
}

/// In-circuit [`group_hash`] from the prover's hints `ctr` and `y`. Enforces
/// `ctr < 256` ([`enforce_ctr_range`]), `y` even and `(x, y)` on the curve.
pub fn group_hash_var(
    cs: ConstraintSystemRef<Fr>,
    input: &FpVar<Fr>,
    ctr: &FpVar<Fr>,
    y: Fr,
) -> Result<EdwardsVar, SynthesisError> {
    enforce_ctr_range(cs.clone(), ctr)?;
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

    /// The search as it was before the counter was bounded: every counter,
    /// in order, until one gives a point.
    fn unbounded_reference(input: Fr) -> GroupHash {
        (0u64..)
            .find_map(|ctr| group_hash_at(input, ctr))
            .expect("a point")
    }

    #[test]
    fn bounded_search_changes_no_generator_and_counters_are_small() {
        let mut inputs: Vec<Fr> = (0..200u64).map(Fr::from).collect();
        inputs.push(label_to_field(b"SuperZK value commitment randomness"));
        inputs.push(label_to_field(b"SuperZK spend authorization"));
        inputs.push(crate::note::AssetId::native().0);
        inputs.push(crate::note::AssetId::from_name("USD").0);
        let mut largest = 0;
        for input in inputs {
            let gh = group_hash(input);
            assert_eq!(gh, unbounded_reference(input), "same generator as before");
            assert_eq!(try_group_hash(input), Some(gh));
            assert!(gh.ctr < GROUP_HASH_CTR_BOUND);
            // Canonical: no smaller counter gives a point.
            assert!((0..gh.ctr).all(|c| group_hash_at(input, c).is_none()));
            largest = largest.max(gh.ctr);
        }
        // About half the counters work, so some input needs more than one.
        assert!(largest > 0, "the test exercises counters above 0");
    }

    /// Allocates `ctr` as a witness and checks the range constraint alone.
    fn ctr_range_satisfied(ctr: Fr) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let ctr = FpVar::new_witness(cs.clone(), || Ok(ctr)).unwrap();
        enforce_ctr_range(cs.clone(), &ctr).unwrap();
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn counter_range_is_0_to_255() {
        for ok in [0u64, 1, 2, 127, 128, 254, 255] {
            assert!(ctr_range_satisfied(Fr::from(ok)), "{ok}");
        }
        for bad in [256u64, 257, 511, 512, 1 << 20, u64::MAX] {
            assert!(!ctr_range_satisfied(Fr::from(bad)), "{bad}");
        }
        // Values that wrap the field (small negatives) are refused too.
        assert!(!ctr_range_satisfied(-Fr::one()));
        assert!(!ctr_range_satisfied(-Fr::from(255u64)));
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
