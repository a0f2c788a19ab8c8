//! History: every sample of a signal, time-sorted in chunks, so any time can be asked about
//! (latest-at for the time cursor, ranges for plots) in O(log n).
//!
//! - A signal's samples live in chunks of time and value columns; chunks are sorted and do not
//!   overlap (`chunk[i].end <= chunk[i + 1].start`), so the chunk index is a binary search on
//!   chunk start times.
//! - In-order samples append to the last chunk (the common case: one comparison and a push).
//!   Late samples are inserted where they belong; a chunk that grows past twice its capacity
//!   splits in two.
//! - Samples with equal times keep their arrival order, so the latest arrival wins at that time.
//! - A memory budget evicts the oldest chunks of any signal but never a signal's last chunk, so
//!   the latest value always survives.
//!
//! Compression of sealed chunks comes later (issue 4); the columns are plain today.

use crate::core::signal::Timestamp;
use std::ops::Range;

/// Samples per chunk before a new one starts.
pub const DEFAULT_CHUNK_CAPACITY: usize = 1024;

/// Bytes one stored sample costs (an `i64` time and an `f64` value).
pub const BYTES_PER_SAMPLE: usize = 16;

/// Time-sorted time and value columns.
#[derive(Clone, Debug, Default, PartialEq)]
struct Chunk {
    times: Vec<i64>,
    values: Vec<f64>,
}

impl Chunk {
    fn start(&self) -> i64 {
        self.times.first().copied().unwrap_or(i64::MIN)
    }

    fn end(&self) -> i64 {
        self.times.last().copied().unwrap_or(i64::MIN)
    }

    fn len(&self) -> usize {
        self.times.len()
    }

    /// Inserts after every sample at or before `time` (ties keep arrival order).
    fn insert(&mut self, time: i64, value: f64) {
        let at = self.times.partition_point(|&t| t <= time);
        self.times.insert(at, time);
        self.values.insert(at, value);
    }

    /// Moves the upper half into a new chunk.
    fn split_off_half(&mut self) -> Chunk {
        let at = self.len() / 2;
        Chunk {
            times: self.times.split_off(at),
            values: self.values.split_off(at),
        }
    }
}

/// Every sample of one signal, time-sorted.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalHistory {
    chunks: Vec<Chunk>,
    chunk_capacity: usize,
    len: usize,
}

impl Default for SignalHistory {
    fn default() -> Self {
        Self::with_chunk_capacity(DEFAULT_CHUNK_CAPACITY)
    }
}

impl SignalHistory {
    /// An empty history whose chunks hold `capacity` samples (at least 2).
    pub fn with_chunk_capacity(capacity: usize) -> Self {
        Self {
            chunks: Vec::new(),
            chunk_capacity: capacity.max(2),
            len: 0,
        }
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Chunks held (for memory accounting and tests).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Adds one sample wherever its time belongs.
    pub fn insert(&mut self, time: Timestamp, value: f64) {
        let t = time.0;
        self.len += 1;
        match self.chunks.last_mut() {
            None => {
                self.chunks.push(Chunk {
                    times: vec![t],
                    values: vec![value],
                });
                return;
            }
            Some(last) if t >= last.end() => {
                if last.len() < self.chunk_capacity {
                    last.times.push(t);
                    last.values.push(value);
                } else {
                    self.chunks.push(Chunk {
                        times: vec![t],
                        values: vec![value],
                    });
                }
                return;
            }
            Some(_) => {}
        }
        // Late: the last chunk starting at or before `t` (or the first chunk).
        let index = self
            .chunks
            .partition_point(|c| c.start() <= t)
            .saturating_sub(1);
        let chunk = &mut self.chunks[index];
        chunk.insert(t, value);
        if chunk.len() > 2 * self.chunk_capacity {
            let upper = chunk.split_off_half();
            self.chunks.insert(index + 1, upper);
        }
    }

    /// The last sample at or before `time`.
    pub fn latest_at(&self, time: Timestamp) -> Option<(Timestamp, f64)> {
        let t = time.0;
        let index = self
            .chunks
            .partition_point(|c| c.start() <= t)
            .checked_sub(1)?;
        let chunk = &self.chunks[index];
        let at = chunk.times.partition_point(|&s| s <= t).checked_sub(1)?;
        Some((Timestamp(chunk.times[at]), chunk.values[at]))
    }

    /// The newest sample.
    pub fn last(&self) -> Option<(Timestamp, f64)> {
        let chunk = self.chunks.last()?;
        Some((Timestamp(*chunk.times.last()?), *chunk.values.last()?))
    }

    /// The oldest sample held.
    pub fn first(&self) -> Option<(Timestamp, f64)> {
        let chunk = self.chunks.first()?;
        Some((Timestamp(*chunk.times.first()?), *chunk.values.first()?))
    }

    /// Samples with `range.start <= time < range.end`, in time order.
    pub fn range(&self, range: Range<Timestamp>) -> impl Iterator<Item = (Timestamp, f64)> + '_ {
        let (start, end) = (range.start.0, range.end.0);
        let first = self.chunks.partition_point(|c| c.end() < start);
        self.chunks[first..]
            .iter()
            .take_while(move |c| c.start() < end)
            .flat_map(move |c| {
                let from = c.times.partition_point(|&t| t < start);
                let to = c.times.partition_point(|&t| t < end);
                c.times[from..to]
                    .iter()
                    .zip(&c.values[from..to])
                    .map(|(&t, &v)| (Timestamp(t), v))
            })
    }

    /// End time of the oldest chunk that may be evicted (never the last one).
    fn oldest_evictable_end(&self) -> Option<i64> {
        (self.chunks.len() > 1).then(|| self.chunks[0].end())
    }

    /// Drops the oldest chunk (never the last one); returns the samples dropped.
    fn evict_oldest(&mut self) -> usize {
        if self.chunks.len() <= 1 {
            return 0;
        }
        let dropped = self.chunks.remove(0).len();
        self.len -= dropped;
        dropped
    }
}

/// Evicts the globally oldest chunks from `histories` until they hold at most `max_samples`
/// (or only last chunks are left); returns the samples dropped.
pub fn evict_to_budget(histories: &mut [SignalHistory], max_samples: usize) -> usize {
    let mut held: usize = histories.iter().map(SignalHistory::len).sum();
    let mut dropped = 0;
    while held > max_samples {
        let oldest = histories
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.oldest_evictable_end().map(|end| (end, i)))
            .min();
        let Some((_, index)) = oldest else {
            break;
        };
        let removed = histories[index].evict_oldest();
        held -= removed;
        dropped += removed;
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(t: i64) -> Timestamp {
        Timestamp(t)
    }

    #[test]
    fn in_order_late_and_equal_times() {
        let mut h = SignalHistory::with_chunk_capacity(2);
        for (t, v) in [
            (10, 1.0),
            (20, 2.0),
            (30, 3.0),
            (15, 1.5),
            (20, 2.5),
            (5, 0.5),
        ] {
            h.insert(ts(t), v);
        }
        assert_eq!(h.len(), 6);
        assert_eq!(h.latest_at(ts(4)), None);
        assert_eq!(h.latest_at(ts(5)), Some((ts(5), 0.5)));
        assert_eq!(h.latest_at(ts(19)), Some((ts(15), 1.5)));
        assert_eq!(
            h.latest_at(ts(20)),
            Some((ts(20), 2.5)),
            "equal times: the later arrival wins"
        );
        assert_eq!(h.latest_at(ts(1000)), Some((ts(30), 3.0)));
        let range: Vec<_> = h.range(ts(10)..ts(30)).map(|(t, v)| (t.0, v)).collect();
        assert_eq!(range, [(10, 1.0), (15, 1.5), (20, 2.0), (20, 2.5)]);
        assert_eq!(h.first(), Some((ts(5), 0.5)));
        assert_eq!(h.last(), Some((ts(30), 3.0)));
    }

    #[test]
    fn eviction_keeps_every_signals_latest_value() {
        let mut histories = vec![
            SignalHistory::with_chunk_capacity(4),
            SignalHistory::with_chunk_capacity(4),
        ];
        for t in 0..40 {
            histories[0].insert(ts(t), t as f64);
        }
        histories[1].insert(ts(3), 42.0);
        let dropped = evict_to_budget(&mut histories, 10);
        assert_eq!(dropped, 32, "whole oldest chunks go");
        assert_eq!(histories[0].len() + histories[1].len(), 9);
        assert_eq!(histories[0].last(), Some((ts(39), 39.0)));
        assert_eq!(
            histories[1].last(),
            Some((ts(3), 42.0)),
            "a signal's last chunk stays however old"
        );
        assert_eq!(evict_to_budget(&mut histories, 0), 4);
        assert_eq!(histories[0].len(), 4);
        assert_eq!(histories[1].len(), 1);
    }

    proptest! {
        /// Against a naive model: a stable sort of everything inserted.
        #[test]
        fn matches_a_sorted_vector(
            samples in prop::collection::vec((0i64..200, -1e6f64..1e6), 0..400),
            capacity in 2usize..9,
            queries in prop::collection::vec(-10i64..220, 1..20),
        ) {
            let mut history = SignalHistory::with_chunk_capacity(capacity);
            for &(t, v) in &samples {
                history.insert(ts(t), v);
            }
            let mut model = samples.clone();
            model.sort_by_key(|&(t, _)| t);
            prop_assert_eq!(history.len(), model.len());
            for &q in &queries {
                let expected = model.iter().rev().find(|(t, _)| *t <= q).map(|&(t, v)| (ts(t), v));
                prop_assert_eq!(history.latest_at(ts(q)), expected);
            }
            for pair in queries.windows(2) {
                let (a, b) = (pair[0].min(pair[1]), pair[0].max(pair[1]));
                let got: Vec<_> = history.range(ts(a)..ts(b)).map(|(t, v)| (t.0, v)).collect();
                let want: Vec<_> = model.iter().copied().filter(|(t, _)| (a..b).contains(t)).collect();
                prop_assert_eq!(got, want);
            }
            prop_assert!(history.chunks.windows(2).all(|w| w[0].end() <= w[1].start()));
            prop_assert!(history.chunks.iter().all(|c| c.len() <= 2 * capacity));
        }
    }
}
