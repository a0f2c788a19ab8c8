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

use crate::signal::{Sample, SignalId, Timestamp};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::io::{Cursor, Read};

/// The sink receives batches of at most this many samples.
pub(crate) const BATCH_SAMPLES: usize = 4096;

/// At most this many problems are kept in [`CsvSummary::problems`] (all are counted).
pub(crate) const MAX_PROBLEMS: usize = 100;

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

mod cells;
mod input;
#[cfg(test)]
mod tests;
mod types;

pub use cells::parse_time;
use cells::*;
use input::*;
use types::*;
pub use types::{CsvError, CsvLayout, CsvOptions, CsvProblem, CsvSummary};

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
pub(crate) fn import_csv<R: Read>(
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
