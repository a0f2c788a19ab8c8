//! `twinscope info FILE.mcap`: span, signals, chunks, and anything damaged (exit 1).

use std::path::PathBuf;
use std::process::ExitCode;

/// `info` arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct InfoArgs {
    /// The MCAP file.
    file: PathBuf,
    /// Read the summary only; do not decode every chunk to check it.
    #[arg(long)]
    quick: bool,
}

/// Prints the description; exit 1 when anything is damaged or missing.
pub(crate) fn run(args: InfoArgs) -> anyhow::Result<ExitCode> {
    let report = twinscope_core::recording::info::info(&args.file, !args.quick)?;
    print!("{}", report.text);
    Ok(super::exit_clean(report.clean))
}
