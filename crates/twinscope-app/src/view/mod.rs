//! View: asset state onto the 3D scene — status materials (rule colour, alarm blink, health,
//! the risk heat map, the selection highlight), the badges over assets, and the lighting.

pub(crate) mod badges;
pub(crate) mod materials;

use bevy::prelude::*;

/// Adds lighting, status materials and badges.
pub(crate) fn plugin(app: &mut App) {
    app.add_plugins((materials::plugin, badges::plugin))
        .insert_resource(ClearColor(crate::widgets::srgb_floats(
            twinscope_core::theme::BACKGROUND,
        )))
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
