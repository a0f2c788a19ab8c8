//! Starting what feeds the twin, shared by the viewer and the headless recorder: an external
//! broker, the embedded broker with the demo publisher, or the simulator straight into ingest.

use crate::{RunningSource, SourceInfo, broker, demo_feed, mqtt, publish_demo};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use twinscope_core::scene::{MqttSettings, Scene};
use twinscope_core::signal::Sample;

/// How to feed the twin, from the command line.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// Seed of the built-in simulator.
    pub seed: u64,
    /// Broker settings from the command line, layered over the scene's `[mqtt]`; with no
    /// broker in either, the embedded broker runs and the simulator publishes into it.
    pub mqtt: MqttSettings,
    /// Where the embedded broker listens.
    pub broker_listen: SocketAddr,
    /// Feed the simulator straight into ingest: no broker, no MQTT.
    pub no_broker: bool,
    /// History the demo simulator makes up at start (zero for none); not used with an
    /// external broker.
    pub backfill: std::time::Duration,
}

/// A started source, ready to hand to the app (or to the headless recorder).
pub struct StartedSource {
    /// What feeds the twin, for the status bar.
    pub info: SourceInfo,
    /// Keeps the source's threads (and the embedded broker) alive.
    pub running: RunningSource,
    /// The MQTT client's status, when the source is MQTT.
    pub mqtt_status: Option<Arc<Mutex<mqtt::MqttStatus>>>,
    /// The replay loader's progress, when the source is a recording.
    pub replay_progress: Option<std::sync::Arc<crate::replay::ReplayProgress>>,
    /// The replayed recording's connection changes, when it recorded them.
    pub recorded_link: Option<Vec<twinscope_core::freshness::LinkEvent>>,
    /// Worth a warning once logging is up.
    pub warnings: Vec<String>,
}

/// Starts what feeds the twin: an external broker, the embedded broker with the demo publisher,
/// or (`--no-broker`, or a scene without `[[topics]]`) the simulator fed straight into ingest.
pub fn start_source(
    scene: &Scene,
    scene_path: &Path,
    options: &SourceOptions,
    sender: crossbeam_channel::Sender<Vec<Sample>>,
) -> anyhow::Result<StartedSource> {
    let mut settings = scene.mqtt.clone().overlay(options.mqtt.clone());
    let external = settings.broker.is_some();
    if external && scene.topics.mappings().is_empty() {
        anyhow::bail!(
            "{} has no [[topics]], so there is nothing to subscribe to over MQTT",
            scene_path.display()
        );
    }
    let mut warnings = Vec::new();
    if options.no_broker || (!external && scene.topics.mappings().is_empty()) {
        if !options.no_broker {
            warnings.push(
                "the scene has no [[topics]]: the simulator feeds the twin directly".to_owned(),
            );
        }
        let sim = backfill_history(options, &sender)?;
        let handle = demo_feed::spawn_simulator(sim, sender);
        return Ok(StartedSource {
            info: SourceInfo {
                description: format!("built-in simulator (seed {}), no broker", options.seed),
            },
            running: RunningSource(Box::new(handle)),
            mqtt_status: None,
            replay_progress: None,
            recorded_link: None,
            warnings,
        });
    }
    let embedded = if external {
        None
    } else {
        let limit = scene.topics.max_payload_bytes + mqtt::PACKET_OVERHEAD;
        let embedded = broker::start_embedded_broker(options.broker_listen, limit)?;
        if !options.broker_listen.ip().is_loopback() {
            warnings.push(format!(
                "the embedded MQTT broker listens on {}, beyond this machine, with no \
                 authentication",
                options.broker_listen
            ));
        }
        settings.broker = Some(embedded.url());
        Some(embedded)
    };
    let config = mqtt::MqttConfig::from_settings(&settings, |key| std::env::var(key).ok())?;
    if !config.clean_session && settings.client_id.is_none() {
        warnings.push(format!(
            "persistent session with the generated client id {}: it survives reconnects but \
             not a restart of twinscope; give a stable --client-id",
            config.client_id
        ));
    }
    let mut description = config.url();
    let publisher = match &embedded {
        Some(_) => {
            description += &format!(" (embedded broker; demo publisher, seed {})", options.seed);
            let sim = backfill_history(options, &sender)?;
            Some(publish_demo::spawn_demo_publisher(config.clone(), sim)?)
        }
        None => None,
    };
    let handle = mqtt::spawn_mqtt(config, scene.topics.clone(), sender);
    Ok(StartedSource {
        info: SourceInfo { description },
        mqtt_status: Some(handle.shared_status()),
        replay_progress: None,
        recorded_link: None,
        running: RunningSource(Box::new((handle, embedded, publisher))),
        warnings,
    })
}

/// Sends the demo's made-up history into ingest (as a historian would deliver it, with its own
/// timestamps) from a thread, since the app that drains the channel is not running yet, and
/// returns the simulator to go on from the present.
fn backfill_history(
    options: &SourceOptions,
    sender: &crossbeam_channel::Sender<Vec<Sample>>,
) -> anyhow::Result<twinscope_core::demo::DemoSimulator> {
    let (sim, history) = twinscope_core::demo::simulate_history(options.seed, options.backfill);
    if history.is_empty() {
        return Ok(sim);
    }
    let sender = sender.clone();
    std::thread::Builder::new()
        .name("twinscope-backfill".into())
        .spawn(move || {
            for batch in history.chunks(BACKFILL_BATCH) {
                if sender.send(batch.to_vec()).is_err() {
                    return;
                }
            }
        })?;
    Ok(sim)
}

/// Samples per batch when sending the backfill.
const BACKFILL_BATCH: usize = 4096;
