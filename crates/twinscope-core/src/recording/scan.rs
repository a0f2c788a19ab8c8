//! Byte-level reading: positioned reads of the footer, summary and single chunks, and the
//! linear walk that recovers a file without a usable summary, resynchronising on the next chunk
//! after damage.

use mcap::records::{self, Record, op};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// Footer record (opcode, length, 20-byte body) plus the closing magic.
const FOOTER_AND_MAGIC: u64 = 1 + 8 + 20 + 8;
/// Bytes of a record's opcode and length.
pub(super) const RECORD_PREFIX: u64 = 9;
/// Chunk header bytes before its compression string: three times/sizes, CRC, string length.
const CHUNK_FIXED_HEAD: u64 = 8 + 8 + 8 + 4 + 4;

/// The file, read by position only (no mapping: a file being cut off under us must give read
/// errors, not a SIGBUS).
pub(super) struct Source {
    file: File,
    /// Length when opened.
    pub len: u64,
}

impl Source {
    pub(super) fn new(file: File, len: u64) -> Self {
        Self { file, len }
    }

    /// Exactly `len` bytes at `offset`.
    pub(super) fn read_at(&self, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
        let end = offset.checked_add(len).filter(|&end| end <= self.len);
        let (Some(_), Ok(size)) = (end, usize::try_from(len)) else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("{len} bytes at offset {offset} run past the end of the file"),
            ));
        };
        let mut file = &self.file;
        file.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0; size];
        file.read_exact(&mut buf)?;
        Ok(buf)
    }
}

/// What the summary section holds, read without touching the data section.
pub(super) struct Summary {
    pub channels: Vec<records::Channel>,
    pub statistics: Option<records::Statistics>,
    pub metadata_indexes: Vec<records::MetadataIndex>,
    pub attachment_indexes: Vec<records::AttachmentIndex>,
    /// The whole section, CRC-checked: its chunk indexes are parsed only when asked for
    /// ([`Summary::chunk_indexes`]), since the side index usually makes them unneeded.
    bytes: Vec<u8>,
}

impl Summary {
    /// The chunk indexes, sorted by chunk offset (megabytes of them in a big recording,
    /// parsed only when the side index cannot be used).
    pub(super) fn chunk_indexes(&self) -> Result<Vec<records::ChunkIndex>, String> {
        let mut indexes = Vec::new();
        for framed in super::fields::framed(&self.bytes) {
            let (opcode, body) = framed.map_err(damaged_summary)?;
            if opcode == op::CHUNK_INDEX
                && let Record::ChunkIndex(index) =
                    super::fields::parse_record(opcode, body).map_err(damaged_summary)?
            {
                indexes.push(index);
            }
        }
        indexes.sort_by_key(|index| index.chunk_start_offset);
        Ok(indexes)
    }
}

fn damaged_summary(why: String) -> String {
    format!("the summary section is damaged: {why}")
}

/// The footer's fields, from the end of the file.
struct Footer {
    /// Where the footer record starts.
    at: u64,
    summary_start: u64,
    summary_offset_start: u64,
    summary_crc: u32,
    /// The footer's bytes up to its CRC field (they are part of the summary CRC).
    crc_covered: Vec<u8>,
}

fn read_footer(source: &Source) -> Result<Footer, String> {
    if source.len < mcap::MAGIC.len() as u64 + FOOTER_AND_MAGIC {
        return Err("the file ends before a footer could fit".into());
    }
    let at = source.len - FOOTER_AND_MAGIC;
    let tail = source
        .read_at(at, FOOTER_AND_MAGIC)
        .map_err(|e| format!("cannot read the footer: {e}"))?;
    if &tail[29..] != mcap::MAGIC || tail[0] != op::FOOTER {
        return Err("no footer at the end: the recording was not finished".into());
    }
    let summary_start = le_u64(&tail, 9).unwrap_or(0);
    let summary_offset_start = le_u64(&tail, 17).unwrap_or(0);
    if summary_start == 0 {
        return Err("the file has no summary section".into());
    }
    let inside = |offset: u64| (mcap::MAGIC.len() as u64..=at).contains(&offset);
    if !inside(summary_start)
        || (summary_offset_start != 0
            && (!inside(summary_offset_start) || summary_offset_start < summary_start))
    {
        return Err("the footer points outside the file".into());
    }
    Ok(Footer {
        at,
        summary_start,
        summary_offset_start,
        summary_crc: u32::from_le_bytes([tail[25], tail[26], tail[27], tail[28]]),
        crc_covered: tail[..25].to_vec(),
    })
}

/// Reads the summary through the footer and checks its CRC before anything in it is used: a
/// flipped bit in a channel record would otherwise change a unit or a signal id silently. The
/// whole section is read (the CRC covers all of it: about 10 bytes per chunk and channel, 18 MB
/// for a 1 GB recording of 1,000 signals, checked at several GB/s), but only the small groups
/// are parsed (channels, statistics, metadata and attachment indexes; through the summary
/// offsets when the file has them), not the chunk indexes. `Err` says why there is no usable
/// summary (the caller then walks the file).
pub(super) fn read_summary(source: &Source) -> Result<Summary, String> {
    let footer = read_footer(source)?;
    let bytes = source
        .read_at(footer.summary_start, footer.at - footer.summary_start)
        .map_err(|e| format!("cannot read the summary: {e}"))?;
    if footer.summary_crc != 0 {
        // The CRC covers the summary and the footer up to (not including) the CRC field.
        let mut crc = Crc32::new();
        crc.update(&bytes);
        crc.update(&footer.crc_covered);
        let found = crc.finish();
        if found != footer.summary_crc {
            return Err(format!(
                "the summary section (bytes {}..{}) fails its CRC check (stored {:#010x}, \
                 computed {found:#010x}): it is damaged",
                footer.summary_start, footer.at, footer.summary_crc
            ));
        }
    }
    let mut out = Summary {
        channels: Vec::new(),
        statistics: None,
        metadata_indexes: Vec::new(),
        attachment_indexes: Vec::new(),
        bytes: Vec::new(),
    };
    if footer.summary_offset_start == 0 {
        parse_summary_records(&bytes, &mut out)?;
    } else {
        // Offsets are absolute; the summary bytes start at `summary_start`.
        let local = |offset: u64| (offset - footer.summary_start) as usize;
        let mut groups = Vec::new();
        for record in super::fields::records(&bytes[local(footer.summary_offset_start)..]) {
            match record.map_err(|e| format!("the summary offsets are damaged: {e}"))? {
                Record::SummaryOffset(offset) => groups.push(offset),
                _ => return Err("the summary offsets section holds other records".into()),
            }
        }
        for group in groups {
            let wanted = matches!(
                group.group_opcode,
                op::CHANNEL | op::STATISTICS | op::METADATA_INDEX | op::ATTACHMENT_INDEX
            );
            if !wanted {
                continue;
            }
            let end = group
                .group_start
                .checked_add(group.group_length)
                .filter(|end| group.group_start >= footer.summary_start && *end <= footer.at)
                .ok_or("a summary offset points outside the summary")?;
            parse_summary_records(&bytes[local(group.group_start)..local(end)], &mut out)?;
        }
    }
    out.bytes = bytes;
    Ok(out)
}

/// Parses the small summary records in `bytes` into `out`; chunk indexes are left for
/// [`Summary::chunk_indexes`].
fn parse_summary_records(bytes: &[u8], out: &mut Summary) -> Result<(), String> {
    for framed in super::fields::framed(bytes) {
        let (opcode, body) = framed.map_err(damaged_summary)?;
        if opcode == op::CHUNK_INDEX {
            continue;
        }
        match super::fields::parse_record(opcode, body).map_err(damaged_summary)? {
            Record::Channel(channel) => out.channels.push(channel),
            Record::Statistics(statistics) => out.statistics = Some(statistics),
            Record::MetadataIndex(index) => out.metadata_indexes.push(index),
            Record::AttachmentIndex(index) => out.attachment_indexes.push(index),
            _ => {}
        }
    }
    Ok(())
}

fn le_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let slice = bytes.get(at..at.checked_add(8)?)?;
    let mut b = [0u8; 8];
    b.copy_from_slice(slice);
    Some(u64::from_le_bytes(b))
}

/// Most bytes a chunk record's prefix (opcode, length, header up to the data) can take with a
/// compression name of up to 16 bytes.
pub(super) const CHUNK_PREFIX_MAX: u64 = RECORD_PREFIX + CHUNK_FIXED_HEAD + 16 + 8;

/// A chunk record's framing and header, without its data.
pub(super) struct ChunkPrefix {
    /// The whole record, opcode and length included.
    pub length: u64,
    pub compression: String,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
}

/// Parses the start of a chunk record; `None` if it is not one.
pub(super) fn parse_chunk_prefix(bytes: &[u8]) -> Option<ChunkPrefix> {
    if *bytes.first()? != op::CHUNK {
        return None;
    }
    let body = le_u64(bytes, 1)?;
    let uncompressed_size = le_u64(bytes, 25)?;
    let name_len = u32::from_le_bytes(bytes.get(37..41)?.try_into().ok()?) as usize;
    let name = bytes.get(41..41usize.checked_add(name_len)?)?;
    let compressed_size = le_u64(bytes, 41 + name_len)?;
    Some(ChunkPrefix {
        length: body.checked_add(RECORD_PREFIX)?,
        compression: String::from_utf8(name.to_vec()).ok()?,
        compressed_size,
        uncompressed_size,
    })
}

/// Reads the one record at `offset` (`length` bytes, opcode and length included) and parses it
/// as `opcode`.
pub(super) fn read_record(
    source: &Source,
    offset: u64,
    length: u64,
    opcode: u8,
) -> Result<Record<'static>, String> {
    if length < RECORD_PREFIX {
        return Err(format!("a record of {length} bytes is too short"));
    }
    let bytes = source
        .read_at(offset, length)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes[0] != opcode {
        return Err(format!(
            "expected record type {opcode:#04x}, found {:#04x}",
            bytes[0]
        ));
    }
    super::fields::parse_record(opcode, &bytes[RECORD_PREFIX as usize..]).map(Record::into_owned)
}

/// Largest uncompressed chunk (or record) decoded: a damaged size field must give an error,
/// not an allocation that aborts the process. twinscope writes 1 MiB chunks.
pub(super) const MAX_CHUNK_BYTES: usize = 256 << 20;

/// One record found inside a chunk.
pub(super) enum ChunkItem<'a> {
    /// A channel definition (chunks repeat them for readers without the summary).
    Channel(records::Channel),
    /// A message: its channel, publish time and body.
    Message {
        channel: u16,
        publish_time: u64,
        data: &'a [u8],
    },
}

/// Decompresses a whole chunk record (opcode and length included), checks its CRC before
/// anything is read from it, and hands each channel and message to `visit`. On `Err` the caller
/// must discard what it was given.
pub(super) fn decode_chunk(
    record: &[u8],
    visit: &mut dyn FnMut(ChunkItem<'_>),
) -> Result<(), String> {
    if record.first() != Some(&op::CHUNK) {
        return Err("not a chunk record".into());
    }
    let mut reader = mcap::sans_io::LinearReader::new_with_options(
        mcap::sans_io::LinearReaderOptions::default()
            .with_skip_start_magic(true)
            .with_skip_end_magic(true)
            .with_prevalidate_chunk_crcs(true)
            .with_record_length_limit(MAX_CHUNK_BYTES),
    );
    let mut remaining = record;
    while let Some(event) = reader.next_event() {
        match event.map_err(|e| e.to_string())? {
            mcap::sans_io::LinearReadEvent::ReadRequest(need) => {
                let n = need.min(remaining.len());
                reader.insert(n).copy_from_slice(&remaining[..n]);
                reader.notify_read(n);
                remaining = &remaining[n..];
            }
            mcap::sans_io::LinearReadEvent::Record { opcode, data } => match opcode {
                op::CHANNEL => match super::fields::parse_record(op::CHANNEL, data) {
                    Ok(Record::Channel(channel)) => visit(ChunkItem::Channel(channel)),
                    _ => return Err("a channel record in the chunk does not parse".into()),
                },
                op::MESSAGE => {
                    // channel u16, sequence u32, log time u64, publish time u64, then the body.
                    let (Some(channel), Some(publish_time), Some(body)) = (
                        data.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]])),
                        le_u64(data, 14),
                        data.get(22..),
                    ) else {
                        return Err("a message record in the chunk is too short".into());
                    };
                    visit(ChunkItem::Message {
                        channel,
                        publish_time,
                        data: body,
                    });
                }
                _ => {}
            },
        }
    }
    Ok(())
}

/// What the linear walk found at one place in the file.
pub(super) enum Walked {
    /// A whole record: its offset, opcode and bytes (opcode and length included).
    Record {
        offset: u64,
        opcode: u8,
        bytes: Vec<u8>,
    },
    /// Bytes that do not frame as records, skipped up to the next chunk found after them.
    Unreadable { offset: u64, bytes: u64 },
    /// The file ends inside a record (or in bytes that frame as nothing): cut off mid-write.
    TruncatedTail { offset: u64, bytes: u64 },
}

/// Walks the data section record by record from just after the magic. Step with
/// [`next`](Self::next) until it returns `None` (end of file, or after a truncated tail).
pub(super) struct Walker {
    pos: u64,
    done: bool,
}

impl Walker {
    pub(super) fn new() -> Self {
        Self {
            pos: mcap::MAGIC.len() as u64,
            done: false,
        }
    }

    /// The offset reached.
    pub(super) fn position(&self) -> u64 {
        self.pos
    }

    /// The next record, run of unreadable bytes, or truncated tail.
    pub(super) fn next(&mut self, source: &Source) -> std::io::Result<Option<Walked>> {
        let pos = self.pos;
        if self.done || pos >= source.len {
            return Ok(None);
        }
        let framed = if source.len - pos >= RECORD_PREFIX {
            let prefix = source.read_at(pos, RECORD_PREFIX)?;
            let opcode = prefix[0];
            let mut length = [0u8; 8];
            length.copy_from_slice(&prefix[1..9]);
            let length = u64::from_le_bytes(length);
            let known = (op::HEADER..=op::DATA_END).contains(&opcode) || opcode >= 0x80;
            let fits = length <= source.len - pos - RECORD_PREFIX;
            (known && fits).then_some((opcode, length))
        } else {
            None
        };
        if let Some((opcode, length)) = framed {
            let bytes = source.read_at(pos, RECORD_PREFIX + length)?;
            self.pos = pos + RECORD_PREFIX + length;
            return Ok(Some(Walked::Record {
                offset: pos,
                opcode,
                bytes,
            }));
        }
        match next_chunk_start(source, pos + 1)? {
            Some(next) => {
                self.pos = next;
                Ok(Some(Walked::Unreadable {
                    offset: pos,
                    bytes: next - pos,
                }))
            }
            None => {
                self.done = true;
                self.pos = source.len;
                Ok(Some(Walked::TruncatedTail {
                    offset: pos,
                    bytes: source.len - pos,
                }))
            }
        }
    }
}

/// The first offset at or after `from` where a complete, self-consistent chunk record starts:
/// opcode 0x06, a length that fits the file and equals the header's own sizes. A false match
/// needs some 20 bytes to agree by chance; its CRC would still reject it.
fn next_chunk_start(source: &Source, from: u64) -> std::io::Result<Option<u64>> {
    const BLOCK: u64 = 1 << 20;
    const LOOKAHEAD: u64 = RECORD_PREFIX + CHUNK_FIXED_HEAD + 16 + 8;
    let mut start = from;
    while start < source.len {
        let len = (BLOCK + LOOKAHEAD).min(source.len - start);
        let block = source.read_at(start, len)?;
        let scan_to = if start + len == source.len {
            block.len()
        } else {
            BLOCK as usize
        };
        for i in 0..scan_to {
            if block[i] == op::CHUNK
                && chunk_header_consistent(&block[i..], source.len - start - i as u64)
            {
                return Ok(Some(start + i as u64));
            }
        }
        start += scan_to as u64;
    }
    Ok(None)
}

/// Whether `bytes` (starting at a 0x06) frame a chunk record whose sizes agree, with `room`
/// bytes left in the file from there.
fn chunk_header_consistent(bytes: &[u8], room: u64) -> bool {
    let u64_at = |at: usize| le_u64(bytes, at);
    let Some(length) = u64_at(1) else {
        return false;
    };
    let Some(name_len) = bytes
        .get(9 + 28..9 + 32)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    else {
        return false;
    };
    if name_len > 16 {
        return false;
    }
    let name_at = 9 + 32;
    let Some(name) = bytes.get(name_at..name_at + name_len) else {
        return false;
    };
    if !name.iter().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (Some(start), Some(end), Some(compressed)) =
        (u64_at(9), u64_at(17), u64_at(name_at + name_len))
    else {
        return false;
    };
    let expected = CHUNK_FIXED_HEAD + name_len as u64 + 8;
    start <= end
        && length <= room.saturating_sub(RECORD_PREFIX)
        && compressed.checked_add(expected) == Some(length)
}

/// CRC-32 (ISO-HDLC), as MCAP uses it; crc32fast's SIMD path, since a big recording's summary
/// (megabytes of chunk indexes) is checked on every open.
pub(super) struct Crc32(crc32fast::Hasher);

impl Crc32 {
    pub(super) fn new() -> Self {
        Self(crc32fast::Hasher::new())
    }
    pub(super) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    pub(super) fn finish(&self) -> u32 {
        self.0.clone().finalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        let mut crc = Crc32::new();
        crc.update(b"123456789");
        assert_eq!(crc.finish(), 0xCBF4_3926);
    }

    /// A chunk record without CRC around `records` (compressed as `compression` says),
    /// claiming `uncompressed` bytes.
    fn raw_chunk(records: &[u8], uncompressed: u64, compression: &str) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&0u64.to_le_bytes());
        body.extend_from_slice(&0u64.to_le_bytes());
        body.extend_from_slice(&uncompressed.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes()); // no CRC: nothing catches the damage
        body.extend_from_slice(&(compression.len() as u32).to_le_bytes());
        body.extend_from_slice(compression.as_bytes());
        body.extend_from_slice(&(records.len() as u64).to_le_bytes());
        body.extend_from_slice(records);
        let mut record = vec![op::CHUNK];
        record.extend_from_slice(&(body.len() as u64).to_le_bytes());
        record.extend_from_slice(&body);
        record
    }

    #[test]
    fn damaged_sizes_inside_a_chunk_are_errors_not_huge_allocations() {
        // A message record claiming 2^60 bytes.
        let mut records = vec![op::MESSAGE];
        records.extend_from_slice(&(1u64 << 60).to_le_bytes());
        records.extend_from_slice(&[0; 30]);
        let record = raw_chunk(&records, records.len() as u64, "");
        let mut seen = 0;
        assert!(decode_chunk(&record, &mut |_| seen += 1).is_err());
        // A zstd chunk claiming 2^60 uncompressed bytes.
        let record = raw_chunk(&[0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0], 1 << 60, "zstd");
        assert!(decode_chunk(&record, &mut |_| seen += 1).is_err());
        assert_eq!(seen, 0);
    }

    #[test]
    fn chunk_headers_are_recognised_only_when_their_sizes_agree() {
        let mut record = vec![op::CHUNK];
        let body_len: u64 = CHUNK_FIXED_HEAD + 4 + 8 + 3;
        record.extend_from_slice(&body_len.to_le_bytes());
        record.extend_from_slice(&1u64.to_le_bytes());
        record.extend_from_slice(&2u64.to_le_bytes());
        record.extend_from_slice(&10u64.to_le_bytes());
        record.extend_from_slice(&0u32.to_le_bytes());
        record.extend_from_slice(&4u32.to_le_bytes());
        record.extend_from_slice(b"zstd");
        record.extend_from_slice(&3u64.to_le_bytes());
        record.extend_from_slice(&[1, 2, 3]);
        let room = record.len() as u64;
        assert!(chunk_header_consistent(&record, room));
        assert!(!chunk_header_consistent(&record, room - 1));
        let mut wrong = record.clone();
        wrong[1] += 1;
        assert!(!chunk_header_consistent(&wrong, room + 1));
    }
}
