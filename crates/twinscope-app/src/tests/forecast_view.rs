//! Forecasts in the app, headless: a ramp on a motor temperature with an H limit is forecast,
//! scored as its forecasts come due, shown as the predicted plant past now, predicted to alarm
//! near the analytic time, and ranked first by risk with an explanation.

use super::headless::{asset_entity, headless_app, seek, send, update_until_ready};
use super::support::demo_scene_text_with_absolute_model;
use crate::forecast::Forecasts;
use crate::ingest::Store;
use crate::risk::{AssetForecast, RiskState};
use crate::rules::AssetStatus;
use bevy::prelude::*;
use std::time::{Duration, Instant};
use twinscope_core::rules::Severity;
use twinscope_core::signal::{Sample, SignalId, Timestamp};

const S: i64 = 1_000_000_000;
/// The ramp's slope, °C per second (the demo samples M-101.temperature once a second).
const SLOPE: f64 = 0.1;
/// Where the ramp ends at now, °C; the H limit is 95 °C, so the analytic time to it is 50 s.
const LAST: f64 = 90.0;
const H_LIMIT: f64 = 95.0;

/// The ramp's value `k` seconds before now, with a little deterministic jitter.
fn ramp(k: i64) -> f64 {
    LAST - SLOPE * k as f64 + 0.05 * (k as f64 * 1.7).sin()
}

fn ramp_samples(now: Timestamp, ks: std::ops::RangeInclusive<i64>) -> Vec<Sample> {
    let id = SignalId::new("M-101.temperature");
    ks.rev()
        .map(|k| Sample::new(id.clone(), Timestamp(now.0 - k * S), ramp(k)))
        .collect()
}

/// Updates until `done` holds (bounded in real time; sleeps a little between frames).
fn update_until(app: &mut App, what: &str, done: impl Fn(&World) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(app.world()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        app.update();
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn scored(world: &World) -> u64 {
    let store = world.resource::<Store>();
    let index = store
        .index_of(&SignalId::new("M-101.temperature"))
        .expect("declared");
    world
        .resource::<Forecasts>()
        .tracker(index)
        .map_or(0, |t| t.validator.accuracy().scored)
}

/// The demo scene with Holt's undamped trend, whose time to a limit on a clean ramp is the
/// straight line's (the damped default levels off, so it comes later).
fn holt_scene() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("holt.toml");
    let text = demo_scene_text_with_absolute_model();
    assert!(
        text.contains("[forecast]\n"),
        "the demo has a [forecast] section"
    );
    let text = text.replacen("[forecast]\n", "[forecast]\nmethod = \"holt\"\n", 1);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn a_ramp_is_forecast_scored_predicted_to_alarm_and_ranked_first() {
    let (_dir, scene) = holt_scene();
    let mut app = headless_app(&scene);
    update_until_ready(&mut app);
    let now = Timestamp::now();
    let index = app
        .world()
        .resource::<Store>()
        .index_of(&SignalId::new("M-101.temperature"))
        .expect("declared");

    // Ten minutes of ramp up to 100 s before now: forecasts learn and some come due.
    send(&app, ramp_samples(now, 100..=700));
    update_until(&mut app, "the first forecasts to be scored", |w| {
        scored(w) > 0
    });
    let early = scored(app.world());
    // The last 100 s arrive: more of the forecasts made so far come due and are scored.
    send(&app, ramp_samples(now, 0..=99));
    update_until(&mut app, "more forecasts scored", |w| scored(w) > early);
    let tracker_ready = app
        .world()
        .resource::<Forecasts>()
        .tracker(index)
        .is_some_and(|t| t.forecaster.ready() && t.forecaster.last().map(|l| l.0) == Some(now));
    assert!(tracker_ready, "the forecaster took every sample up to now");
    let accuracy = app.world().resource::<Forecasts>().tracker(index).unwrap();
    let accuracy = accuracy.validator.accuracy();
    assert!(
        accuracy.skill > 0.0,
        "a trend forecast beats persistence on a ramp: {accuracy:?}"
    );

    // Risk: M-101 first, explained by its temperature's H limit.
    update_until(&mut app, "a risk pass with M-101 scored", |w| {
        w.resource::<RiskState>()
            .score("M-101")
            .is_some_and(|s| s.driver.is_some())
    });
    let risk = app.world().resource::<RiskState>();
    let top = risk.ranked_at(0).expect("assets are ranked");
    let first3: Vec<_> = risk.ranked().take(3).collect();
    assert_eq!(top.asset, "M-101", "ranking: {first3:?}");
    let why = top.explain();
    assert!(
        why.contains("M-101.temperature H"),
        "explanation names the signal and limit: {why}"
    );
    assert!(top.probability > 0.5, "{why}");

    // Past now: the predicted plant.
    app.world_mut()
        .resource_mut::<crate::timeline::Cursor>()
        .pause();
    app.update();
    let ahead = Timestamp(now.0 + 150 * S);
    seek(&mut app, ahead);
    update_until(&mut app, "the predicted view", |w| {
        w.resource::<Forecasts>().view.active
    });
    let m101 = asset_entity(&mut app, "M-101");
    let expected = app
        .world()
        .resource::<Forecasts>()
        .predict(index, ahead)
        .expect("a forecast 150 s ahead")
        .mean;
    assert!(
        (expected - (LAST + 150.0 * SLOPE)).abs() < 2.0,
        "the forecast continues the ramp: {expected}"
    );
    let status = *app.world().get::<AssetStatus>(m101).unwrap();
    assert_eq!(status.value, Some(expected), "the rule reads the forecast");
    assert_eq!(
        status.severity,
        Some(Severity::Critical),
        "past 95 °C the rule's critical band colours it: {status:?}"
    );

    // The predicted alarm: the H limit, about 50 s after the newest sample.
    let forecast = app.world().get::<AssetForecast>(m101).unwrap().clone();
    assert!(forecast.predicted, "M-101 shows forecast values");
    let alarm = forecast.alarm.expect("a predicted alarm");
    assert_eq!(alarm.signal.as_str(), "M-101.temperature");
    assert_eq!(alarm.kind, "H");
    assert_eq!(alarm.limit, H_LIMIT);
    let analytic = (H_LIMIT - LAST) / SLOPE;
    let expected_s = alarm
        .expected_s
        .expect("the expected path reaches the limit");
    assert!(
        (expected_s - analytic).abs() < 0.2 * analytic,
        "time to limit {expected_s} s, analytic {analytic} s"
    );
    assert!(alarm.probability > 0.5 && alarm.at_cursor, "{alarm:?}");

    // Back before now: measured values again.
    seek(&mut app, Timestamp(now.0 - 30 * S));
    update_until(&mut app, "the measured view", |w| {
        !w.resource::<Forecasts>().view.active
    });
    let status = *app.world().get::<AssetStatus>(m101).unwrap();
    let held = ramp(30);
    assert!(
        status.value.is_some_and(|v| (v - held).abs() < 1e-9),
        "{status:?} vs {held}"
    );
}
