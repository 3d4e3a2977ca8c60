//! BLS12-381's base field for Wasm: 13 limbs of 30 bits, Montgomery form
//! with R = 2^390.
//!
//! Wasm has a 64-bit multiply but no 64×64→128 product, so blst's portable
//! C multiplies 32-bit limbs and splits every 64-bit product into a low and
//! a high word with a carry. With 30-bit limbs a product is under 2^60, and
//! 13 of them add up in a `u64` without overflow: a whole column of the
//! schoolbook product is summed first and its carry taken once. The
//! Montgomery reduction then runs word by word on the carried product.
//!
//! Values are kept in `[0, 2p)` (R > 4p, so a product of two such values
//! reduces into the same range without a final subtraction); every limb is
//! under 2^30 between operations. This file needs nothing but `core`: the
//! Wasm microbenchmark (`bindings/wasm/fpbench`) includes it as it is.

/// `body` once per listed index, each a constant (a loop LLVM would not
/// unroll this deep).
macro_rules! each {
    ($i:ident in [$($n:literal),*] $body:block) => {
        $( { let $i: usize = $n; $body } )*
    };
}

/// Limbs per element.
pub const LIMBS: usize = 13;
const BITS: u32 = 30;
const MASK: u64 = (1 << BITS) - 1;

/// p, little-endian 64-bit words.
const P64: [u64; 6] = [
    0xb9fe_ffff_ffff_aaab,
    0x1eab_fffe_b153_ffff,
    0x6730_d2a0_f6b0_f624,
    0x6477_4b84_f385_12bf,
    0x4b1b_a7b6_434b_acd7,
    0x1a01_11ea_397f_e69a,
];

/// 64-bit words (a value under 2^390) to 30-bit limbs.
const fn split30(x: &[u64; 7]) -> [u32; LIMBS] {
    let mut out = [0u32; LIMBS];
    let mut i = 0;
    while i < LIMBS {
        let bit = 30 * i;
        let (word, off) = (bit / 64, bit % 64);
        let mut v = x[word] >> off;
        if off > 34 {
            v |= x[word + 1] << (64 - off);
        }
        out[i] = (v & MASK) as u32;
        i += 1;
    }
    out
}

/// 30-bit limbs to 64-bit words.
const fn join30(x: &[u32; LIMBS]) -> [u64; 7] {
    let mut out = [0u64; 7];
    let mut i = 0;
    while i < LIMBS {
        let bit = 30 * i;
        let (word, off) = (bit / 64, bit % 64);
        out[word] |= (x[i] as u64) << off;
        if off > 34 {
            out[word + 1] |= (x[i] as u64) >> (64 - off);
        }
        i += 1;
    }
    out
}

const fn widen(x: &[u64; 6]) -> [u64; 7] {
    [x[0], x[1], x[2], x[3], x[4], x[5], 0]
}

/// `2^k mod p` by doubling (compile time only).
const fn pow2_mod_p(k: u32) -> [u64; 7] {
    let p = widen(&P64);
    let mut r = [1u64, 0, 0, 0, 0, 0, 0];
    let mut n = 0;
    while n < k {
        // r = 2r (r < p < 2^381: no overflow of 7 words).
        let mut i = 6;
        while i > 0 {
            r[i] = (r[i] << 1) | (r[i - 1] >> 63);
            i -= 1;
        }
        r[0] <<= 1;
        if !lt7(&r, &p) {
            r = sub7(&r, &p);
        }
        n += 1;
    }
    r
}

const fn lt7(a: &[u64; 7], b: &[u64; 7]) -> bool {
    let mut i = 7;
    while i > 0 {
        i -= 1;
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

const fn sub7(a: &[u64; 7], b: &[u64; 7]) -> [u64; 7] {
    let mut out = [0u64; 7];
    let mut borrow = 0u64;
    let mut i = 0;
    while i < 7 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(borrow);
        out[i] = d;
        borrow = (b1 | b2) as u64;
        i += 1;
    }
    out
}

/// p in limbs.
const P: [u32; LIMBS] = split30(&widen(&P64));
/// 2p in limbs (the bound values are kept under).
const P2: [u32; LIMBS] = {
    let p = widen(&P64);
    let mut two = [0u64; 7];
    let mut i = 6;
    while i > 0 {
        two[i] = (p[i] << 1) | (p[i - 1] >> 63);
        i -= 1;
    }
    two[0] = p[0] << 1;
    split30(&two)
};
/// `-p⁻¹ mod 2^30`, by Newton's iteration (each step doubles the bits).
const PINV: u64 = {
    let p0 = P64[0];
    let mut inv = 1u64;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg() & MASK
};
/// R mod p (one in Montgomery form).
const ONE: [u32; LIMBS] = split30(&pow2_mod_p(390));
/// `2^396 mod p`: Montgomery-multiplying arkworks' form (`a·2^384`) by it
/// gives ours (`a·2^390`).
const FROM_ARK: [u32; LIMBS] = split30(&pow2_mod_p(396));
/// `2^384 mod p`: Montgomery-multiplying ours by it gives arkworks' form.
const TO_ARK: [u32; LIMBS] = split30(&pow2_mod_p(384));

/// An element of Fp, `a·2^390 mod p` in `[0, 2p)`, 30-bit limbs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fp(pub [u32; LIMBS]);

impl Fp {
    /// Zero.
    pub const ZERO: Fp = Fp([0; LIMBS]);
    /// One.
    pub const ONE: Fp = Fp(ONE);

    /// From arkworks' Montgomery limbs (`a·2^384 mod p`, canonical).
    pub fn from_ark_limbs(x: &[u64; 6]) -> Fp {
        Fp(split30(&widen(x))).mul(&Fp(FROM_ARK))
    }

    /// To arkworks' Montgomery limbs (canonical).
    pub fn to_ark_limbs(&self) -> [u64; 6] {
        let w = join30(&self.mul(&Fp(TO_ARK)).canonical().0);
        [w[0], w[1], w[2], w[3], w[4], w[5]]
    }

    /// `self + p` without reduction (for `self < p`): the other
    /// representative, for tests of inputs in `[p, 2p)`.
    #[cfg(test)]
    pub(crate) fn plus_p(&self) -> Fp {
        let mut out = [0u32; LIMBS];
        let mut carry = 0u32;
        for i in 0..LIMBS {
            let s = self.0[i] + P[i] + carry;
            out[i] = s & MASK as u32;
            carry = s >> BITS;
        }
        Fp(out)
    }

    /// The same value in `[0, p)`.
    pub fn canonical(&self) -> Fp {
        sub_if_at_least(self.0, &P)
    }

    /// Whether the value is zero (either representative: 0 or p).
    #[inline]
    pub fn is_zero(&self) -> bool {
        self.0 == [0; LIMBS] || self.0 == P
    }

    /// Whether the two represent the same element. Values under 2p that
    /// are equal mod p differ by 0 or ±p, so their low limbs differ by
    /// 0 or ±p's low limb mod 2^30: any other difference settles it at
    /// once (the common case when buckets are added).
    #[inline]
    pub fn equals(&self, other: &Fp) -> bool {
        let d = self.0[0].wrapping_sub(other.0[0]) & MASK as u32;
        if d != 0 && d != P[0] && d != (1 << BITS) - P[0] {
            return false;
        }
        self.canonical() == other.canonical()
    }

    /// `self·other`.
    #[inline]
    pub fn mul(&self, other: &Fp) -> Fp {
        let (a, b) = (wide(&self.0), wide(&other.0));
        // Column k of the product: Σ a[j]·b[k-j], at most 13 terms.
        mont(
            #[inline(always)]
            |k| {
                let mut s = 0u64;
                each!(j in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] {
                    if j <= k && k - j < LIMBS {
                        s += a[j] * b[k - j];
                    }
                });
                s
            },
        )
    }

    /// `self²`: each off-diagonal product once, doubled.
    #[inline]
    pub fn square(&self) -> Fp {
        let a = wide(&self.0);
        mont(
            #[inline(always)]
            |k| {
                let mut s = 0u64;
                each!(j in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] {
                    if 2 * j < k && k - j < LIMBS {
                        s += a[j] * a[k - j];
                    }
                });
                // At most 6 off-diagonal products: doubled, still under
                // 2^64 with the square beside them.
                s <<= 1;
                if k % 2 == 0 && k / 2 < LIMBS {
                    s += a[k / 2] * a[k / 2];
                }
                s
            },
        )
    }

    /// `self + other`.
    #[inline]
    pub fn add(&self, other: &Fp) -> Fp {
        let mut out = [0u32; LIMBS];
        let mut carry = 0u32;
        for (o, (x, y)) in out.iter_mut().zip(self.0.iter().zip(other.0.iter())) {
            let s = x + y + carry;
            *o = s & MASK as u32;
            carry = s >> BITS;
        }
        sub_if_at_least(out, &P2)
    }

    /// `self - other`.
    #[inline]
    pub fn sub(&self, other: &Fp) -> Fp {
        // self + 2p - other, in [0, 4p), then into [0, 2p).
        let mut out = [0u32; LIMBS];
        let mut carry = 0i32;
        for i in 0..LIMBS {
            let s = self.0[i] as i32 + P2[i] as i32 - other.0[i] as i32 + carry;
            out[i] = (s & MASK as i32) as u32;
            carry = s >> BITS;
        }
        sub_if_at_least(out, &P2)
    }

    /// `-self`.
    #[inline]
    pub fn neg(&self) -> Fp {
        Fp::ZERO.sub(self)
    }

    /// `2·self`.
    #[inline]
    pub fn double(&self) -> Fp {
        self.add(self)
    }

    /// `self⁻¹` (zero for zero), as `self^(p-2)`: used once per batch of
    /// inversions, so a plain exponentiation costs little.
    pub fn invert(&self) -> Fp {
        let e = p_minus_2();
        let mut acc = Fp::ONE;
        for i in (0..381).rev() {
            acc = acc.square();
            if (e[i / 64] >> (i % 64)) & 1 == 1 {
                acc = acc.mul(self);
            }
        }
        acc
    }
}

fn p_minus_2() -> [u64; 6] {
    let mut e = P64;
    e[0] -= 2;
    e
}

fn wide(x: &[u32; LIMBS]) -> [u64; LIMBS] {
    x.map(u64::from)
}

/// Montgomery multiplication by product scanning: `column(k)` is column
/// `k` of the product (`Σ a[j]·b[k-j]`, under 2^64); the reduction's
/// multiples of p are summed column by column beside it, in a second
/// accumulator (each holds at most 13 products under 2^60, so neither
/// overflows), and the two meet only in their low 30 bits and their
/// carries. Returns `a·b·2^-390 mod p` in `[0, 2p)` for `a, b < 2p`
/// (`a·b + m·p < 4p² + 2^390·p`, divided by 2^390, is under 2p as R > 4p).
/// Unrolled (`each!`): every index is a constant, the limbs stay in locals.
// The unrolled copies where an `m[k]` is last written look unread to the
// lint; every one is read by the later columns.
#[allow(unused_assignments)]
#[inline(always)]
fn mont(column: impl Fn(usize) -> u64) -> Fp {
    let mut m = [0u64; LIMBS];
    let mut out = [0u32; LIMBS];
    let mut carry = 0u64;
    each!(k in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24] {
        let s1 = column(k);
        let mut s2 = 0u64;
        each!(j in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] {
            if j < k && k - j < LIMBS {
                s2 += m[j] * P[k - j] as u64;
            }
        });
        let lo = (s1 & MASK) + (s2 & MASK) + carry;
        if k < LIMBS {
            let mk = lo.wrapping_mul(PINV) & MASK;
            m[k] = mk;
            // lo + mk·p[0] is a multiple of 2^30.
            carry = (s1 >> BITS) + (s2 >> BITS) + ((lo + mk * P[0] as u64) >> BITS);
        } else {
            out[k - LIMBS] = (lo & MASK) as u32;
            carry = (s1 >> BITS) + (s2 >> BITS) + (lo >> BITS);
        }
    });
    // The result is under 2p < 2^382: the last carry is the top limb.
    out[LIMBS - 1] = carry as u32;
    Fp(out)
}

/// `x - m` if `x ≥ m`, else `x` (limbs under 2^30, x < 2m).
#[inline(always)]
fn sub_if_at_least(x: [u32; LIMBS], m: &[u32; LIMBS]) -> Fp {
    let mut d = [0u32; LIMBS];
    let mut borrow = 0i32;
    for i in 0..LIMBS {
        let s = x[i] as i32 - m[i] as i32 + borrow;
        d[i] = (s & MASK as i32) as u32;
        borrow = s >> BITS;
    }
    // borrow is -1 when x < m: keep x. Select without a branch.
    let keep = borrow as u32; // all ones to keep x
    let mut out = [0u32; LIMBS];
    for i in 0..LIMBS {
        out[i] = (x[i] & keep) | (d[i] & !keep);
    }
    Fp(out)
}
