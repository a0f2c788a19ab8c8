//! Timeline panel (bottom): transport controls, a scrub bar with zoom and pan, event markers,
//! a density strip per signal, the cursor time in local time and UTC, LIVE, and jump-to-time.
//!
//! Scrub bar: drag to move the cursor, wheel to zoom around the pointer, right- or middle-drag
//! to pan, Shift+drag to select a loop range, double-click to show everything again.

use super::{Bounds, Clock, Cursor};
use crate::ingest::Store;
use crate::pipeline::Marker;
use crate::pipeline::{Markers, ScenarioSpan};
use crate::widgets::{rgb, rgba};
use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, Pos2, Rect, Sense, Stroke, vec2};
use twinscope_core::cursor::{CursorMode, SPEED_STEPS, TimeBounds, parse_jump_time};
use twinscope_core::history::SignalHistory;
use twinscope_core::signal::Timestamp;
use twinscope_core::store::{SignalIndex, SignalStore};
use twinscope_core::theme;

/// Narrowest span the timeline shows, so a fresh start is not a single pixel of data.
const MIN_VIEW_NS: i64 = 60_000_000_000;
/// Narrowest zoom: one second across the bar.
const MIN_ZOOM_NS: i64 = 1_000_000_000;
const SCRUB_HEIGHT: f32 = 34.0;
const STRIP_HEIGHT: f32 = 9.0;
const STRIP_LABEL_WIDTH: f32 = 150.0;
const CURSOR_COLOR: Color32 = rgb(theme::CURSOR_RGB);
const LIVE_COLOR: Color32 = rgb(theme::LIVE_RGB);

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
    loop_anchor: Option<i64>,
}

/// What the timeline panel reads and changes besides what the panel shell shares.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct TimelinePanelData<'w, 's> {
    state: ResMut<'w, TimelineState>,
    bounds: Res<'w, Bounds>,
    clock: Res<'w, Clock>,
    store: Res<'w, Store>,
    span: Res<'w, ScenarioSpan>,
    /// The what-if span last zoomed to, so each new run is zoomed to once.
    zoomed_to: Local<'s, Option<(Timestamp, Timestamp)>>,
}

/// Everything the drawing functions use, borrowed for one frame.
struct Panel<'a> {
    state: &'a mut TimelineState,
    clock: Clock,
    store: &'a SignalStore,
    span: Option<(Timestamp, Timestamp)>,
    cursor: &'a mut Cursor,
    markers: &'a Markers,
    /// The selected asset's signals, whose density strips come first.
    selected: &'a [SignalIndex],
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
        cursor,
        markers,
        selected,
    };
    let data = &mut panel;
    controls(ui, data, bounds);
    let view = visible_window(data.state, bounds, data.cursor.is_following());
    scrub_bar(ui, data, bounds, view);
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

/// Maps times to x positions across `rect` for the window `view`.
#[derive(Clone, Copy)]
struct TimeAxis {
    rect: Rect,
    view: (i64, i64),
}

impl TimeAxis {
    fn x(&self, time: i64) -> f32 {
        let span = (self.view.1 - self.view.0).max(1) as f64;
        self.rect.left() + ((time - self.view.0) as f64 / span * self.rect.width() as f64) as f32
    }

    fn time(&self, x: f32) -> i64 {
        let span = (self.view.1 - self.view.0) as f64;
        let fraction = ((x - self.rect.left()) / self.rect.width().max(1.0)) as f64;
        self.view.0 + (fraction * span) as i64
    }
}

fn scrub_bar(ui: &mut egui::Ui, data: &mut Panel, bounds: TimeBounds, view: (i64, i64)) {
    ui.horizontal(|ui| {
        // The same gutter as the density strips' labels, so both share one time axis.
        ui.add_sized(
            vec2(STRIP_LABEL_WIDTH, SCRUB_HEIGHT),
            egui::Label::new(
                egui::RichText::new("drag: move cursor\nwheel: zoom · Shift+drag: loop")
                    .size(9.0)
                    .weak(),
            ),
        );
        scrub_area(ui, data, bounds, view);
    });
}

fn scrub_area(ui: &mut egui::Ui, data: &mut Panel, bounds: TimeBounds, view: (i64, i64)) {
    let width = ui.available_width();
    let (rect, response) =
        ui.allocate_exact_size(vec2(width, SCRUB_HEIGHT), Sense::click_and_drag());
    let axis = TimeAxis { rect, view };
    handle_scrub_input(ui, data, &response, axis, bounds);
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, Color32::from_gray(theme::GREY_BAR));
    // No data before the oldest sample or after the live edge.
    let data_rect = Rect::from_x_y_ranges(
        axis.x(bounds.start.0).max(rect.left())..=axis.x(bounds.live_edge.0).min(rect.right()),
        rect.y_range(),
    );
    if data_rect.width() > 0.0 {
        painter.rect_filled(data_rect, 0.0, Color32::from_gray(theme::GREY_DATA));
    }
    if let Some((start, end)) = data.span {
        let span = Rect::from_x_y_ranges(axis.x(start.0)..=axis.x(end.0), rect.y_range());
        painter.rect_filled(span, 0.0, crate::widgets::VIOLET.gamma_multiply(0.22));
    }
    if let Some((start, end)) = data.cursor.loop_range() {
        let loop_rect = Rect::from_x_y_ranges(axis.x(start.0)..=axis.x(end.0), rect.y_range());
        painter.rect_filled(loop_rect, 0.0, rgba(theme::LOOP_RGB, 70));
    }
    if let (Some(anchor), Some(pointer)) = (data.state.loop_anchor, response.interact_pointer_pos())
    {
        let x0 = axis.x(anchor);
        let sel = Rect::from_x_y_ranges(x0.min(pointer.x)..=x0.max(pointer.x), rect.y_range());
        painter.rect_filled(sel, 0.0, rgba(theme::LOOP_RGB, 110));
    }
    // Past now (the bounds reach into the forecast while paused) the bar is hatched.
    let live_x = axis.x(data.clock.now().0);
    crate::widgets::paint_future(&painter, rect, live_x, axis.x(bounds.live_edge.0));
    draw_ticks(&painter, axis);
    painter.line_segment(
        [
            Pos2::new(live_x, rect.top()),
            Pos2::new(live_x, rect.bottom()),
        ],
        Stroke::new(2.0, LIVE_COLOR),
    );
    draw_markers(ui, &painter, axis, &data.markers.0, &response);
    let cursor_x = axis.x(data.cursor.time().0);
    painter.line_segment(
        [
            Pos2::new(cursor_x, rect.top()),
            Pos2::new(cursor_x, rect.bottom()),
        ],
        Stroke::new(2.0, CURSOR_COLOR),
    );
    painter.add(egui::Shape::convex_polygon(
        vec![
            Pos2::new(cursor_x - 6.0, rect.top()),
            Pos2::new(cursor_x + 6.0, rect.top()),
            Pos2::new(cursor_x, rect.top() + 8.0),
        ],
        CURSOR_COLOR,
        Stroke::NONE,
    ));
    if let Some(pointer) = response.hover_pos() {
        let time = Timestamp(axis.time(pointer.x));
        let local = chrono::DateTime::from_timestamp_nanos(time.0).with_timezone(&chrono::Local);
        response.on_hover_text_at_pointer(local.format("%H:%M:%S%.3f").to_string());
    }
}

fn handle_scrub_input(
    ui: &egui::Ui,
    data: &mut Panel,
    response: &egui::Response,
    axis: TimeAxis,
    bounds: TimeBounds,
) {
    let state = &mut *data.state;
    let shift = ui.input(|i| i.modifiers.shift);
    if response.double_clicked() {
        state.view = None;
        return;
    }
    let primary = ui.input(|i| i.pointer.primary_down());
    if let Some(pointer) = response.interact_pointer_pos() {
        let time = axis.time(pointer.x);
        if response.drag_started() && shift && primary {
            state.loop_anchor = Some(time);
        }
        if state.loop_anchor.is_none()
            && primary
            && (response.is_pointer_button_down_on() || response.clicked())
        {
            data.cursor.seek(Timestamp(time), bounds);
        }
    }
    if response.drag_stopped()
        && let Some(anchor) = state.loop_anchor.take()
        && let Some(pointer) = response.interact_pointer_pos()
    {
        let end = axis.time(pointer.x);
        data.cursor
            .set_loop(Some((Timestamp(anchor), Timestamp(end))));
    }
    if response.dragged_by(egui::PointerButton::Secondary)
        || response.dragged_by(egui::PointerButton::Middle)
    {
        let dx = response.drag_delta().x;
        let per_px = (axis.view.1 - axis.view.0) as f64 / axis.rect.width().max(1.0) as f64;
        let shift_ns = (-dx as f64 * per_px) as i64;
        state.view = Some((axis.view.0 + shift_ns, axis.view.1 + shift_ns));
        if data.cursor.is_following() {
            data.cursor.pause();
        }
    }
    if response.hovered() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y + i.smooth_scroll_delta.x);
        if scroll != 0.0
            && let Some(pointer) = response.hover_pos()
        {
            let factor = (-(scroll as f64) / 200.0).exp();
            let anchor = axis.time(pointer.x);
            let start = anchor - ((anchor - axis.view.0) as f64 * factor) as i64;
            let end = anchor + ((axis.view.1 - anchor) as f64 * factor) as i64;
            if end - start >= MIN_ZOOM_NS {
                state.view = Some((start, end));
            }
        }
    }
}

/// Tick marks at a round interval, labelled in local time.
fn draw_ticks(painter: &egui::Painter, axis: TimeAxis) {
    let span = (axis.view.1 - axis.view.0).max(1);
    let wanted = span / ((axis.rect.width() / 110.0).max(1.0) as i64).max(1);
    const S: i64 = 1_000_000_000;
    let steps = [
        S,
        2 * S,
        5 * S,
        10 * S,
        30 * S,
        60 * S,
        2 * 60 * S,
        5 * 60 * S,
        10 * 60 * S,
        30 * 60 * S,
        3600 * S,
        3 * 3600 * S,
        6 * 3600 * S,
        12 * 3600 * S,
        86_400 * S,
    ];
    let step = steps
        .iter()
        .copied()
        .find(|&s| s >= wanted)
        .unwrap_or(86_400 * S);
    let offset = chrono::Local::now().offset().local_minus_utc() as i64 * S;
    // Round in local time so labels land on :00 in the user's zone.
    let mut tick = (axis.view.0 + offset).div_euclid(step) * step + step - offset;
    let format = if step >= 60 * S { "%H:%M" } else { "%H:%M:%S" };
    let mut guard = 0;
    while tick < axis.view.1 && guard < 200 {
        guard += 1;
        let x = axis.x(tick);
        painter.line_segment(
            [
                Pos2::new(x, axis.rect.bottom() - 6.0),
                Pos2::new(x, axis.rect.bottom()),
            ],
            Stroke::new(1.0, Color32::from_gray(theme::GREY_TICK)),
        );
        let local = chrono::DateTime::from_timestamp_nanos(tick).with_timezone(&chrono::Local);
        painter.text(
            Pos2::new(x + 3.0, axis.rect.bottom() - 4.0),
            egui::Align2::LEFT_BOTTOM,
            local.format(format).to_string(),
            egui::FontId::monospace(10.0),
            Color32::from_gray(theme::GREY_TEXT),
        );
        tick += step;
    }
}

fn draw_markers(
    ui: &egui::Ui,
    painter: &egui::Painter,
    axis: TimeAxis,
    markers: &[Marker],
    response: &egui::Response,
) {
    let hover = response.hover_pos();
    let mut hovered = Vec::new();
    let first = markers.partition_point(|m| m.time.0 < axis.view.0);
    for marker in markers[first..]
        .iter()
        .take_while(|m| m.time.0 <= axis.view.1)
    {
        let x = axis.x(marker.time.0);
        let [r, g, b] = marker.kind.color();
        let color = Color32::from_rgb(r, g, b);
        let top = axis.rect.top() + 2.0;
        painter.add(egui::Shape::convex_polygon(
            vec![
                Pos2::new(x, top + 8.0),
                Pos2::new(x - 4.0, top),
                Pos2::new(x + 4.0, top),
            ],
            color,
            Stroke::NONE,
        ));
        painter.line_segment(
            [
                Pos2::new(x, top + 8.0),
                Pos2::new(x, axis.rect.bottom() - 8.0),
            ],
            Stroke::new(1.0, color.gamma_multiply(0.6)),
        );
        if hover.is_some_and(|p| (p.x - x).abs() <= 5.0) {
            hovered.push(marker.label.as_str());
        }
    }
    if !hovered.is_empty() {
        egui::Tooltip::always_open(
            ui.ctx().clone(),
            ui.layer_id(),
            egui::Id::new("timeline-marker"),
            egui::PopupAnchor::Pointer,
        )
        .show(|ui| {
            for label in hovered {
                ui.label(label);
            }
        });
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
