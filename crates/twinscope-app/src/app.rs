//! Builds the windowed app from a scene file: plugins in data-flow order.

use crate::pipeline::ActiveScene;
use crate::timeline::Clock;
use anyhow::Context;
use bevy::asset::{AssetMetaCheck, UnapprovedPathMode};
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use std::path::{Path, PathBuf};
use twinscope_core::cursor::{TimeBounds, TimeCursor, parse_jump_time};
use twinscope_core::signal::Timestamp;
use twinscope_sources::start::{SourceOptions, StartedSource, start_source};

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
    /// Show the alarm list (instead of the asset outliner) at start.
    pub alarm_panel: bool,
    /// Show the risk ranking (instead of the asset outliner) at start.
    pub risk_panel: bool,
    /// Record everything ingested to this MCAP file from the start.
    pub record: Option<PathBuf>,
    /// Replay this recording instead of a live source.
    pub replay: Option<PathBuf>,
    /// Open with the cursor paused here (`start`, `end`, `-10m`, `09:30`, an RFC 3339 time)
    /// instead of following live (or, for replay, at the start).
    pub at: Option<String>,
    /// History memory budget in MiB (default: the store's).
    pub history_mib: Option<u64>,
    /// Open playing at this speed (negative: backwards).
    pub play: Option<f64>,
    /// Launch this what-if scenario at the opening cursor time, and put the cursor this many
    /// seconds into it once it has run.
    pub scenario: Option<(String, Option<f64>)>,
}

/// The plugins every twinscope app has, headless or windowed: the data pipeline and the plant.
pub(crate) fn core_plugins(app: &mut App) {
    app.add_plugins((
        crate::pipeline::plugin,
        crate::ingest::plugin,
        crate::plant::plugin,
        crate::timeline::plugin,
        crate::forecast::plugin,
        crate::rules::plugin,
        crate::alarms::plugin,
        crate::health::plugin,
        crate::scenario::plugin,
        crate::risk::plugin,
    ));
}

/// Loads the scene and its model's node list (no GPU needed), ready to insert into an app.
pub(crate) fn load_active_scene(path: &std::path::Path) -> anyhow::Result<ActiveScene> {
    Ok(twinscope_core::scene::LoadedScene::load(path)?.into())
}

/// How the viewer ended: the process's exit status, without naming Bevy's types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewerExit {
    /// Closed normally (or the screenshot was saved).
    Success,
    /// Ended with this exit code.
    Error(u8),
}

/// Opens the window and runs until it is closed (or the screenshot is saved).
pub fn run_viewer(options: ViewerOptions) -> anyhow::Result<ViewerExit> {
    let active = load_active_scene(&options.scene)?;
    // Sources start before the window, so a bad broker setting is an error, not a window.
    let channel = crate::ingest::IngestChannel::default();
    let (source, clock, mut cursor) = match &options.replay {
        Some(path) => start_replay(path, options.at.as_deref(), channel.sender.clone())?,
        None => (
            start_source(
                &active.scene,
                &options.scene,
                &options.source,
                channel.sender.clone(),
            )?,
            Clock::Wall,
            initial_cursor(options.at.as_deref(), Clock::Wall)?,
        ),
    };
    if let Some(speed) = options.play {
        start_playing(&mut cursor, speed);
    }

    let mut app = App::new();
    app.add_plugins(window_plugins(&active))
        .add_plugins(bevy_egui::EguiPlugin::default());
    let mut store = twinscope_core::store::SignalStore::for_scene(&active.scene)?;
    if let Some(mib) = options.history_mib {
        store.set_memory_budget(
            usize::try_from(mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX),
        );
    }
    app.insert_resource(crate::ingest::Store(store))
        .insert_resource(active)
        .insert_resource(channel)
        .insert_resource(clock)
        .insert_resource(crate::timeline::Cursor(cursor));
    let description = source.info.description.clone();
    insert_source(&mut app, source);
    core_plugins(&mut app);
    if let Some(path) = &options.record {
        start_recording(&mut app, path, description.clone())?;
    }
    app.insert_resource(crate::sources::SourceInfo { description });
    app.add_plugins((
        crate::camera::plugin,
        crate::motion::plugin,
        crate::risk::overlay::plugin,
        crate::view::plugin,
        crate::ui::plugin,
        crate::sources::plugin,
        crate::capture::screenshot_key_plugin,
        crate::scenario::view_plugin,
    ));
    open_as_asked(&mut app, &options);
    Ok(match app.run() {
        AppExit::Success => ViewerExit::Success,
        AppExit::Error(code) => ViewerExit::Error(code.get()),
    })
}

/// Bevy's default plugins for one 1280×720 window, assets read from the model's folder.
fn window_plugins(active: &ActiveScene) -> bevy::app::PluginGroupBuilder {
    let model_dir = active
        .scene
        .model_path
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let model_dir = std::fs::canonicalize(&model_dir).unwrap_or(model_dir);
    DefaultPlugins
        .set(WindowPlugin {
            primary_window: Some(Window {
                title: format!("twinscope — {}", active.scene.name),
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
        })
}

/// `--play SPEED`: playing from the opening time (negative speeds play backwards).
fn start_playing(cursor: &mut TimeCursor, speed: f64) {
    cursor.set_reverse(speed < 0.0);
    cursor.set_speed(speed.abs());
    cursor.pause();
    cursor.play(TimeBounds {
        start: Timestamp(i64::MIN),
        live_edge: Timestamp(i64::MAX),
    });
}

/// The running source's handles as resources, and its warnings in the log.
fn insert_source(app: &mut App, source: StartedSource) {
    if let Some(progress) = source.replay_progress {
        app.insert_resource(crate::sources::ReplayProgressView(progress));
    }
    app.insert_resource(crate::sources::ActiveSource {
        _running: source.running,
    });
    if let Some(status) = source.mqtt_status {
        app.insert_resource(crate::sources::MqttStatusView(status));
    }
    if let Some(events) = source.recorded_link {
        crate::sources::load_recorded_link(app.world_mut(), &events);
    }
    // Said now that the log exists (the source started before it).
    for note in &source.warnings {
        warn!("{note}");
    }
}

/// `--record FILE`: records from the first frame, with a marker on the timeline.
fn start_recording(app: &mut App, path: &Path, source: String) -> anyhow::Result<()> {
    let meta = twinscope_core::recording::RecordingMeta::for_scene(
        &app.world().resource::<ActiveScene>().scene,
        source,
    );
    app.world_mut()
        .resource_mut::<crate::recording::Recording>()
        .start(path, &meta)
        .with_context(|| format!("--record {}", path.display()))?;
    app.world_mut()
        .resource_mut::<crate::pipeline::Markers>()
        .add(
            Timestamp::now(),
            crate::pipeline::MarkerKind::Recording,
            format!("recording started: {}", path.display()),
        );
    Ok(())
}

/// The panels, selection, scenario and screenshot the command line asked for.
fn open_as_asked(app: &mut App, options: &ViewerOptions) {
    if let Some((name, offset_s)) = options.scenario.clone() {
        app.insert_resource(crate::scenario::InitialScenario::new(name, offset_s));
    }
    if let Some(tag) = options.select.clone() {
        app.insert_resource(crate::camera::selection::InitialSelection(tag));
    }
    let mut ui = app.world_mut().resource_mut::<crate::ui::UiState>();
    ui.scenarios_open = options.scenario.is_some();
    ui.connection_open = options.connection_panel;
    ui.risk_open = options.risk_panel;
    ui.alarms_open = options.alarm_panel;
    if let Some((path, after_frames)) = options.screenshot.clone() {
        app.insert_resource(crate::capture::ScreenshotRequest { path, after_frames });
        app.add_plugins(crate::capture::plugin);
    }
}

/// Opens a recording as the source: its span becomes the timeline's clock, and its chunks load
/// from the opening cursor outwards.
fn start_replay(
    path: &Path,
    at: Option<&str>,
    sender: crossbeam_channel::Sender<Vec<twinscope_core::signal::Sample>>,
) -> anyhow::Result<(StartedSource, Clock, TimeCursor)> {
    use twinscope_sources::replay::{open_replay, spawn_replay};
    let replay = open_replay(path)?;
    let (start, end) = replay.span;
    let clock = Clock::Recording { start, end };
    let cursor = initial_cursor(at, clock)?;
    let description = format!(
        "replay of {} ({} signals, {} to {})",
        path.display(),
        replay.signals,
        twinscope_core::recording::format_utc(start),
        twinscope_core::recording::format_utc(end)
    );
    let recorded_link = replay.link.clone();
    let handle = spawn_replay(replay, cursor.time(), sender)?;
    let progress = std::sync::Arc::clone(&handle.progress);
    let source = StartedSource {
        info: twinscope_sources::SourceInfo { description },
        running: twinscope_sources::RunningSource(Box::new(handle)),
        mqtt_status: None,
        recorded_link,
        replay_progress: Some(progress),
        warnings: Vec::new(),
    };
    Ok((source, clock, cursor))
}

/// The cursor the viewer opens with: following live, or for replay paused at the start, unless
/// `--at` says otherwise.
fn initial_cursor(at: Option<&str>, clock: Clock) -> anyhow::Result<TimeCursor> {
    let (start, live_edge) = match clock {
        Clock::Wall => (None, Timestamp::now()),
        Clock::Recording { start, end } => (Some(start), end),
    };
    let Some(text) = at else {
        return Ok(match start {
            Some(start) => TimeCursor::paused_at(start),
            None => TimeCursor::following(live_edge),
        });
    };
    let time = match text.trim() {
        "live" => return Ok(TimeCursor::following(live_edge)),
        "end" => live_edge,
        "start" => start.ok_or_else(|| {
            anyhow::anyhow!("--at start needs a recording (--replay); live data has no fixed start")
        })?,
        text => {
            let offset = chrono::Local::now().offset().local_minus_utc();
            parse_jump_time(text, live_edge, offset)
                .map_err(|error| anyhow::anyhow!("--at: {error}"))?
        }
    };
    Ok(TimeCursor::paused_at(time))
}
