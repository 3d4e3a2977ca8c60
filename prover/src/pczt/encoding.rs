//! The byte format of a partially built transaction (documented in
//! docs/PROTOCOL.md, "Partially built transactions").
//!
//! ```text
//! pczt     = "SZKPCZT" || version (u8, 1) || stage (u8: 1 created, 2 proven, 3 authorized)
//!            || header || spends || package_spends || outputs || package_outputs
//!            [|| tx_len (u32) || transaction]          (proven and authorized)
//! header   = chain_id (32) || expiry_height (u64) || account_flag (u8) [|| account (32)]
//!            || fee (u64) || n (u16) || (asset (32) || amount (i64))*
//!            || n (u16) || (category || serial (32))* || n (u16) || (category || id (32))*
//! spend    = note || diversifier (11) || position (u64) || sibling (32) * 32
//!            [|| rcv (32) || alpha (32) || seed (32)]  (created and proven)
//! output   = address (75) || payload || memo (MEMO_LEN) || sender_keeps (u8)
//!            [|| ovk (32) || rho (32) || rcm (32) || rcv (32) || seed (32)]
//! note     = asset (32) || value (u64) || owner (32) || rho (32) || rcm (32)
//! package  = key (32) || (asset (32) || value (u64)) * 4 || owner || rho || rcm
//! payload  = asset_info (66) || value (u64)             (notes)
//!          | (asset_info (66) || value (u64)) * 4 || key (32)   (packages)
//! ```
//! Lists are a u16 count then the items; integers little-endian; field
//! elements and scalars canonical; points compressed and checked.

use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use superzk_circuits::{
    asset::{AssetInfo, Ticket, ASSET_INFO_LEN, MAX_NAME_LEN},
    note::{AssetId, Note, DIVERSIFIER_LEN},
    package::{PackageNote, PACKAGE_SLOTS},
    tree::{MerklePath, DEPTH},
    Fr,
};
use superzk_keys::{
    address::{PaymentAddress, ADDRESS_LEN},
    note_plaintext::MEMO_LEN,
    spending_key::{decode_field, encode_field},
};
use superzk_verifier::transaction::{canonical_balances, TicketIssuance, Transaction, MAX_ITEMS};

use super::{
    Header, OutputEntry, OutputSecrets, Payload, Pczt, PcztDecodeError, Secrets, SpendEntry,
    SpendSecrets, Stage, FORMAT_VERSION,
};

/// The magic bytes every PCZT starts with.
pub const MAGIC: &[u8; 7] = b"SZKPCZT";

type R<T> = Result<T, PcztDecodeError>;

impl Pczt {
    /// The canonical bytes (they hold the randomness until authorized and
    /// the notes always: keep them as private as the wallet).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(4096);
        w.extend_from_slice(MAGIC);
        w.push(FORMAT_VERSION);
        w.push(self.stage.byte());
        write_header(&mut w, &self.header);
        let s = self.secrets.as_ref();
        write_list(&mut w, &self.spends, s.map(|s| &s.spends[..]), write_spend);
        write_list(
            &mut w,
            &self.package_spends,
            s.map(|s| &s.package_spends[..]),
            write_spend,
        );
        write_list(
            &mut w,
            &self.outputs,
            s.map(|s| &s.outputs[..]),
            write_output,
        );
        write_list(
            &mut w,
            &self.package_outputs,
            s.map(|s| &s.package_outputs[..]),
            write_output,
        );
        if let Some(tx) = &self.tx {
            let bytes = tx.to_bytes();
            w.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            w.extend_from_slice(&bytes);
        }
        w
    }

    /// Parses bytes from [`Self::to_bytes`]. Any input gives a PCZT or a
    /// typed error; every field element, scalar, point, address and asset
    /// is validated, and the parts must agree with the stage.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PcztDecodeError> {
        let mut r = Reader { bytes };
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(PcztDecodeError::NotAPczt);
        }
        r.take(MAGIC.len(), "magic")?;
        let version = r.u8("version")?;
        if version != FORMAT_VERSION {
            return Err(PcztDecodeError::UnsupportedVersion { found: version });
        }
        let stage_byte = r.u8("stage")?;
        let stage =
            Stage::from_byte(stage_byte).ok_or(PcztDecodeError::UnknownStage(stage_byte))?;
        let with_secrets = stage != Stage::Authorized;
        let header = read_header(&mut r)?;
        let (spends, s_spends) = read_list(&mut r, "spends", with_secrets, read_spend::<Note>)?;
        let (package_spends, s_pspends) = read_list(
            &mut r,
            "package spends",
            with_secrets,
            read_spend::<PackageNote>,
        )?;
        let (outputs, s_outputs) = read_list(&mut r, "outputs", with_secrets, |r, s| {
            read_output(r, s, false)
        })?;
        let (package_outputs, s_poutputs) =
            read_list(&mut r, "package outputs", with_secrets, |r, s| {
                read_output(r, s, true)
            })?;
        let tx = match stage {
            Stage::Created => None,
            Stage::Proven | Stage::Authorized => Some(read_tx(&mut r)?),
        };
        if !r.bytes.is_empty() {
            return Err(PcztDecodeError::TrailingBytes(r.bytes.len()));
        }
        let pczt = Pczt {
            stage,
            header,
            spends,
            package_spends,
            outputs,
            package_outputs,
            secrets: with_secrets.then_some(Secrets {
                spends: s_spends,
                package_spends: s_pspends,
                outputs: s_outputs,
                package_outputs: s_poutputs,
            }),
            tx,
        };
        pczt.check_counts()?;
        Ok(pczt)
    }

    /// The proven transaction has one action per entry.
    fn check_counts(&self) -> R<()> {
        let Some(tx) = &self.tx else { return Ok(()) };
        if tx.spends.len() != self.spends.len()
            || tx.package_spends.len() != self.package_spends.len()
            || tx.outputs.len() != self.outputs.len()
            || tx.package_outputs.len() != self.package_outputs.len()
        {
            return Err(PcztDecodeError::Inconsistent(
                "the transaction inside has another number of actions than the contents",
            ));
        }
        Ok(())
    }
}

fn write_header(w: &mut Vec<u8>, h: &Header) {
    w.extend_from_slice(&h.chain_id);
    w.extend_from_slice(&h.expiry_height.to_le_bytes());
    match &h.public_account {
        None => w.push(0),
        Some(a) => {
            w.push(1);
            w.extend_from_slice(a);
        }
    }
    w.extend_from_slice(&h.fee.to_le_bytes());
    w.extend_from_slice(&(h.balances.len() as u16).to_le_bytes());
    for (asset, amount) in &h.balances {
        w.extend_from_slice(&asset.to_bytes());
        w.extend_from_slice(&amount.to_le_bytes());
    }
    w.extend_from_slice(&(h.issuances.len() as u16).to_le_bytes());
    for i in &h.issuances {
        write_category(w, &i.category);
        w.extend_from_slice(&i.serial);
    }
    w.extend_from_slice(&(h.redemptions.len() as u16).to_le_bytes());
    for t in &h.redemptions {
        write_category(w, &t.category);
        w.extend_from_slice(&t.id);
    }
}

/// Categories are 1 to 32 bytes (checked where tickets are made); a longer
/// one is cut so the bytes stay decodable (and then no longer match).
fn write_category(w: &mut Vec<u8>, category: &str) {
    let bytes = &category.as_bytes()[..category.len().min(MAX_NAME_LEN)];
    w.push(bytes.len() as u8);
    w.extend_from_slice(bytes);
}

fn write_list<T, S>(
    w: &mut Vec<u8>,
    items: &[T],
    secrets: Option<&[S]>,
    write: fn(&mut Vec<u8>, &T, Option<&S>),
) {
    w.extend_from_slice(&(items.len() as u16).to_le_bytes());
    for (i, item) in items.iter().enumerate() {
        write(w, item, secrets.and_then(|s| s.get(i)));
    }
}

fn write_scalar(w: &mut Vec<u8>, s: &JubjubScalar) {
    let mut out = [0u8; 32];
    s.serialize_compressed(&mut out[..])
        .expect("a Jubjub scalar is 32 bytes");
    w.extend_from_slice(&out);
}

fn write_spend<N: PcztNote>(w: &mut Vec<u8>, e: &SpendEntry<N>, s: Option<&SpendSecrets>) {
    e.note.write(w);
    w.extend_from_slice(&e.diversifier);
    w.extend_from_slice(&e.path.position.to_le_bytes());
    for sibling in &e.path.siblings {
        w.extend_from_slice(&encode_field(sibling));
    }
    if let Some(s) = s {
        write_scalar(w, &s.rcv);
        write_scalar(w, &s.alpha);
        w.extend_from_slice(&s.seed);
    }
}

fn write_asset_info(w: &mut Vec<u8>, info: &AssetInfo) {
    // The builder only accepts assets whose names encode (a note's
    // plaintext carries them); an invalid one is written as zeros, which
    // do not decode.
    w.extend_from_slice(&info.to_bytes().unwrap_or([0; ASSET_INFO_LEN]));
}

fn write_output(w: &mut Vec<u8>, e: &OutputEntry, s: Option<&OutputSecrets>) {
    w.extend_from_slice(&e.to.to_bytes());
    match &e.payload {
        Payload::Note { info, value } => {
            write_asset_info(w, info);
            w.extend_from_slice(&value.to_le_bytes());
        }
        Payload::Package { contents, key } => {
            for (info, value) in contents.iter() {
                write_asset_info(w, info);
                w.extend_from_slice(&value.to_le_bytes());
            }
            w.extend_from_slice(&encode_field(key));
        }
    }
    w.extend_from_slice(&e.memo);
    w.push(u8::from(e.sender_keeps));
    if let Some(s) = s {
        w.extend_from_slice(&s.ovk);
        w.extend_from_slice(&encode_field(&s.rho));
        w.extend_from_slice(&encode_field(&s.rcm));
        write_scalar(w, &s.rcv);
        w.extend_from_slice(&s.seed);
    }
}

/// A note kind's bytes in a PCZT.
pub(crate) trait PcztNote: Sized {
    fn write(&self, w: &mut Vec<u8>);
    fn read(r: &mut Reader) -> R<Self>;
}

impl PcztNote for Note {
    fn write(&self, w: &mut Vec<u8>) {
        w.extend_from_slice(&self.asset.to_bytes());
        w.extend_from_slice(&self.value.to_le_bytes());
        for f in [&self.owner, &self.rho, &self.rcm] {
            w.extend_from_slice(&encode_field(f));
        }
    }

    fn read(r: &mut Reader) -> R<Self> {
        Ok(Note {
            asset: AssetId(r.field("note asset")?),
            value: r.u64("note value")?,
            owner: r.field("note owner")?,
            rho: r.field("note rho")?,
            rcm: r.field("note rcm")?,
        })
    }
}

impl PcztNote for PackageNote {
    fn write(&self, w: &mut Vec<u8>) {
        w.extend_from_slice(&encode_field(&self.key));
        for (asset, value) in &self.contents {
            w.extend_from_slice(&asset.to_bytes());
            w.extend_from_slice(&value.to_le_bytes());
        }
        for f in [&self.owner, &self.rho, &self.rcm] {
            w.extend_from_slice(&encode_field(f));
        }
    }

    fn read(r: &mut Reader) -> R<Self> {
        let key = r.field("package key")?;
        let mut contents = [(AssetId(Fr::from(0u64)), 0u64); PACKAGE_SLOTS];
        for slot in &mut contents {
            *slot = (AssetId(r.field("package asset")?), r.u64("package value")?);
        }
        Ok(PackageNote {
            key,
            contents,
            owner: r.field("package owner")?,
            rho: r.field("package rho")?,
            rcm: r.field("package rcm")?,
        })
    }
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> R<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(PcztDecodeError::Truncated {
                what,
                needed: n - self.bytes.len(),
            });
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> R<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &'static str) -> R<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn u64(&mut self, what: &'static str) -> R<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn flag(&mut self, what: &'static str) -> R<bool> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            found => Err(PcztDecodeError::BadFlag { what, found }),
        }
    }

    fn count(&mut self, what: &'static str) -> R<usize> {
        let n = usize::from(u16::from_le_bytes(self.array(what)?));
        if n > MAX_ITEMS {
            return Err(PcztDecodeError::TooMany {
                what,
                got: n,
                max: MAX_ITEMS,
            });
        }
        Ok(n)
    }

    fn field(&mut self, what: &'static str) -> R<Fr> {
        decode_field(self.take(32, what)?, what).map_err(|_| PcztDecodeError::InvalidEncoding(what))
    }

    fn scalar(&mut self, what: &'static str) -> R<JubjubScalar> {
        let bytes = self.take(32, what)?;
        JubjubScalar::deserialize_compressed(bytes)
            .map_err(|_| PcztDecodeError::InvalidEncoding(what))
    }

    fn category(&mut self) -> R<String> {
        let len = usize::from(self.u8("category length")?);
        if len == 0 || len > MAX_NAME_LEN {
            return Err(PcztDecodeError::InvalidEncoding("ticket category"));
        }
        String::from_utf8(self.take(len, "ticket category")?.to_vec())
            .map_err(|_| PcztDecodeError::InvalidEncoding("ticket category"))
    }

    fn asset_info(&mut self) -> R<AssetInfo> {
        AssetInfo::from_bytes(self.take(ASSET_INFO_LEN, "asset information")?)
            .map_err(|_| PcztDecodeError::InvalidEncoding("asset information"))
    }
}

fn read_header(r: &mut Reader) -> R<Header> {
    let chain_id = r.array("chain id")?;
    let expiry_height = r.u64("expiry height")?;
    let public_account = match r.flag("public account")? {
        true => Some(r.array("public account")?),
        false => None,
    };
    let fee = r.u64("fee")?;
    let n = r.count("public balances")?;
    let mut balances = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        let asset = AssetId(r.field("balance asset")?);
        balances.push((asset, i64::from_le_bytes(r.array("balance amount")?)));
    }
    let canonical = canonical_balances(balances.iter().map(|(a, v)| (*a, i128::from(*v))));
    if canonical.as_ref() != Ok(&balances) {
        return Err(PcztDecodeError::InvalidEncoding(
            "public balances (not sorted by asset, repeated or zero)",
        ));
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
    Ok(Header {
        chain_id,
        expiry_height,
        public_account,
        fee,
        balances,
        issuances,
        redemptions,
    })
}

fn read_list<T, S>(
    r: &mut Reader,
    what: &'static str,
    with_secrets: bool,
    mut read: impl FnMut(&mut Reader, bool) -> R<(T, Option<S>)>,
) -> R<(Vec<T>, Vec<S>)> {
    let n = r.count(what)?;
    let (mut items, mut secrets) = (Vec::with_capacity(n.min(64)), Vec::with_capacity(n.min(64)));
    for _ in 0..n {
        let (item, s) = read(r, with_secrets)?;
        items.push(item);
        secrets.extend(s);
    }
    Ok((items, secrets))
}

fn read_spend<N: PcztNote>(
    r: &mut Reader,
    with_secrets: bool,
) -> R<(SpendEntry<N>, Option<SpendSecrets>)> {
    let note = N::read(r)?;
    let diversifier: [u8; DIVERSIFIER_LEN] = r.array("diversifier")?;
    let position = r.u64("tree position")?;
    if position >= 1u64 << DEPTH {
        return Err(PcztDecodeError::InvalidEncoding("tree position"));
    }
    let siblings = (0..DEPTH)
        .map(|_| r.field("Merkle path"))
        .collect::<R<Vec<Fr>>>()?;
    let secrets = match with_secrets {
        true => Some(SpendSecrets {
            rcv: r.scalar("value commitment randomness")?,
            alpha: r.scalar("spend randomizer")?,
            seed: r.array("proof seed")?,
        }),
        false => None,
    };
    let entry = SpendEntry {
        note,
        diversifier,
        path: MerklePath { position, siblings },
    };
    Ok((entry, secrets))
}

fn read_output(
    r: &mut Reader,
    with_secrets: bool,
    package: bool,
) -> R<(OutputEntry, Option<OutputSecrets>)> {
    let to = PaymentAddress::from_bytes(r.take(ADDRESS_LEN, "address")?)
        .map_err(|_| PcztDecodeError::InvalidEncoding("address"))?;
    let payload = if package {
        let mut contents = Box::new(std::array::from_fn(|_| (AssetInfo::native(), 0u64)));
        for slot in contents.iter_mut() {
            *slot = (r.asset_info()?, r.u64("package slot value")?);
        }
        Payload::Package {
            contents,
            key: r.field("package key")?,
        }
    } else {
        Payload::Note {
            info: r.asset_info()?,
            value: r.u64("output value")?,
        }
    };
    let memo: [u8; MEMO_LEN] = r.array("memo")?;
    let sender_keeps = r.flag("sender keeps a copy")?;
    let secrets = match with_secrets {
        true => Some(OutputSecrets {
            ovk: r.array("outgoing viewing key")?,
            rho: r.field("output rho")?,
            rcm: r.field("output rcm")?,
            rcv: r.scalar("value commitment randomness")?,
            seed: r.array("proof seed")?,
        }),
        false => None,
    };
    let entry = OutputEntry {
        to,
        payload,
        memo,
        sender_keeps,
    };
    Ok((entry, secrets))
}

fn read_tx(r: &mut Reader) -> R<Transaction> {
    let len = u32::from_le_bytes(r.array("transaction length")?) as usize;
    Transaction::from_bytes(r.take(len, "transaction")?).map_err(PcztDecodeError::Transaction)
}
