//! What-if scenario simulation: 1,000 dynamic boxes dropped into a walled pit on the demo
//! plant's floor (the goals: ≥ 4× real time on one core at 60 Hz, any seek ≤ 50 ms).
//!
//! - **run**: a 60 s scenario stepped to the end at 60 Hz with a snapshot every 30 steps (what
//!   `twinscope scenario run` and the viewer's background run do), timed once: simulated seconds
//!   per wall-clock second is the real-time factor;
//! - **seek**: `Playback::seek` to random times of that run (restore the snapshot at or before,
//!   step on), against the baseline of replaying from t = 0 to the same time (no snapshots).
//!
//! Run: `cargo bench --profile dev --bench scenario`.

// criterion_main! writes an undocumented `main`.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use twinscope_core::scenario::world::StaticWorld;
use twinscope_core::scenario::{
    BodySpec, ObstacleSpec, Placement, Playback, Quantity, ScenarioResult, ScenarioRun,
    ScenarioSpec, ShapeSpec,
};
use twinscope_core::scene::Location;

/// Bodies dropped (10 × 10 × 10).
const SIDE: usize = 10;
/// Simulated seconds.
const DURATION_S: f64 = 60.0;
/// The pit's centre on the demo floor: a free corner of the hall, clear of assets.
const PIT: [f64; 2] = [-15.0, 7.0];
/// Inner half-width of the pit, metres.
const PIT_HALF: f64 = 3.2;

fn here() -> Location {
    Location::new("benches/scenario.rs", 1, 1)
}

/// Four walls around the pit.
fn walls() -> Vec<ObstacleSpec> {
    let [x, z] = PIT;
    let h = PIT_HALF + 0.1;
    let wall = |name: &str, at: [f64; 2], size: [f64; 2]| ObstacleSpec {
        name: name.into(),
        placement: Placement::At([at[0], 1.0, at[1]]),
        size: [size[0], 2.0, size[1]],
    };
    vec![
        wall("west", [x - h, z], [0.2, 2.0 * h + 0.2]),
        wall("east", [x + h, z], [0.2, 2.0 * h + 0.2]),
        wall("north", [x, z - h], [2.0 * h + 0.2, 0.2]),
        wall("south", [x, z + h], [2.0 * h + 0.2, 0.2]),
    ]
}

/// 1,000 boxes of 0.3 m in a 10 × 10 × 10 grid 0.6 m apart, from 1 m up, jittered a little.
fn spec() -> ScenarioSpec {
    let mut bodies = Vec::new();
    for layer in 0..SIDE {
        for row in 0..SIDE {
            let start = -0.6 * (SIDE as f64 - 1.0) / 2.0;
            bodies.push(BodySpec {
                name: format!("box-{layer}-{row}"),
                shape: ShapeSpec::Box { size: [0.3; 3] },
                mass: Quantity::Value(8.0),
                friction: 0.6,
                restitution: 0.1,
                placement: Placement::At([
                    PIT[0] + start,
                    1.0 + 0.6 * layer as f64,
                    PIT[1] + start + 0.6 * row as f64,
                ]),
                count: SIDE as u32,
                spacing: [0.6, 0.0, 0.0],
                every_s: None,
                start_s: 0.0,
                jitter_m: 0.05,
                velocity: [
                    Quantity::Value(0.0),
                    Quantity::Value(0.0),
                    Quantity::Value(0.0),
                ],
                kinematic: false,
                location: here(),
            });
        }
    }
    ScenarioSpec {
        name: "pit".into(),
        description: "1,000 boxes dropped into a pit".into(),
        location: here(),
        file: "benches/scenario.rs".into(),
        seed: 42,
        duration_s: DURATION_S,
        steps_per_second: 60,
        snapshot_every: 30,
        inputs: Vec::new(),
        bodies,
        drivers: Vec::new(),
        events: Vec::new(),
        zones: Vec::new(),
        line: None,
        obstacles: walls(),
    }
}

fn world() -> Arc<StaticWorld> {
    let model = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/plants/demo_plant.glb"
    ));
    Arc::new(StaticWorld::from_model(model, &[]).expect("demo plant model"))
}

/// Runs the scenario once and reports the real-time factor: over the first 5 s (every body
/// falling, colliding and settling: the hard part) and over the whole 60 s (most of the pile
/// asleep by then, as it would be in the plant).
fn run_once(spec: &ScenarioSpec, world: &Arc<StaticWorld>) -> ScenarioResult {
    let mut run = ScenarioRun::new(spec, Arc::clone(world), &[]).expect("bench spec is valid");
    let settling_steps = 300;
    let start = Instant::now();
    while run.step_index() < settling_steps {
        run.step();
    }
    let settling = start.elapsed().as_secs_f64();
    let result = run.run_to_end(&mut |_, _| {});
    let wall = start.elapsed().as_secs_f64();
    let rate = |steps: f64, secs: f64| {
        format!(
            "{:.0} steps/s = {:.1}× real time",
            steps / secs,
            steps / 60.0 / secs
        )
    };
    println!(
        "run: {} bodies at 60 Hz, one core (goal ≥ 4× real time): first 5 s {}; whole {} s {}; \
         {} snapshots, {:.1} MB",
        result.bodies.len(),
        rate(settling_steps as f64, settling),
        DURATION_S,
        rate(result.steps as f64, wall),
        result.snapshot_count,
        result.snapshot_bytes as f64 / 1e6,
    );
    result
}

/// Seeks to random times; the baseline replays from t = 0 with a fresh run each time.
fn seek(c: &mut Criterion) {
    let spec = spec();
    let world = world();
    let result = Arc::new(run_once(&spec, &world));
    let mut playback = Playback::new(Arc::clone(&result));
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut times: Vec<f64> = (0..200)
        .map(|_| rng.random_range(0.0..DURATION_S))
        .collect();
    let mut worst = Duration::ZERO;
    for &t in &times {
        let start = Instant::now();
        black_box(playback.seek(t));
        worst = worst.max(start.elapsed());
    }
    let start = Instant::now();
    for k in (0..20).rev() {
        black_box(playback.seek(k as f64 * 3.0));
    }
    let restore_ms = start.elapsed().as_secs_f64() * 1e3 / 20.0;
    println!("seek: restoring a snapshot alone (seeking backwards onto one) {restore_ms:.1} ms");
    println!(
        "seek: worst of {} random seeks {:.1} ms (goal ≤ 50 ms)",
        times.len(),
        worst.as_secs_f64() * 1e3
    );

    let mut group = c.benchmark_group("scenario, 1000 bodies, 60 s");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    let mut next = 0;
    group.bench_function("seek to a random time (snapshots)", |b| {
        b.iter(|| {
            next = (next + 1) % times.len();
            black_box(playback.seek(times[next]).len())
        })
    });
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(1));
    times.truncate(10);
    // Only the step-0 snapshot: the baseline pays for stepping, not for encoding snapshots.
    let baseline = ScenarioSpec {
        snapshot_every: u32::MAX,
        ..spec
    };
    group.bench_function("replay from t = 0 to a random time (baseline)", |b| {
        b.iter_custom(|n| {
            let mut total = Duration::ZERO;
            for i in 0..n {
                let target = (times[i as usize % times.len()] * 60.0).round() as u64;
                let start = Instant::now();
                let mut run = ScenarioRun::new(&baseline, Arc::clone(&world), &[]).expect("valid");
                while run.step_index() < target {
                    run.step();
                }
                black_box(run.poses());
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, seek);
criterion_main!(benches);
