//! Headless ECS tests: the real glTF instanced with MinimalPlugins, bindings checked in the World.

use super::support::{demo_scene, demo_scene_text_with_absolute_model};
use crate::ingest::{IngestChannel, Store};
use crate::plant::{AssetBinding, AssetPart, AssetParts, PlantAsset, PlantStatus};
use crate::rules::AssetStatus;
use bevy::asset::AssetMetaCheck;
use bevy::prelude::*;
use std::path::Path;
use std::time::{Duration, Instant};
use twinscope_core::rules::RuleColor;
use twinscope_core::signal::{Sample, SignalId, Timestamp};

/// An app with just enough plugins to load and instance a glTF, plus twinscope's core plugins.
pub(crate) fn headless_app(scene_path: &Path) -> App {
    headless_app_with(scene_path, |_| {})
}

/// [`headless_app`] with `extra` plugins or resources added before the app is finished.
pub(crate) fn headless_app_with(scene_path: &Path, extra: impl FnOnce(&mut App)) -> App {
    let active = crate::app::load_active_scene(scene_path).expect("scene loads");
    let model_dir = active
        .scene
        .model_path
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap();
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin {
            file_path: model_dir.to_string_lossy().into_owned(),
            meta_check: AssetMetaCheck::Never,
            ..default()
        },
        TransformPlugin,
        bevy::image::ImagePlugin::default(),
        bevy::mesh::MeshPlugin,
        bevy::camera::CameraPlugin,
        bevy::animation::AnimationPlugin,
        bevy::world_serialization::WorldSerializationPlugin,
        bevy::gltf::GltfPlugin::default(),
    ));
    // No renderer, so no compressed textures; said explicitly to keep the glTF loader quiet.
    app.insert_resource(bevy::image::CompressedImageFormatSupport(
        bevy::image::CompressedImageFormats::NONE,
    ));
    let store = twinscope_core::store::SignalStore::for_scene(&active.scene)
        .expect("the demo's derived signals resolve");
    app.insert_resource(Store(store));
    app.insert_resource(active);
    crate::app::core_plugins(&mut app);
    extra(&mut app);
    // `App::run` does this; tests that drive `update()` by hand must too (GltfPlugin registers
    // its loader in `finish`).
    app.finish();
    app.cleanup();
    app
}

/// Updates until the plant is bound and its bounds computed (bounded in time and frames).
pub(crate) fn update_until_ready(app: &mut App) {
    let deadline = Instant::now() + Duration::from_secs(30);
    for _ in 0..10_000 {
        app.update();
        let status = app.world().resource::<PlantStatus>();
        if status.ready && status.bounds.is_some() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "plant not ready within 30 s: {status:?}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut roots = app.world_mut().query_filtered::<&bevy::world_serialization::WorldAssetRoot, With<crate::plant::PlantRoot>>();
    let handle = roots.iter(app.world()).next().map(|r| r.0.clone());
    let state = handle.map(|h| {
        app.world()
            .resource::<AssetServer>()
            .get_recursive_dependency_load_state(&h)
    });
    panic!(
        "plant not ready after 10,000 updates: {:?} load state {state:?}",
        app.world().resource::<PlantStatus>()
    );
}

/// The colour the demo's tanks show at `level`: the blues gradient over 0–100 %.
fn tank_colour(level: f64) -> String {
    use twinscope_core::rules::{GradientRule, Palette};
    GradientRule::named(Palette::Blues, [0.0, 100.0])
        .expect("valid gradient")
        .color(Some(level))
        .to_string()
}

pub(crate) fn asset_entity(app: &mut App, tag: &str) -> Entity {
    let mut query = app.world_mut().query::<(Entity, &PlantAsset)>();
    query
        .iter(app.world())
        .find(|(_, asset)| asset.tag == tag)
        .map(|(entity, _)| entity)
        .unwrap_or_else(|| panic!("no asset {tag}"))
}

/// Moves the time cursor to `time` (paused there) and runs a frame.
pub(crate) fn seek(app: &mut App, time: Timestamp) {
    let bounds = app.world().resource::<crate::timeline::Bounds>().0;
    app.world_mut()
        .resource_mut::<crate::timeline::Cursor>()
        .seek(time, bounds);
    app.update();
}

pub(crate) fn send(app: &App, samples: Vec<Sample>) {
    app.world()
        .resource::<IngestChannel>()
        .sender
        .send(samples)
        .unwrap();
}

#[test]
fn every_bound_node_carries_its_binding_after_instancing() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let scene = app
        .world()
        .resource::<crate::pipeline::ActiveScene>()
        .scene
        .clone();
    assert!(
        app.world()
            .resource::<PlantStatus>()
            .missing_nodes
            .is_empty()
    );
    for binding in &scene.bindings {
        let entity = asset_entity(&mut app, &binding.node);
        let bound = app
            .world()
            .get::<AssetBinding>(entity)
            .unwrap_or_else(|| panic!("{} has no binding", binding.node));
        let ids: Vec<&SignalId> = bound.signals.iter().map(|s| &s.id).collect();
        assert_eq!(
            ids,
            binding.signals.iter().collect::<Vec<_>>(),
            "{}",
            binding.node
        );
        assert!(bound.signals.iter().all(|s| s.index.is_some()));
        assert!(bound.rule.is_some(), "{} lost its rule", binding.node);
        let parts = app.world().get::<AssetParts>(entity).unwrap();
        assert!(!parts.0.is_empty(), "{} has no mesh parts", binding.node);
        for part in &parts.0 {
            assert_eq!(
                app.world().get::<AssetPart>(*part).map(|p| p.asset),
                Some(entity)
            );
            assert!(app.world().get::<Mesh3d>(*part).is_some());
        }
    }
    let unbound = &app.world().resource::<PlantStatus>().unbound_assets;
    assert!(
        unbound.contains(&"OS-301".to_owned()) && unbound.contains(&"FLOOR-01".to_owned()),
        "{unbound:?}"
    );
}

#[test]
fn a_sample_changes_the_bound_assets_state_and_colour() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let tank = asset_entity(&mut app, "TK-101");
    let pump = asset_entity(&mut app, "P-101");
    assert_eq!(
        app.world().get::<AssetStatus>(tank).unwrap().color,
        Some(RuleColor::NO_DATA)
    );

    let now = Timestamp::now();
    send(
        &app,
        vec![Sample::new(SignalId::new("TK-101.level"), now, 50.0)],
    );
    app.update();
    let status = *app.world().get::<AssetStatus>(tank).unwrap();
    assert_eq!(status.value, Some(50.0));
    assert_eq!(status.color.map(|c| c.to_string()), Some(tank_colour(50.0)));
    assert_eq!(status.band, None, "gradients have no bands");
    assert_ne!(tank_colour(50.0), tank_colour(96.0));

    send(
        &app,
        vec![Sample::new(
            SignalId::new("TK-101.level"),
            Timestamp(now.0 + 1),
            96.0,
        )],
    );
    app.update();
    assert_eq!(
        app.world()
            .get::<AssetStatus>(tank)
            .unwrap()
            .color
            .map(|c| c.to_string()),
        Some(tank_colour(96.0))
    );
    // Other assets are untouched by TK-101's sample.
    assert_eq!(app.world().get::<AssetStatus>(pump).unwrap().value, None);
}

#[test]
fn unknown_nodes_and_undeclared_signals_are_reported_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ghost.toml");
    let text = demo_scene_text_with_absolute_model()
        + "\n[[bindings]]\nnode = \"GHOST-1\"\nsignals = [\"TK-101.level\"]\n";
    std::fs::write(&path, text).unwrap();
    let mut app = headless_app(&path);
    update_until_ready(&mut app);
    assert_eq!(
        app.world().resource::<PlantStatus>().missing_nodes,
        vec!["GHOST-1".to_owned()]
    );

    send(
        &app,
        vec![
            Sample::new(SignalId::new("X-999.temperature"), Timestamp::now(), 1.0),
            Sample::new(SignalId::new("P-101.vibration"), Timestamp::now(), 8.0),
        ],
    );
    app.update();
    let store = app.world().resource::<Store>();
    assert_eq!(
        store
            .unknown_signals()
            .get(&SignalId::new("X-999.temperature")),
        Some(&1)
    );
    let pump = asset_entity(&mut app, "P-101");
    assert_eq!(
        app.world()
            .get::<AssetStatus>(pump)
            .unwrap()
            .color
            .map(|c| c.to_string())
            .as_deref(),
        Some("#d64541")
    );
}

#[test]
fn a_model_bevy_cannot_load_is_reported_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    // Valid glTF JSON (so `check` can read node names) whose vertex buffer file is missing.
    std::fs::write(
        dir.path().join("broken.gltf"),
        r#"{"asset":{"version":"2.0"},"scene":0,"scenes":[{"nodes":[0]}],
            "nodes":[{"name":"TK-101","mesh":0}],
            "meshes":[{"primitives":[{"attributes":{"POSITION":0}}]}],
            "accessors":[{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]}],
            "bufferViews":[{"buffer":0,"byteLength":36}],
            "buffers":[{"uri":"missing.bin","byteLength":36}]}"#,
    )
    .unwrap();
    let scene = dir.path().join("broken.toml");
    std::fs::write(
        &scene,
        "[scene]\nname = \"broken\"\nmodel = \"broken.gltf\"\n\n[[signals]]\nid = \"TK-101.level\"\nrange = [0.0, 100.0]\nperiod = 1.0\n\n[[bindings]]\nnode = \"TK-101\"\nsignals = [\"TK-101.level\"]\n",
    )
    .unwrap();
    let mut app = headless_app(&scene);
    let deadline = Instant::now() + Duration::from_secs(30);
    let error = loop {
        app.update();
        if let Some(error) = app.world().resource::<PlantStatus>().load_error.clone() {
            break error;
        }
        assert!(
            Instant::now() < deadline,
            "no load error reported within 30 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(error.contains("broken.gltf"), "{error}");
    assert!(!app.world().resource::<PlantStatus>().ready);
}

/// Sends `seconds` + 1 samples of TK-101.level at 1 Hz ending now, value `level(second)`;
/// returns the first sample's time.
fn send_level_history(app: &App, seconds: i64, level: impl Fn(i64) -> f64) -> Timestamp {
    let start = Timestamp(Timestamp::now().0 - seconds * 1_000_000_000);
    let id = SignalId::new("TK-101.level");
    let samples = (0..=seconds)
        .map(|s| Sample::new(id.clone(), Timestamp(start.0 + s * 1_000_000_000), level(s)))
        .collect();
    send(app, samples);
    start
}

#[test]
fn moving_the_cursor_back_an_hour_shows_the_plant_as_it_was() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let tank = asset_entity(&mut app, "TK-101");
    // An hour of history: low an hour ago, half full now. Stale after 3 periods, so
    // samples every second keep both moments fresh.
    let hour_ago = send_level_history(&app, 3600, |s| if s < 1800 { 5.0 } else { 50.0 });
    app.update();
    let live = *app.world().get::<AssetStatus>(tank).unwrap();
    assert_eq!(live.value, Some(50.0));
    assert_eq!(live.color.map(|c| c.to_string()), Some(tank_colour(50.0)));

    let bounds = app.world().resource::<crate::timeline::Bounds>().0;
    assert!(
        bounds.start <= hour_ago,
        "the timeline starts at the oldest sample"
    );
    app.world_mut()
        .resource_mut::<crate::timeline::Cursor>()
        .seek(Timestamp(hour_ago.0 + 10_000_000_000), bounds);
    app.update();
    let then = *app.world().get::<AssetStatus>(tank).unwrap();
    assert_eq!(
        then.value,
        Some(5.0),
        "the value at the cursor, not the latest"
    );
    assert_eq!(then.color.map(|c| c.to_string()), Some(tank_colour(5.0)));
    assert!(!then.freshness.is_stale(), "fresh as of the cursor time");
    let view = *app.world().resource::<crate::pipeline::ViewTime>();
    assert!(!view.following_live);

    // Back to live (the L key).
    let bounds = app.world().resource::<crate::timeline::Bounds>().0;
    app.world_mut()
        .resource_mut::<crate::timeline::Cursor>()
        .follow_live(bounds);
    app.update();
    let back = *app.world().get::<AssetStatus>(tank).unwrap();
    assert_eq!(back.value, Some(50.0));
    assert_eq!(back.color.map(|c| c.to_string()), Some(tank_colour(50.0)));
}

#[test]
fn playing_at_100x_moves_the_view_time_and_recolours_on_the_way() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let tank = asset_entity(&mut app, "TK-101");
    // 120 s of history at 1 Hz: low for the first 60 s, then high.
    let start = send_level_history(&app, 120, |s| if s < 60 { 5.0 } else { 95.0 });
    app.update();
    let bounds = app.world().resource::<crate::timeline::Bounds>().0;
    {
        let mut cursor = app.world_mut().resource_mut::<crate::timeline::Cursor>();
        cursor.seek(Timestamp(start.0 + 30_000_000_000), bounds);
        cursor.set_speed(100.0);
        cursor.play(bounds);
    }
    let mut colours = Vec::new();
    app.update();
    let began = app.world().resource::<crate::pipeline::ViewTime>().time;
    assert!(
        began.secs_since(start) < 35.0,
        "playing from the seek point"
    );
    // MinimalPlugins' real clock: run until the view time has moved 60 s (bounded).
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        app.update();
        let view = app.world().resource::<crate::pipeline::ViewTime>().time;
        let colour = app.world().get::<AssetStatus>(tank).unwrap().color;
        if colours.last() != Some(&colour) {
            colours.push(colour);
        }
        if view.secs_since(began) > 60.0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let view = app.world().resource::<crate::pipeline::ViewTime>().time;
    assert!(view.secs_since(began) > 60.0, "playing moved the cursor");
    let names: Vec<_> = colours
        .iter()
        .map(|c| c.map(|c| c.to_string()).unwrap_or_default())
        .collect();
    let (low, high) = (tank_colour(5.0), tank_colour(95.0));
    assert!(
        names.windows(2).any(|w| w[0] == low && w[1] == high),
        "pale while low, then dark blue once the cursor passed the rise: {names:?}"
    );
}
