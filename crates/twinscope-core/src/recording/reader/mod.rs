//! Reading a recording: opened through its footer, summary and side index (a few small reads,
//! however big the file), or recovered chunk by chunk when it was cut off; queried by source
//! time.

mod open;

use super::format;
use super::problems::{
    ChunkInfo, ChunkSelection, Problem, ProblemKind, RecordedSignal, RecordingProblems,
    SummaryStatus,
};
use super::scan::{self, ChunkItem, Source};
use super::{RecordingError, RecordingMeta, Result};
use crate::freshness::LinkEvent;
use crate::signal::{Sample, Timestamp};
use mcap::records::op;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A decoded message: signal number, source time, value.
#[derive(Clone, Copy)]
struct Decoded {
    signal: u32,
    time: i64,
    value: f64,
}

/// An open recording.
pub struct RecordingReader {
    path: PathBuf,
    source: Source,
    meta: Option<RecordingMeta>,
    signals: Vec<RecordedSignal>,
    /// MCAP channel id → index into `signals`.
    channel_signal: HashMap<u16, u32>,
    chunks: Vec<ChunkInfo>,
    /// Per signal, the chunk numbers that hold it.
    presence: Vec<Vec<Range<u32>>>,
    /// Chunks found damaged since opening (their problem is recorded once).
    bad_chunks: HashSet<usize>,
    /// Chunks whose bad messages (and link events) have been taken in already.
    noted_chunks: HashSet<usize>,
    /// Channels that carry the source's link changes, not a signal.
    link_channels: HashSet<u16>,
    /// The chunks holding link events, from the side index (empty when every chunk was
    /// decoded at open, which collected the events already).
    link_presence: Vec<Range<u32>>,
    /// Link events from the chunks decoded so far, in decoding order.
    link_events: Vec<LinkEvent>,
    problems: RecordingProblems,
}

impl RecordingReader {
    /// Opens a recording. A finished file costs two reads (footer, summary) plus the side
    /// index; a file without a usable summary is walked and every complete chunk recovered.
    /// Fails only when the file cannot be read or is not MCAP at all.
    pub fn open(path: &Path) -> Result<RecordingReader> {
        Self::open_with_progress(path, &mut |_, _| {})
    }

    /// [`open`](Self::open), reporting `(bytes done, bytes total)` while it has to scan.
    pub(crate) fn open_with_progress(
        path: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<RecordingReader> {
        let io = |action, cause| RecordingError::Io {
            action,
            path: path.to_path_buf(),
            cause,
        };
        let file = std::fs::File::open(path).map_err(|e| io("open", e))?;
        let len = file.metadata().map_err(|e| io("read", e))?.len();
        let source = Source::new(file, len);
        let magic_len = mcap::MAGIC.len() as u64;
        let head = source
            .read_at(0, magic_len.min(len))
            .map_err(|e| io("read", e))?;
        if head != mcap::MAGIC {
            let reason = if head.is_empty() {
                "the file is empty".to_owned()
            } else if mcap::MAGIC.starts_with(&head) {
                "the file ends inside the MCAP magic".to_owned()
            } else {
                "it does not start with the MCAP magic bytes".to_owned()
            };
            return Err(RecordingError::NotMcap {
                path: path.to_path_buf(),
                reason,
            });
        }
        let mut reader = RecordingReader {
            path: path.to_path_buf(),
            source,
            meta: None,
            signals: Vec::new(),
            channel_signal: HashMap::new(),
            chunks: Vec::new(),
            presence: Vec::new(),
            bad_chunks: HashSet::new(),
            noted_chunks: HashSet::new(),
            link_channels: HashSet::new(),
            link_presence: Vec::new(),
            link_events: Vec::new(),
            problems: RecordingProblems {
                summary: SummaryStatus::Present,
                skipped: Vec::new(),
                truncated_tail: None,
                index_rebuilt: None,
            },
        };
        match scan::read_summary(&reader.source) {
            Ok(summary) => reader.load_summary(summary, progress),
            Err(why) => {
                reader.problems.summary = SummaryStatus::Missing(why);
                reader.recover(progress)
            }
        }
        .map_err(|e| io("read", e))?;
        reader.finish_signals();
        Ok(reader)
    }
}

impl RecordingReader {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the file when opened.
    pub fn file_len(&self) -> u64 {
        self.source.len
    }

    /// The `twinscope` metadata record (scene, source, start time), if the file has one.
    pub fn meta(&self) -> Option<&RecordingMeta> {
        self.meta.as_ref()
    }

    /// Signals in the file, sorted by id.
    pub fn signals(&self) -> &[RecordedSignal] {
        &self.signals
    }

    /// Earliest and latest source time in the file.
    pub fn time_span(&self) -> Option<(Timestamp, Timestamp)> {
        self.chunks
            .iter()
            .filter_map(|c| c.time_span)
            .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
    }

    /// Number of chunks (readable ones, when the file was recovered).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// The chunks, in file order.
    pub fn chunks(&self) -> &[ChunkInfo] {
        &self.chunks
    }

    /// Messages in the file (as the summary counts them, or as recovered).
    pub fn message_count(&self) -> u64 {
        self.signals.iter().map(|s| s.message_count).sum()
    }

    /// The source's connection changes the file recorded, oldest first; `None` when it has no
    /// link channel (the simulator, imports and other tools write none, so such a file says
    /// nothing about its source's connection). Decodes the few chunks that hold them unless
    /// they were decoded already.
    pub fn link_events(&mut self) -> Result<Option<Vec<LinkEvent>>> {
        if self.link_channels.is_empty() {
            return Ok(None);
        }
        let wanted: Vec<usize> = self
            .link_presence
            .iter()
            .flat_map(|run| run.start as usize..run.end as usize)
            .filter(|i| *i < self.chunks.len() && !self.noted_chunks.contains(i))
            .collect();
        for i in wanted {
            self.decode_checked(i)?;
        }
        let mut events = self.link_events.clone();
        events.sort_by_key(|e| e.time);
        Ok(Some(events))
    }

    /// What could not be read so far (reads add chunks found damaged later).
    pub fn problems(&self) -> &RecordingProblems {
        &self.problems
    }

    /// Decodes the selected chunks. A window returns only its samples, sorted by source time
    /// (ties in file order); chunk numbers return every sample in file order. Damaged chunks
    /// are skipped and recorded in [`problems`](Self::problems); `Err` only for I/O errors.
    pub fn read_chunks(&mut self, selection: impl Into<ChunkSelection>) -> Result<Vec<Sample>> {
        match selection.into() {
            ChunkSelection::Indices(range) => {
                let range = range.start.min(self.chunks.len())..range.end.min(self.chunks.len());
                let mut out = Vec::new();
                for i in range {
                    if let Some(decoded) = self.decode_checked(i)? {
                        out.extend(decoded.iter().map(|d| self.sample(d)));
                    }
                }
                Ok(out)
            }
            ChunkSelection::Window(window) => {
                let (start, end) = (window.start().0, window.end().0);
                let mut hits: Vec<Decoded> = Vec::new();
                for i in 0..self.chunks.len() {
                    let Some((a, b)) = self.chunks[i].time_span else {
                        continue;
                    };
                    if a.0 > end || b.0 < start {
                        continue;
                    }
                    if let Some(decoded) = self.decode_checked(i)? {
                        hits.extend(
                            decoded
                                .into_iter()
                                .filter(|d| (start..=end).contains(&d.time)),
                        );
                    }
                }
                hits.sort_by_key(|d| d.time);
                Ok(hits.iter().map(|d| self.sample(d)).collect())
            }
        }
    }

    /// Each signal's last sample at or before source time `t` (ties: the one written last),
    /// sorted by signal id. Decodes chunks from the one covering `t` backwards and stops as
    /// soon as no older chunk can hold anything later for a signal still missing.
    pub fn latest_before(&mut self, t: Timestamp) -> Result<Vec<Sample>> {
        let t = t.0;
        let mut candidates: Vec<(i64, usize)> = self
            .chunks
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c.time_span {
                Some((a, b)) if a.0 <= t => Some((b.0.min(t), i)),
                _ => None,
            })
            .collect();
        // Most promising first: highest bound, then latest chunk.
        candidates.sort_unstable_by(|a, b| b.cmp(a));
        // Best so far per signal: (time, chunk, value); within a chunk later messages win ties.
        let mut best: Vec<Option<(i64, usize, f64)>> = vec![None; self.signals.len()];
        let mut open: Vec<u32> = (0..self.signals.len() as u32)
            .filter(|&s| self.signals[s as usize].message_count > 0)
            .collect();
        for (bound, i) in candidates {
            // A signal is settled when nothing in this (or any later-listed) chunk can beat it.
            open.retain(|&s| match best[s as usize] {
                Some((time, chunk, _)) => (time, chunk) < (bound, i),
                None => true,
            });
            if open.is_empty() {
                break;
            }
            let wanted = open
                .iter()
                .any(|&s| format::runs_contain(&self.presence[s as usize], i as u32));
            if !wanted {
                continue;
            }
            let Some(decoded) = self.decode_checked(i)? else {
                continue;
            };
            for d in decoded.iter().filter(|d| d.time <= t) {
                let slot = &mut best[d.signal as usize];
                if slot.is_none_or(|(time, chunk, _)| (d.time, i) >= (time, chunk)) {
                    *slot = Some((d.time, i, d.value));
                }
            }
        }
        Ok(best
            .iter()
            .enumerate()
            .filter_map(|(s, b)| {
                b.map(|(time, _, value)| {
                    Sample::new(self.signals[s].id.clone(), Timestamp(time), value)
                })
            })
            .collect())
    }

    /// Streams every readable sample in chunk order, one batch per chunk, reporting
    /// `(bytes done, bytes total)`. Stops at the first error the sink returns.
    pub(crate) fn for_each_batch<E: From<RecordingError>>(
        &mut self,
        progress: &mut dyn FnMut(u64, u64),
        sink: &mut dyn FnMut(Vec<Sample>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let total = self.source.len;
        for i in 0..self.chunks.len() {
            progress(self.chunks[i].offset, total);
            if let Some(decoded) = self.decode_checked(i)? {
                sink(decoded.iter().map(|d| self.sample(d)).collect())?;
            }
        }
        progress(total, total);
        Ok(())
    }

    fn sample(&self, d: &Decoded) -> Sample {
        Sample::new(
            self.signals[d.signal as usize].id.clone(),
            Timestamp(d.time),
            d.value,
        )
    }

    /// [`decode`](Self::decode) with I/O errors as this module's error.
    fn decode_checked(&mut self, i: usize) -> Result<Option<Vec<Decoded>>> {
        self.decode(i).map_err(|cause| RecordingError::Io {
            action: "read",
            path: self.path.clone(),
            cause,
        })
    }

    /// Reads and decodes chunk `i`; `None` (with a problem recorded once) when it is damaged.
    fn decode(&mut self, i: usize) -> std::io::Result<Option<Vec<Decoded>>> {
        if self.bad_chunks.contains(&i) {
            return Ok(None);
        }
        let chunk = &self.chunks[i];
        if chunk.length < scan::RECORD_PREFIX {
            self.chunk_problem(
                i,
                "the chunk index gives a record too short to be a chunk".into(),
            );
            return Ok(None);
        }
        let bytes = match self.source.read_at(chunk.offset, chunk.length) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                self.chunk_problem(i, format!("the chunk index points past the end: {e}"));
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if bytes[0] != op::CHUNK {
            self.chunk_problem(
                i,
                format!("found record type {:#04x}, not a chunk", bytes[0]),
            );
            return Ok(None);
        }
        Ok(self.decode_record(i, &bytes))
    }

    /// Decodes a whole chunk record; learns channels defined in it (needed when recovering).
    fn decode_record(&mut self, i: usize, record: &[u8]) -> Option<Vec<Decoded>> {
        let mut decoded = Vec::new();
        let mut bad: Option<(u64, String)> = None;
        let mut unknown: BTreeMap<u16, u64> = BTreeMap::new();
        let mut links = Vec::new();
        let result = scan::decode_chunk(record, &mut |item| match item {
            ChunkItem::Channel(channel) => self.add_channel(&channel),
            ChunkItem::Message {
                channel,
                publish_time,
                data,
            } => {
                if self.link_channels.contains(&channel) {
                    let event = i64::try_from(publish_time)
                        .ok()
                        .and_then(|time| format::decode_link(data, time));
                    match event {
                        Some(event) => links.push(event),
                        None => {
                            bad.get_or_insert((0, "a link event that does not parse".into()))
                                .0 += 1;
                        }
                    }
                    return;
                }
                let Some(&signal) = self.channel_signal.get(&channel) else {
                    *unknown.entry(channel).or_default() += 1;
                    return;
                };
                let value = match i64::try_from(publish_time) {
                    Ok(time) => format::decode_value(data)
                        .map(|value| (time, value))
                        .map_err(|e| e.to_string()),
                    Err(_) => Err(format!("publish time {publish_time} is past 2262")),
                };
                match value {
                    Ok((time, value)) => decoded.push(Decoded {
                        signal,
                        time,
                        value,
                    }),
                    Err(why) => bad.get_or_insert((0, why)).0 += 1,
                }
            }
        });
        if let Err(why) = result {
            self.chunk_problem(i, why);
            return None;
        }
        if !self.noted_chunks.insert(i) {
            return Some(decoded);
        }
        self.link_events.append(&mut links);
        let chunk = &self.chunks[i];
        if let Some((count, first)) = bad {
            self.problems.skipped.push(Problem {
                kind: ProblemKind::BadMessages,
                offset: chunk.offset,
                length: chunk.length,
                messages: Some(count),
                detail: format!("first: {first}"),
            });
        }
        if !unknown.is_empty() {
            let ids: Vec<String> = unknown.keys().map(u16::to_string).collect();
            self.problems.skipped.push(Problem {
                kind: ProblemKind::UnknownChannel,
                offset: chunk.offset,
                length: chunk.length,
                messages: Some(unknown.values().sum()),
                detail: format!(
                    "channel {} was defined in a damaged part of the file",
                    ids.join(", ")
                ),
            });
        }
        Some(decoded)
    }

    fn chunk_problem(&mut self, i: usize, detail: String) {
        if !self.bad_chunks.insert(i) {
            return;
        }
        let chunk = &self.chunks[i];
        self.problems.skipped.push(Problem {
            kind: ProblemKind::CorruptChunk,
            offset: chunk.offset,
            length: chunk.length,
            messages: (chunk.messages > 0).then_some(chunk.messages),
            detail,
        });
    }
}
