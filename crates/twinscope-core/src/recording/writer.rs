//! Writing a recording: samples → one MCAP channel per signal, zstd chunks of ≤ 1 MiB that the
//! caller can end at any time so a killed process loses only the open chunk.

use super::format::{self, SideChunk, SideIndex};
use super::scan;
use super::{RecordingError, RecordingMeta, RecordingStats, Result};
use crate::signal::{Sample, SignalId, Timestamp};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The most signals one recording holds: MCAP channel ids are 16-bit, and the writer library
/// panics past them, so the writer stops here with [`RecordingError::TooManySignals`].
pub const MAX_SIGNALS: usize = u16::MAX as usize - 1;

/// Bytes of a message record besides its body: opcode, length, channel, sequence, two times.
const MESSAGE_OVERHEAD: u64 = 1 + 8 + 2 + 4 + 8 + 8;

/// One signal's channel.
struct ChannelState {
    id: u16,
    sequence: u32,
    runs: Vec<Range<u32>>,
    /// Last chunk number this channel was seen in, to add each chunk to `runs` once.
    last_chunk: Option<u32>,
}

/// Which schema a new channel's messages follow.
enum ChannelSchema {
    /// `twinscope.Sample`, written once at the start.
    Sample,
    /// `twinscope.Link`, written with the link channel.
    Link,
}

/// `span` grown to include `t` (or just `t`).
fn widen<T: Ord + Copy>(span: Option<(T, T)>, t: T) -> (T, T) {
    match span {
        None => (t, t),
        Some((a, b)) => (a.min(t), b.max(t)),
    }
}

/// What the open chunk holds so far, for the side index.
#[derive(Default)]
struct OpenChunk {
    /// Something (a channel or a message) went into it, so MCAP will write a chunk.
    open: bool,
    /// Where its record starts (the file position when it opened).
    start: u64,
    bytes: u64,
    messages: u64,
    log: Option<(u64, u64)>,
    publish: Option<(i64, i64)>,
}

/// Writes one recording file. Call [`finish`](Self::finish) to write the summary; dropping it
/// finishes too, but can only ignore errors.
pub struct RecordingWriter {
    mcap: Option<mcap::Writer<TrackedFile>>,
    path: PathBuf,
    schema_id: u16,
    channels: HashMap<SignalId, ChannelState>,
    /// The link channel, created with the first link event.
    link: Option<ChannelState>,
    topics: HashSet<String>,
    chunk: OpenChunk,
    side: Vec<SideChunk>,
    /// A read handle to read each finished chunk's header back for the side index; `None`
    /// when that failed once (the file then gets no side index and readers rebuild it).
    readback: Option<File>,
    body: Vec<u8>,
    stats: RecordingStats,
    file: Arc<FilePosition>,
}

/// Where the file's writer is, shared out of the MCAP writer that owns it.
#[derive(Default)]
struct FilePosition {
    /// The current write position.
    pos: AtomicU64,
    /// The furthest byte written: the file size.
    len: AtomicU64,
}

impl RecordingWriter {
    /// Creates (or truncates) `path` and writes the header, the `twinscope` metadata record and
    /// a channel for each declared signal.
    pub fn create(path: &Path, meta: &RecordingMeta) -> Result<Self> {
        let file = File::create(path).map_err(|cause| RecordingError::Io {
            action: "create",
            path: path.to_path_buf(),
            cause,
        })?;
        let position = Arc::new(FilePosition::default());
        let tracked = TrackedFile {
            inner: BufWriter::with_capacity(256 * 1024, file),
            pos: 0,
            shared: Arc::clone(&position),
        };
        let readback = File::open(path).ok();
        let mcap_error = |cause| RecordingError::Mcap {
            path: path.to_path_buf(),
            cause,
        };
        let options = mcap::WriteOptions::new()
            .profile(format::PROFILE)
            .library(format::LIBRARY)
            .compression(Some(mcap::Compression::Zstd))
            // Chunks end where this writer says (see `write`), so it knows each chunk's
            // contents for the side index. Message indexes stay on: Foxglove's indexed reader
            // refuses chunks without them.
            .chunk_size(None)
            // One thread: a recording is a trickle, and the viewer needs the cores.
            .compression_threads(0);
        let mut mcap = options.create(tracked).map_err(mcap_error)?;
        // Metadata first, while no chunk is open (writing it would end one).
        mcap.write_metadata(&mcap::records::Metadata {
            name: format::METADATA_NAME.to_owned(),
            metadata: meta_record(meta),
        })
        .map_err(mcap_error)?;
        let first_chunk_start = position.pos.load(Ordering::Relaxed);
        let schema_id = mcap
            .add_schema(
                format::SCHEMA_NAME,
                format::SCHEMA_ENCODING,
                format::SCHEMA_DATA.as_bytes(),
            )
            .map_err(mcap_error)?;
        let mut writer = Self {
            mcap: Some(mcap),
            path: path.to_path_buf(),
            schema_id,
            channels: HashMap::new(),
            link: None,
            topics: HashSet::new(),
            // The schema record opened the first chunk.
            chunk: OpenChunk {
                open: true,
                start: first_chunk_start,
                ..OpenChunk::default()
            },
            side: Vec::new(),
            readback,
            body: Vec::with_capacity(64),
            stats: RecordingStats::default(),
            file: position,
        };
        for signal in &meta.signals {
            writer.declare(&signal.id, signal.unit.as_deref())?;
        }
        Ok(writer)
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Registers a signal's channel with its unit before its first sample. A signal already
    /// seen keeps the channel it has (a channel cannot change once written).
    pub(crate) fn declare(&mut self, id: &SignalId, unit: Option<&str>) -> Result<()> {
        if self.channels.contains_key(id) {
            return Ok(());
        }
        self.add_channel(id, unit).map(|_| ())
    }

    fn add_channel(&mut self, id: &SignalId, unit: Option<&str>) -> Result<&mut ChannelState> {
        if self.channels.len() >= MAX_SIGNALS {
            return Err(RecordingError::TooManySignals {
                path: self.path.clone(),
                limit: MAX_SIGNALS,
            });
        }
        let mut topic = format::topic_for(id);
        // Two ids can map to one topic (`a.b`, `a/b`); keep topics apart for Foxglove.
        if self.topics.contains(&topic) {
            let base = topic.clone();
            let mut n = 2;
            while self.topics.contains(&topic) {
                topic = format!("{base}~{n}");
                n += 1;
            }
        }
        let mut metadata = BTreeMap::new();
        metadata.insert(format::META_SIGNAL.to_owned(), id.as_str().to_owned());
        if let Some(unit) = unit.filter(|u| !u.is_empty()) {
            metadata.insert(format::META_UNIT.to_owned(), unit.to_owned());
        }
        let bytes = 64 + topic.len() as u64 + id.as_str().len() as u64;
        let channel = self.write_channel(ChannelSchema::Sample, topic, &metadata, bytes)?;
        self.stats.signals += 1;
        Ok(self.channels.entry(id.clone()).or_insert(channel))
    }

    /// Writes a channel record (after its schema record, for the link channel) into the open
    /// chunk, opening one if needed; `bytes` is what they add to the chunk, about.
    fn write_channel(
        &mut self,
        schema: ChannelSchema,
        topic: String,
        metadata: &BTreeMap<String, String>,
        bytes: u64,
    ) -> Result<ChannelState> {
        let path = &self.path;
        let mcap_error = |cause| RecordingError::Mcap {
            path: path.clone(),
            cause,
        };
        let before = self.file.pos.load(Ordering::Relaxed);
        let mcap = self.mcap.as_mut().ok_or_else(|| finished(path))?;
        let schema_id = match schema {
            ChannelSchema::Sample => self.schema_id,
            ChannelSchema::Link => mcap
                .add_schema(
                    format::LINK_SCHEMA_NAME,
                    format::SCHEMA_ENCODING,
                    format::LINK_SCHEMA_DATA.as_bytes(),
                )
                .map_err(mcap_error)?,
        };
        let id = mcap
            .add_channel(schema_id, &topic, format::MESSAGE_ENCODING, metadata)
            .map_err(mcap_error)?;
        self.chunk.open_at(before);
        self.chunk.bytes += bytes;
        self.topics.insert(topic);
        Ok(ChannelState {
            id,
            sequence: 0,
            runs: Vec::new(),
            last_chunk: None,
        })
    }

    /// Writes one sample received at `receive_time` (the MCAP log time; the sample's own time
    /// is the publish time). Samples before 1970 are counted in `rejected`, not written.
    pub fn write(&mut self, sample: &Sample, receive_time: Timestamp) -> Result<()> {
        let (Ok(publish_time), Ok(log_time)) =
            (u64::try_from(sample.time.0), u64::try_from(receive_time.0))
        else {
            self.stats.rejected += 1;
            return Ok(());
        };
        self.body.clear();
        format::encode_value(sample.value, &mut self.body);
        self.make_room()?;
        if !self.channels.contains_key(&sample.signal) {
            self.add_channel(&sample.signal, None)?;
        }
        self.emit(Some(&sample.signal), publish_time, log_time)?;
        self.stats.samples += 1;
        self.stats.time_span = Some(widen(self.stats.time_span, sample.time));
        Ok(())
    }

    /// Writes a change of the source's connection on the link channel (created with the first
    /// one), so readers know when the data stopped because the link did. Events before 1970
    /// are dropped like such samples.
    pub fn write_link(&mut self, event: &crate::freshness::LinkEvent) -> Result<()> {
        let Ok(time) = u64::try_from(event.time.0) else {
            return Ok(());
        };
        self.body.clear();
        format::encode_link(event, &mut self.body);
        self.make_room()?;
        if self.link.is_none() {
            self.add_link_channel()?;
        }
        self.emit(None, time, time)
    }

    /// Ends the open chunk first when the message in `body` would take it past its target.
    fn make_room(&mut self) -> Result<()> {
        let record_bytes = MESSAGE_OVERHEAD + self.body.len() as u64;
        if self.chunk.messages > 0 && self.chunk.bytes + record_bytes > format::CHUNK_TARGET_BYTES {
            self.flush_chunk()?;
        }
        Ok(())
    }

    /// Writes `body` as the next message of `signal`'s channel (the link channel for `None`)
    /// and notes it in the chunk's bookkeeping.
    fn emit(&mut self, signal: Option<&SignalId>, publish_time: u64, log_time: u64) -> Result<()> {
        let chunk_number = self.stats.chunks as u32;
        let channel = match signal {
            Some(signal) => self.channels.get_mut(signal),
            None => self.link.as_mut(),
        };
        let Some(channel) = channel else {
            return Err(finished(&self.path));
        };
        let header = mcap::records::MessageHeader {
            channel_id: channel.id,
            sequence: channel.sequence,
            log_time,
            publish_time,
        };
        channel.sequence = channel.sequence.wrapping_add(1);
        if channel.last_chunk != Some(chunk_number) {
            channel.last_chunk = Some(chunk_number);
            format::push_run(&mut channel.runs, chunk_number);
        }
        let path = &self.path;
        let before = self.file.pos.load(Ordering::Relaxed);
        let mcap = self.mcap.as_mut().ok_or_else(|| finished(path))?;
        mcap.write_to_known_channel(&header, &self.body)
            .map_err(|cause| RecordingError::Mcap {
                path: path.clone(),
                cause,
            })?;
        let chunk = &mut self.chunk;
        chunk.open_at(before);
        chunk.bytes += MESSAGE_OVERHEAD + self.body.len() as u64;
        chunk.messages += 1;
        chunk.log = Some(widen(chunk.log, log_time));
        // Publish times above i64::MAX cannot come from a Timestamp.
        let t = i64::try_from(publish_time).unwrap_or(i64::MAX);
        chunk.publish = Some(widen(chunk.publish, t));
        Ok(())
    }

    /// Adds the link channel with its own schema.
    fn add_link_channel(&mut self) -> Result<()> {
        let metadata =
            BTreeMap::from([(format::META_KIND.to_owned(), format::KIND_LINK.to_owned())]);
        let bytes = 2 * 64 + format::LINK_SCHEMA_DATA.len() as u64;
        let topic = format::LINK_TOPIC.to_owned();
        self.link = Some(self.write_channel(ChannelSchema::Link, topic, &metadata, bytes)?);
        Ok(())
    }

    /// Ends the open chunk and flushes it to the file, so a process killed from here on loses
    /// nothing written so far. The recorder calls this at least once a second.
    pub fn flush_chunk(&mut self) -> Result<()> {
        let path = &self.path;
        let mcap = self.mcap.as_mut().ok_or_else(|| finished(path))?;
        mcap.flush().map_err(|cause| RecordingError::Mcap {
            path: path.clone(),
            cause,
        })?;
        self.close_side_chunk();
        Ok(())
    }

    /// Notes the chunk MCAP just ended (if one was open) in the side index, reading its
    /// header back for its length and sizes.
    fn close_side_chunk(&mut self) {
        let chunk = std::mem::take(&mut self.chunk);
        if !chunk.open {
            return;
        }
        self.stats.chunks += 1;
        let Some(readback) = &self.readback else {
            return;
        };
        let header = read_prefix(readback, chunk.start).and_then(|b| scan::parse_chunk_prefix(&b));
        let Some(header) = header else {
            // Without a trustworthy index readers fall back to the MCAP one.
            self.readback = None;
            return;
        };
        let (publish_min, publish_max) = chunk.publish.unwrap_or((0, 0));
        self.side.push(SideChunk {
            offset: chunk.start,
            length: header.length,
            compression: header.compression,
            compressed_size: header.compressed_size,
            uncompressed_size: header.uncompressed_size,
            publish_min,
            publish_max,
            messages: chunk.messages,
        });
    }

    /// Samples written so far.
    pub fn samples(&self) -> u64 {
        self.stats.samples
    }

    /// Samples refused so far for a time MCAP cannot hold.
    pub fn rejected(&self) -> u64 {
        self.stats.rejected
    }

    /// Bytes in the file so far (what has left the write buffer, plus the buffer).
    pub fn bytes(&self) -> u64 {
        self.file.len.load(Ordering::Relaxed)
    }

    /// A way to read the file size that keeps working while another thread owns the writer.
    pub(crate) fn bytes_handle(&self) -> impl Fn() -> u64 + Send + Sync + 'static {
        let file = Arc::clone(&self.file);
        move || file.len.load(Ordering::Relaxed)
    }

    /// Ends the last chunk, writes the side index, summary and footer, and syncs the file.
    pub fn finish(mut self) -> Result<RecordingStats> {
        self.finish_inner()
    }

    fn finish_inner(&mut self) -> Result<RecordingStats> {
        let path = self.path.clone();
        let mcap_error = |cause| RecordingError::Mcap {
            path: path.clone(),
            cause,
        };
        if self.mcap.is_none() {
            return Err(finished(&path));
        }
        self.flush_chunk()?;
        let mut channels: Vec<(u16, Vec<Range<u32>>)> = self
            .channels
            .values_mut()
            .chain(self.link.as_mut())
            .map(|c| (c.id, std::mem::take(&mut c.runs)))
            .collect();
        channels.sort_by_key(|(id, _)| *id);
        let side = SideIndex {
            chunks: std::mem::take(&mut self.side),
            channels,
        };
        let Some(mut mcap) = self.mcap.take() else {
            return Err(finished(&path));
        };
        if self.readback.is_some() {
            let now = u64::try_from(Timestamp::now().0).unwrap_or(0);
            let data = side.encode();
            mcap.attach(&mcap::Attachment {
                log_time: now,
                create_time: now,
                name: format::SIDE_INDEX_NAME.to_owned(),
                media_type: format::SIDE_INDEX_MEDIA_TYPE.to_owned(),
                data: std::borrow::Cow::Borrowed(&data),
            })
            .map_err(mcap_error)?;
        }
        mcap.finish().map_err(mcap_error)?;
        let tracked = mcap.into_inner();
        let file = tracked.inner.into_inner().map_err(|e| RecordingError::Io {
            action: "write",
            path: path.clone(),
            cause: e.into_error(),
        })?;
        file.sync_all().map_err(|cause| RecordingError::Io {
            action: "sync",
            path: path.clone(),
            cause,
        })?;
        self.stats.bytes = self.file.len.load(Ordering::Relaxed);
        Ok(self.stats.clone())
    }
}

impl Drop for RecordingWriter {
    fn drop(&mut self) {
        if self.mcap.is_some() {
            // Best effort: the summary makes the file quick to open; errors have nowhere to go.
            let _ = self.finish_inner();
        }
    }
}

fn finished(path: &Path) -> RecordingError {
    RecordingError::Io {
        action: "write to",
        path: path.to_path_buf(),
        cause: std::io::Error::other("the recording is already finished"),
    }
}

/// The `twinscope` metadata record's entries.
fn meta_record(meta: &RecordingMeta) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("format_version".to_owned(), "1".to_owned()),
        ("scene".to_owned(), meta.scene.clone()),
        ("source".to_owned(), meta.source.clone()),
        ("start_time".to_owned(), super::format_utc(meta.start_time)),
        ("start_time_ns".to_owned(), meta.start_time.0.to_string()),
    ])
}

/// Reads the metadata record back (the reader's half of [`meta_record`]).
pub(crate) fn meta_from_record(entries: &BTreeMap<String, String>) -> RecordingMeta {
    RecordingMeta {
        scene: entries.get("scene").cloned().unwrap_or_default(),
        source: entries.get("source").cloned().unwrap_or_default(),
        start_time: entries
            .get("start_time_ns")
            .and_then(|t| t.parse().ok())
            .map(Timestamp)
            .unwrap_or_default(),
        signals: Vec::new(),
    }
}

impl OpenChunk {
    /// Marks the chunk open; if it was not, it started at `pos`.
    fn open_at(&mut self, pos: u64) {
        if !self.open {
            self.open = true;
            self.start = pos;
        }
    }
}

/// The first bytes of the record at `offset`: enough for a chunk header.
fn read_prefix(file: &File, offset: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut file = file;
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut buf = Vec::with_capacity(scan::CHUNK_PREFIX_MAX as usize);
    file.take(scan::CHUNK_PREFIX_MAX)
        .read_to_end(&mut buf)
        .ok()?;
    Some(buf)
}

/// The file behind a buffer, tracking the write position and the furthest byte written so
/// both are known while MCAP owns the writer.
struct TrackedFile {
    inner: BufWriter<File>,
    pos: u64,
    shared: Arc<FilePosition>,
}

impl TrackedFile {
    fn moved(&self) {
        self.shared.pos.store(self.pos, Ordering::Relaxed);
        if self.pos > self.shared.len.load(Ordering::Relaxed) {
            self.shared.len.store(self.pos, Ordering::Relaxed);
        }
    }
}

impl Write for TrackedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.pos += n as u64;
        self.moved();
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Seek for TrackedFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        self.moved();
        Ok(self.pos)
    }

    fn stream_position(&mut self) -> std::io::Result<u64> {
        // Exact without asking the OS (BufWriter's would flush nothing but cost a syscall).
        Ok(self.pos)
    }
}
