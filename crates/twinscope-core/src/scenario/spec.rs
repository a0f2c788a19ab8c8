//! What a what-if scenario says, as loaded from a scene or `*.scenario.toml` file.
//!
//! Plain data: parsing (with `file:line:col` errors) lives in [`crate::scene`], running it
//! in [`super::sim`]. Lengths are metres, masses kilograms, times seconds from the scenario
//! start T0, positions world coordinates of the plant model (Y up).

use crate::scene::Location;
use crate::signal::SignalId;

/// One what-if scenario: the bodies it adds to the plant, what moves them, what happens when,
/// and which zones are watched.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioSpec {
    /// Unique name within the scene, used by `--scenario` and shown in the panel.
    pub name: String,
    /// One or two sentences shown in the panel and the report.
    pub description: String,
    /// Where the `name` value is written.
    pub location: Location,
    /// The file the scenario was read from (the scene file, or its `*.scenario.toml`).
    pub file: std::path::PathBuf,
    /// Seed of every random choice (spawn jitter); same seed, same trajectory.
    pub seed: u64,
    /// How long to simulate after T0, in seconds.
    pub duration_s: f64,
    /// Fixed physics steps per second (default 60).
    pub steps_per_second: u32,
    /// A snapshot every this many steps (default 30), bounding how far a seek must step.
    pub snapshot_every: u32,
    /// Named initial conditions, read once at T0.
    pub inputs: Vec<InputSpec>,
    /// Bodies the scenario spawns.
    pub bodies: Vec<BodySpec>,
    /// Conveyors and paths that move bodies without being moved themselves.
    pub drivers: Vec<DriverSpec>,
    /// Scripted changes at given times.
    pub events: Vec<EventSpec>,
    /// Watched regions whose entries and impacts are the scenario's outcomes.
    pub zones: Vec<ZoneSpec>,
    /// Where the spawned bodies belong; a body ending outside counts as off-line.
    pub line: Option<Region>,
    /// Static colliders added only for this scenario (e.g. a blocked outlet from the start).
    pub obstacles: Vec<ObstacleSpec>,
}

impl ScenarioSpec {
    /// A scenario with nothing in it yet: seed 0, 60 steps per second, a snapshot every 30
    /// steps. Parsers and tests fill in the rest with struct-update syntax.
    pub fn empty(name: String, location: Location, duration_s: f64) -> Self {
        ScenarioSpec {
            name,
            description: String::new(),
            file: location.file.clone(),
            location,
            seed: 0,
            duration_s,
            steps_per_second: 60,
            snapshot_every: 30,
            inputs: Vec::new(),
            bodies: Vec::new(),
            drivers: Vec::new(),
            events: Vec::new(),
            zones: Vec::new(),
            line: None,
            obstacles: Vec::new(),
        }
    }
}

/// A named initial condition, e.g. the belt speed at T0.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    /// Name used by [`Quantity::Input`] elsewhere in the scenario.
    pub name: String,
    /// Where the value comes from.
    pub source: InputSource,
    /// Where the input's table is written.
    pub location: Location,
}

/// Where an initial condition's value comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum InputSource {
    /// The signal's latest value at or before T0, times `scale`; `default` when it has none
    /// (a scenario without a default and without data fails to start, naming the signal).
    Signal {
        /// The signal read.
        signal: SignalId,
        /// Multiplied into the value read (unit conversion, e.g. percent to fraction).
        scale: f64,
        /// Used when the signal has no value at T0.
        default: Option<f64>,
    },
    /// A fixed value (still listed in the report, so every number used is in one place).
    Value(f64),
}

/// A number that is either written out or taken from a named input.
#[derive(Clone, Debug, PartialEq)]
pub enum Quantity {
    /// A constant.
    Value(f64),
    /// `scale` times the value of the named input.
    Input {
        /// Name of an [`InputSpec`].
        name: String,
        /// Multiplied into the input's value.
        scale: f64,
    },
}

/// A body shape. Pallets and drums are boxes and cylinders with standard default sizes.
/// Serialised as the report writes it (`{"type": "box", "size": [...]}`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShapeSpec {
    /// Full extents along X, Y, Z.
    Box {
        /// Full size in metres.
        size: [f64; 3],
    },
    /// Upright (axis along Y).
    Cylinder {
        /// Radius in metres.
        radius: f64,
        /// Full height in metres.
        height: f64,
    },
    /// A ball.
    Sphere {
        /// Radius in metres.
        radius: f64,
    },
}

/// Where a body (or the first of a group) starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// World coordinates of the body's centre.
    At([f64; 3]),
    /// Offset from a glTF node's world position (the node's origin, in world axes).
    Node {
        /// Node name (an asset tag or `TAG/part`).
        node: String,
        /// World-axis offset from the node origin.
        offset: [f64; 3],
    },
}

/// Bodies to spawn: one, a row of them, or a stream over time.
#[derive(Clone, Debug, PartialEq)]
pub struct BodySpec {
    /// Name; the i-th body of a group is `name#i` (from 1) when `count > 1`.
    pub name: String,
    /// Shape and size.
    pub shape: ShapeSpec,
    /// Mass in kg (may read an input, e.g. the hoist load).
    pub mass: Quantity,
    /// Coulomb friction coefficient (default 0.6).
    pub friction: f64,
    /// Restitution, 0 = no bounce (default 0.1).
    pub restitution: f64,
    /// Where the first body starts.
    pub placement: Placement,
    /// How many bodies (default 1).
    pub count: u32,
    /// Offset between consecutive bodies of the group, world axes (default none).
    pub spacing: [f64; 3],
    /// If set, body i appears at `start_s + i * every_s` instead of all at T0.
    pub every_s: Option<f64>,
    /// When the first body appears (default 0).
    pub start_s: f64,
    /// Uniform random offset in ±jitter metres on X and Z per body, from the scenario seed.
    pub jitter_m: f64,
    /// Initial linear velocity, world axes (default zero).
    pub velocity: [Quantity; 3],
    /// Moved only by a [`DriverSpec::Path`] (a forklift), never by contacts.
    pub kinematic: bool,
    /// Where the body's table is written.
    pub location: Location,
}

/// Something that moves bodies along.
#[derive(Clone, Debug, PartialEq)]
pub enum DriverSpec {
    /// A belt: bodies touching the node's colliders are carried at `speed` along `direction`
    /// (the belt's surface velocity; the node itself does not move).
    Conveyor {
        /// The conveyor's glTF node; its static colliders become the belt surface.
        node: String,
        /// Surface speed, m/s (usually read from the conveyor's speed signal).
        speed: Quantity,
        /// Direction of travel, world axes (normalised when loaded).
        direction: [f64; 3],
        /// Where the driver's table is written.
        location: Location,
    },
    /// A body moved along waypoints at a speed: a hoist or crane hook carrying a load until
    /// released, or a forklift route. The body is carried kinematically until a
    /// [`EventAction::Release`] turns it dynamic.
    Path {
        /// Name of the carried body (a [`BodySpec`] with count 1).
        body: String,
        /// World waypoints; the body starts at the first.
        points: Vec<[f64; 3]>,
        /// Speed along the path, m/s.
        speed: Quantity,
        /// Start over from the first point at the end instead of stopping.
        repeat: bool,
        /// Where the driver's table is written.
        location: Location,
    },
}

/// A scripted change at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSpec {
    /// Seconds after T0.
    pub at_s: f64,
    /// What happens.
    pub action: EventAction,
    /// Where the event's table is written.
    pub location: Location,
}

/// What a scripted event does.
#[derive(Clone, Debug, PartialEq)]
pub enum EventAction {
    /// A conveyor (by node) or path (by body) stops.
    Stop {
        /// Conveyor node or path body name.
        target: String,
    },
    /// A stopped conveyor or path starts again at its speed.
    Start {
        /// Conveyor node or path body name.
        target: String,
    },
    /// A conveyor or path changes speed.
    SetSpeed {
        /// Conveyor node or path body name.
        target: String,
        /// The new speed, m/s.
        speed: Quantity,
    },
    /// A carried body is let go: it turns dynamic, keeping its velocity.
    Release {
        /// The body's name.
        body: String,
    },
    /// An obstacle appears (a blocked outlet, a jammed gate).
    Block(ObstacleSpec),
}

/// A static box added to the world (at start, or by an [`EventAction::Block`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ObstacleSpec {
    /// Name shown in events and the report.
    pub name: String,
    /// Where its centre is.
    pub placement: Placement,
    /// Full size, metres.
    pub size: [f64; 3],
}

/// A watched region (a walkway, an operator station).
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneSpec {
    /// Name shown in the panel and the report.
    pub name: String,
    /// What the zone is, e.g. `walkway` or `operator_station` (free text, shown).
    pub kind: String,
    /// The region watched.
    pub region: Region,
    /// Where the zone's table is written.
    pub location: Location,
}

/// A volume of the world.
#[derive(Clone, Debug, PartialEq)]
pub enum Region {
    /// An axis-aligned box in world coordinates.
    Box {
        /// Minimum corner.
        min: [f64; 3],
        /// Maximum corner.
        max: [f64; 3],
    },
    /// A node's world bounding box, grown by `margin` on every side and raised to at least
    /// `height` above its bottom (a walkway's paint is 1 cm thick; the zone is the space above).
    Node {
        /// Node name.
        node: String,
        /// Growth on every side, metres (default 0).
        margin: f64,
        /// Minimum height of the volume, metres (default 2).
        height: f64,
    },
}

/// Per-node choice of collider built from the plant model (`[[colliders]]` in the scene file).
#[derive(Clone, Debug, PartialEq)]
pub struct ColliderChoice {
    /// Node name (applies to its meshes and its descendants' unless they have their own).
    pub node: String,
    /// The collider kind.
    pub kind: ColliderKind,
    /// Where the entry is written.
    pub location: Location,
}

/// How a node's meshes become static colliders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColliderKind {
    /// The convex hull of each mesh primitive: robust contacts, fills concave shapes.
    Convex,
    /// The triangles themselves: exact, hollow shapes stay hollow (a bin, a chute).
    Trimesh,
    /// No collider (decals, pointers, overhead pipes nothing can reach).
    None,
}
