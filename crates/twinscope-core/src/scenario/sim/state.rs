//! The mutable state of a run: rapier's world plus the drivers' and schedule's progress. All of
//! it is serde, so a snapshot is this struct encoded, and a restored snapshot steps on exactly
//! as the original did.

use super::super::world::StaticWorld;
use super::super::{BodyPose, ColliderKind, ShapeSpec};
use super::plan::{Action, BoxPlan, Change, Plan};
use rapier3d::prelude::*;
use serde::{Deserialize, Serialize};

/// `user_data` tags telling what a collider is (the low 64 bits hold an index).
pub(crate) const TAG_PLANT: u128 = 1 << 64;
/// A scenario body (index into the spawn list).
pub(crate) const TAG_BODY: u128 = 2 << 64;
/// An obstacle present from the start (index into the plan's obstacles).
pub(crate) const TAG_OBSTACLE: u128 = 3 << 64;
/// An obstacle added by a scripted event (index into the plan's events).
pub(crate) const TAG_BLOCK: u128 = 4 << 64;

/// What a collider's `user_data` says it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Plant(usize),
    Body(usize),
    Obstacle(usize),
    Block(usize),
    Unknown,
}

/// Decodes a collider's `user_data`.
pub(crate) fn owner(user_data: u128) -> Owner {
    let index = (user_data & u128::from(u64::MAX)) as usize;
    match user_data >> 64 {
        1 => Owner::Plant(index),
        2 => Owner::Body(index),
        3 => Owner::Obstacle(index),
        4 => Owner::Block(index),
        _ => Owner::Unknown,
    }
}

/// Only contacts whose normal is within ~45° of vertical are belt contacts: the belt's top
/// carries a load, its side rails and legs do not push things sideways.
const BELT_NORMAL_MIN_Y: f32 = 0.7;

/// Progress of the schedule and the drivers (everything beside rapier's own state).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Drivers {
    /// Steps taken.
    pub step: u64,
    /// Rapier handle of each spawn, once spawned.
    pub handles: Vec<Option<RigidBodyHandle>>,
    /// Next entry of the plan's spawn order to spawn.
    pub next_spawn: usize,
    /// Next scripted event to apply.
    pub next_event: usize,
    pub conveyor_speed: Vec<f32>,
    pub conveyor_running: Vec<bool>,
    /// Distance travelled along each path, metres.
    pub path_s: Vec<f64>,
    pub path_speed: Vec<f32>,
    pub path_running: Vec<bool>,
    pub path_released: Vec<bool>,
}

/// Rapier's world and the drivers, stepped together.
#[derive(Serialize, Deserialize)]
pub(crate) struct SimState {
    pub physics: PhysicsWorld,
    pub drivers: Drivers,
}

fn vec3(a: [f32; 3]) -> Vector {
    Vector::new(a[0], a[1], a[2])
}

/// Builds the rapier collider for one static plant collider (`None` when its geometry is
/// degenerate for both kinds).
fn plant_collider(collider: &super::super::world::StaticCollider) -> Option<ColliderBuilder> {
    let points: Vec<Vector> = collider.vertices.iter().map(|v| vec3(*v)).collect();
    let trimesh = || ColliderBuilder::trimesh(points.clone(), collider.triangles.clone()).ok();
    match collider.kind {
        ColliderKind::Convex => ColliderBuilder::convex_hull(&points).or_else(trimesh),
        ColliderKind::Trimesh => trimesh().or_else(|| ColliderBuilder::convex_hull(&points)),
        ColliderKind::None => None,
    }
}

fn box_collider(b: &BoxPlan, tag: u128) -> Collider {
    ColliderBuilder::cuboid(b.half[0], b.half[1], b.half[2])
        .translation(vec3(b.center))
        .friction(0.6)
        .user_data(tag)
        .build()
}

impl SimState {
    /// The state at step 0: static plant, obstacles, and whatever is scheduled for step 0.
    pub(crate) fn new(plan: &Plan) -> SimState {
        let mut physics = PhysicsWorld::new();
        physics.gravity = Vector::new(0.0, -9.81, 0.0);
        physics.integration_parameters.dt = plan.dt as f32;
        let world: &StaticWorld = &plan.world;
        for (i, collider) in world.colliders().iter().enumerate() {
            let Some(builder) = plant_collider(collider) else {
                continue;
            };
            let hooks = if plan.plant_conveyor[i].is_some() {
                ActiveHooks::MODIFY_SOLVER_CONTACTS
            } else {
                ActiveHooks::empty()
            };
            let built = builder
                .friction(0.6)
                .active_hooks(hooks)
                .user_data(TAG_PLANT | i as u128)
                .build();
            physics.insert_collider(built, None);
        }
        for (i, obstacle) in plan.obstacles.iter().enumerate() {
            physics.insert_collider(box_collider(obstacle, TAG_OBSTACLE | i as u128), None);
        }
        let drivers = Drivers {
            step: 0,
            handles: vec![None; plan.spawns.len()],
            next_spawn: 0,
            next_event: 0,
            conveyor_speed: plan.conveyors.iter().map(|c| c.speed).collect(),
            conveyor_running: vec![true; plan.conveyors.len()],
            path_s: vec![0.0; plan.paths.len()],
            path_speed: plan.paths.iter().map(|p| p.speed).collect(),
            path_running: vec![true; plan.paths.len()],
            path_released: vec![false; plan.paths.len()],
        };
        let mut state = SimState { physics, drivers };
        state.apply_scheduled(plan);
        state
    }

    /// Spawns the bodies and applies the events scheduled for the current step; returns the
    /// indices of the events applied.
    pub(crate) fn apply_scheduled(&mut self, plan: &Plan) -> Vec<usize> {
        let step = self.drivers.step;
        while let Some(&index) = plan.spawn_order.get(self.drivers.next_spawn) {
            if plan.spawns[index].step > step {
                break;
            }
            self.spawn(plan, index);
            self.drivers.next_spawn += 1;
        }
        let mut applied = Vec::new();
        while let Some(event) = plan.events.get(self.drivers.next_event) {
            if event.step > step {
                break;
            }
            self.apply(plan, self.drivers.next_event);
            applied.push(self.drivers.next_event);
            self.drivers.next_event += 1;
        }
        applied
    }

    fn spawn(&mut self, plan: &Plan, index: usize) {
        let spawn = &plan.spawns[index];
        // A load released before it appears starts out free.
        let released = plan
            .paths
            .iter()
            .zip(&self.drivers.path_released)
            .any(|(p, released)| p.body == index && *released);
        let builder = if spawn.kinematic && !released {
            RigidBodyBuilder::kinematic_position_based()
        } else {
            RigidBodyBuilder::dynamic()
                .linvel(vec3(spawn.velocity))
                .ccd_enabled(true)
        };
        let body = builder
            .translation(vec3(spawn.translation))
            .user_data(TAG_BODY | index as u128);
        let shape = match &spawn.info.shape {
            ShapeSpec::Box { size } => ColliderBuilder::cuboid(
                size[0] as f32 / 2.0,
                size[1] as f32 / 2.0,
                size[2] as f32 / 2.0,
            ),
            ShapeSpec::Cylinder { radius, height } => {
                ColliderBuilder::cylinder(*height as f32 / 2.0, *radius as f32)
            }
            ShapeSpec::Sphere { radius } => ColliderBuilder::ball(*radius as f32),
        };
        let collider = shape
            .mass(spawn.info.mass_kg as f32)
            .friction(spawn.friction)
            .restitution(spawn.restitution)
            .active_events(ActiveEvents::COLLISION_EVENTS)
            .user_data(TAG_BODY | index as u128);
        let (handle, _) = self.physics.insert(body, collider);
        self.drivers.handles[index] = Some(handle);
    }

    fn apply(&mut self, plan: &Plan, event: usize) {
        let d = &mut self.drivers;
        match &plan.events[event].action {
            Action::Conveyor { index, change } => {
                apply_change(
                    *change,
                    &mut d.conveyor_running[*index],
                    &mut d.conveyor_speed[*index],
                );
                self.wake_all();
            }
            Action::Path { index, change } => {
                apply_change(
                    *change,
                    &mut d.path_running[*index],
                    &mut d.path_speed[*index],
                );
            }
            Action::Release { body } => {
                let velocity = plan
                    .paths
                    .iter()
                    .position(|p| p.body == *body)
                    .map(|path| {
                        d.path_released[path] = true;
                        path_velocity(plan, d, path)
                    })
                    .unwrap_or([0.0; 3]);
                if let Some(rb) = d.handles[*body].and_then(|h| self.physics.bodies.get_mut(h)) {
                    rb.set_body_type(RigidBodyType::Dynamic, true);
                    rb.set_linvel(vec3(velocity), true);
                }
            }
            Action::Block(obstacle) => {
                self.physics
                    .insert_collider(box_collider(obstacle, TAG_BLOCK | event as u128), None);
                self.wake_all();
            }
        }
    }

    fn wake_all(&mut self) {
        for (_, body) in self.physics.bodies.iter_mut() {
            if body.is_dynamic() {
                body.wake_up(true);
            }
        }
    }

    /// One fixed step: drive the paths, step rapier (belts through `hooks`), then apply what is
    /// scheduled for the new step. Returns the scripted events applied.
    pub(crate) fn advance(&mut self, plan: &Plan, events: &dyn EventHandler) -> Vec<usize> {
        let dt = plan.dt;
        for (i, path) in plan.paths.iter().enumerate() {
            let d = &mut self.drivers;
            if d.path_released[i] {
                continue;
            }
            let Some(handle) = d.handles[path.body] else {
                continue;
            };
            if d.path_running[i] {
                d.path_s[i] += f64::from(d.path_speed[i]) * dt;
            }
            let target = path_point(path, d.path_s[i]);
            if let Some(rb) = self.physics.bodies.get_mut(handle) {
                rb.set_next_kinematic_translation(vec3(target));
            }
        }
        let belts = self
            .drivers
            .conveyor_speed
            .iter()
            .copied()
            .zip(self.drivers.conveyor_running.iter().copied())
            .collect();
        let hooks = BeltHooks { plan, belts };
        self.physics.step_with_events(&hooks, events);
        self.drivers.step += 1;
        self.apply_scheduled(plan)
    }

    /// Poses of the bodies spawned so far, in spawn order.
    pub(crate) fn poses(&self) -> Vec<BodyPose> {
        self.drivers
            .handles
            .iter()
            .enumerate()
            .filter_map(|(body, handle)| {
                let rb = self.physics.bodies.get((*handle)?)?;
                let t = rb.translation();
                let r = rb.rotation();
                Some(BodyPose {
                    body,
                    translation: [t.x, t.y, t.z],
                    rotation: [r.x, r.y, r.z, r.w],
                })
            })
            .collect()
    }
}

fn apply_change(change: Change, running: &mut bool, speed: &mut f32) {
    match change {
        Change::Stop => *running = false,
        Change::Start => *running = true,
        Change::Speed(v) => *speed = v,
    }
}

/// The point at distance `s` along a path (wrapping when it repeats, stopping at the end
/// otherwise).
pub(crate) fn path_point(path: &super::plan::PathPlan, s: f64) -> [f32; 3] {
    let (segment, along) = path_segment(path, s);
    let a = path.points[segment];
    let b = path.points[segment + 1];
    std::array::from_fn(|k| a[k] + (b[k] - a[k]) * along)
}

/// Length of each segment of a path, in order.
fn segment_lengths(points: &[[f32; 3]]) -> impl Iterator<Item = f64> + '_ {
    points.windows(2).map(|w| {
        (0..3)
            .map(|k| f64::from(w[1][k] - w[0][k]).powi(2))
            .sum::<f64>()
            .sqrt()
    })
}

/// The segment at distance `s` and the fraction along it.
fn path_segment(path: &super::plan::PathPlan, s: f64) -> (usize, f32) {
    let lengths: Vec<f64> = segment_lengths(&path.points).collect();
    let total: f64 = lengths.iter().sum();
    if total <= 0.0 {
        return (0, 0.0);
    }
    let mut s = if path.repeat {
        s.rem_euclid(total)
    } else {
        s.clamp(0.0, total)
    };
    for (i, len) in lengths.iter().enumerate() {
        if s <= *len || i + 1 == lengths.len() {
            let along = if *len > 0.0 { (s / len).min(1.0) } else { 0.0 };
            return (i, along as f32);
        }
        s -= len;
    }
    (0, 0.0)
}

/// A path's current velocity: along its segment at its speed, zero when stopped or at the end.
fn path_velocity(plan: &Plan, d: &Drivers, path: usize) -> [f32; 3] {
    let p = &plan.paths[path];
    if !d.path_running[path] {
        return [0.0; 3];
    }
    let total: f64 = segment_lengths(&p.points).sum();
    if !p.repeat && d.path_s[path] >= total {
        return [0.0; 3];
    }
    let (segment, _) = path_segment(p, d.path_s[path]);
    let a = p.points[segment];
    let b = p.points[segment + 1];
    let dir: [f32; 3] = std::array::from_fn(|k| b[k] - a[k]);
    let len = dir.iter().map(|x| x * x).sum::<f32>().sqrt();
    if len <= 0.0 {
        return [0.0; 3];
    }
    dir.map(|x| x / len * d.path_speed[path])
}

/// Gives contacts with a belt the belt's surface velocity.
struct BeltHooks<'a> {
    plan: &'a Plan,
    /// Speed and running flag per conveyor.
    belts: Vec<(f32, bool)>,
}

impl PhysicsHooks for BeltHooks<'_> {
    fn modify_solver_contacts(&self, context: &mut ContactModificationContext) {
        let belt_of = |handle: ColliderHandle| match context
            .colliders
            .get(handle)
            .map(|c| owner(c.user_data))
        {
            Some(Owner::Plant(i)) => self.plan.plant_conveyor.get(i).copied().flatten(),
            _ => None,
        };
        let (belt, sign) = match (belt_of(context.collider1), belt_of(context.collider2)) {
            (Some(b), _) => (b, 1.0),
            (None, Some(b)) => (b, -1.0),
            (None, None) => return,
        };
        let (speed, running) = self.belts[belt];
        if !running || speed == 0.0 {
            return;
        }
        let direction = vec3(self.plan.conveyors[belt].direction) * (speed * sign);
        let Some(rigid) = context.rigid_mut() else {
            return;
        };
        let normal = *rigid.normal;
        if normal.y.abs() < BELT_NORMAL_MIN_Y {
            return;
        }
        let tangential = direction - normal * direction.dot(normal);
        for contact in rigid.solver_contacts.iter_mut() {
            contact.tangent_velocity = tangential;
        }
    }
}
