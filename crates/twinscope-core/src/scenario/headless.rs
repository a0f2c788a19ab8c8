//! What-if scenarios headless (`twinscope scenario run|list`), for audit and automation.
//!
//! `run` reads the scenario's initial conditions at T0 from history (a recording, or the demo
//! simulator run deterministically up to T0), simulates it with the plant's colliders and
//! writes `report.json` plus `report.md` beside it. No wall-clock time enters the run or the
//! report, so the same command gives byte-identical files.

use crate::scenario::inputs::resolve_inputs;
use crate::scenario::report::{HashedFile, HistorySource, RunContext, ScenarioReport, StartTime};
use crate::scenario::world::StaticWorld;
use crate::scenario::{ScenarioRun, ScenarioSpec};
use crate::scene::Scene;
use crate::signal::Timestamp;
use crate::store::{DEFAULT_GC_TIME_CAP, SignalStore};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the simulated history ends when `--at` is not an absolute time (2026-01-01T08:00Z):
/// a fixed instant, so runs without a recording are reproducible on any day.
pub(crate) const SIMULATED_HISTORY_END: Timestamp = Timestamp(1_767_254_400_000_000_000);

/// The `list` table.
pub fn list(scene: &Scene) -> anyhow::Result<String> {
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

/// `scenario run`: simulates the named scenario from the plant's state at `at` (default: the
/// end of the history) and writes the JSON report to `out` and the Markdown beside it.
/// `progress` hears (steps done, steps in all). Returns the summary line.
pub fn run(
    scene_path: &Path,
    name: &str,
    at: Option<&str>,
    history: &History,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
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
    let result = run.run_to_end(progress);
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
            crate::cursor::parse_jump_time(text, end, offset)
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
    let (_, samples) =
        crate::demo::simulate_span(seed, start, std::time::Duration::from_nanos(span));
    let mut store = SignalStore::for_scene(scene)?;
    store.ingest(samples.into_iter().filter(|s| s.time <= t0));
    let source = HistorySource::Simulator {
        seed,
        start: StartTime::from(start),
    };
    Ok((store, t0, source))
}
