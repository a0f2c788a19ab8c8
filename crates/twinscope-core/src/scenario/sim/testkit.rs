//! Test helpers: tiny GLB models built in memory and spec builders with sensible defaults.

use super::super::world::StaticWorld;
use super::super::*;
use crate::scene::Location;
use std::sync::Arc;

/// A node of a test model: a unit cube mesh scaled to `size` (or no mesh).
pub(crate) struct TestNode {
    pub name: &'static str,
    pub parent: Option<usize>,
    pub translation: [f32; 3],
    /// Quaternion `[x, y, z, w]`.
    pub rotation: [f32; 4],
    /// Scale of the unit cube; `None` for a node without a mesh.
    pub size: Option<[f32; 3]>,
}

/// A mesh node at `translation` with a cube of `size`, no rotation.
pub(crate) fn cube(
    name: &'static str,
    parent: Option<usize>,
    translation: [f32; 3],
    size: [f32; 3],
) -> TestNode {
    TestNode {
        name,
        parent,
        translation,
        rotation: [0.0, 0.0, 0.0, 1.0],
        size: Some(size),
    }
}

/// A GLB with one unit-cube mesh (±0.5) shared by every node that has a size.
pub(crate) fn glb(nodes: &[TestNode]) -> Vec<u8> {
    let mut bin = Vec::new();
    for i in 0..8u32 {
        for axis in 0..3 {
            let v: f32 = if i >> axis & 1 == 1 { 0.5 } else { -0.5 };
            bin.extend_from_slice(&v.to_le_bytes());
        }
    }
    // Two triangles per face, indexing the corners by their bit pattern.
    let faces: [[u16; 4]; 6] = [
        [0, 2, 6, 4],
        [1, 5, 7, 3],
        [0, 4, 5, 1],
        [2, 3, 7, 6],
        [0, 1, 3, 2],
        [4, 6, 7, 5],
    ];
    for f in faces {
        for i in [f[0], f[1], f[2], f[0], f[2], f[3]] {
            bin.extend_from_slice(&i.to_le_bytes());
        }
    }
    let json_nodes: Vec<serde_json::Value> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let children: Vec<usize> = (0..nodes.len())
                .filter(|&c| nodes[c].parent == Some(i))
                .collect();
            let mut node = serde_json::json!({
                "name": n.name,
                "translation": n.translation,
                "rotation": n.rotation,
            });
            if let Some(size) = n.size {
                node["mesh"] = 0.into();
                node["scale"] = serde_json::json!(size);
            }
            if !children.is_empty() {
                node["children"] = serde_json::json!(children);
            }
            node
        })
        .collect();
    let roots: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].parent.is_none())
        .collect();
    let json = serde_json::json!({
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": roots}],
        "nodes": json_nodes,
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "buffers": [{"byteLength": bin.len()}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 96},
            {"buffer": 0, "byteOffset": 96, "byteLength": 72}
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 8, "type": "VEC3",
             "min": [-0.5, -0.5, -0.5], "max": [0.5, 0.5, 0.5]},
            {"bufferView": 1, "componentType": 5123, "count": 36, "type": "SCALAR"}
        ]
    });
    let mut json = serde_json::to_vec(&json).expect("test JSON encodes");
    while !json.len().is_multiple_of(4) {
        json.push(b' ');
    }
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    let total = 12 + 8 + json.len() + 8 + bin.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&json);
    out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
    out.extend_from_slice(b"BIN\0");
    out.extend_from_slice(&bin);
    out
}

/// A static world from test nodes.
pub(crate) fn world_with(
    nodes: &[TestNode],
    choices: &[ColliderChoice],
) -> Result<StaticWorld, ScenarioError> {
    let bytes = glb(nodes);
    let gltf::Gltf { document, blob } = gltf::Gltf::from_slice(&bytes).expect("test GLB parses");
    let buffers = gltf::import_buffers(&document, None, blob).expect("test GLB buffers");
    StaticWorld::from_document(&document, &buffers, choices)
}

/// A 40 × 40 m floor slab whose top is at y = 0.
pub(crate) fn floor() -> TestNode {
    cube("FLOOR", None, [0.0, -0.15, 0.0], [40.0, 0.3, 40.0])
}

/// The floor alone.
pub(crate) fn floor_world() -> Arc<StaticWorld> {
    Arc::new(world_with(&[floor()], &[]).expect("floor world"))
}

/// A location in a made-up spec file.
pub(crate) fn loc(line: usize) -> Location {
    Location::new("test.scenario.toml", line, 1)
}

/// An empty spec: 60 Hz, snapshots every 30 steps.
pub(crate) fn spec(duration_s: f64) -> ScenarioSpec {
    ScenarioSpec {
        seed: 7,
        ..ScenarioSpec::empty("test".into(), loc(1), duration_s)
    }
}

/// One dynamic box of `size` and `mass` at `at`.
pub(crate) fn box_body(name: &str, size: [f64; 3], mass: f64, at: [f64; 3]) -> BodySpec {
    BodySpec {
        name: name.into(),
        shape: ShapeSpec::Box { size },
        mass: Quantity::Value(mass),
        friction: 0.6,
        restitution: 0.0,
        placement: Placement::At(at),
        count: 1,
        spacing: [0.0; 3],
        every_s: None,
        start_s: 0.0,
        jitter_m: 0.0,
        velocity: [
            Quantity::Value(0.0),
            Quantity::Value(0.0),
            Quantity::Value(0.0),
        ],
        kinematic: false,
        location: loc(10),
    }
}

/// A watched box zone.
pub(crate) fn zone(name: &str, min: [f64; 3], max: [f64; 3]) -> ZoneSpec {
    ZoneSpec {
        name: name.into(),
        kind: "walkway".into(),
        region: Region::Box { min, max },
        location: loc(20),
    }
}

/// Runs a spec to the end on a world with no inputs.
pub(crate) fn run(spec: &ScenarioSpec, world: Arc<StaticWorld>) -> super::ScenarioResult {
    super::ScenarioRun::new(spec, world, &[])
        .expect("test spec is valid")
        .run_to_end(&mut |_, _| {})
}
