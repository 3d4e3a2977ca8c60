//! Points of a curve `y² = x³ + b` (G1 over Fp, G2 over Fp2; neither
//! formula here needs b): affine points for the buckets, added in batches
//! that share one inversion, and Jacobian points for the bucket sums.

use super::fp2::Field;

/// An affine point, or the point at infinity when `inf`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Affine<F> {
    /// x.
    pub x: F,
    /// y.
    pub y: F,
    /// Whether this is the point at infinity (x, y then mean nothing).
    pub inf: bool,
}

impl<F: Field> Affine<F> {
    /// The point at infinity.
    pub const INFINITY: Self = Affine {
        x: F::ZERO,
        y: F::ZERO,
        inf: true,
    };

    /// `-self`.
    #[inline]
    pub fn neg(&self) -> Self {
        Affine {
            x: self.x,
            y: self.y.neg(),
            inf: self.inf,
        }
    }
}

/// A point in Jacobian coordinates, `(X/Z², Y/Z³)`; infinity when Z = 0.
#[derive(Clone, Copy, Debug)]
pub struct Jacobian<F> {
    /// X.
    pub x: F,
    /// Y.
    pub y: F,
    /// Z.
    pub z: F,
}

impl<F: Field> Jacobian<F> {
    /// The point at infinity.
    pub const INFINITY: Self = Jacobian {
        x: F::ONE,
        y: F::ONE,
        z: F::ZERO,
    };

    /// Whether this is the point at infinity.
    pub fn is_inf(&self) -> bool {
        self.z.is_zero()
    }

    /// `2·self` (dbl-2009-l, a = 0).
    pub fn double(&self) -> Self {
        if self.is_inf() {
            return *self;
        }
        let a = self.x.square();
        let b = self.y.square();
        let c = b.square();
        let d = self.x.add(&b).square().sub(&a).sub(&c).double();
        let e = a.double().add(&a);
        let f = e.square();
        let x3 = f.sub(&d.double());
        let c8 = c.double().double().double();
        let y3 = e.mul(&d.sub(&x3)).sub(&c8);
        let z3 = self.y.mul(&self.z).double();
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `self + q` for an affine q (madd-2007-bl), any inputs.
    pub fn add_affine(&self, q: &Affine<F>) -> Self {
        if q.inf {
            return *self;
        }
        if self.is_inf() {
            return Jacobian {
                x: q.x,
                y: q.y,
                z: F::ONE,
            };
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Self::INFINITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        let z3 = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `self + q` (add-2007-bl), any inputs.
    pub fn add(&self, q: &Self) -> Self {
        if q.is_inf() {
            return *self;
        }
        if self.is_inf() {
            return *q;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r = s2.sub(&s1).double();
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Self::INFINITY
            };
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let v = u1.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&j).double());
        let z3 = self.z.add(&q.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }
}

/// `out[k] = a[k] + b[k]` for every k, in affine coordinates, with one
/// field inversion for the whole batch (Montgomery's trick): about 6
/// multiplications a sum instead of 11 for a mixed Jacobian one. Any
/// inputs: infinity, `P + P` (a doubling), `P + (-P)` (infinity).
/// `scratch` is working space (its contents are overwritten).
pub fn add_pairs<F: Field>(
    a: &[Affine<F>],
    b: &[Affine<F>],
    out: &mut [Affine<F>],
    scratch: &mut Scratch<F>,
) {
    let n = out.len();
    debug_assert!(a.len() == n && b.len() == n);
    // Each pair's case and slope denominator (one where there is no
    // slope), and the running products of the denominators before it.
    scratch.kinds.clear();
    scratch.dens.clear();
    scratch.prefix.clear();
    let mut acc = F::ONE;
    for (p, q) in a.iter().zip(b) {
        let k = kind(p, q);
        let d = match k {
            Kind::Add => q.x.sub(&p.x),
            Kind::Double => p.y.double(),
            Kind::Trivial => F::ONE,
        };
        scratch.prefix.push(acc);
        acc = acc.mul(&d);
        scratch.kinds.push(k);
        scratch.dens.push(d);
    }
    // One inversion, then back to front: inv holds 1/(d_0…d_k).
    let mut inv = acc.invert();
    for k in (0..n).rev() {
        let d_inv = inv.mul(&scratch.prefix[k]);
        inv = inv.mul(&scratch.dens[k]);
        out[k] = finish(&a[k], &b[k], scratch.kinds[k], &d_inv);
    }
}

/// Working space of [`add_pairs`], kept between its calls.
pub struct Scratch<F> {
    kinds: Vec<Kind>,
    dens: Vec<F>,
    prefix: Vec<F>,
}

impl<F> Default for Scratch<F> {
    fn default() -> Self {
        Scratch {
            kinds: Vec::new(),
            dens: Vec::new(),
            prefix: Vec::new(),
        }
    }
}

/// Whether `p + q` is a doubling (same point, y ≠ 0).
#[inline]
fn kind<F: Field>(p: &Affine<F>, q: &Affine<F>) -> Kind {
    if p.inf || q.inf {
        return Kind::Trivial;
    }
    if !p.x.equals(&q.x) {
        return Kind::Add;
    }
    if p.y.equals(&q.y) && !p.y.is_zero() {
        Kind::Double
    } else {
        // q = -p (y = 0 only at a 2-torsion point, which neither group has).
        Kind::Trivial
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Add,
    Double,
    Trivial,
}

#[inline]
fn finish<F: Field>(p: &Affine<F>, q: &Affine<F>, kind: Kind, d_inv: &F) -> Affine<F> {
    let lambda = match kind {
        Kind::Add => q.y.sub(&p.y).mul(d_inv),
        Kind::Double => {
            let xx = p.x.square();
            xx.double().add(&xx).mul(d_inv)
        }
        Kind::Trivial => {
            return if p.inf {
                *q
            } else if q.inf {
                *p
            } else {
                Affine::INFINITY
            };
        }
    };
    let x3 = lambda.square().sub(&p.x).sub(&q.x);
    let y3 = lambda.mul(&p.x.sub(&x3)).sub(&p.y);
    Affine {
        x: x3,
        y: y3,
        inf: false,
    }
}
