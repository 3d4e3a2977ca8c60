//! Assets: currencies, named by strings, and tickets (anonymous NFTs), named by
//! a category and a unique 32-byte id. Each has an asset id, a field element,
//! and through it a value base `G_asset` of its own.
//!
//! * Currency `name`: `asset = H_AssetId(len, c_1, …, c_k)`, the `c_i` the
//!   31-byte chunks of the UTF-8 name, little-endian.
//! * Ticket `(category, id)`: `asset = H_TicketAsset(len, c_1, …, c_k,
//!   id_lo, id_hi)`, the `c_i` the category's chunks and `id_lo`, `id_hi` the
//!   two 16-byte halves of the id, little-endian.
//!
//! A ticket note always has value 1. Since its value base is unique, the
//! balance rule alone forbids duplicating it: two outputs of one ticket need
//! `2·G_ticket` of input, and only issuance (once, publicly) or spending the
//! ticket's note provides `1·G_ticket`.
//!
//! An issued ticket's id is derived from its issuer ([`Ticket::issued`]):
//! `id = Blake2b-256("SuperZK_TicketId"; issuer (32) ‖ len(category) (u8) ‖
//! category ‖ serial (32))`, so every category is namespaced by the account
//! that issues in it, and an issuance can only ever name a ticket asset.

use ark_ff::PrimeField;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blake2::{
    digest::{
        core_api::{Buffer, UpdateCore, VariableOutputCore},
        Output,
    },
    Blake2bVarCore,
};

use crate::{
    generators::{group_hash, GroupHash},
    poseidon::{hash, Domain},
    Fr,
};

/// Longest currency name or ticket category, in bytes.
pub const MAX_NAME_LEN: usize = 32;

/// An asset identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, CanonicalSerialize, CanonicalDeserialize)]
pub struct AssetId(pub Fr);

fn name_inputs(name: &str) -> Vec<Fr> {
    let bytes = name.as_bytes();
    let mut inputs = vec![Fr::from(bytes.len() as u64)];
    inputs.extend(bytes.chunks(31).map(Fr::from_le_bytes_mod_order));
    inputs
}

impl AssetId {
    /// The asset id of a currency name such as `"SERO"`.
    pub fn from_name(name: &str) -> Self {
        AssetId(hash(Domain::AssetId.tag(0), &name_inputs(name)))
    }

    /// The chain's native currency, in which fees are paid.
    pub fn native() -> Self {
        Self::from_name(crate::NATIVE_ASSET)
    }

    /// This asset's value base `G_asset`, with the hints circuits need.
    pub fn value_base(&self) -> GroupHash {
        group_hash(self.0)
    }

    /// The canonical 32 bytes (little-endian).
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        self.0.serialize_compressed(&mut out[..]).expect("32 bytes");
        out
    }
}

/// A ticket: an anonymous NFT.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ticket {
    /// Its category, e.g. `"concert-2026"` (1 to 32 bytes).
    pub category: String,
    /// Its unique id.
    pub id: [u8; 32],
}

/// Blake2b personalization of the ticket id derivation.
pub const TICKET_ID_PERSONALIZATION: &[u8; 16] = b"SuperZK_TicketId";

impl Ticket {
    /// The ticket `issuer` (a transparent account id) issues in `category`
    /// with `serial`: its id is `Blake2b-256` personalised with
    /// [`TICKET_ID_PERSONALIZATION`] over `issuer (32) ‖ len(category) (u8)
    /// ‖ category ‖ serial (32)`.
    ///
    /// The id binds the issuer, so only the issuing account can create a
    /// ticket of this id: the same category and serial issued by anyone
    /// else is another ticket with another asset id.
    ///
    /// Fails with [`AssetInfoError::Name`] when `category` is empty or
    /// longer than [`MAX_NAME_LEN`] bytes.
    pub fn issued(
        issuer: &[u8; 32],
        category: &str,
        serial: &[u8; 32],
    ) -> Result<Self, AssetInfoError> {
        if !valid_name(category) {
            return Err(AssetInfoError::Name);
        }
        let mut core = Blake2bVarCore::new_with_params(&[], TICKET_ID_PERSONALIZATION, 0, 32);
        let mut buffer = Buffer::<Blake2bVarCore>::default();
        for part in [
            &issuer[..],
            &[category.len() as u8][..],
            category.as_bytes(),
            &serial[..],
        ] {
            buffer.digest_blocks(part, |blocks| core.update_blocks(blocks));
        }
        let mut full = Output::<Blake2bVarCore>::default();
        core.finalize_variable_core(&mut buffer, &mut full);
        let mut id = [0u8; 32];
        id.copy_from_slice(&full[..32]);
        Ok(Ticket {
            category: category.to_owned(),
            id,
        })
    }

    /// The ticket's asset id.
    pub fn asset(&self) -> AssetId {
        let mut inputs = name_inputs(&self.category);
        inputs.push(Fr::from_le_bytes_mod_order(&self.id[..16]));
        inputs.push(Fr::from_le_bytes_mod_order(&self.id[16..]));
        AssetId(hash(Domain::TicketAsset.tag(0), &inputs))
    }
}

/// Why asset information does not decode.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum AssetInfoError {
    /// Wrong length.
    #[error("asset information is {0} bytes, expected {ASSET_INFO_LEN}")]
    Length(usize),
    /// Unknown kind byte.
    #[error("unknown asset kind {0}")]
    Kind(u8),
    /// A name that is empty, too long or not UTF-8.
    #[error("asset name or ticket category must be 1 to {MAX_NAME_LEN} bytes of UTF-8")]
    Name,
    /// Padding that is not zero.
    #[error("non-zero padding in asset information")]
    Padding,
}

/// Length of encoded [`AssetInfo`].
pub const ASSET_INFO_LEN: usize = 2 + MAX_NAME_LEN + 32;

/// What an asset is, as a sender tells the recipient inside the encrypted
/// note: `kind (0 currency, 1 ticket) ‖ name length ‖ name (32, zero padded)
/// ‖ ticket id (32; zero for currencies)`. Recipients check it against the
/// note's asset id, so a sender cannot mislabel an asset.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AssetInfo {
    /// A currency and its name.
    Currency(String),
    /// A ticket.
    Ticket(Ticket),
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LEN
}

impl AssetInfo {
    /// A currency by name.
    pub fn currency(name: &str) -> Self {
        AssetInfo::Currency(name.to_owned())
    }

    /// The chain's native currency.
    pub fn native() -> Self {
        Self::currency(crate::NATIVE_ASSET)
    }

    /// The asset id this describes.
    pub fn asset(&self) -> AssetId {
        match self {
            AssetInfo::Currency(name) => AssetId::from_name(name),
            AssetInfo::Ticket(t) => t.asset(),
        }
    }

    /// Encodes; fails if the name is empty or longer than 32 bytes.
    pub fn to_bytes(&self) -> Result<[u8; ASSET_INFO_LEN], AssetInfoError> {
        let mut out = [0u8; ASSET_INFO_LEN];
        let (kind, name, id) = match self {
            AssetInfo::Currency(n) => (0u8, n.as_str(), [0u8; 32]),
            AssetInfo::Ticket(t) => (1u8, t.category.as_str(), t.id),
        };
        if !valid_name(name) {
            return Err(AssetInfoError::Name);
        }
        out[0] = kind;
        out[1] = name.len() as u8;
        out[2..2 + name.len()].copy_from_slice(name.as_bytes());
        out[2 + MAX_NAME_LEN..].copy_from_slice(&id);
        Ok(out)
    }

    /// Decodes the 66-byte form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AssetInfoError> {
        if bytes.len() != ASSET_INFO_LEN {
            return Err(AssetInfoError::Length(bytes.len()));
        }
        let len = bytes[1] as usize;
        if len == 0 || len > MAX_NAME_LEN {
            return Err(AssetInfoError::Name);
        }
        if bytes[2 + len..2 + MAX_NAME_LEN].iter().any(|b| *b != 0) {
            return Err(AssetInfoError::Padding);
        }
        let name = std::str::from_utf8(&bytes[2..2 + len])
            .map_err(|_| AssetInfoError::Name)?
            .to_owned();
        let id: [u8; 32] = bytes[2 + MAX_NAME_LEN..].try_into().expect("32 bytes");
        match bytes[0] {
            0 if id == [0; 32] => Ok(AssetInfo::Currency(name)),
            0 => Err(AssetInfoError::Padding),
            1 => Ok(AssetInfo::Ticket(Ticket { category: name, id })),
            k => Err(AssetInfoError::Kind(k)),
        }
    }
}

impl std::fmt::Display for AssetInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AssetInfo::Currency(name) => f.write_str(name),
            AssetInfo::Ticket(t) => {
                write!(f, "ticket {}#", t.category)?;
                t.id[..6].iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_and_currencies_have_distinct_ids_and_round_trip() {
        let t1 = Ticket {
            category: "concert-2026".into(),
            id: [1; 32],
        };
        let mut t2 = t1.clone();
        t2.id[31] = 2;
        let t3 = Ticket {
            category: "concert-2027".into(),
            id: [1; 32],
        };
        let ids = [
            t1.asset(),
            t2.asset(),
            t3.asset(),
            AssetId::from_name("concert-2026"),
            AssetId::native(),
        ];
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                assert_ne!(a, b);
            }
        }
        for info in [AssetInfo::Ticket(t1), AssetInfo::Currency("USD".into())] {
            let bytes = info.to_bytes().unwrap();
            assert_eq!(AssetInfo::from_bytes(&bytes).unwrap(), info);
        }
    }

    #[test]
    fn issued_ticket_ids_bind_issuer_category_and_serial() {
        let t = Ticket::issued(&[7; 32], "concert-2026", &[1; 32]).unwrap();
        // Reference: Python's hashlib.blake2b(issuer || len || category ||
        // serial, digest_size=32, person=b"SuperZK_TicketId").
        assert_eq!(
            hex::encode(t.id),
            "07127e50191fd1256857503e003ec3cf3d9f5c68146aa7df801dd3c300f43d3d"
        );
        assert_eq!(t.category, "concert-2026");
        let others = [
            Ticket::issued(&[8; 32], "concert-2026", &[1; 32]).unwrap(),
            Ticket::issued(&[7; 32], "concert-2027", &[1; 32]).unwrap(),
            Ticket::issued(&[7; 32], "concert-2026", &[2; 32]).unwrap(),
        ];
        for o in &others {
            assert_ne!(o.id, t.id);
            assert_ne!(o.asset(), t.asset());
        }
        // A ticket asset is never a currency's, whatever the category says.
        let sero = Ticket::issued(&[7; 32], crate::NATIVE_ASSET, &[0; 32]).unwrap();
        assert_ne!(sero.asset(), AssetId::native());
        assert_eq!(
            Ticket::issued(&[7; 32], "", &[1; 32]),
            Err(AssetInfoError::Name)
        );
        assert_eq!(
            Ticket::issued(&[7; 32], &"x".repeat(33), &[1; 32]),
            Err(AssetInfoError::Name)
        );
    }

    #[test]
    fn asset_info_rejects_garbage() {
        assert_eq!(
            AssetInfo::Currency(String::new()).to_bytes(),
            Err(AssetInfoError::Name)
        );
        assert_eq!(
            AssetInfo::Currency("x".repeat(33)).to_bytes(),
            Err(AssetInfoError::Name)
        );
        let good = AssetInfo::Currency("USD".into()).to_bytes().unwrap();
        let mut bad = good;
        bad[0] = 9;
        assert_eq!(AssetInfo::from_bytes(&bad), Err(AssetInfoError::Kind(9)));
        let mut bad = good;
        bad[20] = 1;
        assert_eq!(AssetInfo::from_bytes(&bad), Err(AssetInfoError::Padding));
        let mut bad = good;
        bad[1] = 40;
        assert_eq!(AssetInfo::from_bytes(&bad), Err(AssetInfoError::Name));
        let mut bad = good;
        bad[2] = 0xff;
        assert_eq!(AssetInfo::from_bytes(&bad), Err(AssetInfoError::Name));
        assert!(AssetInfo::from_bytes(&good[..10]).is_err());
        let mut state = 7u32;
        for _ in 0..5000 {
            let mut b = [0u8; ASSET_INFO_LEN];
            for x in b.iter_mut() {
                state = state.wrapping_mul(1103515245).wrapping_add(12345);
                *x = (state >> 16) as u8 % 4;
            }
            let _ = AssetInfo::from_bytes(&b);
        }
    }
}
