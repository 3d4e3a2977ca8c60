//! The transaction format and its canonical bytes.
//!
//! ```text
//! transaction = "SZKT" || version (2) || chain_id (32) || expiry_height (u64)
//!               || account_flag (u8: 0 or 1) [|| public_account (32)]
//!               || spend_vk (32) || output_vk (32)
//!               || package_spend_vk (32) || package_output_vk (32)
//!               || n_spends (u16) || spend*  || n_outputs (u16) || output*
//!               || n_package_spends (u16) || spend* || n_package_outputs (u16) || package_output*
//!               || n_balances (u16) || (asset (32) || amount (i64))*
//!               || n_issuances (u16) || (category || serial (32))*
//!               || n_redemptions (u16) || (category || ticket id (32))*
//!               || fee (u64) || binding_sig (64)
//! category    = length (u8, 1..=32) || UTF-8 bytes
//! spend       = anchor (32) || nf (32) || cv (32) || rk (32) || proof (192) || auth_sig (64)
//! output      = cm (32) || cv (32) || epk (32) || enc_ciphertext (742)
//!               || out_ciphertext (80) || proof (192)
//! package_output = as output, with a 1,092-byte enc_ciphertext
//! ```
//! Integers are little-endian; field elements canonical little-endian;
//! Jubjub points compressed (ark-serialize); proofs compressed Groth16
//! (A in G1, B in G2, C in G1). Every point is checked on decoding.
//!
//! The balance lists the net public value leaving the shielded pool per asset
//! (negative: value entering it), sorted by asset bytes, each asset once, no
//! zero amounts; the fee leaves the pool in the native asset on top of it.
//!
//! `chain_id` is the genesis block hash of the chain the transaction is for
//! (all zeros: bound to no chain); `expiry_height` the last block height at
//! which it may be included (0: never expires). `public_account` is the
//! transparent account that pays the value entering the pool, receives the
//! value leaving it, and issues the tickets of the issuances; a transaction
//! names one exactly when it has a public balance entry or an issuance
//! (checked by `verify::check_without_proofs`). An issuance
//! `(category, serial)` issues [`Ticket::issued`]`(public_account, category,
//! serial)`.
//!
//! The signature hash is `Blake2b-256("SuperZK_TxSigHash", bytes)` over the
//! canonical bytes with every signature field replaced by zeros: it commits to
//! all proofs, the chain, the expiry and the public account, so no part of a
//! transaction can be moved into another, replayed on another chain, or
//! credited to another account.

use ark_bls12_381::Bls12_381;
use ark_ed_on_bls12_381::EdwardsAffine;
use ark_groth16::Proof;
use ark_serialize::CanonicalSerialize;
use blake2::{digest::consts::U32, Blake2b, Digest};
use superzk_circuits::{
    asset::{AssetInfoError, Ticket, MAX_NAME_LEN},
    note::AssetId,
    output::OutputPublicInputs,
    spend::SpendPublicInputs,
    Fr,
};
use superzk_keys::{
    params::Fingerprint,
    signature::Signature,
    spending_key::{decode_point_bound_by_proof, encode_field, encode_point},
};

use crate::{
    curve::{decode_g1, decode_g2, G1_LEN, G2_LEN},
    error::DecodeError,
};

/// Length of a note ciphertext: the 726-byte plaintext and a 16-byte tag.
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
/// The transaction version this build writes (and the only one it reads).
pub const VERSION: u8 = 2;

/// A transparent account id, as the chain names accounts.
pub type AccountId = [u8; 32];

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

/// A ticket registered (issued) by a transaction: its category and a serial
/// the issuer chose. The ticket is [`Ticket::issued`]`(issuer, category,
/// serial)`, the issuer being the transaction's public account, so the
/// record can only name a ticket of that issuer. One unit of the ticket
/// enters the shielded pool; the chain refuses a second issuance of the same
/// ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketIssuance {
    /// The ticket's category (1 to 32 bytes).
    pub category: String,
    /// The serial the issuer gives the ticket within its category.
    pub serial: [u8; 32],
}

impl TicketIssuance {
    /// The ticket this record issues when `issuer` issues it.
    pub fn ticket(&self, issuer: &AccountId) -> Result<Ticket, AssetInfoError> {
        Ticket::issued(issuer, &self.category, &self.serial)
    }
}

/// A shielded transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    /// Genesis block hash of the chain the transaction is for; all zeros
    /// binds it to no chain (a chain refuses that).
    pub chain_id: [u8; 32],
    /// The last block height at which the transaction may be included; 0
    /// means it never expires.
    pub expiry_height: u64,
    /// The transparent account that pays public value entering the pool,
    /// receives public value leaving it, and issues the tickets of
    /// [`Self::issuances`]. Present exactly when the transaction has a
    /// public balance entry or an issuance.
    pub public_account: Option<AccountId>,
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
    /// Tickets issued by [`Self::public_account`]: one unit of each enters
    /// the pool.
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

    /// Whether the transaction moves public value or issues tickets: then,
    /// and only then, it must name a [`Self::public_account`].
    pub fn needs_public_account(&self) -> bool {
        !self.balances.is_empty() || !self.issuances.is_empty()
    }

    /// Whether the transaction may no longer be included in a block at
    /// `height` (`expiry_height` is nonzero and below `height`).
    pub fn is_expired_at(&self, height: u64) -> bool {
        self.expiry_height != 0 && height > self.expiry_height
    }

    /// The tickets the issuances create, in order, each with the index of
    /// its issuance. Without a public account there is no issuer and the
    /// list is empty (such a transaction is refused); an issuance whose
    /// category is invalid is left out (it cannot be encoded canonically,
    /// and verification refuses it).
    pub fn issued_tickets(&self) -> Vec<(usize, Ticket)> {
        let Some(issuer) = &self.public_account else {
            return vec![];
        };
        self.issuances
            .iter()
            .enumerate()
            .filter_map(|(i, issuance)| issuance.ticket(issuer).ok().map(|t| (i, t)))
            .collect()
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
            160 + self.spends.len() * 384 + self.outputs.len() * 564 + self.balances.len() * 40,
        );
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.chain_id);
        out.extend_from_slice(&self.expiry_height.to_le_bytes());
        match &self.public_account {
            None => out.push(0),
            Some(account) => {
                out.push(1);
                out.extend_from_slice(account);
            }
        }
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
            out.extend_from_slice(&i.serial);
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
        let chain_id = r.array("chain id")?;
        let expiry_height = u64::from_le_bytes(r.array("expiry height")?);
        let public_account = match r.take(1, "public account flag")?[0] {
            0 => None,
            1 => Some(r.array("public account")?),
            flag => {
                return Err(DecodeError::BadFlag {
                    what: "public account",
                    found: flag,
                })
            }
        };
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
                serial: r.array("ticket serial")?,
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
            chain_id,
            expiry_height,
            public_account,
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

/// Decodes a compressed Groth16 proof (`A || B || C`, as ark-serialize
/// writes it), checking that each point is canonically encoded, on its curve
/// and in its prime-order subgroup (on `blst` natively: see [`crate::curve`]);
/// it accepts exactly what `Proof::deserialize_compressed` accepts.
pub fn decode_proof(bytes: &[u8]) -> Result<Proof<Bls12_381>, DecodeError> {
    if bytes.len() != PROOF_LEN {
        return Err(DecodeError::Truncated {
            what: "proof",
            needed: PROOF_LEN.saturating_sub(bytes.len()),
        });
    }
    let (a, rest) = bytes.split_at(G1_LEN);
    let (b, c) = rest.split_at(G2_LEN);
    match (decode_g1(a), decode_g2(b), decode_g1(c)) {
        (Some(a), Some(b), Some(c)) => Ok(Proof { a, b, c }),
        _ => Err(DecodeError::InvalidEncoding("proof")),
    }
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

    /// A `cv` or `rk`: every point of the format is one, and each is a
    /// public input of the description's proof, whose circuit puts it in the
    /// prime-order subgroup; the transaction is valid only if that proof
    /// verifies, so the decoder leaves the prime-order check to it (see
    /// [`decode_point_bound_by_proof`]) and refuses non-canonical, off-curve
    /// and small-order encodings itself.
    fn point(&mut self, what: &'static str) -> Result<EdwardsAffine, DecodeError> {
        decode_point_bound_by_proof(self.take(32, what)?, what)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A transaction without actions: it does not verify, but it exercises
    /// every header field of the format without proofs or points.
    fn bare(public_account: Option<AccountId>) -> Transaction {
        Transaction {
            chain_id: [0xc1; 32],
            expiry_height: 0x0102_0304_0506_0708,
            public_account,
            spend_vk: Fingerprint([1; 32]),
            output_vk: Fingerprint([2; 32]),
            package_spend_vk: Fingerprint([3; 32]),
            package_output_vk: Fingerprint([4; 32]),
            spends: vec![],
            outputs: vec![],
            package_spends: vec![],
            package_outputs: vec![],
            balances: vec![(AssetId::native(), -5)],
            issuances: vec![TicketIssuance {
                category: "concert-2026".into(),
                serial: [9; 32],
            }],
            redemptions: vec![],
            fee: 3,
            binding_sig: Signature::from_bytes(&[0; 64]),
        }
    }

    /// Offset of the account flag: magic, version, chain id, expiry.
    const FLAG: usize = 4 + 1 + 32 + 8;

    #[test]
    fn header_fields_have_their_documented_places_and_round_trip() {
        for account in [None, Some([0xa5; 32])] {
            let tx = bare(account);
            let bytes = tx.to_bytes();
            assert_eq!(&bytes[..4], b"SZKT");
            assert_eq!(bytes[4], 2);
            assert_eq!(&bytes[5..37], &[0xc1; 32]);
            assert_eq!(&bytes[37..45], &0x0102_0304_0506_0708u64.to_le_bytes());
            assert_eq!(bytes[FLAG], u8::from(account.is_some()));
            let vk_at = match account {
                Some(a) => {
                    assert_eq!(&bytes[FLAG + 1..FLAG + 33], &a);
                    FLAG + 33
                }
                None => FLAG + 1,
            };
            assert_eq!(&bytes[vk_at..vk_at + 32], &[1; 32]);
            assert_eq!(Transaction::from_bytes(&bytes), Ok(tx.clone()));
            // The issuance is its category and serial, nothing else.
            let tail = 2 + 1 + 12 + 32 + 2 + 8 + 64;
            assert_eq!(&bytes[bytes.len() - tail + 2 + 1..][..12], b"concert-2026");
            assert_eq!(&bytes[bytes.len() - tail + 15..][..32], &[9; 32]);
        }
    }

    #[test]
    fn the_sighash_covers_chain_expiry_and_account() {
        let tx = bare(Some([0xa5; 32]));
        let variants: [&dyn Fn(&mut Transaction); 5] = [
            &|t| t.chain_id[31] ^= 1,
            &|t| t.expiry_height += 1,
            &|t| t.public_account = Some([0xa6; 32]),
            &|t| t.public_account = None,
            &|t| t.issuances[0].serial[0] ^= 1,
        ];
        for change in variants {
            let mut other = tx.clone();
            change(&mut other);
            assert_ne!(other.sighash(), tx.sighash());
        }
        // Signatures are not covered (they sign it).
        let mut signed = tx.clone();
        signed.binding_sig = Signature::from_bytes(&[7; 64]);
        assert_eq!(signed.sighash(), tx.sighash());
        assert_ne!(signed.id(), tx.id());
    }

    #[test]
    fn bad_header_bytes_give_typed_errors() {
        let bytes = bare(Some([0xa5; 32])).to_bytes();
        for flag in [2u8, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[FLAG] = flag;
            assert_eq!(
                Transaction::from_bytes(&b),
                Err(DecodeError::BadFlag {
                    what: "public account",
                    found: flag
                })
            );
        }
        let cut = |n: usize| Transaction::from_bytes(&bytes[..n]);
        assert_eq!(
            cut(5),
            Err(DecodeError::Truncated {
                what: "chain id",
                needed: 32
            })
        );
        assert_eq!(
            cut(40),
            Err(DecodeError::Truncated {
                what: "expiry height",
                needed: 5
            })
        );
        assert_eq!(
            cut(FLAG),
            Err(DecodeError::Truncated {
                what: "public account flag",
                needed: 1
            })
        );
        assert_eq!(
            cut(FLAG + 10),
            Err(DecodeError::Truncated {
                what: "public account",
                needed: 23
            })
        );
        for n in 0..bytes.len() {
            assert!(cut(n).is_err(), "{n} bytes decode");
        }
        // Version 1 bytes are refused, not misread.
        let mut v1 = bytes.clone();
        v1[4] = 1;
        assert_eq!(
            Transaction::from_bytes(&v1),
            Err(DecodeError::UnsupportedVersion(1))
        );
        // A flag of 0 followed by what was the account: the account's bytes
        // are then read as fingerprints and the rest no longer fits.
        let mut b = bytes.clone();
        b[FLAG] = 0;
        assert!(Transaction::from_bytes(&b).is_err());
        // Random corruption of the header never panics.
        let mut state = 3u64;
        for _ in 0..3000 {
            let mut b = bytes.clone();
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = 4 + (state >> 33) as usize % (FLAG + 33);
            b[at] = (state >> 17) as u8;
            if let Ok(t) = Transaction::from_bytes(&b) {
                assert_eq!(t.to_bytes(), b, "whatever decodes is canonical");
            }
        }
    }

    #[test]
    fn issuance_tickets_come_from_the_public_account() {
        let tx = bare(Some([0xa5; 32]));
        let issued = tx.issued_tickets();
        assert_eq!(
            issued,
            vec![(
                0,
                Ticket::issued(&[0xa5; 32], "concert-2026", &[9; 32]).unwrap()
            )]
        );
        let mut other = tx.clone();
        other.public_account = Some([0xb6; 32]);
        assert_ne!(other.issued_tickets()[0].1.asset(), issued[0].1.asset());
        assert!(bare(None).issued_tickets().is_empty());
        assert!(tx.needs_public_account());
        assert!(!tx.is_expired_at(0x0102_0304_0506_0708));
        assert!(tx.is_expired_at(0x0102_0304_0506_0709));
        let mut forever = tx;
        forever.expiry_height = 0;
        assert!(!forever.is_expired_at(u64::MAX));
    }
}
