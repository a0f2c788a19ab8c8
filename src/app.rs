//! Builds the windowed app from a scene file: plugins in data-flow order.

use crate::core::scene::{Scene, read_model_nodes};
use crate::plant::ActiveScene;
use crate::sources::{ActiveSource, SourceInfo};
use anyhow::Context;
use bevy::asset::{AssetMetaCheck, UnapprovedPathMode};
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use std::path::PathBuf;
use std::sync::Arc;

/// How to run the viewer.
#[derive(Debug, Clone)]
pub struct ViewerOptions {
    /// Scene file to open.
    pub scene: PathBuf,
    /// Save a screenshot after this many ready frames, then exit.
    pub screenshot: Option<(PathBuf, u32)>,
    /// Seed of the built-in simulator.
    pub seed: u64,
    /// Tag of an asset to select once the plant is loaded.
    pub select: Option<String>,
    /// Broker settings from the command line, layered over the scene's `[mqtt]`; with no
    /// broker in either, the embedded broker runs and the simulator publishes into it.
    pub mqtt: crate::core::scene::MqttSettings,
    /// Where the embedded broker listens.
    pub broker_listen: std::net::SocketAddr,
    /// Feed the simulator straight into ingest: no broker, no MQTT.
    pub no_broker: bool,
    /// Open the connection panel at start.
    pub connection_panel: bool,
}

/// The plugins every twinscope app has, headless or windowed: the data pipeline and the plant.
pub fn core_plugins(app: &mut App) {
    app.add_plugins((
        crate::schedule::plugin,
        crate::ingest::plugin,
        crate::evaluation::plugin,
        crate::plant::plugin,
    ));
}

/// Loads the scene and its model's node list (no GPU needed), ready to insert into an app.
pub fn load_active_scene(path: &std::path::Path) -> anyhow::Result<ActiveScene> {
    let scene = Scene::load(path)?;
    let nodes = read_model_nodes(&scene.model_path).with_context(|| {
        format!(
            "scene {} names model {}",
            path.display(),
            scene.model_path.display()
        )
    })?;
    Ok(ActiveScene {
        scene: Arc::new(scene),
        model_nodes: Arc::new(nodes),
    })
}

/// Opens the window and runs until it is closed (or the screenshot is saved).
pub fn run_viewer(options: ViewerOptions) -> anyhow::Result<AppExit> {
    let active = load_active_scene(&options.scene)?;
    // Sources start before the window, so a bad broker setting is an error, not a window.
    let channel = crate::ingest::IngestChannel::default();
    let source = start_source(&active, &options, channel.sender.clone())?;
    let model_dir = active
        .scene
        .model_path
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let model_dir = std::fs::canonicalize(&model_dir).unwrap_or(model_dir);
    let title = format!("twinscope — {}", active.scene.name);

    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title,
                    resolution: WindowResolution::new(1280, 720),
                    present_mode: PresentMode::AutoVsync,
                    ..default()
                }),
                ..default()
            })
            .set(bevy::log::LogPlugin {
                // rumqttd logs every connect at info and every ordinary disconnect as an
                // error; its real failures (a taken port) are checked before it starts.
                filter: format!("{},rumqttd=off", bevy::log::DEFAULT_FILTER),
                ..default()
            })
            .set(AssetPlugin {
                file_path: model_dir.to_string_lossy().into_owned(),
                meta_check: AssetMetaCheck::Never,
                unapproved_path_mode: UnapprovedPathMode::Forbid,
                ..default()
            }),
    )
    .add_plugins(bevy_egui::EguiPlugin::default());

    let store =
        crate::core::store::SignalStore::new(active.scene.signals.iter().map(|s| s.id.clone()));
    app.insert_resource(crate::ingest::Store(store));
    app.insert_resource(active);
    app.insert_resource(channel);
    app.insert_resource(source.info);
    app.insert_resource(source.running);
    if let Some(status) = source.mqtt_status {
        app.insert_resource(status);
    }
    // Said now that the log exists (the source started before it).
    for note in &source.warnings {
        warn!("{note}");
    }
    core_plugins(&mut app);
    app.add_plugins((
        crate::view::plugin,
        crate::ui::plugin,
        crate::sources::plugin,
        crate::capture::screenshot_key_plugin,
    ));
    if let Some(tag) = options.select.clone() {
        app.insert_resource(crate::view::selection::InitialSelection(tag));
    }

    if options.connection_panel {
        app.world_mut()
            .resource_mut::<crate::ui::UiState>()
            .connection_open = true;
    }

    if let Some((path, after_frames)) = options.screenshot {
        app.insert_resource(crate::capture::ScreenshotRequest { path, after_frames });
        app.add_plugins(crate::capture::plugin);
    }
    Ok(app.run())
}

/// A started source, ready to hand to the app.
struct StartedSource {
    info: SourceInfo,
    running: ActiveSource,
    mqtt_status: Option<crate::sources::MqttStatusView>,
    /// Worth a warning once logging is up.
    warnings: Vec<String>,
}

/// Starts what feeds the twin: an external broker, the embedded broker with the demo publisher,
/// or (`--no-broker`, or a scene without `[[topics]]`) the simulator fed straight into ingest.
fn start_source(
    active: &ActiveScene,
    options: &ViewerOptions,
    sender: crossbeam_channel::Sender<Vec<crate::core::signal::Sample>>,
) -> anyhow::Result<StartedSource> {
    use crate::sources::{MqttStatusView, broker, mqtt, publish_demo, simulator};
    let scene = &active.scene;
    let mut settings = scene.mqtt.clone().overlay(options.mqtt.clone());
    let external = settings.broker.is_some();
    if external && scene.topics.mappings().is_empty() {
        anyhow::bail!(
            "{} has no [[topics]], so there is nothing to subscribe to over MQTT",
            options.scene.display()
        );
    }
    let mut warnings = Vec::new();
    if options.no_broker || (!external && scene.topics.mappings().is_empty()) {
        if !options.no_broker {
            warnings.push(
                "the scene has no [[topics]]: the simulator feeds the twin directly".to_owned(),
            );
        }
        let handle = simulator::spawn_simulator(options.seed, sender);
        return Ok(StartedSource {
            info: SourceInfo {
                description: format!("built-in simulator (seed {}), no broker", options.seed),
            },
            running: ActiveSource(Box::new(handle)),
            mqtt_status: None,
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
            Some(publish_demo::spawn_demo_publisher(
                config.clone(),
                options.seed,
            )?)
        }
        None => None,
    };
    let handle = mqtt::spawn_mqtt(config, scene.topics.clone(), sender);
    Ok(StartedSource {
        info: SourceInfo { description },
        mqtt_status: Some(MqttStatusView(handle.shared_status())),
        running: ActiveSource(Box::new((handle, embedded, publisher))),
        warnings,
    })
}
