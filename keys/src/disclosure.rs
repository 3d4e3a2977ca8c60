//! Audit disclosures: a user shows an auditor one output (or every output of
//! one transaction that its key sees) and nothing else.
//!
//! An output's note key is `K = Blake2b-256("SuperZK_NoteKDF_", S ‖ epk)`
//! where `S` is the shared secret of the note encryption (see
//! [`crate::encryption`]): with `B_d` the diversified base of the recipient's
//! address, `pk_d = [ivk_enc] B_d` its transmission key and `epk = [esk] B_d`
//! the output's ephemeral key,
//!
//! ```text
//! S = [ivk_enc] epk = [esk] pk_d = [ivk_enc · esk] B_d.
//! ```
//!
//! A disclosure hands over `S` for one output together with a Chaum–Pedersen
//! proof (a DLEQ proof, made non-interactive with a `merlin` transcript) that
//! `S` is that Diffie–Hellman value:
//!
//! * **received** (made by the recipient with its incoming viewing key):
//!   `log_{B_d}(pk_d) = log_{epk}(S)`, the common logarithm being `ivk_enc`;
//! * **sent** (made by the sender with its outgoing viewing key, which
//!   recovers `esk`): `log_{B_d}(epk) = log_{pk_d}(S)`, the logarithm `esk`.
//!
//! Either proof shows that `S = CDH_{B_d}(pk_d, epk)`, so the note key is the
//! real one; the received form also shows that its maker holds the secret key
//! of the address `(d, owner, pk_d)` it names. The transcript binds the
//! transaction id, the output's index, its kind, its note commitment and the
//! address, so a disclosure cannot be moved to another output or transaction.
//!
//! The auditor, holding the disclosure and the transaction, decrypts that one
//! output and checks the note against the address and the on-chain
//! commitment. Nothing else leaks: the proof is zero-knowledge (it reveals
//! nothing about `ivk_enc` or `esk` beyond the statement), and `S` is
//! `[ivk_enc] epk` for this `epk` only — computing it for another output's
//! `epk'` from `B_d`, `pk_d`, `epk` and `S` is the computational
//! Diffie–Hellman problem on ristretto255. To keep the owner from becoming a
//! Diffie–Hellman oracle on points an auditor picks, a disclosure is only made
//! for outputs that really decrypt to a note of the key.
//!
//! Byte format (all integers little-endian):
//!
//! ```text
//! disclosure = "SZKD" ‖ version = 1 ‖ role (1 received, 2 sent) ‖ tx id (32)
//!              ‖ n (u16, ≥ 1) ‖ entry × n        (entries by increasing index)
//! entry      = output index (u32) ‖ kind (1 note, 2 package) ‖ address (75)
//!              ‖ S (32, compressed ristretto255) ‖ c (32) ‖ z (32)
//! ```
//!
//! The output index counts the transaction's plain outputs, then its package
//! outputs (the order in which they enter the tree). `c` and `z` are canonical
//! scalars.

use curve25519_dalek::{
    ristretto::{CompressedRistretto, RistrettoPoint},
    scalar::Scalar,
    traits::{IsIdentity, VartimeMultiscalarMul},
};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use superzk_circuits::{note_kind::NoteKind, Fr};
use zeroize::{Zeroize, Zeroizing};

use crate::{
    address::{PaymentAddress, ADDRESS_LEN},
    encryption::{recover_ephemeral_secret, try_decrypt_with_shared_secret, OUT_CIPHERTEXT_LEN},
    error::KeyError,
    note_plaintext::{decode_package_plaintext, decode_plaintext, DecryptedNote, DecryptedPackage},
    spending_key::{ct_eq_field, encode_field, FullViewingKey, IncomingViewingKey},
};

/// Magic bytes of a disclosure file.
pub const DISCLOSURE_MAGIC: &[u8; 4] = b"SZKD";
/// Version of the disclosure format.
pub const DISCLOSURE_VERSION: u8 = 1;
/// Length of one entry.
pub const ENTRY_LEN: usize = 4 + 1 + ADDRESS_LEN + 32 + 32 + 32;
/// Length of the header before the entries.
pub const HEADER_LEN: usize = 4 + 1 + 1 + 32 + 2;

/// A typed transcript for the disclosure protocol, in the way of
/// `bulletproofs`' `TranscriptProtocol`: every message is labelled, points go
/// in compressed, and challenges come out as scalars from 64 uniform bytes.
pub trait TranscriptProtocol {
    /// Starts a disclosure of `role` (domain separation).
    fn disclosure_domain_sep(&mut self, role: Role);
    /// Starts a DLEQ proof inside the transcript (domain separation).
    fn dleq_domain_sep(&mut self);
    /// Appends a point.
    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto);
    /// Draws a challenge scalar.
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;
}

impl TranscriptProtocol for Transcript {
    fn disclosure_domain_sep(&mut self, role: Role) {
        self.append_message(b"dom-sep", b"SuperZK disclosure v1");
        self.append_u64(b"role", role as u64);
    }

    fn dleq_domain_sep(&mut self) {
        self.append_message(b"dom-sep", b"DLEQ");
    }

    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto) {
        self.append_message(label, point.as_bytes());
    }

    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
}

/// Who made a disclosure, and so which logarithm its proof is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The recipient, with its incoming viewing key: `log_{B_d} pk_d = log_epk S`.
    Received = 1,
    /// The sender, with its outgoing viewing key: `log_{B_d} epk = log_{pk_d} S`.
    Sent = 2,
}

/// What an output holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// A plain note.
    Note = 1,
    /// A package note.
    Package = 2,
}

/// What a transaction shows of one output: all a disclosure is checked against.
#[derive(Clone, Copy, Debug)]
pub struct TxOutput<'a> {
    /// Plain note or package.
    pub kind: OutputKind,
    /// The note commitment.
    pub cm: Fr,
    /// The value commitment, compressed (binds the out-ciphertext).
    pub cv: [u8; 32],
    /// The ephemeral key.
    pub epk: [u8; 32],
    /// The note ciphertext.
    pub ciphertext: &'a [u8],
    /// The out-ciphertext.
    pub out_ciphertext: &'a [u8; OUT_CIPHERTEXT_LEN],
}

/// Which outputs to disclose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// The output at this index (which must be one the key sees).
    Output(u32),
    /// Every output of the transaction the key sees.
    AllVisible,
}

/// Why a disclosure could not be made, read or accepted.
#[derive(Debug, thiserror::Error)]
pub enum DisclosureError {
    /// The bytes end before the format says they should.
    #[error(
        "the disclosure is truncated: {needed} bytes needed, {got} present; copy the whole file"
    )]
    Truncated {
        /// Bytes the format needs.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// Bytes after the last entry.
    #[error("{0} unexpected bytes after the last entry of the disclosure")]
    TrailingBytes(usize),
    /// Not a disclosure at all.
    #[error("not a SuperZK disclosure (the file does not start with \"SZKD\")")]
    BadMagic,
    /// A version this code does not read.
    #[error("disclosure format version {0} is not supported (this build reads version 1); upgrade superzk")]
    UnsupportedVersion(u8),
    /// A role byte other than 1 or 2.
    #[error("unknown disclosure role {0} (1 received, 2 sent)")]
    UnknownRole(u8),
    /// A kind byte other than 1 or 2.
    #[error("entry for output {index}: unknown output kind {kind} (1 note, 2 package)")]
    UnknownOutputKind {
        /// The output.
        index: u32,
        /// The byte found.
        kind: u8,
    },
    /// No entries.
    #[error("the disclosure discloses no output")]
    Empty,
    /// Entries not in strictly increasing order of output index.
    #[error("entries must name distinct outputs in increasing order; output {0} is out of order or repeated")]
    EntriesOutOfOrder(u32),
    /// The address in an entry does not decode.
    #[error("entry for output {index}: bad address: {source}")]
    BadAddress {
        /// The output.
        index: u32,
        /// Why.
        source: KeyError,
    },
    /// `S` is not a valid non-identity point, or `c`/`z` not canonical scalars.
    #[error("entry for output {index}: {what} is not a valid encoding")]
    BadEncoding {
        /// The output.
        index: u32,
        /// Which field.
        what: &'static str,
    },
    /// The disclosure names another transaction than the one given.
    #[error("the disclosure is for transaction {expected}, not for the transaction given ({got})")]
    WrongTransaction {
        /// The id the disclosure names (hex).
        expected: String,
        /// The id of the transaction given (hex).
        got: String,
    },
    /// The transaction has no output at that index.
    #[error("the transaction has no output {index} (it has {count})")]
    NoSuchOutput {
        /// The index named.
        index: u32,
        /// Outputs the transaction has.
        count: usize,
    },
    /// The entry's kind is not the output's kind.
    #[error("output {index} is not of the kind the disclosure says")]
    KindMismatch {
        /// The output.
        index: u32,
    },
    /// The DLEQ proof does not verify: a forged or altered disclosure.
    #[error("output {index}: the proof that the shared secret belongs to the address does not verify (forged or altered disclosure)")]
    ProofInvalid {
        /// The output.
        index: u32,
    },
    /// The proven shared secret does not open the output's ciphertext.
    #[error("output {index}: the disclosed secret does not decrypt the output")]
    DoesNotDecrypt {
        /// The output.
        index: u32,
    },
    /// The decrypted note does not match the address or the commitment.
    #[error("output {index}: the decrypted note does not match {what}")]
    NoteMismatch {
        /// The output.
        index: u32,
        /// What it does not match.
        what: &'static str,
    },
    /// The key cannot see the chosen output, so it cannot disclose it.
    #[error("output {index} is not one this key received (or sent, for a sent disclosure); nothing to disclose")]
    NotVisible {
        /// The output.
        index: u32,
    },
    /// No output of the transaction is visible to the key.
    #[error("no output of this transaction is visible to this key; nothing to disclose")]
    NothingVisible,
    /// More entries than the format can hold.
    #[error("a disclosure holds at most 65535 outputs")]
    TooManyEntries,
}

/// A Chaum–Pedersen proof that `log_G P = log_H Q`, as `(c, z)`: the
/// verifier recomputes `A_1 = [z] G − [c] P`, `A_2 = [z] H − [c] Q` and
/// checks that the transcript's challenge after `G, P, H, Q, A_1, A_2` is `c`.
#[derive(Clone, Copy, PartialEq, Eq)]
struct DleqProof {
    c: Scalar,
    z: Scalar,
}

/// The four points of a DLEQ statement `log_G P = log_H Q`.
struct Statement {
    g: RistrettoPoint,
    p: RistrettoPoint,
    h: RistrettoPoint,
    q: RistrettoPoint,
}

impl Statement {
    fn append_to(&self, t: &mut Transcript) {
        t.dleq_domain_sep();
        t.append_point(b"G", &self.g.compress());
        t.append_point(b"P", &self.p.compress());
        t.append_point(b"H", &self.h.compress());
        t.append_point(b"Q", &self.q.compress());
    }
}

impl DleqProof {
    /// Proves knowledge of `x` with `P = [x] G` and `Q = [x] H`. The nonce is
    /// drawn from the transcript rekeyed with the witness and `rng`, so a
    /// weak `rng` alone cannot leak `x`.
    fn prove<R: RngCore + CryptoRng + ?Sized>(
        t: &mut Transcript,
        x: &Scalar,
        statement: &Statement,
        rng: &mut R,
    ) -> Self {
        statement.append_to(t);
        let mut nonce_rng = t
            .build_rng()
            .rekey_with_witness_bytes(b"x", x.as_bytes())
            .finalize(&mut &mut *rng);
        let mut wide = Zeroizing::new([0u8; 64]);
        nonce_rng.fill_bytes(&mut wide[..]);
        let k = Zeroizing::new(Scalar::from_bytes_mod_order_wide(&wide));
        t.append_point(b"A1", &(*k * statement.g).compress());
        t.append_point(b"A2", &(*k * statement.h).compress());
        let c = t.challenge_scalar(b"c");
        Self { c, z: *k + c * x }
    }

    fn verify(&self, t: &mut Transcript, statement: &Statement) -> bool {
        statement.append_to(t);
        let a1 =
            RistrettoPoint::vartime_multiscalar_mul([self.z, -self.c], [statement.g, statement.p]);
        let a2 =
            RistrettoPoint::vartime_multiscalar_mul([self.z, -self.c], [statement.h, statement.q]);
        t.append_point(b"A1", &a1.compress());
        t.append_point(b"A2", &a2.compress());
        t.challenge_scalar(b"c").ct_eq(&self.c).into()
    }
}

/// The disclosure of one output.
#[derive(Clone)]
pub struct DisclosureEntry {
    /// The output's index in the transaction (plain outputs, then packages).
    pub index: u32,
    /// What the output holds.
    pub kind: OutputKind,
    /// The address the output was sent to.
    pub address: PaymentAddress,
    shared: RistrettoPoint,
    proof: DleqProof,
}

impl Drop for DisclosureEntry {
    fn drop(&mut self) {
        // The shared secret opens the note to whoever holds it: wiped once
        // the disclosure is written or checked.
        self.shared.zeroize();
    }
}

impl std::fmt::Debug for DisclosureEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The shared secret opens the note: shown to nobody by accident.
        f.debug_struct("DisclosureEntry")
            .field("index", &self.index)
            .field("kind", &self.kind)
            .field("address", &self.address.encode())
            .finish_non_exhaustive()
    }
}

/// A disclosure: some outputs of one transaction, made by their recipient or sender.
#[derive(Clone, Debug)]
pub struct Disclosure {
    /// Who made it.
    pub role: Role,
    /// The transaction's id.
    pub tx_id: [u8; 32],
    /// One entry per disclosed output, by increasing index.
    pub entries: Vec<DisclosureEntry>,
}

/// What a disclosed output holds. (A handful exist at a time: the size
/// difference between the variants does not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevealedContent {
    /// A plain note.
    Note(DecryptedNote),
    /// A package, with its key and contents.
    Package(DecryptedPackage),
}

/// One output as a verified disclosure shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revealed {
    /// The output's index.
    pub index: u32,
    /// The address it was sent to.
    pub address: PaymentAddress,
    /// The note or package.
    pub content: RevealedContent,
}

impl RevealedContent {
    fn diversifier_owner_commitment(&self) -> ([u8; 11], Fr, Fr) {
        match self {
            Self::Note(n) => (n.diversifier, n.note.owner, n.note.commitment()),
            Self::Package(p) => (p.diversifier, p.package.owner, p.package.commitment()),
        }
    }
}

/// Decodes a plaintext of `kind`.
fn decode_content(kind: OutputKind, plaintext: &[u8]) -> Option<RevealedContent> {
    match kind {
        OutputKind::Note => decode_plaintext(plaintext).map(RevealedContent::Note),
        OutputKind::Package => decode_package_plaintext(plaintext).map(RevealedContent::Package),
    }
}

/// The transcript of one entry: everything the proof binds before the statement.
fn entry_transcript(
    role: Role,
    tx_id: &[u8; 32],
    index: u32,
    kind: OutputKind,
    cm: &Fr,
    address: &PaymentAddress,
) -> Transcript {
    let mut t = Transcript::new(b"SuperZK audit disclosure");
    t.disclosure_domain_sep(role);
    t.append_message(b"tx-id", tx_id);
    t.append_u64(b"output", u64::from(index));
    t.append_u64(b"kind", kind as u64);
    t.append_message(b"cm", &encode_field(cm));
    t.append_message(b"address", &address.to_bytes());
    t
}

/// The DLEQ statement of `role` for an output to `address` with ephemeral key `epk`.
fn statement(
    role: Role,
    address: &PaymentAddress,
    epk: RistrettoPoint,
    shared: RistrettoPoint,
) -> Statement {
    let (g, pk_d) = (address.base(), address.pk_d());
    match role {
        Role::Received => Statement {
            g,
            p: pk_d,
            h: epk,
            q: shared,
        },
        Role::Sent => Statement {
            g,
            p: epk,
            h: pk_d,
            q: shared,
        },
    }
}

fn decode_ristretto(bytes: &[u8; 32]) -> Option<RistrettoPoint> {
    CompressedRistretto(*bytes)
        .decompress()
        .filter(|p| !p.is_identity())
}

fn canonical_scalar(bytes: &[u8]) -> Option<Scalar> {
    let array: [u8; 32] = bytes.try_into().ok()?;
    Scalar::from_canonical_bytes(array).into()
}

impl Disclosure {
    /// The recipient's disclosure of `selection` among `outputs` (all the
    /// transaction's outputs, plain then packages) of transaction `tx_id`.
    /// Only outputs that decrypt to a valid note of `ivk` can be disclosed.
    pub fn received<R: RngCore + CryptoRng + ?Sized>(
        ivk: &IncomingViewingKey,
        tx_id: [u8; 32],
        outputs: &[TxOutput<'_>],
        selection: Selection,
        rng: &mut R,
    ) -> Result<Self, DisclosureError> {
        let x = ivk.encryption_scalar();
        Self::make(
            Role::Received,
            tx_id,
            outputs,
            selection,
            |o| {
                let content = match o.kind {
                    OutputKind::Note => ivk
                        .decrypt_output(&o.cm, &o.epk, o.ciphertext)
                        .map(RevealedContent::Note),
                    OutputKind::Package => ivk
                        .decrypt_package_output(&o.cm, &o.epk, o.ciphertext)
                        .map(RevealedContent::Package),
                }?;
                let epk = decode_ristretto(&o.epk)?;
                let address = ivk.address_for(content.diversifier_owner_commitment().0);
                Some((address, Zeroizing::new(*x), *x * epk, epk))
            },
            rng,
        )
    }

    /// The sender's disclosure of `selection` (see [`Self::received`]): only
    /// outputs whose out-ciphertext opens with `fvk`'s outgoing viewing key.
    pub fn sent<R: RngCore + CryptoRng + ?Sized>(
        fvk: &FullViewingKey,
        tx_id: [u8; 32],
        outputs: &[TxOutput<'_>],
        selection: Selection,
        rng: &mut R,
    ) -> Result<Self, DisclosureError> {
        let ovk = fvk.ovk();
        Self::make(
            Role::Sent,
            tx_id,
            outputs,
            selection,
            |o| {
                let cm = encode_field(&o.cm);
                let (pk_d, esk) =
                    recover_ephemeral_secret(&ovk, &o.cv, &cm, &o.epk, o.out_ciphertext)?;
                let epk = decode_ristretto(&o.epk)?;
                let shared = esk.scalar() * pk_d;
                let plaintext = Zeroizing::new(try_decrypt_with_shared_secret(
                    &shared,
                    &o.epk,
                    o.ciphertext,
                )?);
                let content = decode_content(o.kind, &plaintext)?;
                let (d, owner, commitment) = content.diversifier_owner_commitment();
                bool::from(ct_eq_field(&commitment, &o.cm)).then_some(())?;
                let address = PaymentAddress::new(d, owner, pk_d);
                Some((address, Zeroizing::new(*esk.scalar()), shared, epk))
            },
            rng,
        )
    }

    /// Makes the entries: `open` gives, for an output the key sees, the
    /// address, the witness `x`, the shared secret and `epk`.
    fn make<R: RngCore + CryptoRng + ?Sized>(
        role: Role,
        tx_id: [u8; 32],
        outputs: &[TxOutput<'_>],
        selection: Selection,
        open: impl Fn(
            &TxOutput<'_>,
        ) -> Option<(
            PaymentAddress,
            Zeroizing<Scalar>,
            RistrettoPoint,
            RistrettoPoint,
        )>,
        rng: &mut R,
    ) -> Result<Self, DisclosureError> {
        let chosen: Vec<u32> = match selection {
            Selection::Output(index) => vec![index],
            Selection::AllVisible => (0..outputs.len())
                .map(|i| u32::try_from(i).map_err(|_| DisclosureError::TooManyEntries))
                .collect::<Result<_, _>>()?,
        };
        let mut entries = vec![];
        for index in chosen {
            let output = outputs
                .get(index as usize)
                .ok_or(DisclosureError::NoSuchOutput {
                    index,
                    count: outputs.len(),
                })?;
            let Some((address, x, shared, epk)) = open(output) else {
                if selection == Selection::AllVisible {
                    continue;
                }
                return Err(DisclosureError::NotVisible { index });
            };
            let mut t = entry_transcript(role, &tx_id, index, output.kind, &output.cm, &address);
            let proof = DleqProof::prove(&mut t, &x, &statement(role, &address, epk, shared), rng);
            entries.push(DisclosureEntry {
                index,
                kind: output.kind,
                address,
                shared,
                proof,
            });
        }
        if entries.is_empty() {
            return Err(DisclosureError::NothingVisible);
        }
        if entries.len() > usize::from(u16::MAX) {
            return Err(DisclosureError::TooManyEntries);
        }
        Ok(Self {
            role,
            tx_id,
            entries,
        })
    }

    /// Checks every entry against transaction `tx_id` with `outputs` (all
    /// its outputs, plain then packages) and returns what they show. Any
    /// failing entry rejects the whole disclosure.
    pub fn verify(
        &self,
        tx_id: &[u8; 32],
        outputs: &[TxOutput<'_>],
    ) -> Result<Vec<Revealed>, DisclosureError> {
        if &self.tx_id != tx_id {
            return Err(DisclosureError::WrongTransaction {
                expected: hex_string(&self.tx_id),
                got: hex_string(tx_id),
            });
        }
        self.entries
            .iter()
            .map(|e| self.verify_entry(e, outputs))
            .collect()
    }

    fn verify_entry(
        &self,
        e: &DisclosureEntry,
        outputs: &[TxOutput<'_>],
    ) -> Result<Revealed, DisclosureError> {
        let index = e.index;
        let output = outputs
            .get(index as usize)
            .ok_or(DisclosureError::NoSuchOutput {
                index,
                count: outputs.len(),
            })?;
        if output.kind != e.kind {
            return Err(DisclosureError::KindMismatch { index });
        }
        let epk = decode_ristretto(&output.epk).ok_or(DisclosureError::DoesNotDecrypt { index })?;
        let mut t = entry_transcript(
            self.role,
            &self.tx_id,
            index,
            e.kind,
            &output.cm,
            &e.address,
        );
        if !e
            .proof
            .verify(&mut t, &statement(self.role, &e.address, epk, e.shared))
        {
            return Err(DisclosureError::ProofInvalid { index });
        }
        let plaintext = Zeroizing::new(
            try_decrypt_with_shared_secret(&e.shared, &output.epk, output.ciphertext)
                .ok_or(DisclosureError::DoesNotDecrypt { index })?,
        );
        let content = decode_content(e.kind, &plaintext).ok_or(DisclosureError::NoteMismatch {
            index,
            what: "the plaintext format",
        })?;
        let (d, owner, commitment) = content.diversifier_owner_commitment();
        let same_address =
            d.ct_eq(&e.address.diversifier()) & ct_eq_field(&owner, &e.address.owner());
        if !bool::from(same_address) {
            return Err(DisclosureError::NoteMismatch {
                index,
                what: "the disclosed address",
            });
        }
        if !bool::from(ct_eq_field(&commitment, &output.cm)) {
            return Err(DisclosureError::NoteMismatch {
                index,
                what: "the note commitment on chain",
            });
        }
        Ok(Revealed {
            index,
            address: e.address,
            content,
        })
    }

    /// The byte form (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + ENTRY_LEN * self.entries.len());
        out.extend_from_slice(DISCLOSURE_MAGIC);
        out.push(DISCLOSURE_VERSION);
        out.push(self.role as u8);
        out.extend_from_slice(&self.tx_id);
        // `make` and `from_bytes` never hold more than u16::MAX entries.
        out.extend_from_slice(
            &(self.entries.len().min(usize::from(u16::MAX)) as u16).to_le_bytes(),
        );
        for e in self.entries.iter().take(usize::from(u16::MAX)) {
            out.extend_from_slice(&e.index.to_le_bytes());
            out.push(e.kind as u8);
            out.extend_from_slice(&e.address.to_bytes());
            out.extend_from_slice(e.shared.compress().as_bytes());
            out.extend_from_slice(e.proof.c.as_bytes());
            out.extend_from_slice(e.proof.z.as_bytes());
        }
        out
    }

    /// Parses the byte form; any bytes give either a disclosure or a typed error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DisclosureError> {
        if bytes.len() < 4 || &bytes[..4] != DISCLOSURE_MAGIC {
            return Err(DisclosureError::BadMagic);
        }
        if bytes.len() < HEADER_LEN {
            return Err(DisclosureError::Truncated {
                needed: HEADER_LEN,
                got: bytes.len(),
            });
        }
        if bytes[4] != DISCLOSURE_VERSION {
            return Err(DisclosureError::UnsupportedVersion(bytes[4]));
        }
        let role = match bytes[5] {
            1 => Role::Received,
            2 => Role::Sent,
            other => return Err(DisclosureError::UnknownRole(other)),
        };
        let mut tx_id = [0u8; 32];
        tx_id.copy_from_slice(&bytes[6..38]);
        let n = usize::from(u16::from_le_bytes([bytes[38], bytes[39]]));
        if n == 0 {
            return Err(DisclosureError::Empty);
        }
        let needed = HEADER_LEN + n * ENTRY_LEN;
        match bytes.len().cmp(&needed) {
            std::cmp::Ordering::Less => {
                return Err(DisclosureError::Truncated {
                    needed,
                    got: bytes.len(),
                })
            }
            std::cmp::Ordering::Greater => {
                return Err(DisclosureError::TrailingBytes(bytes.len() - needed))
            }
            std::cmp::Ordering::Equal => {}
        }
        let mut entries: Vec<DisclosureEntry> = Vec::with_capacity(n);
        for chunk in bytes[HEADER_LEN..].chunks_exact(ENTRY_LEN) {
            let entry = decode_entry(chunk)?;
            if entries.last().is_some_and(|prev| prev.index >= entry.index) {
                return Err(DisclosureError::EntriesOutOfOrder(entry.index));
            }
            entries.push(entry);
        }
        Ok(Self {
            role,
            tx_id,
            entries,
        })
    }
}

/// Decodes one entry of exactly [`ENTRY_LEN`] bytes.
fn decode_entry(chunk: &[u8]) -> Result<DisclosureEntry, DisclosureError> {
    let (index_bytes, rest) = chunk.split_at(4);
    let index = u32::from_le_bytes(index_bytes.try_into().expect("4 bytes"));
    let kind = match rest[0] {
        1 => OutputKind::Note,
        2 => OutputKind::Package,
        kind => return Err(DisclosureError::UnknownOutputKind { index, kind }),
    };
    let (address_bytes, rest) = rest[1..].split_at(ADDRESS_LEN);
    let address = PaymentAddress::from_bytes(address_bytes)
        .map_err(|source| DisclosureError::BadAddress { index, source })?;
    let bad = |what| DisclosureError::BadEncoding { index, what };
    let shared = decode_ristretto(&rest[..32].try_into().expect("32 bytes"))
        .ok_or(bad("the shared secret"))?;
    let c = canonical_scalar(&rest[32..64]).ok_or(bad("the proof's challenge"))?;
    let z = canonical_scalar(&rest[64..96]).ok_or(bad("the proof's response"))?;
    Ok(DisclosureEntry {
        index,
        kind,
        address,
        shared,
        proof: DleqProof { c, z },
    })
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        encryption::EncryptedNote,
        note_plaintext::{encrypt_output, encrypt_package, MEMO_LEN},
        spending_key::SpendingKey,
    };
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use superzk_circuits::{
        asset::AssetInfo,
        note::{AssetId, Note},
        package::{PackageNote, PACKAGE_SLOTS},
    };

    /// A made-up transaction's outputs: what `TxOutput` borrows from.
    struct Output {
        kind: OutputKind,
        cm: Fr,
        cv: [u8; 32],
        enc: EncryptedNote,
    }

    impl Output {
        fn view(&self) -> TxOutput<'_> {
            TxOutput {
                kind: self.kind,
                cm: self.cm,
                cv: self.cv,
                epk: self.enc.epk,
                ciphertext: &self.enc.ciphertext,
                out_ciphertext: &self.enc.out_ciphertext,
            }
        }
    }

    struct World {
        rng: ChaCha20Rng,
        alice: SpendingKey,
        bob: SpendingKey,
        tx_id: [u8; 32],
        outputs: Vec<Output>,
    }

    fn memo(text: &str) -> [u8; MEMO_LEN] {
        let mut m = [0u8; MEMO_LEN];
        m[..text.len()].copy_from_slice(text.as_bytes());
        m
    }

    fn note_to(to: &PaymentAddress, info: &AssetInfo, value: u64, rho: u64) -> Note {
        Note {
            asset: info.asset(),
            value,
            owner: to.owner(),
            rho: Fr::from(rho),
            rcm: Fr::from(rho + 1000),
        }
    }

    /// Alice sends (with her ovk) 5 USD to Bob, 7 SERO change to herself,
    /// 9 SERO to Bob, and a package of 3 SERO to herself.
    fn world() -> World {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let alice = SpendingKey::random(&mut rng);
        let bob = SpendingKey::random(&mut rng);
        let ovk = alice.full_viewing_key().ovk();
        let a_ivk = alice.full_viewing_key().incoming_viewing_key();
        let b_ivk = bob.full_viewing_key().incoming_viewing_key();
        let usd = AssetInfo::currency("USD");
        let sero = AssetInfo::native();
        let mut outputs = vec![];
        for (i, (to, info, value, text)) in [
            (b_ivk.address(1), usd.clone(), 5, "to bob"),
            (a_ivk.address(0), sero.clone(), 7, "change"),
            (b_ivk.address(2), sero.clone(), 9, "to bob again"),
        ]
        .into_iter()
        .enumerate()
        {
            let note = note_to(&to, &info, value, i as u64);
            let cv = [i as u8; 32];
            let enc = encrypt_output(&to, &note, &info, &memo(text), &ovk, &cv, &mut rng).unwrap();
            outputs.push(Output {
                kind: OutputKind::Note,
                cm: note.commitment(),
                cv,
                enc,
            });
        }
        let to = a_ivk.address(5);
        let mut contents = [(AssetId::native(), 0u64); PACKAGE_SLOTS];
        contents[0].1 = 3;
        let package = PackageNote {
            key: Fr::from(77u64),
            contents,
            owner: to.owner(),
            rho: Fr::from(50u64),
            rcm: Fr::from(51u64),
        };
        let infos = std::array::from_fn(|_| AssetInfo::native());
        let cv = [9u8; 32];
        let enc =
            encrypt_package(&to, &package, &infos, &memo("gift"), &ovk, &cv, &mut rng).unwrap();
        outputs.push(Output {
            kind: OutputKind::Package,
            cm: package.commitment(),
            cv,
            enc,
        });
        World {
            rng,
            alice,
            bob,
            tx_id: [0xab; 32],
            outputs,
        }
    }

    impl World {
        fn views(&self) -> Vec<TxOutput<'_>> {
            self.outputs.iter().map(Output::view).collect()
        }

        fn received(
            &mut self,
            who: &SpendingKey,
            selection: Selection,
        ) -> Result<Disclosure, DisclosureError> {
            let ivk = who.full_viewing_key().incoming_viewing_key();
            let outputs: Vec<TxOutput<'_>> = self.outputs.iter().map(Output::view).collect();
            Disclosure::received(&ivk, self.tx_id, &outputs, selection, &mut self.rng)
        }

        fn verify(&self, d: &Disclosure) -> Result<Vec<Revealed>, DisclosureError> {
            d.verify(&self.tx_id, &self.views())
        }
    }

    fn note_of(r: &Revealed) -> &DecryptedNote {
        match &r.content {
            RevealedContent::Note(n) => n,
            RevealedContent::Package(_) => panic!("expected a note"),
        }
    }

    #[test]
    fn a_valid_disclosure_verifies_and_shows_the_note() {
        let mut w = world();
        let bob = w.bob.clone();
        let d = w.received(&bob, Selection::Output(2)).unwrap();
        let shown = w.verify(&d).unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].index, 2);
        let n = note_of(&shown[0]);
        assert_eq!((n.note.value, n.note.asset), (9, AssetId::native()));
        assert_eq!(&n.memo[..12], b"to bob again");
        assert_eq!(
            shown[0].address,
            bob.full_viewing_key().incoming_viewing_key().address(2)
        );
        // The bytes round-trip and still verify.
        let again = Disclosure::from_bytes(&d.to_bytes()).unwrap();
        assert_eq!(again.to_bytes(), d.to_bytes());
        assert_eq!(w.verify(&again).unwrap(), shown);
        assert_eq!(d.to_bytes().len(), HEADER_LEN + ENTRY_LEN);
    }

    #[test]
    fn per_transaction_disclosure_shows_exactly_the_keys_outputs() {
        let mut w = world();
        let alice = w.alice.clone();
        let d = w.received(&alice, Selection::AllVisible).unwrap();
        let shown = w.verify(&d).unwrap();
        assert_eq!(
            shown.iter().map(|r| r.index).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(note_of(&shown[0]).note.value, 7);
        match &shown[1].content {
            RevealedContent::Package(p) => {
                assert_eq!(p.package.contents[0], (AssetId::native(), 3));
                assert_eq!(p.package.key, Fr::from(77u64));
            }
            RevealedContent::Note(_) => panic!("output 3 is a package"),
        }
        // Bob's outputs cannot be disclosed by Alice's incoming key.
        assert!(matches!(
            w.received(&alice, Selection::Output(0)),
            Err(DisclosureError::NotVisible { index: 0 })
        ));
        assert!(matches!(
            w.received(&alice, Selection::Output(9)),
            Err(DisclosureError::NoSuchOutput { index: 9, count: 4 })
        ));
        let stranger = SpendingKey::random(&mut w.rng);
        assert!(matches!(
            w.received(&stranger, Selection::AllVisible),
            Err(DisclosureError::NothingVisible)
        ));
    }

    #[test]
    fn a_sent_disclosure_by_the_sender_verifies() {
        let w = world();
        let fvk = w.alice.full_viewing_key();
        let d = Disclosure::sent(
            &fvk,
            w.tx_id,
            &w.views(),
            Selection::AllVisible,
            &mut w.rng.clone(),
        )
        .unwrap();
        assert_eq!(d.role, Role::Sent);
        let shown = w.verify(&d).unwrap();
        assert_eq!(shown.len(), 4, "alice sent every output");
        assert_eq!(note_of(&shown[0]).note.value, 5);
        assert_eq!(
            shown[0].address,
            w.bob.full_viewing_key().incoming_viewing_key().address(1)
        );
        // Bob did not send any of them.
        let bob_fvk = w.bob.full_viewing_key();
        assert!(matches!(
            Disclosure::sent(
                &bob_fvk,
                w.tx_id,
                &w.views(),
                Selection::AllVisible,
                &mut w.rng.clone()
            ),
            Err(DisclosureError::NothingVisible)
        ));
        // A sent proof presented as a received one (or the reverse) fails.
        let mut flipped = d.clone();
        flipped.role = Role::Received;
        assert!(matches!(
            w.verify(&flipped),
            Err(DisclosureError::ProofInvalid { index: 0 })
        ));
    }

    #[test]
    fn forged_disclosures_are_rejected() {
        let mut w = world();
        let bob = w.bob.clone();
        let d = w.received(&bob, Selection::Output(0)).unwrap();
        assert!(w.verify(&d).is_ok());

        // A random shared secret under the original proof.
        let mut forged = d.clone();
        forged.entries[0].shared = RistrettoPoint::from_uniform_bytes(&[5u8; 64]);
        assert!(matches!(
            w.verify(&forged),
            Err(DisclosureError::ProofInvalid { index: 0 })
        ));

        // A proof made with another key for the same statement.
        let other = Scalar::from(12345u64);
        let e = &d.entries[0];
        let o = &w.outputs[0];
        let epk = decode_ristretto(&o.enc.epk).unwrap();
        let mut t = entry_transcript(Role::Received, &w.tx_id, 0, e.kind, &o.cm, &e.address);
        let mut forged = d.clone();
        forged.entries[0].proof = DleqProof::prove(
            &mut t,
            &other,
            &statement(Role::Received, &e.address, epk, e.shared),
            &mut w.rng,
        );
        assert!(matches!(
            w.verify(&forged),
            Err(DisclosureError::ProofInvalid { index: 0 })
        ));

        // A consistent proof for another key's address and secret: the DLEQ
        // holds, but that secret does not open the note.
        let stranger = SpendingKey::random(&mut w.rng)
            .full_viewing_key()
            .incoming_viewing_key();
        let fake_address = stranger.address_for(e.address.diversifier());
        let x = stranger.encryption_scalar();
        let shared = *x * epk;
        let mut t = entry_transcript(Role::Received, &w.tx_id, 0, e.kind, &o.cm, &fake_address);
        let proof = DleqProof::prove(
            &mut t,
            &x,
            &statement(Role::Received, &fake_address, epk, shared),
            &mut w.rng,
        );
        let mut forged = d.clone();
        forged.entries[0] = DisclosureEntry {
            address: fake_address,
            shared,
            proof,
            ..forged.entries[0].clone()
        };
        assert!(matches!(
            w.verify(&forged),
            Err(DisclosureError::DoesNotDecrypt { index: 0 })
        ));

        // Another output index (bob's other note, and one that is not his).
        for index in [1, 2] {
            let mut forged = d.clone();
            forged.entries[0].index = index;
            assert!(
                matches!(w.verify(&forged), Err(DisclosureError::ProofInvalid { .. })),
                "index {index}"
            );
        }

        // Another transaction: with the other id in the disclosure the proof
        // fails; against another id the disclosure is refused outright.
        let mut forged = d.clone();
        forged.tx_id[0] ^= 1;
        assert!(matches!(
            forged.verify(&forged.tx_id, &w.views()),
            Err(DisclosureError::ProofInvalid { index: 0 })
        ));
        assert!(matches!(
            w.verify(&forged),
            Err(DisclosureError::WrongTransaction { .. })
        ));

        // The same outputs in another order, i.e. another transaction.
        let mut swapped = w.views();
        swapped.swap(0, 2);
        assert!(d.verify(&w.tx_id, &swapped).is_err());
        // An altered ciphertext in the transaction.
        let mut altered = w.views();
        let mut ct = w.outputs[0].enc.ciphertext.clone();
        ct[3] ^= 1;
        altered[0].ciphertext = &ct;
        assert!(matches!(
            d.verify(&w.tx_id, &altered),
            Err(DisclosureError::DoesNotDecrypt { index: 0 })
        ));
        // Another commitment.
        let mut altered = w.views();
        altered[0].cm += Fr::from(1u64);
        assert!(matches!(
            d.verify(&w.tx_id, &altered),
            Err(DisclosureError::ProofInvalid { index: 0 })
        ));
    }

    #[test]
    fn every_altered_byte_is_rejected() {
        let mut w = world();
        let alice = w.alice.clone();
        let d = w.received(&alice, Selection::AllVisible).unwrap();
        let bytes = d.to_bytes();
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                let outcome = Disclosure::from_bytes(&b).and_then(|d| w.verify(&d));
                assert!(
                    outcome.is_err(),
                    "byte {i} flipped by {flip:#x} was accepted"
                );
            }
        }
    }

    #[test]
    fn garbage_gives_typed_errors() {
        let mut w = world();
        let bob = w.bob.clone();
        let bytes = w.received(&bob, Selection::AllVisible).unwrap().to_bytes();
        for len in 0..bytes.len() {
            assert!(
                Disclosure::from_bytes(&bytes[..len]).is_err(),
                "truncated to {len}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            Disclosure::from_bytes(&long),
            Err(DisclosureError::TrailingBytes(1))
        ));
        assert!(matches!(
            Disclosure::from_bytes(b"nope"),
            Err(DisclosureError::BadMagic)
        ));
        let mut b = bytes.clone();
        b[4] = 9;
        assert!(matches!(
            Disclosure::from_bytes(&b),
            Err(DisclosureError::UnsupportedVersion(9))
        ));
        let mut b = bytes.clone();
        b[5] = 3;
        assert!(matches!(
            Disclosure::from_bytes(&b),
            Err(DisclosureError::UnknownRole(3))
        ));
        let mut b = bytes[..HEADER_LEN].to_vec();
        b[38] = 0;
        b[39] = 0;
        assert!(matches!(
            Disclosure::from_bytes(&b),
            Err(DisclosureError::Empty)
        ));
        // Two entries in the wrong order.
        let mut b = bytes.clone();
        let (first, second) = (HEADER_LEN, HEADER_LEN + ENTRY_LEN);
        let entry0 = b[first..second].to_vec();
        let entry1 = b[second..second + ENTRY_LEN].to_vec();
        b[first..second].copy_from_slice(&entry1);
        b[second..second + ENTRY_LEN].copy_from_slice(&entry0);
        assert!(matches!(
            Disclosure::from_bytes(&b),
            Err(DisclosureError::EntriesOutOfOrder(0))
        ));
        // Random bytes after a valid header, and wholly random bytes.
        for len in [0usize, 1, 100, ENTRY_LEN, 2 * ENTRY_LEN, 1000] {
            for _ in 0..50 {
                let mut b = bytes[..HEADER_LEN].to_vec();
                b[38..40].copy_from_slice(&((len / ENTRY_LEN).max(1) as u16).to_le_bytes());
                let mut tail = vec![0u8; len];
                w.rng.fill_bytes(&mut tail);
                b.extend_from_slice(&tail);
                let outcome = Disclosure::from_bytes(&b).and_then(|d| w.verify(&d));
                assert!(outcome.is_err());
                assert!(Disclosure::from_bytes(&tail).is_err());
            }
        }
    }

    #[test]
    fn one_notes_disclosure_does_not_open_another() {
        let mut w = world();
        let bob = w.bob.clone();
        let d = w.received(&bob, Selection::Output(0)).unwrap();
        let shared = d.entries[0].shared;
        // The disclosed secret opens output 0 and no other output, Bob's
        // output 2 included.
        assert!(try_decrypt_with_shared_secret(
            &shared,
            &w.outputs[0].enc.epk,
            &w.outputs[0].enc.ciphertext
        )
        .is_some());
        for o in &w.outputs[1..] {
            assert!(
                try_decrypt_with_shared_secret(&shared, &o.enc.epk, &o.enc.ciphertext).is_none()
            );
        }
        // Nor does pointing the entry at output 2, even with its own epk in the statement.
        let mut moved = d.clone();
        moved.entries[0].index = 2;
        assert!(w.verify(&moved).is_err());
        // The disclosure's bytes do not contain Bob's keys.
        let bytes = d.to_bytes();
        let ivk = bob.full_viewing_key().incoming_viewing_key();
        for secret in [
            ivk.to_bytes().to_vec(),
            ivk.encryption_scalar().to_bytes().to_vec(),
        ] {
            assert!(!bytes.windows(32).any(|w| w == &secret[..]));
        }
        // Debug output does not show the secret.
        let dbg = format!("{d:?}");
        assert!(!dbg.contains(&hex_string(shared.compress().as_bytes())));
    }
}
