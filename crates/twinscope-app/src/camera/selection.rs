//! Selection: clicking a mesh selects its asset; the selection is outlined and highlighted.

use crate::camera::{CameraCommand, DragTracker};
use crate::pipeline::View;
use crate::plant::{AssetBounds, AssetPart, PlantAsset};
use bevy::picking::mesh_picking::MeshPickingPlugin;
use bevy::prelude::*;

/// The selected asset (a [`PlantAsset`] entity), shared by the 3D view and the panels.
#[derive(Resource, Default, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selection {
    /// Selected asset entity, if any.
    pub(crate) asset: Option<Entity>,
}

/// An asset to select as soon as the plant is bound (`--select TAG`).
#[derive(Resource, Debug, Clone)]
pub(crate) struct InitialSelection(pub String);

/// Pixels the pointer may move between press and release and still count as a click.
const CLICK_SLOP_PX: f32 = 6.0;

/// Adds mesh picking, click-to-select and the selection outline.
pub(crate) fn plugin(app: &mut App) {
    app.add_plugins(MeshPickingPlugin)
        .init_resource::<Selection>()
        .add_observer(select_clicked_asset)
        .add_systems(
            Update,
            (
                apply_initial_selection,
                clear_selection_on_escape,
                log_selection_changes,
                draw_selection_outline,
            )
                .in_set(View::Scene),
        );
}

/// Selects the `--select` asset once the plant is bound; an unknown tag is logged, not fatal.
fn apply_initial_selection(
    mut commands: Commands,
    initial: Option<Res<InitialSelection>>,
    status: Res<crate::plant::PlantStatus>,
    assets: Query<(Entity, &PlantAsset)>,
    mut selection: ResMut<Selection>,
) {
    let Some(initial) = initial else { return };
    if !status.ready {
        return;
    }
    match assets.iter().find(|(_, asset)| asset.tag == initial.0) {
        Some((entity, _)) => selection.asset = Some(entity),
        None => warn!(
            "--select {}: no asset with that tag in the model",
            initial.0
        ),
    }
    commands.remove_resource::<InitialSelection>();
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

/// Logs what got selected, so a session's log tells what the operator looked at.
fn log_selection_changes(selection: Res<Selection>, assets: Query<&PlantAsset>) {
    if selection.is_changed() && !selection.is_added() {
        match selection.asset.and_then(|a| assets.get(a).ok()) {
            Some(asset) => info!("selected {}", asset.tag),
            None => info!("selection cleared"),
        }
    }
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
        crate::widgets::srgb_floats(twinscope_core::theme::SELECTION_EDGE),
    );
}
