//! History store speed and size against naive baselines in the same run:
//! - compression: bytes per sealed sample on the demo plant's signals (values at 4 decimals as
//!   `publish_demo` sends them), with 1 ms times plus jitter, and the worst cases (ns-jittered
//!   times; full-precision values); baseline 16 B/sample. Criterion cannot measure bytes, so
//!   these are printed before the timed groups;
//! - ingest: in-order samples into `SignalHistory` (sealing and compressing included) vs pushing
//!   onto a `Vec<(i64, f64)>`;
//! - one scrub frame: latest-at across 10,000 signals at a historical time (inside sealed
//!   chunks), with the cursor paused, playing, dragged or jumping, vs a binary search of
//!   uncompressed `Vec`s (what the old plain history did) and a full scan of each signal's
//!   `Vec`; plus the live case (cursor past the newest);
//! - the density strip: `count_in` for 200 buckets on 100 signals vs counting by filter.
//!
//! Run: `cargo bench --profile dev --bench history`.

// criterion_main! writes an undocumented `main`.
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;
use twinscope_core::demo::DemoSimulator;
use twinscope_core::history::SignalHistory;
use twinscope_core::signal::{Sample, SignalId, Timestamp};
use twinscope_core::store::SignalStore;

/// Signals in the scrub benchmark (the roadmap's 10,000 live assets).
const SIGNALS: usize = 10_000;
/// Samples per signal in the scrub benchmark: two sealed chunks and part of an open one.
const SAMPLES_PER_SIGNAL: usize = 2_500;
/// Samples in the ingest benchmark.
const INGEST_SAMPLES: usize = 1_000_000;
/// Simulated hours for the compression figures.
const COMPRESSION_HOURS: f64 = 6.0;
/// A plausible epoch start (2023-11-14), so times have realistic magnitudes.
const EPOCH_NS: i64 = 1_700_000_000_000_000_000;

/// How sample times are stamped.
#[derive(Clone, Copy)]
enum Stamping {
    /// Millisecond resolution with ±3 ms of publishing jitter (what an MQTT source stamps).
    MillisJitter,
    /// Nanosecond resolution with up to 2 ms of jitter: the worst case for times.
    NanosJitter,
}

/// One signal's time and value columns.
struct Series {
    id: String,
    times: Vec<i64>,
    values: Vec<f64>,
}

/// Demo-plant signals over `seconds`, values rounded to `decimals` (None: full precision).
fn demo_series(seconds: f64, stamping: Stamping, decimals: Option<i32>) -> Vec<Series> {
    let mut sim = DemoSimulator::new(7, Timestamp(EPOCH_NS));
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut by_id: BTreeMap<String, Series> = BTreeMap::new();
    let mut out = Vec::new();
    let mut elapsed = 0.0;
    while elapsed < seconds {
        out.clear();
        sim.advance(60.0, &mut out);
        elapsed += 60.0;
        for sample in &out {
            let time = match stamping {
                Stamping::MillisJitter => {
                    let ms = (sample.time.0 as f64 / 1e6).round() as i64;
                    (ms + rng.random_range(-3..=3)) * 1_000_000
                }
                Stamping::NanosJitter => sample.time.0 + rng.random_range(0..2_000_000),
            };
            let value = match decimals {
                Some(d) => {
                    let scale = 10f64.powi(d);
                    (sample.value * scale).round() / scale
                }
                None => sample.value,
            };
            let series = by_id
                .entry(sample.signal.as_str().to_owned())
                .or_insert_with(|| Series {
                    id: sample.signal.as_str().to_owned(),
                    times: Vec::new(),
                    values: Vec::new(),
                });
            series.times.push(time);
            series.values.push(value);
        }
    }
    by_id.into_values().collect()
}

fn history_of(series: &Series) -> SignalHistory {
    let mut history = SignalHistory::default();
    for (&t, &v) in series.times.iter().zip(&series.values) {
        history.insert(Timestamp(t), v);
    }
    history
}

/// Prints bytes per sealed sample for one stamping/rounding; returns the overall figure.
fn report_compression(label: &str, series: &[Series], per_signal: bool) -> f64 {
    let (mut samples, mut bytes, mut held, mut total) = (0, 0, 0, 0);
    for s in series {
        let history = history_of(s);
        samples += history.sealed_samples();
        bytes += history.sealed_bytes();
        held += history.memory_bytes();
        total += history.len();
        if per_signal {
            println!(
                "    {:<18} {:>6} sealed samples  {:5.2} B/sample",
                s.id,
                history.sealed_samples(),
                history.sealed_bytes() as f64 / history.sealed_samples().max(1) as f64
            );
        }
    }
    let per_sample = bytes as f64 / samples.max(1) as f64;
    println!(
        "  {label}: {per_sample:.2} B per sealed sample ({samples} sealed samples, {bytes} B; \
         baseline 16 B, {:.1}x smaller); all held incl. open chunks: {:.2} B/sample",
        16.0 / per_sample,
        held as f64 / total.max(1) as f64
    );
    per_sample
}

fn compression(_c: &mut Criterion) {
    let seconds = COMPRESSION_HOURS * 3600.0;
    println!("\nhistory compression: demo plant, {COMPRESSION_HOURS} simulated hours, 20 signals");
    let realistic = demo_series(seconds, Stamping::MillisJitter, Some(4));
    report_compression(
        "realistic (1 ms times ±3 ms jitter, 4 decimals)",
        &realistic,
        true,
    );
    let ns = demo_series(seconds, Stamping::NanosJitter, Some(4));
    report_compression("worst-case times (ns jitter, 4 decimals)", &ns, false);
    let full = demo_series(seconds, Stamping::MillisJitter, None);
    report_compression(
        "full-precision values (1 ms times, raw doubles)",
        &full,
        false,
    );
    let worst = demo_series(seconds, Stamping::NanosJitter, None);
    report_compression("full-precision values and ns times", &worst, false);
    println!();
}

/// `INGEST_SAMPLES` in-order samples: one realistic signal repeated end to end.
fn realistic_stream() -> Vec<(i64, f64)> {
    let series = demo_series(4.0 * 3600.0, Stamping::MillisJitter, Some(4));
    let flow = series
        .iter()
        .find(|s| s.id == "P-101.flow")
        .unwrap_or(&series[0]);
    let span = flow.times.last().unwrap_or(&0) - flow.times[0] + 500_000_000;
    (0..INGEST_SAMPLES)
        .map(|i| {
            let (lap, at) = (i / flow.times.len(), i % flow.times.len());
            (flow.times[at] + lap as i64 * span, flow.values[at])
        })
        .collect()
}

/// `INGEST_SAMPLES` full-precision samples with ns jitter (the Gorilla path).
fn synthetic_stream() -> Vec<(i64, f64)> {
    (0..INGEST_SAMPLES as i64)
        .map(|i| {
            let t = EPOCH_NS + i * 1_000_000_000 + (i * 7919) % 1_000_000;
            (t, 50.0 + (i as f64 * 0.01).sin() * 10.0)
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let realistic = realistic_stream();
    let synthetic = synthetic_stream();
    let mut group = c.benchmark_group("history_ingest");
    group.throughput(Throughput::Elements(INGEST_SAMPLES as u64));
    for (name, stream) in [("realistic", &realistic), ("full_precision", &synthetic)] {
        group.bench_function(format!("signal_history_{name}"), |b| {
            b.iter_batched(
                SignalHistory::default,
                |mut history| {
                    for &(t, v) in stream {
                        history.insert(Timestamp(t), v);
                    }
                    history
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.bench_function("naive_vec", |b| {
        b.iter_batched(
            Vec::new,
            |mut samples: Vec<(i64, f64)>| {
                for &(t, v) in &realistic {
                    samples.push((t, v));
                }
                samples
            },
            BatchSize::LargeInput,
        )
    });
    // The app's path: batches of samples for 20 signals through the store's id lookup.
    let ids: Vec<SignalId> = (0..20).map(|i| SignalId::new(format!("s{i}"))).collect();
    let batch: Vec<Sample> = realistic
        .iter()
        .enumerate()
        .map(|(i, &(t, v))| Sample::new(ids[i % 20].clone(), Timestamp(t), v))
        .collect();
    group.bench_function("signal_store_20_signals", |b| {
        b.iter_batched(
            || (SignalStore::new(ids.clone()), batch.clone()),
            |(mut store, batch)| {
                store.ingest(batch);
                store
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// 10,000 realistic signals of `SAMPLES_PER_SIGNAL` samples each, as histories and as plain
/// `Vec`s; the demo's 20 series are reused with per-signal time phases and value rotations.
fn scrub_data() -> (Vec<SignalHistory>, Vec<Vec<(i64, f64)>>) {
    let series = demo_series(2_600.0, Stamping::MillisJitter, Some(4));
    let mut histories = Vec::with_capacity(SIGNALS);
    let mut plain = Vec::with_capacity(SIGNALS);
    for signal in 0..SIGNALS {
        let s = &series[signal % series.len()];
        let n = s.times.len().min(SAMPLES_PER_SIGNAL);
        let phase = (signal as i64 * 7919 % 1000) * 1_000_000;
        let rotate = signal / series.len();
        let mut history = SignalHistory::default();
        let mut samples = Vec::with_capacity(n);
        for i in 0..n {
            let t = s.times[i] + phase;
            let v = s.values[(i + rotate) % n];
            history.insert(Timestamp(t), v);
            samples.push((t, v));
        }
        histories.push(history);
        plain.push(samples);
    }
    (histories, plain)
}

/// How the time cursor moves from one frame to the next.
#[derive(Clone, Copy)]
enum Cursor {
    /// Paused at a historical time: the same time every frame.
    Paused,
    /// Playing at 1× at 60 fps: 16.7 ms further each frame.
    Playing,
    /// Dragged along the timeline: 1.7 s further each frame.
    Dragging,
    /// Clicked anywhere: an unrelated time each frame (nothing reusable).
    Jumping,
}

impl Cursor {
    /// The cursor time of frame `frame`, inside the first 480 s (every signal's first sealed
    /// chunk).
    fn at(self, frame: i64) -> Timestamp {
        const START: i64 = EPOCH_NS + 20_000_000_000;
        const SPAN: i64 = 480_000_000_000;
        let offset = match self {
            Cursor::Paused => SPAN / 3 + 12_345,
            Cursor::Playing => (frame * 16_666_667) % SPAN,
            Cursor::Dragging => (frame * 1_733_000_000) % SPAN,
            Cursor::Jumping => {
                (frame.wrapping_mul(0x9E37_79B9_7F4A_7C15u64 as i64) >> 24).rem_euclid(SPAN)
            }
        };
        Timestamp(START + offset)
    }
}

fn scrub_frame(c: &mut Criterion) {
    let (histories, plain) = scrub_data();
    let sealed: usize = histories.iter().map(SignalHistory::sealed_samples).sum();
    let held: usize = histories.iter().map(SignalHistory::len).sum();
    println!("scrub data: {SIGNALS} signals, {held} samples, {sealed} in sealed chunks");
    let mut group = c.benchmark_group("latest_at_10k_signals");
    group.throughput(Throughput::Elements(SIGNALS as u64));
    for (name, cursor) in [
        ("paused", Cursor::Paused),
        ("playing", Cursor::Playing),
        ("dragging", Cursor::Dragging),
        ("jumping", Cursor::Jumping),
    ] {
        let mut frame = 0;
        group.bench_function(format!("{name}/signal_history"), |b| {
            b.iter(|| {
                frame += 1;
                let t = cursor.at(frame);
                let mut sum = 0.0;
                for history in &histories {
                    if let Some((_, v)) = history.latest_at(black_box(t)) {
                        sum += v;
                    }
                }
                sum
            })
        });
        let mut frame = 0;
        group.bench_function(format!("{name}/plain_vec_binary_search"), |b| {
            b.iter(|| {
                frame += 1;
                let t = cursor.at(frame);
                let mut sum = 0.0;
                for samples in &plain {
                    let at = samples.partition_point(|s| s.0 <= black_box(t).0);
                    if let Some((_, v)) = at.checked_sub(1).map(|i| samples[i]) {
                        sum += v;
                    }
                }
                sum
            })
        });
    }
    group.bench_function("live/signal_history", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for history in &histories {
                if let Some((_, v)) = history.latest_at(black_box(Timestamp(i64::MAX))) {
                    sum += v;
                }
            }
            sum
        })
    });
    group.sample_size(10);
    let mut frame = 0;
    group.bench_function("dragging/naive_full_scan", |b| {
        b.iter(|| {
            frame += 1;
            let t = Cursor::Dragging.at(frame);
            let mut sum = 0.0;
            for samples in &plain {
                let latest = samples
                    .iter()
                    .filter(|(s, _)| *s <= black_box(t).0)
                    .max_by_key(|(s, _)| *s);
                if let Some((_, v)) = latest {
                    sum += v;
                }
            }
            sum
        })
    });
    group.finish();

    // The timeline's density strip: 200 buckets across the whole span for 100 signals.
    let (start, end) = (EPOCH_NS, EPOCH_NS + 2_600_000_000_000);
    let step = (end - start) / 200;
    let mut group = c.benchmark_group("density_strip_100_signals_200_buckets");
    group.throughput(Throughput::Elements(100 * 200));
    group.bench_function("count_in", |b| {
        b.iter(|| {
            let mut total = 0;
            for history in &histories[..100] {
                for k in 0..200 {
                    let from = Timestamp(start + k * step);
                    total += history.count_in(from..Timestamp(from.0 + step));
                }
            }
            total
        })
    });
    group.bench_function("naive_filter", |b| {
        b.iter(|| {
            let mut total = 0;
            for samples in &plain[..100] {
                for k in 0..200 {
                    let (from, to) = (start + k * step, start + (k + 1) * step);
                    total += samples.iter().filter(|s| (from..to).contains(&s.0)).count();
                }
            }
            total
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4));
    targets = compression, ingest, scrub_frame
}
criterion_main!(benches);
