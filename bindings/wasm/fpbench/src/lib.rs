//! Exports for bench.mjs: `n` dependent multiplications (or squarings) of
//! one field element, by the prover's Wasm Fp and by blst.
#![allow(missing_docs)]

#[path = "../../../../prover/src/groth16/msm/wasm/fp.rs"]
#[allow(dead_code)]
mod fp;

use blst::{blst_fp, blst_fp_mul, blst_fp_sqr};
use core::hint::black_box;
use fp::Fp;

fn start() -> (Fp, Fp) {
    let x = Fp::from_ark_limbs(&[0x1234_5678_9abc_def0, 7, 8, 9, 10, 0x0123_4567]);
    let y = Fp::from_ark_limbs(&[0x0fed_cba9_8765_4321, 3, 4, 5, 6, 0x0765_4321]);
    (x, y)
}

#[no_mangle]
pub extern "C" fn ours_mul(n: u32) -> u32 {
    let (mut x, y) = start();
    let y = black_box(y);
    for _ in 0..n {
        x = x.mul(&y);
    }
    x.0[0]
}

#[no_mangle]
pub extern "C" fn ours_sqr(n: u32) -> u32 {
    let (mut x, _) = start();
    for _ in 0..n {
        x = black_box(x).square();
    }
    x.0[0]
}

#[no_mangle]
pub extern "C" fn ours_add(n: u32) -> u32 {
    let (mut x, y) = start();
    let y = black_box(y);
    for _ in 0..n {
        x = x.add(&y);
    }
    x.0[0]
}

fn blst_start() -> (blst_fp, blst_fp) {
    (
        blst_fp { l: [0x1234_5678_9abc_def0, 7, 8, 9, 10, 0x0123_4567].map(|v: u64| v as _) },
        blst_fp { l: [0x0fed_cba9_8765_4321, 3, 4, 5, 6, 0x0765_4321].map(|v: u64| v as _) },
    )
}

#[no_mangle]
pub extern "C" fn blst_mul(n: u32) -> u32 {
    let (mut x, y) = blst_start();
    let y = black_box(y);
    for _ in 0..n {
        let a = x;
        // SAFETY: valid field elements, output distinct from the inputs.
        unsafe { blst_fp_mul(&mut x, &a, &y) };
    }
    x.l[0] as u32
}

#[no_mangle]
pub extern "C" fn blst_sqr(n: u32) -> u32 {
    let (mut x, _) = blst_start();
    for _ in 0..n {
        let a = x;
        // SAFETY: as above.
        unsafe { blst_fp_sqr(&mut x, &a) };
    }
    x.l[0] as u32
}
