//! `twinscope info`: what a recording holds and what in it is damaged.

use super::problems::SummaryStatus;
use super::reader::RecordingReader;
use super::{RecordingError, format_utc};
use crate::freshness::{LinkEvent, LinkHistory};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;

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
    let link = reader.link_events()?;
    bar.finish_and_clear();
    let mut text = info_text(&reader, verify);
    link_lines(&mut text, link.as_deref());
    Ok(InfoReport {
        text,
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
    chunks_line(&mut out, reader);
    signals_table(&mut out, reader);
    problems_lines(&mut out, reader, verified);
    out
}

/// How many chunks, their compression and sizes.
fn chunks_line(out: &mut String, reader: &RecordingReader) {
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
        crate::text::bytes(compressed),
        crate::text::bytes(uncompressed)
    );
}

/// Every signal with its unit and sample count, in a table.
fn signals_table(out: &mut String, reader: &RecordingReader) {
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
}

/// What could not be read, or that nothing was wrong (and whether that was checked).
fn problems_lines(out: &mut String, reader: &RecordingReader, verified: bool) {
    let problems = reader.problems();
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
}

/// The source's outages as the link channel recorded them: where the data stops because the
/// connection did, not because the plant went quiet.
fn link_lines(out: &mut String, events: Option<&[LinkEvent]>) {
    let Some(events) = events else {
        let _ = writeln!(
            out,
            "link: not recorded (only MQTT sources record their connection)"
        );
        return;
    };
    let history = LinkHistory::from_events(events);
    let outages = history.outages();
    if outages.is_empty() {
        let _ = writeln!(out, "link: connected throughout, no outages");
        return;
    }
    let _ = writeln!(
        out,
        "link: {} outage(s) of the source's connection; samples sent meanwhile are missing \
         unless a persistent session delivered them late",
        outages.len()
    );
    for outage in outages {
        let why = events
            .iter()
            .find(|e| !e.connected && e.time == outage.from)
            .map_or("", |e| e.detail.as_str());
        let until = match outage.to {
            Some(to) => format!(
                "{} ({})",
                format_utc(to),
                human_duration(to.secs_since(outage.from))
            ),
            None => "the end of the recording (never reconnected)".to_owned(),
        };
        let _ = writeln!(
            out,
            "  disconnected {} → {until}{}{why}",
            format_utc(outage.from),
            if why.is_empty() { "" } else { ": " }
        );
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
