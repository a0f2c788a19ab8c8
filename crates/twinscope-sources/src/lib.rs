//! Sources: where samples come from. Each runs on its own thread and sends batches over a
//! bounded channel; nothing here knows about frames or Bevy, so the viewer and the headless
//! recorder start them the same way.
//!
//! By default the twin runs the embedded MQTT broker ([`broker`]), the demo simulator publishes
//! into it ([`publish_demo`]) and the MQTT client ([`mqtt`]) subscribes, so the demo takes the
//! same path as a real plant. `--mqtt URL` (or `[mqtt] broker`) uses an external broker instead;
//! `--no-broker` feeds the simulator straight into ingest ([`demo_feed`]). [`start`] picks one;
//! [`replay`] feeds a recording; [`record`] is the headless recorder.

pub mod broker;
pub mod demo_feed;
pub mod mqtt;
pub mod publish_demo;
pub mod publisher;
pub mod record;
mod record_link;
pub mod replay;
pub mod start;

/// Batches the ingest channel holds before a source must wait (or count drops).
pub const CHANNEL_CAPACITY: usize = 1024;

/// What feeds the twin, shown in the status bar and written into recordings.
#[derive(Clone, Debug)]
pub struct SourceInfo {
    /// Human-readable description, e.g. `simulator (seed 42)`.
    pub description: String,
}

/// Keeps a running source's threads alive; dropping it asks them to stop.
pub struct RunningSource(pub Box<dyn std::any::Any + Send + Sync>);
