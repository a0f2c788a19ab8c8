//! `[health]` in scene files: defaults, overrides, and errors located at the offending value.

use super::tests::{DEMO, parse, parse_err, position};
use crate::health::{HealthConfig, HealthSettings, HealthSpec};
use crate::signal::SignalId;

/// The demo scene with its own `[health]` section replaced by `health`.
fn with_health(health: &str) -> String {
    let start = DEMO
        .find("\n[health]")
        .expect("the demo has a [health] section");
    let end = DEMO[start..]
        .find("\n[[topics]]")
        .map_or(DEMO.len(), |at| start + at);
    format!("{}\n{health}\n{}", &DEMO[..start], &DEMO[end..])
}

#[test]
fn the_demo_opts_its_valves_out_of_flatline() {
    let scene = parse(DEMO).expect("demo parses");
    let valve = scene.signal(&SignalId::new("XV-101.position")).unwrap();
    let spec = scene.health.spec(valve);
    assert_eq!(spec.flatline, None);
    assert!(spec.spike.is_some() && spec.range.is_some() && spec.stale_after_s.is_some());
    let level = scene.signal(&SignalId::new("TK-101.level")).unwrap();
    let spec = scene.health.spec(level);
    assert_eq!(spec.spike.unwrap().z, 8.0, "the demo's own threshold");
    let defaults = HealthSpec::for_signal(level);
    assert_eq!(spec.flatline, defaults.flatline);
    assert_eq!(defaults.spike.unwrap().z, 6.0);
}

#[test]
fn no_section_means_defaults_and_every_key_is_read() {
    let scene = parse(&with_health("")).expect("parses without [health]");
    assert_eq!(scene.health, HealthConfig::default());
    let text = with_health(
        "[health]\nspike_z = 8\nspike_window = 40\nspike_hold = \"3s\"\nmad_floor = 0.01\n\
         flatline_after = \"2h30m\"\nflatline_samples = 50\nflatline_tolerance = 0.001\n\
         range_tolerance = 0.05\n\n[[health.signals]]\nsignal = \"P-101.flow\"\n\
         spikes = false\nrange = false\nstale = false\nflatline_after = 90\nspike_z = 9.5\n",
    );
    let scene = parse(&text).expect("parses");
    assert_eq!(
        scene.health.settings,
        HealthSettings {
            spike_z: 8.0,
            spike_window: 40,
            spike_hold_s: Some(3.0),
            mad_floor: 0.01,
            flatline_after_s: Some(9000.0),
            flatline_samples: 50,
            flatline_tolerance: 0.001,
            range_tolerance: 0.05,
        }
    );
    let flow = scene.signal(&SignalId::new("P-101.flow")).unwrap();
    let spec = scene.health.spec(flow);
    assert_eq!(
        (spec.spike, spec.range, spec.stale_after_s),
        (None, None, None)
    );
    let flatline = spec.flatline.unwrap();
    assert_eq!(flatline.after_s, 90.0);
    assert_eq!(flatline.min_samples, 50);
    assert!((flatline.tolerance - 0.06).abs() < 1e-12, "0.1 % of 0..60");
    let level = scene.signal(&SignalId::new("TK-101.level")).unwrap();
    let spec = scene.health.spec(level);
    assert_eq!(spec.range, Some([-5.0, 105.0]));
    assert_eq!(spec.flatline.unwrap().after_s, 9000.0);
    assert_eq!(spec.spike.unwrap().z, 8.0);
    assert_eq!(spec.spike.unwrap().hold_s, 3.0);
}

#[test]
fn bad_values_are_located() {
    let cases = [
        (
            "[health]\nspike_z = -1\n",
            "-1",
            "health.spike_z",
            "positive",
        ),
        (
            "[health]\nspike_window = 2\n",
            "2",
            "health.spike_window",
            "5 to 256",
        ),
        (
            "[health]\nflatline_after = \"5 parsecs\"\n",
            "\"5 parsecs\"",
            "health.flatline_after",
            "unknown unit",
        ),
        (
            "[health]\nspike_hold = 0\n",
            "0",
            "health.spike_hold",
            "positive duration",
        ),
        (
            "[health]\nrange_tolerance = 1.5\n",
            "1.5",
            "health.range_tolerance",
            "fraction",
        ),
        (
            "[health]\nspike_z = \"high\"\n",
            "\"high\"",
            "health.spike_z",
            "expected f64",
        ),
        (
            "[health]\nspiky = true\n",
            "spiky",
            "health.spiky",
            "unknown field",
        ),
        (
            "[[health.signals]]\nsignal = \"P-999.flow\"\n",
            "\"P-999.flow\"",
            "health.signals[0].signal",
            "not a declared signal",
        ),
        (
            "[[health.signals]]\nsignal = \"P-101.flow\"\nflatline = \"no\"\n",
            "\"no\"",
            "health.signals[0].flatline",
            "bool",
        ),
        (
            "[[health.signals]]\nsignal = \"P-101.flow\"\nspike_z = 0\n",
            "0\n",
            "health.signals[0].spike_z",
            "positive",
        ),
    ];
    for (section, needle, want_key, want_message) in cases {
        let text = with_health(section);
        let (location, key, message, display) = parse_err(&text);
        // The needle's first occurrence inside the section (it may appear earlier in the demo).
        let start = text.find(section).unwrap();
        let (line, column) = position(&text, needle, text[..start].matches(needle).count());
        assert_eq!(
            (location.line, location.column),
            (line, column),
            "{display}"
        );
        assert_eq!(key, want_key, "{display}");
        assert!(message.contains(want_message), "{display}");
    }
}

#[test]
fn a_signal_gets_one_entry() {
    let text = with_health(
        "[[health.signals]]\nsignal = \"P-101.flow\"\nflatline = false\n\n\
         [[health.signals]]\nsignal = \"P-101.flow\"\nspikes = false\n",
    );
    let (location, key, message, display) = parse_err(&text);
    let (line, column) = position(&text, "\"P-101.flow\"\nspikes", 0);
    assert_eq!(
        (location.line, location.column),
        (line, column),
        "{display}"
    );
    assert_eq!(key, "health.signals[1].signal");
    let (first_line, _) = position(&text, "\"P-101.flow\"\nflatline", 0);
    assert!(message.contains(&format!(":{first_line}:")), "{message}");
}
