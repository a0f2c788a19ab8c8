//! Scene parsing and checking tests, against the real demo scene and small variations of it.

use super::*;
use crate::rules::RuleColor;

pub(super) const DEMO: &str = include_str!("../../../../scenes/demo_plant.toml");
/// Relative to the crate, where `cargo test` runs the unit tests.
const DEMO_PATH: &str = "../../scenes/demo_plant.toml";

pub(super) fn parse(text: &str) -> Result<Scene, SceneError> {
    Scene::parse(text, Path::new(DEMO_PATH))
}

pub(super) fn parse_err(text: &str) -> (Location, String, String, String) {
    match parse(text) {
        Err(err @ SceneError::Invalid { .. }) => {
            let display = err.to_string();
            let SceneError::Invalid {
                location,
                key,
                message,
            } = err
            else {
                unreachable!()
            };
            (location, key, message, display)
        }
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

/// 1-based line and character column of the `nth` (0-based) occurrence of `needle`, counted
/// independently of the code under test.
pub(super) fn position(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .expect("needle present")
        .0;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// The 0-based `[[signals]]` index of the entry declaring `id` in `text`, counted
/// independently of the code under test, so edits elsewhere in the demo do not shift tests.
fn signal_entry(text: &str, id: &str) -> usize {
    let at = text
        .find(&format!("id = \"{id}\""))
        .expect("signal declared");
    text[..at].matches("[[signals]]").count() - 1
}

/// A glTF with one tagged node per demo binding under a `Plant` root, plus an extra tagged
/// tank nobody binds and an untagged pipe.
fn demo_model() -> Vec<ModelNode> {
    let scene = parse(DEMO).expect("demo parses");
    let mut names: Vec<String> = scene.bindings.iter().map(|b| b.node.clone()).collect();
    names.push("TK-103".into());
    let mut nodes = vec![serde_json::json!({
        "name": "Plant",
        "children": (1..=names.len() + 1).collect::<Vec<_>>(),
    })];
    for name in &names {
        nodes.push(serde_json::json!({"name": name, "extras": {"tag": name, "kind": "asset"}}));
    }
    nodes.push(serde_json::json!({"name": "Pipe-1"}));
    // The parts the demo's motions move (untagged, so not assets).
    nodes.extend(
        scene
            .motions
            .iter()
            .map(|m| serde_json::json!({"name": m.node})),
    );
    // The nodes the demo's scenarios and collider choices name (walkways, parts).
    let named: std::collections::BTreeSet<String> = scene
        .scenarios
        .iter()
        .flat_map(super::check_scenarios::scenario_nodes)
        .map(|reference| reference.name.to_owned())
        .chain(scene.colliders.iter().map(|c| c.node.clone()))
        .filter(|n| !names.contains(n) && !scene.motions.iter().any(|m| &m.node == n))
        .collect();
    nodes.extend(named.iter().map(|name| serde_json::json!({"name": name})));
    let json = serde_json::json!({
        "asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": nodes,
    });
    let gltf = gltf::Gltf::from_slice(json.to_string().as_bytes()).expect("test glTF parses");
    model_nodes_from_gltf(&gltf)
}

#[test]
fn demo_scene_parses() {
    let scene = parse(DEMO).expect("demo scene parses");
    assert_eq!(scene.name, "Demo plant");
    assert_eq!(scene.signals.len(), DEMO.matches("[[signals]]").count());
    assert_eq!(scene.bindings.len(), 13);
    assert_eq!(
        scene.model_path,
        Path::new("../../scenes/../assets/plants/demo_plant.glb")
    );

    let vibration = scene
        .signal(&SignalId::new("P-101.vibration"))
        .expect("declared");
    assert_eq!(vibration.unit, "mm/s");
    assert_eq!(vibration.range, [0.0, 20.0]);
    assert_eq!(vibration.period_s, 0.5);
    let (line, column) = position(DEMO, "\"P-101.vibration\"", 0);
    assert_eq!(
        (vibration.location.line, vibration.location.column),
        (line, column)
    );

    let pump = scene.binding("P-101").expect("bound");
    assert_eq!(
        pump.signals[..2],
        [
            SignalId::new("P-101.flow"),
            SignalId::new("P-101.vibration")
        ]
    );
    assert_eq!(pump.signal_locations.len(), pump.signals.len());
    let rule = pump.rule.as_ref().expect("has a rule");
    assert_eq!(rule.signal.as_str(), "P-101.vibration");
    let crate::rules::ColorRule::Bands(bands) = &rule.rule else {
        panic!("P-101 is coloured by bands: {:?}", rule.rule);
    };
    assert_eq!(bands.thresholds, [4.5, 7.1]);
    assert_eq!(bands.colors[2], RuleColor([0xd6, 0x45, 0x41]));
    assert!(scene.binding("P-999").is_none());
}

#[test]
fn demo_scene_checks_clean_against_a_matching_model() {
    let scene = parse(DEMO).unwrap();
    let report = check_scene(&scene, &demo_model());
    assert!(report.diagnostics.is_empty(), "{}", report.render());
    assert!(!report.has_errors());
    assert_eq!(report.unbound_assets, ["TK-103"]);
    assert!(report.unbound_signals.is_empty());
    let rendered = report.render();
    assert!(
        rendered.contains("1 asset left unbound: TK-103\n"),
        "{rendered}"
    );
    assert!(
        rendered.ends_with("check passed: 0 errors, 0 warnings\n"),
        "{rendered}"
    );
}

#[test]
fn misspelt_node_points_at_the_value_and_suggests_the_real_one() {
    let text = DEMO.replace("node = \"P-101\"", "node = \"P-10l\"");
    let scene = parse(&text).unwrap();
    let report = check_scene(&scene, &demo_model());
    assert!(report.has_errors());
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{}", report.render());
    let (line, column) = position(&text, "\"P-10l\"", 0);
    assert_eq!(column, 8);
    let shown = errors[0].to_string();
    let expected = format!("{DEMO_PATH}:{line}:{column}: error: `bindings[2].node`: node `P-10l`");
    assert!(shown.starts_with(&expected), "{shown}");
    assert!(shown.ends_with("did you mean `P-101`?"), "{shown}");
    // The real P-101 is now an unbound asset.
    assert!(report.unbound_assets.contains(&"P-101".to_string()));
    assert!(
        report
            .render()
            .contains("check failed: 1 error, 0 warnings")
    );
}

#[test]
fn syntax_error_is_located() {
    let text = DEMO.replace(
        "period = 0.5\ndescription = \"Pump P-102 discharge",
        "period = 0.5.1\ndescription = \"Pump P-102 discharge",
    );
    let (location, key, _message, display) = parse_err(&text);
    let (line, _) = position(&text, "0.5.1", 0);
    assert_eq!(location.line, line, "{display}");
    assert!(
        display.starts_with(&format!("{DEMO_PATH}:{line}:")),
        "{display}"
    );
    assert_eq!(key, "signals[4].period", "{display}");
}

#[test]
fn unknown_key_is_rejected_at_the_key() {
    let text = DEMO.replace("unit = \"m/s\"", "unit = \"m/s\"\ncolour = \"red\"");
    let (location, key, message, display) = parse_err(&text);
    let (line, column) = position(&text, "colour = ", 0);
    assert_eq!(
        (location.line, location.column),
        (line, column),
        "{display}"
    );
    assert!(message.contains("unknown field `colour`"), "{message}");
    let entry = signal_entry(&text, "CV-201.speed");
    assert_eq!(key, format!("signals[{entry}].colour"));
}

#[test]
fn missing_key_names_the_table() {
    let text = DEMO.replacen(
        "period = 1.0\ndescription = \"Raw feed",
        "description = \"Raw feed",
        1,
    );
    let (_, key, message, display) = parse_err(&text);
    assert!(message.contains("missing field `period`"), "{display}");
    assert_eq!(key, "signals[0]", "{display}");
}

#[test]
fn bad_colour_points_at_the_colour() {
    let text = DEMO.replace(
        "colors = [\"#7a7f87\", \"#3fa34d\"]",
        "colors = [\"#7a7f87\", \"green\"]",
    );
    let (location, key, message, display) = parse_err(&text);
    let (line, column) = position(&text, "\"green\"", 0);
    assert_eq!(
        (location.line, location.column),
        (line, column),
        "{display}"
    );
    assert_eq!(key, "bindings[11].rule.colors");
    assert!(message.contains("`green` is not a colour"), "{message}");
    assert!(display.starts_with(&format!(
        "{DEMO_PATH}:{line}:{column}: error at `bindings[11].rule.colors`: "
    )));
}

#[test]
fn rule_shape_errors_point_at_the_offending_part() {
    let text = DEMO.replace("thresholds = [0.1],", "thresholds = [0.1, 0.5],");
    let (location, key, message, _) = parse_err(&text);
    assert_eq!(key, "bindings[11].rule.colors");
    assert_eq!(location.line, position(&text, "[0.1, 0.5]", 0).0);
    assert!(
        message.contains("2 thresholds make 3 bands, but 2 colours"),
        "{message}"
    );

    let text = DEMO.replace("thresholds = [4.5, 7.1]", "thresholds = [4.5, 4.5]");
    let (location, key, _, _) = parse_err(&text);
    assert_eq!(key, "bindings[2].rule.thresholds");
    let (line, column) = position(&text, "4.5]", 0);
    assert_eq!((location.line, location.column), (line, column));
}

#[test]
fn bad_ranges_periods_and_ids_are_rejected() {
    let text = DEMO.replacen("range = [0.0, 60.0]", "range = [60.0, 0.0]", 1);
    let (location, key, message, _) = parse_err(&text);
    assert_eq!(key, "signals[2].range");
    assert_eq!(
        (location.line, location.column),
        position(&text, "[60.0, 0.0]", 0)
    );
    assert!(message.contains("below maximum"), "{message}");

    let text = DEMO.replacen("range = [0.0, 2.0]", "range = [0.0, inf]", 1);
    let entry = signal_entry(&text, "CV-201.speed");
    assert_eq!(parse_err(&text).1, format!("signals[{entry}].range"));

    let text = DEMO.replacen("period = 1.0", "period = 0", 1);
    let (location, key, _, _) = parse_err(&text);
    assert_eq!(key, "signals[0].period");
    assert_eq!(
        (location.line, location.column),
        position(&text, "0\ndescription", 0)
    );

    let text = DEMO.replacen("id = \"TK-101.level\"", "id = \"\"", 1);
    assert_eq!(parse_err(&text).1, "signals[0].id");

    let text = DEMO.replacen("range = [0.0, 100.0]", "range = \"wide\"", 1);
    let (location, key, _, _) = parse_err(&text);
    assert_eq!(key, "signals[0].range");
    assert_eq!(
        (location.line, location.column),
        position(&text, "\"wide\"", 0)
    );
}

#[test]
fn duplicate_binding_names_the_first_line() {
    let text = format!("{DEMO}\n[[bindings]]\nnode = \"TK-101\"\nsignals = [\"TK-101.level\"]\n");
    let scene = parse(&text).unwrap();
    let report = check_scene(&scene, &demo_model());
    let first_line = position(&text, "\"TK-101\"", 0).0;
    let (line, column) = position(&text, "\"TK-101\"", 1);
    let error = &report.diagnostics[0];
    assert_eq!(error.severity, Severity::Error);
    assert_eq!((error.location.line, error.location.column), (line, column));
    assert_eq!(error.key, "bindings[13].node");
    assert!(
        error
            .message
            .contains(&format!("first binding at line {first_line}")),
        "{error}"
    );
}

#[test]
fn unknown_and_duplicate_signals_are_errors() {
    let text = DEMO
        .replace(
            "signals = [\"CV-201.speed\"]",
            "signals = [\"CV-201.sped\"]",
        )
        .replacen("id = \"TK-102.level\"", "id = \"TK-101.level\"", 1)
        .replace(
            "    { signal = \"TK-102.level\", anomalies = false },\n",
            "",
        )
        .replace(
            "signals = [\"PK-201.rate\", \"PK-201.count\"]",
            "signals = [\"PK-201.rate\"]",
        )
        .replace(
            "rule = { signal = \"PK-201.rate\"",
            "rule = { signal = \"PK-201.rat\"",
        );
    let scene = parse(&text).unwrap();
    let report = check_scene(&scene, &demo_model());
    let shown = report.render();
    let find = |key: &str| report.diagnostics.iter().find(|d| d.key == key).expect(key);

    let dup = find("signals[1].id");
    assert_eq!(dup.severity, Severity::Error);
    assert!(
        dup.message.contains("declared twice (first at line "),
        "{shown}"
    );

    let typo = find("bindings[11].signals");
    assert_eq!(typo.severity, Severity::Error);
    assert_eq!(
        (typo.location.line, typo.location.column),
        position(&text, "\"CV-201.sped\"", 0)
    );
    assert!(
        typo.message.ends_with("did you mean `CV-201.speed`?"),
        "{shown}"
    );
    // The rule still colours by the declared CV-201.speed, which is no longer listed.
    assert_eq!(find("bindings[11].rule.signal").severity, Severity::Warning);

    let rule = find("bindings[12].rule.signal");
    assert_eq!(rule.severity, Severity::Error);
    assert!(
        rule.message.contains("`PK-201.rat` is not declared"),
        "{shown}"
    );

    // TK-102.level's binding now names an undeclared id; PK-201.count is bound nowhere.
    assert_eq!(find("bindings[1].signals").severity, Severity::Error);
    assert_eq!(
        report.unbound_signals,
        [SignalId::new("PK-201.count")],
        "{shown}"
    );
    assert!(
        shown.contains("signal `PK-201.count` is not shown on any asset"),
        "{shown}"
    );
    assert!(
        shown.contains("1 signal not shown on any asset: PK-201.count\n"),
        "{shown}"
    );
    assert!(report.has_errors());
    // Diagnostics come in file order.
    let lines: Vec<usize> = report.diagnostics.iter().map(|d| d.location.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{shown}");
}

#[test]
fn rule_signal_outside_the_binding_list_is_a_warning() {
    let text = DEMO.replace(
        "signals = [\"PK-201.rate\", \"PK-201.count\"]",
        "signals = [\"PK-201.count\"]",
    );
    let report = check_scene(&parse(&text).unwrap(), &demo_model());
    assert!(!report.has_errors(), "{}", report.render());
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].severity, Severity::Warning);
    assert_eq!(report.diagnostics[0].key, "bindings[12].rule.signal");
    assert!(
        report
            .render()
            .contains("check passed: 0 errors, 1 warning\n")
    );
}

#[test]
fn unbound_assets_are_listed_in_model_order() {
    let end = DEMO
        .find("[[bindings]]\nnode = \"M-101\"")
        .expect("M-101 binding");
    let text = &DEMO[..end];
    let report = check_scene(&parse(text).unwrap(), &demo_model());
    assert_eq!(
        report.unbound_assets,
        [
            "M-101", "M-102", "M-103", "XV-101", "XV-102", "XV-103", "CV-201", "PK-201", "TK-103"
        ]
    );
    assert!(!report.has_errors());
    assert!(
        report
            .render()
            .contains("9 assets left unbound: M-101, M-102, ")
    );
}

#[test]
fn io_errors_name_the_file() {
    let err = Scene::load(Path::new("/nonexistent/scene.toml")).unwrap_err();
    assert!(matches!(err, SceneError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with("cannot read scene file /nonexistent/scene.toml: ")
    );
}

/// A 50 MB scene used to take 2.3 GB in `check`: files over the limit are refused from their
/// size, before a byte is read (this one is sparse: 50 MB on paper, nothing on disk).
#[test]
fn a_scene_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(50 * 1024 * 1024).unwrap();
    let error = Scene::load(&path).unwrap_err().to_string();
    assert!(
        error.contains("is 50.0 MiB; files of up to 32.0 MiB are read"),
        "{error}"
    );
}

/// One signal more than a scene holds is refused at that signal, before any is converted.
#[test]
fn a_scene_with_too_many_signals_is_refused_at_the_first_one_too_many() {
    let mut text = String::from("[scene]\nname = \"big\"\nmodel = \"m.glb\"\n");
    for i in 0..=MAX_SCENE_SIGNALS {
        text.push_str(&format!("[[signals]]\nid = \"A{i}.x\"\nrange = [0, 1]\n"));
    }
    let (location, key, message, _) = parse_err(&text);
    assert_eq!(key, format!("signals[{MAX_SCENE_SIGNALS}]"));
    assert_eq!(location.line, 4 + 3 * MAX_SCENE_SIGNALS, "{location}");
    assert!(message.contains("at most 250000"), "{message}");
}
