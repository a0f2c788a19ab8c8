//! `[forecast]` and `[[risk]]` in scene files: the demo's settings, defaults, and errors
//! located at the offending value.

use super::tests::{DEMO, parse, parse_err, position};
use crate::forecast::{ForecastSettings, Method};
use crate::signal::SignalId;

/// The demo scene with its forecast and risk block replaced by `section`.
fn with_forecast(section: &str) -> String {
    let start = DEMO
        .find("# Forecasts:")
        .expect("the demo has a forecast block");
    let end = DEMO.find("# Motion:").expect("motion follows it");
    format!("{}{section}\n{}", &DEMO[..start], &DEMO[end..])
}

#[test]
fn the_demo_forecasts_motor_temperatures_further_and_weights_motors() {
    let scene = parse(DEMO).expect("demo parses");
    let f = &scene.forecast;
    assert!(f.enabled);
    assert_eq!((f.horizon_s, f.method), (120.0, Method::Damped));
    let motor = f
        .config_for(&SignalId::new("M-103.temperature"), Some(1.0))
        .unwrap();
    assert_eq!(motor.horizon_s, 300.0);
    let level = f
        .config_for(&SignalId::new("TK-101.level"), Some(1.0))
        .unwrap();
    assert_eq!(level.horizon_s, 120.0);
    let m101 = scene.risk.iter().find(|w| w.asset == "M-101").unwrap();
    assert_eq!(m101.consequence, 3.0);
    let (line, column) = position(DEMO, "asset = \"M-101\"", 0);
    assert_eq!(
        (m101.location.line, m101.location.column),
        (line, column + 8)
    );
}

#[test]
fn no_section_means_defaults_and_every_key_is_read() {
    let scene = parse(&with_forecast("")).expect("parses without [forecast]");
    assert_eq!(scene.forecast, ForecastSettings::default());
    assert!(scene.risk.is_empty());
    let text = with_forecast(
        "[forecast]\nenabled = false\nhorizon = 90\nmethod = \"holt\"\nfit_window = 100\n\
         refit_every = 50\nanomalies = false\n\n[[forecast.signals]]\nsignal = \"P-101.flow\"\n\
         enabled = true\nhorizon = \"10m\"\nmethod = \"damped\"\nanomalies = true\n\n[[risk]]\nasset = \"P-101\"\nconsequence = 2\n",
    );
    let scene = parse(&text).expect("parses");
    let f = &scene.forecast;
    assert_eq!(
        (
            f.enabled,
            f.horizon_s,
            f.method,
            f.fit_window,
            f.refit_every
        ),
        (false, 90.0, Method::Holt, 100, 50)
    );
    let flow = f.config_for(&SignalId::new("P-101.flow"), None).unwrap();
    assert_eq!(
        (flow.horizon_s, flow.method, flow.fit_window),
        (600.0, Method::Damped, 100)
    );
    assert!(f.config_for(&SignalId::new("P-102.flow"), None).is_none());
    assert!(f.anomalies_for(&SignalId::new("P-101.flow")));
    assert!(!f.anomalies_for(&SignalId::new("P-102.flow")));
    assert_eq!(scene.risk[0].consequence, 2.0);
}

#[test]
fn errors_point_at_the_offending_value() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (section, needle whose position the error has, key, message part)
        (
            "[forecast]\nhorizon = \"soon\"\n",
            "\"soon\"",
            "forecast.horizon",
            "soon",
        ),
        (
            "[forecast]\nhorizon = -5\n",
            "-5",
            "forecast.horizon",
            "positive duration",
        ),
        (
            "[forecast]\nhorizon = \"2d\"\n",
            "\"2d\"",
            "forecast.horizon",
            "at most a day",
        ),
        (
            "[forecast]\nmethod = \"arima\"\n",
            "\"arima\"",
            "forecast.method",
            "\"damped\" or \"holt\"",
        ),
        (
            "[forecast]\nfit_window = 3\n",
            "3",
            "forecast.fit_window",
            "16 to",
        ),
        (
            "[forecast]\nhorizons = 3\n",
            "horizons",
            "forecast.horizons",
            "unknown field",
        ),
        (
            "[[forecast.signals]]\nsignal = \"nope\"\n",
            "\"nope\"",
            "forecast.signals[0].signal",
            "not a declared signal",
        ),
        (
            "[[risk]]\nasset = \"M-999\"\nconsequence = 1\n",
            "\"M-999\"",
            "risk[0].asset",
            "not a bound asset",
        ),
        (
            "[[risk]]\nasset = \"M-101\"\nconsequence = 0\n",
            "0\n",
            "risk[0].consequence",
            "positive number",
        ),
        (
            "[[risk]]\nasset = \"M-101\"\n",
            "[[risk]]",
            "risk[0]",
            "missing field `consequence`",
        ),
        (
            "[[risk]]\nasset = \"M-101\"\nconsequence = \"high\"\n",
            "\"high\"",
            "risk[0].consequence",
            "invalid type",
        ),
    ];
    for &(section, needle, key, part) in cases {
        let text = with_forecast(section);
        let (location, got_key, message, display) = parse_err(&text);
        let offset = text.find(section).unwrap();
        let (line, column) = position(&text[offset..], needle, 0);
        let base_line = text[..offset].matches('\n').count();
        assert_eq!(
            (location.line, location.column, got_key.as_str()),
            (base_line + line, column, key),
            "{section:?}: {display}"
        );
        assert!(message.contains(part), "{section:?}: {message}");
        assert!(
            display.starts_with("../../scenes/demo_plant.toml:"),
            "{display}"
        );
    }
    let text = with_forecast(
        "[[forecast.signals]]\nsignal = \"P-101.flow\"\n\n[[forecast.signals]]\nsignal = \"P-101.flow\"\n",
    );
    let (location, key, message, _) = parse_err(&text);
    let (line, _) = position(&text, "signal = \"P-101.flow\"", 1);
    assert_eq!(
        (location.line, key.as_str()),
        (line, "forecast.signals[1].signal")
    );
    assert!(
        message.contains("already has forecast settings at"),
        "{message}"
    );
    let text = with_forecast(
        "[[risk]]\nasset = \"P-101\"\nconsequence = 1\n[[risk]]\nasset = \"P-101\"\nconsequence = 2\n",
    );
    let (_, key, message, _) = parse_err(&text);
    assert_eq!(key, "risk[1].asset");
    assert!(message.contains("already has a risk weight"), "{message}");
}
