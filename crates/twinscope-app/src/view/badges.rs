//! Badges: world-anchored labels above assets with tag, value and unit, drawn as screen-space
//! egui text on the background layer (so panels, popups and tooltips cover them), clipped to
//! the 3D viewport.
//!
//! Decluttering: a badge sits above the top centre of its asset's bounds; far badges shrink
//! and past [`FAR_M`] hide unless they carry an alarm, a health problem or the selection.
//! Badges are placed in priority order — alarms (most urgent first), then sensor-health
//! problems, then the selected asset, then nearest first — and one that would overlap a badge
//! already placed (or leave the viewport) is skipped. Alarm badges take the priority colour and
//! blink while unacknowledged; health problems show greyed with an icon. `B` or the checkbox
//! at the viewport's top left hides them.

use crate::alarms::AssetAlarms;
use crate::camera::selection::Selection;
use crate::forecast::Forecasts;
use crate::health::AssetHealth;
use crate::ingest::Store;
use crate::pipeline::ViewTime;
use crate::plant::{AssetBinding, AssetBounds, PlantAsset};
use crate::risk::AssetForecast;
use crate::widgets::{premultiplied, rgb};
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::input::EguiWantsInput;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use std::cmp::Reverse;
use twinscope_core::alarms::AlarmPriority;
use twinscope_core::health::HealthIssueKind;
use twinscope_core::rules::format_value;
use twinscope_core::theme;

/// Beyond this camera distance (metres) plain badges are hidden.
pub(crate) const FAR_M: f32 = 90.0;
/// Up to this distance badges have their full size; farther they shrink.
const NEAR_M: f32 = 40.0;
/// Text size (points) at full size.
const FONT_PT: f32 = 13.0;
/// Blink half-period of unacknowledged alarms, seconds.
const BLINK_S: f64 = 0.5;
/// Gap kept between badges, points.
const GAP_PT: f32 = 2.0;

/// Whether badges are shown (`B` toggles).
#[derive(Resource, Debug, Clone, Copy)]
pub(crate) struct BadgeSettings {
    /// Draw badges.
    pub(crate) shown: bool,
}

impl Default for BadgeSettings {
    fn default() -> Self {
        Self { shown: true }
    }
}

/// The badges drawn in the last frame, for the screenshot report and tests.
#[derive(Resource, Debug, Clone, Default)]
pub(crate) struct BadgeLayout {
    /// Placed badges, in placement (priority) order.
    pub(crate) placed: Vec<PlacedBadge>,
}

/// One drawn badge.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct PlacedBadge {
    /// The asset's tag.
    pub(crate) tag: String,
    /// `alarm`, `health` or `value`: which visual language it used.
    pub(crate) kind: &'static str,
    /// The text after the tag (value and unit, or what is wrong).
    pub(crate) text: String,
    /// Where it was drawn, physical pixels `[x0, y0, x1, y1]`.
    pub(crate) rect: [f32; 4],
}

/// Adds the toggle and the drawing (needs `EguiPlugin`).
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<BadgeSettings>()
        .init_resource::<BadgeLayout>()
        .add_systems(Update, toggle_on_key)
        .add_systems(EguiPrimaryContextPass, draw_badges);
}

fn toggle_on_key(
    keys: Res<ButtonInput<KeyCode>>,
    egui_input: Option<Res<EguiWantsInput>>,
    mut settings: ResMut<BadgeSettings>,
) {
    if egui_input.is_some_and(|input| input.wants_any_keyboard_input()) {
        return;
    }
    if keys.just_pressed(KeyCode::KeyB) {
        settings.shown = !settings.shown;
    }
}

/// Why a badge matters; sorts most important first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    /// An active or unacknowledged alarm, most urgent first.
    Alarm(Reverse<AlarmPriority>),
    /// A sensor-health problem.
    Health,
    /// The selected asset.
    Selected,
    /// Anything else.
    Plain,
}

/// Badge scale at `distance` metres, or `None` when a plain badge is too far to show.
pub(crate) fn scale_at(distance: f32, rank: Rank) -> Option<f32> {
    let important = rank != Rank::Plain;
    if distance > FAR_M && !important {
        return None;
    }
    let min = if important { 0.9 } else { 0.75 };
    let scale = (NEAR_M / distance.max(0.01)).clamp(min, 1.1);
    // In steps of 0.05, so egui meets a handful of font sizes: a new size every frame (while
    // the camera flies or zooms) leaves text blank until its glyphs are rasterised.
    Some((scale * 20.0).round() / 20.0)
}

/// Axis-aligned screen rectangle (points): min and max corners.
pub(crate) type ScreenRect = [f32; 4];

fn overlaps(a: &ScreenRect, b: &ScreenRect) -> bool {
    a[0] < b[2] + GAP_PT && b[0] < a[2] + GAP_PT && a[1] < b[3] + GAP_PT && b[1] < a[3] + GAP_PT
}

fn inside(a: &ScreenRect, outer: &ScreenRect) -> bool {
    a[0] >= outer[0] && a[1] >= outer[1] && a[2] <= outer[2] && a[3] <= outer[3]
}

/// A badge that wants a place: its rank, its distance and the rectangle it would take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Wish {
    /// Importance.
    pub(crate) rank: Rank,
    /// Distance from the camera, metres (nearer first within a rank).
    pub(crate) distance: f32,
    /// The rectangle it would be drawn in.
    pub(crate) rect: ScreenRect,
}

/// Indices of the wishes that get drawn, in placement order: by rank, then nearest first;
/// each must lie inside `viewport` and clear every badge placed before it.
pub(crate) fn place(wishes: &[Wish], viewport: ScreenRect) -> Vec<usize> {
    let mut order: Vec<usize> = (0..wishes.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&wishes[a], &wishes[b]);
        a.rank.cmp(&b.rank).then(a.distance.total_cmp(&b.distance))
    });
    let mut placed: Vec<usize> = Vec::new();
    for i in order {
        let rect = &wishes[i].rect;
        if inside(rect, &viewport) && placed.iter().all(|&p| !overlaps(rect, &wishes[p].rect)) {
            placed.push(i);
        }
    }
    placed
}

/// `value` at the signal's display precision with its unit (`65.1 %`), or an en dash without
/// data.
fn format_badge_value(value: Option<f64>, precision: usize, unit: &str) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format_value(v, precision, unit))
}

/// The priority colour of an alarm badge: the same colours the 3D view paints alarms in.
pub(crate) fn priority_color(priority: AlarmPriority) -> egui::Color32 {
    let [r, g, b] = priority.color();
    egui::Color32::from_rgb(r, g, b)
}

/// egui's default font has these; most other symbols draw as boxes.
fn health_icon(kind: HealthIssueKind) -> &'static str {
    match kind {
        HealthIssueKind::Anomaly => "~",
        HealthIssueKind::Stale | HealthIssueKind::Disconnected => "?",
        HealthIssueKind::Spike | HealthIssueKind::Flatline | HealthIssueKind::OutOfRange => "⚠",
    }
}

/// What one asset's badge says and how it looks.
struct Content {
    tag: String,
    text: String,
    icon: Option<&'static str>,
    kind: &'static str,
    accent: Option<egui::Color32>,
    blink: bool,
    greyed: bool,
}

/// The value a badge shows: the rule's signal, else the first bound signal, with its unit;
/// past now the forecast, marked `≈`.
fn primary_value(
    binding: &AssetBinding,
    store: &Store,
    view: &ViewTime,
    forecasts: Option<&Forecasts>,
) -> String {
    let rule_index = binding.rule.as_ref().map(|(index, _)| *index);
    let signal = binding
        .signals
        .iter()
        .find(|s| s.index.is_some() && s.index == rule_index)
        .or_else(|| binding.signals.first());
    let Some(signal) = signal else {
        return String::new();
    };
    let index = rule_index.or(signal.index);
    let predicted = index.and_then(|i| forecasts?.predicted_value(i, view.time));
    if let Some(predicted) = predicted {
        return crate::forecast::format_predicted(predicted, signal.precision, &signal.unit);
    }
    let value = index
        .and_then(|i| store.value_at(i, view.lookup()))
        .map(|v| v.value);
    format_badge_value(value, signal.precision, &signal.unit)
}

type BadgeAsset<'a> = (
    Entity,
    &'a PlantAsset,
    &'a AssetBinding,
    &'a AssetBounds,
    Option<&'a AssetAlarms>,
    Option<&'a AssetHealth>,
    Option<&'a AssetForecast>,
);

#[allow(clippy::too_many_arguments)]
fn draw_badges(
    mut contexts: EguiContexts,
    mut settings: ResMut<BadgeSettings>,
    mut layout: ResMut<BadgeLayout>,
    selection: Res<Selection>,
    store: Res<Store>,
    view: Res<ViewTime>,
    forecasts: Option<Res<Forecasts>>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Camera, &GlobalTransform), With<Camera3d>>,
    assets: Query<BadgeAsset>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    layout.placed.clear();
    let (camera, camera_transform) = *camera;
    let Some(viewport) = camera.logical_viewport_rect() else {
        return Ok(());
    };
    let viewport = egui::Rect::from_min_max(
        egui::pos2(viewport.min.x, viewport.min.y),
        egui::pos2(viewport.max.x, viewport.max.y),
    );
    egui::Area::new(egui::Id::new("badges_toggle"))
        .fixed_pos(viewport.min + egui::vec2(8.0, 6.0))
        .show(ctx, |ui| {
            // A panel-coloured box, so the label stays readable over the light floor.
            egui::Frame::popup(ui.style())
                .inner_margin(egui::Margin::symmetric(6, 2))
                .show(ui, |ui| {
                    ui.checkbox(&mut settings.shown, "badges (B)")
                        .on_hover_text("Labels above assets: tag, value, alarms and sensor health");
                });
        });
    if !settings.shown {
        return Ok(());
    }
    let painter = ctx
        .layer_painter(egui::LayerId::background())
        .with_clip_rect(viewport);
    let blink_on = (ctx.input(|i| i.time) / BLINK_S) as i64 % 2 == 0;
    let eye = camera_transform.translation();

    let mut wishes = Vec::new();
    let mut drawn = Vec::new();
    for (entity, asset, binding, bounds, alarms, health, forecast) in &assets {
        let top = Vec3::new(bounds.center().x, bounds.max.y, bounds.center().z);
        let Ok(anchor) = camera.world_to_viewport(camera_transform, top) else {
            continue;
        };
        let alarm = alarms.and_then(|a| a.worst.as_ref());
        let issue = health.and_then(|h| h.worst());
        // A predicted alarm at the cursor (past now) is placed like a health problem, in the
        // forecast's own colour: never a real alarm state.
        let predicted_alarm = forecast
            .and_then(|f| f.alarm.as_ref())
            .filter(|a| a.at_cursor);
        let rank = match (alarm, issue) {
            (Some(a), _) => Rank::Alarm(Reverse(a.priority)),
            (None, Some(_)) => Rank::Health,
            _ if predicted_alarm.is_some() => Rank::Health,
            _ if selection.asset == Some(entity) => Rank::Selected,
            _ => Rank::Plain,
        };
        let distance = eye.distance(top);
        let Some(scale) = scale_at(distance, rank) else {
            continue;
        };
        let mut text = primary_value(binding, &store, &view, forecasts.as_deref());
        if let Some(issue) = issue
            && alarm.is_none()
        {
            text = format!("{text} {}", issue.kind.name());
        }
        if let Some(predicted) = predicted_alarm {
            text = format!(
                "{text} · predicted {} {:.0}%",
                predicted.kind,
                predicted.probability * 100.0
            );
        }
        let predicted = forecast.is_some_and(|f| f.predicted);
        let content = Content {
            tag: asset.tag.clone(),
            text,
            icon: issue.map(|i| health_icon(i.kind)),
            kind: match rank {
                Rank::Alarm(_) => "alarm",
                _ if predicted_alarm.is_some() => "predicted alarm",
                Rank::Health => "health",
                _ if predicted => "predicted",
                _ => "value",
            },
            accent: alarm.map(|a| priority_color(a.priority)).or_else(|| {
                let [r, g, b] = twinscope_core::theme::FORECAST_RGB;
                (predicted && issue.is_none()).then_some(egui::Color32::from_rgb(r, g, b))
            }),
            blink: alarm.is_some_and(|a| a.state.needs_ack()),
            greyed: issue.is_some() && alarm.is_none(),
        };
        let galleys = layout_badge(&painter, &content, scale);
        let size = badge_size(&galleys, scale);
        let min = egui::pos2(anchor.x - 0.5 * size.x, anchor.y - 6.0 * scale - size.y);
        let rect = egui::Rect::from_min_size(min, size);
        wishes.push(Wish {
            rank,
            distance,
            rect: [rect.min.x, rect.min.y, rect.max.x, rect.max.y],
        });
        drawn.push((content, galleys, rect, anchor, scale));
    }
    let screen = [
        viewport.min.x,
        viewport.min.y,
        viewport.max.x,
        viewport.max.y,
    ];
    let to_physical = window.scale_factor();
    for i in place(&wishes, screen) {
        let (content, galleys, rect, anchor, scale) = &drawn[i];
        paint_badge(&painter, content, galleys, *rect, *anchor, *scale, blink_on);
        layout.placed.push(PlacedBadge {
            tag: content.tag.clone(),
            kind: content.kind,
            text: content.text.clone(),
            rect: [rect.min.x, rect.min.y, rect.max.x, rect.max.y].map(|v| v * to_physical),
        });
    }
    Ok(())
}

/// Laid-out text of a badge: icon (if any), tag, value.
struct Galleys {
    icon: Option<std::sync::Arc<egui::Galley>>,
    tag: std::sync::Arc<egui::Galley>,
    text: std::sync::Arc<egui::Galley>,
}

const TEXT: egui::Color32 = rgb(theme::BADGE_TEXT_RGB);
const TAG: egui::Color32 = rgb(theme::BADGE_TAG_RGB);
/// Text on a flashing (priority-coloured) box.
const ON_FLASH: egui::Color32 = rgb(theme::BADGE_ON_FLASH_RGB);
const GREY: egui::Color32 = rgb(theme::BADGE_GREY_RGB);
const FILL: egui::Color32 = premultiplied(theme::BADGE_FILL_RGBA);

fn layout_badge(painter: &egui::Painter, content: &Content, scale: f32) -> Galleys {
    let size = FONT_PT * scale;
    let (tag_color, text_color) = if content.greyed {
        (GREY, GREY)
    } else {
        (TAG, content.accent.unwrap_or(TEXT))
    };
    Galleys {
        icon: content.icon.map(|icon| {
            painter.layout_no_wrap(icon.to_owned(), egui::FontId::proportional(size), GREY)
        }),
        tag: painter.layout_no_wrap(
            content.tag.clone(),
            egui::FontId::monospace(size),
            tag_color,
        ),
        text: painter.layout_no_wrap(
            content.text.clone(),
            egui::FontId::proportional(size),
            text_color,
        ),
    }
}

fn badge_size(g: &Galleys, scale: f32) -> egui::Vec2 {
    let pad = egui::vec2(5.0, 2.0) * scale;
    let gap = 6.0 * scale;
    let icon = g.icon.as_ref().map_or(0.0, |i| i.size().x + 0.5 * gap);
    let width = icon + g.tag.size().x + gap + g.text.size().x;
    let height = g.tag.size().y.max(g.text.size().y);
    egui::vec2(width, height) + 2.0 * pad
}

fn paint_badge(
    painter: &egui::Painter,
    content: &Content,
    g: &Galleys,
    rect: egui::Rect,
    anchor: Vec2,
    scale: f32,
    blink_on: bool,
) {
    let pad = egui::vec2(5.0, 2.0) * scale;
    let gap = 6.0 * scale;
    let stem_color = content
        .accent
        .unwrap_or(egui::Color32::from_gray(theme::GREY_STEM));
    painter.line_segment(
        [rect.center_bottom(), egui::pos2(anchor.x, anchor.y)],
        egui::Stroke::new(1.0, stem_color),
    );
    // Unacknowledged: the box flashes in the priority colour, with dark text on it.
    let flash = content.accent.filter(|_| content.blink && blink_on);
    painter.rect_filled(rect, 3.0, flash.unwrap_or(FILL));
    if let Some(accent) = content.accent {
        painter.rect_stroke(rect, 3.0, (1.5, accent), egui::StrokeKind::Inside);
    } else if content.greyed {
        painter.rect_stroke(rect, 3.0, (1.0, GREY), egui::StrokeKind::Inside);
    }
    let mut x = rect.min.x + pad.x;
    let mid = rect.center().y;
    let text = |galley: &std::sync::Arc<egui::Galley>, x: f32| {
        let pos = egui::pos2(x, mid - 0.5 * galley.size().y);
        match flash {
            Some(_) => painter.galley_with_override_text_color(pos, galley.clone(), ON_FLASH),
            None => painter.galley(pos, galley.clone(), TEXT),
        }
    };
    if let Some(icon) = &g.icon {
        text(icon, x);
        x += icon.size().x + 0.5 * gap;
    }
    text(&g.tag, x);
    x += g.tag.size().x + gap;
    text(&g.text, x);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wish(rank: Rank, distance: f32, x: f32) -> Wish {
        Wish {
            rank,
            distance,
            rect: [x, 100.0, x + 80.0, 120.0],
        }
    }

    #[test]
    fn alarms_win_overlaps_then_health_selection_and_nearness() {
        let viewport = [0.0, 0.0, 1000.0, 700.0];
        let wishes = [
            wish(Rank::Plain, 10.0, 0.0), // 0: nearest plain
            wish(Rank::Alarm(Reverse(AlarmPriority::Low)), 50.0, 40.0), // 1: overlaps 0 and 2
            wish(Rank::Alarm(Reverse(AlarmPriority::Urgent)), 60.0, 90.0), // 2
            wish(Rank::Health, 30.0, 300.0), // 3: clear
            wish(Rank::Plain, 20.0, 330.0), // 4: overlaps 3
            wish(Rank::Selected, 80.0, 600.0), // 5
            wish(Rank::Plain, 5.0, 650.0), // 6: overlaps 5
            wish(Rank::Plain, 15.0, 960.0), // 7: leaves the viewport
            wish(Rank::Plain, 40.0, 800.0), // 8: clear
        ];
        // The urgent alarm first; the low alarm overlaps it and is skipped; the plain badge at
        // x = 0 ends 10 px left of the urgent one and clears it with the gap.
        assert_eq!(place(&wishes, viewport), vec![2, 3, 5, 0, 8]);
    }

    #[test]
    fn far_badges_shrink_and_plain_ones_hide() {
        assert_eq!(scale_at(10.0, Rank::Plain), Some(1.1));
        assert_eq!(scale_at(80.0, Rank::Plain), Some(0.75));
        assert_eq!(scale_at(FAR_M + 1.0, Rank::Plain), None);
        let alarm = Rank::Alarm(Reverse(AlarmPriority::Medium));
        assert_eq!(scale_at(500.0, alarm), Some(0.9));
        assert_eq!(scale_at(500.0, Rank::Health), Some(0.9));
        assert_eq!(scale_at(500.0, Rank::Selected), Some(0.9));
        let a = scale_at(45.0, Rank::Plain).unwrap();
        let b = scale_at(50.0, Rank::Plain).unwrap();
        assert!(a > b, "smaller with distance: {a} {b}");
    }

    #[test]
    fn values_have_one_decimal_and_their_unit() {
        assert_eq!(format_badge_value(Some(65.126), 1, "%"), "65.1 %");
        assert_eq!(format_badge_value(Some(3.0), 1, ""), "3.0");
        assert_eq!(format_badge_value(None, 2, "m/s"), "–");
        assert_eq!(format_badge_value(Some(f64::NAN), 2, "m/s"), "NaN m/s");
        assert!(
            Rank::Alarm(Reverse(AlarmPriority::Urgent)) < Rank::Alarm(Reverse(AlarmPriority::Low))
        );
        assert!(Rank::Alarm(Reverse(AlarmPriority::Low)) < Rank::Health);
    }
}
