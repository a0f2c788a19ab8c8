//! The MQTT connection panel: broker, state, rates, and per topic its counts, errors and last
//! message, plus the topics nothing is bound to (what a user needs to write `[[topics]]`).

use super::{MqttRates, MqttStatusView, SourceInfo};
use crate::widgets::{count, format_bytes};
use bevy::prelude::*;
use bevy_egui::egui;
use std::time::Instant;
use twinscope_sources::mqtt::{ConnectionState, MqttStatus, lock};

/// What the connection panel reads.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct ConnectionPanelData<'w> {
    mqtt: Option<Res<'w, MqttStatusView>>,
    mqtt_rates: Res<'w, MqttRates>,
    source: Option<Res<'w, SourceInfo>>,
}

/// Draws the panel body; the caller decides where (a bottom panel above the status bar).
pub(crate) fn draw(ui: &mut egui::Ui, data: &ConnectionPanelData) {
    let Some(mqtt) = &data.mqtt else {
        ui.label(egui::RichText::new("Not connected over MQTT (--no-broker).").weak());
        return;
    };
    let status = lock(&mqtt.0).clone();
    summary(ui, data, &status);
    ui.separator();
    ui.columns(2, |columns| {
        topics_table(&mut columns[0], &status);
        unbound_topics(&mut columns[1], &status);
    });
}

/// Broker, state and rates on one line.
fn summary(ui: &mut egui::Ui, data: &ConnectionPanelData, status: &MqttStatus) {
    ui.horizontal_wrapped(|ui| {
        let broker = data
            .source
            .as_ref()
            .map_or("", |source| source.description.as_str());
        ui.label(egui::RichText::new(broker).strong());
        ui.separator();
        let (text, color) = state_text(&status.state);
        ui.label(egui::RichText::new(text).color(color));
        ui.separator();
        ui.label(format!(
            "{:.0} msg/s · {}/s",
            data.mqtt_rates.messages_per_s,
            format_bytes(data.mqtt_rates.bytes_per_s)
        ));
        ui.separator();
        let connections = count(status.connections as usize, "connection", "connections");
        ui.label(format!(
            "{} messages · {connections}",
            status.messages_total
        ));
        if status.samples_over_signal_limit > 0 {
            ui.separator();
            ui.label(
                egui::RichText::new(format!(
                    "{} samples of new signals dropped: at most {} signals are taken \
                     ([mqtt] max_signals); last refused: {}",
                    status.samples_over_signal_limit,
                    status.max_signals,
                    status.last_signal_over_limit.as_deref().unwrap_or("-")
                ))
                .color(egui::Color32::LIGHT_RED),
            );
        }
        if status.untracked_topic_messages > 0 {
            ui.separator();
            ui.label(
                egui::RichText::new(format!(
                    "{} messages on topics past the first {} (counted, not listed)",
                    status.untracked_topic_messages, status.max_signals
                ))
                .color(egui::Color32::YELLOW),
            );
        }
        if status.backpressure_waits > 0 {
            ui.separator();
            ui.label(
                egui::RichText::new(format!(
                    "ingest full {} times (the client waited; nothing dropped)",
                    status.backpressure_waits
                ))
                .color(egui::Color32::YELLOW),
            );
        }
    });
}

/// The connection state in words, with its colour: shared with the status bar.
pub(crate) fn state_text(state: &ConnectionState) -> (String, egui::Color32) {
    match state {
        ConnectionState::Connecting => ("connecting…".to_owned(), egui::Color32::YELLOW),
        ConnectionState::Connected => ("connected".to_owned(), egui::Color32::LIGHT_GREEN),
        ConnectionState::Reconnecting { retry_at, error } => {
            let secs = retry_at
                .saturating_duration_since(Instant::now())
                .as_secs_f32();
            (
                format!("reconnecting in {secs:.0} s: {error}"),
                egui::Color32::LIGHT_RED,
            )
        }
    }
}

/// One row per topic a mapping matched.
fn topics_table(ui: &mut egui::Ui, status: &MqttStatus) {
    ui.label(egui::RichText::new(count(status.topics.len(), "topic", "topics")).strong());
    egui::ScrollArea::vertical()
        .id_salt("mqtt-topics")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("mqtt-topics-grid")
                .striped(true)
                .num_columns(5)
                .show(ui, |ui| {
                    for header in ["topic", "msgs", "errors", "last", "last payload / error"] {
                        ui.label(egui::RichText::new(header).strong());
                    }
                    ui.end_row();
                    let now = Instant::now();
                    // Problems first: a failing topic should not hide below the fold.
                    let mut topics: Vec<_> = status.topics.iter().collect();
                    topics.sort_by_key(|(topic, stats)| (stats.errors == 0, *topic));
                    for (topic, stats) in topics {
                        ui.label(egui::RichText::new(topic).monospace());
                        ui.label(stats.messages.to_string());
                        let errors = egui::RichText::new(stats.errors.to_string());
                        ui.label(if stats.errors > 0 {
                            errors.color(egui::Color32::YELLOW)
                        } else {
                            errors
                        });
                        ui.label(stats.last_received.map_or(String::new(), |at| {
                            crate::widgets::format_age(now.duration_since(at).as_secs_f64())
                        }));
                        match &stats.last_error {
                            Some(error) => {
                                ui.label(egui::RichText::new(error).color(egui::Color32::YELLOW))
                            }
                            None => ui.label(egui::RichText::new(&stats.last_payload).monospace()),
                        }
                        .on_hover_text(format!("last payload: {}", stats.last_payload));
                        ui.end_row();
                    }
                });
        });
}

/// Topics under the subscribed root that no `[[topics]]` entry maps.
fn unbound_topics(ui: &mut egui::Ui, status: &MqttStatus) {
    let heading = count(status.unmatched.len(), "unbound topic", "unbound topics");
    ui.label(egui::RichText::new(heading).strong());
    if status.unmatched.is_empty() {
        ui.label(egui::RichText::new("Every topic received maps to a signal.").weak());
        return;
    }
    ui.label(egui::RichText::new("Add a [[topics]] entry to the scene to bind these.").weak());
    egui::ScrollArea::vertical()
        .id_salt("mqtt-unbound")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (topic, count) in &status.unmatched {
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(topic).monospace());
                    ui.label(egui::RichText::new(format!("{count} msgs")).weak());
                });
            }
        });
}
