//! `twinscope check` and `gen-plant` from the real binary.

use crate::support::{demo_scene_text_with_absolute_model, line_col, twinscope};

#[test]
fn check_passes_on_the_demo_scene_and_lists_unbound_assets() {
    let out = twinscope(&["check", "scenes/demo_plant.toml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "check failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("OS-301"),
        "operator station should be listed as unbound:\n{stdout}"
    );
    assert!(
        stdout.contains("FLOOR-01"),
        "floor should be listed as unbound:\n{stdout}"
    );
}

#[test]
fn check_names_file_line_col_of_a_misspelt_node() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.toml");
    let text =
        demo_scene_text_with_absolute_model().replacen("node = \"P-102\"", "node = \"P-1O2\"", 1);
    std::fs::write(&path, &text).unwrap();
    let (line, col) = line_col(&text, "\"P-1O2\"");

    let out = twinscope(&["check", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "check should fail: {stderr}");
    let at_quote = format!("{}:{line}:{col}", path.display());
    let at_text = format!("{}:{line}:{}", path.display(), col + 1);
    assert!(
        stderr.contains(&at_quote) || stderr.contains(&at_text),
        "no location {at_quote} in:\n{stderr}"
    );
    assert!(
        stderr.contains("P-1O2") && stderr.contains("P-102"),
        "should name the node and suggest P-102:\n{stderr}"
    );
}

#[test]
fn check_reports_syntax_errors_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    let text = demo_scene_text_with_absolute_model().replacen("unit = \"%\"", "unit = \"%", 1);
    std::fs::write(&path, &text).unwrap();
    let (line, _) = line_col(&text, "unit = \"%\n");
    let out = twinscope(&["check", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("{}:{line}:", path.display())),
        "no line {line} in:\n{stderr}"
    );
}

#[test]
fn check_rejects_a_missing_scene_file_without_panicking() {
    let out = twinscope(&["check", "scenes/does_not_exist.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("does_not_exist.toml"), "{stderr}");
    assert_eq!(
        stderr.matches("os error").count(),
        1,
        "the cause is said once: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn gen_plant_reproduces_the_committed_model() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("plant.glb");
    let out = twinscope(&["gen-plant", "--out", out_path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated = std::fs::read(&out_path).unwrap();
    let committed = std::fs::read(crate::support::demo_model()).unwrap();
    assert!(
        generated == committed,
        "assets/plants/demo_plant.glb is stale: run `cargo run -- gen-plant`"
    );
}

#[test]
fn gen_plant_writes_a_synthetic_plant_of_the_asked_size() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("big.glb");
    let out = twinscope(&[
        "gen-plant",
        "--assets",
        "250",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let nodes = twinscope_core::scene::read_model_nodes(&out_path).unwrap();
    assert_eq!(nodes.iter().filter(|n| n.is_asset).count(), 250);
}
