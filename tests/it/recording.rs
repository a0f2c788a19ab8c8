//! `twinscope record` and `twinscope info` from the real binary: finished, interrupted and
//! killed recordings, damage, and the MCAP reference reader (Python `mcap`) on our files.

use crate::support::{KillOnDrop, repo_root, twinscope};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use twinscope_core::recording::{ProblemKind, RecordingReader, SummaryStatus};
use twinscope_core::signal::Timestamp;

/// Records the demo scene with the simulator fed straight in, for `secs` seconds.
fn record(out: &Path, secs: &str) -> Output {
    twinscope(&[
        "record",
        "scenes/demo_plant.toml",
        "--no-broker",
        "--duration",
        secs,
        "--out",
        out.to_str().expect("utf-8 path"),
    ])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A 3-second recording in a fresh temp dir.
fn recorded() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("demo.mcap");
    let run = record(&out, "3");
    assert!(
        run.status.success(),
        "record failed:\n{}\n{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    (dir, out)
}

fn demo_signal_ids() -> Vec<&'static str> {
    twinscope_core::demo::demo_signal_periods()
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// Starts `record` with no duration, so only a signal ends it.
fn spawn_record(out: &Path) -> KillOnDrop {
    let child = Command::new(env!("CARGO_BIN_EXE_twinscope"))
        .args(["record", "scenes/demo_plant.toml", "--no-broker", "--out"])
        .arg(out)
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("twinscope starts");
    KillOnDrop(child)
}

/// Waits (bounded) until the file holds at least `chunks` flushed chunks' worth of bytes.
fn wait_for_growth(out: &Path, min_bytes: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(out).map(|m| m.len()).unwrap_or(0) < min_bytes {
        assert!(Instant::now() < deadline, "{} did not grow", out.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits (bounded) for the child to exit.
fn wait_exit(child: &mut KillOnDrop) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "record did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn record_for_three_seconds_then_info_lists_the_demo_signals() {
    let (_dir, out) = recorded();
    let info = twinscope(&["info", out.to_str().expect("utf-8")]);
    let stdout = text(&info.stdout);
    assert_eq!(
        info.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&info.stderr)
    );
    assert!(stdout.contains("summary: present"), "{stdout}");
    assert!(stdout.contains("compression: zstd"), "{stdout}");
    assert!(stdout.contains("problems: none"), "{stdout}");
    assert!(stdout.contains("scene: Demo plant"), "{stdout}");
    let reader = RecordingReader::open(&out).expect("open");
    for id in demo_signal_ids() {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} missing from:\n{stdout}"));
        let count: u64 = line
            .split_whitespace()
            .last()
            .and_then(|c| c.parse().ok())
            .expect("a sample count");
        assert!(count >= 3, "{id}: {count} samples in 3 s");
        let signal = reader
            .signals()
            .iter()
            .find(|s| s.id.as_str() == id)
            .expect("signal in reader");
        assert_eq!(signal.message_count, count);
    }
    let unit_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("M-101.temperature"))
        .expect("M-101.temperature listed");
    assert!(
        unit_line.contains("degC"),
        "unit from the scene: {unit_line}"
    );
    let (start, end) = reader.time_span().expect("span");
    assert!(
        (2.0..4.5).contains(&end.secs_since(start)),
        "{start:?}..{end:?}"
    );
}

#[test]
fn record_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("keep.mcap");
    std::fs::write(&out, b"precious").expect("write");
    let run = record(&out, "0.5");
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("--force"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(std::fs::read(&out).expect("read"), b"precious");
    let forced = twinscope(&[
        "record",
        "--no-broker",
        "--duration",
        "0.5",
        "--force",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    assert!(
        RecordingReader::open(&out)
            .expect("open")
            .problems()
            .is_clean()
    );
}

#[test]
fn sigterm_mid_run_finishes_the_file_with_a_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("term.mcap");
    let mut child = spawn_record(&out);
    wait_for_growth(&out, 4_000);
    std::thread::sleep(Duration::from_millis(1_500));
    let pid = child.0.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = wait_exit(&mut child);
    assert_eq!(
        status.code(),
        Some(0),
        "record should exit cleanly on SIGTERM"
    );
    let reader = RecordingReader::open(&out).expect("open");
    assert_eq!(reader.problems().summary, SummaryStatus::Present);
    assert!(reader.problems().is_clean(), "{:?}", reader.problems());
    assert!(reader.message_count() > 0);
    let info = twinscope(&["info", out.to_str().expect("utf-8")]);
    assert_eq!(info.status.code(), Some(0), "{}", text(&info.stdout));
}

#[test]
fn sigkill_mid_run_leaves_a_file_whose_chunks_are_recovered_up_to_the_break() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("killed.mcap");
    let mut child = spawn_record(&out);
    wait_for_growth(&out, 4_000);
    std::thread::sleep(Duration::from_millis(2_500));
    let killed_at = Timestamp::now();
    child.0.kill().expect("SIGKILL");
    let _ = child.0.wait();

    let mut reader = RecordingReader::open(&out).expect("a killed recording still opens");
    let problems = reader.problems().clone();
    assert!(
        matches!(problems.summary, SummaryStatus::Missing(_)),
        "{problems:?}"
    );
    let tail = problems
        .truncated_tail
        .expect("the cut-off tail is reported");
    assert_eq!(tail.offset + tail.bytes, reader.file_len());
    assert!(reader.chunk_count() >= 2, "{} chunks", reader.chunk_count());
    let signals: Vec<&str> = reader.signals().iter().map(|s| s.id.as_str()).collect();
    for id in demo_signal_ids() {
        assert!(signals.contains(&id), "{id} not recovered: {signals:?}");
    }
    // At most about a second (one flush interval) is lost.
    let (_, last) = reader.time_span().expect("span");
    assert!(
        killed_at.secs_since(last) < 2.5,
        "last recovered sample {:.2} s before the kill",
        killed_at.secs_since(last)
    );
    let samples = reader.read_chunks(0..usize::MAX).expect("read");
    assert_eq!(samples.len() as u64, reader.message_count());

    let info = twinscope(&["info", out.to_str().expect("utf-8")]);
    let stdout = text(&info.stdout);
    assert_eq!(info.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("summary: missing"), "{stdout}");
    assert!(stdout.contains("truncated tail"), "{stdout}");
    assert!(stdout.contains("M-101.temperature"), "{stdout}");
}

#[test]
fn a_corrupted_chunk_is_reported_with_its_offset_and_the_rest_still_read() {
    let (_dir, out) = recorded();
    let (victim, total, lost) = {
        let reader = RecordingReader::open(&out).expect("open");
        assert!(reader.chunk_count() >= 3, "{} chunks", reader.chunk_count());
        let victim = reader.chunks()[1].clone();
        (victim.clone(), reader.message_count(), victim.messages)
    };
    let mut bytes = std::fs::read(&out).expect("read");
    bytes[(victim.offset + victim.length - 10) as usize] ^= 0xff;
    std::fs::write(&out, bytes).expect("write");

    let info = twinscope(&["info", out.to_str().expect("utf-8")]);
    let stdout = text(&info.stdout);
    assert_eq!(info.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("offset {} ", victim.offset)),
        "offset {} not in:\n{stdout}",
        victim.offset
    );
    let mut reader = RecordingReader::open(&out).expect("open");
    let samples = reader.read_chunks(0..usize::MAX).expect("read");
    assert_eq!(samples.len() as u64, total - lost);
    let problems = reader.problems();
    assert_eq!(problems.skipped.len(), 1, "{problems:?}");
    assert_eq!(problems.skipped[0].kind, ProblemKind::CorruptChunk);
    assert_eq!(problems.skipped[0].offset, victim.offset);
}

#[test]
fn info_on_a_file_that_is_not_mcap_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("data.csv");
    std::fs::write(&path, "time,value\n0,1\n").expect("write");
    let info = twinscope(&["info", path.to_str().expect("utf-8")]);
    let stderr = text(&info.stderr);
    assert_eq!(info.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not an MCAP recording"), "{stderr}");
    assert!(stderr.contains("data.csv"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// What the Python reference reader sees; fails with an instruction when it is missing.
const PYTHON_READER: &str = r#"
import json, sys
try:
    from mcap.reader import make_reader
except ImportError:
    sys.exit(3)
with open(sys.argv[1], "rb") as f:
    reader = make_reader(f)
    header = reader.get_header()
    summary = reader.get_summary()
    channels = []
    for channel in summary.channels.values():
        schema = summary.schemas[channel.schema_id]
        channels.append({
            "topic": channel.topic,
            "message_encoding": channel.message_encoding,
            "metadata": dict(channel.metadata),
            "schema_name": schema.name,
            "schema_encoding": schema.encoding,
        })
    counts = {}
    for schema, channel, message in reader.iter_messages():
        body = json.loads(message.data)
        assert "value" in body
        counts[channel.topic] = counts.get(channel.topic, 0) + 1
    one = list(reader.iter_messages(topics=["/M-101/temperature"]))
    print(json.dumps({
        "library": header.library,
        "profile": header.profile,
        "channels": channels,
        "counts": counts,
        "statistics_count": summary.statistics.message_count,
        "m101_temperature": len(one),
    }))
"#;

#[test]
fn the_mcap_reference_reader_agrees_with_ours() {
    let (_dir, out) = recorded();
    let run = Command::new("python3")
        .args(["-c", PYTHON_READER])
        .arg(&out)
        .output()
        .expect("python3 runs (run scripts/setup.sh)");
    assert_ne!(
        run.status.code(),
        Some(3),
        "Python's mcap module is missing: run scripts/setup.sh"
    );
    assert!(
        run.status.success(),
        "python reader failed:\n{}",
        text(&run.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&run.stdout).expect("json");
    let reader = RecordingReader::open(&out).expect("open");
    assert!(
        seen["library"]
            .as_str()
            .is_some_and(|l| l.starts_with("twinscope ")),
        "{seen}"
    );
    assert_eq!(seen["profile"], "");
    let channels = seen["channels"].as_array().expect("channels");
    assert_eq!(channels.len(), reader.signals().len());
    let mut total = 0;
    for channel in channels {
        assert_eq!(channel["message_encoding"], "json");
        assert_eq!(channel["schema_encoding"], "jsonschema");
        assert_eq!(channel["schema_name"], "twinscope.Sample");
        let id = channel["metadata"]["signal"]
            .as_str()
            .expect("signal metadata");
        let ours = reader
            .signals()
            .iter()
            .find(|s| s.id.as_str() == id)
            .unwrap_or_else(|| panic!("{id} unknown to our reader"));
        assert_eq!(
            channel["metadata"]["unit"].as_str(),
            ours.unit.as_deref(),
            "{id}"
        );
        let topic = channel["topic"].as_str().expect("topic");
        assert_eq!(topic, format!("/{}", id.replace('.', "/")));
        let count = seen["counts"][topic].as_u64().unwrap_or(0);
        assert_eq!(count, ours.message_count, "{id}");
        total += count;
    }
    assert_eq!(total, reader.message_count());
    assert_eq!(
        seen["statistics_count"].as_u64(),
        Some(reader.message_count())
    );
    let m101 = reader
        .signals()
        .iter()
        .find(|s| s.id.as_str() == "M-101.temperature")
        .expect("M-101.temperature");
    assert_eq!(seen["m101_temperature"].as_u64(), Some(m101.message_count));
}

/// Runs `twinscope import` with `args` after the CSV path.
fn import(csv: &Path, args: &[&str]) -> Output {
    let mut all = vec!["import", csv.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    twinscope(&all)
}

#[test]
fn import_writes_a_csv_export_with_source_times_and_reports_each_skipped_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("export.csv");
    std::fs::write(
        &csv,
        "time,TK-101.level,P-101.flow\n\
         2026-01-01T00:00:00Z,1.5,0.1\n\
         2026-01-01T00:00:01Z,abc,0.30000000000000004\n\
         not-a-time,1,1\n\
         2026-01-01T00:00:02.5Z,,-7e-3\n",
    )
    .expect("write csv");
    let out = dir.path().join("export.mcap");
    let run = import(&csv, &["--out", out.to_str().expect("utf-8")]);
    let stderr = text(&run.stderr);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}\n{stderr}",
        text(&run.stdout)
    );
    let csv_name = csv.display().to_string();
    assert!(
        stderr.contains(&format!("{csv_name}:3: column `TK-101.level`")),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("{csv_name}:4: ")), "{stderr}");
    assert!(text(&run.stdout).contains("imported 4 samples of 2 signals"));

    let mut reader = RecordingReader::open(&out).expect("open");
    assert!(reader.problems().is_clean(), "{:?}", reader.problems());
    let t0 = 1_767_225_600_000_000_000i64;
    let got: Vec<(String, i64, u64)> = reader
        .read_chunks(0..usize::MAX)
        .expect("read")
        .iter()
        .map(|s| (s.signal.to_string(), s.time.0 - t0, s.value.to_bits()))
        .collect();
    let expected: Vec<(String, i64, u64)> = [
        ("TK-101.level", 0, 1.5),
        ("P-101.flow", 0, 0.1),
        ("P-101.flow", 1_000_000_000, 0.30000000000000004),
        ("P-101.flow", 2_500_000_000, -7e-3),
    ]
    .iter()
    .map(|&(id, t, v): &(&str, i64, f64)| (id.to_owned(), t, v.to_bits()))
    .collect();
    assert_eq!(got, expected);
    // Imports have no receive time: log time = publish time.
    let bytes = std::fs::read(&out).expect("read");
    let mut messages = 0;
    for message in mcap::MessageStream::new(&bytes).expect("stream") {
        let message = message.expect("message");
        assert_eq!(message.log_time, message.publish_time);
        messages += 1;
    }
    assert_eq!(messages, 4);
}

#[test]
fn import_reads_long_layouts_and_prefixes_wide_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = dir.path().join("long.csv");
    std::fs::write(
        &long,
        "ts,tag,value,unit\n1767225600,M-101.temperature,61.5,degC\n1767225601,M-101.temperature,62,degC\n",
    )
    .expect("write");
    let out = dir.path().join("long.mcap");
    let run = import(
        &long,
        &["--layout", "long", "--out", out.to_str().expect("utf-8")],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let reader = RecordingReader::open(&out).expect("open");
    assert_eq!(reader.signals()[0].id.as_str(), "M-101.temperature");
    assert_eq!(reader.signals()[0].message_count, 2);

    let wide = dir.path().join("wide.csv");
    std::fs::write(&wide, "stamp,speed,current\n1767225600000,10,2\n").expect("write");
    let out = dir.path().join("wide.mcap");
    let run = import(
        &wide,
        &[
            "--time-column",
            "stamp",
            "--signal-prefix",
            "CV-201.",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let reader = RecordingReader::open(&out).expect("open");
    let ids: Vec<&str> = reader.signals().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["CV-201.current", "CV-201.speed"]);
    assert_eq!(
        reader.time_span(),
        Some((
            Timestamp(1_767_225_600_000_000_000),
            Timestamp(1_767_225_600_000_000_000)
        ))
    );
}

#[test]
fn import_of_an_unusable_csv_fails_and_leaves_no_recording() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "time,a\n1767225600,1\n").expect("write");
    let out = dir.path().join("bad.mcap");
    let run = import(
        &csv,
        &[
            "--time-column",
            "when",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad.csv") && stderr.contains("when"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("bad.csv")],
        "no output, no partial file"
    );
}

/// 70,000 columns once panicked inside the MCAP writer (16-bit channel ids); now the import
/// stops with the reason and leaves no file that would read as clean.
#[test]
fn import_past_the_recordings_signal_limit_stops_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("wide.csv");
    let out = dir.path().join("wide.mcap");
    let columns = 70_000;
    let header: Vec<String> = (0..columns).map(|i| format!("c{i}")).collect();
    let row = vec!["1"; columns].join(",");
    std::fs::write(
        &csv,
        format!("time,{}\n2026-01-01T00:00:00Z,{row}\n", header.join(",")),
    )
    .unwrap();
    let output = crate::support::twinscope(&[
        "import",
        csv.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("more than 65534 signals"), "{stderr}");
    assert!(!out.exists(), "no recording is left behind");
}
