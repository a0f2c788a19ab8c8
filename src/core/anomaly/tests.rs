//! Detector precision, recall and delay on labelled series with injected faults, and its
//! false-alarm rate on clean series. Run with `--nocapture` to see the table.

use super::*;
use crate::core::forecast::tests::Noise;
use crate::core::forecast::{ForecastConfig, SignalTracker, TrackerConfig, TrackerEvent};

const S: i64 = 1_000_000_000;
const T0: i64 = 1_700_000_000 * S;
/// Samples per labelled series (1 Hz).
const N: usize = 3000;
/// Series per fault kind.
const SEEDS: u64 = 20;
/// How long a fault lasts (shift and drift stay for the rest of the series).
const FAULT_S: usize = 300;
/// A detection counts when raised within this many seconds of the onset.
const MAX_DELAY_S: f64 = 300.0;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    Shift,
    Drift,
    Spike,
    Variance,
}

/// A plant-like signal: slow oscillation (legitimate dynamics) plus white noise (σ = 1),
/// with `fault` injected at `onset`.
fn series(seed: u64, fault: Option<(Fault, usize)>) -> Vec<f64> {
    let mut noise = Noise::new(seed);
    (0..N)
        .map(|i| {
            let base = 50.0 + 3.0 * (std::f64::consts::TAU * i as f64 / 900.0).sin();
            let mut sigma = 1.0;
            let mut offset = 0.0;
            if let Some((kind, onset)) = fault
                && i >= onset
            {
                let k = (i - onset) as f64;
                match kind {
                    Fault::Shift => offset = 4.0,
                    Fault::Drift => offset = 0.04 * k.min(FAULT_S as f64),
                    Fault::Spike if i == onset => offset = 10.0,
                    Fault::Spike => {}
                    Fault::Variance if i < onset + FAULT_S => sigma = 3.0,
                    Fault::Variance => {}
                }
            }
            base + offset + noise.normal(sigma)
        })
        .collect()
}

/// Windows the full pipeline (forecaster → detector) finds in `values`.
fn detect(values: &[f64]) -> Vec<AnomalyWindow> {
    let mut tracker = SignalTracker::new(TrackerConfig::new(ForecastConfig {
        period_s: Some(1.0),
        horizon_s: 60.0,
        ..ForecastConfig::default()
    }));
    let mut windows = Vec::new();
    for (i, v) in values.iter().enumerate() {
        tracker.update(Timestamp(T0 + i as i64 * S), *v, &mut |e| {
            if let TrackerEvent::Anomaly(w) = e {
                windows.push(w);
            }
        });
    }
    windows.extend(tracker.detector.open().copied());
    windows
}

fn secs(t: Timestamp) -> f64 {
    t.secs_since(Timestamp(T0))
}

#[derive(Default)]
struct Tally {
    faults: usize,
    detected: usize,
    right_kind: usize,
    true_windows: usize,
    false_windows: usize,
    delays: Vec<f64>,
}

impl Tally {
    fn precision(&self) -> f64 {
        self.true_windows as f64 / (self.true_windows + self.false_windows).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.detected as f64 / self.faults.max(1) as f64
    }
    fn mean_delay(&self) -> f64 {
        self.delays.iter().sum::<f64>() / self.delays.len().max(1) as f64
    }
}

fn expected_kind(fault: Fault) -> AnomalyKind {
    match fault {
        Fault::Shift => AnomalyKind::LevelShift,
        Fault::Drift => AnomalyKind::Drift,
        Fault::Spike => AnomalyKind::Spike,
        Fault::Variance => AnomalyKind::VarianceChange,
    }
}

fn evaluate(fault: Fault) -> Tally {
    let mut tally = Tally::default();
    for seed in 0..SEEDS {
        let onset = 1200 + (seed as usize * 37) % 600;
        let windows = detect(&series(100 + seed, Some((fault, onset))));
        tally.faults += 1;
        let onset_s = onset as f64;
        let fault_end_s = match fault {
            Fault::Spike => onset_s + 10.0,
            _ => onset_s + FAULT_S as f64 + 60.0,
        };
        let mut first: Option<&AnomalyWindow> = None;
        for w in &windows {
            let raised = secs(w.detected);
            let inside = raised >= onset_s && raised <= fault_end_s.max(onset_s + MAX_DELAY_S);
            // A window that started during the fault also belongs to it.
            let overlaps = secs(w.start) <= fault_end_s && secs(w.end) >= onset_s;
            if inside || overlaps {
                tally.true_windows += 1;
                if first.is_none() && raised - onset_s <= MAX_DELAY_S && raised >= onset_s {
                    first = Some(w);
                }
            } else {
                tally.false_windows += 1;
            }
        }
        if let Some(w) = first {
            tally.detected += 1;
            tally.delays.push(secs(w.detected) - onset_s);
            if w.kind == expected_kind(fault) {
                tally.right_kind += 1;
            }
        }
    }
    tally
}

#[test]
fn detector_precision_recall_and_delay_on_injected_faults() {
    println!(
        "{:<10} {:>6} {:>9} {:>7} {:>10} {:>10} {:>8}",
        "fault", "series", "precision", "recall", "right kind", "delay s", "false"
    );
    // (fault, least precision, least recall, least share of detections of the right kind).
    // A slow drift (0.04 σ/s) on a signal that moves by itself is the hard case: the
    // forecaster learns to follow it, so only the slow lagged-error test sees it, late.
    let table = [
        (Fault::Shift, 0.9, 0.9, 0.7),
        (Fault::Drift, 0.8, 0.4, 0.0),
        (Fault::Spike, 0.9, 0.9, 0.7),
        // Noise ×3 throws 7σ outliers: the first window is usually a spike, the variance
        // window follows.
        (Fault::Variance, 0.85, 0.9, 0.0),
    ];
    let mut failures = Vec::new();
    for (fault, min_precision, min_recall, min_kind) in table {
        let t = evaluate(fault);
        println!(
            "{:<10} {:>6} {:>9.2} {:>7.2} {:>10} {:>10.1} {:>8}",
            format!("{fault:?}"),
            t.faults,
            t.precision(),
            t.recall(),
            format!("{}/{}", t.right_kind, t.detected),
            t.mean_delay(),
            t.false_windows
        );
        let kind = t.right_kind as f64 / t.detected.max(1) as f64;
        if t.precision() < min_precision || t.recall() < min_recall || kind < min_kind {
            failures.push(format!(
                "{fault:?}: precision {:.2}, recall {:.2}, right kind {kind:.2}",
                t.precision(),
                t.recall()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn few_false_alarms_on_clean_series() {
    let mut windows = 0;
    let mut samples = 0;
    for seed in 0..SEEDS {
        let values = series(500 + seed, None);
        samples += values.len();
        windows += detect(&values).len();
    }
    let per_10k = windows as f64 * 10_000.0 / samples as f64;
    println!("clean: {windows} windows in {samples} samples ({per_10k:.2} per 10,000 samples)");
    assert!(
        per_10k <= 1.0,
        "{per_10k:.2} false alarms per 10,000 samples"
    );
}

#[test]
fn windows_report_kind_times_and_close() {
    let values = series(7, Some((Fault::Shift, 1500)));
    let windows = detect(&values);
    let shift = windows
        .iter()
        .find(|w| w.kind == AnomalyKind::LevelShift)
        .expect("the shift is found");
    assert!(!shift.open && shift.direction == 1 && shift.score >= 1.0);
    assert!(shift.start <= shift.detected && shift.detected <= shift.end);
    assert!(
        (secs(shift.start) - 1500.0).abs() < 30.0,
        "{}",
        secs(shift.start)
    );
}

#[test]
fn robust_scale_ignores_outliers() {
    let mut values: VecDeque<f64> = (0..100).map(|i| f64::from(i % 5) - 2.0).collect();
    let clean = robust_scale(&values);
    values.extend([1e6, -1e6, 1e6]);
    assert!((robust_scale(&values) - clean).abs() < 0.2 * clean);
    assert_eq!(robust_scale(&VecDeque::new()), 0.0);
}

#[test]
#[ignore]
fn debug_windows() {
    let fault = match std::env::var("FAULT").as_deref() {
        Ok("shift") => Fault::Shift,
        Ok("drift") => Fault::Drift,
        Ok("variance") => Fault::Variance,
        _ => Fault::Spike,
    };
    for seed in 0..SEEDS {
        let onset = 1200 + (seed as usize * 37) % 600;
        let windows = detect(&series(100 + seed, Some((fault, onset))));
        println!("seed {seed} onset {onset}");
        for w in windows {
            println!(
                "  {:?} start {:.0} det {:.0} end {:.0} score {:.2} dir {}",
                w.kind,
                secs(w.start),
                secs(w.detected),
                secs(w.end),
                w.score,
                w.direction
            );
        }
    }
}
