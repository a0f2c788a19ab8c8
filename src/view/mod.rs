//! View: applies asset state to the 3D scene — status colours, selection highlight, camera,
//! lighting, picking, motion and badges.

pub mod badges;
pub mod camera;
pub mod materials;
pub mod motion;
pub mod risk_heat;
pub mod selection;

use bevy::prelude::*;

/// Adds lighting, camera control, picking/selection and status materials.
pub fn plugin(app: &mut App) {
    app.add_plugins((
        camera::plugin,
        materials::plugin,
        selection::plugin,
        motion::plugin,
        badges::plugin,
        risk_heat::plugin,
    ))
    .insert_resource(ClearColor(Color::srgb(0.11, 0.12, 0.14)))
    .insert_resource(GlobalAmbientLight {
        color: Color::WHITE,
        brightness: 450.0,
        ..default()
    })
    .add_systems(Startup, spawn_lights);
}

fn spawn_lights(mut commands: Commands) {
    commands.spawn((
        Name::new("sun"),
        DirectionalLight {
            illuminance: 9_000.0,
            shadow_maps_enabled: true,
            ..default()
        },
        Transform::from_xyz(18.0, 30.0, 14.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
}
