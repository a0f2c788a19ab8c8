//! `twinscope scenario run|list` from the real binary: reproducible reports, hashes of the
//! inputs, clear failures.

use crate::support::{demo_scene, twinscope};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Runs "conveyor jam" on the demo scene from a minute of simulated history into `out`.
fn run_jam(out: &Path) -> std::process::Output {
    twinscope(&[
        "scenario",
        "run",
        "scenes/demo_plant.toml",
        "--scenario",
        "conveyor jam",
        "--backfill",
        "1m",
        "--at",
        "-5s",
        "--out",
        out.to_str().expect("utf-8 temp path"),
    ])
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("file to hash");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_same_run_twice_gives_byte_identical_reports_with_the_inputs_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        dir.path().join("a/report.json"),
        dir.path().join("b/report.json"),
    );
    for out in [&a, &b] {
        let run = run_jam(out);
        assert!(
            run.status.success(),
            "scenario run failed:\n{}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let (json_a, json_b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(json_a, json_b, "report.json differs between two runs");
    let md = |p: &Path| std::fs::read(p.with_extension("md")).unwrap();
    assert_eq!(md(&a), md(&b), "report.md differs between two runs");

    let report: serde_json::Value = serde_json::from_slice(&json_a).unwrap();
    assert_eq!(report["scenario"], "conveyor jam");
    assert_eq!(
        report["tool"],
        format!("twinscope {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(report["scene"]["sha256"], sha256_hex(&demo_scene()));
    let scenario_file = demo_scene().with_file_name("conveyor_jam.scenario.toml");
    assert_eq!(
        report["scenario_file"]["sha256"],
        sha256_hex(&scenario_file)
    );
    let model = crate::support::demo_model();
    assert_eq!(report["model"]["sha256"], sha256_hex(&model));
    // T0 is 5 s before the end of the simulated history, which ends at a fixed time.
    assert_eq!(report["t0"]["rfc3339"], "2026-01-01T07:59:55Z");
    assert_eq!(report["history"]["type"], "simulator");
    assert_eq!(
        report["history"]["start"]["rfc3339"],
        "2026-01-01T07:59:00Z"
    );
    // The belt speed was read from the simulated CV-201.speed at or before T0.
    let belt = &report["inputs"][0];
    assert_eq!(belt["name"], "belt_speed");
    assert_eq!(belt["read"]["signal"], "CV-201.speed");
    assert!(belt["read"]["time"].as_i64().unwrap() <= report["t0"]["ns"].as_i64().unwrap());
    assert_eq!(belt["value"], belt["read"]["raw"]);
    assert_eq!(report["seed"], 7);
    let steps = report["steps"].as_u64().unwrap();
    assert_eq!(steps, 45 * 60, "45 s at 60 steps per second");
    let hash = report["trajectory_hash"].as_str().unwrap();
    assert!(
        hash.len() >= 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{hash}"
    );
    assert!(String::from_utf8_lossy(&md(&a)).contains(hash));
    let bodies = report["bodies"].as_array().unwrap();
    assert_eq!(bodies.len(), 36);
    assert_eq!(report["outcomes"]["bodies_total"], 36);
    assert_eq!(report["outcomes"]["zones"].as_array().unwrap().len(), 4);
    assert!(report["snapshots"]["count"].as_u64().unwrap() > 0);
}

#[test]
fn an_unknown_scenario_exits_2_listing_the_available_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let run = twinscope(&[
        "scenario",
        "run",
        "scenes/demo_plant.toml",
        "--scenario",
        "conveyor jamm",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    for name in ["conveyor jam", "hoist load released", "forklift crossing"] {
        assert!(
            stderr.contains(&format!("\"{name}\"")),
            "{name} not listed in:\n{stderr}"
        );
    }
    assert!(!out.exists(), "no report for a failed run");
}

#[test]
fn list_shows_every_demo_scenario_with_its_duration() {
    let run = twinscope(&["scenario", "list", "scenes/demo_plant.toml"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("conveyor jam") && lines[0].contains("45.0 s"),
        "{stdout}"
    );
    assert!(lines[1].starts_with("hoist load released"), "{stdout}");
    assert!(lines[2].starts_with("forklift crossing"), "{stdout}");
}
