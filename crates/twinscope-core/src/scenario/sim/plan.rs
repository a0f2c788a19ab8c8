//! Turns a [`ScenarioSpec`] into a resolved, immutable plan: every number evaluated, every
//! node looked up, every spawn and event on a step. Everything a spec can get wrong is found
//! here, before any physics runs, and reported at the spec's `file:line:col`.

use super::super::world::StaticWorld;
use super::super::{
    BodyInfo, DriverSpec, EventAction, ObstacleSpec, Placement, Quantity, Region, ResolvedInput,
    ScenarioError, ScenarioSpec, ShapeSpec,
};
use crate::scene::Location;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// Axis-aligned box, world coordinates.
pub(crate) type Aabb = ([f32; 3], [f32; 3]);

/// One body to spawn, resolved.
#[derive(Clone, Debug)]
pub(crate) struct Spawn {
    pub info: BodyInfo,
    /// Step at which it appears.
    pub step: u64,
    pub translation: [f32; 3],
    pub velocity: [f32; 3],
    pub friction: f32,
    pub restitution: f32,
    /// Starts kinematic (a `kinematic` body or one carried by a path).
    pub kinematic: bool,
}

/// A belt, resolved.
#[derive(Clone, Debug)]
pub(crate) struct ConveyorPlan {
    pub node: String,
    pub speed: f32,
    pub direction: [f32; 3],
}

/// A path driver, resolved.
#[derive(Clone, Debug)]
pub(crate) struct PathPlan {
    /// Index of the carried body.
    pub body: usize,
    pub points: Vec<[f32; 3]>,
    pub speed: f32,
    pub repeat: bool,
}

/// A static box (obstacle), resolved.
#[derive(Clone, Debug)]
pub(crate) struct BoxPlan {
    pub name: String,
    pub center: [f32; 3],
    pub half: [f32; 3],
}

/// What a scripted event does, with its target resolved.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    Conveyor { index: usize, change: Change },
    Path { index: usize, change: Change },
    Release { body: usize },
    Block(BoxPlan),
}

/// A stop, start or speed change of a driver.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Change {
    Stop,
    Start,
    Speed(f32),
}

/// A scripted event on its step.
#[derive(Clone, Debug)]
pub(crate) struct PlannedEvent {
    pub step: u64,
    pub action: Action,
    pub description: String,
}

/// A watched zone, resolved to a box.
#[derive(Clone, Debug)]
pub(crate) struct ZonePlan {
    pub name: String,
    pub kind: String,
    pub bounds: Aabb,
    /// The node the zone was drawn from, for highlighting.
    pub node: Option<String>,
}

/// Everything a run needs that never changes while it runs.
#[derive(Debug)]
pub(crate) struct Plan {
    pub name: String,
    pub seed: u64,
    pub dt: f64,
    pub total_steps: u64,
    pub snapshot_every: u64,
    pub world: Arc<StaticWorld>,
    pub spawns: Vec<Spawn>,
    /// The spawns' facts, for [`super::ScenarioRun::bodies`].
    pub bodies: Vec<BodyInfo>,
    /// Spawn indices by spawn step (spec order within a step).
    pub spawn_order: Vec<usize>,
    pub conveyors: Vec<ConveyorPlan>,
    /// Per static plant collider, the conveyor it belongs to.
    pub plant_conveyor: Vec<Option<usize>>,
    pub paths: Vec<PathPlan>,
    pub obstacles: Vec<BoxPlan>,
    /// Sorted by step, spec order within a step.
    pub events: Vec<PlannedEvent>,
    pub zones: Vec<ZonePlan>,
    pub line: Option<Aabb>,
}

/// Builds the error for a spec value that cannot work.
fn spec_error(location: &Location, message: String) -> ScenarioError {
    ScenarioError::Spec {
        location: location.clone(),
        message,
    }
}

/// Evaluates a quantity against the resolved inputs; an input missing from them is an error
/// at the quantity's place.
fn quantity(q: &Quantity, inputs: &[ResolvedInput], at: &Location) -> Result<f64, ScenarioError> {
    crate::scenario::inputs::quantity(q, inputs).ok_or_else(|| {
        let name = match q {
            Quantity::Input { name, .. } => name.as_str(),
            Quantity::Value(_) => "",
        };
        spec_error(at, format!("unknown input `{name}`"))
    })
}

fn to_f32(v: [f64; 3]) -> [f32; 3] {
    v.map(|x| x as f32)
}

/// World position of a placement.
fn place(
    world: &StaticWorld,
    placement: &Placement,
    at: &Location,
) -> Result<[f32; 3], ScenarioError> {
    match placement {
        Placement::At(p) => Ok(to_f32(*p)),
        Placement::Node { node, offset } => {
            let origin = world.node_origin(node).ok_or_else(|| {
                spec_error(at, format!("unknown node `{node}` in the plant model"))
            })?;
            Ok(std::array::from_fn(|i| origin[i] + offset[i] as f32))
        }
    }
}

/// A region as a world box.
fn region_box(world: &StaticWorld, region: &Region, at: &Location) -> Result<Aabb, ScenarioError> {
    match region {
        Region::Box { min, max } => Ok((to_f32(*min), to_f32(*max))),
        Region::Node {
            node,
            margin,
            height,
        } => {
            let (min, max) = world.node_bounds(node).ok_or_else(|| {
                spec_error(
                    at,
                    format!("unknown node `{node}` (or a node without meshes) in the plant model"),
                )
            })?;
            let m = *margin as f32;
            let grown_min = min.map(|v| v - m);
            let mut grown_max = max.map(|v| v + m);
            grown_max[1] = grown_max[1].max(min[1] + *height as f32);
            Ok((grown_min, grown_max))
        }
    }
}

fn obstacle(
    world: &StaticWorld,
    spec: &ObstacleSpec,
    at: &Location,
) -> Result<BoxPlan, ScenarioError> {
    Ok(BoxPlan {
        name: spec.name.clone(),
        center: place(world, &spec.placement, at)?,
        half: to_f32(spec.size).map(|s| s.abs() / 2.0),
    })
}

/// The step nearest a time.
fn step_at(t_s: f64, dt: f64) -> u64 {
    (t_s.max(0.0) / dt).round() as u64
}

impl Plan {
    /// Resolves a spec; see the module docs.
    pub(crate) fn new(
        spec: &ScenarioSpec,
        world: Arc<StaticWorld>,
        inputs: &[ResolvedInput],
    ) -> Result<Plan, ScenarioError> {
        if spec.steps_per_second == 0 || !(spec.duration_s.is_finite() && spec.duration_s >= 0.0) {
            return Err(spec_error(
                &spec.location,
                "a scenario needs steps_per_second > 0 and a duration ≥ 0".into(),
            ));
        }
        let dt = 1.0 / f64::from(spec.steps_per_second);
        let mut spawns = plan_spawns(spec, &world, inputs, dt)?;
        let (conveyors, paths) = plan_drivers(spec, &world, inputs, &mut spawns)?;
        let events = plan_events(spec, &world, inputs, dt, &spawns, &conveyors, &paths)?;
        let mut obstacles = Vec::new();
        for o in &spec.obstacles {
            obstacles.push(obstacle(&world, o, &spec.location)?);
        }
        let zones = plan_zones(spec, &world)?;
        let plant_conveyor = plant_conveyors(spec, &world, &conveyors)?;
        let mut spawn_order: Vec<usize> = (0..spawns.len()).collect();
        spawn_order.sort_by_key(|&i| spawns[i].step);
        let line = spec
            .line
            .as_ref()
            .map(|r| region_box(&world, r, &spec.location))
            .transpose()?;
        Ok(Plan {
            name: spec.name.clone(),
            seed: spec.seed,
            dt,
            total_steps: step_at(spec.duration_s, dt),
            snapshot_every: u64::from(spec.snapshot_every.max(1)),
            world,
            bodies: spawns.iter().map(|s| s.info.clone()).collect(),
            spawns,
            spawn_order,
            conveyors,
            plant_conveyor,
            paths,
            obstacles,
            events,
            zones,
            line,
        })
    }
}

/// The bodies to spawn, one per member of each group, at their resolved placements.
fn plan_spawns(
    spec: &ScenarioSpec,
    world: &StaticWorld,
    inputs: &[ResolvedInput],
    dt: f64,
) -> Result<Vec<Spawn>, ScenarioError> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut spawns = Vec::new();
    for body in &spec.bodies {
        let at = &body.location;
        let mass = quantity(&body.mass, inputs, at)?;
        if !(mass.is_finite() && mass > 0.0) {
            return Err(spec_error(
                at,
                format!("body `{}` needs a positive mass, got {mass}", body.name),
            ));
        }
        let shape_ok = match &body.shape {
            ShapeSpec::Box { size } => size.iter().all(|s| *s > 0.0),
            ShapeSpec::Cylinder { radius, height } => *radius > 0.0 && *height > 0.0,
            ShapeSpec::Sphere { radius } => *radius > 0.0,
        };
        if !shape_ok {
            return Err(spec_error(
                at,
                format!("body `{}` needs positive sizes", body.name),
            ));
        }
        let first = place(world, &body.placement, at)?;
        let mut velocity = [0.0f32; 3];
        for (v, q) in velocity.iter_mut().zip(&body.velocity) {
            *v = quantity(q, inputs, at)? as f32;
        }
        for i in 0..body.count {
            let mut translation: [f32; 3] =
                std::array::from_fn(|k| first[k] + (body.spacing[k] * f64::from(i)) as f32);
            if body.jitter_m > 0.0 {
                let j = body.jitter_m;
                translation[0] += rng.random_range(-j..=j) as f32;
                translation[2] += rng.random_range(-j..=j) as f32;
            }
            let spawn_s = body.start_s + body.every_s.map_or(0.0, |e| e * f64::from(i));
            let step = step_at(spawn_s, dt);
            let name = if body.count > 1 {
                format!("{}#{}", body.name, i + 1)
            } else {
                body.name.clone()
            };
            spawns.push(Spawn {
                info: BodyInfo {
                    name,
                    shape: body.shape.clone(),
                    mass_kg: mass,
                    spawn_s: step as f64 * dt,
                    kinematic: body.kinematic,
                },
                step,
                translation,
                velocity,
                friction: body.friction as f32,
                restitution: body.restitution as f32,
                kinematic: body.kinematic,
            });
        }
    }
    Ok(spawns)
}

/// Where a body of this scenario is among the spawns, by name.
fn body_index(spawns: &[Spawn], name: &str) -> Option<usize> {
    spawns.iter().position(|s| s.info.name == name)
}

/// Conveyors and paths; a path makes its body kinematic and starts it at the first point.
fn plan_drivers(
    spec: &ScenarioSpec,
    world: &StaticWorld,
    inputs: &[ResolvedInput],
    spawns: &mut [Spawn],
) -> Result<(Vec<ConveyorPlan>, Vec<PathPlan>), ScenarioError> {
    let mut conveyors = Vec::new();
    let mut paths = Vec::new();
    for driver in &spec.drivers {
        match driver {
            DriverSpec::Conveyor {
                node,
                speed,
                direction,
                location,
            } => {
                if !world.has_node(node) {
                    return Err(spec_error(
                        location,
                        format!("unknown conveyor node `{node}` in the plant model"),
                    ));
                }
                let len = direction.iter().map(|d| d * d).sum::<f64>().sqrt();
                if len.is_nan() || len <= 0.0 {
                    return Err(spec_error(
                        location,
                        "a conveyor needs a non-zero direction".into(),
                    ));
                }
                conveyors.push(ConveyorPlan {
                    node: node.clone(),
                    speed: quantity(speed, inputs, location)? as f32,
                    direction: direction.map(|d| (d / len) as f32),
                });
            }
            DriverSpec::Path {
                body,
                points,
                speed,
                repeat,
                location,
            } => {
                let index = body_index(spawns, body).ok_or_else(|| {
                    spec_error(location, format!("path carries `{body}`, which is not a body of this scenario (a group's bodies are `name#i`)"))
                })?;
                if points.len() < 2 {
                    return Err(spec_error(
                        location,
                        "a path needs at least two points".into(),
                    ));
                }
                if paths.iter().any(|p: &PathPlan| p.body == index) {
                    return Err(spec_error(
                        location,
                        format!("body `{body}` already has a path"),
                    ));
                }
                let points: Vec<[f32; 3]> = points.iter().map(|p| to_f32(*p)).collect();
                spawns[index].translation = points[0];
                spawns[index].kinematic = true;
                paths.push(PathPlan {
                    body: index,
                    points,
                    speed: quantity(speed, inputs, location)? as f32,
                    repeat: *repeat,
                });
            }
        }
    }
    Ok((conveyors, paths))
}

/// Scripted events resolved to their targets, in step order.
fn plan_events(
    spec: &ScenarioSpec,
    world: &StaticWorld,
    inputs: &[ResolvedInput],
    dt: f64,
    spawns: &[Spawn],
    conveyors: &[ConveyorPlan],
    paths: &[PathPlan],
) -> Result<Vec<PlannedEvent>, ScenarioError> {
    let mut events = Vec::new();
    for event in &spec.events {
        let at = &event.location;
        let target = |name: &str, change: Change| -> Result<Action, ScenarioError> {
            if let Some(index) = conveyors.iter().position(|c| c.node == name) {
                Ok(Action::Conveyor { index, change })
            } else if let Some(index) = paths.iter().position(|p| spawns[p.body].info.name == name)
            {
                Ok(Action::Path { index, change })
            } else {
                Err(spec_error(
                    at,
                    format!("`{name}` is neither a conveyor node nor a path body of this scenario"),
                ))
            }
        };
        let (action, description) = match &event.action {
            EventAction::Stop { target: name } => {
                (target(name, Change::Stop)?, format!("{name} stops"))
            }
            EventAction::Start { target: name } => {
                (target(name, Change::Start)?, format!("{name} starts"))
            }
            EventAction::SetSpeed {
                target: name,
                speed,
            } => {
                let v = quantity(speed, inputs, at)? as f32;
                (
                    target(name, Change::Speed(v))?,
                    format!("{name} speed set to {v:.2} m/s"),
                )
            }
            EventAction::Release { body } => {
                let index = body_index(spawns, body).ok_or_else(|| {
                    spec_error(
                        at,
                        format!("release names `{body}`, which is not a body of this scenario"),
                    )
                })?;
                (Action::Release { body: index }, format!("{body} released"))
            }
            EventAction::Block(spec) => (
                Action::Block(obstacle(world, spec, at)?),
                format!("{} blocks the way", spec.name),
            ),
        };
        events.push(PlannedEvent {
            step: step_at(event.at_s, dt),
            action,
            description,
        });
    }
    events.sort_by_key(|e| e.step);
    Ok(events)
}

/// Hazard zones with their boxes.
fn plan_zones(spec: &ScenarioSpec, world: &StaticWorld) -> Result<Vec<ZonePlan>, ScenarioError> {
    let mut zones = Vec::new();
    for zone in &spec.zones {
        zones.push(ZonePlan {
            name: zone.name.clone(),
            kind: zone.kind.clone(),
            bounds: region_box(world, &zone.region, &zone.location)?,
            node: match &zone.region {
                Region::Node { node, .. } => Some(node.clone()),
                Region::Box { .. } => None,
            },
        });
    }
    Ok(zones)
}

/// For each plant collider, the conveyor that drives it; a conveyor node without colliders is
/// an error.
fn plant_conveyors(
    spec: &ScenarioSpec,
    world: &StaticWorld,
    conveyors: &[ConveyorPlan],
) -> Result<Vec<Option<usize>>, ScenarioError> {
    let mut plant_conveyor = vec![None; world.colliders().len()];
    for (c, conveyor) in conveyors.iter().enumerate() {
        let mut any = false;
        for (i, slot) in plant_conveyor.iter_mut().enumerate() {
            if world.collider_within(i, &conveyor.node) {
                *slot = Some(c);
                any = true;
            }
        }
        if !any {
            let location = spec.drivers.iter().find_map(|d| match d {
                DriverSpec::Conveyor { node, location, .. } if *node == conveyor.node => {
                    Some(location)
                }
                _ => None,
            });
            return Err(spec_error(
                location.unwrap_or(&spec.location),
                format!(
                    "conveyor node `{}` has no colliders (its collider kind is `none`)",
                    conveyor.node
                ),
            ));
        }
    }
    Ok(plant_conveyor)
}

/// Whether a point lies inside a box (bounds included).
pub(crate) fn contains(b: &Aabb, p: [f32; 3]) -> bool {
    (0..3).all(|i| p[i] >= b.0[i] && p[i] <= b.1[i])
}
