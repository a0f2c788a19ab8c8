//! `[[alarms]]` parsing: the syntax, its defaults and errors located at file:line:col.

use super::*;
use crate::alarms::{AlarmCondition, AlarmPriority, LimitKind};

const BASE: &str = r#"[scene]
name = "n"
model = "m.glb"

[[signals]]
id = "M-1.temperature"
range = [0.0, 150.0]
period = 1.0

[[signals]]
id = "M-1.running"
range = [0.0, 1.0]
period = 1.0

[[bindings]]
node = "M-1"
signals = ["M-1.temperature", "M-1.running"]
"#;

fn parse(alarms: &str) -> Result<Scene, SceneError> {
    Scene::parse(&format!("{BASE}\n{alarms}"), Path::new("s.toml"))
}

/// The error's `file:line:col`, key and message.
fn error(alarms: &str) -> (String, String, String) {
    match parse(alarms) {
        Err(SceneError::Invalid {
            location,
            key,
            message,
        }) => (location.to_string(), key, message),
        other => panic!("expected an error, got {other:?}"),
    }
}

/// Line of the alarms text in the whole file (BASE plus a blank line).
fn line(n: usize) -> usize {
    BASE.lines().count() + 1 + n
}

#[test]
fn limits_become_one_alarm_each_with_defaults_and_asset_from_the_binding() {
    let scene = parse(
        r#"[[alarms]]
signal = "M-1.temperature"
limits = { hh = 110.0, h = 95.0 }
priorities = { hh = "urgent" }
deadband = 2.0
on_delay = "5s"
off_delay = "1m"
message = "Motor winding hot"

[[alarms]]
signal = "M-1.running"
discrete = { when = 0.0 }
name = "M-1 stopped"
priority = "low"
suppress_when = "M-1.running"
area = "Motors"
"#,
    )
    .unwrap();
    let labels: Vec<&str> = scene.alarms.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(
        labels,
        ["M-1.temperature HH", "M-1.temperature H", "M-1 stopped"]
    );
    let hh = &scene.alarms[0];
    assert_eq!(
        hh.condition,
        AlarmCondition::Limit {
            kind: LimitKind::HighHigh,
            limit: 110.0
        }
    );
    assert_eq!(hh.priority, AlarmPriority::Urgent);
    assert_eq!(scene.alarms[1].priority, AlarmPriority::Medium, "h default");
    assert_eq!(
        (hh.on_delay_ns, hh.off_delay_ns),
        (5_000_000_000, 60_000_000_000)
    );
    assert_eq!(hh.deadband, 2.0);
    assert_eq!(hh.asset.as_deref(), Some("M-1"));
    assert_eq!(hh.area, "M-1", "area defaults to the asset");
    let discrete = &scene.alarms[2];
    assert_eq!(discrete.condition, AlarmCondition::Discrete { when: 0.0 });
    assert_eq!(discrete.priority, AlarmPriority::Low);
    assert_eq!(discrete.area, "Motors");
    assert_eq!(
        discrete.suppress_when,
        Some(crate::signal::SignalId::new("M-1.running"))
    );
    assert_eq!(scene.alarm_locations[2].line, line(11));
}

#[test]
fn bad_alarm_values_are_located() {
    let cases: &[(&str, usize, usize, &str, &str)] = &[
        (
            "[[alarms]]\nsignal = \"M-1.temperature\"\nlimits = { h = 95.0, hh = 90.0 }\n",
            3,
            27,
            "alarms[0].limits",
            "limits must rise",
        ),
        (
            "[[alarms]]\nsignal = \"M-1.temperature\"\nlimits = { h = 95.0 }\non_delay = \"5 parsecs\"\n",
            4,
            12,
            "alarms[0].on_delay",
            "unknown unit",
        ),
        (
            "[[alarms]]\nsignal = \"M-1.temperature\"\nlimits = { h = 95.0 }\npriorities = { h = \"panic\" }\n",
            4,
            20,
            "alarms[0].priorities",
            "unknown priority `panic`",
        ),
        (
            "[[alarms]]\nsignal = \"M-1.temperature\"\nlimits = { h = 95.0 }\npriorities = { l = \"low\" }\n",
            4,
            20,
            "alarms[0].priorities",
            "no such limit",
        ),
        (
            "[[alarms]]\nsignal = \"M-1.temperature\"\n",
            2,
            10,
            "alarms[0].signal",
            "needs `limits",
        ),
        (
            "[[alarms]]\nsignal = \"M-1.temperature\"\nlimits = { h = 95.0 }\ndeadband = -1.0\n",
            4,
            12,
            "alarms[0].deadband",
            "deadband must be",
        ),
        (
            "[[alarms]]\nsignal = \"M-1.temperature\"\nlimits = { hi = 95.0 }\n",
            3,
            12,
            "alarms[0].limits.hi",
            "unknown field `hi`",
        ),
        (
            "[[alarms]]\nsignal = \"M-1.running\"\ndiscrete = { when = 0.0 }\ndeadband = 1.0\n",
            4,
            12,
            "alarms[0].deadband",
            "limits only",
        ),
        (
            "[[alarms]]\nsignal = \"\"\nlimits = { h = 1.0 }\n",
            2,
            10,
            "alarms[0].signal",
            "must not be empty",
        ),
    ];
    for (text, l, col, key, needle) in cases {
        let (location, got_key, message) = error(text);
        assert_eq!(location, format!("s.toml:{}:{col}", line(*l)), "{text}");
        assert_eq!(&got_key, key, "{text}");
        assert!(message.contains(needle), "{text}: {message}");
    }
}

#[test]
fn check_warns_about_alarms_it_cannot_show_and_rejects_duplicates() {
    let scene = parse(
        "[[alarms]]\nsignal = \"M-1.temperature\"\nlimits = { h = 95.0 }\n\
         [[alarms]]\nsignal = \"M-1.temperature\"\nlimits = { h = 96.0 }\n\
         [[alarms]]\nsignal = \"X-9.flow\"\nlimits = { l = 1.0 }\n",
    )
    .unwrap();
    let nodes = [ModelNode {
        name: "M-1".into(),
        is_asset: true,
        description: None,
        kind: None,
        parent: None,
        has_mesh: true,
    }];
    let report = check_scene(&scene, &nodes);
    let text = report.render();
    assert!(report.has_errors(), "{text}");
    assert!(
        text.contains("alarm `M-1.temperature H` is configured twice"),
        "{text}"
    );
    assert!(text.contains("signal `X-9.flow` is not declared"), "{text}");
    assert!(text.contains("no binding lists `X-9.flow`"), "{text}");
}
