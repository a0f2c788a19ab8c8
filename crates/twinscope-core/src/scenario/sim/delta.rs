//! Snapshots stored as differences from the first one.
//!
//! A rapier snapshot holds the whole collider set, and the plant's static colliders (convex
//! hulls of every part) are most of it: about 1 MB for the demo plant, identical in every
//! snapshot. Storing each snapshot as copies from the step-0 snapshot plus literal bytes keeps
//! one copy of the plant (and of anything else unchanged since T0), so a 60 s run's snapshots
//! cost what its moving bodies cost. Decoding is one pass of memory copies.
//!
//! The encoder is the classic rsync scheme: the base is indexed by blocks at aligned offsets,
//! the new buffer is scanned with a rolling hash, and every verified block match is extended
//! as far as the bytes agree.

use serde::{Deserialize, Serialize};

/// Length of the blocks matched; shorter finds more, longer indexes less.
const BLOCK: usize = 32;
/// Multiplier of the polynomial rolling hash.
const PRIME: u64 = 0x100_0000_01b3;

/// One instruction to rebuild a snapshot.
#[derive(Debug, Serialize, Deserialize)]
enum Op {
    /// Bytes that are not in the base.
    Literal(Vec<u8>),
    /// `len` bytes of the base from `offset`.
    Copy { offset: u64, len: u64 },
}

/// The rolling-hash weight of the byte leaving a window: `PRIME^(BLOCK-1)`.
fn leaving_weight() -> u64 {
    (1..BLOCK).fold(1u64, |w, _| w.wrapping_mul(PRIME))
}

fn hash(block: &[u8]) -> u64 {
    block.iter().fold(0u64, |h, &b| {
        h.wrapping_mul(PRIME).wrapping_add(u64::from(b))
    })
}

/// Maps a block hash to an index slot.
fn slot(h: u64, bits: u32) -> usize {
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
}

/// A base buffer indexed for [`Base::encode`] (decoding needs only the bytes: [`decode`]).
pub(crate) struct Base {
    bytes: Vec<u8>,
    /// Per hash slot, 1 + the offset of an aligned base block with that hash (0 = none).
    index: Vec<u32>,
    /// log2 of the index's length.
    bits: u32,
}

impl Base {
    /// Indexes `bytes`: a direct-mapped table with about two slots per block.
    pub(crate) fn new(bytes: Vec<u8>) -> Base {
        let bits = ((bytes.len() / BLOCK).max(512) * 2)
            .next_power_of_two()
            .trailing_zeros();
        let mut index = vec![0u32; 1 << bits];
        for (i, block) in bytes.chunks_exact(BLOCK).enumerate() {
            let entry = &mut index[slot(hash(block), bits)];
            if *entry == 0 {
                *entry = u32::try_from(i * BLOCK + 1).unwrap_or(0);
            }
        }
        Base { bytes, index, bits }
    }

    /// The base's own bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The base's own bytes, and nothing else.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Encodes `data` as copies from the base and literal bytes.
    pub(crate) fn encode(&self, data: &[u8]) -> Vec<u8> {
        let base = &self.bytes;
        let weight = leaving_weight();
        let mut ops = Vec::new();
        let mut literal_start = 0;
        let mut i = 0;
        let mut h = data.get(..BLOCK).map_or(0, hash);
        while i + BLOCK <= data.len() {
            let candidate = self.index[slot(h, self.bits)] as usize;
            if candidate > 0 {
                let offset = candidate - 1;
                if base.get(offset..offset + BLOCK) == Some(&data[i..i + BLOCK]) {
                    // Extend backwards over pending literal bytes, then forwards.
                    let mut start = i;
                    let mut from = offset;
                    while start > literal_start && from > 0 && base[from - 1] == data[start - 1] {
                        start -= 1;
                        from -= 1;
                    }
                    let mut end = i + BLOCK;
                    let mut to = offset + BLOCK;
                    while end < data.len() && to < base.len() && base[to] == data[end] {
                        end += 1;
                        to += 1;
                    }
                    if start > literal_start {
                        ops.push(Op::Literal(data[literal_start..start].to_vec()));
                    }
                    ops.push(Op::Copy {
                        offset: from as u64,
                        len: (end - start) as u64,
                    });
                    literal_start = end;
                    i = end;
                    h = data.get(i..i + BLOCK).map_or(0, hash);
                    continue;
                }
            }
            if i + BLOCK < data.len() {
                h = h
                    .wrapping_sub(u64::from(data[i]).wrapping_mul(weight))
                    .wrapping_mul(PRIME)
                    .wrapping_add(u64::from(data[i + BLOCK]));
            }
            i += 1;
        }
        if literal_start < data.len() {
            ops.push(Op::Literal(data[literal_start..].to_vec()));
        }
        // Encoding plain data into a Vec cannot fail; an empty delta decodes to nothing and a
        // seek then falls back to an earlier snapshot.
        postcard::to_allocvec(&ops).unwrap_or_default()
    }
}

/// Rebuilds what [`Base::encode`] encoded against `base` (`None` if the delta is corrupt).
pub(crate) fn decode(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let ops: Vec<Op> = postcard::from_bytes(delta).ok()?;
    let mut out = Vec::new();
    for op in ops {
        match op {
            Op::Literal(bytes) => out.extend_from_slice(&bytes),
            Op::Copy { offset, len } => {
                let start = usize::try_from(offset).ok()?;
                let end = start.checked_add(usize::try_from(len).ok()?)?;
                out.extend_from_slice(base.get(start..end)?);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn noise(rng: &mut ChaCha8Rng, n: usize) -> Vec<u8> {
        (0..n).map(|_| rng.random()).collect()
    }

    #[test]
    fn round_trips_and_shares_what_the_base_has() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let statics = noise(&mut rng, 100_000);
        let base_bytes = [
            noise(&mut rng, 5_000),
            statics.clone(),
            noise(&mut rng, 3_000),
        ]
        .concat();
        let base = Base::new(base_bytes.clone());
        // The static part moved to another offset, with new bytes around it.
        let data = [noise(&mut rng, 7_777), statics, noise(&mut rng, 1_234)].concat();
        let delta = base.encode(&data);
        assert_eq!(decode(&base_bytes, &delta).as_deref(), Some(&data[..]));
        assert!(
            delta.len() < 7_777 + 1_234 + 200,
            "delta of {} bytes",
            delta.len()
        );
        // Identical, empty, shorter than a block, and unrelated data all round trip.
        for data in [
            base_bytes.clone(),
            Vec::new(),
            vec![7u8; 5],
            noise(&mut rng, 10_000),
        ] {
            assert_eq!(decode(&base_bytes, &base.encode(&data)), Some(data));
        }
        assert_eq!(
            decode(&[], &Base::new(Vec::new()).encode(b"abc")),
            Some(b"abc".to_vec())
        );
        assert_eq!(decode(&base_bytes, b"\xff\xff\xff"), None, "corrupt delta");
        assert_eq!(base.into_bytes(), base_bytes);
    }
}
