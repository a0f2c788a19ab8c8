//! The per-frame pipeline: the stage order every plugin's systems run in, and the resources
//! the stages hand each other.
//!
//! Data flows one way through `Update`:
//!
//! 1. [`Stage::Sources`]: the app's view of the source threads (link state, rates).
//! 2. [`Stage::Ingest`]: batches drained from the ingest channel into the store; recordings.
//! 3. [`Stage::History`]: what follows from new samples alone: forecasters fed, what-if runs
//!    picked up. Writes [`ForecastReach`] and [`ScenarioSpan`] for the cursor.
//! 4. [`Stage::Cursor`]: the time cursor moves and publishes [`ViewTime`].
//! 5. [`Stage::Evaluate`]: values at the view time become per-asset state, in the order of
//!    [`Evaluate`]: predicted view, rules, alarms, health, risk.
//! 6. [`Stage::View`]: asset state onto the 3D scene, in the order of [`View`].
//!
//! Then the UI draws in `EguiPrimaryContextPass` (after `Update`), reading everything above.
//! No stage writes what an earlier stage of the same frame reads; what the operator does in
//! the UI (scrubbing, acknowledging, launching a scenario) is read by the stages next frame.

mod markers;
mod resources;

pub(crate) use markers::{Marker, MarkerKind, Markers, ScenarioMarker};
pub(crate) use resources::{
    ActiveScene, ForecastReach, LinkOrigin, ScenarioSpan, SourceLink, ViewTime,
};

use bevy::prelude::*;

/// The stages of a frame, in order (see the module docs).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Stage {
    /// The app's view of the source threads.
    Sources,
    /// Pull samples from the ingest channel into the store.
    Ingest,
    /// Work that follows from new samples alone (forecasters, finished what-if runs).
    History,
    /// Advance the time cursor and set the view time.
    Cursor,
    /// Turn values at the view time into asset state.
    Evaluate,
    /// Apply asset state to the 3D scene.
    View,
}

/// The order of the domains inside [`Stage::Evaluate`].
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Evaluate {
    /// Whether the cursor is past now (rules then read forecasts).
    Predicted,
    /// Colour rules.
    Rules,
    /// Alarm journals and per-asset alarm summaries.
    Alarms,
    /// Sensor health.
    Health,
    /// Risk ranking (reads forecasts, alarms, anomalies and what-if outcomes).
    Risk,
}

/// The order inside [`Stage::View`].
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum View {
    /// The plant's load state and bounds, selection and the camera.
    Scene,
    /// Overlays that decide colours (the risk heat map).
    Overlays,
    /// Materials from asset state and overlays, then motion and what-if ghosts.
    Materials,
}

/// Orders the stages in `Update` and sets up the shared resources.
pub(crate) fn plugin(app: &mut App) {
    app.configure_sets(
        Update,
        (
            Stage::Sources,
            Stage::Ingest,
            Stage::History,
            Stage::Cursor,
            Stage::Evaluate,
            Stage::View,
        )
            .chain(),
    )
    .configure_sets(
        Update,
        (
            Evaluate::Predicted,
            Evaluate::Rules,
            Evaluate::Alarms,
            Evaluate::Health,
            Evaluate::Risk,
        )
            .chain()
            .in_set(Stage::Evaluate),
    )
    .configure_sets(
        Update,
        (View::Scene, View::Overlays, View::Materials)
            .chain()
            .in_set(Stage::View),
    )
    .init_resource::<ViewTime>()
    .init_resource::<SourceLink>()
    .init_resource::<ForecastReach>()
    .init_resource::<ScenarioSpan>()
    .init_resource::<Markers>();
}
