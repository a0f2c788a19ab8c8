//! egui panels: outliner (left), inspector (right), timeline and status bar (bottom) and, when
//! opened from the status bar, the MQTT connection panel above them.
//!
//! The 3D viewport is fitted between the panels each frame so framing and picking use the
//! visible area, not the whole window.

mod inspector;
mod outliner;
mod plot;
mod status_bar;

use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::window::PrimaryWindow;
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiPrimaryContextPass, PrimaryEguiContext, egui,
};

/// Panel state that outlives a frame (search text).
#[derive(Resource, Default, Debug)]
pub(crate) struct UiState {
    /// Outliner filter: matches tag or description, case-insensitive.
    pub(crate) search: String,
    /// Whether the MQTT connection panel is shown.
    pub(crate) connection_open: bool,
    /// The left panel shows the alarm list instead of the asset outliner.
    pub(crate) alarms_open: bool,
    /// The left panel shows the risk ranking (instead of assets or alarms).
    pub(crate) risk_open: bool,
    /// The left panel shows the Scenarios tab (over the Assets / Alarms choice).
    pub(crate) scenarios_open: bool,
}

/// Smoothed frame time for the status bar.
#[derive(Resource, Default, Debug)]
pub(crate) struct FrameStats {
    /// Exponentially smoothed frame time in milliseconds.
    pub(crate) frame_ms: f64,
}

/// Adds the panels. Needs `EguiPlugin` (added by the app builder with the window plugins).
///
/// egui gets its own camera drawn over the whole window: were it attached to the 3D camera,
/// fitting that camera's viewport between the panels would shrink the panels too.
pub(crate) fn plugin(app: &mut App) {
    app.insert_resource(EguiGlobalSettings {
        auto_create_primary_context: false,
        ..default()
    })
    .init_resource::<UiState>()
    .init_resource::<FrameStats>()
    .add_systems(Startup, spawn_ui_camera)
    .add_systems(Update, measure_frame_time)
    .add_systems(EguiPrimaryContextPass, draw_panels);
}

fn spawn_ui_camera(mut commands: Commands) {
    commands.spawn((
        Name::new("ui camera"),
        PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

fn measure_frame_time(time: Res<Time<Real>>, mut stats: ResMut<FrameStats>) {
    let ms = time.delta_secs_f64() * 1000.0;
    stats.frame_ms = if stats.frame_ms == 0.0 {
        ms
    } else {
        stats.frame_ms * 0.95 + ms * 0.05
    };
}

/// Everything the panels read, gathered so the drawing code stays plain functions. Each
/// domain's panel brings its own data; what several panels change (the selection, the
/// cursor, the markers, the camera) is held here once and lent to them.
#[derive(bevy::ecs::system::SystemParam)]
struct PanelData<'w, 's> {
    state: ResMut<'w, UiState>,
    selection: ResMut<'w, crate::camera::selection::Selection>,
    camera_commands: MessageWriter<'w, crate::camera::CameraCommand>,
    store: Res<'w, crate::ingest::Store>,
    ingest: Res<'w, crate::ingest::IngestStats>,
    frame: Res<'w, FrameStats>,
    view_time: Res<'w, crate::pipeline::ViewTime>,
    cursor: ResMut<'w, crate::timeline::Cursor>,
    bounds: Res<'w, crate::timeline::Bounds>,
    markers: ResMut<'w, crate::pipeline::Markers>,
    active: Res<'w, crate::pipeline::ActiveScene>,
    plant: Res<'w, crate::plant::PlantStatus>,
    source: Option<Res<'w, crate::sources::SourceInfo>>,
    mqtt: Option<Res<'w, crate::sources::MqttStatusView>>,
    replay: Option<Res<'w, crate::sources::ReplayProgressView>>,
    assets: Query<
        'w,
        's,
        (
            Entity,
            &'static crate::plant::PlantAsset,
            Option<&'static crate::plant::AssetBinding>,
            Option<&'static crate::rules::AssetStatus>,
        ),
    >,
    /// Sensor health of bound assets (a query of its own so the asset tuple stays as it is).
    health: Query<'w, 's, &'static crate::health::AssetHealth>,
    forecasts: Res<'w, crate::forecast::Forecasts>,
    risk: crate::risk::panel::RiskPanelData<'w, 's>,
    alarms: crate::alarms::panel::AlarmPanelData<'w>,
    timeline: crate::timeline::panel::TimelinePanelData<'w, 's>,
    connection: crate::sources::panel::ConnectionPanelData<'w>,
    record: crate::recording::panel::RecordPanelData<'w>,
    scenario: crate::scenario::panel::ScenarioPanelData<'w>,
}

impl PanelData<'_, '_> {
    /// Selects the asset tagged `tag` and flies the camera to it.
    fn focus(&mut self, tag: &str) {
        if let Some((entity, ..)) = self.assets.iter().find(|(_, a, _, _)| a.tag == tag) {
            self.selection.asset = Some(entity);
            self.camera_commands
                .write(crate::camera::CameraCommand::FrameSelected);
        }
    }

    /// The selected asset's signals, in binding order.
    fn selected_signals(&self) -> Vec<twinscope_core::store::SignalIndex> {
        self.selection
            .asset
            .and_then(|e| self.assets.get(e).ok())
            .and_then(|(_, _, binding, _)| binding)
            .map(|b| b.signals.iter().filter_map(|s| s.index).collect())
            .unwrap_or_default()
    }
}

fn draw_panels(
    mut contexts: EguiContexts,
    mut data: PanelData,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Single<&mut Camera, With<Camera3d>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "twinscope-root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let mut bottom = egui::Panel::bottom("status_bar")
        .exact_size(26.0)
        .show(&mut root, |ui| status_bar::draw(ui, &mut data))
        .response
        .rect
        .height();
    bottom += egui::Panel::bottom("timeline")
        .resizable(true)
        .default_size(150.0)
        .min_size(90.0)
        .show(&mut root, |ui| {
            let selected = data.selected_signals();
            crate::timeline::panel::draw(
                ui,
                &mut data.timeline,
                &mut data.cursor,
                &data.markers,
                &selected,
            );
        })
        .response
        .rect
        .height();
    if data.state.connection_open {
        bottom += egui::Panel::bottom("connection")
            .resizable(true)
            .default_size(210.0)
            .show(&mut root, |ui| {
                crate::sources::panel::draw(ui, &data.connection)
            })
            .response
            .rect
            .height();
    }
    let left = egui::Panel::left("outliner")
        .resizable(true)
        .default_size(230.0)
        // The scenario outcomes need room for their table.
        .min_size(if data.state.scenarios_open {
            330.0
        } else {
            96.0
        })
        .show(&mut root, |ui| {
            ui.horizontal(|ui| {
                let state = &mut *data.state;
                let current = match (state.scenarios_open, state.risk_open, state.alarms_open) {
                    (true, _, _) => 3,
                    (false, true, _) => 2,
                    (false, false, true) => 1,
                    (false, false, false) => 0,
                };
                for (label, tab) in [("Assets", 0), ("Alarms", 1), ("Risk", 2), ("Scenarios", 3)] {
                    if ui.selectable_label(current == tab, label).clicked() {
                        state.scenarios_open = tab == 3;
                        state.risk_open = tab == 2;
                        if tab < 2 {
                            state.alarms_open = tab == 1;
                        }
                    }
                }
            });
            if data.state.scenarios_open {
                let context = crate::scenario::panel::PanelContext {
                    cursor: &mut data.cursor,
                    bounds: data.bounds.0,
                    store: &data.store,
                    scene: &data.active.scene,
                };
                crate::scenario::panel::draw(ui, &mut data.scenario, context);
            } else if data.state.risk_open {
                if let Some(tag) = crate::risk::panel::draw(ui, &mut data.risk) {
                    data.focus(&tag);
                }
            } else if data.state.alarms_open {
                if let Some(go_to) = crate::alarms::panel::draw(ui, &mut data.alarms) {
                    if let Some(tag) = &go_to.asset {
                        data.focus(tag);
                    }
                    if let Some(time) = go_to.since {
                        data.cursor.pause();
                        data.cursor.seek(time, data.bounds.0);
                    }
                }
            } else {
                outliner::draw(ui, &mut data);
            }
        })
        .response
        .rect
        .width();
    let right = egui::Panel::right("inspector")
        .resizable(true)
        .default_size(270.0)
        .show(&mut root, |ui| inspector::draw(ui, &mut data))
        .response
        .rect
        .width();
    fit_viewport(&mut camera, &window, left, right, 0.0, bottom);
    let screen = ctx.viewport_rect();
    let viewport = egui::Rect::from_min_max(
        egui::pos2(screen.left() + left, screen.top()),
        egui::pos2(screen.right() - right, screen.bottom() - bottom),
    );
    crate::risk::panel::heat_toggle(ctx, &mut data.risk, viewport);
    crate::forecast::panel::predicted_banner(ctx, &data.forecasts, viewport);
    Ok(())
}

/// Restricts the 3D camera to the window area not covered by panels (logical sizes in).
fn fit_viewport(
    camera: &mut Camera,
    window: &Window,
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
) {
    let scale = window.scale_factor();
    let full = UVec2::new(window.physical_width(), window.physical_height());
    let position = UVec2::new((left * scale) as u32, (top * scale) as u32);
    let margin = UVec2::new(
        ((left + right) * scale) as u32,
        ((top + bottom) * scale) as u32,
    );
    let size = full.saturating_sub(margin).max(UVec2::ONE);
    let wanted = Viewport {
        physical_position: position.min(full.saturating_sub(UVec2::ONE)),
        physical_size: size,
        ..default()
    };
    if camera.viewport.as_ref().is_none_or(|v| {
        v.physical_position != wanted.physical_position || v.physical_size != wanted.physical_size
    }) {
        camera.viewport = Some(wanted);
    }
}
