//! `[[motion]]` in scene files: a signal moves one glTF node (usually a part, `TAG/part`).
//!
//! ```toml
//! [[motion]]
//! node = "M-101/fan_blade_a"
//! spin = { signal = "M-101.speed", axis = "x", turns_per_unit = 0.001 }
//!
//! [[motion]]
//! node = "TK-101/level"
//! fill = { signal = "TK-101.level", axis = "y", range = [0.0, 100.0] }
//!
//! [[motion]]
//! node = "XV-101/pointer"
//! angle = { signal = "XV-101.position", axis = "y", range = [0.0, 100.0], degrees = [0.0, 90.0] }
//!
//! [[motion]]
//! node = "CV-201/carton1"
//! travel = { signal = "CV-201.speed", axis = "x", wrap = [-5.5, 5.5] }   # distance_per_unit = 1
//!
//! [[motion]]
//! node = "CV-201/beacon"
//! visible = { signal = "CV-201.speed", below = 0.05 }                       # or `above = x`
//! ```
//!
//! One entry per node, with at most one of `spin`, `fill`, `angle` and `travel`, plus an
//! optional `visible`. Axes of `spin`, `angle` and `travel` are the node's parent's (the asset's
//! frame); the `fill` axis is the mesh's own. See [`crate::motion`] for what each does.

use super::file::Converter;
use super::{Location, SceneError};
use crate::motion::{Axis, Drive, Movement, Threshold, VisibleWhen};
use crate::signal::SignalId;
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// One node's motion, as loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct MotionBinding {
    /// The glTF node moved (any named node of the model).
    pub node: String,
    /// Where the `node` value is written.
    pub location: Location,
    /// What moves it, if anything but visibility.
    pub drive: Option<Drive>,
    /// Where the drive's `signal` value is written.
    pub drive_signal_location: Option<Location>,
    /// When it is shown, if that depends on a signal.
    pub visible: Option<VisibleWhen>,
    /// Where the `visible` table's `signal` value is written.
    pub visible_signal_location: Option<Location>,
}

impl MotionBinding {
    /// The signals this motion reads, with where each is written and its key path (for `check`).
    pub fn signals(&self) -> impl Iterator<Item = (&SignalId, &Location, String)> {
        let drive = self
            .drive
            .as_ref()
            .zip(self.drive_signal_location.as_ref())
            .map(|(d, l)| (&d.signal, l, format!("{}.signal", d.movement.name())));
        let visible = self
            .visible
            .as_ref()
            .zip(self.visible_signal_location.as_ref())
            .map(|(v, l)| (&v.signal, l, "visible.signal".to_owned()));
        drive.into_iter().chain(visible)
    }
}

/// One `[[motion]]` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMotion {
    node: Spanned<String>,
    #[serde(default)]
    spin: Option<Spanned<RawSpin>>,
    #[serde(default)]
    fill: Option<Spanned<RawFill>>,
    #[serde(default)]
    angle: Option<Spanned<RawAngle>>,
    #[serde(default)]
    travel: Option<Spanned<RawTravel>>,
    #[serde(default)]
    visible: Option<Spanned<RawVisible>>,
}

type Pair = Spanned<Vec<Spanned<f64>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpin {
    signal: Spanned<String>,
    axis: Spanned<String>,
    turns_per_unit: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFill {
    signal: Spanned<String>,
    axis: Spanned<String>,
    range: Pair,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAngle {
    signal: Spanned<String>,
    axis: Spanned<String>,
    range: Pair,
    degrees: Pair,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTravel {
    signal: Spanned<String>,
    axis: Spanned<String>,
    #[serde(default)]
    wrap: Option<Pair>,
    #[serde(default)]
    distance_per_unit: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVisible {
    signal: Spanned<String>,
    #[serde(default)]
    above: Option<Spanned<f64>>,
    #[serde(default)]
    below: Option<Spanned<f64>>,
}

/// The signal, axis and movement of a drive table, before they become a [`Drive`].
struct DriveParts<'a> {
    signal: &'a Spanned<String>,
    axis: &'a Spanned<String>,
    movement: Movement,
}

impl Converter<'_, '_> {
    /// Checks every `[[motion]]` entry, and that no node appears twice.
    pub(super) fn motions(&self, raw: &[RawMotion]) -> Result<Vec<MotionBinding>, SceneError> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::with_capacity(raw.len());
        for (i, entry) in raw.iter().enumerate() {
            let motion = self.motion(i, entry)?;
            if let Some(line) = seen.get(motion.node.as_str()) {
                let message = format!(
                    "node `{}` already has a motion (line {line}); put both in one entry",
                    motion.node
                );
                return Err(self.invalid(entry.node.span(), format!("motion[{i}].node"), message));
            }
            seen.insert(entry.node.get_ref(), motion.location.line);
            out.push(motion);
        }
        Ok(out)
    }

    fn motion(&self, i: usize, raw: &RawMotion) -> Result<MotionBinding, SceneError> {
        let key = |rest: &str| format!("motion[{i}].{rest}");
        let node = self.id(&raw.node, key("node"), "node name")?;
        let mut drives: Vec<(&'static str, Range<usize>, DriveParts<'_>)> = Vec::new();
        if let Some(spin) = &raw.spin {
            let r = spin.get_ref();
            let turns_per_unit = self.nonzero(&r.turns_per_unit, key("spin.turns_per_unit"))?;
            let movement = Movement::Spin { turns_per_unit };
            drives.push(("spin", spin.span(), parts(&r.signal, &r.axis, movement)));
        }
        if let Some(fill) = &raw.fill {
            let r = fill.get_ref();
            let range = self.pair(&r.range, key("fill.range"), Order::Distinct)?;
            let movement = Movement::Fill { range };
            drives.push(("fill", fill.span(), parts(&r.signal, &r.axis, movement)));
        }
        if let Some(angle) = &raw.angle {
            let r = angle.get_ref();
            let range = self.pair(&r.range, key("angle.range"), Order::Distinct)?;
            let degrees = self.pair(&r.degrees, key("angle.degrees"), Order::Any)?;
            let movement = Movement::Angle { range, degrees };
            drives.push(("angle", angle.span(), parts(&r.signal, &r.axis, movement)));
        }
        if let Some(travel) = &raw.travel {
            let r = travel.get_ref();
            let wrap = r
                .wrap
                .as_ref()
                .map(|w| self.pair(w, key("travel.wrap"), Order::Ascending))
                .transpose()?;
            let distance_per_unit = match &r.distance_per_unit {
                Some(d) => self.nonzero(d, key("travel.distance_per_unit"))?,
                None => 1.0,
            };
            let movement = Movement::Travel {
                distance_per_unit,
                wrap,
            };
            drives.push(("travel", travel.span(), parts(&r.signal, &r.axis, movement)));
        }
        if let [(first, ..), (second, span, _), ..] = drives.as_slice() {
            let message = format!(
                "a node moves one way: both `{first}` and `{second}` are given; keep one \
                 (`visible` may go with either)"
            );
            return Err(self.invalid(span.clone(), key(second), message));
        }
        if drives.is_empty() && raw.visible.is_none() {
            let message = format!(
                "motion of `{node}` says nothing: give one of `spin`, `fill`, `angle`, \
                 `travel`, or `visible`"
            );
            return Err(self.invalid(raw.node.span(), key("node"), message));
        }
        let (drive, drive_signal_location) = match drives.pop() {
            Some((name, _, p)) => {
                let signal = self.id(p.signal, key(&format!("{name}.signal")), "signal id")?;
                let axis = self.axis(p.axis, key(&format!("{name}.axis")))?;
                let drive = Drive {
                    signal: SignalId::new(signal),
                    axis,
                    movement: p.movement,
                };
                (Some(drive), Some(self.lines.locate(p.signal.span().start)))
            }
            None => (None, None),
        };
        let (visible, visible_signal_location) = match &raw.visible {
            Some(v) => {
                let when = self.visible(i, v)?;
                let at = self.lines.locate(v.get_ref().signal.span().start);
                (Some(when), Some(at))
            }
            None => (None, None),
        };
        Ok(MotionBinding {
            node,
            location: self.lines.locate(raw.node.span().start),
            drive,
            drive_signal_location,
            visible,
            visible_signal_location,
        })
    }

    fn visible(&self, i: usize, raw: &Spanned<RawVisible>) -> Result<VisibleWhen, SceneError> {
        let r = raw.get_ref();
        let key = |rest: &str| format!("motion[{i}].visible{rest}");
        let signal = self.id(&r.signal, key(".signal"), "signal id")?;
        let threshold = match (&r.above, &r.below) {
            (Some(x), None) => Threshold::Above(self.finite(x, key(".above"))?),
            (None, Some(x)) => Threshold::Below(self.finite(x, key(".below"))?),
            (Some(_), Some(below)) => {
                let message = "give `above` or `below`, not both";
                return Err(self.invalid(below.span(), key(".below"), message));
            }
            (None, None) => {
                let message = "say when it shows: `above = x` or `below = x`";
                return Err(self.invalid(raw.span(), key(""), message));
            }
        };
        Ok(VisibleWhen {
            signal: SignalId::new(signal),
            threshold,
        })
    }

    fn axis(&self, raw: &Spanned<String>, key: String) -> Result<Axis, SceneError> {
        Axis::parse(raw.get_ref()).ok_or_else(|| {
            let message = format!(
                "axis must be \"x\", \"y\" or \"z\", not {:?}",
                raw.get_ref()
            );
            self.invalid(raw.span(), key, message)
        })
    }

    /// A finite number (also used by scenarios).
    pub(super) fn finite(&self, raw: &Spanned<f64>, key: String) -> Result<f64, SceneError> {
        let value = *raw.get_ref();
        if value.is_finite() {
            Ok(value)
        } else {
            Err(self.invalid(raw.span(), key, format!("{value} is not a finite number")))
        }
    }

    fn nonzero(&self, raw: &Spanned<f64>, key: String) -> Result<f64, SceneError> {
        let value = self.finite(raw, key.clone())?;
        if value == 0.0 {
            return Err(self.invalid(raw.span(), key, "must not be 0 (nothing would move)"));
        }
        Ok(value)
    }

    /// Two finite numbers, in the order `order` asks for.
    fn pair(&self, raw: &Pair, key: String, order: Order) -> Result<[f64; 2], SceneError> {
        let values = raw.get_ref();
        let [a, b] = values.as_slice() else {
            let message = format!("must be two numbers `[a, b]`, but has {}", values.len());
            return Err(self.invalid(raw.span(), key, message));
        };
        let pair = [self.finite(a, key.clone())?, self.finite(b, key.clone())?];
        let problem = match order {
            Order::Any => None,
            Order::Distinct if pair[0] == pair[1] => Some("the two values must differ"),
            Order::Ascending if pair[0] >= pair[1] => Some("the start must be below the end"),
            Order::Distinct | Order::Ascending => None,
        };
        match problem {
            Some(message) => Err(self.invalid(raw.span(), key, message)),
            None => Ok(pair),
        }
    }
}

/// What a `[a, b]` pair must satisfy.
#[derive(Clone, Copy)]
enum Order {
    Any,
    Distinct,
    Ascending,
}

fn parts<'a>(
    signal: &'a Spanned<String>,
    axis: &'a Spanned<String>,
    movement: Movement,
) -> DriveParts<'a> {
    DriveParts {
        signal,
        axis,
        movement,
    }
}
