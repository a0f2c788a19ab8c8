//! Builders for each kind of plant equipment, in the asset's local frame (origin on the floor
//! unless noted, +Y up, metres). The demo layout and the synthetic grid both use them, so a
//! pump looks the same wherever it appears.

use super::model::{Asset, Mat, Part};

/// Outer radius of process pipe (DN150: 168 mm OD).
pub(super) const PIPE_R: f32 = 0.085;
/// Height of a pump's shaft axis, suction nozzle and motor axis above the floor.
pub(super) const PUMP_AXIS_Y: f32 = 0.6;
/// Distance from the pump casing centre to its suction flange face (along -X).
pub(super) const PUMP_SUCTION_X: f32 = -0.55;
/// Height of the pump's discharge flange face (on top of the casing).
pub(super) const PUMP_DISCHARGE_Y: f32 = 1.09;
/// Offset from the pump origin to its motor's origin along the shaft (+X).
pub(super) const MOTOR_OFFSET_X: f32 = 1.35;
/// Height of the tank plinth on which the shell stands.
pub(super) const PLINTH_H: f32 = 0.3;
/// Height of the tank roof dome above the shell top.
pub(super) const ROOF_RISE: f32 = 0.4;
/// Where a tank's level gauge sits: turned 30° from +Z towards +X, facing the default camera
/// (which looks from the front right).
const GAUGE_YAW: f32 = std::f32::consts::FRAC_PI_6;
/// The gauge's outward direction in XZ: (sin, cos) of [`GAUGE_YAW`], written out so the
/// positions do not depend on libm.
const GAUGE_DIR: [f32; 2] = [0.5, 0.866_025_4];

/// Vertical tank on a concrete plinth with a dished roof, a roof vent and a level gauge (a
/// dark sight glass with a `level` column, full height, for the viewer to scale by the level);
/// optionally a caged-style ladder on its +Z side.
pub(super) fn tank(mut a: Asset, radius: f32, height: f32, ladder: bool) -> Asset {
    let top = PLINTH_H + height;
    let out = |d: f32, y: f32| [d * GAUGE_DIR[0], y, d * GAUGE_DIR[1]];
    let (glass_h, level_h) = (height - 0.3, height - 0.4);
    a.parts.extend([
        Part::column(
            "plinth",
            Mat::Plinth,
            [0.0, 0.0, 0.0],
            radius + 0.2,
            PLINTH_H,
        ),
        Part::column("shell", Mat::Tank, [0.0, PLINTH_H, 0.0], radius, height),
        Part::ball(
            "roof",
            Mat::Tank,
            [0.0, top, 0.0],
            [2.0 * radius + 0.04, 2.0 * ROOF_RISE, 2.0 * radius + 0.04],
        ),
        Part::column(
            "vent",
            Mat::Steel,
            [-0.45 * radius, top + 0.3, 0.0],
            0.09,
            0.35,
        ),
        Part::ball(
            "vent_cap",
            Mat::Steel,
            [-0.45 * radius, top + 0.65, 0.0],
            [0.3, 0.14, 0.3],
        ),
        Part::cuboid(
            "gauge",
            Mat::Glass,
            out(radius + 0.1, PLINTH_H + 0.5 * height),
            [0.34, glass_h, 0.08],
        )
        .yawed(GAUGE_YAW)
        .keeping_material(),
        Part::cuboid(
            "level",
            Mat::Liquid,
            out(radius + 0.14, PLINTH_H + 0.2 + 0.5 * level_h),
            [0.2, level_h, 0.04],
        )
        .yawed(GAUGE_YAW)
        .keeping_material(),
    ]);
    for (name, y) in [("gauge_bottom", PLINTH_H + 0.15), ("gauge_top", top - 0.15)] {
        a.parts.push(
            Part::cuboid(name, Mat::Steel, out(radius + 0.1, y), [0.4, 0.08, 0.14])
                .yawed(GAUGE_YAW),
        );
    }
    if ladder {
        let z = radius + 0.25;
        let rail_top = top + 1.0;
        for (name, x) in [("ladder_rail_l", -0.22), ("ladder_rail_r", 0.22)] {
            a.parts.push(Part::cuboid(
                name,
                Mat::Steel,
                [x, 0.5 * rail_top, z],
                [0.05, rail_top, 0.05],
            ));
        }
        let rungs = ((top - 0.3) / 0.35) as usize;
        for i in 0..rungs {
            let y = 0.3 + 0.35 * (i as f32 + 0.5);
            a.parts.push(Part::cuboid(
                format!("ladder_rung{:02}", i + 1),
                Mat::Steel,
                [0.0, y, z],
                [0.44, 0.03, 0.03],
            ));
        }
        for (i, y) in [1.2, top - 0.6].into_iter().enumerate() {
            let centre = [0.0, y, radius + 0.1];
            a.parts.push(Part::cuboid(
                format!("ladder_bracket{}", i + 1),
                Mat::Steel,
                centre,
                [0.5, 0.05, 0.32],
            ));
        }
    }
    a
}

/// End-suction centrifugal pump on its skid: base plate (long enough for the motor too),
/// volute casing, suction nozzle towards -X, discharge nozzle on top, bearing housing, a short
/// coupling guard and the open shaft coupling (a hub with a bolt through it, so it visibly
/// turns) towards the motor at +X.
pub(super) fn pump(a: Asset) -> Asset {
    let y = PUMP_AXIS_Y;
    let sx = PUMP_SUCTION_X;
    a.with([
        Part::cuboid(
            "baseplate",
            Mat::Steel,
            [0.65, 0.06, 0.0],
            [2.5, 0.12, 0.75],
        ),
        Part::cuboid("casing_foot", Mat::Pump, [0.0, 0.2, 0.0], [0.3, 0.16, 0.4]),
        Part::rod("casing", Mat::Pump, [-0.18, y, 0.0], [0.18, y, 0.0], 0.32),
        Part::rod(
            "suction",
            Mat::Pump,
            [-0.18, y, 0.0],
            [sx + 0.05, y, 0.0],
            0.09,
        ),
        Part::rod(
            "suction_flange",
            Mat::Pump,
            [sx + 0.05, y, 0.0],
            [sx, y, 0.0],
            0.14,
        ),
        Part::column(
            "discharge",
            Mat::Pump,
            [0.0, 0.8, 0.0],
            0.07,
            PUMP_DISCHARGE_Y - 0.05 - 0.8,
        ),
        Part::column(
            "discharge_flange",
            Mat::Pump,
            [0.0, PUMP_DISCHARGE_Y - 0.05, 0.0],
            0.12,
            0.05,
        ),
        Part::rod(
            "bearing_housing",
            Mat::Pump,
            [0.18, y, 0.0],
            [0.6, y, 0.0],
            0.11,
        ),
        Part::cuboid(
            "bearing_foot",
            Mat::Pump,
            [0.45, 0.3, 0.0],
            [0.2, 0.36, 0.3],
        ),
        Part::rod(
            "coupling_guard",
            Mat::Walkway,
            [0.6, y, 0.0],
            [0.72, y, 0.0],
            0.13,
        ),
        Part::rod("coupling", Mat::Steel, [0.72, y, 0.0], [0.85, y, 0.0], 0.09),
        Part::cuboid(
            "coupling_bolt",
            Mat::Indicator,
            [0.785, y, 0.0],
            [0.04, 0.24, 0.04],
        )
        .keeping_material(),
    ])
}

/// Foot-mounted TEFC motor on its pump's skid, shaft along -X towards the pump, fan cowl at +X
/// with the fan's two crossed blades showing at its open end (so the fan visibly turns).
pub(super) fn motor(a: Asset) -> Asset {
    let y = PUMP_AXIS_Y;
    a.with([
        Part::cuboid("feet", Mat::Motor, [-0.05, 0.235, 0.0], [0.5, 0.23, 0.46]),
        Part::rod("body", Mat::Motor, [-0.4, y, 0.0], [0.3, y, 0.0], 0.25),
        Part::rod("fan_cowl", Mat::Rubber, [0.3, y, 0.0], [0.5, y, 0.0], 0.235),
        Part::rod("shaft", Mat::Steel, [-0.5, y, 0.0], [-0.4, y, 0.0], 0.04),
        Part::cuboid(
            "terminal_box",
            Mat::Motor,
            [-0.05, 0.9, 0.0],
            [0.22, 0.14, 0.22],
        ),
        Part::cuboid(
            "fan_blade_a",
            Mat::Indicator,
            [0.515, y, 0.0],
            [0.02, 0.42, 0.07],
        )
        .keeping_material(),
        Part::cuboid(
            "fan_blade_b",
            Mat::Indicator,
            [0.515, y, 0.0],
            [0.02, 0.07, 0.42],
        )
        .keeping_material(),
    ])
}

/// Automated on/off valve; origin on the pipe axis, pipe along local X. Body with flanges,
/// stem, pneumatic actuator drum, a manual-override handwheel and on top the position
/// indicator, a flat pointer across the pipe (closed; it turns to lie along the pipe as the
/// valve opens).
pub(super) fn valve(a: Asset) -> Asset {
    a.with([
        Part::ball("body", Mat::Valve, [0.0, 0.0, 0.0], [0.42, 0.34, 0.34]),
        Part::rod(
            "flange_in",
            Mat::Valve,
            [-0.27, 0.0, 0.0],
            [-0.2, 0.0, 0.0],
            0.15,
        ),
        Part::rod(
            "flange_out",
            Mat::Valve,
            [0.2, 0.0, 0.0],
            [0.27, 0.0, 0.0],
            0.15,
        ),
        Part::column("stem", Mat::Steel, [0.0, 0.12, 0.0], 0.035, 0.24),
        Part::column("actuator", Mat::Valve, [0.0, 0.34, 0.0], 0.16, 0.2),
        Part::column("handwheel", Mat::Steel, [0.0, 0.56, 0.0], 0.14, 0.03),
        Part::cuboid(
            "pointer",
            Mat::Indicator,
            [0.0, 0.605, 0.0],
            [0.07, 0.03, 0.38],
        )
        .keeping_material(),
    ])
}

/// How a pipe route ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum End {
    /// Bolted to equipment: a flange ring.
    Flange,
    /// Branches off another line here: a tee drawn as a ball.
    Tee,
    /// Runs into another line's tee or a part that covers it: nothing drawn.
    Plain,
}

/// A polyline of straight pipe with elbows at its corners.
pub(super) struct Route {
    pub points: Vec<[f32; 3]>,
    pub start: End,
    pub end: End,
}

/// A pipe line in world coordinates: its routes, plus floor supports under given points
/// (each a post from the floor to the pipe's underside with a shoe across the pipe).
/// The asset is placed at the centre of its points' bounds; parts are relative to it.
pub(super) fn pipe(mut a: Asset, routes: &[Route], supports: &[([f32; 3], bool)]) -> Asset {
    let pts = routes.iter().flat_map(|r| r.points.iter());
    let (mut lo, mut hi) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
    for p in pts {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let o = [0, 1, 2].map(|k| 0.5 * (lo[k] + hi[k]));
    a.translation = o;
    let rel = |p: [f32; 3]| [p[0] - o[0], p[1] - o[1], p[2] - o[2]];
    let (mut seg, mut elbow, mut flange, mut tee) = (0, 0, 0, 0);
    for r in routes {
        let n = r.points.len();
        for (i, w) in r.points.windows(2).enumerate() {
            let (p, q) = (rel(w[0]), rel(w[1]));
            seg += 1;
            a.parts
                .push(Part::rod(format!("seg{seg}"), Mat::Pipe, p, q, PIPE_R));
            let len =
                ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2) + (q[2] - p[2]).powi(2)).sqrt();
            let dir = [0, 1, 2].map(|k| (q[k] - p[k]) / len);
            let along = |from: [f32; 3], d: f32| [0, 1, 2].map(|k| from[k] + dir[k] * d);
            let ends = [
                (i == 0, r.start, p, 1.0f32),
                (i + 2 == n, r.end, q, -1.0f32),
            ];
            for (is_end, kind, at, sign) in ends {
                if !is_end {
                    continue;
                }
                match kind {
                    End::Flange => {
                        flange += 1;
                        let name = format!("flange{flange}");
                        a.parts.push(Part::rod(
                            name,
                            Mat::Pipe,
                            at,
                            along(at, sign * 0.06),
                            PIPE_R + 0.055,
                        ));
                    }
                    End::Tee => {
                        tee += 1;
                        let d = 2.0 * PIPE_R * 1.3;
                        a.parts
                            .push(Part::ball(format!("tee{tee}"), Mat::Pipe, at, [d, d, d]));
                    }
                    End::Plain => {}
                }
            }
        }
        for c in r.points.iter().skip(1).take(n.saturating_sub(2)) {
            elbow += 1;
            let d = 2.0 * PIPE_R * 1.15;
            a.parts.push(Part::ball(
                format!("elbow{elbow}"),
                Mat::Pipe,
                rel(*c),
                [d, d, d],
            ));
        }
    }
    for (i, &(at, along_x)) in supports.iter().enumerate() {
        let top = at[1] - PIPE_R;
        let base = rel([at[0], 0.0, at[2]]);
        let post_h = top - 0.05;
        let post_c = [base[0], base[1] + 0.5 * post_h, base[2]];
        a.parts.push(Part::cuboid(
            format!("support{}", i + 1),
            Mat::Steel,
            post_c,
            [0.12, post_h, 0.12],
        ));
        let shoe = [base[0], base[1] + top - 0.025, base[2]];
        // The shoe lies across the pipe.
        let size = if along_x {
            [0.14, 0.05, 0.4]
        } else {
            [0.4, 0.05, 0.14]
        };
        a.parts.push(Part::cuboid(
            format!("support{}_shoe", i + 1),
            Mat::Steel,
            shoe,
            size,
        ));
    }
    a
}
