//! What an import is told, reports and fails with.

use super::*;

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
    /// The first `MAX_PROBLEMS` problems, in file order.
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

pub(super) fn name_list(columns: &[String]) -> String {
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
pub(super) fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
