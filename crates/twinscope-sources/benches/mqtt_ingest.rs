//! MQTT ingest rate: twinscope against `mosquitto_sub`, both subscribed to the same stream
//! through a real mosquitto in the same run.
//!
//! Each run starts both consumers, waits until both receive, then a local rumqttc publisher
//! pushes `MESSAGES` QoS 1 messages as fast as the broker takes them. A consumer's time is from
//! the first publish until it holds every message: for twinscope, decoded by the scene's topic
//! map and ingested into its `SignalStore`; for mosquitto_sub, printed on its stdout.
//! Criterion reports each consumer's time; the summary prints the rate ratio (goal >= 0.9) and
//! the messages each lost (goal 0).
//!
//! Run: `cargo bench --profile dev --bench mqtt_ingest` (the dev profile reuses the test build;
//! deps are optimised there, twinscope itself at opt-level 1). Needs mosquitto and
//! mosquitto-clients (scripts/setup.sh).

// criterion_main! writes an undocumented `main`.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rumqttc::{MqttOptions, QoS};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use twinscope_core::scene::Scene;
use twinscope_core::signal::SignalId;
use twinscope_core::store::SignalStore;
use twinscope_sources::mqtt::{MqttConfig, spawn_mqtt};
use twinscope_sources::publisher::AckedPublisher;

/// Messages per run.
const MESSAGES: u64 = 20_000;
/// Longest a run may take before it is reported as a failure.
const RUN_LIMIT: Duration = Duration::from_secs(60);

const SCENE: &str = r#"
[scene]
name = "ingest benchmark"
model = "unused.glb"

[[signals]]
id = "bench.sequence"
range = [0.0, 1000000.0]
period = 0.001

[[topics]]
topic = "bench/sequence"
signal = "bench.sequence"
qos = 1
"#;

/// Kills a child process when dropped, so a failed run leaves nothing behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.local_addr().expect("an address").port()
}

/// mosquitto on a free loopback port.
fn start_mosquitto(dir: &Path) -> (KillOnDrop, u16) {
    let port = free_port();
    let config = dir.join("mosquitto.conf");
    std::fs::write(
        &config,
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
             max_queued_messages 0\nmax_inflight_messages 0\n"
        ),
    )
    .expect("config is written");
    let child = Command::new("mosquitto")
        .arg("-c")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto is installed (scripts/setup.sh)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "mosquitto did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (KillOnDrop(child), port)
}

/// What one consumer saw: when it held everything (if it did) and how many it lost.
#[derive(Clone, Copy, Debug, Default)]
struct Outcome {
    done_at: Option<Instant>,
    distinct: u64,
}

/// Shared between a consumer thread and the run.
#[derive(Default)]
struct Progress {
    seen: Vec<bool>,
    outcome: Outcome,
    /// Whether a warm-up message arrived (the subscription is live).
    ready: bool,
}

impl Progress {
    fn new() -> Self {
        Self {
            seen: vec![false; MESSAGES as usize + 1],
            ..Self::default()
        }
    }

    /// Marks sequence number `n`; a number past the range is a warm-up message.
    fn mark(&mut self, n: u64) {
        if n == 0 || n > MESSAGES {
            self.ready = true;
            return;
        }
        if !std::mem::replace(&mut self.seen[n as usize], true) {
            self.outcome.distinct += 1;
            if self.outcome.distinct == MESSAGES {
                self.outcome.done_at = Some(Instant::now());
            }
        }
    }
}

fn lock(progress: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(|p| p.into_inner())
}

/// twinscope's MQTT source feeding a `SignalStore`, as the app's ingest does.
fn start_twinscope(port: u16, progress: Arc<Mutex<Progress>>) -> impl Drop {
    let scene = Scene::parse(SCENE, Path::new("bench.toml")).expect("bench scene parses");
    let (sender, receiver) = crossbeam_channel::bounded(1024);
    let config = MqttConfig::from_url(&format!("mqtt://127.0.0.1:{port}")).expect("url");
    let handle = spawn_mqtt(config, scene.topics.clone(), sender);
    let ids: Vec<SignalId> = scene.signals.iter().map(|s| s.id.clone()).collect();
    std::thread::spawn(move || {
        let mut store = SignalStore::new(ids);
        let index = store.index_of(&SignalId::new("bench.sequence"));
        for batch in receiver.iter() {
            let mut progress = lock(&progress);
            for sample in &batch {
                progress.mark(sample.value as u64);
            }
            drop(progress);
            store.ingest(batch);
            std::hint::black_box(index.map(|i| store.received(i)));
        }
    });
    handle
}

/// `mosquitto_sub` printing each payload on a line, read by a thread.
fn start_mosquitto_sub(port: u16, progress: Arc<Mutex<Progress>>) -> KillOnDrop {
    let mut child = Command::new("mosquitto_sub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-q", "1", "-t", "bench/sequence"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto_sub is installed (scripts/setup.sh)");
    let stdout = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(n) = line.trim().parse::<u64>() {
                lock(&progress).mark(n);
            }
        }
    });
    KillOnDrop(child)
}

/// A QoS 1 publisher with a large in-flight window, so the broker, not acks, sets the pace.
fn connect_publisher(port: u16) -> AckedPublisher {
    let mut options = MqttOptions::new(format!("bench-publisher-{port}"), "127.0.0.1", port);
    options.set_inflight(1000);
    AckedPublisher::start(options, 1024, |_| {}).expect("the publisher thread starts")
}

fn publish(publisher: &AckedPublisher, n: u64) {
    publisher
        .client
        .publish("bench/sequence", QoS::AtLeastOnce, false, n.to_string())
        .expect("the publisher's queue is open");
}

/// Both consumers' times and losses for one stream.
#[derive(Clone, Copy, Debug)]
struct Run {
    twinscope: Duration,
    mosquitto_sub: Duration,
    twinscope_lost: u64,
    mosquitto_sub_lost: u64,
}

/// One stream of `MESSAGES` through a fresh broker to both consumers.
fn run_once(dir: &Path) -> Run {
    let (_broker, port) = start_mosquitto(dir);
    let twin_progress = Arc::new(Mutex::new(Progress::new()));
    let sub_progress = Arc::new(Mutex::new(Progress::new()));
    let _twin = start_twinscope(port, Arc::clone(&twin_progress));
    let _sub = start_mosquitto_sub(port, Arc::clone(&sub_progress));
    let publisher = connect_publisher(port);

    // Warm-up messages (outside the sequence range) until both consumers receive.
    let deadline = Instant::now() + RUN_LIMIT;
    while !(lock(&twin_progress).ready && lock(&sub_progress).ready) {
        assert!(Instant::now() < deadline, "consumers never subscribed");
        publish(&publisher, MESSAGES + 1);
        std::thread::sleep(Duration::from_millis(50));
    }

    let start = Instant::now();
    for n in 1..=MESSAGES {
        publish(&publisher, n);
    }
    let finished = |p: &Arc<Mutex<Progress>>| lock(p).outcome.done_at.is_some();
    while !(finished(&twin_progress) && finished(&sub_progress)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let outcome = |p: &Arc<Mutex<Progress>>| lock(p).outcome;
    let (twin, sub) = (outcome(&twin_progress), outcome(&sub_progress));
    let time = |o: Outcome| o.done_at.map_or(RUN_LIMIT, |at| at.duration_since(start));
    std::hint::black_box(publisher.acked());
    Run {
        twinscope: time(twin),
        mosquitto_sub: time(sub),
        twinscope_lost: MESSAGES - twin.distinct,
        mosquitto_sub_lost: MESSAGES - sub.distinct,
    }
}

fn mqtt_ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let runs = Mutex::new(Vec::new());
    let mut group = c.benchmark_group("mqtt_ingest_qos1");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Elements(MESSAGES));
    for consumer in ["twinscope", "mosquitto_sub"] {
        group.bench_function(consumer, |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let run = run_once(dir.path());
                    total += match consumer {
                        "twinscope" => run.twinscope,
                        _ => run.mosquitto_sub,
                    };
                    runs.lock().unwrap_or_else(|p| p.into_inner()).push(run);
                }
                total
            })
        });
    }
    group.finish();
    summarize(&runs.into_inner().unwrap_or_else(|p| p.into_inner()));
}

/// Prints the median rate of each consumer, their ratio and the losses over every run.
fn summarize(runs: &[Run]) {
    if runs.is_empty() {
        return;
    }
    let median = |mut times: Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let twin = median(runs.iter().map(|r| r.twinscope).collect());
    let sub = median(runs.iter().map(|r| r.mosquitto_sub).collect());
    let rate = |d: Duration| MESSAGES as f64 / d.as_secs_f64();
    let lost = |f: fn(&Run) -> u64| runs.iter().map(f).sum::<u64>();
    println!(
        "mqtt_ingest summary over {} runs of {MESSAGES} QoS 1 messages:\n  \
         twinscope     {:>9.0} msg/s (median {:?}), lost {}\n  \
         mosquitto_sub {:>9.0} msg/s (median {:?}), lost {}\n  \
         ratio twinscope / mosquitto_sub = {:.2} (goal >= 0.9)",
        runs.len(),
        rate(twin),
        twin,
        lost(|r| r.twinscope_lost),
        rate(sub),
        sub,
        lost(|r| r.mosquitto_sub_lost),
        rate(twin) / rate(sub),
    );
}

criterion_group!(benches, mqtt_ingest);
criterion_main!(benches);
