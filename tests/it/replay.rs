//! The viewer with recordings: `--record` while live, then `--replay` of that file shows the
//! plant exactly as it was; a recording cut off mid-write still replays.

use crate::screenshot::{read_capture, run_screenshot};
use crate::support::twinscope;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn colours(capture: &crate::screenshot::Capture) -> BTreeMap<String, String> {
    capture
        .assets
        .iter()
        .filter_map(|r| Some((r.tag.clone(), r.color.clone()?)))
        .collect()
}

#[test]
fn a_live_recording_replays_identically_at_the_same_time() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("live.mcap");
    let live_png = dir.path().join("live.png");
    let recording_arg = recording.to_str().unwrap();
    // Ten minutes of made-up history plus live data, all recorded.
    run_screenshot(
        &live_png,
        30,
        &[
            "--no-broker",
            "--backfill",
            "10m",
            "--record",
            recording_arg,
        ],
    );
    let live = read_capture(&live_png);
    assert!(live.following_live);
    let live_colours = colours(&live);
    assert!(
        live_colours.len() >= 10,
        "bound assets on screen: {live_colours:?}"
    );
    let info = twinscope(&["info", recording_arg]);
    assert!(
        info.status.success(),
        "the viewer finished the file on exit:\n{}{}",
        String::from_utf8_lossy(&info.stdout),
        String::from_utf8_lossy(&info.stderr)
    );

    let replay_png = dir.path().join("replay.png");
    run_screenshot(
        &replay_png,
        5,
        &["--replay", recording_arg, "--at", &live.view_time],
    );
    let replay = read_capture(&replay_png);
    assert!(!replay.following_live, "replay opens paused at --at");
    assert_eq!(replay.view_time_ns, live.view_time_ns);
    assert_eq!(
        colours(&replay),
        live_colours,
        "every asset's colour at the same time, replayed"
    );

    // Ten minutes back, the history recorded from the backfill is there too.
    let early_png = dir.path().join("early.png");
    run_screenshot(&early_png, 5, &["--replay", recording_arg, "--at", "start"]);
    let early = read_capture(&early_png);
    assert!(
        live.view_time_ns - early.view_time_ns > 9 * 60 * 1_000_000_000,
        "the recording starts with the backfill"
    );
    assert!(
        colours(&early).len() >= 10,
        "values exist at the start of the recording"
    );
}

#[test]
fn a_recording_killed_mid_write_still_replays() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("killed.mcap");
    let mut child = Command::new(env!("CARGO_BIN_EXE_twinscope"))
        .args(["record", "--no-broker", "--backfill", "5m", "--out"])
        .arg(&recording)
        .current_dir(crate::support::repo_root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("twinscope record starts");
    // Wait for a few flushed chunks (bounded), then kill without warning.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let size = std::fs::metadata(&recording).map(|m| m.len()).unwrap_or(0);
        if size > 50_000 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    let png = dir.path().join("killed.png");
    run_screenshot(
        &png,
        5,
        &["--replay", recording.to_str().unwrap(), "--at", "end"],
    );
    let capture = read_capture(&png);
    assert!(
        colours(&capture).len() >= 10,
        "the killed recording's chunks replay: {:?}",
        colours(&capture)
    );
}

/// A recording whose link went down replays as disconnected: inside the outage every asset's
/// badge says so (the last value is still shown, but not as if it were current).
#[test]
fn a_recorded_outage_replays_as_disconnected() {
    use twinscope_core::freshness::LinkEvent;
    use twinscope_core::recording::{RecordingMeta, RecordingWriter};
    use twinscope_core::signal::{Sample, SignalId, Timestamp};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outage.mcap");
    let t0 = Timestamp::now().0 - 3_600_000_000_000;
    let at = |s: i64| Timestamp(t0 + s * 1_000_000_000);
    let meta = RecordingMeta {
        scene: "Demo plant".into(),
        source: "test".into(),
        start_time: at(0),
        signals: Vec::new(),
    };
    let mut writer = RecordingWriter::create(&path, &meta).unwrap();
    let link = |s, connected| LinkEvent {
        time: at(s),
        connected,
        detail: "test".into(),
    };
    writer.write_link(&link(0, true)).unwrap();
    for s in 0..=60 {
        match s {
            20 => writer.write_link(&link(20, false)).unwrap(),
            40 => writer.write_link(&link(40, true)).unwrap(),
            _ => {}
        }
        if (20..40).contains(&s) {
            continue;
        }
        for id in ["TK-101.level", "TK-102.level", "M-101.temperature"] {
            writer
                .write(&Sample::new(SignalId::new(id), at(s), 50.0), at(s))
                .unwrap();
        }
    }
    writer.finish().unwrap();

    let png = dir.path().join("outage.png");
    let at_arg = twinscope_core::recording::format_utc(at(30));
    run_screenshot(
        &png,
        5,
        &["--replay", path.to_str().unwrap(), "--at", &at_arg],
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(png.with_extension("json")).unwrap())
            .unwrap();
    let badges = report["badges"].as_array().expect("badges");
    let tk101 = badges
        .iter()
        .find(|b| b["tag"] == "TK-101")
        .unwrap_or_else(|| panic!("no TK-101 badge: {badges:?}"));
    assert!(
        tk101["text"].as_str().unwrap().contains("disconnected"),
        "{tk101}"
    );
}
