//! The plant model as static colliders for scenario runs.
//!
//! Built once per scene model (it decodes every mesh) and shared by runs through an `Arc`.
//! Geometry is kept as plain world-space vertex/triangle lists so the simulator can build rapier
//! shapes from it and tests can compare it with the glTF's own accessor bounds.

use super::{ColliderChoice, ColliderKind, ScenarioError};
use std::path::Path;

/// One static collider made from one mesh primitive of a node.
#[derive(Clone, Debug, PartialEq)]
pub struct StaticCollider {
    /// Name of the node whose mesh this is (empty for unnamed nodes).
    pub node: String,
    /// The nearest named ancestor-or-self, so a hit on an unnamed part still names an asset.
    pub owner: String,
    /// Convex hull or triangle mesh (never [`ColliderKind::None`]: those are skipped).
    pub kind: ColliderKind,
    /// World-space vertex positions.
    pub vertices: Vec<[f32; 3]>,
    /// Triangles as indices into `vertices`.
    pub triangles: Vec<[u32; 3]>,
}

/// The plant as static colliders, built once per scene model and shared (Arc) by runs.
#[derive(Clone, Debug, Default)]
pub struct StaticWorld {
    colliders: Vec<StaticCollider>,
}

impl StaticWorld {
    /// Reads the model (glTF/GLB) with the gltf crate; `choices` pick convex/trimesh/none per
    /// node (inherited by descendants); the default is documented in the module.
    pub fn from_model(
        path: &Path,
        choices: &[ColliderChoice],
    ) -> Result<StaticWorld, ScenarioError> {
        let _ = choices;
        Err(ScenarioError::Model {
            path: path.to_path_buf(),
            message: "not yet implemented".into(),
        })
    }

    /// World AABB (min, max) of a named node including descendants' meshes.
    pub fn node_bounds(&self, node: &str) -> Option<([f32; 3], [f32; 3])> {
        let _ = node;
        None
    }

    /// World position of a named node's origin.
    pub fn node_origin(&self, node: &str) -> Option<[f32; 3]> {
        let _ = node;
        None
    }

    /// The static colliders (node, kind, world-space vertices/triangles), for tests and debug
    /// drawing.
    pub fn colliders(&self) -> &[StaticCollider] {
        &self.colliders
    }
}
