//! Ingest: drains batches from source threads into the signal store, once per frame, under a
//! time budget so a burst of data cannot stall rendering (the rest waits for the next frame).

use crate::pipeline::Stage;
use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};
use twinscope_core::signal::{Sample, Timestamp};
use twinscope_core::store::SignalStore;

/// Batches the channel holds before a source must wait (or count drops).
pub(crate) use twinscope_sources::CHANNEL_CAPACITY;

/// Default per-frame drain budget (Rerun uses 10 ms; we keep most of the frame for rendering).
pub(crate) const DEFAULT_DRAIN_BUDGET: Duration = Duration::from_millis(4);

/// The receiving end of the ingest channel, plus a sender to hand to new sources.
#[derive(Resource, Clone)]
pub(crate) struct IngestChannel {
    /// Where the app drains batches from.
    pub(crate) receiver: Receiver<Vec<Sample>>,
    /// Cloned into each source thread.
    pub(crate) sender: Sender<Vec<Sample>>,
}

impl Default for IngestChannel {
    fn default() -> Self {
        let (sender, receiver) = crossbeam_channel::bounded(CHANNEL_CAPACITY);
        Self { receiver, sender }
    }
}

/// The app's signal store: every signal's history, in memory.
#[derive(Resource, Deref, DerefMut, Default)]
pub(crate) struct Store(pub SignalStore);

/// Ingest counters for the status bar.
#[derive(Resource, Debug)]
pub(crate) struct IngestStats {
    /// Per-frame time budget for draining.
    pub(crate) budget: Duration,
    /// Samples ingested in the last drain.
    pub(crate) last_frame_samples: usize,
    /// Batches left waiting after the last drain (budget exhausted).
    pub(crate) pending_batches: usize,
    /// Smoothed samples per second.
    pub(crate) samples_per_sec: f64,
    window_start: Option<Instant>,
    window_samples: usize,
}

impl Default for IngestStats {
    fn default() -> Self {
        Self {
            budget: DEFAULT_DRAIN_BUDGET,
            last_frame_samples: 0,
            pending_batches: 0,
            samples_per_sec: 0.0,
            window_start: None,
            window_samples: 0,
        }
    }
}

impl IngestStats {
    fn record(&mut self, samples: usize, now: Instant) {
        self.last_frame_samples = samples;
        self.window_samples += samples;
        let start = *self.window_start.get_or_insert(now);
        let elapsed = now.duration_since(start).as_secs_f64();
        if elapsed >= 1.0 {
            self.samples_per_sec = self.window_samples as f64 / elapsed;
            self.window_start = Some(now);
            self.window_samples = 0;
        }
    }
}

/// Adds the channel, store and per-frame drain.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<IngestChannel>()
        .init_resource::<Store>()
        .init_resource::<IngestStats>()
        .add_systems(Update, drain_ingest_channel.in_set(Stage::Ingest))
        .add_plugins(crate::recording::plugin);
}

/// Moves batches from the channel into the store (and the recording, when one runs) until the
/// channel is empty or the budget is spent.
pub(crate) fn drain_ingest_channel(
    channel: Res<IngestChannel>,
    mut store: ResMut<Store>,
    mut stats: ResMut<IngestStats>,
    recording: Res<crate::recording::Recording>,
) {
    let started = Instant::now();
    let mut samples = 0;
    loop {
        if started.elapsed() >= stats.budget {
            break;
        }
        match channel.receiver.try_recv() {
            Ok(batch) => {
                samples += batch.len();
                recording.record(&batch, Timestamp::now());
                store.ingest(batch);
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        }
    }
    store.collect_garbage(twinscope_core::store::DEFAULT_GC_TIME_CAP);
    stats.pending_batches = channel.receiver.len();
    stats.record(samples, Instant::now());
}
