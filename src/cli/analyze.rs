//! `twinscope analyze`: backtest forecasts and anomaly detection on history, as JSON.

use std::path::PathBuf;
use std::process::ExitCode;
use twinscope_core::analyze::AnalyzeOptions;

/// `analyze` arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct AnalyzeArgs {
    /// A recording (.mcap) or a historian CSV export (.csv, wide or long layout).
    file: PathBuf,
    /// Analyse only this signal (repeatable; default: every signal).
    #[arg(long = "signal", value_name = "S")]
    signals: Vec<String>,
    /// Forecast horizon, e.g. `60s`, `5m` (default: the scene's, else 2 min).
    #[arg(long, value_name = "H")]
    horizon: Option<String>,
    /// A scene file whose `[forecast]` settings and signal periods to use.
    #[arg(long, value_name = "SCENE.toml")]
    scene: Option<PathBuf>,
    /// The JSON file to write.
    #[arg(long, value_name = "result.json")]
    out: PathBuf,
}

/// Runs the backtest, writes the JSON and prints the report; exit 1 when anything in the file
/// was skipped, dropped or damaged (the JSON's `input` says what and where).
pub(crate) fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let options = AnalyzeOptions {
        file: args.file,
        signals: args.signals,
        horizon: args.horizon,
        scene: args.scene,
        out: args.out,
    };
    let outcome = twinscope_core::analyze::run(&options)?;
    print!("{}", outcome.text);
    Ok(super::exit_clean(outcome.clean))
}
