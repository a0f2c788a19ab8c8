//! Forecasts in the panels: the PREDICTED banner over the viewport, the forecast line and
//! interval bands in inspector plots, the inspector's accuracy figures (MAE against
//! persistence, skill, interval coverage against nominal, drift), and the signal's anomaly
//! windows shaded in its plot.

use crate::forecast::Forecasts;
use crate::plant::BoundSignal;
use crate::widgets::forecast_color;
use bevy::prelude::*;
use bevy_egui::egui;
use egui_plot::{FilledArea, Line, LineStyle, PlotUi, Polygon};
use twinscope_core::forecast::LEVELS;
use twinscope_core::risk::format_secs;
use twinscope_core::signal::Timestamp;

/// Points along a plotted forecast path.
const PATH_POINTS: usize = 32;

/// The PREDICTED banner at the top of the 3D viewport while the cursor is past now.
pub(crate) fn predicted_banner(ctx: &egui::Context, forecasts: &Forecasts, viewport: egui::Rect) {
    let view = forecasts.view;
    if !view.active {
        return;
    }
    egui::Area::new(egui::Id::new("predicted_banner"))
        .fixed_pos(egui::pos2(
            viewport.center().x - 190.0,
            viewport.min.y + 8.0,
        ))
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(crate::widgets::premultiplied(
                    twinscope_core::theme::BANNER_FILL_RGBA,
                ))
                .stroke(egui::Stroke::new(2.0, forecast_color(255)))
                .corner_radius(4.0)
                .inner_margin(egui::Margin::symmetric(14, 6))
                .show(ui, |ui| {
                    ui.set_width(352.0);
                    ui.vertical_centered(|ui| {
                        ui.label(
                            egui::RichText::new("PREDICTED")
                                .size(20.0)
                                .strong()
                                .color(forecast_color(255)),
                        );
                        ui.label(
                            egui::RichText::new(format!(
                                "{} ahead of now: forecast values, not measurements",
                                format_secs(view.ahead_s)
                            ))
                            .italics()
                            .color(egui::Color32::from_gray(twinscope_core::theme::GREY_LIGHT)),
                        );
                    });
                });
        });
}

/// Adds a signal's forecast to its inspector plot: 95 % and 80 % bands and the expected path
/// (dashed) from its newest sample to the horizon.
pub(crate) fn plot_forecast(plot: &mut PlotUi, forecasts: &Forecasts, signal: &BoundSignal) {
    let Some(tracker) = signal.index.and_then(|i| forecasts.tracker(i)) else {
        return;
    };
    let forecaster = &tracker.forecaster;
    let Some((last, _)) = forecaster.last() else {
        return;
    };
    let until = Timestamp(last.0 + (forecaster.horizon_s() * 1e9) as i64);
    let path = forecaster.path(until, PATH_POINTS);
    if path.len() < 2 {
        return;
    }
    let xs: Vec<f64> = path.iter().map(|p| p.time.as_secs_f64()).collect();
    for (level, alpha) in [(LEVELS[1], 40), (LEVELS[0], 70)] {
        let (lo, hi): (Vec<f64>, Vec<f64>) = path
            .iter()
            .map(|p| p.band(level).map_or((p.mean, p.mean), |b| (b.lo, b.hi)))
            .unzip();
        plot.add(
            FilledArea::new(format!("{:.0} % interval", level * 100.0), &xs, &lo, &hi)
                .fill_color(forecast_color(alpha)),
        );
    }
    let mean: Vec<[f64; 2]> = path
        .iter()
        .map(|p| [p.time.as_secs_f64(), p.mean])
        .collect();
    plot.line(
        Line::new("forecast", mean)
            .color(forecast_color(255))
            .style(LineStyle::Dashed { length: 6.0 })
            .width(1.5),
    );
}

/// Shades the anomaly windows of a plotted signal that overlap `window` (grey, like the rest of
/// sensor health), from their onset to their last sample, over `y` (the plotted values' span),
/// so the inspector shows what the detector saw and when.
pub(crate) fn plot_anomalies(
    plot: &mut PlotUi,
    forecasts: &Forecasts,
    signal: &BoundSignal,
    window: (Timestamp, Timestamp),
    y: (f64, f64),
) {
    let Some(detector) = signal.index.and_then(|i| forecasts.detector(i)) else {
        return;
    };
    let [r, g, b, _] = crate::widgets::HEALTH_COLOR.to_array();
    let fill = egui::Color32::from_rgba_unmultiplied(r, g, b, 50);
    let pad = ((y.1 - y.0) * 0.05).max(1e-6);
    let (lo, hi) = (y.0 - pad, y.1 + pad);
    for w in detector.closed().iter().chain(detector.open()) {
        // A one-sample window (a spike) still gets a visible sliver.
        let end = w.end.0.max(w.start.0 + 500_000_000);
        if end < window.0.0 || w.start > window.1 {
            continue;
        }
        // Clipped to the plot's window, so a long window does not stretch the plot.
        let x0 = w.start.max(window.0).as_secs_f64();
        let x1 = Timestamp(end.min(window.1.0)).as_secs_f64();
        plot.add(
            Polygon::new(
                format!("anomaly: {}", w.kind.name()),
                vec![[x0, lo], [x1, lo], [x1, hi], [x0, hi]],
            )
            .fill_color(fill)
            .stroke(egui::Stroke::new(
                1.0,
                egui::Color32::from_rgba_unmultiplied(r, g, b, 120),
            )),
        );
    }
}

/// Per forecast signal of the selected asset, the accuracy of its past forecasts.
pub(crate) fn accuracy_table(ui: &mut egui::Ui, forecasts: &Forecasts, signals: &[BoundSignal]) {
    egui::Grid::new("forecast-accuracy")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            for header in ["signal", "MAE / persist.", "skill", "cover 80/95 %", "n"] {
                ui.label(egui::RichText::new(header).small().strong());
            }
            ui.end_row();
            for signal in signals {
                let Some(tracker) = signal.index.and_then(|i| forecasts.tracker(i)) else {
                    continue;
                };
                let accuracy = tracker.validator.accuracy();
                let id = signal.id.as_str();
                let short = id.split_once('.').map_or(id, |(_, s)| s);
                ui.label(egui::RichText::new(short).monospace().small())
                    .on_hover_text(id);
                if accuracy.scored == 0 {
                    ui.label(egui::RichText::new("learning…").weak().small());
                    ui.label("");
                    ui.label("");
                    ui.label(egui::RichText::new(accuracy.pending.to_string()).small())
                        .on_hover_text("forecasts waiting for their time");
                    ui.end_row();
                    continue;
                }
                ui.label(
                    egui::RichText::new(format!(
                        "{:.2} / {:.2}",
                        accuracy.mae, accuracy.persistence_mae
                    ))
                    .small(),
                );
                let skill = egui::RichText::new(format!("{:+.2}", accuracy.skill)).small();
                ui.label(if accuracy.skill > 0.0 {
                    skill.color(crate::widgets::rgb(twinscope_core::theme::GOOD_RGB))
                } else {
                    skill.color(crate::widgets::rgb(twinscope_core::theme::WORSE_RGB))
                })
                .on_hover_text("1 − MAE / persistence MAE: above 0 beats persistence");
                ui.label(
                    egui::RichText::new(format!(
                        "{:.0}/{:.0}",
                        accuracy.coverage[0] * 100.0,
                        accuracy.coverage[1] * 100.0
                    ))
                    .small(),
                )
                .on_hover_text(format!(
                    "share of actual values inside the intervals; nominal {:.0}/{:.0} %",
                    LEVELS[0] * 100.0,
                    LEVELS[1] * 100.0
                ));
                let n = egui::RichText::new(format!(
                    "{}{}",
                    accuracy.scored,
                    if accuracy.drift { " ⚠drift" } else { "" }
                ))
                .small();
                ui.label(if accuracy.drift {
                    n.color(crate::widgets::rgb(twinscope_core::theme::ATTENTION_RGB))
                } else {
                    n
                })
                .on_hover_text(if accuracy.drift {
                    "drift: recent errors run well above this signal's own baseline"
                } else {
                    "forecasts scored as they came due"
                });
                ui.end_row();
            }
        });
}
