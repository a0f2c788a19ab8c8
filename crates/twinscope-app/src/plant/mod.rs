//! The plant: loads the scene's glTF model and binds its named nodes to signals.
//!
//! Binding happens once, when the glTF instance is ready: every asset node gets a
//! [`PlantAsset`], bound ones an [`AssetBinding`], and every mesh under an asset an
//! [`AssetPart`] pointing back at it, so picking a primitive selects the whole asset.

mod binding;

pub(crate) use binding::{AssetBinding, AssetPart, AssetParts, BoundSignal, PlantAsset};

use crate::pipeline::ActiveScene;
use crate::pipeline::View;
use bevy::camera::primitives::Aabb;
use bevy::gltf::GltfAssetLabel;
use bevy::prelude::*;
use bevy::world_serialization::{WorldAssetRoot, WorldInstanceReady};
use twinscope_core::scene::Scene;

/// Marks the entity the plant's glTF is instanced under.
#[derive(Component)]
pub(crate) struct PlantRoot;

/// What binding found, for the UI, logs and tests.
#[derive(Resource, Default, Debug)]
pub(crate) struct PlantStatus {
    /// The glTF instance exists and bindings are attached.
    pub(crate) ready: bool,
    /// Bound node names the instanced model does not contain.
    pub(crate) missing_nodes: Vec<String>,
    /// Asset nodes with no binding.
    pub(crate) unbound_assets: Vec<String>,
    /// World-space bounds of the whole plant (min, max), once transforms have propagated.
    pub(crate) bounds: Option<(Vec3, Vec3)>,
    /// Why the model could not be loaded, if it failed (shown in the status bar).
    pub(crate) load_error: Option<String>,
}

/// World-space bounds of one asset (min, max), for framing and screenshot regions.
#[derive(Component, Clone, Copy, Debug)]
pub(crate) struct AssetBounds {
    /// Minimum corner.
    pub(crate) min: Vec3,
    /// Maximum corner.
    pub(crate) max: Vec3,
}

impl AssetBounds {
    /// Centre of the box.
    pub(crate) fn center(&self) -> Vec3 {
        (self.min + self.max) * 0.5
    }

    /// The eight corners, for projecting to the screen.
    pub(crate) fn corners(&self) -> [Vec3; 8] {
        let (a, b) = (self.min, self.max);
        [
            Vec3::new(a.x, a.y, a.z),
            Vec3::new(b.x, a.y, a.z),
            Vec3::new(a.x, b.y, a.z),
            Vec3::new(b.x, b.y, a.z),
            Vec3::new(a.x, a.y, b.z),
            Vec3::new(b.x, a.y, b.z),
            Vec3::new(a.x, b.y, b.z),
            Vec3::new(b.x, b.y, b.z),
        ]
    }
}

/// Loads the model and binds it; needs [`ActiveScene`] inserted before startup.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<PlantStatus>()
        .add_systems(Startup, spawn_plant)
        .add_observer(binding::bind_plant_on_ready)
        .add_systems(
            Update,
            (watch_model_load, compute_bounds).in_set(View::Scene),
        );
}

/// Path the asset server loads the model from: the asset root is the model's directory.
pub(crate) fn model_asset_path(scene: &Scene) -> String {
    scene
        .model_path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn spawn_plant(mut commands: Commands, asset_server: Res<AssetServer>, active: Res<ActiveScene>) {
    let path = model_asset_path(&active.scene);
    let handle = asset_server.load(GltfAssetLabel::Scene(0).from_asset(path));
    commands.spawn((
        Name::new("plant"),
        PlantRoot,
        WorldAssetRoot(handle),
        Transform::default(),
    ));
}

/// Records a failed model load once, so the UI and `--screenshot` can say so instead of
/// waiting for a plant that never comes.
fn watch_model_load(
    mut status: ResMut<PlantStatus>,
    asset_server: Res<AssetServer>,
    active: Res<ActiveScene>,
    roots: Query<&WorldAssetRoot, With<PlantRoot>>,
) {
    if status.ready || status.load_error.is_some() {
        return;
    }
    for root in &roots {
        if let Some(bevy::asset::LoadState::Failed(error)) = asset_server.get_load_state(&root.0) {
            let message = format!(
                "cannot load model {}: {error}",
                active.scene.model_path.display()
            );
            error!("{message}");
            status.load_error = Some(message);
        }
    }
}

/// Trigger type re-exported so tests can wait for the same moment the app binds at.
pub(crate) type PlantInstanceReady = WorldInstanceReady;

/// Once transforms have propagated after binding, computes per-asset and plant bounds.
fn compute_bounds(
    mut commands: Commands,
    mut status: ResMut<PlantStatus>,
    assets: Query<(Entity, &AssetParts), Without<AssetBounds>>,
    parts: Query<(&Aabb, &GlobalTransform)>,
) {
    if !status.ready || status.bounds.is_some() {
        return;
    }
    let mut plant: Option<(Vec3, Vec3)> = None;
    for (asset, asset_parts) in &assets {
        let mut bounds: Option<(Vec3, Vec3)> = None;
        for (aabb, transform) in parts.iter_many(&asset_parts.0) {
            let center = Vec3::from(aabb.center);
            let half = Vec3::from(aabb.half_extents);
            for corner in (0..8).map(|i| {
                center
                    + half
                        * Vec3::new(
                            if i & 1 == 0 { -1.0 } else { 1.0 },
                            if i & 2 == 0 { -1.0 } else { 1.0 },
                            if i & 4 == 0 { -1.0 } else { 1.0 },
                        )
            }) {
                let world = transform.transform_point(corner);
                bounds =
                    Some(bounds.map_or((world, world), |(lo, hi)| (lo.min(world), hi.max(world))));
            }
        }
        if let Some((min, max)) = bounds {
            commands.entity(asset).insert(AssetBounds { min, max });
            plant = Some(plant.map_or((min, max), |(lo, hi)| (lo.min(min), hi.max(max))));
        }
    }
    status.bounds = plant;
}
