//! The anomaly detector on the demo plant itself: the simulator knows when its process faults
//! (a motor's fan failing, a worn pump bearing, a conveyor jam), M-103's heating episodes and
//! happen, so every window the detector raises on a signal the demo scene watches can be judged
//! as expected or false. (Transmitter faults are sensor health's own checks: a dropout is
//! stale, a stuck value a flatline, and the spiking flow is not watched for anomalies.)

use super::{DemoSimulator, Fault, episodes};
use crate::forecast::{SignalTracker, TrackerConfig, TrackerEvent};
use crate::scene::Scene;
use crate::signal::{Sample, Timestamp};
use std::collections::BTreeMap;

const S: i64 = 1_000_000_000;
/// Simulated seconds judged, after the plant settles from its initial state.
const SETTLE_S: f64 = 600.0;
const RUN_S: f64 = 3.0 * 3600.0;
/// How long after a fault ends its after-effects (cooling back, restarting) may still be seen.
const AFTERMATH_S: f64 = 180.0;

/// A fault the simulator had: which signal should show it, and when.
#[derive(Debug)]
struct Expected {
    what: &'static str,
    signal: String,
    from_s: f64,
    to_s: f64,
}

/// Runs the simulator, noting its process faults second by second.
fn run() -> (Vec<Sample>, Vec<Expected>) {
    let mut sim = DemoSimulator::new(42, Timestamp(0));
    let mut samples = Vec::new();
    let mut expected = Vec::new();
    let mut current: Option<(Fault, f64)> = None;
    let close = |fault: Fault, from_s: f64, to_s: f64, expected: &mut Vec<Expected>| {
        let (what, signals): (&'static str, Vec<String>) = match fault {
            Fault::MotorCooling(i) => ("motor cooling", vec![format!("M-10{}.temperature", i + 1)]),
            Fault::PumpBearing(i) => ("pump bearing", vec![format!("P-10{}.vibration", i + 1)]),
            Fault::ConveyorJam => (
                "conveyor jam",
                vec!["CV-201.speed".into(), "PK-201.rate".into()],
            ),
        };
        for signal in signals {
            expected.push(Expected {
                what,
                signal,
                from_s,
                to_s: to_s + AFTERMATH_S,
            });
        }
    };
    for second in 0..RUN_S as usize {
        sim.advance(1.0, &mut samples);
        let t = second as f64 + 1.0;
        let fault = sim.active_fault();
        match (current, fault) {
            (Some((f, _)), Some(g)) if f == g => {}
            (previous, next) => {
                if let Some((f, from)) = previous {
                    close(f, from, t, &mut expected);
                }
                current = next.map(|f| (f, t));
            }
        }
    }
    if let Some((f, from)) = current {
        close(f, from, RUN_S, &mut expected);
    }
    let mut start = episodes::HEATING_FIRST_S;
    while start < RUN_S {
        expected.push(Expected {
            what: "heating",
            signal: "M-103.temperature".into(),
            from_s: start,
            // Cooling back from 28 °C above normal takes about five thermal time constants.
            to_s: start + episodes::HEATING_RAMP_S + episodes::HEATING_HOLD_S + 300.0,
        });
        start += episodes::HEATING_EVERY_S;
    }
    (samples, expected)
}

#[test]
fn demo_faults_are_found_and_little_else_is() {
    let text = include_str!("../../../../scenes/demo_plant.toml");
    let scene = Scene::parse(text, std::path::Path::new("../../scenes/demo_plant.toml")).unwrap();
    let (samples, expected) = run();
    let secs = |t: Timestamp| t.0 as f64 / S as f64;
    let mut found: BTreeMap<usize, usize> = BTreeMap::new();
    let mut false_windows = Vec::new();
    let mut watched = 0;
    let mut longest = (0.0, String::new());
    for spec in &scene.signals {
        let Some(config) = scene.forecast.config_for(&spec.id, Some(spec.period_s)) else {
            continue;
        };
        if !scene.forecast.anomalies_for(&spec.id) {
            continue;
        }
        watched += 1;
        let mut tracker = SignalTracker::new(TrackerConfig::new(config));
        let mut windows = Vec::new();
        for s in samples.iter().filter(|s| s.signal == spec.id) {
            tracker.update(s.time, s.value, &mut |e| {
                if let TrackerEvent::Anomaly(w) = e {
                    windows.push(w);
                }
            });
        }
        windows.extend(tracker.detector.open().copied());
        for w in windows.iter().filter(|w| secs(w.detected) >= SETTLE_S) {
            let (start, detected) = (secs(w.start), secs(w.detected));
            if secs(w.end) - start > longest.0 {
                longest = (
                    secs(w.end) - start,
                    format!("{} {} @{start:.0}", spec.id, w.kind.name()),
                );
            }
            let hits: Vec<usize> = expected
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    e.signal == spec.id.as_str() && detected >= e.from_s && start <= e.to_s
                })
                .map(|(i, _)| i)
                .collect();
            if hits.is_empty() {
                false_windows.push(format!("{} {} @{start:.0}", spec.id, w.kind.name()));
            }
            for i in hits {
                *found.entry(i).or_default() += 1;
            }
        }
    }
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (i, e) in expected.iter().enumerate() {
        if e.from_s < SETTLE_S || e.to_s > RUN_S {
            continue;
        }
        let entry = per_kind.entry(e.what).or_default();
        entry.0 += 1;
        entry.1 += usize::from(found.contains_key(&i));
    }
    let hours = (RUN_S - SETTLE_S) / 3600.0;
    println!("{watched} signals watched over {hours:.2} h");
    for (what, (n, hit)) in &per_kind {
        println!("{what:<14} {hit:>3}/{n:<3} found");
    }
    let false_per_hour = false_windows.len() as f64 / hours;
    println!(
        "false windows: {} ({false_per_hour:.1} per hour): {false_windows:?}",
        false_windows.len(),
    );
    for (what, least) in [
        ("motor cooling", 0.75),
        ("conveyor jam", 0.85),
        ("heating", 1.0),
        ("pump bearing", 0.5),
    ] {
        let (n, hit) = per_kind[what];
        assert!(n > 0, "no {what} in the run");
        assert!(hit as f64 >= least * n as f64, "{what}: {hit}/{n} found");
    }
    // A window is an event, not a new normal: the detector re-baselines instead of staying open.
    println!("longest window: {:.0} s, {}", longest.0, longest.1);
    assert!(longest.0 <= 1200.0, "longest window {longest:?}");
    // Most false windows are motor temperatures changing character when the standby pump starts
    // or stops (operation the detector cannot tell from a fault): under one per watched signal
    // per hour.
    assert!(
        false_per_hour <= watched as f64,
        "{false_per_hour:.1} false windows per hour on {watched} signals"
    );
}
