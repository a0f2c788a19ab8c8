//! Converts a scenario's bodies, drivers, events, zones and obstacles (syntax in
//! [`super::scenarios_file`]), checking each value and every cross-reference between them.

use super::SceneError;
use super::file::Converter;
use super::scenario_parts::{RawBody, RawEvent, RawObstacle, RawScenario, RawVec, RegionRef};
use crate::scenario::{
    BodySpec, DriverSpec, EventAction, EventSpec, InputSpec, ObstacleSpec, Placement, Quantity,
    Region, ScenarioSpec, ShapeSpec, ZoneSpec,
};
use std::ops::Range;
use toml::Spanned;

/// Standard pallet (EUR, 1.2 × 0.8 m, 144 mm high).
const PALLET_SIZE: [f64; 3] = [1.2, 0.144, 0.8];
/// Standard 200 l drum.
const DRUM_RADIUS: f64 = 0.29;
const DRUM_HEIGHT: f64 = 0.88;
/// Defaults documented on [`BodySpec`] and [`Region::Node`].
const DEFAULT_FRICTION: f64 = 0.6;
const DEFAULT_RESTITUTION: f64 = 0.1;
const DEFAULT_ZONE_HEIGHT: f64 = 2.0;

/// Where a placement's keys are, for one body or obstacle.
struct PlacementKeys<'a> {
    at: Option<&'a RawVec>,
    node: Option<&'a Spanned<String>>,
    offset: Option<&'a RawVec>,
    /// The table's name value, where "missing" errors point.
    anchor: Range<usize>,
}

impl Converter<'_, '_> {
    /// Fills `spec`'s bodies, drivers, events, zones, line and obstacles from `raw`.
    pub(super) fn scenario_parts(
        &self,
        raw: &RawScenario,
        p: &str,
        spec: &mut ScenarioSpec,
    ) -> Result<(), SceneError> {
        let inputs = &spec.inputs;
        for (i, body) in raw.bodies.iter().enumerate() {
            let b = self.body(body, &format!("{p}bodies[{i}]"), inputs)?;
            if let Some(first) = spec.bodies.iter().find(|x| x.name == b.name) {
                let message = format!("body `{}` is already defined at {}", b.name, first.location);
                return Err(self.invalid(
                    body.name.span(),
                    format!("{p}bodies[{i}].name"),
                    message,
                ));
            }
            spec.bodies.push(b);
        }
        for (i, c) in raw.conveyors.iter().enumerate() {
            let k = |rest: &str| format!("{p}conveyors[{i}].{rest}");
            let node = self.id(&c.node, k("node"), "node name")?;
            if spec.drivers.iter().any(|d| driver_target(d) == node) {
                let message = format!("conveyor `{node}` is already driven");
                return Err(self.invalid(c.node.span(), k("node"), message));
            }
            let direction = self.direction(&c.direction, k("direction"))?;
            spec.drivers.push(DriverSpec::Conveyor {
                node,
                speed: self.quantity(&c.speed, k("speed"), inputs, false)?,
                direction,
                location: self.lines.locate(c.node.span().start),
            });
        }
        for (i, path) in raw.paths.iter().enumerate() {
            let k = |rest: &str| format!("{p}paths[{i}].{rest}");
            let body = self.id(&path.body, k("body"), "body name")?;
            match spec.bodies.iter().find(|b| b.name == body) {
                None => {
                    let message = format!("no body `{body}`{}", listing(&spec.bodies));
                    return Err(self.invalid(path.body.span(), k("body"), message));
                }
                Some(b) if b.count != 1 => {
                    let message =
                        format!("a path carries one body; `{body}` has count {}", b.count);
                    return Err(self.invalid(path.body.span(), k("body"), message));
                }
                Some(_) => {}
            }
            if spec.drivers.iter().any(|d| driver_target(d) == body) {
                let message = format!("body `{body}` already has a path");
                return Err(self.invalid(path.body.span(), k("body"), message));
            }
            if path.points.get_ref().len() < 2 {
                let message = format!(
                    "a path needs at least two points, not {}",
                    path.points.get_ref().len()
                );
                return Err(self.invalid(path.points.span(), k("points"), message));
            }
            let points = path
                .points
                .get_ref()
                .iter()
                .map(|point| self.vec3(point, k("points")))
                .collect::<Result<Vec<_>, _>>()?;
            spec.drivers.push(DriverSpec::Path {
                body,
                points,
                speed: self.quantity(&path.speed, k("speed"), inputs, true)?,
                repeat: path.repeat,
                location: self.lines.locate(path.body.span().start),
            });
        }
        for (i, raw) in raw.obstacles.iter().enumerate() {
            let obstacle = self.obstacle(raw, &format!("{p}obstacles[{i}]"))?;
            self.unique_obstacle(
                &spec.obstacles,
                &spec.events,
                &obstacle,
                raw,
                &format!("{p}obstacles[{i}]"),
            )?;
            spec.obstacles.push(obstacle);
        }
        for (i, event) in raw.events.iter().enumerate() {
            let e = self.event(event, &format!("{p}events[{i}]"), spec)?;
            spec.events.push(e);
        }
        for (i, zone) in raw.zones.iter().enumerate() {
            let k = |rest: &str| format!("{p}zones[{i}].{rest}");
            let name = self.id(&zone.name, k("name"), "zone name")?;
            if let Some(first) = spec.zones.iter().find(|z| z.name == name) {
                let message = format!("zone `{name}` is already defined at {}", first.location);
                return Err(self.invalid(zone.name.span(), k("name"), message));
            }
            let kind = match &zone.kind {
                Some(kind) => self.id(kind, k("kind"), "zone kind")?,
                None => "zone".to_owned(),
            };
            let region = self.region(zone.region(), &format!("{p}zones[{i}]"), zone.name.span())?;
            spec.zones.push(ZoneSpec {
                name,
                kind,
                region,
                location: self.lines.locate(zone.name.span().start),
            });
        }
        if let Some(line) = &raw.line {
            spec.line =
                Some(self.region(line.get_ref().region(), &format!("{p}line"), line.span())?);
        }
        Ok(())
    }

    fn body(&self, raw: &RawBody, k: &str, inputs: &[InputSpec]) -> Result<BodySpec, SceneError> {
        let key = |rest: &str| format!("{k}.{rest}");
        let name = self.id(&raw.name, key("name"), "body name")?;
        if name.contains('#') {
            let message = format!("`#` is reserved for numbering a group (`{name}#2`)");
            return Err(self.invalid(raw.name.span(), key("name"), message));
        }
        let shape = self.shape(raw, k)?;
        let count = match &raw.count {
            Some(count) => self.count(count, &key("count"), 1, 10_000)? as u32,
            None => 1,
        };
        let velocity = match &raw.velocity {
            Some(v) if v.get_ref().len() == 3 => {
                let q = |j: usize| self.quantity(&v.get_ref()[j], key("velocity"), inputs, false);
                [q(0)?, q(1)?, q(2)?]
            }
            Some(v) => {
                let message = format!("must be [x, y, z], not {} values", v.get_ref().len());
                return Err(self.invalid(v.span(), key("velocity"), message));
            }
            None => [0.0; 3].map(Quantity::Value),
        };
        Ok(BodySpec {
            shape,
            mass: self.quantity(&raw.mass, key("mass"), inputs, true)?,
            friction: self.at_least_zero(
                raw.friction.as_ref(),
                key("friction"),
                DEFAULT_FRICTION,
            )?,
            restitution: match &raw.restitution {
                Some(r) if !(0.0..=1.0).contains(r.get_ref()) => {
                    let message = format!("must be 0 to 1, not {}", r.get_ref());
                    return Err(self.invalid(r.span(), key("restitution"), message));
                }
                Some(r) => *r.get_ref(),
                None => DEFAULT_RESTITUTION,
            },
            placement: self.placement(
                PlacementKeys {
                    at: raw.at.as_ref(),
                    node: raw.node.as_ref(),
                    offset: raw.offset.as_ref(),
                    anchor: raw.name.span(),
                },
                k,
            )?,
            count,
            spacing: match &raw.spacing {
                Some(s) => self.vec3(s, key("spacing"))?,
                None => [0.0; 3],
            },
            every_s: match &raw.every {
                Some(every) => Some(self.seconds(every, &key("every"), true)?),
                None => None,
            },
            start_s: match &raw.start {
                Some(start) => self.seconds(start, &key("start"), false)?,
                None => 0.0,
            },
            jitter_m: self.at_least_zero(raw.jitter.as_ref(), key("jitter"), 0.0)?,
            velocity,
            kinematic: raw.kinematic,
            location: self.lines.locate(raw.name.span().start),
            name,
        })
    }

    /// The shape, with pallet and drum defaults, refusing size keys the shape does not take.
    fn shape(&self, raw: &RawBody, k: &str) -> Result<ShapeSpec, SceneError> {
        let key = |rest: &str| format!("{k}.{rest}");
        let shape = raw.shape.get_ref().as_str();
        let takes: &[&str] = match shape {
            "box" | "pallet" => &["size"],
            "cylinder" | "drum" => &["radius", "height"],
            "sphere" => &["radius"],
            other => {
                let message =
                    format!("unknown shape `{other}`: use box, cylinder, sphere, pallet or drum");
                return Err(self.invalid(raw.shape.span(), key("shape"), message));
            }
        };
        let given = [
            ("size", raw.size.as_ref().map(Spanned::span)),
            ("radius", raw.radius.as_ref().map(Spanned::span)),
            ("height", raw.height.as_ref().map(Spanned::span)),
        ];
        for (name, span) in given {
            if let Some(span) = span.filter(|_| !takes.contains(&name)) {
                let message = format!("a {shape} has no `{name}`; it takes {}", takes.join(", "));
                return Err(self.invalid(span, key(name), message));
            }
        }
        let required =
            |value: Option<&Spanned<f64>>, name: &str, default: Option<f64>| match (value, default)
            {
                (Some(v), _) => self.positive_number(v, key(name)),
                (None, Some(d)) => Ok(d),
                (None, None) => {
                    let message = format!("a {shape} needs `{name}`");
                    Err(self.invalid(raw.shape.span(), key("shape"), message))
                }
            };
        let size = |default: Option<[f64; 3]>| match (&raw.size, default) {
            (Some(size), _) => self.size3(size, key("size")),
            (None, Some(d)) => Ok(d),
            (None, None) => {
                let message = format!("a {shape} needs `size = [x, y, z]`");
                Err(self.invalid(raw.shape.span(), key("shape"), message))
            }
        };
        Ok(match shape {
            "box" => ShapeSpec::Box { size: size(None)? },
            "pallet" => ShapeSpec::Box {
                size: size(Some(PALLET_SIZE))?,
            },
            "sphere" => ShapeSpec::Sphere {
                radius: required(raw.radius.as_ref(), "radius", None)?,
            },
            _ => {
                let drum = shape == "drum";
                ShapeSpec::Cylinder {
                    radius: required(raw.radius.as_ref(), "radius", drum.then_some(DRUM_RADIUS))?,
                    height: required(raw.height.as_ref(), "height", drum.then_some(DRUM_HEIGHT))?,
                }
            }
        })
    }

    /// `at = [x, y, z]`, or `node` with an optional `offset`.
    fn placement(&self, keys: PlacementKeys<'_>, k: &str) -> Result<Placement, SceneError> {
        let key = |rest: &str| format!("{k}.{rest}");
        match (keys.at, keys.node) {
            (Some(_), Some(node)) => {
                let message =
                    "give either `at` (world coordinates) or `node` (+ `offset`), not both";
                Err(self.invalid(node.span(), key("node"), message))
            }
            (Some(at), None) => {
                if let Some(offset) = keys.offset {
                    let message = "`offset` is relative to `node`; with `at`, leave it out";
                    return Err(self.invalid(offset.span(), key("offset"), message));
                }
                Ok(Placement::At(self.vec3(at, key("at"))?))
            }
            (None, Some(node)) => Ok(Placement::Node {
                node: self.id(node, key("node"), "node name")?,
                offset: match keys.offset {
                    Some(offset) => self.vec3(offset, key("offset"))?,
                    None => [0.0; 3],
                },
            }),
            (None, None) => {
                let message = "needs a place: `at = [x, y, z]` or `node = \"TAG\"` (+ `offset`)";
                Err(self.invalid(keys.anchor, k.to_owned(), message))
            }
        }
    }

    fn obstacle(&self, raw: &RawObstacle, k: &str) -> Result<ObstacleSpec, SceneError> {
        let keys = PlacementKeys {
            at: raw.at.as_ref(),
            node: raw.node.as_ref(),
            offset: raw.offset.as_ref(),
            anchor: raw.name.span(),
        };
        Ok(ObstacleSpec {
            name: self.id(&raw.name, format!("{k}.name"), "obstacle name")?,
            placement: self.placement(keys, k)?,
            size: self.size3(&raw.size, format!("{k}.size"))?,
        })
    }

    /// Obstacle names (from `[[obstacles]]` and `block` events) are unique.
    fn unique_obstacle(
        &self,
        obstacles: &[ObstacleSpec],
        events: &[EventSpec],
        new: &ObstacleSpec,
        raw: &RawObstacle,
        k: &str,
    ) -> Result<(), SceneError> {
        let blocked = events.iter().filter_map(|e| match &e.action {
            EventAction::Block(o) => Some(o),
            _ => None,
        });
        if obstacles.iter().chain(blocked).any(|o| o.name == new.name) {
            let message = format!("obstacle `{}` is already defined", new.name);
            return Err(self.invalid(raw.name.span(), format!("{k}.name"), message));
        }
        Ok(())
    }

    fn event(&self, raw: &RawEvent, k: &str, spec: &ScenarioSpec) -> Result<EventSpec, SceneError> {
        let key = |rest: &str| format!("{k}.{rest}");
        let at_s = self.seconds(&raw.at, &key("at"), false)?;
        if at_s > spec.duration_s {
            let message = format!(
                "{at_s} s is after the scenario ends ({} s)",
                spec.duration_s
            );
            return Err(self.invalid(raw.at.span(), key("at"), message));
        }
        let target = |value: &Spanned<String>, rest: &str| {
            let name = self.id(value, key(rest), "target")?;
            if spec.drivers.iter().any(|d| driver_target(d) == name) {
                return Ok(name);
            }
            let known: Vec<String> = spec
                .drivers
                .iter()
                .map(|d| format!("`{}`", driver_target(d)))
                .collect();
            let there_are = if known.is_empty() {
                String::new()
            } else {
                format!(" (there are {})", known.join(", "))
            };
            let message =
                format!("`{name}` is no conveyor node or path body of this scenario{there_are}");
            Err(self.invalid(value.span(), key(rest), message))
        };
        let action = match (
            &raw.stop,
            &raw.start,
            &raw.set_speed,
            &raw.release,
            &raw.block,
        ) {
            (Some(stop), None, None, None, None) => EventAction::Stop {
                target: target(stop, "stop")?,
            },
            (None, Some(start), None, None, None) => EventAction::Start {
                target: target(start, "start")?,
            },
            (None, None, Some(set), None, None) => {
                let set = set.get_ref();
                EventAction::SetSpeed {
                    target: target(&set.target, "set_speed.target")?,
                    speed: self.quantity(
                        &set.speed,
                        key("set_speed.speed"),
                        &spec.inputs,
                        false,
                    )?,
                }
            }
            (None, None, None, Some(release), None) => {
                let body = self.id(release, key("release"), "body name")?;
                let carried = spec
                    .drivers
                    .iter()
                    .any(|d| matches!(d, DriverSpec::Path { body: b, .. } if *b == body));
                if !carried {
                    let message =
                        format!("`{body}` is carried by no path, so there is nothing to release");
                    return Err(self.invalid(release.span(), key("release"), message));
                }
                EventAction::Release { body }
            }
            (None, None, None, None, Some(block)) => {
                let obstacle = self.obstacle(block.get_ref(), &key("block"))?;
                self.unique_obstacle(
                    &spec.obstacles,
                    &spec.events,
                    &obstacle,
                    block.get_ref(),
                    &key("block"),
                )?;
                EventAction::Block(obstacle)
            }
            _ => {
                let message = "give exactly one of stop, start, set_speed, release or block";
                return Err(self.invalid(raw.at.span(), k.to_owned(), message));
            }
        };
        Ok(EventSpec {
            at_s,
            action,
            location: self.lines.locate(raw.at.span().start),
        })
    }

    /// A zone or line: `node` (+ `margin`, `height`) or `min` and `max`.
    fn region(
        &self,
        r: RegionRef<'_>,
        k: &str,
        anchor: Range<usize>,
    ) -> Result<Region, SceneError> {
        let key = |rest: &str| format!("{k}.{rest}");
        match (r.node, r.min, r.max) {
            (Some(node), None, None) => Ok(Region::Node {
                node: self.id(node, key("node"), "node name")?,
                margin: self.at_least_zero(r.margin, key("margin"), 0.0)?,
                height: match r.height {
                    Some(h) => self.positive_number(h, key("height"))?,
                    None => DEFAULT_ZONE_HEIGHT,
                },
            }),
            (None, Some(min), Some(max)) => {
                for (name, value) in [
                    ("margin", r.margin.map(Spanned::span)),
                    ("height", r.height.map(Spanned::span)),
                ] {
                    if let Some(span) = value {
                        let message =
                            format!("`{name}` applies to a node's region, not to min/max");
                        return Err(self.invalid(span, key(name), message));
                    }
                }
                let (lo, hi) = (self.vec3(min, key("min"))?, self.vec3(max, key("max"))?);
                if lo.iter().zip(&hi).any(|(a, b)| a >= b) {
                    let message = format!("must be above `min` on every axis ({lo:?})");
                    return Err(self.invalid(max.span(), key("max"), message));
                }
                Ok(Region::Box { min: lo, max: hi })
            }
            (Some(node), _, _) => {
                let message = "give either `node` or `min` and `max`, not both";
                Err(self.invalid(node.span(), key("node"), message))
            }
            _ => {
                let message =
                    "needs `node = \"TAG\"` or both `min = [x, y, z]` and `max = [x, y, z]`";
                Err(self.invalid(anchor, k.to_owned(), message))
            }
        }
    }
}

/// What events name a driver by: the conveyor's node or the path's body.
fn driver_target(driver: &DriverSpec) -> &str {
    match driver {
        DriverSpec::Conveyor { node, .. } => node,
        DriverSpec::Path { body, .. } => body,
    }
}

/// ` (bodies: `a`, `b`)`, or nothing when there are none.
fn listing(bodies: &[BodySpec]) -> String {
    if bodies.is_empty() {
        return String::new();
    }
    let names: Vec<String> = bodies.iter().map(|b| format!("`{}`", b.name)).collect();
    format!(" (bodies: {})", names.join(", "))
}
