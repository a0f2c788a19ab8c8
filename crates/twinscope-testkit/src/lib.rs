//! Helpers shared by twinscope's test binaries: paths into the checkout, child processes that
//! die with the test, and a real mosquitto on a free loopback port.

pub mod mosquitto;

use std::path::PathBuf;
use std::process::{Child, Command};

/// The repository root (the workspace's Cargo.toml), from any crate of the workspace.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the checkout exists")
}

/// The demo scene file.
pub fn demo_scene() -> PathBuf {
    repo_root().join("scenes/demo_plant.toml")
}

/// The committed demo plant model.
pub fn demo_model() -> PathBuf {
    repo_root().join("assets/plants/demo_plant.glb")
}

/// The demo scene's text with its model and scenario file paths made absolute, so copies can
/// live in temp dirs.
pub fn demo_scene_text_with_absolute_model() -> String {
    let text = std::fs::read_to_string(demo_scene()).expect("demo scene is readable");
    let model = demo_model();
    let text = text.replace(
        "model = \"../assets/plants/demo_plant.glb\"",
        &format!("model = \"{}\"", model.display()),
    );
    // Scenario files too (`"name.scenario.toml"` entries of `scenario_files`).
    let scenes = repo_root().join("scenes");
    text.split('"')
        .map(|part| {
            if part.ends_with(".scenario.toml") && !part.contains(char::is_whitespace) {
                scenes.join(part).display().to_string()
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\"")
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
pub fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).expect("needle is in text");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Kills the child process (and waits for it) when the test ends, pass or fail.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Fails the test with an instruction when a system tool is missing.
pub fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .expect("sh runs");
    assert!(
        found.status.success(),
        "{tool} is not installed: run scripts/setup.sh"
    );
}
