//! Replay: a recording as the source. Opening reads only the file's summary, so the timeline
//! knows the recording's span at once; the chunks then stream into ingest on a background
//! thread, nearest to the cursor first (found through the chunk index), so the plant shows
//! the opening moment before the rest of a long recording has loaded.

use crossbeam_channel::Sender;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use twinscope_core::freshness::LinkEvent;
use twinscope_core::recording::RecordingReader;
use twinscope_core::signal::{Sample, Timestamp};

/// What the loader has done so far.
#[derive(Debug, Default)]
pub struct ReplayProgress {
    /// Samples handed to ingest.
    pub loaded: AtomicU64,
    /// Samples the recording's summary says it holds (0 when it has no summary).
    pub total: u64,
    /// Set when everything readable was loaded.
    pub done: AtomicBool,
    /// What could not be read (corrupt chunks, a cut-off tail), in words.
    pub problems: Mutex<Vec<String>>,
}

/// An opened recording, ready to replay.
pub struct OpenedReplay {
    /// The recording's file.
    pub path: PathBuf,
    /// First and last source time.
    pub span: (Timestamp, Timestamp),
    /// Signals in the recording.
    pub signals: usize,
    /// The source's connection changes the recording holds (`None`: it recorded none).
    pub link: Option<Vec<LinkEvent>>,
    reader: RecordingReader,
}

/// Opens `path` through its summary (or recovers a cut-off file); fails when it holds no
/// samples.
pub fn open_replay(path: &Path) -> anyhow::Result<OpenedReplay> {
    let mut reader = RecordingReader::open(path)?;
    let span = reader
        .time_span()
        .ok_or_else(|| anyhow::anyhow!("{} holds no samples to replay", path.display()))?;
    let link = reader.link_events()?;
    Ok(OpenedReplay {
        path: path.to_path_buf(),
        span,
        signals: reader.signals().len(),
        link,
        reader,
    })
}

/// Keeps the loader thread alive; asks it to stop when dropped.
pub struct ReplayHandle {
    /// Shared progress, read by the status bar.
    pub progress: Arc<ReplayProgress>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for ReplayHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Streams every readable sample of `replay` into `sender`, the chunks nearest `focus` first.
pub fn spawn_replay(
    replay: OpenedReplay,
    focus: Timestamp,
    sender: Sender<Vec<Sample>>,
) -> std::io::Result<ReplayHandle> {
    let progress = Arc::new(ReplayProgress {
        total: replay
            .reader
            .signals()
            .iter()
            .map(|s| s.message_count)
            .sum(),
        ..Default::default()
    });
    let stop = Arc::new(AtomicBool::new(false));
    let thread_progress = Arc::clone(&progress);
    let thread_stop = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("twinscope-replay".into())
        .spawn(move || load(replay, focus, &sender, &thread_progress, &thread_stop))?;
    Ok(ReplayHandle {
        progress,
        stop,
        thread: Some(thread),
    })
}

fn load(
    mut replay: OpenedReplay,
    focus: Timestamp,
    sender: &Sender<Vec<Sample>>,
    progress: &ReplayProgress,
    stop: &AtomicBool,
) {
    let spans: Vec<_> = replay.reader.chunks().iter().map(|c| c.time_span).collect();
    let mut failure = None;
    for index in chunks_nearest_first(&spans, focus) {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        match replay.reader.read_chunks(index..index + 1) {
            Ok(batch) if batch.is_empty() => {}
            Ok(batch) => {
                let count = batch.len() as u64;
                if sender.send(batch).is_err() {
                    break;
                }
                progress.loaded.fetch_add(count, Ordering::Relaxed);
            }
            Err(error) => {
                failure = Some(format!("{error}"));
                break;
            }
        }
    }
    let problems = replay.reader.problems();
    let mut lines: Vec<String> = problems.skipped.iter().map(|p| p.to_string()).collect();
    if let Some(tail) = problems.truncated_tail {
        lines.push(format!(
            "{}: cut off at byte {} ({} unreadable bytes after the last whole record)",
            replay.path.display(),
            tail.offset,
            tail.bytes
        ));
    }
    lines.extend(failure);
    if let Ok(mut list) = progress.problems.lock() {
        *list = lines;
    }
    progress.done.store(true, Ordering::Relaxed);
}

/// Chunk numbers ordered by how far their time span lies from `focus` (those covering it
/// first); chunks with no messages last.
pub fn chunks_nearest_first(
    spans: &[Option<(Timestamp, Timestamp)>],
    focus: Timestamp,
) -> Vec<usize> {
    let mut order: Vec<(i64, usize)> = spans
        .iter()
        .enumerate()
        .map(|(index, span)| {
            let distance = match span {
                Some((start, _)) if start.0 > focus.0 => start.0 - focus.0,
                Some((_, end)) if end.0 < focus.0 => focus.0 - end.0,
                Some(_) => 0,
                None => i64::MAX,
            };
            (distance, index)
        })
        .collect();
    order.sort_unstable();
    order.into_iter().map(|(_, index)| index).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_covering_the_cursor_load_first_then_by_distance() {
        let span = |a: i64, b: i64| Some((Timestamp(a), Timestamp(b)));
        let spans = [span(0, 9), span(10, 19), span(20, 29), None, span(30, 39)];
        assert_eq!(chunks_nearest_first(&spans, Timestamp(25)), [2, 4, 1, 0, 3]);
        assert_eq!(chunks_nearest_first(&spans, Timestamp(0)), [0, 1, 2, 4, 3]);
    }
}
