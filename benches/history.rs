//! History store speed against naive baselines in the same run:
//! - ingest: in-order samples into `SignalHistory` vs pushing onto a `Vec<(i64, f64)>`;
//! - one scrub frame: latest-at across 10,000 signals vs a full scan of each signal's `Vec`.
//!
//! Run: `cargo bench --profile dev --bench history`.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use twinscope::core::history::SignalHistory;
use twinscope::core::signal::Timestamp;

/// Signals in the scrub benchmark (the roadmap's 10,000 live assets).
const SIGNALS: usize = 10_000;
/// Samples per signal in the scrub benchmark.
const SAMPLES_PER_SIGNAL: i64 = 500;
/// Samples in the ingest benchmark.
const INGEST_SAMPLES: i64 = 1_000_000;
/// Sample spacing: 1 s in nanoseconds, with a little jitter.
const PERIOD_NS: i64 = 1_000_000_000;

fn time(i: i64, signal: usize) -> i64 {
    i * PERIOD_NS + ((i * 7919 + signal as i64 * 104_729) % 1_000_000)
}

fn value(i: i64) -> f64 {
    50.0 + (i as f64 * 0.01).sin() * 10.0
}

fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("history_ingest");
    group.throughput(Throughput::Elements(INGEST_SAMPLES as u64));
    group.bench_function("signal_history", |b| {
        b.iter_batched(
            SignalHistory::default,
            |mut history| {
                for i in 0..INGEST_SAMPLES {
                    history.insert(Timestamp(time(i, 0)), value(i));
                }
                history
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("naive_vec", |b| {
        b.iter_batched(
            Vec::new,
            |mut samples: Vec<(i64, f64)>| {
                for i in 0..INGEST_SAMPLES {
                    samples.push((time(i, 0), value(i)));
                }
                samples
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn scrub_frame(c: &mut Criterion) {
    let mut histories = Vec::with_capacity(SIGNALS);
    let mut naive = Vec::with_capacity(SIGNALS);
    for signal in 0..SIGNALS {
        let mut history = SignalHistory::default();
        let mut samples = Vec::with_capacity(SAMPLES_PER_SIGNAL as usize);
        for i in 0..SAMPLES_PER_SIGNAL {
            history.insert(Timestamp(time(i, signal)), value(i));
            samples.push((time(i, signal), value(i)));
        }
        histories.push(history);
        naive.push(samples);
    }
    // The cursor somewhere in the middle of the recorded span.
    let cursor = Timestamp(SAMPLES_PER_SIGNAL / 3 * PERIOD_NS + 12_345);
    let mut group = c.benchmark_group("latest_at_10k_signals");
    group.throughput(Throughput::Elements(SIGNALS as u64));
    group.bench_function("signal_history", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for history in &histories {
                if let Some((_, v)) = history.latest_at(black_box(cursor)) {
                    sum += v;
                }
            }
            sum
        })
    });
    group.bench_function("naive_full_scan", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for samples in &naive {
                let latest = samples
                    .iter()
                    .filter(|(t, _)| *t <= black_box(cursor).0)
                    .max_by_key(|(t, _)| *t);
                if let Some((_, v)) = latest {
                    sum += v;
                }
            }
            sum
        })
    });
    group.finish();
}

criterion_group!(benches, ingest, scrub_frame);
criterion_main!(benches);
