//! Runs a [`ScenarioSpec`] on rapier3d: fixed step, seeded randomness, snapshots for seeking.
//!
//! - `plan` resolves the spec (nodes, quantities, spawn and event steps) once, reporting
//!   mistakes at their `file:line:col`;
//! - `state` is everything that changes (rapier's world, drivers, schedule), all serde, so a
//!   snapshot is that state encoded with postcard;
//! - `outcomes` watches the original run (zones, impacts, the line);
//! - `hash` digests every pose of every step.
//!
//! Determinism: one thread, a fixed step, bodies and colliders inserted in spec order, spawn
//! jitter from a `ChaCha8Rng` seeded with the spec's seed, and rapier built with
//! `enhanced-determinism`. Same spec, model and inputs, same hash.

mod delta;
mod hash;
mod outcomes;
mod plan;
mod state;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_world;

use super::world::StaticWorld;
use super::{
    BodyInfo, BodyPose, Outcomes, ResolvedInput, ScenarioError, ScenarioEvent, ScenarioSpec,
};
use hash::TrajectoryHasher;
use outcomes::Observer;
use plan::Plan;
use state::SimState;
use std::sync::Arc;

pub use outcomes::IMPACT_MIN_SPEED;

/// Awake-body steps after which a snapshot is kept even before `snapshot_every` steps: about
/// 25 ms of stepping on one core (~2 µs per awake body and step, measured with 1,000 boxes
/// settling in a pile), so a seek (restore ~15 ms for 1,000 bodies, then step on) stays within
/// 50 ms in busy stretches too. Counted from the simulation itself, so where snapshots fall is
/// as deterministic as the run.
const SNAPSHOT_WORK: u64 = 12_000;

/// A snapshot: the postcard-encoded [`SimState`] at a step, as a [`delta`] from step 0's.
struct Snapshot {
    step: u64,
    delta: Vec<u8>,
}

fn encode(state: &SimState) -> Vec<u8> {
    // Encoding plain in-memory data into a Vec cannot fail; an empty snapshot would only make
    // seeks fall back to an earlier one.
    postcard::to_allocvec(state).unwrap_or_default()
}

fn restore(base: &[u8], snapshot: &Snapshot) -> Option<SimState> {
    postcard::from_bytes(&delta::decode(base, &snapshot.delta)?).ok()
}

/// A scenario being stepped: built from a spec, the static world and resolved inputs.
pub struct ScenarioRun {
    plan: Arc<Plan>,
    state: SimState,
    observer: Observer,
    hasher: TrajectoryHasher,
    /// Step 0's encoded state, indexed: every snapshot is stored as a difference from it.
    base: delta::Base,
    snapshots: Vec<Snapshot>,
    /// Awake-body steps since the last snapshot.
    work_since_snapshot: u64,
}

impl ScenarioRun {
    /// Prepares a run: resolves nodes, quantities and spawn times; fails naming the spec's
    /// location when something it refers to does not exist.
    pub fn new(
        spec: &ScenarioSpec,
        world: Arc<StaticWorld>,
        inputs: &[ResolvedInput],
    ) -> Result<ScenarioRun, ScenarioError> {
        let plan = Arc::new(Plan::new(spec, world, inputs)?);
        let state = SimState::new(&plan);
        let mut observer = Observer::new(&plan);
        observer.after_step(
            &plan,
            &state,
            &(0..state.drivers.next_event).collect::<Vec<_>>(),
        );
        let mut hasher = TrajectoryHasher::new();
        hasher.add_step(0, &state.poses());
        let base = delta::Base::new(encode(&state));
        let snapshots = vec![Snapshot {
            step: 0,
            delta: base.encode(base.bytes()),
        }];
        Ok(ScenarioRun {
            plan,
            state,
            observer,
            hasher,
            base,
            snapshots,
            work_since_snapshot: 0,
        })
    }

    /// Steps the run will take in all.
    pub fn total_steps(&self) -> u64 {
        self.plan.total_steps
    }

    /// Steps taken so far.
    pub fn step_index(&self) -> u64 {
        self.state.drivers.step
    }

    /// The fixed step, seconds.
    pub fn dt_s(&self) -> f64 {
        self.plan.dt
    }

    /// Advances one fixed step (no-op at the end), observing outcomes and keeping a snapshot
    /// every `snapshot_every` steps, or sooner while many bodies are awake (`SNAPSHOT_WORK`).
    pub fn step(&mut self) {
        if self.state.drivers.step >= self.plan.total_steps {
            return;
        }
        self.observer.before_step(&self.state);
        let scripted = self.state.advance(&self.plan, &self.observer.collector);
        self.observer.after_step(&self.plan, &self.state, &scripted);
        let step = self.state.drivers.step;
        self.hasher.add_step(step, &self.state.poses());
        self.work_since_snapshot += self.state.physics.islands.active_bodies().count() as u64;
        let last = self.snapshots.last().map_or(0, |s| s.step);
        if step - last >= self.plan.snapshot_every || self.work_since_snapshot >= SNAPSHOT_WORK {
            self.work_since_snapshot = 0;
            let delta = self.base.encode(&encode(&self.state));
            self.snapshots.push(Snapshot { step, delta });
        }
    }

    /// All bodies the spec will spawn, in spawn order.
    pub fn bodies(&self) -> &[BodyInfo] {
        &self.plan.bodies
    }

    /// Poses of the bodies spawned so far.
    pub fn poses(&self) -> Vec<BodyPose> {
        self.state.poses()
    }

    /// Steps to the end; `progress(done, total)` is called every few steps. Keeps a snapshot
    /// every `snapshot_every` steps (more often in busy stretches, see [`ScenarioRun::step`]).
    pub fn run_to_end(mut self, progress: &mut dyn FnMut(u64, u64)) -> ScenarioResult {
        let total = self.plan.total_steps;
        while self.state.drivers.step < total {
            self.step();
            if self.state.drivers.step.is_multiple_of(30) {
                progress(self.state.drivers.step, total);
            }
        }
        progress(self.state.drivers.step, total);
        let (events, outcomes) = self.observer.finish(&self.plan, &self.state);
        let plan = self.plan;
        ScenarioResult {
            scenario: plan.name.clone(),
            seed: plan.seed,
            dt_s: plan.dt,
            steps: total,
            bodies: plan.bodies.clone(),
            events,
            outcomes,
            trajectory_hash: self.hasher.finish(),
            snapshot_count: self.snapshots.len(),
            snapshot_bytes: self.base.bytes().len()
                + self.snapshots.iter().map(|s| s.delta.len()).sum::<usize>(),
            snapshots: self.snapshots,
            base: self.base.into_bytes(),
            plan,
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
    /// Hex SHA-256 over every body pose's bit pattern at every step (see the `hash` module).
    pub trajectory_hash: String,
    /// Snapshots kept for seeking.
    pub snapshot_count: usize,
    /// Their total encoded size, bytes (step 0's state plus each snapshot's difference).
    pub snapshot_bytes: usize,
    snapshots: Vec<Snapshot>,
    /// Step 0's encoded state, which the snapshots are differences from.
    base: Vec<u8>,
    plan: Arc<Plan>,
}

impl ScenarioResult {
    /// The run's length, seconds.
    pub fn duration_s(&self) -> f64 {
        self.steps as f64 * self.dt_s
    }
}

/// Seeks a finished run to any time: restores the nearest snapshot at or before and steps
/// forward (or steps on from the current state when that is closer). Poses equal the original
/// run's bit for bit.
pub struct Playback {
    result: Arc<ScenarioResult>,
    state: Option<SimState>,
    poses: Vec<BodyPose>,
}

impl Playback {
    /// The time of the poses last returned, seconds after T0.
    #[cfg(test)]
    pub(crate) fn time_s(&self) -> f64 {
        self.state
            .as_ref()
            .map_or(0.0, |s| s.drivers.step as f64 * self.result.dt_s)
    }

    /// A playback positioned at T0.
    pub fn new(result: Arc<ScenarioResult>) -> Playback {
        let mut playback = Playback {
            result,
            state: None,
            poses: Vec::new(),
        };
        playback.seek(0.0);
        playback
    }

    /// Moves to `t_s` seconds after T0 (clamped to the run) and returns the poses there.
    pub fn seek(&mut self, t_s: f64) -> &[BodyPose] {
        let result = Arc::clone(&self.result);
        let t = if t_s.is_finite() { t_s } else { 0.0 };
        let target = ((t / result.dt_s).round().max(0.0) as u64).min(result.steps);
        let current = self.state.as_ref().map(|s| s.drivers.step);
        let snapshot = result.snapshots.iter().rev().find(|s| s.step <= target);
        let step_on = current.is_some_and(|c| c <= target && snapshot.is_none_or(|s| c >= s.step));
        if !step_on {
            self.state = snapshot.and_then(|s| restore(&result.base, s));
        }
        if let Some(state) = &mut self.state {
            while state.drivers.step < target {
                state.advance(&result.plan, &());
            }
            self.poses = state.poses();
        } else {
            self.poses.clear();
        }
        &self.poses
    }

    /// The run being played back.
    pub fn result(&self) -> &Arc<ScenarioResult> {
        &self.result
    }
}
