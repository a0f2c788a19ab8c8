//! Physics-backed what-if scenarios, started from the plant's state at a cursor time T0.
//!
//! A [`ScenarioSpec`] (from the scene file or a `*.scenario.toml`) says which bodies to add,
//! what moves them and which zones to watch. [`inputs::resolve_inputs`] reads its initial
//! conditions from history at T0; [`world::StaticWorld`] turns the plant model into colliders;
//! [`sim::ScenarioRun`] steps rapier3d at a fixed rate, deterministically, keeping snapshots so
//! [`sim::Playback`] can seek anywhere; the result carries events, outcomes and a trajectory
//! hash that [`report`] writes for audit. Plain Rust: the Bevy side only shows poses.

pub mod headless;
pub mod inputs;
pub mod report;
pub mod sim;
pub mod spec;
pub mod world;

pub use sim::{Playback, ScenarioResult, ScenarioRun};
pub use spec::*;

use crate::signal::{SignalId, Timestamp};

/// An initial condition as actually used, for the report and the panel.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ResolvedInput {
    /// The input's name.
    pub name: String,
    /// The value used (after `scale`).
    pub value: f64,
    /// The signal read, if any: its id, the sample's time and raw value; `None` for fixed
    /// values and for signal inputs that fell back to their default.
    pub read: Option<SignalRead>,
    /// True when the signal had no value at T0 and the default was used.
    pub defaulted: bool,
}

/// One signal sample read for an initial condition.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SignalRead {
    /// The signal.
    pub signal: SignalId,
    /// When the sample used was taken (at or before T0).
    pub time: Timestamp,
    /// Its value before scaling.
    pub raw: f64,
}

/// Static facts about one spawned body, in spawn order (the index is the body id in poses).
#[derive(Clone, Debug, PartialEq)]
pub struct BodyInfo {
    /// `name` or `name#i`.
    pub name: String,
    /// Its shape, for drawing the ghost.
    pub shape: ShapeSpec,
    /// Mass used, kg.
    pub mass_kg: f64,
    /// When it appears, seconds after T0.
    pub spawn_s: f64,
    /// Moved only by a path (drawn the same; reported separately).
    pub kinematic: bool,
}

/// Where one body is at one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BodyPose {
    /// Index into the run's [`BodyInfo`] list.
    pub body: usize,
    /// World position of the body's centre.
    pub translation: [f32; 3],
    /// World rotation as a quaternion `[x, y, z, w]`.
    pub rotation: [f32; 4],
}

/// Something worth a timeline marker that happened during the run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScenarioEvent {
    /// Seconds after T0 (a multiple of the step).
    pub t_s: f64,
    /// What happened.
    pub kind: ScenarioEventKind,
    /// The body concerned, if any.
    pub body: Option<String>,
    /// Where it happened, world coordinates.
    pub position: [f32; 3],
    /// The plant node involved (hit, or the zone's node), for highlighting.
    pub node: Option<String>,
    /// One line for the panel and the timeline tooltip.
    pub description: String,
}

/// Kinds of scenario events.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScenarioEventKind {
    /// A scripted [`EventSpec`] took effect.
    Scripted,
    /// A body entered a zone (counted once per entry).
    ZoneEntry {
        /// The zone's name.
        zone: String,
    },
    /// A dynamic body hit something hard enough to count.
    Impact {
        /// Closing speed along the contact normal, m/s.
        speed: f64,
        /// Kinetic energy of that closing speed, J (½ m v², m the body's mass).
        energy_j: f64,
    },
    /// A body left the line region (spilled).
    OffLine,
}

/// Measured outcome for one zone.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ZoneOutcome {
    /// The zone's name.
    pub name: String,
    /// The zone's kind.
    pub kind: String,
    /// Entries (a body re-entering counts again).
    pub entries: u32,
    /// Distinct bodies that entered.
    pub bodies_entered: u32,
    /// Seconds after T0 of the first entry.
    pub first_entry_s: Option<f64>,
    /// Highest impact closing speed inside the zone, m/s (0 when none).
    pub peak_impact_speed: f64,
    /// Highest impact energy inside the zone, J (0 when none).
    pub peak_impact_energy_j: f64,
}

/// What the run measured.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Outcomes {
    /// Per zone, in spec order.
    pub zones: Vec<ZoneOutcome>,
    /// Bodies spawned over the run.
    pub bodies_total: u32,
    /// Bodies outside the line region at the end (0 when the spec has no line).
    pub bodies_off_line: u32,
    /// Highest impact closing speed anywhere, m/s.
    pub peak_impact_speed: f64,
    /// Highest impact energy anywhere, J.
    pub peak_impact_energy_j: f64,
    /// Plant nodes touched by outcomes (zones entered, nodes hit), sorted, for highlighting.
    pub touched_nodes: Vec<String>,
}

/// Why a scenario could not be prepared or run. Problems with what the spec says name where
/// it is written.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The spec refers to something that does not exist or cannot work (an unknown node, input
    /// or body; a path with one point).
    #[error("{location}: error: {message}")]
    Spec {
        /// Where the offending value is written.
        location: crate::scene::Location,
        /// What is wrong, in words.
        message: String,
    },
    /// A signal input has no value at T0 and no `default`.
    #[error(
        "{location}: error: input `{input}` reads {signal}, which has no value at or before T0 and no `default`"
    )]
    NoValue {
        /// Where the input is written.
        location: crate::scene::Location,
        /// The input's name.
        input: String,
        /// The signal without data.
        signal: SignalId,
    },
    /// The plant model could not be read for colliders.
    #[error("cannot build colliders from {}: {message}", path.display())]
    Model {
        /// The model file.
        path: std::path::PathBuf,
        /// What went wrong.
        message: String,
    },
}
