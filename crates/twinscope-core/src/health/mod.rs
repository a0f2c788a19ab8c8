//! Sensor health, distinct from process alarms: whether a signal's data can be trusted at all
//! (stale, stuck, impossible or spiking values, a lost source), judged at the cursor time.
//!
//! [`SignalHealth::evaluate`] judges one signal from its history at a view time, from scratch;
//! [`HealthTracker`] gives the same answers incrementally, for every signal every frame. What
//! is checked per signal comes from [`HealthSpec`], resolved from the scene's declaration and
//! its optional `[health]` section ([`HealthConfig`]). Staleness and a lost source reuse
//! [`crate::freshness`], so an asset's faded colour and its health agree.
//!
//! The streaming anomaly detector ([`crate::anomaly`], run by each signal's forecast
//! tracker) feeds health too: a window covering the view time (or ended less than
//! `ANOMALY_HOLD_S` before it) is an [`HealthIssueKind::Anomaly`], the least severe kind,
//! since unusual behaviour may be the process rather than the transmitter. [`anomaly_at`]
//! finds it; the caller puts it in [`SignalHealth::anomaly`].

mod config;
mod detect;
#[cfg(test)]
mod tests;
mod tracker;

pub use config::{
    FlatlineSpec, HealthConfig, HealthSettings, HealthSpec, MAX_SPIKE_WINDOW, MIN_SPIKE_WINDOW,
    SignalHealthOverride, SpikeSpec,
};
pub use detect::{MAX_RUN_SCAN, Spike};
pub use tracker::HealthTracker;

use crate::anomaly::{AnomalyKind, AnomalyWindow};
use crate::freshness::{Freshness, LinkState, StaleCause, freshness};
use crate::history::SignalHistory;
use crate::signal::{SignalId, Timestamp};
use detect::SampleState;

/// What is wrong with a sensor's data, ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HealthIssueKind {
    /// The anomaly detector sees unusual behaviour (a level shift, a drift, changed noise):
    /// the data may be right and the process changing, so it is the mildest kind.
    Anomaly,
    /// A recent value jumped far outside the signal's recent spread (robust z-score).
    Spike,
    /// The value has not changed for much longer than usual: the transmitter may be stuck.
    Flatline,
    /// The value is outside the signal's declared physical range.
    OutOfRange,
    /// No data for several expected periods.
    Stale,
    /// The source feeding the signal is disconnected.
    Disconnected,
}

impl HealthIssueKind {
    /// Short lower-case name for lists, badges and exports.
    pub fn name(self) -> &'static str {
        match self {
            HealthIssueKind::Anomaly => "anomaly",
            HealthIssueKind::Spike => "spike",
            HealthIssueKind::Flatline => "flatline",
            HealthIssueKind::OutOfRange => "out of range",
            HealthIssueKind::Stale => "stale",
            HealthIssueKind::Disconnected => "disconnected",
        }
    }
}

/// One health problem of one signal at the view time.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthIssue {
    /// The signal concerned.
    pub signal: SignalId,
    /// What is wrong.
    pub kind: HealthIssueKind,
    /// Since when, where known.
    pub since: Option<Timestamp>,
    /// Why, in words for the inspector (e.g. "no data for 18.3 s, expected every 1 s").
    pub detail: String,
}

/// When a signal is judged: the view time (ages, how long a spike stays shown) and the time
/// values are looked up at (`i64::MAX` when following live, so the newest sample counts even if
/// stamped a little ahead of this clock).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewAt {
    /// The cursor time.
    pub time: Timestamp,
    /// The time samples are looked up at.
    pub lookup: Timestamp,
}

impl ViewAt {
    /// Looking at history as of `time`.
    pub fn at(time: Timestamp) -> Self {
        Self { time, lookup: time }
    }

    /// Following live at `now`.
    pub fn live(now: Timestamp) -> Self {
        Self {
            time: now,
            lookup: Timestamp(i64::MAX),
        }
    }
}

/// Whether data arrives at all, at the view time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Silence {
    /// No sample for longer than the stale time.
    Stale {
        /// The last sample before the silence.
        last: Timestamp,
    },
    /// The source is disconnected.
    Disconnected {
        /// Since when.
        since: Timestamp,
    },
}

/// A value that has not changed for much longer than usual.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flatline {
    /// When the value stopped changing.
    pub since: Timestamp,
    /// The stuck value.
    pub value: f64,
    /// Unchanged samples so far.
    pub samples: usize,
}

/// A value outside the physical range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutOfRange {
    /// When the value left the range.
    pub since: Timestamp,
    /// The value at the cursor.
    pub value: f64,
}

/// One signal's health findings at a view time: small and `Copy`, so a caller can compare
/// this frame's with the last and rebuild issue text only when something changed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SignalHealth {
    /// Stale or disconnected.
    pub silence: Option<Silence>,
    /// Stuck value.
    pub flatline: Option<Flatline>,
    /// Impossible value.
    pub out_of_range: Option<OutOfRange>,
    /// A spike still being shown.
    pub spike: Option<Spike>,
    /// An anomaly window at the view time (set by the caller from [`anomaly_at`]).
    pub anomaly: Option<AnomalyWindow>,
}

/// Seconds an anomaly window stays shown after its last sample, so a short one is seen: a level
/// shift's window closes once the detector has re-learnt the new level, often within seconds.
pub(crate) const ANOMALY_HOLD_S: f64 = 120.0;

/// The strongest anomaly window covering `at` (from its onset to `ANOMALY_HOLD_S` after its
/// end; open windows to the latest sample and beyond), among `closed` (in the order they
/// closed, as [`crate::anomaly::AnomalyDetector::closed`] keeps them) and `open`.
/// Spike windows are skipped when `skip_spikes` (the signal's own spike check reports those).
pub fn anomaly_at<'a>(
    closed: &'a std::collections::VecDeque<AnomalyWindow>,
    open: impl Iterator<Item = &'a AnomalyWindow>,
    at: Timestamp,
    skip_spikes: bool,
) -> Option<AnomalyWindow> {
    let hold_ns = (ANOMALY_HOLD_S * 1e9) as i64;
    // Closed windows end in the order they closed: skip those that ended before `at − hold`.
    let first = closed.partition_point(|w| w.end.0.saturating_add(hold_ns) < at.0);
    closed
        .range(first..)
        .filter(|w| w.end.0.saturating_add(hold_ns) >= at.0)
        .chain(open.filter(|w| w.open))
        .filter(|w| w.start <= at && !(skip_spikes && w.kind == AnomalyKind::Spike))
        .max_by(|a, b| a.score.total_cmp(&b.score))
        .copied()
}

impl SignalHealth {
    /// Judges one signal from scratch (bounded reads of its history).
    pub fn evaluate(
        history: &SignalHistory,
        spec: &HealthSpec,
        at: ViewAt,
        link: LinkState,
    ) -> Self {
        Self::judge(
            &SampleState::fresh(history, spec, at.lookup),
            spec,
            at,
            link,
        )
    }

    /// Adds the view-time checks to what the samples say.
    fn judge(state: &SampleState, spec: &HealthSpec, at: ViewAt, link: LinkState) -> Self {
        let silence = spec.stale_after_s.and_then(|after| {
            match freshness(state.cursor.map(|c| c.0), at.time, after, link) {
                Freshness::Stale {
                    cause: StaleCause::ConnectionLost,
                    ..
                } => match link {
                    LinkState::Down { since } => Some(Silence::Disconnected { since }),
                    LinkState::Up => None,
                },
                Freshness::Stale { .. } => state.cursor.map(|(last, _)| Silence::Stale { last }),
                Freshness::Fresh | Freshness::NoData => None,
            }
        });
        let flatline = match (spec.flatline, state.flat, state.cursor) {
            (Some(f), Some(run), Some((t, value)))
                if run.samples >= f.min_samples && t.secs_since(run.start) >= f.after_s =>
            {
                Some(Flatline {
                    since: run.start,
                    value,
                    samples: run.samples,
                })
            }
            _ => None,
        };
        let out_of_range = match (state.out_since, state.cursor) {
            (Some(since), Some((_, value))) => Some(OutOfRange { since, value }),
            _ => None,
        };
        let spike = match (spec.spike, state.spike.last) {
            (Some(s), Some(spike))
                if spike.at <= at.time && at.time.secs_since(spike.at) <= s.hold_s =>
            {
                Some(spike)
            }
            _ => None,
        };
        Self {
            silence,
            flatline,
            out_of_range,
            spike,
            anomaly: None,
        }
    }

    /// True when nothing is wrong.
    pub fn is_healthy(&self) -> bool {
        *self == Self::default()
    }

    /// The most severe finding's kind, if any.
    pub fn worst(&self) -> Option<HealthIssueKind> {
        match self.silence {
            Some(Silence::Disconnected { .. }) => Some(HealthIssueKind::Disconnected),
            Some(Silence::Stale { .. }) => Some(HealthIssueKind::Stale),
            None if self.out_of_range.is_some() => Some(HealthIssueKind::OutOfRange),
            None if self.flatline.is_some() => Some(HealthIssueKind::Flatline),
            None if self.spike.is_some() => Some(HealthIssueKind::Spike),
            None if self.anomaly.is_some() => Some(HealthIssueKind::Anomaly),
            None => None,
        }
    }

    /// The findings as issues for lists and the inspector, most severe first.
    pub fn issues(&self, spec: &HealthSpec) -> Vec<HealthIssue> {
        let mut out = Vec::new();
        self.push_issues(spec, &mut out);
        out
    }

    /// Appends the findings as issues, most severe first.
    pub fn push_issues(&self, spec: &HealthSpec, out: &mut Vec<HealthIssue>) {
        let issue = |kind, since, detail| HealthIssue {
            signal: spec.signal.clone(),
            kind,
            since,
            detail,
        };
        match self.silence {
            Some(Silence::Disconnected { since }) => out.push(issue(
                HealthIssueKind::Disconnected,
                Some(since),
                "its source is disconnected".to_owned(),
            )),
            Some(Silence::Stale { last }) => out.push(issue(
                HealthIssueKind::Stale,
                Some(last),
                format!(
                    "no data for over {} s (expected every {} s)",
                    round(spec.stale_after_s.unwrap_or(0.0)),
                    round(spec.period_s)
                ),
            )),
            None => {}
        }
        if let Some(o) = self.out_of_range {
            let [lo, hi] = spec.range.unwrap_or([f64::NAN; 2]);
            out.push(issue(
                HealthIssueKind::OutOfRange,
                Some(o.since),
                format!(
                    "{} is outside the physical range {} to {}",
                    round(o.value),
                    round(lo),
                    round(hi)
                ),
            ));
        }
        if let Some(f) = self.flatline {
            out.push(issue(
                HealthIssueKind::Flatline,
                Some(f.since),
                format!("stuck at {} for {} samples", round(f.value), f.samples),
            ));
        }
        if let Some(s) = self.spike {
            out.push(issue(
                HealthIssueKind::Spike,
                Some(s.at),
                format!(
                    "{} jumped {:.1} robust σ from the median {}, then came back",
                    round(s.value),
                    s.z,
                    round(s.median)
                ),
            ));
        }
        if let Some(a) = self.anomaly {
            out.push(issue(
                HealthIssueKind::Anomaly,
                Some(a.start),
                describe_anomaly(&a),
            ));
        }
    }
}

/// What an anomaly window says, for the inspector: its kind, direction, strength and how long
/// after its estimated onset the detector raised it.
pub(crate) fn describe_anomaly(window: &AnomalyWindow) -> String {
    let direction = match (window.kind, window.direction >= 0) {
        (AnomalyKind::VarianceChange, true) => "(noise grew)",
        (AnomalyKind::VarianceChange, false) => "(noise fell)",
        (_, true) => "upwards",
        (_, false) => "downwards",
    };
    let delay = window.detected.secs_since(window.start).max(0.0);
    format!(
        "{} {direction}, {:.1}× the detection threshold, raised {} s after its onset{}",
        window.kind.name(),
        window.score,
        round((delay * 10.0).round() / 10.0),
        if window.open { ", still open" } else { "" }
    )
}

/// A value with at most four decimals and no trailing zeros, for issue text.
fn round(value: f64) -> String {
    let text = format!("{value:.4}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}
