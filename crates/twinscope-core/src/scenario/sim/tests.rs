//! Simulator tests: hand-checked physics, drivers, outcomes, determinism, snapshots and seeks.

use super::testkit::*;
use super::*;
use crate::scenario::*;

const G: f64 = 9.81;

fn impacts(result: &ScenarioResult) -> Vec<&ScenarioEvent> {
    result
        .events
        .iter()
        .filter(|e| matches!(e.kind, ScenarioEventKind::Impact { .. }))
        .collect()
}

fn pose_of(poses: &[BodyPose], body: usize) -> BodyPose {
    *poses
        .iter()
        .find(|p| p.body == body)
        .expect("body is spawned")
}

#[test]
fn dropped_box_hits_the_floor_at_free_fall_speed_and_enters_the_zone_on_time() {
    // A 0.4 m box whose bottom is h = 2 m above the floor, over a zone 0.5 m high.
    let h = 2.0;
    let half = 0.2;
    let mut spec = spec(2.0);
    spec.bodies
        .push(box_body("crate", [0.4; 3], 12.0, [0.0, h + half, 0.0]));
    spec.zones
        .push(zone("walkway", [-1.0, 0.0, -1.0], [1.0, 0.5, 1.0]));
    let result = run(&spec, floor_world());

    let hits = impacts(&result);
    assert_eq!(hits.len(), 1, "one impact: {:?}", result.events);
    let ScenarioEventKind::Impact { speed, energy_j } = hits[0].kind else {
        unreachable!()
    };
    let expected = (2.0 * G * h).sqrt();
    assert!(
        (speed - expected).abs() < 0.05 * expected,
        "impact {speed} m/s, free fall {expected}"
    );
    assert!((energy_j - 0.5 * 12.0 * speed * speed).abs() < 1e-9);
    assert_eq!(hits[0].node.as_deref(), Some("FLOOR"));
    assert!(
        hits[0].position[1].abs() < 0.05,
        "contact on the floor top: {:?}",
        hits[0].position
    );
    assert_eq!(result.outcomes.touched_nodes, vec!["FLOOR".to_string()]);
    assert_eq!(result.outcomes.peak_impact_speed, speed);

    // The centre enters the zone when it has fallen from h + half to 0.5.
    let zone = &result.outcomes.zones[0];
    let expected_entry = (2.0 * (h + half - 0.5) / G).sqrt();
    let entry = zone.first_entry_s.expect("the box enters the zone");
    assert!(
        (entry - expected_entry).abs() <= 2.0 * result.dt_s,
        "entry at {entry} s, expected {expected_entry}"
    );
    assert_eq!((zone.entries, zone.bodies_entered), (1, 1));
    assert_eq!(
        zone.peak_impact_speed, speed,
        "the contact point lies in the zone"
    );
    let times: Vec<f64> = result.events.iter().map(|e| e.t_s).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "events in time order"
    );
}

#[test]
fn a_resting_box_is_not_an_impact() {
    let mut spec = spec(1.0);
    spec.bodies
        .push(box_body("crate", [0.4; 3], 12.0, [0.0, 0.2 + 0.001, 0.0]));
    let result = run(&spec, floor_world());
    assert!(impacts(&result).is_empty(), "{:?}", result.events);
    assert_eq!(result.outcomes.peak_impact_speed, 0.0);
}

/// A floor and a 10 m belt along X whose top is at y = 0.5.
fn belt_world() -> Arc<StaticWorld> {
    Arc::new(
        world_with(
            &[
                floor(),
                TestNode {
                    name: "CV",
                    parent: None,
                    translation: [0.0, 0.0, 0.0],
                    rotation: [0.0, 0.0, 0.0, 1.0],
                    size: None,
                },
                cube("CV/belt", Some(1), [0.0, 0.45, 0.0], [10.0, 0.1, 1.0]),
            ],
            &[],
        )
        .expect("belt world"),
    )
}

/// A belt along +X on node `CV` whose speed reads the input `belt_speed` (given here).
fn belt(speed: f64) -> (DriverSpec, ResolvedInput) {
    let driver = DriverSpec::Conveyor {
        node: "CV".into(),
        speed: Quantity::Input {
            name: "belt_speed".into(),
            scale: 1.0,
        },
        direction: [1.0, 0.0, 0.0],
        location: loc(30),
    };
    let input = ResolvedInput {
        name: "belt_speed".into(),
        value: speed,
        read: None,
        defaulted: false,
    };
    (driver, input)
}

#[test]
fn conveyor_carries_a_box_at_belt_speed_until_it_stops() {
    let (driver, input) = belt(0.8);
    let mut spec = spec(5.0);
    spec.bodies.push(box_body(
        "carton",
        [0.4, 0.3, 0.4],
        5.0,
        [-4.0, 0.5 + 0.15, 0.0],
    ));
    spec.drivers.push(driver);
    spec.events.push(EventSpec {
        at_s: 3.0,
        action: EventAction::Stop {
            target: "CV".into(),
        },
        location: loc(40),
    });
    let mut run = ScenarioRun::new(&spec, belt_world(), &[input]).expect("valid spec");
    let mut x_at = Vec::new();
    while run.step_index() < run.total_steps() {
        run.step();
        x_at.push(pose_of(&run.poses(), 0).translation[0]);
    }
    // Between 1 s and 3 s the box moves with the belt.
    let speed = (x_at[179] - x_at[59]) / 2.0;
    assert!((speed - 0.8).abs() < 0.03, "carried at {speed} m/s");
    // After the stop it comes to rest on the belt.
    let late = (x_at[299] - x_at[239]) / 1.0;
    assert!(
        late.abs() < 0.01,
        "still moving at {late} m/s after the stop"
    );
    let result = run.run_to_end(&mut |_, _| {});
    let stop = result
        .events
        .iter()
        .find(|e| e.kind == ScenarioEventKind::Scripted)
        .expect("stop event");
    assert_eq!((stop.t_s, stop.node.as_deref()), (3.0, Some("CV")));
}

#[test]
fn released_hoist_load_falls_keeping_its_path_velocity() {
    let mut spec = spec(3.0);
    let mut load = box_body("load", [0.5; 3], 200.0, [0.0; 3]);
    load.location = loc(12);
    spec.bodies.push(load);
    spec.drivers.push(DriverSpec::Path {
        body: "load".into(),
        points: vec![[0.0, 4.0, 0.0], [10.0, 4.0, 0.0]],
        speed: Quantity::Value(1.0),
        repeat: false,
        location: loc(31),
    });
    spec.events.push(EventSpec {
        at_s: 1.0,
        action: EventAction::Release {
            body: "load".into(),
        },
        location: loc(41),
    });
    let mut run = ScenarioRun::new(&spec, floor_world(), &[]).expect("valid spec");
    let mut poses = vec![pose_of(&run.poses(), 0)];
    while run.step_index() < run.total_steps() {
        run.step();
        poses.push(pose_of(&run.poses(), 0));
    }
    // Carried: at 0.5 s half a metre along, still at hook height.
    assert!(
        (poses[30].translation[0] - 0.5).abs() < 1e-3 && poses[30].translation[1] == 4.0,
        "{:?}",
        poses[30]
    );
    // Half a second after the release: fallen ½ g t², moved on at 1 m/s.
    let p = poses[90].translation;
    assert!(
        (p[1] as f64 - (4.0 - 0.5 * G * 0.25)).abs() < 0.1,
        "fell to {p:?}"
    );
    assert!((p[0] - 1.5).abs() < 0.05, "kept the path velocity: {p:?}");
    // Lands on the floor (centre at its half height) and the landing is an impact.
    assert!(
        (poses[180].translation[1] - 0.25).abs() < 0.03,
        "{:?}",
        poses[180]
    );
    let result = run.run_to_end(&mut |_, _| {});
    let speed = impacts(&result).iter().find_map(|e| match e.kind {
        ScenarioEventKind::Impact { speed, .. } => Some(speed),
        _ => None,
    });
    let expected = (2.0 * G * 3.75).sqrt();
    assert!(
        speed.is_some_and(|s| (s - expected).abs() < 0.06 * expected),
        "impact {speed:?}, expected {expected}"
    );
}

#[test]
fn path_repeat_wraps_and_stop_holds_the_body() {
    let mut spec = spec(3.0);
    let mut cart = box_body("cart", [1.0; 3], 500.0, [0.0; 3]);
    cart.kinematic = true;
    spec.bodies.push(cart);
    spec.drivers.push(DriverSpec::Path {
        body: "cart".into(),
        points: vec![[0.0, 0.5, 0.0], [1.0, 0.5, 0.0]],
        speed: Quantity::Value(1.0),
        repeat: true,
        location: loc(31),
    });
    spec.events.push(EventSpec {
        at_s: 2.5,
        action: EventAction::Stop {
            target: "cart".into(),
        },
        location: loc(41),
    });
    let mut run = ScenarioRun::new(&spec, floor_world(), &[]).expect("valid spec");
    let mut xs = Vec::new();
    while run.step_index() < run.total_steps() {
        run.step();
        xs.push(pose_of(&run.poses(), 0).translation[0]);
    }
    assert!(
        (xs[89] - 0.5).abs() < 1e-3,
        "wrapped to 0.5 at 1.5 s: {}",
        xs[89]
    );
    assert_eq!(xs[170], xs[179], "stopped after 2.5 s");
}

fn stream_spec(seed: u64) -> ScenarioSpec {
    let mut spec = spec(3.0);
    spec.seed = seed;
    let mut stream = box_body("item", [0.3; 3], 4.0, [0.0, 2.0, 0.0]);
    stream.count = 12;
    stream.every_s = Some(0.15);
    stream.jitter_m = 0.3;
    stream.mass = Quantity::Input {
        name: "mass".into(),
        scale: 1.0,
    };
    spec.bodies.push(stream);
    spec
}

fn mass_input(value: f64) -> Vec<ResolvedInput> {
    vec![ResolvedInput {
        name: "mass".into(),
        value,
        read: None,
        defaulted: false,
    }]
}

fn hash_of(spec: &ScenarioSpec, inputs: &[ResolvedInput]) -> String {
    ScenarioRun::new(spec, floor_world(), inputs)
        .expect("valid spec")
        .run_to_end(&mut |_, _| {})
        .trajectory_hash
}

#[test]
fn same_inputs_same_hash_and_any_change_shows() {
    let a = hash_of(&stream_spec(1), &mass_input(4.0));
    assert_eq!(a.len(), 64);
    assert_eq!(a, hash_of(&stream_spec(1), &mass_input(4.0)));
    assert_ne!(
        a,
        hash_of(&stream_spec(2), &mass_input(4.0)),
        "seed changes the jitter"
    );
    assert_ne!(
        a,
        hash_of(&stream_spec(1), &mass_input(9.0)),
        "mass changes the pile"
    );
}

#[test]
fn seeks_backwards_and_forwards_reproduce_the_run_bit_for_bit() {
    let mut spec = stream_spec(3);
    spec.snapshot_every = 20;
    spec.duration_s = 4.0;
    let mut run = ScenarioRun::new(&spec, floor_world(), &mass_input(4.0)).expect("valid spec");
    let mut recorded = vec![run.poses()];
    while run.step_index() < run.total_steps() {
        run.step();
        recorded.push(run.poses());
    }
    let result = Arc::new(run.run_to_end(&mut |_, _| {}));
    assert_eq!(result.snapshot_count, 13, "steps 0, 20, …, 240");
    assert!(result.snapshot_bytes > 0);
    let mut playback = Playback::new(Arc::clone(&result));
    assert_eq!(playback.seek(0.0), &recorded[0][..]);
    // Forward (stepping on), far forward, backward, same place, mid-interval, the end, past it.
    for step in [5usize, 17, 163, 40, 41, 21, 240, 239, 97, 0, 200] {
        let t = step as f64 * result.dt_s;
        let poses = playback.seek(t).to_vec();
        assert_eq!(poses, recorded[step], "poses at step {step}");
        assert_eq!(playback.time_s(), t);
    }
    assert_eq!(
        playback.seek(99.0),
        &recorded[240][..],
        "clamped to the end"
    );
    assert_eq!(
        playback.seek(-1.0),
        &recorded[0][..],
        "clamped to the start"
    );
}

#[test]
fn seeks_reproduce_belts_paths_and_events() {
    let (driver, input) = belt(1.2);
    let mut spec = spec(4.0);
    spec.snapshot_every = 25;
    let mut cartons = box_body("carton", [0.3; 3], 3.0, [-4.5, 0.7, 0.0]);
    cartons.count = 8;
    cartons.every_s = Some(0.4);
    cartons.jitter_m = 0.1;
    spec.bodies.push(cartons);
    spec.bodies.push(box_body("load", [0.4; 3], 50.0, [0.0; 3]));
    spec.drivers.push(driver);
    spec.drivers.push(DriverSpec::Path {
        body: "load".into(),
        points: vec![[-2.0, 3.0, 0.0], [2.0, 3.0, 0.0]],
        speed: Quantity::Value(0.7),
        repeat: false,
        location: loc(31),
    });
    spec.events.push(EventSpec {
        at_s: 2.0,
        action: EventAction::Release {
            body: "load".into(),
        },
        location: loc(41),
    });
    spec.events.push(EventSpec {
        at_s: 1.5,
        action: EventAction::Block(ObstacleSpec {
            name: "gate".into(),
            placement: Placement::At([3.0, 0.8, 0.0]),
            size: [0.1, 0.6, 1.0],
        }),
        location: loc(42),
    });
    spec.events.push(EventSpec {
        at_s: 3.0,
        action: EventAction::SetSpeed {
            target: "CV".into(),
            speed: Quantity::Value(0.3),
        },
        location: loc(43),
    });
    let mut run = ScenarioRun::new(&spec, belt_world(), &[input]).expect("valid spec");
    let mut recorded = vec![run.poses()];
    while run.step_index() < run.total_steps() {
        run.step();
        recorded.push(run.poses());
    }
    let result = Arc::new(run.run_to_end(&mut |_, _| {}));
    let mut playback = Playback::new(result);
    for step in [239usize, 130, 90, 121, 126, 151, 10, 180, 240, 60, 61] {
        assert_eq!(
            playback.seek(step as f64 / 60.0),
            &recorded[step][..],
            "poses at step {step}"
        );
    }
}

#[test]
fn zones_from_nodes_and_the_line_count_spilled_bodies() {
    // Two boxes start on a 2 m table; one is pushed off towards a walkway beside it.
    let world = Arc::new(
        world_with(
            &[
                floor(),
                cube("TABLE", None, [0.0, 0.5, 0.0], [2.0, 1.0, 2.0]),
                cube("WALK", None, [2.5, 0.005, 0.0], [1.0, 0.01, 4.0]),
            ],
            &[],
        )
        .expect("world"),
    );
    let mut spec = spec(3.0);
    spec.bodies
        .push(box_body("stays", [0.3; 3], 2.0, [-0.5, 1.15, 0.0]));
    let mut pushed = box_body("pushed", [0.3; 3], 2.0, [0.5, 1.15, 0.0]);
    pushed.velocity = [
        Quantity::Value(3.0),
        Quantity::Value(0.0),
        Quantity::Value(0.0),
    ];
    spec.bodies.push(pushed);
    spec.zones.push(ZoneSpec {
        name: "walkway".into(),
        kind: "walkway".into(),
        region: Region::Node {
            node: "WALK".into(),
            margin: 0.0,
            height: 2.0,
        },
        location: loc(20),
    });
    spec.line = Some(Region::Node {
        node: "TABLE".into(),
        margin: 0.05,
        height: 2.0,
    });
    let result = run(&spec, world);
    assert_eq!(result.outcomes.bodies_total, 2);
    assert_eq!(result.outcomes.bodies_off_line, 1);
    let off: Vec<_> = result
        .events
        .iter()
        .filter(|e| e.kind == ScenarioEventKind::OffLine)
        .collect();
    assert_eq!(off.len(), 1);
    assert_eq!(off[0].body.as_deref(), Some("pushed"));
    let zone = &result.outcomes.zones[0];
    assert_eq!((zone.entries, zone.bodies_entered), (1, 1));
    assert!(zone.first_entry_s.is_some_and(|t| t > off[0].t_s));
    assert!(result.outcomes.touched_nodes.contains(&"WALK".to_string()));
}

#[test]
fn spec_mistakes_name_their_location() {
    let cases: Vec<(ScenarioSpec, usize, &str)> = vec![
        {
            let mut s = spec(1.0);
            let mut b = box_body("crate", [0.4; 3], 1.0, [0.0; 3]);
            b.placement = Placement::Node {
                node: "NOPE-1".into(),
                offset: [0.0; 3],
            };
            s.bodies.push(b);
            (s, 10, "NOPE-1")
        },
        {
            let mut s = spec(1.0);
            s.zones.push(ZoneSpec {
                name: "z".into(),
                kind: "walkway".into(),
                region: Region::Node {
                    node: "WW-99".into(),
                    margin: 0.0,
                    height: 2.0,
                },
                location: loc(20),
            });
            (s, 20, "WW-99")
        },
        {
            let mut s = spec(1.0);
            s.events.push(EventSpec {
                at_s: 0.5,
                action: EventAction::Stop {
                    target: "CV-999".into(),
                },
                location: loc(40),
            });
            (s, 40, "CV-999")
        },
        {
            let mut s = spec(1.0);
            s.drivers.push(DriverSpec::Path {
                body: "ghost".into(),
                points: vec![[0.0; 3], [1.0; 3]],
                speed: Quantity::Value(1.0),
                repeat: false,
                location: loc(31),
            });
            (s, 31, "ghost")
        },
        {
            let mut s = spec(1.0);
            s.bodies.push(box_body("crate", [0.4; 3], 1.0, [0.0; 3]));
            s.drivers.push(DriverSpec::Path {
                body: "crate".into(),
                points: vec![[0.0; 3]],
                speed: Quantity::Value(1.0),
                repeat: false,
                location: loc(32),
            });
            (s, 32, "two points")
        },
    ];
    for (spec, line, needle) in cases {
        match ScenarioRun::new(&spec, floor_world(), &[]) {
            Err(ScenarioError::Spec { location, message }) => {
                assert_eq!(location, loc(line), "{message}");
                assert!(message.contains(needle), "{message}");
                let shown = ScenarioError::Spec { location, message }.to_string();
                assert!(
                    shown.starts_with(&format!("test.scenario.toml:{line}:1: error:")),
                    "{shown}"
                );
            }
            Err(other) => panic!("expected a spec error about {needle}, got {other}"),
            Ok(_) => panic!("expected a spec error about {needle}"),
        }
    }
}

#[test]
fn results_and_runs_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<ScenarioResult>();
    send::<ScenarioRun>();
    send::<Playback>();
}
