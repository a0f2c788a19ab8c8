//! `[[motion]]` parsing (every mistake at its own file:line:col) and its model checks.

use super::*;
use crate::motion::{Axis, Movement, Threshold};
use crate::signal::SignalId;

const HEAD: &str = "[scene]\nname = \"n\"\nmodel = \"m.glb\"\n\
[[signals]]\nid = \"M.speed\"\nrange = [0, 1500]\nperiod = 1\n\
[[signals]]\nid = \"T.level\"\nrange = [0, 100]\nperiod = 1\n";

fn parse(motion: &str) -> Result<Scene, SceneError> {
    Scene::parse(&format!("{HEAD}{motion}"), Path::new("s.toml"))
}

/// 1-based (line, column) of the first `needle` in the whole text, counted independently.
fn at(motion: &str, needle: &str) -> String {
    let (line, column) = super::tests::position(&format!("{HEAD}{motion}"), needle, 0);
    format!("s.toml:{line}:{column}")
}

#[test]
fn every_kind_of_motion_is_read() {
    let text = "[[motion]]\nnode = \"M/fan\"\n\
        spin = { signal = \"M.speed\", axis = \"x\", turns_per_unit = 0.001 }\n\
        [[motion]]\nnode = \"T/level\"\nfill = { signal = \"T.level\", axis = \"y\", range = [0, 100] }\n\
        [[motion]]\nnode = \"V/pointer\"\n\
        angle = { signal = \"T.level\", axis = \"y\", range = [0, 100], degrees = [0, 90] }\n\
        [[motion]]\nnode = \"C/carton\"\n\
        travel = { signal = \"M.speed\", axis = \"z\", wrap = [-5.5, 5.5], distance_per_unit = 2 }\n\
        visible = { signal = \"M.speed\", above = 0.5 }\n\
        [[motion]]\nnode = \"C/beacon\"\nvisible = { signal = \"M.speed\", below = 0.05 }\n";
    let scene = parse(text).unwrap();
    let m = &scene.motions;
    assert_eq!(m.len(), 5);
    assert_eq!(m[0].node, "M/fan");
    assert_eq!(m[0].location.to_string(), at(text, "\"M/fan\""));
    let spin = m[0].drive.as_ref().unwrap();
    assert_eq!(
        (spin.axis, &spin.movement),
        (
            Axis::X,
            &Movement::Spin {
                turns_per_unit: 0.001
            }
        )
    );
    assert_eq!(spin.signal, SignalId::new("M.speed"));
    assert_eq!(
        m[1].drive.as_ref().unwrap().movement,
        Movement::Fill {
            range: [0.0, 100.0]
        }
    );
    assert_eq!(
        m[2].drive.as_ref().unwrap().movement,
        Movement::Angle {
            range: [0.0, 100.0],
            degrees: [0.0, 90.0]
        }
    );
    let travel = m[3].drive.as_ref().unwrap();
    assert_eq!(travel.axis, Axis::Z);
    assert_eq!(
        travel.movement,
        Movement::Travel {
            distance_per_unit: 2.0,
            wrap: Some([-5.5, 5.5])
        }
    );
    assert_eq!(
        m[3].visible.as_ref().unwrap().threshold,
        Threshold::Above(0.5)
    );
    assert!(m[4].drive.is_none());
    assert_eq!(
        m[4].visible.as_ref().unwrap().threshold,
        Threshold::Below(0.05)
    );
    let keys: Vec<String> = m[3].signals().map(|(_, _, key)| key).collect();
    assert_eq!(keys, ["travel.signal", "visible.signal"]);
    // Travel defaults to one metre per unit and no wrap.
    let plain =
        parse("[[motion]]\nnode = \"C/carton\"\ntravel = { signal = \"M.speed\", axis = \"x\" }\n")
            .unwrap();
    assert_eq!(
        plain.motions[0].drive.as_ref().unwrap().movement,
        Movement::Travel {
            distance_per_unit: 1.0,
            wrap: None
        }
    );
}

#[test]
fn motion_mistakes_point_at_their_value() {
    let spin = |rest: &str| {
        format!(
            "[[motion]]\nnode = \"M/fan\"\nspin = {{ signal = \"M.speed\", axis = \"x\", {rest} }}\n"
        )
    };
    let cases: Vec<(String, &str, &str, &str)> = vec![
        (
            "[[motion]]\nnode = \"M/fan\"\nspin = { signal = \"M.speed\", axis = \"w\", turns_per_unit = 1 }\n".into(),
            "\"w\"",
            "motion[0].spin.axis",
            "axis must be",
        ),
        (spin("turns_per_unit = 0"), "0 }", "motion[0].spin.turns_per_unit", "must not be 0"),
        (spin("turns_per_unit = nan"), "nan", "motion[0].spin.turns_per_unit", "finite"),
        (spin("turns_per_unit = 1, speed = 2"), "speed = 2", "motion[0].spin.speed", "unknown field"),
        (spin("").replace(", axis = \"x\", ", ""), "{", "motion[0].spin", "missing field"),
        (
            "[[motion]]\nnode = \"T/level\"\nfill = { signal = \"T.level\", axis = \"y\", range = [0, 50, 100] }\n".into(),
            "[0, 50",
            "motion[0].fill.range",
            "two numbers",
        ),
        (
            "[[motion]]\nnode = \"T/level\"\nfill = { signal = \"T.level\", axis = \"y\", range = [5, 5] }\n".into(),
            "[5, 5]",
            "motion[0].fill.range",
            "must differ",
        ),
        (
            "[[motion]]\nnode = \"C/c\"\ntravel = { signal = \"M.speed\", axis = \"x\", wrap = [5, -5] }\n".into(),
            "[5, -5]",
            "motion[0].travel.wrap",
            "below the end",
        ),
        (
            "[[motion]]\nnode = \"V/p\"\nangle = { signal = \"T.level\", axis = \"y\", range = [0, 100] }\n".into(),
            "{ signal",
            "motion[0].angle",
            "missing field `degrees`",
        ),
        (
            "[[motion]]\nnode = \"M/fan\"\nspin = { signal = \"M.speed\", axis = \"x\", turns_per_unit = 1 }\n\
             fill = { signal = \"T.level\", axis = \"y\", range = [0, 100] }\n".into(),
            "{ signal = \"T.level\"",
            "motion[0].fill",
            "moves one way",
        ),
        (
            "[[motion]]\nnode = \"M/fan\"\n".into(),
            "\"M/fan\"",
            "motion[0].node",
            "says nothing",
        ),
        (
            "[[motion]]\nnode = \"B\"\nvisible = { signal = \"M.speed\", above = 1, below = 2 }\n".into(),
            "2 }",
            "motion[0].visible.below",
            "not both",
        ),
        (
            "[[motion]]\nnode = \"B\"\nvisible = { signal = \"M.speed\" }\n".into(),
            "{ signal",
            "motion[0].visible",
            "above = x",
        ),
        (
            "[[motion]]\nnode = \"B\"\nvisible = { signal = \" M.speed\", above = 1 }\n".into(),
            "\" M.speed\"",
            "motion[0].visible.signal",
            "whitespace",
        ),
        (
            "[[motion]]\nnode = \"B\"\nvisible = { signal = \"M.speed\", above = 1 }\n\
             [[motion]]\nnode = \"B\"\nvisible = { signal = \"M.speed\", below = 1 }\n".into(),
            "\"B\"\nvisible = { signal = \"M.speed\", below",
            "motion[1].node",
            "already has a motion (line 13)",
        ),
        (
            "[[motion]]\nnode = \"B\"\nspinn = { signal = \"M.speed\" }\n".into(),
            "spinn",
            "motion[0].spinn",
            "unknown field",
        ),
    ];
    for (text, needle, key, fragment) in cases {
        match parse(&text) {
            Err(SceneError::Invalid {
                location,
                key: k,
                message,
            }) => {
                assert_eq!(location.to_string(), at(&text, needle), "{text}: {message}");
                assert_eq!(k, key, "{text}");
                assert!(message.contains(fragment), "{text}: {message}");
            }
            other => panic!("{text}: expected Invalid, got {other:?}"),
        }
    }
}

/// Model nodes from a list of names: tagged assets and plain (part) nodes.
fn model(assets: &[&str], parts: &[&str]) -> Vec<ModelNode> {
    let mut nodes: Vec<serde_json::Value> = assets
        .iter()
        .map(|a| serde_json::json!({"name": a, "extras": {"tag": a}}))
        .collect();
    nodes.extend(parts.iter().map(|p| serde_json::json!({"name": p})));
    let json = serde_json::json!({"asset": {"version": "2.0"}, "nodes": nodes});
    let gltf = gltf::Gltf::from_slice(json.to_string().as_bytes()).expect("test glTF parses");
    model_nodes_from_gltf(&gltf)
}

#[test]
fn check_reports_unknown_motion_nodes_and_undeclared_signals() {
    let text = "[[motion]]\nnode = \"M/fan_blade\"\n\
        spin = { signal = \"M.speed\", axis = \"x\", turns_per_unit = 1 }\n\
        [[motion]]\nnode = \"T/level\"\nfill = { signal = \"T.levl\", axis = \"y\", range = [0, 100] }\n\
        visible = { signal = \"T.level\", above = 1 }\n";
    let scene = parse(text).unwrap();
    let report = check_scene(&scene, &model(&["M", "T"], &["M/fan_blade_a", "T/level"]));
    let found: Vec<(&str, String, &str)> = report
        .diagnostics
        .iter()
        .map(|d| (d.key.as_str(), d.location.to_string(), d.message.as_str()))
        .collect();
    assert_eq!(found.len(), 2, "{}", report.render());
    assert_eq!(found[0].0, "motion[0].node");
    assert_eq!(found[0].1, at(text, "\"M/fan_blade\""));
    assert!(
        found[0].2.contains("`M/fan_blade` is not in the model")
            && found[0].2.contains("did you mean `M/fan_blade_a`?"),
        "{}",
        found[0].2
    );
    assert_eq!(found[1].0, "motion[1].fill.signal");
    assert_eq!(found[1].1, at(text, "\"T.levl\""));
    assert!(found[1].2.contains("`T.levl` is not declared"));
    assert!(report.has_errors());
    // Signals that move something count as shown: no "not shown on any asset" warnings.
    assert!(
        report.unbound_signals.is_empty(),
        "{:?}",
        report.unbound_signals
    );
}
