//! Write → read round trips, damage and recovery, and the seek queries against a naive scan.

use super::*;
use crate::signal::Sample;
use std::path::Path;

fn meta() -> RecordingMeta {
    RecordingMeta {
        scene: "Test plant".into(),
        source: "unit test".into(),
        start_time: Timestamp(1_700_000_000_000_000_000),
        signals: vec![DeclaredSignal {
            id: SignalId::new("M-101.temperature"),
            unit: Some("degC".into()),
        }],
    }
}

const T0: i64 = 1_700_000_000_000_000_000;

/// `n` samples over `signals` signals, 10 ms apart per round, some arriving late (their
/// source time is behind the previous one's), with varied values.
fn samples(n: usize, signals: usize) -> Vec<Sample> {
    let ids: Vec<SignalId> = (0..signals)
        .map(|i| SignalId::new(format!("U-{:03}.value", i)))
        .collect();
    (0..n)
        .map(|i| {
            let round = (i / signals) as i64;
            let late = if i % 97 == 0 { 3_000_000_000 } else { 0 };
            let time = T0 + round * 10_000_000 - late + (i % signals) as i64;
            let value = ((i as f64) * 0.37).sin() * 100.0 + (i % 7) as f64 / 3.0;
            Sample::new(ids[i % signals].clone(), Timestamp(time), value)
        })
        .collect()
}

fn write_all(path: &Path, samples: &[Sample], flush_every: usize) -> RecordingStats {
    let mut writer = RecordingWriter::create(path, &meta()).expect("create");
    for (i, sample) in samples.iter().enumerate() {
        writer
            .write(sample, Timestamp(sample.time.0 + 5_000_000))
            .expect("write");
        if flush_every > 0 && (i + 1) % flush_every == 0 {
            writer.flush_chunk().expect("flush");
        }
    }
    writer.finish().expect("finish")
}

/// Equal bit for bit; on failure says where, without printing thousands of samples.
fn assert_same(got: &[Sample], expected: &[Sample], context: &str) {
    let (got, expected) = (bits(got), bits(expected));
    if let Some(i) = (0..got.len().min(expected.len())).find(|&i| got[i] != expected[i]) {
        panic!(
            "{context}: sample {i} differs: {:?} != {:?}",
            got[i], expected[i]
        );
    }
    assert_eq!(got.len(), expected.len(), "{context}: lengths differ");
}

fn bits(samples: &[Sample]) -> Vec<(String, i64, u64)> {
    samples
        .iter()
        .map(|s| (s.signal.to_string(), s.time.0, s.value.to_bits()))
        .collect()
}

/// What `latest_before` must return, by brute force over the samples as written.
fn naive_latest(samples: &[Sample], t: Timestamp) -> Vec<Sample> {
    let mut best: std::collections::BTreeMap<SignalId, Sample> = Default::default();
    for s in samples.iter().filter(|s| s.time <= t) {
        if best.get(&s.signal).is_none_or(|b| s.time >= b.time) {
            best.insert(s.signal.clone(), s.clone());
        }
    }
    best.into_values().collect()
}

fn naive_window(samples: &[Sample], start: Timestamp, end: Timestamp) -> Vec<Sample> {
    let mut hits: Vec<Sample> = samples
        .iter()
        .filter(|s| s.time >= start && s.time <= end)
        .cloned()
        .collect();
    hits.sort_by_key(|s| s.time);
    hits
}

#[test]
fn round_trip_is_bit_exact_including_nan_and_infinities() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rt.mcap");
    let id = SignalId::new("M-101.temperature");
    let other = SignalId::new("P-101.flow");
    let values = [
        12.3456,
        -0.0,
        f64::NAN,
        f64::from_bits(0x7ff8_dead_beef_0001),
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e-324,
        f64::MAX,
    ];
    let written: Vec<Sample> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let signal = if i % 2 == 0 {
                id.clone()
            } else {
                other.clone()
            };
            Sample::new(signal, Timestamp(T0 + i as i64), v)
        })
        .collect();
    let stats = write_all(&path, &written, 0);
    assert_eq!(stats.samples, values.len() as u64);
    assert_eq!(stats.signals, 2);
    assert_eq!(stats.bytes, std::fs::metadata(&path).expect("stat").len());

    let mut reader = RecordingReader::open(&path).expect("open");
    assert!(reader.problems().is_clean(), "{:?}", reader.problems());
    assert_eq!(reader.problems().index_rebuilt, None);
    assert_eq!(
        reader.signals(),
        &[
            RecordedSignal {
                id: id.clone(),
                unit: Some("degC".into()),
                message_count: 4
            },
            RecordedSignal {
                id: other.clone(),
                unit: None,
                message_count: 4
            },
        ]
    );
    assert_eq!(reader.time_span(), Some((Timestamp(T0), Timestamp(T0 + 7))));
    let meta_back = reader.meta().expect("metadata record");
    assert_eq!(meta_back.scene, "Test plant");
    assert_eq!(meta_back.source, "unit test");
    assert_eq!(meta_back.start_time, meta().start_time);
    let read = reader.read_chunks(0..usize::MAX).expect("read");
    assert_same(&read, &written, "round trip");
}

#[test]
fn seeks_agree_with_a_naive_scan_across_many_chunks_and_late_samples() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.mcap");
    let written = samples(120_000, 40);
    let stats = write_all(&path, &written, 7_000);
    let mut reader = RecordingReader::open(&path).expect("open");
    assert!(reader.problems().is_clean(), "{:?}", reader.problems());
    assert!(
        reader.chunk_count() >= 10,
        "{} chunks",
        reader.chunk_count()
    );
    assert_eq!(reader.chunk_count() as u64, stats.chunks);
    assert!(
        reader
            .chunks()
            .iter()
            .all(|c| c.uncompressed_size <= 1024 * 1024 + 4096),
        "chunks stay near 1 MiB"
    );
    assert_eq!(reader.message_count(), written.len() as u64);
    let (start, end) = reader.time_span().expect("span");
    assert_eq!(start, written.iter().map(|s| s.time).min().expect("min"));
    assert_eq!(end, written.iter().map(|s| s.time).max().expect("max"));
    let span = end.0 - start.0;
    for k in 0..=40 {
        let t = Timestamp(start.0 - 1_000 + span / 40 * k + (k * 7_919) % 1_000_000);
        let got = reader.latest_before(t).expect("latest");
        assert_same(
            &got,
            &naive_latest(&written, t),
            &format!("latest at {t:?}"),
        );
    }
    for k in 0..12 {
        let a = Timestamp(start.0 + span / 13 * k);
        let b = Timestamp(a.0 + span / 9);
        let got = reader.read_chunks(a..=b).expect("window");
        assert_same(
            &got,
            &naive_window(&written, a, b),
            &format!("{a:?}..={b:?}"),
        );
    }
}

#[test]
fn a_file_cut_off_mid_write_recovers_every_complete_chunk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("live.mcap");
    let written = samples(28_000, 20);
    let mut writer = RecordingWriter::create(&path, &meta()).expect("create");
    let mut flushed_at = Vec::new();
    for (i, sample) in written.iter().enumerate() {
        writer.write(sample, sample.time).expect("write");
        if (i + 1) % 4_000 == 0 {
            writer.flush_chunk().expect("flush");
            flushed_at.push(i + 1);
        }
    }
    // The writer is still open (a killed process): copy what is on disk now, which ends with
    // the last flushed chunk; then cut into that chunk as a kill mid-write would.
    let on_disk = std::fs::read(&path).expect("read");
    drop(writer);
    let whole = dir.path().join("whole.mcap");
    std::fs::write(&whole, &on_disk).expect("write copy");
    let last = RecordingReader::open(&whole)
        .expect("open")
        .chunks()
        .last()
        .cloned()
        .expect("chunk");
    // Ends after the last chunk's message indexes; 1 byte into its end; in its middle.
    for keep in [
        on_disk.len() as u64,
        last.offset + last.length - 1,
        last.offset + 777,
    ] {
        let cut_path = dir.path().join(format!("cut{keep}.mcap"));
        std::fs::write(&cut_path, &on_disk[..keep as usize]).expect("write cut");
        let mut reader = RecordingReader::open(&cut_path).expect("open recovers");
        let problems = reader.problems().clone();
        assert!(matches!(problems.summary, SummaryStatus::Missing(_)));
        let tail = problems.truncated_tail.expect("truncated tail reported");
        assert_eq!(tail.offset + tail.bytes, keep);
        assert!(!problems.is_clean());
        let read = reader.read_chunks(0..usize::MAX).expect("read");
        let expected = if keep == on_disk.len() as u64 {
            *flushed_at.last().expect("flushed")
        } else {
            // Cutting into the last complete chunk loses exactly that chunk.
            flushed_at[flushed_at.len() - 2]
        };
        assert_same(&read, &written[..expected], &format!("kept {keep}"));
        assert_eq!(reader.signals().len(), 21, "declared + 20 seen");
        let t = Timestamp(T0 + 2_000_000_000);
        assert_same(
            &reader.latest_before(t).expect("latest"),
            &naive_latest(&written[..expected], t),
            "latest",
        );
    }
}

/// Flips one byte in the middle of chunk `n`'s record.
fn corrupt_chunk(path: &Path, reader: &RecordingReader, n: usize) -> u64 {
    let chunk = &reader.chunks()[n];
    let mut bytes = std::fs::read(path).expect("read");
    let at = (chunk.offset + chunk.length / 2) as usize;
    bytes[at] ^= 0x5a;
    std::fs::write(path, bytes).expect("write");
    chunk.offset
}

#[test]
fn a_corrupted_chunk_is_skipped_with_its_offset_and_the_rest_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.mcap");
    let written = samples(20_000, 10);
    write_all(&path, &written, 2_000);
    let (bad_offset, per_chunk) = {
        let reader = RecordingReader::open(&path).expect("open");
        let counts: Vec<u64> = reader.chunks().iter().map(|c| c.messages).collect();
        (corrupt_chunk(&path, &reader, 3), counts)
    };
    let mut reader = RecordingReader::open(&path).expect("open");
    assert!(reader.problems().is_clean(), "nothing decoded yet");
    let mut got = Vec::new();
    reader
        .for_each_batch::<RecordingError>(&mut |_, _| {}, &mut |batch| {
            got.extend(batch);
            Ok(())
        })
        .expect("stream");
    let problems = reader.problems();
    assert_eq!(problems.skipped.len(), 1, "{problems:?}");
    let problem = &problems.skipped[0];
    assert_eq!(problem.kind, ProblemKind::CorruptChunk);
    assert_eq!(problem.offset, bad_offset);
    assert_eq!(problem.messages, Some(per_chunk[3]));
    let lost: usize = per_chunk[..3].iter().sum::<u64>() as usize;
    let mut expected = written[..lost].to_vec();
    expected.extend_from_slice(&written[lost + per_chunk[3] as usize..]);
    assert_same(&got, &expected, "streamed");

    // Recovery walks past the damage too.
    let bytes = std::fs::read(&path).expect("read");
    let cut = dir.path().join("bad-cut.mcap");
    std::fs::write(&cut, &bytes[..bytes.len() - 200]).expect("write");
    let mut reader = RecordingReader::open(&cut).expect("open");
    assert!(
        reader
            .problems()
            .skipped
            .iter()
            .any(|p| p.offset == bad_offset && p.kind == ProblemKind::CorruptChunk),
        "{:?}",
        reader.problems()
    );
    assert_same(
        &reader.read_chunks(0..usize::MAX).expect("read"),
        &expected,
        "recovered",
    );
}

#[test]
fn files_that_are_not_mcap_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in [
        ("empty.mcap", &b""[..]),
        ("text.mcap", &b"time,value\n1,2\n"[..]),
        ("half-magic.mcap", &mcap::MAGIC[..4]),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("write");
        match RecordingReader::open(&path) {
            Err(RecordingError::NotMcap { path: p, .. }) => assert_eq!(p, path),
            Err(other) => panic!("{name}: wrong error {other}"),
            Ok(_) => panic!("{name}: opened"),
        }
    }
    assert!(matches!(
        RecordingReader::open(&dir.path().join("missing.mcap")),
        Err(RecordingError::Io { .. })
    ));
}

#[test]
fn files_from_other_writers_are_read_through_topics_and_a_rebuilt_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("foreign.mcap");
    let file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let mut writer = mcap::Writer::new(file).expect("writer");
    let channel = writer
        .add_channel(0, "/TK-101/level", "json", &Default::default())
        .expect("channel");
    for i in 0..100u64 {
        let body = format!("{{\"value\": {}.5}}", i);
        writer
            .write_to_known_channel(
                &mcap::records::MessageHeader {
                    channel_id: channel,
                    sequence: i as u32,
                    log_time: 1_000 + i,
                    publish_time: 2_000 + i,
                },
                body.as_bytes(),
            )
            .expect("message");
    }
    writer.finish().expect("finish");
    drop(writer);
    let mut reader = RecordingReader::open(&path).expect("open");
    assert!(reader.problems().index_rebuilt.is_some());
    assert!(reader.problems().is_clean());
    assert_eq!(reader.signals()[0].id, SignalId::new("TK-101.level"));
    assert_eq!(reader.signals()[0].message_count, 100);
    let latest = reader.latest_before(Timestamp(2_050)).expect("latest");
    let expected = Sample::new(SignalId::new("TK-101.level"), Timestamp(2_050), 50.5);
    assert_same(&latest, &[expected], "foreign latest");
}

#[test]
fn recorder_writes_off_thread_and_finishes_on_stop_or_drop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let written = samples(5_000, 10);
    for stop in [true, false] {
        let path = dir.path().join(format!("rec-{stop}.mcap"));
        let recorder = Recorder::start(&path, &meta()).expect("start");
        for batch in written.chunks(100) {
            while !recorder.record(batch.to_vec(), Timestamp(T0)) {
                // The queue is deep enough for this; never spin forever.
                assert_eq!(recorder.stats().last_error, None);
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        if stop {
            let stats = recorder.stop().expect("stop");
            assert_eq!(stats.samples, written.len() as u64);
        } else {
            drop(recorder);
        }
        let mut reader = RecordingReader::open(&path).expect("open");
        assert!(reader.problems().is_clean(), "{:?}", reader.problems());
        let read = reader.read_chunks(0..usize::MAX).expect("read");
        assert_same(&read, &written, "recorded");
    }
}

#[test]
fn a_full_queue_drops_and_counts_instead_of_blocking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flood.mcap");
    let batch = samples(500, 50);
    let batches: Vec<Vec<Sample>> = (0..3 * recorder::QUEUE_BATCHES)
        .map(|_| batch.clone())
        .collect();
    let recorder = Recorder::start(&path, &meta()).expect("start");
    let started = std::time::Instant::now();
    let accepted = batches
        .into_iter()
        .map(|b| recorder.record(b, Timestamp(T0)))
        .filter(|&queued| queued)
        .count();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "record() must not wait for the writer"
    );
    let stats_before = recorder.stats();
    let stats = recorder.stop().expect("stop");
    let total = (3 * recorder::QUEUE_BATCHES * batch.len()) as u64;
    assert!(stats_before.dropped > 0, "{stats_before:?}");
    assert_eq!(stats.samples, (accepted * batch.len()) as u64);
    assert_eq!(stats.samples + stats_before.dropped, total);
    let reader = RecordingReader::open(&path).expect("open");
    assert_eq!(reader.message_count(), stats.samples);
}

#[cfg(target_os = "linux")]
#[test]
fn write_errors_are_kept_and_reported_not_panicked_on() {
    let recorder = Recorder::start(Path::new("/dev/full"), &meta()).expect("start");
    for batch in samples(200_000, 10).chunks(1_000) {
        recorder.record(batch.to_vec(), Timestamp(T0));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while recorder.stats().last_error.is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let error = recorder.stats().last_error.expect("the error is reported");
    assert!(error.contains("/dev/full"), "{error}");
    assert!(recorder.stop().is_err());
    assert!(matches!(
        RecordingWriter::create(Path::new("/nonexistent-dir/x.mcap"), &meta()),
        Err(RecordingError::Io { .. })
    ));
}

#[test]
fn samples_before_1970_are_counted_not_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.mcap");
    let mut writer = RecordingWriter::create(&path, &meta()).expect("create");
    let id = SignalId::new("a.b");
    writer
        .write(&Sample::new(id.clone(), Timestamp(-5), 1.0), Timestamp(T0))
        .expect("write");
    writer
        .write(&Sample::new(id, Timestamp(5), 2.0), Timestamp(T0))
        .expect("write");
    let stats = writer.finish().expect("finish");
    assert_eq!((stats.samples, stats.rejected), (1, 1));
}

/// Any MQTT client can invent topics; the 65,536th signal once panicked inside the MCAP
/// writer and left a file that read as clean. Now the write past the limit is an error and
/// the file keeps everything before it.
#[test]
fn one_signal_past_the_format_limit_is_an_error_and_the_file_stays_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.mcap");
    let meta = meta();
    let mut writer = RecordingWriter::create(&path, &meta).unwrap();
    let t = crate::signal::Timestamp(1_700_000_000_000_000_000);
    // The declared signals already have their channels.
    for i in 0..writer::MAX_SIGNALS - meta.signals.len() {
        let sample = Sample::new(crate::signal::SignalId::new(format!("s{i}")), t, 1.0);
        writer.write(&sample, t).unwrap();
    }
    let one_more = Sample::new(crate::signal::SignalId::new("one.more"), t, 1.0);
    let error = writer.write(&one_more, t).unwrap_err();
    assert!(
        matches!(error, RecordingError::TooManySignals { limit, .. } if limit == writer::MAX_SIGNALS),
        "{error}"
    );
    assert!(error.to_string().contains("65534 signals"), "{error}");
    let stats = writer.finish().unwrap();
    assert_eq!(stats.signals, writer::MAX_SIGNALS);
    let reader = RecordingReader::open(&path).unwrap();
    assert_eq!(reader.signals().len(), writer::MAX_SIGNALS);
    assert!(reader.problems().skipped.is_empty());
}

/// A bit flipped in the summary's copy of a channel record used to change the signal's unit
/// silently (the CRC was written but never checked on the fast path): now the summary is
/// refused, the file is walked instead, and the unit comes from the chunk's intact copy.
#[test]
fn a_bit_flip_in_the_summary_is_caught_by_its_crc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flip.mcap");
    write_all(&path, &samples(200, 3), 0);
    let mut bytes = std::fs::read(&path).expect("read");
    // The last "degC" in the file is the summary's channel record.
    let at = bytes
        .windows(4)
        .rposition(|w| w == b"degC")
        .expect("unit in the summary");
    bytes[at] ^= 0x20; // "degC" → "DegC"
    std::fs::write(&path, &bytes).expect("write");
    let reader = RecordingReader::open(&path).expect("open");
    match &reader.problems().summary {
        SummaryStatus::Missing(why) => assert!(why.contains("CRC"), "{why}"),
        other => panic!("the damaged summary was used: {other:?}"),
    }
    assert!(!reader.problems().is_clean());
    let unit = reader
        .signals()
        .iter()
        .find(|s| s.id.as_str() == "M-101.temperature")
        .and_then(|s| s.unit.clone());
    assert_eq!(unit.as_deref(), Some("degC"));
}

/// Outages are part of the recording: link events come back from a finished file (through the
/// side index, without decoding every chunk), from a file cut off mid-write, and the link
/// channel is not mistaken for a signal.
#[test]
fn link_events_round_trip_and_are_not_signals() {
    use crate::freshness::{LinkEvent, LinkHistory, LinkState};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("link.mcap");
    let data = samples(3000, 4);
    let event = |offset_s: i64, connected: bool, detail: &str| LinkEvent {
        time: Timestamp(T0 + offset_s * 1_000_000_000),
        connected,
        detail: detail.into(),
    };
    let events = vec![
        event(0, true, "connected to mqtt://localhost:1883"),
        event(5, false, "I/O: connection reset by peer"),
        event(9, true, "connected to mqtt://localhost:1883"),
    ];
    let mut writer = RecordingWriter::create(&path, &meta()).expect("create");
    for (i, sample) in data.iter().enumerate() {
        if i % 1000 == 0 {
            writer.write_link(&events[i / 1000]).expect("link");
            writer.flush_chunk().expect("flush");
        }
        writer.write(sample, sample.time).expect("write");
    }
    let bytes_before_finish = {
        writer.flush_chunk().expect("flush");
        std::fs::read(&path).expect("read")
    };
    let stats = writer.finish().expect("finish");
    assert_eq!(stats.samples, 3000);

    let mut reader = RecordingReader::open(&path).expect("open");
    assert!(reader.problems().is_clean());
    assert_eq!(
        reader.signals().len(),
        5,
        "4 signals + the declared one, no link"
    );
    assert_eq!(reader.message_count(), 3000);
    assert_eq!(reader.link_events().expect("events"), Some(events.clone()));
    let all = reader.read_chunks(0..usize::MAX).expect("read");
    assert_eq!(all.len(), 3000, "link events are not samples");
    assert_eq!(
        reader.link_events().expect("events again"),
        Some(events.clone())
    );
    let history = LinkHistory::from_events(&events);
    assert_eq!(
        history.at(Timestamp(T0 + 6_000_000_000)),
        LinkState::Down {
            since: events[1].time
        }
    );

    // A file without a link channel says nothing about its source's connection.
    let plain = dir.path().join("plain.mcap");
    write_all(&plain, &samples(10, 2), 0);
    let mut plain = RecordingReader::open(&plain).expect("open plain");
    assert_eq!(plain.link_events().expect("no events"), None);

    let cut = dir.path().join("cut.mcap");
    std::fs::write(&cut, &bytes_before_finish).expect("write cut");
    let mut recovered = RecordingReader::open(&cut).expect("recover");
    assert!(matches!(
        recovered.problems().summary,
        SummaryStatus::Missing(_)
    ));
    assert_eq!(
        recovered.link_events().expect("events"),
        Some(events.clone())
    );
    let report = info::info(&path, true).expect("info");
    assert!(
        report.text.contains("link: 1 outage(s)")
            && report.text.contains("connection reset by peer"),
        "{}",
        report.text
    );
}
