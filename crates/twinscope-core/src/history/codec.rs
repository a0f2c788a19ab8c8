//! Column codecs for sealed chunks: integer blocks for times and decimal values (Gorilla XOR
//! for other doubles lives in `gorilla`).
//!
//! Why not plain Gorilla: sensor values with a few decimals and noise XOR into ~50 meaningful
//! bits, and nanosecond timestamps with jitter give large delta-of-deltas. Instead:
//! - times are divided by the chunk's resolution (the GCD of all offsets from its first time,
//!   e.g. 1 ms) and values by a decimal scale (the smallest `k` with `v == round(v·10^k) / 10^k`
//!   bit for bit), turning both into small integers;
//! - each block of integers picks the mode that packs smallest: plain, deltas, delta-of-deltas,
//!   or distance from the straight line through the block's ends. The residuals are stored
//!   frame-of-reference (minus the block minimum) at one fixed bit width, which keeps decoding
//!   branch-free; in the plain and linear modes any integer of a block is O(1) to read, so a
//!   lookup binary-searches inside the block instead of decoding it.
//!
//! Every integer is reconstructed with wrapping `u64` arithmetic: the encoder only picks a
//! mode whose residual range fits 64 bits, and modular sums then give back the exact value.

use super::bits::{BitReader, BitSink, bit_width, put_sized, unzigzag, zigzag};

/// `10^k` for the decimal scales tried.
const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/// Largest magnitude a decimal mantissa may have: every integer up to it is exact in an `f64`,
/// and second differences of such integers still fit 64 bits.
const MAX_MANTISSA: f64 = 9_007_199_254_740_992.0;

/// The chunk's time resolution: the GCD of every offset from the first time (1 when all times
/// are equal, so division stays defined). `times` must be sorted.
pub(super) fn time_resolution(times: &[i64]) -> u64 {
    let Some(&first) = times.first() else {
        return 1;
    };
    let mut g = 0u64;
    for &t in times {
        let d = t.wrapping_sub(first) as u64;
        if g == 1 {
            break;
        }
        if g == 0 {
            g = d;
        } else if !d.is_multiple_of(g) {
            g = gcd(g, d);
        }
    }
    g.max(1)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The integer `m` with `m / 10^k == value` bit for bit, if there is one.
#[inline]
pub(super) fn decimal_mantissa(value: f64, k: u8) -> Option<i64> {
    let p = POW10[usize::from(k).min(9)];
    let m = (value * p).round();
    if m.is_nan() || m.abs() > MAX_MANTISSA {
        return None;
    }
    let m = m as i64;
    ((m as f64 / p).to_bits() == value.to_bits()).then_some(m)
}

/// The value a decimal mantissa stands for.
#[inline]
pub(super) fn decimal_value(mantissa: i64, k: u8) -> f64 {
    mantissa as f64 / POW10[usize::from(k).min(9)]
}

/// The smallest decimal scale (0..=9) at which every value round-trips exactly, if any.
/// NaN, ±inf and -0.0 never do, so chunks holding them fall back to Gorilla.
pub(super) fn decimal_scale(values: &[f64]) -> Option<u8> {
    let mut k = 0u8;
    loop {
        for &v in values {
            while decimal_mantissa(v, k).is_none() {
                k += 1;
                if k > 9 {
                    return None;
                }
            }
        }
        // Scales are monotone for real data; verify anyway so the choice is always lossless.
        if values.iter().all(|&v| decimal_mantissa(v, k).is_some()) {
            return Some(k);
        }
        k += 1;
        if k > 9 {
            return None;
        }
    }
}

/// Block packing modes. `FOR` and `LINEAR` give O(1) access to any integer of a block, so a
/// lookup binary-searches inside the block; `DELTA` and `DELTA2` decode sequentially and are
/// chosen only when they pack smaller.
const FOR: u8 = 0;
/// `x_j = x_{j-1} + r_j`.
const DELTA: u8 = 1;
/// `x_j = x_{j-1} + d_j`, `d_j = d_{j-1} + r_j`.
const DELTA2: u8 = 2;
/// `x_j = base + j·slope + r_j` (base: the known first value, else 0): periodic times with
/// jitter and noisy trends leave residuals as small as the jitter or noise itself.
const LINEAR: u8 = 3;

/// How one block of integers is packed; computed once, used for sizing and writing.
#[derive(Clone, Copy, Debug)]
pub(super) struct IntPlan {
    /// One of `FOR`, `DELTA`, `DELTA2`, `LINEAR`.
    mode: u8,
    /// Whether the block's first integer is known to the decoder (block start times are in
    /// the chunk index, so time blocks do not store it).
    first_known: bool,
    /// Per-step slope of `LINEAR`.
    slope: i128,
    /// Smallest residual, subtracted before packing.
    min: i128,
    /// Bits per packed residual.
    width: u32,
    /// Bits the block takes.
    pub(super) bits: u64,
    /// Residuals packed.
    count: u64,
}

impl IntPlan {
    /// The smallest packing of `xs` (non-empty; values must fit 64 bits, signed or not), the
    /// random-access modes preferred on near-ties.
    pub(super) fn choose(xs: &[i128], first_known: bool) -> Self {
        let mut best: Option<Self> = None;
        for mode in [FOR, LINEAR, DELTA, DELTA2] {
            let needs = match mode {
                FOR => 1,
                DELTA => 2,
                _ => 3,
            };
            if xs.len() < needs {
                continue;
            }
            let Some(plan) = Self::for_mode(xs, mode, first_known) else {
                continue;
            };
            if best.is_none_or(|b| plan.cost() < b.cost()) {
                best = Some(plan);
            }
        }
        // FOR always fits (its residuals are the values themselves); this is a fallback for
        // inputs outside the documented range only.
        best.unwrap_or(Self {
            mode: FOR,
            first_known,
            slope: 0,
            min: 0,
            width: 64,
            bits: 2 + 14 + 64 * xs.len() as u64,
            count: xs.len() as u64,
        })
    }

    /// Bits, plus a small handicap for the sequential modes: they must save a bit per four
    /// samples to be worth decoding a block sequentially instead of binary-searching it.
    fn cost(&self) -> u64 {
        match self.mode {
            DELTA | DELTA2 => self.bits + self.count / 4,
            _ => self.bits,
        }
    }

    fn for_mode(xs: &[i128], mode: u8, first_known: bool) -> Option<Self> {
        let n = xs.len();
        let slope = if mode == LINEAR {
            // Rounded, not truncated: a slope one unit off drifts the residuals across the block.
            let (span, steps) = (xs[n - 1] - xs[0], n as i128 - 1);
            (span + span.signum() * steps / 2) / steps
        } else {
            0
        };
        let start = first_residual(mode, first_known);
        let (mut min, mut max) = (i128::MAX, i128::MIN);
        for j in start..n {
            let r = residual(xs, j, mode, slope, first_known);
            min = min.min(r);
            max = max.max(r);
        }
        let mut bits = 2u64;
        if (mode == DELTA || mode == DELTA2) && !first_known {
            bits += sized_bits(xs[0]);
        }
        if mode == DELTA2 {
            bits += sized_bits(xs[1] - xs[0]);
        }
        if mode == LINEAR {
            bits += sized_bits(slope);
        }
        let count = n.saturating_sub(start) as u64;
        let mut width = 0;
        if count > 0 {
            let range = u64::try_from(max - min).ok()?;
            width = bit_width(range);
            bits += sized_bits(min) + 7 + count * u64::from(width);
        }
        Some(Self {
            mode,
            first_known,
            slope,
            min,
            width,
            bits,
            count,
        })
    }

    /// Writes `xs` as planned.
    pub(super) fn write(&self, sink: &mut impl BitSink, xs: &[i128]) {
        sink.put(u64::from(self.mode), 2);
        if (self.mode == DELTA || self.mode == DELTA2) && !self.first_known {
            put_sized(sink, zigzag(xs[0] as i64));
        }
        if self.mode == DELTA2 {
            put_sized(sink, zigzag((xs[1] - xs[0]) as i64));
        }
        if self.mode == LINEAR {
            put_sized(sink, zigzag(self.slope as i64));
        }
        let start = first_residual(self.mode, self.first_known);
        if xs.len() > start {
            put_sized(sink, zigzag(self.min as i64));
            sink.put(u64::from(self.width), 7);
            for j in start..xs.len() {
                let r = residual(xs, j, self.mode, self.slope, self.first_known);
                sink.put((r - self.min) as u64, self.width);
            }
        }
    }
}

/// Index of the first packed residual (earlier integers come from seeds).
#[inline(always)]
fn first_residual(mode: u8, first_known: bool) -> usize {
    match mode {
        FOR | LINEAR => usize::from(first_known),
        DELTA => 1,
        _ => 2,
    }
}

/// What `mode` packs for `xs[j]` (`j >= first_residual`).
fn residual(xs: &[i128], j: usize, mode: u8, slope: i128, first_known: bool) -> i128 {
    match mode {
        FOR => xs[j],
        DELTA => xs[j] - xs[j - 1],
        DELTA2 => xs[j] - 2 * xs[j - 1] + xs[j - 2],
        // The line starts at the known first value, else at 0 (the minimum absorbs the level).
        _ => xs[j] - j as i128 * slope - if first_known { xs[0] } else { 0 },
    }
}

fn sized_bits(value: i128) -> u64 {
    7 + u64::from(bit_width(zigzag(value as i64)))
}

/// Decoder of one integer block, yielding values as wrapping `u64`.
#[derive(Clone, Copy)]
pub(super) struct IntCursor<'a> {
    /// Positioned at the first packed residual.
    reader: BitReader<'a>,
    mode: u8,
    min: u64,
    width: u32,
    /// Residuals start at this index (earlier values come from seeds).
    start: usize,
    /// The known first integer (the base of `LINEAR`; 0 when not known).
    first: u64,
    slope: u64,
    x: u64,
    d: u64,
    next: usize,
}

impl<'a> IntCursor<'a> {
    /// Parses a block header at `reader`; returns the cursor and the bit position just past the
    /// block's `len` integers.
    #[inline(always)]
    pub(super) fn parse(mut reader: BitReader<'a>, len: usize, first: Option<u64>) -> (Self, u64) {
        let mode = reader.get(2) as u8;
        let first_known = first.is_some();
        let mut x = first.unwrap_or(0);
        if (mode == DELTA || mode == DELTA2) && !first_known {
            x = unzigzag(reader.get_sized()) as u64;
        }
        let mut d = 0;
        if mode == DELTA2 {
            d = unzigzag(reader.get_sized()) as u64;
        }
        let mut slope = 0;
        if mode == LINEAR {
            slope = unzigzag(reader.get_sized()) as u64;
        }
        let start = first_residual(mode, first_known);
        let (mut min, mut width) = (0, 0);
        if len > start {
            min = unzigzag(reader.get_sized()) as u64;
            width = (reader.get(7) as u32).min(64);
        }
        let end = reader.pos + len.saturating_sub(start) as u64 * u64::from(width);
        let cursor = Self {
            reader,
            mode,
            min,
            width,
            start,
            first: x,
            slope,
            x,
            d,
            next: 0,
        };
        (cursor, end)
    }

    /// The next integer of the block.
    #[inline(always)]
    pub(super) fn next_value(&mut self) -> u64 {
        let j = self.next;
        self.next += 1;
        if j < self.start {
            if j == 1 {
                self.x = self.x.wrapping_add(self.d);
            }
            return self.x;
        }
        let r = self.min.wrapping_add(self.reader.get(self.width));
        match self.mode {
            FOR => self.x = r,
            DELTA => self.x = self.x.wrapping_add(r),
            DELTA2 => {
                self.d = self.d.wrapping_add(r);
                self.x = self.x.wrapping_add(self.d);
            }
            _ => self.x = self.linear(j).wrapping_add(r),
        }
        self.x
    }

    #[inline(always)]
    fn linear(&self, j: usize) -> u64 {
        self.first.wrapping_add((j as u64).wrapping_mul(self.slope))
    }

    /// The integer at `j` of a random-access block (`FOR` or `LINEAR`), `j >= start`.
    #[inline(always)]
    fn at(&self, j: usize) -> u64 {
        let r = self
            .min
            .wrapping_add(self.reader.get_at((j - self.start) as u64, self.width));
        if self.mode == FOR {
            r
        } else {
            self.linear(j).wrapping_add(r)
        }
    }

    /// True for the modes with O(1) access to any integer.
    #[inline(always)]
    fn random_access(&self) -> bool {
        self.mode == FOR || self.mode == LINEAR
    }

    /// Index and value of the last of the block's `len` integers that is at most `q`, and the
    /// integer after it if the block has one, for a fresh cursor over a non-decreasing block
    /// whose first integer is at most `q` (a time block): the inner loop of every scrub lookup.
    /// A binary search in random-access blocks, one specialised sequential loop otherwise.
    #[inline(always)]
    pub(super) fn last_le(mut self, len: usize, q: u64) -> (usize, u64, Option<u64>) {
        if self.random_access() {
            let (mut lo, mut hi) = (self.start, len);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if self.at(mid) <= q {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            let p = lo.saturating_sub(1);
            let found = if p < self.start {
                self.first
            } else {
                self.at(p)
            };
            return (p, found, (lo < len).then(|| self.at(lo)));
        }
        let (mut p, mut x) = (0, self.next_value());
        while self.next < len.min(self.start) {
            let v = self.next_value();
            if v > q {
                return (p, x, Some(v));
            }
            (p, x) = (self.next - 1, v);
        }
        let (min, width) = (self.min, self.width);
        let mut j = self.next;
        let (mut current, mut d) = (self.x, self.d);
        while j < len {
            let r = min.wrapping_add(self.reader.get(width));
            if self.mode == DELTA {
                current = current.wrapping_add(r);
            } else {
                d = d.wrapping_add(r);
                current = current.wrapping_add(d);
            }
            if current > q {
                return (p, x, Some(current));
            }
            (p, x) = (j, current);
            j += 1;
        }
        (p, x, None)
    }

    /// The integer at index `j` of a fresh cursor: O(1) in random-access blocks.
    #[inline(always)]
    pub(super) fn nth(mut self, j: usize) -> u64 {
        if self.next == 0 && self.random_access() {
            return if j < self.start {
                self.first
            } else {
                self.at(j)
            };
        }
        let mut x = 0;
        for _ in self.next..=j {
            x = self.next_value();
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::super::bits::{BitCounter, BitWriter};
    use super::*;

    /// Writes `xs` with `plan`, checks the planned size, then reads it back sequentially, at
    /// random and by `last_le`.
    fn check_plan(xs: &[i128], plan: IntPlan) {
        let first_known = plan.first_known;
        let mut writer = BitWriter::default();
        plan.write(&mut writer, xs);
        let mut counter = BitCounter::default();
        plan.write(&mut counter, xs);
        assert_eq!(counter.0, plan.bits, "planned size is the written size");
        let words = writer.finish();
        let first = first_known.then(|| xs[0] as u64);
        let (mut cursor, end) = IntCursor::parse(BitReader::new(&words, 0), xs.len(), first);
        assert_eq!(end, plan.bits);
        for (j, &x) in xs.iter().enumerate() {
            let mode = plan.mode;
            assert_eq!(
                cursor.next_value(),
                x as u64,
                "mode {mode} index {j} of {xs:?}"
            );
            let (fresh, _) = IntCursor::parse(BitReader::new(&words, 0), xs.len(), first);
            assert_eq!(fresh.nth(j), x as u64, "mode {mode} random access {j}");
            if xs.windows(2).all(|w| w[0] <= w[1]) && xs[0] >= 0 {
                let last = xs.iter().rposition(|&y| y <= x).unwrap_or(0);
                let found = fresh.last_le(xs.len(), x as u64);
                let next = xs.get(last + 1).map(|&y| y as u64);
                assert_eq!(found, (last, xs[last] as u64, next), "mode {mode} last_le");
            }
        }
    }

    /// Round-trips `xs` in every mode that fits; returns the chosen plan.
    fn int_round_trip(xs: &[i128], first_known: bool) -> IntPlan {
        for mode in [FOR, DELTA, DELTA2, LINEAR] {
            if (xs.len() >= 3 || mode == FOR || (mode == DELTA && xs.len() == 2))
                && let Some(plan) = IntPlan::for_mode(xs, mode, first_known)
            {
                check_plan(xs, plan);
            }
        }
        let plan = IntPlan::choose(xs, first_known);
        check_plan(xs, plan);
        plan
    }

    #[test]
    fn integer_blocks_pick_the_smallest_mode() {
        let ramp: Vec<i128> = (0..64).map(|i| 1_000 + 7 * i).collect();
        let plan = int_round_trip(&ramp, true);
        assert_eq!(
            (plan.mode, plan.width),
            (LINEAR, 0),
            "a ramp lies on its line"
        );
        let parabola: Vec<i128> = (0..64).map(|i| 3 * i * i - 5).collect();
        let plan = int_round_trip(&parabola, false);
        assert_eq!(
            (plan.mode, plan.width),
            (DELTA2, 0),
            "constant second differences"
        );
        let walk: Vec<i128> = (0..64u64)
            .scan(0i128, |x, i| {
                let hash = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
                *x += (hash % 2001) as i128 - 1000;
                Some(*x)
            })
            .collect();
        assert_eq!(
            int_round_trip(&walk, false).mode,
            DELTA,
            "a random walk: deltas"
        );
        let constant = vec![42i128; 64];
        let plan = int_round_trip(&constant, false);
        assert_eq!((plan.mode, plan.width), (FOR, 0));
        let jitter: Vec<i128> = (0..64).map(|i| 500 * i + (i * 7919) % 5).collect();
        let plan = int_round_trip(&jitter, true);
        assert_eq!(
            plan.mode, LINEAR,
            "periodic with jitter: the line, then the jitter"
        );
        assert!(plan.width <= 3, "width {}", plan.width);
        int_round_trip(&[5], false);
        int_round_trip(&[5], true);
        int_round_trip(&[5, -3], false);
        int_round_trip(&[5, 5, 9], true);
    }

    #[test]
    fn integer_blocks_survive_64_bit_extremes() {
        let unsigned = [0, u64::MAX as i128, 1, u64::MAX as i128 - 1];
        int_round_trip(&unsigned, true);
        int_round_trip(&unsigned, false);
        let signed = [i64::MIN as i128, i64::MAX as i128, 0, i64::MIN as i128];
        int_round_trip(&signed, false);
    }

    #[test]
    fn resolution_is_the_gcd_of_offsets() {
        assert_eq!(time_resolution(&[5, 5, 5]), 1, "equal times");
        assert_eq!(time_resolution(&[7]), 1);
        assert_eq!(
            time_resolution(&[1_000, 3_000_001_000, 5_000_001_000]),
            1_000_000_000
        );
        assert_eq!(time_resolution(&[i64::MIN, 0, i64::MAX - 1]), 2);
        assert_eq!(time_resolution(&[i64::MIN, i64::MAX]), u64::MAX);
    }

    #[test]
    fn decimal_scale_is_the_smallest_exact_one() {
        assert_eq!(decimal_scale(&[1.0, -3.0, 1e15]), Some(0));
        assert_eq!(decimal_scale(&[12.3456, 0.1, 7.0]), Some(4));
        assert_eq!(decimal_scale(&[0.123456789]), Some(9));
        assert_eq!(decimal_scale(&[std::f64::consts::PI]), None);
        assert_eq!(decimal_scale(&[1.0, f64::NAN]), None);
        assert_eq!(decimal_scale(&[f64::INFINITY]), None);
        assert_eq!(decimal_scale(&[-0.0]), None, "-0.0 would come back as +0.0");
        assert_eq!(decimal_scale(&[1e300]), None, "beyond exact integers");
        assert_eq!(decimal_mantissa(12.3456, 4), Some(123_456));
        assert_eq!(decimal_value(123_456, 4).to_bits(), 12.3456f64.to_bits());
    }
}
