//! Decoding MQTT payloads into values: plain text (numbers, booleans, enum states) and JSON
//! with fields picked by JSON pointer and an optional timestamp field.
//!
//! Every failure says where: a byte offset into the payload, or the JSON pointer.

use crate::signal::Timestamp;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// How a value is written.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// A number (`81.5`, `-3e2`).
    Number,
    /// `true`/`false`, `on`/`off`, `1`/`0` → 1.0 / 0.0.
    Bool,
    /// A named state mapped to a number (`running` → 1.0); numbers are accepted as they are.
    Enum(BTreeMap<String, f64>),
}

/// Where in a payload a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadLocation {
    /// The payload as a whole (empty, too large).
    Whole,
    /// A byte offset from the start of the payload.
    Byte(usize),
    /// A JSON pointer into the decoded document.
    Pointer(String),
}

impl fmt::Display for PayloadLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Whole => f.write_str("payload"),
            Self::Byte(offset) => write!(f, "byte {offset}"),
            Self::Pointer(pointer) => write!(f, "JSON {pointer}"),
        }
    }
}

/// A payload problem: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadProblem {
    /// Where it is.
    pub location: PayloadLocation,
    /// What is wrong.
    pub message: String,
}

impl PayloadProblem {
    fn new(location: PayloadLocation, message: impl Into<String>) -> Self {
        Self {
            location,
            message: message.into(),
        }
    }
}

impl fmt::Display for PayloadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// The payload as UTF-8 text, or where the first invalid byte is.
pub fn payload_text(payload: &[u8]) -> Result<&str, PayloadProblem> {
    std::str::from_utf8(payload)
        .map_err(|e| PayloadProblem::new(PayloadLocation::Byte(e.valid_up_to()), "invalid UTF-8"))
}

/// Shortens text for messages so a huge bad payload does not flood the UI.
fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Reads a value written as text; `offset` is where `text` starts in the payload.
pub fn parse_text_value(
    text: &str,
    kind: &ValueKind,
    offset: usize,
) -> Result<f64, PayloadProblem> {
    let leading = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let at = PayloadLocation::Byte(offset + leading);
    if trimmed.is_empty() {
        return Err(PayloadProblem::new(PayloadLocation::Whole, "empty value"));
    }
    let number = || -> Result<f64, PayloadProblem> {
        let value: f64 = trimmed.parse().map_err(|_| {
            PayloadProblem::new(
                at.clone(),
                format!("`{}` is not a number", excerpt(trimmed)),
            )
        })?;
        if value.is_finite() {
            Ok(value)
        } else {
            Err(PayloadProblem::new(
                at.clone(),
                format!("`{}` is not a finite number", excerpt(trimmed)),
            ))
        }
    };
    match kind {
        ValueKind::Number => number(),
        ValueKind::Bool => match trimmed.to_ascii_lowercase().as_str() {
            "true" | "on" | "1" => Ok(1.0),
            "false" | "off" | "0" => Ok(0.0),
            _ => Err(PayloadProblem::new(
                at,
                format!(
                    "`{}` is not a boolean (true/false, on/off, 1/0)",
                    excerpt(trimmed)
                ),
            )),
        },
        ValueKind::Enum(states) => states
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
            .map(|(_, value)| *value)
            .map_or_else(
                || {
                    number().map_err(|_| {
                        let known = states
                            .keys()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", ");
                        PayloadProblem::new(
                            at.clone(),
                            format!("`{}` is not a known state ({known})", excerpt(trimmed)),
                        )
                    })
                },
                Ok,
            ),
    }
}

/// Parses a JSON document, placing syntax errors at their byte offset.
pub fn parse_json(payload: &[u8]) -> Result<Value, PayloadProblem> {
    serde_json::from_slice(payload).map_err(|e| {
        let offset = byte_offset(payload, e.line(), e.column());
        PayloadProblem::new(
            PayloadLocation::Byte(offset),
            format!("not valid JSON: {}", strip_position(&e.to_string())),
        )
    })
}

/// serde_json appends " at line L column C"; the byte offset replaces it.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

/// Byte offset of a 1-based line and (byte) column, clamped to the payload.
fn byte_offset(payload: &[u8], line: usize, column: usize) -> usize {
    let line_start = payload
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(line.saturating_sub(2))
        .map_or(0, |(i, _)| if line > 1 { i + 1 } else { 0 });
    (line_start + column.saturating_sub(1)).min(payload.len())
}

/// Reads the value at `pointer` in a JSON document.
pub fn json_value(
    document: &Value,
    pointer: &str,
    kind: &ValueKind,
) -> Result<f64, PayloadProblem> {
    let at = || PayloadLocation::Pointer(pointer.to_owned());
    let value = document
        .pointer(pointer)
        .ok_or_else(|| PayloadProblem::new(at(), "no value there"))?;
    match value {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| PayloadProblem::new(at(), "number out of range")),
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::String(text) => {
            parse_text_value(text, kind, 0).map_err(|p| PayloadProblem::new(at(), p.message))
        }
        Value::Null => Err(PayloadProblem::new(at(), "null")),
        Value::Array(_) => Err(PayloadProblem::new(
            at(),
            "expected a value, found an array",
        )),
        Value::Object(_) => Err(PayloadProblem::new(
            at(),
            "expected a value, found an object",
        )),
    }
}

/// Reads a timestamp at `pointer`: epoch seconds or milliseconds, or RFC 3339 text.
pub fn json_timestamp(document: &Value, pointer: &str) -> Result<Timestamp, PayloadProblem> {
    let at = || PayloadLocation::Pointer(pointer.to_owned());
    match document.pointer(pointer) {
        None => Err(PayloadProblem::new(at(), "no timestamp there")),
        Some(Value::Number(n)) => {
            let out_of_range = || PayloadProblem::new(at(), "timestamp out of range");
            // Integers exactly (epoch milliseconds do not survive a trip through f64 seconds).
            if let Some(epoch) = n.as_i64() {
                return epoch
                    .checked_mul(Timestamp::epoch_unit_nanos(epoch as f64))
                    .map(Timestamp)
                    .ok_or_else(out_of_range);
            }
            n.as_f64()
                .and_then(Timestamp::from_epoch_f64)
                .ok_or_else(out_of_range)
        }
        Some(Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .and_then(|t| t.timestamp_nanos_opt())
            .map(Timestamp)
            .ok_or_else(|| {
                PayloadProblem::new(at(), format!("`{}` is not an RFC 3339 time", excerpt(text)))
            }),
        Some(_) => Err(PayloadProblem::new(
            at(),
            "timestamp must be a number (epoch s or ms) or RFC 3339 text",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states() -> ValueKind {
        ValueKind::Enum(BTreeMap::from([
            ("stopped".to_owned(), 0.0),
            ("running".to_owned(), 1.0),
            ("fault".to_owned(), 2.0),
        ]))
    }

    #[test]
    fn plain_values_decode_by_kind() {
        assert_eq!(parse_text_value(" 81.5\n", &ValueKind::Number, 0), Ok(81.5));
        assert_eq!(parse_text_value("-3e2", &ValueKind::Number, 0), Ok(-300.0));
        assert_eq!(parse_text_value("ON", &ValueKind::Bool, 0), Ok(1.0));
        assert_eq!(parse_text_value("false", &ValueKind::Bool, 0), Ok(0.0));
        assert_eq!(parse_text_value("Running", &states(), 0), Ok(1.0));
        assert_eq!(parse_text_value("2", &states(), 0), Ok(2.0));
    }

    #[test]
    fn bad_plain_values_name_the_byte_and_the_text() {
        let e = parse_text_value("  abc", &ValueKind::Number, 0).unwrap_err();
        assert_eq!(e.location, PayloadLocation::Byte(2));
        assert!(e.message.contains("`abc` is not a number"));
        assert!(
            parse_text_value("NaN", &ValueKind::Number, 0)
                .unwrap_err()
                .message
                .contains("finite")
        );
        assert_eq!(
            parse_text_value("   ", &ValueKind::Number, 0)
                .unwrap_err()
                .location,
            PayloadLocation::Whole
        );
        assert!(parse_text_value("maybe", &ValueKind::Bool, 0).is_err());
        assert!(
            parse_text_value("exploded", &states(), 0)
                .unwrap_err()
                .message
                .contains("fault, running, stopped")
        );
        let long = "x".repeat(10_000);
        assert!(
            parse_text_value(&long, &ValueKind::Number, 0)
                .unwrap_err()
                .message
                .len()
                < 100,
            "messages stay short"
        );
    }

    #[test]
    fn invalid_utf8_is_located() {
        let e = payload_text(b"12\xff3").unwrap_err();
        assert_eq!(e.location, PayloadLocation::Byte(2));
    }

    #[test]
    fn json_syntax_errors_give_byte_offsets() {
        let payload = b"{\"temp\": 81.5,\n \"rpm\": }";
        let e = parse_json(payload).unwrap_err();
        let PayloadLocation::Byte(offset) = e.location else {
            panic!("{e}")
        };
        assert_eq!(
            payload[offset], b'}',
            "offset {offset} should be at the stray brace: {e}"
        );
        assert!(!e.message.contains("line"), "{e}");
        assert!(parse_json(b"").is_err());
        assert!(parse_json(b"\xff").is_err());
    }

    #[test]
    fn json_fields_and_timestamps() {
        let doc = parse_json(br#"{"temp": 81.5, "on": true, "state": "fault", "n": {"x": "12"}, "ts": 1700000000123, "t2": 1700000000, "t3": "2024-01-02T03:04:05.5+01:00"}"#).unwrap();
        assert_eq!(json_value(&doc, "/temp", &ValueKind::Number), Ok(81.5));
        assert_eq!(json_value(&doc, "/on", &ValueKind::Bool), Ok(1.0));
        assert_eq!(json_value(&doc, "/state", &states()), Ok(2.0));
        assert_eq!(json_value(&doc, "/n/x", &ValueKind::Number), Ok(12.0));
        assert_eq!(
            json_timestamp(&doc, "/ts"),
            Ok(Timestamp(1_700_000_000_123_000_000))
        );
        assert_eq!(
            json_timestamp(&doc, "/t2"),
            Ok(Timestamp(1_700_000_000_000_000_000))
        );
        assert_eq!(
            json_timestamp(&doc, "/t3"),
            Ok(Timestamp(1_704_161_045_500_000_000))
        );
        let huge = parse_json(br#"{"a": 1e300, "b": 9223372036854775807}"#).unwrap();
        assert!(json_timestamp(&huge, "/a").is_err());
        assert!(json_timestamp(&huge, "/b").is_err());
    }

    #[test]
    fn json_problems_name_the_pointer() {
        let doc = parse_json(br#"{"temp": "hot", "obj": {}, "nothing": null, "t": "yesterday"}"#)
            .unwrap();
        for (pointer, fragment) in [
            ("/temp", "not a number"),
            ("/obj", "object"),
            ("/nothing", "null"),
            ("/missing", "no value"),
        ] {
            let e = json_value(&doc, pointer, &ValueKind::Number).unwrap_err();
            assert_eq!(e.location, PayloadLocation::Pointer(pointer.to_owned()));
            assert!(e.message.contains(fragment), "{pointer}: {e}");
        }
        assert!(
            json_timestamp(&doc, "/t")
                .unwrap_err()
                .message
                .contains("RFC 3339")
        );
        assert_eq!(
            json_timestamp(&doc, "/temp").unwrap_err().to_string(),
            "JSON /temp: `hot` is not an RFC 3339 time"
        );
    }
}
