//! `--screenshot out.png --after-frames N`: render the real window, save a PNG, exit.
//!
//! Frames are counted from the moment the plant is bound and framed, so a slow model load does
//! not produce a picture of an empty scene. Beside the PNG a JSON file (`out.json`) gives the
//! view time and each bound asset's screen rectangle and rule colour, so tests can check pixels
//! where the asset is and compare a replay with the live run it recorded.

use crate::plant::{AssetBounds, PlantAsset, PlantStatus};
use crate::rules::AssetStatus;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::PrimaryWindow;
use serde::Serialize;
use std::path::PathBuf;

/// How long to wait for the plant before giving up with an error.
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// What to capture and when.
#[derive(Resource, Debug, Clone)]
pub(crate) struct ScreenshotRequest {
    /// Where the PNG goes; the regions JSON goes beside it with a `.json` extension.
    pub(crate) path: PathBuf,
    /// Frames to render after the plant is ready before capturing.
    pub(crate) after_frames: u32,
}

#[derive(Resource, Default, Debug)]
struct CaptureProgress {
    started: Option<std::time::Instant>,
    frames_ready: u32,
    requested: bool,
    regions: Vec<AssetRegion>,
    outcome: Option<Result<(), String>>,
    view_time: Option<crate::pipeline::ViewTime>,
    frame_ms: f64,
    badges: Vec<crate::view::badges::PlacedBadge>,
}

/// What the regions JSON holds.
#[derive(Serialize, Debug, Clone)]
pub(crate) struct CaptureReport {
    /// The view time of the capture, ns since the epoch.
    pub(crate) view_time_ns: i64,
    /// The same time in RFC 3339 (UTC), to pass to `--at`.
    pub(crate) view_time: String,
    /// Whether the cursor was following live data.
    pub(crate) following_live: bool,
    /// Smoothed frame time when captured, in milliseconds (0 without the UI).
    pub(crate) frame_ms: f64,
    /// Every bound asset on screen.
    pub(crate) assets: Vec<AssetRegion>,
    /// The badges drawn, in placement order (empty when hidden).
    pub(crate) badges: Vec<crate::view::badges::PlacedBadge>,
}

/// One asset's place in the screenshot, written to the regions JSON.
#[derive(Serialize, Debug, Clone)]
pub(crate) struct AssetRegion {
    /// Plant tag.
    pub(crate) tag: String,
    /// Rule colour at capture time, `#rrggbb`.
    pub(crate) color: Option<String>,
    /// Projected bounds in physical pixels: [x0, y0, x1, y1].
    pub(crate) rect: [f32; 4],
}

/// F12 saves a screenshot of the window into the working directory, named by the time.
pub(crate) fn screenshot_key_plugin(app: &mut App) {
    app.add_systems(Update, save_screenshot_on_key);
}

fn save_screenshot_on_key(mut commands: Commands, keys: Res<ButtonInput<KeyCode>>) {
    if keys.just_pressed(KeyCode::F12) {
        let path = format!(
            "twinscope-{}.png",
            twinscope_core::signal::Timestamp::now().0 / 1_000_000
        );
        info!("saving screenshot to {path}");
        commands
            .spawn(Screenshot::primary_window())
            .observe(bevy::render::view::screenshot::save_to_disk(path));
    }
}

/// Adds the capture state machine.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<CaptureProgress>()
        .add_systems(Last, (request_capture, exit_when_saved).chain());
}

#[allow(clippy::too_many_arguments)]
fn request_capture(
    mut commands: Commands,
    request: Res<ScreenshotRequest>,
    mut progress: ResMut<CaptureProgress>,
    plant: Res<PlantStatus>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Camera, &GlobalTransform), With<Camera3d>>,
    assets: Query<(&PlantAsset, &AssetBounds, Option<&AssetStatus>)>,
    view_time: Res<crate::pipeline::ViewTime>,
    replay: Option<Res<crate::sources::ReplayProgressView>>,
    frame: Option<Res<crate::ui::FrameStats>>,
    badges: Option<Res<crate::view::badges::BadgeLayout>>,
    (scenario, initial_scenario): (
        Option<Res<crate::scenario::ScenarioState>>,
        Option<Res<crate::scenario::InitialScenario>>,
    ),
) {
    if progress.requested || progress.outcome.is_some() {
        return;
    }
    let started = *progress.started.get_or_insert_with(std::time::Instant::now);
    if let Some(error) = &plant.load_error {
        progress.outcome = Some(Err(error.clone()));
        return;
    }
    if plant.bounds.is_none() {
        if started.elapsed() > MAX_WAIT {
            progress.outcome = Some(Err(format!(
                "the plant was not ready after {} s",
                MAX_WAIT.as_secs()
            )));
        }
        return;
    }
    // A replay is pictured once loaded, so the capture shows the recording, not a part of it.
    if replay.is_some_and(|r| !r.0.done.load(std::sync::atomic::Ordering::Relaxed)) {
        return;
    }
    // A `--scenario` launch is pictured once it has run and the cursor is in it.
    if scenario.is_some_and(|s| s.is_running()) || initial_scenario.is_some_and(|i| !i.launched) {
        return;
    }
    progress.frames_ready += 1;
    if progress.frames_ready < request.after_frames.max(1) {
        return;
    }
    let (camera, camera_transform) = *camera;
    // world_to_viewport answers in logical window coordinates (viewport offset included).
    let scale = window.scale_factor();
    progress.regions = assets
        .iter()
        .filter_map(|(asset, bounds, status)| {
            let points: Vec<Vec2> = bounds
                .corners()
                .iter()
                .filter_map(|corner| camera.world_to_viewport(camera_transform, *corner).ok())
                .map(|p| p * scale)
                .collect();
            if points.len() < 8 {
                return None;
            }
            let min = points.iter().fold(Vec2::MAX, |a, p| a.min(*p));
            let max = points.iter().fold(Vec2::MIN, |a, p| a.max(*p));
            Some(AssetRegion {
                tag: asset.tag.clone(),
                color: status.and_then(|s| s.color).map(|c| c.to_string()),
                rect: [min.x, min.y, max.x, max.y],
            })
        })
        .collect();
    progress.view_time = Some(*view_time);
    progress.frame_ms = frame.map_or(0.0, |f| f.frame_ms);
    progress.badges = badges.map(|b| b.placed.clone()).unwrap_or_default();
    progress.requested = true;
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_capture);
}

fn save_capture(
    captured: On<ScreenshotCaptured>,
    request: Res<ScreenshotRequest>,
    mut progress: ResMut<CaptureProgress>,
) {
    let result = captured
        .image
        .clone()
        .try_into_dynamic()
        .map_err(|e| format!("screenshot could not be converted: {e}"))
        .and_then(|image| {
            image
                .to_rgb8()
                .save(&request.path)
                .map_err(|e| format!("cannot write {}: {e}", request.path.display()))
        })
        .and_then(|()| {
            let view = progress.view_time.unwrap_or_default();
            let report = CaptureReport {
                view_time_ns: view.time.0,
                view_time: chrono::DateTime::from_timestamp_nanos(view.time.0)
                    .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
                following_live: view.following_live,
                frame_ms: progress.frame_ms,
                assets: progress.regions.clone(),
                badges: progress.badges.clone(),
            };
            let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            let regions_path = request.path.with_extension("json");
            std::fs::write(&regions_path, json)
                .map_err(|e| format!("cannot write {}: {e}", regions_path.display()))
        });
    progress.outcome = Some(result);
}

fn exit_when_saved(
    progress: Res<CaptureProgress>,
    request: Res<ScreenshotRequest>,
    mut exit: MessageWriter<AppExit>,
) {
    match &progress.outcome {
        Some(Ok(())) => {
            info!("screenshot saved to {}", request.path.display());
            exit.write(AppExit::Success);
        }
        Some(Err(message)) => {
            error!("screenshot failed: {message}");
            exit.write(AppExit::from_code(2));
        }
        None => {}
    }
}
