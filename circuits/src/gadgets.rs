//! Gadgets shared by the circuits: bit decompositions, value commitments and
//! Merkle paths. Each mirrors a native function of [`crate::note`],
//! [`crate::generators`] or [`crate::tree`], and the tests check they agree.

use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar, prelude::Boolean};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use crate::{
    generators::{fixed_base_mul_var, fixed_base_tables, group_hash_var},
    poseidon::{hash_var, Domain},
    tree::{MerklePath, DEPTH},
    EdwardsVar, Fr, SCALAR_BITS,
};

/// Allocates the low `n` bits of `value` as boolean witnesses, little-endian.
/// Every bit is constrained to be 0 or 1, so the value they compose is below 2^n.
pub fn witness_bits(
    cs: ConstraintSystemRef<Fr>,
    value: u64,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    (0..n)
        .map(|i| Boolean::new_witness(cs.clone(), || Ok((value >> i) & 1 == 1)))
        .collect()
}

/// Allocates a Jubjub scalar as 252 boolean witnesses, little-endian.
pub fn witness_scalar_bits(
    cs: ConstraintSystemRef<Fr>,
    scalar: &JubjubScalar,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let bits = scalar.into_bigint().to_bits_le();
    bits.into_iter()
        .take(SCALAR_BITS)
        .map(|b| Boolean::new_witness(cs.clone(), || Ok(b)))
        .collect()
}

/// One term `[value] G_asset` of a value commitment: the asset variable, the
/// prover's hint for hashing it to the curve, and the value's bits.
pub struct ValueTerm<'a> {
    /// The asset id, allocated.
    pub asset: &'a FpVar<Fr>,
    /// `GroupHash(asset)` with its hints.
    pub hint: crate::generators::GroupHash,
    /// The value, 64 constrained bits.
    pub value_bits: &'a [Boolean<Fr>],
}

/// `cv = Σ [value_j] G_{asset_j} + [rcv] R` in-circuit, each `G_asset`
/// hashed from its asset with the prover's hints `(ctr, y)`.
pub fn value_commitment_var(
    cs: ConstraintSystemRef<Fr>,
    terms: &[ValueTerm],
    rcv_bits: &[Boolean<Fr>],
) -> Result<EdwardsVar, SynthesisError> {
    use ark_r1cs_std::groups::CurveVar;
    let mut acc = fixed_base_mul_var(&fixed_base_tables().0, rcv_bits)?;
    for term in terms {
        let ctr = FpVar::new_witness(cs.clone(), || Ok(Fr::from(term.hint.ctr)))?;
        let base = group_hash_var(cs.clone(), term.asset, &ctr, term.hint.y)?;
        acc += base.scalar_mul_le(term.value_bits.iter())?;
    }
    Ok(acc)
}

/// The Merkle root above `leaf` along a witnessed path. Returns the root and
/// the position as a field element (composed from its 32 constrained bits).
pub fn merkle_root_var(
    cs: ConstraintSystemRef<Fr>,
    leaf: &FpVar<Fr>,
    path: &MerklePath,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let position_bits = witness_bits(cs.clone(), path.position, DEPTH)?;
    let mut node = leaf.clone();
    for (h, bit) in position_bits.iter().enumerate() {
        let sibling = FpVar::new_witness(cs.clone(), || Ok(path.siblings[h]))?;
        let left = bit.select(&sibling, &node)?;
        let right = bit.select(&node, &sibling)?;
        node = hash_var(cs.clone(), Domain::MerkleNode.tag(h as u64), &[left, right])?;
    }
    Ok((node, Boolean::le_bits_to_fp(&position_bits)?))
}
