//! What an output's ciphertext carries, and the two ways to read it back:
//! the recipient with its incoming viewing key, the sender with its outgoing
//! viewing key.
//!
//! ```text
//! plaintext = 0x01 || d (11) || owner (32) || asset (32) || value (u64 LE)
//!             || rho (32) || rcm (32) || asset_info (66) || memo (512)
//! ```
//! The memo comes last so that the first [`COMPACT_PREFIX_LEN`] bytes (lead
//! byte to `rcm`) are everything a light client needs to recognise a note
//! and recompute its commitment: compact blocks carry only that prefix of
//! each ciphertext.
//! The recipient accepts a note only if `owner` is what its own `ivk` gives
//! for `d`, the asset information names the note's asset, and the note's
//! commitment equals the one on chain; the sender, reading back with its
//! `ovk`, checks the same but the owner.

use curve25519_dalek::ristretto::RistrettoPoint;
use rand_core::{CryptoRng, RngCore};
use superzk_circuits::{
    asset::{AssetInfo, ASSET_INFO_LEN},
    note::{AssetId, Note, DIVERSIFIER_LEN},
    note_kind::NoteKind,
    package::{PackageNote, PACKAGE_SLOTS},
    Fr,
};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{
    address::PaymentAddress,
    encryption::{
        encrypt_note, try_decrypt_incoming, try_decrypt_outgoing, EncryptedNote, EncryptionError,
    },
    spending_key::{ct_eq_field, decode_field, encode_field, FullViewingKey, IncomingViewingKey},
};

/// Length of a memo: 512 bytes, as in Zcash, room for a short message, an
/// invoice reference or a return address.
pub const MEMO_LEN: usize = 512;
/// Length of a note plaintext.
pub const NOTE_PLAINTEXT_LEN: usize =
    1 + DIVERSIFIER_LEN + 32 + 32 + 8 + 32 + 32 + ASSET_INFO_LEN + MEMO_LEN;
/// Length of the plaintext's leading part that a compact block carries:
/// `0x01 || d || owner || asset || value || rho || rcm` (148 bytes), enough
/// to rebuild the note and check it against its commitment.
pub const COMPACT_PREFIX_LEN: usize = 1 + DIVERSIFIER_LEN + 32 + 32 + 8 + 32 + 32;
const LEAD_BYTE: u8 = 0x01;

// Both plaintexts must fit what the cipher layer accepts.
const _: () = assert!(NOTE_PLAINTEXT_LEN <= crate::encryption::MAX_PLAINTEXT_LEN);
const _: () = assert!(PACKAGE_PLAINTEXT_LEN <= crate::encryption::MAX_PLAINTEXT_LEN);

/// A note read from an output, with what came along with it. Its `Debug`
/// shows none of it (the note's value and randomness, the diversifier that
/// links it to an address, the memo), and all of it is wiped on drop: the
/// note wipes itself ([`Note`] is `ZeroizeOnDrop`), this type wipes the
/// diversifier and the memo. Take what you keep by copy or clone.
#[derive(Clone, PartialEq, Eq)]
pub struct DecryptedNote {
    /// The note (its owner recomputed by the reader).
    pub note: Note,
    /// The diversifier of the address it was sent to.
    pub diversifier: [u8; DIVERSIFIER_LEN],
    /// What the asset is (checked against the note's asset id).
    pub asset_info: AssetInfo,
    /// The sender's memo.
    pub memo: [u8; MEMO_LEN],
}

/// Wipes the diversifier and the memo; the notes wipe themselves.
macro_rules! wipe_diversifier_and_memo {
    ($t:ident) => {
        impl Drop for $t {
            fn drop(&mut self) {
                self.diversifier.zeroize();
                self.memo.zeroize();
            }
        }

        impl ZeroizeOnDrop for $t {}
    };
}
wipe_diversifier_and_memo!(DecryptedNote);
wipe_diversifier_and_memo!(DecryptedPackage);

impl std::fmt::Debug for DecryptedNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecryptedNote(<redacted>)")
    }
}

/// The plaintext bytes of `note` sent to diversifier `d`.
pub fn encode_plaintext(
    d: &[u8; DIVERSIFIER_LEN],
    note: &Note,
    info: &[u8; ASSET_INFO_LEN],
    memo: &[u8; MEMO_LEN],
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(NOTE_PLAINTEXT_LEN));
    out.push(LEAD_BYTE);
    out.extend_from_slice(d);
    out.extend_from_slice(&encode_field(&note.owner));
    out.extend_from_slice(&encode_field(&note.asset.0));
    out.extend_from_slice(&note.value.to_le_bytes());
    out.extend_from_slice(&encode_field(&note.rho));
    out.extend_from_slice(&encode_field(&note.rcm));
    out.extend_from_slice(info);
    out.extend_from_slice(memo);
    out
}

/// Reads a plaintext of known length field by field; `open` checks the
/// length and lead byte, so no read can run past the end.
struct PlaintextReader<'a> {
    rest: &'a [u8],
}

impl<'a> PlaintextReader<'a> {
    fn open(bytes: &'a [u8], len: usize, lead: u8) -> Option<Self> {
        (bytes.len() == len && bytes[0] == lead).then(|| Self { rest: &bytes[1..] })
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        head
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).try_into().ok()
    }

    fn field(&mut self) -> Option<Fr> {
        decode_field(self.take(32), "plaintext field").ok()
    }
}

/// Parses a plaintext.
pub(crate) fn decode_plaintext(bytes: &[u8]) -> Option<DecryptedNote> {
    let mut r = PlaintextReader::open(bytes, NOTE_PLAINTEXT_LEN, LEAD_BYTE)?;
    let (diversifier, owner) = (r.array()?, r.field()?);
    let asset = AssetId(r.field()?);
    let value = u64::from_le_bytes(r.array()?);
    let rho = r.field()?;
    let rcm = r.field()?;
    let asset_info = AssetInfo::from_bytes(r.take(ASSET_INFO_LEN)).ok()?;
    let memo: [u8; MEMO_LEN] = r.array()?;
    if asset_info.asset() != asset {
        return None;
    }
    Some(DecryptedNote {
        note: Note {
            asset,
            value,
            owner,
            rho,
            rcm,
        },
        diversifier,
        asset_info,
        memo,
    })
}

/// Encrypts `note` to `to`. `ovk` lets the sender read it back later; pass a
/// random one to make the output unrecoverable by the sender. `info` must
/// describe the note's asset.
pub fn encrypt_output<R: RngCore + CryptoRng + ?Sized>(
    to: &PaymentAddress,
    note: &Note,
    info: &AssetInfo,
    memo: &[u8; MEMO_LEN],
    ovk: &[u8; 32],
    cv: &[u8; 32],
    rng: &mut R,
) -> Result<EncryptedNote, EncryptionError> {
    if info.asset() != note.asset {
        return Err(EncryptionError::AssetMismatch);
    }
    let info = info
        .to_bytes()
        .map_err(|_| EncryptionError::AssetMismatch)?;
    let plaintext = encode_plaintext(&to.diversifier(), note, &info, memo);
    let cm = encode_field(&note.commitment());
    encrypt_note(&to.pk_d(), &to.base(), &plaintext, ovk, cv, &cm, rng)
}

impl IncomingViewingKey {
    /// Trial-decrypts an output; `Some` only if it is addressed to this key
    /// and its plaintext matches the commitment `cm` on chain.
    pub fn decrypt_output(
        &self,
        cm: &Fr,
        epk: &[u8; 32],
        ciphertext: &[u8],
    ) -> Option<DecryptedNote> {
        self.trial_decrypt(cm, epk, ciphertext, decode_plaintext, |d| {
            (d.note.owner, d.diversifier, d.note.commitment())
        })
    }

    /// Trial-decrypts a package output (see [`Self::decrypt_output`]).
    pub fn decrypt_package_output(
        &self,
        cm: &Fr,
        epk: &[u8; 32],
        ciphertext: &[u8],
    ) -> Option<DecryptedPackage> {
        self.trial_decrypt(cm, epk, ciphertext, decode_package_plaintext, |d| {
            (d.package.owner, d.diversifier, d.package.commitment())
        })
    }

    /// Decrypts with this key, decodes, and accepts only a note whose owner
    /// tag is this key's for its diversifier and whose commitment is `cm`.
    fn trial_decrypt<T>(
        &self,
        cm: &Fr,
        epk: &[u8; 32],
        ciphertext: &[u8],
        decode: impl Fn(&[u8]) -> Option<T>,
        owner_diversifier_commitment: impl Fn(&T) -> (Fr, [u8; DIVERSIFIER_LEN], Fr),
    ) -> Option<T> {
        let plaintext = Zeroizing::new(try_decrypt_incoming(
            &self.encryption_scalar(),
            epk,
            ciphertext,
        )?);
        let found = decode(&plaintext)?;
        let (owner, d, commitment) = owner_diversifier_commitment(&found);
        let owned =
            ct_eq_field(&owner, &self.address_for(d).owner()) & ct_eq_field(&commitment, cm);
        bool::from(owned).then_some(found)
    }
}

impl FullViewingKey {
    /// Recovers an output this wallet sent, with the recipient's `pk_d`.
    pub fn decrypt_sent_output(
        &self,
        cm: &Fr,
        cv: &[u8; 32],
        epk: &[u8; 32],
        out_ciphertext: &[u8; 80],
        ciphertext: &[u8],
    ) -> Option<(RistrettoPoint, DecryptedNote)> {
        let cm_bytes = encode_field(cm);
        let (pk_d, plaintext) =
            try_decrypt_outgoing(&self.ovk(), cv, &cm_bytes, epk, out_ciphertext, ciphertext)?;
        let decrypted = decode_plaintext(&Zeroizing::new(plaintext))?;
        bool::from(ct_eq_field(&decrypted.note.commitment(), cm)).then_some((pk_d, decrypted))
    }
}

/// Length of a package plaintext:
/// `0x02 ‖ d ‖ owner ‖ key ‖ (asset ‖ value ‖ asset_info)×4 ‖ rho ‖ rcm ‖ memo`.
pub const PACKAGE_PLAINTEXT_LEN: usize =
    1 + DIVERSIFIER_LEN + 32 + 32 + PACKAGE_SLOTS * (32 + 8 + ASSET_INFO_LEN) + 32 + 32 + MEMO_LEN;
const PACKAGE_LEAD_BYTE: u8 = 0x02;

/// A package read from an output: the note (with its key) and what each slot
/// holds. Redacted in `Debug` and wiped on drop like [`DecryptedNote`]; the
/// package note, key included, wipes itself.
#[derive(Clone, PartialEq, Eq)]
pub struct DecryptedPackage {
    /// The package note, key included.
    pub package: PackageNote,
    /// What each slot's asset is (checked against the slot's asset id).
    pub infos: [AssetInfo; PACKAGE_SLOTS],
    /// The diversifier of the address it was sent to.
    pub diversifier: [u8; DIVERSIFIER_LEN],
    /// The sender's memo.
    pub memo: [u8; MEMO_LEN],
}

impl std::fmt::Debug for DecryptedPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecryptedPackage(<redacted>)")
    }
}

fn encode_package_plaintext(
    d: &[u8; DIVERSIFIER_LEN],
    package: &PackageNote,
    infos: &[AssetInfo; PACKAGE_SLOTS],
    memo: &[u8; MEMO_LEN],
) -> Result<Zeroizing<Vec<u8>>, EncryptionError> {
    let mut out = Zeroizing::new(Vec::with_capacity(PACKAGE_PLAINTEXT_LEN));
    out.push(PACKAGE_LEAD_BYTE);
    out.extend_from_slice(d);
    out.extend_from_slice(&encode_field(&package.owner));
    out.extend_from_slice(&encode_field(&package.key));
    for ((asset, value), info) in package.contents.iter().zip(infos) {
        if info.asset() != *asset {
            return Err(EncryptionError::AssetMismatch);
        }
        out.extend_from_slice(&encode_field(&asset.0));
        out.extend_from_slice(&value.to_le_bytes());
        out.extend_from_slice(
            &info
                .to_bytes()
                .map_err(|_| EncryptionError::AssetMismatch)?,
        );
    }
    out.extend_from_slice(&encode_field(&package.rho));
    out.extend_from_slice(&encode_field(&package.rcm));
    out.extend_from_slice(memo);
    Ok(out)
}

pub(crate) fn decode_package_plaintext(bytes: &[u8]) -> Option<DecryptedPackage> {
    let mut r = PlaintextReader::open(bytes, PACKAGE_PLAINTEXT_LEN, PACKAGE_LEAD_BYTE)?;
    let (diversifier, owner) = (r.array()?, r.field()?);
    let key = r.field()?;
    let mut contents = [(AssetId::native(), 0u64); PACKAGE_SLOTS];
    let mut infos: [AssetInfo; PACKAGE_SLOTS] = std::array::from_fn(|_| AssetInfo::native());
    for (slot, info) in contents.iter_mut().zip(infos.iter_mut()) {
        let asset = AssetId(r.field()?);
        let value = u64::from_le_bytes(r.array()?);
        *info = AssetInfo::from_bytes(r.take(ASSET_INFO_LEN)).ok()?;
        if info.asset() != asset {
            return None;
        }
        *slot = (asset, value);
    }
    let rho = r.field()?;
    let rcm = r.field()?;
    let memo: [u8; MEMO_LEN] = r.array()?;
    Some(DecryptedPackage {
        package: PackageNote {
            key,
            contents,
            owner,
            rho,
            rcm,
        },
        infos,
        diversifier,
        memo,
    })
}

/// Encrypts a package note to `to`; its key travels inside.
#[allow(clippy::too_many_arguments)]
pub fn encrypt_package<R: RngCore + CryptoRng + ?Sized>(
    to: &PaymentAddress,
    package: &PackageNote,
    infos: &[AssetInfo; PACKAGE_SLOTS],
    memo: &[u8; MEMO_LEN],
    ovk: &[u8; 32],
    cv: &[u8; 32],
    rng: &mut R,
) -> Result<EncryptedNote, EncryptionError> {
    let plaintext = encode_package_plaintext(&to.diversifier(), package, infos, memo)?;
    let cm = encode_field(&package.commitment());
    encrypt_note(&to.pk_d(), &to.base(), &plaintext, ovk, cv, &cm, rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_lengths() {
        assert_eq!(MEMO_LEN, 512);
        assert_eq!(COMPACT_PREFIX_LEN, 148);
        assert_eq!(NOTE_PLAINTEXT_LEN, 148 + ASSET_INFO_LEN + 512);
        assert_eq!(PACKAGE_PLAINTEXT_LEN, 1076);
    }

    /// The compact prefix holds the fields a light client needs, at fixed
    /// places, and the memo is the plaintext's tail.
    #[test]
    fn compact_prefix_and_memo_stay_in_place() {
        let d = [3u8; DIVERSIFIER_LEN];
        let note = Note {
            asset: AssetId::native(),
            value: 0x0102_0304_0506_0708,
            owner: Fr::from(11u64),
            rho: Fr::from(12u64),
            rcm: Fr::from(13u64),
        };
        let info = AssetInfo::native().to_bytes().unwrap();
        let mut memo = [0u8; MEMO_LEN];
        memo.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
        let p = encode_plaintext(&d, &note, &info, &memo);
        assert_eq!(p.len(), NOTE_PLAINTEXT_LEN);
        assert_eq!(p[0], LEAD_BYTE);
        assert_eq!(p[1..12], d);
        assert_eq!(p[12..44], encode_field(&note.owner));
        assert_eq!(p[44..76], encode_field(&note.asset.0));
        assert_eq!(p[76..84], note.value.to_le_bytes());
        assert_eq!(p[84..116], encode_field(&note.rho));
        assert_eq!(p[116..COMPACT_PREFIX_LEN], encode_field(&note.rcm));
        assert_eq!(
            p[COMPACT_PREFIX_LEN..COMPACT_PREFIX_LEN + ASSET_INFO_LEN],
            info
        );
        assert_eq!(p[NOTE_PLAINTEXT_LEN - MEMO_LEN..], memo);
        let back = decode_plaintext(&p).unwrap();
        assert_eq!((&back.note, back.memo), (&note, memo));
    }
}
