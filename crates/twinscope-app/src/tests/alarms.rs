//! Alarms end to end: a sample crossing a limit raises the alarm on the asset and paints it,
//! an acknowledge sticks, scrubbing back shows the earlier state, and the CLI exports history.

use super::headless::{asset_entity, headless_app_with, send, update_until_ready};
use super::support::demo_scene;
use crate::alarms::Alarms;
use crate::alarms::AssetAlarms;
use crate::pipeline::ViewTime;
use crate::pipeline::{MarkerKind, Markers};
use crate::plant::AssetParts;
use crate::timeline::Cursor;
use crate::view::materials::AlarmBlink;
use bevy::prelude::*;
use twinscope_core::alarms::{AlarmPriority, AlarmState, OperatorAction};
use twinscope_core::cursor::TimeCursor;
use twinscope_core::signal::{Sample, SignalId, Timestamp};

const S: i64 = 1_000_000_000;

/// The base colour of an asset's first mesh part.
fn part_color(app: &App, asset: Entity) -> Color {
    let part = app.world().get::<AssetParts>(asset).unwrap().0[0];
    let handle = &app
        .world()
        .get::<MeshMaterial3d<StandardMaterial>>(part)
        .unwrap()
        .0;
    app.world()
        .resource::<Assets<StandardMaterial>>()
        .get(handle)
        .expect("material exists")
        .base_color
}

fn worst_state(app: &App, asset: Entity) -> Option<AlarmState> {
    let alarms = app
        .world()
        .get::<AssetAlarms>(asset)
        .expect("bound assets carry AssetAlarms");
    alarms.worst.as_ref().map(|w| w.state)
}

fn run_frames(app: &mut App, n: usize) {
    for _ in 0..n {
        app.update();
    }
}

#[test]
fn a_limit_crossing_raises_paints_acks_and_scrubs_back() {
    let mut app = headless_app_with(&demo_scene(), |app| {
        app.init_asset::<StandardMaterial>();
        app.init_resource::<crate::camera::selection::Selection>();
        app.add_plugins(crate::view::materials::plugin);
        // One long blink phase, so the colour is the priority colour whenever an alarm shows.
        app.insert_resource(AlarmBlink {
            on: true,
            half_period_s: 1e9,
        });
    });
    update_until_ready(&mut app);
    // Without a renderer the glTF loader attaches no materials; give the parts one each, as
    // the model's own.
    let parts: Vec<Entity> = app
        .world_mut()
        .query_filtered::<Entity, With<crate::plant::AssetPart>>()
        .iter(app.world())
        .collect();
    let gltf_material = app
        .world_mut()
        .resource_mut::<Assets<StandardMaterial>>()
        .add(StandardMaterial::default());
    for part in parts {
        app.world_mut()
            .entity_mut(part)
            .insert(MeshMaterial3d(gltf_material.clone()));
    }
    run_frames(&mut app, 1);
    let motor = asset_entity(&mut app, "M-101");
    assert_eq!(worst_state(&app, motor), None);

    let t0 = Timestamp::now().0 - 120 * S;
    let temp =
        |t: i64, v: f64| Sample::new(SignalId::new("M-101.temperature"), Timestamp(t0 + t * S), v);
    send(&app, vec![temp(0, 70.0), temp(10, 97.0), temp(30, 98.0)]);
    run_frames(&mut app, 3);

    let alarm = app.world().get::<AssetAlarms>(motor).unwrap().clone();
    let worst = alarm.worst.expect("the H alarm is raised");
    assert_eq!(worst.label, "M-101.temperature H");
    assert_eq!(worst.priority, AlarmPriority::High);
    assert_eq!(worst.state, AlarmState::Unacknowledged);
    assert_eq!(
        worst.since,
        Timestamp(t0 + 15 * S),
        "activation after the 5 s on-delay"
    );
    assert_eq!((alarm.active, alarm.unacknowledged), (1, 1));
    let [r, g, b] = AlarmPriority::High.color();
    let alarm_color = Color::srgb_u8(r, g, b);
    assert_eq!(
        part_color(&app, motor),
        alarm_color,
        "painted in the priority colour"
    );
    let markers = &app.world().resource::<Markers>().0;
    assert!(
        markers
            .iter()
            .any(|m| m.kind == MarkerKind::Alarm(AlarmPriority::High)
                && m.time == Timestamp(t0 + 15 * S)
                && m.label == "M-101.temperature H")
    );

    // Acknowledge at the (live) view time.
    let index = {
        let alarms = app.world().resource::<Alarms>();
        alarms
            .engine
            .specs()
            .iter()
            .position(|s| s.label == "M-101.temperature H")
            .unwrap()
    };
    let view = *app.world().resource::<ViewTime>();
    app.world_mut()
        .resource_mut::<Alarms>()
        .act(index, &view, OperatorAction::Acknowledge);
    run_frames(&mut app, 2);
    assert_eq!(worst_state(&app, motor), Some(AlarmState::Acknowledged));
    assert_eq!(
        part_color(&app, motor),
        alarm_color,
        "acknowledged: steady colour"
    );

    // Scrub back: before the ack it was unacknowledged, before the on-delay normal.
    app.world_mut().resource_mut::<Cursor>().0 = TimeCursor::paused_at(Timestamp(t0 + 20 * S));
    run_frames(&mut app, 2);
    assert_eq!(worst_state(&app, motor), Some(AlarmState::Unacknowledged));
    app.world_mut().resource_mut::<Cursor>().0 = TimeCursor::paused_at(Timestamp(t0 + 12 * S));
    run_frames(&mut app, 2);
    assert_eq!(worst_state(&app, motor), None, "still within the on-delay");
    assert_ne!(
        part_color(&app, motor),
        alarm_color,
        "back to the rule colour"
    );
}
