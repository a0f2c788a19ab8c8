//! Alarm list (a tab of the left panel) and the alarm count in the status bar.
//!
//! Lists alarms at the cursor time with priority, state, label, value and time since it became
//! active; filters by priority, state and area; sorts by priority, time or tag. Acknowledge and
//! shelve act at the view time, so they replay with the history. Clicking a row selects the
//! asset, frames the camera on it and moves the cursor to the alarm's activation.

use crate::alarms::Alarms;
use crate::ingest::Store;
use crate::pipeline::ViewTime;
use bevy::prelude::*;
use bevy_egui::egui;
use twinscope_core::alarms::{AlarmPriority, AlarmState, OperatorAction};
use twinscope_core::signal::Timestamp;

/// Shelve durations offered, label and nanoseconds.
const SHELVE_CHOICES: [(&str, i64); 4] = [
    ("10 min", 600_000_000_000),
    ("1 h", 3_600_000_000_000),
    ("8 h", 28_800_000_000_000),
    ("24 h", 86_400_000_000_000),
];

/// Width of the filter boxes: two fit the default 230 px panel.
const COMBO_WIDTH: f32 = 92.0;

/// Which states the list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum StateFilter {
    /// Everything but normal (active, returned unacknowledged, shelved, suppressed).
    #[default]
    NotNormal,
    /// Waiting for an acknowledge.
    Unacknowledged,
    /// One state only.
    Only(AlarmState),
    /// Every alarm, normal ones too.
    All,
}

impl StateFilter {
    fn label(self) -> String {
        match self {
            StateFilter::NotNormal => "not normal".into(),
            StateFilter::Unacknowledged => "needs ack".into(),
            StateFilter::Only(state) => state.name().into(),
            StateFilter::All => "all".into(),
        }
    }

    fn accepts(self, state: AlarmState) -> bool {
        match self {
            StateFilter::NotNormal => state != AlarmState::Normal,
            StateFilter::Unacknowledged => state.needs_ack(),
            StateFilter::Only(only) => state == only,
            StateFilter::All => true,
        }
    }
}

/// How the list is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum SortBy {
    /// Most urgent first, then unacknowledged first, then newest.
    #[default]
    Priority,
    /// Newest activation first.
    Time,
    /// By label.
    Tag,
}

/// The panel's settings between frames.
#[derive(Resource, Debug, Default)]
pub(crate) struct AlarmPanelState {
    /// Lowest priority listed.
    pub(crate) min_priority: Option<AlarmPriority>,
    /// States listed.
    pub(crate) states: StateFilter,
    /// Area listed (`None`: all).
    pub(crate) area: Option<String>,
    /// Sort order.
    pub(crate) sort: SortBy,
    /// Index into the shelve durations.
    pub(crate) shelve_choice: usize,
    /// Result of the last CSV export (path or error).
    pub(crate) export_note: Option<String>,
}

/// One row of the list at the view time.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AlarmRow {
    /// Alarm index in the engine.
    pub(crate) alarm: usize,
    /// Its state at the view time.
    pub(crate) state: AlarmState,
    /// Its priority.
    pub(crate) priority: AlarmPriority,
    /// When it became active (the current or, once returned, the last activation).
    pub(crate) since: Option<Timestamp>,
}

/// The rows the panel shows for `state` (filters and sort applied).
pub(crate) fn alarm_rows(
    alarms: &Alarms,
    view: &crate::pipeline::ViewTime,
    state: &AlarmPanelState,
) -> Vec<AlarmRow> {
    let engine = &alarms.engine;
    let mut rows: Vec<AlarmRow> = (0..engine.len())
        .filter_map(|alarm| {
            let spec = engine.spec(alarm);
            let status = engine.status_view(alarm, view.time, view.following_live);
            let keep = state.states.accepts(status.state)
                && state.min_priority.is_none_or(|p| spec.priority >= p)
                && state.area.as_ref().is_none_or(|a| *a == spec.area);
            keep.then_some(AlarmRow {
                alarm,
                state: status.state,
                priority: spec.priority,
                since: status
                    .active_since
                    .or_else(|| engine.last_activation(alarm, view.time)),
            })
        })
        .collect();
    match state.sort {
        SortBy::Priority => rows.sort_by(|a, b| {
            (b.priority, b.state.needs_ack(), b.since).cmp(&(
                a.priority,
                a.state.needs_ack(),
                a.since,
            ))
        }),
        SortBy::Time => rows.sort_by_key(|row| std::cmp::Reverse(row.since)),
        SortBy::Tag => {
            rows.sort_by(|a, b| engine.spec(a.alarm).label.cmp(&engine.spec(b.alarm).label))
        }
    }
    rows
}

/// Alarms counted for the status bar at the view time: (shown, waiting for an acknowledge).
pub(crate) fn alarm_counts(alarms: &Alarms, view: &crate::pipeline::ViewTime) -> (usize, usize) {
    (0..alarms.engine.len())
        .map(|a| {
            alarms
                .engine
                .status_view(a, view.time, view.following_live)
                .state
        })
        .fold((0, 0), |(shown, unacked), state| {
            (
                shown + usize::from(state.is_active() || state.needs_ack()),
                unacked + usize::from(state.needs_ack()),
            )
        })
}

/// What the alarm panels read and change.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct AlarmPanelData<'w> {
    state: ResMut<'w, AlarmPanelState>,
    alarms: Option<ResMut<'w, Alarms>>,
    time: Res<'w, Time<Real>>,
    view_time: Res<'w, ViewTime>,
    store: Res<'w, Store>,
}

/// Where a clicked alarm row leads: its asset (selected and framed) and its activation (the
/// cursor pauses there).
pub(crate) struct GoTo {
    /// The alarm's asset tag, if it has one.
    pub(crate) asset: Option<String>,
    /// When it last became active.
    pub(crate) since: Option<Timestamp>,
}

/// Whether flashing items are in their bright phase (about 1 Hz).
fn flash_on(data: &AlarmPanelData) -> bool {
    ((data.time.elapsed_secs_f64() * 2.0) as u64).is_multiple_of(2)
}

/// The status bar's alarm count; true when clicked (open the alarm list).
pub(crate) fn status_button(ui: &mut egui::Ui, data: &AlarmPanelData) -> bool {
    let Some(alarms) = data.alarms.as_deref() else {
        return false;
    };
    if alarms.engine.is_empty() {
        return false;
    }
    let (shown, unacked) = alarm_counts(alarms, &data.view_time);
    let text = format!("⚠ {shown} alarms, {unacked} unack");
    let color = if unacked > 0 && flash_on(data) {
        crate::widgets::rgb(twinscope_core::theme::PRIORITY_HIGH_RGB)
    } else if shown > 0 {
        crate::widgets::rgb(twinscope_core::theme::PRIORITY_MEDIUM_RGB)
    } else {
        egui::Color32::GRAY
    };
    ui.separator();
    ui.button(egui::RichText::new(text).color(color))
        .on_hover_text("open the alarm list")
        .clicked()
}

/// The alarm list; returns where a clicked row leads.
pub(crate) fn draw(ui: &mut egui::Ui, data: &mut AlarmPanelData) -> Option<GoTo> {
    let flash = flash_on(data);
    let Some(mut alarms) = data.alarms.take() else {
        ui.label("no alarms configured");
        return None;
    };
    filters(ui, &mut data.state, &alarms);
    let rows = alarm_rows(&alarms, &data.view_time, &data.state);
    let view = *data.view_time;
    ui.horizontal(|ui| {
        if ui.button("Ack all visible").clicked() {
            for row in rows.iter().filter(|r| r.state.needs_ack()) {
                alarms.act(row.alarm, &view, OperatorAction::Acknowledge);
            }
        }
        if ui
            .button("Export CSV")
            .on_hover_text("every alarm transition so far")
            .clicked()
        {
            data.state.export_note = Some(export(&alarms));
        }
    });
    if let Some(note) = &data.state.export_note {
        ui.label(egui::RichText::new(note).small().weak());
    }
    ui.separator();
    ui.label(egui::RichText::new(format!("{} alarms", rows.len())).weak());
    let mut go_to = None;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for row in &rows {
                if let Some(target) = alarm_row(ui, data, &mut alarms, row, flash) {
                    go_to = Some(target);
                }
            }
        });
    data.alarms = Some(alarms);
    go_to
}

fn filters(ui: &mut egui::Ui, state: &mut AlarmPanelState, alarms: &Alarms) {
    egui::Grid::new("alarm-filters")
        .num_columns(2)
        .show(ui, |ui| {
            egui::ComboBox::from_id_salt("alarm-priority")
                .selected_text(
                    state
                        .min_priority
                        .map_or("any priority".into(), |p| format!("≥ {}", p.name())),
                )
                .width(COMBO_WIDTH)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut state.min_priority, None, "any priority");
                    for p in AlarmPriority::ALL {
                        ui.selectable_value(
                            &mut state.min_priority,
                            Some(p),
                            format!("≥ {}", p.name()),
                        );
                    }
                });
            ui.end_row();
            egui::ComboBox::from_id_salt("alarm-state")
                .selected_text(state.states.label())
                .width(COMBO_WIDTH)
                .show_ui(ui, |ui| {
                    let mut choices = vec![StateFilter::NotNormal, StateFilter::Unacknowledged];
                    choices.extend(AlarmState::ALL.map(StateFilter::Only));
                    choices.push(StateFilter::All);
                    for choice in choices {
                        ui.selectable_value(&mut state.states, choice, choice.label());
                    }
                });
            let mut areas: Vec<&str> = alarms
                .engine
                .specs()
                .iter()
                .map(|s| s.area.as_str())
                .collect();
            areas.sort_unstable();
            areas.dedup();
            egui::ComboBox::from_id_salt("alarm-area")
                .selected_text(state.area.clone().unwrap_or_else(|| "any area".into()))
                .width(COMBO_WIDTH)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut state.area, None, "any area");
                    for area in areas {
                        ui.selectable_value(&mut state.area, Some(area.to_owned()), area);
                    }
                });
            ui.end_row();
            egui::ComboBox::from_id_salt("alarm-sort")
                .selected_text(match state.sort {
                    SortBy::Priority => "by priority",
                    SortBy::Time => "by time",
                    SortBy::Tag => "by tag",
                })
                .width(COMBO_WIDTH)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut state.sort, SortBy::Priority, "by priority");
                    ui.selectable_value(&mut state.sort, SortBy::Time, "by time");
                    ui.selectable_value(&mut state.sort, SortBy::Tag, "by tag");
                });
            egui::ComboBox::from_id_salt("alarm-shelve")
                .selected_text(format!(
                    "shelve {}",
                    SHELVE_CHOICES[state.shelve_choice.min(3)].0
                ))
                .width(COMBO_WIDTH)
                .show_ui(ui, |ui| {
                    for (i, (label, _)) in SHELVE_CHOICES.iter().enumerate() {
                        ui.selectable_value(&mut state.shelve_choice, i, format!("shelve {label}"));
                    }
                });
        });
}

/// One alarm with its buttons; returns where it leads when clicked.
fn alarm_row(
    ui: &mut egui::Ui,
    data: &AlarmPanelData,
    alarms: &mut Alarms,
    row: &AlarmRow,
    flash: bool,
) -> Option<GoTo> {
    let spec = alarms.engine.spec(row.alarm).clone();
    let [r, g, b] = row.priority.color();
    let color = egui::Color32::from_rgb(r, g, b);
    let view = *data.view_time;
    let value = alarms
        .engine
        .signal_index(row.alarm)
        .and_then(|i| data.store.value_at(i, view.lookup()))
        .map_or("—".to_owned(), |v| format!("{:.1}", v.value));
    let frame = egui::Frame::group(ui.style()).inner_margin(4.0);
    let response = frame
        .show(ui, |ui| {
            ui.set_min_width(ui.available_width());
            ui.horizontal(|ui| {
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                let fill = if row.state.needs_ack() && !flash {
                    egui::Color32::TRANSPARENT
                } else {
                    color
                };
                ui.painter().rect_filled(rect, 2.0, fill);
                ui.painter().rect_stroke(
                    rect,
                    2.0,
                    egui::Stroke::new(1.0, color),
                    egui::StrokeKind::Inside,
                );
                ui.label(egui::RichText::new(&spec.label).monospace().strong());
                ui.label(value);
            });
            ui.horizontal(|ui| {
                let since = row
                    .since
                    .map(|t| format!(" · {}", since_text(view.time.0 - t.0)))
                    .unwrap_or_default();
                ui.label(
                    egui::RichText::new(format!(
                        "{} · {}{since}",
                        row.priority.name(),
                        row.state.name()
                    ))
                    .small(),
                );
                if row.state.needs_ack() && ui.small_button("Ack").clicked() {
                    alarms.act(row.alarm, &view, OperatorAction::Acknowledge);
                }
                if row.state == AlarmState::Shelved {
                    if ui.small_button("Unshelve").clicked() {
                        alarms.act(row.alarm, &view, OperatorAction::Unshelve);
                    }
                } else if row.state != AlarmState::Suppressed && ui.small_button("Shelve").clicked()
                {
                    let (_, duration) = SHELVE_CHOICES[data.state.shelve_choice.min(3)];
                    alarms.shelve(row.alarm, &view, duration);
                }
            });
        })
        .response
        .interact(egui::Sense::click())
        .on_hover_text(if spec.message.is_empty() {
            spec.area.clone()
        } else {
            format!("{}\n{}", spec.message, spec.area)
        });
    response.clicked().then(|| GoTo {
        asset: spec.asset.clone(),
        since: row.since,
    })
}

/// `42 s`, `5 min`, `3 h` ago.
fn since_text(ns: i64) -> String {
    let s = ns.max(0) / 1_000_000_000;
    match s {
        0..=119 => format!("{s} s"),
        120..=7_199 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}

/// Writes the alarm history to a CSV in the working directory; the note says where or why not.
fn export(alarms: &Alarms) -> String {
    let name = format!(
        "twinscope-alarms-{}.csv",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    );
    let path = std::env::current_dir()
        .map(|d| d.join(&name))
        .unwrap_or_else(|_| name.into());
    let result = std::fs::File::create(&path)
        .map_err(|e| e.to_string())
        .and_then(|file| {
            twinscope_core::alarms::write_csv(&alarms.engine, std::io::BufWriter::new(file))
                .map_err(|e| e.to_string())
        });
    match result {
        Ok(rows) => format!("{rows} rows written to {}", path.display()),
        Err(error) => format!("export failed: {error}"),
    }
}
