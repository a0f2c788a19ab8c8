//! Colours at scale: thousands of assets sharing one glTF material each get their own colour,
//! from a bounded set of shared materials (one per colour bucket), and the glTF material
//! itself is never recoloured.

use super::headless::{headless_app_with, send, update_until_ready};
use crate::plant::{AssetParts, PlantAsset};
use crate::view::materials::MaterialBuckets;
use bevy::prelude::*;
use std::collections::HashSet;
use std::fmt::Write;
use twinscope_core::rules::{GRADIENT_STEPS, GradientRule, Palette};
use twinscope_core::signal::{Sample, SignalId, Timestamp};

/// Assets in the synthetic plant: enough that a material per asset would be obvious.
const ASSETS: usize = 2_000;

/// A scene binding every synthetic asset to its own signal, painted on the viridis gradient.
fn synthetic_scene(model: &std::path::Path) -> String {
    let mut text = format!(
        "[scene]\nname = \"Synthetic {ASSETS}\"\nmodel = \"{}\"\n",
        model.display()
    );
    for i in 1..=ASSETS {
        let tag = format!("A-{i:05}");
        writeln!(
            text,
            "[[signals]]\nid = \"{tag}.v\"\nunit = \"%\"\nrange = [0.0, 100.0]\nperiod = 1.0\n\n\
             [[bindings]]\nnode = \"{tag}\"\nsignals = [\"{tag}.v\"]\n\
             rule = {{ signal = \"{tag}.v\", gradient = \"viridis\", domain = [0.0, 100.0] }}\n"
        )
        .unwrap();
    }
    text
}

#[test]
fn thousands_of_assets_share_a_bounded_set_of_colour_materials() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("synthetic.glb");
    std::fs::write(
        &model,
        twinscope_core::plantgen::synthetic_plant_glb(ASSETS).unwrap(),
    )
    .unwrap();
    let scene = dir.path().join("synthetic.toml");
    std::fs::write(&scene, synthetic_scene(&model)).unwrap();
    let mut app = headless_app_with(&scene, |app| {
        app.init_asset::<StandardMaterial>();
        app.init_resource::<crate::camera::selection::Selection>();
        app.add_plugins(crate::view::materials::plugin);
    });
    update_until_ready(&mut app);
    // Without a renderer the glTF loader attaches no materials: give every part of every asset
    // one shared material, as a model whose equipment shares "painted steel" would.
    let shared = app
        .world_mut()
        .resource_mut::<Assets<StandardMaterial>>()
        .add(StandardMaterial::default());
    let parts: Vec<Entity> = app
        .world_mut()
        .query_filtered::<Entity, With<crate::plant::AssetPart>>()
        .iter(app.world())
        .collect();
    assert!(parts.len() >= ASSETS, "{} parts", parts.len());
    for &part in &parts {
        app.world_mut()
            .entity_mut(part)
            .insert(MeshMaterial3d(shared.clone()));
    }
    app.update();

    // Values spread over the whole domain: every asset a different value.
    let now = Timestamp::now();
    let value = |i: usize| 100.0 * i as f64 / (ASSETS - 1) as f64;
    send(
        &app,
        (0..ASSETS)
            .map(|i| Sample::new(SignalId::new(format!("A-{:05}.v", i + 1)), now, value(i)))
            .collect(),
    );
    for _ in 0..5 {
        app.update();
    }

    let buckets = app
        .world()
        .resource::<MaterialBuckets>()
        .status_material_count();
    println!("{ASSETS} assets on a gradient use {buckets} status materials");
    assert!(
        buckets <= GRADIENT_STEPS + 1,
        "{buckets} materials for {ASSETS} assets: colours must share materials"
    );
    assert!(buckets >= GRADIENT_STEPS / 2, "the whole palette is used");

    // Each asset shows its own value's colour; the shared glTF material stays as it was.
    let gradient = GradientRule::named(Palette::Viridis, [0.0, 100.0]).unwrap();
    let mut assets = app.world_mut().query::<(&PlantAsset, &AssetParts)>();
    let materials = app.world().resource::<Assets<StandardMaterial>>();
    let mut handles = HashSet::new();
    for (asset, asset_parts) in assets.iter(app.world()) {
        let i: usize = asset.tag[2..].parse::<usize>().unwrap() - 1;
        let [r, g, b] = gradient.color(Some(value(i))).to_srgb_f32();
        for part in &asset_parts.0 {
            let handle = &app
                .world()
                .get::<MeshMaterial3d<StandardMaterial>>(*part)
                .unwrap()
                .0;
            assert_ne!(
                handle, &shared,
                "{}: still on the shared glTF material",
                asset.tag
            );
            let colour = materials.get(handle).unwrap().base_color.to_srgba();
            assert!(
                (colour.red - r).abs() < 1e-3
                    && (colour.green - g).abs() < 1e-3
                    && (colour.blue - b).abs() < 1e-3,
                "{} at {}: {colour:?}, expected {:?}",
                asset.tag,
                value(i),
                [r, g, b]
            );
            handles.insert(handle.id());
        }
    }
    assert_eq!(
        handles.len(),
        buckets,
        "parts use only the bucket materials"
    );
    let untouched = materials.get(&shared).unwrap().base_color;
    assert_eq!(untouched, StandardMaterial::default().base_color);
}
