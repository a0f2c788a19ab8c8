//! The detectors' sample-driven state: what the history says up to the sample at the cursor.
//!
//! [`SampleState`] is built either from scratch ([`SampleState::fresh`], bounded reads walking
//! the history backwards) or by stepping forward one sample at a time ([`SampleState::step`]);
//! both follow the same definitions, so a tracker that steps gives the same answers as a fresh
//! evaluation:
//!
//! - **flatline run**: the longest stretch ending at the cursor sample in which each sample
//!   differs from the one before by at most the tolerance (runs longer than
//!   [`MAX_RUN_SCAN`] samples are reported from that far back when read from scratch);
//! - **out-of-range run**: the stretch ending at the cursor sample that lies outside the range;
//! - **spike**: an isolated outlier. A sample is a spike when its robust z-score against the
//!   median/MAD of up to `window` samples before it exceeds the threshold *and the next sample
//!   is back* (its own z-score against the same window is within half the threshold; a level
//!   shift of a few noise widths would otherwise now and then "come back" on noise). Judging one
//!   sample late is what keeps level shifts, ramps and pump start-ups from counting as spikes:
//!   their next sample does not come back. A silence longer than the stale time starts a new
//!   window, so a value that moved while a transmitter was silent is not a spike either, and a
//!   window without any spread (MAD exactly 0: a stuck, resting or coarsely quantised signal)
//!   judges nothing, so the first real value after a stuck stretch is not a spike.

use super::config::{HealthSpec, MIN_SPIKE_WINDOW, SpikeSpec};
use crate::history::SignalHistory;
use crate::signal::Timestamp;
use std::collections::VecDeque;

/// Most samples one backward walk reads (about a day at 2 Hz): bounds a jump's cost.
pub const MAX_RUN_SCAN: usize = 200_000;

/// Scale of the MAD that makes it a standard deviation for normal noise.
const MAD_TO_SIGMA: f64 = 1.4826;

/// A sample that jumped away from its neighbours and came back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spike {
    /// When the outlier was sampled.
    pub at: Timestamp,
    /// Its value.
    pub value: f64,
    /// The median of the samples before it.
    pub median: f64,
    /// Its robust z-score.
    pub z: f64,
}

/// A run of unchanged values ending at the cursor sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct FlatRun {
    pub(super) start: Timestamp,
    pub(super) samples: usize,
}

/// Spike detection state: the window before the pending sample, the pending sample (judged
/// when the next one arrives) and the most recent spike found.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct SpikeState {
    window: VecDeque<f64>,
    pending: Option<(Timestamp, f64)>,
    pub(super) last: Option<Spike>,
}

/// What the history says up to the cursor sample (nothing about the view time itself).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct SampleState {
    /// The cursor sample: the last at or before the lookup time.
    pub(super) cursor: Option<(Timestamp, f64)>,
    pub(super) flat: Option<FlatRun>,
    pub(super) out_since: Option<Timestamp>,
    pub(super) spike: SpikeState,
}

/// Whether `value` is outside the spec's range (already widened by its tolerance).
fn outside(spec: &HealthSpec, value: f64) -> bool {
    spec.range
        .is_some_and(|[lo, hi]| !(lo..=hi).contains(&value))
}

/// Whether `next` continues a flat run after `prev`.
fn unchanged(spec: &HealthSpec, prev: f64, next: f64) -> bool {
    spec.flatline
        .is_some_and(|f| (next - prev).abs() <= f.tolerance || next == prev)
}

/// Median of `values` (reordered in place); `values` must not be empty.
fn median_in_place(values: &mut [f64]) -> f64 {
    let n = values.len();
    let (lower, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        upper
    } else {
        let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (below + upper) / 2.0
    }
}

/// Median and robust standard deviation (MAD × 1.4826, floored) of `window`; `None` when the
/// window has no spread at all.
fn robust_stats(window: &VecDeque<f64>, floor: f64) -> Option<(f64, f64)> {
    let mut buf = [0.0f64; super::config::MAX_SPIKE_WINDOW];
    let n = window.len().min(buf.len());
    for (slot, v) in buf.iter_mut().zip(window.iter()) {
        *slot = *v;
    }
    let median = median_in_place(&mut buf[..n]);
    for v in &mut buf[..n] {
        *v = (*v - median).abs();
    }
    let mad = median_in_place(&mut buf[..n]);
    (mad > 0.0).then(|| (median, MAD_TO_SIGMA * mad.max(floor)))
}

impl SpikeState {
    /// Takes the next sample: judges the pending one now that its successor is known (unless
    /// it is older than `judge_from`: a replay only fills the window with those).
    fn step(
        &mut self,
        spec: &SpikeSpec,
        stale_after_s: Option<f64>,
        judge_from: Timestamp,
        (time, value): (Timestamp, f64),
    ) {
        let Some((p_time, p_value)) = self.pending else {
            self.pending = Some((time, value));
            return;
        };
        let gap = stale_after_s.is_some_and(|s| time.secs_since(p_time) > s);
        if gap {
            self.window.clear();
            self.pending = Some((time, value));
            return;
        }
        let stats = (p_time >= judge_from
            && self.window.len() >= MIN_SPIKE_WINDOW.min(spec.window))
        .then(|| robust_stats(&self.window, spec.mad_floor))
        .flatten();
        if let Some((median, sigma)) = stats {
            let z = (p_value - median).abs() / sigma;
            let back = (value - median).abs() / sigma <= spec.z / 2.0;
            if z > spec.z && back && z.is_finite() {
                self.last = Some(Spike {
                    at: p_time,
                    value: p_value,
                    median,
                    z,
                });
            }
        }
        if self.window.len() >= spec.window {
            self.window.pop_front();
        }
        self.window.push_back(p_value);
        self.pending = Some((time, value));
    }
}

impl SampleState {
    /// Advances the state by the next sample in time order.
    pub(super) fn step(&mut self, spec: &HealthSpec, time: Timestamp, value: f64) {
        let prev = self.cursor.map(|(_, v)| v);
        self.flat = match (self.flat, prev) {
            (Some(run), Some(prev)) if unchanged(spec, prev, value) => Some(FlatRun {
                start: run.start,
                samples: run.samples + 1,
            }),
            _ => spec.flatline.map(|_| FlatRun {
                start: time,
                samples: 1,
            }),
        };
        self.out_since = if outside(spec, value) {
            self.out_since.or(Some(time))
        } else {
            None
        };
        if let Some(spike) = &spec.spike {
            let judge_all = Timestamp(i64::MIN);
            self.spike
                .step(spike, spec.stale_after_s, judge_all, (time, value));
        }
        self.cursor = Some((time, value));
    }

    /// The state at the last sample at or before `lookup`, read from scratch.
    pub(super) fn fresh(history: &SignalHistory, spec: &HealthSpec, lookup: Timestamp) -> Self {
        let Some(cursor) = history.latest_at(lookup) else {
            return Self::default();
        };
        let mut state = Self::default();
        // Spikes: replay the newest samples (the hold span plus a full window before it)
        // through the same stepping the tracker uses, judging only those that could still be
        // shown (older spikes are hidden whichever way the state was reached).
        if let Some(spike) = &spec.spike {
            let hold_from = cursor.0.0.saturating_sub((spike.hold_s * 1e9) as i64);
            let mut older = 0usize;
            let mut recent = Vec::new();
            walk_back(history, spec.period_s, cursor.0, |t, v| {
                recent.push((t, v));
                if t.0 < hold_from {
                    older += 1;
                }
                older <= spike.window + 1 && recent.len() < MAX_RUN_SCAN
            });
            for &(t, v) in recent.iter().rev() {
                let judge_from = Timestamp(hold_from);
                state
                    .spike
                    .step(spike, spec.stale_after_s, judge_from, (t, v));
            }
        }
        // Flatline: walk back while values stay unchanged.
        if spec.flatline.is_some() {
            let mut run = FlatRun {
                start: cursor.0,
                samples: 0,
            };
            let mut prev: Option<f64> = None;
            walk_back(history, spec.period_s, cursor.0, |t, v| {
                if prev.is_some_and(|p| !unchanged(spec, v, p)) || run.samples >= MAX_RUN_SCAN {
                    return false;
                }
                run = FlatRun {
                    start: t,
                    samples: run.samples + 1,
                };
                prev = Some(v);
                true
            });
            state.flat = Some(run);
        }
        // Out of range: walk back while values stay outside.
        if outside(spec, cursor.1) {
            let mut since = cursor.0;
            let mut seen = 0usize;
            walk_back(history, spec.period_s, cursor.0, |t, v| {
                seen += 1;
                if !outside(spec, v) || seen > MAX_RUN_SCAN {
                    return false;
                }
                since = t;
                true
            });
            state.out_since = Some(since);
        }
        state.cursor = Some(cursor);
        state
    }
}

/// Calls `visit` with the samples at or before `upto`, newest first, until it returns false or
/// the history runs out; reads windows that double in length, starting at 64 periods.
pub(super) fn walk_back(
    history: &SignalHistory,
    period_s: f64,
    upto: Timestamp,
    mut visit: impl FnMut(Timestamp, f64) -> bool,
) {
    let Some((first, _)) = history.first() else {
        return;
    };
    let mut end = upto.0.saturating_add(1);
    let mut span = ((64.0 * period_s * 1e9) as i64).max(1);
    let mut buffer = Vec::new();
    while end > first.0 {
        let start = end.saturating_sub(span);
        buffer.clear();
        buffer.extend(history.range(Timestamp(start)..Timestamp(end)));
        for &(t, v) in buffer.iter().rev() {
            if !visit(t, v) {
                return;
            }
        }
        end = start;
        span = span.saturating_mul(2);
    }
}
