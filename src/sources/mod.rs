//! Sources: where samples come from. Each runs on its own thread and sends batches over the
//! ingest channel; the app never blocks on a source.
//!
//! By default the twin runs the embedded MQTT broker ([`broker`]), the demo simulator publishes
//! into it ([`publish_demo`]) and the MQTT client ([`mqtt`]) subscribes, so the demo takes the
//! same path as a real plant. `--mqtt URL` (or `[mqtt] broker`) uses an external broker instead;
//! `--no-broker` feeds the simulator straight into ingest. [`start`] picks one for the viewer and
//! the headless recorder alike.

pub mod broker;
pub mod csv_import;
pub mod mqtt;
pub mod publish_demo;
pub mod publisher;
pub mod replay;
pub mod simulator;
pub mod start;

use crate::core::freshness::LinkState;
use crate::core::signal::Timestamp;
use crate::evaluation::SourceLink;
use crate::schedule::TwinscopeSystems;
use crate::timeline::{MarkerKind, Markers};
use bevy::prelude::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What feeds the twin, shown in the status bar.
#[derive(Resource, Clone, Debug)]
pub struct SourceInfo {
    /// Human-readable description, e.g. `simulator (seed 42)`.
    pub description: String,
}

/// Keeps the running source threads alive; dropping it asks them to stop.
#[derive(Resource)]
pub struct ActiveSource(pub Box<dyn std::any::Any + Send + Sync>);

/// The MQTT source's shared status, when the app is fed over MQTT (read by the UI).
#[derive(Resource, Clone)]
pub struct MqttStatusView(pub Arc<Mutex<mqtt::MqttStatus>>);

/// The replay loader's progress, when replaying a recording (read by the status bar).
#[derive(Resource, Clone)]
pub struct ReplayProgressView(pub Arc<replay::ReplayProgress>);

/// Message and byte rates of the MQTT source, measured over about a second.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct MqttRates {
    /// Messages per second, all topics.
    pub messages_per_s: f64,
    /// Payload bytes per second, all topics.
    pub bytes_per_s: f64,
    window: Option<(Instant, u64, u64)>,
}

impl MqttRates {
    /// Folds in the running totals seen at `now`; rates change once a second has passed.
    pub fn record(&mut self, now: Instant, messages: u64, bytes: u64) {
        let Some((start, start_messages, start_bytes)) = self.window else {
            self.window = Some((now, messages, bytes));
            return;
        };
        let elapsed = now.duration_since(start);
        if elapsed >= Duration::from_secs(1) {
            let secs = elapsed.as_secs_f64();
            self.messages_per_s = messages.saturating_sub(start_messages) as f64 / secs;
            self.bytes_per_s = bytes.saturating_sub(start_bytes) as f64 / secs;
            self.window = Some((now, messages, bytes));
        }
    }
}

/// Keeps [`SourceLink`] and [`MqttRates`] current from the MQTT source, when there is one.
pub fn plugin(app: &mut App) {
    app.init_resource::<MqttRates>()
        .init_resource::<Markers>()
        .add_systems(
            Update,
            track_mqtt_link
                .run_if(resource_exists::<MqttStatusView>)
                .in_set(TwinscopeSystems::Ingest),
        );
}

/// Marks the link down (from the moment it was seen lost) unless the client is connected.
fn track_mqtt_link(
    mqtt: Res<MqttStatusView>,
    mut link: ResMut<SourceLink>,
    mut rates: ResMut<MqttRates>,
    mut markers: ResMut<Markers>,
) {
    let (connected, messages, bytes) = {
        let status = mqtt::lock(&mqtt.0);
        (
            status.state == mqtt::ConnectionState::Connected,
            status.messages_total,
            status.bytes_total,
        )
    };
    rates.record(Instant::now(), messages, bytes);
    let next = match (connected, link.0) {
        (true, _) => LinkState::Up,
        (false, LinkState::Up) => LinkState::Down {
            since: Timestamp::now(),
        },
        (false, down) => down,
    };
    match (link.0, next) {
        (LinkState::Up, LinkState::Down { since }) => {
            markers.add(since, MarkerKind::ConnectionLost, "MQTT connection lost");
        }
        (LinkState::Down { .. }, LinkState::Up) => markers.add(
            Timestamp::now(),
            MarkerKind::ConnectionRestored,
            "MQTT connected again",
        ),
        _ => {}
    }
    link.set_if_neq(SourceLink(next));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_measured_over_a_second() {
        let start = Instant::now();
        let mut rates = MqttRates::default();
        rates.record(start, 10, 1000);
        rates.record(start + Duration::from_millis(500), 60, 6000);
        assert_eq!(rates.messages_per_s, 0.0, "not a second yet");
        rates.record(start + Duration::from_secs(2), 210, 21000);
        assert_eq!(rates.messages_per_s, 100.0);
        assert_eq!(rates.bytes_per_s, 10000.0);
    }
}
