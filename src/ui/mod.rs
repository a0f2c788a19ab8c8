//! egui panels: outliner (left), inspector (right), timeline and status bar (bottom) and, when
//! opened from the status bar, the MQTT connection panel above them.
//!
//! The 3D viewport is fitted between the panels each frame so framing and picking use the
//! visible area, not the whole window.

mod alarms;
mod connection;
mod forecast;
mod inspector;
mod outliner;
mod plot;
mod record;
mod risk;
mod status_bar;
mod timeline;

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
pub struct UiState {
    /// Outliner filter: matches tag or description, case-insensitive.
    pub search: String,
    /// Whether the MQTT connection panel is shown.
    pub connection_open: bool,
    /// Timeline zoom and the jump-to-time field.
    pub(crate) timeline: timeline::TimelineState,
    /// The alarm list's tab, filters and sort.
    pub alarms: alarms::AlarmPanelState,
    /// The left panel shows the risk ranking (instead of assets or alarms).
    pub risk_open: bool,
    /// The left panel shows the Scenarios tab (over the Assets / Alarms choice).
    pub scenarios_open: bool,
}

/// Smoothed frame time for the status bar.
#[derive(Resource, Default, Debug)]
pub struct FrameStats {
    /// Exponentially smoothed frame time in milliseconds.
    pub frame_ms: f64,
}

/// Adds the panels. Needs `EguiPlugin` (added by the app builder with the window plugins).
///
/// egui gets its own camera drawn over the whole window: were it attached to the 3D camera,
/// fitting that camera's viewport between the panels would shrink the panels too.
pub fn plugin(app: &mut App) {
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

/// Everything the panels read, gathered so the drawing code stays plain functions.
#[derive(bevy::ecs::system::SystemParam)]
struct PanelData<'w, 's> {
    state: ResMut<'w, UiState>,
    selection: ResMut<'w, crate::view::selection::Selection>,
    camera_commands: MessageWriter<'w, crate::view::camera::CameraCommand>,
    store: Res<'w, crate::ingest::Store>,
    ingest: Res<'w, crate::ingest::IngestStats>,
    frame: Res<'w, FrameStats>,
    view_time: Res<'w, crate::evaluation::ViewTime>,
    cursor: ResMut<'w, crate::timeline::Cursor>,
    bounds: Res<'w, crate::timeline::Bounds>,
    clock: Res<'w, crate::timeline::Clock>,
    markers: ResMut<'w, crate::timeline::Markers>,
    recording: ResMut<'w, crate::ingest::recording::Recording>,
    active: Res<'w, crate::plant::ActiveScene>,
    plant: Res<'w, crate::plant::PlantStatus>,
    source: Option<Res<'w, crate::sources::SourceInfo>>,
    mqtt: Option<Res<'w, crate::sources::MqttStatusView>>,
    replay: Option<Res<'w, crate::sources::ReplayProgressView>>,
    mqtt_rates: Res<'w, crate::sources::MqttRates>,
    alarm_data: alarms::AlarmData<'w>,
    scenario: crate::scenario::panel::ScenarioPanelData<'w, 's>,
    assets: Query<
        'w,
        's,
        (
            Entity,
            &'static crate::plant::PlantAsset,
            Option<&'static crate::plant::AssetBinding>,
            Option<&'static crate::evaluation::AssetStatus>,
        ),
    >,
    /// Sensor health of bound assets (a query of its own so the asset tuple stays as it is).
    health: Query<'w, 's, &'static crate::evaluation::AssetHealth>,
    /// Forecasts, risk and the heat overlay.
    forecast: forecast::ForecastData<'w, 's>,
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
        .show(&mut root, |ui| timeline::draw(ui, &mut data))
        .response
        .rect
        .height();
    if data.state.connection_open {
        bottom += egui::Panel::bottom("connection")
            .resizable(true)
            .default_size(210.0)
            .show(&mut root, |ui| connection::draw(ui, &data))
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
                let current = match (state.scenarios_open, state.risk_open, state.alarms.open) {
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
                            state.alarms.open = tab == 1;
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
                risk::draw(ui, &mut data);
            } else if data.state.alarms.open {
                alarms::draw(ui, &mut data);
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
    forecast::viewport_overlays(ctx, &mut data, viewport);
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

/// Converts a rule colour to egui's colour type.
fn egui_color(color: crate::core::rules::RuleColor) -> egui::Color32 {
    let [r, g, b] = color.0;
    egui::Color32::from_rgb(r, g, b)
}
