//! The Bevy side of what-if scenarios: launched at the cursor time T0 (from the Scenarios tab,
//! `--scenario` or a [`ScenarioCommand`]), run to the end on a background thread, then played
//! back by the time cursor as a ghost layer over the plant.
//!
//! The simulation itself is plain Rust in [`twinscope_core::scenario`]; this plugin only resolves
//! the inputs from history at T0, hands the run to a thread ([`launch`]), draws its bodies
//! ([`ghosts`]), seeks the finished run to the view time every frame ([`playback`]) and lists
//! what happened ([`panel`], drawn by the UI's left panel). Events become timeline markers;
//! while a scenario is loaded the cursor may go up to its end even past now
//! ([`crate::pipeline::ScenarioSpan`]).

pub(crate) mod ghosts;
pub(crate) mod launch;
pub(crate) mod panel;
pub(crate) mod playback;

use crate::pipeline::Stage;
use bevy::prelude::*;
use std::sync::Arc;
use twinscope_core::scenario::{BodyPose, Playback, ResolvedInput, ScenarioResult};
use twinscope_core::signal::Timestamp;

/// What to do with scenarios; the panel, the start-up flags and tests send these.
#[derive(Message, Debug, Clone, PartialEq)]
pub(crate) enum ScenarioCommand {
    /// Run the named scenario of the scene starting at `at` (T0), replacing any loaded one.
    Launch {
        /// The scenario's name (`Scene::scenarios`).
        name: String,
        /// T0: inputs are read as of this time and the playback starts here.
        at: Timestamp,
    },
    /// Remove the loaded scenario (ghosts, markers, highlight) and stop waiting for a run.
    Clear,
}

/// Which layer the 3D view shows while a scenario is loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum LayerView {
    /// Only the what-if bodies over the static plant (the recorded moving items are hidden).
    Ghost,
    /// Only the plant as recorded.
    Actual,
    /// Both, the ghosts over the recorded plant.
    #[default]
    Both,
}

impl LayerView {
    /// All choices, in the toggle's order.
    pub(crate) const ALL: [LayerView; 3] = [LayerView::Ghost, LayerView::Actual, LayerView::Both];

    /// The toggle's label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            LayerView::Ghost => "ghost",
            LayerView::Actual => "actual",
            LayerView::Both => "both",
        }
    }

    /// Whether the scenario's bodies are drawn.
    pub(crate) fn shows_ghosts(self) -> bool {
        self != LayerView::Actual
    }
}

/// A finished run, shown by the cursor.
pub(crate) struct LoadedScenario {
    /// The scenario's name.
    pub(crate) name: String,
    /// Its start time.
    pub(crate) t0: Timestamp,
    /// The run's result (events, outcomes, hash), shared with the playback.
    pub(crate) result: Arc<ScenarioResult>,
    /// The inputs used, as read at T0.
    pub(crate) inputs: Vec<ResolvedInput>,
    /// Seeks the run to the view time.
    pub(crate) playback: Playback,
    /// Seconds after T0 the ghosts show, `None` while the view time is outside the run.
    pub(crate) shown_s: Option<f64>,
    /// The poses at `shown_s`.
    pub(crate) poses: Vec<BodyPose>,
    /// Slowest seek so far and the last one, milliseconds (the goal is ≤ 50 ms).
    pub(crate) seek_ms: (f64, f64),
    /// Wall time the run took on its thread, seconds.
    pub(crate) run_s: f64,
}

impl LoadedScenario {
    /// The run's length, seconds.
    pub(crate) fn duration_s(&self) -> f64 {
        self.result.duration_s()
    }

    /// The run's end on the timeline.
    pub(crate) fn end(&self) -> Timestamp {
        Timestamp(
            self.t0
                .0
                .saturating_add((self.duration_s() * 1e9).round() as i64),
        )
    }

    /// The timestamp `t_s` seconds after T0.
    pub(crate) fn time_at(&self, t_s: f64) -> Timestamp {
        Timestamp(self.t0.0.saturating_add((t_s * 1e9).round() as i64))
    }
}

/// The scenario side of the app: what runs, what is loaded, how it is shown.
#[derive(Resource, Default)]
pub(crate) struct ScenarioState {
    /// A run in progress on its thread.
    pub(crate) running: Option<launch::RunningScenario>,
    /// The finished run being shown.
    pub(crate) loaded: Option<LoadedScenario>,
    /// Ghost / actual / both.
    pub(crate) view: LayerView,
    /// Why the last launch failed, for the panel.
    pub(crate) error: Option<String>,
    /// The scenario picked in the panel.
    pub(crate) selected: Option<String>,
}

impl ScenarioState {
    /// True while a run is being prepared or stepped.
    pub(crate) fn is_running(&self) -> bool {
        self.running.is_some()
    }
}

/// Launch this scenario once the plant is ready and the opening history has arrived
/// (`--scenario NAME`), at the cursor time; then put the cursor `offset_s` into it.
#[derive(Resource, Debug, Clone, PartialEq)]
pub(crate) struct InitialScenario {
    /// The scenario's name.
    pub(crate) name: String,
    /// Seconds after T0 to put the cursor at when the run is done (`--scenario-t`).
    pub(crate) offset_s: Option<f64>,
    /// Frames in a row the ingest channel was found empty (the opening history has arrived).
    pub(crate) quiet_frames: u32,
    /// Set once launched.
    pub(crate) launched: bool,
}

impl InitialScenario {
    /// A start-up launch of `name`, the cursor `offset_s` into it once run.
    pub(crate) fn new(name: impl Into<String>, offset_s: Option<f64>) -> Self {
        Self {
            name: name.into(),
            offset_s,
            quiet_frames: 0,
            launched: false,
        }
    }
}

/// Adds scenario launching, the ghost layer and its playback. Headless-safe: the panel is drawn
/// by [`crate::ui`] only when the window has one.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<ScenarioState>()
        .init_resource::<launch::WorldCache>()
        .add_message::<ScenarioCommand>()
        .add_systems(
            Update,
            (
                launch::launch_initial,
                launch::handle_commands,
                launch::poll_running,
            )
                .chain()
                .in_set(Stage::History),
        )
        .add_systems(
            Update,
            (
                ghosts::spawn_ghosts,
                playback::follow_cursor,
                playback::apply_layer_view,
            )
                .chain()
                .in_set(Stage::View),
        );
}

/// Adds what only a window has: the ghosts' edges and the touched assets' outlines (gizmos),
/// and the camera flying to a newly loaded run.
pub(crate) fn view_plugin(app: &mut App) {
    app.add_systems(
        Update,
        (ghosts::frame_new_run, ghosts::draw_outlines)
            .in_set(Stage::View)
            .after(playback::follow_cursor),
    );
}
