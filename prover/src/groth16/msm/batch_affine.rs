//! Single-window bucket accumulation with affine buckets and batched
//! inversions (Montgomery's trick), on blst's public field functions: the
//! table mode's alternative to blst's XYZZ tile ([`super::tables`]).
//!
//! An affine addition `(x₁, y₁) + (x₂, y₂)` needs one inversion, of
//! `x₂ - x₁` (or of `2y₁` for a doubling). Collecting up to [`BATCH`]
//! additions into distinct buckets and inverting all their denominators
//! with one field inversion and three multiplications each brings an
//! addition to about 5 multiplications and a squaring, against about 8 and
//! 2 for blst's mixed XYZZ addition.
//!
//! Conflicts: an entry whose bucket already has an addition in the open
//! batch waits in a short queue for the next batch; past [`QUEUE`] waiting
//! entries (inputs with many equal digits, e.g. many scalars equal to 1) an
//! entry goes instead to a projective side bucket with blst's mixed
//! addition, so no input makes the batches degenerate to one addition an
//! inversion. `P + P` becomes a doubling in the batch, `P + (-P)` empties
//! the bucket at once; an empty bucket takes an entry without arithmetic.
//!
//! The bucket reduction `Σ (b + 1)·bucket[b]` is batched the same way: the
//! buckets are cut into segments, each with its own running sum and sum,
//! and one step adds the next bucket of every segment at once (the
//! segments' additions are independent, so they share one inversion); the
//! segments' results are then joined with a short projective running sum.

use blst::{
    blst_fp, blst_fp2, blst_fp2_add, blst_fp2_cneg, blst_fp2_inverse, blst_fp2_mul,
    blst_fp2_mul_by_3, blst_fp2_sqr, blst_fp2_sub, blst_fp_add, blst_fp_cneg, blst_fp_inverse,
    blst_fp_mul, blst_fp_mul_by_3, blst_fp_sqr, blst_fp_sub, blst_p1, blst_p1_add_or_double,
    blst_p1_add_or_double_affine, blst_p1_affine, blst_p1_double, blst_p1_is_inf,
    blst_p1_to_affine, blst_p2, blst_p2_add_or_double, blst_p2_add_or_double_affine,
    blst_p2_affine, blst_p2_double, blst_p2_is_inf, blst_p2_to_affine,
};

/// Additions (with distinct buckets) inverted together: one inversion
/// (about 100 multiplications' worth) spread over them, and the batch's
/// bucket reads still mostly in cache.
const BATCH: usize = 1024;

/// Entries waiting for a busy bucket, at most; beyond, the projective side
/// buckets take them.
const QUEUE: usize = 256;

/// The field operations the accumulation needs (`Fp` for G1, `Fp2` for G2).
pub(crate) trait Field: Copy + Default + PartialEq {
    fn add(&self, b: &Self) -> Self;
    fn sub(&self, b: &Self) -> Self;
    fn neg_if(&self, flag: bool) -> Self;
    /// The inverse (of a non-zero element: the callers never pass zero).
    fn inverse(&self) -> Self;
    /// Whether this is zero (blst keeps elements fully reduced, so zero
    /// has one representation).
    fn is_zero(&self) -> bool;
    // Out-parameter forms: blst's assembly writes the result where it
    // belongs. Returned by value, a fresh result is copied with 16-byte
    // loads of what the assembly stored 8 bytes at a time, which stalls
    // store forwarding; that showed as the sorted window's top self time.
    /// `out = a·b`.
    fn mul_to(out: &mut Self, a: &Self, b: &Self);
    /// `self = self·b`.
    fn mul_assign(&mut self, b: &Self);
    /// `out = a²`.
    fn sqr_to(out: &mut Self, a: &Self);
    /// `out = a + b`.
    fn add_to(out: &mut Self, a: &Self, b: &Self);
    /// `out = a - b`.
    fn sub_to(out: &mut Self, a: &Self, b: &Self);
    /// `self = self - b`.
    fn sub_assign(&mut self, b: &Self);
    /// `self = 3·self`.
    fn triple_assign(&mut self);
    /// `out = -a` if `flag`, else `a`.
    fn neg_if_to(out: &mut Self, a: &Self, flag: bool);
}

macro_rules! field {
    ($f:ty, $mul:ident, $sqr:ident, $add:ident, $sub:ident, $cneg:ident, $by3:ident, $inv:ident, $zero:expr) => {
        impl Field for $f {
            #[inline]
            fn is_zero(&self) -> bool {
                $zero(self)
            }
            // SAFETY (all below): valid field elements; blst's functions
            // allow the output to alias an input.
            #[inline]
            fn mul_to(out: &mut Self, a: &Self, b: &Self) {
                unsafe { $mul(out, a, b) };
            }
            #[inline]
            fn mul_assign(&mut self, b: &Self) {
                let p: *mut Self = self;
                unsafe { $mul(p, p, b) };
            }
            #[inline]
            fn sqr_to(out: &mut Self, a: &Self) {
                unsafe { $sqr(out, a) };
            }
            #[inline]
            fn add_to(out: &mut Self, a: &Self, b: &Self) {
                unsafe { $add(out, a, b) };
            }
            #[inline]
            fn sub_to(out: &mut Self, a: &Self, b: &Self) {
                unsafe { $sub(out, a, b) };
            }
            #[inline]
            fn sub_assign(&mut self, b: &Self) {
                let p: *mut Self = self;
                unsafe { $sub(p, p, b) };
            }
            #[inline]
            fn triple_assign(&mut self) {
                let p: *mut Self = self;
                unsafe { $by3(p, p) };
            }
            #[inline]
            fn neg_if_to(out: &mut Self, a: &Self, flag: bool) {
                unsafe { $cneg(out, a, flag) };
            }
            #[inline]
            fn add(&self, b: &Self) -> Self {
                let mut r = Self::default();
                // SAFETY: as above.
                unsafe { $add(&mut r, self, b) };
                r
            }
            #[inline]
            fn sub(&self, b: &Self) -> Self {
                let mut r = Self::default();
                // SAFETY: as above.
                unsafe { $sub(&mut r, self, b) };
                r
            }
            #[inline]
            fn neg_if(&self, flag: bool) -> Self {
                let mut r = Self::default();
                // SAFETY: as above.
                unsafe { $cneg(&mut r, self, flag) };
                r
            }
            fn inverse(&self) -> Self {
                let mut r = Self::default();
                // SAFETY: as above.
                unsafe { $inv(&mut r, self) };
                r
            }
        }
    };
}

field!(
    blst_fp,
    blst_fp_mul,
    blst_fp_sqr,
    blst_fp_add,
    blst_fp_sub,
    blst_fp_cneg,
    blst_fp_mul_by_3,
    blst_fp_inverse,
    fp_is_zero
);
field!(
    blst_fp2,
    blst_fp2_mul,
    blst_fp2_sqr,
    blst_fp2_add,
    blst_fp2_sub,
    blst_fp2_cneg,
    blst_fp2_mul_by_3,
    blst_fp2_inverse,
    |x: &blst_fp2| fp_is_zero(&x.fp[0]) && fp_is_zero(&x.fp[1])
);

/// An OR of the limbs, not a `memcmp` (which the derived equality calls).
#[inline]
fn fp_is_zero(x: &blst_fp) -> bool {
    x.l.iter().fold(0, |a, w| a | w) == 0
}

/// An affine point type of blst and its projective partner.
pub(crate) trait Affine: Copy + Default {
    type F: Field;
    type Proj: Copy + Default;
    fn xy(&self) -> (&Self::F, &Self::F);
    fn from_xy(x: Self::F, y: Self::F) -> Self;
    /// `acc + p` (any of them may be the identity; blst's all-zero point).
    fn add_affine(acc: &mut Self::Proj, p: &Self);
    /// `acc + q`.
    fn add_proj(acc: &mut Self::Proj, q: &Self::Proj);
    /// `2·acc`.
    fn double(acc: &mut Self::Proj);
    /// `p` in affine form, or `None` for the identity.
    fn to_affine(p: &Self::Proj) -> Option<Self>;
}

macro_rules! affine {
    ($a:ty, $f:ty, $p:ty, $add_aff:ident, $add:ident, $dbl:ident, $to_aff:ident, $is_inf:ident) => {
        impl Affine for $a {
            type F = $f;
            type Proj = $p;
            #[inline]
            fn xy(&self) -> (&$f, &$f) {
                (&self.x, &self.y)
            }
            #[inline]
            fn from_xy(x: $f, y: $f) -> Self {
                Self { x, y }
            }
            #[inline]
            fn add_affine(acc: &mut $p, p: &Self) {
                // SAFETY: valid points; the output may alias an input.
                unsafe { $add_aff(acc, acc, p) };
            }
            #[inline]
            fn add_proj(acc: &mut $p, q: &$p) {
                // SAFETY: as above.
                unsafe { $add(acc, acc, q) };
            }
            fn double(acc: &mut $p) {
                // SAFETY: as above.
                unsafe { $dbl(acc, acc) };
            }
            fn to_affine(p: &$p) -> Option<Self> {
                // SAFETY: a valid point.
                if unsafe { $is_inf(p) } {
                    return None;
                }
                let mut a = Self::default();
                // SAFETY: as above.
                unsafe { $to_aff(&mut a, p) };
                Some(a)
            }
        }
    };
}

affine!(
    blst_p1_affine,
    blst_fp,
    blst_p1,
    blst_p1_add_or_double_affine,
    blst_p1_add_or_double,
    blst_p1_double,
    blst_p1_to_affine,
    blst_p1_is_inf
);
affine!(
    blst_p2_affine,
    blst_fp2,
    blst_p2,
    blst_p2_add_or_double_affine,
    blst_p2_add_or_double,
    blst_p2_double,
    blst_p2_to_affine,
    blst_p2_is_inf
);

/// One addition of the open batch: `point` into bucket `bucket`; `double`
/// when it equals the bucket's own point.
#[derive(Clone, Copy)]
struct Pending<A> {
    bucket: u32,
    point: A,
    double: bool,
}

/// Affine buckets and the open batch of additions into them.
struct Accumulator<A: Affine> {
    buckets: Vec<A>,
    /// Whether bucket `b` holds a point (an all-zero affine point is not
    /// on the curve, but a flag is plainer than testing it).
    full: Vec<bool>,
    /// Whether bucket `b` has an addition in the open batch.
    busy: Vec<bool>,
    batch: Vec<Pending<A>>,
    /// The batch's denominators, then their running products.
    denominators: Vec<A::F>,
    products: Vec<A::F>,
    queue: Vec<(u32, A)>,
    /// Additions a batch holds before it is completed: [`BATCH`], or fewer
    /// where there are few buckets (a quarter of them, at least 256), so
    /// that a batch's entries rarely find their bucket busy (the default
    /// mode's windows have 2^10-2^11 buckets; the table mode's, where it
    /// picks these buckets, 2^12 and more, so its batches stay [`BATCH`]).
    limit: usize,
    /// Projective side buckets for overflowing conflicts (allocated on the
    /// first use), and which of them hold anything (blst's additions are
    /// constant-time: adding an empty one costs a full addition).
    side: Vec<A::Proj>,
    side_used: Vec<bool>,
}

impl<A: Affine> Accumulator<A> {
    fn new(nbuckets: usize) -> Self {
        Self {
            buckets: vec![A::default(); nbuckets],
            full: vec![false; nbuckets],
            busy: vec![false; nbuckets],
            batch: Vec::with_capacity(BATCH),
            denominators: Vec::with_capacity(BATCH),
            products: Vec::with_capacity(BATCH),
            queue: Vec::with_capacity(QUEUE),
            side: Vec::new(),
            side_used: Vec::new(),
            limit: BATCH.min((nbuckets / 4).max(256)),
        }
    }

    /// Adds `p` to bucket `bucket`, now or in the open batch.
    #[inline]
    fn insert(&mut self, bucket: u32, p: A) {
        let b = bucket as usize;
        if self.busy[b] {
            if self.queue.len() < QUEUE {
                self.queue.push((bucket, p));
            } else {
                if self.side.is_empty() {
                    self.side = vec![A::Proj::default(); self.buckets.len()];
                    self.side_used = vec![false; self.buckets.len()];
                }
                self.side_used[b] = true;
                A::add_affine(&mut self.side[b], &p);
            }
            return;
        }
        if !self.full[b] {
            self.buckets[b] = p;
            self.full[b] = true;
            return;
        }
        let (x1, y1) = self.buckets[b].xy();
        let (x2, y2) = p.xy();
        let (denominator, double) = if x1 != x2 {
            (x2.sub(x1), false)
        } else if y1 == y2 {
            // P + P: λ = 3x²/2y (y ≠ 0: no point of order 2 in the group).
            (y1.add(y1), true)
        } else {
            // P + (-P).
            self.full[b] = false;
            return;
        };
        self.busy[b] = true;
        self.denominators.push(denominator);
        self.batch.push(Pending {
            bucket,
            point: p,
            double,
        });
        if self.batch.len() >= self.limit {
            self.flush();
        }
    }

    /// Completes the open batch, then lets the waiting entries in.
    fn flush(&mut self) {
        if !self.batch.is_empty() {
            self.complete_batch();
        }
        let mut waiting = std::mem::replace(&mut self.queue, Vec::with_capacity(QUEUE));
        for &(bucket, p) in &waiting {
            self.insert(bucket, p);
        }
        waiting.clear();
        if self.queue.is_empty() {
            // Keep the allocation.
            self.queue = waiting;
        }
    }

    /// Every addition made, waiting ones and side buckets included.
    fn settle(&mut self) {
        while !self.batch.is_empty() || !self.queue.is_empty() {
            self.flush();
        }
        let side = std::mem::take(&mut self.side);
        let used = std::mem::take(&mut self.side_used);
        for (b, _) in used.iter().enumerate().filter(|(_, u)| **u) {
            if let Some(p) = A::to_affine(&side[b]) {
                // Each bucket once: no conflict, no queue.
                self.insert(u32::try_from(b).expect("at most 2^19 buckets"), p);
            }
        }
        self.flush();
    }

    /// The open batch's additions, with one inversion.
    fn complete_batch(&mut self) {
        let n = self.batch.len();
        self.products.clear();
        self.products.resize(n, A::F::default());
        self.products[0] = self.denominators[0];
        for i in 1..n {
            let (done, rest) = self.products.split_at_mut(i);
            A::F::mul_to(&mut rest[0], &done[i - 1], &self.denominators[i]);
        }
        let mut inv = self.products[n - 1].inverse();
        let mut di = A::F::default();
        for i in (0..n).rev() {
            // inv = 1 / (d₀·…·dᵢ) here.
            if i == 0 {
                di = inv;
            } else {
                A::F::mul_to(&mut di, &inv, &self.products[i - 1]);
                inv.mul_assign(&self.denominators[i]);
            }
            let op = &self.batch[i];
            let b = op.bucket as usize;
            let (x1, y1) = self.buckets[b].xy();
            let (x2, y2) = op.point.xy();
            let (x3, y3) = chord(x1, y1, x2, y2, op.double, &di);
            self.buckets[b] = A::from_xy(x3, y3);
            self.busy[b] = false;
        }
        self.batch.clear();
        self.denominators.clear();
    }

    /// `Σ (b + 1)·bucket[b]`, batched over segments of the buckets.
    fn finish(mut self) -> A::Proj {
        self.settle();
        let n = self.buckets.len();
        // S segments of L buckets (n = 2^(c-1), so both powers of two):
        // S ≈ √(2n) additions share an inversion, and the join costs 3S
        // projective additions.
        let segments = (1usize << (n.trailing_zeros() + 1).div_ceil(2)).min(n);
        let len = n / segments;
        // Slot s: segment s's running sum Σ bucket; slot S + s: its sum
        // Σ (i + 1)·bucket[s·L + i].
        let mut red = Accumulator::<A>::new(2 * segments);
        for i in (0..len).rev() {
            for s in 0..segments {
                let b = s * len + i;
                if self.full[b] {
                    red.insert(u32::try_from(s).expect("few segments"), self.buckets[b]);
                }
            }
            red.flush();
            for s in 0..segments {
                if red.full[s] {
                    let r = red.buckets[s];
                    red.insert(u32::try_from(segments + s).expect("few segments"), r);
                }
            }
            red.flush();
        }
        red.settle();
        // Σ_s sum_s + L·Σ_s s·running_s.
        let mut running = A::Proj::default();
        let mut weighted = A::Proj::default();
        for s in (1..segments).rev() {
            if red.full[s] {
                A::add_affine(&mut running, &red.buckets[s]);
            }
            A::add_proj(&mut weighted, &running);
        }
        for _ in 0..len.trailing_zeros() {
            A::double(&mut weighted);
        }
        for s in 0..segments {
            if red.full[segments + s] {
                A::add_affine(&mut weighted, &red.buckets[segments + s]);
            }
        }
        weighted
    }
}

/// `Σ dᵢ·entries[i]` with `dᵢ` the signed c-bit digit read at bit 1 of the
/// `(c + 1)`-bit little-endian `digits[i]` (the tile's encoding, see
/// [`super::tables`]): `w + b - 2^c·w_top` for the c bits `w` above bit 0
/// `b`.
pub(crate) fn window_sum<A: Affine>(entries: &[A], digits: &[u8], c: usize) -> A::Proj {
    let nbytes = (c + 1).div_ceil(8);
    debug_assert_eq!(digits.len(), entries.len() * nbytes);
    let mut acc = Accumulator::<A>::new(1 << (c - 1));
    // Decoded a chunk at a time, so each bucket can be prefetched a few
    // entries before its addition (the buckets outgrow the caches: 3 MiB
    // of G1 buckets at c = 16).
    const CHUNK: usize = 512;
    const AHEAD: usize = 8;
    let mut ops: Vec<(u32, u32, bool)> = Vec::with_capacity(CHUNK);
    for (k, chunk) in digits.chunks(CHUNK * nbytes).enumerate() {
        ops.clear();
        for (i, d) in chunk.chunks_exact(nbytes).enumerate() {
            let signed = digit(d, c);
            if signed == 0 {
                continue;
            }
            let bucket = u32::try_from(signed.unsigned_abs() - 1).expect("c ≤ 20");
            let entry = u32::try_from(k * CHUNK + i).expect("fewer than 2^32 entries");
            ops.push((bucket, entry, signed < 0));
        }
        for (i, &(bucket, entry, neg)) in ops.iter().enumerate() {
            if let Some(&(next, _, _)) = ops.get(i + AHEAD) {
                prefetch(&acc.buckets[next as usize]);
            }
            let (x, y) = entries[entry as usize].xy();
            acc.insert(bucket, A::from_xy(*x, y.neg_if(neg)));
        }
    }
    acc.finish()
}

/// `(x₁, y₁) + (x₂, y₂)` (`x₁ ≠ x₂`, or the same point when `double`) from
/// `inv`, the inverse of its denominator (`x₂ - x₁`, or `2y₁`): `λ = (y₂ -
/// y₁)·inv` (or `3x₁²·inv`), `x₃ = λ² - x₁ - x₂`, `y₃ = λ(x₁ - x₃) - y₁`.
/// Written with the out-parameter operations (see [`Field::mul_to`]).
#[inline]
pub(crate) fn chord<F: Field>(x1: &F, y1: &F, x2: &F, y2: &F, double: bool, inv: &F) -> (F, F) {
    let (mut num, mut lambda) = (F::default(), F::default());
    if double {
        F::sqr_to(&mut num, x1);
        num.triple_assign();
    } else {
        F::sub_to(&mut num, y2, y1);
    }
    F::mul_to(&mut lambda, &num, inv);
    let (mut x3, mut y3) = (F::default(), F::default());
    F::sqr_to(&mut x3, &lambda);
    x3.sub_assign(x1);
    x3.sub_assign(x2);
    F::sub_to(&mut y3, x1, &x3);
    y3.mul_assign(&lambda);
    y3.sub_assign(y1);
    (x3, y3)
}

/// The signed digit `w + b - 2^c·w_top` of one entry's `(c + 1)`-bit
/// little-endian bytes (see [`window_sum`]).
#[inline]
pub(crate) fn digit(bytes: &[u8], c: usize) -> i64 {
    let mut v = 0u32;
    for (k, byte) in bytes.iter().enumerate() {
        v |= u32::from(*byte) << (8 * k);
    }
    let w = v >> 1;
    i64::from(w + (v & 1)) - (i64::from((w >> (c - 1)) & 1) << c)
}

/// `Σ (b + 1)·buckets[b]` over the buckets marked `full` (the others are
/// empty), batched as [`window_sum`]'s reduction.
pub(crate) fn bucket_sum<A: Affine>(buckets: Vec<A>, full: Vec<bool>) -> A::Proj {
    debug_assert_eq!(buckets.len(), full.len());
    let mut acc = Accumulator::<A>::new(buckets.len());
    acc.buckets = buckets;
    acc.full = full;
    acc.finish()
}

/// A hint to bring `p`'s cache lines in (no effect on other targets).
#[inline(always)]
pub(crate) fn prefetch<T>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = (p as *const T).cast::<i8>();
        // SAFETY: prefetching has no effect on memory or on the program's
        // meaning, and `p` points into a live allocation.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch(p, _MM_HINT_T0);
            if std::mem::size_of::<T>() > 64 {
                _mm_prefetch(p.add(64), _MM_HINT_T0);
            }
            if std::mem::size_of::<T>() > 128 {
                _mm_prefetch(p.add(128), _MM_HINT_T0);
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// One window's bucket accumulation and reduction: [`window_sum`] or
/// [`super::sorted::window_sum`] (same digits, same sum).
pub(crate) type WindowSum<A> = fn(&[A], &[u8], usize) -> <A as Affine>::Proj;

/// `Σ kᵢ·points[i]` for scalars `kᵢ < 2^nbits` (`nbits ≤ 128`: the halves of
/// the GLV split) by Pippenger's method with windows of `c` bits, each
/// window's buckets accumulated by `window_sum` (batched affine
/// additions), the windows joined by doublings (Horner); the windows are
/// jobs on rayon's current pool when it has more than one thread.
///
/// Window `j`'s digit is read, in the tile's encoding, from the `c + 1`
/// bits of `2k` at bit `c·j` (bits `c·j - 1 .. c·j + c` of `k`): the signed
/// digits of all windows add up to `k` once the top window's sign bit,
/// bit `c·W - 1` with `W = ⌊nbits/c⌋ + 1`, lies above `k`'s bits.
pub(crate) fn msm<A: Affine + Send + Sync>(
    points: &[A],
    scalars: &[u128],
    nbits: usize,
    c: usize,
    window_sum: WindowSum<A>,
) -> A::Proj
where
    A::Proj: Send,
{
    debug_assert_eq!(points.len(), scalars.len());
    debug_assert!(nbits <= 128 && (2..=20).contains(&c));
    let windows = nbits / c + 1;
    let nbytes = (c + 1).div_ceil(8);
    let mask = (1u128 << (c + 1)) - 1;
    let one = |j: usize| {
        let mut digits = Vec::with_capacity(scalars.len() * nbytes);
        for k in scalars {
            let bits = match (c * j).checked_sub(1) {
                None => (k << 1) & mask,
                Some(at) if at < 128 => (k >> at) & mask,
                Some(_) => 0,
            };
            digits.extend_from_slice(&bits.to_le_bytes()[..nbytes]);
        }
        let sum = window_sum(points, &digits, c);
        zeroize::Zeroize::zeroize(&mut digits);
        sum
    };
    let sums: Vec<A::Proj> = if rayon::current_num_threads() <= 1 {
        (0..windows).map(one).collect()
    } else {
        use rayon::prelude::*;
        (0..windows).into_par_iter().map(one).collect()
    };
    // Σ 2^(c·j)·sums[j], from the top window down.
    let mut acc = A::Proj::default();
    for (j, s) in sums.iter().enumerate().rev() {
        A::add_proj(&mut acc, s);
        if j > 0 {
            for _ in 0..c {
                A::double(&mut acc);
            }
        }
    }
    acc
}
