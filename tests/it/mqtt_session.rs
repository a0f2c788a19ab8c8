//! QoS 1 with a persistent session loses nothing across a broker restart: a real mosquitto with
//! persistence is stopped mid-stream and started again while a publisher keeps going.

use crate::mosquitto::Broker;
use rumqttc::{MqttOptions, QoS};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};
use twinscope_core::scene::{MqttSettings, Scene};
use twinscope_sources::mqtt::{ConnectionState, MqttConfig, spawn_mqtt};
use twinscope_sources::publisher::AckedPublisher;

const SCENE: &str = r#"
[scene]
name = "session test"
model = "unused.glb"

[[signals]]
id = "line.sequence"
range = [0.0, 100000.0]
period = 0.001

[[topics]]
topic = "test/sequence"
signal = "line.sequence"
qos = 1
"#;

/// Messages published; the broker restarts after a third of them.
const MESSAGES: u64 = 3000;

/// A QoS 1 publisher with its own persistent session.
fn connect_publisher(port: u16) -> AckedPublisher {
    let mut options = MqttOptions::new("session-test-publisher", "127.0.0.1", port);
    options.set_clean_session(false);
    options.set_keep_alive(Duration::from_secs(5));
    AckedPublisher::start(options, 16, |_| {}).expect("the publisher thread starts")
}

#[test]
fn qos1_with_a_persistent_session_loses_nothing_across_a_broker_restart() {
    let mut broker = Broker::start_with(|dir| {
        // Started as root, mosquitto drops to its own user, which must be able to write here.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777))
            .expect("the broker directory is writable by mosquitto");
        format!(
            "allow_anonymous true\npersistence true\npersistence_location {}/\n\
             max_queued_messages 100000\n",
            dir.display()
        )
    });
    let scene = Scene::parse(SCENE, Path::new("session_test.toml")).unwrap();
    let settings = MqttSettings {
        broker: Some(format!("mqtt://127.0.0.1:{}", broker.port)),
        client_id: Some("session-test-twin".into()),
        persistent_session: Some(true),
        ..MqttSettings::default()
    };
    let config = MqttConfig::from_settings(&settings, |_| None).unwrap();
    assert!(!config.clean_session);
    let (sender, receiver) = crossbeam_channel::bounded(1024);
    let twin = spawn_mqtt(config, scene.topics, sender);
    let deadline = Instant::now() + Duration::from_secs(10);
    while twin.status().subscriptions_acked < 1 {
        assert!(Instant::now() < deadline, "{:#?}", twin.status());
        std::thread::sleep(Duration::from_millis(20));
    }

    let publisher = connect_publisher(broker.port);
    let mut received = BTreeSet::new();
    let drain = |received: &mut BTreeSet<u64>| {
        for batch in receiver.try_iter() {
            received.extend(batch.iter().map(|s| s.value as u64));
        }
    };
    for n in 1..=MESSAGES {
        publisher
            .client
            .publish("test/sequence", QoS::AtLeastOnce, false, n.to_string())
            .expect("the request queue is open");
        if n == MESSAGES / 3 {
            // Some of these are acknowledged by the broker but not yet delivered to the twin.
            broker.stop_gracefully();
            let down_until = Instant::now() + Duration::from_millis(500);
            while Instant::now() < down_until {
                drain(&mut received);
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(
                matches!(twin.status().state, ConnectionState::Reconnecting { .. }),
                "the twin noticed the broker is gone: {:#?}",
                twin.status()
            );
            broker.restart();
        }
        if n % 50 == 0 {
            drain(&mut received);
        }
        std::thread::sleep(Duration::from_micros(500));
    }

    let deadline = Instant::now() + Duration::from_secs(30);
    while received.len() < MESSAGES as usize && Instant::now() < deadline {
        drain(&mut received);
        std::thread::sleep(Duration::from_millis(20));
    }
    let missing: Vec<u64> = (1..=MESSAGES).filter(|n| !received.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "{} of {MESSAGES} lost, first {:?}; publisher acks {}; twin {:#?}; broker log:\n{}",
        missing.len(),
        &missing[..missing.len().min(10)],
        publisher.acked(),
        twin.status(),
        broker.log()
    );
    let status = twin.status();
    assert!(status.connections >= 2, "the twin reconnected: {status:#?}");
}
