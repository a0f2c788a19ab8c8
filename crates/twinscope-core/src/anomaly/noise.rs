//! The noise level (from successive differences of z-scores, blind to steps and ramps), its
//! correlation, isolated spikes and changed dynamics (variance windows).

use super::{AnomalyDetector, AnomalyKind, AnomalyWindow, Candidate};
use crate::signal::Timestamp;
use std::collections::VecDeque;

/// Successive differences the fast (median) noise level is taken over.
pub(super) const FAST_NOISE: usize = 9;
/// Median of χ² with one degree of freedom: turns a median squared deviate into a variance.
const MEDIAN_CHI2_1: f64 = 0.4549;
/// |z| that counts as a big swing around a spike candidate.
const SWING_Z: f64 = 2.5;
/// Samples before a spike candidate checked for big swings.
pub(super) const SWINGS_BEFORE: usize = 8;

impl AnomalyDetector {
    /// Updates the noise estimates from the successive difference of z-scores: half its
    /// square has mean 1 for white residuals, and a step or ramp barely moves it.
    pub(super) fn noise(&mut self, z: f64) {
        let clip = self.config.z_clip;
        // A lone outlier is the spike test's: it would count twice (into and out of it).
        if z.abs() > self.config.spike_z && !self.noisy() {
            return;
        }
        let Some(last) = self.last_z.replace(z.clamp(-2.0 * clip, 2.0 * clip)) else {
            return;
        };
        // Correlated noise differences less: (1 − ρ) brings the white-noise mean back to 1.
        let d2 = ((z.clamp(-2.0 * clip, 2.0 * clip) - last).powi(2) / 2.0 / (1.0 - self.rho))
            .min(clip * clip);
        let w = 1.0 / self.config.variance_span.max(1.0);
        self.var_z += (d2 - self.var_z) * w;
        if self.diffs.len() == FAST_NOISE {
            self.diffs.pop_front();
        }
        self.diffs.push_back(d2);
        let mut sorted = [0.0; FAST_NOISE];
        let n = self.diffs.len();
        for (slot, d) in sorted.iter_mut().zip(&self.diffs) {
            *slot = *d;
        }
        sorted[..n].sort_by(f64::total_cmp);
        self.fast_noise = sorted[n / 2] / MEDIAN_CHI2_1;
    }

    /// How much further sums of correlated residuals wander than white ones: (1 + ρ)/(1 − ρ).
    pub(super) fn long_run(&self) -> f64 {
        (1.0 + self.rho) / (1.0 - self.rho)
    }

    /// Whether the noise is up (or a variance window open): large residuals are then the
    /// variance test's to report.
    pub(super) fn noisy(&self) -> bool {
        self.variance.is_some() || self.var_z > self.config.variance_ratio / 2.0
    }

    pub(super) fn spikes(
        &mut self,
        time: Timestamp,
        z: f64,
        on_closed: &mut dyn FnMut(AnomalyWindow),
    ) {
        let limit = self.config.spike_z;
        let swing = z.abs() > SWING_Z;
        if let Some(mut c) = self.spike_candidate.take() {
            c.waited += 1;
            c.swings += usize::from(swing);
            // Isolated: the samples after it are back near normal (and no shift is underway).
            let isolated = z.abs() < limit / 2.0 && c.swings <= 1 && self.shift.is_none();
            if isolated && c.waited >= self.config.spike_confirm {
                self.close(
                    AnomalyWindow {
                        kind: AnomalyKind::Spike,
                        start: c.time,
                        end: c.time,
                        detected: time,
                        score: c.z.abs() / limit,
                        direction: if c.z > 0.0 { 1 } else { -1 },
                        open: false,
                    },
                    on_closed,
                );
            } else if isolated {
                self.spike_candidate = Some(c);
            }
        } else if z.abs() > limit && !self.noisy() {
            self.spike_candidate = Some(Candidate {
                time,
                z,
                waited: 0,
                swings: self.swings.iter().filter(|s| **s).count(),
            });
        }
        if self.swings.len() == SWINGS_BEFORE {
            self.swings.pop_front();
        }
        self.swings.push_back(swing && z.abs() <= limit);
    }

    /// Accepts the noise level of the last [`super::AnomalyConfig::max_open`] samples as the
    /// new normal: a window is an event, not a new normal, and a scale frozen at an old,
    /// quieter level would keep a variance window open, and the other tests standing aside,
    /// for ever. Closes an open variance window; the scale restarts from the present noise.
    pub(super) fn rebaseline(&mut self, time: Timestamp, on_closed: &mut dyn FnMut(AnomalyWindow)) {
        if let Some(mut window) = self.variance.take() {
            window.end = time;
            window.open = false;
            self.close(window, on_closed);
        }
        self.scale *= self.var_z.max(1e-6).sqrt();
        self.var_z = 1.0;
        self.residuals.clear();
        self.var_run = 0;
        self.var_start = None;
        self.diffs.clear();
        self.last_z = None;
        self.variance_quiet_until = self.seen + self.config.holdoff as u64;
        self.unsettled_since = None;
    }

    pub(super) fn dynamics(&mut self, time: Timestamp, on_closed: &mut dyn FnMut(AnomalyWindow)) {
        let ratio = self.config.variance_ratio.max(1.0);
        if let Some(mut window) = self.variance.take() {
            window.end = time;
            let strength = if window.direction > 0 {
                self.var_z / ratio
            } else {
                1.0 / (self.var_z * ratio).max(1e-9)
            };
            window.score = window.score.max(strength);
            let back = self.var_z < ratio.sqrt() && self.var_z > 1.0 / ratio.sqrt();
            if back {
                window.open = false;
                self.variance_quiet_until = self.seen + self.config.holdoff as u64;
                self.close(window, on_closed);
            } else {
                self.variance = Some(window);
            }
            return;
        }
        let direction = if self.var_z > ratio {
            1
        } else if self.var_z < 1.0 / ratio {
            -1
        } else {
            0
        };
        // Differences are blind to a shift, so this test runs whether or not one is open.
        if direction == 0 || self.seen < self.variance_quiet_until {
            self.var_run = 0;
            self.var_start = None;
            return;
        }
        self.var_run += 1;
        let start = *self.var_start.get_or_insert(time);
        if self.var_run >= self.config.variance_hold {
            self.variance = Some(AnomalyWindow {
                kind: AnomalyKind::VarianceChange,
                start,
                end: time,
                detected: time,
                score: 1.0,
                direction,
                open: true,
            });
        }
    }
}

/// Lag-one autocorrelation of the residuals `values` with robust scale `scale`: centred on
/// their median, each clipped to ±3 `scale` so outliers and a change in progress count little.
pub(super) fn lag_one(values: &VecDeque<f64>, scale: f64) -> Option<f64> {
    if scale <= 0.0 || values.len() < 16 {
        return None;
    }
    let mut sorted: Vec<f64> = values.iter().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let (mut cross, mut square, mut last) = (0.0, 0.0, None);
    for v in values {
        let x = ((v - median) / scale).clamp(-3.0, 3.0);
        square += x * x;
        if let Some(l) = last.replace(x) {
            cross += x * l;
        }
    }
    (square > 0.0).then(|| cross / square)
}
