//! Pippenger's bucket method over affine buckets.
//!
//! Scalars (at most 128 bits: the halves of the GLV split) are cut into
//! signed windows of c bits (digits in `[-2^(c-1), 2^(c-1)]`, so a window
//! has 2^(c-1) buckets and a negative digit adds `-P`, free in affine
//! form). Each window is one job on rayon's current pool: its points are
//! sorted by bucket (a counting sort), then every bucket's points are added
//! pairwise, round after round, all the window's pairs of a round in one
//! batch that shares one inversion ([`add_pairs`]), until each bucket holds
//! one point. The buckets are then summed as `Σ b·B_b` with two running
//! Jacobian sums, and the windows joined by doublings.

use super::curve::{add_pairs, Affine, Jacobian, Scratch};
use super::fp2::Field;
use rayon::prelude::*;
use zeroize::Zeroizing;

/// The window width for `live` non-zero scalars of up to `nbits` bits: the
/// one that minimises (windows) × (additions into buckets, about 6
/// multiplications each, + bucket sums, about 27 each).
pub fn window(live: usize, nbits: usize) -> usize {
    (2..=16)
        .min_by_key(|&c| (nbits / c + 1) * (6 * live + 27 * (1usize << (c - 1))))
        .unwrap_or(2)
}

/// Signed digits of each scalar, window-major: `digits[w·n + i]` is the
/// digit of scalar i in window w, in `[-2^(c-1), 2^(c-1)]`;
/// `Σ_w digits[w·n + i]·2^(c·w)` is scalar i.
pub fn digits(scalars: &[u128], c: usize, windows: usize) -> Zeroizing<Vec<i32>> {
    let n = scalars.len();
    let mut out = Zeroizing::new(vec![0i32; n * windows]);
    let half = 1i64 << (c - 1);
    let mask = (1u128 << c) - 1;
    for (i, &s) in scalars.iter().enumerate() {
        let mut carry = 0i64;
        for w in 0..windows {
            let shift = w * c;
            let raw = if shift < 128 {
                ((s >> shift) & mask) as i64
            } else {
                0
            } + carry;
            let (d, next) = if raw > half {
                (raw - (1 << c), 1)
            } else {
                (raw, 0)
            };
            out[w * n + i] = d as i32;
            carry = next;
        }
        debug_assert_eq!(carry, 0, "a window more than the scalar's bits");
    }
    out
}

/// `Σ scalars[i]·points[i]` (`nbits`: the bits of the largest scalar,
/// `live`: how many are non-zero).
pub fn msm<F: Field>(
    points: &[Affine<F>],
    scalars: &[u128],
    nbits: usize,
    live: usize,
) -> Jacobian<F> {
    debug_assert_eq!(points.len(), scalars.len());
    if nbits == 0 || live == 0 {
        return Jacobian::INFINITY;
    }
    msm_with_window(points, scalars, nbits, window(live, nbits))
}

/// [`msm`] with windows of `c` bits (`2 ≤ c ≤ 30`).
pub fn msm_with_window<F: Field>(
    points: &[Affine<F>],
    scalars: &[u128],
    nbits: usize,
    c: usize,
) -> Jacobian<F> {
    let windows = nbits / c + 1;
    let digits = digits(scalars, c, windows);
    let n = points.len();
    let one = |w: usize| window_sum(points, &digits[w * n..(w + 1) * n], c);
    let sums: Vec<Jacobian<F>> = if rayon::current_num_threads() <= 1 {
        (0..windows).map(one).collect()
    } else {
        (0..windows).into_par_iter().map(one).collect()
    };
    // Σ 2^(c·w)·sums[w], by Horner from the top window.
    let mut acc = Jacobian::INFINITY;
    for s in sums.iter().rev() {
        for _ in 0..c {
            acc = acc.double();
        }
        acc = acc.add(s);
    }
    acc
}

/// `Σ digits[i]·points[i]` for one window's digits.
fn window_sum<F: Field>(points: &[Affine<F>], digits: &[i32], c: usize) -> Jacobian<F> {
    let buckets = 1usize << (c - 1);
    // Counting sort by bucket (|digit| - 1).
    let mut start = vec![0usize; buckets + 1];
    for &d in digits {
        if d != 0 {
            start[d.unsigned_abs() as usize] += 1;
        }
    }
    for b in 0..buckets {
        start[b + 1] += start[b];
    }
    let live = start[buckets];
    let mut cur = vec![Affine::INFINITY; live];
    let mut fill = start.clone();
    for (p, &d) in points.iter().zip(digits) {
        if d != 0 {
            let b = d.unsigned_abs() as usize - 1;
            cur[fill[b]] = if d < 0 { p.neg() } else { *p };
            fill[b] += 1;
        }
    }
    drop(fill);
    let mut len: Vec<usize> = (0..buckets).map(|b| start[b + 1] - start[b]).collect();
    reduce_buckets(&mut cur, &start, &mut len);
    // Σ (b+1)·B_b: the running sum holds B_top + … + B_b.
    let mut running = Jacobian::INFINITY;
    let mut total = Jacobian::INFINITY;
    for b in (0..buckets).rev() {
        if len[b] == 1 {
            running = running.add_affine(&cur[start[b]]);
        }
        total = total.add(&running);
    }
    total
}

/// Adds each bucket's points (`cur[start[b]..start[b] + len[b]]`) pairwise
/// until one is left in each, every round's pairs in one batch.
fn reduce_buckets<F: Field>(cur: &mut [Affine<F>], start: &[usize], len: &mut [usize]) {
    let (mut lhs, mut rhs, mut out) = (Vec::new(), Vec::new(), Vec::new());
    let mut scratch = Scratch::default();
    loop {
        lhs.clear();
        rhs.clear();
        for (b, &l) in len.iter().enumerate() {
            let s = start[b];
            for i in 0..l / 2 {
                lhs.push(cur[s + 2 * i]);
                rhs.push(cur[s + 2 * i + 1]);
            }
        }
        if lhs.is_empty() {
            return;
        }
        out.clear();
        out.resize(lhs.len(), Affine::INFINITY);
        add_pairs(&lhs, &rhs, &mut out, &mut scratch);
        // Sums back to the front of their bucket, an odd one out after them.
        let mut k = 0;
        for (b, l) in len.iter_mut().enumerate() {
            let s = start[b];
            let pairs = *l / 2;
            cur[s..s + pairs].copy_from_slice(&out[k..k + pairs]);
            k += pairs;
            if *l % 2 == 1 {
                cur[s + pairs] = cur[s + *l - 1];
            }
            *l = l.div_ceil(2);
        }
    }
}
