//! Status colours on meshes without recolouring other assets that share a glTF material.
//!
//! Materials are shared per colour bucket (status colour × selected) rather than cloned per
//! mesh, so thousands of assets in a few states cost a few materials. Unbound assets keep their
//! glTF materials; selecting one swaps in a cached highlighted copy.

use crate::alarms::AssetAlarms;
use crate::camera::selection::Selection;
use crate::pipeline::View;
use crate::plant::{AssetParts, PlantAsset};
use crate::rules::AssetStatus;
use bevy::prelude::*;
use std::collections::HashMap;
use twinscope_core::rules::RuleColor;

/// The material a mesh had in the glTF, restored when its asset has no status colour.
#[derive(Component, Clone, Debug)]
pub(crate) struct OriginalMaterial(pub Handle<StandardMaterial>);

/// Emissive added to a selected asset so it stands out under any lighting.
const SELECTED_EMISSIVE: LinearRgba = LinearRgba::rgb(0.35, 0.30, 0.08);

/// Shared materials, one per (colour, selected) and one highlighted copy per glTF material.
#[derive(Resource, Default)]
pub(crate) struct MaterialBuckets {
    status: HashMap<(RuleColor, bool), Handle<StandardMaterial>>,
    highlighted: HashMap<AssetId<StandardMaterial>, Handle<StandardMaterial>>,
}

impl MaterialBuckets {
    /// Number of distinct status materials created so far (for scale checks).
    #[cfg(test)]
    pub(crate) fn status_material_count(&self) -> usize {
        self.status.len()
    }
}

/// Blink phase of unacknowledged alarms (ISA-18.2 flashes them), from real time so it blinks
/// while the cursor is paused too.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub(crate) struct AlarmBlink {
    /// Showing the priority colour (else the rule colour).
    pub(crate) on: bool,
    /// Seconds per half cycle (0.5: about 1 Hz).
    pub(crate) half_period_s: f64,
}

impl Default for AlarmBlink {
    fn default() -> Self {
        Self {
            on: true,
            half_period_s: 0.5,
        }
    }
}

/// The colour an asset's alarms paint it, if any: its worst alarm's priority colour, steady
/// when acknowledged, alternating with the rule colour while it waits for an acknowledge.
pub(crate) fn alarm_color(alarms: Option<&AssetAlarms>, blink_on: bool) -> Option<RuleColor> {
    let worst = alarms?.worst.as_ref()?;
    let shown = if worst.state.needs_ack() {
        blink_on
    } else {
        worst.state.is_active()
    };
    shown.then(|| RuleColor(worst.priority.color()))
}

/// Adds status-material application.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<MaterialBuckets>()
        .init_resource::<AlarmBlink>()
        .add_systems(
            Update,
            (remember_original_materials, apply_asset_materials)
                .chain()
                .in_set(View::Materials),
        );
}

/// Asset meshes whose glTF material is not recorded yet.
type UnrememberedPart = (With<crate::plant::AssetPart>, Without<OriginalMaterial>);

/// Records each mesh's glTF material once, before any recolouring.
fn remember_original_materials(
    mut commands: Commands,
    meshes: Query<(Entity, &MeshMaterial3d<StandardMaterial>), UnrememberedPart>,
) {
    for (entity, material) in &meshes {
        commands
            .entity(entity)
            .insert(OriginalMaterial(material.0.clone()));
    }
}

/// What can change how an asset looks.
type ChangedLooks = Or<(
    Changed<AssetStatus>,
    Changed<AssetAlarms>,
    Changed<crate::risk::overlay::HeatColor>,
    Added<AssetParts>,
)>;

/// What an asset's look is made from.
type AssetLooks = (
    &'static AssetParts,
    Option<&'static AssetStatus>,
    Option<&'static AssetAlarms>,
    Option<&'static crate::risk::overlay::HeatColor>,
);

/// Sets the material of every part of assets whose status, alarms or selection changed, and
/// of assets with unacknowledged alarms when the blink phase flips.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_asset_materials(
    selection: Res<Selection>,
    mut previous_selection: Local<Option<Entity>>,
    time: Option<Res<Time<Real>>>,
    mut blink: ResMut<AlarmBlink>,
    mut buckets: ResMut<MaterialBuckets>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    changed: Query<Entity, ChangedLooks>,
    blinking: Query<(Entity, &AssetAlarms)>,
    assets: Query<AssetLooks, With<PlantAsset>>,
    mut parts: Query<
        (&mut MeshMaterial3d<StandardMaterial>, &OriginalMaterial),
        Without<crate::motion::KeepsOwnMaterial>,
    >,
) {
    let mut dirty: Vec<Entity> = changed.iter().collect();
    let phase = time.map_or(blink.on, |t| {
        ((t.elapsed_secs_f64() / blink.half_period_s.max(0.05)) as u64).is_multiple_of(2)
    });
    if phase != blink.on {
        blink.on = phase;
        let flashing = blinking
            .iter()
            .filter(|(_, a)| a.worst.as_ref().is_some_and(|w| w.state.needs_ack()));
        dirty.extend(flashing.map(|(entity, _)| entity));
    }
    if *previous_selection != selection.asset {
        dirty.extend(previous_selection.iter().copied());
        dirty.extend(selection.asset.iter().copied());
        *previous_selection = selection.asset;
    }
    for asset in dirty {
        let Ok((asset_parts, status, alarms, heat)) = assets.get(asset) else {
            continue;
        };
        let selected = selection.asset == Some(asset);
        // The risk heat overlay, while on, paints over status and alarm colours.
        let status_color = heat
            .and_then(|h| h.0)
            .or_else(|| alarm_color(alarms, blink.on))
            .or(status.and_then(|s| s.color));
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
