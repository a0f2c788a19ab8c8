//! History: every sample of a signal, time-sorted in chunks, so any time can be asked about
//! (latest-at for the time cursor, ranges for plots, counts for the density strip) cheaply.
//!
//! - A signal's samples live in chunks; chunks are sorted and do not overlap
//!   (`chunk[i].end <= chunk[i + 1].start`), and their start/end times sit in one flat array,
//!   so finding the chunk for a time is one binary search.
//! - The last chunk is *open*: plain time and value columns, so in-order samples append with
//!   one comparison and a push, and the live case of latest-at (cursor at or past the newest
//!   sample) is O(1). When a newer chunk starts, the previous one is *sealed*: compressed
//!   losslessly (see `chunk` and `codec`), about 2.4 bytes per sample on the demo plant's
//!   signals instead of 16, with a sparse in-chunk index so a lookup reads one 64-sample block.
//! - The last historical answer is cached with the interval it holds for (see `cache`), so a
//!   paused or playing cursor costs O(1) per signal per frame; only a cursor that jumps pays
//!   for the search (a few dependent cache misses into chunk memory).
//! - Late samples are inserted where they belong (a sealed chunk is decoded, updated and
//!   re-encoded; rare). A chunk that grows past twice its capacity splits in two.
//! - Samples with equal times keep their arrival order, so the latest arrival wins at that time.
//! - A memory budget (see [`EvictionQueue`]) evicts the globally oldest sealed chunks; the open
//!   chunk is never evicted, so every signal's latest value survives.

mod bits;
mod cache;
mod chunk;
mod codec;
mod evict;
mod gorilla;
#[cfg(test)]
mod tests;

use crate::signal::Timestamp;
use cache::LatestCache;
use chunk::Sealed;
use std::mem::size_of;
use std::ops::Range;

pub use evict::{Collected, EvictionQueue, evict_to_budget};

/// Samples per chunk before a new one starts.
pub(crate) const DEFAULT_CHUNK_CAPACITY: usize = 1024;

/// Bytes one uncompressed sample costs (an `i64` time and an `f64` value), for tests that
/// size a store by samples.
#[cfg(test)]
pub(crate) const BYTES_PER_SAMPLE: usize = 16;

/// Largest chunk capacity accepted: keeps bit offsets inside a chunk within `u32`.
pub(crate) const MAX_CHUNK_CAPACITY: usize = 1 << 16;

/// A sealed chunk with where it sits in time and how many samples precede it.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    start: i64,
    end: i64,
    /// Samples in earlier chunks, counting evicted ones (subtract `SignalHistory::evicted`).
    before: u64,
    chunk: Sealed,
}

/// Every sample of one signal, time-sorted.
#[derive(Debug)]
pub struct SignalHistory {
    /// Sealed chunks, oldest first; `entries[..head]` are evicted husks awaiting compaction (a
    /// plain `Vec` with a head offset keeps lookups on one contiguous slice).
    entries: Vec<Entry>,
    head: usize,
    open_times: Vec<i64>,
    open_values: Vec<f64>,
    /// Copies of the open chunk's first time and newest sample, so the common lookups decide
    /// without touching the columns' heap memory.
    open_start: i64,
    newest: (i64, f64),
    chunk_capacity: usize,
    sealed_len: usize,
    /// Heap bytes of the sealed chunks.
    sealed_heap: usize,
    /// Samples evicted so far (the base `Entry::before` counts from).
    evicted: u64,
    /// The last historical latest-at answer (see `cache`).
    cache: LatestCache,
}

impl Clone for SignalHistory {
    fn clone(&self) -> Self {
        Self {
            entries: self.entries.clone(),
            head: self.head,
            open_times: self.open_times.clone(),
            open_values: self.open_values.clone(),
            open_start: self.open_start,
            newest: self.newest,
            chunk_capacity: self.chunk_capacity,
            sealed_len: self.sealed_len,
            sealed_heap: self.sealed_heap,
            evicted: self.evicted,
            cache: LatestCache::default(),
        }
    }
}

/// How many of the sorted `times` are at most `t`.
#[inline(always)]
fn count_le(times: &[i64], t: i64) -> usize {
    let (mut lo, mut hi) = (0, times.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if times[mid] <= t {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// How many of the sealed `entries` start at or before `t`.
#[inline(always)]
fn entries_starting_le(entries: &[Entry], t: i64) -> usize {
    let (mut lo, mut hi) = (0, entries.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if entries[mid].start <= t {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
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
    pub(crate) fn with_chunk_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::new(),
            head: 0,
            open_times: Vec::new(),
            open_values: Vec::new(),
            open_start: i64::MIN,
            newest: (i64::MIN, 0.0),
            chunk_capacity: capacity.clamp(2, MAX_CHUNK_CAPACITY),
            sealed_len: 0,
            sealed_heap: 0,
            evicted: 0,
            cache: LatestCache::default(),
        }
    }

    /// The sealed chunks still held, oldest first.
    #[inline(always)]
    fn sealed(&self) -> &[Entry] {
        self.entries.get(self.head..).unwrap_or(&[])
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.sealed_len + self.open_times.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.open_times.is_empty()
    }

    /// Chunks held, sealed and open (for memory accounting and tests).
    pub fn chunk_count(&self) -> usize {
        self.sealed().len() + usize::from(!self.open_times.is_empty())
    }

    /// Samples held in sealed (compressed) chunks.
    pub fn sealed_samples(&self) -> usize {
        self.sealed_len
    }

    /// Bytes the sealed chunks take, index and per-chunk bookkeeping included, so
    /// `sealed_bytes / sealed_samples` is the honest compressed cost per sample.
    pub fn sealed_bytes(&self) -> usize {
        self.sealed_heap + size_of_val(self.sealed())
    }

    /// Bytes this history holds: sealed chunks, the open chunk's allocated columns and the
    /// bookkeeping around them. O(1), so a store can keep a running total per insert.
    pub fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.sealed_heap
            + self.entries.capacity() * size_of::<Entry>()
            + (self.open_times.capacity() + self.open_values.capacity()) * 8
    }

    /// Adds one sample wherever its time belongs.
    pub fn insert(&mut self, time: Timestamp, value: f64) {
        let t = time.0;
        if t < self.cache.until() {
            // Lands before the cached answer's next sample: the answer may change.
            self.cache.clear();
        }
        if self.open_times.is_empty() || t >= self.newest.0 {
            if self.open_times.len() >= self.chunk_capacity {
                self.seal_open(self.open_times.len());
            }
            if self.open_times.is_empty() {
                self.open_start = t;
            }
            self.open_times.push(t);
            self.open_values.push(value);
            self.newest = (t, value);
            return;
        }
        // Late: into the last chunk starting at or before `t` (or the first chunk).
        if t >= self.open_start || self.sealed().is_empty() {
            let at = count_le(&self.open_times, t);
            self.open_times.insert(at, t);
            self.open_values.insert(at, value);
            self.open_start = self.open_times[0];
            if self.open_times.len() > 2 * self.chunk_capacity {
                self.seal_open(self.open_times.len() / 2);
            }
            return;
        }
        let k = entries_starting_le(self.sealed(), t).saturating_sub(1);
        self.insert_sealed(self.head + k, t, value);
    }

    /// Seals the first `count` samples of the open chunk.
    fn seal_open(&mut self, count: usize) {
        let count = count.min(self.open_times.len());
        if count == 0 {
            return;
        }
        let chunk = Sealed::encode(&self.open_times[..count], &self.open_values[..count]);
        self.sealed_heap += chunk.heap_bytes();
        self.entries.push(Entry {
            start: self.open_times[0],
            end: self.open_times[count - 1],
            before: self.evicted + self.sealed_len as u64,
            chunk,
        });
        self.sealed_len += count;
        if count == self.open_times.len() {
            // Keep the allocations: the next chunk fills them again.
            self.open_times.clear();
            self.open_values.clear();
        } else {
            self.open_times.drain(..count);
            self.open_values.drain(..count);
            self.open_start = self.open_times[0];
        }
    }

    /// Decodes the sealed chunk at `entries[k]`, inserts, re-encodes (splitting past twice the
    /// capacity).
    fn insert_sealed(&mut self, k: usize, t: i64, value: f64) {
        let Some(entry) = self.entries.get(k) else {
            return;
        };
        let before = entry.before;
        let (mut times, mut values) = entry.chunk.decode();
        let at = count_le(&times, t);
        times.insert(at, t);
        values.insert(at, value);
        self.sealed_heap -= entry.chunk.heap_bytes();
        self.sealed_len += 1;
        for later in &mut self.entries[k + 1..] {
            later.before += 1;
        }
        let split = if times.len() > 2 * self.chunk_capacity {
            times.len() / 2
        } else {
            times.len()
        };
        let lower = Sealed::encode(&times[..split], &values[..split]);
        self.sealed_heap += lower.heap_bytes();
        self.entries[k] = Entry {
            start: times[0],
            end: times[split - 1],
            before,
            chunk: lower,
        };
        if split < times.len() {
            let upper = Sealed::encode(&times[split..], &values[split..]);
            self.sealed_heap += upper.heap_bytes();
            let entry = Entry {
                start: times[split],
                end: times[times.len() - 1],
                before: before + split as u64,
                chunk: upper,
            };
            self.entries.insert(k + 1, entry);
        }
    }

    /// The last sample at or before `time`: O(1) at or past the newest sample (the live
    /// cursor) and while the cursor stays between the samples of the previous answer (paused or
    /// playing), else a binary search and a lookup inside one block.
    pub fn latest_at(&self, time: Timestamp) -> Option<(Timestamp, f64)> {
        match self.latest_without_sealed(time.0) {
            Ok(answer) => answer,
            Err(()) => {
                let sealed = self.sealed();
                let k = entries_starting_le(sealed, time.0).checked_sub(1)?;
                let (from, value, next) = sealed[k].chunk.latest_at(time.0)?;
                let until = next
                    .or_else(|| sealed.get(k + 1).map(|e| e.start))
                    .unwrap_or(self.open_start);
                self.cache.put(from, until, value);
                Some((Timestamp(from), value))
            }
        }
    }

    /// Latest-at answered without touching sealed chunks (empty, live, cached or in the open
    /// chunk), or `Err` when a sealed chunk must be searched.
    #[inline(always)]
    fn latest_without_sealed(&self, t: i64) -> Result<Option<(Timestamp, f64)>, ()> {
        if self.open_times.is_empty() {
            return Ok(None);
        }
        if t >= self.newest.0 {
            return Ok(Some((Timestamp(self.newest.0), self.newest.1)));
        }
        if let Some((from, value)) = self.cache.get(t) {
            return Ok(Some((Timestamp(from), value)));
        }
        if t >= self.open_start {
            let at = count_le(&self.open_times, t) - 1;
            let (from, value) = (self.open_times[at], self.open_values[at]);
            self.cache.put(from, self.open_times[at + 1], value);
            return Ok(Some((Timestamp(from), value)));
        }
        Err(())
    }

    /// The newest sample.
    pub fn last(&self) -> Option<(Timestamp, f64)> {
        (!self.open_times.is_empty()).then_some((Timestamp(self.newest.0), self.newest.1))
    }

    /// The oldest sample held.
    pub fn first(&self) -> Option<(Timestamp, f64)> {
        if let Some(entry) = self.sealed().first() {
            let (t, v) = entry.chunk.sample(0)?;
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
            sealed: self.sealed(),
            history: self,
            start,
            end,
            next_sealed: self.sealed().partition_point(|e| e.end < start),
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
        if !self.open_times.is_empty() && t >= self.open_start {
            return self.sealed_len + count_le(&self.open_times, t);
        }
        let sealed = self.sealed();
        let Some(k) = entries_starting_le(sealed, t).checked_sub(1) else {
            return 0;
        };
        let before = sealed[k].before.saturating_sub(self.evicted) as usize;
        before + sealed[k].chunk.count_le(t)
    }

    /// Every sample in order, decoding one sealed chunk at a time.
    fn samples(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        let sealed = self.sealed().iter().flat_map(|entry| {
            let (times, values) = entry.chunk.decode();
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
    pub(crate) fn oldest_evictable_end(&self) -> Option<Timestamp> {
        self.sealed().first().map(|e| Timestamp(e.end))
    }

    /// Drops the oldest sealed chunk (never the open one); returns the samples dropped.
    fn evict_oldest(&mut self) -> usize {
        let Some(entry) = self.entries.get_mut(self.head) else {
            return 0;
        };
        let chunk = std::mem::take(&mut entry.chunk);
        self.head += 1;
        self.cache.clear();
        self.sealed_len -= chunk.len();
        self.sealed_heap -= chunk.heap_bytes();
        self.evicted += chunk.len() as u64;
        if self.head * 2 >= self.entries.len() {
            self.entries.drain(..self.head);
            self.head = 0;
        }
        chunk.len()
    }
}

/// Lazily decodes the sealed chunks a range touches, then walks the open chunk.
struct RangeIter<'a> {
    history: &'a SignalHistory,
    sealed: &'a [Entry],
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
            match self.sealed.get(self.next_sealed) {
                Some(entry) if entry.start < self.end => {
                    self.buffer.clear();
                    self.at = 0;
                    self.next_sealed += 1;
                    entry
                        .chunk
                        .decode_range(self.start, self.end, &mut self.buffer);
                }
                _ => {
                    let i = self.open.next()?;
                    let h = self.history;
                    return Some((Timestamp(h.open_times[i]), h.open_values[i]));
                }
            }
        }
    }
}
