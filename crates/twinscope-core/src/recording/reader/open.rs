//! Opening a recording: through the summary and twinscope's side index (a few small reads),
//! through the MCAP chunk indexes with every chunk decoded, or by walking a file that has no
//! usable summary.

use super::{Decoded, RecordingReader};
use crate::recording::fields;
use crate::recording::format::{self, SideIndex};
use crate::recording::problems::{
    ChunkInfo, Problem, ProblemKind, RecordedSignal, SummaryStatus, TruncatedTail,
};
use crate::recording::scan::{self, Walked};
use crate::signal::{SignalId, Timestamp};
use mcap::records::{self, Record, op};
use std::ops::Range;

impl RecordingReader {
    /// Builds the index from the summary, and the side index when it is there and agrees.
    pub(super) fn load_summary(
        &mut self,
        summary: scan::Summary,
        progress: &mut dyn FnMut(u64, u64),
    ) -> std::io::Result<()> {
        for channel in &summary.channels {
            self.add_channel(channel);
        }
        if let Some(stats) = &summary.statistics {
            for (channel, count) in &stats.channel_message_counts {
                if let Some(&signal) = self.channel_signal.get(channel) {
                    self.signals[signal as usize].message_count += count;
                }
            }
        }
        if let Some(index) = summary
            .metadata_indexes
            .iter()
            .find(|m| m.name == format::METADATA_NAME)
            && let Ok(Record::Metadata(m)) =
                scan::read_record(&self.source, index.offset, index.length, op::METADATA)
        {
            self.meta = Some(crate::recording::writer::meta_from_record(&m.metadata));
        }
        match self.read_side_index(&summary) {
            Ok(side) => {
                self.apply_side_index(side);
                Ok(())
            }
            Err(why) => {
                self.problems.index_rebuilt = Some(why);
                self.load_chunk_indexes(&summary, progress)
            }
        }
    }

    /// The slow way in: every chunk index from the summary, then every chunk decoded.
    fn load_chunk_indexes(
        &mut self,
        summary: &scan::Summary,
        progress: &mut dyn FnMut(u64, u64),
    ) -> std::io::Result<()> {
        let indexes = match summary.chunk_indexes() {
            Ok(indexes) if !summary_lacks_chunk_indexes(summary, &indexes) => indexes,
            Ok(_) => {
                self.problems.summary =
                    SummaryStatus::Missing("the summary has no chunk indexes".into());
                return self.recover(progress);
            }
            Err(why) => {
                self.problems.summary = SummaryStatus::Missing(why);
                return self.recover(progress);
            }
        };
        self.chunks = indexes
            .iter()
            .map(|index| ChunkInfo {
                offset: index.chunk_start_offset,
                length: index.chunk_length,
                compression: index.compression.clone(),
                compressed_size: index.compressed_size,
                uncompressed_size: index.uncompressed_size,
                messages: 0,
                time_span: None,
            })
            .collect();
        self.rebuild_index(progress)
    }

    /// The side index, if the file has one that agrees with its statistics.
    fn read_side_index(&self, summary: &scan::Summary) -> Result<SideIndex, String> {
        let index = summary
            .attachment_indexes
            .iter()
            .find(|a| a.name == format::SIDE_INDEX_NAME)
            .ok_or("the file has no twinscope chunk index (written by another tool?)")?;
        let data = match scan::read_record(&self.source, index.offset, index.length, op::ATTACHMENT)
        {
            Ok(Record::Attachment { data, .. }) => data,
            Ok(_) => return Err("the chunk index attachment is not an attachment".into()),
            Err(e) => return Err(format!("the chunk index attachment is damaged: {e}")),
        };
        let side = SideIndex::decode(&data).ok_or("the chunk index is not in a known format")?;
        let counted = summary.statistics.as_ref().map(|s| s.chunk_count as usize);
        if counted.is_some_and(|count| count != side.chunks.len()) {
            return Err("the chunk index does not match the file's chunk count".into());
        }
        if side
            .chunks
            .last()
            .is_some_and(|c| c.offset + c.length > self.source.len)
        {
            return Err("the chunk index points past the end of the file".into());
        }
        Ok(side)
    }

    fn apply_side_index(&mut self, side: SideIndex) {
        self.chunks = side
            .chunks
            .into_iter()
            .map(|c| ChunkInfo {
                offset: c.offset,
                length: c.length,
                compression: c.compression,
                compressed_size: c.compressed_size,
                uncompressed_size: c.uncompressed_size,
                messages: c.messages,
                time_span: (c.messages > 0)
                    .then_some((Timestamp(c.publish_min), Timestamp(c.publish_max))),
            })
            .collect();
        for (channel, runs) in &side.channels {
            if let Some(&signal) = self.channel_signal.get(channel) {
                merge_runs(&mut self.presence[signal as usize], runs);
            } else if self.link_channels.contains(channel) {
                merge_runs(&mut self.link_presence, runs);
            }
        }
    }

    /// Decodes every chunk to learn what the side index would have said.
    fn rebuild_index(&mut self, progress: &mut dyn FnMut(u64, u64)) -> std::io::Result<()> {
        for signal in &mut self.signals {
            signal.message_count = 0;
        }
        let total = self.source.len;
        for i in 0..self.chunks.len() {
            progress(self.chunks[i].offset, total);
            if let Some(decoded) = self.decode(i)? {
                self.note_chunk(i, &decoded);
            }
        }
        progress(total, total);
        Ok(())
    }

    /// Records what a decoded chunk holds: its span, count, and which signals are in it.
    fn note_chunk(&mut self, i: usize, decoded: &[Decoded]) {
        let chunk = &mut self.chunks[i];
        chunk.messages = decoded.len() as u64;
        chunk.time_span = decoded.iter().fold(None, |span, d| {
            let t = Timestamp(d.time);
            Some(match span {
                None => (t, t),
                Some((a, b)) => (t.min(a), t.max(b)),
            })
        });
        for d in decoded {
            self.signals[d.signal as usize].message_count += 1;
            format::push_run(&mut self.presence[d.signal as usize], i as u32);
        }
    }

    /// Walks a file without a usable summary, keeping every chunk that decodes.
    pub(super) fn recover(&mut self, progress: &mut dyn FnMut(u64, u64)) -> std::io::Result<()> {
        // Counts come from what decodes, not from a summary that could not be used.
        for signal in &mut self.signals {
            signal.message_count = 0;
        }
        self.chunks.clear();
        let total = self.source.len;
        let mut unchunked: Option<Problem> = None;
        let mut walker = scan::Walker::new();
        let mut reached_data_end = false;
        loop {
            progress(walker.position(), total);
            let Some(walked) = walker.next(&self.source)? else {
                break;
            };
            match walked {
                Walked::Record {
                    opcode: op::DATA_END | op::FOOTER,
                    ..
                } => {
                    reached_data_end = true;
                    break;
                }
                Walked::Record {
                    offset,
                    opcode,
                    bytes,
                } => self.recover_record(offset, opcode, &bytes, &mut unchunked),
                Walked::Unreadable { offset, bytes } => self.problems.skipped.push(Problem {
                    kind: ProblemKind::Unreadable,
                    offset,
                    length: bytes,
                    messages: None,
                    detail: "bytes that are not MCAP records (damaged), skipped to the next chunk"
                        .into(),
                }),
                Walked::TruncatedTail { offset, bytes } => {
                    self.problems.truncated_tail = Some(TruncatedTail { offset, bytes });
                }
            }
        }
        if !reached_data_end && self.problems.truncated_tail.is_none() {
            // Ended exactly after a record, with no data end: cut off between chunks.
            self.problems.truncated_tail = Some(TruncatedTail {
                offset: total,
                bytes: 0,
            });
        }
        progress(total, total);
        if let Some(problem) = unchunked {
            self.problems.skipped.push(problem);
        }
        Ok(())
    }

    fn recover_record(
        &mut self,
        offset: u64,
        opcode: u8,
        bytes: &[u8],
        unchunked: &mut Option<Problem>,
    ) {
        let length = bytes.len() as u64;
        let body = &bytes[scan::RECORD_PREFIX as usize..];
        match opcode {
            op::CHUNK => self.recover_chunk(offset, bytes),
            op::CHANNEL => {
                if let Ok(Record::Channel(channel)) = fields::parse_record(op::CHANNEL, body) {
                    self.add_channel(&channel);
                }
            }
            op::METADATA => {
                if let Ok(Record::Metadata(m)) = fields::parse_record(op::METADATA, body)
                    && m.name == format::METADATA_NAME
                {
                    self.meta = Some(crate::recording::writer::meta_from_record(&m.metadata));
                }
            }
            op::MESSAGE => {
                let problem = unchunked.get_or_insert(Problem {
                    kind: ProblemKind::UnchunkedMessages,
                    offset,
                    length: 0,
                    messages: Some(0),
                    detail: "twinscope reads chunked recordings only".into(),
                });
                problem.length = offset + length - problem.offset;
                problem.messages = problem.messages.map(|m| m + 1);
            }
            _ => {}
        }
    }

    fn recover_chunk(&mut self, offset: u64, bytes: &[u8]) {
        let length = bytes.len() as u64;
        let body = &bytes[scan::RECORD_PREFIX as usize..];
        let header = match fields::parse_record(op::CHUNK, body) {
            Ok(Record::Chunk { header, .. }) => header,
            _ => records::ChunkHeader {
                message_start_time: 0,
                message_end_time: 0,
                uncompressed_size: 0,
                uncompressed_crc: 0,
                compression: String::new(),
                compressed_size: 0,
            },
        };
        let i = self.chunks.len();
        self.chunks.push(ChunkInfo {
            offset,
            length,
            compression: header.compression,
            compressed_size: header.compressed_size,
            uncompressed_size: header.uncompressed_size,
            messages: 0,
            time_span: None,
        });
        match self.decode_record(i, bytes) {
            Some(decoded) => self.note_chunk(i, &decoded),
            // A damaged chunk stays out of the index; its problem is recorded.
            None => {
                self.chunks.pop();
                self.bad_chunks.remove(&i);
            }
        }
    }

    /// Registers a channel (from the summary or a chunk) under its signal.
    pub(super) fn add_channel(&mut self, channel: &records::Channel) {
        if self.channel_signal.contains_key(&channel.id) {
            return;
        }
        if channel.metadata.get(format::META_KIND).map(String::as_str) == Some(format::KIND_LINK) {
            self.link_channels.insert(channel.id);
            return;
        }
        let id = channel
            .metadata
            .get(format::META_SIGNAL)
            .map(SignalId::new)
            .unwrap_or_else(|| format::signal_from_topic(&channel.topic));
        let unit = channel
            .metadata
            .get(format::META_UNIT)
            .filter(|u| !u.is_empty())
            .cloned();
        let index = match self.signals.iter().position(|s| s.id == id) {
            Some(index) => index,
            None => {
                self.signals.push(RecordedSignal {
                    id,
                    unit,
                    message_count: 0,
                });
                self.presence.push(Vec::new());
                self.signals.len() - 1
            }
        };
        self.channel_signal.insert(channel.id, index as u32);
    }

    /// Sorts signals by id (renumbering everything that points at them).
    pub(super) fn finish_signals(&mut self) {
        let mut order: Vec<usize> = (0..self.signals.len()).collect();
        order.sort_by(|&a, &b| self.signals[a].id.cmp(&self.signals[b].id));
        let mut new_index = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new as u32;
        }
        self.signals = order.iter().map(|&i| self.signals[i].clone()).collect();
        self.presence = order
            .iter()
            .map(|&i| std::mem::take(&mut self.presence[i]))
            .collect();
        for signal in self.channel_signal.values_mut() {
            *signal = new_index[*signal as usize];
        }
    }
}

/// A summary that lists chunks in its statistics but indexes none cannot be used to seek.
fn summary_lacks_chunk_indexes(summary: &scan::Summary, indexes: &[records::ChunkIndex]) -> bool {
    indexes.is_empty()
        && summary
            .statistics
            .as_ref()
            .is_some_and(|stats| stats.chunk_count > 0)
}

/// Unions `more` into `runs` (both sorted and disjoint).
fn merge_runs(runs: &mut Vec<Range<u32>>, more: &[Range<u32>]) {
    if runs.is_empty() {
        runs.extend_from_slice(more);
        return;
    }
    runs.extend_from_slice(more);
    runs.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<u32>> = Vec::with_capacity(runs.len());
    for run in runs.drain(..) {
        match merged.last_mut() {
            Some(last) if run.start <= last.end => last.end = last.end.max(run.end),
            _ => merged.push(run),
        }
    }
    *runs = merged;
}
