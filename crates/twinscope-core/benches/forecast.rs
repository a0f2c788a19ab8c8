//! Forecast update cost per sample against persistence and EWMA baselines in the same run,
//! and risk evaluation for 10,000 assets in one frame.
//!
//! - `update`: one sample into a [`Forecaster`] (damped Holt, fit every 120 samples over 240,
//!   8 error buckets), a whole [`SignalTracker`] (forecaster + validator + anomaly detector),
//!   persistence (store the last value) and an EWMA, each over the same noisy 1 Hz series;
//!   the forecaster's cost includes its amortised refits.
//! - `risk frame`: 10,000 assets with an H and an HH limit on their own 1 Hz signal (a whole
//!   tracker each, 600 s of history, so the anomaly term is read too), compared in one run:
//!   (a) every crossing and anomaly term computed and every asset scored, then ranked, from
//!   scratch; the ranking alone from model order; the [`RiskCache`] pass (b) after 170 signals
//!   took a sample (a live 60 fps frame of 1 Hz signals: 10,000 / 60), (c) with nothing new,
//!   and after all 10,000 took one (a second's worth).
//!
//! Run: `cargo bench --profile dev --bench forecast`.

// criterion_main! writes an undocumented `main`.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};
use twinscope_core::alarms::{AlarmSpec, LimitKind};
use twinscope_core::forecast::{ForecastConfig, Forecaster, SignalTracker, TrackerConfig};
use twinscope_core::risk::{RiskCache, RiskModel, RiskScore, rank};
use twinscope_core::signal::Timestamp;

const S: i64 = 1_000_000_000;
const ASSETS: usize = 10_000;
/// Samples in the replayed series (a multiple of the refit interval, so refits are counted).
const SERIES: usize = 12_000;

fn series() -> Vec<f64> {
    // A deterministic wobbly ramp with pseudo-random noise (no RNG crate needed).
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..SERIES)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            50.0 + 0.01 * i as f64 + 5.0 * (i as f64 / 300.0).sin() + noise
        })
        .collect()
}

fn config() -> ForecastConfig {
    ForecastConfig {
        period_s: Some(1.0),
        horizon_s: 120.0,
        ..ForecastConfig::default()
    }
}

fn update(c: &mut Criterion) {
    let values = series();
    let mut group = c.benchmark_group("update (12,000 samples)");
    group.sample_size(10);
    group.bench_function("persistence", |b| {
        b.iter(|| {
            let mut last = 0.0;
            for v in &values {
                last = black_box(*v);
            }
            last
        })
    });
    group.bench_function("ewma", |b| {
        b.iter(|| {
            let mut level = values[0];
            for v in &values {
                level += 0.1 * (black_box(*v) - level);
            }
            level
        })
    });
    group.bench_function("damped holt forecaster", |b| {
        b.iter(|| {
            let mut f = Forecaster::new(config());
            for (i, v) in values.iter().enumerate() {
                f.update(Timestamp(i as i64 * S), black_box(*v));
            }
            f.params()
        })
    });
    group.bench_function("tracker (forecast + validation + anomaly)", |b| {
        b.iter(|| {
            let mut t = SignalTracker::new(TrackerConfig::new(config()));
            for (i, v) in values.iter().enumerate() {
                t.update(Timestamp(i as i64 * S), black_box(*v), &mut |_| {});
            }
            t.validator.accuracy().scored
        })
    });
    group.finish();
}

/// Signals advanced per live frame: 10,000 signals at 1 Hz over 60 frames a second.
const PER_FRAME: usize = ASSETS / 60;

/// Asset `a`'s signal at sample `i`: the series shifted, offset and tilted per asset.
fn asset_value(values: &[f64], a: usize, i: usize) -> f64 {
    values[i % SERIES] + (a % 37) as f64 + 0.02 * (a % 11) as f64 * i as f64
}

fn risk(c: &mut Criterion) {
    let values = series();
    let history = 600;
    let mut trackers: Vec<SignalTracker> = (0..ASSETS)
        .map(|a| {
            let mut t = SignalTracker::new(TrackerConfig::new(config()));
            for i in 0..history {
                t.update(
                    Timestamp(i as i64 * S),
                    asset_value(&values, a, i),
                    &mut |_| {},
                );
            }
            t
        })
        .collect();
    let mut next = vec![history; ASSETS];
    let mut alarms = Vec::with_capacity(2 * ASSETS);
    for a in 0..ASSETS {
        let signal = format!("A-{a}.temperature");
        alarms.push(AlarmSpec::limit(&signal, LimitKind::High, 95.0));
        alarms.push(AlarmSpec::limit(&signal, LimitKind::HighHigh, 110.0));
    }
    let mut model = RiskModel::new(&alarms, &[]);
    // The viewer binds limits to signal indices once; here signal `A-i` is tracker i.
    model.bind_slots(&|id| id.as_str()[2..].split('.').next()?.parse().ok());
    let mut out: Vec<RiskScore> = Vec::new();
    let mut group = c.benchmark_group("risk frame (10,000 assets, 2 limits each)");
    group.sample_size(10);
    group.bench_function(
        "(a) full: crossings + anomaly terms + scores + ranking",
        |b| {
            b.iter(|| {
                model.evaluate_into(&trackers, &[], &mut out);
                rank(&mut out);
                black_box(out.first().map(|s| s.score))
            })
        },
    );
    model.evaluate_into(&trackers, &[], &mut out);
    group.bench_function("ranking alone (from model order)", |b| {
        b.iter_batched_ref(
            || out.clone(),
            |scores| {
                rank(scores);
                black_box(scores.first().map(|s| s.score))
            },
            criterion::BatchSize::LargeInput,
        )
    });
    let mut cache = RiskCache::new(model.clone());
    cache.evaluate(&trackers, &[]);
    // One sample more for `count` signals, round robin (not timed).
    let mut cursor = 0;
    let mut advance = |trackers: &mut Vec<SignalTracker>, count: usize| {
        for _ in 0..count {
            let a = cursor % ASSETS;
            let i = next[a];
            trackers[a].update(
                Timestamp(i as i64 * S),
                asset_value(&values, a, i),
                &mut |_| {},
            );
            next[a] += 1;
            cursor += 1;
        }
    };
    let mut timed_pass = |count: usize, iters: u64| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            advance(&mut trackers, count);
            let start = Instant::now();
            black_box(cache.evaluate(&trackers, &[]));
            total += start.elapsed();
        }
        total
    };
    group.bench_function("(b) cache: 170 signals advanced (a live frame)", |b| {
        b.iter_custom(|iters| timed_pass(PER_FRAME, iters))
    });
    group.bench_function("(c) cache: nothing new", |b| {
        b.iter_custom(|iters| timed_pass(0, iters))
    });
    group.bench_function("cache: all 10,000 advanced (a second's worth)", |b| {
        b.iter_custom(|iters| timed_pass(ASSETS, iters))
    });
    group.finish();
}

criterion_group!(benches, update, risk);
criterion_main!(benches);
