//! Packages: sealed bundles of assets.
//!
//! A package holds up to [`PACKAGE_SLOTS`] `(asset, value)` pairs (unused slots
//! hold value 0) and a package key `k`. Its note commits to both:
//!
//! * contents commitment `ccm = H_PackageContents(k, a_1, v_1, …, a_4, v_4)`;
//! * note commitment `cm = H_PackageNote(ccm, owner, rho, rcm)`;
//! * value commitment `cv = Σ_j [v_j] GroupHash(a_j) + [rcv] R`.
//!
//! Package notes live in the same tree as plain notes and are spent and
//! created by the same generic circuits (see [`crate::note_kind`]), so:
//!
//! * **create**: spends of the contents' notes plus a package output balance,
//!   since the package's `cv` sums the same terms;
//! * **transfer**: a package spend plus a package output with the same
//!   contents (new owner, fresh randomness) balance; the key travels encrypted
//!   to the new holder with the note;
//! * **open**: a package spend plus plain outputs of the contents balance.
//!
//! Opening needs the key (without it `ccm`, hence `cm`, cannot be recomputed,
//! so no membership proof exists); opening into other contents breaks the
//! balance; opening twice reveals the same nullifier twice.

use ark_ec::CurveGroup;
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar, prelude::Boolean};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{
    gadgets::{value_commitment_var, witness_bits, ValueTerm},
    generators::value_randomness_base,
    note::AssetId,
    note_kind::{NoteKind, NoteVars},
    poseidon::{hash, hash_var, Domain},
    EdwardsVar, Fr,
};

/// Number of `(asset, value)` slots in a package.
pub const PACKAGE_SLOTS: usize = 4;

/// A package note. Its key and contents are secret: wiped when it is dropped
/// and never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct PackageNote {
    /// The package key: whoever holds it can see and open the contents.
    pub key: Fr,
    /// The contents; unused slots have value 0.
    pub contents: [(AssetId, u64); PACKAGE_SLOTS],
    /// The owner tag of the holder's address.
    pub owner: Fr,
    /// Nullifier seed.
    pub rho: Fr,
    /// Commitment randomness.
    pub rcm: Fr,
}

impl Zeroize for PackageNote {
    fn zeroize(&mut self) {
        self.key.zeroize();
        for (asset, value) in &mut self.contents {
            asset.0.zeroize();
            value.zeroize();
        }
        self.owner.zeroize();
        self.rho.zeroize();
        self.rcm.zeroize();
    }
}

impl Drop for PackageNote {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for PackageNote {}

impl std::fmt::Debug for PackageNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PackageNote(<redacted>)")
    }
}

impl PackageNote {
    /// `ccm = H_PackageContents(k, a_1, v_1, …)`.
    pub fn contents_commitment(&self) -> Fr {
        let mut inputs = vec![self.key];
        for (asset, value) in &self.contents {
            inputs.push(asset.0);
            inputs.push(Fr::from(*value));
        }
        hash(Domain::PackageContents.tag(0), &inputs)
    }
}

impl NoteKind for PackageNote {
    const NAME: &'static str = "package";

    fn owner(&self) -> Fr {
        self.owner
    }

    fn rho(&self) -> Fr {
        self.rho
    }

    fn commitment(&self) -> Fr {
        hash(
            Domain::PackageNote.tag(0),
            &[self.contents_commitment(), self.owner, self.rho, self.rcm],
        )
    }

    fn value_commitment(&self, rcv: &JubjubScalar) -> EdwardsAffine {
        let mut acc = value_randomness_base() * rcv;
        for (asset, value) in &self.contents {
            acc += asset.value_base().point * JubjubScalar::from(*value);
        }
        acc.into_affine()
    }

    fn commit_var(
        &self,
        cs: ConstraintSystemRef<Fr>,
        owner: FpVar<Fr>,
        rcv_bits: &[Boolean<Fr>],
    ) -> Result<NoteVars, SynthesisError> {
        let key = FpVar::new_witness(cs.clone(), || Ok(self.key))?;
        let mut slots = Vec::with_capacity(PACKAGE_SLOTS);
        let mut inputs = vec![key];
        for (asset, value) in &self.contents {
            let asset_var = FpVar::new_witness(cs.clone(), || Ok(asset.0))?;
            let bits = witness_bits(cs.clone(), *value, 64)?;
            inputs.push(asset_var.clone());
            inputs.push(Boolean::le_bits_to_fp(&bits)?);
            slots.push((asset_var, asset.value_base(), bits));
        }
        let ccm = hash_var(cs.clone(), Domain::PackageContents.tag(0), &inputs)?;
        let rho = FpVar::new_witness(cs.clone(), || Ok(self.rho))?;
        let rcm = FpVar::new_witness(cs.clone(), || Ok(self.rcm))?;
        let cm = hash_var(
            cs.clone(),
            Domain::PackageNote.tag(0),
            &[ccm, owner, rho.clone(), rcm],
        )?;
        let terms: Vec<ValueTerm> = slots
            .iter()
            .map(|(asset, hint, bits)| ValueTerm {
                asset,
                hint: *hint,
                value_bits: bits,
            })
            .collect();
        let cv: EdwardsVar = value_commitment_var(cs, &terms, rcv_bits)?;
        Ok(NoteVars { cm, cv, rho })
    }

    fn blank() -> Self {
        PackageNote {
            key: Fr::from(1u64),
            contents: [(AssetId::native(), 0); PACKAGE_SLOTS],
            owner: Fr::from(1u64),
            rho: Fr::from(1u64),
            rcm: Fr::from(1u64),
        }
    }
}
