//! The rule engine through the real pipeline: derived signals materialised at ingest from the
//! demo scene's expressions, severities on asset status.

use super::headless::{asset_entity, headless_app, send, update_until_ready};
use super::support::demo_scene;
use crate::ingest::Store;
use crate::rules::AssetStatus;
use twinscope_core::rules::Severity;
use twinscope_core::signal::{Sample, SignalId, Timestamp};

fn value(app: &bevy::prelude::App, id: &str, at: Timestamp) -> Option<f64> {
    let store = app.world().resource::<Store>();
    let index = store.index_of(&SignalId::new(id)).expect("declared");
    store.value_at(index, at).map(|v| v.value)
}

#[test]
fn demo_derived_signals_are_computed_as_their_inputs_arrive() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let t = Timestamp::now();
    let later = Timestamp(t.0 + 500_000_000);
    let sample = |id: &str, time: Timestamp, v: f64| Sample::new(SignalId::new(id), time, v);
    send(
        &app,
        vec![
            sample("P-101.p_in", t, 1.25),
            sample("P-101.p_out", t, 4.5),
            sample("M-101.speed", t, 1480.0),
            sample("P-101.p_out", later, 4.0),
            sample("M-101.speed", later, 0.0),
        ],
    );
    app.update();
    assert_eq!(value(&app, "P-101.head", t), Some(3.25));
    assert_eq!(value(&app, "P-101.head", later), Some(2.75));
    assert_eq!(value(&app, "M-101.running", t), Some(1.0));
    assert_eq!(value(&app, "M-101.running", later), Some(0.0));
    assert_eq!(
        value(&app, "P-102.head", later),
        None,
        "no inputs, no value"
    );
}

#[test]
fn asset_status_carries_the_band_severity() {
    let mut app = headless_app(&demo_scene());
    update_until_ready(&mut app);
    let motor = asset_entity(&mut app, "M-101");
    let t = Timestamp::now();
    let table = [
        (60.0, Severity::Normal),
        (80.0, Severity::Warning),
        (96.5, Severity::Critical),
    ];
    for (n, (temperature, severity)) in table.into_iter().enumerate() {
        let time = Timestamp(t.0 + n as i64);
        send(
            &app,
            vec![Sample::new(
                SignalId::new("M-101.temperature"),
                time,
                temperature,
            )],
        );
        app.update();
        let status = *app.world().get::<AssetStatus>(motor).expect("status");
        assert_eq!(status.severity, Some(severity), "{temperature} degC");
        assert_eq!(status.color, Some(severity.default_color()));
    }
}
