//! The MQTT source against a real Debian `mosquitto` on a free loopback port.

use crate::support::{KillOnDrop, require};
use bevy::prelude::*;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use twinscope::core::scene::Scene;
use twinscope::core::signal::{SignalId, Timestamp};
use twinscope::ingest::{IngestChannel, Store};
use twinscope::sources::mqtt::{ConnectionState, MqttConfig, MqttHandle, MqttStatus, spawn_mqtt};

/// A mosquitto broker on 127.0.0.1 only, stopped when dropped.
struct Broker {
    process: Option<KillOnDrop>,
    port: u16,
    config: tempfile::TempDir,
}

impl Broker {
    fn start() -> Self {
        require("mosquitto");
        require("mosquitto_pub");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = tempfile::tempdir().unwrap();
        std::fs::write(
            config.path().join("mosquitto.conf"),
            format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
        )
        .unwrap();
        let mut broker = Self {
            process: None,
            port,
            config,
        };
        broker.restart();
        broker
    }

    /// (Re)starts the process on the same port and waits until it accepts connections.
    fn restart(&mut self) {
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(self.config.path().join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto starts");
        self.process = Some(KillOnDrop(child));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not listen on {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        self.process = None;
    }

    fn publish(&self, topic: &str, payload: &[u8]) {
        let mut child = Command::new("mosquitto_pub")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-q",
                "1",
                "-t",
                topic,
            ])
            .args(if payload.is_empty() {
                vec!["-n"]
            } else {
                vec!["-s"]
            })
            .stdin(Stdio::piped())
            .spawn()
            .expect("mosquitto_pub runs");
        if !payload.is_empty() {
            child.stdin.take().unwrap().write_all(payload).unwrap();
        }
        assert!(
            child.wait().unwrap().success(),
            "mosquitto_pub {topic} failed"
        );
    }
}

const SCENE: &str = r#"
[scene]
name = "mqtt test"
model = "unused.glb"

[[signals]]
id = "M-101.temperature"
range = [0.0, 150.0]
period = 1.0

[[signals]]
id = "P-101.flow"
range = [0.0, 60.0]
period = 1.0

[[signals]]
id = "P-101.running"
range = [0.0, 1.0]
period = 1.0

[[topics]]
topic = "plant/{asset}/telemetry"
payload = "json"
fields = [ { pointer = "/flow", signal = "{asset}.flow" } ]

[[topics]]
topic = "plant/{asset}/running"
signal = "{asset}.running"
payload = "bool"

[[topics]]
topic = "plant/{asset}/{quantity}"
signal = "{asset}.{quantity}"
"#;

fn ingest_app(scene: &Scene) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins);
    let store =
        twinscope::core::store::SignalStore::new(scene.signals.iter().map(|s| s.id.clone()));
    app.insert_resource(Store(store));
    app.add_plugins((twinscope::schedule::plugin, twinscope::ingest::plugin));
    app
}

/// Updates the app until `done` holds (bounded), with a message naming what was awaited.
fn pump_until(
    app: &mut App,
    mqtt: &MqttHandle,
    what: &str,
    done: impl Fn(&Store, &MqttStatus) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        app.update();
        let status = mqtt.status();
        if done(app.world().resource::<Store>(), &status) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; status: {status:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn value(store: &Store, id: &str) -> Option<f64> {
    store
        .index_of(&SignalId::new(id))
        .and_then(|i| store.value_at(i, Timestamp(i64::MAX)))
        .map(|v| v.value)
}

#[test]
fn published_values_arrive_bad_payloads_are_counted_and_a_restart_is_survived() {
    let mut broker = Broker::start();
    let mut scene = Scene::parse(SCENE, Path::new("mqtt_test.toml")).unwrap();
    scene.topics.max_payload_bytes = 1024;
    let mut app = ingest_app(&scene);
    let sender = app.world().resource::<IngestChannel>().sender.clone();
    let config = MqttConfig::from_url(&format!("mqtt://127.0.0.1:{}", broker.port)).unwrap();
    let mqtt = spawn_mqtt(config, scene.topics.clone(), sender);
    pump_until(&mut app, &mqtt, "the subscription", |_, s| {
        s.state == ConnectionState::Connected && s.subscriptions_acked >= 1
    });

    broker.publish("plant/M-101/temperature", b"81.5");
    broker.publish(
        "plant/P-101/telemetry",
        br#"{"flow": 24.5, "extra": [1, 2]}"#,
    );
    broker.publish("plant/P-101/running", b"on");
    broker.publish("plant/M-102/temperature", b"hot");
    broker.publish("plant/M-103/temperature", b"");
    broker.publish("plant/M-104/temperature", b"12\xff3");
    broker.publish("plant/M-105/temperature", &[b'7'; 2000]);
    broker.publish("plant/P-102/telemetry", b"{\"flow\": ");
    broker.publish("plant/line1/speed/raw", b"1.2");
    broker.publish("factory/line1/speed", b"1.2");
    broker.publish("plant/X-9/pressure", b"3.5");

    pump_until(&mut app, &mqtt, "every message", |store, s| {
        value(store, "M-101.temperature") == Some(81.5)
            && value(store, "P-101.flow") == Some(24.5)
            && value(store, "P-101.running") == Some(1.0)
            && s.topics
                .get("plant/P-102/telemetry")
                .is_some_and(|t| t.errors == 1)
            && s.topics.contains_key("plant/X-9/pressure")
            && s.unmatched.contains_key("plant/line1/speed/raw")
    });
    let status = mqtt.status();
    let last_error = |topic: &str| {
        status
            .topics
            .get(topic)
            .and_then(|t| t.last_error.clone())
            .unwrap_or_default()
    };
    assert!(
        last_error("plant/M-102/temperature").contains("byte 0: `hot` is not a number"),
        "{status:#?}"
    );
    assert!(
        last_error("plant/M-103/temperature").contains("empty payload"),
        "{status:#?}"
    );
    assert!(
        last_error("plant/M-104/temperature").contains("byte 2: invalid UTF-8"),
        "{status:#?}"
    );
    assert!(
        last_error("plant/M-105/temperature").contains("over the 1024-byte limit"),
        "{status:#?}"
    );
    assert!(
        last_error("plant/P-102/telemetry").contains("not valid JSON"),
        "{status:#?}"
    );
    assert_eq!(
        status.unmatched.get("plant/line1/speed/raw"),
        Some(&1),
        "unbound topics under the root are listed"
    );
    assert!(
        !status.unmatched.contains_key("factory/line1/speed"),
        "outside the plant's root is not subscribed"
    );
    let store = app.world().resource::<Store>();
    assert_eq!(
        store.unknown_signals().get(&SignalId::new("X-9.pressure")),
        Some(&1),
        "undeclared signals are counted"
    );
    assert_eq!(status.connections, 1);

    // The broker goes away: the state says so; it comes back: the client resubscribes and resumes.
    broker.stop();
    pump_until(&mut app, &mqtt, "the disconnect", |_, s| {
        matches!(s.state, ConnectionState::Reconnecting { .. })
    });
    broker.restart();
    pump_until(&mut app, &mqtt, "the reconnect", |_, s| {
        s.connections >= 2 && s.subscriptions_acked >= 2
    });
    broker.publish("plant/M-101/temperature", b"90.25");
    pump_until(&mut app, &mqtt, "a value after the restart", |store, _| {
        value(store, "M-101.temperature") == Some(90.25)
    });
}

#[test]
fn mqtt_flag_without_topics_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no_topics.toml");
    let text = crate::support::demo_scene_text_with_absolute_model();
    let without_topics = &text[..text.find("[[topics]]").expect("the demo scene maps topics")];
    std::fs::write(&path, without_topics).unwrap();
    let out = crate::support::twinscope(&["--mqtt", "mqtt://127.0.0.1:1", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("has no [[topics]]"), "{stderr}");

    let out = crate::support::twinscope(&["--mqtt", "mqtts://127.0.0.1:1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("TLS (mqtts://) is not supported yet"),
        "{stderr}"
    );
}

#[test]
fn publish_demo_feeds_every_demo_signal_through_a_real_broker() {
    let broker = Broker::start();
    let scene = Scene::load(&crate::support::demo_scene()).unwrap();
    let mut app = ingest_app(&scene);
    let sender = app.world().resource::<IngestChannel>().sender.clone();
    let url = format!("mqtt://127.0.0.1:{}", broker.port);
    let mqtt = spawn_mqtt(
        MqttConfig::from_url(&url).unwrap(),
        scene.topics.clone(),
        sender,
    );
    pump_until(&mut app, &mqtt, "the subscription", |_, s| {
        s.subscriptions_acked >= 1
    });

    let publisher = Command::new(env!("CARGO_BIN_EXE_twinscope"))
        .args(["publish-demo", "--broker", &url, "--duration", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("publish-demo starts");
    let ids: Vec<String> = scene.signals.iter().map(|s| s.id.to_string()).collect();
    pump_until(&mut app, &mqtt, "every demo signal", |store, _| {
        ids.iter().all(|id| value(store, id).is_some())
    });
    let output = publisher.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("published"));
    let status = mqtt.status();
    assert!(
        status.unmatched.is_empty() && status.topics.values().all(|t| t.errors == 0),
        "{status:#?}"
    );
    assert!(app.world().resource::<Store>().unknown_signals().is_empty());
}
