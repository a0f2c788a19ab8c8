//! The time cursor drives the scenario: every frame the loaded run is seeked to the view time
//! (`view time − T0`) and the ghosts posed; outside `[T0, T0 + duration]` they hide. Seeks
//! happen only when the view time moved, so a paused cursor costs nothing.

use super::ghosts::Ghost;
use super::{LayerView, ScenarioState};
use crate::motion::MotionNode;
use crate::pipeline::ViewTime;
use bevy::prelude::*;
use twinscope_core::motion::Movement;
use twinscope_core::scenario::BodyPose;
use twinscope_core::signal::Timestamp;

/// Seconds after T0 the view time is, if it lies within the run (of `duration_s` seconds).
pub(crate) fn run_time(view: Timestamp, t0: Timestamp, duration_s: f64) -> Option<f64> {
    let t = (view.0 - t0.0) as f64 / 1e9;
    // A nanosecond of rounding at either end still shows the first or last pose.
    (-1e-6..=duration_s + 1e-6)
        .contains(&t)
        .then(|| t.clamp(0.0, duration_s))
}

/// The transform of a body pose.
pub(crate) fn pose_transform(pose: &BodyPose) -> Transform {
    let [x, y, z, w] = pose.rotation;
    Transform::from_translation(Vec3::from_array(pose.translation))
        .with_rotation(Quat::from_xyzw(x, y, z, w).normalize())
}

/// Seeks the loaded run to the view time and poses its ghosts; bodies not spawned yet at that
/// time, and every ghost outside the run or in the "actual" view, are hidden.
pub(super) fn follow_cursor(
    view: Res<ViewTime>,
    mut state: ResMut<ScenarioState>,
    mut ghosts: Query<(&Ghost, &mut Transform, &mut Visibility)>,
) {
    let layer = state.view;
    let Some(loaded) = state.loaded.as_mut() else {
        return;
    };
    let at = run_time(view.time, loaded.t0, loaded.duration_s());
    if let Some(t) = at
        && loaded.shown_s != Some(t)
    {
        let started = std::time::Instant::now();
        loaded.poses = loaded.playback.seek(t).to_vec();
        let ms = started.elapsed().as_secs_f64() * 1e3;
        loaded.seek_ms = (loaded.seek_ms.0.max(ms), ms);
    }
    loaded.shown_s = at;
    let mut poses: Vec<Option<Transform>> = vec![None; loaded.result.bodies.len()];
    if at.is_some() {
        for pose in &loaded.poses {
            if let Some(slot) = poses.get_mut(pose.body) {
                *slot = Some(pose_transform(pose));
            }
        }
    }
    for (ghost, mut transform, mut visibility) in &mut ghosts {
        match poses.get(ghost.body).copied().flatten() {
            Some(posed) if layer.shows_ghosts() => {
                transform.set_if_neq(posed);
                visibility.set_if_neq(Visibility::Inherited);
            }
            _ => {
                visibility.set_if_neq(Visibility::Hidden);
            }
        }
    }
}

/// In the "ghost" view, while the cursor is inside the run, hides the plant's recorded moving
/// items (cartons riding a belt: `[[motion]]` travel nodes), so only the what-if moves over the
/// static plant; restores them otherwise.
pub(super) fn apply_layer_view(
    state: Res<ScenarioState>,
    mut hidden: Local<bool>,
    mut nodes: Query<(&MotionNode, &mut Visibility)>,
) {
    let hide = state
        .loaded
        .as_ref()
        .is_some_and(|l| l.shown_s.is_some() && state.view == LayerView::Ghost);
    if hide == *hidden {
        return;
    }
    *hidden = hide;
    for (node, mut visibility) in &mut nodes {
        let travels = node
            .drive
            .as_ref()
            .is_some_and(|(_, d)| matches!(d.movement, Movement::Travel { .. }));
        if travels && node.visible.is_none() {
            visibility.set_if_neq(if hide {
                Visibility::Hidden
            } else {
                node.original_visibility
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_time_is_inside_the_run_only() {
        let t0 = Timestamp(1_000_000_000_000);
        let s = |secs: f64| Timestamp(t0.0 + (secs * 1e9) as i64);
        for (view, expected) in [
            (s(-0.5), None),
            (s(0.0), Some(0.0)),
            (s(2.5), Some(2.5)),
            (s(30.0), Some(30.0)),
            (s(30.01), None),
        ] {
            assert_eq!(run_time(view, t0, 30.0), expected, "{view:?}");
        }
    }

    #[test]
    fn poses_become_transforms() {
        let half = std::f32::consts::FRAC_1_SQRT_2;
        let pose = BodyPose {
            body: 0,
            translation: [1.0, 2.0, 3.0],
            rotation: [0.0, half, 0.0, half],
        };
        let transform = pose_transform(&pose);
        assert_eq!(transform.translation, Vec3::new(1.0, 2.0, 3.0));
        let x = transform.rotation * Vec3::X;
        assert!(
            (x - Vec3::NEG_Z).length() < 1e-5,
            "90° about Y turns X to -Z: {x}"
        );
    }
}
