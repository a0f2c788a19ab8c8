//! A real recording opened with Foxglove's own MCAP reader: `@mcap/core`'s `McapIndexedReader`
//! (what Foxglove uses to open files; it needs the summary and the chunk message indexes), with
//! zstd from `@foxglove/wasm-zstd`, run by node through `tools/mcap-ts/check.mjs`.

use crate::support::{KillOnDrop, repo_root};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use twinscope_core::recording::RecordingReader;

/// Runs `command` with stdout and stderr going to files in `dir` (no pipe to fill up), killing
/// it if it is still running after `limit`. Returns its status, stdout and stderr.
fn run_bounded(
    mut command: Command,
    dir: &Path,
    name: &str,
    limit: Duration,
) -> (ExitStatus, String, String) {
    let out_path = dir.join(format!("{name}.stdout"));
    let err_path = dir.join(format!("{name}.stderr"));
    let stdout = std::fs::File::create(&out_path).expect("create stdout file");
    let stderr = std::fs::File::create(&err_path).expect("create stderr file");
    let child = command
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("{name} does not start ({e}): run scripts/setup.sh"));
    let mut child = KillOnDrop(child);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.0.kill();
            let _ = child.0.wait();
            panic!(
                "{name} still running after {limit:?}; stderr so far:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |p: &Path| std::fs::read_to_string(p).expect("read captured output");
    (status, read(&out_path), read(&err_path))
}

/// The checker script, after making sure node and its packages are there.
fn checker() -> PathBuf {
    let node = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "node is not installed (need node 20 and npm): run scripts/setup.sh"
    );
    let tool = repo_root().join("tools/mcap-ts");
    for package in ["@mcap/core", "@foxglove/wasm-zstd"] {
        let dir = tool.join("node_modules").join(package);
        assert!(
            dir.join("package.json").is_file(),
            "{} is missing: run scripts/setup.sh (it runs `npm ci` in tools/mcap-ts)",
            dir.display()
        );
    }
    tool.join("check.mjs")
}

#[test]
fn foxglove_indexed_reader_opens_a_recording_and_agrees_with_ours() {
    let script = checker();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("r.mcap");

    let mut record = Command::new(env!("CARGO_BIN_EXE_twinscope"));
    record
        .args([
            "record",
            "scenes/demo_plant.toml",
            "--no-broker",
            "--duration",
            "3",
            "--out",
        ])
        .arg(&out);
    let (status, stdout, stderr) =
        run_bounded(record, dir.path(), "record", Duration::from_secs(60));
    assert!(status.success(), "record failed:\n{stdout}\n{stderr}");

    let mut node = Command::new("node");
    node.arg(&script).arg(&out);
    let (status, stdout, stderr) = run_bounded(node, dir.path(), "check", Duration::from_secs(60));
    assert!(
        status.success(),
        "@mcap/core's McapIndexedReader could not read the recording ({status}):\n{stderr}"
    );
    assert_eq!(stdout.lines().count(), 1, "one line of JSON:\n{stdout}");
    let seen: serde_json::Value = serde_json::from_str(&stdout).expect("check.mjs prints JSON");

    let mut reader = RecordingReader::open(&out).expect("our reader opens it");
    assert!(reader.problems().is_clean(), "{:?}", reader.problems());
    assert_eq!(seen["profile"], "", "{seen}");
    assert!(
        seen["library"]
            .as_str()
            .is_some_and(|l| l.starts_with("twinscope ")),
        "{seen}"
    );

    // Our first sample of each signal, in file order (= receive order = log time order).
    let samples = reader.read_chunks(0..usize::MAX).expect("read");
    assert_eq!(samples.len() as u64, reader.message_count());

    let channels = seen["channels"].as_array().expect("channels");
    assert_eq!(channels.len(), reader.signals().len(), "{seen}");
    let counts = seen["messageCounts"].as_object().expect("messageCounts");
    assert_eq!(counts.len(), channels.len(), "a count per channel: {seen}");
    let mut ids = HashSet::new();
    let mut sum = 0;
    for channel in channels {
        assert_eq!(channel["messageEncoding"], "json", "{channel}");
        assert_eq!(channel["schemaName"], "twinscope.Sample", "{channel}");
        assert_eq!(channel["schemaEncoding"], "jsonschema", "{channel}");
        let id = channel["metadata"]["signal"]
            .as_str()
            .unwrap_or_else(|| panic!("no `signal` metadata: {channel}"));
        assert!(ids.insert(id.to_owned()), "{id} on two channels");
        let ours = reader
            .signals()
            .iter()
            .find(|s| s.id.as_str() == id)
            .unwrap_or_else(|| panic!("{id} unknown to our reader"));
        let topic = channel["topic"].as_str().expect("topic");
        let count = counts[topic]
            .as_u64()
            .unwrap_or_else(|| panic!("no count for {topic}: {seen}"));
        assert_eq!(count, ours.message_count, "{id} ({topic})");
        sum += count;

        let first = seen["firstValue"][topic]
            .as_f64()
            .filter(|v| v.is_finite())
            .unwrap_or_else(|| panic!("{topic}: first value is not a finite number: {seen}"));
        let expected = samples
            .iter()
            .find(|s| s.signal.as_str() == id)
            .map(|s| s.value)
            .unwrap_or_else(|| panic!("{id}: no sample in our reader"));
        assert!(
            (first - expected).abs() <= 1e-12 * expected.abs().max(1.0),
            "{topic}: Foxglove's reader saw {first} first, ours {expected}"
        );
    }
    let total = seen["total"].as_u64().expect("total");
    assert!(total > 0, "{seen}");
    assert_eq!(total, sum, "{seen}");
    assert_eq!(total, reader.message_count());
}
