//! The transaction builder: collects spends, outputs, public value and a fee,
//! checks they balance per asset, proves every action in parallel, encrypts
//! the outputs and signs.

use std::collections::BTreeMap;

use ark_bls12_381::Bls12_381;
use ark_ed_on_bls12_381::EdwardsAffine;
use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_ff::UniformRand;
use ark_groth16::{Groth16, Proof};
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use rayon::prelude::*;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::{incoming_viewing_key, owner_tag, AssetId, Note, DIVERSIFIER_LEN},
    output::{OutputCircuit, OutputWitness},
    spend::{SpendCircuit, SpendWitness},
    tree::MerklePath,
    Fr,
};
use superzk_keys::{
    address::PaymentAddress,
    error::KeyError,
    note_plaintext::{encrypt_output, MEMO_LEN},
    params::{CacheEvent, CircuitKind, ParameterCache, Parameters},
    signature::{Signature, SigningKey},
    spending_key::{encode_field, encode_point, Binding, SpendAuth, SpendingKey},
};
use superzk_verifier::{
    transaction::{
        canonical_balances, OutputDescription, SpendDescription, TicketIssuance, Transaction,
        ENC_CIPHERTEXT_LEN, MAX_ITEMS,
    },
    verify::VerifyingKeys,
};
use zeroize::Zeroize;

/// Proving keys for both circuits.
#[derive(Clone, Debug)]
pub struct ProvingKeys {
    /// Spend circuit.
    pub spend: Parameters,
    /// Output circuit.
    pub output: Parameters,
}

impl ProvingKeys {
    /// **INSECURE** seeded parameters from the default on-disk cache
    /// (generated on first use). For tests and demos only.
    pub fn insecure_cached(seed: &[u8]) -> Result<Self, KeyError> {
        Self::insecure_from_cache(&ParameterCache::default_location(), seed, |_| {})
    }

    /// **INSECURE** seeded parameters from `cache`, reporting progress.
    pub fn insecure_from_cache(
        cache: &ParameterCache,
        seed: &[u8],
        mut on_event: impl FnMut(CacheEvent),
    ) -> Result<Self, KeyError> {
        Ok(Self {
            spend: cache.load_or_generate(CircuitKind::Spend, seed, &mut on_event)?,
            output: cache.load_or_generate(CircuitKind::Output, seed, &mut on_event)?,
        })
    }

    /// The matching verifying keys.
    pub fn verifying_keys(&self) -> VerifyingKeys {
        VerifyingKeys {
            spend: self.spend.verifying.clone(),
            output: self.output.verifying.clone(),
        }
    }
}

/// Why a transaction could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Inputs and outputs of an asset differ.
    #[error("asset {asset} does not balance: inputs exceed outputs by {excess} (negative: outputs exceed inputs); add a change output, more spends, or adjust the fee")]
    Unbalanced {
        /// The asset, hex.
        asset: String,
        /// Inputs minus outputs.
        excess: i128,
    },
    /// The wallet holds too little of an asset.
    #[error("insufficient funds: the wallet holds {have} unspent units of the asset, the transfer needs {need}")]
    InsufficientFunds {
        /// Unspent units held.
        have: u128,
        /// Units needed, fee included.
        need: u128,
    },
    /// Nothing to build.
    #[error("the transaction has no spends and no outputs")]
    Empty,
    /// Too many spends or outputs.
    #[error("too many actions: {0} (at most {MAX_ITEMS} spends and {MAX_ITEMS} outputs)")]
    TooManyActions(usize),
    /// The public amount of an asset does not fit the format.
    #[error("public value of an asset exceeds 2^63 - 1 units; split the transaction")]
    AmountTooLarge,
    /// A spent note does not belong to the key given for it.
    #[error("spend {0}: the note does not belong to this spending key and diversifier")]
    NotOwned(usize),
    /// A spend's path does not lead to the same root as the others.
    #[error("spend {0} is witnessed against a different tree root than spend 0; update the wallet's witnesses")]
    MixedAnchors(usize),
    /// Proving failed (a witness does not satisfy its circuit).
    #[error("proving {kind} {index} failed: {reason}")]
    Proving {
        /// "spend" or "output".
        kind: &'static str,
        /// Its index.
        index: usize,
        /// The arkworks error.
        reason: String,
    },
    /// Note encryption failed.
    #[error("encrypting output {0} failed: {1}")]
    Encryption(usize, String),
}

struct SpendInput {
    ask: SigningKey<SpendAuth>,
    witness: SpendWitness,
}

/// A spend as added: its key material, note and path; randomness comes at build.
struct PendingSpend {
    ask: SigningKey<SpendAuth>,
    ak: EdwardsAffine,
    nk: Fr,
    note: Note,
    diversifier: [u8; DIVERSIFIER_LEN],
    path: MerklePath,
}

struct OutputRequest {
    ovk: Option<[u8; 32]>,
    to: PaymentAddress,
    asset: AssetInfo,
    value: u64,
    memo: [u8; MEMO_LEN],
}

/// Collects the parts of a shielded transaction, then proves and signs it.
#[derive(Default)]
pub struct TransactionBuilder {
    spends: Vec<PendingSpend>,
    outputs: Vec<OutputRequest>,
    public: Vec<(AssetId, i128)>,
    issuances: Vec<TicketIssuance>,
    redemptions: Vec<Ticket>,
    fee: u64,
    skip_balance_check: bool,
}

impl TransactionBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spends `note`, sent to diversifier `d` of `sk`'s wallet, at `path`.
    pub fn add_spend(
        &mut self,
        sk: &SpendingKey,
        note: Note,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        let fvk = sk.full_viewing_key();
        self.spends.push(PendingSpend {
            ask: sk.spend_auth_key(),
            ak: fvk.ak(),
            nk: fvk.nk(),
            note,
            diversifier: d,
            path,
        });
        self
    }

    /// Creates a note of `value` units of `asset` for `to`. With `ovk` the
    /// sender can read the note back later; without, nobody but `to` can.
    pub fn add_output(
        &mut self,
        ovk: Option<[u8; 32]>,
        to: PaymentAddress,
        asset: AssetInfo,
        value: u64,
        memo: [u8; MEMO_LEN],
    ) -> &mut Self {
        self.outputs.push(OutputRequest {
            ovk,
            to,
            asset,
            value,
            memo,
        });
        self
    }

    /// Public value entering the shielded pool (shielding).
    pub fn add_public_input(&mut self, asset: AssetId, amount: u64) -> &mut Self {
        self.public.push((asset, -i128::from(amount)));
        self
    }

    /// Public value leaving the shielded pool (unshielding).
    pub fn add_public_output(&mut self, asset: AssetId, amount: u64) -> &mut Self {
        self.public.push((asset, i128::from(amount)));
        self
    }

    /// Issues `ticket` to `to`: registers it publicly (category and asset id)
    /// and creates its one shielded note. The chain accepts each ticket once.
    pub fn issue_ticket(
        &mut self,
        ovk: Option<[u8; 32]>,
        ticket: &Ticket,
        to: PaymentAddress,
    ) -> &mut Self {
        self.issuances.push(TicketIssuance {
            category: ticket.category.clone(),
            asset: ticket.asset(),
        });
        self.add_output(ovk, to, AssetInfo::Ticket(ticket.clone()), 1, [0; MEMO_LEN])
    }

    /// Redeems (burns) a ticket the caller owns: spends its note and reveals
    /// which ticket it was, but not who held it before.
    pub fn redeem_ticket(
        &mut self,
        sk: &SpendingKey,
        ticket: &Ticket,
        note: Note,
        d: [u8; DIVERSIFIER_LEN],
        path: MerklePath,
    ) -> &mut Self {
        self.redemptions.push(ticket.clone());
        self.add_spend(sk, note, d, path)
    }

    /// For adversarial tests only: build even if the values do not balance.
    /// The result is signed with the randomness the builder knows and can
    /// never verify; tests use it to show the verifier catches it.
    pub fn skip_balance_check(&mut self) -> &mut Self {
        self.skip_balance_check = true;
        self
    }

    /// The fee, in the native asset.
    pub fn set_fee(&mut self, fee: u64) -> &mut Self {
        self.fee = fee;
        self
    }

    fn check_balance(&self) -> Result<(), BuildError> {
        let mut excess: BTreeMap<[u8; 32], (AssetId, i128)> = BTreeMap::new();
        let mut add = |asset: AssetId, v: i128| {
            excess.entry(encode_field(&asset.0)).or_insert((asset, 0)).1 += v
        };
        for s in &self.spends {
            add(s.note.asset, i128::from(s.note.value));
        }
        for o in &self.outputs {
            add(o.asset.asset(), -i128::from(o.value));
        }
        for t in &self.issuances {
            add(t.asset, 1);
        }
        for t in &self.redemptions {
            add(t.asset(), -1);
        }
        for (asset, amount) in &self.public {
            add(*asset, -amount);
        }
        add(AssetId::native(), -i128::from(self.fee));
        match excess.into_values().find(|(_, e)| *e != 0) {
            Some((asset, excess)) => Err(BuildError::Unbalanced {
                asset: hex(&encode_field(&asset.0)),
                excess,
            }),
            None => Ok(()),
        }
    }

    /// Proves every spend and output in parallel (rayon), encrypts the
    /// outputs, and signs. The values must balance per asset.
    pub fn build<R: RngCore + CryptoRng>(
        &self,
        keys: &ProvingKeys,
        rng: &mut R,
    ) -> Result<Transaction, BuildError> {
        self.build_tampered(keys, rng, |_| {})
    }

    /// Like [`build`](Self::build), but lets `tamper` change the proven
    /// transaction before it is signed. This makes *invalid* transactions
    /// whose signatures are nonetheless valid, so that test vectors isolate
    /// one failure each (a wrong anchor, an unbalanced fee, a bad proof).
    pub fn build_tampered<R: RngCore + CryptoRng>(
        &self,
        keys: &ProvingKeys,
        rng: &mut R,
        tamper: impl FnOnce(&mut Transaction),
    ) -> Result<Transaction, BuildError> {
        if self.spends.is_empty() && self.outputs.is_empty() {
            return Err(BuildError::Empty);
        }
        if self.spends.len() > MAX_ITEMS || self.outputs.len() > MAX_ITEMS {
            return Err(BuildError::TooManyActions(
                self.spends.len().max(self.outputs.len()),
            ));
        }
        if !self.skip_balance_check {
            self.check_balance()?;
        }
        let balances = canonical_balances(self.public.iter().copied())
            .map_err(|_| BuildError::AmountTooLarge)?;

        let spends: Vec<SpendInput> = self
            .spends
            .iter()
            .map(|p| SpendInput {
                ask: p.ask.clone(),
                witness: SpendWitness {
                    note: p.note.clone(),
                    ak: p.ak,
                    nk: p.nk,
                    diversifier: p.diversifier,
                    rcv: JubjubScalar::rand(rng),
                    alpha: JubjubScalar::rand(rng),
                    path: p.path.clone(),
                },
            })
            .collect();
        for (i, s) in spends.iter().enumerate() {
            let w = &s.witness;
            if owner_tag(&incoming_viewing_key(&w.ak, &w.nk), &w.diversifier) != w.note.owner {
                return Err(BuildError::NotOwned(i));
            }
        }
        let anchor0 = spends.first().map(|s| s.witness.public_inputs().anchor);
        for (i, s) in spends.iter().enumerate() {
            if Some(s.witness.public_inputs().anchor) != anchor0 {
                return Err(BuildError::MixedAnchors(i));
            }
        }
        let outputs: Vec<(OutputWitness, &OutputRequest, [u8; 32])> = self
            .outputs
            .iter()
            .map(|req| {
                let note = Note {
                    asset: req.asset.asset(),
                    value: req.value,
                    owner: req.to.owner(),
                    rho: Fr::rand(rng),
                    rcm: Fr::rand(rng),
                };
                let mut ovk = [0u8; 32];
                match req.ovk {
                    Some(k) => ovk = k,
                    None => rng.fill_bytes(&mut ovk),
                }
                (
                    OutputWitness {
                        note,
                        rcv: JubjubScalar::rand(rng),
                    },
                    req,
                    ovk,
                )
            })
            .collect();

        // One RNG per job, seeded from the caller's, so jobs run independently.
        let mut seed = || {
            let mut s = [0u8; 32];
            rng.fill_bytes(&mut s);
            s
        };
        let spend_seeds: Vec<[u8; 32]> = spends.iter().map(|_| seed()).collect();
        let output_seeds: Vec<[u8; 32]> = outputs.iter().map(|_| seed()).collect();

        let spend_descs: Vec<SpendDescription> = spends
            .par_iter()
            .zip(spend_seeds)
            .enumerate()
            .map(|(index, (s, seed))| {
                let mut rng = ChaCha20Rng::from_seed(seed);
                let public = s.witness.public_inputs();
                let proof = prove(SpendCircuit::new(s.witness.clone()), &keys.spend, &mut rng)
                    .map_err(|reason| BuildError::Proving {
                        kind: "spend",
                        index,
                        reason,
                    })?;
                Ok(SpendDescription {
                    anchor: public.anchor,
                    nullifier: public.nullifier,
                    cv: public.cv,
                    rk: public.rk,
                    proof,
                    auth_sig: Signature::from_bytes(&[0u8; 64]),
                })
            })
            .collect::<Result<_, BuildError>>()?;

        let output_descs: Vec<OutputDescription> = outputs
            .par_iter()
            .zip(output_seeds)
            .enumerate()
            .map(|(index, ((w, req, ovk), seed))| {
                let mut rng = ChaCha20Rng::from_seed(seed);
                let public = w.public_inputs();
                let proof = prove(OutputCircuit::new(w.clone()), &keys.output, &mut rng).map_err(
                    |reason| BuildError::Proving {
                        kind: "output",
                        index,
                        reason,
                    },
                )?;
                let enc = encrypt_output(
                    &req.to,
                    &w.note,
                    &req.asset,
                    &req.memo,
                    ovk,
                    &encode_point(&public.cv),
                    &mut rng,
                )
                .map_err(|e| BuildError::Encryption(index, e.to_string()))?;
                debug_assert_eq!(enc.ciphertext.len(), ENC_CIPHERTEXT_LEN);
                Ok(OutputDescription {
                    cm: public.cm,
                    cv: public.cv,
                    epk: enc.epk,
                    enc_ciphertext: enc.ciphertext,
                    out_ciphertext: enc.out_ciphertext,
                    proof,
                })
            })
            .collect::<Result<_, BuildError>>()?;

        let mut tx = Transaction {
            spend_vk: keys.spend.verifying.fingerprint,
            output_vk: keys.output.verifying.fingerprint,
            spends: spend_descs,
            outputs: output_descs,
            balances,
            issuances: self.issuances.clone(),
            redemptions: self.redemptions.clone(),
            fee: self.fee,
            binding_sig: Signature::from_bytes(&[0u8; 64]),
        };
        tamper(&mut tx);
        let sighash = tx.sighash();
        for (desc, s) in tx.spends.iter_mut().zip(&spends) {
            desc.auth_sig = s.ask.randomize(&s.witness.alpha).sign(&sighash, rng);
        }
        let mut bsk = spends.iter().map(|s| s.witness.rcv).sum::<JubjubScalar>()
            - outputs.iter().map(|(w, ..)| w.rcv).sum::<JubjubScalar>();
        tx.binding_sig = SigningKey::<Binding>::from_scalar(bsk).sign(&sighash, rng);
        bsk.zeroize();
        Ok(tx)
    }
}

fn prove<C: ark_relations::gr1cs::ConstraintSynthesizer<Fr>>(
    circuit: C,
    params: &Parameters,
    rng: &mut ChaCha20Rng,
) -> Result<Proof<Bls12_381>, String> {
    Groth16::<Bls12_381>::create_random_proof_with_reduction(circuit, &params.proving_key, rng)
        .map_err(|e| e.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().rev().map(|b| format!("{b:02x}")).collect()
}
