//! Bit-level writing and reading for the sealed-chunk codec.
//!
//! Fields are packed least-significant bit first into 64-bit words, so a reader fetches any
//! field of up to 64 bits from at most two words with two shifts (the hot path of a scrub
//! lookup). Reading past the end yields zero bits instead of panicking: sealed data is
//! produced by this crate, but a decoder must never be the thing that brings the app down.

/// Where encoded bits go: a real buffer, or a counter used to size candidate encodings without
/// writing them.
pub(super) trait BitSink {
    /// Appends the low `width` bits of `value` (`width` ≤ 64).
    fn put(&mut self, value: u64, width: u32);

    /// Bits written so far.
    fn bit_len(&self) -> u64;
}

/// Counts bits only; lets the encoder compare codecs before writing the winner.
#[derive(Default)]
pub(super) struct BitCounter(pub u64);

impl BitSink for BitCounter {
    fn put(&mut self, _value: u64, width: u32) {
        self.0 += u64::from(width);
    }

    fn bit_len(&self) -> u64 {
        self.0
    }
}

/// Packs bits into 64-bit words.
#[derive(Default)]
pub(super) struct BitWriter {
    words: Vec<u64>,
    acc: u64,
    filled: u32,
}

impl BitWriter {
    /// The packed words (the last one zero-padded).
    pub(super) fn finish(mut self) -> Vec<u64> {
        if self.filled > 0 {
            self.words.push(self.acc);
        }
        self.words
    }
}

impl BitSink for BitWriter {
    fn put(&mut self, value: u64, width: u32) {
        if width == 0 {
            return;
        }
        let value = value & mask(width);
        self.acc |= value << self.filled;
        if self.filled + width >= 64 {
            self.words.push(self.acc);
            self.acc = if self.filled == 0 {
                0
            } else {
                value >> (64 - self.filled)
            };
            self.filled = self.filled + width - 64;
        } else {
            self.filled += width;
        }
    }

    fn bit_len(&self) -> u64 {
        self.words.len() as u64 * 64 + u64::from(self.filled)
    }
}

/// The low `width` bits set (`width` ≤ 64).
#[inline(always)]
pub(super) fn mask(width: u32) -> u64 {
    if width == 0 {
        0
    } else {
        u64::MAX >> (64 - width.min(64))
    }
}

/// Bits needed to write `value` (0 for 0).
#[inline]
pub(super) fn bit_width(value: u64) -> u32 {
    64 - value.leading_zeros()
}

/// Maps signed to unsigned so small magnitudes of either sign stay small.
#[inline]
pub(super) fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Inverse of [`zigzag`].
#[inline(always)]
pub(super) fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// Writes `value` as a 7-bit width followed by that many bits (for seeds and offsets, whose
/// size varies wildly from chunk to chunk).
pub(super) fn put_sized(sink: &mut impl BitSink, value: u64) {
    let width = bit_width(value);
    sink.put(u64::from(width), 7);
    sink.put(value, width);
}

/// Reads fields from packed words.
///
/// The hot path of every scrub lookup: kept free of calls (the crate builds at opt-level 1 in
/// the dev profile, where small helpers are not always inlined).
#[derive(Clone, Copy)]
pub(super) struct BitReader<'a> {
    words: &'a [u64],
    /// Next bit to read.
    pub(super) pos: u64,
}

impl<'a> BitReader<'a> {
    /// A reader starting at bit `pos`.
    #[inline(always)]
    pub(super) fn new(words: &'a [u64], pos: u64) -> Self {
        Self { words, pos }
    }

    /// Reads a field of `width` ≤ 64 bits.
    #[inline(always)]
    pub(super) fn get(&mut self, width: u32) -> u64 {
        let value = peek(self.words, self.pos) & mask(width);
        self.pos += u64::from(width);
        value
    }

    /// Reads the field at `index` of a run of `width`-bit fields starting here, without moving.
    #[inline(always)]
    pub(super) fn get_at(&self, index: u64, width: u32) -> u64 {
        peek(self.words, self.pos + index * u64::from(width)) & mask(width)
    }

    /// Reads a value written by [`put_sized`].
    #[inline(always)]
    pub(super) fn get_sized(&mut self) -> u64 {
        let width = (self.get(7) as u32).min(64);
        self.get(width)
    }
}

/// The 64 bits from bit `pos` on (zeros past the end).
#[inline(always)]
fn peek(words: &[u64], pos: u64) -> u64 {
    let i = (pos >> 6) as usize;
    let shift = (pos & 63) as u32;
    let low = if i < words.len() {
        words[i] >> shift
    } else {
        0
    };
    let high = if shift != 0 && i + 1 < words.len() {
        words[i + 1] << (64 - shift)
    } else {
        0
    };
    low | high
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_every_width_round_trip() {
        let mut writer = BitWriter::default();
        let mut counter = BitCounter::default();
        let fields: Vec<(u64, u32)> = (0..=64u32)
            .map(|w| (0xDEAD_BEEF_F00D_CAFE_u64.rotate_left(w) & mask(w), w))
            .collect();
        for &(value, width) in &fields {
            writer.put(value, width);
            counter.put(value, width);
        }
        assert_eq!(writer.bit_len(), counter.bit_len());
        let total = writer.bit_len();
        let words = writer.finish();
        assert_eq!(words.len() as u64, total.div_ceil(64));
        let mut reader = BitReader::new(&words, 0);
        for &(value, width) in &fields {
            assert_eq!(reader.get(width), value, "width {width}");
        }
        assert_eq!(reader.pos, total);
        assert_eq!(reader.get(64), 0, "past the end reads zeros, no panic");
    }

    #[test]
    fn zigzag_round_trips_extremes() {
        for v in [0, 1, -1, 63, -64, i64::MAX, i64::MIN, i64::MIN + 1] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
    }

    #[test]
    fn sized_values_and_random_access() {
        let mut writer = BitWriter::default();
        for v in [0u64, 1, 12345, u64::MAX] {
            put_sized(&mut writer, v);
        }
        for i in 0..10u64 {
            writer.put(i * 3, 5);
        }
        let words = writer.finish();
        let mut reader = BitReader::new(&words, 0);
        for v in [0u64, 1, 12345, u64::MAX] {
            assert_eq!(reader.get_sized(), v);
        }
        assert_eq!(reader.get_at(7, 5), 21);
        assert_eq!(reader.get_at(0, 5), 0);
    }
}
