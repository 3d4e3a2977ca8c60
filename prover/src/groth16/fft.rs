//! The quotient polynomial's FFTs with tables kept per proving key, and
//! without bit-reversal permutations between them.
//!
//! arkworks' radix-2 FFT recomputes its twiddles on every call, permutes
//! its data into bit-reversed order and back on every call, and scales by
//! `1/n` and by the coset's powers in passes of their own. A proof's seven
//! transforms (three domain → coset, one coset → coefficients) need none of
//! that per proof:
//!
//! - the inverse transform runs decimation in frequency (Gentleman–Sande):
//!   natural-order evaluations in, *bit-reversed* coefficients out;
//! - the coefficients are scaled by `gᵏ/n` in that bit-reversed order, from
//!   a table kept with the key (`k = rev(p)` at position `p`);
//! - the forward transform runs decimation in time (Cooley–Tukey):
//!   bit-reversed coefficients in, natural-order coset evaluations out.
//!
//! Only the last transform (coset evaluations to `H`'s coefficients) ends
//! with one permutation, since the H query wants them in natural order. The
//! results are the same field elements as arkworks' (`tests` checks every
//! size against `ifft` then `coset.fft`, and against `coset.ifft`).
//!
//! Math: with `ω` a primitive n-th root of unity and `g` the coset's
//! offset, `A(g·ωʲ) = Σₖ (aₖ gᵏ) ωʲᵏ`; a DIF stage of half-size `m` maps
//! `(u, v) ↦ (u + v, (u − v)·ωᵗ)`, a DIT stage `(u, v) ↦ (u + vωᵗ, u − vωᵗ)`,
//! with `t = j·n/(2m)` for the j-th pair of a block: the twiddles of every
//! stage are read from one table of `ωᵗ`, `t < n/2`.

use ark_ff::{Field, One};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;
use superzk_circuits::Fr;

use super::Groth16Error;

/// Butterflies per job when a stage is cut over a pool: below this, the
/// pool's overhead costs more than the work.
const MIN_JOB: usize = 1 << 10;

/// One domain's FFT tables, kept with the key: `2n` field elements (`n/2`
/// twiddles each way, `n` coset factors), 1 MiB at n = 2^14.
#[derive(Debug)]
pub struct Fft {
    log_n: u32,
    /// `ωᵗ` for `t < n/2`.
    roots: Vec<Fr>,
    /// `ω⁻ᵗ` for `t < n/2`.
    inv_roots: Vec<Fr>,
    /// `g^rev(p)/n` at position `p`: the scaling between the transforms.
    coset_rev: Vec<Fr>,
    /// `g⁻¹` and `1/n`, for the last transform's scaling (natural order).
    g_inv: Fr,
    n_inv: Fr,
}

impl Fft {
    /// The tables of `domain`, whose coset is offset by `g`.
    pub fn new(domain: &Radix2EvaluationDomain<Fr>, g: Fr) -> Result<Self, Groth16Error> {
        let n = domain.size();
        let log_n = domain.log_size_of_group;
        let half = n / 2;
        let roots = powers(domain.group_gen(), half);
        let inv_roots = powers(domain.group_gen_inv(), half);
        let n_inv = domain.size_inv();
        let natural = powers(g, n);
        let coset_rev = (0..n)
            .map(|p| natural[rev(p, log_n)] * n_inv)
            .collect::<Vec<_>>();
        let g_inv = g.inverse().ok_or(Groth16Error::TooLarge)?;
        Ok(Self {
            log_n,
            roots,
            inv_roots,
            coset_rev,
            g_inv,
            n_inv,
        })
    }

    /// The domain's size.
    pub fn size(&self) -> usize {
        1 << self.log_n
    }

    /// Bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        (self.roots.capacity() + self.inv_roots.capacity() + self.coset_rev.capacity())
            * std::mem::size_of::<Fr>()
    }

    /// Evaluations over the domain (natural order) to evaluations over the
    /// coset (natural order), in place.
    pub fn domain_to_coset(&self, v: &mut [Fr]) {
        debug_assert_eq!(v.len(), self.size());
        dif(v, &self.inv_roots);
        v.par_iter_mut()
            .zip(&self.coset_rev)
            .with_min_len(MIN_JOB)
            .for_each(|(x, s)| *x *= s);
        dit(v, &self.roots);
    }

    /// Evaluations over the coset (natural order) to the coefficients of
    /// their polynomial (natural order), in place.
    pub fn coset_to_coefficients(&self, v: &mut [Fr]) {
        debug_assert_eq!(v.len(), self.size());
        dif(v, &self.inv_roots);
        bit_reverse(v, self.log_n);
        // Coefficient k is scaled by g⁻ᵏ/n: powers taken in chunks, each
        // chunk starting from its own power, so that a pool can share them.
        let chunk = MIN_JOB;
        let step = self.g_inv.pow([chunk as u64]);
        let starts = powers_from(self.n_inv, step, v.len().div_ceil(chunk));
        v.par_chunks_mut(chunk).zip(starts).for_each(|(c, mut s)| {
            for x in c {
                *x *= s;
                s *= self.g_inv;
            }
        });
    }
}

/// `1, x, x², …` (`n` of them).
fn powers(x: Fr, n: usize) -> Vec<Fr> {
    powers_from(Fr::one(), x, n)
}

/// `s, s·x, s·x², …` (`n` of them).
fn powers_from(s: Fr, x: Fr, n: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(n);
    let mut p = s;
    for _ in 0..n {
        out.push(p);
        p *= x;
    }
    out
}

/// `p` with its low `bits` bits reversed.
fn rev(p: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        p.reverse_bits() >> (usize::BITS - bits)
    }
}

/// Permutes `v` (of length 2^`bits`) into bit-reversed order.
fn bit_reverse(v: &mut [Fr], bits: u32) {
    for p in 0..v.len() {
        let q = rev(p, bits);
        if p < q {
            v.swap(p, q);
        }
    }
}

/// Decimation in frequency with twiddles `tw` (`ωᵗ` or `ω⁻ᵗ`, `t < n/2`):
/// natural order in, bit-reversed out. Stages from half-size n/2 down to 1.
fn dif(v: &mut [Fr], tw: &[Fr]) {
    let n = v.len();
    let mut m = n / 2;
    while m >= 1 {
        let stride = n / (2 * m);
        stage(v, m, |lo, hi, j0| {
            for (j, (u, w)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                let t = *u - *w;
                *u += *w;
                let at = (j0 + j) * stride;
                *w = if at == 0 { t } else { t * tw[at] };
            }
        });
        m /= 2;
    }
}

/// Decimation in time with twiddles `tw`: bit-reversed order in, natural
/// out. Stages from half-size 1 up to n/2.
fn dit(v: &mut [Fr], tw: &[Fr]) {
    let n = v.len();
    let mut m = 1;
    while m < n {
        let stride = n / (2 * m);
        stage(v, m, |lo, hi, j0| {
            for (j, (u, w)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                let at = (j0 + j) * stride;
                let t = if at == 0 { *w } else { *w * tw[at] };
                *w = *u - t;
                *u += t;
            }
        });
        m *= 2;
    }
}

/// One stage of half-size `m`: `butterflies(lo, hi, j0)` on each block's
/// halves (`lo[i]` paired with `hi[i]`, pair index `j0 + i` in the block).
/// Jobs for a pool hold [`MIN_JOB`] pairs: several short blocks, or a
/// piece of a long one.
fn stage(v: &mut [Fr], m: usize, butterflies: impl Fn(&mut [Fr], &mut [Fr], usize) + Sync) {
    if m >= MIN_JOB {
        v.par_chunks_mut(2 * m).for_each(|block| {
            let (lo, hi) = block.split_at_mut(m);
            lo.par_chunks_mut(MIN_JOB)
                .zip(hi.par_chunks_mut(MIN_JOB))
                .enumerate()
                .for_each(|(i, (l, h))| butterflies(l, h, i * MIN_JOB));
        });
    } else {
        v.par_chunks_mut(2 * MIN_JOB).for_each(|group| {
            for block in group.chunks_mut(2 * m) {
                let (lo, hi) = block.split_at_mut(m);
                butterflies(lo, hi, 0);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{FftField, UniformRand};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn inputs(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
        // Random elements with the edges among them: 0, 1, −1.
        (0..n)
            .map(|i| match i % 7 {
                0 => Fr::from(0u64),
                1 => Fr::one(),
                2 => -Fr::one(),
                _ => Fr::rand(rng),
            })
            .collect()
    }

    /// Every size from 1 to 2^14, on one thread and on a pool of three,
    /// against arkworks' `ifft` + `coset.fft` and `coset.ifft`.
    #[test]
    fn transforms_equal_arkworks_at_every_size() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for pool in crate::groth16::tests::pools() {
            for log_n in 0..=14 {
                let domain = Radix2EvaluationDomain::<Fr>::new(1 << log_n).unwrap();
                let coset = domain.get_coset(Fr::GENERATOR).unwrap();
                let fft = Fft::new(&domain, Fr::GENERATOR).unwrap();
                let v = inputs(&mut rng, 1 << log_n);
                let mut want = v.clone();
                domain.ifft_in_place(&mut want);
                coset.fft_in_place(&mut want);
                let mut got = v.clone();
                pool.install(|| fft.domain_to_coset(&mut got));
                assert_eq!(got, want, "domain to coset, n = 2^{log_n}");
                let mut want = v.clone();
                coset.ifft_in_place(&mut want);
                let mut got = v;
                pool.install(|| fft.coset_to_coefficients(&mut got));
                assert_eq!(got, want, "coset to coefficients, n = 2^{log_n}");
            }
        }
    }

    /// A wrong table (another offset) gives other values: the test above
    /// can fail.
    #[test]
    fn another_coset_gives_other_values() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let domain = Radix2EvaluationDomain::<Fr>::new(256).unwrap();
        let coset = domain.get_coset(Fr::GENERATOR).unwrap();
        let fft = Fft::new(&domain, Fr::GENERATOR + Fr::GENERATOR).unwrap();
        let v = inputs(&mut rng, 256);
        let mut want = v.clone();
        domain.ifft_in_place(&mut want);
        coset.fft_in_place(&mut want);
        let mut got = v;
        fft.domain_to_coset(&mut got);
        assert_ne!(got, want);
    }

    #[test]
    fn bit_reversal_is_an_involution() {
        for bits in 0..8 {
            let v: Vec<Fr> = (0..1u64 << bits).map(Fr::from).collect();
            let mut w = v.clone();
            bit_reverse(&mut w, bits);
            if bits > 1 {
                assert_ne!(w, v);
            }
            assert_eq!(w[1 % w.len()], v[rev(1, bits)]);
            bit_reverse(&mut w, bits);
            assert_eq!(w, v);
        }
    }
}
