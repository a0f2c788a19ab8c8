//! Every declared signal's history, plus what arrived that nobody declared.
//!
//! Evaluation asks `value_at(signal, time)` rather than reading "the latest sample", so the time
//! cursor moves every visual at once. The history is bounded by a memory budget in bytes: a
//! per-frame [`SignalStore::collect_garbage`] pass, capped in time, evicts the globally oldest
//! sealed chunks but always keeps each signal's latest value.

use crate::derived::{Cycle, DerivedSignal, Expression, Slots, evaluation_order};
use crate::history::{EvictionQueue, SignalHistory};
use crate::signal::{Sample, SignalId, Timestamp};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// Dense index of a declared signal, for per-frame lookups without hashing strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalIndex(pub u32);

/// Default history budget: 512 MiB held by signal histories (compressed and open chunks).
pub(crate) const DEFAULT_MEMORY_BUDGET: usize = 512 * 1024 * 1024;

/// Time one garbage-collection pass may take per frame (Rerun caps its passes at 3.5 ms).
pub const DEFAULT_GC_TIME_CAP: Duration = Duration::from_micros(3_500);

/// One signal's value at some time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignalValue {
    /// Source time of the sample.
    pub time: Timestamp,
    /// The value.
    pub value: f64,
}

/// Per-signal history and counters for the status bar.
#[derive(Debug)]
pub struct SignalStore {
    ids: Vec<SignalId>,
    index: HashMap<SignalId, SignalIndex>,
    history: Vec<SignalHistory>,
    received: Vec<u64>,
    unknown: BTreeMap<SignalId, u64>,
    total: u64,
    held_samples: usize,
    held_bytes: usize,
    memory_budget: usize,
    evicted: u64,
    eviction: EvictionQueue,
    derived: Derived,
    watches: Vec<ChangeWatch>,
}

/// A derived signal resolved to store slots.
#[derive(Debug)]
struct DerivedSlot {
    target: usize,
    inputs: Vec<usize>,
    expr: Expression,
}

/// Derived signals in evaluation order, and scratch space reused across batches.
#[derive(Debug, Default)]
struct Derived {
    /// Inputs before readers.
    signals: Vec<DerivedSlot>,
    /// Per store slot: the derived signals (indices into `signals`) that read it.
    readers: Vec<Vec<u32>>,
    /// Per derived signal: times its inputs got samples in the current batch.
    pending: Vec<Vec<Timestamp>>,
    values: Vec<f64>,
    slots: Slots,
}

/// Why derived signals cannot be set up on a store.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DerivedSetupError {
    /// A derived signal or one of its inputs has no slot in the store.
    #[error("signal `{0}` is not declared")]
    Undeclared(SignalId),
    /// Derived signals read each other in a circle.
    #[error("derived signals form a cycle: {0}")]
    Cycle(Cycle),
}

/// A reader's handle for [`SignalStore::drain_changes`], from [`SignalStore::watch_changes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeWatcher(usize);

/// Per signal, the earliest sample time inserted since the reader last drained (`i64::MAX`:
/// nothing), and which signals those are, so an idle frame costs nothing.
#[derive(Debug, Default)]
struct ChangeWatch {
    earliest: Vec<i64>,
    dirty: Vec<u32>,
}

impl Default for SignalStore {
    fn default() -> Self {
        Self {
            ids: Vec::new(),
            index: HashMap::new(),
            history: Vec::new(),
            received: Vec::new(),
            unknown: BTreeMap::new(),
            total: 0,
            held_samples: 0,
            held_bytes: 0,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            evicted: 0,
            eviction: EvictionQueue::default(),
            derived: Derived::default(),
            watches: Vec::new(),
        }
    }
}

impl SignalStore {
    /// A store for exactly these signals (duplicates keep their first index).
    pub fn new(signals: impl IntoIterator<Item = SignalId>) -> Self {
        let mut store = Self::default();
        for id in signals {
            if store.index.contains_key(&id) {
                continue;
            }
            let index = SignalIndex(store.ids.len() as u32);
            store.index.insert(id.clone(), index);
            store.ids.push(id);
            let history = SignalHistory::default();
            store.held_bytes += history.memory_bytes();
            store.history.push(history);
            store.received.push(0);
        }
        store
    }

    /// A store for a scene's declared signals that computes its derived signals as their
    /// inputs arrive.
    pub fn for_scene(scene: &crate::scene::Scene) -> Result<Self, DerivedSetupError> {
        let mut store = Self::new(scene.signals.iter().map(|s| s.id.clone()));
        store.set_derived(&scene.derived)?;
        Ok(store)
    }

    /// Computes these signals from their inputs from now on: whenever a batch brings samples
    /// of an input, each derived signal gets a sample at each of those times, from every
    /// input's value as of that time (none while an input has no value yet). The results are
    /// ordinary samples, so rules, plots and history treat them like measured ones. A late
    /// input sample recomputes the derived value at its own time only. Replaces any earlier
    /// set; derived signals of derived signals are computed after their inputs.
    pub(crate) fn set_derived(
        &mut self,
        derived: &[DerivedSignal],
    ) -> Result<(), DerivedSetupError> {
        let order = evaluation_order(derived).map_err(DerivedSetupError::Cycle)?;
        let slot = |id: &SignalId| {
            self.index_of(id)
                .map(|i| i.0 as usize)
                .ok_or_else(|| DerivedSetupError::Undeclared(id.clone()))
        };
        let mut signals = Vec::with_capacity(order.len());
        let mut readers = vec![Vec::new(); self.ids.len()];
        for &i in &order {
            let def = &derived[i];
            let inputs = def
                .expr
                .inputs()
                .iter()
                .map(slot)
                .collect::<Result<Vec<_>, _>>()?;
            for &input in &inputs {
                readers[input].push(signals.len() as u32);
            }
            signals.push(DerivedSlot {
                target: slot(&def.id)?,
                inputs,
                expr: def.expr.clone(),
            });
        }
        self.derived = Derived {
            pending: vec![Vec::new(); signals.len()],
            signals,
            readers,
            ..Derived::default()
        };
        Ok(())
    }

    /// Index of a declared signal.
    pub fn index_of(&self, id: &SignalId) -> Option<SignalIndex> {
        self.index.get(id).copied()
    }

    /// Id of a declared signal.
    pub fn id(&self, index: SignalIndex) -> Option<&SignalId> {
        self.ids.get(index.0 as usize)
    }

    /// Number of declared signals.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no signals are declared.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Records samples; undeclared signals are counted, never dropped silently.
    ///
    /// A late sample goes into history at its own time, so it cannot roll the present back.
    /// Nothing is evicted here: the frame loop calls [`SignalStore::collect_garbage`], so a burst
    /// of data cannot also stall the frame with eviction work. Owners without a frame loop must
    /// call it themselves to stay within the budget.
    pub fn ingest(&mut self, samples: impl IntoIterator<Item = Sample>) {
        for sample in samples {
            self.total += 1;
            let Some(index) = self.index.get(&sample.signal).copied() else {
                *self.unknown.entry(sample.signal).or_default() += 1;
                continue;
            };
            self.insert(index.0 as usize, sample.time, sample.value);
        }
        if !self.derived.signals.is_empty() {
            self.compute_derived();
        }
        self.eviction.compact(&self.history);
    }

    /// Stores one sample in a slot's history, keeping the counters and eviction queue current;
    /// notes the time for derived signals that read the slot.
    fn insert(&mut self, slot: usize, time: Timestamp, value: f64) {
        self.received[slot] += 1;
        let history = &mut self.history[slot];
        let bytes_before = history.memory_bytes();
        let oldest_before = history.oldest_evictable_end();
        history.insert(time, value);
        self.held_bytes = (self.held_bytes + history.memory_bytes()).saturating_sub(bytes_before);
        if history.oldest_evictable_end() != oldest_before {
            self.eviction.track(slot, history);
        }
        self.held_samples += 1;
        for watch in &mut self.watches {
            // A released watcher has no slots.
            let Some(earliest) = watch.earliest.get_mut(slot) else {
                continue;
            };
            if *earliest == i64::MAX {
                watch.dirty.push(slot as u32);
            }
            *earliest = (*earliest).min(time.0);
        }
        if let Some(readers) = self.derived.readers.get(slot) {
            for &reader in readers {
                self.derived.pending[reader as usize].push(time);
            }
        }
    }

    /// Materialises derived samples at the times their inputs got samples in this batch, in
    /// evaluation order (a derived input's new samples are pending before its readers run).
    fn compute_derived(&mut self) {
        for d in 0..self.derived.signals.len() {
            let mut times = std::mem::take(&mut self.derived.pending[d]);
            if times.is_empty() {
                continue;
            }
            times.sort_unstable();
            times.dedup();
            for &time in &times {
                let derived = &mut self.derived;
                let signal = &derived.signals[d];
                derived.values.clear();
                for &input in &signal.inputs {
                    match self.history[input].latest_at(time) {
                        Some((_, value)) => derived.values.push(value),
                        None => break,
                    }
                }
                if derived.values.len() < signal.inputs.len() {
                    continue;
                }
                let target = signal.target;
                if let Some(value) = signal.expr.eval(&derived.values, &mut derived.slots) {
                    self.insert(target, time, value);
                }
            }
            times.clear();
            // Hand the (empty) buffer back so its capacity is reused next batch.
            self.derived.pending[d] = times;
        }
    }

    /// Evicts the globally oldest sealed chunks while the store is over its memory budget,
    /// stopping once `time_cap` is spent (at least one chunk per call); the next call carries
    /// on. Returns the samples evicted. Call once per frame.
    pub fn collect_garbage(&mut self, time_cap: Duration) -> usize {
        if self.held_bytes <= self.memory_budget {
            return 0;
        }
        let deadline = Instant::now().checked_add(time_cap);
        let excess = self.held_bytes - self.memory_budget;
        let collected = self.eviction.evict(&mut self.history, excess, deadline);
        self.held_bytes = self.held_bytes.saturating_sub(collected.bytes);
        self.held_samples = self.held_samples.saturating_sub(collected.samples);
        self.evicted += collected.samples as u64;
        collected.samples
    }

    /// Caps the bytes signal histories may hold (see `DEFAULT_MEMORY_BUDGET`); enforced by
    /// [`SignalStore::collect_garbage`].
    pub fn set_memory_budget(&mut self, bytes: usize) {
        self.memory_budget = bytes;
    }

    /// The memory budget in bytes.
    pub fn memory_budget(&self) -> usize {
        self.memory_budget
    }

    /// Sizes the memory budget for `max_samples` uncompressed samples (16 bytes each). Kept for
    /// callers that think in samples; compression lets several times more samples fit.
    #[cfg(test)]
    pub(crate) fn set_max_samples(&mut self, max_samples: usize) {
        self.memory_budget = max_samples.saturating_mul(crate::history::BYTES_PER_SAMPLE);
    }

    /// Bytes the signal histories hold now (compressed chunks, open chunks, indexes).
    pub fn memory_bytes(&self) -> usize {
        self.held_bytes
    }

    /// Samples held in history, all signals together.
    pub fn samples_held(&self) -> usize {
        self.held_samples
    }

    /// Average bytes per held sample (0 when empty), for the status bar.
    pub fn bytes_per_sample(&self) -> f64 {
        if self.held_samples == 0 {
            0.0
        } else {
            self.held_bytes as f64 / self.held_samples as f64
        }
    }

    /// Samples evicted to stay within the budget.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// The value a signal had at `time`: its last sample at or before `time`.
    pub fn value_at(&self, index: SignalIndex, time: Timestamp) -> Option<SignalValue> {
        let (time, value) = self.history.get(index.0 as usize)?.latest_at(time)?;
        Some(SignalValue { time, value })
    }

    /// A signal's whole history, for plots and range queries.
    pub fn history(&self, index: SignalIndex) -> Option<&SignalHistory> {
        self.history.get(index.0 as usize)
    }

    /// Samples received for one declared signal.
    pub fn received(&self, index: SignalIndex) -> u64 {
        self.received.get(index.0 as usize).copied().unwrap_or(0)
    }

    /// Samples received in total, declared or not.
    pub fn total_received(&self) -> u64 {
        self.total
    }

    /// Starts tracking inserts for one more reader (derived state such as alarm journals that
    /// must be recomputed from the earliest changed time when late samples arrive). Every
    /// signal starts out changed from the beginning of time, so the reader sees what is held.
    pub fn watch_changes(&mut self) -> ChangeWatcher {
        self.watches.push(ChangeWatch {
            earliest: vec![i64::MIN; self.ids.len()],
            dirty: (0..self.ids.len() as u32).collect(),
        });
        ChangeWatcher(self.watches.len() - 1)
    }

    /// Stops tracking for a reader that is gone (e.g. an engine rebuilt from scratch), so
    /// inserts no longer pay for it; its handle then sees no changes.
    pub fn unwatch_changes(&mut self, watcher: ChangeWatcher) {
        if let Some(watch) = self.watches.get_mut(watcher.0) {
            *watch = ChangeWatch::default();
        }
    }

    /// Calls `changed(signal, earliest)` for each signal that received samples since this
    /// watcher's last drain, with the earliest sample time inserted, then forgets them.
    pub fn drain_changes(
        &mut self,
        watcher: ChangeWatcher,
        mut changed: impl FnMut(SignalIndex, Timestamp),
    ) {
        let Some(watch) = self.watches.get_mut(watcher.0) else {
            return;
        };
        for slot in watch.dirty.drain(..) {
            let earliest = std::mem::replace(&mut watch.earliest[slot as usize], i64::MAX);
            changed(SignalIndex(slot), Timestamp(earliest));
        }
    }

    /// Signals that arrived but are not declared in the scene, with their sample counts.
    pub fn unknown_signals(&self) -> &BTreeMap<SignalId, u64> {
        &self.unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(id: &str, t: i64, v: f64) -> Sample {
        Sample::new(SignalId::new(id), Timestamp(t), v)
    }

    #[test]
    fn keeps_newest_value_and_counts_unknown() {
        let mut store = SignalStore::new(["a", "b"].map(SignalId::new));
        store.ingest([
            sample("a", 10, 1.0),
            sample("a", 5, 9.0),
            sample("zz", 1, 0.0),
            sample("b", 3, 2.0),
        ]);
        let a = store.index_of(&SignalId::new("a")).unwrap();
        assert_eq!(
            store.value_at(a, Timestamp(100)),
            Some(SignalValue {
                time: Timestamp(10),
                value: 1.0
            })
        );
        assert_eq!(
            store.value_at(a, Timestamp(7)),
            Some(SignalValue {
                time: Timestamp(5),
                value: 9.0
            }),
            "the late sample is history, not lost"
        );
        assert_eq!(store.value_at(a, Timestamp(4)), None);
        assert_eq!(store.received(a), 2);
        assert_eq!(store.total_received(), 4);
        assert_eq!(store.unknown_signals().get(&SignalId::new("zz")), Some(&1));
    }

    #[test]
    fn garbage_collection_meets_the_budget_a_capped_pass_at_a_time() {
        let ids = ["a", "b", "c"].map(SignalId::new);
        let mut store = SignalStore::new(ids.clone());
        for t in 0..30_000i64 {
            let id = ["a", "b"][(t % 2) as usize];
            store.ingest([sample(id, t * 1_000_000, (t % 977) as f64 * 0.25)]);
        }
        store.ingest([sample("c", 5, -1.5)]);
        let recount: usize = store.history.iter().map(SignalHistory::memory_bytes).sum();
        assert_eq!(
            store.memory_bytes(),
            recount,
            "running total matches the histories"
        );
        assert_eq!(store.samples_held(), 30_001);
        assert!(store.bytes_per_sample() > 0.0 && store.bytes_per_sample() < 16.0);
        assert_eq!(
            store.collect_garbage(Duration::ZERO),
            0,
            "under the default budget"
        );

        let sealed: usize = store.history.iter().map(SignalHistory::sealed_bytes).sum();
        assert!(sealed > 0);
        let budget = store.memory_bytes() - sealed / 2;
        store.set_memory_budget(budget);
        let first = store.collect_garbage(Duration::ZERO);
        assert!(first > 0, "a pass always makes progress");
        assert!(
            store.memory_bytes() > budget,
            "a zero cap stops after one chunk"
        );
        let mut passes = 1;
        while store.memory_bytes() > budget {
            assert!(store.collect_garbage(Duration::ZERO) > 0);
            passes += 1;
        }
        assert!(passes > 1);
        let recount: usize = store.history.iter().map(SignalHistory::memory_bytes).sum();
        assert_eq!(store.memory_bytes(), recount);
        assert_eq!(store.evicted() as usize + store.samples_held(), 30_001);

        store.set_memory_budget(0);
        while store.collect_garbage(DEFAULT_GC_TIME_CAP) > 0 {}
        for id in &ids {
            let index = store.index_of(id).unwrap();
            let last = store.history(index).and_then(SignalHistory::last);
            assert!(last.is_some(), "{id} keeps its latest value");
        }
        let c = store.index_of(&SignalId::new("c")).unwrap();
        assert_eq!(
            store.value_at(c, Timestamp(i64::MAX)).map(|v| v.value),
            Some(-1.5)
        );
        let a = store.index_of(&SignalId::new("a")).unwrap();
        assert_eq!(
            store.value_at(a, Timestamp(i64::MAX)).map(|v| v.time),
            Some(Timestamp(29_998_000_000))
        );
    }

    proptest::proptest! {
        /// Late samples widen and split chunks after the eviction queue saw them; collection
        /// must still drop the globally oldest sealed chunks first and keep every last value.
        #[test]
        fn collection_evicts_globally_oldest_first(
            samples in proptest::collection::vec((0usize..3, 0i64..5_000, -100i64..100), 1..1_500),
            keep in 0.0f64..1.0,
        ) {
            let ids = ["a", "b", "c"].map(SignalId::new);
            let mut store = SignalStore::new(ids.clone());
            for history in &mut store.history {
                *history = SignalHistory::with_chunk_capacity(8);
            }
            store.eviction = EvictionQueue::default();
            store.held_bytes = store.history.iter().map(SignalHistory::memory_bytes).sum();
            for &(slot, t, v) in &samples {
                store.ingest([Sample::new(ids[slot].clone(), Timestamp(t), v as f64 / 4.0)]);
            }
            let sealed: usize = store.history.iter().map(SignalHistory::sealed_bytes).sum();
            store.set_memory_budget(store.memory_bytes() - (sealed as f64 * (1.0 - keep)) as usize);
            while store.collect_garbage(Duration::ZERO) > 0 {}
            let recount: usize = store.history.iter().map(SignalHistory::memory_bytes).sum();
            proptest::prop_assert_eq!(store.memory_bytes(), recount);
            proptest::prop_assert!(store.memory_bytes() <= store.memory_budget()
                || store.history.iter().all(|h| h.oldest_evictable_end().is_none()));
            let mut newest_evicted = i64::MIN;
            let mut oldest_kept = i64::MAX;
            for (slot, history) in store.history.iter().enumerate() {
                let mut model: Vec<(i64, f64)> = samples
                    .iter()
                    .filter(|s| s.0 == slot)
                    .map(|&(_, t, v)| (t, v as f64 / 4.0))
                    .collect();
                model.sort_by_key(|s| s.0);
                proptest::prop_assert_eq!(history.last(), model.last().map(|&(t, v)| (Timestamp(t), v)));
                let gone = model.len() - history.len();
                if gone > 0 {
                    newest_evicted = newest_evicted.max(model[gone - 1].0);
                }
                if let Some(end) = history.oldest_evictable_end() {
                    oldest_kept = oldest_kept.min(end.0);
                }
            }
            proptest::prop_assert!(newest_evicted <= oldest_kept);
            proptest::prop_assert_eq!(store.evicted() as usize + store.samples_held(), samples.len());
        }
    }

    #[test]
    fn max_samples_setter_sizes_the_byte_budget() {
        let mut store = SignalStore::new([SignalId::new("a")]);
        assert_eq!(store.memory_budget(), DEFAULT_MEMORY_BUDGET);
        store.set_max_samples(1_000);
        assert_eq!(store.memory_budget(), 16_000);
    }

    #[test]
    fn a_released_watcher_sees_nothing_and_others_go_on() {
        let mut store = SignalStore::new(["a"].map(SignalId::new));
        let gone = store.watch_changes();
        let kept = store.watch_changes();
        store.drain_changes(kept, |_, _| {});
        store.unwatch_changes(gone);
        store.ingest([sample("a", 7, 1.0)]);
        let mut seen = Vec::new();
        store.drain_changes(gone, |i, t| seen.push((i.0, t.0)));
        assert!(seen.is_empty(), "released");
        store.drain_changes(kept, |i, t| seen.push((i.0, t.0)));
        assert_eq!(seen, [(0, 7)]);
    }

    #[test]
    fn watchers_see_the_earliest_insert_since_their_last_drain() {
        let mut store = SignalStore::new(["a", "b"].map(SignalId::new));
        store.ingest([sample("a", 10, 1.0)]);
        let first = store.watch_changes();
        let mut seen = Vec::new();
        store.drain_changes(first, |i, t| seen.push((i.0, t.0)));
        assert_eq!(
            seen,
            [(0, i64::MIN), (1, i64::MIN)],
            "all held data is new to it"
        );
        let second = store.watch_changes();
        store.drain_changes(second, |_, _| {});
        store.ingest([
            sample("a", 20, 1.0),
            sample("a", 5, 2.0),
            sample("a", 30, 3.0),
        ]);
        seen.clear();
        store.drain_changes(first, |i, t| seen.push((i.0, t.0)));
        assert_eq!(seen, [(0, 5)], "the late sample's time, once");
        seen.clear();
        store.drain_changes(first, |i, t| seen.push((i.0, t.0)));
        assert!(seen.is_empty(), "drained");
        store.drain_changes(second, |i, t| seen.push((i.0, t.0)));
        assert_eq!(seen, [(0, 5)], "each watcher drains on its own");
    }

    #[test]
    fn duplicate_declarations_share_one_index() {
        let store = SignalStore::new(["a", "a", "b"].map(SignalId::new));
        assert_eq!(store.len(), 2);
        assert_eq!(store.index_of(&SignalId::new("b")), Some(SignalIndex(1)));
    }
}
