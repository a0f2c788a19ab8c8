//! Static world tests: colliders match the model's geometry; choices pick and inherit kinds.

use super::testkit::*;
use crate::scenario::world::{StaticWorld, points_bounds};
use crate::scenario::*;
use std::path::Path;

fn demo_model() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/plants/demo_plant.glb"
    ))
}

fn close(a: [f32; 3], b: [f32; 3]) -> bool {
    (0..3).all(|i| (a[i] - b[i]).abs() < 1e-4)
}

/// The world AABB of a node's mesh computed independently, from the glTF's accessor min/max
/// and the node's decomposed transforms (translation and scale only, as on the belt).
fn accessor_bounds(doc: &gltf::Document, name: &str) -> ([f32; 3], [f32; 3]) {
    let node = doc
        .nodes()
        .find(|n| n.name() == Some(name))
        .expect("node in the model");
    let parent = doc
        .nodes()
        .find(|p| p.children().any(|c| c.index() == node.index()))
        .expect("part has a parent");
    let (pt, _, ps) = parent.transform().decomposed();
    let (t, r, s) = node.transform().decomposed();
    assert_eq!(
        r,
        [0.0, 0.0, 0.0, 1.0],
        "the check assumes an unrotated part"
    );
    let primitive = node
        .mesh()
        .expect("mesh")
        .primitives()
        .next()
        .expect("primitive");
    let bounds = primitive.bounding_box();
    let world =
        |v: [f32; 3]| -> [f32; 3] { std::array::from_fn(|i| pt[i] + ps[i] * (t[i] + s[i] * v[i])) };
    (world(bounds.min), world(bounds.max))
}

#[test]
fn demo_colliders_match_the_models_own_bounds() {
    let world = StaticWorld::from_model(demo_model(), &[]).expect("demo model reads");
    let gltf = gltf::Gltf::open(demo_model()).expect("demo model parses");
    for name in [
        "CV-201/belt",
        "FLOOR-01/slab",
        "PK-201/enclosure",
        "OS-301/desk_top",
    ] {
        let expected = accessor_bounds(&gltf.document, name);
        let bounds = world.node_bounds(name).expect("bounds");
        assert!(
            close(bounds.0, expected.0) && close(bounds.1, expected.1),
            "{name}: {bounds:?} vs {expected:?}"
        );
        let collider = world
            .colliders()
            .iter()
            .find(|c| c.node == name)
            .expect("collider");
        assert_eq!(collider.kind, ColliderKind::Convex, "default kind");
        let hull = points_bounds(&collider.vertices).expect("vertices");
        assert!(
            close(hull.0, expected.0) && close(hull.1, expected.1),
            "{name} collider: {hull:?}"
        );
    }
    // A node's bounds include its parts; its origin is its own translation.
    let (min, max) = world.node_bounds("CV-201").expect("conveyor bounds");
    let belt = world.node_bounds("CV-201/belt").expect("belt bounds");
    assert!((0..3).all(|i| min[i] <= belt.0[i] && max[i] >= belt.1[i]));
    assert_eq!(world.node_origin("CV-201"), Some([7.0, 0.0, 6.0]));
    assert_eq!(world.node_origin("NOPE"), None);
    let meshes = gltf.document.nodes().filter(|n| n.mesh().is_some()).count();
    assert_eq!(
        world.colliders().len(),
        meshes,
        "one collider per mesh primitive"
    );
}

#[test]
fn rotated_and_nested_nodes_are_placed_in_world_space() {
    // A parent moved to x = 10, a child turned 90° about Y with a 4 × 1 × 2 cube: its world
    // footprint is 2 along X and 4 along Z.
    let h = std::f32::consts::FRAC_1_SQRT_2;
    let world = world_with(
        &[
            TestNode {
                name: "RIG",
                parent: None,
                translation: [10.0, 0.0, 0.0],
                rotation: [0.0, 0.0, 0.0, 1.0],
                size: None,
            },
            TestNode {
                name: "RIG/arm",
                parent: Some(0),
                translation: [0.0, 2.0, 0.0],
                rotation: [0.0, h, 0.0, h],
                size: Some([4.0, 1.0, 2.0]),
            },
        ],
        &[],
    )
    .expect("world");
    let (min, max) = world.node_bounds("RIG/arm").expect("bounds");
    assert!(
        close(min, [9.0, 1.5, -2.0]) && close(max, [11.0, 2.5, 2.0]),
        "{min:?} {max:?}"
    );
    assert_eq!(world.node_bounds("RIG"), Some((min, max)));
    assert_eq!(world.node_origin("RIG/arm"), Some([10.0, 2.0, 0.0]));
}

fn choice(node: &str, kind: ColliderKind) -> ColliderChoice {
    ColliderChoice {
        node: node.into(),
        kind,
        location: loc(5),
    }
}

#[test]
fn choices_apply_to_descendants_and_the_nearest_wins() {
    let nodes = [
        TestNode {
            name: "BIN",
            parent: None,
            translation: [0.0; 3],
            rotation: [0.0, 0.0, 0.0, 1.0],
            size: Some([1.0; 3]),
        },
        cube("BIN/wall", Some(0), [0.0; 3], [1.0; 3]),
        cube("BIN/label", Some(0), [0.0; 3], [0.1; 3]),
        cube("PUMP", None, [3.0, 0.0, 0.0], [1.0; 3]),
    ];
    let world = world_with(
        &nodes,
        &[
            choice("BIN", ColliderKind::Trimesh),
            choice("BIN/label", ColliderKind::None),
        ],
    )
    .expect("world");
    let kinds: Vec<(&str, ColliderKind)> = world
        .colliders()
        .iter()
        .map(|c| (c.node.as_str(), c.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("BIN", ColliderKind::Trimesh),
            ("BIN/wall", ColliderKind::Trimesh),
            ("PUMP", ColliderKind::Convex)
        ]
    );
    let trimesh = &world.colliders()[0];
    assert_eq!((trimesh.vertices.len(), trimesh.triangles.len()), (8, 12));
    // A node without a collider still has bounds (zones may be drawn from decals).
    assert!(world.node_bounds("BIN/label").is_some());

    match world_with(&nodes, &[choice("BIN/lid", ColliderKind::None)]) {
        Err(ScenarioError::Spec { location, message }) => {
            assert_eq!(location, loc(5));
            assert!(message.contains("BIN/lid"), "{message}");
        }
        other => panic!(
            "expected a spec error, got {:?}",
            other.map(|w| w.colliders().len())
        ),
    }
}

#[test]
fn a_hollow_trimesh_bin_keeps_a_body_inside_where_a_hull_would_push_it_out() {
    // A ball starting inside a 2 m cube: as a trimesh the cube is hollow and the ball falls to
    // its bottom; as a convex hull it is solid and the ball is pushed out of it.
    let drop = |kind: ColliderKind| {
        let world = world_with(
            &[floor(), cube("BIN", None, [0.0, 1.0, 0.0], [2.0, 2.0, 2.0])],
            &[choice("BIN", kind)],
        )
        .expect("world");
        let mut spec = spec(2.0);
        let mut ball = box_body("ball", [0.0; 3], 1.0, [0.0, 1.0, 0.0]);
        ball.shape = ShapeSpec::Sphere { radius: 0.2 };
        spec.bodies.push(ball);
        let run = super::ScenarioRun::new(&spec, std::sync::Arc::new(world), &[]).expect("valid");
        let result = run.run_to_end(&mut |_, _| {});
        let mut playback = super::Playback::new(std::sync::Arc::new(result));
        playback.seek(2.0)[0].translation
    };
    let inside = |p: [f32; 3]| p[0].abs() < 1.0 && p[2].abs() < 1.0 && p[1] > 0.0 && p[1] < 2.0;
    let hollow = drop(ColliderKind::Trimesh);
    assert!(
        inside(hollow) && hollow[1] < 0.3,
        "rests on the bottom inside the trimesh: {hollow:?}"
    );
    let solid = drop(ColliderKind::Convex);
    assert!(!inside(solid), "pushed out of the solid hull: {solid:?}");
}

#[test]
fn unreadable_models_are_model_errors() {
    match StaticWorld::from_model(Path::new("no/such/model.glb"), &[]) {
        Err(ScenarioError::Model { path, .. }) => assert_eq!(path, Path::new("no/such/model.glb")),
        other => panic!(
            "expected a model error, got {:?}",
            other.map(|w| w.colliders().len())
        ),
    }
}

#[test]
fn a_carton_rides_the_demo_conveyor_belt() {
    // The demo's decorative cartons on CV-201 would stop it; the scene can switch them off.
    let choices: Vec<ColliderChoice> = ["CV-201/carton1", "CV-201/carton2", "CV-201/carton3"]
        .iter()
        .map(|n| choice(n, ColliderKind::None))
        .collect();
    let world = std::sync::Arc::new(StaticWorld::from_model(demo_model(), &choices).expect("demo"));
    let mut spec = spec(4.0);
    let mut carton = box_body("carton", [0.4, 0.3, 0.3], 6.0, [0.0; 3]);
    carton.placement = Placement::Node {
        node: "CV-201".into(),
        offset: [-5.0, 1.06, 0.0],
    };
    spec.bodies.push(carton);
    spec.drivers.push(DriverSpec::Conveyor {
        node: "CV-201".into(),
        speed: Quantity::Value(0.5),
        direction: [1.0, 0.0, 0.0],
        location: loc(30),
    });
    let result = std::sync::Arc::new(
        super::ScenarioRun::new(&spec, world, &[])
            .expect("valid")
            .run_to_end(&mut |_, _| {}),
    );
    let mut playback = super::Playback::new(std::sync::Arc::clone(&result));
    let start = playback.seek(0.0)[0].translation;
    let end = playback.seek(4.0)[0].translation;
    assert_eq!(start, [2.0, 1.06, 6.0], "placed from the node's origin");
    let moved = end[0] - start[0];
    assert!(
        moved > 1.6 && moved < 2.0,
        "carried {moved} m in 4 s at 0.5 m/s: {end:?}"
    );
    assert!(
        (end[1] - 1.05).abs() < 0.02 && (end[2] - 6.0).abs() < 0.05,
        "stays on the belt: {end:?}"
    );
}
