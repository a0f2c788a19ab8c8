//! A [`RecordingWriter`] on its own thread, fed through a bounded channel, so whoever records
//! (the viewer's per-frame ingest) never waits on compression or the disk.

use super::writer::RecordingWriter;
use super::{RecordingError, RecordingMeta, RecordingStats, Result};
use crate::freshness::LinkEvent;
use crate::signal::{Sample, Timestamp};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Batches waiting for the thread before `record` starts dropping: at the viewer's one batch per
/// frame, several seconds of a stalled disk.
pub(crate) const QUEUE_BATCHES: usize = 512;

/// The open chunk is ended and flushed at least this often, bounding what a killed process
/// loses.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// What the thread is handed: a batch of samples with their receive time, or a link change.
enum Item {
    Samples(Vec<Sample>, Timestamp),
    Link(LinkEvent),
}

/// Counters shared with the thread.
#[derive(Default)]
struct Shared {
    written: AtomicU64,
    dropped: AtomicU64,
    rejected: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A snapshot of a running recorder, for a UI badge.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecorderStats {
    /// Samples written to the file so far.
    pub samples_written: u64,
    /// Size of the file so far.
    pub bytes: u64,
    /// Samples dropped because the queue was full or the writer had failed.
    pub dropped: u64,
    /// Samples refused for a time MCAP cannot hold (before 1970).
    pub rejected: u64,
    /// The first write error, if any; after it nothing more is written.
    pub last_error: Option<String>,
}

/// Records batches on a background thread; stop it (or drop it) to finish the file.
pub struct Recorder {
    sender: Option<Sender<Item>>,
    thread: Option<JoinHandle<Result<RecordingStats>>>,
    shared: Arc<Shared>,
    bytes: Box<dyn Fn() -> u64 + Send + Sync>,
    path: PathBuf,
}

impl Recorder {
    /// Creates the file (errors come back here, not later) and starts the writer thread.
    pub fn start(path: &Path, meta: &RecordingMeta) -> Result<Recorder> {
        let writer = RecordingWriter::create(path, meta)?;
        let bytes = Box::new(writer.bytes_handle());
        let shared = Arc::new(Shared::default());
        let (sender, receiver) = crossbeam_channel::bounded(QUEUE_BATCHES);
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("twinscope-recorder".into())
            .spawn(move || run(writer, &receiver, &thread_shared))
            .map_err(|cause| RecordingError::Io {
                action: "start the recorder thread for",
                path: path.to_path_buf(),
                cause,
            })?;
        Ok(Recorder {
            sender: Some(sender),
            thread: Some(thread),
            shared,
            bytes,
            path: path.to_path_buf(),
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues a batch received at `receive_time`. Never blocks: when the queue is full (or the
    /// writer has failed) the batch is dropped and counted. Returns whether it was queued.
    pub fn record(&self, batch: Vec<Sample>, receive_time: Timestamp) -> bool {
        if batch.is_empty() {
            return true;
        }
        let Some(sender) = &self.sender else {
            self.count_dropped(batch.len());
            return false;
        };
        match sender.try_send(Item::Samples(batch, receive_time)) {
            Ok(()) => true,
            Err(TrySendError::Full(item) | TrySendError::Disconnected(item)) => {
                if let Item::Samples(batch, _) = item {
                    self.count_dropped(batch.len());
                }
                false
            }
        }
    }

    /// Queues a change of the source's connection for the link channel. Waits for room
    /// (unlike samples): these are rare and a recording without its outages would lie.
    pub fn record_link(&self, event: LinkEvent) {
        if let Some(sender) = &self.sender {
            // Only fails when the thread is gone, which stats() reports.
            let _ = sender.send(Item::Link(event));
        }
    }

    fn count_dropped(&self, samples: usize) {
        self.shared
            .dropped
            .fetch_add(samples as u64, Ordering::Relaxed);
    }

    /// How the recording is going.
    pub fn stats(&self) -> RecorderStats {
        RecorderStats {
            samples_written: self.shared.written.load(Ordering::Relaxed),
            bytes: (self.bytes)(),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
            rejected: self.shared.rejected.load(Ordering::Relaxed),
            last_error: self
                .shared
                .last_error
                .lock()
                .ok()
                .and_then(|error| error.clone()),
        }
    }

    /// Writes what is queued, finishes the file and joins the thread. Returns the first write
    /// error if there was one (the file then holds what was written before it).
    pub fn stop(mut self) -> Result<RecordingStats> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<RecordingStats> {
        // Closing the channel tells the thread to drain and finish.
        self.sender = None;
        match self.thread.take() {
            Some(thread) => thread.join().unwrap_or_else(|_| {
                Err(RecordingError::RecorderGone {
                    path: self.path.clone(),
                })
            }),
            None => Err(RecordingError::RecorderGone {
                path: self.path.clone(),
            }),
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.thread.is_some() {
            // Finish the file even when nobody called stop(); errors are in stats() already.
            let _ = self.shutdown();
        }
    }
}

/// The thread: write batches as they come, end the chunk every [`FLUSH_INTERVAL`], finish when
/// the channel closes.
fn run(
    mut writer: RecordingWriter,
    receiver: &Receiver<Item>,
    shared: &Shared,
) -> Result<RecordingStats> {
    let mut first_error: Option<RecordingError> = None;
    let mut last_flush = Instant::now();
    let mut unflushed = false;
    let mut rejected_before = 0;
    loop {
        let wait = FLUSH_INTERVAL.saturating_sub(last_flush.elapsed());
        match receiver.recv_timeout(wait) {
            Ok(Item::Link(event)) => {
                if first_error.is_none()
                    && let Err(error) = writer.write_link(&event)
                {
                    keep_error(shared, &mut first_error, error);
                }
                unflushed = true;
            }
            Ok(Item::Samples(batch, receive_time)) => {
                if first_error.is_some() {
                    shared
                        .dropped
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                    continue;
                }
                for (done, sample) in batch.iter().enumerate() {
                    if let Err(error) = writer.write(sample, receive_time) {
                        shared
                            .dropped
                            .fetch_add((batch.len() - done) as u64, Ordering::Relaxed);
                        keep_error(shared, &mut first_error, error);
                        break;
                    }
                }
                unflushed = true;
                shared.written.store(writer.samples(), Ordering::Relaxed);
                let rejected = writer.rejected();
                if rejected != rejected_before {
                    shared.rejected.store(rejected, Ordering::Relaxed);
                    rejected_before = rejected;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if last_flush.elapsed() >= FLUSH_INTERVAL {
            if unflushed
                && first_error.is_none()
                && let Err(error) = writer.flush_chunk()
            {
                keep_error(shared, &mut first_error, error);
            }
            unflushed = false;
            last_flush = Instant::now();
        }
    }
    let finished = writer.finish();
    match (first_error, finished) {
        (Some(error), _) => Err(error),
        (None, Err(error)) => {
            if let Ok(mut slot) = shared.last_error.lock() {
                *slot = Some(error.to_string());
            }
            Err(error)
        }
        (None, Ok(stats)) => {
            shared.written.store(stats.samples, Ordering::Relaxed);
            Ok(stats)
        }
    }
}

fn keep_error(shared: &Shared, first: &mut Option<RecordingError>, error: RecordingError) {
    if let Ok(mut slot) = shared.last_error.lock()
        && slot.is_none()
    {
        *slot = Some(error.to_string());
    }
    if first.is_none() {
        *first = Some(error);
    }
}
