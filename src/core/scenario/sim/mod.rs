//! Runs a [`ScenarioSpec`] on rapier3d: fixed step, seeded randomness, snapshots for seeking.

use super::world::StaticWorld;
use super::{
    BodyInfo, BodyPose, Outcomes, ResolvedInput, ScenarioError, ScenarioEvent, ScenarioSpec,
};
use std::sync::Arc;

/// A scenario being stepped: built from a spec, the static world and resolved inputs.
pub struct ScenarioRun {
    name: String,
    seed: u64,
    dt_s: f64,
    total_steps: u64,
    step_index: u64,
    bodies: Vec<BodyInfo>,
}

impl ScenarioRun {
    /// Prepares a run: resolves nodes, quantities and spawn times; fails naming the spec's
    /// location when something it refers to does not exist.
    pub fn new(
        spec: &ScenarioSpec,
        world: Arc<StaticWorld>,
        inputs: &[ResolvedInput],
    ) -> Result<ScenarioRun, ScenarioError> {
        let _ = (world, inputs);
        let dt_s = 1.0 / f64::from(spec.steps_per_second.max(1));
        Ok(ScenarioRun {
            name: spec.name.clone(),
            seed: spec.seed,
            dt_s,
            total_steps: (spec.duration_s / dt_s).round() as u64,
            step_index: 0,
            bodies: Vec::new(),
        })
    }

    /// Steps the run will take in all.
    pub fn total_steps(&self) -> u64 {
        self.total_steps
    }

    /// Steps taken so far.
    pub fn step_index(&self) -> u64 {
        self.step_index
    }

    /// The fixed step, seconds.
    pub fn dt_s(&self) -> f64 {
        self.dt_s
    }

    /// Advances one fixed step.
    pub fn step(&mut self) {
        self.step_index += 1;
    }

    /// All bodies the spec will spawn, in spawn order.
    pub fn bodies(&self) -> &[BodyInfo] {
        &self.bodies
    }

    /// Poses of the bodies spawned so far.
    pub fn poses(&self) -> Vec<BodyPose> {
        Vec::new()
    }

    /// Steps to the end; `progress(done, total)` is called every few steps. Keeps a snapshot
    /// every `snapshot_every` steps.
    pub fn run_to_end(mut self, progress: &mut dyn FnMut(u64, u64)) -> ScenarioResult {
        while self.step_index < self.total_steps {
            self.step();
        }
        progress(self.step_index, self.total_steps);
        ScenarioResult {
            scenario: self.name,
            seed: self.seed,
            dt_s: self.dt_s,
            steps: self.total_steps,
            bodies: self.bodies,
            events: Vec::new(),
            outcomes: Outcomes {
                zones: Vec::new(),
                bodies_total: 0,
                bodies_off_line: 0,
                peak_impact_speed: 0.0,
                peak_impact_energy_j: 0.0,
                touched_nodes: Vec::new(),
            },
            trajectory_hash: String::new(),
            snapshot_count: 0,
            snapshot_bytes: 0,
        }
    }
}

/// A finished run: what the report and the playback need.
pub struct ScenarioResult {
    /// The scenario's name.
    pub scenario: String,
    /// The seed used.
    pub seed: u64,
    /// The fixed step, seconds.
    pub dt_s: f64,
    /// Steps taken.
    pub steps: u64,
    /// Every body spawned, in spawn order.
    pub bodies: Vec<BodyInfo>,
    /// What happened, in time order.
    pub events: Vec<ScenarioEvent>,
    /// What was measured.
    pub outcomes: Outcomes,
    /// Hex digest over every body pose's bit pattern at every step.
    pub trajectory_hash: String,
    /// Snapshots kept for seeking.
    pub snapshot_count: usize,
    /// Their total encoded size, bytes.
    pub snapshot_bytes: usize,
}

/// Seeks a finished run to any time: restores the nearest snapshot at or before and steps
/// forward (or steps on from the current state when that is closer). Poses equal the original
/// run's bit for bit.
pub struct Playback {
    result: Arc<ScenarioResult>,
    time_s: f64,
    poses: Vec<BodyPose>,
}

impl Playback {
    /// A playback positioned at T0.
    pub fn new(result: Arc<ScenarioResult>) -> Playback {
        Playback {
            result,
            time_s: 0.0,
            poses: Vec::new(),
        }
    }

    /// Moves to `t_s` seconds after T0 (clamped to the run) and returns the poses there.
    pub fn seek(&mut self, t_s: f64) -> &[BodyPose] {
        let duration = self.result.steps as f64 * self.result.dt_s;
        self.time_s = t_s.clamp(0.0, duration);
        &self.poses
    }

    /// The time of the poses last returned, seconds after T0.
    pub fn time_s(&self) -> f64 {
        self.time_s
    }
}
