//! What a proving key needs besides its points, built once per key and
//! kept for the life of the process: the circuit's matrices and the key's
//! points in blst's form.

use std::sync::{Arc, Mutex, OnceLock};

use ark_bls12_381::Bls12_381;
use ark_groth16::ProvingKey;
use ark_poly::EvaluationDomain;
use superzk_circuits::{
    output::{OutputCircuit, PackageOutputCircuit},
    spend::{PackageSpendCircuit, SpendCircuit},
};
use superzk_keys::params::{CircuitKind, Fingerprint, Parameters};

use super::msm::{G1Points, G2Points};
use super::{r1cs::Shape, Groth16Error};

/// The key's points in blst's form.
pub struct BlstKey {
    /// `A` query.
    pub a: G1Points,
    /// `B` query in G1.
    pub b_g1: G1Points,
    /// `B` query in G2.
    pub b_g2: G2Points,
    /// `H` and `L` queries joined: a proof's `Σ hᵢ·Hᵢ + Σ wᵢ·Lᵢ` is one
    /// MSM (one Pippenger over both costs less than two).
    pub hl: G1Points,
}

/// A proving key made ready to prove with.
pub struct PreparedKey {
    /// The circuit's matrices.
    pub shape: Shape,
    /// The key's points for blst.
    pub blst: BlstKey,
}

impl PreparedKey {
    fn new(kind: CircuitKind, pk: &ProvingKey<Bls12_381>) -> Result<Self, Groth16Error> {
        let shape = match kind {
            CircuitKind::Spend => Shape::of(SpendCircuit::blank()),
            CircuitKind::Output => Shape::of(OutputCircuit::blank()),
            CircuitKind::PackageSpend => Shape::of(PackageSpendCircuit::blank()),
            CircuitKind::PackageOutput => Shape::of(PackageOutputCircuit::blank()),
        }?;
        let n = shape.num_inputs + shape.num_witness;
        let fits = pk.a_query.len() == n
            && pk.b_g1_query.len() == n
            && pk.b_g2_query.len() == n
            && pk.l_query.len() == shape.num_witness
            && pk.h_query.len() + 1 >= super::qap::domain(&shape)?.size();
        if !fits {
            return Err(Groth16Error::KeyShape);
        }
        Ok(Self {
            blst: BlstKey {
                a: G1Points::new(&pk.a_query),
                b_g1: G1Points::new(&pk.b_g1_query),
                b_g2: G2Points::new(&pk.b_g2_query),
                hl: G1Points::joined(&[&pk.h_query, &pk.l_query]),
            },
            shape,
        })
    }

    /// Bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        let points = {
            let k = &self.blst;
            k.a.heap_bytes() + k.b_g1.heap_bytes() + k.b_g2.heap_bytes() + k.hl.heap_bytes()
        };
        self.shape.heap_bytes() + points
    }
}

/// Identifies a proving key cheaply: its circuit, its verifying key, and
/// the first and last points of its queries (a proving key other than the
/// one prepared, under the same verifying key, would only make proofs that
/// fail to verify, never anything worse; this catches it anyway).
#[derive(PartialEq)]
struct KeyId {
    kind: CircuitKind,
    fingerprint: Fingerprint,
    ends: [Option<ark_bls12_381::G1Affine>; 8],
    b_g2_last: Option<ark_bls12_381::G2Affine>,
}

impl KeyId {
    fn of(params: &Parameters) -> Self {
        let pk = &params.proving_key;
        Self {
            kind: params.kind(),
            fingerprint: params.verifying.fingerprint,
            ends: [
                pk.a_query.first().copied(),
                pk.a_query.last().copied(),
                pk.b_g1_query.first().copied(),
                pk.b_g1_query.last().copied(),
                pk.h_query.first().copied(),
                pk.h_query.last().copied(),
                pk.l_query.first().copied(),
                pk.l_query.last().copied(),
            ],
            b_g2_last: pk.b_g2_query.last().copied(),
        }
    }
}

type Slot = Arc<OnceLock<Result<Arc<PreparedKey>, String>>>;

/// Prepared keys of this process. A handful at most (one per circuit and
/// parameter set in use); the oldest go when more are prepared.
static PREPARED: Mutex<Vec<(KeyId, Slot)>> = Mutex::new(Vec::new());
const MAX_PREPARED: usize = 8;

/// The prepared form of `params`, built on first use and kept.
pub fn prepared(params: &Parameters) -> Result<Arc<PreparedKey>, Groth16Error> {
    let id = KeyId::of(params);
    let slot = {
        let mut all = PREPARED.lock().unwrap_or_else(|e| e.into_inner());
        match all.iter().find(|(k, _)| *k == id) {
            Some((_, slot)) => slot.clone(),
            None => {
                if all.len() >= MAX_PREPARED {
                    all.remove(0);
                }
                let slot = Slot::default();
                all.push((id, slot.clone()));
                slot
            }
        }
    };
    // Built outside the lock: proofs of other keys go on meanwhile, and
    // proofs of this one wait for it here.
    slot.get_or_init(|| {
        PreparedKey::new(params.kind(), &params.proving_key)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(Groth16Error::Prepare)
}
