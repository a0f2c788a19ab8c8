//! Motion bindings: how a signal moves one glTF node — spin a fan, fill a level column, turn a
//! valve pointer, carry a carton along a belt, show a beacon.
//!
//! Plain math over plain numbers; the view turns the resulting [`Pose`] into a transform. Values
//! are read at the view time, so motion follows the time cursor: speeds (spin, travel) are
//! integrated over the change of view time, so a paused cursor holds still, playing at 10×
//! moves ten times as fast and playing backwards runs backwards.

use crate::signal::SignalId;

/// Largest change of view time one frame integrates, in seconds: a jump of the cursor (or a
/// very fast playback) nudges spinning parts instead of whirling them through hours of turns.
pub(crate) const MAX_STEP_S: f64 = 0.5;

/// Smallest fraction a fill scales to: a zero scale would make a degenerate transform.
pub(crate) const MIN_FILL: f64 = 1e-3;

/// One of the three axes (of the parent's frame, or of the mesh for `fill`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Axis {
    /// X.
    X,
    /// Y (up in twinscope's models).
    Y,
    /// Z.
    Z,
}

impl Axis {
    /// `"x"`, `"y"` or `"z"` as written in scene files.
    pub fn parse(text: &str) -> Option<Axis> {
        match text {
            "x" => Some(Axis::X),
            "y" => Some(Axis::Y),
            "z" => Some(Axis::Z),
            _ => None,
        }
    }

    /// 0, 1 or 2: the component index.
    pub fn index(self) -> usize {
        match self {
            Axis::X => 0,
            Axis::Y => 1,
            Axis::Z => 2,
        }
    }
}

/// How a value moves a node.
#[derive(Clone, Debug, PartialEq)]
pub enum Movement {
    /// Turns about the axis (through the node's origin) at `value × turns_per_unit` turns per
    /// second of view time.
    Spin {
        /// Visual turns per second per unit of the signal (negative turns the other way).
        turns_per_unit: f64,
    },
    /// Moves along the axis at `value × distance_per_unit` metres per second of view time,
    /// wrapping within `wrap` (positions along the axis, parent frame) when given.
    Travel {
        /// Metres per second per unit of the signal.
        distance_per_unit: f64,
        /// `[start, end]`: leaving one end re-enters at the other.
        wrap: Option<[f64; 2]>,
    },
    /// Scales the mesh along the axis by the value's fraction of `range`, keeping the mesh's
    /// minimum face where it is (a level column filling from its bottom).
    Fill {
        /// Values mapped to empty and full (either order).
        range: [f64; 2],
    },
    /// Turns about the axis to an angle interpolated from `range` onto `degrees`.
    Angle {
        /// Values mapped to the first and second angle.
        range: [f64; 2],
        /// Angles in degrees for `range[0]` and `range[1]`.
        degrees: [f64; 2],
    },
}

impl Movement {
    /// The scene-file key of this movement (`spin`, `travel`, `fill`, `angle`).
    pub fn name(&self) -> &'static str {
        match self {
            Movement::Spin { .. } => "spin",
            Movement::Travel { .. } => "travel",
            Movement::Fill { .. } => "fill",
            Movement::Angle { .. } => "angle",
        }
    }
}

/// A movement driven by a signal along an axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Drive {
    /// The signal whose value drives it.
    pub signal: SignalId,
    /// The axis it moves along or about.
    pub axis: Axis,
    /// What the value does.
    pub movement: Movement,
}

/// Where a driven node is, relative to its pose in the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pose {
    /// As modelled.
    Rest,
    /// Turned by this many radians about the axis.
    Turned(f64),
    /// Moved this far along the axis (see [`travel_position`] for wrapping).
    Moved(f64),
    /// Scaled to this fraction along the axis (at least `MIN_FILL`), minimum face kept.
    Filled(f64),
}

impl Drive {
    /// The pose for `value` (`None`: no data at the view time) after `dt_s` seconds of view
    /// time. `accumulated` is the node's integrated phase (turns, in `[0, 1)`) or distance,
    /// kept between frames; without data (or with NaN) speeds hold still and mapped
    /// movements rest.
    pub fn pose(&self, value: Option<f64>, dt_s: f64, accumulated: &mut f64) -> Pose {
        let value = value.filter(|v| v.is_finite());
        match &self.movement {
            Movement::Spin { turns_per_unit } => {
                if let Some(v) = value {
                    let turns = *accumulated + v * turns_per_unit * dt_s;
                    *accumulated = finite_or_zero(turns.rem_euclid(1.0));
                }
                Pose::Turned(*accumulated * std::f64::consts::TAU)
            }
            Movement::Travel {
                distance_per_unit,
                wrap,
            } => {
                if let Some(v) = value {
                    let moved = *accumulated + v * distance_per_unit * dt_s;
                    // Keep the number small: positions repeat every span anyway.
                    *accumulated = finite_or_zero(match wrap {
                        Some([lo, hi]) => moved.rem_euclid(hi - lo),
                        None => moved,
                    });
                }
                Pose::Moved(*accumulated)
            }
            Movement::Fill { range } => match value.map(|v| fraction(v, *range)) {
                Some(f) => Pose::Filled(f.max(MIN_FILL)),
                None => Pose::Rest,
            },
            Movement::Angle { range, degrees } => match value.map(|v| fraction(v, *range)) {
                Some(f) => Pose::Turned((degrees[0] + f * (degrees[1] - degrees[0])).to_radians()),
                None => Pose::Rest,
            },
        }
    }
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// Where `value` lies between `range[0]` (0) and `range[1]` (1), clamped to `[0, 1]`.
pub fn fraction(value: f64, range: [f64; 2]) -> f64 {
    let span = range[1] - range[0];
    if span == 0.0 {
        return 0.0;
    }
    ((value - range[0]) / span).clamp(0.0, 1.0)
}

/// Seconds of view time between two frames' view times (ns), clamped to ±`MAX_STEP_S`;
/// negative when the cursor runs backwards.
pub fn view_step_s(previous_ns: i64, now_ns: i64) -> f64 {
    let step = (i128::from(now_ns) - i128::from(previous_ns)) as f64 / 1e9;
    step.clamp(-MAX_STEP_S, MAX_STEP_S)
}

/// A travelling node's position along its axis: its modelled position `origin` moved by
/// `moved`, wrapped into `[start, end)` when it wraps.
pub fn travel_position(origin: f64, moved: f64, wrap: Option<[f64; 2]>) -> f64 {
    match wrap {
        Some([lo, hi]) if hi > lo => lo + (origin + moved - lo).rem_euclid(hi - lo),
        _ => origin + moved,
    }
}

/// How far a filled node's origin moves along the (mesh) axis, in its parent's units before
/// its rotation, so the mesh's minimum face stays put: `scale` is the node's scale along the
/// axis, `mesh_min` the mesh's minimum coordinate along it (e.g. -0.5 for a unit box).
pub fn fill_shift(scale: f64, mesh_min: f64, fraction: f64) -> f64 {
    scale * (1.0 - fraction) * mesh_min
}

/// When a node is shown: a threshold on a signal.
#[derive(Clone, Debug, PartialEq)]
pub struct VisibleWhen {
    /// The signal compared.
    pub signal: SignalId,
    /// Shown while the value is above or below this.
    pub threshold: Threshold,
}

/// A strict comparison with a fixed value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// Shown while `value > x`.
    Above(f64),
    /// Shown while `value < x`.
    Below(f64),
}

impl VisibleWhen {
    /// Whether the node shows for `value`; `None` (rest: as modelled) without data or for NaN.
    pub fn visible(&self, value: Option<f64>) -> Option<bool> {
        let value = value.filter(|v| !v.is_nan())?;
        Some(match self.threshold {
            Threshold::Above(x) => value > x,
            Threshold::Below(x) => value < x,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drive(movement: Movement) -> Drive {
        Drive {
            signal: SignalId::new("s"),
            axis: Axis::X,
            movement,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn fill_keeps_the_minimum_face_fixed() {
        // A unit box (mesh -0.5..0.5) scaled 4.5 tall, centred at 2.8: bottom at 0.55.
        let (scale, centre, mesh_min) = (4.5, 2.8, -0.5);
        let bottom = |centre: f64, scale: f64| centre + scale * mesh_min;
        for f in [0.0, 0.25, 0.5, 1.0] {
            let f = f64::max(f, MIN_FILL);
            let moved = centre + fill_shift(scale, mesh_min, f);
            assert!(close(bottom(moved, scale * f), 0.55), "fraction {f}");
            assert!(close(moved + scale * f * 0.5, 0.55 + scale * f), "top");
        }
        // A mesh anchored at its base (0..1) does not move at all.
        assert_eq!(fill_shift(3.0, 0.0, 0.2), 0.0);
        let fill = drive(Movement::Fill {
            range: [0.0, 100.0],
        });
        let mut acc = 0.0;
        for (value, pose) in [
            (Some(50.0), Pose::Filled(0.5)),
            (Some(150.0), Pose::Filled(1.0)),
            (Some(-5.0), Pose::Filled(MIN_FILL)),
            (Some(f64::NAN), Pose::Rest),
            (None, Pose::Rest),
        ] {
            assert_eq!(fill.pose(value, 0.1, &mut acc), pose, "{value:?}");
        }
    }

    #[test]
    fn angle_maps_the_range_onto_degrees_clamped() {
        let angle = drive(Movement::Angle {
            range: [0.0, 100.0],
            degrees: [0.0, 90.0],
        });
        let mut acc = 0.0;
        for (value, degrees) in [
            (0.0, 0.0),
            (50.0, 45.0),
            (100.0, 90.0),
            (130.0, 90.0),
            (-1.0, 0.0),
        ] {
            let Pose::Turned(radians) = angle.pose(Some(value), 0.0, &mut acc) else {
                panic!("{value}: not turned");
            };
            assert!(close(radians, f64::to_radians(degrees)), "{value}");
        }
        assert_eq!(angle.pose(None, 0.0, &mut acc), Pose::Rest);
        // A reversed range (100 → 0°, 0 → 90°) maps the other way.
        let reversed = drive(Movement::Angle {
            range: [100.0, 0.0],
            degrees: [0.0, 90.0],
        });
        assert_eq!(
            reversed.pose(Some(25.0), 0.0, &mut acc),
            Pose::Turned(67.5f64.to_radians())
        );
        assert_eq!(fraction(5.0, [3.0, 3.0]), 0.0, "an empty range is safe");
    }

    #[test]
    fn spin_integrates_speed_over_view_time() {
        let spin = drive(Movement::Spin {
            turns_per_unit: 0.001,
        });
        let turns = |pose: Pose| match pose {
            Pose::Turned(r) => r / std::f64::consts::TAU,
            other => panic!("{other:?}"),
        };
        let mut acc = 0.0;
        // 1000 rpm → 1 turn/s: a quarter second is a quarter turn.
        assert!(close(turns(spin.pose(Some(1000.0), 0.25, &mut acc)), 0.25));
        // Paused: no change of view time, no motion.
        assert!(close(turns(spin.pose(Some(1000.0), 0.0, &mut acc)), 0.25));
        // Playing backwards undoes it.
        assert!(close(turns(spin.pose(Some(1000.0), -0.25, &mut acc)), 0.0));
        // Backwards past zero wraps into [0, 1).
        assert!(close(turns(spin.pose(Some(1000.0), -0.1, &mut acc)), 0.9));
        // No data: holds where it is.
        assert!(close(turns(spin.pose(None, 0.3, &mut acc)), 0.9));
        assert!(close(turns(spin.pose(Some(f64::NAN), 0.3, &mut acc)), 0.9));
        // Playing at 10×: ten times the view time per frame, ten times the turning.
        let (mut slow, mut fast) = (0.0, 0.0);
        spin.pose(Some(100.0), 0.016, &mut slow);
        spin.pose(Some(100.0), 0.16, &mut fast);
        assert!(close(fast, 10.0 * slow));
    }

    #[test]
    fn travel_wraps_along_the_belt() {
        let wrap = Some([-5.5, 5.5]);
        let travel = drive(Movement::Travel {
            distance_per_unit: 1.0,
            wrap,
        });
        let mut acc = 0.0;
        let moved = |pose: Pose| match pose {
            Pose::Moved(d) => d,
            other => panic!("{other:?}"),
        };
        // 0.5 m/s for 0.5 s moves 0.25 m.
        let d = moved(travel.pose(Some(0.5), 0.5, &mut acc));
        assert!(close(travel_position(2.5, d, wrap), 2.75));
        // A carton near the head end re-enters at the tail.
        assert!(close(travel_position(5.4, 0.2, wrap), -5.4));
        // Backwards past the tail re-enters at the head.
        assert!(close(travel_position(-5.4, -0.2, wrap), 5.4));
        // The accumulated distance stays within one span however long it runs.
        for _ in 0..10_000 {
            travel.pose(Some(2.0), 0.5, &mut acc);
        }
        assert!((0.0..11.0).contains(&acc), "{acc}");
        assert!(close(travel_position(1.0, 3.0, None), 4.0));
    }

    #[test]
    fn view_steps_are_clamped_and_signed() {
        assert!(close(view_step_s(0, 16_000_000), 0.016));
        assert!(close(view_step_s(16_000_000, 0), -0.016));
        assert_eq!(view_step_s(0, 3_600_000_000_000), MAX_STEP_S);
        assert_eq!(view_step_s(i64::MAX, i64::MIN), -MAX_STEP_S);
    }

    #[test]
    fn visibility_thresholds_are_strict_and_rest_without_data() {
        let when = |threshold| VisibleWhen {
            signal: SignalId::new("s"),
            threshold,
        };
        let stopped = when(Threshold::Below(0.05));
        assert_eq!(stopped.visible(Some(0.0)), Some(true));
        assert_eq!(stopped.visible(Some(0.05)), Some(false));
        assert_eq!(stopped.visible(None), None);
        assert_eq!(stopped.visible(Some(f64::NAN)), None);
        let running = when(Threshold::Above(0.5));
        assert_eq!(running.visible(Some(1.0)), Some(true));
        assert_eq!(running.visible(Some(0.5)), Some(false));
        assert_eq!(Axis::parse("y").map(Axis::index), Some(1));
        assert_eq!(Axis::parse("Y"), None);
    }
}
