//! Orbit / pan / zoom camera with "frame selected" and "reset view".
//!
//! Mouse: left-drag orbits, right- or middle-drag pans, wheel zooms. Keyboard: arrows / WASD
//! pan, Q/E orbit, +/- zoom, F frames the selection, Home or R resets to the whole plant.
//! Input over egui panels is left to egui.

use crate::pipeline::View;
use crate::plant::{AssetBounds, PlantStatus};
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;

pub(crate) mod selection;
use bevy_egui::input::EguiWantsInput;

use crate::camera::selection::Selection;

/// Orbit state of the main camera; the transform is derived from it every frame.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub(crate) struct OrbitCamera {
    /// Point the camera looks at and orbits around.
    pub(crate) focus: Vec3,
    /// Rotation about the vertical axis, radians.
    pub(crate) yaw: f32,
    /// Elevation above the horizon, radians (kept between ~5° and ~89°).
    pub(crate) pitch: f32,
    /// Distance from the focus, metres.
    pub(crate) distance: f32,
}

/// The field of view the camera is framed for: the vertical field of view and the viewport's
/// width / height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct FieldOfView {
    /// Vertical field of view, radians.
    pub(crate) vertical: f32,
    /// Viewport width divided by height.
    pub(crate) aspect: f32,
}

impl FieldOfView {
    /// Half of the narrower of the horizontal and vertical angles: what a sphere must fit in.
    fn narrow_half_angle(&self) -> f32 {
        let half_vertical = self.vertical * 0.5;
        let half_horizontal = (half_vertical.tan() * self.aspect.max(0.05)).atan();
        half_vertical.min(half_horizontal)
    }

    /// Distance at which a box with bounding-sphere `radius` fills the view: 85 % of the sphere,
    /// because a plant is flat and its outline from above sits well inside its sphere.
    fn fit_distance(&self, radius: f32) -> f32 {
        radius * 0.85 / self.narrow_half_angle().sin().max(0.05)
    }
}

impl Default for FieldOfView {
    fn default() -> Self {
        Self {
            vertical: std::f32::consts::FRAC_PI_4,
            aspect: 16.0 / 9.0,
        }
    }
}

impl OrbitCamera {
    /// The default 3/4 view of a box from the front-right, far enough that its bounding sphere
    /// fits the field of view.
    pub(crate) fn framing(min: Vec3, max: Vec3, fov: FieldOfView) -> Self {
        let radius = ((max - min).length() * 0.5).max(1.0);
        Self {
            focus: (min + max) * 0.5,
            yaw: 0.5,
            pitch: 0.72,
            distance: fov.fit_distance(radius),
        }
    }

    /// Same angles, refocused on a box so it fills most of the view.
    pub(crate) fn refocus(&self, min: Vec3, max: Vec3, fov: FieldOfView) -> Self {
        let radius = ((max - min).length() * 0.5).max(0.5);
        Self {
            focus: (min + max) * 0.5,
            distance: (fov.fit_distance(radius) * 1.3).max(3.0),
            ..*self
        }
    }

    /// The orbit a fraction `t` (0..=1) of the way to `to`, turning the short way round, so a
    /// camera flight passes through sensible views.
    pub(crate) fn lerp(&self, to: &OrbitCamera, t: f32) -> Self {
        let t = t.clamp(0.0, 1.0);
        let tau = std::f32::consts::TAU;
        let turn =
            (to.yaw - self.yaw + std::f32::consts::PI).rem_euclid(tau) - std::f32::consts::PI;
        Self {
            focus: self.focus.lerp(to.focus, t),
            yaw: self.yaw + turn * t,
            pitch: self.pitch + (to.pitch - self.pitch) * t,
            // Distances change geometrically, so zooming in feels even.
            distance: self.distance * (to.distance / self.distance.max(1e-3)).powf(t),
        }
    }

    /// World transform for these orbit parameters.
    pub(crate) fn transform(&self) -> Transform {
        let rotation = Quat::from_euler(EulerRot::YXZ, self.yaw, -self.pitch, 0.0);
        let position = self.focus + rotation * Vec3::new(0.0, 0.0, self.distance);
        Transform::from_translation(position).looking_at(self.focus, Vec3::Y)
    }
}

impl Default for OrbitCamera {
    fn default() -> Self {
        Self::framing(
            Vec3::new(-20.0, 0.0, -13.0),
            Vec3::new(20.0, 6.0, 13.0),
            FieldOfView::default(),
        )
    }
}

/// Requests that camera code carries out (from keys, UI buttons or double-clicks).
#[derive(Message, Clone, Copy, Debug, PartialEq)]
pub(crate) enum CameraCommand {
    /// Fit the selected asset in view.
    FrameSelected,
    /// Fit the whole plant in view from the default angle.
    ResetView,
    /// Fit a world box (min, max) in view from the current angle (a what-if run's bodies).
    Frame(Vec3, Vec3),
}

/// A camera flying from one orbit to another (framing a selection, or an alarm's asset),
/// so the operator sees where the view went instead of a cut.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub(crate) struct CameraFlight {
    /// Where the flight started.
    pub(crate) from: OrbitCamera,
    /// Where it ends.
    pub(crate) to: OrbitCamera,
    /// Seconds flown so far.
    pub(crate) elapsed_s: f32,
}

/// How long a camera flight takes.
pub(crate) const FLIGHT_S: f32 = 0.6;

/// Tracks mouse-button drag distance so a drag that ends on an asset is not taken as a click.
#[derive(Resource, Default, Debug)]
pub(crate) struct DragTracker {
    /// Pixels moved since the left button went down.
    pub(crate) moved_px: f32,
}

/// Adds the main camera and its controls.
pub(crate) fn plugin(app: &mut App) {
    app.add_message::<CameraCommand>()
        .add_plugins(selection::plugin)
        .init_resource::<DragTracker>()
        .add_systems(Startup, spawn_camera)
        .add_systems(
            Update,
            (
                frame_plant_when_ready,
                camera_keys,
                orbit_with_mouse,
                run_camera_commands,
                fly_camera,
                apply_orbit,
            )
                .chain()
                .in_set(View::Scene),
        );
}

fn spawn_camera(mut commands: Commands) {
    let orbit = OrbitCamera::default();
    commands.spawn((
        Name::new("main camera"),
        Camera3d::default(),
        orbit,
        orbit.transform(),
    ));
}

/// Frames the plant once its bounds are known.
fn frame_plant_when_ready(
    status: Res<PlantStatus>,
    mut done: Local<bool>,
    mut commands: MessageWriter<CameraCommand>,
) {
    if !*done && status.bounds.is_some() {
        *done = true;
        commands.write(CameraCommand::ResetView);
    }
}

fn camera_keys(
    keys: Res<ButtonInput<KeyCode>>,
    time: Res<Time>,
    egui_input: Option<Res<EguiWantsInput>>,
    mut commands: MessageWriter<CameraCommand>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    if egui_input.is_some_and(|input| input.wants_any_keyboard_input()) {
        return;
    }
    if keys.just_pressed(KeyCode::KeyF) {
        commands.write(CameraCommand::FrameSelected);
    }
    // Home, End, the arrows and space belong to the time cursor (see `timeline`).
    if keys.just_pressed(KeyCode::KeyR) {
        commands.write(CameraCommand::ResetView);
    }
    let dt = time.delta_secs();
    for mut orbit in &mut cameras {
        let pressed = |a: KeyCode, b: KeyCode| keys.pressed(a) || keys.pressed(b);
        let mut pan = Vec2::ZERO;
        if keys.pressed(KeyCode::KeyA) {
            pan.x -= 1.0;
        }
        if keys.pressed(KeyCode::KeyD) {
            pan.x += 1.0;
        }
        if keys.pressed(KeyCode::KeyW) {
            pan.y += 1.0;
        }
        if keys.pressed(KeyCode::KeyS) {
            pan.y -= 1.0;
        }
        if pan != Vec2::ZERO {
            let speed = orbit.distance * 0.8 * dt;
            let (right, forward) = ground_axes(orbit.yaw);
            orbit.focus += (right * pan.x + forward * pan.y) * speed;
        }
        if keys.pressed(KeyCode::KeyQ) {
            orbit.yaw += 1.2 * dt;
        }
        if keys.pressed(KeyCode::KeyE) {
            orbit.yaw -= 1.2 * dt;
        }
        if pressed(KeyCode::Equal, KeyCode::NumpadAdd) {
            orbit.distance *= 1.0 - 1.2 * dt;
        }
        if pressed(KeyCode::Minus, KeyCode::NumpadSubtract) {
            orbit.distance *= 1.0 + 1.2 * dt;
        }
        orbit.distance = orbit.distance.clamp(1.0, 5_000.0);
    }
}

/// Right and forward directions on the ground plane for a camera yaw.
fn ground_axes(yaw: f32) -> (Vec3, Vec3) {
    let rotation = Quat::from_rotation_y(yaw);
    (rotation * Vec3::X, rotation * Vec3::NEG_Z)
}

fn orbit_with_mouse(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    egui_input: Option<Res<EguiWantsInput>>,
    mut drag: ResMut<DragTracker>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    if buttons.just_pressed(MouseButton::Left) {
        drag.moved_px = 0.0;
    }
    if buttons.pressed(MouseButton::Left) {
        drag.moved_px += motion.delta.length();
    }
    let over_ui = egui_input.is_some_and(|input| input.wants_any_pointer_input());
    if over_ui {
        return;
    }
    for mut orbit in &mut cameras {
        if buttons.pressed(MouseButton::Left) {
            orbit.yaw -= motion.delta.x * 0.006;
            orbit.pitch = (orbit.pitch + motion.delta.y * 0.006).clamp(0.08, 1.55);
        }
        if buttons.pressed(MouseButton::Right) || buttons.pressed(MouseButton::Middle) {
            let (right, forward) = ground_axes(orbit.yaw);
            let scale = orbit.distance * 0.0018;
            orbit.focus += (-right * motion.delta.x + forward * motion.delta.y) * scale;
        }
        let lines = match scroll.unit {
            MouseScrollUnit::Line => scroll.delta.y,
            MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
        };
        if lines != 0.0 {
            orbit.distance = (orbit.distance * (1.0 - 0.12 * lines)).clamp(1.0, 5_000.0);
        }
    }
}

fn run_camera_commands(
    mut commands: MessageReader<CameraCommand>,
    selection: Res<Selection>,
    status: Res<PlantStatus>,
    bounds: Query<&AssetBounds>,
    mut cameras: Query<(Entity, &mut OrbitCamera, &Camera, &Projection)>,
    mut flights: Commands,
) {
    for command in commands.read() {
        for (entity, mut orbit, camera, projection) in &mut cameras {
            let fov = field_of_view(camera, projection);
            match command {
                CameraCommand::FrameSelected => {
                    if let Some(b) = selection.asset.and_then(|a| bounds.get(a).ok()) {
                        flights.entity(entity).insert(CameraFlight {
                            from: *orbit,
                            to: orbit.refocus(b.min, b.max, fov),
                            elapsed_s: 0.0,
                        });
                    }
                }
                CameraCommand::Frame(min, max) => {
                    flights.entity(entity).insert(CameraFlight {
                        from: *orbit,
                        to: orbit.refocus(*min, *max, fov),
                        elapsed_s: 0.0,
                    });
                }
                CameraCommand::ResetView => {
                    flights.entity(entity).remove::<CameraFlight>();
                    if let Some((min, max)) = status.bounds {
                        *orbit = OrbitCamera::framing(min, max, fov);
                    } else {
                        *orbit = OrbitCamera::default();
                    }
                }
            }
        }
    }
}

/// The camera's current field of view, from its projection and viewport.
fn field_of_view(camera: &Camera, projection: &Projection) -> FieldOfView {
    let vertical = match projection {
        Projection::Perspective(p) => p.fov,
        _ => FieldOfView::default().vertical,
    };
    let aspect = camera
        .logical_viewport_size()
        .filter(|size| size.y > 0.0)
        .map_or(FieldOfView::default().aspect, |size| size.x / size.y);
    FieldOfView { vertical, aspect }
}

/// Moves flying cameras along their flight (eased in and out) and lands them.
fn fly_camera(
    time: Res<Time<Real>>,
    mut commands: Commands,
    mut cameras: Query<(Entity, &mut OrbitCamera, &mut CameraFlight)>,
) {
    for (entity, mut orbit, mut flight) in &mut cameras {
        flight.elapsed_s += time.delta_secs();
        let t = (flight.elapsed_s / FLIGHT_S).min(1.0);
        let eased = t * t * (3.0 - 2.0 * t);
        *orbit = flight.from.lerp(&flight.to, eased);
        if t >= 1.0 {
            commands.entity(entity).remove::<CameraFlight>();
        }
    }
}

fn apply_orbit(mut cameras: Query<(&OrbitCamera, &mut Transform), Changed<OrbitCamera>>) {
    for (orbit, mut transform) in &mut cameras {
        *transform = orbit.transform();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flights_start_and_land_exactly_and_turn_the_short_way() {
        let from = OrbitCamera {
            focus: Vec3::ZERO,
            yaw: 3.0,
            pitch: 0.5,
            distance: 40.0,
        };
        let to = OrbitCamera {
            focus: Vec3::new(10.0, 0.0, -4.0),
            yaw: -3.0,
            pitch: 0.7,
            distance: 10.0,
        };
        assert_eq!(from.lerp(&to, 0.0), from);
        let landed = from.lerp(&to, 1.0);
        assert!((landed.focus - to.focus).length() < 1e-5);
        assert!((landed.distance - to.distance).abs() < 1e-4);
        assert!((landed.pitch - to.pitch).abs() < 1e-6);
        let turned = (landed.yaw - to.yaw).rem_euclid(std::f32::consts::TAU);
        assert!(
            !(1e-4..=std::f32::consts::TAU - 1e-4).contains(&turned),
            "{landed:?}"
        );
        let half = from.lerp(&to, 0.5);
        assert!(
            half.yaw > 3.0,
            "3.0 to -3.0 turns up through pi, not down through 0: {half:?}"
        );
        assert!(
            (half.distance - 20.0).abs() < 1e-3,
            "geometric zoom: {half:?}"
        );
    }

    #[test]
    fn framing_looks_at_the_box_centre_from_above() {
        let orbit = OrbitCamera::framing(
            Vec3::new(-10.0, 0.0, -5.0),
            Vec3::new(10.0, 4.0, 5.0),
            FieldOfView::default(),
        );
        let t = orbit.transform();
        assert!(
            t.translation.y > orbit.focus.y,
            "camera should be above the focus"
        );
        let to_focus = (orbit.focus - t.translation).normalize();
        assert!(t.forward().dot(to_focus) > 0.999);
        assert!((t.translation.distance(orbit.focus) - orbit.distance).abs() < 1e-3);
    }

    #[test]
    fn a_narrow_viewport_moves_the_camera_back() {
        let (min, max) = (Vec3::new(-20.0, 0.0, -13.0), Vec3::new(20.0, 6.0, 13.0));
        let wide = OrbitCamera::framing(
            min,
            max,
            FieldOfView {
                vertical: 0.8,
                aspect: 2.0,
            },
        );
        let narrow = OrbitCamera::framing(
            min,
            max,
            FieldOfView {
                vertical: 0.8,
                aspect: 0.8,
            },
        );
        assert!(narrow.distance > wide.distance * 1.2);
        // Most of the bounding sphere fits (a flat plant's outline is well inside its sphere).
        let radius = (max - min).length() * 0.5;
        let half_h = ((0.4f32).tan() * 0.8).atan();
        assert!((0.85 * radius / narrow.distance).asin() <= half_h + 1e-4);
    }
}
