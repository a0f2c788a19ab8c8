//! The Bevy side of the time cursor: one [`Cursor`] for the whole scene, moved by frame time,
//! keys and the timeline panel, and written to [`ViewTime`] before evaluation runs.
//!
//! Keys (ignored while egui has keyboard focus): space play/pause, ←/→ step 1 s (Shift: 1 min),
//! Home/End the oldest/newest data, L back to live, `[`/`]` slower/faster. The timeline panel
//! is [`panel`].

pub(crate) mod panel;
mod scrub;

use crate::ingest::Store;
use crate::pipeline::{ForecastReach, ScenarioSpan, Stage, ViewTime};
use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;
use twinscope_core::cursor::{TimeBounds, TimeCursor};
use twinscope_core::signal::Timestamp;

/// Arrow-key step.
pub(crate) const STEP_NS: i64 = 1_000_000_000;
/// Shift+arrow step.
pub(crate) const LONG_STEP_NS: i64 = 60 * STEP_NS;

/// The scene's time cursor.
#[derive(Resource, Debug, Clone, Deref, DerefMut)]
pub(crate) struct Cursor(pub TimeCursor);

impl Default for Cursor {
    fn default() -> Self {
        Self(TimeCursor::following(Timestamp::now()))
    }
}

/// Where "now" comes from: the wall clock for live sources, the end of the recording for
/// replay (a recording has no present beyond its last sample).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub(crate) enum Clock {
    /// Live data: the live edge is this machine's clock.
    #[default]
    Wall,
    /// A recording spanning these times.
    Recording {
        /// First sample's time.
        start: Timestamp,
        /// Last sample's time: the replay's live edge.
        end: Timestamp,
    },
}

impl Clock {
    /// Now: this machine's clock live, the recording's end in replay.
    pub(crate) fn now(&self) -> Timestamp {
        match *self {
            Clock::Wall => Timestamp::now(),
            Clock::Recording { end, .. } => end,
        }
    }
}

/// The span the cursor can move in this frame, for the cursor and the timeline panel.
#[derive(Resource, Debug, Clone, Copy, Deref)]
pub(crate) struct Bounds(pub TimeBounds);

impl Default for Bounds {
    fn default() -> Self {
        let now = Timestamp::now();
        Self(TimeBounds {
            start: now,
            live_edge: now,
        })
    }
}

/// Adds the cursor, its keys and the view-time update.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Cursor>()
        .init_resource::<panel::TimelineState>()
        .init_resource::<Clock>()
        .init_resource::<Bounds>()
        .add_systems(
            Update,
            (update_bounds, cursor_keys, advance_cursor)
                .chain()
                .in_set(Stage::Cursor),
        );
}

/// The oldest data held and the live edge, extended unless following live by the forecast
/// reach (see [`ForecastReach`]) and to a loaded scenario's end (see [`ScenarioSpan`]).
fn update_bounds(
    store: Res<Store>,
    clock: Res<Clock>,
    reach: Res<ForecastReach>,
    span: Res<ScenarioSpan>,
    cursor: Res<Cursor>,
    mut bounds: ResMut<Bounds>,
) {
    let live_edge = clock.now();
    let live_edge = match reach.horizon_s {
        h if h > 0.0 && !cursor.is_following() => Timestamp(live_edge.0 + (h * 1e9) as i64),
        _ => live_edge,
    };
    let live_edge = match span.0 {
        Some((_, end)) if !cursor.is_following() => live_edge.max(end),
        _ => live_edge,
    };
    let start = match *clock {
        Clock::Recording { start, .. } => start,
        Clock::Wall => oldest_time(&store).unwrap_or(live_edge),
    };
    bounds.0 = TimeBounds {
        start: start.min(live_edge),
        live_edge,
    };
}

/// The oldest sample held across all signals.
fn oldest_time(store: &twinscope_core::store::SignalStore) -> Option<Timestamp> {
    (0..store.len() as u32)
        .filter_map(|i| {
            store
                .history(twinscope_core::store::SignalIndex(i))?
                .first()
        })
        .map(|(time, _)| time)
        .min()
}

fn cursor_keys(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    egui_input: Option<Res<EguiWantsInput>>,
    bounds: Res<Bounds>,
    mut cursor: ResMut<Cursor>,
) {
    let Some(keys) = keys else {
        return;
    };
    if egui_input.is_some_and(|input| input.wants_any_keyboard_input()) {
        return;
    }
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    let step = if shift { LONG_STEP_NS } else { STEP_NS };
    if keys.just_pressed(KeyCode::Space) {
        cursor.toggle_play(bounds.0);
    }
    if keys.just_pressed(KeyCode::ArrowLeft) {
        cursor.step(-step, bounds.0);
    }
    if keys.just_pressed(KeyCode::ArrowRight) {
        cursor.step(step, bounds.0);
    }
    if keys.just_pressed(KeyCode::Home) {
        cursor.step(i64::MIN, bounds.0);
    }
    if keys.just_pressed(KeyCode::End) {
        cursor.step(i64::MAX, bounds.0);
    }
    if keys.just_pressed(KeyCode::KeyL) {
        cursor.follow_live(bounds.0);
    }
    if keys.just_pressed(KeyCode::BracketRight) {
        cursor.faster();
    }
    if keys.just_pressed(KeyCode::BracketLeft) {
        cursor.slower();
    }
}

/// Moves the cursor by this frame's real time and publishes the view time.
fn advance_cursor(
    time: Res<Time<Real>>,
    bounds: Res<Bounds>,
    mut cursor: ResMut<Cursor>,
    mut view: ResMut<ViewTime>,
) {
    cursor.tick(time.delta_secs_f64(), bounds.0);
    let next = if cursor.is_following() {
        ViewTime::live(cursor.time())
    } else {
        ViewTime::at(cursor.time())
    };
    view.set_if_neq(next);
}
