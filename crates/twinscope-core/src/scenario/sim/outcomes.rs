//! What a run measures: zone entries, impacts, bodies leaving the line, scripted events.
//!
//! Only the original run observes; playback steps the same physics without it. Events are
//! produced step by step in a fixed order (scripted, zone entries, impacts, off-line; bodies in
//! spawn order), so the list is in time order and the same on every run. A body spawned inside
//! a zone enters it at its spawn time; kinematic bodies (a forklift) never count as off-line.

use super::super::{Outcomes, ScenarioEvent, ScenarioEventKind, ZoneOutcome};
use super::plan::{Action, Plan, contains};
use super::state::{Owner, SimState, owner};
use rapier3d::prelude::*;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// A contact counts as an impact from this closing speed on, m/s. Below it are resting,
/// sliding and settling contacts (a box set down by hand closes at ~0.3 m/s; one dropped from
/// 1.3 cm already reaches 0.5 m/s), which would flood the timeline without telling anything.
pub const IMPACT_MIN_SPEED: f64 = 0.5;

/// A contact that started during a step, as rapier reported it.
#[derive(Clone, Copy, Debug)]
struct Started {
    collider1: ColliderHandle,
    collider2: ColliderHandle,
    /// World normal, pointing from collider 1 towards collider 2.
    normal: [f32; 3],
    /// A world contact point.
    point: [f32; 3],
}

/// Collects contact starts during a step (rapier calls it from inside the step).
#[derive(Default)]
pub(crate) struct ContactCollector {
    started: Mutex<Vec<Started>>,
}

impl EventHandler for ContactCollector {
    fn handle_collision_event(
        &self,
        _bodies: &RigidBodySet,
        colliders: &ColliderSet,
        event: CollisionEvent,
        contact_pair: Option<&ContactPair>,
    ) {
        let CollisionEvent::Started(collider1, collider2, _) = event else {
            return;
        };
        let Some(pair) = contact_pair else {
            return;
        };
        let Some((manifold, contact)) = pair
            .manifolds()
            .iter()
            .find_map(|m| m.points.first().map(|p| (m, p)))
        else {
            return;
        };
        let Some(c1) = colliders.get(pair.collider1) else {
            return;
        };
        let point = c1.position().transform_point(contact.local_p1);
        let n = manifold.data.normal;
        // The pair may store the colliders in the other order than the event names them.
        let flip = if pair.collider1 == collider1 {
            1.0
        } else {
            -1.0
        };
        if let Ok(mut started) = self.started.lock() {
            started.push(Started {
                collider1,
                collider2,
                normal: [n.x * flip, n.y * flip, n.z * flip],
                point: [point.x, point.y, point.z],
            });
        }
    }

    fn handle_contact_force_event(
        &self,
        _dt: Real,
        _bodies: &RigidBodySet,
        _colliders: &ColliderSet,
        _contact_pair: &ContactPair,
        _total_force_magnitude: Real,
    ) {
    }

    fn handle_soft_body_tear_event(&self, _soft_bodies: &SoftBodySet, _event: &SoftBodyTearEvent) {}
}

impl ContactCollector {
    fn take(&self) -> Vec<Started> {
        self.started
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// Accumulates events and outcomes over the original run.
pub(crate) struct Observer {
    pub events: Vec<ScenarioEvent>,
    zones: Vec<ZoneOutcome>,
    /// Per body, per zone: inside at the last step.
    inside: Vec<Vec<bool>>,
    /// Per body, per zone: ever entered.
    entered: Vec<Vec<bool>>,
    /// Per body: inside the line region at the last step.
    line: Vec<bool>,
    /// Per body: its off-line event was recorded (a body leaves the line once).
    off_line_reported: Vec<bool>,
    peak_speed: f64,
    peak_energy: f64,
    touched: BTreeSet<String>,
    /// Linear velocity of every spawned body before the current step.
    pre_velocity: Vec<[f32; 3]>,
    pub collector: ContactCollector,
}

fn v3(v: Vector) -> [f32; 3] {
    [v.x, v.y, v.z]
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f64 {
    (0..3).map(|k| f64::from(a[k]) * f64::from(b[k])).sum()
}

impl Observer {
    pub(crate) fn new(plan: &Plan) -> Observer {
        let bodies = plan.spawns.len();
        Observer {
            events: Vec::new(),
            zones: plan
                .zones
                .iter()
                .map(|z| ZoneOutcome {
                    name: z.name.clone(),
                    kind: z.kind.clone(),
                    entries: 0,
                    bodies_entered: 0,
                    first_entry_s: None,
                    peak_impact_speed: 0.0,
                    peak_impact_energy_j: 0.0,
                })
                .collect(),
            inside: vec![vec![false; plan.zones.len()]; bodies],
            entered: vec![vec![false; plan.zones.len()]; bodies],
            line: vec![false; bodies],
            off_line_reported: vec![false; bodies],
            peak_speed: 0.0,
            peak_energy: 0.0,
            touched: BTreeSet::new(),
            pre_velocity: vec![[0.0; 3]; bodies],
            collector: ContactCollector::default(),
        }
    }

    /// Remembers every body's velocity before a step (the approach speed of what it hits).
    pub(crate) fn before_step(&mut self, state: &SimState) {
        for (slot, handle) in self.pre_velocity.iter_mut().zip(&state.drivers.handles) {
            *slot = handle
                .and_then(|h| state.physics.bodies.get(h))
                .map_or([0.0; 3], |rb| v3(rb.linvel()));
        }
    }

    /// Records what happened in the step that led to the state's current step: the scripted
    /// events applied, contacts started, zone entries and departures from the line.
    pub(crate) fn after_step(&mut self, plan: &Plan, state: &SimState, scripted: &[usize]) {
        let t_s = state.drivers.step as f64 * plan.dt;
        for &e in scripted {
            self.scripted(plan, state, e, t_s);
        }
        let poses = state.poses();
        for pose in &poses {
            self.zones_and_line(plan, pose.body, pose.translation, t_s);
        }
        let mut started = self.collector.take();
        started.sort_by_key(|s| (s.collider1.into_raw_parts(), s.collider2.into_raw_parts()));
        let mut impacts = Vec::new();
        for contact in started {
            if let Some(impact) = self.impact(plan, state, &contact) {
                impacts.push(impact);
            }
        }
        impacts.sort_by_key(|(body, _)| *body);
        for (_, event) in impacts {
            self.events.push(event);
        }
    }

    fn scripted(&mut self, plan: &Plan, state: &SimState, event: usize, t_s: f64) {
        let planned = &plan.events[event];
        let (body, position, node) = match &planned.action {
            Action::Conveyor { index, .. } => {
                let node = &plan.conveyors[*index].node;
                (
                    None,
                    plan.world.node_origin(node).unwrap_or_default(),
                    Some(node.clone()),
                )
            }
            Action::Path { index, .. } => {
                let body = plan.paths[*index].body;
                (Some(body), body_position(state, body), None)
            }
            Action::Release { body } => (Some(*body), body_position(state, *body), None),
            Action::Block(b) => (None, b.center, None),
        };
        self.events.push(ScenarioEvent {
            t_s,
            kind: ScenarioEventKind::Scripted,
            body: body.map(|b| plan.spawns[b].info.name.clone()),
            position,
            node,
            description: planned.description.clone(),
        });
    }

    fn zones_and_line(&mut self, plan: &Plan, body: usize, at: [f32; 3], t_s: f64) {
        let name = &plan.spawns[body].info.name;
        for (z, zone) in plan.zones.iter().enumerate() {
            let now = contains(&zone.bounds, at);
            if now && !self.inside[body][z] {
                let outcome = &mut self.zones[z];
                outcome.entries += 1;
                if !self.entered[body][z] {
                    self.entered[body][z] = true;
                    outcome.bodies_entered += 1;
                }
                outcome.first_entry_s.get_or_insert(t_s);
                if let Some(node) = &zone.node {
                    self.touched.insert(node.clone());
                }
                self.events.push(ScenarioEvent {
                    t_s,
                    kind: ScenarioEventKind::ZoneEntry {
                        zone: zone.name.clone(),
                    },
                    body: Some(name.clone()),
                    position: at,
                    node: zone.node.clone(),
                    description: format!("{name} enters {} ({})", zone.name, zone.kind),
                });
            }
            self.inside[body][z] = now;
        }
        let Some(line) = &plan.line else {
            return;
        };
        if plan.spawns[body].info.kinematic {
            return;
        }
        let inside = contains(line, at);
        let was = std::mem::replace(&mut self.line[body], inside);
        if was && !inside && !self.off_line_reported[body] {
            self.off_line_reported[body] = true;
            self.events.push(ScenarioEvent {
                t_s,
                kind: ScenarioEventKind::OffLine,
                body: Some(name.clone()),
                position: at,
                node: None,
                description: format!("{name} leaves the line"),
            });
        }
    }

    /// An impact event for a contact start, if a dynamic scenario body closed fast enough.
    fn impact(
        &mut self,
        plan: &Plan,
        state: &SimState,
        c: &Started,
    ) -> Option<(usize, ScenarioEvent)> {
        let colliders = &state.physics.colliders;
        let side = |h: ColliderHandle| {
            colliders
                .get(h)
                .map_or(Owner::Unknown, |c| owner(c.user_data))
        };
        let (o1, o2) = (side(c.collider1), side(c.collider2));
        let velocity = |o: Owner| match o {
            Owner::Body(b) => self.pre_velocity[b],
            _ => [0.0; 3],
        };
        let dynamic = |o: Owner| match o {
            Owner::Body(b) => state.drivers.handles[b]
                .and_then(|h| state.physics.bodies.get(h))
                .is_some_and(|rb| rb.is_dynamic()),
            _ => false,
        };
        let relative: [f32; 3] = std::array::from_fn(|k| velocity(o1)[k] - velocity(o2)[k]);
        let speed = dot(relative, c.normal);
        if speed < IMPACT_MIN_SPEED {
            return None;
        }
        // The body the impact is about: the dynamic scenario body (the faster one of two).
        let speed_of = |o: Owner| dot(velocity(o), velocity(o)).sqrt();
        let (body, other) = match (dynamic(o1), dynamic(o2)) {
            (true, true) if speed_of(o2) > speed_of(o1) => (o2, o1),
            (true, _) => (o1, o2),
            (false, true) => (o2, o1),
            (false, false) => return None,
        };
        let Owner::Body(body) = body else {
            return None;
        };
        let mass = plan.spawns[body].info.mass_kg;
        let energy = 0.5 * mass * speed * speed;
        let name = plan.spawns[body].info.name.clone();
        let (node, what) = match other {
            Owner::Plant(i) => {
                let node = plan.world.colliders()[i].node.clone();
                (Some(node.clone()), node)
            }
            Owner::Body(b) => (None, plan.spawns[b].info.name.clone()),
            Owner::Obstacle(i) => (None, plan.obstacles[i].name.clone()),
            Owner::Block(e) => match &plan.events[e].action {
                Action::Block(b) => (None, b.name.clone()),
                _ => (None, String::from("an obstacle")),
            },
            Owner::Unknown => (None, String::from("something")),
        };
        if let Some(node) = &node {
            self.touched.insert(node.clone());
        }
        self.peak_speed = self.peak_speed.max(speed);
        self.peak_energy = self.peak_energy.max(energy);
        for (z, zone) in plan.zones.iter().enumerate() {
            if contains(&zone.bounds, c.point) {
                let outcome = &mut self.zones[z];
                outcome.peak_impact_speed = outcome.peak_impact_speed.max(speed);
                outcome.peak_impact_energy_j = outcome.peak_impact_energy_j.max(energy);
            }
        }
        let t_s = state.drivers.step as f64 * plan.dt;
        Some((
            body,
            ScenarioEvent {
                t_s,
                kind: ScenarioEventKind::Impact {
                    speed,
                    energy_j: energy,
                },
                body: Some(name.clone()),
                position: c.point,
                node,
                description: format!("{name} hits {what} at {speed:.2} m/s ({energy:.1} J)"),
            },
        ))
    }

    /// The outcomes at the end of the run.
    pub(crate) fn finish(self, plan: &Plan, state: &SimState) -> (Vec<ScenarioEvent>, Outcomes) {
        let bodies_total = state.drivers.handles.iter().filter(|h| h.is_some()).count() as u32;
        let bodies_off_line = match &plan.line {
            None => 0,
            Some(line) => state
                .poses()
                .iter()
                .filter(|p| !plan.spawns[p.body].info.kinematic && !contains(line, p.translation))
                .count() as u32,
        };
        let outcomes = Outcomes {
            zones: self.zones,
            bodies_total,
            bodies_off_line,
            peak_impact_speed: self.peak_speed,
            peak_impact_energy_j: self.peak_energy,
            touched_nodes: self.touched.into_iter().collect(),
        };
        (self.events, outcomes)
    }
}

/// A spawned body's position (origin when not spawned yet).
fn body_position(state: &SimState, body: usize) -> [f32; 3] {
    state.drivers.handles[body]
        .and_then(|h| state.physics.bodies.get(h))
        .map_or([0.0; 3], |rb| v3(rb.translation()))
}
