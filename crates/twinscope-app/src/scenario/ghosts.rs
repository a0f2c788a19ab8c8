//! The ghost layer: one entity per scenario body, drawn translucent violet with bright edges so
//! the what-if is never mistaken for the plant, whose status colours are opaque and never
//! violet. Assets touched by the outcomes get a pulsing outline while the scenario is shown.

use super::{LayerView, ScenarioState};
use crate::plant::{AssetBounds, PlantAsset, PlantStatus};
use bevy::prelude::*;
use std::collections::HashMap;
use twinscope_core::scenario::{BodyInfo, ShapeSpec};

use crate::widgets::srgb_floats;
use twinscope_core::theme::{self, GHOST_FILL};
/// Edges of dynamic bodies.
const GHOST_EDGE: Color = srgb_floats(theme::GHOST_EDGE);
/// Kinematic bodies (a forklift on its route) are drawn a little bluer.
const KINEMATIC_FILL: [f32; 4] = theme::GHOST_KINEMATIC_FILL;
/// Outline of assets touched by the outcomes.
const TOUCHED_EDGE: Color = srgb_floats(theme::TOUCHED_EDGE);
/// Touched assets covering more than this share of the plant's footprint (the floor) are
/// context, not outlined.
const CONTEXT_SHARE: f32 = 0.2;

/// Parent of the ghosts of one loaded run; despawned (with them) when the run is cleared.
#[derive(Component, Debug)]
pub(crate) struct GhostLayer {
    /// Identity of the run shown (its result's address), so a new run replaces the layer.
    pub(crate) run: usize,
}

/// One scenario body's ghost.
#[derive(Component, Debug, Clone)]
pub(crate) struct Ghost {
    /// Index into the run's bodies (and the body id in poses).
    pub(crate) body: usize,
    /// Its shape, for the outline.
    pub(crate) shape: ShapeSpec,
}

/// The identity of a loaded run, to tell runs apart.
pub(super) fn run_id(state: &ScenarioState) -> Option<usize> {
    state
        .loaded
        .as_ref()
        .map(|l| std::sync::Arc::as_ptr(&l.result) as usize)
}

/// A mesh for a body shape.
pub(crate) fn shape_mesh(shape: &ShapeSpec) -> Mesh {
    match *shape {
        ShapeSpec::Box { size } => Cuboid::new(size[0] as f32, size[1] as f32, size[2] as f32)
            .mesh()
            .build(),
        ShapeSpec::Cylinder { radius, height } => Cylinder::new(radius as f32, height as f32)
            .mesh()
            .resolution(24)
            .build(),
        ShapeSpec::Sphere { radius } => Sphere::new(radius as f32).mesh().uv(24, 12),
    }
}

/// A translucent ghost material of `fill`.
fn ghost_material(fill: [f32; 4]) -> StandardMaterial {
    let [r, g, b, a] = fill;
    StandardMaterial {
        base_color: Color::srgba(r, g, b, a),
        alpha_mode: AlphaMode::Blend,
        emissive: LinearRgba::rgb(r * 0.35, g * 0.35, b * 0.35),
        perceptual_roughness: 0.4,
        ..default()
    }
}

/// Spawns the ghost layer of a newly loaded run (hidden until the playback places it) and
/// despawns the layer of a cleared one. Meshes are shared between bodies of the same shape.
pub(super) fn spawn_ghosts(
    mut commands: Commands,
    state: Res<ScenarioState>,
    layers: Query<(Entity, &GhostLayer)>,
    meshes: Option<ResMut<Assets<Mesh>>>,
    materials: Option<ResMut<Assets<StandardMaterial>>>,
) {
    let wanted = run_id(&state);
    let mut present = false;
    for (entity, layer) in &layers {
        if Some(layer.run) == wanted {
            present = true;
        } else {
            commands.entity(entity).despawn();
        }
    }
    let (Some(run), Some(loaded)) = (wanted, state.loaded.as_ref()) else {
        return;
    };
    let Some(mut meshes) = meshes.filter(|_| !present) else {
        return;
    };
    let materials = materials.map(|mut m| {
        (
            m.add(ghost_material(GHOST_FILL)),
            m.add(ghost_material(KINEMATIC_FILL)),
        )
    });
    let mut shared: HashMap<String, Handle<Mesh>> = HashMap::new();
    let layer = commands
        .spawn((
            Name::new(format!("what-if: {}", loaded.name)),
            GhostLayer { run },
            Transform::default(),
            Visibility::default(),
        ))
        .id();
    for (index, body) in loaded.result.bodies.iter().enumerate() {
        let mesh = shared
            .entry(format!("{:?}", body.shape))
            .or_insert_with(|| meshes.add(shape_mesh(&body.shape)))
            .clone();
        let mut ghost = commands.spawn((
            Name::new(format!("ghost {}", body.name)),
            ghost_of(index, body),
            Mesh3d(mesh),
            Transform::default(),
            Visibility::Hidden,
            ChildOf(layer),
        ));
        if let Some((dynamic, kinematic)) = &materials {
            let material = if body.kinematic { kinematic } else { dynamic };
            ghost.insert(MeshMaterial3d(material.clone()));
        }
    }
}

fn ghost_of(body: usize, info: &BodyInfo) -> Ghost {
    Ghost {
        body,
        shape: info.shape.clone(),
    }
}

/// Bright edges on every shown ghost, and a pulsing outline around each asset the outcomes
/// touched (zones entered, nodes hit), while the scenario is shown.
pub(super) fn draw_outlines(
    state: Res<ScenarioState>,
    ghosts: Query<(&Ghost, &GlobalTransform, &ViewVisibility)>,
    assets: Query<(&PlantAsset, &AssetBounds)>,
    plant: Res<PlantStatus>,
    time: Res<Time<Real>>,
    mut gizmos: Gizmos,
) {
    let Some(loaded) = state.loaded.as_ref() else {
        return;
    };
    if state.view.shows_ghosts() {
        for (ghost, transform, visible) in &ghosts {
            if !visible.get() {
                continue;
            }
            let transform = transform.compute_transform();
            match ghost.shape {
                ShapeSpec::Box { size } => {
                    let size = Vec3::new(size[0] as f32, size[1] as f32, size[2] as f32);
                    gizmos.cube(transform.with_scale(size), GHOST_EDGE);
                }
                ShapeSpec::Cylinder { radius, height } => {
                    gizmos.primitive_3d(
                        &Cylinder::new(radius as f32, height as f32),
                        Isometry3d::new(transform.translation, transform.rotation),
                        GHOST_EDGE,
                    );
                }
                ShapeSpec::Sphere { radius } => {
                    gizmos.sphere(
                        Isometry3d::new(transform.translation, transform.rotation),
                        radius as f32,
                        GHOST_EDGE,
                    );
                }
            }
        }
    }
    if loaded.shown_s.is_none() || state.view == LayerView::Actual {
        return;
    }
    let pulse = 0.6 + 0.4 * (time.elapsed_secs() * 4.0).sin().abs();
    let color = TOUCHED_EDGE.with_alpha(pulse);
    let plant_area = plant
        .bounds
        .map_or(f32::INFINITY, |(min, max)| footprint(min, max));
    for (asset, bounds) in &assets {
        // The floor and the hall are touched by everything that falls: outlining them says
        // nothing, so assets covering a large part of the plant's footprint are left out.
        let context = footprint(bounds.min, bounds.max) > CONTEXT_SHARE * plant_area;
        if !context && is_touched(&loaded.result.outcomes.touched_nodes, &asset.tag) {
            let size = (bounds.max - bounds.min) + Vec3::splat(0.25);
            gizmos.cube(
                Transform::from_translation(bounds.center()).with_scale(size),
                color,
            );
        }
    }
}

/// Plan area (X × Z) of a box.
fn footprint(min: Vec3, max: Vec3) -> f32 {
    (max.x - min.x).max(0.0) * (max.z - min.z).max(0.0)
}

/// Once per newly loaded run, flies the camera to where it happens: the bodies' poses at the
/// cursor and every event's position, with a margin.
pub(super) fn frame_new_run(
    state: Res<ScenarioState>,
    plant: Res<PlantStatus>,
    mut framed: Local<Option<usize>>,
    mut camera: MessageWriter<crate::camera::CameraCommand>,
) {
    let run = run_id(&state);
    if run == *framed {
        return;
    }
    *framed = run;
    let Some(loaded) = state.loaded.as_ref() else {
        return;
    };
    let points = loaded
        .poses
        .iter()
        .map(|p| Vec3::from_array(p.translation))
        .chain(
            loaded
                .result
                .events
                .iter()
                .map(|e| Vec3::from_array(e.position)),
        )
        // A body that fell off the plant's edge falls for ever: only points over the plant.
        .filter(|p| {
            plant.bounds.is_some_and(|(lo, hi)| {
                let margin = Vec3::splat(2.0);
                p.cmpge(lo - margin).all() && p.cmple(hi + margin).all()
            })
        });
    let Some((min, max)) = points.fold(None, |acc: Option<(Vec3, Vec3)>, p| {
        Some(acc.map_or((p, p), |(lo, hi)| (lo.min(p), hi.max(p))))
    }) else {
        return;
    };
    let centre = (min + max) * 0.5;
    let half = ((max - min) * 0.5 + Vec3::splat(1.0)).max(Vec3::splat(2.5));
    camera.write(crate::camera::CameraCommand::Frame(
        centre - half,
        centre + half,
    ));
}

/// Whether the asset `tag` is one of the touched nodes or the owner of one (`TAG/part`).
pub(crate) fn is_touched(touched: &[String], tag: &str) -> bool {
    touched.iter().any(|node| {
        node == tag
            || node
                .strip_prefix(tag)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::camera::primitives::MeshAabb;

    #[test]
    fn touched_nodes_name_their_asset() {
        let touched = vec!["CV-201/belt".to_owned(), "WW-01".to_owned()];
        for (tag, expected) in [
            ("CV-201", true),
            ("WW-01", true),
            ("CV-20", false),
            ("WW-0", false),
            ("PK-201", false),
        ] {
            assert_eq!(is_touched(&touched, tag), expected, "{tag}");
        }
    }

    #[test]
    fn meshes_have_the_shapes_size() {
        let aabb = |shape| {
            shape_mesh(&shape)
                .compute_aabb()
                .map(|b| Vec3::from(b.half_extents) * 2.0)
                .unwrap()
        };
        let size = aabb(ShapeSpec::Box {
            size: [0.4, 0.3, 0.5],
        });
        assert!((size - Vec3::new(0.4, 0.3, 0.5)).length() < 1e-5, "{size}");
        let size = aabb(ShapeSpec::Cylinder {
            radius: 0.3,
            height: 0.9,
        });
        assert!((size - Vec3::new(0.6, 0.9, 0.6)).length() < 1e-3, "{size}");
        let size = aabb(ShapeSpec::Sphere { radius: 0.25 });
        assert!((size - Vec3::splat(0.5)).length() < 1e-3, "{size}");
    }
}
