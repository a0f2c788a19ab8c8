//! `twinscope scenario run|list`: what-if scenarios headless, for audit and automation.
//!
//! `run` reads the scenario's initial conditions at T0 from history (a recording, or the demo
//! simulator run deterministically up to T0), simulates it with the plant's colliders and
//! writes `report.json` plus `report.md` beside it. No wall-clock time enters the run or the
//! report, so the same command gives byte-identical files.

use crate::core::scenario::inputs::resolve_inputs;
use crate::core::scenario::report::{
    HashedFile, HistorySource, RunContext, ScenarioReport, StartTime,
};
use crate::core::scenario::world::StaticWorld;
use crate::core::scenario::{ScenarioRun, ScenarioSpec};
use crate::core::scene::Scene;
use crate::core::signal::Timestamp;
use crate::core::store::{DEFAULT_GC_TIME_CAP, SignalStore};
use anyhow::Context;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the simulated history ends when `--at` is not an absolute time (2026-01-01T08:00Z):
/// a fixed instant, so runs without a recording are reproducible on any day.
pub const SIMULATED_HISTORY_END: Timestamp = Timestamp(1_767_254_400_000_000_000);

/// `twinscope scenario ...`.
#[derive(clap::Subcommand, Debug)]
pub enum ScenarioCommand {
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
              value_parser = parse_span)]
        backfill: i64,
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

/// A history length in nanoseconds (`0` allowed).
fn parse_span(text: &str) -> Result<i64, String> {
    if text.trim() == "0" {
        return Ok(0);
    }
    crate::core::cursor::parse_duration_ns(text)
}

/// Runs a `scenario` subcommand; returns what to print on stdout.
pub fn scenario(command: ScenarioCommand) -> anyhow::Result<String> {
    match command {
        ScenarioCommand::List { scene } => list(&Scene::load(&scene)?),
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
                    backfill_ns: backfill,
                },
            };
            run(&scene, &scenario, at.as_deref(), &history, &out)
        }
    }
}

/// The `list` table.
fn list(scene: &Scene) -> anyhow::Result<String> {
    if scene.scenarios.is_empty() {
        return Ok(format!("{} has no scenarios\n", scene.source.display()));
    }
    let width = scene
        .scenarios
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for s in &scene.scenarios {
        let description = s
            .description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        out += &format!(
            "{:width$}  {:>6.1} s  {description}\n",
            s.name, s.duration_s
        );
    }
    Ok(out)
}

/// Where the initial conditions come from.
pub enum History {
    /// A recording (MCAP).
    Recording(PathBuf),
    /// The demo simulator with this seed, making up this much history.
    Simulator {
        /// Simulator seed.
        seed: u64,
        /// History before the end, ns.
        backfill_ns: i64,
    },
}

/// `scenario run`: see [`ScenarioCommand::Run`]. Returns the summary line.
pub fn run(
    scene_path: &Path,
    name: &str,
    at: Option<&str>,
    history: &History,
    out: &Path,
) -> anyhow::Result<String> {
    let scene = Scene::load(scene_path)?;
    let spec = find(&scene, name)?;
    let (store, t0, source) = match history {
        History::Recording(file) => replay_until(&scene, file, at)?,
        History::Simulator { seed, backfill_ns } => {
            simulate_until(&scene, *seed, *backfill_ns, at)?
        }
    };
    let inputs = resolve_inputs(spec, &store, t0)?;
    let world = StaticWorld::from_model(&scene.model_path, &scene.colliders)?;
    let run = ScenarioRun::new(spec, Arc::new(world), &inputs)?;
    let bar = progress_bar(run.total_steps(), &spec.name);
    let result = run.run_to_end(&mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let hashed = |path: &Path| {
        HashedFile::read(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let context = RunContext {
        scene: hashed(scene_path)?,
        model: hashed(&scene.model_path)?,
        scenario_file: hashed(&spec.file)?,
        description: spec.description.clone(),
        t0,
        history: source,
        inputs,
        snapshot_every: spec.snapshot_every,
    };
    let report = ScenarioReport::new(context, &result);
    let markdown = out.with_extension("md");
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(out, report.to_json())
        .with_context(|| format!("cannot write {}", out.display()))?;
    std::fs::write(&markdown, report.to_markdown())
        .with_context(|| format!("cannot write {}", markdown.display()))?;
    let o = &report.outcomes;
    let entries: u32 = o.zones.iter().map(|z| z.entries).sum();
    Ok(format!(
        "{}: {} bodies, {} zone entries, {} off the line, peak impact {:.2} m/s; trajectory {}\n\
         wrote {} and {}\n",
        report.scenario,
        o.bodies_total,
        entries,
        o.bodies_off_line,
        o.peak_impact_speed,
        report.trajectory_hash,
        out.display(),
        markdown.display()
    ))
}

/// The named scenario, or an error listing the scene's scenarios.
fn find<'a>(scene: &'a Scene, name: &str) -> anyhow::Result<&'a ScenarioSpec> {
    scene.scenario(name).ok_or_else(|| {
        let names: Vec<String> = scene
            .scenarios
            .iter()
            .map(|s| format!("\"{}\"", s.name))
            .collect();
        if names.is_empty() {
            anyhow::anyhow!(
                "no scenario `{name}`: {} has no scenarios",
                scene.source.display()
            )
        } else {
            anyhow::anyhow!(
                "no scenario `{name}` in {}; available: {}",
                scene.source.display(),
                names.join(", ")
            )
        }
    })
}

/// T0 from `--at` against a history from `start` (if fixed) to `end`, like the viewer's `--at`.
fn start_time(
    at: Option<&str>,
    start: Option<Timestamp>,
    end: Timestamp,
) -> anyhow::Result<Timestamp> {
    match at.map(str::trim) {
        None | Some("end") => Ok(end),
        Some("start") => {
            start.ok_or_else(|| anyhow::anyhow!("--at start needs a recording (--replay)"))
        }
        Some(text) => {
            let offset = chrono::Local::now().offset().local_minus_utc();
            crate::core::cursor::parse_jump_time(text, end, offset)
                .map_err(|error| anyhow::anyhow!("--at: {error}"))
        }
    }
}

/// Replays the recording's samples up to T0 into a store for the scene.
fn replay_until(
    scene: &Scene,
    file: &Path,
    at: Option<&str>,
) -> anyhow::Result<(SignalStore, Timestamp, HistorySource)> {
    let mut reader = crate::recording::reader::RecordingReader::open(file)?;
    let Some((start, end)) = reader.time_span() else {
        anyhow::bail!("{} holds no samples", file.display());
    };
    let t0 = start_time(at, Some(start), end)?;
    let mut store = SignalStore::for_scene(scene)?;
    reader.for_each_batch::<crate::recording::RecordingError>(&mut |_, _| {}, &mut |batch| {
        store.ingest(batch.into_iter().filter(|s| s.time <= t0));
        store.collect_garbage(DEFAULT_GC_TIME_CAP);
        Ok(())
    })?;
    let file = HashedFile::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    Ok((store, t0, HistorySource::Recording { file }))
}

/// Runs the demo simulator from the start of its history up to T0 into a store for the scene.
fn simulate_until(
    scene: &Scene,
    seed: u64,
    backfill_ns: i64,
    at: Option<&str>,
) -> anyhow::Result<(SignalStore, Timestamp, HistorySource)> {
    let absolute = at
        .map(str::trim)
        .filter(|t| !t.starts_with('-') && *t != "end" && *t != "start");
    let end = match absolute {
        Some(_) => start_time(at, None, SIMULATED_HISTORY_END)?,
        None => SIMULATED_HISTORY_END,
    };
    let t0 = start_time(at, None, end)?;
    let start = Timestamp(end.0.saturating_sub(backfill_ns));
    let span = u64::try_from(t0.0.saturating_sub(start.0)).unwrap_or(0);
    let (_, samples) = crate::sources::simulator::simulate_span(
        seed,
        start,
        std::time::Duration::from_nanos(span),
    );
    let mut store = SignalStore::for_scene(scene)?;
    store.ingest(samples.into_iter().filter(|s| s.time <= t0));
    let source = HistorySource::Simulator {
        seed,
        start: StartTime::from(start),
    };
    Ok((store, t0, source))
}

/// A step bar on stderr, hidden when stderr is not a terminal (tests, CI, pipes).
fn progress_bar(total: u64, name: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} steps {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(format!("simulating \"{name}\""));
    bar
}
