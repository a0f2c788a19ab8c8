//! A scene together with its model's node list: what the viewer, `check` and the headless
//! commands all start from, loaded the same way for each.

use super::{CheckReport, ModelNode, Scene, check_scene, read_model_nodes};
use anyhow::Context;
use std::path::Path;
use std::sync::Arc;

/// A loaded scene and the nodes of the model it names (no GPU needed).
#[derive(Clone, Debug)]
pub struct LoadedScene {
    /// The parsed scene file.
    pub scene: Arc<Scene>,
    /// The model's nodes, in file order.
    pub model_nodes: Arc<Vec<ModelNode>>,
}

impl LoadedScene {
    /// Loads the scene file and reads its model's node list.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let scene = Scene::load(path)?;
        let nodes = read_model_nodes(&scene.model_path).with_context(|| {
            format!(
                "scene {} names model {}",
                path.display(),
                scene.model_path.display()
            )
        })?;
        Ok(Self {
            scene: Arc::new(scene),
            model_nodes: Arc::new(nodes),
        })
    }

    /// Validates the scene against its model: what `twinscope check` prints.
    pub fn check(&self) -> CheckReport {
        check_scene(&self.scene, &self.model_nodes)
    }
}
