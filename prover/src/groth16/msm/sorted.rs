//! One Pippenger window with its entries sorted by bucket and added
//! pairwise, on blst's field functions: the wasm backend's method
//! ([`super::wasm::pippenger`]) natively, for G1 and G2 alike.
//!
//! [`super::batch_affine::window_sum`] adds entries in input order into
//! affine buckets, so an entry whose bucket already has an addition in the
//! open batch must wait (a queue, projective side buckets), and every
//! entry pays a bucket lookup, flag tests, an equality test of `x` and a
//! copy into the batch. Here a counting sort first lists each bucket's
//! entries together; the buckets are then taken in groups of about
//! [`GROUP_BYTES`] of points, added pairwise in rounds: in a round each
//! bucket's list is cut into adjacent pairs, every pair of the group is
//! added with one shared inversion (pairs are independent: no conflicts by
//! construction), and the sums replace the pairs in one buffer (the first
//! round reads the entries in place, signs applied as they are read).
//! `⌈log₂ L⌉` rounds leave a bucket of `L` entries with one point, with
//! `L - 1` additions as before; one bucket of 3000 equal entries takes 12
//! rounds, not 3000 inversions. The buckets' sum `Σ (b + 1)·B_b` is
//! [`super::batch_affine`]'s batched reduction.
//!
//! A pair `(P, Q)` needs `x_Q - x_P`, which is also the test for the rare
//! special cases: zero means `Q = P` (a doubling, denominator `2y`) or
//! `Q = -P` (the pair vanishes from its list).
//!
//! Groups bound the buffer (a group's points, not the window's: peak
//! memory counts) and keep it in the caches; a round's batch is then at
//! most half a group. A single bucket with more entries than a group
//! (many equal digits) is reduced a group at a time.

use zeroize::Zeroizing;

use super::batch_affine::{bucket_sum, chord, digit, prefetch, Affine, Field};

/// A group's points, in bytes (a group ends at the first bucket boundary
/// past it, or before a bucket longer than this, which goes alone): 4096
/// G1 points, 2048 G2 points, with the round's products well inside a 1
/// MiB L2 cache.
const GROUP_BYTES: usize = 384 << 10;

/// Entry numbers carry the sign of their digit in the top bit.
const NEG: u32 = 1 << 31;

/// How a pair is added, decided before the inversion.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Add,
    Double,
    Cancel,
}

/// [`super::batch_affine::window_sum`]'s sum (same digits, same result)
/// by sorted pairwise rounds.
pub(crate) fn window_sum<A: Affine>(entries: &[A], digits: &[u8], c: usize) -> A::Proj {
    let nbytes = (c + 1).div_ceil(8);
    debug_assert_eq!(digits.len(), entries.len() * nbytes);
    let nb = 1usize << (c - 1);
    let order = sort(digits, c, nb);
    let mut buckets = vec![A::default(); nb];
    let mut full = vec![false; nb];
    let group = GROUP_BYTES / std::mem::size_of::<A>();
    let mut round = Round::<A>::new(group);
    let mut b0 = 0;
    while b0 < nb {
        let first = order.start[b0];
        let count = |b: usize| order.start[b + 1] - order.start[b];
        if count(b0) > group {
            let list = &order.list[first..order.start[b0 + 1]];
            if let Some(p) = round.long_bucket(entries, list, group) {
                buckets[b0] = p;
                full[b0] = true;
            }
            b0 += 1;
            continue;
        }
        // The group: buckets b0..b1, at least `group` entries unless the
        // window or a long bucket comes first (so under 2·group entries).
        let mut b1 = b0 + 1;
        while b1 < nb && order.start[b1] - first < group && count(b1) <= group {
            b1 += 1;
        }
        let list = &order.list[first..order.start[b1]];
        // Group-relative slots: bucket b's at start[b] - first.
        let start: Vec<usize> = order.start[b0..=b1].iter().map(|s| s - first).collect();
        round.len.clear();
        round.len.extend(start.windows(2).map(|w| w[1] - w[0]));
        round.reduce(&start, Source::Entries(entries, list));
        for (i, b) in (b0..b1).enumerate() {
            if round.len[i] == 1 {
                buckets[b] = round.cur[order.start[b] - first];
                full[b] = true;
            }
        }
        b0 = b1;
    }
    bucket_sum(buckets, full)
}

/// A window's entries by bucket: bucket `b`'s are `list[start[b]..start[b
/// + 1]]`, each an entry number with [`NEG`] for a negative digit.
struct Order {
    list: Zeroizing<Vec<u32>>,
    start: Zeroizing<Vec<usize>>,
}

/// The counting sort of the window's non-zero digits by bucket
/// (`|digit| - 1`), stable (entries keep their order within a bucket).
fn sort(digits: &[u8], c: usize, nb: usize) -> Order {
    let nbytes = (c + 1).div_ceil(8);
    let n = digits.len() / nbytes;
    assert!(n < NEG as usize, "fewer than 2^31 entries a window");
    // Each entry's digit once: bucket + 1 (0 for a zero digit) and sign.
    let mut codes = Zeroizing::new(Vec::with_capacity(n));
    let mut start = Zeroizing::new(vec![0usize; nb + 1]);
    for d in digits.chunks_exact(nbytes) {
        let signed = digit(d, c);
        let b = u32::try_from(signed.unsigned_abs()).expect("c ≤ 20");
        codes.push(b | if signed < 0 { NEG } else { 0 });
        if b != 0 {
            start[b as usize] += 1;
        }
    }
    // start[b + 1] counts bucket b's entries: a running sum makes it the
    // end of bucket b (and start[b] its beginning).
    for b in 0..nb {
        start[b + 1] += start[b];
    }
    let mut fill = Zeroizing::new(start[..nb].to_vec());
    let mut list = Zeroizing::new(vec![0u32; start[nb]]);
    for (i, &code) in codes.iter().enumerate() {
        let b = (code & !NEG) as usize;
        if b != 0 {
            // i < 2^31 (asserted above).
            list[fill[b - 1]] = i as u32 | (code & NEG);
            fill[b - 1] += 1;
        }
    }
    Order { list, start }
}

/// A group's points and the scratch of its rounds.
struct Round<A: Affine> {
    /// The group's points, bucket after bucket; bucket `i` of the group
    /// (`len[i]` points) starts where its entries started.
    cur: Vec<A>,
    /// Each bucket's points left.
    len: Vec<usize>,
    /// The first point of each pair of the round.
    pairs: Vec<u32>,
    kinds: Vec<Kind>,
    /// Running products of the round's denominators.
    products: Vec<A::F>,
}

impl<A: Affine> Round<A> {
    fn new(group: usize) -> Self {
        Self {
            cur: Vec::with_capacity(group),
            len: Vec::new(),
            pairs: Vec::with_capacity(group / 2),
            kinds: Vec::with_capacity(group / 2),
            products: Vec::with_capacity(group / 2),
        }
    }
}

/// Where a round reads its points: the entries themselves (the first
/// round, through the group's part of the sorted list, signs applied), or
/// the group's buffer (the sums of the rounds before).
#[derive(Clone, Copy)]
enum Source<'a, A> {
    Entries(&'a [A], &'a [u32]),
    Buffer,
}

impl<'a, A: Affine> Source<'a, A> {
    /// Point `i` of the group as `(x, y)`; a negated `y` is written to
    /// `y_buf`.
    #[inline]
    fn xy<'s>(self, cur: &'s [A], i: usize, y_buf: &'s mut A::F) -> (&'s A::F, &'s A::F)
    where
        'a: 's,
    {
        match self {
            Source::Entries(entries, list) => {
                let e = list[i];
                let (x, y) = entries[(e & !NEG) as usize].xy();
                if e & NEG == 0 {
                    (x, y)
                } else {
                    A::F::neg_if_to(y_buf, y, true);
                    (x, y_buf)
                }
            }
            Source::Buffer => cur[i].xy(),
        }
    }

    /// Point `i`'s x (a sign never changes it).
    #[inline]
    fn x<'s>(self, cur: &'s [A], i: usize) -> &'s A::F
    where
        'a: 's,
    {
        match self {
            Source::Entries(entries, list) => entries[(list[i] & !NEG) as usize].xy().0,
            Source::Buffer => cur[i].xy().0,
        }
    }

    /// Point `i` of the group.
    #[inline]
    fn get(self, cur: &[A], i: usize) -> A {
        let mut y = A::F::default();
        let (x, y) = self.xy(cur, i, &mut y);
        A::from_xy(*x, *y)
    }

    /// Hints the cache about point `i` (the entries are read out of order).
    #[inline]
    fn prefetch(self, i: usize) {
        if let Source::Entries(entries, list) = self {
            if let Some(&e) = list.get(i) {
                prefetch(&entries[(e & !NEG) as usize]);
            }
        }
    }
}

impl<A: Affine> Round<A> {
    /// Rounds of pairwise additions until no bucket of the group has two
    /// points (each has one, or none where its points cancelled). Bucket
    /// `i`'s points sit at the front of its slot, `cur[start[i]..]`; the
    /// first round reads them from `entries` through `list`.
    fn reduce(&mut self, start: &[usize], mut source: Source<'_, A>) {
        if let Source::Entries(_, list) = source {
            self.cur.clear();
            self.cur.resize(list.len(), A::default());
        }
        loop {
            self.pairs.clear();
            for (&l, &s) in self.len.iter().zip(start) {
                self.pairs.extend((0..l / 2).map(|i| (s + 2 * i) as u32));
            }
            if self.pairs.is_empty() {
                if let Source::Entries(..) = source {
                    // No bucket had two entries: each keeps its one.
                    for (&l, &s) in self.len.iter().zip(start) {
                        if l == 1 {
                            self.cur[s] = source.get(&self.cur, s);
                        }
                    }
                }
                return;
            }
            self.add_pairs(source);
            self.compact(start, source);
            source = Source::Buffer;
        }
    }

    /// One bucket of more entries than a group (an input with many equal
    /// digits): its entries a group at a time, each group's down to one
    /// point, then those points; so the buffer stays a group's size,
    /// whatever the input. The bucket's point, or `None` where it
    /// cancelled out.
    fn long_bucket(&mut self, entries: &[A], list: &[u32], group: usize) -> Option<A> {
        let mut partial = Vec::with_capacity(list.len().div_ceil(group));
        for chunk in list.chunks(group) {
            self.len.clear();
            self.len.push(chunk.len());
            self.reduce(&[0, chunk.len()], Source::Entries(entries, chunk));
            if self.len[0] == 1 {
                partial.push(self.cur[0]);
            }
        }
        self.cur.clear();
        self.cur.extend_from_slice(&partial);
        self.len.clear();
        self.len.push(partial.len());
        self.reduce(&[0, partial.len()], Source::Buffer);
        (self.len[0] == 1).then(|| self.cur[0])
    }

    /// After a round: each bucket's sums to the front of its slot, then
    /// its odd point out; cancelled pairs leave nothing. Writes never pass
    /// reads (`kept ≤ i < 2i`).
    fn compact(&mut self, start: &[usize], source: Source<'_, A>) {
        let mut k = 0;
        for (l, &s) in self.len.iter_mut().zip(start) {
            let mut kept = 0;
            for i in 0..*l / 2 {
                if self.kinds[k] != Kind::Cancel {
                    self.cur[s + kept] = self.cur[s + 2 * i];
                    kept += 1;
                }
                k += 1;
            }
            if *l % 2 == 1 {
                self.cur[s + kept] = source.get(&self.cur, s + *l - 1);
                kept += 1;
            }
            *l = kept;
        }
    }

    /// `cur[a] ← p_a + p_(a + 1)` (points of `source`) for every `a` of
    /// `pairs`, all with one inversion (Montgomery's trick: the running
    /// products forward, one inverse, then each inverse peeled off
    /// backward). The denominators are recomputed backward rather than
    /// kept: a subtraction costs less than the memory.
    fn add_pairs(&mut self, source: Source<'_, A>) {
        let n = self.pairs.len();
        self.kinds.clear();
        self.kinds.resize(n, Kind::Add);
        self.products.clear();
        self.products.resize(n, A::F::default());
        let Some(first) = self.products_forward(source) else {
            return;
        };
        // inv = 1 / (product of the denominators through pair k).
        let mut inv = self.products[n - 1].inverse();
        let (mut y_p, mut y_q) = (A::F::default(), A::F::default());
        let (mut d, mut dk) = (A::F::default(), A::F::default());
        for k in (first..n).rev() {
            let kind = self.kinds[k];
            if kind == Kind::Cancel {
                continue;
            }
            let a = self.pairs[k] as usize;
            let (x1, y1) = source.xy(&self.cur, a, &mut y_p);
            let (x2, y2) = source.xy(&self.cur, a + 1, &mut y_q);
            let double = kind == Kind::Double;
            if double {
                A::F::add_to(&mut d, y1, y1);
            } else {
                A::F::sub_to(&mut d, x2, x1);
            }
            if k == first {
                dk = inv;
            } else {
                A::F::mul_to(&mut dk, &inv, &self.products[k - 1]);
                inv.mul_assign(&d);
            }
            let (x3, y3) = chord(x1, y1, x2, y2, double, &dk);
            self.cur[a] = A::from_xy(x3, y3);
        }
    }

    /// The forward pass: each pair's kind, and `products[k]` the product of
    /// the denominators through pair `k` (a cancelled pair repeats the one
    /// before). The first pair that is not cancelled, if any.
    fn products_forward(&mut self, source: Source<'_, A>) -> Option<usize> {
        const AHEAD: usize = 4;
        let (mut y_p, mut y_q, mut d) = (A::F::default(), A::F::default(), A::F::default());
        let mut first = None;
        for k in 0..self.pairs.len() {
            if let Some(&next) = self.pairs.get(k + AHEAD) {
                source.prefetch(next as usize);
                source.prefetch(next as usize + 1);
            }
            let a = self.pairs[k] as usize;
            // Only x here (never negated): y only where the x agree.
            let x1 = source.x(&self.cur, a);
            let x2 = source.x(&self.cur, a + 1);
            A::F::sub_to(&mut d, x2, x1);
            if d.is_zero() {
                let (_, y1) = source.xy(&self.cur, a, &mut y_p);
                let (_, y2) = source.xy(&self.cur, a + 1, &mut y_q);
                if y1 == y2 {
                    // P + P: λ = 3x²/2y (y ≠ 0: no point of order 2).
                    self.kinds[k] = Kind::Double;
                    A::F::add_to(&mut d, y1, y1);
                } else {
                    self.kinds[k] = Kind::Cancel;
                }
            } else {
                self.kinds[k] = Kind::Add;
            }
            let (done, rest) = self.products.split_at_mut(k);
            let product = &mut rest[0];
            match (self.kinds[k], first) {
                (Kind::Cancel, None) => {}
                (Kind::Cancel, Some(_)) => *product = done[k - 1],
                (_, None) => {
                    first = Some(k);
                    *product = d;
                }
                (_, Some(_)) => A::F::mul_to(product, &done[k - 1], &d),
            }
        }
        first
    }
}
