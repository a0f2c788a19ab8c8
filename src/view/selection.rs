//! Selection: clicking a mesh selects its asset; the selection is outlined and highlighted.

use super::camera::{CameraCommand, DragTracker};
use crate::plant::{AssetBounds, AssetPart, PlantAsset};
use crate::schedule::TwinscopeSystems;
use bevy::picking::mesh_picking::MeshPickingPlugin;
use bevy::prelude::*;

/// The selected asset (a [`PlantAsset`] entity), shared by the 3D view and the panels.
#[derive(Resource, Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    /// Selected asset entity, if any.
    pub asset: Option<Entity>,
}

/// Pixels the pointer may move between press and release and still count as a click.
const CLICK_SLOP_PX: f32 = 6.0;

/// Adds mesh picking, click-to-select and the selection outline.
pub fn plugin(app: &mut App) {
    app.add_plugins(MeshPickingPlugin)
        .init_resource::<Selection>()
        .add_observer(select_clicked_asset)
        .add_systems(
            Update,
            (clear_selection_on_escape, draw_selection_outline).in_set(TwinscopeSystems::View),
        );
}

/// A click on any mesh of an asset selects that asset; a double-click also frames it.
fn select_clicked_asset(
    mut click: On<Pointer<Click>>,
    parts: Query<&AssetPart>,
    drag: Res<DragTracker>,
    mut selection: ResMut<Selection>,
    mut camera: MessageWriter<CameraCommand>,
    mut last_click: Local<Option<(Entity, f64)>>,
    time: Res<Time<Real>>,
) {
    if click.event.button != PointerButton::Primary || drag.moved_px > CLICK_SLOP_PX {
        return;
    }
    let Ok(part) = parts.get(click.entity) else {
        return;
    };
    click.propagate(false);
    selection.asset = Some(part.asset);
    let now = time.elapsed_secs_f64();
    if last_click.is_some_and(|(asset, at)| asset == part.asset && now - at < 0.4) {
        camera.write(CameraCommand::FrameSelected);
    }
    *last_click = Some((part.asset, now));
}

fn clear_selection_on_escape(keys: Res<ButtonInput<KeyCode>>, mut selection: ResMut<Selection>) {
    if keys.just_pressed(KeyCode::Escape) {
        selection.asset = None;
    }
}

/// Draws the selected asset's bounding box so the selection is obvious at any distance.
fn draw_selection_outline(
    selection: Res<Selection>,
    bounds: Query<&AssetBounds, With<PlantAsset>>,
    mut gizmos: Gizmos,
) {
    let Some(b) = selection.asset.and_then(|a| bounds.get(a).ok()) else {
        return;
    };
    let size = (b.max - b.min) + Vec3::splat(0.1);
    gizmos.cube(
        Transform::from_translation(b.center()).with_scale(size),
        Color::srgb(1.0, 0.85, 0.2),
    );
}
