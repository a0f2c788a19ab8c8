//! The last historical latest-at answer of one history, reused while the cursor stays between
//! that sample and the next.
//!
//! The time cursor asks every signal for its value every frame, and from one frame to the next
//! the cursor rarely moves past a sample (paused: never; playing at 1×: once per sample period).
//! A hit costs a few loads from the history itself, which lives in the store's contiguous
//! `Vec`, instead of a chain of dependent cache misses into chunk memory.
//!
//! Lookups take `&self` and Bevy may run readers on several threads, so the cache is a seqlock
//! over atomics: a reader that races a writer sees a changed sequence number and misses; a
//! writer that finds another writer active skips its update. No locks, no `unsafe`.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering, fence};

/// One cached answer: the sample at `from` with `value` is the latest for any time in
/// `[from, until)`.
#[derive(Debug, Default)]
pub(super) struct LatestCache {
    /// Even when stable, odd while a writer is updating.
    seq: AtomicU64,
    from: AtomicI64,
    /// Exclusive end; `from == until` (the default) caches nothing.
    until: AtomicI64,
    value: AtomicU64,
}

impl LatestCache {
    /// The cached answer if `t` falls in its interval.
    #[inline(always)]
    pub(super) fn get(&self, t: i64) -> Option<(i64, f64)> {
        let seq = self.seq.load(Ordering::Acquire);
        if seq & 1 == 1 {
            return None;
        }
        let from = self.from.load(Ordering::Relaxed);
        let until = self.until.load(Ordering::Relaxed);
        let value = self.value.load(Ordering::Relaxed);
        fence(Ordering::Acquire);
        if self.seq.load(Ordering::Relaxed) != seq || t < from || t >= until {
            return None;
        }
        Some((from, f64::from_bits(value)))
    }

    /// Caches an answer (skipped when another thread is writing at the same moment).
    pub(super) fn put(&self, from: i64, until: i64, value: f64) {
        let seq = self.seq.load(Ordering::Relaxed);
        if seq & 1 == 1
            || self
                .seq
                .compare_exchange(seq, seq + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        fence(Ordering::Release);
        self.from.store(from, Ordering::Relaxed);
        self.until.store(until, Ordering::Relaxed);
        self.value.store(value.to_bits(), Ordering::Relaxed);
        self.seq.store(seq + 2, Ordering::Release);
    }

    /// The exclusive end of the cached interval (for invalidation under `&mut`).
    pub(super) fn until(&mut self) -> i64 {
        *self.until.get_mut()
    }

    /// Forgets the cached answer (the history changed under it).
    pub(super) fn clear(&mut self) {
        *self.until.get_mut() = *self.from.get_mut();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_only_inside_the_interval_until_cleared() {
        let mut cache = LatestCache::default();
        assert_eq!(cache.get(0), None, "empty");
        cache.put(10, 20, -0.0);
        assert_eq!(cache.get(9), None);
        assert_eq!(
            cache.get(10).map(|(t, v)| (t, v.to_bits())),
            Some((10, (-0.0f64).to_bits()))
        );
        assert_eq!(cache.get(19).map(|(t, _)| t), Some(10));
        assert_eq!(cache.get(20), None, "the next sample's time is excluded");
        assert_eq!(cache.until(), 20);
        cache.clear();
        assert_eq!(cache.get(15), None);
    }

    #[test]
    fn concurrent_readers_and_writers_never_see_a_torn_answer() {
        let cache = LatestCache::default();
        std::thread::scope(|scope| {
            for writer in 0..2i64 {
                let cache = &cache;
                scope.spawn(move || {
                    for i in 0..20_000i64 {
                        let from = (i * 2 + writer) * 10;
                        cache.put(from, from + 10, from as f64);
                    }
                });
            }
            for _ in 0..2 {
                let cache = &cache;
                scope.spawn(move || {
                    for i in 0..40_000i64 {
                        let t = (i % 4_000) * 10 + 5;
                        if let Some((from, value)) = cache.get(t) {
                            assert_eq!(value, from as f64, "value belongs to its interval");
                            assert!(from <= t && t < from + 10);
                        }
                    }
                });
            }
        });
    }
}
