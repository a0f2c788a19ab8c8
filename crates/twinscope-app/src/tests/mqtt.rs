//! The MQTT source against a real Debian `mosquitto` on a free loopback port.

use super::mosquitto::Broker;
use crate::ingest::{IngestChannel, Store};
use crate::plant::AssetBinding;
use crate::rules::AssetStatus;
use crate::sources::MqttStatusView;
use bevy::prelude::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use twinscope_core::freshness::{Freshness, StaleCause};
use twinscope_core::rules::{RuleColor, ThresholdRule};
use twinscope_core::scene::Scene;
use twinscope_core::signal::{SignalId, Timestamp};
use twinscope_sources::mqtt::{ConnectionState, MqttConfig, MqttHandle, MqttStatus, spawn_mqtt};

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
    // As the viewer builds it: derived signals (the demo's pump heads) computed at ingest.
    let store = twinscope_core::store::SignalStore::for_scene(scene).expect("derived resolve");
    app.insert_resource(Store(store));
    app.add_plugins((
        crate::pipeline::plugin,
        crate::ingest::plugin,
        crate::timeline::plugin,
        crate::rules::plugin,
        crate::sources::plugin,
    ));
    app
}

/// An asset painted green below 100 and red above by `signal`, never silent-stale (so only the
/// connection can make it stale).
fn spawn_rule_asset(app: &mut App, signal: &str) -> Entity {
    let index = app
        .world()
        .resource::<Store>()
        .index_of(&SignalId::new(signal))
        .expect("the signal is declared");
    let rule = ThresholdRule::new(vec![100.0], vec![GREEN, RED]).expect("a valid rule");
    app.world_mut()
        .spawn((
            AssetBinding {
                signals: Vec::new(),
                rule: Some((index, rule.into())),
                stale_after_s: 3600.0,
            },
            AssetStatus::default(),
        ))
        .id()
}

const GREEN: RuleColor = RuleColor([0, 200, 0]);
const RED: RuleColor = RuleColor([200, 0, 0]);

fn asset_status(app: &App, asset: Entity) -> AssetStatus {
    *app.world()
        .get::<AssetStatus>(asset)
        .expect("the asset has a status")
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
#[allow(clippy::too_many_lines)] // One broker's life in order: values, bad payloads, a restart.
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
            // The client counts a message before the frame drains its sample.
            && store
                .unknown_signals()
                .contains_key(&SignalId::new("X-9.pressure"))
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
    assert_eq!(
        status.messages_total, 10,
        "every message received counts, matched or not (factory/… is not subscribed)"
    );
    assert_eq!(
        status.topics["plant/M-101/temperature"].last_payload, "81.5",
        "the last message per topic is kept for the connection panel"
    );

    // An asset fed by the connection is fresh while it is up...
    app.insert_resource(MqttStatusView(mqtt.shared_status()));
    let asset = spawn_rule_asset(&mut app, "M-101.temperature");
    app.update();
    let fresh = asset_status(&app, asset);
    assert_eq!(
        (fresh.freshness, fresh.color),
        (Freshness::Fresh, Some(GREEN))
    );

    // The broker goes away: the state says so and the asset turns stale instead of showing its
    // old value as if it were live; it comes back: the client resubscribes and resumes.
    broker.stop();
    pump_until(&mut app, &mqtt, "the disconnect", |_, s| {
        matches!(s.state, ConnectionState::Reconnecting { .. })
    });
    app.update();
    let stale = asset_status(&app, asset);
    assert!(
        matches!(
            stale.freshness,
            Freshness::Stale {
                cause: StaleCause::ConnectionLost,
                ..
            }
        ),
        "{stale:?}"
    );
    assert_eq!(stale.color, Some(GREEN.faded()));
    assert_eq!(stale.value, Some(81.5), "the last value is still known");
    broker.restart();
    pump_until(&mut app, &mqtt, "the reconnect", |_, s| {
        s.connections >= 2 && s.subscriptions_acked >= 2
    });
    broker.publish("plant/M-101/temperature", b"90.25");
    pump_until(&mut app, &mqtt, "a value after the restart", |store, _| {
        value(store, "M-101.temperature") == Some(90.25)
    });
    app.update();
    assert_eq!(asset_status(&app, asset).freshness, Freshness::Fresh);
}

#[test]
fn the_embedded_broker_takes_a_mosquitto_pub_publish_into_the_twin() {
    super::support::require("mosquitto_pub");
    let port = super::mosquitto::free_port();
    let listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let embedded = twinscope_sources::broker::start_embedded_broker(listen, 64 * 1024)
        .expect("the embedded broker starts");
    assert_eq!(embedded.url(), format!("mqtt://127.0.0.1:{port}"));
    let scene = Scene::load(&super::support::demo_scene()).unwrap();
    let mut app = ingest_app(&scene);
    let sender = app.world().resource::<IngestChannel>().sender.clone();
    let mqtt = spawn_mqtt(
        MqttConfig::from_url(&embedded.url()).unwrap(),
        scene.topics.clone(),
        sender,
    );
    pump_until(&mut app, &mqtt, "the subscription", |_, s| {
        s.subscriptions_acked >= 1
    });
    let status = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-t", "plant/M-101/temperature", "-m", "97.5"])
        .status()
        .expect("mosquitto_pub runs");
    assert!(status.success());
    pump_until(&mut app, &mqtt, "the published value", |store, _| {
        value(store, "M-101.temperature") == Some(97.5)
    });

    // A second broker on the same address is refused with a message that says what to do.
    let error = twinscope_sources::broker::start_embedded_broker(listen, 1024).unwrap_err();
    assert!(error.to_string().contains("--broker-port"), "{error}");
}
