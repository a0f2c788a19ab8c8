//! Column codecs for sealed chunks: integer blocks (times, decimal values), Gorilla XOR and raw
//! doubles.
//!
//! Why not plain Gorilla: sensor values with a few decimals and noise XOR into ~50 meaningful
//! bits, and nanosecond timestamps with jitter give large delta-of-deltas. Instead:
//! - times are divided by the chunk's resolution (the GCD of all offsets from its first time,
//!   e.g. 1 ms) and values by a decimal scale (the smallest `k` with `v == round(v·10^k) / 10^k`
//!   bit for bit), turning both into small integers;
//! - each block of integers picks the differencing order (0, 1 or 2) that packs smallest, then
//!   stores the residuals frame-of-reference (minus the block minimum) at one fixed bit width.
//!   Fixed widths keep decoding branch-free and allow O(1) access to the n-th residual.
//!
//! Every integer is reconstructed with wrapping `u64` arithmetic: the encoder only picks an
//! order whose residual range fits 64 bits, and modular sums then give back the exact value.

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
        } else if d % g != 0 {
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

/// How one block of integers is packed; computed once, used for sizing and writing.
#[derive(Clone, Copy, Debug)]
pub(super) struct IntPlan {
    /// Differencing order: 0 (frame of reference), 1 (deltas) or 2 (delta-of-deltas).
    order: u8,
    /// Whether the block's first integer is known to the decoder (block start times are in
    /// the chunk index, so time blocks do not store it).
    first_known: bool,
    /// Smallest residual, subtracted before packing.
    min: i128,
    /// Bits per packed residual.
    width: u32,
    /// Bits the block takes.
    pub(super) bits: u64,
}

impl IntPlan {
    /// The cheapest order for `xs` (non-empty; values must fit 64 bits, signed or not).
    pub(super) fn choose(xs: &[i128], first_known: bool) -> Self {
        let mut best: Option<Self> = None;
        for order in 0..=2u8 {
            if xs.len() <= usize::from(order) {
                break;
            }
            let Some(plan) = Self::for_order(xs, order, first_known) else {
                continue;
            };
            if best.is_none_or(|b| plan.bits < b.bits) {
                best = Some(plan);
            }
        }
        // Order 0 always fits (its residuals are the values themselves); this is a fallback for
        // inputs outside the documented range only.
        best.unwrap_or(Self {
            order: 0,
            first_known,
            min: 0,
            width: 64,
            bits: 2 + 14 + 64 * xs.len() as u64,
        })
    }

    fn for_order(xs: &[i128], order: u8, first_known: bool) -> Option<Self> {
        let start = first_residual(order, first_known);
        let (mut min, mut max) = (i128::MAX, i128::MIN);
        for j in start..xs.len() {
            let r = residual(xs, j, order);
            min = min.min(r);
            max = max.max(r);
        }
        let mut bits = 2u64;
        if order >= 1 && !first_known {
            bits += sized_bits(xs[0]);
        }
        if order == 2 {
            bits += sized_bits(xs[1] - xs[0]);
        }
        let count = xs.len().saturating_sub(start) as u64;
        let mut width = 0;
        if count > 0 {
            let range = u64::try_from(max - min).ok()?;
            width = bit_width(range);
            bits += sized_bits(min) + 7 + count * u64::from(width);
        }
        Some(Self {
            order,
            first_known,
            min,
            width,
            bits,
        })
    }

    /// Writes `xs` as planned.
    pub(super) fn write(&self, sink: &mut impl BitSink, xs: &[i128]) {
        sink.put(u64::from(self.order), 2);
        if self.order >= 1 && !self.first_known {
            put_sized(sink, zigzag(xs[0] as i64));
        }
        if self.order == 2 {
            put_sized(sink, zigzag((xs[1] - xs[0]) as i64));
        }
        let start = first_residual(self.order, self.first_known);
        if xs.len() > start {
            put_sized(sink, zigzag(self.min as i64));
            sink.put(u64::from(self.width), 7);
            for j in start..xs.len() {
                sink.put((residual(xs, j, self.order) - self.min) as u64, self.width);
            }
        }
    }
}

/// Index of the first packed residual.
fn first_residual(order: u8, first_known: bool) -> usize {
    usize::from(order).max(usize::from(first_known))
}

/// The `order`-th difference of `xs` at `j` (`j >= order`).
fn residual(xs: &[i128], j: usize, order: u8) -> i128 {
    match order {
        0 => xs[j],
        1 => xs[j] - xs[j - 1],
        _ => xs[j] - 2 * xs[j - 1] + xs[j - 2],
    }
}

fn sized_bits(value: i128) -> u64 {
    7 + u64::from(bit_width(zigzag(value as i64)))
}

/// Sequential decoder of one integer block, yielding values as wrapping `u64`.
#[derive(Clone, Copy)]
pub(super) struct IntCursor<'a> {
    reader: BitReader<'a>,
    order: u8,
    min: u64,
    width: u32,
    /// Residuals start at this index (earlier values come from seeds).
    start: usize,
    x: u64,
    d: u64,
    next: usize,
}

impl<'a> IntCursor<'a> {
    /// Parses a block header at `reader`; returns the cursor and the bit position just past the
    /// block's `len` integers.
    pub(super) fn parse(mut reader: BitReader<'a>, len: usize, first: Option<u64>) -> (Self, u64) {
        let order = reader.get(2) as u8;
        let first_known = first.is_some();
        let mut x = first.unwrap_or(0);
        if order >= 1 && !first_known {
            x = unzigzag(reader.get_sized()) as u64;
        }
        let mut d = 0;
        if order == 2 {
            d = unzigzag(reader.get_sized()) as u64;
        }
        let start = first_residual(order, first_known);
        let (mut min, mut width) = (0, 0);
        if len > start {
            min = unzigzag(reader.get_sized()) as u64;
            width = (reader.get(7) as u32).min(64);
        }
        let end = reader.pos + len.saturating_sub(start) as u64 * u64::from(width);
        let cursor = Self {
            reader,
            order,
            min,
            width,
            start,
            x,
            d,
            next: 0,
        };
        (cursor, end)
    }

    /// The next integer of the block.
    #[inline]
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
        match self.order {
            0 => self.x = r,
            1 => self.x = self.x.wrapping_add(r),
            _ => {
                self.d = self.d.wrapping_add(r);
                self.x = self.x.wrapping_add(self.d);
            }
        }
        self.x
    }

    /// The integer at index `j` of a fresh cursor: O(1) for frame-of-reference blocks.
    #[inline]
    pub(super) fn nth(mut self, j: usize) -> u64 {
        if self.order == 0 && j >= self.start && self.next == 0 {
            let index = (j - self.start) as u64;
            return self.min.wrapping_add(self.reader.get_at(index, self.width));
        }
        let mut x = 0;
        for _ in self.next..=j {
            x = self.next_value();
        }
        x
    }
}

/// Writes one block of values Gorilla-style: the first as raw bits, then each XOR with its
/// predecessor ('0' = same, '10' = fits the previous window, '11' = new window).
pub(super) fn write_gorilla(sink: &mut impl BitSink, values: &[f64]) {
    let Some(first) = values.first() else {
        return;
    };
    let mut prev = first.to_bits();
    sink.put(prev, 64);
    let mut window: Option<(u32, u32)> = None;
    for v in &values[1..] {
        let bits = v.to_bits();
        let xor = bits ^ prev;
        prev = bits;
        if xor == 0 {
            sink.put(0, 1);
            continue;
        }
        sink.put(1, 1);
        let lead = xor.leading_zeros().min(31);
        let trail = xor.trailing_zeros();
        match window {
            Some((wl, wlen)) if lead >= wl && trail >= 64 - wl - wlen => {
                sink.put(0, 1);
                sink.put(xor >> (64 - wl - wlen), wlen);
            }
            _ => {
                let len = 64 - lead - trail;
                sink.put(1, 1);
                sink.put(u64::from(lead), 5);
                sink.put(u64::from(len - 1), 6);
                sink.put(xor >> trail, len);
                window = Some((lead, len));
            }
        }
    }
}

/// Sequential decoder of a Gorilla block.
#[derive(Clone, Copy)]
pub(super) struct GorillaCursor<'a> {
    reader: BitReader<'a>,
    prev: u64,
    lead: u32,
    len: u32,
    started: bool,
}

impl<'a> GorillaCursor<'a> {
    /// A decoder for the block at `reader`.
    pub(super) fn new(reader: BitReader<'a>) -> Self {
        Self {
            reader,
            prev: 0,
            lead: 0,
            len: 64,
            started: false,
        }
    }

    /// The next value's bits.
    #[inline]
    pub(super) fn next_bits(&mut self) -> u64 {
        if !self.started {
            self.started = true;
            self.prev = self.reader.get(64);
            return self.prev;
        }
        if self.reader.get(1) == 0 {
            return self.prev;
        }
        if self.reader.get(1) == 1 {
            self.lead = self.reader.get(5) as u32;
            self.len = self.reader.get(6) as u32 + 1;
        }
        let trail = 64u32.saturating_sub(self.lead + self.len);
        let xor = self.reader.get(self.len).checked_shl(trail).unwrap_or(0);
        self.prev ^= xor;
        self.prev
    }
}

#[cfg(test)]
mod tests {
    use super::super::bits::{BitCounter, BitWriter};
    use super::*;

    fn int_round_trip(xs: &[i128], first_known: bool) -> IntPlan {
        let plan = IntPlan::choose(xs, first_known);
        let mut writer = BitWriter::default();
        plan.write(&mut writer, xs);
        let mut counter = BitCounter::default();
        plan.write(&mut counter, xs);
        assert_eq!(counter.0, plan.bits, "planned size is the written size");
        let bytes = writer.finish();
        let first = first_known.then(|| xs[0] as u64);
        let (mut cursor, end) = IntCursor::parse(BitReader::new(&bytes, 0), xs.len(), first);
        assert_eq!(end, plan.bits);
        for (j, &x) in xs.iter().enumerate() {
            assert_eq!(cursor.next_value(), x as u64, "index {j} of {xs:?}");
            let (fresh, _) = IntCursor::parse(BitReader::new(&bytes, 0), xs.len(), first);
            assert_eq!(fresh.nth(j), x as u64, "random access {j}");
        }
        plan
    }

    #[test]
    fn integer_blocks_pick_the_cheapest_order() {
        let ramp: Vec<i128> = (0..64).map(|i| 1_000 + 7 * i).collect();
        let plan = int_round_trip(&ramp, true);
        assert_eq!(
            (plan.order, plan.width),
            (1, 0),
            "a ramp: constant deltas, zero bits"
        );
        let parabola: Vec<i128> = (0..64).map(|i| 3 * i * i - 5).collect();
        let plan = int_round_trip(&parabola, false);
        assert_eq!(
            (plan.order, plan.width),
            (2, 0),
            "constant second differences"
        );
        let constant = vec![42i128; 64];
        assert_eq!(int_round_trip(&constant, false).width, 0);
        let jitter: Vec<i128> = (0..64).map(|i| 500 * i + (i * 7919) % 5).collect();
        let plan = int_round_trip(&jitter, true);
        assert_eq!(
            plan.order, 1,
            "periodic with jitter: deltas, offset by their minimum"
        );
        assert!(plan.width <= 4, "width {}", plan.width);
        int_round_trip(&[5], false);
        int_round_trip(&[5], true);
        int_round_trip(&[5, -3], false);
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

    #[test]
    fn gorilla_round_trips_every_bit_pattern() {
        let values = [
            1.5,
            1.5,
            f64::from_bits(0x7FF8_0000_0000_0ABC),
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::from_bits(1),
            2.0,
            2.0000000000000004,
        ];
        let mut writer = BitWriter::default();
        write_gorilla(&mut writer, &values);
        let mut counter = BitCounter::default();
        write_gorilla(&mut counter, &values);
        assert_eq!(writer.bit_len(), counter.0);
        let bytes = writer.finish();
        let mut cursor = GorillaCursor::new(BitReader::new(&bytes, 0));
        for v in values {
            assert_eq!(cursor.next_bits(), v.to_bits());
        }
    }
}
