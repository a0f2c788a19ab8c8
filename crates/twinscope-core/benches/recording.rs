//! Opening and seeking a ≥ 1 GB recording against a naive linear scan, in the same run:
//! - `open`: `RecordingReader::open` (footer, summary groups, side index);
//! - the mcap crate's `SummaryReader`, which reads the whole summary (every chunk index, each
//!   listing every channel), for comparison with `open`;
//! - `open + latest_before(middle)`: what a replay does when the user drops the cursor mid-file;
//! - naive: read the file, stream every message with the mcap crate's `MessageStream`, keep
//!   each channel's last message at or before the same time.
//!
//! The recording is generated once (many demo plants side by side, one `DemoSimulator` per
//! unit) under the target dir's `tmp/` and reused by later runs. Figures are with the file in
//! the page cache. Run: `cargo bench --profile dev --bench recording`.

// criterion_main! writes an undocumented `main`.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use twinscope_core::demo::DemoSimulator;
use twinscope_core::recording::{RecordingMeta, RecordingReader, RecordingWriter};
use twinscope_core::signal::{Sample, SignalId, Timestamp};

/// Demo plants side by side: 50 × 20 signals = 1,000 signals.
const UNITS: usize = 50;
/// The recording must be at least this big.
const TARGET_BYTES: u64 = 1_000_000_000;
/// Simulated seconds per step of every unit.
const STEP_S: f64 = 1.0;
/// Timed repetitions of the fast measurements.
const REPS: usize = 30;
/// Runs of the naive scan (each reads the whole file).
const NAIVE_RUNS: usize = 2;
/// Bump when the generated data changes, so a stale cached file is not reused.
const VERSION: u32 = 1;
/// 2025-01-01T00:00:00Z.
const START: Timestamp = Timestamp(1_735_689_600_000_000_000);

fn main() {
    let path = recording_path();
    ensure_recording(&path);
    let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);

    let reader = RecordingReader::open(&path).expect("the cached recording opens");
    let (start, end) = reader.time_span().expect("the recording has samples");
    let middle = Timestamp(start.0 + (end.0 - start.0) / 2);
    println!(
        "recording: {} ({:.2} GB), {} chunks, {} signals, {} samples, {:.1} h of plant time",
        path.display(),
        len as f64 / 1e9,
        reader.chunk_count(),
        reader.signals().len(),
        reader.message_count(),
        end.secs_since(start) / 3600.0
    );
    drop(reader);

    let open = time_reps(|| {
        let reader = RecordingReader::open(&path).expect("open");
        std::hint::black_box(reader.chunk_count());
    });
    report("open", &open);

    let summary = time_reps(|| {
        std::hint::black_box(mcap_summary_chunks(&path));
    });
    report("mcap SummaryReader (all indexes)", &summary);

    let mut seek_result = Vec::new();
    let seek = time_reps(|| {
        let mut reader = RecordingReader::open(&path).expect("open");
        seek_result = reader.latest_before(middle).expect("latest_before");
    });
    report("open + latest_before(middle)", &seek);

    let mut naive_result = Vec::new();
    let mut naive = Vec::new();
    for _ in 0..NAIVE_RUNS {
        let started = Instant::now();
        naive_result = naive_latest_before(&path, middle);
        naive.push(started.elapsed());
    }
    report("naive MessageStream scan", &naive);

    assert_eq!(
        seek_result.len(),
        naive_result.len(),
        "same signals answered"
    );
    for (ours, theirs) in seek_result.iter().zip(&naive_result) {
        assert_eq!(
            (&ours.signal, ours.time, ours.value.to_bits()),
            (&theirs.signal, theirs.time, theirs.value.to_bits()),
            "latest_before agrees with the naive scan"
        );
    }
    println!(
        "latest_before agrees with the naive scan on all {} signals; open + seek is {:.0}× faster \
         (goal: ≤ 50 ms, median {:.1} ms)",
        seek_result.len(),
        median(&naive).as_secs_f64() / median(&seek).as_secs_f64(),
        median(&seek).as_secs_f64() * 1e3
    );
}

/// `target/tmp/recording-bench-v<VERSION>.mcap`.
fn recording_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("recording-bench-v{VERSION}.mcap"))
}

/// Writes the recording unless a complete one is already there. Written under a temporary
/// name and renamed when finished, so an interrupted run is never reused.
fn ensure_recording(path: &Path) {
    let complete = std::fs::metadata(path).is_ok_and(|m| m.len() >= TARGET_BYTES)
        && RecordingReader::open(path).is_ok_and(|r| r.problems().is_clean());
    if complete {
        println!("reusing {}", path.display());
        return;
    }
    let partial = path.with_extension("mcap.partial");
    println!(
        "generating {} ({} demo plants, ≥ {} GB; once)…",
        path.display(),
        UNITS,
        TARGET_BYTES / 1_000_000_000
    );
    let started = Instant::now();
    let meta = RecordingMeta {
        scene: format!("{UNITS} demo plants"),
        source: "benches/recording.rs".into(),
        start_time: START,
        signals: Vec::new(),
    };
    let mut writer = RecordingWriter::create(&partial, &meta).expect("create the recording");
    let mut units: Vec<(DemoSimulator, HashMap<SignalId, SignalId>)> = (0..UNITS)
        .map(|u| (DemoSimulator::new(u as u64 + 1, START), HashMap::new()))
        .collect();
    let mut batch: Vec<Sample> = Vec::new();
    let mut step: u64 = 0;
    let mut last_flush = Instant::now();
    while writer.bytes() < TARGET_BYTES {
        for (u, (sim, names)) in units.iter_mut().enumerate() {
            batch.clear();
            sim.advance(STEP_S, &mut batch);
            for sample in &batch {
                let id = names
                    .entry(sample.signal.clone())
                    .or_insert_with(|| SignalId::new(format!("U{u:02}/{}", sample.signal)))
                    .clone();
                // Four decimals, as transmitters send; received 2–40 ms later.
                let value = (sample.value * 1e4).round() / 1e4;
                let latency = 2_000_000 + (step * 7_919 + u as u64 * 104_729) % 38_000_000;
                let received = Timestamp(sample.time.0 + latency as i64);
                writer
                    .write(&Sample::new(id, sample.time, value), received)
                    .expect("write");
            }
        }
        step += 1;
        // The recorder ends a chunk every second of wall time; so does this.
        if last_flush.elapsed() >= Duration::from_secs(1) {
            writer.flush_chunk().expect("flush");
            last_flush = Instant::now();
        }
    }
    let stats = writer.finish().expect("finish");
    std::fs::rename(&partial, path).expect("rename the finished recording");
    println!(
        "generated {} samples, {} chunks, {:.2} GB in {:.0} s",
        stats.samples,
        stats.chunks,
        stats.bytes as f64 / 1e9,
        started.elapsed().as_secs_f64()
    );
}

/// The whole summary through the mcap crate, as a generic indexed reader opens a file.
fn mcap_summary_chunks(path: &Path) -> usize {
    use mcap::sans_io::{SummaryReadEvent, SummaryReader};
    use std::io::{Read, Seek};
    let mut file = std::fs::File::open(path).expect("open");
    let mut reader = SummaryReader::new();
    while let Some(event) = reader.next_event() {
        match event.expect("summary") {
            SummaryReadEvent::ReadRequest(need) => {
                let read = file.read(reader.insert(need)).expect("read");
                reader.notify_read(read);
            }
            SummaryReadEvent::SeekRequest(to) => {
                reader.notify_seeked(file.seek(to).expect("seek"));
            }
        }
    }
    reader.finish().map_or(0, |s| s.chunk_indexes.len())
}

/// The baseline: every message of the file through the mcap crate's `MessageStream`,
/// keeping each channel's last one at or before `t`.
fn naive_latest_before(path: &Path, t: Timestamp) -> Vec<Sample> {
    let bytes = std::fs::read(path).expect("read the recording");
    let mut best: HashMap<u16, (u64, std::sync::Arc<mcap::Channel<'static>>, Vec<u8>)> =
        HashMap::new();
    let t = t.0 as u64;
    for message in mcap::MessageStream::new(&bytes).expect("stream") {
        let message = message.expect("message");
        if message.publish_time > t {
            continue;
        }
        let entry = best.get(&message.channel.id);
        if entry.is_none_or(|(time, _, _)| message.publish_time >= *time) {
            best.insert(
                message.channel.id,
                (
                    message.publish_time,
                    message.channel.clone(),
                    message.data.into_owned(),
                ),
            );
        }
    }
    let mut out: Vec<Sample> = best
        .into_values()
        .map(|(time, channel, data)| {
            let id = channel
                .metadata
                .get("signal")
                .cloned()
                .unwrap_or_else(|| channel.topic.clone());
            let value =
                twinscope_core::recording::format::decode_value(&data).expect("a sample body");
            Sample::new(SignalId::new(id), Timestamp(time as i64), value)
        })
        .collect();
    out.sort_by(|a, b| a.signal.cmp(&b.signal));
    out
}

fn time_reps(mut f: impl FnMut()) -> Vec<Duration> {
    f(); // warm-up
    (0..REPS)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect()
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn report(name: &str, times: &[Duration]) {
    let min = times.iter().min().copied().unwrap_or_default();
    let max = times.iter().max().copied().unwrap_or_default();
    println!(
        "{name:32} median {:>10.3} ms   min {:>10.3} ms   max {:>10.3} ms   ({} runs)",
        median(times).as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        times.len()
    );
}
