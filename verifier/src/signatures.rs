//! A block's signatures in one randomized batch: every spend-authorization
//! signature and every binding signature of many transactions checked with
//! one multi-scalar multiplication, accepting exactly the signatures
//! `superzk_keys::signature` accepts one by one (up to the batch's 2⁻¹²⁸).
//!
//! The equation is the one `keys::signature::batch_verify` checks (the
//! uncofactored Schnorr equation, `[s] B = R + [c] vk`, combined with random
//! 128-bit `z_i`), over both domains at once:
//!
//! ```text
//! [−Σ_auth z_i s_i] G_auth + [−Σ_bind z_i s_i] R_base + Σ [z_i] R_i + Σ [z_i c_i] vk_i = O
//! ```
//!
//! What differs is only how it is computed: each nonce `R_i` is decoded
//! with the same checks (canonical, on the curve, in the prime-order
//! subgroup), the subgroup test with a signed-window multiplication by the
//! group order instead of arkworks' double-and-add (same answer, a third
//! of the additions), in parallel; and the sum is split in tasks over the
//! pool, each one bucket MSM on its own thread (arkworks' MSM starts a
//! thread pool per call).
//!
//! Why `R_i` keeps its full subgroup check (docs/PROTOCOL.md §8, "Batch
//! verification"): the transaction id hashes the signatures, and a
//! cofactored equation would accept `R + T` for every small-order `T` next
//! to `R`, letting anyone change a valid transaction's id without
//! invalidating it.

use std::sync::OnceLock;

use ark_ec::AffineRepr;
use ark_ed_on_bls12_381::{EdwardsAffine, EdwardsProjective, Fr};
use ark_ff::{AdditiveGroup, BigInteger, PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;
use superzk_keys::{
    encryption::blake2b_personal,
    signature::{SigDomain, Signature},
    spending_key::{Binding, SpendAuth},
};

/// Which signature domain an item belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Domain {
    /// Spend authorization (base `G_auth`).
    SpendAuth,
    /// The binding signature (base `R`).
    Binding,
}

impl Domain {
    fn personalization(self) -> &'static [u8; 16] {
        match self {
            Self::SpendAuth => SpendAuth::PERSONALIZATION,
            Self::Binding => Binding::PERSONALIZATION,
        }
    }
}

/// One signature to check: the key's point (a prime-order subgroup point,
/// as for `VerificationKey::from_point`), the message and the signature.
pub(crate) struct Item<'a> {
    /// Which domain.
    pub domain: Domain,
    /// The verification key.
    pub vk: EdwardsAffine,
    /// The signed message.
    pub msg: &'a [u8],
    /// The signature.
    pub sig: &'a Signature,
}

/// Signatures per task: each task decodes its items and computes one MSM of
/// twice as many points; enough to amortize the MSM's windows, few enough
/// to spread a block's signatures over every core.
const ITEMS_PER_TASK: usize = 96;

/// Whether every signature verifies (an empty list does). `false` if any is
/// malformed or wrong: the caller then checks each transaction on its own to
/// name the culprits, with `keys::signature`.
pub(crate) fn all_verify(items: &[Item], seed: [u8; 32]) -> bool {
    let sums: Option<Vec<(EdwardsProjective, Fr, Fr)>> = items
        .par_chunks(ITEMS_PER_TASK)
        .enumerate()
        .map(|(i, chunk)| {
            let mut s = seed;
            s[24..].copy_from_slice(&(i as u64).to_le_bytes());
            task(chunk, &mut rand_chacha::ChaCha20Rng::from_seed(s))
        })
        .collect();
    let Some(sums) = sums else {
        return false;
    };
    let (mut total, mut auth, mut bind) = (EdwardsProjective::zero(), Fr::zero(), Fr::zero());
    for (p, a, b) in sums {
        total += p;
        auth += a;
        bind += b;
    }
    total += SpendAuth::base() * auth;
    total += Binding::base() * bind;
    total.is_zero()
}

/// One task's part of the sum: `Σ [z_i] R_i + Σ [z_i c_i] vk_i`, and the
/// base coefficients `−Σ z_i s_i` of each domain; `None` if an item is
/// malformed (identity key, bad `R`, non-canonical `s`).
fn task(items: &[Item], rng: &mut impl RngCore) -> Option<(EdwardsProjective, Fr, Fr)> {
    let mut bases = Vec::with_capacity(2 * items.len());
    let mut scalars = Vec::with_capacity(2 * items.len());
    let (mut auth, mut bind) = (Fr::zero(), Fr::zero());
    for item in items {
        if item.vk.is_zero() {
            return None;
        }
        let r = decode_nonce(&item.sig.r)?;
        let s = decode_scalar(&item.sig.s)?;
        let c = challenge(item.domain, &item.sig.r, &encode_point(&item.vk), item.msg);
        let mut z = [0u8; 16];
        rng.fill_bytes(&mut z);
        let z = Fr::from(u128::from_le_bytes(z));
        match item.domain {
            Domain::SpendAuth => auth -= z * s,
            Domain::Binding => bind -= z * s,
        }
        bases.push(r);
        scalars.push(z);
        bases.push(item.vk);
        scalars.push(z * c);
    }
    Some((msm(&bases, &scalars), auth, bind))
}

/// `Σ [s_i] p_i` by buckets (Pippenger), on the calling thread: arkworks'
/// MSM starts a thread pool of its own on every call, which for a task's
/// few hundred points costs more than it saves.
fn msm(points: &[EdwardsAffine], scalars: &[Fr]) -> EdwardsProjective {
    let scalars: Vec<_> = scalars.iter().map(|s| s.into_bigint()).collect();
    let window = match points.len() {
        0..=31 => 3,
        32..=127 => 5,
        128..=511 => 6,
        _ => 8,
    };
    let bits = Fr::MODULUS_BIT_SIZE as usize;
    let mut total = EdwardsProjective::zero();
    let mut buckets = vec![EdwardsProjective::zero(); (1 << window) - 1];
    for start in (0..bits).step_by(window).rev() {
        for _ in 0..window {
            total.double_in_place();
        }
        buckets
            .iter_mut()
            .for_each(|b| *b = EdwardsProjective::zero());
        for (p, s) in points.iter().zip(&scalars) {
            let digit = window_bits(s.as_ref(), start, window);
            if digit != 0 {
                buckets[digit - 1] += p;
            }
        }
        // Σ_d d·bucket_d as running sums from the top bucket down.
        let (mut running, mut sum) = (EdwardsProjective::zero(), EdwardsProjective::zero());
        for b in buckets.iter().rev() {
            running += b;
            sum += running;
        }
        total += sum;
    }
    total
}

/// Bits `start .. start + len` of a little-endian multi-limb integer.
fn window_bits(limbs: &[u64], start: usize, len: usize) -> usize {
    let (limb, shift) = (start / 64, start % 64);
    let mut v = limbs.get(limb).map_or(0, |l| l >> shift);
    if shift + len > 64 {
        v |= limbs.get(limb + 1).map_or(0, |l| l << (64 - shift));
    }
    (v & ((1 << len) - 1)) as usize
}

/// `c = Blake2b-512(personalization, R || vk || m) mod r`, as
/// `keys::signature` computes it.
fn challenge(domain: Domain, r: &[u8; 32], vk: &[u8; 32], msg: &[u8]) -> Fr {
    let h = blake2b_personal::<64>(domain.personalization(), &[r, vk, msg]);
    Fr::from_le_bytes_mod_order(&h[..])
}

fn encode_point(p: &EdwardsAffine) -> [u8; 32] {
    let mut out = [0u8; 32];
    p.serialize_compressed(&mut out[..])
        .expect("a Jubjub point compresses to 32 bytes");
    out
}

/// A canonical scalar (`< r`), as `keys::signature` requires of `s`.
fn decode_scalar(bytes: &[u8; 32]) -> Option<Fr> {
    let s = Fr::deserialize_compressed(&bytes[..]).ok()?;
    let mut again = [0u8; 32];
    s.serialize_compressed(&mut again[..]).ok()?;
    (again == *bytes).then_some(s)
}

/// A signature nonce `R`: exactly what `keys::signature` accepts (arkworks'
/// validating decoder, then the canonical re-encoding), the identity
/// included: canonical, on the curve, in the prime-order subgroup.
pub(crate) fn decode_nonce(bytes: &[u8; 32]) -> Option<EdwardsAffine> {
    // Decompression solves the curve equation for x; arkworks' validation
    // checks the equation again and the subgroup, which `in_subgroup` does
    // faster with the same answer.
    let p = EdwardsAffine::deserialize_compressed_unchecked(&bytes[..]).ok()?;
    (p.is_on_curve() && encode_point(&p) == *bytes && in_subgroup(&p)).then_some(p)
}

/// Window of the signed-digit form of the group order.
const WINDOW: usize = 5;

/// Whether `[r] p = O` (`r` the order of the prime-order subgroup), for a
/// point on the curve: arkworks' test, with the multiplication by `r` done
/// in signed digits of width [`WINDOW`] (about 42 additions instead of 126,
/// the same 251 doublings).
pub(crate) fn in_subgroup(p: &EdwardsAffine) -> bool {
    static DIGITS: OnceLock<Vec<i64>> = OnceLock::new();
    let digits = DIGITS.get_or_init(|| {
        Fr::MODULUS
            .find_wnaf(WINDOW)
            .expect("a window of 5 is in wNAF's range")
    });
    // Odd multiples p, 3p, ..., 15p.
    let p1 = p.into_group();
    let p2 = p1.double();
    let mut odd = [p1; 1 << (WINDOW - 2)];
    for i in 1..odd.len() {
        odd[i] = odd[i - 1] + p2;
    }
    let mut acc = EdwardsProjective::zero();
    for &d in digits.iter().rev() {
        acc.double_in_place();
        match d.signum() {
            1 => acc += odd[(d / 2) as usize],
            -1 => acc -= odd[(-d / 2) as usize],
            _ => {}
        }
    }
    acc.is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ed_on_bls12_381::Fq;
    use ark_ff::UniformRand;
    use rand_chacha::ChaCha20Rng;

    /// The eight points of small order (the torsion subgroup, cyclic), in
    /// order: `[k] T8` for k = 0..8.
    pub(crate) fn torsion() -> Vec<EdwardsAffine> {
        // [r] p has order dividing 8 for any p on the curve; keep one of order 8.
        let t8 = (1u64..)
            .filter_map(|y| EdwardsAffine::get_point_from_y_unchecked(Fq::from(y), false))
            .map(|p| p.mul_bigint(Fr::MODULUS))
            .find(|t| !t.double().double().is_zero())
            .unwrap();
        (0..8u64)
            .map(|k| t8.into_affine().mul_bigint([k]).into_affine())
            .collect()
    }

    #[test]
    fn the_msm_agrees_with_arkworks() {
        use ark_ec::VariableBaseMSM;
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        for n in [0usize, 1, 2, 31, 32, 127, 128, 200, 600] {
            let points: Vec<EdwardsAffine> = (0..n)
                .map(|_| EdwardsProjective::rand(&mut rng).into_affine())
                .collect();
            let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            if n > 2 {
                scalars[0] = Fr::zero();
                scalars[1] = -Fr::from(1u64);
                scalars[2] = Fr::from(u128::MAX);
            }
            assert_eq!(
                msm(&points, &scalars),
                EdwardsProjective::msm(&points, &scalars).unwrap(),
                "{n} points"
            );
        }
    }

    #[test]
    fn the_subgroup_test_agrees_with_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let torsion = torsion();
        for t in &torsion {
            assert_eq!(in_subgroup(t), t.is_zero());
            assert!(t.mul_bigint([8u64]).is_zero());
        }
        for i in 0..200 {
            let p = EdwardsProjective::rand(&mut rng).into_affine();
            assert!(in_subgroup(&p));
            let q = (p + torsion[i % 8]).into_affine();
            assert_eq!(
                in_subgroup(&q),
                q.is_in_correct_subgroup_assuming_on_curve()
            );
            assert_eq!(in_subgroup(&q), i % 8 == 0);
        }
    }

    #[test]
    fn nonces_decode_exactly_as_arkworks_validates() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let torsion = torsion();
        let arkworks = |b: &[u8; 32]| {
            EdwardsAffine::deserialize_compressed(&b[..])
                .ok()
                .filter(|p| encode_point(p) == *b)
        };
        let mut encodings: Vec<[u8; 32]> = vec![];
        for i in 0..100 {
            let p = EdwardsProjective::rand(&mut rng).into_affine();
            encodings.push(encode_point(&p));
            encodings.push(encode_point(&(p + torsion[i % 8]).into_affine()));
            let mut flipped = encode_point(&p);
            flipped[31] ^= 0x80;
            encodings.push(flipped);
            let mut random = [0u8; 32];
            rng.fill_bytes(&mut random);
            encodings.push(random);
            random[31] &= 0x7f;
            encodings.push(random);
        }
        for t in &torsion {
            let mut e = encode_point(t);
            encodings.push(e);
            // The second encoding of x = 0 points (sign bit set).
            e[31] |= 0x80;
            encodings.push(e);
        }
        // y >= q.
        let mut big = [0xffu8; 32];
        big[31] = 0x7f;
        encodings.push(big);
        let mut accepted = 0;
        for e in &encodings {
            assert_eq!(decode_nonce(e), arkworks(e), "{e:02x?}");
            accepted += usize::from(decode_nonce(e).is_some());
        }
        assert!(accepted > 100, "valid nonces were among them");
    }

    /// One test signature: its domain, key and signature.
    type Signed = (Domain, EdwardsAffine, Signature);

    /// `n` valid items of both domains.
    fn signed(n: usize, msg: &[u8], rng: &mut ChaCha20Rng) -> Vec<Signed> {
        use superzk_keys::signature::SigningKey;
        (0..n)
            .map(|i| {
                if i % 3 == 2 {
                    let sk = SigningKey::<Binding>::random(rng);
                    (
                        Domain::Binding,
                        sk.verification_key().point(),
                        sk.sign(msg, rng),
                    )
                } else {
                    let sk = SigningKey::<SpendAuth>::random(rng);
                    (
                        Domain::SpendAuth,
                        sk.verification_key().point(),
                        sk.sign(msg, rng),
                    )
                }
            })
            .collect()
    }

    fn items<'a>(list: &'a [Signed], msg: &'a [u8]) -> Vec<Item<'a>> {
        list.iter()
            .map(|(domain, vk, sig)| Item {
                domain: *domain,
                vk: *vk,
                msg,
                sig,
            })
            .collect()
    }

    /// What `keys::signature` says of one item on its own.
    fn alone(domain: Domain, vk: EdwardsAffine, msg: &[u8], sig: &Signature) -> bool {
        use superzk_keys::signature::VerificationKey;
        match domain {
            Domain::SpendAuth => VerificationKey::<SpendAuth>::from_point(vk).verify(msg, sig),
            Domain::Binding => VerificationKey::<Binding>::from_point(vk).verify(msg, sig),
        }
        .is_ok()
    }

    /// A signature by `sk` (domain spend authorization) whose nonce is
    /// `[k] B + t`, with the challenge over that nonce: it satisfies the
    /// cofactored equation `[8]([s] B - R - [c] vk) = O`, and the
    /// uncofactored one only if `t` is the identity.
    fn with_torsion_nonce(
        sk: Fr,
        t: &EdwardsAffine,
        msg: &[u8],
        rng: &mut ChaCha20Rng,
    ) -> Signature {
        let base = SpendAuth::base();
        let k = Fr::rand(rng);
        let r = encode_point(&(base * k + t).into_affine());
        let vk = encode_point(&(base * sk).into_affine());
        let c = challenge(Domain::SpendAuth, &r, &vk, msg);
        let mut s = [0u8; 32];
        (k + c * sk).serialize_compressed(&mut s[..]).unwrap();
        Signature { r, s }
    }

    #[test]
    fn a_block_of_valid_signatures_verifies_and_any_bad_one_fails_it() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let msg = b"sighash of a block's transaction";
        for n in [0usize, 1, 2, 95, 96, 97, 300] {
            let list = signed(n, msg, &mut rng);
            assert!(all_verify(&items(&list, msg), [n as u8; 32]), "{n} valid");
            if n == 0 {
                continue;
            }
            let at = n / 2;
            // Another message, a changed s, a non-canonical s, a changed R,
            // another key, the identity as key, the domains swapped.
            let changes: [&dyn Fn(&mut Signed); 7] = [
                &|it| it.2.s[0] ^= 1,
                &|it| it.2.s = [0xff; 32],
                &|it| it.2.r[0] ^= 1,
                &|it| it.1 = (it.1 + SpendAuth::base()).into_affine(),
                &|it| it.1 = EdwardsAffine::zero(),
                &|it| {
                    it.0 = match it.0 {
                        Domain::SpendAuth => Domain::Binding,
                        Domain::Binding => Domain::SpendAuth,
                    }
                },
                &|it| it.2.r = encode_point(&EdwardsAffine::zero()),
            ];
            for (which, change) in changes.iter().enumerate() {
                let mut bad = list.clone();
                change(&mut bad[at]);
                let (d, vk, sig) = bad[at];
                assert!(!alone(d, vk, msg, &sig), "change {which} is refused alone");
                assert!(
                    !all_verify(&items(&bad, msg), [3; 32]),
                    "change {which} in {n}"
                );
            }
            let other: Vec<Item> = list
                .iter()
                .map(|(domain, vk, sig)| Item {
                    domain: *domain,
                    vk: *vk,
                    msg: b"another message",
                    sig,
                })
                .collect();
            assert!(!all_verify(&other, [4; 32]));
        }
    }

    /// A nonce with a small-order component, in a signature that would
    /// hold under a cofactored equation: refused one by one
    /// (`keys::signature`: `R` outside the prime-order subgroup) and in the
    /// block batch, for each of the seven non-trivial `T`, so that no one
    /// can change a transaction's id by adding `T` to a nonce.
    #[test]
    fn a_nonce_with_a_small_order_component_is_refused_as_one_by_one() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let msg = b"m";
        let sk = Fr::rand(&mut rng);
        let vk = (SpendAuth::base() * sk).into_affine();
        let honest = with_torsion_nonce(sk, &EdwardsAffine::zero(), msg, &mut rng);
        assert!(alone(Domain::SpendAuth, vk, msg, &honest));
        for t in torsion().iter().skip(1) {
            let sig = with_torsion_nonce(sk, t, msg, &mut rng);
            // It satisfies the cofactored equation...
            let r = EdwardsAffine::deserialize_compressed_unchecked(&sig.r[..]).unwrap();
            let s = Fr::deserialize_compressed(&sig.s[..]).unwrap();
            let c = challenge(Domain::SpendAuth, &sig.r, &encode_point(&vk), msg);
            let lhs = SpendAuth::base() * s - r - vk * c;
            assert!(!lhs.is_zero() && lhs.into_affine().mul_by_cofactor().is_zero());
            // ...and is refused one by one and in a batch.
            assert!(!alone(Domain::SpendAuth, vk, msg, &sig));
            assert_eq!(decode_nonce(&sig.r), None);
            let mut list = signed(10, msg, &mut rng);
            list.push((Domain::SpendAuth, vk, sig));
            assert!(!all_verify(&items(&list, msg), [5; 32]));
        }
    }
}
