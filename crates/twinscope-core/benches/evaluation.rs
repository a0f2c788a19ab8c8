//! Rules + alarms + sensor health for 10,000 assets × 3 signals, one frame, against evaluating
//! everything from scratch each frame (the goal: ≤ 2 ms on one core).
//!
//! The plant: every asset has a temperature (colour bands, H and HH alarms with deadband and
//! an on-delay), a current (H alarm) and a level (LL alarm); every signal is health-checked
//! (stale, range, flatline, spikes). History: `HISTORY_S` seconds at 1 Hz per signal.
//!
//! One frame, as the viewer runs it:
//! - **incremental** (what twinscope does): the alarm engine processes only the samples that
//!   arrived since the last frame; each signal's health tracker steps only past its new sample;
//!   rule colours read the latest-at cache; then every asset's colour, alarm summary and health
//!   are read at the view time;
//! - **from scratch** (the baseline): rule colours from latest-at, every alarm replayed over its
//!   whole history by a new engine, every signal's health evaluated fresh from its window.
//!
//! Frames: `live` (1 Hz signals at 60 frames/s: 1/60 of the signals get a new sample each
//! frame) and `paused` (nothing new). Run: `cargo bench --profile dev --bench evaluation`.

// criterion_main! writes an undocumented `main`.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};
use twinscope_core::alarms::{AlarmEngine, AlarmSpec, LimitKind};
use twinscope_core::freshness::LinkState;
use twinscope_core::health::{
    FlatlineSpec, HealthSpec, HealthTracker, SignalHealth, SpikeSpec, ViewAt,
};
use twinscope_core::rules::{RuleColor, ThresholdRule};
use twinscope_core::signal::{Sample, SignalId, Timestamp};
use twinscope_core::store::{SignalIndex, SignalStore};

/// Assets (the roadmap's 10,000 live assets).
const ASSETS: usize = 10_000;
/// Signals per asset.
const SIGNALS_PER_ASSET: usize = 3;
/// Seconds of 1 Hz history before the measured frames.
const HISTORY_S: i64 = 120;
/// Frames per second the viewer runs at: 1/FPS of the 1 Hz signals update each frame.
const FPS: usize = 60;
const S: i64 = 1_000_000_000;
const EPOCH_NS: i64 = 1_700_000_000_000_000_000;

/// The synthetic plant with its history and evaluation state.
struct Plant {
    store: SignalStore,
    rules: Vec<(SignalIndex, ThresholdRule)>,
    alarm_specs: Vec<AlarmSpec>,
    alarms: AlarmEngine,
    health_specs: Vec<(SignalIndex, HealthSpec)>,
    trackers: Vec<HealthTracker>,
    /// Next 1 Hz tick to publish, per signal (signals are staggered across the second).
    next_tick: i64,
    now: Timestamp,
}

fn signal_ids() -> Vec<SignalId> {
    let mut ids = Vec::with_capacity(ASSETS * SIGNALS_PER_ASSET);
    for asset in 0..ASSETS {
        for quantity in ["temperature", "current", "level"] {
            ids.push(SignalId::new(format!("A-{asset:05}.{quantity}")));
        }
    }
    ids
}

/// A value with slow drift, noise-like wiggle and, for some temperatures, excursions into
/// alarm, so the engine has transitions to make.
fn value(signal: usize, tick: i64) -> f64 {
    let phase = (signal as f64) * 0.37 + tick as f64 * 0.05;
    let wiggle = ((tick as f64) * 1.3 + signal as f64).sin() * 0.8;
    match signal % SIGNALS_PER_ASSET {
        0 => 70.0 + 30.0 * phase.sin() + wiggle,
        1 => 25.0 + 5.0 * phase.cos() + wiggle,
        _ => 50.0 + 45.0 * (phase * 0.3).sin() + wiggle,
    }
}

/// The samples of `tick` (1 Hz) for the signals whose stagger slot is `slot` of `slots`.
fn tick_samples(ids: &[SignalId], tick: i64, slot: usize, slots: usize) -> Vec<Sample> {
    let base = EPOCH_NS + tick * S;
    (slot..ids.len())
        .step_by(slots)
        .map(|i| {
            let offset = (i % slots) as i64 * (S / slots as i64);
            Sample::new(ids[i].clone(), Timestamp(base + offset), value(i, tick))
        })
        .collect()
}

fn alarm_specs() -> Vec<AlarmSpec> {
    let mut specs = Vec::with_capacity(ASSETS * 4);
    for asset in 0..ASSETS {
        let tag = format!("A-{asset:05}");
        let mut add = |quantity: &str, kind, limit| {
            let mut spec = AlarmSpec::limit(&format!("{tag}.{quantity}"), kind, limit);
            spec.deadband = 1.0;
            spec.on_delay_ns = 3 * S;
            spec.asset = Some(tag.clone());
            specs.push(spec);
        };
        add("temperature", LimitKind::High, 95.0);
        add("temperature", LimitKind::HighHigh, 99.0);
        add("current", LimitKind::High, 29.0);
        add("level", LimitKind::LowLow, 8.0);
    }
    specs
}

fn health_spec(signal: SignalId) -> HealthSpec {
    HealthSpec {
        signal,
        period_s: 1.0,
        stale_after_s: Some(3.0),
        range: Some([-1.0, 151.0]),
        flatline: Some(FlatlineSpec {
            after_s: 60.0,
            min_samples: 30,
            tolerance: 0.0,
        }),
        spike: Some(SpikeSpec {
            z: 6.0,
            window: 30,
            hold_s: 10.0,
            mad_floor: 0.05,
        }),
    }
}

impl Plant {
    fn new() -> Self {
        let ids = signal_ids();
        let mut store = SignalStore::new(ids.clone());
        for tick in 0..HISTORY_S {
            store.ingest(tick_samples(&ids, tick, 0, 1));
        }
        let index = |id: &SignalId| store.index_of(id).expect("declared");
        let rules = (0..ASSETS)
            .map(|asset| {
                let rule = ThresholdRule::new(
                    vec![80.0, 95.0],
                    vec![
                        RuleColor([0x3f, 0xa3, 0x4d]),
                        RuleColor([0xe8, 0xa3, 0x3d]),
                        RuleColor([0xd6, 0x45, 0x41]),
                    ],
                )
                .expect("valid rule");
                (index(&ids[asset * SIGNALS_PER_ASSET]), rule)
            })
            .collect();
        let health_specs: Vec<_> = ids
            .iter()
            .map(|id| (index(id), health_spec(id.clone())))
            .collect();
        let alarm_specs = alarm_specs();
        let mut alarms = AlarmEngine::new(alarm_specs.clone(), &mut store);
        alarms.update(&mut store);
        let now = Timestamp(EPOCH_NS + HISTORY_S * S);
        let mut plant = Plant {
            store,
            rules,
            alarm_specs,
            alarms,
            trackers: vec![HealthTracker::new(); health_specs.len()],
            health_specs,
            next_tick: HISTORY_S,
            now,
        };
        plant.evaluate_incremental();
        plant
    }

    /// Publishes the next frame's share of samples (1/FPS of the signals) and moves time on.
    fn publish_frame(&mut self, ids: &[SignalId], frame: usize) {
        let slot = frame % FPS;
        self.store
            .ingest(tick_samples(ids, self.next_tick, slot, FPS));
        if slot == FPS - 1 {
            self.next_tick += 1;
        }
        self.now = Timestamp(self.now.0 + S / FPS as i64);
    }

    /// What the viewer does each frame; returns a checksum so nothing is optimised away.
    fn evaluate_incremental(&mut self) -> u64 {
        self.incremental_rules() + self.incremental_alarms() + self.incremental_health()
    }

    /// Rule colours of every asset from the latest-at cache.
    fn incremental_rules(&mut self) -> u64 {
        let mut checksum = 0u64;
        for (index, rule) in &self.rules {
            let value = self.store.value_at(*index, Timestamp(i64::MAX));
            checksum += u64::from(rule.color(value.map(|v| v.value)).0[0]);
        }
        checksum
    }

    /// New samples into the alarm journals, then every asset's alarm summary at the view time.
    fn incremental_alarms(&mut self) -> u64 {
        self.alarms.update(&mut self.store);
        let mut checksum = 0u64;
        for asset in 0..self.alarms.assets().len() {
            let counts = self.alarms.asset_status_at(asset, self.now, true);
            checksum += u64::from(counts.active + counts.unacknowledged);
        }
        checksum
    }

    /// Every signal's health through its tracker.
    fn incremental_health(&mut self) -> u64 {
        let mut checksum = 0u64;
        let at = ViewAt::live(self.now);
        for ((index, spec), tracker) in self.health_specs.iter().zip(&mut self.trackers) {
            if let Some(history) = self.store.history(*index) {
                let health = tracker.evaluate(history, spec, at, LinkState::Up);
                checksum += u64::from(!health.is_healthy());
            }
        }
        checksum
    }

    /// The baseline: everything recomputed from the history alone.
    fn evaluate_from_scratch(&mut self) -> u64 {
        let mut checksum = 0u64;
        let at = ViewAt::live(self.now);
        for (index, rule) in &self.rules {
            let value = self.store.value_at(*index, Timestamp(i64::MAX));
            checksum += u64::from(rule.color(value.map(|v| v.value)).0[0]);
        }
        let mut alarms = AlarmEngine::new(self.alarm_specs.clone(), &mut self.store);
        alarms.update(&mut self.store);
        for asset in 0..alarms.assets().len() {
            let counts = alarms.asset_status_at(asset, self.now, true);
            checksum += u64::from(counts.active + counts.unacknowledged);
        }
        self.store.unwatch_changes(alarms.watcher());
        for (index, spec) in &self.health_specs {
            if let Some(history) = self.store.history(*index) {
                let health = SignalHealth::evaluate(history, spec, at, LinkState::Up);
                checksum += u64::from(!health.is_healthy());
            }
        }
        checksum
    }
}

/// Times `work` over `iterations` live frames, each after that frame's share of new samples
/// (publishing is not timed). With `alarms_first` the alarm journals take in the new samples
/// untimed first, so a part that runs after them is timed alone.
fn time_live_frames(
    plant: &mut Plant,
    ids: &[SignalId],
    frame_no: &mut usize,
    iterations: u64,
    alarms_first: bool,
    work: fn(&mut Plant) -> u64,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        plant.publish_frame(ids, *frame_no);
        *frame_no += 1;
        if alarms_first {
            plant.alarms.update(&mut plant.store);
        }
        let started = Instant::now();
        black_box(work(plant));
        total += started.elapsed();
    }
    total
}

fn frame(c: &mut Criterion) {
    let ids = signal_ids();
    let mut plant = Plant::new();
    assert_eq!(
        plant.evaluate_incremental(),
        plant.evaluate_from_scratch(),
        "incremental and from-scratch evaluation must agree"
    );
    let mut group = c.benchmark_group("evaluation: one frame, 10,000 assets × 3 signals");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    let mut frame_no = 0usize;
    for (name, alarms_first, work) in [
        (
            "incremental, live (1/60 of signals new)",
            false,
            Plant::evaluate_incremental as fn(&mut Plant) -> u64,
        ),
        (
            "incremental, live: rules only",
            true,
            Plant::incremental_rules,
        ),
        (
            "incremental, live: alarms only",
            false,
            Plant::incremental_alarms,
        ),
        (
            "incremental, live: health only",
            true,
            Plant::incremental_health,
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|n| {
                time_live_frames(&mut plant, &ids, &mut frame_no, n, alarms_first, work)
            })
        });
    }
    group.bench_function("incremental, paused (nothing new)", |b| {
        b.iter(|| black_box(plant.evaluate_incremental()))
    });
    group.bench_function("incremental, paused: rules only", |b| {
        b.iter(|| black_box(plant.incremental_rules()))
    });
    group.bench_function("incremental, paused: alarms only", |b| {
        b.iter(|| black_box(plant.incremental_alarms()))
    });
    group.bench_function("incremental, paused: health only", |b| {
        b.iter(|| black_box(plant.incremental_health()))
    });
    group.sample_size(10);
    println!(
        "history before the from-scratch frames: {} s per signal (its cost grows with it)",
        plant.next_tick
    );
    group.bench_function("from scratch, live (1/60 of signals new)", |b| {
        b.iter_custom(|n| {
            let work = Plant::evaluate_from_scratch;
            time_live_frames(&mut plant, &ids, &mut frame_no, n, false, work)
        })
    });
    group.finish();
}

criterion_group!(benches, frame);
criterion_main!(benches);
