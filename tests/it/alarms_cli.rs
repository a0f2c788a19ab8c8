//! `twinscope alarms`: a recording's alarm history as CSV.

use crate::support::{demo_scene, twinscope};
use twinscope_core::signal::Timestamp;

const S: i64 = 1_000_000_000;

#[test]
fn the_cli_exports_the_simulated_motor_overheating_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let mcap = dir.path().join("sim.mcap");
    let csv = dir.path().join("alarms.csv");
    let scene = twinscope_core::scene::Scene::load(&demo_scene()).unwrap();
    let meta = twinscope_core::recording::RecordingMeta::for_scene(&scene, "test simulator");
    let mut writer = twinscope_core::recording::RecordingWriter::create(&mcap, &meta).unwrap();
    let start = Timestamp(1_700_000_000 * S);
    let mut sim = twinscope_core::demo::DemoSimulator::new(42, start);
    let mut batch = Vec::new();
    for _ in 0..(30 * 60) {
        batch.clear();
        sim.advance(1.0, &mut batch);
        for sample in &batch {
            writer.write(sample, sample.time).unwrap();
        }
    }
    writer.finish().unwrap();

    let out = twinscope(&[
        "alarms",
        demo_scene().to_str().unwrap(),
        "--replay",
        mcap.to_str().unwrap(),
        "--out",
        csv.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("transitions of"), "{stdout}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("time,alarm,asset,area,priority,from,to,value,cause,operator_action")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let overheated = rows.iter().find(|r| {
        r[1].starts_with("M-10") && r[1].ends_with("temperature H") && r[8] == "activated"
    });
    let row = overheated.unwrap_or_else(|| panic!("no motor H activation in\n{text}"));
    assert!(row[0].starts_with("2023-11-14T"), "{row:?}");
    assert_eq!(
        (row[4], row[5], row[6]),
        ("high", "normal", "unacknowledged")
    );
    assert!(row[7].parse::<f64>().unwrap() >= 95.0);
    let mut times: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    let sorted = {
        let mut t = times.clone();
        t.sort();
        t
    };
    times.dedup();
    assert!(!times.is_empty());
    assert_eq!(
        rows.iter().map(|r| r[0]).collect::<Vec<_>>(),
        sorted,
        "time order"
    );
}
