//! The recording format: MCAP with one JSON channel per signal, so Foxglove and the MCAP tools
//! read twinscope recordings as they are (README "Recording format" is the prose version).
//!
//! Everything byte-level lives here (topic names, message bodies, the chunk side index) so the
//! writer and the reader cannot drift apart.

use crate::signal::SignalId;
use std::ops::Range;

/// MCAP header profile: none of the registered profiles (ros1, ros2) fits plain JSON samples.
pub(crate) const PROFILE: &str = "";
/// MCAP header library: which program wrote the file, for people reading `mcap info`.
pub(crate) const LIBRARY: &str = concat!("twinscope ", env!("CARGO_PKG_VERSION"));
/// Name of the one schema every channel uses.
pub(crate) const SCHEMA_NAME: &str = "twinscope.Sample";
/// Schema encoding: JSON Schema, which Foxglove understands for `json` messages.
pub(crate) const SCHEMA_ENCODING: &str = "jsonschema";
/// The schema text. `raw` only appears for values JSON numbers cannot hold (NaN, infinities).
pub(crate) const SCHEMA_DATA: &str =
    r#"{"type":"object","properties":{"value":{"type":"number"},"raw":{"type":"string"}}}"#;
/// Message encoding of every channel.
pub(crate) const MESSAGE_ENCODING: &str = "json";
/// Channel metadata key holding the exact signal id (topics are derived and may be ambiguous).
pub(crate) const META_SIGNAL: &str = "signal";
/// Channel metadata key holding the signal's unit, when it has one.
pub(crate) const META_UNIT: &str = "unit";
/// Name of the file-level MCAP Metadata record.
pub(crate) const METADATA_NAME: &str = "twinscope";
/// Name of the attachment that carries the chunk side index (see [`SideIndex`]).
pub(crate) const SIDE_INDEX_NAME: &str = "twinscope.chunk-index";
/// Media type of the side index attachment.
pub(crate) const SIDE_INDEX_MEDIA_TYPE: &str = "application/vnd.twinscope.chunk-index";
/// Target uncompressed chunk size: the MCAP default, small enough to seek cheaply.
pub(crate) const CHUNK_TARGET_BYTES: u64 = 1024 * 1024;

/// Topic of the link channel: the source's connection changes, so a replay can tell a dead
/// link from a quiet signal (and Foxglove shows them as messages on their own topic).
pub(crate) const LINK_TOPIC: &str = "/twinscope/link";
/// Schema of the link channel's messages.
pub(crate) const LINK_SCHEMA_NAME: &str = "twinscope.Link";
/// The link schema's text.
pub(crate) const LINK_SCHEMA_DATA: &str =
    r#"{"type":"object","properties":{"connected":{"type":"boolean"},"detail":{"type":"string"}}}"#;
/// Channel metadata key saying what a channel that is not a signal carries.
pub(crate) const META_KIND: &str = "twinscope.kind";
/// [`META_KIND`]'s value on the link channel.
pub(crate) const KIND_LINK: &str = "link";

/// The JSON body of a link event: `{"connected":false,"detail":"…"}` (its time is the message's
/// publish time).
pub(crate) fn encode_link(event: &crate::freshness::LinkEvent, out: &mut Vec<u8>) {
    let body = serde_json::json!({ "connected": event.connected, "detail": event.detail });
    if serde_json::to_writer(&mut *out, &body).is_err() {
        out.extend_from_slice(b"{}");
    }
}

/// Reads a link event back; `None` when the body is not one.
pub(crate) fn decode_link(body: &[u8], time: i64) -> Option<crate::freshness::LinkEvent> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    Some(crate::freshness::LinkEvent {
        time: crate::signal::Timestamp(time),
        connected: value.get("connected")?.as_bool()?,
        detail: value
            .get("detail")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .to_owned(),
    })
}

/// The Foxglove-style topic for a signal: `M-101.temperature` → `/M-101/temperature`, so the
/// plot path reads `/M-101/temperature.value`. Lossy (`a.b` and `a/b` meet); the exact id is in
/// the channel metadata.
pub(crate) fn topic_for(signal: &SignalId) -> String {
    let mut topic = String::with_capacity(signal.as_str().len() + 1);
    topic.push('/');
    topic.extend(
        signal
            .as_str()
            .chars()
            .map(|c| if c == '.' { '/' } else { c }),
    );
    topic
}

/// The signal id a topic stands for when a channel has no `signal` metadata (a file written by
/// another tool): the inverse of [`topic_for`] for ids without `/`.
pub(crate) fn signal_from_topic(topic: &str) -> SignalId {
    let trimmed = topic.strip_prefix('/').unwrap_or(topic);
    SignalId::new(trimmed.replace('/', "."))
}

/// The canonical quiet NaN (`f64::NAN`) is written as plain `"NaN"`; other NaN payloads keep
/// their bits in hex so a round trip is bit-exact.
const NAN_TEXT: &str = "NaN";
const INFINITY_TEXT: &str = "Infinity";
const NEG_INFINITY_TEXT: &str = "-Infinity";

/// Appends the JSON body of one sample value to `out`: `{"value":12.3456}`, or for values JSON
/// cannot hold `{"value":null,"raw":"NaN"}` (also `"Infinity"`, `"-Infinity"`, `"NaN:0x…"`).
pub(crate) fn encode_value(value: f64, out: &mut Vec<u8>) {
    if value.is_finite() {
        out.extend_from_slice(b"{\"value\":");
        // serde_json prints the shortest text that parses back to the same f64.
        if serde_json::to_writer(&mut *out, &value).is_err() {
            // Unreachable for finite values; keep the body valid JSON regardless.
            out.extend_from_slice(b"null");
        }
        out.push(b'}');
        return;
    }
    let raw = if value.is_nan() {
        if value.to_bits() == f64::NAN.to_bits() {
            NAN_TEXT.to_owned()
        } else {
            format!("{NAN_TEXT}:0x{:016x}", value.to_bits())
        }
    } else if value > 0.0 {
        INFINITY_TEXT.to_owned()
    } else {
        NEG_INFINITY_TEXT.to_owned()
    };
    out.extend_from_slice(b"{\"value\":null,\"raw\":\"");
    out.extend_from_slice(raw.as_bytes());
    out.extend_from_slice(b"\"}");
}

/// Why a message body is not a sample value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BodyError {
    /// Not JSON, or not a JSON object.
    #[error("not a JSON object: {0}")]
    NotJson(String),
    /// A JSON object without a usable `value` (or `raw`).
    #[error("no numeric `value` (and no `raw` NaN/Infinity) in {0}")]
    NoValue(String),
}

/// Reads a message body back into the value `encode_value` wrote. Numbers are parsed from
/// their text with Rust's correctly rounded parser (serde_json's default float parsing is not
/// always exact), so every finite f64 round-trips bit for bit.
pub fn decode_value(body: &[u8]) -> Result<f64, BodyError> {
    // Fast path: exactly what the writer produces for finite values.
    if let Some(number) = body
        .strip_prefix(b"{\"value\":")
        .and_then(|rest| rest.strip_suffix(b"}"))
        && let Some(value) = parse_json_number(number)
    {
        return Ok(value);
    }
    decode_general(body)
}

/// Parses a JSON number token exactly; `None` if it is not one.
fn parse_json_number(token: &[u8]) -> Option<f64> {
    let first = *token.first()?;
    if !(first == b'-' || first.is_ascii_digit()) {
        return None;
    }
    if !token
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    std::str::from_utf8(token).ok()?.parse::<f64>().ok()
}

/// Any JSON object with `value` (a number, or null with `raw`), keys in any order, extra keys
/// ignored: what another tool might write.
fn decode_general(body: &[u8]) -> Result<f64, BodyError> {
    let preview = || String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
        .map_err(|e| BodyError::NotJson(format!("{e}: {}", preview())))?;
    if let Some(serde_json::Value::String(raw)) = object.get("raw")
        && let Some(value) = parse_raw(raw)
    {
        return Ok(value);
    }
    match object.get("value") {
        // Best effort: serde_json's float parsing may be one ulp off for other writers' text.
        Some(serde_json::Value::Number(number)) => {
            number.as_f64().ok_or_else(|| BodyError::NoValue(preview()))
        }
        _ => Err(BodyError::NoValue(preview())),
    }
}

/// Reads the `raw` text of a non-finite value.
fn parse_raw(raw: &str) -> Option<f64> {
    match raw {
        NAN_TEXT => Some(f64::NAN),
        INFINITY_TEXT => Some(f64::INFINITY),
        NEG_INFINITY_TEXT => Some(f64::NEG_INFINITY),
        other => {
            let hex = other.strip_prefix("NaN:0x")?;
            let bits = u64::from_str_radix(hex, 16).ok()?;
            let value = f64::from_bits(bits);
            value.is_nan().then_some(value)
        }
    }
}

/// One chunk's entry in the side index: where it is, and what the MCAP chunk index does not
/// say.
///
/// MCAP indexes chunks by log (receive) time only; replay seeks by source time, so the writer
/// notes each chunk's source-time span and message count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SideChunk {
    /// Offset of the chunk record in the file.
    pub offset: u64,
    /// Length of the whole chunk record (opcode and length included).
    pub length: u64,
    /// The chunk's compression (`zstd`).
    pub compression: String,
    /// Compressed bytes.
    pub compressed_size: u64,
    /// Uncompressed bytes.
    pub uncompressed_size: u64,
    /// Earliest source (publish) time, ns; meaningless when `messages` is 0.
    pub publish_min: i64,
    /// Latest source (publish) time, ns.
    pub publish_max: i64,
    /// Messages in the chunk.
    pub messages: u64,
}

/// The side index twinscope writes as an attachment: per chunk where it is and its source-time
/// span, per channel which chunks hold it (as runs of chunk numbers, so a dense signal costs 8
/// bytes).
///
/// With it, opening reads the summary's small groups (channels, statistics, indexes of
/// metadata and attachments) and this index, skipping the chunk index group, which for many
/// channels is most of the summary; and `latest_before` and time-window reads decode only the
/// chunks that matter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SideIndex {
    /// One entry per chunk, in file order.
    pub chunks: Vec<SideChunk>,
    /// Per channel id, the chunk numbers that hold at least one of its messages.
    pub channels: Vec<(u16, Vec<Range<u32>>)>,
}

const SIDE_MAGIC: &[u8; 4] = b"TSCI";
const SIDE_VERSION: u32 = 1;
/// Bytes of a chunk entry besides its compression name.
const SIDE_CHUNK_FIXED: usize = 7 * 8 + 1;

impl SideIndex {
    /// Little-endian bytes: magic, version, chunks, then channels with their runs.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.chunks.len() * 64 + self.channels.len() * 14);
        out.extend_from_slice(SIDE_MAGIC);
        out.extend_from_slice(&SIDE_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.chunks.len() as u32).to_le_bytes());
        for chunk in &self.chunks {
            for field in [
                chunk.offset,
                chunk.length,
                chunk.compressed_size,
                chunk.uncompressed_size,
                chunk.publish_min as u64,
                chunk.publish_max as u64,
                chunk.messages,
            ] {
                out.extend_from_slice(&field.to_le_bytes());
            }
            let name = &chunk.compression.as_bytes()[..chunk.compression.len().min(255)];
            out.push(name.len() as u8);
            out.extend_from_slice(name);
        }
        out.extend_from_slice(&(self.channels.len() as u32).to_le_bytes());
        for (id, runs) in &self.channels {
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(&(runs.len() as u32).to_le_bytes());
            for run in runs {
                out.extend_from_slice(&run.start.to_le_bytes());
                out.extend_from_slice(&run.end.to_le_bytes());
            }
        }
        out
    }

    /// Parses [`encode`](Self::encode)'s bytes; `None` if they are not a side index this
    /// version understands or do not hold together (the reader then falls back to the MCAP
    /// chunk indexes and decodes every chunk).
    pub(crate) fn decode(bytes: &[u8]) -> Option<SideIndex> {
        let mut cursor = LeCursor(bytes);
        if cursor.take(4)? != SIDE_MAGIC || cursor.u32()? != SIDE_VERSION {
            return None;
        }
        let chunk_count = cursor.u32()? as usize;
        // Refuse counts the bytes cannot hold before allocating.
        if chunk_count > cursor.0.len() / SIDE_CHUNK_FIXED {
            return None;
        }
        let mut chunks: Vec<SideChunk> = Vec::with_capacity(chunk_count);
        for _ in 0..chunk_count {
            let offset = cursor.u64()?;
            let length = cursor.u64()?;
            let compressed_size = cursor.u64()?;
            let uncompressed_size = cursor.u64()?;
            let publish_min = cursor.u64()? as i64;
            let publish_max = cursor.u64()? as i64;
            let messages = cursor.u64()?;
            let name_len = usize::from(*cursor.take(1)?.first()?);
            let compression = std::str::from_utf8(cursor.take(name_len)?).ok()?.to_owned();
            let after_previous = chunks
                .last()
                .is_none_or(|p| p.offset.saturating_add(p.length) <= offset);
            if !after_previous || offset.checked_add(length).is_none() {
                return None;
            }
            chunks.push(SideChunk {
                offset,
                length,
                compression,
                compressed_size,
                uncompressed_size,
                publish_min,
                publish_max,
                messages,
            });
        }
        let channel_count = cursor.u32()? as usize;
        if channel_count > cursor.0.len() / 6 {
            return None;
        }
        let mut channels = Vec::with_capacity(channel_count);
        for _ in 0..channel_count {
            let id = cursor.u16()?;
            let run_count = cursor.u32()? as usize;
            if run_count > cursor.0.len() / 8 {
                return None;
            }
            let mut runs: Vec<Range<u32>> = Vec::with_capacity(run_count);
            for _ in 0..run_count {
                let start = cursor.u32()?;
                let end = cursor.u32()?;
                let sorted = runs.last().is_none_or(|r| r.end <= start);
                if start >= end || end as usize > chunk_count || !sorted {
                    return None;
                }
                runs.push(start..end);
            }
            channels.push((id, runs));
        }
        cursor
            .0
            .is_empty()
            .then_some(SideIndex { chunks, channels })
    }
}

/// Appends chunk `chunk` to a channel's runs (chunks arrive in increasing order).
pub(crate) fn push_run(runs: &mut Vec<Range<u32>>, chunk: u32) {
    match runs.last_mut() {
        Some(last) if last.end == chunk => last.end = chunk + 1,
        Some(last) if last.end > chunk => {}
        _ => runs.push(chunk..chunk + 1),
    }
}

/// Whether `chunk` is in one of the (sorted, disjoint) runs.
pub(crate) fn runs_contain(runs: &[Range<u32>], chunk: u32) -> bool {
    let after = runs.partition_point(|run| run.start <= chunk);
    after > 0 && runs[after - 1].end > chunk
}

/// Reads little-endian integers off the front of a byte slice.
struct LeCursor<'a>(&'a [u8]);

impl<'a> LeCursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2)?.try_into().ok().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)?.try_into().ok().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)?.try_into().ok().map(u64::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: f64) -> f64 {
        let mut body = Vec::new();
        encode_value(value, &mut body);
        decode_value(&body).unwrap_or_else(|e| panic!("{value:?} → {body:?}: {e}"))
    }

    #[test]
    fn values_round_trip_bit_exactly_including_non_finite_ones() {
        let odd_nan = f64::from_bits(0x7ff8_0000_0000_0001);
        let negative_nan = f64::from_bits(0xfff8_0000_0000_0000);
        for value in [
            12.3456,
            0.1 + 0.2,
            -0.0,
            0.0,
            1e300,
            -1e-300,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::NAN,
            odd_nan,
            negative_nan,
            f64::INFINITY,
            f64::NEG_INFINITY,
            std::f64::consts::PI,
        ] {
            assert_eq!(round_trip(value).to_bits(), value.to_bits(), "{value:?}");
        }
    }

    #[test]
    fn bodies_are_the_documented_json() {
        let mut body = Vec::new();
        encode_value(12.3456, &mut body);
        assert_eq!(body, br#"{"value":12.3456}"#);
        body.clear();
        encode_value(f64::NAN, &mut body);
        assert_eq!(body, br#"{"value":null,"raw":"NaN"}"#);
        body.clear();
        encode_value(f64::NEG_INFINITY, &mut body);
        assert_eq!(body, br#"{"value":null,"raw":"-Infinity"}"#);
    }

    #[test]
    fn other_writers_json_is_read_and_garbage_is_refused() {
        assert_eq!(
            decode_value(br#"{ "raw": "x", "value" : 2.5, "u": [1] }"#),
            Ok(2.5)
        );
        assert_eq!(decode_value(br#"{"value":3}"#), Ok(3.0));
        assert!(matches!(
            decode_value(b"{\"value\":"),
            Err(BodyError::NotJson(_))
        ));
        assert!(matches!(
            decode_value(br#"{"v":1}"#),
            Err(BodyError::NoValue(_))
        ));
        assert!(matches!(
            decode_value(br#"[1]"#),
            Err(BodyError::NotJson(_))
        ));
        assert!(matches!(
            decode_value(br#"{"value":"1"}"#),
            Err(BodyError::NoValue(_))
        ));
    }

    #[test]
    fn topics_follow_foxglove_paths_and_invert_for_plain_ids() {
        let id = SignalId::new("M-101.temperature");
        assert_eq!(topic_for(&id), "/M-101/temperature");
        assert_eq!(signal_from_topic("/M-101/temperature"), id);
    }

    #[test]
    fn side_index_round_trips_and_rejects_damage() {
        let chunk = |offset, messages| SideChunk {
            offset,
            length: 100,
            compression: "zstd".into(),
            compressed_size: 80,
            uncompressed_size: 400,
            publish_min: -5,
            publish_max: 7,
            messages,
        };
        let index = SideIndex {
            chunks: vec![chunk(50, 3), chunk(200, 0)],
            channels: vec![
                (1, vec![Range { start: 0, end: 2 }]),
                (2, vec![Range { start: 1, end: 2 }]),
            ],
        };
        let bytes = index.encode();
        assert_eq!(SideIndex::decode(&bytes), Some(index.clone()));
        assert_eq!(SideIndex::decode(&bytes[..bytes.len() - 1]), None);
        let mut bad_run = bytes.clone();
        let last = bad_run.len() - 4;
        bad_run[last..].copy_from_slice(&9u32.to_le_bytes());
        assert_eq!(SideIndex::decode(&bad_run), None);
        let overlapping = SideIndex {
            chunks: vec![chunk(50, 3), chunk(100, 1)],
            channels: Vec::new(),
        };
        assert_eq!(SideIndex::decode(&overlapping.encode()), None);
    }

    #[test]
    fn runs_grow_and_answer_membership() {
        let mut runs = Vec::new();
        for chunk in [0, 1, 2, 5, 6, 9] {
            push_run(&mut runs, chunk);
        }
        push_run(&mut runs, 9);
        assert_eq!(runs, vec![0..3, 5..7, 9..10]);
        let members: Vec<u32> = (0..11).filter(|&c| runs_contain(&runs, c)).collect();
        assert_eq!(members, vec![0, 1, 2, 5, 6, 9]);
    }
}
