//! Validation bookkeeping: each forecast scored exactly once when due, coverage counts, drift.

use super::*;
use crate::forecast::Band;

const S: i64 = 1_000_000_000;

fn prediction(due_s: i64, mean: f64, half80: f64, half95: f64) -> Prediction {
    Prediction {
        time: Timestamp(due_s * S),
        lead_s: 0.0,
        mean,
        bands: [
            Band {
                level: 0.8,
                lo: mean - half80,
                hi: mean + half80,
            },
            Band {
                level: 0.95,
                lo: mean - half95,
                hi: mean + half95,
            },
        ],
    }
}

fn observe(v: &mut Validator, t_s: i64, value: f64) -> Vec<Score> {
    let mut scores = Vec::new();
    v.observe(Timestamp(t_s * S), value, &mut |s| scores.push(s));
    scores
}

#[test]
fn a_forecast_is_scored_exactly_once_when_due() {
    let mut v = Validator::new(ValidationConfig::default());
    observe(&mut v, 0, 10.0);
    v.issue(Timestamp(0), prediction(5, 12.0, 1.0, 2.0), 10.0);
    assert_eq!(v.accuracy().pending, 1);
    for t in 1..5 {
        assert!(observe(&mut v, t, 11.0).is_empty(), "scored early at {t} s");
    }
    let scores = observe(&mut v, 5, 13.5);
    assert_eq!(scores.len(), 1);
    let s = scores[0];
    assert_eq!(
        (s.due, s.actual, s.forecast),
        (Timestamp(5 * S), 13.5, 12.0)
    );
    assert_eq!((s.error, s.persistence_error), (1.5, 3.5));
    assert_eq!(s.covered, [false, true]);
    for t in 6..20 {
        assert!(observe(&mut v, t, 13.0).is_empty());
    }
    let a = v.accuracy();
    assert_eq!((a.scored, a.pending), (1, 0));
    assert_eq!((a.mae, a.persistence_mae), (1.5, 3.5));
    assert!((a.skill - (1.0 - 1.5 / 3.5)).abs() < 1e-12);
    assert_eq!(a.coverage, [0.0, 1.0]);
}

#[test]
fn the_actual_value_is_interpolated_between_samples_around_the_due_time() {
    let mut v = Validator::new(ValidationConfig::default());
    observe(&mut v, 0, 0.0);
    v.issue(Timestamp(0), prediction(5, 5.0, 1.0, 2.0), 0.0);
    observe(&mut v, 4, 4.0);
    // The sample at 8 s is the first after the due time; 5 s lies a quarter of the way.
    let scores = observe(&mut v, 8, 8.0);
    assert_eq!(scores.len(), 1);
    assert_eq!(scores[0].actual, 5.0);
    assert_eq!(scores[0].error, 0.0);
}

#[test]
fn coverage_counts_and_several_due_at_once() {
    let mut v = Validator::new(ValidationConfig {
        issue_every_s: 1.0,
        ..ValidationConfig::default()
    });
    observe(&mut v, 0, 0.0);
    // Four forecasts of 0 for t = 10..13 with 80 % half-width 1 and 95 % half-width 3.
    for (made, due) in [(0, 10), (1, 11), (2, 12), (3, 13)] {
        assert!(v.wants_forecast(Timestamp(made * S)));
        v.issue(Timestamp(made * S), prediction(due, 0.0, 1.0, 3.0), 0.0);
        assert!(!v.wants_forecast(Timestamp(made * S + S / 2)));
    }
    // One sample at 12 s scores the forecasts due at 10, 11 and 12 (value 2: 95 % only).
    let scores = observe(&mut v, 12, 2.0);
    assert_eq!(scores.len(), 3);
    assert!(scores.iter().all(|s| s.covered == [false, true]));
    // Then 13 s at 0.5: inside both.
    assert_eq!(observe(&mut v, 13, 0.5).len(), 1);
    let a = v.accuracy();
    assert_eq!(a.scored, 4);
    assert_eq!(a.coverage, [0.25, 1.0]);
    // Samples at or before the last one are ignored (no double scoring on a re-delivery).
    assert!(observe(&mut v, 13, 0.5).is_empty());
    assert_eq!(v.accuracy().scored, 4);
}

#[test]
fn pending_forecasts_are_bounded() {
    let mut v = Validator::new(ValidationConfig {
        issue_every_s: 0.0,
        max_pending: 8,
        ..ValidationConfig::default()
    });
    for made in 0..100 {
        v.issue(
            Timestamp(made * S),
            prediction(made + 1000, 0.0, 1.0, 2.0),
            0.0,
        );
    }
    let a = v.accuracy();
    assert_eq!((a.pending, a.dropped), (8, 92));
}

#[test]
fn drift_flag_rises_when_accuracy_degrades_and_clears_when_it_recovers() {
    let mut v = Validator::new(ValidationConfig {
        issue_every_s: 1.0,
        ..ValidationConfig::default()
    });
    let mut t = 0;
    let mut run = |v: &mut Validator, n: i64, error: f64| {
        for _ in 0..n {
            v.issue(Timestamp(t * S), prediction(t + 1, 0.0, 1.0, 2.0), 0.0);
            t += 1;
            observe(v, t, if t % 2 == 0 { error } else { -error });
        }
    };
    run(&mut v, 300, 1.0);
    let a = v.accuracy();
    assert!(!a.drift && (a.baseline_mae - 1.0).abs() < 1e-9);
    run(&mut v, 30, 3.0);
    let a = v.accuracy();
    assert!(
        a.drift,
        "recent {} vs baseline {}",
        a.recent_mae, a.baseline_mae
    );
    // The baseline does not learn the degraded errors.
    assert!(a.baseline_mae < 1.15, "{}", a.baseline_mae);
    run(&mut v, 100, 1.0);
    assert!(!v.accuracy().drift);
}
