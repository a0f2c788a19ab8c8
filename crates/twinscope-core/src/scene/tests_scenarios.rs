//! Scenario and collider parsing: every field read with its defaults, every kind of mistake at
//! its own file:line:col and key path, scenario files located in their own file.

use super::*;
use crate::scenario::{
    ColliderKind, DriverSpec, EventAction, InputSource, Placement, Quantity, Region, ShapeSpec,
};

const HEAD: &str = "[scene]\nname = \"n\"\nmodel = \"m.glb\"\n\
[[signals]]\nid = \"CV.speed\"\nrange = [0, 2]\nperiod = 1\n";

/// A scenario using every kind of table; the cases below break one value at a time.
const SCENARIO: &str = r#"
[[scenarios]]
name = "jam"
description = "  Cartons pile up.  "
duration = "20s"
[scenarios.inputs]
belt = { signal = "CV.speed", default = 0.4 }
mass = 800
[[scenarios.bodies]]
name = "carton"
shape = "box"
size = [0.4, 0.3, 0.3]
mass = 6
node = "CV"
offset = [0, 1, 0]
count = 3
every = "1s"
friction = 0.8
[[scenarios.bodies]]
name = "load"
shape = "drum"
mass = { input = "mass", scale = 0.5 }
at = [0, 4, 0]
velocity = [{ input = "belt" }, 0, 0]
[[scenarios.conveyors]]
node = "CV"
speed = { input = "belt" }
direction = [2, 0, 0]
[[scenarios.paths]]
body = "load"
points = [[0, 4, 0], [2, 4, 0]]
speed = 0.5
[[scenarios.events]]
at = "5s"
stop = "CV"
[[scenarios.events]]
at = "8s"
release = "load"
[[scenarios.zones]]
name = "walkway"
kind = "walkway"
node = "WW"
[scenarios.line]
min = [-1, 0, -1]
max = [1, 2, 1]
[[colliders]]
node = "WW"
kind = "none"
"#;

fn parse(text: &str) -> Result<Scene, SceneError> {
    Scene::parse(&format!("{HEAD}{text}"), Path::new("s.toml"))
}

#[test]
fn every_field_is_read_with_its_defaults() {
    let scene = parse(SCENARIO).unwrap();
    let s = &scene.scenarios[0];
    assert_eq!(
        (s.name.as_str(), s.description.as_str()),
        ("jam", "Cartons pile up.")
    );
    assert_eq!(
        (s.seed, s.duration_s, s.steps_per_second, s.snapshot_every),
        (0, 20.0, 60, 30)
    );
    assert_eq!(s.file, Path::new("s.toml"));
    let (line, column) = super::tests::position(&format!("{HEAD}{SCENARIO}"), "\"jam\"", 0);
    assert_eq!((s.location.line, s.location.column), (line, column));
    assert_eq!(s.inputs[0].name, "belt");
    assert_eq!(
        s.inputs[0].source,
        InputSource::Signal {
            signal: crate::signal::SignalId::new("CV.speed"),
            scale: 1.0,
            default: Some(0.4)
        }
    );
    assert_eq!(s.inputs[1].source, InputSource::Value(800.0));
    let carton = &s.bodies[0];
    assert_eq!(
        carton.shape,
        ShapeSpec::Box {
            size: [0.4, 0.3, 0.3]
        }
    );
    assert_eq!(
        (carton.count, carton.every_s, carton.start_s),
        (3, Some(1.0), 0.0)
    );
    assert_eq!(
        (carton.friction, carton.restitution, carton.jitter_m),
        (0.8, 0.1, 0.0)
    );
    assert_eq!(
        carton.placement,
        Placement::Node {
            node: "CV".into(),
            offset: [0.0, 1.0, 0.0]
        }
    );
    let load = &s.bodies[1];
    assert_eq!(
        load.shape,
        ShapeSpec::Cylinder {
            radius: 0.29,
            height: 0.88
        }
    );
    assert_eq!(
        load.mass,
        Quantity::Input {
            name: "mass".into(),
            scale: 0.5
        }
    );
    assert_eq!(load.placement, Placement::At([0.0, 4.0, 0.0]));
    assert_eq!(
        load.velocity[0],
        Quantity::Input {
            name: "belt".into(),
            scale: 1.0
        }
    );
    assert_eq!(load.velocity[1], Quantity::Value(0.0));
    let DriverSpec::Conveyor { direction, .. } = &s.drivers[0] else {
        panic!("conveyor")
    };
    assert_eq!(*direction, [1.0, 0.0, 0.0], "normalised");
    let DriverSpec::Path { points, repeat, .. } = &s.drivers[1] else {
        panic!("path")
    };
    assert_eq!((points.len(), *repeat), (2, false));
    assert_eq!(
        s.events[0].action,
        EventAction::Stop {
            target: "CV".into()
        }
    );
    assert_eq!(s.events[1].at_s, 8.0);
    assert_eq!(
        s.zones[0].region,
        Region::Node {
            node: "WW".into(),
            margin: 0.0,
            height: 2.0
        }
    );
    assert_eq!(
        s.line,
        Some(Region::Box {
            min: [-1.0, 0.0, -1.0],
            max: [1.0, 2.0, 1.0]
        })
    );
    assert_eq!(scene.colliders[0].kind, ColliderKind::None);
    assert_eq!(scene.scenario("jam").map(|s| s.bodies.len()), Some(2));
}

#[test]
fn pallets_spheres_blocks_and_set_speed_are_read() {
    let text = r#"
[[scenarios]]
name = "s"
duration = 3
seed = 9
steps_per_second = 120
[[scenarios.bodies]]
name = "p"
shape = "pallet"
mass = 20
at = [0, 1, 0]
kinematic = true
[[scenarios.bodies]]
name = "ball"
shape = "sphere"
radius = 0.1
mass = 1
node = "X"
[[scenarios.paths]]
body = "p"
points = [[0, 1, 0], [5, 1, 0]]
speed = 1.5
repeat = true
[[scenarios.events]]
at = 1
set_speed = { target = "p", speed = 0.2 }
[[scenarios.events]]
at = "1500ms"
block = { name = "gate", node = "X", size = [1, 1, 0.1] }
"#;
    let s = &parse(text).unwrap().scenarios[0];
    assert_eq!((s.seed, s.steps_per_second, s.duration_s), (9, 120, 3.0));
    assert_eq!(
        s.bodies[0].shape,
        ShapeSpec::Box {
            size: [1.2, 0.144, 0.8]
        }
    );
    assert!(s.bodies[0].kinematic);
    assert_eq!(s.bodies[1].shape, ShapeSpec::Sphere { radius: 0.1 });
    assert_eq!(
        s.events[0].action,
        EventAction::SetSpeed {
            target: "p".into(),
            speed: Quantity::Value(0.2)
        }
    );
    let EventAction::Block(gate) = &s.events[1].action else {
        panic!("block")
    };
    assert_eq!(
        (gate.name.as_str(), gate.size, s.events[1].at_s),
        ("gate", [1.0, 1.0, 0.1], 1.5)
    );
}

/// One mistake per case: (replace this, with this, expected key path, needle at the error,
/// which occurrence of the needle).
const MISTAKES: &[(&str, &str, &str, &str, usize)] = &[
    (
        "size = [0.4, 0.3, 0.3]",
        "size = [0.4, 0, 0.3]",
        "bodies[0].size",
        "[0.4, 0, 0.3]",
        0,
    ),
    (
        "size = [0.4, 0.3, 0.3]",
        "size = [0.4, 0.3]",
        "bodies[0].size",
        "[0.4, 0.3]",
        0,
    ),
    ("mass = 6", "mass = -6", "bodies[0].mass", "-6", 0),
    (
        "\"mass\", scale",
        "\"mas\", scale",
        "bodies[1].mass.input",
        "\"mas\"",
        0,
    ),
    (
        "{ input = \"belt\" }\ndirection",
        "{ input = \"bolt\" }\ndirection",
        "conveyors[0].speed.input",
        "\"bolt\"",
        0,
    ),
    (
        "duration = \"20s\"",
        "duration = \"0s\"",
        "duration",
        "\"0s\"",
        0,
    ),
    (
        "duration = \"20s\"",
        "duration = \"20 parsecs\"",
        "duration",
        "\"20 parsecs\"",
        0,
    ),
    (
        "points = [[0, 4, 0], [2, 4, 0]]",
        "points = [[0, 4, 0]]",
        "paths[0].points",
        "[[0, 4, 0]]",
        0,
    ),
    (
        "body = \"load\"",
        "body = \"lod\"",
        "paths[0].body",
        "\"lod\"",
        0,
    ),
    (
        "body = \"load\"",
        "body = \"carton\"",
        "paths[0].body",
        "\"carton\"",
        1,
    ),
    (
        "stop = \"CV\"",
        "stop = \"CX\"",
        "events[0].stop",
        "\"CX\"",
        0,
    ),
    (
        "release = \"load\"",
        "release = \"carton\"",
        "events[1].release",
        "\"carton\"",
        1,
    ),
    ("at = \"8s\"", "at = \"30s\"", "events[1].at", "\"30s\"", 0),
    (
        "at = \"8s\"\nrelease = \"load\"",
        "at = \"8s\"",
        "events[1]",
        "\"8s\"",
        0,
    ),
    ("count = 3", "cuont = 3", "bodies[0].cuont", "cuont", 0),
    ("count = 3", "count = 0", "bodies[0].count", "0\nevery", 0),
    (
        "every = \"1s\"",
        "every = \"0s\"",
        "bodies[0].every",
        "\"0s\"",
        0,
    ),
    (
        "friction = 0.8",
        "friction = -0.1",
        "bodies[0].friction",
        "-0.1",
        0,
    ),
    (
        "name = \"load\"",
        "name = \"carton\"",
        "bodies[1].name",
        "\"carton\"",
        1,
    ),
    (
        "shape = \"drum\"",
        "shape = \"barrel\"",
        "bodies[1].shape",
        "\"barrel\"",
        0,
    ),
    (
        "shape = \"box\"",
        "shape = \"sphere\"",
        "bodies[0].size",
        "[0.4, 0.3, 0.3]",
        0,
    ),
    ("at = [0, 4, 0]\n", "", "bodies[1]", "\"load\"", 0),
    (
        "at = [0, 4, 0]\n",
        "at = [0, 4, 0]\nnode = \"CV\"\n",
        "bodies[1].node",
        "\"CV\"\n",
        1,
    ),
    (
        "node = \"WW\"\n[scenarios.line]",
        "margin = 1\n[scenarios.line]",
        "zones[0]",
        "\"walkway\"",
        0,
    ),
    (
        "max = [1, 2, 1]",
        "max = [1, -2, 1]",
        "line.max",
        "[1, -2, 1]",
        0,
    ),
    (
        "direction = [2, 0, 0]",
        "direction = [0, 0, 0]",
        "conveyors[0].direction",
        "[0, 0, 0]",
        0,
    ),
    // A name given twice in one table is a TOML error, located but outside any key.
    ("mass = 800", "mass = 800\nbelt = 1", "", "belt", 1),
    (
        "default = 0.4 }",
        "defualt = 0.4 }",
        "inputs.belt.defualt",
        "defualt",
        0,
    ),
];

#[test]
fn each_mistake_is_reported_at_its_value_with_its_key_path() {
    let full = format!("{HEAD}{SCENARIO}");
    for (from, to, key, needle, nth) in MISTAKES {
        assert!(
            SCENARIO.contains(from),
            "case `{to}`: `{from}` is not in the scenario"
        );
        let text = SCENARIO.replacen(from, to, 1);
        let (line, column) = super::tests::position(&format!("{HEAD}{text}"), needle, *nth);
        let key = if key.is_empty() {
            String::new()
        } else {
            format!("scenarios[0].{key}")
        };
        match parse(&text) {
            Err(SceneError::Invalid {
                location,
                key: got,
                message,
            }) => {
                assert_eq!(
                    (location.to_string(), got.as_str()),
                    (format!("s.toml:{line}:{column}"), key.as_str()),
                    "case `{to}`: {message}"
                );
            }
            other => panic!("case `{to}`: expected an error, got {other:?}"),
        }
    }
    assert!(parse(&full[HEAD.len()..]).is_ok());
}

#[test]
fn scene_level_mistakes_are_located() {
    let two = format!("{SCENARIO}\n[[scenarios]]\nname = \"jam\"\nduration = 1\n");
    let cases = [
        (two.clone(), "scenarios[1].name", "\"jam\"", 1),
        (
            SCENARIO.replace("kind = \"none\"", "kind = \"mesh\""),
            "colliders[0].kind",
            "\"mesh\"",
            0,
        ),
        (
            format!("{SCENARIO}[[colliders]]\nnode = \"WW\"\nkind = \"convex\"\n"),
            "colliders[1].node",
            "\"WW\"\nkind = \"convex\"",
            0,
        ),
    ];
    for (text, key, needle, nth) in cases {
        let (line, column) = super::tests::position(&format!("{HEAD}{text}"), needle, nth);
        match parse(&text) {
            Err(SceneError::Invalid {
                location, key: got, ..
            }) => {
                assert_eq!(
                    (location.to_string(), got),
                    (format!("s.toml:{line}:{column}"), key.to_owned())
                );
            }
            other => panic!("{key}: expected an error, got {other:?}"),
        }
    }
}

#[test]
fn scenario_files_are_read_relative_to_the_scene_and_their_errors_name_them() {
    let dir = tempfile::tempdir().unwrap();
    let scene_path = dir.path().join("plant.toml");
    let header =
        "[scene]\nname = \"n\"\nmodel = \"m.glb\"\nscenario_files = [\"sub/a.scenario.toml\"]\n";
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let good = "name = \"from file\"\nduration = \"2s\"\n[[bodies]]\nname = \"b\"\nshape = \"box\"\nsize = [1, 1, 1]\nmass = 1\nat = [0, 1, 0]\n";
    let file = dir.path().join("sub/a.scenario.toml");
    std::fs::write(&file, good).unwrap();
    let scene = Scene::parse(header, &scene_path).unwrap();
    assert_eq!(scene.scenarios[0].name, "from file");
    assert_eq!(scene.scenarios[0].file, file);
    assert_eq!(scene.scenarios[0].location, Location::new(&file, 1, 8));

    // A mistake in the file is located in the file, with a key path from its top level.
    std::fs::write(&file, good.replace("mass = 1", "mass = 0")).unwrap();
    match Scene::parse(header, &scene_path) {
        Err(SceneError::Invalid { location, key, .. }) => {
            assert_eq!(
                (location, key.as_str()),
                (Location::new(&file, 7, 8), "bodies[0].mass")
            );
        }
        other => panic!("expected an error in the scenario file, got {other:?}"),
    }
    std::fs::write(&file, "name = \"x\"\nduration = 1\nbogus = 2\n").unwrap();
    match Scene::parse(header, &scene_path) {
        Err(SceneError::Invalid { location, key, .. }) => {
            assert_eq!(
                (location, key.as_str()),
                (Location::new(&file, 3, 1), "bogus")
            );
        }
        other => panic!("expected an unknown-key error, got {other:?}"),
    }
    // A missing file is reported where the scene lists it.
    std::fs::remove_file(&file).unwrap();
    match Scene::parse(header, &scene_path) {
        Err(SceneError::Invalid {
            location, message, ..
        }) => {
            assert_eq!(location, Location::new(&scene_path, 4, 19));
            assert!(message.contains("a.scenario.toml"), "{message}");
        }
        other => panic!("expected a missing-file error, got {other:?}"),
    }
}

#[test]
fn check_reports_scenario_nodes_missing_from_the_model_and_undeclared_input_signals() {
    let text = SCENARIO
        .replace(
            "node = \"WW\"\n[scenarios.line]",
            "node = \"WX\"\n[scenarios.line]",
        )
        .replace("signal = \"CV.speed\"", "signal = \"CV.sped\"");
    let scene = parse(&text).unwrap();
    let node = |name: &str| ModelNode {
        name: name.into(),
        description: None,
        kind: None,
        parent: None,
        has_mesh: true,
        is_asset: false,
    };
    let report = check_scene(&scene, &[node("CV"), node("WW")]);
    let full = format!("{HEAD}{text}");
    let at = |needle: &str| {
        let (line, column) = super::tests::position(&full, needle, 0);
        format!("s.toml:{line}:{column}")
    };
    let found: Vec<(String, String, Severity)> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.location.to_string(), d.key.clone(), d.severity))
        .collect();
    assert_eq!(
        found,
        [
            (
                at("belt = {"),
                "scenarios[\"jam\"].inputs.belt.signal".to_owned(),
                Severity::Error
            ),
            (
                at("\"walkway\""),
                "scenarios[\"jam\"].zones[0].node".to_owned(),
                Severity::Error
            ),
        ],
        "{}",
        report.render()
    );
    assert!(report.render().contains("node `WX` is not in the model"));
    // The declared signal an input reads counts as used: no "not shown" warning for it.
    let fixed = parse(SCENARIO).unwrap();
    let report = check_scene(&fixed, &[node("CV"), node("WW")]);
    assert!(!report.has_errors(), "{}", report.render());
    assert!(report.unbound_signals.is_empty(), "{}", report.render());
}
