//! `twinscope import FILE.csv --out FILE.mcap`: a historian CSV export as a recording.

use std::path::PathBuf;
use std::process::ExitCode;
use twinscope_core::csv_import::{CsvLayout, CsvOptions};
use twinscope_core::recording::import::{ImportOptions, import};

/// The CSV layout, as `--layout` names it.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum LayoutArg {
    /// One column per signal.
    Wide,
    /// time,signal,value rows.
    Long,
}

/// `import` arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct ImportArgs {
    /// The CSV file.
    file: PathBuf,
    /// The MCAP file to write.
    #[arg(long, value_name = "FILE.mcap")]
    out: PathBuf,
    /// Layout: one column per signal (wide) or time,signal,value rows (long); default:
    /// detected from the header.
    #[arg(long, value_enum)]
    layout: Option<LayoutArg>,
    /// Name of the time column (default: time, timestamp, ts, datetime or date, else the
    /// first column).
    #[arg(long, value_name = "NAME")]
    time_column: Option<String>,
    /// Prepended to wide-layout column names to make signal ids (e.g. `P-101.`).
    #[arg(long, value_name = "P")]
    signal_prefix: Option<String>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
}

/// Imports; prints the summary and every problem; exit 1 if any row or cell was skipped.
pub(crate) fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let options = ImportOptions {
        csv: args.file,
        out: args.out,
        csv_options: CsvOptions {
            layout: args.layout.map(|layout| match layout {
                LayoutArg::Wide => CsvLayout::Wide,
                LayoutArg::Long => CsvLayout::Long,
            }),
            time_column: args.time_column,
            signal_prefix: args.signal_prefix,
            ..CsvOptions::default()
        },
        force: args.force,
    };
    let report = import(&options)?;
    print!("{}", report.text);
    for problem in &report.problems {
        eprintln!("{problem}");
    }
    Ok(super::exit_clean(report.clean))
}
