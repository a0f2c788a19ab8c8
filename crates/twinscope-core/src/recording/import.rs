//! `twinscope import`: a historian CSV export into a recording, so exported history replays
//! like a live recording. The CSV parsing is `sources::csv_import`; this writes its samples.

use super::writer::RecordingWriter;
use super::{RecordingMeta, RecordingStats, span_line};
use crate::csv_import::{CsvOptions, CsvProblem, CsvSummary, import_csv};
use crate::signal::Timestamp;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What `twinscope import` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The CSV file.
    pub csv: PathBuf,
    /// The MCAP file to write.
    pub out: PathBuf,
    /// Layout, time column and prefix, as given on the command line.
    pub csv_options: CsvOptions,
    /// Overwrite `out` if it exists.
    pub force: bool,
}

/// What an import prints.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The summary, for stdout.
    pub text: String,
    /// One line per problem, `FILE.csv:LINE: …`, for stderr.
    pub problems: Vec<String>,
    /// Nothing was skipped.
    pub clean: bool,
}

/// Imports `options.csv` into `options.out` (receive time = source time). The file is written
/// under a temporary name and renamed when complete, so a failed import leaves no recording
/// (and does not destroy one being replaced with `--force`).
pub fn import(options: &ImportOptions) -> anyhow::Result<ImportReport> {
    if options.out.exists() && !options.force {
        anyhow::bail!(
            "{} already exists; pass --force to overwrite it",
            options.out.display()
        );
    }
    let file = std::fs::File::open(&options.csv)
        .with_context(|| format!("cannot open {}", options.csv.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let partial = partial_path(&options.out);
    let meta = RecordingMeta {
        scene: String::new(),
        source: format!("CSV import of {}", options.csv.display()),
        start_time: Timestamp::now(),
        signals: Vec::new(),
    };
    let mut writer = RecordingWriter::create(&partial, &meta)?;

    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("importing [{bar:30}] {bytes}/{total_bytes} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let parsed = import_csv(
        std::io::BufReader::with_capacity(256 * 1024, file),
        &options.csv_options,
        &mut |batch| {
            for sample in &batch {
                writer.write(sample, sample.time)?;
            }
            Ok(())
        },
        &mut |bytes| bar.set_position(bytes),
    );
    bar.finish_and_clear();
    let summary = match parsed {
        Ok(summary) => summary,
        Err(error) => {
            drop(writer);
            let _ = std::fs::remove_file(&partial);
            return Err(anyhow::Error::from(error))
                .with_context(|| format!("cannot import {}", options.csv.display()));
        }
    };
    let stats = match writer.finish() {
        Ok(stats) => stats,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error.into());
        }
    };
    if let Err(error) = std::fs::rename(&partial, &options.out) {
        let _ = std::fs::remove_file(&partial);
        return Err(error).with_context(|| format!("cannot write {}", options.out.display()));
    }
    Ok(report(options, &summary, &stats))
}

/// `dir/.name.partial`: beside the output, so the final rename stays on one file system.
fn partial_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import.mcap".to_owned());
    out.with_file_name(format!(".{name}.partial"))
}

fn report(options: &ImportOptions, summary: &CsvSummary, stats: &RecordingStats) -> ImportReport {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "imported {} samples of {} signals ({} layout, {} rows) from {} to {} ({} bytes)",
        stats.samples,
        summary.signals.len(),
        summary.layout,
        summary.rows,
        options.csv.display(),
        options.out.display(),
        stats.bytes
    );
    let _ = writeln!(text, "{}", span_line(summary.time_span));
    let skipped = summary.skipped_rows + summary.skipped_cells + stats.rejected;
    if skipped > 0 || summary.problems_total > 0 {
        let _ = writeln!(
            text,
            "skipped: {} rows, {} cells (bad values, NaN, empty long-layout values){}; {} problems",
            summary.skipped_rows,
            summary.skipped_cells,
            if stats.rejected > 0 {
                format!(
                    ", {} samples before 1970 (MCAP cannot hold them)",
                    stats.rejected
                )
            } else {
                String::new()
            },
            summary.problems_total
        );
    }
    let file = options.csv.display();
    let mut problems: Vec<String> = summary
        .problems
        .iter()
        .map(|p| problem_line(&file.to_string(), p))
        .collect();
    let untold = summary
        .problems_total
        .saturating_sub(summary.problems.len() as u64);
    if untold > 0 {
        problems.push(format!("{file}: … and {untold} more problems"));
    }
    ImportReport {
        text,
        problems,
        clean: skipped == 0 && summary.problems_total == 0,
    }
}

/// `FILE.csv:12: column `TK-101.level`: not a number: "abc"`.
fn problem_line(file: &str, problem: &CsvProblem) -> String {
    match &problem.column {
        Some(column) => format!(
            "{file}:{}: column `{column}`: {}",
            problem.line, problem.message
        ),
        None => format!("{file}:{}: {}", problem.line, problem.message),
    }
}
