//! Headless: signal values at the time cursor move the demo plant's parts (`[[motion]]`).

use super::headless::{headless_app, seek, send, update_until_ready};
use super::support::demo_scene;
use crate::motion::MotionNode;
use bevy::prelude::*;
use twinscope_core::signal::{Sample, SignalId, Timestamp};

fn node(app: &mut App, name: &str) -> Entity {
    let mut query = app.world_mut().query::<(Entity, &Name)>();
    query
        .iter(app.world())
        .find(|(_, n)| n.as_str() == name)
        .map(|(entity, _)| entity)
        .unwrap_or_else(|| panic!("no node {name}"))
}

fn transform(app: &App, entity: Entity) -> Transform {
    *app.world().get::<Transform>(entity).unwrap()
}

/// 100 s of history, one sample per second: for the first 50 s the tank is at 25 %, the valve
/// shut and the belt stopped; then 75 %, open and running at 1 m/s. The motor turns at
/// 1000 rpm throughout (1 turn/s with the demo's 0.001 turns per rpm).
fn send_history(app: &App) -> Timestamp {
    let start = Timestamp(Timestamp::now().0 - 100_000_000_000);
    let mut samples = Vec::new();
    for s in 0..=100i64 {
        let at = Timestamp(start.0 + s * 1_000_000_000);
        let late = s >= 50;
        for (id, early, later) in [
            ("TK-101.level", 25.0, 75.0),
            ("XV-101.position", 0.0, 100.0),
            ("CV-201.speed", 0.0, 1.0),
            ("M-101.speed", 1000.0, 1000.0),
        ] {
            let value = if late { later } else { early };
            samples.push(Sample::new(SignalId::new(id), at, value));
        }
    }
    send(app, samples);
    start
}

#[test]
fn values_at_the_cursor_move_levels_pointers_fans_cartons_and_the_beacon() {
    let mut app = headless_app(&demo_scene());
    // The plugin as a function: the app has already been finished.
    crate::motion::plugin(&mut app);
    update_until_ready(&mut app);
    let start = send_history(&app);
    app.update();
    let at = |s: f64| Timestamp(start.0 + (s * 1e9) as i64);

    let level = node(&mut app, "TK-101/level");
    let pointer = node(&mut app, "XV-101/pointer");
    let fan = node(&mut app, "M-101/fan_blade_a");
    let carton = node(&mut app, "CV-201/carton1");
    let beacon = node(&mut app, "CV-201/beacon");
    let original = |app: &App, e: Entity| app.world().get::<MotionNode>(e).unwrap().original;
    let bottom = |t: &Transform| t.translation.y - 0.5 * t.scale.y;

    // 20 s in: a quarter full, the bottom face where the model has it; valve shut (pointer as
    // modelled); belt stopped, so the beacon shows.
    seek(&mut app, at(20.0));
    let level0 = original(&app, level);
    let now = transform(&app, level);
    assert!(
        (now.scale.y - 0.25 * level0.scale.y).abs() < 1e-4,
        "{now:?}"
    );
    assert!(
        (bottom(&now) - bottom(&level0)).abs() < 1e-4,
        "bottom stays"
    );
    assert_eq!(transform(&app, pointer), original(&app, pointer));
    assert_eq!(
        app.world().get::<Visibility>(beacon),
        Some(&Visibility::Inherited)
    );

    // 80 s in: three quarters, the pointer turned 90° about Y, the beacon hidden.
    seek(&mut app, at(80.0));
    let now = transform(&app, level);
    assert!((now.scale.y - 0.75 * level0.scale.y).abs() < 1e-4);
    assert!((bottom(&now) - bottom(&level0)).abs() < 1e-4);
    let turned = transform(&app, pointer).rotation * original(&app, pointer).rotation.inverse();
    let (axis, angle) = turned.to_axis_angle();
    assert!(
        (angle - std::f32::consts::FRAC_PI_2).abs() < 1e-4,
        "{angle}"
    );
    assert!(axis.abs_diff_eq(Vec3::Y, 1e-4), "{axis}");
    assert_eq!(
        app.world().get::<Visibility>(beacon),
        Some(&Visibility::Hidden)
    );

    // Paused: frames go by, nothing spins or travels.
    let (fan_then, carton_then) = (transform(&app, fan), transform(&app, carton));
    for _ in 0..5 {
        app.update();
    }
    assert_eq!(transform(&app, fan), fan_then);
    assert_eq!(transform(&app, carton), carton_then);

    // A quarter second of view time: a quarter turn about X at 1 turn/s, 0.25 m along the
    // belt at 1 m/s.
    seek(&mut app, at(80.25));
    let step = transform(&app, fan).rotation * fan_then.rotation.inverse();
    let (axis, angle) = step.to_axis_angle();
    assert!(
        (angle - std::f32::consts::FRAC_PI_2).abs() < 1e-3,
        "{angle}"
    );
    assert!(axis.abs_diff_eq(Vec3::X, 1e-4), "{axis}");
    assert_eq!(transform(&app, fan).translation, fan_then.translation);
    let moved = transform(&app, carton).translation - carton_then.translation;
    assert!(
        moved.abs_diff_eq(Vec3::new(0.25, 0.0, 0.0), 1e-4),
        "{moved}"
    );

    // Back again (the cursor running backwards): both return.
    seek(&mut app, at(80.0));
    assert!(
        transform(&app, fan)
            .rotation
            .abs_diff_eq(fan_then.rotation, 1e-4)
    );
    assert!(
        transform(&app, carton)
            .translation
            .abs_diff_eq(carton_then.translation, 1e-4)
    );
}
