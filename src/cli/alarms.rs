//! `twinscope alarms SCENE --replay FILE.mcap --out alarms.csv`: a recording's alarm history.

use std::path::PathBuf;
use std::process::ExitCode;

/// `alarms` arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct AlarmsArgs {
    /// Scene file whose `[[alarms]]` to evaluate.
    scene: PathBuf,
    /// The recording (MCAP) to replay.
    #[arg(long, value_name = "FILE.mcap")]
    replay: PathBuf,
    /// The CSV file to write.
    #[arg(long, value_name = "FILE.csv")]
    out: PathBuf,
}

/// Replays and writes the CSV; prints the one-line report.
pub(crate) fn run(args: AlarmsArgs) -> anyhow::Result<ExitCode> {
    let report = twinscope_core::alarms::replay_to_csv(&args.scene, &args.replay, &args.out)?;
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}
