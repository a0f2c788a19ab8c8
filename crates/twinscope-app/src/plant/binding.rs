//! Attaches plant tags and signal bindings to the instanced glTF entities.

use super::{PlantRoot, PlantStatus};
use crate::ingest::Store;
use crate::pipeline::ActiveScene;
use bevy::prelude::*;
use bevy::world_serialization::WorldInstanceReady;
use std::collections::{BTreeSet, HashMap, HashSet};
use twinscope_core::rules::ColorRule;
use twinscope_core::signal::SignalId;
use twinscope_core::store::SignalIndex;

/// A plant asset: a named glTF node that operators recognise by its tag.
#[derive(Component, Clone, Debug)]
pub(crate) struct PlantAsset {
    /// Plant tag, the glTF node name (e.g. `P-101`).
    pub(crate) tag: String,
    /// Free-text description from the model's extras.
    pub(crate) description: Option<String>,
    /// Kind of equipment from the model's extras (`pump`, `tank`, …).
    pub(crate) kind: Option<String>,
}

/// One signal shown for an asset.
#[derive(Clone, Debug)]
pub(crate) struct BoundSignal {
    /// Signal id as written in the scene file.
    pub(crate) id: SignalId,
    /// Index in the store, `None` if the scene file does not declare it.
    pub(crate) index: Option<SignalIndex>,
    /// Display unit.
    pub(crate) unit: String,
    /// Decimals to show (see [`twinscope_core::rules::format_value`]).
    pub(crate) precision: usize,
}

/// The signals bound to an asset and the rule that colours it.
#[derive(Component, Clone, Debug)]
pub(crate) struct AssetBinding {
    /// Signals shown in the inspector, in scene-file order.
    pub(crate) signals: Vec<BoundSignal>,
    /// The colour rule (bands or gradient) and the signal it reads.
    pub(crate) rule: Option<(SignalIndex, ColorRule)>,
    /// Seconds without a sample of the rule's signal after which the asset shows as stale.
    pub(crate) stale_after_s: f64,
}

/// A mesh entity that belongs to an asset, so a click on it selects the asset.
#[derive(Component, Clone, Copy, Debug)]
pub(crate) struct AssetPart {
    /// The asset entity (the named glTF node).
    pub(crate) asset: Entity,
}

/// The mesh entities of an asset, for recolouring without walking the hierarchy each frame.
#[derive(Component, Clone, Debug, Default)]
pub(crate) struct AssetParts(pub Vec<Entity>);

/// Binds the plant when its glTF instance is ready.
#[allow(clippy::too_many_arguments)]
pub(super) fn bind_plant_on_ready(
    ready: On<WorldInstanceReady>,
    mut commands: Commands,
    roots: Query<(), With<PlantRoot>>,
    children: Query<&Children>,
    names: Query<&Name>,
    meshes: Query<(), With<Mesh3d>>,
    active: Res<ActiveScene>,
    store: Res<Store>,
    mut status: ResMut<PlantStatus>,
) {
    let root = ready.entity;
    if !roots.contains(root) {
        return;
    }
    let scene = &active.scene;
    let asset_nodes: HashMap<&str, &twinscope_core::scene::ModelNode> = active
        .model_nodes
        .iter()
        .filter(|node| node.is_asset)
        .map(|node| (node.name.as_str(), node))
        .collect();
    let bound_nodes: BTreeSet<&str> = scene.bindings.iter().map(|b| b.node.as_str()).collect();

    // Find asset entities by name; the first entity with a name wins if names repeat.
    let mut found: HashMap<String, Entity> = HashMap::new();
    for entity in children.iter_descendants(root) {
        let Ok(name) = names.get(entity) else {
            continue;
        };
        let name = name.as_str();
        if (asset_nodes.contains_key(name) || bound_nodes.contains(name))
            && !found.contains_key(name)
        {
            found.insert(name.to_owned(), entity);
        }
    }

    let asset_entities: HashSet<Entity> = found.values().copied().collect();
    for (tag, &entity) in &found {
        let node = asset_nodes.get(tag.as_str());
        let mut parts = Vec::new();
        collect_parts(entity, &children, &meshes, &asset_entities, &mut parts);
        for &part in &parts {
            commands.entity(part).insert(AssetPart { asset: entity });
        }
        let mut asset = commands.entity(entity);
        asset.insert((
            PlantAsset {
                tag: tag.clone(),
                description: node.and_then(|n| n.description.clone()),
                kind: node.and_then(|n| n.kind.clone()),
            },
            AssetParts(parts),
        ));
        if let Some(binding) = scene.binding(tag) {
            let signals = binding
                .signals
                .iter()
                .map(|id| {
                    let spec = scene.signal(id);
                    BoundSignal {
                        id: id.clone(),
                        index: store.index_of(id),
                        unit: spec.map(|s| s.unit.clone()).unwrap_or_default(),
                        precision: spec.map_or(2, |s| s.precision),
                    }
                })
                .collect();
            let rule = binding.rule.as_ref().and_then(|r| {
                store
                    .index_of(&r.signal)
                    .map(|index| (index, r.rule.clone()))
            });
            let period_s = binding
                .rule
                .as_ref()
                .and_then(|r| scene.signal(&r.signal))
                .map_or(1.0, |s| s.period_s);
            let stale_after_s = twinscope_core::freshness::stale_after(period_s);
            asset.insert(AssetBinding {
                signals,
                rule,
                stale_after_s,
            });
        }
    }

    status.missing_nodes = bound_nodes
        .iter()
        .filter(|n| !found.contains_key(**n))
        .map(|n| n.to_string())
        .collect();
    status.unbound_assets = found
        .keys()
        .filter(|tag| !bound_nodes.contains(tag.as_str()))
        .cloned()
        .collect();
    status.unbound_assets.sort();
    for missing in &status.missing_nodes {
        warn!(
            "scene {}: bound node `{missing}` is not in the model",
            scene.source.display()
        );
    }
    status.ready = true;
    info!(
        "plant ready: {} assets, {} bound, {} unbound",
        found.len(),
        found.len() - status.unbound_assets.len(),
        status.unbound_assets.len()
    );
}

/// Mesh entities under `entity`, stopping at nested assets (they own their own parts).
fn collect_parts(
    entity: Entity,
    children: &Query<&Children>,
    meshes: &Query<(), With<Mesh3d>>,
    assets: &HashSet<Entity>,
    out: &mut Vec<Entity>,
) {
    if meshes.contains(entity) {
        out.push(entity);
    }
    let Ok(kids) = children.get(entity) else {
        return;
    };
    for &child in kids {
        if assets.contains(&child) {
            continue;
        }
        collect_parts(child, children, meshes, assets, out);
    }
}
