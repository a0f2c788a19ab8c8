//! `[[colliders]]` in scene files: how a node's meshes become static colliders for scenarios.
//!
//! ```toml
//! [[colliders]]
//! node = "WW-01"        # a node (its descendants inherit the choice unless they have their own)
//! kind = "none"         # none (decals, overhead pipes), convex (hull per mesh) or trimesh
//!                       # (exact triangles: bins and chutes stay hollow)
//! ```
//!
//! Nodes not listed get the default documented in [`crate::scenario::world`].

use super::SceneError;
use super::file::Converter;
use super::scenario_parts::RawCollider;
use crate::scenario::{ColliderChoice, ColliderKind};

impl Converter<'_, '_> {
    /// Checks every `[[colliders]]` entry, and that no node appears twice.
    pub(super) fn colliders(&self, raw: &[RawCollider]) -> Result<Vec<ColliderChoice>, SceneError> {
        let mut out: Vec<ColliderChoice> = Vec::with_capacity(raw.len());
        for (i, entry) in raw.iter().enumerate() {
            let node = self.id(&entry.node, format!("colliders[{i}].node"), "node name")?;
            if let Some(first) = out.iter().find(|c| c.node == node) {
                let message = format!(
                    "node `{node}` already has a collider choice at {}",
                    first.location
                );
                return Err(self.invalid(
                    entry.node.span(),
                    format!("colliders[{i}].node"),
                    message,
                ));
            }
            let kind = match entry.kind.get_ref().as_str() {
                "none" => ColliderKind::None,
                "convex" => ColliderKind::Convex,
                "trimesh" => ColliderKind::Trimesh,
                other => {
                    let message =
                        format!("unknown collider kind `{other}`: use none, convex or trimesh");
                    return Err(self.invalid(
                        entry.kind.span(),
                        format!("colliders[{i}].kind"),
                        message,
                    ));
                }
            };
            out.push(ColliderChoice {
                node,
                kind,
                location: self.lines.locate(entry.node.span().start),
            });
        }
        Ok(out)
    }
}
