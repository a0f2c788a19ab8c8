//! The anomaly term of an asset's risk: a detector window on one of its signals, as a
//! probability that fades once the window has closed.

use crate::anomaly::{AnomalyDetector, AnomalyKind, AnomalyWindow};
use crate::signal::{SignalId, Timestamp};

/// The most an anomaly alone adds to an asset's probability.
///
/// A window says a signal left its own normal behaviour, not that a limit will be reached or
/// anything will break, and ordinary operation raises some: in an hour of the demo plant the
/// detector opened about 60 windows on each stroking valve's position and 78 on M-102's
/// current. So an anomaly lifts an asset towards, never past, an even chance: a likely limit
/// crossing (or a what-if impact) still outranks it, while an anomaly on an asset the forecast
/// calls safe lifts it above the quiet ones and says why.
pub const ANOMALY_CEILING: f64 = 0.5;

/// An anomaly window's contribution to an asset's risk.
#[derive(Clone, Debug, PartialEq)]
pub struct AnomalyTerm {
    /// The signal it was found on.
    pub signal: SignalId,
    /// The window (open or closed).
    pub window: AnomalyWindow,
    /// Seconds from the window's end to the signal's newest sample (0 while open).
    pub age_s: f64,
    /// Its probability (see [`anomaly_term`]).
    pub probability: f64,
}

impl AnomalyTerm {
    /// `M-101.temperature drift up` (with `full_id` false: `temperature drift up`).
    pub fn headline(&self, full_id: bool) -> String {
        let id = self.signal.as_str();
        let signal = if full_id {
            id
        } else {
            id.split_once('.').map_or(id, |(_, s)| s)
        };
        let direction = if self.window.direction >= 0 {
            "up"
        } else {
            "down"
        };
        format!("{signal} {} {direction}", self.window.kind.name())
    }

    /// `M-101.temperature drift up since 10:02:13 (score 2.1)` while open; `… spike up at
    /// 10:02:13, ended 40 s ago (score 1.4)` once closed ("ago" as of the signal's newest
    /// sample).
    pub fn describe(&self) -> String {
        let w = &self.window;
        let head = self.headline(true);
        if w.open {
            return format!(
                "{head} since {} (score {:.1})",
                format_clock(w.start),
                w.score
            );
        }
        let when = if w.start == w.end {
            format!("at {}", format_clock(w.start))
        } else {
            format!("{}–{}", format_clock(w.start), format_clock(w.end))
        };
        format!(
            "{head} {when}, ended {} ago (score {:.1})",
            super::format_secs(self.age_s),
            w.score
        )
    }
}

/// `ANOMALY_CEILING × (1 − 0.5^score)`: a window at the detection threshold (score 1) counts
/// half the ceiling, each further threshold's worth halves what is left.
pub fn anomaly_probability(score: f64) -> f64 {
    ANOMALY_CEILING * (1.0 - 0.5f64.powf(score.max(0.0)))
}

/// The strongest window of `detector` that still counts at `now` (the signal's newest
/// sample): an open one at [`anomaly_probability`] of its score, or a closed one faded
/// linearly to nothing over `horizon_s` after its end. A short spike is so not forgotten the
/// sample after it closes, but counts less and less, and not at all once the forecast horizon
/// has passed (a signal whose forecast looks that far ahead has had time to show trouble).
/// Ties go to the open window, then the most recently closed.
///
/// Noise that collapsed (a [`AnomalyKind::VarianceChange`] downwards) does not count: a signal
/// that stopped moving says more about its sensor (stuck, flatlined; sensor health's business)
/// than about harm to the asset, and on the demo plant such windows stay open for minutes on
/// quiet, quantised signals, which would lift nearly every asset to the ceiling.
pub fn anomaly_term(
    signal: &SignalId,
    detector: &AnomalyDetector,
    now: Timestamp,
    horizon_s: f64,
) -> Option<AnomalyTerm> {
    let open = detector.open().map(|w| (*w, 0.0, 1.0));
    let closed = detector.closed().iter().rev().filter_map(|w| {
        let age_s = now.secs_since(w.end).max(0.0);
        (horizon_s > 0.0 && age_s < horizon_s).then_some((*w, age_s, 1.0 - age_s / horizon_s))
    });
    let mut best: Option<AnomalyTerm> = None;
    for (window, age_s, fade) in open.chain(closed) {
        if window.kind == AnomalyKind::VarianceChange && window.direction < 0 {
            continue;
        }
        let probability = anomaly_probability(window.score) * fade;
        if probability > 0.0 && best.as_ref().is_none_or(|b| probability > b.probability) {
            best = Some(AnomalyTerm {
                signal: signal.clone(),
                window,
                age_s,
                probability,
            });
        }
    }
    best
}

/// Local `HH:MM:SS` of a time, for explanations.
pub fn format_clock(time: Timestamp) -> String {
    chrono::DateTime::from_timestamp_nanos(time.0)
        .with_timezone(&chrono::Local)
        .format("%H:%M:%S")
        .to_string()
}
