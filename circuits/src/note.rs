//! Notes and what is computed from them: asset identifiers, note commitments,
//! nullifiers, owner tags and value commitments.
//!
//! * asset identifiers: see [`crate::asset`];
//! * `ivk = H_Ivk(ak.x, nk)`; `owner = H_Owner(ivk, d)` for a diversifier `d`;
//! * `cm = H_NoteCommitment(asset, value, owner, rho, rcm)`;
//! * `nf = H_Nullifier(nk, rho, position)`;
//! * `cv = [value] G_asset + [rcv] R` with `G_asset = GroupHash(asset)`.
//!
//! `ak.x` alone identifies `ak`: of the two points with that x-coordinate
//! (`ak` and `ak + (0, -1)`) only one is in the prime-order subgroup, and the
//! Spend circuit checks that `ak` is.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_ff::PrimeField;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use crate::asset::AssetId;
use crate::{
    generators::value_randomness_base,
    poseidon::{hash, Domain},
    Fr,
};

/// Length in bytes of an address diversifier.
pub const DIVERSIFIER_LEN: usize = 11;

/// A diversifier as a field element (11 bytes, little-endian).
pub fn diversifier_to_field(d: &[u8; DIVERSIFIER_LEN]) -> Fr {
    Fr::from_le_bytes_mod_order(d)
}

/// `ivk = H_Ivk(ak.x, nk)`.
pub fn incoming_viewing_key(ak: &EdwardsAffine, nk: &Fr) -> Fr {
    hash(Domain::IncomingViewingKey.tag(0), &[ak.x, *nk])
}

/// `owner = H_Owner(ivk, d)`: what a note commits to as its owner.
pub fn owner_tag(ivk: &Fr, d: &[u8; DIVERSIFIER_LEN]) -> Fr {
    hash(Domain::Owner.tag(0), &[*ivk, diversifier_to_field(d)])
}

/// A note: `value` units of `asset` owned by `owner`.
///
/// Its contents are secret (whoever learns `rho` and `rcm` can link it to its
/// commitment): they are wiped when it is dropped and never printed by
/// `Debug`.
#[derive(
    Clone, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize, Zeroize, ZeroizeOnDrop,
)]
pub struct Note {
    /// What the note holds.
    #[zeroize(skip)]
    pub asset: AssetId,
    /// How much of it.
    pub value: u64,
    /// The owner tag of the recipient's address.
    pub owner: Fr,
    /// Uniqueness seed for the nullifier, chosen by the sender.
    pub rho: Fr,
    /// Commitment randomness.
    pub rcm: Fr,
}

impl std::fmt::Debug for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Note(<redacted>)")
    }
}

impl Note {
    /// `cm = H_NoteCommitment(asset, value, owner, rho, rcm)`.
    pub fn commitment(&self) -> Fr {
        hash(
            Domain::NoteCommitment.tag(0),
            &[
                self.asset.0,
                Fr::from(self.value),
                self.owner,
                self.rho,
                self.rcm,
            ],
        )
    }

    /// `nf = H_Nullifier(nk, rho, position)`. Binding the position means two
    /// notes a sender made with the same `rho` still have distinct nullifiers.
    pub fn nullifier(&self, nk: &Fr, position: u64) -> Fr {
        hash(
            Domain::Nullifier.tag(0),
            &[*nk, self.rho, Fr::from(position)],
        )
    }
}

/// `cv = [value] G_asset + [rcv] R`.
pub fn value_commitment(asset: &AssetId, value: u64, rcv: &JubjubScalar) -> EdwardsAffine {
    (asset.value_base().point * JubjubScalar::from(value) + value_randomness_base() * rcv)
        .into_affine()
}

/// `[amount] G_asset` for a signed public amount: the term a transaction's
/// public value balance contributes to the binding equation.
pub fn public_value_point(asset: &AssetId, amount: i128) -> ark_ed_on_bls12_381::EdwardsProjective {
    let base = asset.value_base().point.into_group();
    let magnitude = JubjubScalar::from(amount.unsigned_abs());
    if amount < 0 {
        -(base * magnitude)
    } else {
        base * magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_commitments_are_homomorphic_and_asset_bound() {
        let sero = AssetId::native();
        let usd = AssetId::from_name("USD");
        assert_ne!(sero, usd);
        let (a, b) = (JubjubScalar::from(5u64), JubjubScalar::from(7u64));
        let sum = (value_commitment(&sero, 3, &a).into_group() + value_commitment(&sero, 4, &b))
            .into_affine();
        assert_eq!(sum, value_commitment(&sero, 7, &(a + b)));
        assert_ne!(
            value_commitment(&sero, 7, &a),
            value_commitment(&usd, 7, &a)
        );
        assert_eq!(
            (public_value_point(&usd, -3) + public_value_point(&usd, 3)).into_affine(),
            EdwardsAffine::zero()
        );
    }

    #[test]
    fn nullifier_depends_on_position_and_key() {
        let note = Note {
            asset: AssetId::native(),
            value: 10,
            owner: Fr::from(1u64),
            rho: Fr::from(2u64),
            rcm: Fr::from(3u64),
        };
        let nk = Fr::from(9u64);
        assert_ne!(note.nullifier(&nk, 0), note.nullifier(&nk, 1));
        assert_ne!(note.nullifier(&nk, 0), note.nullifier(&Fr::from(8u64), 0));
        let mut other = note.clone();
        other.value = 11;
        assert_ne!(note.commitment(), other.commitment());
    }
}
