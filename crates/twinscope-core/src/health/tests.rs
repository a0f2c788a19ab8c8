//! Detectors on crafted series, at cursor times before, during and after each fault, and the
//! tracker against fresh evaluation.

use super::*;
use crate::scene::{Location, SignalSpec};

const S: i64 = 1_000_000_000;

fn t(secs: f64) -> Timestamp {
    Timestamp((secs * S as f64) as i64)
}

/// A signal declared with range 0..100 and the given period.
fn declared(period_s: f64) -> SignalSpec {
    SignalSpec {
        id: SignalId::new("X-1.value"),
        unit: String::new(),
        range: [0.0, 100.0],
        period_s,
        description: String::new(),
        location: Location::new("t.toml", 1, 1),
        precision: 1,
    }
}

fn spec(period_s: f64) -> HealthSpec {
    HealthSpec::for_signal(&declared(period_s))
}

/// Deterministic noise in [-1, 1] (an LCG), so series are reproducible without a crate.
fn noise(i: usize) -> f64 {
    let x = (i as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

/// A history with one sample per `period_s` from 0 s for each value.
fn series(period_s: f64, values: impl IntoIterator<Item = f64>) -> SignalHistory {
    let mut history = SignalHistory::default();
    for (i, v) in values.into_iter().enumerate() {
        history.insert(t(i as f64 * period_s), v);
    }
    history
}

fn at(history: &SignalHistory, spec: &HealthSpec, secs: f64) -> SignalHealth {
    SignalHealth::evaluate(history, spec, ViewAt::at(t(secs)), LinkState::Up)
}

fn kinds(health: &SignalHealth, spec: &HealthSpec) -> Vec<HealthIssueKind> {
    health.issues(spec).iter().map(|i| i.kind).collect()
}

#[test]
fn stale_after_missed_periods_and_disconnected_when_the_link_is_down() {
    let spec = spec(1.0);
    let history = series(1.0, (0..=100).map(|i| 50.0 + noise(i)));
    assert!(at(&history, &spec, 50.5).is_healthy(), "inside history");
    assert!(
        at(&history, &spec, 102.9).is_healthy(),
        "late but not stale"
    );
    let stale = at(&history, &spec, 104.0);
    assert_eq!(stale.silence, Some(Silence::Stale { last: t(100.0) }));
    assert_eq!(stale.issues(&spec)[0].since, Some(t(100.0)));
    assert!(
        at(&SignalHistory::default(), &spec, 10.0).is_healthy(),
        "no data is not judged"
    );
    let down = LinkState::Down { since: t(60.0) };
    let lost = SignalHealth::evaluate(&history, &spec, ViewAt::at(t(70.0)), down);
    assert_eq!(lost.silence, Some(Silence::Disconnected { since: t(60.0) }));
    let before = SignalHealth::evaluate(&history, &spec, ViewAt::at(t(59.0)), down);
    assert_eq!(before.silence, None, "before the loss");
}

#[test]
fn flatline_needs_both_samples_and_duration_and_can_be_switched_off() {
    let spec = spec(1.0);
    let after = spec.flatline.unwrap().after_s;
    assert_eq!(after, 120.0, "120 periods of 1 s");
    // Noise for 100 s, stuck at 42.5 from 100 s to 400 s, then noise again.
    let values = (0..500).map(|i| {
        if (100..400).contains(&i) {
            42.5
        } else {
            50.0 + noise(i)
        }
    });
    let history = series(1.0, values);
    let cases = [
        (90.0, false),
        (150.0, false),
        (219.0, false),
        (220.0, true),
        (399.5, true),
        (400.0, false),
    ];
    for (secs, stuck) in cases {
        let health = at(&history, &spec, secs);
        assert_eq!(health.flatline.is_some(), stuck, "at {secs} s: {health:?}");
        if stuck {
            assert_eq!(health.flatline.unwrap().since, t(100.0));
            assert_eq!(kinds(&health, &spec), vec![HealthIssueKind::Flatline]);
        }
    }
    let mut config = HealthConfig::default();
    config.signals.push(SignalHealthOverride {
        signal: SignalId::new("X-1.value"),
        flatline: Some(false),
        spikes: None,
        range: None,
        stale: None,
        flatline_after_s: None,
        spike_z: None,
        location: Location::new("t.toml", 1, 1),
    });
    let constant = config.spec(&declared(1.0));
    assert!(at(&history, &constant, 300.0).is_healthy(), "opted out");
}

#[test]
fn few_samples_are_no_flatline_however_long() {
    let spec = spec(60.0);
    // One sample an hour, unchanged: long, but only 3 samples.
    let history = series(3600.0, [7.0, 7.0, 7.0]);
    assert!(at(&history, &spec, 7200.0).flatline.is_none());
}

#[test]
fn out_of_range_allows_the_tolerance() {
    let spec = spec(1.0);
    assert_eq!(
        spec.range,
        Some([-2.0, 102.0]),
        "2 % of the span either side"
    );
    let values = [50.0, 101.5, 101.9, 103.0, 104.0, 99.0, -2.5];
    let history = series(1.0, values);
    let cases: [(f64, Option<f64>); 7] = [
        (0.0, None),
        (1.0, None),
        (2.0, None),
        (3.0, Some(3.0)),
        (4.5, Some(3.0)),
        (5.0, None),
        (6.0, Some(6.0)),
    ];
    for (secs, since) in cases {
        let health = at(&history, &spec, secs);
        assert_eq!(
            health.out_of_range.map(|o| o.since),
            since.map(t),
            "at {secs} s"
        );
    }
}

/// Flow-like noise around 24 with σ ≈ 0.17, one sample per 0.5 s.
fn flow(i: usize) -> f64 {
    24.0 + 0.3 * noise(i)
}

#[test]
fn a_spike_shows_once_it_came_back_and_for_the_hold_time() {
    let spec = spec(0.5);
    let hold = spec.spike.unwrap().hold_s;
    assert_eq!(hold, 5.0, "ten periods");
    let history = series(0.5, (0..200).map(|i| if i == 100 { 40.0 } else { flow(i) }));
    assert!(at(&history, &spec, 49.9).spike.is_none(), "before");
    assert!(
        at(&history, &spec, 50.0).spike.is_none(),
        "not yet known to come back"
    );
    let spike = at(&history, &spec, 50.5)
        .spike
        .expect("spike once the next sample is back");
    assert_eq!((spike.at, spike.value), (t(50.0), 40.0));
    assert!(spike.z > 6.0);
    assert!(at(&history, &spec, 55.0).spike.is_some(), "still held");
    assert!(at(&history, &spec, 55.1).spike.is_none(), "hold over");
    let issue = &at(&history, &spec, 51.0).issues(&spec)[0];
    assert_eq!(
        (issue.kind, issue.since),
        (HealthIssueKind::Spike, Some(t(50.0)))
    );
}

#[test]
fn noise_and_quiet_signals_are_no_spikes() {
    let spec = spec(0.5);
    let noisy = series(0.5, (0..400).map(flow));
    // Nearly constant, with a blip well within the MAD floor (0.5 % of the span).
    let quiet = series(
        0.5,
        (0..400).map(|i| 10.0 + 1e-6 * noise(i) + if i == 200 { 0.5 } else { 0.0 }),
    );
    for k in 0..400 {
        let secs = k as f64 * 0.5;
        assert!(at(&noisy, &spec, secs).spike.is_none(), "noise at {secs} s");
        assert!(at(&quiet, &spec, secs).spike.is_none(), "quiet at {secs} s");
    }
}

#[test]
fn level_shifts_ramps_resumed_dropouts_and_unstuck_values_are_no_spikes() {
    let spec = spec(0.5);
    let shift = series(
        0.5,
        (0..200).map(|i| flow(i) + if i >= 100 { 16.0 } else { 0.0 }),
    );
    let ramp = series(
        0.5,
        (0..200).map(|i| flow(i) + (i.saturating_sub(100) as f64 * 3.0).min(30.0)),
    );
    // Silent from 50 s to 80 s, and the value moved meanwhile.
    let mut dropout = SignalHistory::default();
    for i in (0..200).filter(|i| !(100..160).contains(i)) {
        let v = flow(i) + if i >= 160 { 20.0 } else { 0.0 };
        dropout.insert(t(i as f64 * 0.5), v);
    }
    // Stuck at 10 for 100 samples, then a noisy transmitter again (wide noise, so the first
    // real values would look like spikes against the stuck stretch's zero spread).
    let unstuck = series(
        0.5,
        (0..200).map(|i| if i < 100 { 10.0 } else { 10.0 + 5.0 * noise(i) }),
    );
    for k in 0..200 {
        let secs = k as f64 * 0.5;
        let all = [
            ("shift", &shift),
            ("ramp", &ramp),
            ("dropout", &dropout),
            ("unstuck", &unstuck),
        ];
        for (name, history) in all {
            let health = at(history, &spec, secs);
            assert!(health.spike.is_none(), "{name} at {secs} s: {health:?}");
        }
    }
}

/// A series with every fault: noise, a spike, a flatline, out of range, and a dropout.
fn eventful() -> SignalHistory {
    let mut history = SignalHistory::with_chunk_capacity(64);
    for i in 0..2000usize {
        if (900..1000).contains(&i) {
            continue;
        }
        let v = match i {
            300 | 1500 => 60.0,
            400..=700 => 33.0,
            1200..=1300 => 110.0 + noise(i),
            _ => 24.0 + 0.3 * noise(i),
        };
        history.insert(t(i as f64 * 0.5), v);
    }
    history
}

#[test]
fn the_tracker_matches_fresh_evaluation_forward_backward_and_live() {
    let spec = spec(0.5);
    let history = eventful();
    let mut tracker = HealthTracker::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut check = |secs: f64, tracker: &mut HealthTracker| {
        let view = ViewAt::at(t(secs));
        let cached = tracker.evaluate(&history, &spec, view, LinkState::Up);
        let fresh = SignalHealth::evaluate(&history, &spec, view, LinkState::Up);
        assert_eq!(cached, fresh, "at {secs} s");
        seen.extend(kinds(&fresh, &spec));
    };
    // Playing forward in frame-sized steps, then scrubbing backwards in odd jumps.
    for k in 0..4200 {
        check(k as f64 * 0.25, &mut tracker);
    }
    for k in 0..300 {
        check(1000.0 - (k as f64 * 3.7) % 1000.0, &mut tracker);
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec![
            HealthIssueKind::Spike,
            HealthIssueKind::Flatline,
            HealthIssueKind::OutOfRange,
            HealthIssueKind::Stale
        ],
        "the series exercises every sample-driven check"
    );
    let live = ViewAt::live(t(1000.5));
    assert_eq!(
        tracker.evaluate(&history, &spec, live, LinkState::Up),
        SignalHealth::evaluate(&history, &spec, live, LinkState::Up)
    );
}

#[test]
fn the_tracker_follows_a_growing_live_history() {
    let spec = spec(0.5);
    let mut history = SignalHistory::with_chunk_capacity(64);
    let mut tracker = HealthTracker::new();
    for i in 0..1500usize {
        let v = if i == 700 {
            70.0
        } else if (800..1200).contains(&i) {
            5.0
        } else {
            flow(i)
        };
        history.insert(t(i as f64 * 0.5), v);
        let view = ViewAt::live(t(i as f64 * 0.5 + 0.1));
        let cached = tracker.evaluate(&history, &spec, view, LinkState::Up);
        let fresh = SignalHealth::evaluate(&history, &spec, view, LinkState::Up);
        assert_eq!(cached, fresh, "sample {i}");
        if i == 701 {
            assert!(cached.spike.is_some());
        }
        if i == 1199 {
            assert!(cached.flatline.is_some());
        }
    }
}

#[test]
fn issues_are_listed_worst_first() {
    let spec = spec(1.0);
    let history = series(1.0, std::iter::repeat_n(150.0, 300));
    let health = at(&history, &spec, 400.0);
    assert_eq!(
        kinds(&health, &spec),
        vec![
            HealthIssueKind::Stale,
            HealthIssueKind::OutOfRange,
            HealthIssueKind::Flatline
        ]
    );
    assert_eq!(health.worst(), Some(HealthIssueKind::Stale));
    let issues = health.issues(&spec);
    assert_eq!(
        issues[1].detail,
        "150 is outside the physical range -2 to 102"
    );
    assert_eq!(issues[2].since, Some(t(0.0)));
}

fn window(kind: AnomalyKind, start: f64, end: f64, score: f64, open: bool) -> AnomalyWindow {
    AnomalyWindow {
        kind,
        start: t(start),
        end: t(end),
        detected: t(start + 4.0),
        score,
        direction: 1,
        open,
    }
}

#[test]
fn anomaly_windows_cover_their_span_plus_a_hold() {
    use std::collections::VecDeque;
    let closed: VecDeque<AnomalyWindow> = [
        window(AnomalyKind::LevelShift, 10.0, 20.0, 1.5, false),
        window(AnomalyKind::Spike, 30.0, 30.0, 3.0, false),
        window(AnomalyKind::Drift, 500.0, 530.0, 2.0, false),
    ]
    .into_iter()
    .collect();
    let open = [window(
        AnomalyKind::VarianceChange,
        1000.0,
        1030.0,
        1.2,
        true,
    )];
    let at = |secs: f64, skip_spikes: bool| {
        anomaly_at(&closed, open.iter(), t(secs), skip_spikes).map(|w| w.kind)
    };
    // (cursor, skip spikes, expected)
    let table = [
        (5.0, false, None),
        (15.0, false, Some(AnomalyKind::LevelShift)),
        // The spike overlaps the shift's hold: the stronger one wins.
        (31.0, false, Some(AnomalyKind::Spike)),
        (31.0, true, Some(AnomalyKind::LevelShift)),
        (20.0 + ANOMALY_HOLD_S + 1.0, true, None),
        (30.0 + ANOMALY_HOLD_S + 0.5, false, None),
        (510.0, false, Some(AnomalyKind::Drift)),
        (530.0 + ANOMALY_HOLD_S, false, Some(AnomalyKind::Drift)),
        (530.0 + ANOMALY_HOLD_S + 1.0, false, None),
        // Open windows cover everything after their onset, even past their latest sample.
        (1000.0, false, Some(AnomalyKind::VarianceChange)),
        (5000.0, false, Some(AnomalyKind::VarianceChange)),
    ];
    for (secs, skip, expected) in table {
        assert_eq!(at(secs, skip), expected, "at {secs} s, skip spikes {skip}");
    }
}

#[test]
fn an_anomaly_is_the_mildest_issue_and_says_what_it_is() {
    let spec = spec(1.0);
    let shift = window(AnomalyKind::LevelShift, 10.0, 20.0, 2.25, true);
    let mut health = SignalHealth {
        anomaly: Some(shift),
        ..SignalHealth::default()
    };
    assert!(!health.is_healthy());
    assert_eq!(health.worst(), Some(HealthIssueKind::Anomaly));
    let issues = health.issues(&spec);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].since, Some(t(10.0)));
    assert_eq!(
        issues[0].detail,
        "level shift upwards, 2.2× the detection threshold, raised 4 s after its onset, still open"
    );
    health.spike = Some(Spike {
        at: t(12.0),
        value: 90.0,
        z: 9.0,
        median: 40.0,
    });
    assert_eq!(health.worst(), Some(HealthIssueKind::Spike));
    let kinds: Vec<_> = health.issues(&spec).iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [HealthIssueKind::Spike, HealthIssueKind::Anomaly]);
    let quieter = AnomalyWindow {
        kind: AnomalyKind::VarianceChange,
        direction: -1,
        open: false,
        ..shift
    };
    assert!(describe_anomaly(&quieter).starts_with("variance change (noise fell), 2.2×"));
}
