//! A robust streaming anomaly detector for industrial sensor signals.
//!
//! It watches one-step forecast residuals (value minus what the signal's forecaster expected),
//! so legitimate dynamics (a tank filling, a motor following load) are not anomalies; what is
//! left is standardised robustly (median/MAD of recent residuals, frozen while an anomaly is
//! open so a fault cannot hide itself by inflating the scale) and tested three ways:
//!
//! - **spikes**: one residual beyond [`AnomalyConfig::spike_z`] that the next sample returns
//!   from (an isolated outlier);
//! - **level shifts and drifts**: a two-sided CUSUM of the clipped z-scores (slack
//!   [`AnomalyConfig::cusum_k`], decision interval [`AnomalyConfig::cusum_h`]); the window
//!   starts where the CUSUM last left zero (the change-point estimate) and ends when it returns
//!   to zero (the forecaster has absorbed the change). A line fitted to the raw values inside
//!   the window tells a drift (a ramp) from a shift (a step). A slow drift that the
//!   forecaster learns to follow hides from one-step residuals, so a second CUSUM watches the
//!   error of the forecast made [`AnomalyConfig::drift_lag`] samples earlier (every
//!   [`AnomalyConfig::drift_every`]-th, as they overlap);
//! - **changed dynamics**: the ratio of a short moving variance of the z-scores (from their
//!   successive differences, so a step or ramp does not count) to the reference, beyond [`AnomalyConfig::variance_ratio`] (or below its inverse) for
//!   [`AnomalyConfig::variance_hold`] samples.
//!
//! After a window closes, the same test holds off for [`AnomalyConfig::holdoff`] samples: the
//! detector is tuned for few false alarms rather than for catching every wiggle.

#[cfg(test)]
mod tests;

use crate::core::signal::Timestamp;
use std::collections::VecDeque;

/// What kind of anomaly a window shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// The level stepped to a new value.
    LevelShift,
    /// The level ramps away from what the signal's dynamics explain.
    Drift,
    /// One isolated outlier.
    Spike,
    /// The noise grew or collapsed (changed dynamics).
    VarianceChange,
}

impl AnomalyKind {
    /// Every kind, in the order tables list them.
    pub const ALL: [AnomalyKind; 4] = [
        AnomalyKind::LevelShift,
        AnomalyKind::Drift,
        AnomalyKind::Spike,
        AnomalyKind::VarianceChange,
    ];

    /// Short name for panels and files.
    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::LevelShift => "level shift",
            AnomalyKind::Drift => "drift",
            AnomalyKind::Spike => "spike",
            AnomalyKind::VarianceChange => "variance change",
        }
    }
}

/// One detected anomaly.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct AnomalyWindow {
    /// What it is.
    pub kind: AnomalyKind,
    /// Estimated onset.
    pub start: Timestamp,
    /// Last sample inside it (the latest sample while it is open).
    pub end: Timestamp,
    /// When the detector raised it (detection delay = `detected − start` of the true onset).
    pub detected: Timestamp,
    /// Strength: 1 at the detection threshold, larger is stronger.
    pub score: f64,
    /// +1 upwards (or noise grew), −1 downwards (or noise collapsed).
    pub direction: i8,
    /// Still open at the latest sample.
    pub open: bool,
}

/// Detector tuning; defaults aim at few false alarms on noisy plant signals.
#[derive(Clone, Debug, PartialEq)]
pub struct AnomalyConfig {
    /// Samples before detection starts (the residual scale is learnt first).
    pub warmup: usize,
    /// Residuals the median/MAD scale is taken over.
    pub scale_window: usize,
    /// Robust z of an isolated spike.
    pub spike_z: f64,
    /// CUSUM slack per sample, in robust standard deviations.
    pub cusum_k: f64,
    /// CUSUM decision interval.
    pub cusum_h: f64,
    /// z-scores are clipped here before the CUSUM and variance tests (spikes count once).
    pub z_clip: f64,
    /// Variance ratio (short/ reference) that counts as changed dynamics.
    pub variance_ratio: f64,
    /// Samples in the short variance average.
    pub variance_span: f64,
    /// Samples the ratio must stay beyond its limit.
    pub variance_hold: usize,
    /// Samples a test stays quiet after its window closes.
    pub holdoff: usize,
    /// The slow test's lag: the caller passes the forecast made this many samples earlier, whose
    /// error keeps growing under a drift the one-step forecast has learnt to follow.
    pub drift_lag: usize,
    /// The slow test looks at every this-many-th lagged error (they overlap heavily).
    pub drift_every: usize,
    /// Slow CUSUM slack.
    pub drift_k: f64,
    /// Slow CUSUM decision interval.
    pub drift_h: f64,
    /// Longest a shift/drift window stays open, samples.
    pub max_open: usize,
    /// Closed windows remembered.
    pub max_windows: usize,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        Self {
            warmup: 60,
            scale_window: 128,
            spike_z: 7.0,
            cusum_k: 0.75,
            cusum_h: 12.0,
            z_clip: 4.0,
            variance_ratio: 4.0,
            variance_span: 25.0,
            variance_hold: 15,
            holdoff: 30,
            drift_lag: 60,
            drift_every: 15,
            drift_k: 0.75,
            drift_h: 8.0,
            max_open: 600,
            max_windows: 64,
        }
    }
}

/// Raw values kept to place and classify shift/drift windows.
const VALUE_RING: usize = 256;
/// Samples between recomputing the median/MAD scale.
const SCALE_EVERY: u64 = 16;

/// A streaming detector for one signal; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct AnomalyDetector {
    config: AnomalyConfig,
    seen: u64,
    residuals: VecDeque<f64>,
    scale: f64,
    values: VecDeque<(Timestamp, f64)>,
    /// CUSUM of the one-step residuals (fast: shifts).
    fast: Cusum,
    /// CUSUM of the lagged errors, every `drift_every` samples (slow: drifts).
    slow: Cusum,
    lagged: VecDeque<f64>,
    lag_scale: f64,
    lag_count: u64,
    shift: Option<AnomalyWindow>,
    /// Which CUSUM raised the open shift/drift window: 0 fast, 1 slow.
    shift_source: usize,
    /// Sample count when the open shift/drift window was raised.
    shift_raised_at: u64,
    shift_quiet_until: u64,
    spike_candidate: Option<(Timestamp, f64)>,
    /// The previous clipped z-score (the variance test uses differences).
    last_z: Option<f64>,
    var_z: f64,
    var_run: usize,
    var_start: Option<Timestamp>,
    variance: Option<AnomalyWindow>,
    variance_quiet_until: u64,
    closed: VecDeque<AnomalyWindow>,
    closed_total: u64,
}

impl AnomalyDetector {
    /// A detector that starts learning at its first sample.
    pub fn new(config: AnomalyConfig) -> Self {
        Self {
            seen: 0,
            residuals: VecDeque::with_capacity(config.scale_window.max(8)),
            scale: 0.0,
            values: VecDeque::with_capacity(VALUE_RING),
            fast: Cusum::default(),
            slow: Cusum::default(),
            lagged: VecDeque::new(),
            lag_scale: 0.0,
            lag_count: 0,
            shift: None,
            shift_source: 0,
            shift_raised_at: 0,
            shift_quiet_until: 0,
            spike_candidate: None,
            last_z: None,
            var_z: 1.0,
            var_run: 0,
            var_start: None,
            variance: None,
            variance_quiet_until: 0,
            closed: VecDeque::new(),
            closed_total: 0,
            config,
        }
    }

    /// Windows open at the latest sample (at most one shift/drift and one variance window).
    pub fn open(&self) -> impl Iterator<Item = &AnomalyWindow> {
        self.shift.iter().chain(self.variance.iter())
    }

    /// The most recent closed windows, oldest first (at most [`AnomalyConfig::max_windows`]).
    pub fn closed(&self) -> &VecDeque<AnomalyWindow> {
        &self.closed
    }

    /// Windows closed since the detector started (including those no longer remembered).
    pub fn closed_total(&self) -> u64 {
        self.closed_total
    }

    /// The robust residual scale in use (0 while warming up).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Its configuration.
    pub fn config(&self) -> &AnomalyConfig {
        &self.config
    }

    /// Takes one sample, what the forecaster expected for it one step ahead (`expected`) and
    /// [`AnomalyConfig::drift_lag`] steps ahead (`lagged`, when known); hands every window that
    /// closes at this sample to `on_closed`. Non-finite inputs are ignored.
    pub fn update(
        &mut self,
        time: Timestamp,
        value: f64,
        expected: f64,
        lagged: Option<f64>,
        on_closed: &mut dyn FnMut(AnomalyWindow),
    ) {
        if !(value.is_finite() && expected.is_finite()) {
            return;
        }
        self.seen += 1;
        if self.values.len() == VALUE_RING {
            self.values.pop_front();
        }
        self.values.push_back((time, value));
        let residual = value - expected;
        let learning = self.seen <= self.config.warmup as u64;
        // The reference scale learns only from quiet stretches (no window open, noise not
        // growing), so a fault cannot hide itself by inflating it.
        if self.shift.is_none() && self.variance.is_none() && self.var_z < 2.0 {
            if self.residuals.len() == self.config.scale_window.max(8) {
                self.residuals.pop_front();
            }
            self.residuals.push_back(residual);
            if learning || self.seen.is_multiple_of(SCALE_EVERY) {
                self.scale = robust_scale(&self.residuals);
            }
        }
        let slow = lagged
            .filter(|l| l.is_finite())
            .and_then(|l| self.lagged_z(value - l, learning));
        if learning || self.scale <= 0.0 {
            return;
        }
        let z = residual / self.scale;
        self.spikes(time, z, on_closed);
        let zc = z.clamp(-self.config.z_clip, self.config.z_clip);
        self.dynamics(time, zc, on_closed);
        // Noise that grew is the variance test's to report: scale it out of the CUSUM (the
        // variance of differences barely moves for a shift or drift).
        let noise = self.var_z.max(1.0).sqrt();
        self.shifts(time, zc / noise, slow.map(|z| z / noise), on_closed);
    }

    /// The clipped z-score of a lagged error on the slow test's ticks (`None` between them
    /// and until its scale is learnt).
    fn lagged_z(&mut self, error: f64, learning: bool) -> Option<f64> {
        self.lag_count += 1;
        if !self
            .lag_count
            .is_multiple_of(self.config.drift_every.max(1) as u64)
        {
            return None;
        }
        if self.shift.is_none() && self.variance.is_none() {
            if self.lagged.len() == self.config.scale_window.max(8) {
                self.lagged.pop_front();
            }
            self.lagged.push_back(error);
            if learning || self.lagged.len() < 16 || self.lag_count.is_multiple_of(4) {
                self.lag_scale = robust_scale(&self.lagged);
            }
        }
        (self.lagged.len() >= 16 && self.lag_scale > 0.0)
            .then(|| (error / self.lag_scale).clamp(-self.config.z_clip, self.config.z_clip))
    }

    fn spikes(&mut self, time: Timestamp, z: f64, on_closed: &mut dyn FnMut(AnomalyWindow)) {
        let limit = self.config.spike_z;
        if let Some((at, peak)) = self.spike_candidate.take() {
            // Isolated: the next residual is back near normal (and no shift is underway).
            if z.abs() < limit / 2.0 && self.shift.is_none() {
                self.close(
                    AnomalyWindow {
                        kind: AnomalyKind::Spike,
                        start: at,
                        end: at,
                        detected: time,
                        score: peak.abs() / limit,
                        direction: if peak > 0.0 { 1 } else { -1 },
                        open: false,
                    },
                    on_closed,
                );
            }
            return;
        }
        if z.abs() > limit {
            self.spike_candidate = Some((time, z));
        }
    }

    fn shifts(
        &mut self,
        time: Timestamp,
        fast: f64,
        slow: Option<f64>,
        on_closed: &mut dyn FnMut(AnomalyWindow),
    ) {
        self.fast.step(time, fast, self.config.cusum_k);
        if let Some(z) = slow {
            self.slow.step(time, z, self.config.drift_k);
        }
        let limits = [self.config.cusum_h, self.config.drift_h];
        if let Some(mut window) = self.shift {
            let side = usize::from(window.direction < 0);
            let source = self.shift_source;
            let sum = [self.fast.sum[side], self.slow.sum[side]][source];
            window.end = time;
            window.score = window.score.max(sum / limits[source]);
            let opened_for = self.seen - self.shift_raised_at;
            if sum <= 0.0 || opened_for >= self.config.max_open as u64 {
                window.kind = self.classify(window.start, time);
                window.open = false;
                self.shift = None;
                self.fast = Cusum::default();
                self.slow = Cusum::default();
                self.shift_quiet_until = self.seen + self.config.holdoff as u64;
                self.close(window, on_closed);
            } else {
                self.shift = Some(window);
            }
            return;
        }
        // Noise that grew (or a variance window) explains large residuals better than a shift.
        let noisy = self.variance.is_some() || self.var_z > self.config.variance_ratio / 2.0;
        if self.seen < self.shift_quiet_until || noisy {
            self.fast = Cusum::default();
            self.slow = Cusum::default();
            return;
        }
        for (source, cusum) in [self.fast, self.slow].into_iter().enumerate() {
            for side in 0..2 {
                if cusum.sum[side] > limits[source] {
                    let start = cusum.start[side];
                    self.shift = Some(AnomalyWindow {
                        kind: self.classify(start, time),
                        start,
                        end: time,
                        detected: time,
                        score: cusum.sum[side] / limits[source],
                        direction: if side == 0 { 1 } else { -1 },
                        open: true,
                    });
                    self.shift_source = source;
                    self.shift_raised_at = self.seen;
                    self.spike_candidate = None;
                    return;
                }
            }
        }
    }

    fn dynamics(&mut self, time: Timestamp, zc: f64, on_closed: &mut dyn FnMut(AnomalyWindow)) {
        let w = 1.0 / self.config.variance_span.max(1.0);
        // Half the squared difference of successive z-scores: variance 1 for white residuals,
        // blind to a level step (one difference) and to a slow drift; clipped so a spike
        // counts little.
        let Some(last) = self.last_z.replace(zc) else {
            return;
        };
        let d2 = ((zc - last).powi(2) / 2.0).min(self.config.z_clip.powi(2));
        self.var_z += (d2 - self.var_z) * w;
        let ratio = self.config.variance_ratio.max(1.0);
        if let Some(mut window) = self.variance {
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
                self.variance = None;
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

    /// Drift when a line through the values since `start` fits them better than the best
    /// single step does (and the line rises more than twice the noise); otherwise a level
    /// shift.
    fn classify(&self, start: Timestamp, end: Timestamp) -> AnomalyKind {
        let points: Vec<(f64, f64)> = self
            .values
            .iter()
            .filter(|(t, _)| *t >= start && *t <= end)
            .map(|(t, v)| (t.secs_since(start), *v))
            .collect();
        if points.len() < 8 {
            return AnomalyKind::LevelShift;
        }
        let n = points.len() as f64;
        let mt = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mv = points.iter().map(|p| p.1).sum::<f64>() / n;
        let stt: f64 = points.iter().map(|p| (p.0 - mt).powi(2)).sum();
        let stv: f64 = points.iter().map(|p| (p.0 - mt) * (p.1 - mv)).sum();
        let svv: f64 = points.iter().map(|p| (p.1 - mv).powi(2)).sum();
        if stt <= 0.0 || svv <= 0.0 {
            return AnomalyKind::LevelShift;
        }
        let line_sse = svv - stv * stv / stt;
        // Best step: constant before and after one split, from prefix sums.
        let (mut sum, mut sum2) = (0.0, 0.0);
        let total: f64 = points.iter().map(|p| p.1).sum();
        let total2: f64 = points.iter().map(|p| p.1 * p.1).sum();
        let mut step_sse = f64::INFINITY;
        for (i, p) in points.iter().enumerate().take(points.len() - 2) {
            sum += p.1;
            sum2 += p.1 * p.1;
            let left = (i + 1) as f64;
            if left < 2.0 {
                continue;
            }
            let right = n - left;
            let sse = (sum2 - sum * sum / left) + (total2 - sum2) - (total - sum).powi(2) / right;
            step_sse = step_sse.min(sse);
        }
        let rise = (stv / stt).abs() * (points[points.len() - 1].0 - points[0].0);
        if line_sse < step_sse && rise > 2.0 * self.scale {
            AnomalyKind::Drift
        } else {
            AnomalyKind::LevelShift
        }
    }

    fn close(&mut self, window: AnomalyWindow, on_closed: &mut dyn FnMut(AnomalyWindow)) {
        if self.closed.len() >= self.config.max_windows.max(1) {
            self.closed.pop_front();
        }
        self.closed.push_back(window);
        self.closed_total += 1;
        on_closed(window);
    }
}

/// A two-sided CUSUM: upward (0) and downward (1) sums and where each last left zero.
#[derive(Clone, Copy, Debug, Default)]
struct Cusum {
    sum: [f64; 2],
    start: [Timestamp; 2],
}

impl Cusum {
    fn step(&mut self, time: Timestamp, z: f64, k: f64) {
        for (side, z) in [(0, z), (1, -z)] {
            let before = self.sum[side];
            self.sum[side] = (before + z - k).max(0.0);
            if before == 0.0 && self.sum[side] > 0.0 {
                self.start[side] = time;
            }
        }
    }
}

/// 1.4826 × the median absolute deviation from the median (σ for normal data); 0 when empty.
pub fn robust_scale(values: &VecDeque<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted: Vec<f64> = values.iter().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let mut deviations: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    1.4826 * deviations[deviations.len() / 2]
}
