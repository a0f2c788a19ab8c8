//! The risk panel (left, "Risk" tab): assets ranked by risk, each row explaining itself —
//! which signal, which limit, expected time, probability, consequence. Clicking a row selects
//! the asset and flies the camera to it, like the alarm list.

use super::PanelData;
use super::forecast::forecast_color;
use crate::core::risk::{RiskScore, format_secs};
use crate::view::camera::CameraCommand;
use bevy_egui::egui;

/// Rows laid out per frame at most (the list scrolls; ten thousand assets stay cheap).
const ROW_HEIGHT: f32 = 40.0;

pub(super) fn draw(ui: &mut egui::Ui, data: &mut PanelData) {
    let horizon = data.forecast.forecasts.max_horizon_s();
    ui.label(
        egui::RichText::new(format!(
            "P(alarm limit within {}) × consequence",
            format_secs(horizon)
        ))
        .small()
        .weak(),
    );
    ui.checkbox(&mut data.forecast.overlay.shown, "heat overlay in 3D (H)");
    ui.separator();
    let count = data.forecast.risk.ranked().len();
    if count == 0 {
        ui.label(egui::RichText::new("No asset has a limit alarm or a [[risk]] weight.").weak());
        return;
    }
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt("risk-list")
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, count, |ui, rows| {
            for rank in rows {
                let score = &data.forecast.risk.ranked()[rank];
                if row(ui, rank, score).clicked() {
                    clicked = Some(score.asset.clone());
                }
            }
        });
    if let Some(tag) = clicked
        && let Some((entity, ..)) = data.assets.iter().find(|(_, a, _, _)| a.tag == tag)
    {
        data.selection.asset = Some(entity);
        data.camera_commands.write(CameraCommand::FrameSelected);
    }
}

/// One ranked asset: the score bar and its explanation.
fn row(ui: &mut egui::Ui, rank: usize, score: &RiskScore) -> egui::Response {
    let heat = crate::view::risk_heat::heat_color(crate::view::risk_heat::heat_level(Some(
        score.probability,
    )));
    let response = ui
        .horizontal(|ui| {
            ui.set_min_height(ROW_HEIGHT - 4.0);
            let (bar, _) = ui.allocate_exact_size(egui::vec2(6.0, 30.0), egui::Sense::hover());
            ui.painter().rect_filled(bar, 2.0, super::egui_color(heat));
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
                ui.label(egui::RichText::new(driver_text(score)).small().color(
                    if score.probability >= crate::forecast::risk::PREDICTED_ALARM_P {
                        forecast_color(255)
                    } else {
                        egui::Color32::from_gray(170)
                    },
                ));
            });
        })
        .response;
    response
        .interact(egui::Sense::click())
        .on_hover_text(score.explain())
}

/// What drives the score, in a few words: `temperature H 95 in ~42 s (P 90%)`.
fn driver_text(score: &RiskScore) -> String {
    let Some(d) = &score.driver else {
        return "no forecast yet".to_owned();
    };
    let signal = d.signal.as_str();
    let short = signal.split_once('.').map_or(signal, |(_, s)| s);
    if d.crossing.already {
        return format!("{short} {} {} already reached", d.kind, d.limit);
    }
    match d.crossing.expected_s {
        Some(s) => format!(
            "{short} {} {} in ~{} (P {:.0}%)",
            d.kind,
            d.limit,
            format_secs(s),
            d.crossing.probability * 100.0
        ),
        None => format!(
            "{short} {} {} not expected (P {:.0}%)",
            d.kind,
            d.limit,
            d.crossing.probability * 100.0
        ),
    }
}
