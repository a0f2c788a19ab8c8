//! Anomalies feed risk, headless: a step on the demo packing station's rate (a bound signal with
//! no alarm limit) opens an anomaly window, and PK-201's risk rises from nothing with the
//! anomaly in its explanation, above assets that stay quiet.

use super::headless::{headless_app, send, update_until_ready};
use super::support::demo_scene;
use crate::risk::RiskState;
use bevy::prelude::*;
use std::time::{Duration, Instant};
use twinscope_core::signal::{Sample, SignalId, Timestamp};

const S: i64 = 1_000_000_000;

/// Updates until `done` holds (bounded in real time).
fn update_until(app: &mut App, what: &str, done: impl Fn(&RiskState) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(app.world().resource::<RiskState>()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `PK-201.rate` at 1 Hz over `seconds` after `t0`: 60 items/min with reproducible noise,
/// `step` more from second `step_at` on.
fn rate(t0: Timestamp, seconds: std::ops::Range<i64>, step_at: i64, step: f64) -> Vec<Sample> {
    let id = SignalId::new("PK-201.rate");
    seconds
        .map(|k| {
            // A small LCG: reproducible noise of about ±1 item/min.
            let x = (k as u64)
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = ((x >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 2.0;
            let value = 60.0 + noise + if k >= step_at { step } else { 0.0 };
            Sample::new(id.clone(), Timestamp(t0.0 + k * S), value)
        })
        .collect()
}

#[test]
fn a_step_on_a_signal_without_limits_raises_its_assets_risk_and_explains_it() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let t0 = Timestamp(Timestamp::now().0 - 400 * S);
    let step_at = 300;

    // Five quiet minutes: PK-201 is scored (it is bound) but has no limit and no anomaly.
    send(&app, rate(t0, 0..step_at, step_at, 0.0));
    update_until(&mut app, "PK-201 scored on quiet data", |risk| {
        risk.score("PK-201")
            .is_some_and(|s| s.explain().contains("no limit alarm"))
            && risk.stats().anomaly_terms > 0
    });
    let quiet = app
        .world()
        .resource::<RiskState>()
        .score("PK-201")
        .cloned()
        .unwrap();
    assert!(
        quiet.anomaly.is_none() && quiet.score == 0.0,
        "{}",
        quiet.explain()
    );

    // The rate jumps by 20 items/min: an anomaly window opens and PK-201's risk rises.
    send(&app, rate(t0, step_at..step_at + 30, step_at, 20.0));
    update_until(&mut app, "an anomaly term on PK-201", |risk| {
        risk.score("PK-201").is_some_and(|s| s.anomaly.is_some())
    });
    let risk = app.world().resource::<RiskState>();
    let pk = risk.score("PK-201").unwrap();
    let why = pk.explain();
    assert!(pk.score > 0.1, "{why}");
    for part in ["; anomaly ", "PK-201.rate level shift up", "(score "] {
        assert!(why.contains(part), "`{part}` missing from `{why}`");
    }
    let rank = risk.ranked().position(|s| s.asset == "PK-201").unwrap();
    let quiet_below = risk.ranked().skip(rank + 1).all(|s| s.score <= pk.score);
    assert!(
        quiet_below,
        "ranked by score: {:?}",
        risk.ranked()
            .map(|s| (&s.asset, s.score))
            .collect::<Vec<_>>()
    );
    // The packing station outranks every asset with no data at all.
    let xv = risk.score("XV-101").unwrap();
    assert!(xv.score == 0.0 && rank < risk.ranked().position(|s| s.asset == "XV-101").unwrap());
}
