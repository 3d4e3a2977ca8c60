//! What the fuzz targets share: the committed fixtures (verifying keys, valid
//! transactions and proof files) and the fixture wallets, so that every target
//! checks outside bytes against the same truth the test suite uses.

use std::sync::OnceLock;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_keys::{
    disclosure::{Disclosure, Revealed, Selection},
    params::{verifying_key_from_bytes, VerifyingParameters},
    spending_key::SpendingKey,
};
use superzk_verifier::{transaction::Transaction, verify::VerifyingKeys};

/// The built-in (demo) verifying key files, as the CLI embeds them.
pub const VK_FILES: [&[u8]; 4] = [
    include_bytes!("../../fixtures/spend.vk"),
    include_bytes!("../../fixtures/output.vk"),
    include_bytes!("../../fixtures/package-spend.vk"),
    include_bytes!("../../fixtures/package-output.vk"),
];

/// Every transaction `fixtures/manifest.json` lists as valid.
pub const VALID_TXS: [&[u8]; 8] = [
    include_bytes!("../../fixtures/shield.tx"),
    include_bytes!("../../fixtures/transfer.tx"),
    include_bytes!("../../fixtures/ticket_issue.tx"),
    include_bytes!("../../fixtures/ticket_sale.tx"),
    include_bytes!("../../fixtures/ticket_redeem.tx"),
    include_bytes!("../../fixtures/package_seal.tx"),
    include_bytes!("../../fixtures/package_pass.tx"),
    include_bytes!("../../fixtures/package_open.tx"),
];

/// Every proof file the manifest lists as valid.
pub const VALID_PROOFS: [&[u8]; 2] = [
    include_bytes!("../../fixtures/spend.proof"),
    include_bytes!("../../fixtures/output.proof"),
];

/// The verifying keys the fixtures were made for.
pub fn verifying_keys() -> &'static VerifyingKeys {
    static KEYS: OnceLock<VerifyingKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let [spend, output, package_spend, package_output] =
            VK_FILES.map(|b| verifying_key_from_bytes(b).expect("committed vk parses"));
        VerifyingKeys {
            spend,
            output,
            package_spend,
            package_output,
        }
    })
}

/// The built-in verifying key with this fingerprint, if any.
pub fn verifying_key_by_fingerprint(
    fingerprint: &superzk_keys::params::Fingerprint,
) -> Option<&'static VerifyingParameters> {
    let k = verifying_keys();
    [&k.spend, &k.output, &k.package_spend, &k.package_output]
        .into_iter()
        .find(|vp| vp.fingerprint == *fingerprint)
}

/// The two fixture wallets (`cli/src/fixtures.rs`): alice and bob.
pub fn fixture_wallets() -> [SpendingKey; 2] {
    [
        SpendingKey::from_seed(b"SuperZK fixture wallet alice", 0),
        SpendingKey::from_seed(b"SuperZK fixture wallet bob", 0),
    ]
}

/// Applies a list of byte edits to `original`: each 4-byte group of `ops` is
/// `(op, offset_lo, offset_hi, value)` with op 0 = xor, 1 = set, 2 = insert,
/// 3 = delete, at `offset mod len`. Keeps a mutant close to a valid input,
/// so the checks behind the decoder are reached.
pub fn apply_edits(original: &[u8], ops: &[u8]) -> Vec<u8> {
    let mut out = original.to_vec();
    for op in ops.chunks_exact(4) {
        let len = out.len().max(1);
        let at = usize::from(u16::from_le_bytes([op[1], op[2]])) % len;
        match op[0] % 4 {
            0 if !out.is_empty() => out[at] ^= op[3],
            1 if !out.is_empty() => out[at] = op[3],
            2 => out.insert(at.min(out.len()), op[3]),
            3 if !out.is_empty() => {
                out.remove(at);
            }
            _ => {}
        }
    }
    out
}

/// The valid fixture transactions, decoded.
pub fn valid_transactions() -> &'static [Transaction] {
    static TXS: OnceLock<Vec<Transaction>> = OnceLock::new();
    TXS.get_or_init(|| {
        VALID_TXS
            .iter()
            .map(|b| Transaction::from_bytes(b).expect("a valid fixture decodes"))
            .collect()
    })
}

/// A real disclosure of a fixture transaction by a fixture wallet.
pub struct FixtureDisclosure {
    /// Which of [`valid_transactions`].
    pub tx: usize,
    /// The disclosure file.
    pub bytes: Vec<u8>,
    /// What it reveals.
    pub revealed: Vec<Revealed>,
}

/// Every disclosure the fixture wallets can make of the valid fixture
/// transactions: received and sent, of every output each key sees.
pub fn fixture_disclosures() -> &'static [FixtureDisclosure] {
    static MADE: OnceLock<Vec<FixtureDisclosure>> = OnceLock::new();
    MADE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let mut made = vec![];
        for (i, tx) in valid_transactions().iter().enumerate() {
            let outputs = tx.disclosure_outputs();
            for sk in fixture_wallets() {
                let fvk = sk.full_viewing_key();
                let ivk = fvk.incoming_viewing_key();
                let both = [
                    Disclosure::received(&ivk, tx.id(), &outputs, Selection::AllVisible, &mut rng),
                    Disclosure::sent(&fvk, tx.id(), &outputs, Selection::AllVisible, &mut rng),
                ];
                for d in both.into_iter().flatten() {
                    let revealed = d
                        .verify(&tx.id(), &outputs)
                        .expect("a real disclosure verifies");
                    made.push(FixtureDisclosure {
                        tx: i,
                        bytes: d.to_bytes(),
                        revealed,
                    });
                }
            }
        }
        assert!(!made.is_empty(), "the fixture wallets see fixture outputs");
        made
    })
}

/// The three files snarkjs wrote for a real BLS12-381 proof (committed with
/// the interop test): verification key, proof, public signals.
pub const SNARKJS_FILES: [&[u8]; 3] = [
    include_bytes!("../../verifier/tests/interop/snarkjs-bls12381/vk.json"),
    include_bytes!("../../verifier/tests/interop/snarkjs-bls12381/proof.json"),
    include_bytes!("../../verifier/tests/interop/snarkjs-bls12381/public.json"),
];

/// A real proof in bellman's byte layout: the committed Spend proof file and
/// its verifying key re-encoded as bellman writes them (`VerifyingKey::write`:
/// alpha_g1, beta_g1, beta_g2, gamma_g2, delta_g1, delta_g2 uncompressed, a
/// big-endian count and the IC points; `Proof::write`: a, b, c compressed;
/// public inputs as 32-byte little-endian scalars). The two G1 points bellman
/// keeps and arkworks does not (beta_g1, delta_g1) are the generator: the
/// importer checks them but does not use them.
pub fn bellman_files() -> &'static [Vec<u8>; 3] {
    static FILES: OnceLock<[Vec<u8>; 3]> = OnceLock::new();
    FILES.get_or_init(|| {
        use ark_ec::AffineRepr;
        use ark_ff::{BigInteger, PrimeField};
        use ark_serialize::CanonicalSerialize;
        let file = superzk_verifier::proof_file::ProofFile::from_bytes(VALID_PROOFS[0])
            .expect("the committed proof file reads");
        let vk = &verifying_key_by_fingerprint(&file.vk)
            .expect("made for a built-in key")
            .vk;
        let g1 = ark_bls12_381::G1Affine::generator();
        let mut vk_bytes = vec![];
        fn put<T: CanonicalSerialize>(out: &mut Vec<u8>, p: &T) {
            p.serialize_uncompressed(out).expect("to memory");
        }
        put(&mut vk_bytes, &vk.alpha_g1);
        put(&mut vk_bytes, &g1);
        put(&mut vk_bytes, &vk.beta_g2);
        put(&mut vk_bytes, &vk.gamma_g2);
        put(&mut vk_bytes, &g1);
        put(&mut vk_bytes, &vk.delta_g2);
        vk_bytes.extend_from_slice(&(vk.gamma_abc_g1.len() as u32).to_be_bytes());
        for p in &vk.gamma_abc_g1 {
            p.serialize_uncompressed(&mut vk_bytes).expect("to memory");
        }
        let mut proof = vec![];
        file.proof
            .a
            .serialize_compressed(&mut proof)
            .expect("to memory");
        file.proof
            .b
            .serialize_compressed(&mut proof)
            .expect("to memory");
        file.proof
            .c
            .serialize_compressed(&mut proof)
            .expect("to memory");
        let inputs = file
            .public_inputs
            .iter()
            .flat_map(|x| {
                let mut b = x.into_bigint().to_bytes_le();
                b.resize(32, 0);
                b
            })
            .collect();
        [vk_bytes, proof, inputs]
    })
}
