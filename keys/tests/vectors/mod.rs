//! The known-answer vectors in `fixtures/vectors/`: their JSON form and how
//! each field is computed. Shared by the generator (`examples/vectors.rs`)
//! and the test that recomputes the committed files (`tests/known_answers.rs`).
//! Byte strings are lower-case hex; field elements their canonical 32
//! little-endian bytes.
#![allow(dead_code)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::{Deserialize, Serialize};
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::Note,
    note_kind::NoteKind,
    package::{PackageNote, PACKAGE_SLOTS},
    Fr,
};
use superzk_keys::{
    encryption::EncryptedNote,
    hd::{account_path, ExtendedSpendingKey, Mnemonic},
    network::Network,
    note_plaintext::{encrypt_output, encrypt_package, MEMO_LEN},
    spending_key::{decode_field, encode_field, SpendingKey},
};

/// Where the vectors live, from the keys crate.
pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/vectors");
/// The derivation vectors' file.
pub const DERIVATION_FILE: &str = "derivation.json";
/// The encryption vectors' file.
pub const ENCRYPTION_FILE: &str = "encryption.json";

/// A published BIP-39 test vector (Trezor's list, 24 words), so that the
/// seed below can be checked against other implementations.
pub const MNEMONIC: &str = "legal winner thank year wave sausage worth useful legal winner \
     thank year wave sausage worth useful legal winner thank year wave sausage worth title";
/// Its passphrase in Trezor's list.
pub const PASSPHRASE: &str = "TREZOR";
/// The accounts derived on each network.
pub const ACCOUNTS: [u32; 3] = [0, 1, 2];
/// The diversifier indexes of the addresses listed per account.
pub const ADDRESS_INDEXES: [u64; 2] = [0, 1];

/// `fixtures/vectors/derivation.json`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Derivation {
    /// What the file is.
    pub description: String,
    /// The mnemonic.
    pub mnemonic: String,
    /// Its passphrase.
    pub passphrase: String,
    /// The BIP-39 seed.
    pub seed: String,
    /// The master key's spending key bytes.
    pub master_spending_key: String,
    /// The master key's chain code.
    pub master_chain_code: String,
    /// Each account on each network.
    pub accounts: Vec<Account>,
}

/// One account of [`Derivation`].
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Account {
    /// `mainnet`, `testnet` or `devnet`.
    pub network: String,
    /// The network's coin type.
    pub coin_type: u32,
    /// The account number.
    pub account: u32,
    /// `m/32'/coin_type'/account'`.
    pub path: String,
    /// The spending key's 32 bytes.
    pub spending_key: String,
    /// The chain code at the account's node.
    pub chain_code: String,
    /// The spending key's text form on the network.
    pub spending_key_encoded: String,
    /// The full viewing key's text form on the network.
    pub full_viewing_key: String,
    /// The incoming viewing key's text form on the network.
    pub incoming_viewing_key: String,
    /// The addresses at [`ADDRESS_INDEXES`], text forms on the network.
    pub addresses: Vec<String>,
}

/// Computes the derivation vectors from `mnemonic` and `passphrase`.
pub fn derivation(mnemonic: &str, passphrase: &str) -> Derivation {
    let mnemonic = Mnemonic::parse(mnemonic).expect("the vector's mnemonic is valid");
    let seed = mnemonic.to_seed(passphrase);
    let master = ExtendedSpendingKey::master(seed.as_bytes()).expect("64-byte seed");
    let mut accounts = Vec::new();
    for network in Network::ALL {
        for account in ACCOUNTS {
            let path = account_path(network, account).expect("small account numbers");
            let node = master.derive_path(&path);
            let sk = node.spending_key();
            let fvk = sk.full_viewing_key();
            let ivk = fvk.incoming_viewing_key();
            accounts.push(Account {
                network: network.name().into(),
                coin_type: network.coin_type(),
                account,
                path: format!("m/{}/{}/{}", path[0], path[1], path[2]),
                spending_key: hex::encode(*sk.to_bytes()),
                chain_code: hex::encode(*node.chain_code()),
                spending_key_encoded: sk.encode_for(network).to_string(),
                full_viewing_key: fvk.encode_for(network).to_string(),
                incoming_viewing_key: ivk.encode_for(network).to_string(),
                addresses: ADDRESS_INDEXES
                    .iter()
                    .map(|i| ivk.address(*i).encode_for(network))
                    .collect(),
            });
        }
    }
    Derivation {
        description: "SuperZK key derivation known-answer vectors: BIP-39 seed, master key, \
                      and per network and account (path m/32'/coin_type'/account') the \
                      spending key, chain code and the text forms of the keys and of the \
                      addresses at diversifier indexes 0 and 1. Regenerate with `cargo run \
                      --release -p superzk-keys --example vectors -- fixtures/vectors`."
            .into(),
        mnemonic: mnemonic.phrase().to_string(),
        passphrase: passphrase.into(),
        seed: hex::encode(seed.as_bytes()),
        master_spending_key: hex::encode(*master.spending_key().to_bytes()),
        master_chain_code: hex::encode(*master.chain_code()),
        accounts,
    }
}

/// `fixtures/vectors/encryption.json`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Encryption {
    /// What the file is.
    pub description: String,
    /// Note outputs.
    pub notes: Vec<NoteVector>,
    /// Package outputs.
    pub packages: Vec<PackageVector>,
}

/// What every output vector starts from: who sends to whom, and the
/// values that encryption draws or is bound to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Common {
    /// The recipient's spending key bytes.
    pub recipient_spending_key: String,
    /// The diversifier index of the recipient's address.
    pub diversifier_index: u64,
    /// The sender's spending key bytes (its `ovk` encrypts the out-ciphertext).
    pub sender_spending_key: String,
    /// The 512-byte memo.
    pub memo: String,
    /// The value commitment the out-ciphertext is bound to (any 32 bytes here).
    pub cv: String,
    /// The seed of the ChaCha20 RNG the ephemeral secret is drawn from.
    pub rng_seed: String,
    /// Commitment randomness.
    pub rcm: String,
    /// Nullifier seed.
    pub rho: String,
}

/// What every output vector ends with, all recomputed by the test.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Outputs {
    /// The recipient's address (mainnet text form).
    pub address: String,
    /// The address's owner tag, which the note commits to.
    pub owner: String,
    /// The sender's outgoing viewing key.
    pub ovk: String,
    /// The note commitment.
    pub cm: String,
    /// The ephemeral secret drawn from the RNG.
    pub esk: String,
    /// The ephemeral public key.
    pub epk: String,
    /// The note plaintext.
    pub plaintext: String,
    /// The note ciphertext with its tag.
    pub enc_ciphertext: String,
    /// The out-ciphertext with its tag.
    pub out_ciphertext: String,
}

/// A note output.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NoteVector {
    /// Inputs shared with packages.
    #[serde(flatten)]
    pub common: Common,
    /// The 66-byte asset information.
    pub asset_info: String,
    /// The value.
    pub value: u64,
    /// Everything computed.
    #[serde(flatten)]
    pub outputs: Outputs,
}

/// One slot of a package vector.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Slot {
    /// The 66-byte asset information.
    pub asset_info: String,
    /// The value.
    pub value: u64,
}

/// A package output.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PackageVector {
    /// Inputs shared with notes.
    #[serde(flatten)]
    pub common: Common,
    /// The package key.
    pub package_key: String,
    /// The four slots.
    pub contents: Vec<Slot>,
    /// Everything computed.
    #[serde(flatten)]
    pub outputs: Outputs,
}

/// Parses hex of exactly `N` bytes.
pub fn bytes<const N: usize>(hex_text: &str) -> [u8; N] {
    hex::decode(hex_text)
        .expect("hex")
        .try_into()
        .expect("length")
}

/// Parses a canonical field element.
pub fn field(hex_text: &str) -> Fr {
    decode_field(&hex::decode(hex_text).expect("hex"), "vector field").expect("canonical")
}

/// Parses asset information.
pub fn asset_info(hex_text: &str) -> AssetInfo {
    AssetInfo::from_bytes(&hex::decode(hex_text).expect("hex")).expect("asset info")
}

/// The outputs of one encryption, from its inputs.
fn outputs(common: &Common, cm: Fr, plaintext: Vec<u8>, enc: EncryptedNote) -> Outputs {
    let recipient = SpendingKey::from_bytes(bytes(&common.recipient_spending_key));
    let to = recipient
        .full_viewing_key()
        .incoming_viewing_key()
        .address(common.diversifier_index);
    let ovk = sender_ovk(common);
    let mut rng = ChaCha20Rng::from_seed(bytes(&common.rng_seed));
    let esk = superzk_keys::encryption::EphemeralSecret::random(&mut rng);
    Outputs {
        address: to.encode(),
        owner: hex::encode(encode_field(&to.owner())),
        ovk: hex::encode(ovk),
        cm: hex::encode(encode_field(&cm)),
        esk: hex::encode(*esk.to_bytes()),
        epk: hex::encode(enc.epk),
        plaintext: hex::encode(plaintext),
        enc_ciphertext: hex::encode(&enc.ciphertext),
        out_ciphertext: hex::encode(enc.out_ciphertext),
    }
}

fn sender_ovk(common: &Common) -> [u8; 32] {
    SpendingKey::from_bytes(bytes(&common.sender_spending_key))
        .full_viewing_key()
        .ovk()
}

fn recipient_address(common: &Common) -> superzk_keys::address::PaymentAddress {
    SpendingKey::from_bytes(bytes(&common.recipient_spending_key))
        .full_viewing_key()
        .incoming_viewing_key()
        .address(common.diversifier_index)
}

/// The note plaintext of a vector (as the recipient decrypts it).
fn note_plaintext(common: &Common, note: &Note, info: &AssetInfo) -> Vec<u8> {
    let d = recipient_address(common).diversifier();
    let memo: [u8; MEMO_LEN] = bytes(&common.memo);
    superzk_keys::note_plaintext::encode_plaintext(&d, note, &info.to_bytes().unwrap(), &memo)
        .to_vec()
}

/// The note a note vector sends.
pub fn note_of(v: &NoteVector) -> Note {
    Note {
        asset: asset_info(&v.asset_info).asset(),
        value: v.value,
        owner: recipient_address(&v.common).owner(),
        rho: field(&v.common.rho),
        rcm: field(&v.common.rcm),
    }
}

/// Recomputes a note vector's outputs from its inputs.
pub fn compute_note(v: &NoteVector) -> NoteVector {
    let c = &v.common;
    let note = note_of(v);
    let info = asset_info(&v.asset_info);
    let mut rng = ChaCha20Rng::from_seed(bytes(&c.rng_seed));
    let enc = encrypt_output(
        &recipient_address(c),
        &note,
        &info,
        &bytes(&c.memo),
        &sender_ovk(c),
        &bytes(&c.cv),
        &mut rng,
    )
    .expect("the vector's asset information matches its asset");
    let plaintext = note_plaintext(c, &note, &info);
    NoteVector {
        outputs: outputs(c, note.commitment(), plaintext, enc),
        ..v.clone()
    }
}

/// The package a package vector sends, and its slots' asset information.
pub fn package_of(v: &PackageVector) -> (PackageNote, [AssetInfo; PACKAGE_SLOTS]) {
    let infos: [AssetInfo; PACKAGE_SLOTS] =
        std::array::from_fn(|i| asset_info(&v.contents[i].asset_info));
    let contents = std::array::from_fn(|i| (infos[i].asset(), v.contents[i].value));
    let package = PackageNote {
        key: field(&v.package_key),
        contents,
        owner: recipient_address(&v.common).owner(),
        rho: field(&v.common.rho),
        rcm: field(&v.common.rcm),
    };
    (package, infos)
}

/// Recomputes a package vector's outputs from its inputs.
pub fn compute_package(v: &PackageVector) -> PackageVector {
    let c = &v.common;
    let (package, infos) = package_of(v);
    let mut rng = ChaCha20Rng::from_seed(bytes(&c.rng_seed));
    let to = recipient_address(c);
    let enc = encrypt_package(
        &to,
        &package,
        &infos,
        &bytes(&c.memo),
        &sender_ovk(c),
        &bytes(&c.cv),
        &mut rng,
    )
    .expect("the vector's asset information matches its assets");
    // The plaintext as the recipient reads it back.
    let ivk = SpendingKey::from_bytes(bytes(&c.recipient_spending_key))
        .full_viewing_key()
        .incoming_viewing_key();
    let plaintext = superzk_keys::encryption::try_decrypt_incoming(
        &ivk.encryption_scalar(),
        &enc.epk,
        &enc.ciphertext,
    )
    .expect("the recipient decrypts its own package");
    PackageVector {
        outputs: outputs(c, package.commitment(), plaintext, enc),
        ..v.clone()
    }
}

/// A memo: `text`, then zeros.
fn memo(text: &str) -> String {
    let mut m = [0u8; MEMO_LEN];
    m[..text.len()].copy_from_slice(text.as_bytes());
    hex::encode(m)
}

/// A field element from a label, so that inputs look random but are fixed.
fn labelled_field(label: &str) -> String {
    let wide =
        superzk_keys::encryption::blake2b_personal::<64>(b"SuperZK_Vectors_", &[label.as_bytes()]);
    hex::encode(encode_field(
        &<Fr as ark_ff::PrimeField>::from_le_bytes_mod_order(&wide[..]),
    ))
}

fn labelled_bytes(label: &str) -> String {
    let b =
        superzk_keys::encryption::blake2b_personal::<32>(b"SuperZK_Vectors_", &[label.as_bytes()]);
    hex::encode(*b)
}

fn common(label: &str, diversifier_index: u64, memo_text: &str) -> Common {
    Common {
        recipient_spending_key: labelled_bytes(&format!("{label} recipient")),
        diversifier_index,
        sender_spending_key: labelled_bytes(&format!("{label} sender")),
        memo: memo(memo_text),
        cv: labelled_bytes(&format!("{label} cv")),
        rng_seed: labelled_bytes(&format!("{label} rng")),
        rcm: labelled_field(&format!("{label} rcm")),
        rho: labelled_field(&format!("{label} rho")),
    }
}

fn hex_info(info: &AssetInfo) -> String {
    hex::encode(info.to_bytes().expect("valid names"))
}

/// A placeholder for outputs before they are computed.
fn empty_outputs() -> Outputs {
    Outputs {
        address: String::new(),
        owner: String::new(),
        ovk: String::new(),
        cm: String::new(),
        esk: String::new(),
        epk: String::new(),
        plaintext: String::new(),
        enc_ciphertext: String::new(),
        out_ciphertext: String::new(),
    }
}

/// A ticket for the vectors.
fn ticket() -> AssetInfo {
    AssetInfo::Ticket(Ticket::issued(&[0x11; 32], "concert-2026", &[0x22; 32]).unwrap())
}

/// Computes the encryption vectors from their fixed inputs.
pub fn encryption() -> Encryption {
    let notes = [
        NoteVector {
            common: common("note 0", 0, ""),
            asset_info: hex_info(&AssetInfo::native()),
            value: 1_000_000,
            outputs: empty_outputs(),
        },
        NoteVector {
            common: common(
                "note 1",
                1,
                "for the concert, row 12 seat 7 (a 512-byte memo)",
            ),
            asset_info: hex_info(&AssetInfo::currency("USD")),
            value: u64::MAX,
            outputs: empty_outputs(),
        },
        NoteVector {
            common: common("note 2", 5, "your ticket"),
            asset_info: hex_info(&ticket()),
            value: 1,
            outputs: empty_outputs(),
        },
    ];
    let package = PackageVector {
        common: common("package 0", 2, "a sealed gift"),
        package_key: labelled_field("package 0 key"),
        contents: vec![
            Slot {
                asset_info: hex_info(&AssetInfo::native()),
                value: 30,
            },
            Slot {
                asset_info: hex_info(&AssetInfo::currency("USD")),
                value: 5,
            },
            Slot {
                asset_info: hex_info(&ticket()),
                value: 1,
            },
            Slot {
                asset_info: hex_info(&AssetInfo::native()),
                value: 0,
            },
        ],
        outputs: empty_outputs(),
    };
    Encryption {
        description: "SuperZK note encryption known-answer vectors: from the inputs (the \
                      recipient's and sender's spending keys, diversifier index, note fields, \
                      asset information, memo, cv, and the seed of the ChaCha20 RNG the \
                      ephemeral secret is drawn from) the address, owner tag, ovk, note \
                      commitment, esk, epk, plaintext and both ciphertexts. Regenerate with \
                      `cargo run --release -p superzk-keys --example vectors -- \
                      fixtures/vectors`."
            .into(),
        notes: notes.iter().map(compute_note).collect(),
        packages: vec![compute_package(&package)],
    }
}
