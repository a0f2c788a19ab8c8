//! The app's side of the sources (which run on their own threads, in `twinscope-sources`): what
//! feeds the twin, the link state and message rates the status bar shows.

use crate::pipeline::Stage;
use crate::pipeline::{LinkOrigin, SourceLink};
use crate::pipeline::{MarkerKind, Markers};
use bevy::prelude::*;
use twinscope_core::freshness::{LinkEvent, LinkHistory};
use twinscope_core::signal::Timestamp;
use twinscope_sources::mqtt;

pub(crate) mod panel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What feeds the twin, shown in the status bar.
#[derive(Resource, Clone, Debug)]
pub(crate) struct SourceInfo {
    /// Human-readable description, e.g. `simulator (seed 42)`.
    pub(crate) description: String,
}

/// Keeps the running source threads alive; dropping it asks them to stop.
#[derive(Resource)]
pub(crate) struct ActiveSource {
    /// Held, never read: dropping it stops the threads.
    pub(crate) _running: twinscope_sources::RunningSource,
}

/// The MQTT source's shared status, when the app is fed over MQTT (read by the UI).
#[derive(Resource, Clone)]
pub(crate) struct MqttStatusView(pub Arc<Mutex<mqtt::MqttStatus>>);

/// The replay loader's progress, when replaying a recording (read by the status bar).
#[derive(Resource, Clone)]
pub(crate) struct ReplayProgressView(pub Arc<twinscope_sources::replay::ReplayProgress>);

/// Message and byte rates of the MQTT source, measured over about a second.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct MqttRates {
    /// Messages per second, all topics.
    pub(crate) messages_per_s: f64,
    /// Payload bytes per second, all topics.
    pub(crate) bytes_per_s: f64,
    window: Option<(Instant, u64, u64)>,
}

impl MqttRates {
    /// Folds in the running totals seen at `now`; rates change once a second has passed.
    pub(crate) fn record(&mut self, now: Instant, messages: u64, bytes: u64) {
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
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<MqttRates>().add_systems(
        Update,
        track_mqtt_link
            .run_if(resource_exists::<MqttStatusView>)
            .in_set(Stage::Sources),
    );
}

/// Adds an outage to the link's history when the client is seen not connected, and ends it
/// when it is connected again, with a timeline marker for each.
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
    if link.origin != LinkOrigin::Live {
        link.origin = LinkOrigin::Live;
    }
    let now = Timestamp::now();
    match (connected, link.history.is_down()) {
        (false, false) => {
            link.history.lost(now);
            markers.add(now, MarkerKind::ConnectionLost, "MQTT connection lost");
        }
        (true, true) => {
            link.history.restored(now);
            markers.add(now, MarkerKind::ConnectionRestored, "MQTT connected again");
        }
        _ => {}
    }
}

/// A replay's recorded outages: the link's history for every view time, and a timeline marker
/// where each began and ended.
pub(crate) fn load_recorded_link(world: &mut World, events: &[LinkEvent]) {
    let history = LinkHistory::from_events(events);
    // Called while the app is assembled, possibly before the pipeline's resources exist.
    world.init_resource::<Markers>();
    let mut markers = world.resource_mut::<Markers>();
    for outage in history.outages() {
        markers.add(
            outage.from,
            MarkerKind::ConnectionLost,
            "connection lost (recorded)",
        );
        if let Some(to) = outage.to {
            markers.add(
                to,
                MarkerKind::ConnectionRestored,
                "connected again (recorded)",
            );
        }
    }
    world.insert_resource(SourceLink {
        history,
        origin: LinkOrigin::Recorded,
    });
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
