//! `twinscope record`: the scene's live source into an MCAP file, headless. Link changes go
//! to stderr as they happen; exit 2 when the source never connected or the broker refused,
//! 1 with `--fail-on-loss` when anything was lost.

use super::args::{SourceArgs, default_scene, parse_seconds};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use twinscope_sources::record::{RecordOptions, record};

/// `record` arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct RecordArgs {
    /// Scene file whose source to record (default: the bundled demo plant).
    scene: Option<PathBuf>,
    #[command(flatten)]
    source: SourceArgs,
    /// The MCAP file to write.
    #[arg(long, value_name = "FILE.mcap")]
    out: PathBuf,
    /// Stop after this many seconds (default: until SIGINT/SIGTERM).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    duration: Option<Duration>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
    /// Exit 1 when anything was lost: a connection outage, bad payloads, or samples of
    /// signals past [mqtt] max_signals.
    #[arg(long)]
    fail_on_loss: bool,
}

/// Records until the duration or a signal, then prints the summary.
pub(crate) fn run(args: RecordArgs) -> anyhow::Result<ExitCode> {
    let options = RecordOptions {
        scene: args.scene.unwrap_or_else(default_scene),
        source: args.source.options(Duration::ZERO),
        out: args.out,
        duration: args.duration,
        force: args.force,
        fail_on_loss: args.fail_on_loss,
    };
    let outcome = record(&options)?;
    print!("{}", outcome.text);
    Ok(super::exit_clean(!outcome.failed))
}
