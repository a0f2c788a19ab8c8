//! The Bevy side of the time cursor: one [`Cursor`] for the whole scene, moved by frame time,
//! keys and the timeline panel, and written to [`ViewTime`] before evaluation runs.
//!
//! Keys (ignored while egui has keyboard focus): space play/pause, ←/→ step 1 s (Shift: 1 min),
//! Home/End the oldest/newest data, L back to live, `[`/`]` slower/faster.

use crate::core::cursor::{TimeBounds, TimeCursor};
use crate::core::signal::Timestamp;
use crate::evaluation::ViewTime;
use crate::ingest::Store;
use crate::schedule::TwinscopeSystems;
use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

/// Arrow-key step.
pub const STEP_NS: i64 = 1_000_000_000;
/// Shift+arrow step.
pub const LONG_STEP_NS: i64 = 60 * STEP_NS;

/// The scene's time cursor.
#[derive(Resource, Debug, Clone, Deref, DerefMut)]
pub struct Cursor(pub TimeCursor);

impl Default for Cursor {
    fn default() -> Self {
        Self(TimeCursor::following(Timestamp::now()))
    }
}

/// Where "now" comes from: the wall clock for live sources, the end of the recording for
/// replay (a recording has no present beyond its last sample).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub enum Clock {
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
    pub fn now(&self) -> Timestamp {
        match *self {
            Clock::Wall => Timestamp::now(),
            Clock::Recording { end, .. } => end,
        }
    }
}

/// How far past now forecasts reach, seconds (the longest forecast horizon; 0 without
/// forecasts). While the cursor is not following live it may go up to now + this, to show the
/// predicted plant: the bounds' live edge is extended by it. Following live is unaffected.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct ForecastReach {
    /// The longest forecast horizon, seconds.
    pub horizon_s: f64,
}

/// The span the cursor can move in this frame, for the cursor and the timeline panel.
#[derive(Resource, Debug, Clone, Copy, Deref)]
pub struct Bounds(pub TimeBounds);

impl Default for Bounds {
    fn default() -> Self {
        let now = Timestamp::now();
        Self(TimeBounds {
            start: now,
            live_edge: now,
        })
    }
}

/// Something worth a mark on the timeline (a connection lost, a recording started; later
/// alarms).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// When it happened.
    pub time: Timestamp,
    /// Short text for the hover.
    pub label: String,
    /// What kind, for the colour.
    pub kind: MarkerKind,
}

/// Kinds of timeline markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    /// The source connection went down.
    ConnectionLost,
    /// The source connection came back.
    ConnectionRestored,
    /// Recording started or stopped.
    Recording,
    /// A process alarm activated (coloured by its priority).
    Alarm(crate::core::alarms::AlarmPriority),
    /// Something in a loaded what-if scenario (coloured by what happened).
    Scenario(ScenarioMarker),
}

impl MarkerKind {
    /// The marker's colour on the timeline (sRGB).
    pub fn color(self) -> [u8; 3] {
        match self {
            MarkerKind::ConnectionLost => [240, 120, 40],
            MarkerKind::ConnectionRestored => [90, 200, 110],
            MarkerKind::Recording => [220, 60, 200],
            MarkerKind::Alarm(priority) => priority.color(),
            MarkerKind::Scenario(kind) => kind.color(),
        }
    }
}

/// What a scenario marker marks, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScenarioMarker {
    /// The scenario's start T0 or its end.
    Span,
    /// A scripted event took effect (a conveyor stopped, a load released).
    Scripted,
    /// A body entered a hazard zone.
    ZoneEntry,
    /// A body hit something hard enough to count.
    Impact,
    /// A body left the line (spilled).
    OffLine,
}

impl ScenarioMarker {
    /// The marker's colour (sRGB): the what-if violet for the span, warm colours for harm.
    pub fn color(self) -> [u8; 3] {
        match self {
            ScenarioMarker::Span => [178, 120, 255],
            ScenarioMarker::Scripted => [120, 170, 255],
            ScenarioMarker::ZoneEntry => [255, 80, 150],
            ScenarioMarker::Impact => [255, 150, 40],
            ScenarioMarker::OffLine => [240, 220, 60],
        }
    }

    /// One word for legends and tooltips.
    pub fn label(self) -> &'static str {
        match self {
            ScenarioMarker::Span => "scenario",
            ScenarioMarker::Scripted => "scripted",
            ScenarioMarker::ZoneEntry => "zone entry",
            ScenarioMarker::Impact => "impact",
            ScenarioMarker::OffLine => "off line",
        }
    }
}

/// The time span `[T0, T0 + duration]` of a loaded what-if scenario, if any. The timeline
/// shades it, and while the cursor is not following live the cursor may go up to its end even
/// when that lies beyond the live edge (a scenario launched live runs into the future): the
/// bounds' live edge is extended to the span's end. Following live is unaffected.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct ScenarioSpan(pub Option<(Timestamp, Timestamp)>);

/// Events shown as markers on the timeline, in time order.
#[derive(Resource, Debug, Default)]
pub struct Markers(pub Vec<Marker>);

impl Markers {
    /// Adds a marker, keeping time order.
    pub fn add(&mut self, time: Timestamp, kind: MarkerKind, label: impl Into<String>) {
        let at = self.0.partition_point(|m| m.time <= time);
        self.0.insert(
            at,
            Marker {
                time,
                label: label.into(),
                kind,
            },
        );
    }
}

/// Adds the cursor, its keys and the view-time update.
pub fn plugin(app: &mut App) {
    app.init_resource::<Cursor>()
        .init_resource::<Clock>()
        .init_resource::<Bounds>()
        .init_resource::<Markers>()
        .init_resource::<ForecastReach>()
        .init_resource::<ScenarioSpan>()
        .add_systems(
            Update,
            (update_bounds, cursor_keys, advance_cursor)
                .chain()
                .in_set(TwinscopeSystems::TimeCursor),
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
fn oldest_time(store: &crate::core::store::SignalStore) -> Option<Timestamp> {
    (0..store.len() as u32)
        .filter_map(|i| store.history(crate::core::store::SignalIndex(i))?.first())
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
