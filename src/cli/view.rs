//! `twinscope [SCENE]`: the viewer (the default when no subcommand is given).

use super::args::{SourceArgs, default_scene};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use twinscope_app::app::{ViewerExit, ViewerOptions, run_viewer};

/// History the viewer's demo opens with.
const DEMO_BACKFILL: Duration = Duration::from_secs(3600);

/// The viewer's flags.
#[derive(clap::Args, Debug)]
pub(crate) struct ViewArgs {
    /// Scene file to open (default: the bundled demo plant).
    scene: Option<PathBuf>,
    /// Render the window, save a PNG here and exit (a `.json` of asset regions goes beside it).
    #[arg(long, value_name = "PNG")]
    screenshot: Option<PathBuf>,
    /// With --screenshot: frames to render after the plant is ready before capturing.
    #[arg(long, value_name = "N", default_value_t = 30, requires = "screenshot")]
    after_frames: u32,
    #[command(flatten)]
    source: SourceArgs,
    /// Open the MQTT connection panel at start.
    #[arg(long)]
    connection_panel: bool,
    /// Show the alarm list instead of the asset outliner at start.
    #[arg(long)]
    alarms: bool,
    /// Show the risk ranking instead of the asset outliner at start.
    #[arg(long)]
    risk: bool,
    /// Record every sample that arrives to this MCAP file (finished when the window closes).
    #[arg(long, value_name = "FILE.mcap")]
    record: Option<PathBuf>,
    /// Replay a recording (made by --record, `record` or `import`) instead of live data.
    #[arg(long, value_name = "FILE.mcap", conflicts_with_all = ["mqtt", "no_broker"])]
    replay: Option<PathBuf>,
    /// Open playing at this speed (0.1 to 1000; negative plays backwards), from --at.
    #[arg(long, value_name = "SPEED", allow_hyphen_values = true)]
    play: Option<f64>,
    /// Memory for history in MiB; past it the oldest data is evicted (each signal keeps its
    /// latest value).
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..))]
    history_mib: Option<u64>,
    /// Open with the time cursor paused at this time: start, end, -10m, 09:30 (local) or an
    /// RFC 3339 time.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    at: Option<String>,
    /// Select this asset (plant tag) once the model is loaded.
    #[arg(long, value_name = "TAG")]
    select: Option<String>,
    /// Run this what-if scenario at the opening cursor time (--at) once the model is loaded.
    #[arg(long, value_name = "NAME")]
    scenario: Option<String>,
    /// With --scenario: put the cursor this many seconds after the scenario's start once run.
    #[arg(long, value_name = "SECS", requires = "scenario")]
    scenario_t: Option<f64>,
}

/// Opens the window and runs until it is closed (or the screenshot is saved).
pub(crate) fn run(view: ViewArgs) -> anyhow::Result<ExitCode> {
    let options = ViewerOptions {
        source: view.source.options(DEMO_BACKFILL),
        connection_panel: view.connection_panel,
        alarm_panel: view.alarms,
        risk_panel: view.risk,
        record: view.record,
        replay: view.replay,
        at: view.at,
        history_mib: view.history_mib,
        play: view.play,
        scene: view.scene.unwrap_or_else(default_scene),
        screenshot: view.screenshot.map(|path| (path, view.after_frames)),
        select: view.select,
        scenario: view.scenario.map(|name| (name, view.scenario_t)),
    };
    Ok(match run_viewer(options)? {
        ViewerExit::Success => ExitCode::SUCCESS,
        ViewerExit::Error(code) => ExitCode::from(code),
    })
}
