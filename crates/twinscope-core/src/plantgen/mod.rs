//! Generates the demo process plant (and large synthetic plants) as binary glTF, so the
//! viewer ships a model it can regenerate byte-for-byte instead of an opaque binary asset.
//!
//! Node structure the app relies on: one scene with one root node `demo_plant` (no mesh)
//! whose children are the asset nodes. An asset node is named by its plant tag, has no mesh,
//! carries `extras = {"tag", "kind", "description"}` and a transform; its visible parts are
//! child nodes `TAG/part`, each with a mesh and no extras. Y is up, metres, floor top at 0.
//!
//! Self-contained: uses only `gltf`, `serde_json` and `thiserror`.

mod equipment;
mod geometry;
mod glb;
mod layout;
mod model;
mod packing;
mod synthetic;
#[cfg(test)]
mod tests;

use anyhow::Context;
use std::path::Path;

/// Errors from building a plant (serialisation only; geometry is code).
#[derive(Debug, thiserror::Error)]
pub enum PlantGenError {
    /// The glTF JSON (or an asset's extras) could not be serialised.
    #[error("serialising glTF JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing the GLB container failed.
    #[error("writing GLB: {0}")]
    Glb(#[from] gltf::Error),
    /// The plant does not fit a GLB, whose length field is 32-bit.
    #[error("plant is {0} bytes, over the 4 GiB GLB limit")]
    TooLarge(usize),
}

/// The bundled demo plant, byte-for-byte deterministic.
///
/// This is what `assets/plants/demo_plant.glb` holds; regenerating must reproduce it exactly.
pub fn demo_plant_glb() -> Result<Vec<u8>, PlantGenError> {
    glb::write_glb(&layout::demo_plant())
}

/// A large synthetic plant of `assets` assets (bays of tank, line, valve, pump, motor in a
/// grid), deterministic for the same `assets`, for scale work (e.g. 10_000).
///
/// Asset nodes are named `A-00001`, `A-00002`, ... and follow the same node structure as the
/// demo plant (root `demo_plant`, parts `TAG/part`); there is no floor slab.
pub fn synthetic_plant_glb(assets: usize) -> Result<Vec<u8>, PlantGenError> {
    glb::write_glb(&synthetic::synthetic_plant(assets))
}

/// Tags of every asset node of the demo plant, in file order.
///
/// Lets scenes and tests check their bindings against the model without parsing it.
#[cfg(test)]
pub(crate) fn demo_asset_tags() -> Vec<&'static str> {
    layout::TAGS.iter().map(|(tag, _)| *tag).collect()
}

/// Writes the demo plant (or a synthetic plant of `assets` assets) as GLB.
pub fn write_plant_file(out: &Path, assets: Option<usize>) -> anyhow::Result<usize> {
    let bytes = match assets {
        Some(n) => synthetic_plant_glb(n)?,
        None => demo_plant_glb()?,
    };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(bytes.len())
}
