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
