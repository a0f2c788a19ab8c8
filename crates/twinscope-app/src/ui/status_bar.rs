//! Bottom status bar: scene, source, ingest rate, frame time and problems worth a glance.

use super::PanelData;
use crate::sources::MqttStatusView;
use crate::widgets::count;
use bevy_egui::egui;

pub(super) fn draw(ui: &mut egui::Ui, data: &mut PanelData) {
    ui.horizontal_centered(|ui| {
        ui.label(egui::RichText::new(&data.active.scene.name).strong());
        ui.separator();
        let source = data
            .source
            .as_ref()
            .map_or("no source", |s| s.description.as_str());
        ui.label(format!("source: {source}"));
        if let Some(replay) = &data.replay {
            replay_progress(ui, &replay.0);
        }
        crate::recording::panel::record_toggle(ui, &mut data.record, &mut data.markers);
        if let Some(mqtt) = &data.mqtt {
            mqtt_status(ui, &mut data.state, mqtt);
        }
        if crate::alarms::panel::status_button(ui, &data.alarms) {
            data.state.alarms_open = true;
        }
        ui.separator();
        ui.label(format!("{:.0} samples/s", data.ingest.samples_per_sec));
        history_memory(ui, &data.store);
        if data.ingest.pending_batches > 0 {
            ui.label(
                egui::RichText::new(format!("{} batches waiting", data.ingest.pending_batches))
                    .color(egui::Color32::YELLOW),
            );
        }
        ui.separator();
        let fps = if data.frame.frame_ms > 0.0 {
            1000.0 / data.frame.frame_ms
        } else {
            0.0
        };
        ui.label(format!(
            "frame {:.1} ms ({fps:.0} fps)",
            data.frame.frame_ms
        ));
        let unknown = data.store.unknown_signals().len();
        if unknown > 0 {
            ui.separator();
            ui.label(
                egui::RichText::new(format!("{unknown} undeclared signals"))
                    .color(egui::Color32::YELLOW),
            )
            .on_hover_text(
                data.store
                    .unknown_signals()
                    .keys()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        if !data.plant.missing_nodes.is_empty() {
            ui.separator();
            ui.label(
                egui::RichText::new(format!(
                    "{} bound nodes missing",
                    data.plant.missing_nodes.len()
                ))
                .color(egui::Color32::LIGHT_RED),
            )
            .on_hover_text(data.plant.missing_nodes.join("\n"));
        }
        if let Some(error) = &data.plant.load_error {
            ui.separator();
            ui.label(egui::RichText::new(error).color(egui::Color32::LIGHT_RED));
        } else if !data.plant.ready {
            ui.separator();
            ui.spinner();
            ui.label("loading model…");
        }
    });
}

/// Connection state, topics with decode errors and unmatched topics (details on hover); a
/// click opens the connection panel.
fn mqtt_status(ui: &mut egui::Ui, state: &mut crate::ui::UiState, mqtt: &MqttStatusView) {
    let status = twinscope_sources::mqtt::lock(&mqtt.0).clone();
    let (text, color) = crate::sources::panel::state_text(&status.state);
    ui.label(egui::RichText::new(text).color(color));
    let errors = status
        .topics
        .values()
        .filter(|t| t.last_error.is_some())
        .count();
    if errors > 0 {
        ui.label(
            egui::RichText::new(count(
                errors,
                "topic with bad payloads",
                "topics with bad payloads",
            ))
            .color(egui::Color32::YELLOW),
        );
    }
    if !status.unmatched.is_empty() {
        ui.label(
            egui::RichText::new(count(
                status.unmatched.len(),
                "unbound topic",
                "unbound topics",
            ))
            .color(egui::Color32::YELLOW),
        );
    }
    if ui
        .selectable_label(state.connection_open, "connection panel")
        .on_hover_text("topics, rates, last messages and unbound topics")
        .clicked()
    {
        state.connection_open = !state.connection_open;
    }
}

/// Loading progress of a replayed recording, and what could not be read.
fn replay_progress(ui: &mut egui::Ui, progress: &twinscope_sources::replay::ReplayProgress) {
    use std::sync::atomic::Ordering;
    let loaded = progress.loaded.load(Ordering::Relaxed);
    if !progress.done.load(Ordering::Relaxed) {
        ui.spinner();
        let percent = if progress.total > 0 {
            format!(" {:.0} %", loaded as f64 * 100.0 / progress.total as f64)
        } else {
            String::new()
        };
        ui.label(format!("loading{percent} ({loaded} samples)"));
    }
    let problems = progress
        .problems
        .lock()
        .map(|p| p.clone())
        .unwrap_or_default();
    if !problems.is_empty() {
        ui.label(
            egui::RichText::new(count(problems.len(), "unreadable part", "unreadable parts"))
                .color(egui::Color32::YELLOW),
        )
        .on_hover_text(problems.join("\n"));
    }
}

/// History held, against its budget, with what eviction has dropped on hover.
fn history_memory(ui: &mut egui::Ui, store: &twinscope_core::store::SignalStore) {
    use crate::widgets::format_bytes;
    let used = store.memory_bytes();
    let budget = store.memory_budget();
    let text = format!("history {}", format_bytes(used as f64));
    let near_full = used as f64 > budget as f64 * 0.9;
    let label = if near_full {
        egui::RichText::new(text).color(egui::Color32::YELLOW)
    } else {
        egui::RichText::new(text)
    };
    ui.label(label).on_hover_text(format!(
        "{} samples, {:.1} bytes each, budget {}; {} oldest samples evicted so far",
        store.samples_held(),
        store.bytes_per_sample(),
        format_bytes(budget as f64),
        store.evicted()
    ));
}
