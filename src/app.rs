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
    /// Subscribe to this broker (with the scene's `[[topics]]`) instead of running the simulator.
    pub mqtt: Option<crate::sources::mqtt::MqttConfig>,
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
    let topics = active.scene.topics.clone();
    if options.mqtt.is_some() && topics.mappings().is_empty() {
        anyhow::bail!(
            "{} has no [[topics]], so there is nothing to subscribe to over MQTT",
            options.scene.display()
        );
    }
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
    core_plugins(&mut app);
    app.add_plugins((
        crate::view::plugin,
        crate::ui::plugin,
        crate::capture::screenshot_key_plugin,
    ));
    if let Some(tag) = options.select {
        app.insert_resource(crate::view::selection::InitialSelection(tag));
    }

    let sender = app
        .world()
        .resource::<crate::ingest::IngestChannel>()
        .sender
        .clone();
    match options.mqtt {
        Some(config) => {
            let description = config.url();
            let handle = crate::sources::mqtt::spawn_mqtt(config, topics, sender);
            app.insert_resource(crate::sources::MqttStatusView(handle.shared_status()));
            app.insert_resource(ActiveSource(Box::new(handle)));
            app.insert_resource(SourceInfo { description });
        }
        None => {
            let handle = crate::sources::simulator::spawn_simulator(options.seed, sender);
            app.insert_resource(ActiveSource(Box::new(handle)));
            app.insert_resource(SourceInfo {
                description: format!("built-in simulator (seed {})", options.seed),
            });
        }
    }

    if let Some((path, after_frames)) = options.screenshot {
        app.insert_resource(crate::capture::ScreenshotRequest { path, after_frames });
        app.add_plugins(crate::capture::plugin);
    }
    Ok(app.run())
}
