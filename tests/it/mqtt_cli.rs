//! The binary against a real mosquitto: flag errors and `publish-demo`.

use crate::mosquitto::Broker;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use twinscope_core::scene::Scene;
use twinscope_core::signal::{Sample, SignalId, Timestamp};
use twinscope_core::store::SignalStore;
use twinscope_sources::mqtt::{MqttConfig, MqttHandle, MqttStatus, spawn_mqtt};

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

    let out = crate::support::twinscope(&["--mqtt", "mqtt://127.0.0.1:1", "--ca-file", "ca.pem"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("use mqtts://"),
        "a CA file on a plain connection is refused, not ignored: {stderr}"
    );
    let missing = dir.path().join("missing-ca.pem");
    let out = crate::support::twinscope(&[
        "--mqtt",
        "mqtts://127.0.0.1:1",
        "--ca-file",
        missing.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("missing-ca.pem"),
        "the unreadable CA file is named: {stderr}"
    );
}

#[test]
fn publish_demo_feeds_every_demo_signal_through_a_real_broker() {
    let broker = Broker::start();
    let scene = Scene::load(&crate::support::demo_scene()).unwrap();
    let mut store = SignalStore::for_scene(&scene).unwrap();
    let (sender, receiver) = crossbeam_channel::bounded(1024);
    let url = format!("mqtt://127.0.0.1:{}", broker.port);
    let mqtt = spawn_mqtt(
        MqttConfig::from_url(&url).unwrap(),
        scene.topics.clone(),
        sender,
    );
    drain_until(&mut store, &receiver, &mqtt, "the subscription", |_, s| {
        s.subscriptions_acked >= 1
    });

    let publisher = Command::new(env!("CARGO_BIN_EXE_twinscope"))
        .args(["publish-demo", "--broker", &url, "--duration", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("publish-demo starts");
    let ids: Vec<SignalId> = scene.signals.iter().map(|s| s.id.clone()).collect();
    drain_until(
        &mut store,
        &receiver,
        &mqtt,
        "every demo signal",
        |store, _| {
            ids.iter().all(|id| {
                store
                    .index_of(id)
                    .and_then(|i| store.value_at(i, Timestamp(i64::MAX)))
                    .is_some()
            })
        },
    );
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
    assert!(store.unknown_signals().is_empty());
}

/// Moves what the client delivers into `store` until `done` holds (bounded), with a message
/// naming what was awaited.
fn drain_until(
    store: &mut SignalStore,
    receiver: &crossbeam_channel::Receiver<Vec<Sample>>,
    mqtt: &MqttHandle,
    what: &str,
    done: impl Fn(&SignalStore, &MqttStatus) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        while let Ok(batch) = receiver.try_recv() {
            store.ingest(batch);
        }
        let status = mqtt.status();
        if done(store, &status) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; status: {status:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
