//! Alarm journals derived from signal history, kept up to date incrementally.
//!
//! Each alarm's inputs (its signal's samples, its suppression signal's samples, operator
//! actions) are replayed through its [`AlarmMachine`] in time order into a journal of
//! [`Transition`]s. Each update processes only inputs newer than the alarm's watermark; a
//! sample or action stamped at or before the watermark (a replay loading chunks out of order, a
//! backfill, an acknowledge while looking at the past) rewinds the alarm to the last checkpoint
//! at or before that time and replays from there. The state at any time is a binary search in
//! the journal, or, past the watermark, the machine with its timers run forward.

use super::machine::{AlarmMachine, Input, Transition};
use super::spec::AlarmSpec;
use super::{AlarmState, OperatorAction};
use crate::signal::Timestamp;
use crate::store::{ChangeWatcher, SignalIndex, SignalStore};

/// Inputs between checkpoints: a rewind replays at most this many (plus the late ones).
const CHECKPOINT_EVERY: u32 = 256;

/// An alarm's state at some time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlarmStatus {
    /// The visible ISA-18.2 state.
    pub state: AlarmState,
    /// When the current activation began, if the condition is active.
    pub active_since: Option<Timestamp>,
}

/// The alarms of one asset at some time, summarised.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AssetAlarmCounts {
    /// The most urgent alarm shown (active or waiting for an acknowledge) and its status.
    pub worst: Option<(usize, AlarmStatus)>,
    /// Alarms active (acknowledged or not).
    pub active: u32,
    /// Alarms waiting for an acknowledge (active or returned).
    pub unacknowledged: u32,
}

/// An alarm whose journal changed in the last [`AlarmEngine::update`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JournalChange {
    /// The alarm.
    pub alarm: usize,
    /// Journal entries before this index are as they were; the rest are new or replaced.
    pub kept: usize,
}

/// The machine as it was before the first input at `time`, with timers up to `time` fired.
#[derive(Clone, Copy, Debug)]
struct Checkpoint {
    time: i64,
    machine: AlarmMachine,
    journal_len: usize,
}

/// One alarm's derived state.
#[derive(Debug)]
struct Runtime {
    machine: AlarmMachine,
    /// Inputs at or after this time are not processed yet.
    next_from: i64,
    journal: Vec<Transition>,
    checkpoints: Vec<Checkpoint>,
    inputs_since_checkpoint: u32,
    /// Operator actions in time order (equal times in the order they were given).
    actions: Vec<(i64, OperatorAction)>,
    /// Earliest time of an input not yet processed; `i64::MAX` when up to date.
    dirty_from: i64,
}

impl Default for Runtime {
    fn default() -> Self {
        let machine = AlarmMachine::default();
        Self {
            machine,
            next_from: i64::MIN,
            journal: Vec::new(),
            checkpoints: vec![Checkpoint {
                time: i64::MIN,
                machine,
                journal_len: 0,
            }],
            inputs_since_checkpoint: 0,
            actions: Vec::new(),
            dirty_from: i64::MAX,
        }
    }
}

/// Every configured alarm's journal and operator actions, derived from a [`SignalStore`].
#[derive(Debug)]
pub struct AlarmEngine {
    specs: Vec<AlarmSpec>,
    signal: Vec<Option<SignalIndex>>,
    suppress: Vec<Option<SignalIndex>>,
    runtimes: Vec<Runtime>,
    /// Per store signal, the alarms reading it.
    readers: Vec<Vec<u32>>,
    watcher: ChangeWatcher,
    dirty: Vec<u32>,
    changes: Vec<JournalChange>,
    assets: Vec<String>,
    alarms_of_asset: Vec<Vec<u32>>,
}

impl AlarmEngine {
    /// An engine for `specs` over `store`'s signals (an alarm on an undeclared signal never
    /// activates); registers a change watcher on the store.
    pub fn new(specs: Vec<AlarmSpec>, store: &mut SignalStore) -> Self {
        let mut readers = vec![Vec::new(); store.len()];
        let signal: Vec<_> = specs.iter().map(|s| store.index_of(&s.signal)).collect();
        let suppress: Vec<_> = specs
            .iter()
            .map(|s| s.suppress_when.as_ref().and_then(|id| store.index_of(id)))
            .collect();
        for (alarm, indices) in signal.iter().zip(&suppress).enumerate() {
            for index in [indices.0, indices.1].into_iter().flatten() {
                let list: &mut Vec<u32> = &mut readers[index.0 as usize];
                if list.last() != Some(&(alarm as u32)) {
                    list.push(alarm as u32);
                }
            }
        }
        let mut assets: Vec<String> = Vec::new();
        let mut alarms_of_asset: Vec<Vec<u32>> = Vec::new();
        let mut index_of_asset = std::collections::HashMap::new();
        for (alarm, spec) in specs.iter().enumerate() {
            if let Some(tag) = &spec.asset {
                let index = *index_of_asset.entry(tag.clone()).or_insert_with(|| {
                    assets.push(tag.clone());
                    alarms_of_asset.push(Vec::new());
                    assets.len() - 1
                });
                alarms_of_asset[index].push(alarm as u32);
            }
        }
        let runtimes = specs.iter().map(|_| Runtime::default()).collect();
        Self {
            specs,
            signal,
            suppress,
            runtimes,
            readers,
            watcher: store.watch_changes(),
            dirty: Vec::new(),
            changes: Vec::new(),
            assets,
            alarms_of_asset,
        }
    }

    /// Number of alarms.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// True when no alarms are configured.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// An alarm's configuration.
    pub fn spec(&self, alarm: usize) -> &AlarmSpec {
        &self.specs[alarm]
    }

    /// Every alarm's configuration, by alarm index.
    pub fn specs(&self) -> &[AlarmSpec] {
        &self.specs
    }

    /// The watched signal's store index, if the scene declares it.
    pub fn signal_index(&self, alarm: usize) -> Option<SignalIndex> {
        self.signal[alarm]
    }

    /// Assets (plant tags) that have alarms, by asset index.
    pub fn assets(&self) -> &[String] {
        &self.assets
    }

    /// The alarms of an asset (by asset index).
    pub(crate) fn alarms_of_asset(&self, asset: usize) -> impl Iterator<Item = usize> + '_ {
        self.alarms_of_asset[asset].iter().map(|&a| a as usize)
    }

    /// An alarm's transitions so far, in time order.
    pub fn journal(&self, alarm: usize) -> &[Transition] {
        &self.runtimes[alarm].journal
    }

    /// The store change watcher this engine drains; hand it to
    /// [`SignalStore::unwatch_changes`] when the engine is dropped while the store lives on.
    pub fn watcher(&self) -> ChangeWatcher {
        self.watcher
    }

    /// Journals that changed in the last [`update`](Self::update).
    pub fn journal_changes(&self) -> &[JournalChange] {
        &self.changes
    }

    /// Records an operator action at `time` (the view time it was taken at); it is merged
    /// into the alarm's inputs and applied by the next update, replaying from `time` when that
    /// is in the past. Unknown alarms are ignored.
    pub fn act(&mut self, alarm: usize, time: Timestamp, action: OperatorAction) {
        let Some(runtime) = self.runtimes.get_mut(alarm) else {
            return;
        };
        let at = runtime.actions.partition_point(|(t, _)| *t <= time.0);
        runtime.actions.insert(at, (time.0, action));
        mark_dirty(&mut self.runtimes, &mut self.dirty, alarm as u32, time.0);
    }

    /// Brings every journal up to date with the store: only alarms whose inputs changed are
    /// touched, and they process only inputs past their watermark unless something earlier
    /// arrived. Returns the number of alarms processed.
    pub fn update(&mut self, store: &mut SignalStore) -> usize {
        self.changes.clear();
        let (runtimes, dirty, readers) = (&mut self.runtimes, &mut self.dirty, &self.readers);
        store.drain_changes(self.watcher, |signal, earliest| {
            for &alarm in readers.get(signal.0 as usize).into_iter().flatten() {
                mark_dirty(runtimes, dirty, alarm, earliest.0);
            }
        });
        let processed = self.dirty.len();
        for i in 0..self.dirty.len() {
            let alarm = self.dirty[i] as usize;
            if let Some(change) = self.process(alarm, store) {
                self.changes.push(change);
            }
        }
        self.dirty.clear();
        processed
    }

    /// Fires every alarm's timers up to `until` into the journals, as if time had reached it
    /// with no further input (the end of a recording, for an export).
    pub(crate) fn settle(&mut self, until: Timestamp) {
        for (spec, runtime) in self.specs.iter().zip(&mut self.runtimes) {
            if runtime.next_from <= until.0 {
                runtime.machine.advance(spec, until.0, &mut runtime.journal);
                runtime.next_from = until.0.saturating_add(1);
            }
        }
    }

    /// An alarm's state at `time`: from the journal, or past the last input, the machine with
    /// its delay and shelve timers run forward to `time`.
    pub(crate) fn status_at(&self, alarm: usize, time: Timestamp) -> AlarmStatus {
        let runtime = &self.runtimes[alarm];
        let t = time.0;
        if t >= runtime.next_from.saturating_sub(1) {
            let machine = runtime.machine.peek(&self.specs[alarm], t);
            return AlarmStatus {
                state: machine.state(),
                active_since: machine.active_since().map(Timestamp),
            };
        }
        let at = runtime.journal.partition_point(|tr| tr.time <= t);
        match at.checked_sub(1).map(|i| &runtime.journal[i]) {
            Some(transition) => AlarmStatus {
                state: transition.to,
                active_since: transition.active_since.map(Timestamp),
            },
            None => AlarmStatus {
                state: AlarmState::Normal,
                active_since: None,
            },
        }
    }

    /// The state to show for `time`, following live or not: live, `time` is the wall clock,
    /// and samples stamped ahead of it (a device clock running fast) still count.
    pub fn status_view(&self, alarm: usize, time: Timestamp, live: bool) -> AlarmStatus {
        if live {
            let latest = self.runtimes[alarm].next_from.saturating_sub(1);
            self.status_at(alarm, Timestamp(time.0.max(latest)))
        } else {
            self.status_at(alarm, time)
        }
    }

    /// The alarms of an asset at `time` (see [`status_view`](Self::status_view) for `live`):
    /// counts and the most urgent one shown. No allocation.
    pub fn asset_status_at(&self, asset: usize, time: Timestamp, live: bool) -> AssetAlarmCounts {
        let mut counts = AssetAlarmCounts::default();
        let mut worst_key = None;
        for alarm in self.alarms_of_asset(asset) {
            let status = self.status_view(alarm, time, live);
            if status.state.is_active() {
                counts.active += 1;
            }
            if status.state.needs_ack() {
                counts.unacknowledged += 1;
            }
            if status.state.is_active() || status.state.needs_ack() {
                let key = (self.specs[alarm].priority, urgency(status.state));
                if worst_key.is_none_or(|worst| key > worst) {
                    worst_key = Some(key);
                    counts.worst = Some((alarm, status));
                }
            }
        }
        counts
    }

    /// When the alarm last became active at or before `time` (journal only), e.g. for an alarm
    /// that returned unacknowledged: where the operator should look.
    pub fn last_activation(&self, alarm: usize, time: Timestamp) -> Option<Timestamp> {
        let journal = &self.runtimes[alarm].journal;
        let end = journal.partition_point(|tr| tr.time <= time.0);
        journal[..end]
            .iter()
            .rev()
            .find_map(|tr| tr.active_since)
            .map(Timestamp)
    }

    /// Replays an alarm's unprocessed inputs (rewinding first if some are old).
    fn process(&mut self, alarm: usize, store: &SignalStore) -> Option<JournalChange> {
        let spec = &self.specs[alarm];
        let runtime = &mut self.runtimes[alarm];
        let from = std::mem::replace(&mut runtime.dirty_from, i64::MAX);
        let before = runtime.journal.len();
        let mut kept = before;
        if from < runtime.next_from {
            let at = runtime.checkpoints.partition_point(|c| c.time <= from);
            // The first checkpoint is at i64::MIN, so `at >= 1`.
            runtime.checkpoints.truncate(at.max(1));
            let checkpoint = runtime.checkpoints[runtime.checkpoints.len() - 1];
            runtime.machine = checkpoint.machine;
            runtime.journal.truncate(checkpoint.journal_len);
            runtime.next_from = checkpoint.time;
            runtime.inputs_since_checkpoint = 0;
            kept = kept.min(checkpoint.journal_len);
        }
        let start = runtime.next_from;
        let stream = |index: Option<SignalIndex>| {
            index
                .and_then(|i| store.history(i))
                .into_iter()
                .flat_map(move |h| h.range(Timestamp(start)..Timestamp(i64::MAX)))
                .peekable()
        };
        let mut values = stream(self.signal[alarm]);
        let mut suppress = stream(self.suppress[alarm]);
        let first_action = runtime.actions.partition_point(|(t, _)| *t < start);
        let mut actions = runtime.actions[first_action..].iter().peekable();
        let mut last_time = None;
        loop {
            let value_t = values.peek().map(|s| s.0.0);
            let suppress_t = suppress.peek().map(|s| s.0.0);
            let action_t = actions.peek().map(|a| a.0);
            let Some(t) = [value_t, suppress_t, action_t].into_iter().flatten().min() else {
                break;
            };
            let input = if value_t == Some(t) {
                values.next().map(|s| Input::Value(s.1))
            } else if suppress_t == Some(t) {
                suppress.next().map(|s| Input::Suppress(s.1))
            } else {
                actions.next().map(|a| Input::Operator(a.1))
            };
            let Some(input) = input else { break };
            if last_time != Some(t) && runtime.inputs_since_checkpoint >= CHECKPOINT_EVERY {
                runtime.machine.advance(spec, t, &mut runtime.journal);
                runtime.checkpoints.push(Checkpoint {
                    time: t,
                    machine: runtime.machine,
                    journal_len: runtime.journal.len(),
                });
                runtime.inputs_since_checkpoint = 0;
            }
            last_time = Some(t);
            runtime.machine.apply(spec, t, input, &mut runtime.journal);
            runtime.inputs_since_checkpoint += 1;
            runtime.next_from = t.saturating_add(1);
        }
        (kept != before || kept != runtime.journal.len()).then_some(JournalChange { alarm, kept })
    }
}

/// Marks an alarm as having inputs from `time` on to process.
fn mark_dirty(runtimes: &mut [Runtime], dirty: &mut Vec<u32>, alarm: u32, time: i64) {
    let Some(runtime) = runtimes.get_mut(alarm as usize) else {
        return;
    };
    if runtime.dirty_from == i64::MAX {
        dirty.push(alarm);
    }
    runtime.dirty_from = runtime.dirty_from.min(time);
}

/// How much an operator needs to see a state, for picking an asset's worst alarm.
fn urgency(state: AlarmState) -> u8 {
    match state {
        AlarmState::Unacknowledged => 3,
        AlarmState::ReturnedUnacknowledged => 2,
        AlarmState::Acknowledged => 1,
        _ => 0,
    }
}
