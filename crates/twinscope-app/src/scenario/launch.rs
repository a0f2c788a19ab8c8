//! Launching a scenario: inputs read from history at T0 on the main thread (cheap), then the
//! static world (built once per scene model, shared) and the run on a background thread that
//! reports progress over a channel. When it finishes, the run is loaded: markers added, the
//! cursor paused at T0 and the scenario's span opened on the timeline.

use super::{InitialScenario, LoadedScenario, ScenarioCommand, ScenarioState};
use crate::pipeline::ActiveScene;
use crate::pipeline::{MarkerKind, Markers, ScenarioMarker, ScenarioSpan};
use crate::plant::PlantStatus;
use crate::timeline::{Bounds, Cursor};
use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use twinscope_core::cursor::TimeBounds;
use twinscope_core::scenario::inputs::resolve_inputs;
use twinscope_core::scenario::world::StaticWorld;
use twinscope_core::scenario::{
    ColliderChoice, Playback, ResolvedInput, ScenarioEventKind, ScenarioResult, ScenarioRun,
    ScenarioSpec,
};
use twinscope_core::signal::Timestamp;

/// Most markers one scenario adds to the timeline (the panel lists every event).
const MAX_MARKERS: usize = 400;
/// Frames the ingest channel must be empty before a start-up launch reads its inputs.
const QUIET_FRAMES: u32 = 3;
/// A start-up launch goes ahead after this long even if data keeps arriving.
const INITIAL_WAIT_S: f64 = 20.0;

/// The plant's static colliders, built on the first launch's thread and reused by every later
/// run of the same scene (decoding every mesh of the model is the slow part of a launch).
#[derive(Resource, Default, Clone)]
pub(crate) struct WorldCache(pub Arc<Mutex<Option<Arc<StaticWorld>>>>);

impl WorldCache {
    /// The cached world, or one built from `model` now (on the calling thread) and cached.
    pub(crate) fn get_or_build(
        &self,
        model: &std::path::Path,
        choices: &[ColliderChoice],
    ) -> Result<Arc<StaticWorld>, String> {
        // A poisoned lock only means another build panicked; building again is safe.
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(world) = slot.as_ref() {
            return Ok(Arc::clone(world));
        }
        let world = Arc::new(StaticWorld::from_model(model, choices).map_err(|e| e.to_string())?);
        *slot = Some(Arc::clone(&world));
        Ok(world)
    }

    /// True once a world has been built.
    pub(crate) fn is_built(&self) -> bool {
        self.0.lock().map(|w| w.is_some()).unwrap_or(false)
    }
}

/// What the run thread reports.
pub(crate) enum RunMessage {
    /// Building the plant's colliders (first launch only).
    BuildingWorld,
    /// Steps done of steps in all.
    Progress(u64, u64),
    /// The run finished.
    Finished(Arc<ScenarioResult>),
    /// The run could not start.
    Failed(String),
}

/// A run on its thread, as the panel shows it.
pub(crate) struct RunningScenario {
    /// The scenario's name.
    pub(crate) name: String,
    /// Its start time.
    pub(crate) t0: Timestamp,
    /// The inputs as read at T0.
    pub(crate) inputs: Vec<ResolvedInput>,
    /// Steps done and in all (0, 0 until the run starts stepping).
    pub(crate) progress: (u64, u64),
    /// True while the static world is being built.
    pub(crate) building_world: bool,
    /// When it was launched.
    pub(crate) started: Instant,
    receiver: Receiver<RunMessage>,
}

impl RunningScenario {
    /// Fraction done, 0 to 1.
    pub(crate) fn fraction(&self) -> f32 {
        let (done, total) = self.progress;
        if total == 0 {
            0.0
        } else {
            (done as f64 / total as f64) as f32
        }
    }
}

/// Everything a run thread needs, owned.
struct RunJob {
    spec: ScenarioSpec,
    inputs: Vec<ResolvedInput>,
    model: PathBuf,
    colliders: Vec<ColliderChoice>,
    cache: WorldCache,
}

impl RunJob {
    fn run(self, sender: &Sender<RunMessage>) -> Result<ScenarioResult, String> {
        if !self.cache.is_built() {
            let _ = sender.send(RunMessage::BuildingWorld);
        }
        let world = self.cache.get_or_build(&self.model, &self.colliders)?;
        let run = ScenarioRun::new(&self.spec, world, &self.inputs).map_err(|e| e.to_string())?;
        let _ = sender.send(RunMessage::Progress(0, run.total_steps()));
        Ok(run.run_to_end(&mut |done, total| {
            let _ = sender.send(RunMessage::Progress(done, total));
        }))
    }
}

/// Starts `spec` at `t0`: reads its inputs from `store` now, then runs it on a thread.
pub(crate) fn start_run(
    spec: &ScenarioSpec,
    t0: Timestamp,
    store: &twinscope_core::store::SignalStore,
    active: &ActiveScene,
    cache: &WorldCache,
) -> Result<RunningScenario, String> {
    let inputs = resolve_inputs(spec, store, t0).map_err(|e| e.to_string())?;
    let job = RunJob {
        spec: spec.clone(),
        inputs: inputs.clone(),
        model: active.scene.model_path.clone(),
        colliders: active.scene.colliders.clone(),
        cache: cache.clone(),
    };
    let (sender, receiver) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name(format!("scenario {}", spec.name))
        .spawn(move || {
            let message = match job.run(&sender) {
                Ok(result) => RunMessage::Finished(Arc::new(result)),
                Err(error) => RunMessage::Failed(error),
            };
            let _ = sender.send(message);
        })
        .map_err(|e| format!("cannot start the scenario thread: {e}"))?;
    Ok(RunningScenario {
        name: spec.name.clone(),
        t0,
        inputs,
        progress: (0, 0),
        building_world: false,
        started: Instant::now(),
        receiver,
    })
}

/// Launches `--scenario NAME` once the plant is bound and the opening history has arrived.
pub(super) fn launch_initial(
    initial: Option<ResMut<InitialScenario>>,
    plant: Res<PlantStatus>,
    channel: Option<Res<crate::ingest::IngestChannel>>,
    view: Res<crate::pipeline::ViewTime>,
    time: Res<Time<Real>>,
    mut commands: MessageWriter<ScenarioCommand>,
) {
    let Some(mut initial) = initial else { return };
    if initial.launched || !plant.ready {
        return;
    }
    let quiet = channel.is_none_or(|c| c.receiver.is_empty());
    initial.quiet_frames = if quiet { initial.quiet_frames + 1 } else { 0 };
    if initial.quiet_frames < QUIET_FRAMES && time.elapsed_secs_f64() < INITIAL_WAIT_S {
        return;
    }
    initial.launched = true;
    commands.write(ScenarioCommand::Launch {
        name: initial.name.clone(),
        at: view.time,
    });
}

/// Starts or clears runs as commanded.
pub(super) fn handle_commands(
    mut commands: MessageReader<ScenarioCommand>,
    mut state: ResMut<ScenarioState>,
    mut markers: ResMut<Markers>,
    mut span: ResMut<ScenarioSpan>,
    store: Res<crate::ingest::Store>,
    active: Res<ActiveScene>,
    cache: Res<WorldCache>,
) {
    for command in commands.read() {
        clear(&mut state, &mut markers, &mut span);
        let ScenarioCommand::Launch { name, at } = command else {
            continue;
        };
        let Some(spec) = active.scene.scenarios.iter().find(|s| &s.name == name) else {
            let known: Vec<&str> = active
                .scene
                .scenarios
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            let error = format!(
                "no scenario `{name}` in {} (it has: {})",
                active.scene.name,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            );
            warn!("{error}");
            state.error = Some(error);
            continue;
        };
        state.selected = Some(name.clone());
        match start_run(spec, *at, &store, &active, &cache) {
            Ok(running) => {
                info!("scenario `{name}` launched at {}", format_time(*at));
                state.running = Some(running);
            }
            Err(error) => {
                warn!("scenario `{name}`: {error}");
                state.error = Some(error);
            }
        }
    }
}

/// Removes the loaded or running scenario, its markers and its span.
fn clear(state: &mut ScenarioState, markers: &mut Markers, span: &mut ScenarioSpan) {
    state.running = None;
    state.loaded = None;
    state.error = None;
    markers
        .0
        .retain(|m| !matches!(m.kind, MarkerKind::Scenario(_)));
    span.0 = None;
}

/// Picks up the run thread's progress; a finished run is loaded and the cursor paused at T0
/// (or `--scenario-t` into it).
#[allow(clippy::too_many_arguments)]
pub(super) fn poll_running(
    mut commands: Commands,
    mut state: ResMut<ScenarioState>,
    mut markers: ResMut<Markers>,
    mut span: ResMut<ScenarioSpan>,
    mut cursor: ResMut<Cursor>,
    bounds: Res<Bounds>,
    initial: Option<Res<InitialScenario>>,
) {
    let Some(running) = state.running.as_mut() else {
        return;
    };
    let mut outcome = None;
    loop {
        match running.receiver.try_recv() {
            Ok(RunMessage::BuildingWorld) => running.building_world = true,
            Ok(RunMessage::Progress(done, total)) => {
                running.building_world = false;
                running.progress = (done, total);
            }
            Ok(RunMessage::Finished(result)) => {
                outcome = Some(Ok(result));
                break;
            }
            Ok(RunMessage::Failed(error)) => {
                outcome = Some(Err(error));
                break;
            }
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Disconnected) => {
                outcome = Some(Err("the scenario thread stopped without a result".into()));
                break;
            }
        }
    }
    let Some(outcome) = outcome else { return };
    let Some(running) = state.running.take() else {
        return;
    };
    let result = match outcome {
        Ok(result) => result,
        Err(error) => {
            warn!("scenario `{}`: {error}", running.name);
            state.error = Some(error);
            return;
        }
    };
    let loaded = LoadedScenario {
        name: running.name,
        t0: running.t0,
        playback: Playback::new(Arc::clone(&result)),
        result,
        inputs: running.inputs,
        shown_s: None,
        poses: Vec::new(),
        seek_ms: (0.0, 0.0),
        run_s: running.started.elapsed().as_secs_f64(),
    };
    info!(
        "scenario `{}` done in {:.1} s: {} events, trajectory {}",
        loaded.name,
        loaded.run_s,
        loaded.result.events.len(),
        loaded.result.trajectory_hash
    );
    add_markers(&loaded, &mut markers);
    let end = loaded.end();
    span.0 = Some((loaded.t0, end));
    // The bounds are extended from the next frame on; seek within the extended ones now.
    let extended = TimeBounds {
        start: bounds.start,
        live_edge: bounds.live_edge.max(end),
    };
    // `--scenario-t` applies to the start-up run only.
    let offset = match initial {
        Some(initial) if initial.launched => {
            commands.remove_resource::<InitialScenario>();
            initial.offset_s.unwrap_or(0.0)
        }
        _ => 0.0,
    };
    cursor.pause();
    cursor.seek(
        loaded.time_at(offset.clamp(0.0, loaded.duration_s())),
        extended,
    );
    state.loaded = Some(loaded);
}

/// The scenario's start, end and events as timeline markers.
fn add_markers(loaded: &LoadedScenario, markers: &mut Markers) {
    let span = MarkerKind::Scenario(ScenarioMarker::Span);
    markers.add(
        loaded.t0,
        span,
        format!("scenario `{}` starts", loaded.name),
    );
    markers.add(
        loaded.end(),
        span,
        format!("scenario `{}` ends", loaded.name),
    );
    for event in loaded.result.events.iter().take(MAX_MARKERS) {
        markers.add(
            loaded.time_at(event.t_s),
            MarkerKind::Scenario(marker_kind(&event.kind)),
            format!("what-if {:+.2} s: {}", event.t_s, event.description),
        );
    }
}

/// The marker kind of a scenario event.
pub(crate) fn marker_kind(kind: &ScenarioEventKind) -> ScenarioMarker {
    match kind {
        ScenarioEventKind::Scripted => ScenarioMarker::Scripted,
        ScenarioEventKind::ZoneEntry { .. } => ScenarioMarker::ZoneEntry,
        ScenarioEventKind::Impact { .. } => ScenarioMarker::Impact,
        ScenarioEventKind::OffLine => ScenarioMarker::OffLine,
    }
}

/// Local `HH:MM:SS` of a time, for logs and the panel (the same clock risk explanations use).
pub(crate) use twinscope_core::risk::format_clock as format_time;
