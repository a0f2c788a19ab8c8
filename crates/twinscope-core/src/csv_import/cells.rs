//! Reading one cell: times and values.

use super::*;

/// Reads a time as written in a CSV cell (surrounding whitespace ignored):
///
/// - RFC 3339 / ISO 8601 with an offset: `2026-11-20T10:00:00.123Z`, `2026-11-20 10:00:00+01:00`,
///   `2026-11-20T10:00:00+0100`;
/// - ISO 8601 **without an offset, read as UTC**: `2026-11-20 10:00:00[.fff]`,
///   `2026-11-20T10:00:00`, `2026-11-20 10:00`, or a bare date `2026-11-20` (midnight UTC);
/// - epoch seconds, integer or fractional (`1795168800`, `1795168800.123`), or epoch
///   milliseconds (`1795168800123`): integers at or above 10^11 are milliseconds. Decimal
///   numbers are converted exactly (digits beyond nanoseconds are cut off); exponent forms
///   (`1.76e9`) go through floating point.
///
/// Times outside what [`Timestamp`] holds (about 1677–2262) are errors.
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("no time".to_owned());
    }
    let out_of_range = || format!("time out of range: {:?}", excerpt(text));
    if let Some(epoch) = parse_epoch(text) {
        return epoch.ok_or_else(out_of_range);
    }
    match parse_datetime(text) {
        Some(Some(time)) => Ok(time),
        Some(None) => Err(out_of_range()),
        None => Err(format!("not a time: {:?}", excerpt(text))),
    }
}

/// Epoch seconds or milliseconds; `None` when `text` is not a number at all, `Some(None)` when
/// it is one but out of range.
pub(super) fn parse_epoch(text: &str) -> Option<Option<Timestamp>> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if digits(int_part) && digits(frac_part) {
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        return Some(exact_epoch(negative, int_part, frac_part));
    }
    // Exponent forms, e.g. 1.7e9: only digits, signs, dots and one exponent marker.
    let exponent = text.bytes().filter(|b| matches!(b, b'e' | b'E')).count() == 1
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'e' | b'E' | b'.' | b'+' | b'-'));
    if !exponent {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    Some(Timestamp::from_epoch_f64(value))
}

/// Decimal epoch seconds or milliseconds converted without floating point.
pub(super) fn exact_epoch(negative: bool, int_part: &str, frac_part: &str) -> Option<Timestamp> {
    let int_part = int_part.trim_start_matches('0');
    if int_part.len() > 18 {
        return None;
    }
    let whole: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let nanos_per_unit = Timestamp::epoch_unit_nanos(whole as f64);
    // Fraction digits down to the nanosecond: 6 for milliseconds, 9 for seconds.
    let frac_digits = nanos_per_unit.ilog10() as usize;
    let mut frac: i64 = 0;
    for i in 0..frac_digits {
        let digit = frac_part
            .as_bytes()
            .get(i)
            .map_or(0, |b| i64::from(b - b'0'));
        frac = frac * 10 + digit;
    }
    let nanos = whole.checked_mul(nanos_per_unit)?.checked_add(frac)?;
    Some(Timestamp(if negative { -nanos } else { nanos }))
}

/// Date-time text; `None` when it is not one, `Some(None)` when it is but out of range.
pub(super) fn parse_datetime(text: &str) -> Option<Option<Timestamp>> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    // Every accepted form starts with a 4-digit year; skip chrono for anything else.
    if text.len() < 10 || !text.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.timestamp_nanos_opt().map(Timestamp));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(time) = DateTime::parse_from_str(text, format) {
            return Some(time.timestamp_nanos_opt().map(Timestamp));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(time) = NaiveDateTime::parse_from_str(text, format) {
            return Some(time.and_utc().timestamp_nanos_opt().map(Timestamp));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0)?;
        return Some(midnight.and_utc().timestamp_nanos_opt().map(Timestamp));
    }
    None
}

/// What a value cell holds.
#[derive(Debug, PartialEq)]
pub(super) enum Cell {
    /// Nothing (empty or whitespace).
    Empty,
    /// `NaN`: a missing value.
    Missing,
    /// A usable value.
    Value(f64),
    /// Not a value; the message says why.
    Bad(String),
}

/// Reads a value cell: a number (`81.5`, `-3e2`), `true`/`false` (1/0), `NaN` (missing) or
/// nothing. With `decimal_comma` (files not delimited by `,`), `81,5` is read as 81.5.
pub(super) fn parse_value(text: &str, decimal_comma: bool) -> Cell {
    let text = text.trim();
    if text.is_empty() {
        return Cell::Empty;
    }
    if text.eq_ignore_ascii_case("true") {
        return Cell::Value(1.0);
    }
    if text.eq_ignore_ascii_case("false") {
        return Cell::Value(0.0);
    }
    let parsed = match text.parse::<f64>() {
        Ok(value) => Ok(value),
        Err(e) if decimal_comma && text.matches(',').count() == 1 && !text.contains('.') => {
            text.replace(',', ".").parse::<f64>().map_err(|_| e)
        }
        Err(e) => Err(e),
    };
    match parsed {
        Ok(value) if value.is_nan() => Cell::Missing,
        Ok(value) if value.is_finite() => Cell::Value(value),
        Ok(_) => Cell::Bad(format!("not a finite number: {:?}", excerpt(text))),
        Err(_) => Cell::Bad(format!("not a number: {:?}", excerpt(text))),
    }
}
