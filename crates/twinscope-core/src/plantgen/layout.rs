//! The demo plant's layout: a 40 m x 26 m hall (X from -20 to 20, Z from -13 to 13, floor
//! top at y = 0). Process area at the back (-Z): feed tank TK-101, transfer pumps
//! P-101/P-102, product tank TK-102, product pump P-103. Main walkway WW-01 along X at z = 0.
//! Packing line at the front (+Z): conveyor CV-201 into packing station PK-201, fed by line
//! L-109 crossing over the walkway on a pipe bridge; operator station OS-301 beside WW-02.

use std::f32::consts::FRAC_PI_2;

use super::equipment::{
    End, MOTOR_OFFSET_X, PLINTH_H, PUMP_AXIS_Y as AXIS, PUMP_DISCHARGE_Y as DIS_Y, PUMP_SUCTION_X,
    ROOF_RISE, Route, motor, pipe, pump, tank, valve,
};
use super::model::{Asset, Mat, Part, Plant};
use super::packing::{CV201, conveyor, operator_station, packing_station};

/// Name of the root node; the app looks for the assets under it.
pub(super) const ROOT_NAME: &str = "demo_plant";

const TK101: [f32; 3] = [-14.5, 0.0, -7.0];
const TK101_R: f32 = 1.5;
const TK102: [f32; 3] = [-2.5, 0.0, -7.0];
const TK102_R: f32 = 1.7;
const TANK_H: f32 = 5.0;
const P101: [f32; 3] = [-9.0, 0.0, -9.0];
const P102: [f32; 3] = [-9.0, 0.0, -5.0];
const P103: [f32; 3] = [1.6, 0.0, -7.0];
/// Suction header runs along Z at this x.
const HEADER_X: f32 = -11.0;
/// Transfer (discharge) header height.
const TRANSFER_Y: f32 = 2.4;
/// Height of L-109's bridge over the walkway.
const BRIDGE_Y: f32 = 3.4;

/// Tags and kinds of the demo plant's assets, in file order (the tests hold the builder to it).
pub(super) const TAGS: [(&str, &str); 26] = [
    ("FLOOR-01", "floor"),
    ("WW-01", "walkway"),
    ("WW-02", "walkway"),
    ("TK-101", "tank"),
    ("TK-102", "tank"),
    ("P-101", "pump"),
    ("M-101", "motor"),
    ("P-102", "pump"),
    ("M-102", "motor"),
    ("P-103", "pump"),
    ("M-103", "motor"),
    ("XV-101", "valve"),
    ("XV-102", "valve"),
    ("XV-103", "valve"),
    ("L-101", "pipe"),
    ("L-102", "pipe"),
    ("L-103", "pipe"),
    ("L-104", "pipe"),
    ("L-105", "pipe"),
    ("L-106", "pipe"),
    ("L-107", "pipe"),
    ("L-108", "pipe"),
    ("L-109", "pipe"),
    ("CV-201", "conveyor"),
    ("PK-201", "station"),
    ("OS-301", "station"),
];

fn add(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// A demo asset whose kind comes from [`TAGS`].
pub(super) fn asset(tag: &str, description: &str, at: [f32; 3], yaw: f32) -> Asset {
    let kind = TAGS
        .iter()
        .find(|(t, _)| *t == tag)
        .map_or("unknown", |(_, k)| k);
    Asset::new(tag, kind, description, at, yaw)
}

fn route(points: &[[f32; 3]], start: End, end: End) -> Route {
    Route {
        points: points.to_vec(),
        start,
        end,
    }
}

/// The whole demo plant.
pub(super) fn demo_plant() -> Plant {
    let mut assets = vec![
        asset(
            "FLOOR-01",
            "Process hall floor slab, 40 m x 26 m",
            [0.0; 3],
            0.0,
        )
        .with([Part::cuboid(
            "slab",
            Mat::Concrete,
            [0.0, -0.15, 0.0],
            [40.0, 0.3, 26.0],
        )]),
        asset(
            "WW-01",
            "Main walkway between process area and packing line",
            [0.0; 3],
            0.0,
        )
        .with([Part::cuboid(
            "paint",
            Mat::Walkway,
            [0.0, 0.005, 0.0],
            [39.0, 0.01, 1.2],
        )]),
        asset(
            "WW-02",
            "Walkway past the operator station",
            [-6.0, 0.0, 6.55],
            0.0,
        )
        .with([Part::cuboid(
            "paint",
            Mat::Walkway,
            [0.0, 0.005, 0.0],
            [1.2, 0.01, 11.9],
        )]),
        tank(
            asset("TK-101", "Raw feed tank, 30 m3", TK101, 0.0),
            TK101_R,
            TANK_H,
            true,
        ),
        tank(
            asset("TK-102", "Product tank, 40 m3", TK102, 0.0),
            TK102_R,
            TANK_H,
            true,
        ),
    ];
    let pumps = [
        (
            "P-101",
            "Transfer pump 1, TK-101 to TK-102",
            "M-101",
            "Drive motor of P-101, 15 kW",
            P101,
        ),
        (
            "P-102",
            "Transfer pump 2, TK-101 to TK-102",
            "M-102",
            "Drive motor of P-102, 15 kW",
            P102,
        ),
        (
            "P-103",
            "Product pump, TK-102 to packing line",
            "M-103",
            "Drive motor of P-103, 11 kW",
            P103,
        ),
    ];
    for (p, pd, m, md, at) in pumps {
        assets.push(pump(asset(p, pd, at, 0.0)));
        assets.push(motor(asset(
            m,
            md,
            add(at, [MOTOR_OFFSET_X, 0.0, 0.0]),
            0.0,
        )));
    }
    assets.extend([
        valve(asset(
            "XV-101",
            "Feed inlet valve to TK-101",
            [-18.6, 1.0, -7.0],
            0.0,
        )),
        valve(asset(
            "XV-102",
            "Transfer valve into TK-102",
            [-6.3, TRANSFER_Y, -7.0],
            0.0,
        )),
        valve(asset(
            "XV-103",
            "Product valve to packing line",
            [P103[0], BRIDGE_Y, -4.0],
            FRAC_PI_2,
        )),
    ]);
    assets.extend(pipes());
    assets.extend([conveyor(), packing_station(), operator_station()]);
    Plant {
        root: ROOT_NAME,
        assets,
    }
}

/// Suction flange face of a pump at `at`.
fn suction(at: [f32; 3]) -> [f32; 3] {
    [at[0] + PUMP_SUCTION_X, AXIS, at[2]]
}

/// Discharge flange face of a pump at `at`.
fn discharge(at: [f32; 3]) -> [f32; 3] {
    [at[0], DIS_Y, at[2]]
}

/// Lines L-101 to L-109.
fn pipes() -> Vec<Asset> {
    use End::{Flange, Plain, Tee};
    let z = TK101[2];
    let tk101_top = PLINTH_H + TANK_H + ROOF_RISE;
    let tk101_out = [TK101[0] + TK101_R, AXIS, z];
    let tee_in = [HEADER_X, AXIS, z];
    let tee_out = [P101[0], TRANSFER_Y, z];
    let tk102_in = [TK102[0] - TK102_R, TRANSFER_Y, z];
    let tk102_out = [TK102[0] + TK102_R, AXIS, z];
    let filler = [P103[0], 1.7, CV201[2]];
    let l101 = [
        [-19.7, 1.0, z],
        [-17.5, 1.0, z],
        [-17.5, 6.3, z],
        [TK101[0], 6.3, z],
        [TK101[0], tk101_top, z],
    ];
    vec![
        pipe(
            asset("L-101", "Feed line into TK-101 via XV-101", [0.0; 3], 0.0),
            &[route(&l101, Flange, Flange)],
            &[([-19.2, 1.0, z], true), ([-17.5, 1.0, z], true)],
        ),
        pipe(
            asset("L-102", "TK-101 outlet to suction header", [0.0; 3], 0.0),
            &[route(&[tk101_out, tee_in], Flange, Tee)],
            &[([-12.0, AXIS, z], true)],
        ),
        pipe(
            asset("L-103", "Suction header to P-101", [0.0; 3], 0.0),
            &[route(
                &[tee_in, [HEADER_X, AXIS, P101[2]], suction(P101)],
                Plain,
                Flange,
            )],
            &[([HEADER_X, AXIS, P101[2]], false)],
        ),
        pipe(
            asset("L-104", "Suction header to P-102", [0.0; 3], 0.0),
            &[route(
                &[tee_in, [HEADER_X, AXIS, P102[2]], suction(P102)],
                Plain,
                Flange,
            )],
            &[([HEADER_X, AXIS, P102[2]], false)],
        ),
        pipe(
            asset("L-105", "P-101 discharge to transfer header", [0.0; 3], 0.0),
            &[route(
                &[discharge(P101), [P101[0], TRANSFER_Y, P101[2]], tee_out],
                Flange,
                Plain,
            )],
            &[],
        ),
        pipe(
            asset("L-106", "P-102 discharge to transfer header", [0.0; 3], 0.0),
            &[route(
                &[discharge(P102), [P102[0], TRANSFER_Y, P102[2]], tee_out],
                Flange,
                Plain,
            )],
            &[],
        ),
        pipe(
            asset(
                "L-107",
                "Transfer header into TK-102 via XV-102",
                [0.0; 3],
                0.0,
            ),
            &[route(&[tee_out, tk102_in], Tee, Flange)],
            &[([-5.2, TRANSFER_Y, z], true)],
        ),
        pipe(
            asset("L-108", "TK-102 outlet to P-103 suction", [0.0; 3], 0.0),
            &[route(&[tk102_out, suction(P103)], Flange, Flange)],
            &[([0.15, AXIS, z], true)],
        ),
        pipe(
            asset(
                "L-109",
                "P-103 discharge to packing line filler via XV-103",
                [0.0; 3],
                0.0,
            ),
            &[route(
                &[
                    discharge(P103),
                    [P103[0], BRIDGE_Y, z],
                    [P103[0], BRIDGE_Y, CV201[2]],
                    filler,
                ],
                Flange,
                Flange,
            )],
            &[
                ([P103[0], BRIDGE_Y, -2.4], false),
                ([P103[0], BRIDGE_Y, 2.6], false),
            ],
        ),
    ]
}
