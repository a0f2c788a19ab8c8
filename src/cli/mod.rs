//! Parsing and dispatch: one file per subcommand, each with its clap arguments and a `run` that
//! returns the exit code. Errors print as `error: …` with exit code 2.

mod alarms;
mod analyze;
mod args;
mod check;
mod gen_plant;
mod import;
mod info;
mod publish_demo;
mod record;
mod scenario;
mod view;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Desktop 3D digital twin: plant models bound to live sensor data.
#[derive(Parser, Debug)]
#[command(
    name = "twinscope",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    view: view::ViewArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate a scene file against its model without opening a window.
    Check(check::CheckArgs),
    /// Run the demo-plant simulator as a standalone MQTT publisher (topics plant/TAG/quantity).
    PublishDemo(publish_demo::PublishDemoArgs),
    /// Record the scene's live source to an MCAP file, headless, until --duration or Ctrl-C.
    Record(record::RecordArgs),
    /// Describe a recording: time span, signals, chunks, and anything damaged (exit 1).
    Info(info::InfoArgs),
    /// Import a historian CSV export (wide or long layout) into a recording; exit 1 if any row
    /// or cell was skipped.
    Import(import::ImportArgs),
    /// Replay a recording through the scene's alarms and write every alarm transition to CSV.
    Alarms(alarms::AlarmsArgs),
    /// What-if scenarios: run one headless from the plant's state at a time and write a
    /// report, or list a scene's.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
    /// Backtest forecasts and anomaly detection on history; write accuracy and anomalies as JSON.
    Analyze(analyze::AnalyzeArgs),
    /// Generate the demo plant model (or a large synthetic one) as GLB.
    GenPlant(gen_plant::GenPlantArgs),
}

/// Parses the command line and runs the command.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Check(args)) => check::run(args),
        Some(Command::PublishDemo(args)) => publish_demo::run(args),
        Some(Command::Record(args)) => record::run(args),
        Some(Command::Info(args)) => info::run(args),
        Some(Command::Import(args)) => import::run(args),
        Some(Command::Alarms(args)) => alarms::run(args),
        Some(Command::Scenario(command)) => scenario::run(command),
        Some(Command::Analyze(args)) => analyze::run(args),
        Some(Command::GenPlant(args)) => gen_plant::run(args),
        None => view::run(cli.view),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
}

/// Exit 0 when clean, else 1: the convention of `check`, `info` and `import`.
fn exit_clean(clean: bool) -> ExitCode {
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
