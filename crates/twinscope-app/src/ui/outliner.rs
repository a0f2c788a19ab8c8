//! Outliner: every plant asset with its status colour and a sensor-health mark, filterable by
//! tag or description.

use super::PanelData;
use crate::camera::CameraCommand;
use crate::widgets::egui_color;
use bevy_egui::egui;
use twinscope_core::freshness::{Freshness, StaleCause};
use twinscope_core::rules::RuleColor;

pub(super) fn draw(ui: &mut egui::Ui, data: &mut PanelData) {
    ui.heading("Assets");
    ui.add(
        egui::TextEdit::singleline(&mut data.state.search).hint_text("search tag or description"),
    );
    ui.separator();
    let needle = data.state.search.to_lowercase();
    let mut rows: Vec<_> = data
        .assets
        .iter()
        .filter(|(_, asset, _, _)| {
            needle.is_empty()
                || asset.tag.to_lowercase().contains(&needle)
                || asset
                    .description
                    .as_deref()
                    .is_some_and(|d| d.to_lowercase().contains(&needle))
        })
        .map(|(entity, asset, binding, status)| {
            (
                entity,
                asset.tag.clone(),
                asset.description.clone().unwrap_or_default(),
                binding.is_some(),
                status.and_then(|s| s.color),
                status.and_then(|s| stale_word(s.freshness)),
                data.health.get(entity).ok().and_then(|h| {
                    let worst = h.worst()?.kind;
                    Some((worst, super::inspector::health_hover(&h.issues)))
                }),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    ui.label(egui::RichText::new(format!("{} assets", rows.len())).weak());
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (entity, tag, description, bound, color, stale, health) in rows {
                ui.horizontal(|ui| {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                    let swatch = match (bound, color) {
                        (true, Some(c)) => egui_color(c),
                        (true, None) => egui_color(RuleColor::NO_DATA),
                        (false, _) => egui::Color32::TRANSPARENT,
                    };
                    ui.painter().rect_filled(rect, 2.0, swatch);
                    if !bound {
                        ui.painter().rect_stroke(
                            rect,
                            2.0,
                            egui::Stroke::new(1.0, egui::Color32::GRAY),
                            egui::StrokeKind::Inside,
                        );
                    }
                    let selected = data.selection.asset == Some(entity);
                    let response = ui
                        .selectable_label(selected, egui::RichText::new(&tag).monospace())
                        .on_hover_text(&description);
                    if response.clicked() {
                        data.selection.asset = Some(entity);
                    }
                    if response.double_clicked() {
                        data.selection.asset = Some(entity);
                        data.camera_commands.write(CameraCommand::FrameSelected);
                    }
                    if let Some(word) = stale {
                        ui.label(
                            egui::RichText::new(word)
                                .small()
                                .color(egui::Color32::YELLOW),
                        )
                        .on_hover_text("no current value: see the inspector");
                    }
                    if let Some((kind, hover)) = health {
                        ui.label(
                            egui::RichText::new(super::inspector::health_glyph(kind))
                                .color(crate::widgets::HEALTH_COLOR),
                        )
                        .on_hover_text(hover);
                    }
                    ui.label(egui::RichText::new(description).weak().small());
                });
            }
        });
}

/// The outliner's word for a value that is not current: *disconnected* when the source's link
/// was down at the view time (live or replayed), *stale* when the signal itself went quiet.
fn stale_word(freshness: Freshness) -> Option<&'static str> {
    match freshness {
        Freshness::Stale {
            cause: StaleCause::ConnectionLost,
            ..
        } => Some("disconnected"),
        Freshness::Stale { .. } => Some("stale"),
        Freshness::Fresh | Freshness::NoData => None,
    }
}
