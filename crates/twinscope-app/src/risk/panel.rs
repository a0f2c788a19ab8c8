//! The risk panel (left, "Risk" tab): assets ranked by risk, each row explaining itself —
//! which signal, which limit, expected time, probability, consequence, and the what-if and
//! anomaly terms when there are any (strongest term first; the hover text has them in full).
//! Clicking a row selects the asset and flies the camera to it, like the alarm list.

use super::overlay::RiskOverlay;
use super::{AssetForecast, RiskState};
use crate::forecast::Forecasts;
use crate::widgets::forecast_color;
use bevy::prelude::*;
use bevy_egui::egui;
use twinscope_core::risk::{RiskScore, format_secs};

/// What the risk panels read and change.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct RiskPanelData<'w, 's> {
    /// Risk scores, ranked.
    risk: Res<'w, RiskState>,
    /// The heat overlay switch.
    overlay: ResMut<'w, RiskOverlay>,
    /// The forecast horizon the ranking looks ahead.
    forecasts: Res<'w, Forecasts>,
    /// Bound assets' predicted alarms.
    predicted: Query<'w, 's, &'static AssetForecast>,
}

/// Rows laid out per frame at most (the list scrolls; ten thousand assets stay cheap).
const ROW_HEIGHT: f32 = 40.0;

/// Draws the ranking; returns the tag of the asset clicked, to select and fly to.
pub(crate) fn draw(ui: &mut egui::Ui, data: &mut RiskPanelData) -> Option<String> {
    let horizon = data.forecasts.max_horizon_s();
    ui.label(
        egui::RichText::new(format!(
            "P(alarm limit within {}, what-if, anomaly) × consequence",
            format_secs(horizon)
        ))
        .small()
        .weak(),
    );
    ui.checkbox(&mut data.overlay.shown, "heat overlay in 3D (H)");
    ui.separator();
    let count = data.risk.len();
    if count == 0 {
        ui.label(
            egui::RichText::new("No asset has a binding, a limit alarm or a [[risk]] weight.")
                .weak(),
        );
        return None;
    }
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt("risk-list")
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, count, |ui, rows| {
            for rank in rows {
                let Some(score) = data.risk.ranked_at(rank) else {
                    continue;
                };
                if row(ui, rank, score).clicked() {
                    clicked = Some(score.asset.clone());
                }
            }
        });
    clicked
}

/// One ranked asset: the score bar and its explanation.
fn row(ui: &mut egui::Ui, rank: usize, score: &RiskScore) -> egui::Response {
    let heat =
        crate::risk::overlay::heat_color(crate::risk::overlay::heat_level(Some(score.probability)));
    let response = ui
        .horizontal(|ui| {
            ui.set_min_height(ROW_HEIGHT - 4.0);
            let (bar, _) = ui.allocate_exact_size(egui::vec2(6.0, 30.0), egui::Sense::hover());
            ui.painter()
                .rect_filled(bar, 2.0, crate::widgets::egui_color(heat));
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(format!("{}.", rank + 1)).weak().small());
                    ui.label(egui::RichText::new(&score.asset).monospace().strong());
                    ui.label(
                        egui::RichText::new(format!(
                            "{:.2} = {:.1} × {:.0}%",
                            score.score,
                            score.consequence,
                            score.probability * 100.0
                        ))
                        .small(),
                    );
                });
                ui.label(egui::RichText::new(terms_text(score)).small().color(
                    if score.probability >= crate::risk::PREDICTED_ALARM_P {
                        forecast_color(255)
                    } else {
                        egui::Color32::from_gray(twinscope_core::theme::GREY_TEXT)
                    },
                ));
            });
        })
        .response;
    response
        .interact(egui::Sense::click())
        .on_hover_text(score.explain())
}

/// What the score is made of, in a few words, strongest term first: `temperature H 95 in
/// ~42 s (P 90%) · anomaly 31%: current level shift up`.
fn terms_text(score: &RiskScore) -> String {
    let forecast_p = score
        .driver
        .as_ref()
        .map_or(0.0, |d| d.crossing.probability);
    let mut terms = vec![(forecast_p, score.forecast_text(false))];
    if let Some(s) = &score.scenario {
        terms.push((
            s.probability,
            format!("what-if {:.0}%", s.probability * 100.0),
        ));
    }
    if let Some(a) = &score.anomaly {
        let state = if a.window.open { "" } else { ", ended" };
        terms.push((
            a.probability,
            format!(
                "anomaly {:.0}%: {}{state}",
                a.probability * 100.0,
                a.headline(false)
            ),
        ));
    }
    // Stable: the forecast stays first among equals (an asset with nothing at all says why).
    terms.sort_by(|a, b| b.0.total_cmp(&a.0));
    let texts: Vec<String> = terms.into_iter().map(|(_, text)| text).collect();
    texts.join(" · ")
}

/// The heat-overlay checkbox at the 3D viewport's bottom left.
pub(crate) fn heat_toggle(ctx: &egui::Context, data: &mut RiskPanelData, viewport: egui::Rect) {
    egui::Area::new(egui::Id::new("risk_heat_toggle"))
        .pivot(egui::Align2::LEFT_BOTTOM)
        .fixed_pos(viewport.left_bottom() + egui::vec2(8.0, -6.0))
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                .inner_margin(egui::Margin::symmetric(6, 2))
                .show(ui, |ui| {
                    ui.checkbox(&mut data.overlay.shown, "risk heat (H)")
                        .on_hover_text(
                            "Paint assets by risk: P(reaching an alarm limit within the \
                             forecast horizon) × consequence",
                        );
                });
        });
}

/// The inspector's risk lines for the selected asset: its predicted alarm and its score.
pub(crate) fn inspector_section(
    ui: &mut egui::Ui,
    data: &RiskPanelData,
    entity: Entity,
    tag: &str,
) {
    if let Some(alarm) = data
        .predicted
        .get(entity)
        .ok()
        .and_then(|f| f.alarm.as_ref())
    {
        let when = alarm.expected_s.map_or_else(
            || "not on the expected path".to_owned(),
            |s| format!("in ~{}", format_secs(s)),
        );
        ui.label(
            egui::RichText::new(format!(
                "▲ predicted {}: {} {} {} {when}, P {:.0}%",
                if alarm.at_cursor {
                    "at the cursor"
                } else {
                    "alarm"
                },
                alarm.signal,
                alarm.kind,
                alarm.limit,
                alarm.probability * 100.0
            ))
            .color(forecast_color(255)),
        );
    }
    if let Some(score) = data.risk.score(tag) {
        ui.label(egui::RichText::new(format!("risk {}", score.explain())).small());
    }
}
