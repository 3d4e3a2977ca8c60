//! What a proving key needs besides its points, built once per key and
//! kept for the life of the process: the circuit's matrices and the key's
//! points in blst's form (or, in the table mode, with their precomputed
//! window shifts).

use std::sync::{Arc, Mutex, OnceLock};

use ark_bls12_381::Bls12_381;
use ark_groth16::ProvingKey;
use superzk_circuits::{
    output::{OutputCircuit, PackageOutputCircuit},
    spend::{PackageSpendCircuit, SpendCircuit},
};
use superzk_keys::params::{CircuitKind, Fingerprint, Parameters};

use super::msm::tables::{G1Tables, G2Tables};
use super::msm::{G1Points, G2Points};
use super::{qap::Transforms, r1cs::Shape, Groth16Error, MsmMode};

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

/// The key's points with their window shifts ([`MsmMode::Tables`]).
pub struct TableKey {
    /// `A` query.
    pub a: G1Tables,
    /// `B` query in G1.
    pub b_g1: G1Tables,
    /// `B` query in G2.
    pub b_g2: G2Tables,
    /// `H` and `L` queries joined, as in [`BlstKey::hl`].
    pub hl: G1Tables,
}

/// The key's points in the form its [`MsmMode`] multiplies.
pub enum KeyPoints {
    /// Blst's Pippenger over the points ([`MsmMode::Pippenger`]).
    Pippenger(BlstKey),
    /// Single-window sums over precomputed tables ([`MsmMode::Tables`]).
    Tables(TableKey),
}

/// A proving key made ready to prove with.
pub struct PreparedKey {
    /// The circuit's matrices.
    pub shape: Shape,
    /// The FFT tables of its domain.
    pub transforms: Transforms,
    /// The key's points, in the form of the mode it was prepared for.
    pub points: KeyPoints,
    /// That mode, as asked for.
    mode: MsmMode,
}

impl PreparedKey {
    /// Prepares `pk` (the key of a `kind` circuit) for proofs in `mode`.
    pub fn new(
        kind: CircuitKind,
        pk: &ProvingKey<Bls12_381>,
        mode: MsmMode,
    ) -> Result<Self, Groth16Error> {
        let mode = mode.check()?;
        let shape = match kind {
            CircuitKind::Spend => Shape::of(SpendCircuit::blank()),
            CircuitKind::Output => Shape::of(OutputCircuit::blank()),
            CircuitKind::PackageSpend => Shape::of(PackageSpendCircuit::blank()),
            CircuitKind::PackageOutput => Shape::of(PackageOutputCircuit::blank()),
        }?;
        let transforms = Transforms::new(&shape)?;
        let n = shape.num_inputs + shape.num_witness;
        let fits = pk.a_query.len() == n
            && pk.b_g1_query.len() == n
            && pk.b_g2_query.len() == n
            && pk.l_query.len() == shape.num_witness
            && pk.h_query.len() + 1 >= transforms.size();
        if !fits {
            return Err(Groth16Error::KeyShape);
        }
        let points = match mode {
            MsmMode::Pippenger => KeyPoints::Pippenger(BlstKey {
                a: G1Points::new(&pk.a_query),
                b_g1: G1Points::new(&pk.b_g1_query),
                b_g2: G2Points::new(&pk.b_g2_query),
                hl: G1Points::joined(&[&pk.h_query, &pk.l_query]),
            }),
            MsmMode::Tables { window } => KeyPoints::Tables(TableKey {
                a: G1Tables::joined(&[&pk.a_query], window),
                b_g1: G1Tables::joined(&[&pk.b_g1_query], window),
                b_g2: G2Tables::joined(&[&pk.b_g2_query], window),
                hl: G1Tables::joined(&[&pk.h_query, &pk.l_query], window),
            }),
        };
        Ok(Self {
            points,
            shape,
            transforms,
            mode,
        })
    }

    /// The mode this key was prepared for.
    pub fn mode(&self) -> MsmMode {
        self.mode
    }

    /// Bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        let points = match &self.points {
            KeyPoints::Pippenger(k) => {
                k.a.heap_bytes() + k.b_g1.heap_bytes() + k.b_g2.heap_bytes() + k.hl.heap_bytes()
            }
            KeyPoints::Tables(k) => {
                k.a.heap_bytes() + k.b_g1.heap_bytes() + k.b_g2.heap_bytes() + k.hl.heap_bytes()
            }
        };
        self.shape.heap_bytes() + self.transforms.heap_bytes() + points
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

/// The prepared form of `params`, built on first use (in the default
/// mode, [`MsmMode::Pippenger`]) and kept, or the one [`prepared_as`] made.
pub fn prepared(params: &Parameters) -> Result<Arc<PreparedKey>, Groth16Error> {
    slot_of(params, None)
        .get_or_init(|| build(params, MsmMode::Pippenger))
        .clone()
        .map_err(Groth16Error::Prepare)
}

/// The prepared form of `params` in `mode`, built now unless this process
/// holds it in that mode already; it replaces one of another mode, so that
/// later proofs with `params` use `mode`.
pub fn prepared_as(params: &Parameters, mode: MsmMode) -> Result<Arc<PreparedKey>, Groth16Error> {
    // Checked here too, so that a wrong window never replaces a slot.
    let mode = mode.check()?;
    // A slot that another thread was filling in another mode is used as
    // it is, then replaced on the second pass.
    for _ in 0..2 {
        let key = slot_of(params, Some(mode))
            .get_or_init(|| build(params, mode))
            .clone()
            .map_err(Groth16Error::Prepare)?;
        if key.mode() == mode {
            return Ok(key);
        }
    }
    Err(Groth16Error::Prepare(
        "the key was being prepared in another mode at the same time: prepare it once, before proving".into(),
    ))
}

fn build(params: &Parameters, mode: MsmMode) -> Result<Arc<PreparedKey>, String> {
    PreparedKey::new(params.kind(), &params.proving_key, mode)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The slot of `params`: made if missing, and made anew if `mode` is given
/// and the slot holds another mode (a failed preparation included).
fn slot_of(params: &Parameters, mode: Option<MsmMode>) -> Slot {
    let id = KeyId::of(params);
    let mut all = PREPARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(at) = all.iter().position(|(k, _)| *k == id) {
        let slot = &all[at].1;
        let keep = match (mode, slot.get()) {
            (None, _) | (Some(_), None) => true,
            (Some(mode), Some(Ok(key))) => key.mode() == mode,
            (Some(_), Some(Err(_))) => false,
        };
        if keep {
            return slot.clone();
        }
        all.remove(at);
    }
    if all.len() >= MAX_PREPARED {
        all.remove(0);
    }
    let slot = Slot::default();
    all.push((id, slot.clone()));
    // Built outside the lock (by the caller): proofs of other keys go on
    // meanwhile, and proofs of this one wait for it in `get_or_init`.
    slot
}
