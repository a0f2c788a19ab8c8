//! Recordings: every sample a source delivers, written to an MCAP file that Foxglove and the
//! MCAP tools open as they are, and read back for replay and `twinscope info`.
//!
//! Plain Rust, no Bevy: the headless `twinscope record` and the viewer's per-frame ingest both
//! use it. [`RecordingWriter`] writes a file, [`Recorder`] runs one on its own thread so the
//! frame never waits on disk, [`RecordingReader`] opens one through its summary (or recovers a
//! file cut off mid-write) and seeks by source time.

mod fields;
pub mod format;
pub mod import;
pub mod info;
pub mod problems;
pub mod reader;
pub mod recorder;
mod scan;
#[cfg(test)]
mod tests;
pub mod writer;

pub use problems::{
    ChunkInfo, ChunkSelection, Problem, ProblemKind, RecordedSignal, RecordingProblems,
    SummaryStatus, TruncatedTail,
};
pub use reader::RecordingReader;
pub use recorder::{Recorder, RecorderStats};
pub use writer::RecordingWriter;

use crate::signal::{SignalId, Timestamp};
use std::path::PathBuf;

/// A signal known before its first sample, so its channel carries its unit from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredSignal {
    /// The signal id.
    pub id: SignalId,
    /// Its unit, if it has one.
    pub unit: Option<String>,
}

/// What a recording is of: written once as the file's `twinscope` metadata record, so a file
/// found later still says which scene and source produced it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordingMeta {
    /// Scene name (`[scene] name`), empty when there is none (imports).
    pub scene: String,
    /// What fed the recording, e.g. "built-in simulator (seed 42), no broker".
    pub source: String,
    /// When recording started (wall clock, UTC).
    pub start_time: Timestamp,
    /// Signals to register up front with their units; not part of the metadata record (each
    /// becomes a channel). Empty when reading a file.
    pub signals: Vec<DeclaredSignal>,
}

impl RecordingMeta {
    /// Metadata for recording `scene` from `source`, starting now, with its declared signals.
    /// Derived signals get no channel: recordings hold what sources sent, and a replay through
    /// the scene computes derived values again (an empty channel would only puzzle readers).
    pub fn for_scene(scene: &crate::scene::Scene, source: impl Into<String>) -> Self {
        Self {
            scene: scene.name.clone(),
            source: source.into(),
            start_time: Timestamp::now(),
            signals: scene
                .signals
                .iter()
                .filter(|spec| scene.expression(&spec.id).is_none())
                .map(|spec| DeclaredSignal {
                    id: spec.id.clone(),
                    unit: (!spec.unit.is_empty()).then(|| spec.unit.clone()),
                })
                .collect(),
        }
    }
}

/// What a finished recording holds, as `twinscope record` prints it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordingStats {
    /// Samples written.
    pub samples: u64,
    /// Signals (channels) in the file, declared or seen.
    pub signals: usize,
    /// MCAP chunks written.
    pub chunks: u64,
    /// Size of the file.
    pub bytes: u64,
    /// Earliest and latest source time written.
    pub time_span: Option<(Timestamp, Timestamp)>,
    /// Samples refused because MCAP cannot hold their time (before 1970).
    pub rejected: u64,
}

/// Why a recording could not be written or opened.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The file system refused.
    #[error("cannot {action} {}: {cause}", path.display())]
    Io {
        /// What was being done ("create", "read", …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },
    /// The file is not an MCAP file at all (no magic); nothing can be recovered.
    #[error("{} is not an MCAP recording: {reason}", path.display())]
    NotMcap {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// The MCAP library refused a write (after an I/O error, every later write fails too).
    #[error("cannot write {}: {cause}", path.display())]
    Mcap {
        /// The file.
        path: PathBuf,
        /// The library's error.
        cause: mcap::McapError,
    },
    /// One more signal than the format holds: MCAP numbers channels with 16 bits, one per
    /// signal. Everything written before stays readable once the file is finished.
    #[error(
        "{} would need more than {limit} signals, the most one recording holds; split the \
         source or narrow its topics",
        path.display()
    )]
    TooManySignals {
        /// The file.
        path: PathBuf,
        /// The most signals one recording holds.
        limit: usize,
    },
    /// The recorder thread is gone (it panicked).
    #[error("the recorder thread for {} stopped unexpectedly", path.display())]
    RecorderGone {
        /// The file it was writing.
        path: PathBuf,
    },
}

/// Results of this module.
pub type Result<T, E = RecordingError> = std::result::Result<T, E>;

/// `ns` as a UTC date and time with milliseconds, for messages.
pub fn format_utc(time: Timestamp) -> String {
    chrono::DateTime::from_timestamp_nanos(time.0)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The `time span: …` line `record` and `import` end their report with.
pub fn span_line(span: Option<(Timestamp, Timestamp)>) -> String {
    match span {
        Some((start, end)) => format!(
            "time span: {} → {} ({:.3} s)",
            format_utc(start),
            format_utc(end),
            end.secs_since(start)
        ),
        None => "time span: none (no samples)".to_owned(),
    }
}
