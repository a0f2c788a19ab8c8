//! Recording from the viewer: `--record FILE.mcap` and the status bar's record toggle write
//! every sample the frame ingests, stamped with its receive time, on the recorder's own thread.

use crate::pipeline::{LinkOrigin, SourceLink, Stage};
use bevy::prelude::*;
use std::path::{Path, PathBuf};
use twinscope_core::freshness::LinkEvent;
use twinscope_core::recording::{Recorder, RecorderStats, RecordingMeta, RecordingStats};
use twinscope_core::signal::{Sample, Timestamp};

pub(crate) mod panel;

/// Adds the viewer's recording, finished when the app exits.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Recording>()
        .add_systems(Update, record_link_changes.in_set(Stage::Ingest))
        .add_systems(Last, finish_recording_on_exit);
}

/// The viewer's recording, if one is running, and how the last one ended.
#[derive(Resource, Default)]
pub(crate) struct Recording {
    active: Option<(Recorder, Timestamp)>,
    /// The link state last written into the running recording (`true`: connected).
    link_written: Option<bool>,
    /// How the last recording ended, for the status bar: its summary or its error.
    pub(crate) last_outcome: Option<Result<String, String>>,
}

impl Recording {
    /// Starts recording to `path`; fails if one is already running or the file cannot be
    /// created (an existing file is never overwritten).
    pub(crate) fn start(&mut self, path: &Path, meta: &RecordingMeta) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.active.is_none(),
            "already recording to {}",
            self.active
                .as_ref()
                .map_or(String::new(), |(r, _)| r.path().display().to_string())
        );
        anyhow::ensure!(
            !path.exists(),
            "{} already exists; choose another file",
            path.display()
        );
        let recorder = Recorder::start(path, meta)?;
        self.active = Some((recorder, Timestamp::now()));
        self.link_written = None;
        self.last_outcome = None;
        Ok(())
    }

    /// Finishes the file; returns its statistics, or `None` when nothing was recording.
    pub(crate) fn stop(&mut self) -> Option<anyhow::Result<(PathBuf, RecordingStats)>> {
        let (recorder, _) = self.active.take()?;
        let path = recorder.path().to_path_buf();
        let result = recorder.stop().map(|stats| (path.clone(), stats));
        self.last_outcome = Some(match &result {
            Ok((path, stats)) => Ok(format!(
                "recorded {} samples to {}",
                stats.samples,
                path.display()
            )),
            Err(error) => Err(error.to_string()),
        });
        Some(result.map_err(anyhow::Error::from))
    }

    /// Hands a batch to the recorder (never blocks; a full queue is counted as dropped).
    pub(crate) fn record(&self, batch: &[Sample], receive_time: Timestamp) {
        if let Some((recorder, _)) = &self.active {
            recorder.record(batch.to_vec(), receive_time);
        }
    }

    /// The running recording: its file, start time and progress.
    pub(crate) fn status(&self) -> Option<(&Path, Timestamp, RecorderStats)> {
        self.active
            .as_ref()
            .map(|(recorder, started)| (recorder.path(), *started, recorder.stats()))
    }
}

/// A file name for a recording started from the UI: `twinscope-YYYYMMDD-HHMMSS.mcap` in the
/// working directory, local time.
pub(crate) fn default_recording_path() -> PathBuf {
    let local = chrono::Local::now();
    PathBuf::from(format!("twinscope-{}.mcap", local.format("%Y%m%d-%H%M%S")))
}

/// Writes the live source's connection changes into the running recording (and its state when
/// recording starts), so a replay shows the outages as outages.
fn record_link_changes(link: Res<SourceLink>, mut recording: ResMut<Recording>) {
    if link.origin != LinkOrigin::Live {
        return;
    }
    let connected = !link.history.is_down();
    let recording = recording.bypass_change_detection();
    let Some((recorder, _)) = &recording.active else {
        return;
    };
    if recording.link_written == Some(connected) {
        return;
    }
    let last = link.history.outages().last();
    let (time, detail) = match (connected, last) {
        (false, Some(outage)) => (outage.from, "MQTT connection lost"),
        (true, Some(outage)) => (outage.to.unwrap_or_else(Timestamp::now), "MQTT connected"),
        (_, None) => (Timestamp::now(), "MQTT connected"),
    };
    recorder.record_link(LinkEvent {
        time,
        connected,
        detail: detail.to_owned(),
    });
    recording.link_written = Some(connected);
}

/// Finishes the recording when the app exits, so the file gets its summary and index.
fn finish_recording_on_exit(mut exits: MessageReader<AppExit>, mut recording: ResMut<Recording>) {
    if exits.read().next().is_none() {
        return;
    }
    match recording.stop() {
        Some(Ok((path, stats))) => info!(
            "recording finished: {} samples, {} signals, {} bytes in {}",
            stats.samples,
            stats.signals,
            stats.bytes,
            path.display()
        ),
        Some(Err(error)) => error!("recording failed: {error:#}"),
        None => {}
    }
}
