//! The Scenarios tab of the left panel: the scene's scenarios with their description and the
//! inputs they would read at the cursor, "Run at cursor" with a progress bar, then the loaded
//! run's outcomes per zone, its events (click: cursor there), the trajectory hash, the
//! ghost / actual / both toggle and Clear.

use super::launch::{format_time, marker_kind};
use super::{LayerView, LoadedScenario, ScenarioCommand, ScenarioState};
use crate::timeline::Cursor;
use crate::widgets::VIOLET;
use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, RichText};
use twinscope_core::cursor::TimeBounds;
use twinscope_core::scenario::inputs::resolve_inputs;
use twinscope_core::scenario::{ResolvedInput, ScenarioSpec};
use twinscope_core::scene::Scene;
use twinscope_core::store::SignalStore;

/// Names of zones entered and nodes touched.
const TOUCHED: Color32 = crate::widgets::rgb(twinscope_core::theme::TOUCHED_RGB);
/// Row height of the event list.
const EVENT_ROW: f32 = 18.0;

/// What the panel reads and changes besides the shared panel data.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct ScenarioPanelData<'w> {
    state: Option<ResMut<'w, ScenarioState>>,
    commands: MessageWriter<'w, ScenarioCommand>,
}

/// The shared things the panel uses, borrowed from the UI's panel data.
pub(crate) struct PanelContext<'a> {
    /// The time cursor (runs start at it; events move it).
    pub(crate) cursor: &'a mut Cursor,
    /// The cursor's bounds this frame.
    pub(crate) bounds: TimeBounds,
    /// History, for the inputs' values at the cursor.
    pub(crate) store: &'a SignalStore,
    /// The scene and its scenarios.
    pub(crate) scene: &'a Scene,
}

/// Draws the tab.
pub(crate) fn draw(ui: &mut egui::Ui, data: &mut ScenarioPanelData, context: PanelContext) {
    let Some(state) = data.state.as_deref_mut() else {
        ui.label(RichText::new("Scenarios are not available in this app.").weak());
        return;
    };
    let scene = context.scene;
    if scene.scenarios.is_empty() {
        ui.label(RichText::new("This scene has no what-if scenarios.").weak());
        ui.label(
            RichText::new("Add [[scenarios]] to the scene file, or list *.scenario.toml files in [scene] scenario_files.")
                .small()
                .weak(),
        );
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("scenario-panel")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let selected = pick_scenario(ui, state, scene);
            if let Some(spec) = selected {
                ui.add_space(4.0);
                spec_section(ui, state, &mut data.commands, spec, &context);
            }
            if let Some(error) = &state.error {
                ui.add_space(4.0);
                ui.label(RichText::new(error).color(Color32::LIGHT_RED));
            }
            if let Some(running) = &state.running {
                ui.add_space(6.0);
                let (done, total) = running.progress;
                let text = if running.building_world {
                    "building colliders from the plant model…".to_owned()
                } else {
                    format!("`{}`: step {done} of {total}", running.name)
                };
                ui.add(
                    egui::ProgressBar::new(running.fraction())
                        .text(text)
                        .fill(VIOLET.gamma_multiply(0.7))
                        .animate(true),
                );
            }
            if state.loaded.is_some() {
                ui.add_space(6.0);
                ui.separator();
                loaded_section(ui, state, &mut data.commands, context);
            }
        });
}

/// The list of the scene's scenarios; returns the selected one.
fn pick_scenario<'s>(
    ui: &mut egui::Ui,
    state: &mut ScenarioState,
    scene: &'s Scene,
) -> Option<&'s ScenarioSpec> {
    if state.selected.is_none() {
        state.selected = scene.scenarios.first().map(|s| s.name.clone());
    }
    for spec in &scene.scenarios {
        let chosen = state.selected.as_deref() == Some(spec.name.as_str());
        let loaded = state.loaded.as_ref().is_some_and(|l| l.name == spec.name);
        let label = if loaded {
            RichText::new(format!("◆ {}", spec.name))
                .color(VIOLET)
                .strong()
        } else {
            RichText::new(&spec.name).strong()
        };
        if ui
            .selectable_label(chosen, label)
            .on_hover_text(&spec.description)
            .clicked()
        {
            state.selected = Some(spec.name.clone());
        }
    }
    let name = state.selected.as_deref()?;
    scene.scenarios.iter().find(|s| s.name == name)
}

/// Description, the inputs as they would be read at the cursor, and Run.
fn spec_section(
    ui: &mut egui::Ui,
    state: &ScenarioState,
    commands: &mut MessageWriter<ScenarioCommand>,
    spec: &ScenarioSpec,
    context: &PanelContext,
) {
    ui.label(RichText::new(&spec.description).small());
    ui.label(
        RichText::new(format!(
            "{:.0} s · {} bodies · {} zones · seed {}",
            spec.duration_s,
            spec.bodies.iter().map(|b| b.count).sum::<u32>(),
            spec.zones.len(),
            spec.seed
        ))
        .small()
        .weak(),
    );
    let t0 = context.cursor.time();
    let inputs = resolve_inputs(spec, context.store, t0);
    if !spec.inputs.is_empty() {
        ui.add_space(2.0);
        ui.label(
            RichText::new(format!("inputs at {}", format_time(t0)))
                .small()
                .strong(),
        );
        match &inputs {
            Ok(inputs) => inputs_grid(ui, "scenario-inputs-now", inputs),
            Err(error) => {
                ui.label(
                    RichText::new(error.to_string())
                        .small()
                        .color(Color32::LIGHT_RED),
                );
            }
        }
    }
    ui.add_space(4.0);
    let button = egui::Button::new(
        RichText::new(format!("▶ Run at cursor  {}", format_time(t0)))
            .strong()
            .color(Color32::WHITE),
    )
    .fill(VIOLET.gamma_multiply(0.55));
    let enabled = !state.is_running() && inputs.is_ok();
    if ui
        .add_enabled(enabled, button)
        .on_hover_text(
            "simulate from the plant as it was at the cursor; the run plays back as a ghost layer",
        )
        .on_disabled_hover_text("a run is in progress, or an input has no value at the cursor")
        .clicked()
    {
        commands.write(ScenarioCommand::Launch {
            name: spec.name.clone(),
            at: t0,
        });
    }
}

/// One row per input: name, value used, where it came from.
fn inputs_grid(ui: &mut egui::Ui, id: &str, inputs: &[ResolvedInput]) {
    egui::Grid::new(id)
        .num_columns(3)
        .spacing([8.0, 1.0])
        .striped(true)
        .show(ui, |ui| {
            for input in inputs {
                ui.label(RichText::new(&input.name).monospace().small());
                ui.label(
                    RichText::new(format_value(input.value))
                        .monospace()
                        .small()
                        .strong(),
                );
                let source = match &input.read {
                    Some(read) => format!("{} @ {}", read.signal, format_time(read.time)),
                    None if input.defaulted => "default (no data)".to_owned(),
                    None => "fixed".to_owned(),
                };
                let color = if input.defaulted {
                    crate::widgets::rgb(twinscope_core::theme::DEFAULTED_RGB)
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.label(RichText::new(source).small().color(color));
                ui.end_row();
            }
        });
}

/// The loaded run: where the cursor is in it, the view toggle, outcomes, events, hash.
fn loaded_section(
    ui: &mut egui::Ui,
    state: &mut ScenarioState,
    commands: &mut MessageWriter<ScenarioCommand>,
    context: PanelContext,
) {
    let Some(loaded) = state.loaded.as_ref() else {
        return;
    };
    ui.label(
        RichText::new(format!("what-if: {}", loaded.name))
            .color(VIOLET)
            .strong(),
    );
    ui.label(
        RichText::new(format!(
            "T0 {} · {:.0} s · run in {:.1} s",
            format_time(loaded.t0),
            loaded.duration_s(),
            loaded.run_s
        ))
        .small()
        .weak(),
    );
    let position = match loaded.shown_s {
        Some(t) => format!("cursor at T0 {t:+.2} s"),
        None if context.cursor.time() < loaded.t0 => "cursor before T0: ghosts hidden".to_owned(),
        None => "cursor after the run: ghosts hidden".to_owned(),
    };
    ui.label(RichText::new(position).small());
    let (t0, end) = (loaded.t0, loaded.end());
    let extended = TimeBounds {
        start: context.bounds.start,
        live_edge: context.bounds.live_edge.max(end),
    };
    ui.horizontal(|ui| {
        if ui
            .button("⏮ T0")
            .on_hover_text("cursor to the scenario's start")
            .clicked()
        {
            let now = context.cursor.time();
            context.cursor.step(t0.0 - now.0, extended);
        }
        if ui
            .button("▶ play")
            .on_hover_text("play from T0 at 1×")
            .clicked()
        {
            context.cursor.seek(t0, extended);
            context.cursor.set_reverse(false);
            context.cursor.set_speed(1.0);
            context.cursor.play(extended);
        }
        if ui
            .button("⏭ end")
            .on_hover_text("cursor to the scenario's end")
            .clicked()
        {
            let now = context.cursor.time();
            context.cursor.step(end.0 - now.0, extended);
        }
        if ui
            .button(RichText::new("✖ Clear").color(Color32::LIGHT_RED))
            .on_hover_text("remove the what-if layer, its markers and highlights")
            .clicked()
        {
            commands.write(ScenarioCommand::Clear);
        }
    });
    ui.horizontal(|ui| {
        ui.label(RichText::new("show").small());
        for choice in LayerView::ALL {
            ui.selectable_value(&mut state.view, choice, choice.label());
        }
    });
    let Some(loaded) = state.loaded.as_ref() else {
        return;
    };
    outcomes(ui, loaded);
    events(ui, loaded, context.cursor, extended);
    if !loaded.inputs.is_empty() {
        egui::CollapsingHeader::new(RichText::new("inputs used").small().strong())
            .id_salt("scenario-inputs-used")
            .show(ui, |ui| {
                inputs_grid(ui, "scenario-inputs-used-grid", &loaded.inputs)
            });
    }
    ui.add_space(4.0);
    let hash = &loaded.result.trajectory_hash;
    ui.horizontal(|ui| {
        ui.label(RichText::new("trajectory").small().weak());
        ui.label(
            RichText::new(hash.get(..16).unwrap_or(hash))
                .monospace()
                .small(),
        )
        .on_hover_text(format!(
            "{hash}\nseed {} · {} steps of {:.4} s · {} snapshots ({} KiB)",
            loaded.result.seed,
            loaded.result.steps,
            loaded.result.dt_s,
            loaded.result.snapshot_count,
            loaded.result.snapshot_bytes / 1024
        ));
    });
    ui.label(
        RichText::new(format!(
            "seek {:.1} ms (slowest {:.1} ms)",
            loaded.seek_ms.1, loaded.seek_ms.0
        ))
        .small()
        .weak(),
    );
}

/// Outcomes per zone and overall.
fn outcomes(ui: &mut egui::Ui, loaded: &LoadedScenario) {
    let outcomes = &loaded.result.outcomes;
    ui.add_space(4.0);
    ui.label(RichText::new("outcomes").strong());
    if !outcomes.zones.is_empty() {
        egui::Grid::new("scenario-zones")
            .num_columns(4)
            .spacing([8.0, 2.0])
            .striped(true)
            .show(ui, |ui| {
                for header in ["zone", "entries", "first", "peak impact"] {
                    ui.label(RichText::new(header).small().weak());
                }
                ui.end_row();
                for zone in &outcomes.zones {
                    let hit = zone.entries > 0;
                    let name = RichText::new(&zone.name).small().strong();
                    ui.label(if hit { name.color(TOUCHED) } else { name })
                        .on_hover_text(&zone.kind);
                    ui.label(
                        RichText::new(format!("{} ({} bodies)", zone.entries, zone.bodies_entered))
                            .small(),
                    );
                    ui.label(
                        RichText::new(
                            zone.first_entry_s
                                .map_or("—".to_owned(), |t| format!("{t:.1} s")),
                        )
                        .small(),
                    );
                    ui.label(
                        RichText::new(if zone.peak_impact_speed > 0.0 {
                            format!(
                                "{:.2} m/s, {:.0} J",
                                zone.peak_impact_speed, zone.peak_impact_energy_j
                            )
                        } else {
                            "—".to_owned()
                        })
                        .small(),
                    );
                    ui.end_row();
                }
            });
    }
    ui.label(
        RichText::new(format!(
            "{} bodies · {} off the line · peak impact {:.2} m/s, {:.0} J",
            outcomes.bodies_total,
            outcomes.bodies_off_line,
            outcomes.peak_impact_speed,
            outcomes.peak_impact_energy_j
        ))
        .small(),
    );
    if !outcomes.touched_nodes.is_empty() {
        let title = format!("touched nodes ({}, outlined)", outcomes.touched_nodes.len());
        egui::CollapsingHeader::new(RichText::new(title).small().color(TOUCHED))
            .id_salt("scenario-touched")
            .show(ui, |ui| {
                ui.label(
                    RichText::new(outcomes.touched_nodes.join(", "))
                        .small()
                        .color(TOUCHED),
                );
            });
    }
}

/// The events, clickable: the cursor goes to the event.
fn events(ui: &mut egui::Ui, loaded: &LoadedScenario, cursor: &mut Cursor, bounds: TimeBounds) {
    let events = &loaded.result.events;
    ui.add_space(4.0);
    ui.label(RichText::new(format!("events ({})", events.len())).strong());
    if events.is_empty() {
        ui.label(RichText::new("nothing happened").small().weak());
        return;
    }
    let current = loaded.shown_s;
    egui::ScrollArea::vertical()
        .id_salt("scenario-events")
        .max_height(180.0)
        .auto_shrink([false, true])
        .show_rows(ui, EVENT_ROW, events.len(), |ui, rows| {
            for event in &events[rows] {
                let [r, g, b] = marker_kind(&event.kind).color();
                let past = current.is_some_and(|t| t + 1e-9 >= event.t_s);
                let mut text =
                    RichText::new(format!("{:>6.2} s  {}", event.t_s, event.description))
                        .small()
                        .color(Color32::from_rgb(r, g, b));
                if !past {
                    text = text.weak();
                }
                let row = ui
                    .add(egui::Button::new(text).frame(false).truncate())
                    .on_hover_text(format!(
                        "{}\n{}{}",
                        event.description,
                        event
                            .body
                            .as_deref()
                            .map_or(String::new(), |b| format!("body {b} ")),
                        event
                            .node
                            .as_deref()
                            .map_or(String::new(), |n| format!("at {n}"))
                    ));
                if row.clicked() {
                    cursor.pause();
                    cursor.seek(loaded.time_at(event.t_s), bounds);
                }
            }
        });
}

/// A value with sensible precision.
fn format_value(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.3}")
    }
}
