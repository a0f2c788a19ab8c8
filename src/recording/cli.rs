//! `twinscope record` and `twinscope info`: the headless ends of recording, no window, no Bevy
//! app. `main.rs` parses flags and prints; the work and the wording are here.

use super::problems::SummaryStatus;
use super::reader::RecordingReader;
use super::writer::RecordingWriter;
use super::{RecordingError, RecordingMeta, RecordingStats, format_utc, span_line};
use crate::core::signal::Timestamp;
use crate::sources::start::{SourceOptions, start_source};
use anyhow::Context;
use crossbeam_channel::RecvTimeoutError;
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long the record loop waits for a batch before checking the clock and the signals.
const POLL: Duration = Duration::from_millis(100);

/// What `twinscope record` was asked to do.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    /// The scene whose source to record.
    pub scene: PathBuf,
    /// Source flags, as the viewer takes them.
    pub source: SourceOptions,
    /// The MCAP file to write.
    pub out: PathBuf,
    /// Stop after this long (default: until SIGINT/SIGTERM).
    pub duration: Option<Duration>,
    /// Overwrite `out` if it exists.
    pub force: bool,
}

/// Why recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// `--duration` elapsed.
    Duration,
    /// SIGINT or SIGTERM.
    Signal,
    /// The source closed its channel.
    SourceEnded,
}

/// Records the scene's source into `options.out` until the duration elapses or a signal
/// arrives, then finishes the file. Returns the summary to print.
pub fn record(options: &RecordOptions) -> anyhow::Result<String> {
    if options.out.exists() && !options.force {
        anyhow::bail!(
            "{} already exists; pass --force to overwrite it",
            options.out.display()
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second Ctrl-C exits at once, in case finishing hangs.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
    }
    let active = crate::app::load_active_scene(&options.scene)?;
    let (sender, receiver) = crossbeam_channel::bounded(crate::ingest::CHANNEL_CAPACITY);
    let source = start_source(&active.scene, &options.scene, &options.source, sender)?;
    for warning in &source.warnings {
        eprintln!("warning: {warning}");
    }
    let meta = RecordingMeta::for_scene(&active.scene, source.info.description.clone());
    let mut writer = RecordingWriter::create(&options.out, &meta)?;

    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} recording to {prefix}: {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_prefix(options.out.display().to_string());
    spinner.enable_steady_tick(Duration::from_millis(200));

    let started = Instant::now();
    // A duration too long to add to the clock is as good as none.
    let deadline = options.duration.and_then(|d| started.checked_add(d));
    let mut last_flush = Instant::now();
    let reason = loop {
        if stop.load(Ordering::Relaxed) {
            break StopReason::Signal;
        }
        let now = Instant::now();
        let wait = match deadline {
            Some(deadline) if now >= deadline => break StopReason::Duration,
            Some(deadline) => POLL.min(deadline - now),
            None => POLL,
        };
        match receiver.recv_timeout(wait) {
            Ok(batch) => {
                let received = Timestamp::now();
                for sample in &batch {
                    writer.write(sample, received)?;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break StopReason::SourceEnded,
        }
        if last_flush.elapsed() >= super::recorder::FLUSH_INTERVAL {
            writer.flush_chunk()?;
            last_flush = Instant::now();
            spinner.set_message(format!(
                "{} samples, {}",
                writer.samples(),
                human_bytes(writer.bytes())
            ));
        }
    };
    // Stop the source, then keep what it had already delivered.
    drop(source);
    let received = Timestamp::now();
    while let Ok(batch) = receiver.try_recv() {
        for sample in &batch {
            writer.write(sample, received)?;
        }
    }
    spinner.finish_and_clear();
    let stats = writer.finish()?;
    Ok(record_report(options, &stats, reason, started.elapsed()))
}

fn record_report(
    options: &RecordOptions,
    stats: &RecordingStats,
    reason: StopReason,
    elapsed: Duration,
) -> String {
    let mut out = String::new();
    let why = match reason {
        StopReason::Duration => "duration reached",
        StopReason::Signal => "stopped by signal",
        StopReason::SourceEnded => "the source ended",
    };
    let _ = writeln!(
        out,
        "recorded {} samples of {} signals to {} ({} bytes, {} chunks) in {:.1} s ({why})",
        stats.samples,
        stats.signals,
        options.out.display(),
        stats.bytes,
        stats.chunks,
        elapsed.as_secs_f64(),
    );
    let _ = writeln!(out, "{}", span_line(stats.time_span));
    if stats.rejected > 0 {
        let _ = writeln!(
            out,
            "{} samples not written: their time is before 1970, which MCAP cannot hold",
            stats.rejected
        );
    }
    out
}

/// What `twinscope info` prints, and whether the file read cleanly.
#[derive(Debug, Clone)]
pub struct InfoReport {
    /// The text to print.
    pub text: String,
    /// Nothing skipped, summary present.
    pub clean: bool,
}

/// Describes a recording; with `verify`, decodes every chunk so damage anywhere is found.
/// `Err` only when the file is unreadable or not MCAP at all.
pub fn info(path: &std::path::Path, verify: bool) -> Result<InfoReport, RecordingError> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    bar.set_message("scanning");
    let mut reader = RecordingReader::open_with_progress(path, &mut progress)?;
    // A file recovered by scanning, or whose index was rebuilt, had every chunk decoded already.
    let decoded_at_open = reader.problems().summary != SummaryStatus::Present
        || reader.problems().index_rebuilt.is_some();
    if verify && !decoded_at_open {
        bar.set_message("verifying");
        reader.for_each_batch::<RecordingError>(&mut progress, &mut |_| Ok(()))?;
    }
    bar.finish_and_clear();
    Ok(InfoReport {
        text: info_text(&reader, verify),
        clean: reader.problems().is_clean(),
    })
}

fn info_text(reader: &RecordingReader, verified: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: MCAP recording, {} bytes",
        reader.path().display(),
        reader.file_len()
    );
    let problems = reader.problems();
    match &problems.summary {
        SummaryStatus::Present => {
            let _ = writeln!(out, "summary: present");
        }
        SummaryStatus::Missing(why) => {
            let _ = writeln!(
                out,
                "summary: missing ({why}); recovered by scanning the file"
            );
        }
    }
    if let Some(why) = &problems.index_rebuilt {
        let _ = writeln!(out, "chunk index: rebuilt by decoding every chunk ({why})");
    }
    if let Some(meta) = reader.meta() {
        if !meta.scene.is_empty() {
            let _ = writeln!(out, "scene: {}", meta.scene);
        }
        if !meta.source.is_empty() {
            let _ = writeln!(out, "source: {}", meta.source);
        }
        let _ = writeln!(out, "recording started: {}", format_utc(meta.start_time));
    }
    match reader.time_span() {
        Some((start, end)) => {
            let _ = writeln!(
                out,
                "time span: {} → {} (UTC)\nduration: {}",
                format_utc(start),
                format_utc(end),
                human_duration(end.secs_since(start))
            );
        }
        None => {
            let _ = writeln!(out, "time span: none (no samples)");
        }
    }
    let chunks = reader.chunks();
    let mut compressions: Vec<&str> = chunks
        .iter()
        .map(|c| {
            if c.compression.is_empty() {
                "none"
            } else {
                c.compression.as_str()
            }
        })
        .collect();
    compressions.sort_unstable();
    compressions.dedup();
    let compressed: u64 = chunks.iter().map(|c| c.compressed_size).sum();
    let uncompressed: u64 = chunks.iter().map(|c| c.uncompressed_size).sum();
    let _ = writeln!(
        out,
        "chunks: {} (compression: {}; {} compressed, {} uncompressed)",
        chunks.len(),
        if compressions.is_empty() {
            "-".to_owned()
        } else {
            compressions.join(", ")
        },
        human_bytes(compressed),
        human_bytes(uncompressed)
    );
    let signals = reader.signals();
    let _ = writeln!(
        out,
        "signals: {}, samples: {}",
        signals.len(),
        reader.message_count()
    );
    let width = signals
        .iter()
        .map(|s| s.id.as_str().len())
        .max()
        .unwrap_or(6)
        .max(6);
    let unit_width = signals
        .iter()
        .filter_map(|s| s.unit.as_deref().map(str::len))
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "  {:width$}  {:unit_width$}  SAMPLES",
        "SIGNAL", "UNIT"
    );
    for signal in signals {
        let _ = writeln!(
            out,
            "  {:width$}  {:unit_width$}  {}",
            signal.id.as_str(),
            signal.unit.as_deref().unwrap_or("-"),
            signal.message_count
        );
    }
    if problems.skipped.is_empty() && problems.truncated_tail.is_none() {
        let checked = if verified || reader.problems().summary != SummaryStatus::Present {
            "every chunk decoded and checked"
        } else {
            "chunks not checked (--quick)"
        };
        let _ = writeln!(out, "problems: none ({checked})");
    } else {
        let _ = writeln!(
            out,
            "problems: {} chunks skipped, {} messages known lost",
            problems.skipped_chunks(),
            problems.skipped_messages()
        );
        for problem in &problems.skipped {
            let _ = writeln!(out, "  {problem}");
        }
        match problems.truncated_tail {
            Some(tail) if tail.bytes == 0 => {
                let _ = writeln!(
                    out,
                    "  truncated tail: the file stops at offset {} after a complete record, with \
                     no summary: cut off between chunks, nothing unreadable",
                    tail.offset
                );
            }
            Some(tail) => {
                let _ = writeln!(
                    out,
                    "  truncated tail: the file ends mid-write; {} bytes at offset {} unreadable",
                    tail.bytes, tail.offset
                );
            }
            None => {}
        }
    }
    out
}

/// `1.5 MiB`-style sizes for status lines.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `3.012 s`, or `1 h 02 min 03.000 s` for long spans.
fn human_duration(secs: f64) -> String {
    if secs < 60.0 {
        return format!("{secs:.3} s");
    }
    let whole = secs as u64;
    let (h, m) = (whole / 3600, (whole % 3600) / 60);
    let s = secs - (h * 3600 + m * 60) as f64;
    if h > 0 {
        format!("{h} h {m:02} min {s:06.3} s")
    } else {
        format!("{m} min {s:06.3} s")
    }
}
