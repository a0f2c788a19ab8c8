//! Gorilla XOR (Facebook, VLDB 2015) for values with no exact decimal scale: NaN payloads,
//! ±inf, -0.0 and full-precision doubles. Each block restarts from a raw first value so a
//! lookup never decodes across blocks.

use super::bits::{BitReader, BitSink};

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
