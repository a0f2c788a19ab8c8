//! Builds the windowed app from a scene file: plugins in data-flow order.

use crate::core::scene::{Scene, read_model_nodes};
use crate::plant::ActiveScene;
use crate::sources::start::{SourceOptions, start_source};
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
    /// What feeds the twin.
    pub source: SourceOptions,
    /// Tag of an asset to select once the plant is loaded.
    pub select: Option<String>,
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
    let source = start_source(
        &active.scene,
        &options.scene,
        &options.source,
        channel.sender.clone(),
    )?;
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
