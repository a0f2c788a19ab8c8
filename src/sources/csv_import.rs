//! Reading historian CSV exports into samples: the parser behind `twinscope import FILE.csv`.
//!
//! Two layouts are understood:
//!
//! - **wide**: a time column and one column per signal (`time,TK-101.level,P-101.speed`); the
//!   header names the signals and empty cells mean "no sample" (sparse exports are normal);
//! - **long**: one sample per row (`time,signal,value`), the signal column found by name
//!   (`signal`, `tag`, `name` or `id`) and the value column named `value`; other columns (units,
//!   quality) are ignored.
//!
//! Times may be RFC 3339 / ISO 8601 with an offset, ISO 8601 without one (read as **UTC**), or
//! epoch seconds or milliseconds; see [`parse_time`]. Values are numbers or `true`/`false`.
//!
//! Only a file that cannot be read as a whole is an error ([`CsvError`]): a bad row or cell is
//! reported as a [`CsvProblem`], counted in the [`CsvSummary`], and everything else in the file
//! is still delivered. Nothing in the input can make the import panic.

use crate::core::signal::{Sample, SignalId, Timestamp};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::io::{Cursor, Read};

/// The sink receives batches of at most this many samples.
pub const BATCH_SAMPLES: usize = 4096;

/// At most this many problems are kept in [`CsvSummary::problems`] (all are counted).
pub const MAX_PROBLEMS: usize = 100;

/// Epoch numbers at or above this are milliseconds, below it seconds (1e11 s is the year 5138;
/// 1e11 ms is 1973), the same rule as JSON payload timestamps.
const EPOCH_MS_THRESHOLD: i64 = 100_000_000_000;

/// The header line is looked at (for the delimiter) up to this many bytes.
const HEADER_PEEK_LIMIT: usize = 1 << 20;

/// Progress is reported each time at least this many more bytes have been read.
const PROGRESS_STEP: u64 = 256 * 1024;

/// Names that mark the time column when none is given (compared case-insensitively).
const TIME_NAMES: [&str; 5] = ["time", "timestamp", "ts", "datetime", "date"];

/// Names of the signal column in the long layout, in order of preference.
const SIGNAL_NAMES: [&str; 4] = ["signal", "tag", "name", "id"];

/// Name of the value column in the long layout.
const VALUE_NAME: &str = "value";

/// Which CSV layout a file uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvLayout {
    /// A time column and one column per signal, named in the header.
    Wide,
    /// One sample per row: time, signal name, value.
    Long,
}

impl fmt::Display for CsvLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Wide => "wide",
            Self::Long => "long",
        })
    }
}

/// How to read a CSV file; the defaults detect everything from the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// The layout; `None` detects it: long when the header has a signal column (`signal`,
    /// `tag`, `name` or `id`) and a `value` column, wide otherwise.
    pub layout: Option<CsvLayout>,
    /// The time column's name (matched exactly after trimming, else case-insensitively);
    /// `None` takes the first column named `time`, `timestamp`, `ts`, `datetime` or `date`
    /// (case-insensitive), else the first column.
    pub time_column: Option<String>,
    /// The field delimiter. When it is `,` and the header line has no `,`, a `;` or tab
    /// delimiter is detected from the header instead. In files not delimited by `,`, values
    /// with a decimal comma (`81,5`) are read too.
    pub delimiter: u8,
    /// Prepended to wide-layout signal ids, e.g. `P-101.` turns column `speed` into
    /// `P-101.speed`. Long-layout signal names are used as written.
    pub signal_prefix: Option<String>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            layout: None,
            time_column: None,
            delimiter: b',',
            signal_prefix: None,
        }
    }
}

/// What an import read, delivered and skipped.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvSummary {
    /// The layout used (given or detected).
    pub layout: CsvLayout,
    /// Data rows read (the header and blank lines not counted).
    pub rows: u64,
    /// Samples delivered to the sink.
    pub samples: u64,
    /// Samples delivered per signal; signals without any sample are not listed.
    pub signals: BTreeMap<SignalId, u64>,
    /// Rows that gave no sample: a bad or missing time, a bad signal name, or no usable cell.
    pub skipped_rows: u64,
    /// Cells that gave no sample although the row's time was good: bad values (each also a
    /// problem), `NaN` (a missing value, not a problem) and, in the long layout, empty values.
    /// Empty wide-layout cells are not counted: sparse exports are normal.
    pub skipped_cells: u64,
    /// The first [`MAX_PROBLEMS`] problems, in file order.
    pub problems: Vec<CsvProblem>,
    /// All problems, including those not kept in `problems`.
    pub problems_total: u64,
    /// Earliest and latest sample time delivered (rows need not be in time order).
    pub time_span: Option<(Timestamp, Timestamp)>,
}

/// A row or cell that could not be used; the import went on without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvProblem {
    /// 1-based line where the row starts.
    pub line: u64,
    /// The column's header name, when the problem is in one cell.
    pub column: Option<String>,
    /// Byte offset of the row's start in the file.
    pub byte_offset: u64,
    /// What is wrong.
    pub message: String,
}

/// For example ``line 12, column `TK-101.level`: not a number: "abc"``; the caller puts the
/// file name in front.
impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(
                f,
                "line {}, column `{}`: {}",
                self.line, column, self.message
            ),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Why a file could not be imported at all. Bad rows and cells are not errors but
/// [`CsvProblem`]s.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// Reading the input failed.
    #[error("reading failed at line {line}: {source}")]
    Read {
        /// Line being read when it failed.
        line: u64,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No rows at all, not even a header.
    #[error("the file is empty")]
    Empty,
    /// The first row is not a header.
    #[error("line {line}: no header row: {reason}")]
    NoHeader {
        /// Line of the first row.
        line: u64,
        /// Why the first row is not a header.
        reason: String,
    },
    /// A header field is not valid UTF-8.
    #[error("line {line}, column {column}: the header name is not valid UTF-8")]
    HeaderNotUtf8 {
        /// Line of the header.
        line: u64,
        /// 1-based column number.
        column: usize,
    },
    /// The time column named in the options is not in the header.
    #[error("line {line}: there is no time column `{name}`; the columns are {}", name_list(.columns))]
    TimeColumnNotFound {
        /// Line of the header.
        line: u64,
        /// The name looked for.
        name: String,
        /// The header's column names.
        columns: Vec<String>,
    },
    /// Two header columns have the same name.
    #[error("line {line}: columns {first} and {second} are both named `{name}`")]
    DuplicateColumn {
        /// Line of the header.
        line: u64,
        /// The repeated name.
        name: String,
        /// 1-based number of the first column with the name.
        first: usize,
        /// 1-based number of the second column with the name.
        second: usize,
    },
    /// The long layout was asked for (or detected) but a column it needs is missing.
    #[error("line {line}: the long layout needs {missing} column; the columns are {}", name_list(.columns))]
    LongColumnsMissing {
        /// Line of the header.
        line: u64,
        /// Which column is missing, e.g. "a `value`".
        missing: String,
        /// The header's column names.
        columns: Vec<String>,
    },
    /// A wide-layout header with nothing but the time column.
    #[error("line {line}: no signal columns besides the time column `{time_column}`")]
    NoSignalColumns {
        /// Line of the header.
        line: u64,
        /// The time column's name.
        time_column: String,
    },
    /// The sink failed; the import stopped there.
    #[error("stopped at line {line}: {error:#}")]
    Sink {
        /// Line of the row being read when the sink failed.
        line: u64,
        /// The sink's error, as it returned it.
        error: anyhow::Error,
    },
}

fn name_list(columns: &[String]) -> String {
    if columns.is_empty() {
        return "(none)".to_owned();
    }
    columns
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Shortens text for messages so a huge bad cell does not flood the output.
fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

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
fn parse_epoch(text: &str) -> Option<Option<Timestamp>> {
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
    let secs = if value.abs() >= EPOCH_MS_THRESHOLD as f64 {
        value / 1000.0
    } else {
        value
    };
    let nanos = (secs * 1e9).round();
    if !nanos.is_finite() || nanos.abs() >= i64::MAX as f64 {
        return Some(None);
    }
    Some(Some(Timestamp(nanos as i64)))
}

/// Decimal epoch seconds or milliseconds converted without floating point.
fn exact_epoch(negative: bool, int_part: &str, frac_part: &str) -> Option<Timestamp> {
    let int_part = int_part.trim_start_matches('0');
    if int_part.len() > 18 {
        return None;
    }
    let whole: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let (nanos_per_unit, frac_digits) = if whole >= EPOCH_MS_THRESHOLD {
        (1_000_000_i64, 6)
    } else {
        (1_000_000_000_i64, 9)
    };
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
fn parse_datetime(text: &str) -> Option<Option<Timestamp>> {
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
enum Cell {
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
fn parse_value(text: &str, decimal_comma: bool) -> Cell {
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

/// The file's first line (and whatever else the first reads brought in), with a UTF-8 byte
/// order mark removed; returns the bytes and the length of the removed mark.
fn peek_header(reader: &mut impl Read) -> std::io::Result<(Vec<u8>, u64)> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        bytes.extend_from_slice(&chunk[..n]);
        if chunk[..n].contains(&b'\n') || bytes.len() >= HEADER_PEEK_LIMIT {
            break;
        }
    }
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
        return Ok((bytes, BOM.len() as u64));
    }
    Ok((bytes, 0))
}

/// The delimiter to use: `requested`, or `;` / tab when `requested` is `,` and the header line
/// has no `,` but one of those.
fn choose_delimiter(requested: u8, peeked: &[u8]) -> u8 {
    let line = peeked.split(|&b| b == b'\n').next().unwrap_or_default();
    if requested != b',' || line.contains(&b',') {
        return requested;
    }
    let count = |d: u8| line.iter().filter(|&&b| b == d).count();
    let (semicolons, tabs) = (count(b';'), count(b'\t'));
    if semicolons == 0 && tabs == 0 {
        requested
    } else if semicolons >= tabs {
        b';'
    } else {
        b'\t'
    }
}

/// Notes where the input has runs of line breaks, to place records exactly.
///
/// The csv crate gives each record the position where reading it began: just after the previous
/// record's terminator, or in the middle of a `\r\n`, so before any blank lines it skipped. This
/// reader sits under the csv reader and remembers the line-break runs it has not yet passed, so
/// [`LineBreaks::skip`] can move a position past them.
struct LineBreaks<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// Runs of `\r` and `\n` not yet passed, in order.
    runs: VecDeque<BreakRun>,
}

/// A run of consecutive `\r` / `\n` bytes.
struct BreakRun {
    start: u64,
    end: u64,
    newlines: u64,
    starts_with_newline: bool,
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &byte) in buf.iter().take(n).enumerate() {
            if byte != b'\r' && byte != b'\n' {
                continue;
            }
            let at = self.offset + i as u64;
            let newline = u64::from(byte == b'\n');
            match self.runs.back_mut() {
                Some(run) if run.end == at => {
                    run.end += 1;
                    run.newlines += newline;
                }
                _ => self.runs.push_back(BreakRun {
                    start: at,
                    end: at + 1,
                    newlines: newline,
                    starts_with_newline: newline == 1,
                }),
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> LineBreaks<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            runs: VecDeque::new(),
        }
    }

    /// Moves a record position (byte, line) reported by the csv crate past the line breaks
    /// there, to where the record's first byte is; forgets the runs before it.
    fn skip(&mut self, byte: u64, line: u64) -> (u64, u64) {
        while self.runs.front().is_some_and(|run| run.end <= byte) {
            self.runs.pop_front();
        }
        match self.runs.front() {
            Some(run) if run.start <= byte => {
                // The csv crate has consumed at most the run's first byte, and counted it.
                let counted = u64::from(byte > run.start && run.starts_with_newline);
                (run.end, line + run.newlines.saturating_sub(counted))
            }
            _ => (byte, line),
        }
    }
}

/// Where `record`, just read, starts in the file (`bom` bytes were removed in front); `fallback`
/// if the reader gave no position.
fn record_start<R: Read>(
    csv: &mut csv::Reader<LineBreaks<R>>,
    record: &csv::ByteRecord,
    bom: u64,
    fallback: At,
) -> At {
    let Some(position) = record.position() else {
        return fallback;
    };
    let (byte, line) = csv.get_mut().skip(position.byte(), position.line());
    At {
        line,
        byte: byte + bom,
    }
}

/// How rows are turned into samples, worked out from the header.
enum Plan {
    /// Per column: the signal it holds, or `None` for the time column and unnamed columns.
    Wide { signals: Vec<Option<SignalId>> },
    /// Column indexes of the signal name and the value.
    Long { signal: usize, value: usize },
}

/// Where a row starts: line and byte offset in the file.
#[derive(Clone, Copy)]
struct At {
    line: u64,
    byte: u64,
}

/// Everything that accumulates while rows are read.
struct Import<'s> {
    sink: &'s mut dyn FnMut(Vec<Sample>) -> anyhow::Result<()>,
    batch: Vec<Sample>,
    summary: CsvSummary,
    /// Samples per wide column, or per long-layout signal (the index `long_signals` gives).
    counts: Vec<u64>,
    /// Long layout: signal ids seen, by name, with their index into `counts`.
    long_signals: HashMap<String, usize>,
    long_ids: Vec<SignalId>,
}

impl Import<'_> {
    fn problem(&mut self, at: At, column: Option<&str>, message: String) {
        self.summary.problems_total += 1;
        if self.summary.problems.len() < MAX_PROBLEMS {
            self.summary.problems.push(CsvProblem {
                line: at.line,
                column: column.map(str::to_owned),
                byte_offset: at.byte,
                message,
            });
        }
    }

    fn push(&mut self, at: At, sample: Sample) -> Result<(), CsvError> {
        let time = sample.time;
        self.summary.time_span = Some(match self.summary.time_span {
            Some((first, last)) => (first.min(time), last.max(time)),
            None => (time, time),
        });
        self.summary.samples += 1;
        self.batch.push(sample);
        if self.batch.len() >= BATCH_SAMPLES {
            self.flush(at)?;
        }
        Ok(())
    }

    fn flush(&mut self, at: At) -> Result<(), CsvError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_SAMPLES));
        (self.sink)(batch).map_err(|error| CsvError::Sink {
            line: at.line,
            error,
        })
    }

    fn long_signal(&mut self, name: &str) -> usize {
        if let Some(&index) = self.long_signals.get(name) {
            return index;
        }
        let index = self.long_ids.len();
        self.long_ids.push(SignalId::new(name));
        self.counts.push(0);
        self.long_signals.insert(name.to_owned(), index);
        index
    }
}

/// Reads a CSV export and delivers its samples to `sink` in batches of up to
/// [`BATCH_SAMPLES`], in file order.
///
/// Times are read by [`parse_time`]; times without an offset are taken as UTC.
/// `progress` is called now and then (and once at the end) with the bytes read so far. An
/// error from `sink` stops the import with [`CsvError::Sink`] carrying that error. Bad rows and
/// cells never stop it: they are counted and described in the returned [`CsvSummary`].
pub fn import_csv<R: Read>(
    reader: R,
    options: &CsvOptions,
    sink: &mut dyn FnMut(Vec<Sample>) -> anyhow::Result<()>,
    progress: &mut dyn FnMut(u64),
) -> Result<CsvSummary, CsvError> {
    let mut reader = reader;
    let (peeked, bom) =
        peek_header(&mut reader).map_err(|source| CsvError::Read { line: 1, source })?;
    let delimiter = choose_delimiter(options.delimiter, &peeked);
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(LineBreaks::new(Cursor::new(peeked).chain(reader)));
    let read_error = |csv: &csv::Reader<_>, e: csv::Error| CsvError::Read {
        line: csv.position().line(),
        source: e.into(),
    };

    let mut record = csv::ByteRecord::new();
    if !csv
        .read_byte_record(&mut record)
        .map_err(|e| read_error(&csv, e))?
    {
        return Err(CsvError::Empty);
    }
    let header_line = record_start(&mut csv, &record, bom, At { line: 1, byte: bom }).line;
    let mut names = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| CsvError::HeaderNotUtf8 {
            line: header_line,
            column: i + 1,
        })?;
        names.push(name.trim().to_owned());
    }
    let (layout, time_column, plan) = plan(&names, options, header_line)?;
    let time_name = names[time_column].clone();
    let decimal_comma = delimiter != b',';

    let counts = match &plan {
        Plan::Wide { signals } => vec![0; signals.len()],
        Plan::Long { .. } => Vec::new(),
    };
    let mut import = Import {
        sink,
        batch: Vec::with_capacity(BATCH_SAMPLES),
        summary: CsvSummary {
            layout,
            rows: 0,
            samples: 0,
            signals: BTreeMap::new(),
            skipped_rows: 0,
            skipped_cells: 0,
            problems: Vec::new(),
            problems_total: 0,
            time_span: None,
        },
        counts,
        long_signals: HashMap::new(),
        long_ids: Vec::new(),
    };
    let mut reported = 0;
    let mut at = At {
        line: header_line,
        byte: bom,
    };
    loop {
        if !csv
            .read_byte_record(&mut record)
            .map_err(|e| read_error(&csv, e))?
        {
            break;
        }
        at = record_start(&mut csv, &record, bom, at);
        import.summary.rows += 1;
        let samples_before = import.summary.samples;
        read_row(
            &mut import,
            &record,
            at,
            &names,
            time_column,
            &time_name,
            &plan,
            decimal_comma,
        )?;
        if import.summary.samples == samples_before {
            import.summary.skipped_rows += 1;
        }
        let consumed = csv.position().byte() + bom;
        if consumed >= reported + PROGRESS_STEP {
            reported = consumed;
            progress(consumed);
        }
    }
    import.flush(at)?;
    progress(csv.position().byte() + bom);

    let mut summary = import.summary;
    summary.signals = match &plan {
        Plan::Wide { signals } => signals
            .iter()
            .zip(&import.counts)
            .filter_map(|(signal, &count)| Some((signal.clone()?, count)))
            .filter(|&(_, count)| count > 0)
            .collect(),
        Plan::Long { .. } => import.long_ids.into_iter().zip(import.counts).collect(),
    };
    Ok(summary)
}

/// Works out the layout, the time column and how to read rows from the header names.
fn plan(
    names: &[String],
    options: &CsvOptions,
    line: u64,
) -> Result<(CsvLayout, usize, Plan), CsvError> {
    if names.iter().all(String::is_empty) {
        return Err(CsvError::NoHeader {
            line,
            reason: "the first row has no column names".to_owned(),
        });
    }
    let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
    let time_column = match &options.time_column {
        Some(wanted) => {
            let wanted = wanted.trim();
            names
                .iter()
                .position(|n| n == wanted)
                .or_else(|| find(wanted))
                .ok_or_else(|| CsvError::TimeColumnNotFound {
                    line,
                    name: wanted.to_owned(),
                    columns: names.to_vec(),
                })?
        }
        None => match names
            .iter()
            .position(|n| TIME_NAMES.iter().any(|t| n.eq_ignore_ascii_case(t)))
        {
            Some(column) => column,
            None => {
                if parse_time(&names[0]).is_ok() {
                    return Err(CsvError::NoHeader {
                        line,
                        reason: format!(
                            "`{}` is a time, so the first row looks like data; \
                             the first row must name the columns",
                            excerpt(&names[0])
                        ),
                    });
                }
                0
            }
        },
    };
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for (i, name) in names.iter().enumerate().filter(|(_, n)| !n.is_empty()) {
        if let Some(&first) = first_of.get(name.as_str()) {
            return Err(CsvError::DuplicateColumn {
                line,
                name: name.clone(),
                first: first + 1,
                second: i + 1,
            });
        }
        first_of.insert(name, i);
    }

    let not_time = |wanted: &str| {
        names
            .iter()
            .enumerate()
            .position(|(i, n)| i != time_column && n.eq_ignore_ascii_case(wanted))
    };
    let signal = SIGNAL_NAMES.iter().find_map(|name| not_time(name));
    let value = not_time(VALUE_NAME);
    let layout = options.layout.unwrap_or(match (signal, value) {
        (Some(_), Some(_)) => CsvLayout::Long,
        _ => CsvLayout::Wide,
    });
    let plan = match layout {
        CsvLayout::Long => {
            let missing = |what: &str| CsvError::LongColumnsMissing {
                line,
                missing: what.to_owned(),
                columns: names.to_vec(),
            };
            Plan::Long {
                signal: signal.ok_or_else(|| missing("a `signal` (or `tag`, `name`, `id`)"))?,
                value: value.ok_or_else(|| missing("a `value`"))?,
            }
        }
        CsvLayout::Wide => {
            let prefix = options.signal_prefix.as_deref().unwrap_or_default();
            let signals: Vec<Option<SignalId>> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    (i != time_column && !name.is_empty())
                        .then(|| SignalId::new(format!("{prefix}{name}")))
                })
                .collect();
            if signals.iter().all(Option::is_none) {
                return Err(CsvError::NoSignalColumns {
                    line,
                    time_column: names[time_column].clone(),
                });
            }
            Plan::Wide { signals }
        }
    };
    Ok((layout, time_column, plan))
}

/// Turns one data row into samples, noting its problems.
#[allow(clippy::too_many_arguments)]
fn read_row(
    import: &mut Import<'_>,
    record: &csv::ByteRecord,
    at: At,
    names: &[String],
    time_column: usize,
    time_name: &str,
    plan: &Plan,
    decimal_comma: bool,
) -> Result<(), CsvError> {
    if record.len() != names.len() {
        import.problem(
            at,
            None,
            format!(
                "{} fields, but the header has {}",
                record.len(),
                names.len()
            ),
        );
    }
    // A missing time field is already explained by the field count.
    let Some(time_field) = record.get(time_column) else {
        return Ok(());
    };
    let time = match std::str::from_utf8(time_field) {
        Ok(text) => parse_time(text),
        Err(e) => Err(not_utf8(e)),
    };
    let time = match time {
        Ok(time) => time,
        Err(message) => {
            import.problem(at, Some(time_name), message);
            return Ok(());
        }
    };

    match plan {
        Plan::Wide { signals } => {
            for (i, (field, signal)) in record.iter().zip(signals).enumerate() {
                let Some(signal) = signal else {
                    if i != time_column && !field.iter().all(u8::is_ascii_whitespace) {
                        import.summary.skipped_cells += 1;
                        import.problem(
                            at,
                            None,
                            format!("field {} has data but no name in the header", i + 1),
                        );
                    }
                    continue;
                };
                let cell = match std::str::from_utf8(field) {
                    Ok(text) => parse_value(text, decimal_comma),
                    Err(e) => Cell::Bad(not_utf8(e)),
                };
                match cell {
                    Cell::Empty => {}
                    Cell::Missing => import.summary.skipped_cells += 1,
                    Cell::Value(value) => {
                        import.counts[i] += 1;
                        import.push(at, Sample::new(signal.clone(), time, value))?;
                    }
                    Cell::Bad(message) => {
                        import.summary.skipped_cells += 1;
                        import.problem(at, Some(&names[i]), message);
                    }
                }
            }
        }
        &Plan::Long { signal, value } => {
            let (Some(signal_field), Some(value_field)) = (record.get(signal), record.get(value))
            else {
                return Ok(());
            };
            let name = match std::str::from_utf8(signal_field) {
                Ok(name) if name.trim().is_empty() => Err("no signal name".to_owned()),
                Ok(name) => Ok(name.trim()),
                Err(e) => Err(not_utf8(e)),
            };
            let name = match name {
                Ok(name) => name,
                Err(message) => {
                    import.problem(at, Some(&names[signal]), message);
                    return Ok(());
                }
            };
            let cell = match std::str::from_utf8(value_field) {
                Ok(text) => parse_value(text, decimal_comma),
                Err(e) => Cell::Bad(not_utf8(e)),
            };
            match cell {
                Cell::Empty | Cell::Missing => import.summary.skipped_cells += 1,
                Cell::Value(v) => {
                    let index = import.long_signal(name);
                    import.counts[index] += 1;
                    let id = import.long_ids[index].clone();
                    import.push(at, Sample::new(id, time, v))?;
                }
                Cell::Bad(message) => {
                    import.summary.skipped_cells += 1;
                    import.problem(
                        at,
                        Some(&names[value]),
                        format!("{message} (signal `{}`)", excerpt(name)),
                    );
                }
            }
        }
    }
    Ok(())
}

fn not_utf8(e: std::str::Utf8Error) -> String {
    format!("not valid UTF-8 (byte {} of the field)", e.valid_up_to())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What one import delivered: the summary, the batches and the progress reports.
    struct Run {
        summary: CsvSummary,
        batches: Vec<Vec<Sample>>,
        progress: Vec<u64>,
    }

    impl Run {
        fn samples(&self) -> Vec<(String, i64, f64)> {
            self.batches
                .iter()
                .flatten()
                .map(|s| (s.signal.to_string(), s.time.0, s.value))
                .collect()
        }

        fn problems(&self) -> Vec<String> {
            self.summary
                .problems
                .iter()
                .map(ToString::to_string)
                .collect()
        }
    }

    fn import_with(input: &[u8], options: &CsvOptions) -> Result<Run, CsvError> {
        let mut batches = Vec::new();
        let mut progress = Vec::new();
        let summary = import_csv(
            input,
            options,
            &mut |batch| {
                batches.push(batch);
                Ok(())
            },
            &mut |bytes| progress.push(bytes),
        )?;
        Ok(Run {
            summary,
            batches,
            progress,
        })
    }

    fn import(input: &str) -> Run {
        import_with(input.as_bytes(), &CsvOptions::default())
            .unwrap_or_else(|e| panic!("import failed: {e}\n{input}"))
    }

    fn import_err(input: &[u8], options: &CsvOptions) -> CsvError {
        match import_with(input, options) {
            Ok(run) => panic!("expected an error, got {:?}", run.summary),
            Err(e) => e,
        }
    }

    /// 2026-11-20T10:00:00Z in nanoseconds.
    const T0: i64 = 1_795_168_800_000_000_000;
    const S: i64 = 1_000_000_000;

    #[test]
    fn wide_layout_one_column_per_signal() {
        let run = import(
            "time,TK-101.level, P-101.speed \n\
             2026-11-20T10:00:00Z,1.5,300\n\
             2026-11-20T10:00:01Z,,301\n\
             2026-11-20T10:00:02Z,-0.5,\n",
        );
        assert_eq!(run.summary.layout, CsvLayout::Wide);
        assert_eq!(
            run.samples(),
            vec![
                ("TK-101.level".to_owned(), T0, 1.5),
                ("P-101.speed".to_owned(), T0, 300.0),
                ("P-101.speed".to_owned(), T0 + S, 301.0),
                ("TK-101.level".to_owned(), T0 + 2 * S, -0.5),
            ],
            "header names are trimmed; empty cells give no sample"
        );
        assert_eq!(run.summary.rows, 3);
        assert_eq!(run.summary.samples, 4);
        assert_eq!(
            run.summary.signals,
            BTreeMap::from([
                (SignalId::new("P-101.speed"), 2),
                (SignalId::new("TK-101.level"), 2)
            ])
        );
        assert_eq!(run.summary.skipped_rows, 0);
        assert_eq!(run.summary.skipped_cells, 0, "sparse cells are not skipped");
        assert!(run.summary.problems.is_empty());
        assert_eq!(
            run.summary.time_span,
            Some((Timestamp(T0), Timestamp(T0 + 2 * S)))
        );
    }

    #[test]
    fn wide_signal_ids_take_the_prefix() {
        let options = CsvOptions {
            signal_prefix: Some("P-101.".to_owned()),
            ..CsvOptions::default()
        };
        let run = import_with(b"ts,speed,current\n1795168800,1,2\n", &options).unwrap();
        assert_eq!(
            run.samples(),
            vec![
                ("P-101.speed".to_owned(), T0, 1.0),
                ("P-101.current".to_owned(), T0, 2.0)
            ]
        );
    }

    #[test]
    fn long_layout_one_sample_per_row() {
        let run = import(
            "Timestamp,Tag,Value,Quality\n\
             2026-11-20T10:00:01Z,TK-101.level,2.5,good\n\
             2026-11-20T10:00:00Z, P-101.running ,true,good\n\
             2026-11-20T10:00:02Z,TK-101.level,1e3,bad\n",
        );
        assert_eq!(run.summary.layout, CsvLayout::Long);
        assert_eq!(
            run.samples(),
            vec![
                ("TK-101.level".to_owned(), T0 + S, 2.5),
                ("P-101.running".to_owned(), T0, 1.0),
                ("TK-101.level".to_owned(), T0 + 2 * S, 1000.0),
            ],
            "file order is kept even when times go backwards"
        );
        assert_eq!(
            run.summary.signals,
            BTreeMap::from([
                (SignalId::new("P-101.running"), 1),
                (SignalId::new("TK-101.level"), 2)
            ])
        );
        assert_eq!(
            run.summary.time_span,
            Some((Timestamp(T0), Timestamp(T0 + 2 * S)))
        );
        assert!(run.summary.problems.is_empty());
    }

    #[test]
    fn long_layout_empty_and_nan_values_are_skipped_cells() {
        let run = import("time,signal,value\n1,a,\n2,a,NaN\n3,a,x\n4,,1\n5,a,7\n");
        assert_eq!(run.samples(), vec![("a".to_owned(), 5 * S, 7.0)]);
        assert_eq!(run.summary.rows, 5);
        assert_eq!(run.summary.skipped_rows, 4);
        assert_eq!(run.summary.skipped_cells, 3, "empty, NaN and `x`");
        assert_eq!(
            run.problems(),
            vec![
                "line 4, column `value`: not a number: \"x\" (signal `a`)".to_owned(),
                "line 5, column `signal`: no signal name".to_owned(),
            ]
        );
    }

    #[test]
    fn layout_and_time_column_detection() {
        // (header + one row, forced layout, expected layout, expected time column name)
        let cases: &[(&str, Option<CsvLayout>, CsvLayout, &str)] = &[
            ("time,a,b\n1,2,3\n", None, CsvLayout::Wide, "time"),
            ("a,TIME,b\n2,1,3\n", None, CsvLayout::Wide, "TIME"),
            (
                "x,DateTime,value\n2,1,3\n",
                None,
                CsvLayout::Wide,
                "DateTime",
            ),
            ("stamp,a\n1,2\n", None, CsvLayout::Wide, "stamp"),
            ("date,name,value\n1,a,3\n", None, CsvLayout::Long, "date"),
            ("ts,id,value\n1,a,3\n", None, CsvLayout::Long, "ts"),
            (
                "time,signal,value\n1,a,3\n",
                Some(CsvLayout::Wide),
                CsvLayout::Wide,
                "time",
            ),
        ];
        for &(input, layout, expected, time_name) in cases {
            let options = CsvOptions {
                layout,
                ..CsvOptions::default()
            };
            let run = import_with(input.as_bytes(), &options)
                .unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(run.summary.layout, expected, "{input:?}");
            // The time column is the one whose cell holds 1 (one second after the epoch).
            let times: Vec<i64> = run.samples().iter().map(|s| s.1).collect();
            assert!(
                !times.is_empty() && times.iter().all(|&t| t == S),
                "{input:?}: time column `{time_name}` not used: {:?}",
                run.samples()
            );
        }
    }

    #[test]
    fn the_time_column_can_be_named() {
        let options = CsvOptions {
            time_column: Some("Zeit".to_owned()),
            ..CsvOptions::default()
        };
        let run = import_with(b"a,zeit,time\n5,1,2\n", &options).unwrap();
        assert_eq!(
            run.samples(),
            vec![("a".to_owned(), S, 5.0), ("time".to_owned(), S, 2.0)],
            "matched case-insensitively; a column called `time` is then a signal"
        );
    }

    #[test]
    fn a_missing_time_column_names_the_columns_seen() {
        let options = CsvOptions {
            time_column: Some("when".to_owned()),
            ..CsvOptions::default()
        };
        let e = import_err(b"time,TK-101.level\n1,2\n", &options);
        assert!(matches!(e, CsvError::TimeColumnNotFound { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "line 1: there is no time column `when`; the columns are `time`, `TK-101.level`"
        );
    }

    #[test]
    fn long_layout_without_its_columns_is_an_error() {
        let long = CsvOptions {
            layout: Some(CsvLayout::Long),
            ..CsvOptions::default()
        };
        let e = import_err(b"time,tag,v\n1,a,2\n", &long);
        assert_eq!(
            e.to_string(),
            "line 1: the long layout needs a `value` column; the columns are `time`, `tag`, `v`"
        );
        let e = import_err(b"time,sensor,value\n1,a,2\n", &long);
        assert!(
            e.to_string()
                .contains("needs a `signal` (or `tag`, `name`, `id`) column"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_columns_are_an_error_naming_both() {
        let e = import_err(
            b"time,TK-101.level,P-101.speed, TK-101.level\n1,2,3,4\n",
            &CsvOptions::default(),
        );
        assert!(
            matches!(&e, CsvError::DuplicateColumn { name, first: 2, second: 4, .. } if name == "TK-101.level"),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "line 1: columns 2 and 4 are both named `TK-101.level`"
        );
    }

    #[test]
    fn fatal_header_errors() {
        let default = CsvOptions::default();
        assert!(matches!(import_err(b"", &default), CsvError::Empty));
        assert!(matches!(import_err(b"\n\r\n\n", &default), CsvError::Empty));
        assert_eq!(import_err(b"", &default).to_string(), "the file is empty");
        let e = import_err(b"1795168800,1.5,2\n1795168801,1.6,2\n", &default);
        assert!(matches!(e, CsvError::NoHeader { line: 1, .. }), "{e:?}");
        assert!(e.to_string().contains("`1795168800` is a time"), "{e}");
        assert!(matches!(
            import_err(b",,\n1,2,3\n", &default),
            CsvError::NoHeader { .. }
        ));
        let e = import_err(b"time\n1\n", &default);
        assert_eq!(
            e.to_string(),
            "line 1: no signal columns besides the time column `time`"
        );
        let e = import_err(b"time,ok,bad\xff\n1,2,3\n", &default);
        assert_eq!(
            e.to_string(),
            "line 1, column 3: the header name is not valid UTF-8"
        );
    }

    #[test]
    fn time_formats() {
        let cases: &[(&str, i64)] = &[
            ("2026-11-20T10:00:00Z", T0),
            ("2026-11-20T10:00:00.123Z", T0 + 123_000_000),
            ("2026-11-20t10:00:00.000000001z", T0 + 1),
            ("2026-11-20T11:00:00+01:00", T0),
            ("2026-11-20 11:00:00+01:00", T0),
            ("2026-11-20T11:00:00.5+0100", T0 + S / 2),
            ("2026-11-20 05:00:00-05:00", T0),
            ("2026-11-20 10:00:00", T0),
            ("2026-11-20 10:00:00.25", T0 + S / 4),
            ("2026-11-20T10:00:00", T0),
            ("2026-11-20 10:00", T0),
            ("2026-11-20", T0 - 10 * 3600 * S),
            ("  2026-11-20T10:00:00Z ", T0),
            ("1795168800", T0),
            ("+1795168800", T0),
            ("1795168800.123456789", T0 + 123_456_789),
            ("1795168800.1234567899", T0 + 123_456_789),
            ("1795168800123", T0 + 123_000_000),
            ("1795168800123.456", T0 + 123_456_000),
            ("0", 0),
            ("0.5", S / 2),
            (".5", S / 2),
            ("-1.5", -3 * S / 2),
            ("1.7951688e9", T0),
            ("1.7951688e12", T0),
            ("100000000000", 100_000_000_000_000_000),
            ("9000000000", 9_000_000_000 * S),
        ];
        for &(text, nanos) in cases {
            assert_eq!(parse_time(text), Ok(Timestamp(nanos)), "{text:?}");
        }
        for (text, message) in [
            ("", "no time"),
            ("yesterday", "not a time: \"yesterday\""),
            ("2026-13-01T00:00:00Z", "not a time"),
            ("2026-11-20T25:00:00", "not a time"),
            ("1.2.3", "not a time"),
            ("-", "not a time"),
            ("NaN", "not a time"),
            ("inf", "not a time"),
            ("2026/11/20 10:00:00", "not a time"),
            ("9999-01-01T00:00:00Z", "time out of range"),
            ("10000000000000000000", "time out of range"),
            ("1795168800123456", "time out of range"),
            ("99999999999", "time out of range"),
            ("9300000000000", "time out of range"),
            ("1e300", "time out of range"),
        ] {
            match parse_time(text) {
                Err(e) => assert!(e.starts_with(message), "{text:?}: {e}"),
                Ok(t) => panic!("{text:?} parsed as {t:?}"),
            }
        }
    }

    #[test]
    fn values() {
        let cases: &[(&str, bool, Cell)] = &[
            ("81.5", false, Cell::Value(81.5)),
            (" -0.5 ", false, Cell::Value(-0.5)),
            ("1e3", false, Cell::Value(1000.0)),
            ("+2", false, Cell::Value(2.0)),
            ("TRUE", false, Cell::Value(1.0)),
            ("false", false, Cell::Value(0.0)),
            ("", false, Cell::Empty),
            ("   ", false, Cell::Empty),
            ("NaN", false, Cell::Missing),
            ("nan", false, Cell::Missing),
            ("81,5", true, Cell::Value(81.5)),
            ("-1,25e2", true, Cell::Value(-125.0)),
            (
                "81,5",
                false,
                Cell::Bad("not a number: \"81,5\"".to_owned()),
            ),
            (
                "1,000,5",
                true,
                Cell::Bad("not a number: \"1,000,5\"".to_owned()),
            ),
            ("abc", false, Cell::Bad("not a number: \"abc\"".to_owned())),
            ("on", false, Cell::Bad("not a number: \"on\"".to_owned())),
            (
                "inf",
                false,
                Cell::Bad("not a finite number: \"inf\"".to_owned()),
            ),
            (
                "-1e400",
                false,
                Cell::Bad("not a finite number: \"-1e400\"".to_owned()),
            ),
        ];
        for (text, decimal_comma, expected) in cases {
            assert_eq!(&parse_value(text, *decimal_comma), expected, "{text:?}");
        }
        let Cell::Bad(message) = parse_value(&"x".repeat(10_000), false) else {
            panic!("not bad")
        };
        assert!(
            message.chars().count() < 70,
            "messages stay short: {message}"
        );
    }

    #[test]
    fn delimiters_are_detected_from_the_header() {
        let semicolons = import("Zeit;TK-101.level;P-101.speed\n1;81,5;300\n");
        assert_eq!(
            semicolons.samples(),
            vec![
                ("TK-101.level".to_owned(), S, 81.5),
                ("P-101.speed".to_owned(), S, 300.0)
            ],
            "`;` files may use decimal commas"
        );
        let tabs = import("time\ta\tb\n1\t2\t3\n");
        assert_eq!(
            tabs.samples(),
            vec![("a".to_owned(), S, 2.0), ("b".to_owned(), S, 3.0)]
        );
        // The header has a comma, so `;` is just part of the name.
        let commas = import("time,a;b\n1,2\n");
        assert_eq!(commas.samples(), vec![("a;b".to_owned(), S, 2.0)]);
        let pipes = import_with(
            b"time|a\n1|2\n",
            &CsvOptions {
                delimiter: b'|',
                ..CsvOptions::default()
            },
        )
        .unwrap();
        assert_eq!(pipes.samples(), vec![("a".to_owned(), S, 2.0)]);
    }

    #[test]
    fn bad_rows_are_reported_with_their_lines_and_the_rest_is_used() {
        let rows: &[&[u8]] = &[
            b"time,TK-101.level,P-101.speed\n",   // line 1
            b"2026-11-20T10:00:00Z,1,2\n",        // line 2
            b"yesterday,1,2\n",                   // line 3: bad time
            b"2026-11-20T10:00:01Z,abc,3\n",      // line 4: bad value
            b"2026-11-20T10:00:02Z,4\n",          // line 5: short row
            b"2026-11-20T10:00:03Z,\xff\xfe,5\n", // line 6: value not UTF-8
            b"\xff,6,7\n",                        // line 7: time not UTF-8
            b"\n",                                // line 8: blank, not a row
            b"2026-11-20T10:00:04Z,\"8\nx\",9\n", // lines 9-10: quoted newline
            b"2026-11-20T10:00:05Z,10,11,12\n",   // line 11: long row
            b",1,2\n",                            // line 12: no time
            b"2026-11-20T10:00:06Z,NaN,abc\n",    // line 13: nothing usable
        ];
        let mut input = Vec::new();
        let mut starts = Vec::new();
        for row in rows {
            starts.push(input.len() as u64);
            input.extend_from_slice(row);
        }
        let run = import_with(&input, &CsvOptions::default()).unwrap();
        assert_eq!(
            run.problems(),
            vec![
                "line 3, column `time`: not a time: \"yesterday\"",
                "line 4, column `TK-101.level`: not a number: \"abc\"",
                "line 5: 2 fields, but the header has 3",
                "line 6, column `TK-101.level`: not valid UTF-8 (byte 0 of the field)",
                "line 7, column `time`: not valid UTF-8 (byte 0 of the field)",
                "line 9, column `TK-101.level`: not a number: \"8\\nx\"",
                "line 11: 4 fields, but the header has 3",
                "line 12, column `time`: no time",
                "line 13, column `P-101.speed`: not a number: \"abc\"",
            ]
        );
        let offsets: Vec<u64> = run.summary.problems.iter().map(|p| p.byte_offset).collect();
        // Rows 2.. of `rows` sit on lines 3.., except that the quoted row spans two lines.
        let expected: Vec<u64> = [2, 3, 4, 5, 6, 8, 9, 10, 11].map(|i| starts[i]).to_vec();
        assert_eq!(offsets, expected, "byte offsets are where the rows start");
        assert_eq!(run.summary.problems[0].byte_offset, 55);
        assert_eq!(
            run.samples(),
            vec![
                ("TK-101.level".to_owned(), T0, 1.0),
                ("P-101.speed".to_owned(), T0, 2.0),
                ("P-101.speed".to_owned(), T0 + S, 3.0),
                ("TK-101.level".to_owned(), T0 + 2 * S, 4.0),
                ("P-101.speed".to_owned(), T0 + 3 * S, 5.0),
                ("P-101.speed".to_owned(), T0 + 4 * S, 9.0),
                ("TK-101.level".to_owned(), T0 + 5 * S, 10.0),
                ("P-101.speed".to_owned(), T0 + 5 * S, 11.0),
            ]
        );
        assert_eq!(run.summary.rows, 10, "the blank line is not a row");
        assert_eq!(run.summary.skipped_rows, 4, "lines 3, 7, 12 and 13");
        assert_eq!(
            run.summary.skipped_cells, 5,
            "lines 4, 6, 9 and 13 (NaN, abc)"
        );
        assert_eq!(run.summary.problems_total, 9);
        assert_eq!(
            run.summary.problems[1].column.as_deref(),
            Some("TK-101.level")
        );
        assert_eq!(run.summary.problems[2].column, None);
    }

    #[test]
    fn unnamed_columns_are_ignored_unless_they_hold_data() {
        let run = import("time,a,\n1,2,\n2,3, \n3,4,5\n");
        assert_eq!(run.samples().len(), 3);
        assert_eq!(
            run.problems(),
            vec!["line 4: field 3 has data but no name in the header"]
        );
        assert_eq!(run.summary.skipped_cells, 1);
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let input = b"\xEF\xBB\xBFtime,a\r\n1,x\r\n2,3\r\n";
        let run = import_with(input, &CsvOptions::default()).unwrap();
        assert_eq!(run.samples(), vec![("a".to_owned(), 2 * S, 3.0)]);
        let problem = &run.summary.problems[0];
        assert_eq!(
            (problem.line, problem.byte_offset),
            (2, 11),
            "offsets count the BOM"
        );
        assert_eq!(input[11], b'1');
        assert_eq!(run.progress.last(), Some(&(input.len() as u64)));
    }

    #[test]
    fn blank_lines_do_not_shift_lines_or_offsets() {
        let input = b"\r\n\ntime,a\r\n\r\n\r\n1,x\n\n\n2,y\r\r3,z";
        let run = import_with(input, &CsvOptions::default()).unwrap();
        let places: Vec<(u64, u64)> = run
            .summary
            .problems
            .iter()
            .map(|p| (p.line, p.byte_offset))
            .collect();
        // A lone `\r` ends a record too, but only `\n` starts a new line.
        assert_eq!(places, vec![(6, 15), (9, 21), (9, 26)]);
        assert_eq!(&input[15..18], b"1,x");
        assert_eq!(&input[21..24], b"2,y");
        assert_eq!(&input[26..29], b"3,z");
        let e = import_err(b"\n\ntime\n1\n", &CsvOptions::default());
        assert!(
            e.to_string().starts_with("line 3:"),
            "the header's line: {e}"
        );
    }

    #[test]
    fn long_layout_signal_names_must_be_utf8() {
        let run = import_with(
            b"time,signal,value\n1,\xffa,1\n2,b,2\n",
            &CsvOptions::default(),
        )
        .unwrap();
        assert_eq!(run.samples(), vec![("b".to_owned(), 2 * S, 2.0)]);
        assert_eq!(
            run.problems(),
            vec!["line 2, column `signal`: not valid UTF-8 (byte 0 of the field)"]
        );
        assert_eq!(run.summary.skipped_rows, 1);
    }

    #[test]
    fn problems_are_capped_but_counted() {
        let mut input = String::from("time,a\n");
        for i in 0..250 {
            input.push_str(&format!("{i},bad\n"));
        }
        let run = import(&input);
        assert_eq!(run.summary.problems.len(), MAX_PROBLEMS);
        assert_eq!(run.summary.problems_total, 250);
        assert_eq!(
            run.summary.problems[99].line, 101,
            "the first ones, in file order"
        );
        assert_eq!(run.summary.skipped_rows, 250);
    }

    #[test]
    fn samples_arrive_in_batches_in_file_order() {
        let mut input = String::from("time,a,b,c\n");
        for i in 0..20_000 {
            input.push_str(&format!("{i},{i},{},{}\n", i + 1, i + 2));
        }
        let run = import(&input);
        let sizes: Vec<usize> = run.batches.iter().map(Vec::len).collect();
        let mut expected = vec![BATCH_SAMPLES; 14];
        expected.push(60_000 - 14 * BATCH_SAMPLES);
        assert_eq!(sizes, expected);
        assert_eq!(run.summary.samples, 60_000);
        let samples = run.samples();
        for (i, sample) in samples.iter().enumerate() {
            let row = (i / 3) as i64;
            let column = (i % 3) as i64;
            assert_eq!(
                (sample.1, sample.2),
                (row * S, (row + column) as f64),
                "sample {i}"
            );
        }
        assert!(run.summary.signals.values().all(|&n| n == 20_000));
        assert!(
            run.progress.len() >= 2,
            "progress during the import: {:?}",
            run.progress
        );
        assert!(run.progress.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(run.progress.last(), Some(&(input.len() as u64)));
    }

    #[test]
    fn a_sink_error_stops_the_import() {
        let mut input = String::from("time,signal,value\n");
        for i in 0..10_000 {
            input.push_str(&format!("{i},a,{i}\n"));
        }
        let mut calls = 0;
        let result = import_csv(
            input.as_bytes(),
            &CsvOptions::default(),
            &mut |_batch| {
                calls += 1;
                if calls == 2 {
                    anyhow::bail!("disk full");
                }
                Ok(())
            },
            &mut |_| {},
        );
        assert_eq!(calls, 2, "nothing is delivered after the error");
        let Err(CsvError::Sink { line, error }) = result else {
            panic!("expected a sink error: {result:?}")
        };
        assert_eq!(line, 8193, "the row that filled the second batch");
        assert_eq!(error.to_string(), "disk full");
        let e = CsvError::Sink { line, error };
        assert_eq!(e.to_string(), "stopped at line 8193: disk full");
    }

    #[test]
    fn read_errors_are_fatal() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("cable unplugged"));
                }
                self.0 -= 1;
                let line = b"1,2\n";
                buf[..line.len()].copy_from_slice(line);
                Ok(line.len())
            }
        }
        let header_fails = import_csv(
            Failing(0),
            &CsvOptions::default(),
            &mut |_| Ok(()),
            &mut |_| {},
        );
        assert!(
            matches!(&header_fails, Err(CsvError::Read { line: 1, .. })),
            "{header_fails:?}"
        );
        let later = import_csv(
            std::io::Cursor::new(b"time,a\n".to_vec()).chain(Failing(3)),
            &CsvOptions::default(),
            &mut |_| Ok(()),
            &mut |_| {},
        );
        let Err(e) = later else {
            panic!("expected an error")
        };
        assert!(e.to_string().contains("cable unplugged"), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..600)) {
            check_invariants(&input)?;
        }

        #[test]
        fn csv_like_input_never_panics(
            cells in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        Just("time".to_owned()),
                        Just("signal".to_owned()),
                        Just("value".to_owned()),
                        Just("".to_owned()),
                        Just("NaN".to_owned()),
                        Just("\"q,\n\"".to_owned()),
                        Just("\u{feff}".to_owned()),
                        Just("\r".to_owned()),
                        Just("1".to_owned()),
                        Just("2.5".to_owned()),
                        Just("2026-11-20T10:00:00Z".to_owned()),
                        Just("-9223372036854775808".to_owned()),
                        "[0-9.eE+-]{1,25}",
                        "[ -~]{0,12}",
                    ],
                    1..6,
                ),
                1..30,
            ),
            separator in prop_oneof![Just(","), Just(";"), Just("\t")],
            line_end in prop_oneof![Just("\n"), Just("\r\n"), Just("\n\n"), Just("\r"), Just("\r\n\r\n")],
        ) {
            let input: String = cells
                .iter()
                .map(|row| row.join(separator))
                .collect::<Vec<_>>()
                .join(line_end);
            check_invariants(input.as_bytes())?;
        }

        #[test]
        fn integer_epochs_are_exact(secs in -9_000_000_000i64..9_000_000_000, ms in 100_000_000_000i64..9_000_000_000_000) {
            prop_assert_eq!(parse_time(&secs.to_string()), Ok(Timestamp(secs * 1_000_000_000)));
            prop_assert_eq!(parse_time(&ms.to_string()), Ok(Timestamp(ms * 1_000_000)));
        }
    }

    /// Imports `input` under both layouts and checks the summary agrees with what arrived.
    fn check_invariants(input: &[u8]) -> Result<(), TestCaseError> {
        for layout in [None, Some(CsvLayout::Wide), Some(CsvLayout::Long)] {
            let options = CsvOptions {
                layout,
                ..CsvOptions::default()
            };
            if let Ok(run) = import_with(input, &options) {
                let delivered: usize = run.batches.iter().map(Vec::len).sum();
                prop_assert_eq!(delivered as u64, run.summary.samples);
                prop_assert_eq!(
                    run.summary.signals.values().sum::<u64>(),
                    run.summary.samples
                );
                prop_assert!(
                    run.batches
                        .iter()
                        .all(|b| !b.is_empty() && b.len() <= BATCH_SAMPLES)
                );
                prop_assert!(run.summary.skipped_rows <= run.summary.rows);
                prop_assert!(run.summary.problems.len() as u64 <= run.summary.problems_total);
                prop_assert!(run.summary.problems.len() <= MAX_PROBLEMS);
                prop_assert_eq!(run.summary.time_span.is_some(), run.summary.samples > 0);
                prop_assert!(
                    run.progress
                        .last()
                        .is_some_and(|&b| b <= input.len() as u64)
                );
                for problem in &run.summary.problems {
                    // Each problem points at the first byte of its row, on the line it names.
                    let offset = usize::try_from(problem.byte_offset).unwrap_or(usize::MAX);
                    prop_assert!(offset < input.len(), "{problem:?}");
                    prop_assert!(!matches!(input[offset], b'\r' | b'\n'), "{problem:?}");
                    let newlines = input[..offset].iter().filter(|&&b| b == b'\n').count();
                    prop_assert_eq!(problem.line, newlines as u64 + 1, "{:?}", problem);
                }
            }
        }
        Ok(())
    }
}
