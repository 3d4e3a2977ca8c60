//! Secret hygiene: every secret type of `keys` and of `circuits` (keys, note
//! contents, packages, circuit witnesses) is wiped when dropped and never
//! shown by `Debug`; secrets compare in constant time.
//!
//! Wiping is checked three ways: statically (each type implements
//! `ZeroizeOnDrop`), by calling `Zeroize::zeroize` and reading the fields
//! back, and, for types without padding bytes, by dropping a value in place
//! and reading its memory afterwards.

use std::mem::{size_of, MaybeUninit};

use ark_ec::CurveGroup;
use ark_ed_on_bls12_381::Fr as JubjubScalar;
use ark_ff::{UniformRand, Zero};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use subtle::ConstantTimeEq;
use superzk_circuits::{
    generators::spend_auth_base,
    note::{AssetId, Note},
    output::OutputWitness,
    package::PackageNote,
    spend::{PackageSpendWitness, SpendWitness},
    Fr,
};
use superzk_keys::{
    encryption::EphemeralSecret,
    note_plaintext::MEMO_LEN,
    signature::SigningKey,
    spending_key::{Binding, FullViewingKey, IncomingViewingKey, SpendAuth, SpendingKey},
};
use zeroize::{Zeroize, ZeroizeOnDrop};

mod redaction;
use redaction::{assert_debug_hides, field_renderings, renderings};

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(2024)
}

/// Drops `value` in place and returns how many of its bytes were non-zero
/// before and after. Only for types without padding (every byte of them is
/// initialized, so reading them is defined); reads are volatile so the
/// compiler cannot assume the memory dead after the drop.
fn nonzero_bytes_around_drop<T>(value: T) -> (usize, usize) {
    let mut slot = MaybeUninit::new(value);
    let count = |slot: &MaybeUninit<T>| {
        let p = slot.as_ptr().cast::<u8>();
        (0..size_of::<T>())
            // SAFETY: `p` points at `size_of::<T>()` bytes owned by `slot`,
            // all initialized (no padding in the types used here; the
            // drop writes zeros, it does not de-initialize).
            .filter(|&i| unsafe { p.add(i).read_volatile() } != 0)
            .count()
    };
    let before = count(&slot);
    // SAFETY: `slot` holds an initialized `T`, dropped exactly once here and
    // never used as a `T` again.
    unsafe { std::ptr::drop_in_place(slot.as_mut_ptr()) };
    (before, count(&slot))
}

fn note(rng: &mut ChaCha20Rng) -> Note {
    Note {
        asset: AssetId::from_name("USD"),
        value: 0x1234_5678_9abc_def0,
        owner: Fr::rand(rng),
        rho: Fr::rand(rng),
        rcm: Fr::rand(rng),
    }
}

fn package(rng: &mut ChaCha20Rng) -> PackageNote {
    PackageNote {
        key: Fr::rand(rng),
        contents: [(AssetId::native(), 0x0bad_cafe_f00d_1234); 4],
        owner: Fr::rand(rng),
        rho: Fr::rand(rng),
        rcm: Fr::rand(rng),
    }
}

fn spend_witness(rng: &mut ChaCha20Rng) -> SpendWitness {
    let mut w = SpendWitness::blank();
    w.note = note(rng);
    w.ak = (spend_auth_base() * JubjubScalar::rand(rng)).into_affine();
    w.nk = Fr::rand(rng);
    w.diversifier = [0xa5; 11];
    w.rcv = JubjubScalar::rand(rng);
    w.alpha = JubjubScalar::rand(rng);
    w
}

#[test]
fn every_secret_type_is_zeroize_on_drop() {
    fn zeroize_on_drop<T: ZeroizeOnDrop>() {}
    zeroize_on_drop::<SpendingKey>();
    zeroize_on_drop::<FullViewingKey>();
    zeroize_on_drop::<IncomingViewingKey>();
    zeroize_on_drop::<SigningKey<SpendAuth>>();
    zeroize_on_drop::<SigningKey<Binding>>();
    zeroize_on_drop::<EphemeralSecret>();
    zeroize_on_drop::<Note>();
    zeroize_on_drop::<PackageNote>();
    zeroize_on_drop::<SpendWitness>();
    zeroize_on_drop::<PackageSpendWitness>();
    zeroize_on_drop::<OutputWitness>();
    zeroize_on_drop::<zeroize::Zeroizing<[u8; 32]>>();
}

#[test]
fn dropped_keys_leave_no_secret_bytes_in_memory() {
    let mut rng = rng();
    // Wholly secret types: every byte is zero after the drop.
    let cases: [(usize, usize); 5] = [
        nonzero_bytes_around_drop(SpendingKey::random(&mut rng)),
        nonzero_bytes_around_drop(
            SpendingKey::random(&mut rng)
                .full_viewing_key()
                .incoming_viewing_key(),
        ),
        nonzero_bytes_around_drop(SigningKey::<SpendAuth>::random(&mut rng)),
        nonzero_bytes_around_drop(EphemeralSecret::random(&mut rng)),
        nonzero_bytes_around_drop(package(&mut rng)),
    ];
    for (i, (before, after)) in cases.into_iter().enumerate() {
        assert!(
            before > 16,
            "case {i}: the secret was there ({before} bytes)"
        );
        assert_eq!(after, 0, "case {i}: bytes left after drop");
    }
    // A full viewing key keeps `ak` (a public point: it is in every spend's
    // statement, re-randomized); `nk` and `ovk` are wiped.
    let fvk = SpendingKey::random(&mut rng).full_viewing_key();
    let ak_bytes = size_of::<ark_ed_on_bls12_381::EdwardsAffine>();
    let (before, after) = nonzero_bytes_around_drop(fvk);
    assert!(before > ak_bytes + 32, "{before}");
    assert!(after <= ak_bytes, "{after} bytes left, ak is {ak_bytes}");
    // A note keeps its asset id (public knowledge: the hash of a currency
    // name); value, owner, rho and rcm are wiped.
    let (before, after) = nonzero_bytes_around_drop(note(&mut rng));
    assert!(before > 32 + 64, "{before}");
    assert!(after <= 32, "{after} bytes left of a note");
}

#[test]
fn zeroize_wipes_witness_fields() {
    let mut rng = rng();
    let mut w = spend_witness(&mut rng);
    w.note.zeroize();
    w.zeroize();
    assert_eq!(
        (w.note.value, w.note.rho, w.note.rcm, w.nk),
        (0, Fr::zero(), Fr::zero(), Fr::zero())
    );
    assert!(w.rcv.is_zero() && w.alpha.is_zero());
    assert_eq!(w.diversifier, [0; 11]);
    assert!(w.path.siblings.is_empty() && w.path.position == 0);

    let mut o = OutputWitness {
        note: note(&mut rng),
        rcv: JubjubScalar::rand(&mut rng),
    };
    o.zeroize();
    assert!(o.rcv.is_zero());

    let mut p = package(&mut rng);
    p.zeroize();
    assert!(p.key.is_zero() && p.contents.iter().all(|(a, v)| a.0.is_zero() && *v == 0));
}

#[test]
fn debug_never_shows_key_material() {
    let mut rng = rng();
    let sk = SpendingKey::random(&mut rng);
    assert_debug_hides(&sk, &renderings(&sk.to_bytes()[..]));
    let fvk = sk.full_viewing_key();
    let mut fvk_secrets = field_renderings(&fvk.nk());
    fvk_secrets.extend(renderings(&fvk.ovk()));
    assert_debug_hides(&fvk, &fvk_secrets);
    let ivk = fvk.incoming_viewing_key();
    let mut ivk_secrets = field_renderings(&ivk.ivk());
    ivk_secrets.extend(renderings(&ivk.encryption_scalar().to_bytes()));
    assert_debug_hides(&ivk, &ivk_secrets);
    let ask = sk.spend_auth_key();
    assert_debug_hides(&ask, &renderings(&ask.to_bytes()[..]));
    let esk = EphemeralSecret::random(&mut rng);
    assert_debug_hides(&esk, &renderings(&esk.to_bytes()[..]));
}

#[test]
fn debug_never_shows_notes_packages_or_witnesses() {
    let mut rng = rng();
    let n = note(&mut rng);
    let mut note_secrets = vec![n.value.to_string(), format!("{:x}", n.value)];
    for f in [n.owner, n.rho, n.rcm] {
        note_secrets.extend(field_renderings(&f));
    }
    assert_debug_hides(&n, &note_secrets);

    let p = package(&mut rng);
    let mut package_secrets = field_renderings(&p.key);
    package_secrets.push(p.contents[0].1.to_string());
    package_secrets.extend(field_renderings(&p.rcm));
    assert_debug_hides(&p, &package_secrets);

    let w = spend_witness(&mut rng);
    let mut witness_secrets = note_secrets.clone();
    witness_secrets.extend(field_renderings(&w.nk));
    witness_secrets.push(w.rcv.to_string());
    witness_secrets.push(w.alpha.to_string());
    witness_secrets.extend(renderings(&w.diversifier));
    assert_debug_hides(&w, &witness_secrets);
    // And through the circuit that carries it.
    let circuit = superzk_circuits::spend::SpendCircuit::new(w);
    assert_debug_hides(&circuit.witness, &witness_secrets);
    let text = format!("{circuit:?}");
    for s in &witness_secrets {
        assert!(!text.contains(s.as_str()), "circuit Debug shows {s}");
    }

    let o = OutputWitness {
        note: note(&mut rng),
        rcv: JubjubScalar::rand(&mut rng),
    };
    assert_debug_hides(&o, &[o.rcv.to_string(), o.note.rcm.to_string()]);
}

#[test]
fn secret_comparisons_are_constant_time_and_correct() {
    let mut rng = rng();
    let a = SpendingKey::random(&mut rng);
    let b = SpendingKey::from_bytes(*a.to_bytes());
    let c = SpendingKey::random(&mut rng);
    // `==` goes through `ct_eq` (subtle): same answers both ways.
    assert!(bool::from(a.ct_eq(&b)) && a == b);
    assert!(!bool::from(a.ct_eq(&c)) && a != c);
    let (ka, kc) = (a.spend_auth_key(), c.spend_auth_key());
    assert!(bool::from(ka.ct_eq(&a.spend_auth_key())) && !bool::from(ka.ct_eq(&kc)));
    assert_eq!(a.full_viewing_key(), b.full_viewing_key());
    assert_ne!(a.full_viewing_key(), c.full_viewing_key());
    let e = EphemeralSecret::random(&mut rng);
    let same = EphemeralSecret::from_bytes(&e.to_bytes()).unwrap();
    assert!(bool::from(e.ct_eq(&same)));
}

/// Drops `value` in place and reads back two of its byte-array fields
/// (reached through `fields`): the diversifier and the memo.
fn byte_fields_after_drop<T, const D: usize, const M: usize>(
    value: T,
    fields: impl Fn(*const T) -> (*const [u8; D], *const [u8; M]),
) -> ([u8; D], [u8; M]) {
    let mut slot = MaybeUninit::new(value);
    // SAFETY: `slot` holds an initialized `T`, dropped exactly once here and
    // never used as a `T` again; the fields read afterwards are plain byte
    // arrays inside `slot`'s own memory, which the drop overwrote but did
    // not free or de-initialize. Reads are volatile so they stay.
    unsafe {
        std::ptr::drop_in_place(slot.as_mut_ptr());
        let (d, m) = fields(slot.as_ptr());
        (d.read_volatile(), m.read_volatile())
    }
}

#[test]
fn decrypted_notes_and_packages_wipe_diversifier_and_memo_on_drop() {
    use std::ptr::addr_of;
    use superzk_circuits::asset::AssetInfo;
    use superzk_keys::note_plaintext::{DecryptedNote, DecryptedPackage};
    fn zeroize_on_drop<T: ZeroizeOnDrop>() {}
    zeroize_on_drop::<DecryptedNote>();
    zeroize_on_drop::<DecryptedPackage>();
    let mut rng = rng();
    let n = DecryptedNote {
        note: note(&mut rng),
        diversifier: [0x5a; 11],
        asset_info: AssetInfo::currency("USD"),
        memo: [0x77; MEMO_LEN],
    };
    // SAFETY (both closures): field addresses of a live allocation.
    let wiped = byte_fields_after_drop(n, |p| unsafe {
        (addr_of!((*p).diversifier), addr_of!((*p).memo))
    });
    assert_eq!(wiped, ([0; 11], [0; MEMO_LEN]));
    let p = DecryptedPackage {
        package: package(&mut rng),
        infos: std::array::from_fn(|_| AssetInfo::native()),
        diversifier: [0x6b; 11],
        memo: [0x78; MEMO_LEN],
    };
    let wiped = byte_fields_after_drop(p, |p| unsafe {
        (addr_of!((*p).diversifier), addr_of!((*p).memo))
    });
    assert_eq!(wiped, ([0; 11], [0; MEMO_LEN]));
}

#[test]
fn debug_never_shows_decrypted_notes_or_packages() {
    use superzk_circuits::asset::AssetInfo;
    use superzk_keys::note_plaintext::{DecryptedNote, DecryptedPackage};
    let mut rng = rng();
    let text = b"pay the rent for the flat in the old town; ref 0xC0FFEE 12345678 ";
    let memo: [u8; MEMO_LEN] = std::array::from_fn(|i| text[i % text.len()]);
    let n = DecryptedNote {
        note: note(&mut rng),
        diversifier: [0x5a; 11],
        asset_info: AssetInfo::currency("USD"),
        memo,
    };
    let mut secrets = vec![
        n.note.value.to_string(),
        format!("{:x}", n.note.value),
        "pay the rent".to_string(),
    ];
    secrets.extend(renderings(&memo));
    secrets.extend(renderings(&n.diversifier));
    for f in [n.note.owner, n.note.rho, n.note.rcm] {
        secrets.extend(field_renderings(&f));
    }
    assert_debug_hides(&n, &secrets);
    // Inside the containers that carry it.
    assert_debug_hides(&vec![n.clone()], &secrets);
    assert_debug_hides(&Some(n), &secrets);

    let p = DecryptedPackage {
        package: package(&mut rng),
        infos: std::array::from_fn(|_| AssetInfo::native()),
        diversifier: [0x6b; 11],
        memo,
    };
    let mut secrets = field_renderings(&p.package.key);
    secrets.extend(field_renderings(&p.package.rcm));
    secrets.push(p.package.contents[0].1.to_string());
    secrets.push("pay the rent".to_string());
    secrets.extend(renderings(&p.diversifier));
    assert_debug_hides(&p, &secrets);
}

#[test]
fn owner_tags_and_commitments_compare_in_constant_time() {
    use superzk_keys::spending_key::ct_eq_field;
    let mut rng = rng();
    let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    assert!(bool::from(ct_eq_field(&a, &a)));
    assert!(!bool::from(ct_eq_field(&a, &b)));
    // Equal values reached different ways (not the same memory) still match,
    // and a difference in the last byte only is seen.
    let sum = a + b - b;
    assert!(bool::from(ct_eq_field(&a, &sum)));
    assert!(!bool::from(ct_eq_field(&a, &(a + Fr::from(1u64)))));
    // Trial decryption goes through it: an owner of another address is not
    // this key's (see keys.rs for the decryption tests themselves).
    let ivk = SpendingKey::random(&mut rng)
        .full_viewing_key()
        .incoming_viewing_key();
    let (d0, d1) = (ivk.address_for([0; 11]), ivk.address_for([1; 11]));
    assert!(!bool::from(ct_eq_field(&d0.owner(), &d1.owner())));
    assert!(bool::from(ct_eq_field(
        &d0.owner(),
        &ivk.address_for([0; 11]).owner()
    )));
}
