//! `twinscope record`: the scene's live source into an MCAP file, headless.

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
}

/// Records until the duration or a signal, then prints the summary.
pub(crate) fn run(args: RecordArgs) -> anyhow::Result<ExitCode> {
    let options = RecordOptions {
        scene: args.scene.unwrap_or_else(default_scene),
        source: args.source.options(Duration::ZERO),
        out: args.out,
        duration: args.duration,
        force: args.force,
    };
    print!("{}", record(&options)?);
    Ok(ExitCode::SUCCESS)
}
