//! Serialises a [`Plant`] into a binary glTF: one buffer holding each used unit shape once,
//! one mesh per (shape, material) pair actually used, and the root -> asset -> part node tree.

use std::borrow::Cow;
use std::collections::BTreeMap;

use gltf::binary::{Glb, Header};
use gltf::json::{
    self, Accessor, Index, Material, Mesh, Node, Root, Scene,
    accessor::{ComponentType, GenericComponentType, Type},
    buffer::{self, Target},
    material::{EmissiveFactor, PbrBaseColorFactor, PbrMetallicRoughness, StrengthFactor},
    mesh::{Mode, Primitive, Semantic},
    scene::UnitQuaternion,
    validation::{Checked, USize64},
};
use serde_json::value::RawValue;

use super::PlantGenError;
use super::geometry::Shape;
use super::model::{Mat, Plant};

/// The `asset.generator` string: says which tool wrote the file.
const GENERATOR: &str = "twinscope gen-plant";

/// Accessors of one unit shape's geometry.
#[derive(Clone, Copy)]
struct ShapeAccessors {
    positions: Index<Accessor>,
    normals: Index<Accessor>,
    indices: Index<Accessor>,
}

/// Accumulates the JSON root and the BIN chunk.
struct Builder {
    root: Root,
    bin: Vec<u8>,
    shapes: BTreeMap<Shape, ShapeAccessors>,
    materials: BTreeMap<Mat, Index<Material>>,
    meshes: BTreeMap<(Shape, Mat), Index<Mesh>>,
}

impl Builder {
    fn new() -> Builder {
        let mut root = Root::default();
        root.asset.version = "2.0".to_string();
        root.asset.generator = Some(GENERATOR.to_string());
        Builder {
            root,
            bin: Vec::new(),
            shapes: BTreeMap::new(),
            materials: BTreeMap::new(),
            meshes: BTreeMap::new(),
        }
    }

    /// Appends `bytes` as a tightly packed, 4-byte aligned buffer view.
    fn view(&mut self, bytes: &[u8], target: Target) -> Index<buffer::View> {
        let offset = self.bin.len();
        self.bin.extend_from_slice(bytes);
        while !self.bin.len().is_multiple_of(4) {
            self.bin.push(0);
        }
        self.root.push(buffer::View {
            buffer: Index::new(0),
            byte_length: USize64::from(bytes.len()),
            byte_offset: Some(USize64::from(offset)),
            byte_stride: None,
            name: None,
            target: Some(Checked::Valid(target)),
            extensions: None,
            extras: Default::default(),
        })
    }

    fn accessor(
        &mut self,
        view: Index<buffer::View>,
        count: usize,
        component: ComponentType,
        type_: Type,
        bounds: Option<([f32; 3], [f32; 3])>,
    ) -> Index<Accessor> {
        let to_value = |v: [f32; 3]| serde_json::Value::from(v.to_vec());
        self.root.push(Accessor {
            buffer_view: Some(view),
            byte_offset: None,
            count: USize64::from(count),
            component_type: Checked::Valid(GenericComponentType(component)),
            extensions: None,
            extras: Default::default(),
            type_: Checked::Valid(type_),
            min: bounds.map(|(lo, _)| to_value(lo)),
            max: bounds.map(|(_, hi)| to_value(hi)),
            name: None,
            normalized: false,
            sparse: None,
        })
    }

    /// Writes a unit shape's geometry the first time it is used.
    fn shape(&mut self, shape: Shape) -> ShapeAccessors {
        if let Some(found) = self.shapes.get(&shape) {
            return *found;
        }
        let mesh = shape.mesh();
        let floats = |vs: &[[f32; 3]]| -> Vec<u8> {
            vs.iter()
                .flat_map(|v| v.iter().flat_map(|f| f.to_le_bytes()))
                .collect()
        };
        let pos_view = self.view(&floats(&mesh.positions), Target::ArrayBuffer);
        let positions = self.accessor(
            pos_view,
            mesh.positions.len(),
            ComponentType::F32,
            Type::Vec3,
            Some(mesh.bounds()),
        );
        let nrm_view = self.view(&floats(&mesh.normals), Target::ArrayBuffer);
        let normals = self.accessor(
            nrm_view,
            mesh.normals.len(),
            ComponentType::F32,
            Type::Vec3,
            None,
        );
        let idx_bytes: Vec<u8> = mesh.indices.iter().flat_map(|i| i.to_le_bytes()).collect();
        let idx_view = self.view(&idx_bytes, Target::ElementArrayBuffer);
        let indices = self.accessor(
            idx_view,
            mesh.indices.len(),
            ComponentType::U16,
            Type::Scalar,
            None,
        );
        let found = ShapeAccessors {
            positions,
            normals,
            indices,
        };
        self.shapes.insert(shape, found);
        found
    }

    fn material(&mut self, mat: Mat) -> Index<Material> {
        if let Some(found) = self.materials.get(&mat) {
            return *found;
        }
        let pbr = mat.pbr();
        let index = self.root.push(Material {
            name: Some(mat.name().to_string()),
            pbr_metallic_roughness: PbrMetallicRoughness {
                base_color_factor: PbrBaseColorFactor(pbr.base),
                metallic_factor: StrengthFactor(pbr.metallic),
                roughness_factor: StrengthFactor(pbr.roughness),
                ..Default::default()
            },
            emissive_factor: EmissiveFactor(pbr.emissive),
            ..Default::default()
        });
        self.materials.insert(mat, index);
        index
    }

    fn mesh(&mut self, shape: Shape, mat: Mat) -> Index<Mesh> {
        if let Some(found) = self.meshes.get(&(shape, mat)) {
            return *found;
        }
        let acc = self.shape(shape);
        let material = self.material(mat);
        let attributes = BTreeMap::from([
            (Checked::Valid(Semantic::Positions), acc.positions),
            (Checked::Valid(Semantic::Normals), acc.normals),
        ]);
        let index = self.root.push(Mesh {
            extensions: None,
            extras: Default::default(),
            name: Some(format!("{}_{}", shape.name(), mat.name())),
            primitives: vec![Primitive {
                attributes,
                extensions: None,
                extras: Default::default(),
                indices: Some(acc.indices),
                material: Some(material),
                mode: Checked::Valid(Mode::Triangles),
                targets: None,
            }],
            weights: None,
        });
        self.meshes.insert((shape, mat), index);
        index
    }
}

/// The extras object of an asset node, keys in a fixed order whatever serde_json's features.
fn asset_extras(tag: &str, kind: &str, description: &str) -> Result<Box<RawValue>, PlantGenError> {
    let text = format!(
        "{{\"tag\":{},\"kind\":{},\"description\":{}}}",
        serde_json::to_string(tag)?,
        serde_json::to_string(kind)?,
        serde_json::to_string(description)?
    );
    Ok(RawValue::from_string(text)?)
}

/// The extras of a part that keeps its own material under status colours.
fn keep_material_extras() -> Result<Box<RawValue>, PlantGenError> {
    Ok(RawValue::from_string(
        "{\"keep_material\":true}".to_string(),
    )?)
}

/// Rounds to 0.1 mm so f32 noise (0.70000005) does not clutter the JSON; `+ 0.0` turns -0
/// into 0. Basic IEEE operations only, so the result is the same on every platform.
fn tidy(v: [f32; 3]) -> [f32; 3] {
    v.map(|x| (x * 10_000.0).round() / 10_000.0 + 0.0)
}

/// Builds the GLB bytes of `plant`.
pub(super) fn write_glb(plant: &Plant) -> Result<Vec<u8>, PlantGenError> {
    let mut b = Builder::new();
    let root_node = b.root.push(Node {
        name: Some(plant.root.to_string()),
        ..Default::default()
    });
    let mut asset_nodes = Vec::with_capacity(plant.assets.len());
    for asset in &plant.assets {
        let node = b.root.push(Node {
            name: Some(asset.tag.clone()),
            translation: Some(tidy(asset.translation)),
            rotation: (asset.yaw != 0.0).then(|| UnitQuaternion(asset.rotation())),
            extras: Some(asset_extras(&asset.tag, asset.kind, &asset.description)?),
            ..Default::default()
        });
        let mut children = Vec::with_capacity(asset.parts.len());
        for part in &asset.parts {
            let mesh = b.mesh(part.shape, part.mat);
            children.push(b.root.push(Node {
                name: Some(format!("{}/{}", asset.tag, part.name)),
                mesh: Some(mesh),
                translation: Some(tidy(part.translation)),
                rotation: (!part.unrotated()).then_some(UnitQuaternion(part.rotation)),
                scale: Some(tidy(part.scale)),
                extras: part.keep_material.then(keep_material_extras).transpose()?,
                ..Default::default()
            }));
        }
        b.root.nodes[node.value()].children = (!children.is_empty()).then_some(children);
        asset_nodes.push(node);
    }
    // glTF forbids empty `children` arrays (a zero-asset synthetic plant).
    b.root.nodes[root_node.value()].children = (!asset_nodes.is_empty()).then_some(asset_nodes);
    let scene = b.root.push(Scene {
        extensions: None,
        extras: Default::default(),
        name: Some(plant.root.to_string()),
        nodes: vec![root_node],
    });
    b.root.scene = Some(scene);
    // The GLB-stored buffer (index 0, which every view names) exists only if anything uses it.
    if !b.bin.is_empty() {
        b.root.buffers.push(json::Buffer {
            byte_length: USize64::from(b.bin.len()),
            name: None,
            uri: None,
            extensions: None,
            extras: Default::default(),
        });
    }

    let json_bytes = json::serialize::to_vec(&b.root)?;
    let bin_chunk = if b.bin.is_empty() { 0 } else { 8 + b.bin.len() };
    let total = 12 + 8 + json_bytes.len().next_multiple_of(4) + bin_chunk;
    let length = u32::try_from(total).map_err(|_| PlantGenError::TooLarge(total))?;
    let glb = Glb {
        header: Header {
            magic: *b"glTF",
            version: 2,
            length,
        },
        json: Cow::Owned(json_bytes),
        bin: (!b.bin.is_empty()).then_some(Cow::Owned(b.bin)),
    };
    Ok(glb.to_vec()?)
}
