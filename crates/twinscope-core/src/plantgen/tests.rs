//! Tests of the generated files (structure, validity, determinism) and of the demo layout's
//! physical sense (inside the hall, standing on something, valves on pipes, clear walkways).

use gltf::json;
use serde_json::Value;

use super::layout::{TAGS, demo_plant};
use super::model::Asset;
use super::{demo_asset_tags, demo_plant_glb, synthetic_plant_glb};

/// Parses a GLB both ways: `gltf::Gltf` (which validates) and the raw JSON root.
fn parse(bytes: &[u8]) -> (gltf::Gltf, json::Root) {
    let gltf = gltf::Gltf::from_slice(bytes).expect("GLB parses and validates");
    let root = gltf.document.clone().into_json();
    (gltf, root)
}

/// Checks the node structure the app relies on; returns (asset name, extras) in file order.
fn check_structure(root: &json::Root) -> Vec<(String, Value)> {
    assert_eq!(root.scenes.len(), 1, "one scene");
    assert_eq!(root.scene.map(|s| s.value()), Some(0), "default scene set");
    let scene_nodes = &root.scenes[0].nodes;
    assert_eq!(scene_nodes.len(), 1, "one root node");
    let plant = &root.nodes[scene_nodes[0].value()];
    assert_eq!(plant.name.as_deref(), Some("demo_plant"));
    assert!(
        plant.mesh.is_none() && plant.extras.is_none(),
        "root is a bare group"
    );
    let mut out = Vec::new();
    for idx in plant.children.iter().flatten() {
        let node = &root.nodes[idx.value()];
        let tag = node.name.clone().expect("asset nodes are named");
        assert!(
            node.mesh.is_none(),
            "{tag}: asset node has no mesh of its own"
        );
        assert!(
            node.translation.is_some(),
            "{tag}: asset node has a translation"
        );
        let extras: Value =
            serde_json::from_str(node.extras.as_ref().expect("asset extras").get()).unwrap();
        assert_eq!(
            extras["tag"],
            Value::from(tag.as_str()),
            "{tag}: extras.tag"
        );
        assert!(
            extras["kind"].as_str().is_some_and(|k| !k.is_empty()),
            "{tag}: extras.kind"
        );
        assert!(
            extras["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{tag}: description"
        );
        let parts = node.children.as_ref().expect("asset nodes have parts");
        assert!(!parts.is_empty(), "{tag}: at least one part");
        for p in parts {
            let part = &root.nodes[p.value()];
            let name = part.name.as_deref().unwrap_or("");
            assert!(
                name.starts_with(&format!("{tag}/")) && name.len() > tag.len() + 1,
                "{tag}: part {name}"
            );
            assert!(part.mesh.is_some(), "{name}: part carries a mesh");
            assert!(part.children.is_none(), "{name}: plain leaf");
            if let Some(extras) = &part.extras {
                assert_eq!(
                    extras.get(),
                    r#"{"keep_material":true}"#,
                    "{name}: the only part extras say it keeps its material"
                );
            }
        }
        out.push((tag, extras));
    }
    out
}

/// GLB container and buffer layout rules: aligned chunks, space-padded JSON, one BIN chunk,
/// aligned tightly packed views with targets, POSITION min/max.
fn check_layout(bytes: &[u8], root: &json::Root) {
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap()) as usize;
    assert_eq!(&bytes[0..4], b"glTF");
    assert_eq!(u32_at(4), 2);
    assert_eq!(u32_at(8), bytes.len());
    let json_len = u32_at(12);
    assert_eq!(&bytes[16..20], b"JSON");
    assert_eq!(json_len % 4, 0);
    let json_text = &bytes[20..20 + json_len];
    let trimmed = json_text.iter().rposition(|&b| b == b'}').unwrap() + 1;
    assert!(
        json_text[trimmed..].iter().all(|&b| b == b' '),
        "JSON padded with spaces"
    );
    let bin_at = 20 + json_len;
    let bin_len = u32_at(bin_at);
    assert_eq!(&bytes[bin_at + 4..bin_at + 8], b"BIN\0");
    assert_eq!(bin_len % 4, 0);
    assert_eq!(
        bin_at + 8 + bin_len,
        bytes.len(),
        "exactly one BIN chunk, last"
    );
    assert_eq!(root.buffers.len(), 1);
    assert_eq!(root.buffers[0].byte_length.0 as usize, bin_len);
    for v in &root.buffer_views {
        assert_eq!(v.byte_offset.map_or(0, |o| o.0) % 4, 0, "view aligned");
        assert!(
            v.byte_stride.is_none() && v.target.is_some(),
            "tightly packed, with a target"
        );
    }
    for mesh in &root.meshes {
        for prim in &mesh.primitives {
            let pos =
                prim.attributes[&json::validation::Checked::Valid(json::mesh::Semantic::Positions)];
            let acc = &root.accessors[pos.value()];
            assert!(
                acc.min.is_some() && acc.max.is_some(),
                "POSITION has min/max"
            );
            assert!(prim.indices.is_some() && prim.material.is_some());
        }
    }
    assert_eq!(root.asset.version, "2.0");
    assert_eq!(root.asset.generator.as_deref(), Some("twinscope gen-plant"));
}

#[test]
fn demo_plant_is_deterministic() {
    assert_eq!(demo_plant_glb().unwrap(), demo_plant_glb().unwrap());
    assert_eq!(
        synthetic_plant_glb(37).unwrap(),
        synthetic_plant_glb(37).unwrap()
    );
}

#[test]
fn demo_plant_parses_with_the_expected_nodes() {
    let bytes = demo_plant_glb().unwrap();
    let (_, root) = parse(&bytes);
    check_layout(&bytes, &root);
    let assets = check_structure(&root);
    let names: Vec<&str> = assets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, demo_asset_tags(), "asset nodes in file order");
    for (tag, kind) in TAGS {
        let (_, extras) = assets.iter().find(|(n, _)| n == tag).unwrap();
        assert_eq!(extras["kind"], Value::from(kind), "{tag}");
    }
    for required in [
        "FLOOR-01", "WW-01", "WW-02", "TK-101", "TK-102", "P-101", "P-102", "P-103", "M-101",
        "M-102", "M-103", "XV-101", "XV-102", "XV-103", "L-101", "CV-201", "PK-201", "OS-301",
    ] {
        assert!(names.contains(&required), "{required} missing");
    }
    let desc = |tag: &str| assets.iter().find(|(n, _)| n == tag).unwrap().1["description"].clone();
    assert_eq!(desc("TK-101"), Value::from("Raw feed tank, 30 m3"));
    // Unit shapes are shared: a handful of accessors for a couple of hundred parts.
    assert!(
        root.accessors.len() <= 9,
        "{} accessors",
        root.accessors.len()
    );
    assert!(root.nodes.len() > 200, "{} nodes", root.nodes.len());
    assert!(bytes.len() < 200_000, "demo plant is {} bytes", bytes.len());
}

#[test]
fn demo_plant_has_the_moving_parts_the_scene_animates() {
    let bytes = demo_plant_glb().unwrap();
    let (_, root) = parse(&bytes);
    let node = |name: &str| {
        root.nodes
            .iter()
            .find(|n| n.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let keeps = |name: &str| node(name).extras.is_some();
    let mut moving = vec![
        "CV-201/carton1",
        "CV-201/carton2",
        "CV-201/carton3",
        "CV-201/beacon",
    ];
    let names: Vec<String> = (1..=3)
        .flat_map(|i| {
            [
                format!("M-10{i}/fan_blade_a"),
                format!("M-10{i}/fan_blade_b"),
                format!("P-10{i}/coupling_bolt"),
                format!("XV-10{i}/pointer"),
            ]
        })
        .chain((1..=2).flat_map(|i| [format!("TK-10{i}/level"), format!("TK-10{i}/gauge")]))
        .collect();
    moving.extend(names.iter().map(String::as_str));
    for name in moving {
        assert!(keeps(name), "{name} keeps its own material");
    }
    assert!(!keeps("TK-101/shell") && !keeps("P-101/coupling"));
    // The fan's blades are a cross centred on the motor axis, so spinning about it keeps them
    // in place; the level column stands inside its sight glass.
    let t = |name: &str| node(name).translation.unwrap();
    assert_eq!(t("M-101/fan_blade_a"), t("M-101/fan_blade_b"));
    assert_eq!(t("M-101/fan_blade_a")[1], super::equipment::PUMP_AXIS_Y);
    let s = |name: &str| node(name).scale.unwrap();
    assert!(s("TK-101/level")[1] < s("TK-101/gauge")[1]);
    assert!(s("TK-101/level")[0] < s("TK-101/gauge")[0]);
}

#[test]
fn synthetic_plant_has_exactly_n_assets() {
    for n in [1usize, 4, 5, 7, 123] {
        let bytes = synthetic_plant_glb(n).unwrap();
        let (_, root) = parse(&bytes);
        check_layout(&bytes, &root);
        let assets = check_structure(&root);
        assert_eq!(assets.len(), n);
        assert_eq!(assets[0].0, "A-00001");
        assert_eq!(assets[n - 1].0, format!("A-{n:05}"));
    }
    let (_, root) = parse(&synthetic_plant_glb(0).unwrap());
    assert_eq!(root.nodes.len(), 1, "an empty plant is just its root");
}

fn overlap_xz(a: &([f32; 3], [f32; 3]), b: &([f32; 3], [f32; 3])) -> bool {
    a.0[0] < b.1[0] && b.0[0] < a.1[0] && a.0[2] < b.1[2] && b.0[2] < a.1[2]
}

fn find<'a>(assets: &'a [Asset], tag: &str) -> &'a Asset {
    assets.iter().find(|a| a.tag == tag).unwrap()
}

#[test]
fn demo_layout_makes_physical_sense() {
    let plant = demo_plant();
    let assets = &plant.assets;
    for a in assets {
        let (lo, hi) = a.world_aabb();
        println!(
            "{:<9} {:<9} at [{:6.2} {:5.2} {:6.2}]  aabb [{:6.2} {:5.2} {:6.2}] .. [{:6.2} {:5.2} {:6.2}]",
            a.tag,
            a.kind,
            a.translation[0],
            a.translation[1],
            a.translation[2],
            lo[0],
            lo[1],
            lo[2],
            hi[0],
            hi[1],
            hi[2]
        );
        assert!(
            lo[0] >= -20.0 && hi[0] <= 20.0 && lo[2] >= -13.0 && hi[2] <= 13.0,
            "{} leaves the hall",
            a.tag
        );
        let expected_floor = match a.kind {
            "floor" => -0.3,
            "valve" | "pipe" => lo[1].max(0.0), // checked below: on pipes / supported
            "motor" => 0.12,                    // on its pump's base plate
            _ => 0.0,
        };
        assert!(
            (lo[1] - expected_floor).abs() < 1e-4,
            "{} bottom at {} not {expected_floor}",
            a.tag,
            lo[1]
        );
        assert!(
            a.kind == "floor" || lo[1] >= -1e-4,
            "{} sinks into the floor",
            a.tag
        );
    }
    // The hall is roughly 40 m x 26 m with the floor top at 0.
    let (flo, fhi) = find(assets, "FLOOR-01").world_aabb();
    assert_eq!(
        (flo[0], fhi[0], flo[2], fhi[2], fhi[1]),
        (-20.0, 20.0, -13.0, 13.0, 0.0)
    );

    // Every valve's centre lies on the axis of some pipe segment.
    let segments: Vec<([f32; 3], [f32; 3])> = assets
        .iter()
        .filter(|a| a.kind == "pipe")
        .flat_map(|a| {
            a.parts
                .iter()
                .filter(|p| p.name.starts_with("seg"))
                .map(|p| a.part_aabb(p))
        })
        .collect();
    for v in assets.iter().filter(|a| a.kind == "valve") {
        let c = v.translation;
        let on_pipe = segments
            .iter()
            .any(|(lo, hi)| (0..3).all(|k| c[k] >= lo[k] - 1e-3 && c[k] <= hi[k] + 1e-3));
        assert!(on_pipe, "{} is not on a pipe", v.tag);
    }

    // Major equipment footprints don't collide (pump/motor pairs and the conveyor's head in
    // the packing station's infeed are meant to touch).
    let solid: Vec<&Asset> = assets
        .iter()
        .filter(|a| matches!(a.kind, "tank" | "pump" | "motor" | "conveyor" | "station"))
        .collect();
    let allowed = |a: &str, b: &str| {
        (a.starts_with("P-") && b.starts_with("M-") && a[2..] == b[2..])
            || (a == "CV-201" && b == "PK-201")
    };
    for (i, a) in solid.iter().enumerate() {
        for b in &solid[i + 1..] {
            if !allowed(&a.tag, &b.tag) && !allowed(&b.tag, &a.tag) {
                assert!(
                    !overlap_xz(&a.world_aabb(), &b.world_aabb()),
                    "{} overlaps {}",
                    a.tag,
                    b.tag
                );
            }
        }
    }

    // Walkways are clear of anything standing at floor level (pipe bridges pass overhead).
    for w in assets.iter().filter(|a| a.kind == "walkway") {
        let wb = w.world_aabb();
        for a in assets
            .iter()
            .filter(|a| !matches!(a.kind, "walkway" | "floor"))
        {
            for p in &a.parts {
                let pb = a.part_aabb(p);
                let low = pb.0[1] < 2.2;
                assert!(
                    !(low && overlap_xz(&wb, &pb)),
                    "{}/{} blocks {}",
                    a.tag,
                    p.name,
                    w.tag
                );
            }
        }
    }

    // Pipe supports stand on the floor.
    for a in assets.iter().filter(|a| a.kind == "pipe") {
        for p in a
            .parts
            .iter()
            .filter(|p| p.name.starts_with("support") && !p.name.ends_with("shoe"))
        {
            assert!(
                a.part_aabb(p).0[1].abs() < 1e-4,
                "{}/{} floats",
                a.tag,
                p.name
            );
        }
    }
}
