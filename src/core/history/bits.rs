//! Bit-level writing and reading for the sealed-chunk codec.
//!
//! Fields are packed least-significant bit first into little-endian bytes, so a reader can
//! fetch any field of up to 56 bits with one unaligned 8-byte load and a shift (the hot path of
//! a scrub lookup). Reading past the end yields zero bits instead of panicking: sealed data is
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

/// Packs bits into bytes.
#[derive(Default)]
pub(super) struct BitWriter {
    bytes: Vec<u8>,
    acc: u128,
    filled: u32,
}

impl BitWriter {
    /// The packed bytes (the last one zero-padded).
    pub(super) fn finish(mut self) -> Vec<u8> {
        while self.filled > 0 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.filled = self.filled.saturating_sub(8);
        }
        self.bytes
    }
}

impl BitSink for BitWriter {
    fn put(&mut self, value: u64, width: u32) {
        if width == 0 {
            return;
        }
        self.acc |= u128::from(value & mask(width)) << self.filled;
        self.filled += width;
        if self.filled >= 64 {
            self.bytes
                .extend_from_slice(&(self.acc as u64).to_le_bytes());
            self.acc >>= 64;
            self.filled -= 64;
        }
    }

    fn bit_len(&self) -> u64 {
        self.bytes.len() as u64 * 8 + u64::from(self.filled)
    }
}

/// The low `width` bits set (`width` ≤ 64).
#[inline]
pub(super) fn mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
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
#[inline]
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

/// Reads fields from packed bytes.
#[derive(Clone, Copy)]
pub(super) struct BitReader<'a> {
    bytes: &'a [u8],
    /// Next bit to read.
    pub(super) pos: u64,
}

impl<'a> BitReader<'a> {
    /// A reader starting at bit `pos`.
    pub(super) fn new(bytes: &'a [u8], pos: u64) -> Self {
        Self { bytes, pos }
    }

    /// Reads a field of `width` ≤ 64 bits.
    #[inline]
    pub(super) fn get(&mut self, width: u32) -> u64 {
        if width <= 56 {
            let value = self.peek56() & mask(width);
            self.pos += u64::from(width);
            value
        } else {
            let low = self.get(32);
            let high = self.get(width - 32);
            low | (high << 32)
        }
    }

    /// Reads the field at `index` of a run of `width`-bit fields starting here, without moving.
    #[inline]
    pub(super) fn get_at(&self, index: u64, width: u32) -> u64 {
        let mut at = Self::new(self.bytes, self.pos + index * u64::from(width));
        at.get(width)
    }

    /// Reads a value written by [`put_sized`].
    #[inline]
    pub(super) fn get_sized(&mut self) -> u64 {
        let width = self.get(7) as u32;
        self.get(width.min(64))
    }

    /// The next 56+ bits from `pos` (zeros past the end).
    #[inline]
    fn peek56(&self) -> u64 {
        let byte = (self.pos >> 3) as usize;
        let shift = (self.pos & 7) as u32;
        let word = match self.bytes.get(byte..byte + 8) {
            Some(eight) => {
                let mut buf = [0u8; 8];
                buf.copy_from_slice(eight);
                u64::from_le_bytes(buf)
            }
            None => {
                let mut buf = [0u8; 8];
                let tail = self.bytes.get(byte..).unwrap_or(&[]);
                buf[..tail.len()].copy_from_slice(tail);
                u64::from_le_bytes(buf)
            }
        };
        word >> shift
    }
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
        let bytes = writer.finish();
        assert_eq!(bytes.len() as u64, total.div_ceil(8));
        let mut reader = BitReader::new(&bytes, 0);
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
        let bytes = writer.finish();
        let mut reader = BitReader::new(&bytes, 0);
        for v in [0u64, 1, 12345, u64::MAX] {
            assert_eq!(reader.get_sized(), v);
        }
        assert_eq!(reader.get_at(7, 5), 21);
        assert_eq!(reader.get_at(0, 5), 0);
    }
}
