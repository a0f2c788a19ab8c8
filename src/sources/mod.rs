//! Sources: where samples come from. Each runs on its own thread and sends batches over the
//! ingest channel; the app never blocks on a source.
//!
//! Today: the built-in simulator and an MQTT client. Next: an embedded broker, recording
//! replay, CSV import.

pub mod mqtt;
pub mod publish_demo;
pub mod simulator;

use bevy::prelude::*;

/// What feeds the twin, shown in the status bar.
#[derive(Resource, Clone, Debug)]
pub struct SourceInfo {
    /// Human-readable description, e.g. `simulator (seed 42)`.
    pub description: String,
}

/// Keeps the running source thread alive; dropping it asks the thread to stop.
#[derive(Resource)]
pub struct ActiveSource(pub Box<dyn std::any::Any + Send + Sync>);

/// The MQTT source's shared status, when the app is fed over MQTT (read by the status bar).
#[derive(Resource, Clone)]
pub struct MqttStatusView(pub std::sync::Arc<std::sync::Mutex<mqtt::MqttStatus>>);
