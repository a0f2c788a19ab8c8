//! The generator and the committed demo model agree, and the model has what the scene binds.

use crate::support::{demo_model, demo_scene};
use twinscope_core::scene::{Scene, check_scene, read_model_nodes};

#[test]
fn generator_output_equals_committed_glb() {
    let generated = twinscope_core::plantgen::demo_plant_glb().unwrap();
    let committed = std::fs::read(demo_model()).unwrap();
    assert!(
        generated == committed,
        "regenerate with `cargo run -- gen-plant`"
    );
}

#[test]
fn every_demo_binding_resolves_and_required_equipment_exists() {
    let scene = Scene::load(&demo_scene()).unwrap();
    let nodes = read_model_nodes(&scene.model_path).unwrap();
    let report = check_scene(&scene, &nodes);
    assert!(!report.has_errors(), "{}", report.render());
    let assets: Vec<&str> = nodes
        .iter()
        .filter(|n| n.is_asset)
        .map(|n| n.name.as_str())
        .collect();
    for tag in [
        "TK-101", "TK-102", "P-101", "P-102", "P-103", "M-101", "M-102", "M-103", "XV-101",
        "XV-102", "CV-201", "PK-201", "OS-301", "WW-01", "FLOOR-01",
    ] {
        assert!(assets.contains(&tag), "{tag} missing from the demo model");
    }
    assert!(
        assets.iter().filter(|t| t.starts_with("L-")).count() >= 3,
        "pipes missing"
    );
}
