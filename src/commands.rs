//! Headless subcommands: `check` and `gen-plant`. No window, no GPU.

use crate::core::scene::{Scene, check_scene, read_model_nodes};
use anyhow::Context;
use std::path::Path;

/// Validates a scene file against its model; returns the rendered report and whether it passed.
pub fn check(path: &Path) -> anyhow::Result<(String, bool)> {
    let scene = Scene::load(path)?;
    let nodes = read_model_nodes(&scene.model_path)
        .with_context(|| format!("{}: model `{}`", path.display(), scene.model_path.display()))?;
    let report = check_scene(&scene, &nodes);
    Ok((report.render(), !report.has_errors()))
}

/// Writes the demo plant (or a synthetic plant of `assets` assets) as GLB.
pub fn gen_plant(out: &Path, assets: Option<usize>) -> anyhow::Result<usize> {
    let bytes = match assets {
        Some(n) => crate::plantgen::synthetic_plant_glb(n)?,
        None => crate::plantgen::demo_plant_glb()?,
    };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(bytes.len())
}
