//! The transaction format and its canonical bytes.
//!
//! ```text
//! transaction = "SZKT" || version (1) || spend_vk (32) || output_vk (32)
//!               || package_spend_vk (32) || package_output_vk (32)
//!               || n_spends (u16) || spend*  || n_outputs (u16) || output*
//!               || n_package_spends (u16) || spend* || n_package_outputs (u16) || package_output*
//!               || n_balances (u16) || (asset (32) || amount (i64))*
//!               || n_issuances (u16) || (category || asset (32))*
//!               || n_redemptions (u16) || (category || ticket id (32))*
//!               || fee (u64) || binding_sig (64)
//! category    = length (u8, 1..=32) || UTF-8 bytes
//! spend       = anchor (32) || nf (32) || cv (32) || rk (32) || proof (192) || auth_sig (64)
//! output      = cm (32) || cv (32) || epk (32) || enc_ciphertext (294)
//!               || out_ciphertext (80) || proof (192)
//! package_output = as output, with a 644-byte enc_ciphertext
//! ```
//! Integers are little-endian; field elements canonical little-endian;
//! Jubjub points compressed (ark-serialize); proofs compressed Groth16
//! (A in G1, B in G2, C in G1). Every point is checked on decoding.
//!
//! The balance lists the net public value leaving the shielded pool per asset
//! (negative: value entering it), sorted by asset bytes, each asset once, no
//! zero amounts; the fee leaves the pool in the native asset on top of it.
//!
//! The signature hash is `Blake2b-256("SuperZK_TxSigHash", bytes)` over the
//! canonical bytes with every signature field replaced by zeros: it commits to
//! all proofs, so no part of a transaction can be moved into another.

use ark_bls12_381::Bls12_381;
use ark_ed_on_bls12_381::EdwardsAffine;
use ark_groth16::Proof;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blake2::{digest::consts::U32, Blake2b, Digest};
use superzk_circuits::{
    asset::{Ticket, MAX_NAME_LEN},
    note::AssetId,
    output::OutputPublicInputs,
    spend::SpendPublicInputs,
    Fr,
};
use superzk_keys::{
    params::Fingerprint,
    signature::Signature,
    spending_key::{encode_field, encode_point},
};

use crate::error::DecodeError;

/// Length of a note ciphertext: the 180-byte plaintext and a 16-byte tag.
pub const ENC_CIPHERTEXT_LEN: usize = superzk_keys::note_plaintext::NOTE_PLAINTEXT_LEN + 16;
/// Length of a package ciphertext.
pub const PACKAGE_ENC_CIPHERTEXT_LEN: usize =
    superzk_keys::note_plaintext::PACKAGE_PLAINTEXT_LEN + 16;
/// Length of an out-ciphertext.
pub const OUT_CIPHERTEXT_LEN: usize = 80;
/// Length of a compressed Groth16 proof on BLS12-381.
pub const PROOF_LEN: usize = 192;
/// Most spends, outputs or balance entries one transaction may hold.
pub const MAX_ITEMS: usize = 4096;

const MAGIC: &[u8; 4] = b"SZKT";
/// The transaction version this build writes.
pub const VERSION: u8 = 1;

/// One spent note.
#[derive(Clone, Debug, PartialEq)]
pub struct SpendDescription {
    /// Root of the note commitment tree the note is proven in.
    pub anchor: Fr,
    /// The note's nullifier.
    pub nullifier: Fr,
    /// Value commitment.
    pub cv: EdwardsAffine,
    /// Re-randomized authorization key.
    pub rk: EdwardsAffine,
    /// Spend proof.
    pub proof: Proof<Bls12_381>,
    /// Signature under `rk` over the signature hash.
    pub auth_sig: Signature,
}

impl SpendDescription {
    /// The public inputs of its proof.
    pub fn public_inputs(&self) -> SpendPublicInputs {
        SpendPublicInputs {
            anchor: self.anchor,
            nullifier: self.nullifier,
            cv: self.cv,
            rk: self.rk,
        }
    }
}

/// One new note.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputDescription {
    /// Note commitment.
    pub cm: Fr,
    /// Value commitment.
    pub cv: EdwardsAffine,
    /// Ephemeral public key for note decryption.
    pub epk: [u8; 32],
    /// The note, encrypted to the recipient.
    pub enc_ciphertext: Vec<u8>,
    /// What lets the sender recover the note later.
    pub out_ciphertext: [u8; OUT_CIPHERTEXT_LEN],
    /// Output proof.
    pub proof: Proof<Bls12_381>,
}

impl OutputDescription {
    /// The public inputs of its proof.
    pub fn public_inputs(&self) -> OutputPublicInputs {
        OutputPublicInputs {
            cm: self.cm,
            cv: self.cv,
        }
    }
}

/// A ticket registered (issued) by a transaction: its category and its asset
/// id, the hash of category and ticket id. One unit of the ticket enters the
/// shielded pool; the chain refuses a second issuance of the same asset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketIssuance {
    /// The ticket's category.
    pub category: String,
    /// The ticket's asset id.
    pub asset: AssetId,
}

/// A shielded transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    /// Fingerprint of the Spend verifying key the proofs were made for.
    pub spend_vk: Fingerprint,
    /// Fingerprint of the Output verifying key.
    pub output_vk: Fingerprint,
    /// Fingerprint of the package Spend verifying key.
    pub package_spend_vk: Fingerprint,
    /// Fingerprint of the package Output verifying key.
    pub package_output_vk: Fingerprint,
    /// Spent notes.
    pub spends: Vec<SpendDescription>,
    /// New notes.
    pub outputs: Vec<OutputDescription>,
    /// Spent packages.
    pub package_spends: Vec<SpendDescription>,
    /// New packages (their ciphertexts carry the package key).
    pub package_outputs: Vec<OutputDescription>,
    /// Net public value leaving the pool per asset (negative: entering it).
    pub balances: Vec<(AssetId, i64)>,
    /// Tickets issued: one unit of each enters the pool.
    pub issuances: Vec<TicketIssuance>,
    /// Tickets redeemed (burnt), revealed in full: one unit of each leaves
    /// the pool.
    pub redemptions: Vec<Ticket>,
    /// Fee in the native asset, paid to the block producer.
    pub fee: u64,
    /// Binding signature over the signature hash.
    pub binding_sig: Signature,
}

impl Transaction {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode(true)
    }

    /// The hash every signature signs.
    pub fn sighash(&self) -> [u8; 32] {
        let mut h = Blake2b::<U32>::new();
        h.update(b"SuperZK_TxSigHash");
        h.update(self.encode(false));
        h.finalize().into()
    }

    /// Transaction id: hash of the canonical bytes, signatures included.
    pub fn id(&self) -> [u8; 32] {
        let mut h = Blake2b::<U32>::new();
        h.update(b"SuperZK_TxId");
        h.update(self.to_bytes());
        h.finalize().into()
    }

    /// Every spend, plain notes first, then packages.
    pub fn all_spends(&self) -> impl Iterator<Item = &SpendDescription> + '_ {
        self.spends.iter().chain(&self.package_spends)
    }

    /// Every output, plain notes first, then packages: the order in which
    /// their commitments enter the tree.
    pub fn all_outputs(&self) -> impl Iterator<Item = &OutputDescription> + '_ {
        self.outputs.iter().chain(&self.package_outputs)
    }

    /// Every output in [`Self::all_outputs`] order, as a disclosure names
    /// and checks them (`superzk_keys::disclosure`).
    pub fn disclosure_outputs(&self) -> Vec<superzk_keys::disclosure::TxOutput<'_>> {
        use superzk_keys::disclosure::{OutputKind, TxOutput};
        self.all_outputs()
            .enumerate()
            .map(|(i, o)| TxOutput {
                kind: if i < self.outputs.len() {
                    OutputKind::Note
                } else {
                    OutputKind::Package
                },
                cm: o.cm,
                cv: encode_point(&o.cv),
                epk: o.epk,
                ciphertext: &o.enc_ciphertext,
                out_ciphertext: &o.out_ciphertext,
            })
            .collect()
    }

    /// Nullifiers this transaction reveals.
    pub fn nullifiers(&self) -> impl Iterator<Item = Fr> + '_ {
        self.all_spends().map(|s| s.nullifier)
    }

    fn encode(&self, with_sigs: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            80 + self.spends.len() * 384 + self.outputs.len() * 564 + self.balances.len() * 40,
        );
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        for vk in [
            self.spend_vk,
            self.output_vk,
            self.package_spend_vk,
            self.package_output_vk,
        ] {
            out.extend_from_slice(&vk.0);
        }
        write_spends(&mut out, &self.spends, with_sigs);
        write_outputs(&mut out, &self.outputs);
        write_spends(&mut out, &self.package_spends, with_sigs);
        write_outputs(&mut out, &self.package_outputs);
        out.extend_from_slice(&(self.balances.len() as u16).to_le_bytes());
        for (asset, amount) in &self.balances {
            out.extend_from_slice(&encode_field(&asset.0));
            out.extend_from_slice(&amount.to_le_bytes());
        }
        out.extend_from_slice(&(self.issuances.len() as u16).to_le_bytes());
        for i in &self.issuances {
            write_category(&mut out, &i.category);
            out.extend_from_slice(&encode_field(&i.asset.0));
        }
        out.extend_from_slice(&(self.redemptions.len() as u16).to_le_bytes());
        for t in &self.redemptions {
            write_category(&mut out, &t.category);
            out.extend_from_slice(&t.id);
        }
        out.extend_from_slice(&self.fee.to_le_bytes());
        out.extend_from_slice(&signature_bytes(&self.binding_sig, with_sigs));
        out
    }

    /// Parses canonical bytes. Any input gives a transaction or a
    /// [`DecodeError`]; every point and proof is validated.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader { bytes };
        if r.take(4, "magic")? != MAGIC {
            return Err(DecodeError::BadMagic);
        }
        let version = r.take(1, "version")?[0];
        if version != VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let spend_vk = Fingerprint(r.array("spend key fingerprint")?);
        let output_vk = Fingerprint(r.array("output key fingerprint")?);
        let package_spend_vk = Fingerprint(r.array("package spend key fingerprint")?);
        let package_output_vk = Fingerprint(r.array("package output key fingerprint")?);
        let spends = r.spends()?;
        let outputs = r.outputs(ENC_CIPHERTEXT_LEN)?;
        let package_spends = r.spends()?;
        let package_outputs = r.outputs(PACKAGE_ENC_CIPHERTEXT_LEN)?;
        let n = r.count("balance entries")?;
        let mut balances: Vec<(AssetId, i64)> = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let asset = AssetId(r.field("asset id")?);
            let amount = i64::from_le_bytes(r.array("amount")?);
            if amount == 0
                || balances
                    .last()
                    .is_some_and(|(prev, _)| encode_field(&prev.0) >= encode_field(&asset.0))
            {
                return Err(DecodeError::NonCanonicalBalance);
            }
            balances.push((asset, amount));
        }
        let n = r.count("issuances")?;
        let mut issuances = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            issuances.push(TicketIssuance {
                category: r.category()?,
                asset: AssetId(r.field("ticket asset")?),
            });
        }
        let n = r.count("redemptions")?;
        let mut redemptions = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            redemptions.push(Ticket {
                category: r.category()?,
                id: r.array("ticket id")?,
            });
        }
        let fee = u64::from_le_bytes(r.array("fee")?);
        let binding_sig = Signature::from_bytes(&r.array("binding signature")?);
        if !r.bytes.is_empty() {
            return Err(DecodeError::TrailingBytes(r.bytes.len()));
        }
        Ok(Self {
            spend_vk,
            output_vk,
            package_spend_vk,
            package_output_vk,
            spends,
            outputs,
            package_spends,
            package_outputs,
            balances,
            issuances,
            redemptions,
            fee,
            binding_sig,
        })
    }
}

/// Sorts and merges public amounts into the canonical balance list.
pub fn canonical_balances(
    entries: impl IntoIterator<Item = (AssetId, i128)>,
) -> Result<Vec<(AssetId, i64)>, DecodeError> {
    let mut map = std::collections::BTreeMap::<[u8; 32], (AssetId, i128)>::new();
    for (asset, amount) in entries {
        map.entry(encode_field(&asset.0)).or_insert((asset, 0)).1 += amount;
    }
    map.into_values()
        .filter(|(_, a)| *a != 0)
        .map(|(asset, a)| {
            i64::try_from(a)
                .map(|a| (asset, a))
                .map_err(|_| DecodeError::NonCanonicalBalance)
        })
        .collect()
}

fn signature_bytes(sig: &Signature, with_sigs: bool) -> [u8; 64] {
    if with_sigs {
        sig.to_bytes()
    } else {
        [0u8; 64]
    }
}

fn write_spends(out: &mut Vec<u8>, spends: &[SpendDescription], with_sigs: bool) {
    out.extend_from_slice(&(spends.len() as u16).to_le_bytes());
    for s in spends {
        out.extend_from_slice(&encode_field(&s.anchor));
        out.extend_from_slice(&encode_field(&s.nullifier));
        out.extend_from_slice(&encode_point(&s.cv));
        out.extend_from_slice(&encode_point(&s.rk));
        out.extend_from_slice(&proof_bytes(&s.proof));
        out.extend_from_slice(&signature_bytes(&s.auth_sig, with_sigs));
    }
}

fn write_outputs(out: &mut Vec<u8>, outputs: &[OutputDescription]) {
    out.extend_from_slice(&(outputs.len() as u16).to_le_bytes());
    for o in outputs {
        out.extend_from_slice(&encode_field(&o.cm));
        out.extend_from_slice(&encode_point(&o.cv));
        out.extend_from_slice(&o.epk);
        out.extend_from_slice(&o.enc_ciphertext);
        out.extend_from_slice(&o.out_ciphertext);
        out.extend_from_slice(&proof_bytes(&o.proof));
    }
}

/// Writes a category as length and bytes. Categories are at most 32 bytes
/// (checked where tickets are made); a longer one is cut to keep the encoding
/// decodable, and then no longer matches its ticket.
fn write_category(out: &mut Vec<u8>, category: &str) {
    let bytes = &category.as_bytes()[..category.len().min(MAX_NAME_LEN)];
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
}

fn proof_bytes(proof: &Proof<Bls12_381>) -> [u8; PROOF_LEN] {
    let mut out = [0u8; PROOF_LEN];
    proof
        .serialize_compressed(&mut out[..])
        .expect("a proof is 192 bytes");
    out
}

/// Decodes a compressed Groth16 proof, checking its points.
pub fn decode_proof(bytes: &[u8]) -> Result<Proof<Bls12_381>, DecodeError> {
    if bytes.len() != PROOF_LEN {
        return Err(DecodeError::Truncated {
            what: "proof",
            needed: PROOF_LEN.saturating_sub(bytes.len()),
        });
    }
    Proof::deserialize_compressed(bytes).map_err(|_| DecodeError::InvalidEncoding("proof"))
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.bytes.len() < n {
            return Err(DecodeError::Truncated {
                what,
                needed: n - self.bytes.len(),
            });
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        Ok(self.take(N, what)?.try_into().expect("took N bytes"))
    }

    fn count(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let n = u16::from_le_bytes(self.array(what)?) as usize;
        if n > MAX_ITEMS {
            return Err(DecodeError::TooMany {
                what,
                got: n,
                max: MAX_ITEMS,
            });
        }
        Ok(n)
    }

    fn field(&mut self, what: &'static str) -> Result<Fr, DecodeError> {
        superzk_keys::spending_key::decode_field(self.take(32, what)?, what)
            .map_err(|_| DecodeError::InvalidEncoding(what))
    }

    fn point(&mut self, what: &'static str) -> Result<EdwardsAffine, DecodeError> {
        superzk_keys::spending_key::decode_point(self.take(32, what)?, what)
            .map_err(|_| DecodeError::InvalidEncoding(what))
    }

    fn spends(&mut self) -> Result<Vec<SpendDescription>, DecodeError> {
        let n = self.count("spends")?;
        let mut spends = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            spends.push(SpendDescription {
                anchor: self.field("anchor")?,
                nullifier: self.field("nullifier")?,
                cv: self.point("value commitment")?,
                rk: self.point("authorization key")?,
                proof: self.proof()?,
                auth_sig: Signature::from_bytes(&self.array("authorization signature")?),
            });
        }
        Ok(spends)
    }

    fn outputs(&mut self, ciphertext_len: usize) -> Result<Vec<OutputDescription>, DecodeError> {
        let n = self.count("outputs")?;
        let mut outputs = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            outputs.push(OutputDescription {
                cm: self.field("note commitment")?,
                cv: self.point("value commitment")?,
                epk: self.array("ephemeral key")?,
                enc_ciphertext: self.take(ciphertext_len, "note ciphertext")?.to_vec(),
                out_ciphertext: self.array("out-ciphertext")?,
                proof: self.proof()?,
            });
        }
        Ok(outputs)
    }

    fn category(&mut self) -> Result<String, DecodeError> {
        let len = self.take(1, "category length")?[0] as usize;
        if len == 0 || len > MAX_NAME_LEN {
            return Err(DecodeError::InvalidEncoding("ticket category"));
        }
        let bytes = self.take(len, "ticket category")?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| DecodeError::InvalidEncoding("ticket category"))
    }

    fn proof(&mut self) -> Result<Proof<Bls12_381>, DecodeError> {
        decode_proof(self.take(PROOF_LEN, "proof")?)
    }
}
