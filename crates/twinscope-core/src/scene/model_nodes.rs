//! Node names and asset metadata read from a glTF/GLB model, without loading any geometry.
//!
//! `twinscope check` validates bindings against these names headlessly, so this reads only the
//! glTF JSON (buffers and images are never decoded) with the `gltf` crate.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// One glTF node, as far as binding is concerned.
///
/// Lists returned here are indexed like the glTF's `nodes` array, so `parent` indexes the same
/// list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelNode {
    /// The node's name; empty for unnamed nodes (which cannot be bound).
    pub name: String,
    /// `extras.description`, shown in the inspector.
    pub description: Option<String>,
    /// `extras.kind` (e.g. `pump`), for grouping and icons.
    pub kind: Option<String>,
    /// Index of the parent node, `None` for roots.
    pub parent: Option<usize>,
    /// Whether the node itself has a mesh.
    pub has_mesh: bool,
    /// Whether this node is an asset that ought to be bound (see [`model_nodes_from_document`]).
    pub is_asset: bool,
}

/// Why a model's nodes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file is missing, unreadable or not valid glTF/GLB.
    #[error("cannot read model {}: {cause}", path.display())]
    Read {
        /// The model file.
        path: PathBuf,
        /// What the glTF reader reported; part of the message (not `source()`), so it prints once.
        cause: gltf::Error,
    },
}

/// Reads the nodes of a `.gltf` or `.glb` file (JSON only; external buffers are not opened).
pub fn read_model_nodes(path: &Path) -> Result<Vec<ModelNode>, ModelError> {
    let gltf = gltf::Gltf::open(path).map_err(|cause| ModelError::Read {
        path: path.to_path_buf(),
        cause,
    })?;
    Ok(model_nodes_from_gltf(&gltf))
}

/// The nodes of an already-parsed glTF (e.g. from `gltf::Gltf::from_slice`).
pub fn model_nodes_from_gltf(gltf: &gltf::Gltf) -> Vec<ModelNode> {
    model_nodes_from_document(&gltf.document)
}

/// The nodes of a glTF document, with parents and asset flags filled in.
///
/// A node is an asset when its extras carry a `tag` or `description` (what the plant generator
/// and most authoring pipelines write). Models with no such node fall back to a structural
/// guess: named direct children of scene root nodes, plus named roots that have a mesh.
pub fn model_nodes_from_document(doc: &gltf::Document) -> Vec<ModelNode> {
    let mut nodes: Vec<ModelNode> = doc
        .nodes()
        .map(|node| {
            let extras = extras_object(node.extras());
            let text = |key: &str| {
                let value = extras.as_ref()?.get(key)?;
                value.as_str().map(str::to_owned)
            };
            let tagged = extras
                .as_ref()
                .is_some_and(|e| e.contains_key("tag") || e.contains_key("description"));
            ModelNode {
                name: node.name().unwrap_or_default().to_owned(),
                description: text("description"),
                kind: text("kind"),
                parent: None,
                has_mesh: node.mesh().is_some(),
                is_asset: tagged,
            }
        })
        .collect();
    for node in doc.nodes() {
        for child in node.children() {
            if let Some(entry) = nodes.get_mut(child.index()) {
                entry.parent = Some(node.index());
            }
        }
    }
    if !nodes.iter().any(|n| n.is_asset) {
        mark_structural_assets(doc, &mut nodes);
    }
    nodes
}

/// Fallback asset guess for untagged models; see [`model_nodes_from_document`].
fn mark_structural_assets(doc: &gltf::Document, nodes: &mut [ModelNode]) {
    let mut roots: Vec<usize> = doc
        .scenes()
        .flat_map(|scene| scene.nodes().map(|n| n.index()).collect::<Vec<_>>())
        .collect();
    if roots.is_empty() {
        roots = (0..nodes.len())
            .filter(|&i| nodes[i].parent.is_none())
            .collect();
    }
    for node in nodes.iter_mut() {
        let child_of_root = node.parent.is_some_and(|p| roots.contains(&p));
        node.is_asset = !node.name.is_empty() && child_of_root;
    }
    for &root in &roots {
        if let Some(node) = nodes.get_mut(root)
            && !node.name.is_empty()
            && node.has_mesh
        {
            node.is_asset = true;
        }
    }
}

/// The node's extras as a JSON object, if they are one.
fn extras_object(extras: &gltf::json::Extras) -> Option<Map<String, Value>> {
    let raw = extras.as_ref()?;
    serde_json::from_str(raw.get()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(json: &str) -> Vec<ModelNode> {
        let gltf = gltf::Gltf::from_slice(json.as_bytes()).expect("test glTF parses");
        model_nodes_from_gltf(&gltf)
    }

    #[test]
    fn reads_names_parents_and_extras() {
        let nodes = nodes(
            r#"{"asset":{"version":"2.0"},"scene":0,"scenes":[{"nodes":[0]}],
            "nodes":[{"name":"Plant","children":[1,2]},
                     {"name":"P-101","children":[3],"extras":{"tag":"P-101","kind":"pump","description":"Feed pump"}},
                     {"name":"Pipe-1"},
                     {"name":"P-101.body"}]}"#,
        );
        assert_eq!(nodes.len(), 4);
        assert_eq!(nodes[1].name, "P-101");
        assert_eq!(nodes[1].kind.as_deref(), Some("pump"));
        assert_eq!(nodes[1].description.as_deref(), Some("Feed pump"));
        assert_eq!(nodes[1].parent, Some(0));
        assert_eq!(nodes[3].parent, Some(1));
        assert_eq!(nodes[0].parent, None);
        let assets: Vec<_> = nodes
            .iter()
            .filter(|n| n.is_asset)
            .map(|n| &n.name)
            .collect();
        assert_eq!(assets, ["P-101"]);
    }

    #[test]
    fn untagged_models_fall_back_to_children_of_roots() {
        let nodes = nodes(
            r#"{"asset":{"version":"2.0"},"scenes":[{"nodes":[0]}],
            "nodes":[{"name":"Plant","children":[1,2,3]},
                     {"name":"TK-101","children":[4]},{"name":"P-101"},{},{"name":"TK-101.shell"}]}"#,
        );
        let assets: Vec<_> = nodes
            .iter()
            .filter(|n| n.is_asset)
            .map(|n| &n.name)
            .collect();
        assert_eq!(assets, ["TK-101", "P-101"]);
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = read_model_nodes(Path::new("/nonexistent/plant.glb")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read model /nonexistent/plant.glb: "),
            "{err}"
        );
    }
}
