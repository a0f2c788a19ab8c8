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
    let (code, stdout, result) = analyze(&input);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("ramp: 4000 samples"), "{stdout}");
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
    let out = dir.path().join("result.json");
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

/// Runs `analyze` on `input` and returns (exit code, stdout, the JSON).
fn analyze(input: &std::path::Path) -> (Option<i32>, String, serde_json::Value) {
    let out = input.with_extension("json");
    let run = twinscope(&[
        "analyze",
        input.to_str().unwrap(),
        "--horizon",
        "60s",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let json = std::fs::read_to_string(&out)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(serde_json::Value::Null);
    (run.status.code(), stdout, json)
}

/// Unsorted rows once kept 3 of 120 samples, silently; now they are sorted and said so.
#[test]
fn unsorted_history_is_sorted_and_said_so_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("unsorted.csv");
    let mut text = String::from("time,level\n");
    for i in (0..120).rev() {
        writeln!(text, "{},{}", START + i, 50.0 + (i % 7) as f64).unwrap();
    }
    std::fs::write(&input, text).unwrap();
    let (code, stdout, json) = analyze(&input);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("level: 120 samples"), "{stdout}");
    assert!(
        stdout.contains("119 samples were out of time order"),
        "{stdout}"
    );
    assert_eq!(json["input"]["out_of_order"], 119);
    assert_eq!(json["input"]["dropped"], 0);
}

/// Ragged and bad rows once vanished with exit 0; now they are counted, placed, and exit 1.
#[test]
fn bad_rows_are_counted_with_their_lines_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ragged.csv");
    let mut text = String::from("time,level\n");
    for i in 0..100 {
        writeln!(text, "{},{}", START + i, 50.0 + (i % 5) as f64).unwrap();
    }
    text.push_str("not a time,3\n");
    writeln!(text, "{},abc", START + 200).unwrap();
    std::fs::write(&input, text).unwrap();
    let (code, stdout, json) = analyze(&input);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("line 102"), "{stdout}");
    assert!(stdout.contains("line 103"), "{stdout}");
    assert_eq!(json["input"]["skipped_rows"], 2, "{json:#}");
    assert!(json["input"]["problems"].as_array().unwrap().len() >= 2);
}

/// A recording with damage once analysed as `"skipped": 0`, exit 0; random bytes after the
/// magic too. Now damage is counted with offsets and the command fails.
#[test]
fn damaged_recordings_are_reported_not_analysed_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("history.csv");
    std::fs::write(&csv_path, csv()).unwrap();
    let mcap = dir.path().join("history.mcap");
    let import = twinscope(&[
        "import",
        csv_path.to_str().unwrap(),
        "--out",
        mcap.to_str().unwrap(),
    ]);
    assert!(import.status.success());
    // Flip bytes in the middle of the data section: a chunk is damaged.
    let mut bytes = std::fs::read(&mcap).unwrap();
    let middle = bytes.len() / 3;
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0xa5;
    }
    let damaged = dir.path().join("damaged.mcap");
    std::fs::write(&damaged, &bytes).unwrap();
    let (code, stdout, json) = analyze(&damaged);
    // Exit 1 with what was left analysed, or 2 when the damaged chunk held everything.
    assert!(matches!(code, Some(1 | 2)), "{stdout}");
    assert!(
        stdout.contains("chunk skipped") && stdout.contains("offset "),
        "{stdout}"
    );
    if code == Some(1) {
        assert!(
            json["input"]["damaged_chunks"].as_u64().unwrap() >= 1,
            "{json:#}"
        );
    }

    // The magic and then noise: nothing to analyse is an error, not an empty success.
    let noise = dir.path().join("noise.mcap");
    let mut bytes = b"\x89MCAP0\r\n".to_vec();
    let mut state: u32 = 7;
    bytes.extend((0..50_000).map(|_| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (state >> 16) as u8
    }));
    std::fs::write(&noise, &bytes).unwrap();
    let (code, stdout, _) = analyze(&noise);
    assert_ne!(code, Some(0), "{stdout}");
}
