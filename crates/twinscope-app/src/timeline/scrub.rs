//! The timeline's scrub bar: the time axis with its ticks, the data span, outages, the what-if
//! span, the loop range, event markers, the cursor and the live edge, and the mouse on it
//! (drag to move the cursor, wheel to zoom, right/middle-drag to pan, Shift+drag to loop).

use super::panel::{CURSOR_COLOR, LIVE_COLOR, Panel, SCRUB_HEIGHT, STRIP_LABEL_WIDTH};
use crate::pipeline::Marker;
use crate::widgets::rgba;
use bevy_egui::egui::{self, Color32, Pos2, Rect, Sense, Stroke, vec2};
use twinscope_core::cursor::TimeBounds;
use twinscope_core::signal::Timestamp;
use twinscope_core::theme;

/// Narrowest zoom: one second across the bar.
const MIN_ZOOM_NS: i64 = 1_000_000_000;

/// Maps times to x positions across `rect` for the window `view`.
#[derive(Clone, Copy)]
pub(super) struct TimeAxis {
    pub(super) rect: Rect,
    pub(super) view: (i64, i64),
}

impl TimeAxis {
    pub(super) fn x(&self, time: i64) -> f32 {
        let span = (self.view.1 - self.view.0).max(1) as f64;
        self.rect.left() + ((time - self.view.0) as f64 / span * self.rect.width() as f64) as f32
    }

    pub(super) fn time(&self, x: f32) -> i64 {
        let span = (self.view.1 - self.view.0) as f64;
        let fraction = ((x - self.rect.left()) / self.rect.width().max(1.0)) as f64;
        self.view.0 + (fraction * span) as i64
    }
}

pub(super) fn scrub_bar(ui: &mut egui::Ui, data: &mut Panel, bounds: TimeBounds, view: (i64, i64)) {
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
    // Outages: the data stops there because the link did (an open one runs to the live edge).
    for outage in data.outages {
        let end = outage.to.unwrap_or(bounds.live_edge).0;
        let (x0, x1) = (
            axis.x(outage.from.0),
            axis.x(end).max(axis.x(outage.from.0) + 2.0),
        );
        if x1 >= rect.left() && x0 <= rect.right() {
            let band =
                Rect::from_x_y_ranges(x0.max(rect.left())..=x1.min(rect.right()), rect.y_range());
            painter.rect_filled(band, 0.0, rgba(theme::ATTENTION_RGB, 60));
        }
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
