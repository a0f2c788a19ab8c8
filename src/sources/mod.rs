//! Sources: where samples come from. Each runs on its own thread and sends batches over the
//! ingest channel; the app never blocks on a source.
//!
//! Today: the built-in simulator. Next: MQTT, recording replay, CSV import.

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
pub struct ActiveSource(#[allow(dead_code)] pub(crate) simulator::SimulatorHandle);
