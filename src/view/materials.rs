//! Status colours on meshes without recolouring other assets that share a glTF material.
//!
//! Materials are shared per colour bucket (status colour × selected) rather than cloned per
//! mesh, so thousands of assets in a few states cost a few materials. Unbound assets keep their
//! glTF materials; selecting one swaps in a cached highlighted copy.

use super::selection::Selection;
use crate::core::rules::RuleColor;
use crate::evaluation::AssetStatus;
use crate::plant::{AssetParts, PlantAsset};
use crate::schedule::TwinscopeSystems;
use bevy::prelude::*;
use std::collections::HashMap;

/// The material a mesh had in the glTF, restored when its asset has no status colour.
#[derive(Component, Clone, Debug)]
pub struct OriginalMaterial(pub Handle<StandardMaterial>);

/// Emissive added to a selected asset so it stands out under any lighting.
const SELECTED_EMISSIVE: LinearRgba = LinearRgba::rgb(0.35, 0.30, 0.08);

/// Shared materials, one per (colour, selected) and one highlighted copy per glTF material.
#[derive(Resource, Default)]
pub struct MaterialBuckets {
    status: HashMap<(RuleColor, bool), Handle<StandardMaterial>>,
    highlighted: HashMap<AssetId<StandardMaterial>, Handle<StandardMaterial>>,
}

impl MaterialBuckets {
    /// Number of distinct status materials created so far (for scale checks).
    pub fn status_material_count(&self) -> usize {
        self.status.len()
    }
}

/// Adds status-material application.
pub fn plugin(app: &mut App) {
    app.init_resource::<MaterialBuckets>().add_systems(
        Update,
        (remember_original_materials, apply_asset_materials)
            .chain()
            .in_set(TwinscopeSystems::View),
    );
}

/// Records each mesh's glTF material once, before any recolouring.
fn remember_original_materials(
    mut commands: Commands,
    meshes: Query<
        (Entity, &MeshMaterial3d<StandardMaterial>),
        (With<crate::plant::AssetPart>, Without<OriginalMaterial>),
    >,
) {
    for (entity, material) in &meshes {
        commands
            .entity(entity)
            .insert(OriginalMaterial(material.0.clone()));
    }
}

/// Sets the material of every part of assets whose status or selection changed.
fn apply_asset_materials(
    selection: Res<Selection>,
    mut previous_selection: Local<Option<Entity>>,
    mut buckets: ResMut<MaterialBuckets>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    changed: Query<Entity, Or<(Changed<AssetStatus>, Added<AssetParts>)>>,
    assets: Query<(&AssetParts, Option<&AssetStatus>), With<PlantAsset>>,
    mut parts: Query<
        (&mut MeshMaterial3d<StandardMaterial>, &OriginalMaterial),
        Without<super::motion::KeepsOwnMaterial>,
    >,
) {
    let mut dirty: Vec<Entity> = changed.iter().collect();
    if *previous_selection != selection.asset {
        dirty.extend(previous_selection.iter().copied());
        dirty.extend(selection.asset.iter().copied());
        *previous_selection = selection.asset;
    }
    for asset in dirty {
        let Ok((asset_parts, status)) = assets.get(asset) else {
            continue;
        };
        let selected = selection.asset == Some(asset);
        let status_color = status.and_then(|s| s.color);
        for &part in &asset_parts.0 {
            let Ok((mut material, original)) = parts.get_mut(part) else {
                continue;
            };
            let wanted = match status_color {
                Some(color) => buckets.status_material(color, selected, &mut materials),
                None if selected => buckets.highlighted_material(&original.0, &mut materials),
                None => original.0.clone(),
            };
            if material.0 != wanted {
                material.0 = wanted;
            }
        }
    }
}

impl MaterialBuckets {
    fn status_material(
        &mut self,
        color: RuleColor,
        selected: bool,
        materials: &mut Assets<StandardMaterial>,
    ) -> Handle<StandardMaterial> {
        self.status
            .entry((color, selected))
            .or_insert_with(|| {
                let [r, g, b] = color.to_srgb_f32();
                materials.add(StandardMaterial {
                    base_color: Color::srgb(r, g, b),
                    perceptual_roughness: 0.55,
                    metallic: 0.05,
                    emissive: if selected {
                        SELECTED_EMISSIVE
                    } else {
                        LinearRgba::BLACK
                    },
                    ..default()
                })
            })
            .clone()
    }

    fn highlighted_material(
        &mut self,
        original: &Handle<StandardMaterial>,
        materials: &mut Assets<StandardMaterial>,
    ) -> Handle<StandardMaterial> {
        if let Some(handle) = self.highlighted.get(&original.id()) {
            return handle.clone();
        }
        let mut copy = materials.get(original).cloned().unwrap_or_default();
        copy.emissive = SELECTED_EMISSIVE;
        let handle = materials.add(copy);
        self.highlighted.insert(original.id(), handle.clone());
        handle
    }
}
