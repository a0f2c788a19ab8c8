//! The audit record of a scenario run: what was run (tool version, SHA-256 of the scene, model
//! and scenario files, seed, T0, step), from what (every initial condition with the sample it
//! read), and what came out (outcomes, events, the trajectory hash).
//!
//! Written as `report.json` with a short Markdown summary beside it. Nothing in it depends on
//! the wall clock or the machine's paths beyond what the user passed, so the same inputs give
//! byte-identical files: re-running a scenario and comparing the two files is the audit.

use super::{BodyInfo, Outcomes, ResolvedInput, ScenarioEvent, ScenarioResult, ShapeSpec};
use crate::signal::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// A file the run depended on, with its SHA-256.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct HashedFile {
    /// The path as given on the command line or in the scene (relative paths stay relative).
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

impl HashedFile {
    /// Hashes the file at `path`.
    pub(crate) fn read(path: &Path) -> std::io::Result<HashedFile> {
        Ok(HashedFile {
            path: path.display().to_string(),
            sha256: sha256_file(path)?,
        })
    }
}

/// Lower-case hex SHA-256 of a file, read in blocks (recordings can be large).
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The start time, both ways.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct StartTime {
    /// Nanoseconds since the Unix epoch.
    pub ns: i64,
    /// RFC 3339, UTC, nanosecond precision.
    pub rfc3339: String,
}

impl From<Timestamp> for StartTime {
    fn from(t: Timestamp) -> Self {
        StartTime {
            ns: t.0,
            rfc3339: chrono::DateTime::from_timestamp_nanos(t.0)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        }
    }
}

/// Where the history the inputs were read from came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum HistorySource {
    /// A recording replayed into a store.
    Recording {
        /// The MCAP file, hashed.
        file: HashedFile,
    },
    /// The demo simulator, run deterministically from `start` up to T0.
    Simulator {
        /// The simulator's seed.
        seed: u64,
        /// When the simulated history starts.
        start: StartTime,
    },
}

/// One body as spawned, for the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct BodyReport {
    /// `name` or `name#i`.
    pub name: String,
    /// Shape and size.
    pub shape: ShapeSpec,
    /// Mass used, kg.
    pub mass_kg: f64,
    /// When it appeared, seconds after T0.
    pub spawn_s: f64,
    /// Moved only by a path.
    pub kinematic: bool,
}

impl From<&BodyInfo> for BodyReport {
    fn from(body: &BodyInfo) -> Self {
        BodyReport {
            name: body.name.clone(),
            shape: body.shape.clone(),
            mass_kg: body.mass_kg,
            spawn_s: body.spawn_s,
            kinematic: body.kinematic,
        }
    }
}

/// Snapshot bookkeeping (what seeking costs).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct SnapshotStats {
    /// A snapshot every this many steps.
    pub every_steps: u32,
    /// Snapshots kept.
    pub count: usize,
    /// Their total encoded size.
    pub bytes: usize,
}

/// Everything `twinscope scenario run` writes to `report.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ScenarioReport {
    /// `twinscope <version>`.
    pub tool: String,
    /// The scene file.
    pub scene: HashedFile,
    /// The plant model the colliders were built from.
    pub model: HashedFile,
    /// The file holding the scenario (the scene itself for inline scenarios).
    pub scenario_file: HashedFile,
    /// The scenario's name.
    pub scenario: String,
    /// Its description.
    pub description: String,
    /// The scenario's seed.
    pub seed: u64,
    /// The start time T0.
    pub t0: StartTime,
    /// Where the initial conditions were read from.
    pub history: HistorySource,
    /// Physics step, seconds.
    pub dt_s: f64,
    /// Steps simulated.
    pub steps: u64,
    /// Simulated time, seconds (`steps * dt_s`).
    pub duration_s: f64,
    /// Initial conditions as used, with the samples read.
    pub inputs: Vec<ResolvedInput>,
    /// Bodies spawned, in spawn order.
    pub bodies: Vec<BodyReport>,
    /// Measured outcomes.
    pub outcomes: Outcomes,
    /// Events in time order.
    pub events: Vec<ScenarioEvent>,
    /// Hex hash over every body pose at every step: equal hashes, equal runs.
    pub trajectory_hash: String,
    /// Snapshots kept for seeking.
    pub snapshots: SnapshotStats,
}

/// What the caller knows about a run that the result does not carry.
pub(crate) struct RunContext {
    /// The scene file.
    pub scene: HashedFile,
    /// The model file.
    pub model: HashedFile,
    /// The scenario's file.
    pub scenario_file: HashedFile,
    /// The scenario's description.
    pub description: String,
    /// T0.
    pub t0: Timestamp,
    /// Where the history came from.
    pub history: HistorySource,
    /// The initial conditions used.
    pub inputs: Vec<ResolvedInput>,
    /// The spec's snapshot interval.
    pub snapshot_every: u32,
}

impl ScenarioReport {
    /// The report of a finished run.
    pub(crate) fn new(context: RunContext, result: &ScenarioResult) -> ScenarioReport {
        ScenarioReport {
            tool: format!("twinscope {}", env!("CARGO_PKG_VERSION")),
            scene: context.scene,
            model: context.model,
            scenario_file: context.scenario_file,
            scenario: result.scenario.clone(),
            description: context.description,
            seed: result.seed,
            t0: context.t0.into(),
            history: context.history,
            dt_s: result.dt_s,
            steps: result.steps,
            duration_s: result.steps as f64 * result.dt_s,
            inputs: context.inputs,
            bodies: result.bodies.iter().map(BodyReport::from).collect(),
            outcomes: result.outcomes.clone(),
            events: result.events.clone(),
            trajectory_hash: result.trajectory_hash.clone(),
            snapshots: SnapshotStats {
                every_steps: context.snapshot_every,
                count: result.snapshot_count,
                bytes: result.snapshot_bytes,
            },
        }
    }

    /// Pretty JSON with a final newline.
    pub(crate) fn to_json(&self) -> String {
        // Plain structs of numbers and strings: serialization cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// A one-page human summary: what was simulated, from what, outcomes per zone, key events.
    pub(crate) fn to_markdown(&self) -> String {
        let mut md = format!("# Scenario \"{}\"\n\n", self.scenario);
        if !self.description.is_empty() {
            md += &format!("{}\n\n", self.description);
        }
        md += &format!(
            "Simulated {:.2} s ({} steps of {:.4} s, seed {}) from T0 = {} on scene `{}`.\n\n",
            self.duration_s, self.steps, self.dt_s, self.seed, self.t0.rfc3339, self.scene.path
        );
        md += &match &self.history {
            HistorySource::Recording { file } => format!("History: recording `{}`.\n\n", file.path),
            HistorySource::Simulator { seed, start } => format!(
                "History: built-in demo simulator (seed {seed}) from {}.\n\n",
                start.rfc3339
            ),
        };
        if !self.inputs.is_empty() {
            md += "## Initial conditions\n\n| input | value | from |\n|---|---:|---|\n";
            for input in &self.inputs {
                let from = match (&input.read, input.defaulted) {
                    (Some(read), _) => format!(
                        "`{}` = {} at {}",
                        read.signal.as_str(),
                        read.raw,
                        StartTime::from(read.time).rfc3339
                    ),
                    (None, true) => "default (no value at T0)".to_owned(),
                    (None, false) => "fixed".to_owned(),
                };
                md += &format!("| {} | {} | {from} |\n", input.name, input.value);
            }
            md += "\n";
        }
        let o = &self.outcomes;
        md += &format!(
            "## Outcomes\n\n{} bodies spawned, {} off the line at the end; peak impact {:.2} m/s \
             ({:.1} J).\n\n",
            o.bodies_total, o.bodies_off_line, o.peak_impact_speed, o.peak_impact_energy_j
        );
        if !o.zones.is_empty() {
            md += "| zone | kind | entries | bodies | first entry | peak impact |\n\
                   |---|---|---:|---:|---:|---:|\n";
            for z in &o.zones {
                let first = z
                    .first_entry_s
                    .map_or("—".to_owned(), |t| format!("{t:.2} s"));
                md += &format!(
                    "| {} | {} | {} | {} | {first} | {:.2} m/s, {:.1} J |\n",
                    z.name,
                    z.kind,
                    z.entries,
                    z.bodies_entered,
                    z.peak_impact_speed,
                    z.peak_impact_energy_j
                );
            }
            md += "\n";
        }
        if !o.touched_nodes.is_empty() {
            md += &format!("Assets touched: {}.\n\n", o.touched_nodes.join(", "));
        }
        md += &self.key_events();
        md += &format!(
            "Trajectory hash: `{}`\n\nScene sha256 `{}`, model sha256 `{}`, scenario file \
             sha256 `{}`; {}.\n",
            self.trajectory_hash,
            self.scene.sha256,
            self.model.sha256,
            self.scenario_file.sha256,
            self.tool
        );
        md
    }

    /// The events worth reading: scripted ones, each zone's first entry, and the hardest few
    /// impacts, in time order (the JSON has them all).
    fn key_events(&self) -> String {
        const IMPACTS: usize = 5;
        let mut impacts: Vec<(usize, f64)> = self
            .events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e.kind {
                super::ScenarioEventKind::Impact { speed, .. } => Some((i, speed)),
                _ => None,
            })
            .collect();
        impacts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        impacts.truncate(IMPACTS);
        let mut zones_seen = std::collections::HashSet::new();
        let mut off_line = 0;
        let lines: Vec<String> = self
            .events
            .iter()
            .enumerate()
            .filter(|(i, e)| match &e.kind {
                super::ScenarioEventKind::Scripted => true,
                super::ScenarioEventKind::ZoneEntry { zone } => zones_seen.insert(zone.clone()),
                super::ScenarioEventKind::Impact { .. } => impacts.iter().any(|(j, _)| j == i),
                super::ScenarioEventKind::OffLine => {
                    off_line += 1;
                    off_line == 1
                }
            })
            .map(|(_, e)| format!("- {:.2} s: {}\n", e.t_s, e.description))
            .collect();
        if lines.is_empty() {
            return String::new();
        }
        format!(
            "## Key events ({} in all)\n\n{}\n",
            self.events.len(),
            lines.concat()
        )
    }
}
