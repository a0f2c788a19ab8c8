//! Inspector: the selected asset's description, bound signals with value, unit and age at
//! the cursor, its sensor-health issues, and a plot of each signal around the cursor.

use super::PanelData;
use crate::camera::CameraCommand;
use crate::widgets::{HEALTH_COLOR, egui_color, format_age};
use bevy_egui::egui;
use twinscope_core::freshness::{Freshness, StaleCause};
use twinscope_core::health::{HealthIssue, HealthIssueKind};

pub(super) fn draw(ui: &mut egui::Ui, data: &mut PanelData) {
    ui.heading("Inspector");
    ui.horizontal(|ui| {
        if ui.button("Frame selected (F)").clicked() {
            data.camera_commands.write(CameraCommand::FrameSelected);
        }
        if ui.button("Reset view (R)").clicked() {
            data.camera_commands.write(CameraCommand::ResetView);
        }
    });
    ui.separator();
    let Some((entity, asset, binding, status)) =
        data.selection.asset.and_then(|e| data.assets.get(e).ok())
    else {
        ui.label(egui::RichText::new("Click an asset in the view or the list.").weak());
        return;
    };
    ui.label(egui::RichText::new(&asset.tag).heading().monospace());
    if let Some(kind) = &asset.kind {
        ui.label(egui::RichText::new(kind).italics());
    }
    if let Some(description) = &asset.description {
        ui.label(description);
    }
    ui.add_space(6.0);
    let Some(binding) = binding else {
        ui.label(egui::RichText::new("No signals bound to this asset.").weak());
        return;
    };
    if let Some(status) = status
        && let Some(color) = status.color
    {
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 3.0, egui_color(color));
            let rule_signal = binding.rule.as_ref().and_then(|(index, rule)| {
                let signal = binding.signals.iter().find(|s| s.index == Some(*index));
                let (id, unit, precision) = signal.map_or(("", "", 2), |s| {
                    (s.id.as_str(), s.unit.as_str(), s.precision)
                });
                Some((id, rule.describe(status.value?, precision, unit)))
            });
            ui.label(match rule_signal {
                Some((id, range)) => format!("{id} {range}"),
                None => "no data yet".to_owned(),
            });
        });
        if let Some(stale) = stale_text(&status.freshness) {
            ui.label(egui::RichText::new(stale).color(egui::Color32::YELLOW));
        }
    }
    egui::Grid::new("signals")
        .striped(true)
        .num_columns(3)
        .show(ui, |ui| {
            ui.label(egui::RichText::new("signal").strong());
            ui.label(egui::RichText::new("value").strong());
            ui.label(egui::RichText::new("updated").strong());
            ui.end_row();
            for signal in &binding.signals {
                ui.label(egui::RichText::new(signal.id.as_str()).monospace());
                let value = signal
                    .index
                    .and_then(|i| data.store.value_at(i, data.view_time.lookup()));
                // Past now: the forecast, marked as such, like the badges show it.
                let predicted = signal.index.and_then(|i| {
                    let forecasts = &data.forecasts;
                    forecasts.predicted_value(i, data.view_time.time)
                });
                match (value, predicted) {
                    (_, Some(p)) => {
                        let [r, g, b] = twinscope_core::theme::FORECAST_RGB;
                        let text =
                            crate::forecast::format_predicted(p, signal.precision, &signal.unit);
                        ui.label(egui::RichText::new(text).color(egui::Color32::from_rgb(r, g, b)));
                        ui.label(egui::RichText::new("forecast").weak());
                    }
                    (Some(v), None) => {
                        ui.label(twinscope_core::rules::format_value(
                            v.value,
                            signal.precision,
                            &signal.unit,
                        ));
                        ui.label(format_age(data.view_time.time.secs_since(v.time)));
                    }
                    (None, None) if signal.index.is_none() => {
                        ui.label(
                            egui::RichText::new("not declared").color(egui::Color32::LIGHT_RED),
                        );
                        ui.label("");
                    }
                    (None, None) => {
                        ui.label(egui::RichText::new("no data").weak());
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
    if let Some(health) = data.selection.asset.and_then(|e| data.health.get(e).ok()) {
        ui.add_space(6.0);
        health_section(ui, &health.issues, data.view_time.time);
    }
    let signals = binding.signals.clone();
    ui.add_space(6.0);
    ui.label(egui::RichText::new("Forecast").strong());
    crate::risk::panel::inspector_section(ui, &data.risk, entity, &asset.tag);
    crate::forecast::panel::accuracy_table(ui, &data.forecasts, &signals);
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("inspector-plots")
        .show(ui, |ui| super::plot::signal_plots(ui, data, &signals));
}

/// A glyph egui's default fonts have for each kind of sensor problem: `?` when the value is
/// unknown (stale, disconnected), `⏸` when it is frozen, `⚠` when it is implausible, `~` when
/// it behaves unusually (an anomaly).
pub(crate) fn health_glyph(kind: HealthIssueKind) -> &'static str {
    match kind {
        HealthIssueKind::Anomaly => "~",
        HealthIssueKind::Stale | HealthIssueKind::Disconnected => "?",
        HealthIssueKind::Flatline => "⏸",
        HealthIssueKind::OutOfRange | HealthIssueKind::Spike => "⚠",
    }
}

/// One line per issue, for hover text.
pub(crate) fn health_hover(issues: &[HealthIssue]) -> String {
    let lines: Vec<String> = issues
        .iter()
        .map(|i| format!("{}: {} — {}", i.signal, i.kind.name(), i.detail))
        .collect();
    format!("sensor health (not a process alarm)\n{}", lines.join("\n"))
}

/// The asset's sensor-health issues in a grey, hatched box of their own, apart from alarms.
fn health_section(
    ui: &mut egui::Ui,
    issues: &[HealthIssue],
    view_time: twinscope_core::signal::Timestamp,
) {
    ui.label(egui::RichText::new("Sensor health").strong());
    if issues.is_empty() {
        ui.label(egui::RichText::new("all transmitters look healthy").weak());
        return;
    }
    let background = ui.painter().add(egui::Shape::Noop);
    let frame = egui::Frame::group(ui.style())
        .fill(egui::Color32::TRANSPARENT)
        .stroke(egui::Stroke::new(1.0, HEALTH_COLOR))
        .show(ui, |ui| {
            egui::Grid::new("health-issues")
                .num_columns(4)
                .spacing([10.0, 4.0])
                .show(ui, |ui| {
                    for issue in issues {
                        ui.label(egui::RichText::new(issue.signal.as_str()).monospace());
                        ui.label(
                            egui::RichText::new(format!(
                                "{} {}",
                                health_glyph(issue.kind),
                                issue.kind.name()
                            ))
                            .color(HEALTH_COLOR),
                        );
                        ui.label(match issue.since {
                            Some(since) => {
                                format!("since {}", format_age(view_time.secs_since(since)))
                            }
                            None => String::new(),
                        });
                        ui.label(egui::RichText::new(&issue.detail).weak().small());
                        ui.end_row();
                    }
                });
        });
    ui.painter().set(background, hatch(frame.response.rect));
}

/// Faint diagonal lines filling `rect`: the hatching that marks data as untrustworthy.
fn hatch(rect: egui::Rect) -> egui::Shape {
    let stroke = egui::Stroke::new(
        1.0,
        egui::Color32::from_gray(twinscope_core::theme::GREY_STROKE),
    );
    let mut lines = vec![egui::Shape::rect_filled(
        rect,
        4.0,
        egui::Color32::from_gray(twinscope_core::theme::GREY_CELL),
    )];
    let step = 9.0;
    // Lines y = x - c, clipped to the rectangle.
    let mut c = rect.left() - rect.bottom();
    while c < rect.right() - rect.top() {
        let x0 = rect.left().max(rect.top() + c);
        let x1 = rect.right().min(rect.bottom() + c);
        if x1 > x0 {
            lines.push(egui::Shape::line_segment(
                [egui::pos2(x0, x0 - c), egui::pos2(x1, x1 - c)],
                stroke,
            ));
        }
        c += step;
    }
    egui::Shape::Vec(lines)
}

/// Why an asset's colour is faded, in words; `None` while its value is current.
pub(crate) fn stale_text(freshness: &Freshness) -> Option<String> {
    match freshness {
        Freshness::Stale { age_s, cause } => Some(format!(
            "stale: last value {} — {}",
            format_age(*age_s),
            match cause {
                StaleCause::ConnectionLost => "the connection is down",
                StaleCause::Silent => "the signal stopped arriving",
            }
        )),
        Freshness::NoData | Freshness::Fresh => None,
    }
}
