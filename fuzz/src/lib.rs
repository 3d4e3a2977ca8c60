//! What the fuzz targets share: the committed fixtures (verifying keys, valid
//! transactions and proof files) and the fixture wallets, so that every target
//! checks outside bytes against the same truth the test suite uses.

use std::sync::OnceLock;

use superzk_keys::{
    params::{verifying_key_from_bytes, VerifyingParameters},
    spending_key::SpendingKey,
};
use superzk_verifier::verify::VerifyingKeys;

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
