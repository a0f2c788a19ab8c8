//! The demo plant's packing line and operator station: conveyor CV-201 (fed by line L-109's
//! filler near its tail end) running along X into packing station PK-201, and the operator
//! desk OS-301 beside walkway WW-02.

use super::layout::asset;
use super::model::{Asset, Mat, Part};

/// Conveyor origin: centre of its footprint on the floor; it runs along X.
pub(super) const CV201: [f32; 3] = [7.0, 0.0, 6.0];
const CV_LEN: f32 = 12.0;
const BELT_TOP: f32 = 0.9;
const PK201: [f32; 3] = [15.2, 0.0, 6.0];
const OS301: [f32; 3] = [-8.0, 0.0, 6.0];

/// CV-201: 12 m belt conveyor along X, belt top at 0.9 m, ending at PK-201's infeed, with
/// three cartons on the belt and a beacon at the tail end.
pub(super) fn conveyor() -> Asset {
    let half = 0.5 * CV_LEN;
    let mut a = asset(
        "CV-201",
        "Belt conveyor, filler to packing station, 12 m",
        CV201,
        0.0,
    );
    let drum_r = 0.1;
    let drum_y = BELT_TOP - drum_r;
    for (name, z) in [("rail_l", -0.46), ("rail_r", 0.46)] {
        a.parts.push(Part::cuboid(
            name,
            Mat::Conveyor,
            [0.0, 0.78, z],
            [CV_LEN, 0.18, 0.08],
        ));
    }
    a.parts.push(Part::cuboid(
        "belt",
        Mat::Belt,
        [0.0, BELT_TOP - 0.015, 0.0],
        [CV_LEN - 0.1, 0.03, 0.8],
    ));
    a.parts.push(Part::cuboid(
        "belt_return",
        Mat::Belt,
        [0.0, 0.71, 0.0],
        [CV_LEN - 0.1, 0.02, 0.8],
    ));
    for (name, x) in [("drum_tail", -half + 0.05), ("drum_head", half - 0.05)] {
        a.parts.push(Part::rod(
            name,
            Mat::Steel,
            [x, drum_y, -0.42],
            [x, drum_y, 0.42],
            drum_r,
        ));
    }
    for i in 0..7 {
        let x = -4.5 + 1.5 * i as f32;
        let name = format!("roller{}", i + 1);
        a.parts.push(Part::rod(
            name,
            Mat::Steel,
            [x, BELT_TOP - 0.09, -0.42],
            [x, BELT_TOP - 0.09, 0.42],
            0.06,
        ));
    }
    for (i, x) in [-5.6f32, -2.8, 0.0, 2.8, 5.6].into_iter().enumerate() {
        for (side, z) in [("l", -0.46), ("r", 0.46)] {
            let name = format!("leg{}{side}", i + 1);
            a.parts.push(Part::cuboid(
                name,
                Mat::Conveyor,
                [x, 0.35, z],
                [0.08, 0.7, 0.08],
            ));
        }
        a.parts.push(Part::cuboid(
            format!("brace{}", i + 1),
            Mat::Conveyor,
            [x, 0.3, 0.0],
            [0.06, 0.06, 0.92],
        ));
    }
    let drive_x = half - 0.05;
    a.parts.push(Part::rod(
        "drive",
        Mat::Motor,
        [drive_x, drum_y, -0.5],
        [drive_x, drum_y, -0.85],
        0.13,
    ));
    for (i, x) in [-3.0f32, -0.5, 2.5].into_iter().enumerate() {
        let name = format!("carton{}", i + 1);
        a.parts.push(
            Part::cuboid(
                name,
                Mat::Packing,
                [x, BELT_TOP + 0.175, 0.0],
                [0.4, 0.35, 0.35],
            )
            .keeping_material(),
        );
    }
    // A warning beacon at the tail end, lit while the belt stands (the scene binds it).
    let (beacon_x, beacon_z) = (-half + 0.7, 0.55);
    a.parts.push(Part::column(
        "beacon_post",
        Mat::Steel,
        [beacon_x, 0.87, beacon_z],
        0.025,
        0.6,
    ));
    a.parts.push(
        Part::ball(
            "beacon",
            Mat::Beacon,
            [beacon_x, 1.57, beacon_z],
            [0.18, 0.2, 0.18],
        )
        .keeping_material(),
    );
    a
}

/// PK-201: case packer enclosure with infeed hood over the conveyor's head end, front
/// window, control panel, stack light, and a pallet of packed cases at its outfeed.
pub(super) fn packing_station() -> Asset {
    let mut a = asset("PK-201", "Case packing station", PK201, 0.0);
    // Conveyor head end is at world x = 13.0, the enclosure starts at 13.2.
    a.parts.extend([
        Part::cuboid("skid", Mat::Steel, [0.0, 0.05, 0.0], [4.1, 0.1, 3.1]),
        Part::cuboid("enclosure", Mat::Packing, [0.0, 1.25, 0.0], [4.0, 2.3, 3.0]),
        Part::cuboid(
            "roof_trim",
            Mat::Conveyor,
            [0.0, 2.43, 0.0],
            [4.1, 0.06, 3.1],
        ),
        Part::cuboid(
            "infeed_hood",
            Mat::Packing,
            [-2.4, 1.45, 0.0],
            [0.8, 0.1, 1.2],
        ),
        Part::cuboid(
            "infeed_side_l",
            Mat::Packing,
            [-2.4, 1.17, -0.56],
            [0.8, 0.46, 0.06],
        ),
        Part::cuboid(
            "infeed_side_r",
            Mat::Packing,
            [-2.4, 1.17, 0.56],
            [0.8, 0.46, 0.06],
        ),
        Part::cuboid("window", Mat::Screen, [0.2, 1.5, 1.51], [2.2, 0.9, 0.02]),
        Part::cuboid(
            "control_panel",
            Mat::Operator,
            [-1.5, 1.3, 1.6],
            [0.5, 0.7, 0.2],
        ),
        Part::cuboid("hmi", Mat::Screen, [-1.5, 1.4, 1.705], [0.34, 0.26, 0.01]),
        Part::column("stack_light", Mat::Valve, [1.8, 2.46, -1.3], 0.06, 0.4),
        Part::cuboid("pallet", Mat::Conveyor, [3.1, 0.075, 0.0], [1.2, 0.15, 1.0]),
        Part::cuboid("cases", Mat::Packing, [3.1, 0.55, 0.0], [1.1, 0.8, 0.9]),
    ]);
    a
}

/// OS-301: desk with three monitors and a chair; the operator faces -X, screens face +X
/// (towards WW-02 and the camera's usual side).
pub(super) fn operator_station() -> Asset {
    let mut a = asset("OS-301", "Operator station", OS301, 0.0);
    a.parts.extend([
        Part::cuboid(
            "desk_top",
            Mat::Operator,
            [0.0, 0.74, 0.0],
            [0.8, 0.04, 2.0],
        ),
        Part::cuboid(
            "desk_side_l",
            Mat::Operator,
            [0.0, 0.36, -0.96],
            [0.75, 0.72, 0.06],
        ),
        Part::cuboid(
            "desk_side_r",
            Mat::Operator,
            [0.0, 0.36, 0.96],
            [0.75, 0.72, 0.06],
        ),
        Part::cuboid(
            "desk_back",
            Mat::Operator,
            [-0.35, 0.45, 0.0],
            [0.04, 0.5, 1.86],
        ),
        Part::cuboid("keyboard", Mat::Rubber, [0.2, 0.77, 0.0], [0.18, 0.02, 0.5]),
        Part::cuboid("console", Mat::Operator, [0.05, 0.8, 0.6], [0.3, 0.08, 0.4]),
        Part::column("chair_base", Mat::Rubber, [0.75, 0.0, 0.0], 0.3, 0.05),
        Part::column("chair_post", Mat::Steel, [0.75, 0.05, 0.0], 0.03, 0.4),
        Part::cuboid(
            "chair_seat",
            Mat::Operator,
            [0.75, 0.49, 0.0],
            [0.5, 0.08, 0.5],
        ),
        Part::cuboid(
            "chair_back",
            Mat::Operator,
            [1.0, 0.82, 0.0],
            [0.06, 0.6, 0.46],
        ),
    ]);
    for (i, z) in [-0.65f32, 0.0, 0.65].into_iter().enumerate() {
        let n = i + 1;
        a.parts.extend([
            Part::column(
                format!("monitor{n}_stand"),
                Mat::Steel,
                [-0.2, 0.76, z],
                0.03,
                0.22,
            ),
            Part::cuboid(
                format!("monitor{n}"),
                Mat::Operator,
                [-0.2, 1.17, z],
                [0.05, 0.4, 0.62],
            ),
            Part::cuboid(
                format!("monitor{n}_screen"),
                Mat::Screen,
                [-0.17, 1.17, z],
                [0.01, 0.36, 0.58],
            ),
        ]);
    }
    a
}
