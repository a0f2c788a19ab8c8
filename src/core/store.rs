//! The latest value of every declared signal, plus what arrived that nobody declared.
//!
//! This is the seam the history store (per-signal chunks, latest-at at the cursor time) replaces:
//! evaluation asks `value_at(signal, time)` rather than reading raw samples, so moving the
//! cursor later changes one implementation, not every caller.

use crate::core::signal::{Sample, SignalId, Timestamp};
use std::collections::{BTreeMap, HashMap};

/// Dense index of a declared signal, for per-frame lookups without hashing strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalIndex(pub u32);

/// The most recent value of one signal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignalValue {
    /// Source time of the sample.
    pub time: Timestamp,
    /// The value.
    pub value: f64,
}

/// Latest values per declared signal and counters for the status bar.
#[derive(Debug, Default)]
pub struct SignalStore {
    ids: Vec<SignalId>,
    index: HashMap<SignalId, SignalIndex>,
    latest: Vec<Option<SignalValue>>,
    received: Vec<u64>,
    unknown: BTreeMap<SignalId, u64>,
    total: u64,
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
            store.latest.push(None);
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
    /// A sample older than the one held is counted but does not replace it, so late arrivals
    /// cannot roll the picture back.
    pub fn ingest(&mut self, samples: impl IntoIterator<Item = Sample>) {
        for sample in samples {
            self.total += 1;
            let Some(index) = self.index.get(&sample.signal).copied() else {
                *self.unknown.entry(sample.signal).or_default() += 1;
                continue;
            };
            let slot = index.0 as usize;
            self.received[slot] += 1;
            let newer = self.latest[slot].is_none_or(|held| held.time <= sample.time);
            if newer {
                self.latest[slot] = Some(SignalValue {
                    time: sample.time,
                    value: sample.value,
                });
            }
        }
    }

    /// The value a signal had at `time`: today the latest one not after `time`.
    ///
    /// Until history exists, a `time` before the latest sample still answers with the latest
    /// sample (there is nothing older to answer with).
    pub fn value_at(&self, index: SignalIndex, _time: Timestamp) -> Option<SignalValue> {
        self.latest.get(index.0 as usize).copied().flatten()
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
