//! A client that can publish must not be able to grow the twin without bound: signals made
//! from wildcard captures stop at `[mqtt] max_signals`, the rest dropped and counted.

use crate::mosquitto::Broker;
use crossbeam_channel::Receiver;
use rumqttc::{MqttOptions, QoS};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use twinscope_core::scene::{MqttSettings, Scene};
use twinscope_core::signal::Sample;
use twinscope_sources::mqtt::{MqttConfig, MqttHandle, spawn_mqtt};
use twinscope_sources::publisher::AckedPublisher;

const SCENE: &str = r#"
[scene]
name = "limits test"
model = "unused.glb"

[mqtt]
max_signals = 10

[[signals]]
id = "A-1.level"
range = [0.0, 100.0]
period = 1.0

[[topics]]
topic = "plant/{asset}/{quantity}"
signal = "{asset}.{quantity}"
"#;

/// The client on `scene`'s topics, once its subscription is acknowledged.
fn subscribed(config: MqttConfig, scene: &Scene) -> (MqttHandle, Receiver<Vec<Sample>>) {
    let (sender, receiver) = crossbeam_channel::bounded(1024);
    let twin = spawn_mqtt(config, scene.topics.clone(), sender);
    let deadline = Instant::now() + Duration::from_secs(10);
    while twin.status().subscriptions_acked < 1 {
        assert!(Instant::now() < deadline, "{:#?}", twin.status());
        std::thread::sleep(Duration::from_millis(20));
    }
    (twin, receiver)
}

#[test]
fn signals_from_wildcard_topics_stop_at_max_signals_and_the_rest_are_counted() {
    let broker = Broker::start();
    let scene = Scene::parse(SCENE, Path::new("limits_test.toml")).unwrap();
    assert_eq!(scene.mqtt.max_signals, Some(10));
    let settings = MqttSettings {
        broker: Some(format!("mqtt://127.0.0.1:{}", broker.port)),
        ..scene.mqtt.clone()
    };
    let config = MqttConfig::from_settings(&settings, |_| None).unwrap();
    assert_eq!(config.max_signals, 10);
    let (twin, receiver) = subscribed(config, &scene);

    let mut options = MqttOptions::new("limits-test-publisher", "127.0.0.1", broker.port);
    options.set_keep_alive(Duration::from_secs(5));
    let publisher = AckedPublisher::start(options, 16, |_| {}).expect("the publisher starts");
    // Thirty invented assets, twice each: the first ten are taken, the other twenty refused.
    for round in 0..2 {
        for asset in 0..30 {
            publisher
                .client
                .publish(
                    format!("plant/X-{asset}/level"),
                    QoS::AtLeastOnce,
                    false,
                    format!("{round}"),
                )
                .unwrap();
        }
    }
    let mut signals = BTreeSet::new();
    let mut samples = 0;
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut drain = |samples: &mut usize| {
        while let Ok(batch) = receiver.recv_timeout(Duration::from_millis(50)) {
            *samples += batch.len();
            signals.extend(batch.into_iter().map(|s| s.signal.as_str().to_owned()));
        }
    };
    while twin.status().messages_total < 60 || samples < 20 {
        assert!(
            Instant::now() < deadline,
            "{samples} samples; {:#?}",
            twin.status()
        );
        drain(&mut samples);
    }
    // Anything over twenty would arrive within the client's batch age.
    std::thread::sleep(Duration::from_millis(300));
    drain(&mut samples);
    let status = twin.status();
    assert_eq!(signals.len(), 10, "{signals:?}");
    assert_eq!(samples, 20, "ten signals, two samples each");
    assert_eq!(status.samples_over_signal_limit, 40, "{status:#?}");
    assert!(status.last_signal_over_limit.is_some());
    // The per-topic table is bounded the same way.
    assert_eq!(status.topics.len(), 10, "{status:#?}");
    assert_eq!(status.untracked_topic_messages, 40);
}

/// One 1 MB QoS 1 message on a bound topic once wedged a persistent session: rumqttc refused
/// the packet (its limit follows the scene's payload limit), dropped the connection, and the
/// broker redelivered the message after every reconnect (70 reconnects in 27 s, every later
/// message lost). Now it is read, counted as a bad payload, and what follows arrives.
#[test]
fn an_oversized_message_is_a_counted_bad_payload_not_a_reconnect_loop() {
    let broker = Broker::start_with(|_| {
        "allow_anonymous true\npersistence false\nmessage_size_limit 0\n".to_owned()
    });
    let scene = Scene::parse(SCENE, Path::new("limits_test.toml")).unwrap();
    let settings = MqttSettings {
        broker: Some(format!("mqtt://127.0.0.1:{}", broker.port)),
        client_id: Some("oversized-test-twin".into()),
        persistent_session: Some(true),
        ..scene.mqtt.clone()
    };
    let config = MqttConfig::from_settings(&settings, |_| None).unwrap();
    let (twin, receiver) = subscribed(config, &scene);
    let mut options = MqttOptions::new("oversized-test-publisher", "127.0.0.1", broker.port);
    options.set_keep_alive(Duration::from_secs(5));
    options.set_max_packet_size(4 * 1024 * 1024, 4 * 1024 * 1024);
    let publisher = AckedPublisher::start(options, 16, |_| {}).expect("the publisher starts");
    publisher
        .client
        .publish(
            "plant/A-1/level",
            QoS::AtLeastOnce,
            false,
            vec![b'7'; 1_000_000],
        )
        .unwrap();
    for n in 0..20 {
        publisher
            .client
            .publish("plant/A-1/level", QoS::AtLeastOnce, false, n.to_string())
            .unwrap();
    }
    let mut values = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while values.len() < 20 {
        assert!(
            Instant::now() < deadline,
            "{} of 20 after the big one; {:#?}",
            values.len(),
            twin.status()
        );
        while let Ok(batch) = receiver.recv_timeout(Duration::from_millis(50)) {
            values.extend(batch.into_iter().map(|s| s.value));
        }
    }
    assert_eq!(values, (0..20).map(f64::from).collect::<Vec<_>>());
    let status = twin.status();
    assert_eq!(status.connections, 1, "no reconnect: {status:#?}");
    let topic = &status.topics["plant/A-1/level"];
    assert_eq!(
        topic.errors, 1,
        "the big one is one bad payload: {topic:#?}"
    );
    assert!(
        topic
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("1000000")),
        "{topic:#?}"
    );
}
