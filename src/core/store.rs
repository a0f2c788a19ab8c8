//! Every declared signal's history, plus what arrived that nobody declared.
//!
//! Evaluation asks `value_at(signal, time)` rather than reading "the latest sample", so the time
//! cursor moves every visual at once. The history is bounded by a sample budget that evicts the
//! oldest chunks but always keeps each signal's latest value.

use crate::core::history::{BYTES_PER_SAMPLE, SignalHistory, evict_to_budget};
use crate::core::signal::{Sample, SignalId, Timestamp};
use std::collections::{BTreeMap, HashMap};

/// Dense index of a declared signal, for per-frame lookups without hashing strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalIndex(pub u32);

/// Default history budget: 256 MiB of samples.
pub const DEFAULT_MAX_SAMPLES: usize = 256 * 1024 * 1024 / BYTES_PER_SAMPLE;

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
    held: usize,
    max_samples: usize,
    evicted: u64,
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
            held: 0,
            max_samples: DEFAULT_MAX_SAMPLES,
            evicted: 0,
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
            store.history.push(SignalHistory::default());
            store.received.push(0);
        }
        store
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
    /// Past the sample budget the oldest chunks are evicted (each signal keeps its latest).
    pub fn ingest(&mut self, samples: impl IntoIterator<Item = Sample>) {
        for sample in samples {
            self.total += 1;
            let Some(index) = self.index.get(&sample.signal).copied() else {
                *self.unknown.entry(sample.signal).or_default() += 1;
                continue;
            };
            let slot = index.0 as usize;
            self.received[slot] += 1;
            self.history[slot].insert(sample.time, sample.value);
            self.held += 1;
        }
        if self.held > self.max_samples {
            let dropped = evict_to_budget(&mut self.history, self.max_samples);
            self.held -= dropped;
            self.evicted += dropped as u64;
        }
    }

    /// Caps the history at `max_samples` samples (see [`DEFAULT_MAX_SAMPLES`]).
    pub fn set_max_samples(&mut self, max_samples: usize) {
        self.max_samples = max_samples;
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
    fn duplicate_declarations_share_one_index() {
        let store = SignalStore::new(["a", "a", "b"].map(SignalId::new));
        assert_eq!(store.len(), 2);
        assert_eq!(store.index_of(&SignalId::new("b")), Some(SignalIndex(1)));
    }
}
