//! A large synthetic plant for scale work: repeated bays of tank -> line (with valve) ->
//! pump + motor, laid out in a grid centred on the origin. Tags run `A-00001`, `A-00002`...
//! in file order; a partial last bay simply stops early, so there are exactly `n` assets.

use super::equipment::{
    End, MOTOR_OFFSET_X, PUMP_AXIS_Y, PUMP_SUCTION_X, Route, motor, pipe, pump, tank, valve,
};
use super::layout::ROOT_NAME;
use super::model::{Asset, Plant};

/// Assets per bay: tank, line, valve, pump, motor.
const PER_BAY: usize = 5;
/// Bay pitch along X and Z in metres (a bay is about 7.1 m x 2.4 m).
const BAY_X: f32 = 8.0;
const BAY_Z: f32 = 4.0;
const TANK_R: f32 = 1.0;
const TANK_H: f32 = 3.0;
const PUMP_X: f32 = 4.0;
const VALVE_X: f32 = 2.2;

/// `n` assets in bays of [`PER_BAY`].
pub(super) fn synthetic_plant(n: usize) -> Plant {
    let bays = n.div_ceil(PER_BAY);
    // Roughly square overall: columns x BAY_X ~ rows x BAY_Z.
    let cols = ((bays as f64 * f64::from(BAY_Z) / f64::from(BAY_X))
        .sqrt()
        .ceil() as usize)
        .max(1);
    let rows = bays.div_ceil(cols).max(1);
    let x0 = -0.5 * (cols as f32 - 1.0) * BAY_X - 0.5 * (PUMP_X + MOTOR_OFFSET_X);
    let z0 = -0.5 * (rows as f32 - 1.0) * BAY_Z;
    let mut assets = Vec::with_capacity(n);
    for bay in 0..bays {
        let o = [
            x0 + (bay % cols) as f32 * BAY_X,
            0.0,
            z0 + (bay / cols) as f32 * BAY_Z,
        ];
        let at = |dx: f32, y: f32| [o[0] + dx, y, o[2]];
        for slot in 0..PER_BAY {
            let i = bay * PER_BAY + slot;
            if i >= n {
                break;
            }
            let tag = format!("A-{:05}", i + 1);
            let num = i + 1;
            let asset = match slot {
                0 => tank(
                    Asset::new(
                        tag,
                        "tank",
                        format!("Synthetic tank #{num}"),
                        at(0.0, 0.0),
                        0.0,
                    ),
                    TANK_R,
                    TANK_H,
                    false,
                ),
                1 => {
                    let line = [
                        at(TANK_R, PUMP_AXIS_Y),
                        at(PUMP_X + PUMP_SUCTION_X, PUMP_AXIS_Y),
                    ];
                    let route = Route {
                        points: line.to_vec(),
                        start: End::Flange,
                        end: End::Flange,
                    };
                    let a =
                        Asset::new(tag, "pipe", format!("Synthetic line #{num}"), [0.0; 3], 0.0);
                    pipe(a, &[route], &[])
                }
                2 => valve(Asset::new(
                    tag,
                    "valve",
                    format!("Synthetic valve #{num}"),
                    at(VALVE_X, PUMP_AXIS_Y),
                    0.0,
                )),
                3 => pump(Asset::new(
                    tag,
                    "pump",
                    format!("Synthetic pump #{num}"),
                    at(PUMP_X, 0.0),
                    0.0,
                )),
                _ => {
                    let m = Asset::new(
                        tag,
                        "motor",
                        format!("Synthetic motor #{num}"),
                        at(PUMP_X + MOTOR_OFFSET_X, 0.0),
                        0.0,
                    );
                    motor(m)
                }
            };
            assets.push(asset);
        }
    }
    Plant {
        root: ROOT_NAME,
        assets,
    }
}
