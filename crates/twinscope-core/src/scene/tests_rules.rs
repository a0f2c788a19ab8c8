//! Scene-file parsing of rules (bands, severities, gradients) and signals (derived
//! expressions, precision), with errors at `file:line:col`.

use super::*;
use crate::rules::{GradientRule, Palette, RuleColor, Severity};

const PATH: &str = "rules.toml";

/// A scene with these `[[signals]]`/`[[bindings]]` lines after a fixed header.
fn scene_text(body: &str) -> String {
    format!("[scene]\nname = \"t\"\nmodel = \"m.glb\"\n\n{SIGNALS}\n{body}")
}

const SIGNALS: &str = r#"[[signals]]
id = "P-101.p_in"
unit = "bar"
range = [0.0, 6.0]
period = 0.5

[[signals]]
id = "P-101.p_out"
unit = "bar"
range = [0.0, 6.0]
period = 0.25

[[signals]]
id = "TK-101.level"
unit = "%"
range = [0.0, 100.0]
period = 1.0
precision = 0
"#;

fn parse(text: &str) -> Result<Scene, SceneError> {
    Scene::parse(text, Path::new(PATH))
}

/// The error's `line:col`, key and message, and the expected `line:col` of `needle`'s first
/// occurrence (plus `shift` characters), counted independently of the code under test.
fn error_at(text: &str, needle: &str, shift: usize) -> (String, String, String, String) {
    let Err(SceneError::Invalid {
        location,
        key,
        message,
    }) = parse(text)
    else {
        panic!("expected an Invalid error for:\n{text}");
    };
    let (line, column) = super::tests::position(text, needle, 0);
    let column = column + shift;
    (
        format!("{}:{}", location.line, location.column),
        format!("{line}:{column}"),
        key,
        message,
    )
}

fn binding(rule: &str) -> String {
    scene_text(&format!(
        "[[bindings]]\nnode = \"P-101\"\nsignals = [\"P-101.p_out\"]\nrule = {rule}\n"
    ))
}

#[test]
fn banded_rules_take_severities_and_default_their_colours() {
    let text = binding(
        r#"{ signal = "P-101.p_out", thresholds = [4.0, 5.0], severities = ["normal", "warning", "critical"] }"#,
    );
    let scene = parse(&text).expect("parses");
    let rule = &scene.bindings[0].rule.as_ref().expect("rule").rule;
    let ColorRule::Bands(bands) = rule else {
        panic!("bands expected: {rule:?}");
    };
    assert_eq!(
        bands.severities,
        [Severity::Normal, Severity::Warning, Severity::Critical]
    );
    assert_eq!(bands.colors[2], Severity::Critical.default_color());
    assert_eq!(rule.severity(4.5), Some(Severity::Warning));

    let text = binding(
        r##"{ signal = "P-101.p_out", thresholds = [4.0], colors = ["#000000", "#ffffff"] }"##,
    );
    let scene = parse(&text).expect("parses");
    let rule = &scene.bindings[0].rule.as_ref().expect("rule").rule;
    assert_eq!(
        rule.severity(5.0),
        Some(Severity::Normal),
        "default severity"
    );
}

#[test]
fn gradients_parse_named_and_custom_with_a_default_domain() {
    let text = binding(r#"{ signal = "P-101.p_out", gradient = "viridis", domain = [1, 5] }"#);
    let scene = parse(&text).expect("parses");
    let rule = &scene.bindings[0].rule.as_ref().expect("rule").rule;
    let expected = GradientRule::named(Palette::Viridis, [1.0, 5.0]).expect("valid");
    assert_eq!(rule, &ColorRule::Gradient(expected));

    // Without `domain` the signal's declared range is used.
    let text = binding(r##"{ signal = "P-101.p_out", gradient = ["#000000", "#ffffff"] }"##);
    let scene = parse(&text).expect("parses");
    let ColorRule::Gradient(g) = &scene.bindings[0].rule.as_ref().expect("rule").rule else {
        panic!("gradient expected");
    };
    assert_eq!(g.domain, [0.0, 6.0]);
    assert_eq!(g.stops, [RuleColor([0; 3]), RuleColor([255; 3])]);
}

#[test]
fn rule_errors_point_at_the_offending_value() {
    let table = [
        (
            r#"{ signal = "P-101.p_out", gradient = "jet" }"#,
            "\"jet\"",
            "bindings[0].rule.gradient",
            "`jet` is not a palette",
        ),
        (
            r##"{ signal = "P-101.p_out", gradient = ["#000000", "white"] }"##,
            "[\"#000000\"",
            "bindings[0].rule.gradient",
            "gradient stop 1: `white` is not a colour",
        ),
        (
            r#"{ signal = "P-101.p_out", gradient = "blues", domain = [3, 3] }"#,
            "[3, 3]",
            "bindings[0].rule.domain",
            "two different finite numbers",
        ),
        (
            r#"{ signal = "P-101.p_out", gradient = "blues", thresholds = [1.0] }"#,
            "[1.0]",
            "bindings[0].rule.thresholds",
            "either `gradient` or `thresholds`",
        ),
        (
            r#"{ signal = "P-101.nope", gradient = "blues" }"#,
            "\"blues\"",
            "bindings[0].rule.gradient",
            "give the gradient a `domain`",
        ),
        (
            r#"{ signal = "P-101.p_out", thresholds = [1.0], severities = ["normal", "major"] }"#,
            "\"major\"",
            "bindings[0].rule.severities",
            "`major` is not a severity",
        ),
        (
            r#"{ signal = "P-101.p_out", thresholds = [1.0], severities = ["normal"] }"#,
            "[\"normal\"]",
            "bindings[0].rule.severities",
            "2 bands, but 1 severities",
        ),
        (
            r#"{ signal = "P-101.p_out", thresholds = [1.0] }"#,
            "[1.0]",
            "bindings[0].rule.colors",
            "needs `colors`, `severities` or both",
        ),
        (
            r#"{ signal = "P-101.p_out" }"#,
            "\"P-101.p_out\" }",
            "bindings[0].rule.signal",
            "needs `thresholds` (bands) or `gradient`",
        ),
    ];
    for (rule, needle, key, message) in table {
        let text = binding(rule);
        let (got, want, got_key, got_message) = error_at(&text, needle, 0);
        assert_eq!(got, want, "{rule}: {got_message}");
        assert_eq!(got_key, key, "{rule}");
        assert!(got_message.contains(message), "{rule}: {got_message}");
    }
}

fn derived(id: &str, expr: &str, extra: &str) -> String {
    format!("[[signals]]\nid = \"{id}\"\nexpr = \"{expr}\"\nrange = [0.0, 6.0]\n{extra}\n")
}

#[test]
fn derived_signals_compile_and_default_their_period_and_precision() {
    let body = format!(
        "{}{}",
        derived("P-101.head", "P-101.p_out - P-101.p_in", "unit = \"bar\""),
        derived(
            "P-101.head_ok",
            "P-101.head > 1 && TK-101.level > 5",
            "period = 2.0\nprecision = 3"
        ),
    );
    let scene = parse(&scene_text(&body)).expect("parses");
    let head = scene
        .signal(&SignalId::new("P-101.head"))
        .expect("declared");
    assert_eq!(head.period_s, 0.25, "the inputs' shortest period");
    assert_eq!(head.precision, 2, "from the range [0, 6]");
    let ok = scene
        .signal(&SignalId::new("P-101.head_ok"))
        .expect("declared");
    assert_eq!((ok.period_s, ok.precision), (2.0, 3));
    let level = scene
        .signal(&SignalId::new("TK-101.level"))
        .expect("declared");
    assert_eq!(level.precision, 0);
    assert_eq!(scene.derived.len(), 2);
    let expr = scene
        .expression(&SignalId::new("P-101.head"))
        .expect("derived");
    assert_eq!(
        expr.inputs(),
        [SignalId::new("P-101.p_out"), SignalId::new("P-101.p_in")]
    );
    assert!(scene.expression(&SignalId::new("P-101.p_in")).is_none());

    // A derived input's default period carries on to its readers, in any file order.
    let body = format!(
        "{}{}",
        derived("B", "A * 2", ""),
        derived("A", "P-101.p_in + 1", ""),
    );
    let scene = parse(&scene_text(&body)).expect("parses");
    assert_eq!(scene.signal(&SignalId::new("B")).expect("B").period_s, 0.5);
}

#[test]
fn derived_signal_errors_point_into_the_expression() {
    let table = [
        (
            derived("H", "P-101.p_out - P-101.p_inn", ""),
            "P-101.p_inn\"",
            "signals[3].expr",
            "`P-101.p_inn` is not a declared signal",
        ),
        (
            derived("H", "P-101.p_out - (", ""),
            "P-101.p_out - (\"",
            "signals[3].expr",
            "does not parse",
        ),
        (
            format!("{}{}", derived("A", "B + 1", ""), derived("B", "A * 2", "")),
            "B + 1\"",
            "signals[3].expr",
            "cycle: `A` → `B` → `A`",
        ),
        (
            "[[signals]]\nid = \"X\"\nrange = [0.0, 1.0]\n".to_owned(),
            "[[signals]]\nid = \"X\"",
            "signals[3]",
            "missing field `period`",
        ),
        (
            derived("H", "P-101.p_in", "precision = 13"),
            "13",
            "signals[3].precision",
            "from 0 to 12",
        ),
    ];
    for (body, needle, key, message) in table {
        let text = scene_text(&body);
        // The unknown id is reported where it starts, inside the string.
        let (got, want, got_key, got_message) = error_at(&text, needle, 0);
        assert_eq!(got, want, "{body}: {got_message}");
        assert_eq!(got_key, key, "{body}");
        assert!(got_message.contains(message), "{body}: {got_message}");
    }
    // The rendered error names file:line:col.
    let text = scene_text(&derived("H", "P-101.p_out * speed", ""));
    let err = parse(&text).expect_err("unknown name").to_string();
    let (_, want, _, _) = error_at(&text, "speed\"", 0);
    assert!(
        err.starts_with(&format!(
            "{PATH}:{want}: error at `signals[3].expr`: `speed`"
        )),
        "{err}"
    );
}
