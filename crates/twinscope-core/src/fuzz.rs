//! Fuzz targets: each hands bytes to one parser the way untrusted input reaches twinscope (a
//! scene file, an MQTT payload, a recording, a CSV export, a derived-signal expression), with
//! the seeds and dictionary a mutating fuzzer starts from. `twinscope-fuzz` drives them (a
//! short run in CI, long campaigns by hand; README "Fuzzing").
//!
//! A target may return any error: the contract under test is only that no input panics,
//! aborts, overflows the stack or hangs.

use crate::recording::{DeclaredSignal, RecordingMeta, RecordingWriter};
use crate::scene::Scene;
use crate::signal::{Sample, SignalId, Timestamp};
use crate::topics::TopicMap;
use std::path::{Path, PathBuf};

/// What is fuzzed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A scene file, read from disk as `twinscope check` reads it.
    SceneToml,
    /// An MQTT message: the first byte picks the topic, the rest is the payload.
    MqttPayload,
    /// An MCAP recording, opened, read, queried and described as `info --verify` does.
    Mcap,
    /// A CSV export, imported with layout detection.
    Csv,
    /// A derived signal's expression, compiled and evaluated on a few inputs.
    Expression,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 5] = [
        Target::SceneToml,
        Target::MqttPayload,
        Target::Mcap,
        Target::Csv,
        Target::Expression,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::SceneToml => "scene",
            Target::MqttPayload => "mqtt",
            Target::Mcap => "mcap",
            Target::Csv => "csv",
            Target::Expression => "expr",
        }
    }

    /// The target called `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Tokens worth inserting: what the format's syntax is made of.
    pub fn dictionary(self) -> &'static [&'static [u8]] {
        match self {
            Target::SceneToml => &[
                b"[[signals]]\n",
                b"[[bindings]]\n",
                b"[[alarms]]\n",
                b"[[topics]]\n",
                b"[scene]\n",
                b"[mqtt]\n",
                b"[forecast]\n",
                b"[health]\n",
                b" = ",
                b"\"",
                b"'''",
                b"[",
                b"]",
                b"{",
                b"}",
                b",",
                b"expr = \"",
                b"range = [0.0, 1e308]",
                b"period = -1",
                b"nan",
                b"inf",
                b"\n",
                b"\\u0000",
                b"\xff",
                b"\xc3\xa9",
            ],
            Target::MqttPayload => &[
                b"{",
                b"}",
                b"\"flow\":",
                b"\"ts\":",
                b"\"state\":\"running\"",
                b"1e308",
                b"-0",
                b"NaN",
                b"[",
                b"]",
                b"null",
                b"true",
                b"\"",
                b"2026-12-07T10:00:00Z",
                b"\xff",
            ],
            Target::Mcap => &[
                b"\x89MCAP0\r\n",
                b"\x06",
                b"\x07",
                b"\xff\xff\xff\xff\xff\xff\xff\x7f",
                b"\x00\x00\x00\x00\x00\x00\x00\x00",
                b"zstd",
                b"lz4",
                b"{\"value\":",
                b"twinscope",
            ],
            Target::Csv => &[
                b",",
                b";",
                b"\t",
                b"\n",
                b"\r\n",
                b"\"",
                b"time",
                b"signal",
                b"value",
                b"2026-12-07T10:00:00Z",
                b"1700000000",
                b"81,5",
                b"1e999",
                b"\xef\xbb\xbf",
                b"\xff",
            ],
            Target::Expression => &[
                b"(",
                b")",
                b"+",
                b"-",
                b"*",
                b"/",
                b"^",
                b"%",
                b"<",
                b">",
                b"==",
                b"&&",
                b"||",
                b"!",
                b"min(",
                b"max(",
                b"math::abs(",
                b"math::sqrt(",
                b"floor(",
                b"if(",
                b",",
                b"M-101.speed",
                b"P-101.p_out",
                b"1e308",
                b"0",
                b"\"",
                b"\\",
            ],
        }
    }

    /// Valid inputs to start mutating from.
    pub fn seeds(self) -> Vec<Vec<u8>> {
        match self {
            Target::SceneToml => vec![
                DEMO_SCENE.as_bytes().to_vec(),
                MQTT_SCENE.as_bytes().to_vec(),
                b"[scene]\nname = \"x\"\nmodel = \"m.glb\"\n".to_vec(),
            ],
            Target::MqttPayload => vec![
                b"\x0081.5".to_vec(),
                b"\x01{\"ts\":1700000000000,\"flow\":12.5,\"state\":\"running\"}".to_vec(),
                b"\x01{\"ts\":\"2026-12-07T10:00:00Z\",\"flow\":-3e2,\"state\":\"stopped\"}"
                    .to_vec(),
                b"\x02running".to_vec(),
            ],
            Target::Mcap => recording_seeds(),
            Target::Csv => vec![
                b"time,A.x,B.y\n2026-12-07T10:00:00Z,1.5,2\n2026-12-07T10:00:01Z,1.6,\n".to_vec(),
                b"timestamp;signal;value\n1700000000;P-101.flow;81,5\n1700000001;P-101.flow;82\n"
                    .to_vec(),
                b"\xef\xbb\xbfts\tX\n1700000000000\t1\n".to_vec(),
            ],
            Target::Expression => vec![
                b"P-101.p_out - P-101.p_in".to_vec(),
                b"M-101.speed > 100".to_vec(),
                b"if(M-101.speed > 10, max(P-101.p_out, 0) * 2, -1)".to_vec(),
                b"math::abs(P-101.p_in) ^ 0.5 / (M-101.speed + 1e-9)".to_vec(),
            ],
        }
    }
}

/// Where file-based targets write their input: one file, rewritten for every input.
pub struct Scratch {
    dir: PathBuf,
    topics: TopicMap,
}

impl Scratch {
    /// A scratch area in `dir` (created if missing).
    pub fn new(dir: &Path) -> std::io::Result<Scratch> {
        std::fs::create_dir_all(dir)?;
        // The demo scene's scenario files, so its seed loads whole from here.
        for (name, text) in SCENARIO_FILES {
            std::fs::write(dir.join(name), text)?;
        }
        let scene = Scene::parse(MQTT_SCENE, Path::new("fuzz.toml"))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Scratch {
            dir: dir.to_path_buf(),
            topics: scene.topics,
        })
    }

    fn file(&self, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    }
}

/// Topics the MQTT target's first byte picks from (the [`MQTT_SCENE`]'s mappings, and one
/// nothing is bound to).
const TOPICS: [&str; 4] = [
    "plant/P-101/flow",
    "plant/P-101/telemetry",
    "plant/P-101/state",
    "elsewhere/x",
];

/// Runs `target` on `input`. Returns whether the input was accepted (for statistics only).
pub fn run(target: Target, input: &[u8], scratch: &Scratch) -> bool {
    match target {
        Target::SceneToml => scratch
            .file("scene.toml", input)
            .is_ok_and(|path| Scene::load(&path).is_ok()),
        Target::MqttPayload => {
            let (&pick, payload) = input.split_first().unwrap_or((&0, &[]));
            let topic = TOPICS[usize::from(pick) % TOPICS.len()];
            matches!(
                scratch.topics.decode(topic, payload, Timestamp(1_700_000_000)),
                crate::topics::Decoded::Matched { errors, .. } if errors.is_empty()
            )
        }
        Target::Mcap => scratch
            .file("recording.mcap", input)
            .is_ok_and(|path| read_recording(&path)),
        Target::Csv => crate::csv_import::import_csv(
            input,
            &crate::csv_import::CsvOptions::default(),
            &mut |_| Ok(()),
            &mut |_| {},
        )
        .is_ok(),
        Target::Expression => expression(input),
    }
}

/// Opens, reads, seeks and describes a recording the ways replay and `info` do.
fn read_recording(path: &Path) -> bool {
    let Ok(mut reader) = crate::recording::RecordingReader::open(path) else {
        return false;
    };
    let _ = reader.link_events();
    if let Some((start, end)) = reader.time_span() {
        let middle = Timestamp(start.0 / 2 + end.0 / 2);
        let _ = reader.latest_before(middle);
        let _ = reader.read_chunks(start..=middle);
    }
    let _ = reader.read_chunks(0..usize::MAX);
    crate::recording::info::info(path, true).is_ok()
}

/// Compiles `input` as a derived signal's expression in a scene and evaluates it on samples.
fn expression(input: &[u8]) -> bool {
    let text = String::from_utf8_lossy(input);
    let quoted = toml_string(&text);
    let scene_text = format!("{EXPRESSION_SCENE}expr = {quoted}\n");
    let Ok(scene) = Scene::parse(&scene_text, Path::new("fuzz.toml")) else {
        return false;
    };
    let Ok(mut store) = crate::store::SignalStore::for_scene(&scene) else {
        return false;
    };
    for (i, value) in [0.0, -1.5, 1e308, f64::NAN, 120.0].into_iter().enumerate() {
        let time = Timestamp(1_700_000_000_000_000_000 + i as i64 * 1_000_000_000);
        store.ingest(
            ["M-101.speed", "P-101.p_out", "P-101.p_in"]
                .map(|id| Sample::new(SignalId::new(id), time, value)),
        );
    }
    true
}

/// `text` as a TOML basic string, every character it could break out with escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Small recordings: samples on a few signals (a NaN and an infinity among them), a link
/// outage, and one cut off before its summary.
fn recording_seeds() -> Vec<Vec<u8>> {
    let dir = std::env::temp_dir().join(format!("twinscope-fuzz-seeds-{}", std::process::id()));
    let mut seeds = Vec::new();
    if std::fs::create_dir_all(&dir).is_err() {
        return seeds;
    }
    let path = dir.join("seed.mcap");
    let meta = RecordingMeta {
        scene: "fuzz".into(),
        source: "fuzz seeds".into(),
        start_time: Timestamp(1_700_000_000_000_000_000),
        signals: vec![DeclaredSignal {
            id: SignalId::new("P-101.flow"),
            unit: Some("m3/h".into()),
        }],
    };
    if let Ok(mut writer) = RecordingWriter::create(&path, &meta) {
        let t0 = 1_700_000_000_000_000_000i64;
        let mut ok = writer
            .write_link(&crate::freshness::LinkEvent {
                time: Timestamp(t0),
                connected: true,
                detail: "connected".into(),
            })
            .is_ok();
        for i in 0..40i64 {
            let value = match i {
                7 => f64::NAN,
                8 => f64::INFINITY,
                _ => i as f64 * 1.5,
            };
            let signal = ["P-101.flow", "M-101.speed", "TK-101.level"][i as usize % 3];
            let sample = Sample::new(
                SignalId::new(signal),
                Timestamp(t0 + i * 100_000_000),
                value,
            );
            ok &= writer.write(&sample, sample.time).is_ok();
            if i == 20 {
                ok &= writer.flush_chunk().is_ok();
                if let Ok(cut) = std::fs::read(&path) {
                    seeds.push(cut);
                }
                ok &= writer
                    .write_link(&crate::freshness::LinkEvent {
                        time: Timestamp(t0 + 2_000_000_000),
                        connected: false,
                        detail: "I/O: connection reset".into(),
                    })
                    .is_ok();
            }
        }
        if ok
            && writer.finish().is_ok()
            && let Ok(whole) = std::fs::read(&path)
        {
            seeds.push(whole);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    seeds
}

/// The demo scene's scenario files, by the names it gives them.
const SCENARIO_FILES: [(&str, &str); 3] = [
    (
        "conveyor_jam.scenario.toml",
        include_str!("../../../scenes/conveyor_jam.scenario.toml"),
    ),
    (
        "hoist_load_released.scenario.toml",
        include_str!("../../../scenes/hoist_load_released.scenario.toml"),
    ),
    (
        "forklift_crossing.scenario.toml",
        include_str!("../../../scenes/forklift_crossing.scenario.toml"),
    ),
];

/// The demo plant's scene, as shipped.
const DEMO_SCENE: &str = include_str!("../../../scenes/demo_plant.toml");

/// A scene with every kind of topic mapping, for the MQTT target.
const MQTT_SCENE: &str = r#"[scene]
name = "fuzz"
model = "m.glb"

[[signals]]
id = "P-101.flow"
range = [0.0, 100.0]
period = 1.0

[[signals]]
id = "P-101.state"
range = [0.0, 100.0]
period = 1.0

[[topics]]
topic = "plant/{asset}/flow"
signal = "{asset}.flow"
payload = "number"

[[topics]]
topic = "plant/{asset}/telemetry"
payload = "json"
timestamp = "/ts"
fields = [
  { pointer = "/flow", signal = "{asset}.flow" },
  { pointer = "/state", signal = "{asset}.state", kind = "enum", states = { stopped = 0, running = 1 } },
]

[[topics]]
topic = "plant/{asset}/state"
signal = "{asset}.state"
payload = "enum"
states = { stopped = 0, running = 1 }
"#;

/// The start of the expression target's scene; the derived signal's `expr` is appended.
const EXPRESSION_SCENE: &str = r#"[scene]
name = "fuzz"
model = "m.glb"

[[signals]]
id = "M-101.speed"
range = [0.0, 100.0]
period = 1.0

[[signals]]
id = "P-101.p_out"
range = [0.0, 100.0]
period = 1.0

[[signals]]
id = "P-101.p_in"
range = [0.0, 100.0]
period = 1.0

[[signals]]
id = "X-1.derived"
range = [0.0, 100.0]
period = 1.0
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_is_accepted_by_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let scratch = Scratch::new(dir.path()).unwrap();
        for target in Target::ALL {
            let seeds = target.seeds();
            assert!(!seeds.is_empty(), "{target:?} has seeds");
            for (i, seed) in seeds.iter().enumerate() {
                assert!(
                    run(target, seed, &scratch),
                    "{target:?} seed {i} is refused"
                );
            }
        }
    }
}
