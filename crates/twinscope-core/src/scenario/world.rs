//! The plant model as static colliders for scenario runs.
//!
//! Built once per scene model (it decodes every mesh) and shared by runs through an `Arc`.
//! Geometry is kept as plain world-space vertex/triangle lists so the simulator can build rapier
//! shapes from it and tests can compare it with the glTF's own accessor bounds.
//!
//! **Default collider: the convex hull of each mesh primitive.** Plant models are built from
//! many small solid parts (a tank shell, a pump casing, a belt, a leg), each its own primitive,
//! so per-primitive hulls follow the layout closely while giving the solver robust, cheap
//! contacts: a falling box cannot slip between two triangles or through a thin skin as it can
//! with a triangle soup. Hollow parts whose inside matters (a bin, a chute, a hall modelled as
//! one mesh) are set to [`ColliderKind::Trimesh`] in the scene's `[[colliders]]`; decals,
//! pointers and overhead parts nothing reaches can be [`ColliderKind::None`]. A choice applies
//! to the node's own meshes and to its descendants', the nearest ancestor's choice winning.

use super::{ColliderChoice, ColliderKind, ScenarioError};
use std::collections::HashMap;
use std::path::Path;

/// One static collider made from one mesh primitive of a node.
#[derive(Clone, Debug, PartialEq)]
pub struct StaticCollider {
    /// Name of the node whose mesh this is (empty for unnamed nodes).
    pub node: String,
    /// Convex hull or triangle mesh (never [`ColliderKind::None`]: those are skipped).
    pub kind: ColliderKind,
    /// World-space vertex positions.
    pub vertices: Vec<[f32; 3]>,
    /// Triangles as indices into `vertices`.
    pub triangles: Vec<[u32; 3]>,
}

/// What the world keeps per glTF node, for node lookups by name.
#[derive(Clone, Debug)]
struct NodeEntry {
    /// World position of the origin.
    origin: [f32; 3],
    /// World AABB of the node's and its descendants' meshes (all of them, colliders or not).
    bounds: Option<([f32; 3], [f32; 3])>,
    /// The parent node, `None` for roots.
    parent: Option<usize>,
}

/// The plant as static colliders, built once per scene model and shared (Arc) by runs.
#[derive(Clone, Debug, Default)]
pub struct StaticWorld {
    colliders: Vec<StaticCollider>,
    /// The glTF node index of each collider.
    collider_nodes: Vec<usize>,
    nodes: Vec<NodeEntry>,
    by_name: HashMap<String, usize>,
}

/// A column-major 4×4 affine transform, in f64 so deep hierarchies keep precision.
type Mat4 = [[f64; 4]; 4];

const IDENTITY: Mat4 = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0],
];

fn mat_mul(a: &Mat4, b: &Mat4) -> Mat4 {
    let mut out = [[0.0; 4]; 4];
    for (col, out_col) in out.iter_mut().enumerate() {
        for (row, cell) in out_col.iter_mut().enumerate() {
            *cell = (0..4).map(|k| a[k][row] * b[col][k]).sum();
        }
    }
    out
}

fn transform_point(m: &Mat4, p: [f32; 3]) -> [f32; 3] {
    let [x, y, z] = p.map(f64::from);
    let row = |r: usize| m[0][r] * x + m[1][r] * y + m[2][r] * z + m[3][r];
    [row(0) as f32, row(1) as f32, row(2) as f32]
}

/// Grows `bounds` to hold `other`.
fn union(bounds: &mut Option<([f32; 3], [f32; 3])>, other: ([f32; 3], [f32; 3])) {
    let merged = match bounds.take() {
        None => other,
        Some((min, max)) => (
            std::array::from_fn(|i| min[i].min(other.0[i])),
            std::array::from_fn(|i| max[i].max(other.1[i])),
        ),
    };
    *bounds = Some(merged);
}

/// AABB of a point list (`None` when empty).
pub(crate) fn points_bounds(points: &[[f32; 3]]) -> Option<([f32; 3], [f32; 3])> {
    let mut bounds = None;
    for p in points {
        union(&mut bounds, (*p, *p));
    }
    bounds
}

impl StaticWorld {
    /// Reads the model (glTF/GLB) with the gltf crate; `choices` pick convex/trimesh/none per
    /// node (inherited by descendants); the default is documented in the module.
    pub fn from_model(
        path: &Path,
        choices: &[ColliderChoice],
    ) -> Result<StaticWorld, ScenarioError> {
        let model_error = |message: String| ScenarioError::Model {
            path: path.to_path_buf(),
            message,
        };
        let gltf::Gltf { document, blob } =
            gltf::Gltf::open(path).map_err(|e| model_error(e.to_string()))?;
        let buffers = gltf::import_buffers(&document, path.parent(), blob)
            .map_err(|e| model_error(e.to_string()))?;
        Self::from_document(&document, &buffers, choices)
    }

    /// Builds the world from an already-parsed glTF document and its decoded buffers.
    pub(crate) fn from_document(
        document: &gltf::Document,
        buffers: &[gltf::buffer::Data],
        choices: &[ColliderChoice],
    ) -> Result<StaticWorld, ScenarioError> {
        let mut world = StaticWorld {
            colliders: Vec::new(),
            collider_nodes: Vec::new(),
            nodes: vec![
                NodeEntry {
                    origin: [0.0; 3],
                    bounds: None,
                    parent: None,
                };
                document.nodes().len()
            ],
            by_name: HashMap::new(),
        };
        for node in document.nodes() {
            if let Some(name) = node.name() {
                world.by_name.entry(name.to_owned()).or_insert(node.index());
            }
            for child in node.children() {
                if let Some(entry) = world.nodes.get_mut(child.index()) {
                    entry.parent = Some(node.index());
                }
            }
        }
        for choice in choices {
            if !world.by_name.contains_key(&choice.node) {
                return Err(ScenarioError::Spec {
                    location: choice.location.clone(),
                    message: format!(
                        "collider choice names node `{}`, which is not in the model",
                        choice.node
                    ),
                });
            }
        }
        let chosen: HashMap<&str, ColliderKind> =
            choices.iter().map(|c| (c.node.as_str(), c.kind)).collect();
        let roots: Vec<gltf::Node> = match document
            .default_scene()
            .or_else(|| document.scenes().next())
        {
            Some(scene) => scene.nodes().collect(),
            None => {
                let mut is_child = vec![false; document.nodes().len()];
                for node in document.nodes() {
                    for child in node.children() {
                        is_child[child.index()] = true;
                    }
                }
                document.nodes().filter(|n| !is_child[n.index()]).collect()
            }
        };
        for root in roots {
            world.visit(&root, &IDENTITY, ColliderKind::Convex, &chosen, buffers, 0);
        }
        Ok(world)
    }

    /// Walks a node and its children depth-first, returning the subtree's bounds.
    fn visit(
        &mut self,
        node: &gltf::Node,
        parent: &Mat4,
        inherited: ColliderKind,
        chosen: &HashMap<&str, ColliderKind>,
        buffers: &[gltf::buffer::Data],
        depth: usize,
    ) -> Option<([f32; 3], [f32; 3])> {
        // glTF forbids cycles; a malformed file with one stops here instead of recursing forever.
        if depth > 256 {
            return None;
        }
        let local = node.transform().matrix().map(|c| c.map(f64::from));
        let world = mat_mul(parent, &local);
        let name = node.name().unwrap_or_default();
        let kind = chosen.get(name).copied().unwrap_or(inherited);
        let mut bounds = None;
        if let Some(mesh) = node.mesh() {
            for primitive in mesh.primitives() {
                let Some((vertices, triangles)) = primitive_geometry(&primitive, buffers, &world)
                else {
                    continue;
                };
                if let Some(b) = points_bounds(&vertices) {
                    union(&mut bounds, b);
                }
                if kind != ColliderKind::None {
                    self.colliders.push(StaticCollider {
                        node: name.to_owned(),
                        kind,
                        vertices,
                        triangles,
                    });
                    self.collider_nodes.push(node.index());
                }
            }
        }
        for child in node.children() {
            if let Some(b) = self.visit(&child, &world, kind, chosen, buffers, depth + 1) {
                union(&mut bounds, b);
            }
        }
        if let Some(entry) = self.nodes.get_mut(node.index()) {
            entry.origin = [world[3][0] as f32, world[3][1] as f32, world[3][2] as f32];
            entry.bounds = bounds;
        }
        bounds
    }

    /// World AABB (min, max) of a named node including descendants' meshes.
    pub(crate) fn node_bounds(&self, node: &str) -> Option<([f32; 3], [f32; 3])> {
        self.nodes.get(*self.by_name.get(node)?)?.bounds
    }

    /// World position of a named node's origin.
    pub(crate) fn node_origin(&self, node: &str) -> Option<[f32; 3]> {
        Some(self.nodes.get(*self.by_name.get(node)?)?.origin)
    }

    /// Whether the model has a node of this name.
    pub(crate) fn has_node(&self, node: &str) -> bool {
        self.by_name.contains_key(node)
    }

    /// Whether collider `collider` belongs to the node named `ancestor` or one of its
    /// descendants.
    pub(crate) fn collider_within(&self, collider: usize, ancestor: &str) -> bool {
        let Some(&target) = self.by_name.get(ancestor) else {
            return false;
        };
        let mut node = self.collider_nodes.get(collider).copied();
        // Bounded walk: a malformed file with a parent cycle cannot loop forever.
        for _ in 0..=self.nodes.len() {
            match node {
                Some(n) if n == target => return true,
                Some(n) => node = self.nodes.get(n).and_then(|e| e.parent),
                None => return false,
            }
        }
        false
    }

    /// The static colliders (node, kind, world-space vertices/triangles), for tests and debug
    /// drawing.
    pub fn colliders(&self) -> &[StaticCollider] {
        &self.colliders
    }
}

/// World-space vertices and the triangles indexing them.
type Geometry = (Vec<[f32; 3]>, Vec<[u32; 3]>);

/// World-space vertices and triangles of a triangle-list primitive (`None` for points, lines
/// and primitives without positions, which cannot collide).
fn primitive_geometry(
    primitive: &gltf::Primitive,
    buffers: &[gltf::buffer::Data],
    world: &Mat4,
) -> Option<Geometry> {
    if primitive.mode() != gltf::mesh::Mode::Triangles {
        return None;
    }
    let reader = primitive.reader(|buffer| buffers.get(buffer.index()).map(|d| &d.0[..]));
    let vertices: Vec<[f32; 3]> = reader
        .read_positions()?
        .map(|p| transform_point(world, p))
        .collect();
    let indices: Vec<u32> = match reader.read_indices() {
        Some(indices) => indices.into_u32().collect(),
        None => (0..vertices.len() as u32).collect(),
    };
    let count = vertices.len() as u32;
    let triangles: Vec<[u32; 3]> = indices
        .chunks_exact(3)
        .map(|t| [t[0], t[1], t[2]])
        .filter(|t| t.iter().all(|&i| i < count))
        .collect();
    (!vertices.is_empty()).then_some((vertices, triangles))
}
