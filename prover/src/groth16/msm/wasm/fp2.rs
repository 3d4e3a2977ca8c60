//! Fp2 = Fp[u]/(u² + 1) on the Wasm [`Fp`], for G2.

use super::fp::Fp;

/// `c0 + c1·u`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fp2 {
    /// The real part.
    pub c0: Fp,
    /// The coefficient of u.
    pub c1: Fp,
}

impl Fp2 {
    /// `self·other`, Karatsuba: three base-field products.
    #[inline]
    pub fn mul(&self, other: &Fp2) -> Fp2 {
        let aa = self.c0.mul(&other.c0);
        let bb = self.c1.mul(&other.c1);
        let cross = self.c0.add(&self.c1).mul(&other.c0.add(&other.c1));
        Fp2 {
            c0: aa.sub(&bb),
            c1: cross.sub(&aa).sub(&bb),
        }
    }

    /// `self²` = `(c0 + c1)(c0 - c1) + 2·c0·c1·u`: two products.
    #[inline]
    pub fn square(&self) -> Fp2 {
        let ab = self.c0.mul(&self.c1);
        Fp2 {
            c0: self.c0.add(&self.c1).mul(&self.c0.sub(&self.c1)),
            c1: ab.double(),
        }
    }

    /// `self⁻¹` (zero for zero): `conj(self) / (c0² + c1²)`.
    pub fn invert(&self) -> Fp2 {
        let norm = self.c0.square().add(&self.c1.square()).invert();
        Fp2 {
            c0: self.c0.mul(&norm),
            c1: self.c1.mul(&norm).neg(),
        }
    }
}

/// What the curve code needs of a field (Fp for G1, Fp2 for G2).
pub trait Field: Copy + Default + Send + Sync {
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// `self + other`.
    fn add(&self, other: &Self) -> Self;
    /// `self - other`.
    fn sub(&self, other: &Self) -> Self;
    /// `self·other`.
    fn mul(&self, other: &Self) -> Self;
    /// `self²`.
    fn square(&self) -> Self;
    /// `-self`.
    fn neg(&self) -> Self;
    /// `2·self`.
    fn double(&self) -> Self {
        self.add(self)
    }
    /// `self⁻¹`, zero for zero.
    fn invert(&self) -> Self;
    /// Whether the value is zero (either representative in `[0, 2p)`).
    fn is_zero(&self) -> bool;
    /// Whether the two represent the same element.
    fn equals(&self, other: &Self) -> bool {
        self.sub(other).is_zero()
    }
}

impl Field for Fp {
    const ZERO: Self = Fp::ZERO;
    const ONE: Self = Fp::ONE;
    #[inline]
    fn add(&self, other: &Self) -> Self {
        Fp::add(self, other)
    }
    #[inline]
    fn sub(&self, other: &Self) -> Self {
        Fp::sub(self, other)
    }
    #[inline]
    fn mul(&self, other: &Self) -> Self {
        Fp::mul(self, other)
    }
    #[inline]
    fn square(&self) -> Self {
        Fp::square(self)
    }
    #[inline]
    fn neg(&self) -> Self {
        Fp::neg(self)
    }
    fn invert(&self) -> Self {
        Fp::invert(self)
    }
    #[inline]
    fn is_zero(&self) -> bool {
        Fp::is_zero(self)
    }
    #[inline]
    fn equals(&self, other: &Self) -> bool {
        Fp::equals(self, other)
    }
}

impl Field for Fp2 {
    const ZERO: Self = Fp2 {
        c0: Fp::ZERO,
        c1: Fp::ZERO,
    };
    const ONE: Self = Fp2 {
        c0: Fp::ONE,
        c1: Fp::ZERO,
    };
    #[inline]
    fn add(&self, other: &Self) -> Self {
        Fp2 {
            c0: self.c0.add(&other.c0),
            c1: self.c1.add(&other.c1),
        }
    }
    #[inline]
    fn sub(&self, other: &Self) -> Self {
        Fp2 {
            c0: self.c0.sub(&other.c0),
            c1: self.c1.sub(&other.c1),
        }
    }
    #[inline]
    fn mul(&self, other: &Self) -> Self {
        Fp2::mul(self, other)
    }
    #[inline]
    fn square(&self) -> Self {
        Fp2::square(self)
    }
    #[inline]
    fn neg(&self) -> Self {
        Fp2 {
            c0: self.c0.neg(),
            c1: self.c1.neg(),
        }
    }
    fn invert(&self) -> Self {
        Fp2::invert(self)
    }
    #[inline]
    fn is_zero(&self) -> bool {
        self.c0.is_zero() && self.c1.is_zero()
    }
    #[inline]
    fn equals(&self, other: &Self) -> bool {
        self.c0.equals(&other.c0) && self.c1.equals(&other.c1)
    }
}
