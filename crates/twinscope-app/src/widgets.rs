//! Small drawing helpers every panel uses: theme colours in egui's type, ages, counts, sizes.
//! Depends on nothing but the core, so every domain's panel can use it.

use bevy_egui::egui;
use twinscope_core::theme::{FORECAST_RGB, WHAT_IF_RGB};

/// The what-if violet, for headings and the timeline span.
pub(crate) const VIOLET: egui::Color32 =
    egui::Color32::from_rgb(WHAT_IF_RGB[0], WHAT_IF_RGB[1], WHAT_IF_RGB[2]);

/// Sensor health's own colour: a neutral grey, so it never reads as a process alarm.
pub(crate) const HEALTH_COLOR: egui::Color32 = egui::Color32::from_rgb(0xb4, 0xb8, 0xbe);

/// Converts a rule colour to egui's colour type.
pub(crate) fn egui_color(color: twinscope_core::rules::RuleColor) -> egui::Color32 {
    let [r, g, b] = color.0;
    egui::Color32::from_rgb(r, g, b)
}

/// The forecast colour in egui's type, at `alpha` (0..255, unmultiplied).
pub(crate) fn forecast_color(alpha: u8) -> egui::Color32 {
    let [r, g, b] = FORECAST_RGB;
    egui::Color32::from_rgba_unmultiplied(r, g, b, alpha)
}

/// "0.4 s ago", "3 min ago" — how fresh a value is.
pub(crate) fn format_age(secs: f64) -> String {
    let secs = secs.max(0.0);
    match secs {
        s if s < 60.0 => format!("{s:.1} s ago"),
        s if s < 3600.0 => format!("{:.0} min ago", s / 60.0),
        s => format!("{:.1} h ago", s / 3600.0),
    }
}

/// "1 topic", "3 topics".
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `512 B`, `3.2 KiB`, `1.4 MiB`: byte counts and rates (rounded down to whole bytes).
pub(crate) fn format_bytes(bytes: f64) -> String {
    twinscope_core::text::bytes(bytes.max(0.0) as u64)
}

/// Shades the timeline past now, where the cursor shows forecasts, and says so.
pub(crate) fn paint_future(painter: &egui::Painter, rect: egui::Rect, now_x: f32, end_x: f32) {
    let future = egui::Rect::from_x_y_ranges(
        now_x.max(rect.left())..=end_x.min(rect.right()),
        rect.y_range(),
    );
    if future.width() <= 0.0 {
        return;
    }
    painter.rect_filled(future, 0.0, forecast_color(40));
    // Diagonal hatching: predicted, not recorded.
    let stroke = egui::Stroke::new(1.0, forecast_color(70));
    let mut x = future.left() - future.height();
    while x < future.right() {
        let a = egui::pos2(
            x.max(future.left()),
            future.bottom() - (x.max(future.left()) - x),
        );
        let b_x = (x + future.height()).min(future.right());
        let b = egui::pos2(b_x, future.bottom() - (b_x - x));
        painter.line_segment([a, b], stroke);
        x += 8.0;
    }
    if future.width() > 70.0 {
        painter.text(
            future.left_top() + egui::vec2(4.0, 2.0),
            egui::Align2::LEFT_TOP,
            "forecast",
            egui::FontId::proportional(10.0),
            forecast_color(230),
        );
    }
}
