//! Small drawing helpers every panel uses: theme colours in egui's type, ages, counts, sizes.
//! Depends on nothing but the core, so every domain's panel can use it.

use bevy_egui::egui;
use twinscope_core::theme::{FORECAST_RGB, WHAT_IF_RGB};

/// The what-if violet, for headings and the timeline span.
pub(crate) const VIOLET: egui::Color32 = rgb(WHAT_IF_RGB);

/// A theme colour (sRGB) in egui's type.
pub(crate) const fn rgb([r, g, b]: [u8; 3]) -> egui::Color32 {
    egui::Color32::from_rgb(r, g, b)
}

/// A theme colour (sRGB) at `alpha` (unmultiplied) in egui's type.
pub(crate) fn rgba([r, g, b]: [u8; 3], alpha: u8) -> egui::Color32 {
    egui::Color32::from_rgba_unmultiplied(r, g, b, alpha)
}

/// A premultiplied theme colour with alpha in egui's type.
pub(crate) const fn premultiplied([r, g, b, a]: [u8; 4]) -> egui::Color32 {
    egui::Color32::from_rgba_premultiplied(r, g, b, a)
}

/// A theme colour given as floats in Bevy's type (sRGB, as `Color::srgb` takes them).
pub(crate) const fn srgb_floats([r, g, b]: [f32; 3]) -> bevy::color::Color {
    bevy::color::Color::srgb(r, g, b)
}

/// Sensor health's own colour: a neutral grey, so it never reads as a process alarm.
pub(crate) const HEALTH_COLOR: egui::Color32 = rgb(twinscope_core::theme::HEALTH_RGB);

/// Converts a rule colour to egui's colour type.
pub(crate) fn egui_color(color: twinscope_core::rules::RuleColor) -> egui::Color32 {
    rgb(color.0)
}

/// The forecast colour in egui's type, at `alpha` (0..255, unmultiplied).
pub(crate) fn forecast_color(alpha: u8) -> egui::Color32 {
    rgba(FORECAST_RGB, alpha)
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
