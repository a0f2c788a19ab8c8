//! Timeline panel (bottom): transport controls, a scrub bar with zoom and pan, event markers,
//! a density strip per signal, the cursor time in local time and UTC, LIVE, and jump-to-time.
//!
//! Scrub bar: drag to move the cursor, wheel to zoom around the pointer, right- or middle-drag
//! to pan, Shift+drag to select a loop range, double-click to show everything again.

use super::scrub::TimeAxis;
use super::{Bounds, Clock, Cursor};
use crate::ingest::Store;
use crate::pipeline::{Markers, ScenarioSpan, SourceLink};
use crate::widgets::rgb;
use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, Pos2, Rect, Sense, Stroke, vec2};
use twinscope_core::cursor::{CursorMode, SPEED_STEPS, TimeBounds, parse_jump_time};
use twinscope_core::freshness::Outage;
use twinscope_core::history::SignalHistory;
use twinscope_core::signal::Timestamp;
use twinscope_core::store::{SignalIndex, SignalStore};
use twinscope_core::theme;

/// Narrowest span the timeline shows, so a fresh start is not a single pixel of data.
const MIN_VIEW_NS: i64 = 60_000_000_000;
pub(super) const SCRUB_HEIGHT: f32 = 34.0;
const STRIP_HEIGHT: f32 = 9.0;
pub(super) const STRIP_LABEL_WIDTH: f32 = 150.0;
pub(super) const CURSOR_COLOR: Color32 = rgb(theme::CURSOR_RGB);
pub(super) const LIVE_COLOR: Color32 = rgb(theme::LIVE_RGB);

/// Timeline state kept between frames.
#[derive(Resource, Debug, Default)]
pub(crate) struct TimelineState {
    /// Explicit zoom window; `None` shows all held data.
    pub(crate) view: Option<(i64, i64)>,
    /// The jump-to-time field.
    pub(crate) jump_text: String,
    /// Why the last jump failed.
    pub(crate) jump_error: Option<String>,
    /// Where a Shift+drag loop selection started.
    pub(super) loop_anchor: Option<i64>,
}

/// What the timeline panel reads and changes besides what the panel shell shares.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct TimelinePanelData<'w, 's> {
    state: ResMut<'w, TimelineState>,
    bounds: Res<'w, Bounds>,
    clock: Res<'w, Clock>,
    store: Res<'w, Store>,
    span: Res<'w, ScenarioSpan>,
    link: Res<'w, SourceLink>,
    /// The what-if span last zoomed to, so each new run is zoomed to once.
    zoomed_to: Local<'s, Option<(Timestamp, Timestamp)>>,
}

/// Everything the drawing functions use, borrowed for one frame.
pub(super) struct Panel<'a> {
    pub(super) state: &'a mut TimelineState,
    pub(super) clock: Clock,
    pub(super) store: &'a SignalStore,
    pub(super) span: Option<(Timestamp, Timestamp)>,
    /// The source's outages, shaded on the bar.
    pub(super) outages: &'a [Outage],
    pub(super) cursor: &'a mut Cursor,
    pub(super) markers: &'a Markers,
    /// The selected asset's signals, whose density strips come first.
    pub(super) selected: &'a [SignalIndex],
}

/// Draws the timeline: transport, scrub bar and density strips.
pub(crate) fn draw(
    ui: &mut egui::Ui,
    data: &mut TimelinePanelData,
    cursor: &mut Cursor,
    markers: &Markers,
    selected: &[SignalIndex],
) {
    let bounds = data.bounds.0;
    if let Some(window) = zoom_to_new_run(data) {
        data.state.view = Some(window);
    }
    let mut panel = Panel {
        state: &mut data.state,
        clock: *data.clock,
        store: &data.store,
        span: data.span.0,
        outages: data.link.history.outages(),
        cursor,
        markers,
        selected,
    };
    let data = &mut panel;
    controls(ui, data, bounds);
    let view = visible_window(data.state, bounds, data.cursor.is_following());
    super::scrub::scrub_bar(ui, data, bounds, view);
    density_strips(ui, data, view);
}

/// Once per newly loaded what-if run: the window (ns) that shows it with a margin, so a 40 s
/// run is not a few pixels of an hour's bar and can be scrubbed.
fn zoom_to_new_run(data: &mut TimelinePanelData) -> Option<(i64, i64)> {
    let span = data.span.0;
    if *data.zoomed_to == span {
        return None;
    }
    *data.zoomed_to = span;
    let (start, end) = span?;
    let pad = ((end.0 - start.0) / 6).max(1_000_000_000);
    Some((start.0 - pad, end.0 + pad))
}

/// The window the bar shows: the zoom window (kept at the live edge while following), or
/// everything held.
fn visible_window(state: &TimelineState, bounds: TimeBounds, following: bool) -> (i64, i64) {
    match state.view {
        Some((start, end)) if following => {
            let width = end - start;
            (bounds.live_edge.0 - width, bounds.live_edge.0)
        }
        Some(window) => window,
        None => {
            let end = bounds.live_edge.0;
            let start = bounds.start.0.min(end - MIN_VIEW_NS);
            let pad = (end - start) / 50;
            (start, end + pad)
        }
    }
}

fn controls(ui: &mut egui::Ui, data: &mut Panel, bounds: TimeBounds) {
    ui.horizontal(|ui| {
        let cursor = &mut data.cursor;
        if ui.button("⏮").on_hover_text("oldest data (Home)").clicked() {
            cursor.step(i64::MIN, bounds);
        }
        if ui
            .button("⏪")
            .on_hover_text("1 s back (Left arrow; Shift: 1 min)")
            .clicked()
        {
            cursor.step(-crate::timeline::STEP_NS, bounds);
        }
        let playing = cursor.mode() == CursorMode::Playing;
        let label = if playing { "⏸" } else { "▶" };
        if ui
            .button(egui::RichText::new(label).strong())
            .on_hover_text("play / pause (Space)")
            .clicked()
        {
            cursor.toggle_play(bounds);
        }
        if ui
            .button("⏩")
            .on_hover_text("1 s forward (Right arrow; Shift: 1 min)")
            .clicked()
        {
            cursor.step(crate::timeline::STEP_NS, bounds);
        }
        if ui.button("⏭").on_hover_text("newest data (End)").clicked() {
            cursor.step(i64::MAX, bounds);
        }
        let mut speed = cursor.speed();
        egui::ComboBox::from_id_salt("speed")
            .width(64.0)
            .selected_text(speed_text(speed))
            .show_ui(ui, |ui| {
                for step in SPEED_STEPS {
                    ui.selectable_value(&mut speed, step, speed_text(step));
                }
            })
            .response
            .on_hover_text("playback speed ([ / ])");
        cursor.set_speed(speed);
        let mut reverse = cursor.is_reverse();
        if ui
            .toggle_value(&mut reverse, "◀ reverse")
            .on_hover_text("play backwards")
            .changed()
        {
            cursor.set_reverse(reverse);
        }
        let mut looping = cursor.loop_range().is_some();
        let loop_button = ui
            .add_enabled(
                looping || data.state.view.is_some(),
                egui::Button::new("🔁 loop").selected(looping),
            )
            .on_hover_text("loop over the selection (Shift+drag on the bar) or the zoomed window")
            .on_disabled_hover_text("Shift+drag on the bar to select a loop range, or zoom in");
        if loop_button.clicked() {
            looping = !looping;
            let window = data.state.view;
            cursor.set_loop(if looping {
                window.map(|(a, b)| (Timestamp(a), Timestamp(b)))
            } else {
                None
            });
        }
        ui.separator();
        live_button(ui, data, bounds);
        ui.separator();
        time_labels(ui, data.cursor.time());
        ui.separator();
        jump_field(ui, data, bounds);
    });
}

fn live_button(ui: &mut egui::Ui, data: &mut Panel, bounds: TimeBounds) {
    let replay = matches!(data.clock, Clock::Recording { .. });
    let cursor = &mut data.cursor;
    // A recording has no live data: its "live edge" is its end.
    let at_edge = cursor.is_following() || cursor.is_waiting_at_live_edge();
    let (text, fill, hover) = match (replay, cursor.is_following(), at_edge) {
        (false, true, _) => ("⏺ LIVE", LIVE_COLOR, "following live data"),
        (false, false, true) => (
            "⏺ LIVE EDGE",
            rgb(theme::LIVE_EDGE_RGB),
            "playing: waiting at the live edge for new data",
        ),
        (false, false, false) => (
            "GO LIVE (L)",
            Color32::from_gray(theme::GREY_BUTTON),
            "back to live data",
        ),
        (true, _, true) => (
            "⏺ END",
            rgb(theme::RECORDING_END_RGB),
            "at the end of the recording",
        ),
        (true, _, false) => (
            "GO TO END (L)",
            Color32::from_gray(theme::GREY_BUTTON),
            "to the end of the recording",
        ),
    };
    let button = egui::Button::new(egui::RichText::new(text).strong().color(Color32::WHITE))
        .fill(fill)
        .min_size(vec2(96.0, 0.0));
    if ui.add(button).on_hover_text(hover).clicked() {
        cursor.follow_live(bounds);
    }
    // Against the present, not the bounds' edge: forecasts and scenarios extend that past now.
    let behind = data.clock.now().secs_since(cursor.time());
    if !cursor.is_following() && behind.abs() >= 0.5 {
        let edge = match (replay, behind > 0.0) {
            (true, true) => "before the end",
            (true, false) => "after the end",
            (false, true) => "behind live",
            (false, false) => "ahead of now",
        };
        let text = format!("{} {edge}", span_text(behind.abs()));
        ui.label(egui::RichText::new(text).weak());
    }
    let mode = match cursor.mode() {
        CursorMode::Following => String::new(),
        CursorMode::Paused => "paused".to_owned(),
        CursorMode::Playing => format!(
            "playing {}{}",
            if cursor.is_reverse() { "◀ " } else { "" },
            speed_text(cursor.speed())
        ),
    };
    if !mode.is_empty() {
        ui.label(mode);
    }
}

fn time_labels(ui: &mut egui::Ui, time: Timestamp) {
    let utc = chrono::DateTime::from_timestamp_nanos(time.0);
    let local = utc.with_timezone(&chrono::Local);
    ui.label(
        egui::RichText::new(local.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
            .monospace()
            .strong(),
    )
    .on_hover_text(format!("local time, UTC{}", local.format("%:z")));
    ui.label(
        egui::RichText::new(utc.format("%H:%M:%S UTC").to_string())
            .monospace()
            .weak(),
    );
}

fn jump_field(ui: &mut egui::Ui, data: &mut Panel, bounds: TimeBounds) {
    let state = &mut *data.state;
    let field = ui.add(
        egui::TextEdit::singleline(&mut state.jump_text)
            .hint_text("jump: -1h, 09:30, 2026-11-22T09:30:00Z")
            .desired_width(200.0),
    );
    let go = ui.button("Go").clicked();
    if go || (field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))) {
        let offset = chrono::Local::now().offset().local_minus_utc();
        match parse_jump_time(&state.jump_text, bounds.live_edge, offset) {
            Ok(time) => {
                state.jump_error = None;
                data.cursor.seek(time, bounds);
            }
            Err(error) => state.jump_error = Some(error),
        }
    }
    if let Some(error) = &state.jump_error {
        ui.label(egui::RichText::new(error).color(Color32::LIGHT_RED));
    }
}

/// One row per signal: how many samples each pixel column of the window holds.
fn density_strips(ui: &mut egui::Ui, data: &mut Panel, view: (i64, i64)) {
    let selected = data.selected;
    // The selection's signals first, then the rest in scene order.
    let mut order = selected.to_vec();
    order.extend(
        (0..data.store.len() as u32)
            .map(SignalIndex)
            .filter(|i| !selected.contains(i)),
    );
    let cursor_time = data.cursor.time().0;
    egui::ScrollArea::vertical()
        .id_salt("density")
        .auto_shrink([false, false])
        .show_rows(ui, STRIP_HEIGHT + 2.0, order.len(), |ui, rows| {
            for &index in &order[rows] {
                let Some(history) = data.store.history(index) else {
                    continue;
                };
                let name = data.store.id(index).map_or("", |id| id.as_str());
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.y = 2.0;
                    let label = egui::RichText::new(name).monospace().size(9.0);
                    let label = if selected.contains(&index) {
                        label.strong()
                    } else {
                        label.weak()
                    };
                    ui.add_sized(
                        vec2(STRIP_LABEL_WIDTH, STRIP_HEIGHT),
                        egui::Label::new(label).truncate(),
                    );
                    let width = ui.available_width();
                    let (rect, _) =
                        ui.allocate_exact_size(vec2(width, STRIP_HEIGHT), Sense::hover());
                    draw_density(ui.painter(), rect, history, view, cursor_time);
                });
            }
        });
}

fn draw_density(
    painter: &egui::Painter,
    rect: Rect,
    history: &SignalHistory,
    view: (i64, i64),
    cursor_time: i64,
) {
    painter.rect_filled(rect, 0.0, Color32::from_gray(theme::GREY_STRIP));
    let buckets = (rect.width() / 3.0).max(1.0) as usize;
    let axis = TimeAxis { rect, view };
    let span = (view.1 - view.0).max(1);
    let counts: Vec<usize> = (0..buckets)
        .map(|b| {
            let start = view.0 + (span as i128 * b as i128 / buckets as i128) as i64;
            let end = view.0 + (span as i128 * (b + 1) as i128 / buckets as i128) as i64;
            history.count_in(Timestamp(start)..Timestamp(end))
        })
        .collect();
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f32;
    let bucket_width = rect.width() / buckets as f32;
    for (b, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let strength = 0.25 + 0.75 * ((count as f32).ln_1p() / max.ln_1p());
        let x = rect.left() + b as f32 * bucket_width;
        painter.rect_filled(
            Rect::from_x_y_ranges(x..=x + bucket_width, rect.y_range()),
            0.0,
            rgb(theme::DENSITY_RGB).gamma_multiply(strength),
        );
    }
    let x = axis.x(cursor_time);
    painter.line_segment(
        [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
        Stroke::new(1.0, CURSOR_COLOR),
    );
}

/// `1×`, `0.25×`, `1000×`.
fn speed_text(speed: f64) -> String {
    format!("{speed}×")
}

/// `12 s`, `4 min`, `2.5 h`, `3 d`.
fn span_text(secs: f64) -> String {
    match secs {
        s if s < 90.0 => format!("{s:.0} s"),
        s if s < 5400.0 => format!("{:.0} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.0} d", s / 86_400.0),
    }
}
