//! What-if scenarios in the viewer: launched at a cursor time, ghosts posed by the cursor,
//! events as timeline markers, the cursor past now inside the run; and the real window's
//! ghost layer over the conveyor.

use super::headless::{headless_app, seek, send, update_until_ready};
use super::support::demo_scene;
use crate::pipeline::{MarkerKind, Markers, ScenarioMarker, ScenarioSpan};
use crate::scenario::ghosts::Ghost;
use crate::scenario::playback::pose_transform;
use crate::scenario::{ScenarioCommand, ScenarioState};
use crate::timeline::Cursor;
use bevy::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};
use twinscope_core::scenario::{BodyPose, Playback, ScenarioResult};
use twinscope_core::signal::{Sample, SignalId, Timestamp};

const S: i64 = 1_000_000_000;
const JAM: &str = "conveyor jam";

/// Sends CV-201.speed at 1 Hz over the last `seconds`, at `speed` m/s.
fn send_belt_speed(app: &App, seconds: i64, speed: f64) {
    let now = Timestamp::now();
    let id = SignalId::new("CV-201.speed");
    let samples = (0..=seconds)
        .map(|s| Sample::new(id.clone(), Timestamp(now.0 - (seconds - s) * S), speed))
        .collect();
    send(app, samples);
}

/// Launches `name` at `at` and updates until it has run (bounded); returns its result.
fn launch_and_wait(app: &mut App, name: &str, at: Timestamp) -> Arc<ScenarioResult> {
    app.world_mut().write_message(ScenarioCommand::Launch {
        name: name.to_owned(),
        at,
    });
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        app.update();
        let state = app.world().resource::<ScenarioState>();
        if let Some(loaded) = &state.loaded {
            return Arc::clone(&loaded.result);
        }
        assert!(
            state.error.is_none(),
            "the launch failed: {:?}",
            state.error
        );
        assert!(
            state.is_running(),
            "neither running nor loaded after the launch"
        );
        assert!(
            Instant::now() < deadline,
            "`{name}` did not finish in 240 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Each ghost's body, visibility and transform.
fn ghost_poses(app: &mut App) -> Vec<(usize, bool, Transform)> {
    let mut query = app.world_mut().query::<(&Ghost, &Visibility, &Transform)>();
    let mut ghosts: Vec<_> = query
        .iter(app.world())
        .map(|(g, v, t)| (g.body, *v != Visibility::Hidden, *t))
        .collect();
    ghosts.sort_by_key(|g| g.0);
    ghosts
}

/// Asserts the ghosts show exactly `poses`: those bodies at those transforms, the rest hidden.
fn assert_ghosts_at(app: &mut App, poses: &[BodyPose], what: &str) {
    let ghosts = ghost_poses(app);
    let shown = ghosts.iter().filter(|g| g.1).count();
    assert_eq!(shown, poses.len(), "{what}: bodies shown");
    for pose in poses {
        let (_, visible, transform) = ghosts
            .iter()
            .find(|g| g.0 == pose.body)
            .unwrap_or_else(|| panic!("{what}: no ghost for body {}", pose.body));
        assert!(visible, "{what}: body {} hidden", pose.body);
        assert_eq!(
            *transform,
            pose_transform(pose),
            "{what}: body {}",
            pose.body
        );
    }
}

#[test]
fn a_launched_scenario_follows_the_cursor_back_and_forth_and_past_now() {
    // Without forecasts, so only the scenario lets the cursor past now.
    let dir = tempfile::tempdir().expect("temp dir");
    let scene = dir.path().join("no_forecast.toml");
    let text = super::support::demo_scene_text_with_absolute_model()
        .replace("[forecast]\n", "[forecast]\nenabled = false\n");
    assert!(
        text.contains("enabled = false"),
        "the demo scene has a [forecast] section"
    );
    std::fs::write(&scene, text).expect("scene copy written");
    let mut app = headless_app(&scene);
    update_until_ready(&mut app);
    send_belt_speed(&app, 120, 0.5);
    app.update();
    // T0 a few seconds ago, so the run's end lies in the future.
    let t0 = Timestamp(Timestamp::now().0 - 4 * S);
    let result = launch_and_wait(&mut app, JAM, t0);
    let duration = result.steps as f64 * result.dt_s;
    assert!(duration > 10.0, "the jam runs {duration} s");
    assert!(!result.bodies.is_empty(), "the jam spawns bodies");

    // Loaded: the cursor pauses at T0, one ghost per body.
    let cursor = app.world().resource::<Cursor>().0.clone();
    assert_eq!(cursor.time(), t0);
    assert_eq!(cursor.mode(), twinscope_core::cursor::CursorMode::Paused);
    app.update();
    assert_eq!(ghost_poses(&mut app).len(), result.bodies.len());

    // The test's own playback of the same result gives the poses to expect.
    let mut reference = Playback::new(Arc::clone(&result));
    let at = |secs: f64| Timestamp(t0.0 + (secs * 1e9).round() as i64);
    let (t1, t2) = (duration * 0.3, duration * 0.6);
    let early = reference.seek(t1).to_vec();
    let later = reference.seek(t2).to_vec();
    assert!(!later.is_empty(), "bodies exist {t2:.1} s in");
    assert_ne!(
        early, later,
        "the bodies move between {t1:.1} s and {t2:.1} s"
    );

    seek(&mut app, at(t1));
    assert_ghosts_at(&mut app, &early, "first seek");
    seek(&mut app, at(t2));
    assert_ghosts_at(&mut app, &later, "later");
    seek(&mut app, at(t1));
    assert_ghosts_at(&mut app, &early, "back again");

    // Before T0 and after the end nothing is shown.
    seek(&mut app, Timestamp(t0.0 - 2 * S));
    assert!(ghost_poses(&mut app).iter().all(|g| !g.1), "before T0");

    // The run's end is past now, and the cursor can go there while the scenario is loaded.
    let near_end = at(duration - 0.5);
    assert!(near_end > Timestamp::now(), "the run ends in the future");
    seek(&mut app, near_end);
    app.update();
    assert_eq!(
        app.world().resource::<Cursor>().time(),
        near_end,
        "the cursor went past now"
    );
    let expected = reference.seek(duration - 0.5).to_vec();
    assert_ghosts_at(&mut app, &expected, "past now");

    // Every event is a timeline marker (plus the start and end), coloured by kind.
    let markers: Vec<_> = app
        .world()
        .resource::<Markers>()
        .0
        .iter()
        .filter_map(|m| match m.kind {
            MarkerKind::Scenario(kind) => Some((m.time, kind)),
            _ => None,
        })
        .collect();
    assert_eq!(markers.len(), result.events.len().min(400) + 2);
    assert!(markers.contains(&(t0, ScenarioMarker::Span)));
    assert!(
        result
            .events
            .iter()
            .any(|e| e.kind == twinscope_core::scenario::ScenarioEventKind::Scripted),
        "the jam has scripted events"
    );
    for event in result.events.iter().take(400) {
        let kind = crate::scenario::launch::marker_kind(&event.kind);
        assert!(
            markers.contains(&(at(event.t_s), kind)),
            "no marker for {event:?}"
        );
    }

    // Clear: ghosts, markers and the extended bounds go.
    app.world_mut().write_message(ScenarioCommand::Clear);
    app.update();
    app.update();
    assert!(ghost_poses(&mut app).is_empty());
    assert_eq!(app.world().resource::<ScenarioSpan>().0, None);
    assert!(
        !app.world()
            .resource::<Markers>()
            .0
            .iter()
            .any(|m| matches!(m.kind, MarkerKind::Scenario(_)))
    );
    let bounds = app.world().resource::<crate::timeline::Bounds>().0;
    assert!(
        bounds.live_edge < near_end,
        "without the scenario the cursor stops at now"
    );
}

#[test]
fn a_what_if_run_feeds_the_risk_ranking_of_the_assets_it_touched() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let t0 = Timestamp(Timestamp::now().0 - 4 * S);
    let result = launch_and_wait(&mut app, "hoist load released", t0);
    app.update();
    let touched: Vec<&str> = result
        .outcomes
        .touched_nodes
        .iter()
        .filter_map(|node| node.split('/').next())
        .collect();
    assert!(
        touched.contains(&"PK-201"),
        "the load hits the packing station: {touched:?}"
    );
    let risk = app.world().resource::<crate::risk::RiskState>();
    let scored: Vec<_> = risk.ranked().filter(|s| s.scenario.is_some()).collect();
    assert!(
        scored.iter().any(|s| s.asset == "PK-201" && s.score > 0.0),
        "PK-201 is ranked with the run's term: {:?}",
        risk.ranked().map(|s| s.explain()).collect::<Vec<_>>()
    );
    for score in scored {
        assert!(
            touched.contains(&score.asset.as_str()),
            "{} was not touched",
            score.asset
        );
        assert!(score.explain().contains("scenario"), "{}", score.explain());
    }
    assert!(
        !risk.ranked().any(|s| s.asset == "FLOOR-01"),
        "the floor is not an asset at risk"
    );

    // Clearing the run takes its terms out again.
    app.world_mut().write_message(ScenarioCommand::Clear);
    app.update();
    app.update();
    let risk = app.world().resource::<crate::risk::RiskState>();
    assert!(risk.ranked().all(|s| s.scenario.is_none()));
}

#[test]
fn an_unknown_scenario_is_reported_not_run() {
    let mut app = headless_app(&demo_scene());
    app.update();
    app.world_mut().write_message(ScenarioCommand::Launch {
        name: "no such scenario".into(),
        at: Timestamp::now(),
    });
    app.update();
    let state = app.world().resource::<ScenarioState>();
    assert!(!state.is_running() && state.loaded.is_none());
    let error = state.error.as_deref().unwrap_or_default();
    assert!(error.contains("no such scenario"), "{error}");
    assert!(
        error.contains(JAM),
        "the error lists the scene's scenarios: {error}"
    );
}
