//! `twinscope analyze` from the real binary on a CSV with a known ramp and an injected shift.

use crate::support::twinscope;
use std::fmt::Write as _;

const START: i64 = 1_795_168_800;
/// The level shift injected into `flat` (seconds after the start).
const SHIFT_AT: i64 = 2000;

/// A wide CSV at 1 Hz: `ramp` rises 0.02/s with deterministic noise of about ±0.3; `flat` sits
/// at 20 with the same noise and steps up by 3 at [`SHIFT_AT`].
fn csv() -> String {
    let mut text = String::from("time,ramp,flat\n");
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut noise = || {
        // xorshift64*: uniform in ±0.5, summed twice for a rounder shape.
        let mut next = || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        0.3 * (next() + next())
    };
    for i in 0..4000 {
        let ramp = 10.0 + 0.02 * i as f64 + noise();
        let flat = 20.0 + if i >= SHIFT_AT { 3.0 } else { 0.0 } + noise();
        writeln!(text, "{},{ramp:.4},{flat:.4}", START + i).unwrap();
    }
    text
}

#[test]
fn analyze_scores_a_ramp_and_brackets_an_injected_shift() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("history.csv");
    std::fs::write(&input, csv()).unwrap();
    let out = dir.path().join("result.json");
    let run = twinscope(&[
        "analyze",
        input.to_str().unwrap(),
        "--horizon",
        "60s",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("ramp: 4000 samples"), "{stdout}");
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(result["horizon_s"], 60.0);
    let signal = |name: &str| {
        result["signals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["signal"] == name)
            .unwrap_or_else(|| panic!("no {name} in {result}"))
            .clone()
    };

    let ramp = signal("ramp");
    let a = &ramp["accuracy"];
    let f = |v: &serde_json::Value| v.as_f64().unwrap();
    // About 20 forecasts per horizon over 4000 s, less the first horizon.
    assert!(a["scored"].as_u64().unwrap() > 1000, "{a}");
    // Persistence is off by the slope × horizon (1.2); the trend forecast by the noise.
    assert!((f(&a["persistence_mae"]) - 1.2).abs() < 0.2, "{a}");
    assert!(f(&a["mae"]) < 0.5 * f(&a["persistence_mae"]), "{a}");
    assert!(f(&a["skill"]) > 0.5, "{a}");
    assert!((f(&a["coverage_80"]) - 0.8).abs() < 0.1, "{a}");
    assert!((f(&a["coverage_95"]) - 0.95).abs() < 0.06, "{a}");
    assert_eq!(ramp["period_s"], 1.0);

    let flat = signal("flat");
    let windows = flat["anomalies"].as_array().unwrap();
    let shift_ns = (START + SHIFT_AT) * 1_000_000_000;
    let bracket = windows
        .iter()
        .find(|w| {
            w["start_ns"].as_i64().unwrap() <= shift_ns + 5_000_000_000
                && w["end_ns"].as_i64().unwrap() >= shift_ns
        })
        .unwrap_or_else(|| panic!("no window brackets the shift: {windows:?}"));
    assert_eq!(bracket["kind"], "level_shift", "{bracket}");
    assert!(bracket["start"].as_str().unwrap().starts_with("2026-"));
    let delay_s = (bracket["detected_ns"].as_i64().unwrap() - shift_ns) as f64 / 1e9;
    assert!(
        (0.0..60.0).contains(&delay_s),
        "detected {delay_s} s after the shift"
    );
    assert!(windows.len() <= 2, "false alarms: {windows:?}");

    // --signal narrows the analysis; an unknown one is an error.
    let only = twinscope(&[
        "analyze",
        input.to_str().unwrap(),
        "--signal",
        "flat",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(only.status.success());
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(result["signals"].as_array().unwrap().len(), 1);
    let missing = twinscope(&[
        "analyze",
        input.to_str().unwrap(),
        "--signal",
        "nope",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("`nope`"));
}
