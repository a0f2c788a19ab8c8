//! History: every sample of a signal, time-sorted in chunks, so any time can be asked about
//! (latest-at for the time cursor, ranges for plots, counts for the density strip) cheaply.
//!
//! - A signal's samples live in chunks; chunks are sorted and do not overlap
//!   (`chunk[i].end <= chunk[i + 1].start`), and their start/end times sit in a flat array, so
//!   finding the chunk for a time is one binary search.
//! - The last chunk is *open*: plain time and value columns, so in-order samples append with
//!   one comparison and a push, and the live case of latest-at (cursor at or past the newest
//!   sample) is O(1). When a newer chunk starts, the previous one is *sealed*: compressed
//!   losslessly (see `codec`), about 2–3 bytes per sample on sensor data instead of 16, with a
//!   sparse in-chunk index so a lookup decodes at most one 64-sample block.
//! - Late samples are inserted where they belong (a sealed chunk is decoded, updated and
//!   re-encoded; rare). A chunk that grows past twice its capacity splits in two.
//! - Samples with equal times keep their arrival order, so the latest arrival wins at that time.
//! - A memory budget (see [`EvictionQueue`]) evicts the globally oldest sealed chunks; the open
//!   chunk is never evicted, so every signal's latest value survives.

mod bits;
mod chunk;
mod codec;
mod evict;
#[cfg(test)]
mod tests;

use crate::core::signal::Timestamp;
use chunk::Sealed;
use std::collections::VecDeque;
use std::mem::size_of;
use std::ops::Range;

pub use evict::{Collected, EvictionQueue, evict_to_budget};

/// Samples per chunk before a new one starts.
pub const DEFAULT_CHUNK_CAPACITY: usize = 1024;

/// Largest chunk capacity accepted: keeps bit offsets inside a chunk within `u32`.
pub const MAX_CHUNK_CAPACITY: usize = 1 << 16;

/// Bytes one uncompressed sample costs (an `i64` time and an `f64` value): the open chunk's
/// cost per sample, and the baseline compression is measured against.
pub const BYTES_PER_SAMPLE: usize = 16;

/// Where a sealed chunk sits in time, and how many samples precede it (for exact counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ChunkMeta {
    start: i64,
    end: i64,
    /// Samples in earlier chunks, counting evicted ones (subtract `SignalHistory::evicted`).
    before: u64,
}

/// Every sample of one signal, time-sorted.
#[derive(Clone, Debug)]
pub struct SignalHistory {
    sealed: VecDeque<Sealed>,
    meta: VecDeque<ChunkMeta>,
    open_times: Vec<i64>,
    open_values: Vec<f64>,
    chunk_capacity: usize,
    sealed_len: usize,
    /// Heap bytes of the sealed chunks' data and indexes.
    sealed_heap: usize,
    /// Samples evicted so far (the base `ChunkMeta::before` counts from).
    evicted: u64,
}

impl Default for SignalHistory {
    fn default() -> Self {
        Self::with_chunk_capacity(DEFAULT_CHUNK_CAPACITY)
    }
}

impl PartialEq for SignalHistory {
    /// Equal when they hold the same samples in the same order, however they are chunked.
    /// Values compare bit for bit, so a history of NaNs equals itself.
    fn eq(&self, other: &Self) -> bool {
        let bits = |(t, v): (i64, f64)| (t, v.to_bits());
        self.len() == other.len() && self.samples().map(bits).eq(other.samples().map(bits))
    }
}

impl SignalHistory {
    /// An empty history whose chunks hold `capacity` samples (clamped to
    /// 2..=[`MAX_CHUNK_CAPACITY`]).
    pub fn with_chunk_capacity(capacity: usize) -> Self {
        Self {
            sealed: VecDeque::new(),
            meta: VecDeque::new(),
            open_times: Vec::new(),
            open_values: Vec::new(),
            chunk_capacity: capacity.clamp(2, MAX_CHUNK_CAPACITY),
            sealed_len: 0,
            sealed_heap: 0,
            evicted: 0,
        }
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.sealed_len + self.open_times.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Chunks held, sealed and open (for memory accounting and tests).
    pub fn chunk_count(&self) -> usize {
        self.sealed.len() + usize::from(!self.open_times.is_empty())
    }

    /// Samples held in sealed (compressed) chunks.
    pub fn sealed_samples(&self) -> usize {
        self.sealed_len
    }

    /// Bytes the sealed chunks take, index and per-chunk bookkeeping included, so
    /// `sealed_bytes / sealed_samples` is the honest compressed cost per sample.
    pub fn sealed_bytes(&self) -> usize {
        self.sealed_heap + self.sealed.len() * (size_of::<Sealed>() + size_of::<ChunkMeta>())
    }

    /// Bytes this history holds: sealed chunks, the open chunk's allocated columns and the
    /// bookkeeping around them. O(1), so a store can keep a running total per insert.
    pub fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.sealed_heap
            + self.sealed.capacity() * size_of::<Sealed>()
            + self.meta.capacity() * size_of::<ChunkMeta>()
            + (self.open_times.capacity() + self.open_values.capacity()) * 8
    }

    /// Adds one sample wherever its time belongs.
    pub fn insert(&mut self, time: Timestamp, value: f64) {
        let t = time.0;
        match self.open_times.last() {
            Some(&last) if t < last => {}
            _ => {
                if self.open_times.len() >= self.chunk_capacity {
                    self.seal_open(self.open_times.len());
                }
                self.open_times.push(t);
                self.open_values.push(value);
                return;
            }
        }
        // Late: into the last chunk starting at or before `t` (or the first chunk).
        let open_start = self.open_times.first().copied().unwrap_or(i64::MIN);
        if t >= open_start || self.meta.is_empty() {
            let at = self.open_times.partition_point(|&s| s <= t);
            self.open_times.insert(at, t);
            self.open_values.insert(at, value);
            if self.open_times.len() > 2 * self.chunk_capacity {
                self.seal_open(self.open_times.len() / 2);
            }
            return;
        }
        let k = self
            .meta
            .partition_point(|m| m.start <= t)
            .saturating_sub(1);
        self.insert_sealed(k, t, value);
    }

    /// Seals the first `count` samples of the open chunk.
    fn seal_open(&mut self, count: usize) {
        let count = count.min(self.open_times.len());
        if count == 0 {
            return;
        }
        let chunk = Sealed::encode(&self.open_times[..count], &self.open_values[..count]);
        self.meta.push_back(ChunkMeta {
            start: self.open_times[0],
            end: self.open_times[count - 1],
            before: self.evicted + self.sealed_len as u64,
        });
        self.sealed_len += count;
        self.sealed_heap += chunk.heap_bytes();
        self.sealed.push_back(chunk);
        if count == self.open_times.len() {
            // Keep the allocations: the next chunk fills them again.
            self.open_times.clear();
            self.open_values.clear();
        } else {
            self.open_times.drain(..count);
            self.open_values.drain(..count);
        }
    }

    /// Decodes sealed chunk `k`, inserts, re-encodes (splitting past twice the capacity).
    fn insert_sealed(&mut self, k: usize, t: i64, value: f64) {
        let (Some(chunk), Some(&meta)) = (self.sealed.get(k), self.meta.get(k)) else {
            return;
        };
        let (mut times, mut values) = chunk.decode();
        let at = times.partition_point(|&s| s <= t);
        times.insert(at, t);
        values.insert(at, value);
        self.sealed_heap -= chunk.heap_bytes();
        self.sealed_len += 1;
        for later in self.meta.iter_mut().skip(k + 1) {
            later.before += 1;
        }
        let split = if times.len() > 2 * self.chunk_capacity {
            times.len() / 2
        } else {
            times.len()
        };
        let lower = Sealed::encode(&times[..split], &values[..split]);
        self.sealed_heap += lower.heap_bytes();
        self.sealed[k] = lower;
        self.meta[k] = ChunkMeta {
            start: times[0],
            end: times[split - 1],
            before: meta.before,
        };
        if split < times.len() {
            let upper = Sealed::encode(&times[split..], &values[split..]);
            self.sealed_heap += upper.heap_bytes();
            self.sealed.insert(k + 1, upper);
            self.meta.insert(
                k + 1,
                ChunkMeta {
                    start: times[split],
                    end: times[times.len() - 1],
                    before: meta.before + split as u64,
                },
            );
        }
    }

    /// The last sample at or before `time`.
    pub fn latest_at(&self, time: Timestamp) -> Option<(Timestamp, f64)> {
        let t = time.0;
        let newest = self.open_times.len().checked_sub(1)?;
        if t >= self.open_times[newest] {
            return Some((Timestamp(self.open_times[newest]), self.open_values[newest]));
        }
        if t >= self.open_times[0] {
            let at = self.open_times.partition_point(|&s| s <= t) - 1;
            return Some((Timestamp(self.open_times[at]), self.open_values[at]));
        }
        let k = self.meta.partition_point(|m| m.start <= t).checked_sub(1)?;
        let (t, v) = self.sealed.get(k)?.latest_at(t)?;
        Some((Timestamp(t), v))
    }

    /// The newest sample.
    pub fn last(&self) -> Option<(Timestamp, f64)> {
        Some((
            Timestamp(*self.open_times.last()?),
            *self.open_values.last()?,
        ))
    }

    /// The oldest sample held.
    pub fn first(&self) -> Option<(Timestamp, f64)> {
        if let Some(chunk) = self.sealed.front() {
            let (t, v) = chunk.sample(0)?;
            return Some((Timestamp(t), v));
        }
        Some((
            Timestamp(*self.open_times.first()?),
            *self.open_values.first()?,
        ))
    }

    /// Samples with `range.start <= time < range.end`, in time order. Sealed chunks are
    /// decoded one at a time as the iterator reaches them.
    pub fn range(&self, range: Range<Timestamp>) -> impl Iterator<Item = (Timestamp, f64)> + '_ {
        let (start, end) = (range.start.0, range.end.0);
        let open_from = self.open_times.partition_point(|&t| t < start);
        let open_to = self.open_times.partition_point(|&t| t < end).max(open_from);
        RangeIter {
            history: self,
            start,
            end,
            next_sealed: self.meta.partition_point(|m| m.end < start),
            buffer: Vec::new(),
            at: 0,
            open: open_from..open_to,
        }
    }

    /// Samples with `range.start <= time < range.end`: exact, and O(log n) plus at most two
    /// block decodes, so the timeline's density strip can call it for every bucket.
    pub fn count_in(&self, range: Range<Timestamp>) -> usize {
        if range.end <= range.start {
            return 0;
        }
        self.count_before(range.end.0) - self.count_before(range.start.0)
    }

    /// Samples with time strictly before `t`.
    fn count_before(&self, t: i64) -> usize {
        let Some(t) = t.checked_sub(1) else {
            return 0;
        };
        if let Some(&open_start) = self.open_times.first()
            && t >= open_start
        {
            return self.sealed_len + self.open_times.partition_point(|&s| s <= t);
        }
        let Some(k) = self.meta.partition_point(|m| m.start <= t).checked_sub(1) else {
            return 0;
        };
        let before = self.meta[k].before.saturating_sub(self.evicted) as usize;
        before + self.sealed.get(k).map_or(0, |c| c.count_le(t))
    }

    /// Every sample in order, decoding one sealed chunk at a time.
    fn samples(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        let sealed = self.sealed.iter().flat_map(|chunk| {
            let (times, values) = chunk.decode();
            times.into_iter().zip(values)
        });
        let open = self
            .open_times
            .iter()
            .copied()
            .zip(self.open_values.iter().copied());
        sealed.chain(open)
    }

    /// End time of the oldest chunk that may be evicted (sealed chunks only).
    pub fn oldest_evictable_end(&self) -> Option<Timestamp> {
        self.meta.front().map(|m| Timestamp(m.end))
    }

    /// Drops the oldest sealed chunk (never the open one); returns the samples dropped.
    fn evict_oldest(&mut self) -> usize {
        let (Some(chunk), Some(_)) = (self.sealed.pop_front(), self.meta.pop_front()) else {
            return 0;
        };
        self.sealed_len -= chunk.len();
        self.sealed_heap -= chunk.heap_bytes();
        self.evicted += chunk.len() as u64;
        chunk.len()
    }
}

/// Lazily decodes the sealed chunks a range touches, then walks the open chunk.
struct RangeIter<'a> {
    history: &'a SignalHistory,
    start: i64,
    end: i64,
    next_sealed: usize,
    buffer: Vec<(i64, f64)>,
    at: usize,
    open: Range<usize>,
}

impl Iterator for RangeIter<'_> {
    type Item = (Timestamp, f64);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(&(t, v)) = self.buffer.get(self.at) {
                self.at += 1;
                return Some((Timestamp(t), v));
            }
            let h = self.history;
            match (h.sealed.get(self.next_sealed), h.meta.get(self.next_sealed)) {
                (Some(chunk), Some(meta)) if meta.start < self.end => {
                    self.buffer.clear();
                    self.at = 0;
                    self.next_sealed += 1;
                    chunk.decode_range(self.start, self.end, &mut self.buffer);
                }
                _ => {
                    let i = self.open.next()?;
                    return Some((Timestamp(h.open_times[i]), h.open_values[i]));
                }
            }
        }
    }
}
