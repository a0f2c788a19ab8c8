//! Sealed chunks: a chunk's samples compressed once no more in-order appends can reach it.
//!
//! Layout: the samples are cut into blocks of [`BLOCK_LEN`]; each block is its time integers
//! followed by its values, and a sparse index keeps every block's first time and bit offset.
//! A lookup binary-searches the index, then the block itself (most blocks are stored in a
//! random-access mode; the others decode up to 63 samples), so scrubbing stays fast although
//! nothing is decompressed ahead of time. Blocks restart their encoders, which costs a few
//! header bits per block and buys that independence.
//!
//! Header, index and data share one allocation of 64-bit words, so a lookup touches one
//! pointer and then neighbouring cache lines:
//! `[len | codec << 32 | scale << 40] [resolution] [block first times…] [block offsets, two
//! u32 per word…] [data…]`.

use super::bits::{BitCounter, BitReader, BitSink, BitWriter};
use super::codec::{
    IntCursor, IntPlan, decimal_mantissa, decimal_scale, decimal_value, time_resolution,
};
use super::gorilla::{GorillaCursor, write_gorilla};

/// Samples per block: a lookup reads within one block.
pub(super) const BLOCK_LEN: usize = 64;

/// Words before the block index.
const HEADER_WORDS: usize = 2;

/// How a chunk's values are stored (the chunk's header byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum ValueCodec {
    /// Integers `round(v·10^scale)`, packed like times.
    Decimal = 0,
    /// XOR with the previous value's bits.
    Gorilla = 1,
    /// Raw 64-bit patterns, when nothing else is smaller.
    Raw = 2,
}

/// A compressed, immutable run of time-sorted samples (empty only once evicted).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Sealed {
    words: Box<[u64]>,
}

/// Value decoder of one block.
enum Values<'a> {
    Decimal(IntCursor<'a>, u8),
    Gorilla(GorillaCursor<'a>),
    Raw(BitReader<'a>),
}

impl Values<'_> {
    #[inline(always)]
    fn next_value(&mut self) -> f64 {
        match self {
            Values::Decimal(cursor, scale) => decimal_value(cursor.next_value() as i64, *scale),
            Values::Gorilla(cursor) => f64::from_bits(cursor.next_bits()),
            Values::Raw(reader) => f64::from_bits(reader.get(64)),
        }
    }

    /// The value at `j` of a fresh decoder.
    #[inline(always)]
    fn nth(self, j: usize) -> f64 {
        match self {
            Values::Decimal(cursor, scale) => decimal_value(cursor.nth(j) as i64, scale),
            Values::Gorilla(mut cursor) => {
                let mut bits = 0;
                for _ in 0..=j {
                    bits = cursor.next_bits();
                }
                f64::from_bits(bits)
            }
            Values::Raw(reader) => f64::from_bits(reader.get_at(j as u64, 64)),
        }
    }
}

/// Decoders for one block.
struct Block<'a> {
    len: usize,
    times: IntCursor<'a>,
    values: Values<'a>,
}

impl Sealed {
    /// Compresses `times` (sorted) and `values`; the chunk holds as many samples as the shorter
    /// of the two (callers pass at least 1, at most twice [`super::MAX_CHUNK_CAPACITY`]).
    pub(super) fn encode(times: &[i64], values: &[f64]) -> Self {
        let n = times.len().min(values.len());
        let (times, values) = (&times[..n], &values[..n]);
        let t0 = times.first().copied().unwrap_or(0);
        let res = time_resolution(times);
        let units = |t: i64| i128::from(t.wrapping_sub(t0) as u64 / res);
        let mut buf = [0i128; BLOCK_LEN];
        let blocks: Vec<std::ops::Range<usize>> = (0..n)
            .step_by(BLOCK_LEN)
            .map(|s| s..(s + BLOCK_LEN).min(n))
            .collect();

        let mut time_plans = Vec::with_capacity(blocks.len());
        for block in &blocks {
            for (slot, &t) in buf.iter_mut().zip(&times[block.clone()]) {
                *slot = units(t);
            }
            time_plans.push(IntPlan::choose(&buf[..block.len()], true));
        }

        let scale = decimal_scale(values);
        let mantissas: Vec<i128> = match scale {
            Some(k) => values
                .iter()
                .map(|&v| i128::from(decimal_mantissa(v, k).unwrap_or(0)))
                .collect(),
            None => Vec::new(),
        };
        let decimal_plans: Vec<IntPlan> = if scale.is_some() {
            blocks
                .iter()
                .map(|b| IntPlan::choose(&mantissas[b.clone()], false))
                .collect()
        } else {
            Vec::new()
        };
        let decimal_bits = scale.map(|_| decimal_plans.iter().map(|p| p.bits).sum::<u64>());
        let mut gorilla = BitCounter::default();
        for block in &blocks {
            write_gorilla(&mut gorilla, &values[block.clone()]);
        }
        let raw_bits = 64 * n as u64;
        let codec = match decimal_bits {
            Some(bits) if bits <= gorilla.0 && bits <= raw_bits => ValueCodec::Decimal,
            _ if gorilla.0 <= raw_bits => ValueCodec::Gorilla,
            _ => ValueCodec::Raw,
        };

        let mut writer = BitWriter::default();
        let mut offsets = Vec::with_capacity(blocks.len());
        for (b, block) in blocks.iter().enumerate() {
            offsets.push(u32::try_from(writer.bit_len()).unwrap_or(u32::MAX));
            for (slot, &t) in buf.iter_mut().zip(&times[block.clone()]) {
                *slot = units(t);
            }
            time_plans[b].write(&mut writer, &buf[..block.len()]);
            match codec {
                ValueCodec::Decimal => {
                    decimal_plans[b].write(&mut writer, &mantissas[block.clone()]);
                }
                ValueCodec::Gorilla => write_gorilla(&mut writer, &values[block.clone()]),
                ValueCodec::Raw => {
                    for v in &values[block.clone()] {
                        writer.put(v.to_bits(), 64);
                    }
                }
            }
        }
        let data = writer.finish();
        let mut words = Vec::with_capacity(HEADER_WORDS + blocks.len() * 3 / 2 + 1 + data.len());
        words.push(n as u64 | (codec as u64) << 32 | u64::from(scale.unwrap_or(0)) << 40);
        words.push(res);
        words.extend(blocks.iter().map(|b| times[b.start] as u64));
        words.extend(
            offsets
                .chunks(2)
                .map(|pair| u64::from(pair[0]) | pair.get(1).map_or(0, |&o| u64::from(o) << 32)),
        );
        words.extend(data);
        Self {
            words: words.into_boxed_slice(),
        }
    }

    /// Samples held.
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.words.first().map_or(0, |&w| w as u32 as usize)
    }

    fn codec(&self) -> ValueCodec {
        match self.words.first().map_or(0, |&w| (w >> 32) as u8) {
            0 => ValueCodec::Decimal,
            1 => ValueCodec::Gorilla,
            _ => ValueCodec::Raw,
        }
    }

    fn scale(&self) -> u8 {
        self.words.first().map_or(0, |&w| (w >> 40) as u8)
    }

    /// Time resolution in nanoseconds: every time is `start + k·res`.
    #[inline(always)]
    fn res(&self) -> u64 {
        self.words.get(1).copied().unwrap_or(1).max(1)
    }

    /// Heap bytes held (the handle itself is counted by its owner).
    pub(super) fn heap_bytes(&self) -> usize {
        self.words.len() * 8
    }

    #[inline(always)]
    fn blocks(&self) -> usize {
        self.len().div_ceil(BLOCK_LEN)
    }

    /// The block index: first times.
    #[inline(always)]
    fn block_times(&self) -> &[u64] {
        let end = (HEADER_WORDS + self.blocks()).min(self.words.len());
        self.words.get(HEADER_WORDS..end).unwrap_or(&[])
    }

    #[inline(always)]
    fn block_time(&self, b: usize) -> i64 {
        self.block_times().get(b).map_or(0, |&t| t as i64)
    }

    #[inline(always)]
    fn t0(&self) -> i64 {
        self.block_time(0)
    }

    /// Time units of `t` (which must not precede the chunk).
    #[inline(always)]
    fn units(&self, t: i64) -> u64 {
        t.wrapping_sub(self.t0()) as u64 / self.res()
    }

    #[inline(always)]
    fn time(&self, units: u64) -> i64 {
        self.t0()
            .wrapping_add(units.wrapping_mul(self.res()) as i64)
    }

    #[inline(always)]
    fn block(&self, b: usize) -> Block<'_> {
        let blocks = self.blocks();
        let len = self.len().saturating_sub(b * BLOCK_LEN).min(BLOCK_LEN);
        let offsets = HEADER_WORDS + blocks;
        let data = (offsets + blocks.div_ceil(2)).min(self.words.len());
        let at = self
            .words
            .get(offsets + b / 2)
            .map_or(0, |&w| (w >> (32 * (b & 1))) as u32);
        let first = self.units(self.block_time(b));
        let reader = BitReader::new(&self.words[data..], u64::from(at));
        let (times, end) = IntCursor::parse(reader, len, Some(first));
        let reader = BitReader::new(&self.words[data..], end);
        let values = match self.codec() {
            ValueCodec::Decimal => {
                Values::Decimal(IntCursor::parse(reader, len, None).0, self.scale())
            }
            ValueCodec::Gorilla => Values::Gorilla(GorillaCursor::new(reader)),
            ValueCodec::Raw => Values::Raw(reader),
        };
        Block { len, times, values }
    }

    /// The block holding the last sample at or before `t`, and `t` in time units.
    #[inline(always)]
    fn block_for(&self, t: i64) -> Option<(usize, u64)> {
        let starts = self.block_times();
        let (mut lo, mut hi) = (0, starts.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if starts[mid] as i64 <= t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Some((lo.checked_sub(1)?, self.units(t)))
    }

    /// The last sample at or before `t`, and the time of the sample after it if this chunk
    /// holds one.
    pub(super) fn latest_at(&self, t: i64) -> Option<(i64, f64, Option<i64>)> {
        let (b, q) = self.block_for(t)?;
        let block = self.block(b);
        let (p, found, next) = block.times.last_le(block.len, q);
        let next = match next {
            Some(units) => Some(self.time(units)),
            None => self.block_times().get(b + 1).map(|&s| s as i64),
        };
        Some((self.time(found), block.values.nth(p), next))
    }

    /// Samples at or before `t`.
    pub(super) fn count_le(&self, t: i64) -> usize {
        let Some((b, q)) = self.block_for(t) else {
            return 0;
        };
        let block = self.block(b);
        b * BLOCK_LEN + block.times.last_le(block.len, q).0 + 1
    }

    /// The sample at index `i`.
    pub(super) fn sample(&self, i: usize) -> Option<(i64, f64)> {
        if i >= self.len() {
            return None;
        }
        let block = self.block(i / BLOCK_LEN);
        let j = i % BLOCK_LEN;
        Some((self.time(block.times.nth(j)), block.values.nth(j)))
    }

    /// Appends the samples with `start <= time < end`, decoding only the blocks that can hold
    /// them.
    pub(super) fn decode_range(&self, start: i64, end: i64, out: &mut Vec<(i64, f64)>) {
        let starts = self.block_times();
        let first = starts
            .partition_point(|&s| (s as i64) < start)
            .saturating_sub(1);
        let last = starts.partition_point(|&s| (s as i64) < end);
        for b in first..last {
            let mut block = self.block(b);
            for _ in 0..block.len {
                let t = self.time(block.times.next_value());
                let v = block.values.next_value();
                if t >= end {
                    return;
                }
                if t >= start {
                    out.push((t, v));
                }
            }
        }
    }

    /// Every sample, as columns (for re-encoding after a late insert).
    pub(super) fn decode(&self) -> (Vec<i64>, Vec<f64>) {
        let mut times = Vec::with_capacity(self.len());
        let mut values = Vec::with_capacity(self.len());
        for b in 0..self.blocks() {
            let mut block = self.block(b);
            for _ in 0..block.len {
                times.push(self.time(block.times.next_value()));
                values.push(block.values.next_value());
            }
        }
        (times, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(times: &[i64], values: &[f64]) -> Sealed {
        let sealed = Sealed::encode(times, values);
        let (t, v) = sealed.decode();
        assert_eq!(t, times);
        let bits = |vs: &[f64]| vs.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&v), bits(values), "values bit for bit");
        for (i, (&time, &value)) in times.iter().zip(values).enumerate() {
            let (st, sv) = sealed.sample(i).unwrap_or((0, 0.0));
            assert_eq!((st, sv.to_bits()), (time, value.to_bits()), "sample {i}");
            let after = times.partition_point(|&x| x <= time);
            assert_eq!(sealed.count_le(time), after);
            let (lt, lv, next) = sealed.latest_at(time).unwrap_or((0, 0.0, None));
            assert_eq!((lt, lv.to_bits()), (time, values[after - 1].to_bits()));
            assert_eq!(next, times.get(after).copied(), "the next sample's time");
        }
        sealed
    }

    #[test]
    fn decimal_sensor_data_packs_small() {
        let times: Vec<i64> = (0..1024)
            .map(|i| 1_700_000_000_000_000_000 + i * 500_000_000 + (i * 7919 % 7) * 1_000_000)
            .collect();
        let values: Vec<f64> = (0..1024)
            .map(|i| {
                ((60.0 + (i as f64 * 0.05).sin() * 3.0 + (i * 31 % 17) as f64 * 0.01) * 1e4).round()
                    / 1e4
            })
            .collect();
        let sealed = round_trip(&times, &values);
        assert_eq!(sealed.codec(), ValueCodec::Decimal);
        assert_eq!(sealed.scale(), 4);
        assert_eq!(sealed.res(), 1_000_000);
        let per_sample = sealed.heap_bytes() as f64 / 1024.0;
        assert!(per_sample < 3.0, "{per_sample} B/sample");
    }

    #[test]
    fn special_floats_and_extreme_times_are_exact() {
        let times = [i64::MIN, i64::MIN, -1, 0, 0, 1, i64::MAX - 1, i64::MAX];
        let values = [
            f64::from_bits(0x7FF4_0000_DEAD_BEEF),
            f64::from_bits(0xFFF8_0000_0000_0001),
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            f64::MIN_POSITIVE / 2.0,
            -f64::MAX,
        ];
        let sealed = round_trip(&times, &values);
        assert_ne!(sealed.codec(), ValueCodec::Decimal);
        let found = sealed.latest_at(i64::MIN + 5);
        assert_eq!(
            found.map(|(t, v, next)| (t, v.to_bits(), next)),
            Some((i64::MIN, values[1].to_bits(), Some(-1)))
        );
        assert_eq!(sealed.count_le(i64::MAX), 8);
    }

    #[test]
    fn one_sample_equal_times_and_integers() {
        let sealed = round_trip(&[42], &[7.0]);
        assert_eq!(sealed.codec(), ValueCodec::Decimal);
        assert_eq!(sealed.scale(), 0, "integers need no decimal scale");
        round_trip(&[5; 200], &[1.25; 200]);
        let counts: Vec<f64> = (0..300).map(|i| (i / 3) as f64).collect();
        let times: Vec<i64> = (0..300).map(|i| i * 1_000_000_000).collect();
        let sealed = round_trip(&times, &counts);
        assert!(sealed.heap_bytes() < 300, "{} bytes", sealed.heap_bytes());
    }

    #[test]
    fn noisy_full_precision_doubles_fall_back_losslessly() {
        let times: Vec<i64> = (0..500).map(|i| i * 1_000_003 + (i * i) % 997).collect();
        let values: Vec<f64> = (0..500).map(|i| (i as f64).sqrt().sin() * 1e3).collect();
        let sealed = round_trip(&times, &values);
        assert_eq!(sealed.codec(), ValueCodec::Gorilla);
        let random: Vec<f64> = (0..200u64)
            .map(|i| f64::from_bits(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 1))
            .collect();
        let sealed = round_trip(&times[..200], &random);
        assert_eq!(
            sealed.codec(),
            ValueCodec::Raw,
            "random bits: raw beats Gorilla"
        );
    }

    #[test]
    fn ranges_decode_only_what_is_asked() {
        let times: Vec<i64> = (0..300).map(|i| i * 10).collect();
        let values: Vec<f64> = (0..300).map(f64::from).collect();
        let sealed = Sealed::encode(&times, &values);
        let mut out = Vec::new();
        sealed.decode_range(995, 1_031, &mut out);
        assert_eq!(
            out,
            [
                (1_000, 100.0),
                (1_010, 101.0),
                (1_020, 102.0),
                (1_030, 103.0)
            ]
        );
        out.clear();
        sealed.decode_range(3_000, 4_000, &mut out);
        assert!(out.is_empty());
        assert_eq!(sealed.latest_at(-1), None);
        assert_eq!(sealed.count_le(-1), 0);
        assert_eq!(sealed.sample(300), None);
    }
}
