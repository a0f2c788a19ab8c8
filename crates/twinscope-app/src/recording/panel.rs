//! The record toggle in the status bar: starts a recording of everything ingested from now on,
//! shows its size and length while it runs, and finishes the file when clicked again.

use super::{Recording, default_recording_path};
use crate::pipeline::ActiveScene;
use crate::pipeline::{MarkerKind, Markers};
use crate::sources::SourceInfo;
use bevy::prelude::*;
use bevy_egui::egui::{self, Color32};
use twinscope_core::recording::RecordingMeta;
use twinscope_core::signal::Timestamp;

const RECORD_RED: Color32 = crate::widgets::rgb(twinscope_core::theme::RECORD_RGB);

/// What the record toggle reads and changes (markers come from the caller, who shares them).
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct RecordPanelData<'w> {
    recording: ResMut<'w, Recording>,
    active: Res<'w, ActiveScene>,
    source: Option<Res<'w, SourceInfo>>,
}

/// The ⏺ button (or the running recording's length and size, a click stops it).
pub(crate) fn record_toggle(ui: &mut egui::Ui, data: &mut RecordPanelData, markers: &mut Markers) {
    if let Some((path, started, stats)) = data.recording.status() {
        let secs = Timestamp::now().secs_since(started);
        let text = format!(
            "⏺ REC {:02}:{:02} · {}",
            (secs / 60.0) as u64,
            (secs % 60.0) as u64,
            crate::widgets::format_bytes(stats.bytes as f64)
        );
        let mut hover = format!(
            "recording to {}\n{} samples written — click to stop and finish the file",
            path.display(),
            stats.samples_written
        );
        if stats.dropped > 0 {
            hover += &format!(
                "\n{} samples dropped (the disk could not keep up)",
                stats.dropped
            );
        }
        if let Some(error) = &stats.last_error {
            hover += &format!("\nerror: {error}");
        }
        let button = egui::Button::new(egui::RichText::new(text).color(Color32::WHITE).strong())
            .fill(RECORD_RED);
        if ui.add(button).on_hover_text(hover).clicked()
            && let Some(result) = data.recording.stop()
        {
            let label = match result {
                Ok((path, stats)) => {
                    format!(
                        "recording stopped: {} samples in {}",
                        stats.samples,
                        path.display()
                    )
                }
                Err(error) => format!("recording failed: {error:#}"),
            };
            markers.add(Timestamp::now(), MarkerKind::Recording, label);
        }
        return;
    }
    let clicked = ui
        .button(egui::RichText::new("⏺ record").color(RECORD_RED))
        .on_hover_text("record everything that arrives from now on to an MCAP file")
        .clicked();
    if clicked {
        let path = default_recording_path();
        let source = data
            .source
            .as_ref()
            .map_or(String::new(), |s| s.description.clone());
        let meta = RecordingMeta::for_scene(&data.active.scene, source);
        match data.recording.start(&path, &meta) {
            Ok(()) => markers.add(
                Timestamp::now(),
                MarkerKind::Recording,
                format!("recording started: {}", path.display()),
            ),
            Err(error) => data.recording.last_outcome = Some(Err(format!("{error:#}"))),
        }
    }
    match &data.recording.last_outcome {
        Some(Ok(summary)) => {
            ui.label(egui::RichText::new(summary).weak());
        }
        Some(Err(error)) => {
            ui.label(egui::RichText::new(error).color(Color32::LIGHT_RED));
        }
        None => {}
    }
}
