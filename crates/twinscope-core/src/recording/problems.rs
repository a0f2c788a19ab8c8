//! What a recording holds and what could not be read of it: the reader's public vocabulary.

use crate::signal::{SignalId, Timestamp};
use std::ops::{Range, RangeInclusive};

/// A signal in a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSignal {
    /// Its id (from the channel's `signal` metadata).
    pub id: SignalId,
    /// Its unit, when the channel has one.
    pub unit: Option<String>,
    /// Messages recorded for it.
    pub message_count: u64,
}

/// One chunk of the data section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkInfo {
    /// Where the chunk record starts in the file.
    pub offset: u64,
    /// Bytes of the whole record.
    pub length: u64,
    /// Its compression (`zstd`, or empty for none).
    pub compression: String,
    /// Compressed bytes.
    pub compressed_size: u64,
    /// Uncompressed bytes.
    pub uncompressed_size: u64,
    /// Messages in it.
    pub messages: u64,
    /// Earliest and latest source time in it; `None` when it holds no messages.
    pub time_span: Option<(Timestamp, Timestamp)>,
}

/// Whether the summary was used, and if not why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryStatus {
    /// Footer and summary were read; nothing else was needed to open the file.
    Present,
    /// There was no usable summary, so the file was walked record by record.
    Missing(String),
}

/// What kind of damage a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A whole chunk could not be read (CRC, compression or framing): all its messages lost.
    CorruptChunk,
    /// Messages whose body is not a sample (bad JSON); the rest of their chunk was read.
    BadMessages,
    /// Messages on a channel whose definition was lost with a damaged chunk.
    UnknownChannel,
    /// Bytes between records that frame as nothing, skipped up to the next chunk.
    Unreadable,
    /// Messages outside any chunk (another writer's unchunked file), not read.
    UnchunkedMessages,
}

/// One located problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What it is.
    pub kind: ProblemKind,
    /// Byte offset in the file (of the chunk, or of the unreadable bytes).
    pub offset: u64,
    /// Bytes affected (the chunk record, or the unreadable run).
    pub length: u64,
    /// Messages lost, where known.
    pub messages: Option<u64>,
    /// What went wrong, in words.
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            ProblemKind::CorruptChunk => "chunk skipped",
            ProblemKind::BadMessages => "bad messages skipped in chunk",
            ProblemKind::UnknownChannel => "messages on an unknown channel skipped in chunk",
            ProblemKind::Unreadable => "unreadable bytes skipped",
            ProblemKind::UnchunkedMessages => "messages outside chunks not read",
        };
        write!(f, "offset {} ({} bytes): {what}", self.offset, self.length)?;
        if let Some(messages) = self.messages {
            write!(f, " ({messages} messages)")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// The end of a file cut off mid-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TruncatedTail {
    /// Where the unreadable tail starts (just after the last whole record).
    pub offset: u64,
    /// Bytes from there to the end of the file (0 when it ends exactly after a record).
    pub bytes: u64,
}

/// Everything that could not be read, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingProblems {
    /// Whether the summary was used.
    pub summary: SummaryStatus,
    /// Skipped parts, in the order they were found.
    pub skipped: Vec<Problem>,
    /// Set when the file ends before its data section does.
    pub truncated_tail: Option<TruncatedTail>,
    /// Why twinscope's chunk side index had to be rebuilt by decoding every chunk (a file
    /// written by another tool, or damaged); `None` when it was read as written.
    pub index_rebuilt: Option<String>,
}

impl RecordingProblems {
    /// Nothing skipped, nothing cut off, summary present.
    pub fn is_clean(&self) -> bool {
        self.summary == SummaryStatus::Present
            && self.skipped.is_empty()
            && self.truncated_tail.is_none()
    }

    /// Chunks skipped whole.
    pub(crate) fn skipped_chunks(&self) -> usize {
        self.skipped
            .iter()
            .filter(|p| p.kind == ProblemKind::CorruptChunk)
            .count()
    }

    /// Messages known to be lost.
    pub(crate) fn skipped_messages(&self) -> u64 {
        self.skipped.iter().filter_map(|p| p.messages).sum()
    }
}

/// Which chunks [`RecordingReader::read_chunks`](super::RecordingReader::read_chunks) decodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkSelection {
    /// Chunks by number (clamped to those that exist); every sample in them.
    Indices(Range<usize>),
    /// The samples whose source time is in the window (inclusive), from the chunks that
    /// overlap it only.
    Window(RangeInclusive<Timestamp>),
}

impl From<Range<usize>> for ChunkSelection {
    fn from(range: Range<usize>) -> Self {
        ChunkSelection::Indices(range)
    }
}

impl From<RangeInclusive<Timestamp>> for ChunkSelection {
    fn from(window: RangeInclusive<Timestamp>) -> Self {
        ChunkSelection::Window(window)
    }
}
