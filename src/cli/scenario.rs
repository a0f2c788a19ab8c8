//! `twinscope scenario run|list`: what-if scenarios headless, for audit and automation.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use twinscope_core::scenario::headless::{History, list, run as run_scenario};
use twinscope_core::scene::Scene;

/// `twinscope scenario ...`.
#[derive(clap::Subcommand, Debug)]
pub(crate) enum ScenarioCommand {
    /// Run a scenario headless from the plant's state at T0 and write a report (JSON and
    /// Markdown); the same inputs give byte-identical reports.
    ///
    /// Initial conditions are read from --replay when given, else from the built-in demo
    /// simulator (--seed), which makes up --backfill of history ending at --at when that is an
    /// absolute time, else at the fixed time 2026-01-01T08:00:00Z.
    Run {
        /// Scene file (TOML) holding the scenario.
        scene: PathBuf,
        /// The scenario's name (`twinscope scenario list SCENE` lists them).
        #[arg(long, value_name = "NAME")]
        scenario: String,
        /// T0: end (default), start (with --replay), -10m (back from the end of the history),
        /// 09:30 (local) or an RFC 3339 time.
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: Option<String>,
        /// Read the initial conditions from this recording instead of the simulator.
        #[arg(long, value_name = "FILE.mcap")]
        replay: Option<PathBuf>,
        /// Without --replay: seed of the built-in simulator.
        #[arg(long, default_value_t = 42, conflicts_with = "replay")]
        seed: u64,
        /// Without --replay: how much history the simulator makes up before its end (e.g. 10m).
        #[arg(long, value_name = "DURATION", default_value = "10m", conflicts_with = "replay",
              value_parser = twinscope_core::cursor::parse_span)]
        backfill: Duration,
        /// The JSON report to write; the Markdown summary goes beside it (`.md`).
        #[arg(long, value_name = "FILE.json")]
        out: PathBuf,
    },
    /// List a scene's scenarios: name, duration and description.
    List {
        /// Scene file (TOML).
        scene: PathBuf,
    },
}

/// Runs a `scenario` subcommand and prints its report.
pub(crate) fn run(command: ScenarioCommand) -> anyhow::Result<ExitCode> {
    let report = match command {
        ScenarioCommand::List { scene } => list(&Scene::load(&scene)?)?,
        ScenarioCommand::Run {
            scene,
            scenario,
            at,
            replay,
            seed,
            backfill,
            out,
        } => {
            let history = match replay {
                Some(file) => History::Recording(file),
                None => History::Simulator {
                    seed,
                    backfill_ns: i64::try_from(backfill.as_nanos()).unwrap_or(i64::MAX),
                },
            };
            let bar = progress_bar(&scenario);
            let report = run_scenario(
                &scene,
                &scenario,
                at.as_deref(),
                &history,
                &out,
                &mut |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                },
            );
            bar.finish_and_clear();
            report?
        }
    };
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}

/// A step bar on stderr, hidden when stderr is not a terminal (tests, CI, pipes).
fn progress_bar(name: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} steps {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(format!("simulating \"{name}\""));
    bar
}
