//! Sensor health in the ECS: a stale and a stuck transmitter show up in the `AssetHealth` of
//! the right asset, at the right cursor times, and nowhere else.

use super::headless::{asset_entity, headless_app, seek, send, update_until_ready};
use super::support::demo_scene;
use crate::health::AssetHealth;
use bevy::prelude::*;
use twinscope_core::health::HealthIssueKind;
use twinscope_core::signal::{Sample, SignalId, Timestamp};

const S: i64 = 1_000_000_000;

/// The kinds and signals of an asset's issues, worst first.
fn issues(app: &mut App, tag: &str) -> Vec<(String, HealthIssueKind, Option<Timestamp>)> {
    let entity = asset_entity(app, tag);
    let health = app
        .world()
        .get::<AssetHealth>(entity)
        .unwrap_or_else(|| panic!("{tag} has no AssetHealth"));
    health
        .issues
        .iter()
        .map(|i| (i.signal.to_string(), i.kind, i.since))
        .collect()
}

#[test]
fn stale_and_stuck_transmitters_show_on_their_assets_at_the_right_times() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let now = Timestamp::now();
    let ago = |secs: i64| Timestamp(now.0 - secs * S);
    // TK-102.level at 1 Hz from 600 s ago until 300 s ago, then silent.
    let level = SignalId::new("TK-102.level");
    let mut samples: Vec<Sample> = (300..=600)
        .map(|s| Sample::new(level.clone(), ago(s), 50.0 + (s % 7) as f64 * 0.1))
        .collect();
    // P-102.vibration at 2 Hz for the last 600 s: moving until 500 s ago, then stuck at 2.5.
    let vibration = SignalId::new("P-102.vibration");
    samples.extend((0..=1200).map(|k| {
        let time = Timestamp(now.0 - 600 * S + k * S / 2);
        let value = if k >= 200 {
            2.5
        } else {
            2.0 + (k % 5) as f64 * 0.1
        };
        Sample::new(vibration.clone(), time, value)
    }));
    // TK-101.level, healthy throughout.
    let tk101 = SignalId::new("TK-101.level");
    samples.extend((0..=600).map(|s| Sample::new(tk101.clone(), ago(s), 40.0 + (s % 3) as f64)));
    send(&app, samples);
    app.update();
    app.update();

    let stale = (
        "TK-102.level".to_owned(),
        HealthIssueKind::Stale,
        Some(ago(300)),
    );
    let stuck = (
        "P-102.vibration".to_owned(),
        HealthIssueKind::Flatline,
        Some(ago(500)),
    );
    // Live: the level went silent five minutes ago; the vibration has been stuck for 500 s.
    assert_eq!(issues(&mut app, "TK-102"), vec![stale.clone()]);
    assert_eq!(issues(&mut app, "P-102"), vec![stuck.clone()]);
    assert_eq!(issues(&mut app, "TK-101"), vec![]);

    // Before either fault: healthy.
    seek(&mut app, ago(550));
    assert_eq!(issues(&mut app, "TK-102"), vec![]);
    assert_eq!(issues(&mut app, "P-102"), vec![]);
    // Stuck for 30 s: not yet a flatline (a minute for a 0.5 s signal).
    seek(&mut app, ago(470));
    assert_eq!(issues(&mut app, "P-102"), vec![]);
    // Stuck for 80 s, the level still arriving.
    seek(&mut app, ago(420));
    assert_eq!(issues(&mut app, "P-102"), vec![stuck.clone()]);
    assert_eq!(issues(&mut app, "TK-102"), vec![]);
    // After the level went silent.
    seek(&mut app, ago(250));
    assert_eq!(issues(&mut app, "TK-102"), vec![stale]);
    assert_eq!(issues(&mut app, "P-102"), vec![stuck]);
    assert_eq!(issues(&mut app, "TK-101"), vec![]);
    // And back before the faults again.
    seek(&mut app, ago(590));
    assert_eq!(issues(&mut app, "TK-102"), vec![]);
    assert_eq!(issues(&mut app, "P-102"), vec![]);
}

/// Deterministic white noise in [-0.4, 0.4] (an LCG), reproducible without a crate.
fn jitter(k: i64) -> f64 {
    let x = (k as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0) * 0.4
}

#[test]
fn an_anomaly_window_shows_in_sensor_health_unless_the_signal_switches_by_design() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let now = Timestamp::now();
    let ago = |secs: i64| Timestamp(now.0 - secs * S);
    // Fifteen minutes at 1 Hz, stepping up by 8 two minutes ago: on M-103.temperature (watched
    // for anomalies) and on P-101.flow (`anomalies = false` in the demo: its pump switches).
    let step = |s: i64| if s < 120 { 8.0 } else { 0.0 };
    let level = SignalId::new("M-103.temperature");
    let flow = SignalId::new("P-101.flow");
    let mut samples: Vec<Sample> = (0..=900)
        .rev()
        .map(|s| Sample::new(level.clone(), ago(s), 75.0 + step(s) + jitter(s)))
        .collect();
    samples.extend(
        (0..=900)
            .rev()
            .map(|s| Sample::new(flow.clone(), ago(s), 20.0 + step(s) + jitter(s))),
    );
    send(&app, samples);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !issues(&mut app, "M-103")
        .iter()
        .any(|i| i.1 == HealthIssueKind::Anomaly)
    {
        assert!(std::time::Instant::now() < deadline, "no anomaly on M-103");
        app.update();
    }
    let entity = asset_entity(&mut app, "M-103");
    let health = app.world().get::<AssetHealth>(entity).unwrap().clone();
    let anomaly = &health.issues[0];
    assert_eq!(anomaly.signal.as_str(), "M-103.temperature");
    assert!(
        anomaly.detail.starts_with("level shift upwards"),
        "{}",
        anomaly.detail
    );
    let since = anomaly.since.expect("an onset");
    assert!(
        (since.secs_since(ago(120))).abs() <= 10.0,
        "onset {:.1} s from the step",
        since.secs_since(ago(120))
    );
    assert_eq!(issues(&mut app, "P-101"), vec![]);
    // Before the step the temperature was fine.
    seek(&mut app, ago(300));
    assert_eq!(issues(&mut app, "M-103"), vec![]);
}

/// A replayed recording's outages: at cursor times inside one, every signal with data shows
/// "disconnected" (not a quiet signal, not a stale one); before and after it, healthy again;
/// and the timeline gets a marker where the link went down and came back.
#[test]
fn a_recorded_outage_replays_as_disconnected_at_its_times() {
    use crate::pipeline::{MarkerKind, Markers};
    use twinscope_core::freshness::LinkEvent;
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let now = Timestamp::now();
    let ago = |secs: i64| Timestamp(now.0 - secs * S);
    // TK-101.level at 1 Hz for ten minutes, except while the link was down (400 s → 340 s ago).
    let level = SignalId::new("TK-101.level");
    let samples: Vec<Sample> = (0..=600)
        .filter(|s| !(340..=400).contains(s))
        .map(|s| Sample::new(level.clone(), ago(s), 40.0 + (s % 3) as f64))
        .collect();
    send(&app, samples);
    let event = |secs, connected| LinkEvent {
        time: ago(secs),
        connected,
        detail: String::new(),
    };
    crate::sources::load_recorded_link(
        app.world_mut(),
        &[event(600, true), event(400, false), event(340, true)],
    );
    app.update();
    app.update();

    let disconnected = (
        "TK-101.level".to_owned(),
        HealthIssueKind::Disconnected,
        Some(ago(400)),
    );
    seek(&mut app, ago(500));
    assert_eq!(issues(&mut app, "TK-101"), vec![], "before the outage");
    seek(&mut app, ago(399));
    assert_eq!(issues(&mut app, "TK-101"), vec![disconnected.clone()]);
    seek(&mut app, ago(345));
    assert_eq!(
        issues(&mut app, "TK-101"),
        vec![disconnected],
        "a minute without data inside the outage is the link, not the signal"
    );
    seek(&mut app, ago(300));
    assert_eq!(issues(&mut app, "TK-101"), vec![], "after it");
    let markers = app.world().resource::<Markers>();
    let kinds: Vec<(MarkerKind, Timestamp)> = markers
        .0
        .iter()
        .filter(|m| {
            matches!(
                m.kind,
                MarkerKind::ConnectionLost | MarkerKind::ConnectionRestored
            )
        })
        .map(|m| (m.kind, m.time))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (MarkerKind::ConnectionLost, ago(400)),
            (MarkerKind::ConnectionRestored, ago(340))
        ]
    );
}
