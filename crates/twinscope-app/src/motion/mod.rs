//! Motion: the scene's `[[motion]]` entries move glTF nodes by signal values at the view time
//! (fans spin, levels fill, valve pointers turn, cartons ride the belt, a beacon shows), and
//! parts that show state by their own colour keep their material under status colours.
//!
//! Each moved node keeps its modelled transform; every frame its pose is recomputed from the
//! value at the view time ([`twinscope_core::motion`]) and written only when it differs, so idle
//! nodes cause no transform propagation.

use crate::ingest::Store;
use crate::pipeline::ActiveScene;
use crate::pipeline::Stage;
use crate::pipeline::ViewTime;
use crate::plant::{PlantInstanceReady, PlantRoot};
use bevy::camera::primitives::Aabb;
use bevy::gltf::GltfExtras;
use bevy::prelude::*;
use std::collections::{HashMap, HashSet};
use twinscope_core::motion::{
    Drive, Movement, Pose, VisibleWhen, fill_shift, travel_position, view_step_s,
};
use twinscope_core::signal::Timestamp;
use twinscope_core::store::SignalIndex;

/// A mesh the status colours leave alone: its glTF node's extras say `"keep_material": true`
/// (a sight glass, a beacon, a moving indicator shows state by its own colour).
#[derive(Component, Clone, Copy, Debug, Default)]
pub(crate) struct KeepsOwnMaterial;

/// A glTF node moved by the scene's `[[motion]]` entry for it.
#[derive(Component, Clone, Debug)]
pub(crate) struct MotionNode {
    /// The movement and its signal's store index (`None`: undeclared, so never any data).
    pub(crate) drive: Option<(Option<SignalIndex>, Drive)>,
    /// When it shows, and the signal's store index.
    pub(crate) visible: Option<(Option<SignalIndex>, VisibleWhen)>,
    /// The transform the model gave it: every pose is relative to this.
    pub(crate) original: Transform,
    /// The visibility the model gave it, restored without data.
    pub(crate) original_visibility: Visibility,
    /// The minimum coordinate of its meshes along the fill axis (0 for other movements): the
    /// face a fill keeps in place.
    pub(crate) mesh_min: f32,
    /// Integrated phase (turns) or distance of a spin or travel.
    pub(crate) accumulated: f64,
}

/// Adds motion: attaching when the plant is instanced, posing each frame in the view stage.
pub(crate) fn plugin(app: &mut App) {
    app.add_observer(attach_on_ready)
        .add_systems(Update, apply_motion.in_set(Stage::View));
}

/// Whether a node's extras JSON asks to keep its material.
fn keeps_material(extras: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(extras)
        .is_ok_and(|v| v.get("keep_material") == Some(&serde_json::Value::Bool(true)))
}

/// When the plant's glTF instance is ready: marks meshes that keep their material, and gives
/// each node a `[[motion]]` entry names its [`MotionNode`] (the first node of that name).
#[allow(clippy::too_many_arguments)]
fn attach_on_ready(
    ready: On<PlantInstanceReady>,
    mut commands: Commands,
    roots: Query<(), With<PlantRoot>>,
    children: Query<&Children>,
    nodes: Query<(&Name, &Transform, Option<&Visibility>, Option<&GltfExtras>)>,
    meshes: Query<(Option<&Aabb>, &Transform), With<Mesh3d>>,
    active: Res<ActiveScene>,
    store: Res<Store>,
) {
    let root = ready.entity;
    if !roots.contains(root) {
        return;
    }
    let wanted: HashMap<&str, _> = active
        .scene
        .motions
        .iter()
        .map(|m| (m.node.as_str(), m))
        .collect();
    let mut found: HashSet<&str> = HashSet::new();
    for entity in children.iter_descendants(root) {
        let Ok((name, transform, visibility, extras)) = nodes.get(entity) else {
            continue;
        };
        // The node's own mesh (if any) and its primitives, which glTF instancing makes children.
        let own_meshes: Vec<Entity> = std::iter::once(entity)
            .chain(children.get(entity).into_iter().flatten().copied())
            .filter(|e| meshes.contains(*e))
            .collect();
        if extras.is_some_and(|e| keeps_material(&e.value)) {
            for &mesh in &own_meshes {
                commands.entity(mesh).insert(KeepsOwnMaterial);
            }
        }
        let Some(motion) = wanted.get(name.as_str()) else {
            continue;
        };
        if !found.insert(name.as_str()) {
            continue;
        }
        let index = |signal| store.index_of(signal);
        let mesh_min = match &motion.drive {
            Some(drive) if matches!(drive.movement, Movement::Fill { .. }) => {
                let axis = drive.axis.index();
                let mins = meshes.iter_many(&own_meshes).filter_map(|(aabb, local)| {
                    aabb.map(|aabb| local.translation[axis] + local.scale[axis] * aabb.min()[axis])
                });
                mins.reduce(f32::min).unwrap_or_else(|| {
                    warn!("motion: `{name}` has no mesh bounds; it fills about its centre");
                    0.0
                })
            }
            _ => 0.0,
        };
        commands.entity(entity).insert(MotionNode {
            drive: motion.drive.as_ref().map(|d| (index(&d.signal), d.clone())),
            visible: motion
                .visible
                .as_ref()
                .map(|v| (index(&v.signal), v.clone())),
            original: *transform,
            original_visibility: visibility.copied().unwrap_or_default(),
            mesh_min,
            accumulated: 0.0,
        });
    }
    for node in wanted.keys().filter(|node| !found.contains(**node)) {
        warn!(
            "scene {}: motion node `{node}` is not in the model",
            active.scene.source.display()
        );
    }
}

/// Poses every moved node for the value at the view time; speeds integrate the change of view
/// time since the last frame (clamped), so pausing stops them and reverse runs them back.
fn apply_motion(
    store: Res<Store>,
    view: Res<ViewTime>,
    mut previous: Local<Option<Timestamp>>,
    mut nodes: Query<(&mut MotionNode, &mut Transform, Option<&mut Visibility>)>,
) {
    let dt = previous.map_or(0.0, |p| view_step_s(p.0, view.time.0));
    *previous = Some(view.time);
    let at = view.lookup();
    let value = |index: &Option<SignalIndex>| {
        index
            .and_then(|i| store.value_at(i, at))
            .map(|sample| sample.value)
    };
    for (mut node, mut transform, visibility) in &mut nodes {
        let MotionNode {
            drive,
            visible,
            original,
            original_visibility,
            mesh_min,
            accumulated,
        } = node.bypass_change_detection();
        if let Some((index, drive)) = drive {
            let pose = drive.pose(value(index), dt, accumulated);
            transform.set_if_neq(posed(original, drive, pose, *mesh_min));
        }
        if let (Some((index, when)), Some(mut shown)) = (visible.as_ref(), visibility) {
            let wanted = match when.visible(value(index)) {
                Some(true) => Visibility::Inherited,
                Some(false) => Visibility::Hidden,
                None => *original_visibility,
            };
            shown.set_if_neq(wanted);
        }
    }
}

/// The transform of a node modelled at `original` in `pose`. Spin, angle and travel axes are
/// the parent's; the fill axis is the mesh's own, and `mesh_min` its minimum coordinate along
/// it, which stays in place.
pub(crate) fn posed(original: &Transform, drive: &Drive, pose: Pose, mesh_min: f32) -> Transform {
    let a = drive.axis.index();
    let axis = Vec3::AXES[a];
    let mut out = *original;
    match pose {
        Pose::Rest => {}
        Pose::Turned(radians) => {
            out.rotation = Quat::from_axis_angle(axis, radians as f32) * original.rotation;
        }
        Pose::Moved(distance) => {
            let wrap = match drive.movement {
                Movement::Travel { wrap, .. } => wrap,
                _ => None,
            };
            let origin = f64::from(original.translation[a]);
            out.translation[a] = travel_position(origin, distance, wrap) as f32;
        }
        Pose::Filled(fraction) => {
            let scale = original.scale[a];
            out.scale[a] = scale * fraction as f32;
            let shift = fill_shift(f64::from(scale), f64::from(mesh_min), fraction) as f32;
            out.translation = original.translation + original.rotation * (axis * shift);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinscope_core::motion::Axis;
    use twinscope_core::signal::SignalId;

    fn drive(axis: Axis, movement: Movement) -> Drive {
        Drive {
            signal: SignalId::new("s"),
            axis,
            movement,
        }
    }

    #[test]
    fn a_filled_box_keeps_its_bottom_face_even_when_turned() {
        // A unit box scaled 4 tall, turned about Y (which leaves its Y axis vertical) and then
        // one tipped over 90° about Z, whose mesh Y now runs along -X.
        for rotation in [Quat::from_rotation_y(0.5), Quat::from_rotation_z(FRAC_PI_2)] {
            let original = Transform {
                translation: Vec3::new(1.0, 3.0, -2.0),
                rotation,
                scale: Vec3::new(0.2, 4.0, 0.1),
            };
            let fill = drive(
                Axis::Y,
                Movement::Fill {
                    range: [0.0, 100.0],
                },
            );
            let bottom = |t: &Transform| t.transform_point(Vec3::new(0.0, -0.5, 0.0));
            let top = |t: &Transform| t.transform_point(Vec3::new(0.0, 0.5, 0.0));
            let quarter = posed(&original, &fill, Pose::Filled(0.25), -0.5);
            assert!(bottom(&quarter).abs_diff_eq(bottom(&original), 1e-5));
            let height = (top(&quarter) - bottom(&quarter)).length();
            assert!((height - 1.0).abs() < 1e-5, "a quarter of 4 m: {height}");
            assert_eq!(posed(&original, &fill, Pose::Rest, -0.5), original);
        }
    }

    #[test]
    fn turns_and_travel_are_about_the_parent_axes() {
        let original = Transform::from_xyz(0.5, 0.6, 0.0).with_scale(Vec3::new(0.02, 0.4, 0.07));
        let spin = drive(
            Axis::X,
            Movement::Spin {
                turns_per_unit: 1.0,
            },
        );
        let turned = posed(
            &original,
            &spin,
            Pose::Turned(std::f64::consts::FRAC_PI_2),
            0.0,
        );
        assert_eq!(turned.translation, original.translation, "turns in place");
        // The blade's long side (local Y) now points along Z.
        let tip = turned.transform_point(Vec3::new(0.0, 0.5, 0.0)) - turned.translation;
        assert!(tip.abs_diff_eq(Vec3::new(0.0, 0.0, 0.2), 1e-5), "{tip}");

        let carton = Transform::from_xyz(5.0, 1.0, 0.0);
        let travel = drive(
            Axis::X,
            Movement::Travel {
                distance_per_unit: 1.0,
                wrap: Some([-5.5, 5.5]),
            },
        );
        let moved = posed(&carton, &travel, Pose::Moved(1.0), 0.0);
        assert!(
            moved
                .translation
                .abs_diff_eq(Vec3::new(-5.0, 1.0, 0.0), 1e-5)
        );
    }

    #[test]
    fn keep_material_extras_are_read_strictly() {
        assert!(keeps_material(r#"{"keep_material":true}"#));
        assert!(!keeps_material(r#"{"keep_material":"yes"}"#));
        assert!(!keeps_material(r#"{"tag":"P-101"}"#));
        assert!(!keeps_material("not json"));
    }

    use std::f32::consts::FRAC_PI_2;
}
