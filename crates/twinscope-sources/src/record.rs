//! `twinscope record`: the headless recorder. The scene's source feeds an MCAP file until
//! `--duration` elapses or a signal arrives; no window, no Bevy app.

use crate::record_link::LinkWatch;
use crate::start::{SourceOptions, start_source};
use anyhow::Context;
use crossbeam_channel::RecvTimeoutError;
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use twinscope_core::recording::{RecordingMeta, RecordingStats, RecordingWriter, span_line};
use twinscope_core::signal::Timestamp;

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
    /// Exit 1 when anything was lost: an outage, bad payloads, signals over the limit.
    pub fail_on_loss: bool,
}

/// How a recording went: the summary to print and whether it should fail the command.
#[derive(Debug, Clone)]
pub struct RecordOutcome {
    /// The summary for stdout.
    pub text: String,
    /// Something was lost and `fail_on_loss` was asked for.
    pub failed: bool,
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
/// arrives, then finishes the file. Link changes go to stderr as they happen. An error when
/// the source never connected, or the broker refused the credentials or TLS.
pub fn record(options: &RecordOptions) -> anyhow::Result<RecordOutcome> {
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
    let active = twinscope_core::scene::LoadedScene::load(&options.scene)?;
    let (sender, receiver) = crossbeam_channel::bounded(crate::CHANNEL_CAPACITY);
    let source = start_source(&active.scene, &options.scene, &options.source, sender)?;
    for warning in &source.warnings {
        eprintln!("warning: {warning}");
    }
    let meta = RecordingMeta::for_scene(&active.scene, source.info.description.clone());
    let mut writer = RecordingWriter::create(&options.out, &meta)?;
    let mut link = source.mqtt_status.clone().map(LinkWatch::new);

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
    let mut refused = None;
    let reason = loop {
        if stop.load(Ordering::Relaxed) {
            break StopReason::Signal;
        }
        if let Some(watch) = link.as_mut() {
            let refusal = watch.poll();
            for event in watch.take_events() {
                writer.write_link(&event)?;
            }
            if let Some(error) = refusal {
                refused = Some(error);
                break StopReason::SourceEnded;
            }
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
        if last_flush.elapsed() >= twinscope_core::recording::recorder::FLUSH_INTERVAL {
            writer.flush_chunk()?;
            last_flush = Instant::now();
            spinner.set_message(format!(
                "{} samples, {}",
                writer.samples(),
                twinscope_core::text::bytes(writer.bytes())
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
    let mut text = record_report(options, &stats, reason, started.elapsed());
    let Some(link) = link else {
        return Ok(RecordOutcome {
            text,
            failed: false,
        });
    };
    if let Some(error) = refused {
        anyhow::bail!("{error}; {} holds nothing", options.out.display());
    }
    if !link.ever_connected() {
        anyhow::bail!(
            "never connected to the broker ({}); {} holds nothing",
            link.last_error().unwrap_or_else(|| "no answer".to_owned()),
            options.out.display()
        );
    }
    text += &link.summary();
    Ok(RecordOutcome {
        text,
        failed: options.fail_on_loss && link.lost_anything(),
    })
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
