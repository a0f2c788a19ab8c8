//! Eviction under a memory budget: drop the globally oldest sealed chunks first.
//!
//! Scanning every signal for its oldest chunk per evicted chunk is O(signals) each time; with
//! 10,000 signals that alone would blow a frame. Instead a min-heap keyed by each signal's
//! oldest sealed chunk end time gives the next victim in O(log n). Entries go stale when a
//! history changes (a late sample widens a chunk, a split, an eviction); they are checked on pop
//! and dropped, because whoever changed a history pushes its fresh key with [`EvictionQueue::track`].

use super::SignalHistory;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// What an eviction pass freed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Samples dropped.
    pub samples: usize,
    /// Bytes released.
    pub bytes: usize,
    /// True when the deadline stopped the pass before it freed enough (the next pass goes on).
    pub interrupted: bool,
}

/// Which signal's oldest sealed chunk to evict next.
///
/// Invariant kept by its users: every history with a sealed chunk has an entry holding its
/// current oldest end time (call `EvictionQueue::track` after any change that may move it).
#[derive(Clone, Debug, Default)]
pub struct EvictionQueue {
    heap: BinaryHeap<Reverse<(i64, usize)>>,
}

impl EvictionQueue {
    /// Records history `index`'s current oldest evictable chunk, if it has one.
    pub(crate) fn track(&mut self, index: usize, history: &SignalHistory) {
        if let Some(end) = history.oldest_evictable_end() {
            self.heap.push(Reverse((end.0, index)));
        }
    }

    /// Forgets everything and tracks every history afresh (O(n)).
    pub(crate) fn rebuild(&mut self, histories: &[SignalHistory]) {
        self.heap = histories
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.oldest_evictable_end().map(|end| Reverse((end.0, i))))
            .collect();
    }

    /// Rebuilds when stale entries outnumber live ones, so the heap stays O(signals) even when
    /// no pass ever runs to pop them.
    pub(crate) fn compact(&mut self, histories: &[SignalHistory]) {
        if self.heap.len() > 2 * histories.len() + 64 {
            self.rebuild(histories);
        }
    }

    /// Evicts the globally oldest sealed chunks until `to_free` bytes are released, nothing
    /// evictable is left, or `deadline` passes (checked after each chunk, so a pass always makes
    /// progress).
    pub(crate) fn evict(
        &mut self,
        histories: &mut [SignalHistory],
        to_free: usize,
        deadline: Option<Instant>,
    ) -> Collected {
        self.compact(histories);
        let mut done = Collected::default();
        while done.bytes < to_free {
            let Some(Reverse((end, index))) = self.heap.pop() else {
                break;
            };
            let Some(history) = histories.get_mut(index) else {
                continue;
            };
            if history.oldest_evictable_end().map(|t| t.0) != Some(end) {
                continue;
            }
            let before = history.memory_bytes();
            done.samples += history.evict_oldest();
            done.bytes += before.saturating_sub(history.memory_bytes());
            self.track(index, history);
            if deadline.is_some_and(|d| Instant::now() >= d) {
                done.interrupted = done.bytes < to_free;
                break;
            }
        }
        done
    }
}

/// Evicts the globally oldest sealed chunks until `histories` hold at most `max_bytes` (or
/// only open chunks are left); returns the samples dropped. Uncapped: for tests and one-off
/// trimming; a frame loop uses an [`EvictionQueue`] with a deadline instead.
pub fn evict_to_budget(histories: &mut [SignalHistory], max_bytes: usize) -> usize {
    let held: usize = histories.iter().map(SignalHistory::memory_bytes).sum();
    let mut queue = EvictionQueue::default();
    queue.rebuild(histories);
    queue
        .evict(histories, held.saturating_sub(max_bytes), None)
        .samples
}
