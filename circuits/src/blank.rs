//! Fixed placeholder witnesses. The constraint system of a circuit depends only
//! on its shape, never on witness values, so these serve parameter generation
//! and constraint counting.

use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_ff::One;

use crate::{
    generators::spend_auth_base,
    note::{AssetId, Note},
    output::OutputWitness,
    spend::SpendWitness,
    tree::{empty_roots, MerklePath, DEPTH},
    Fr,
};

fn note() -> Note {
    Note {
        asset: AssetId::native(),
        value: 0,
        owner: Fr::one(),
        rho: Fr::one(),
        rcm: Fr::one(),
    }
}

pub(crate) fn spend_witness() -> SpendWitness {
    SpendWitness {
        note: note(),
        ak: spend_auth_base(),
        nk: Fr::one(),
        diversifier: [0; crate::note::DIVERSIFIER_LEN],
        rcv: JubjubScalar::one(),
        alpha: JubjubScalar::one(),
        path: MerklePath {
            position: 0,
            siblings: empty_roots()[..DEPTH].to_vec(),
        },
    }
}

pub(crate) fn output_witness() -> OutputWitness {
    OutputWitness {
        note: note(),
        rcv: JubjubScalar::one(),
    }
}
