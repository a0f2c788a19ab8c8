//! Continuous validation: every forecast made at t for t+h is scored when t+h arrives.
//!
//! A [`Validator`] holds the forecasts still in flight (bounded: forecasts are issued at most
//! every [`ValidationConfig::issue_every_s`], so at most `horizon / issue_every` are pending,
//! and never more than [`ValidationConfig::max_pending`]) and running totals, so its memory
//! does not grow with history. Each forecast is scored exactly once, against the value
//! interpolated at its due time between the samples around it, together with the naive
//! persistence forecast (the last value when it was made) for the same horizon.
//!
//! The drift flag compares a fast moving average of the absolute error with a slow one (the
//! signal's own baseline): accuracy "degrades" when the fast one runs `DRIFT_ON` × above the
//! baseline, and recovers below `DRIFT_OFF` ×; the baseline stops learning while drifting.

#[cfg(test)]
mod tests;

use crate::forecast::{LEVELS, Prediction};
use crate::signal::Timestamp;
use std::collections::VecDeque;

/// Fast/baseline error ratio at which accuracy counts as degraded.
pub(crate) const DRIFT_ON: f64 = 1.8;
/// Ratio below which a drift flag clears.
pub(crate) const DRIFT_OFF: f64 = 1.3;

/// How forecasts are issued and judged.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationConfig {
    /// Seconds between forecasts put up for scoring.
    pub issue_every_s: f64,
    /// Most forecasts in flight; the oldest is dropped (and counted) past it.
    pub max_pending: usize,
    /// Scores in the fast (recent) error average.
    pub recent_span: f64,
    /// Scores in the slow (baseline) error average.
    pub baseline_span: f64,
    /// Scores needed before the drift flag may rise.
    pub min_scores: u64,
}

impl ValidationConfig {
    /// Issues about `per_horizon` forecasts per horizon of `horizon_s` seconds.
    pub(crate) fn for_horizon(horizon_s: f64, per_horizon: f64) -> Self {
        Self {
            issue_every_s: (horizon_s / per_horizon.max(1.0)).max(1e-3),
            ..Self::default()
        }
    }
}

impl Default for ValidationConfig {
    fn default() -> Self {
        Self {
            issue_every_s: 10.0,
            max_pending: 256,
            recent_span: 20.0,
            baseline_span: 200.0,
            min_scores: 40,
        }
    }
}

/// A forecast waiting for its due time.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pending {
    made: Timestamp,
    prediction: Prediction,
    /// The last value when it was made: the persistence forecast.
    persistence: f64,
}

/// One scored forecast, as handed back by [`Validator::observe`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Score {
    /// When the forecast was made.
    pub made: Timestamp,
    /// The time forecast.
    pub due: Timestamp,
    /// The forecast value.
    pub forecast: f64,
    /// The value at `due`.
    pub actual: f64,
    /// |forecast − actual|.
    pub error: f64,
    /// |persistence − actual|.
    pub persistence_error: f64,
    /// Whether each interval ([`LEVELS`] order) contained the actual value.
    pub covered: [bool; 2],
}

/// Running accuracy of one signal's forecasts, as shown in the inspector and written by
/// `twinscope analyze`.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Accuracy {
    /// Forecasts scored.
    pub scored: u64,
    /// Mean absolute error of the forecasts.
    pub mae: f64,
    /// Mean absolute error of persistence over the same forecasts.
    pub persistence_mae: f64,
    /// `1 − mae / persistence_mae`: above 0 beats persistence (1 is perfect); 0 when
    /// persistence was exact.
    pub skill: f64,
    /// Share of actual values inside the 80 % and 95 % intervals.
    pub coverage: [f64; 2],
    /// Fast moving average of the absolute error.
    pub recent_mae: f64,
    /// The signal's own baseline: slow moving average of the absolute error.
    pub baseline_mae: f64,
    /// Accuracy has degraded relative to the baseline.
    pub drift: bool,
    /// Forecasts dropped unscored because too many were in flight.
    pub dropped: u64,
    /// Forecasts waiting for their due time.
    pub pending: usize,
}

/// Scores one signal's forecasts as they come due; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Validator {
    config: ValidationConfig,
    pending: VecDeque<Pending>,
    last_issue: Option<Timestamp>,
    previous: Option<(Timestamp, f64)>,
    scored: u64,
    sum_error: f64,
    sum_persistence: f64,
    covered: [u64; 2],
    recent: f64,
    baseline: f64,
    drift: bool,
    dropped: u64,
}

impl Validator {
    /// An empty validator.
    pub fn new(config: ValidationConfig) -> Self {
        Self {
            config,
            pending: VecDeque::new(),
            last_issue: None,
            previous: None,
            scored: 0,
            sum_error: 0.0,
            sum_persistence: 0.0,
            covered: [0; 2],
            recent: 0.0,
            baseline: 0.0,
            drift: false,
            dropped: 0,
        }
    }

    /// Whether a forecast made at `now` is due to be issued (the issue interval has passed).
    pub(crate) fn wants_forecast(&self, now: Timestamp) -> bool {
        self.last_issue
            .is_none_or(|last| now.secs_since(last) >= self.config.issue_every_s)
    }

    /// Puts up a forecast made at `made` (when the last value was `last_value`) for scoring at
    /// `prediction.time`.
    pub fn issue(&mut self, made: Timestamp, prediction: Prediction, last_value: f64) {
        self.last_issue = Some(made);
        if prediction.time <= made {
            return;
        }
        if self.pending.len() >= self.config.max_pending.max(1) {
            self.pending.pop_front();
            self.dropped += 1;
        }
        // Keep due order (issue times only grow, but horizons may differ).
        let at = self
            .pending
            .partition_point(|p| p.prediction.time <= prediction.time);
        self.pending.insert(
            at,
            Pending {
                made,
                prediction,
                persistence: last_value,
            },
        );
    }

    /// Takes a sample; scores (and forgets) every forecast due at or before `time`, handing
    /// each score to `on_score`. Returns how many were scored.
    pub fn observe(
        &mut self,
        time: Timestamp,
        value: f64,
        on_score: &mut dyn FnMut(Score),
    ) -> usize {
        if !value.is_finite() {
            return 0;
        }
        if self.previous.is_some_and(|(t, _)| time <= t) {
            return 0;
        }
        let mut n = 0;
        while let Some(front) = self.pending.front().copied() {
            let due = front.prediction.time;
            if due > time {
                break;
            }
            self.pending.pop_front();
            let actual = match self.previous {
                Some((t0, v0)) if t0 < due => {
                    let f = due.secs_since(t0) / time.secs_since(t0);
                    v0 + f * (value - v0)
                }
                // Due exactly now (or no earlier sample): this sample stands in.
                _ => value,
            };
            let score = self.score(front, actual);
            on_score(score);
            n += 1;
        }
        self.previous = Some((time, value));
        n
    }

    fn score(&mut self, pending: Pending, actual: f64) -> Score {
        let p = pending.prediction;
        let error = (p.mean - actual).abs();
        let persistence_error = (pending.persistence - actual).abs();
        let covered = [0, 1].map(|i| p.bands[i].lo <= actual && actual <= p.bands[i].hi);
        self.scored += 1;
        self.sum_error += error;
        self.sum_persistence += persistence_error;
        for (count, hit) in self.covered.iter_mut().zip(covered) {
            *count += u64::from(hit);
        }
        let fast = 1.0 / (self.scored as f64).min(self.config.recent_span.max(1.0));
        let slow = 1.0 / (self.scored as f64).min(self.config.baseline_span.max(1.0));
        self.recent += (error - self.recent) * fast;
        if !self.drift {
            self.baseline += (error - self.baseline) * slow;
        }
        let ratio = if self.baseline > 0.0 {
            self.recent / self.baseline
        } else if self.recent > 0.0 {
            f64::INFINITY
        } else {
            1.0
        };
        self.drift = if self.drift {
            ratio > DRIFT_OFF
        } else {
            self.scored >= self.config.min_scores && ratio > DRIFT_ON
        };
        Score {
            made: pending.made,
            due: p.time,
            forecast: p.mean,
            actual,
            error,
            persistence_error,
            covered,
        }
    }

    /// The running accuracy.
    pub fn accuracy(&self) -> Accuracy {
        let n = self.scored.max(1) as f64;
        let mae = self.sum_error / n;
        let persistence_mae = self.sum_persistence / n;
        Accuracy {
            scored: self.scored,
            mae,
            persistence_mae,
            skill: if persistence_mae > 0.0 {
                1.0 - mae / persistence_mae
            } else {
                0.0
            },
            coverage: self.covered.map(|c| c as f64 / n),
            recent_mae: self.recent,
            baseline_mae: self.baseline,
            drift: self.drift,
            dropped: self.dropped,
            pending: self.pending.len(),
        }
    }

    /// Nominal coverage of [`Accuracy::coverage`], in the same order.
    pub fn nominal() -> [f64; 2] {
        LEVELS
    }
}
