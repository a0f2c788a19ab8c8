//! A robust streaming anomaly detector for industrial sensor signals.
//!
//! **Its own reference.** The detector does not read the signal's forecaster: forecasts are
//! tuned for the horizon (their damping, their trend), and a retuned forecaster would silently
//! change what counts as an anomaly. Instead it keeps a fixed-parameter reference of its own:
//! a least-squares line over the last [`AnomalyConfig::reference_window`] samples, extrapolated
//! one step (running sums, O(1) per sample; see `reference.rs`). A line follows legitimate
//! slow dynamics (a tank filling, a slow oscillation) with a bias of about `curvature·W²/12`,
//! which is small for plant signals; outliers enter it clipped to ±[`AnomalyConfig::z_clip`]
//! robust standard deviations, and after a detected level shift it restarts from the change
//! point, so it neither absorbs a fault slowly nor overshoots afterwards.
//!
//! What the reference does not explain is standardised robustly (median/MAD of recent
//! one-step residuals, learnt only from quiet stretches so a fault cannot hide itself by
//! inflating the scale) and tested four ways:
//!
//! - **spikes**: one residual beyond [`AnomalyConfig::spike_z`], with the samples around it
//!   normal (at most one other beyond 2.5 among the 8 before and the
//!   [`AnomalyConfig::spike_confirm`] after, which are waited for): an isolated outlier, not the
//!   first big swing of noise that grew;
//! - **level shifts**: a two-sided CUSUM of the clipped z-scores (slack
//!   [`AnomalyConfig::cusum_k`], decision interval [`AnomalyConfig::cusum_h`]), each divided by
//!   the current noise level so noise that grew does not read as a shift; the window starts
//!   where the CUSUM last left zero (the change-point estimate) and ends when it returns to
//!   zero;
//! - **drifts**: a slow ramp is absorbed by any one-step reference, so a separate test compares
//!   the slopes of two adjacent windows of [`AnomalyConfig::drift_window`] samples: a ramp that
//!   starts between them changes the slope abruptly, while legitimate dynamics bend the slope
//!   only as fast as their curvature allows. The difference, in standard deviations of its own
//!   noise, beyond [`AnomalyConfig::drift_z`] for [`AnomalyConfig::drift_hold`] samples
//!   raises a window (a ramp keeps it there; noise crosses briefly); it starts where the
//!   statistic last changed sign. A line fitted to the raw values inside a shift/drift
//!   window tells a drift (a ramp) from a shift (a step);
//! - **changed dynamics**: a moving variance of the z-scores' successive differences (blind to
//!   a step or ramp) against the reference, beyond [`AnomalyConfig::variance_ratio`] (or below
//!   its inverse) for [`AnomalyConfig::variance_hold`] samples. While the noise is up, the
//!   shift and drift tests stand aside: large residuals are then the variance window's.
//!
//! Correlated noise (neighbouring samples alike) makes sums and slopes wander further than
//! white noise of the same scale: the lag-one autocorrelation ρ of the quiet residuals
//! (averaged over many estimates, 0 to 0.9) widens the CUSUM's and the slope test's noise by
//! `√((1 + ρ)/(1 − ρ))` and narrows the variance test's reference by `1 − ρ`.
//!
//! After a window closes, the same test holds off for [`AnomalyConfig::holdoff`] samples (the
//! drift test also until a detected step has left its windows): the detector is tuned for few
//! false alarms rather than for catching every wiggle.
//!
//! Limits: a drift is told from legitimate dynamics by how abruptly its slope changes, so a
//! signal whose own slope changes by the drift rate within about one drift window (fast
//! oscillations, a controller switching a heater on) looks like a drift; a ramp that starts
//! gently (an S-curve over minutes) is found late or not at all. On the labelled set a ramp of
//! 0.04 σ/s is missed about one time in six, when it starts where the legitimate oscillation
//! bends the other way.

mod classify;
mod noise;
mod reference;
#[cfg(test)]
mod tests;

use crate::signal::Timestamp;
use noise::{FAST_NOISE, SWINGS_BEFORE, lag_one};
use reference::{Reference, Sample};
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
    /// Samples in the one-step reference line: longer follows noise less, shorter follows
    /// curved legitimate dynamics better.
    pub reference_window: usize,
    /// Robust z of an isolated spike.
    pub spike_z: f64,
    /// Samples after a spike that must look normal before it is reported.
    pub spike_confirm: usize,
    /// CUSUM slack per sample, in robust standard deviations.
    pub cusum_k: f64,
    /// CUSUM decision interval.
    pub cusum_h: f64,
    /// z-scores are clipped here before the CUSUM (spikes count once), and outliers enter the
    /// reference clipped to this many robust standard deviations.
    pub z_clip: f64,
    /// Samples in each of the drift test's two slope windows.
    pub drift_window: usize,
    /// Slope change between the two windows, in its own standard deviations, that counts as
    /// a drift.
    pub drift_z: f64,
    /// Samples the slope change must stay beyond [`Self::drift_z`] (a ramp keeps it there;
    /// noise crosses briefly).
    pub drift_hold: usize,
    /// Variance ratio (short/ reference) that counts as changed dynamics.
    pub variance_ratio: f64,
    /// Samples in the short variance average.
    pub variance_span: f64,
    /// Samples the ratio must stay beyond its limit.
    pub variance_hold: usize,
    /// Samples a test stays quiet after its window closes.
    pub holdoff: usize,
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
            reference_window: 120,
            spike_z: 7.0,
            spike_confirm: 5,
            cusum_k: 0.75,
            cusum_h: 12.0,
            z_clip: 4.0,
            drift_window: 90,
            drift_z: 4.5,
            drift_hold: 10,
            variance_ratio: 4.0,
            variance_span: 25.0,
            variance_hold: 15,
            holdoff: 30,
            max_open: 600,
            max_windows: 64,
        }
    }
}

/// Samples remembered (for the reference windows and to place and classify windows).
const VALUE_RING: usize = 256;
/// Samples between recomputing the median/MAD scale.
const SCALE_EVERY: u64 = 16;
/// Autocorrelation estimates (one per scale update) averaged.
const RHO_AVERAGE: u64 = 16;

/// Which test raised the open shift/drift window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Cusum,
    Slope,
}

/// A spike waiting for the samples after it.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    time: Timestamp,
    z: f64,
    waited: usize,
    swings: usize,
}

/// Samples before the CUSUM's onset estimate that the change-point search also considers.
const STEP_CONTEXT: usize = 10;

/// A streaming detector for one signal; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct AnomalyDetector {
    config: AnomalyConfig,
    seen: u64,
    reference: Reference,
    residuals: VecDeque<f64>,
    scale: f64,
    /// Lag-one autocorrelation of the residuals (0 to 0.9): correlated noise makes sums and
    /// slopes wander further than white noise of the same scale.
    rho: f64,
    rho_raw: f64,
    rho_updates: u64,
    cusum: Cusum,
    /// The drift statistic's sign and where it last changed (the ramp's onset estimate).
    slope_sign: f64,
    slope_start: Timestamp,
    /// Samples in a row the drift statistic has been beyond its limit (signed).
    slope_run: i64,
    shift: Option<(AnomalyWindow, Source)>,
    shift_raised_at: u64,
    shift_quiet_until: u64,
    drift_quiet_until: u64,
    spike_candidate: Option<Candidate>,
    /// Whether each of the last few samples swung beyond [`SWING_Z`].
    swings: VecDeque<bool>,
    /// The previous z-score (the variance tests use differences).
    last_z: Option<f64>,
    diffs: VecDeque<f64>,
    fast_noise: f64,
    var_z: f64,
    var_run: usize,
    var_start: Option<Timestamp>,
    variance: Option<AnomalyWindow>,
    variance_quiet_until: u64,
    /// Since when (in samples) the scale has not been allowed to learn: a window open or the
    /// noise up. Past [`AnomalyConfig::max_open`] the detector re-baselines.
    unsettled_since: Option<u64>,
    closed: VecDeque<AnomalyWindow>,
    closed_total: u64,
}

impl AnomalyDetector {
    /// A detector that starts learning at its first sample.
    pub fn new(config: AnomalyConfig) -> Self {
        Self {
            seen: 0,
            reference: Reference::new(config.reference_window, config.drift_window, VALUE_RING),
            residuals: VecDeque::with_capacity(config.scale_window.max(8)),
            scale: 0.0,
            rho: 0.0,
            rho_raw: 0.0,
            rho_updates: 0,
            cusum: Cusum::default(),
            slope_sign: 0.0,
            slope_start: Timestamp(0),
            slope_run: 0,
            shift: None,
            shift_raised_at: 0,
            shift_quiet_until: 0,
            drift_quiet_until: 0,
            spike_candidate: None,
            swings: VecDeque::with_capacity(SWINGS_BEFORE + 1),
            last_z: None,
            diffs: VecDeque::with_capacity(FAST_NOISE),
            fast_noise: 1.0,
            var_z: 1.0,
            var_run: 0,
            var_start: None,
            variance: None,
            variance_quiet_until: 0,
            unsettled_since: None,
            closed: VecDeque::new(),
            closed_total: 0,
            config,
        }
    }

    /// Windows open at the latest sample (at most one shift/drift and one variance window).
    pub fn open(&self) -> impl Iterator<Item = &AnomalyWindow> {
        self.shift
            .iter()
            .map(|(w, _)| w)
            .chain(self.variance.iter())
    }

    /// The most recent closed windows, oldest first (at most [`AnomalyConfig::max_windows`]).
    pub fn closed(&self) -> &VecDeque<AnomalyWindow> {
        &self.closed
    }

    /// The robust residual scale in use (0 while warming up).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Its configuration.
    pub fn config(&self) -> &AnomalyConfig {
        &self.config
    }

    /// What the detector's own reference expects for the next sample (`None` before the first).
    pub fn expected(&self) -> Option<f64> {
        self.reference.expected()
    }

    /// Takes one sample; hands every window that closes at this sample to `on_closed`.
    /// Non-finite values and samples not after the previous one are ignored.
    pub fn update(
        &mut self,
        time: Timestamp,
        value: f64,
        on_closed: &mut dyn FnMut(AnomalyWindow),
    ) {
        let in_order = self
            .reference
            .samples()
            .back()
            .is_none_or(|s| time > s.time);
        if !value.is_finite() || !in_order {
            return;
        }
        self.seen += 1;
        let expected = self.reference.expected();
        let limit = self.config.z_clip * self.scale;
        let seen = match expected {
            Some(e) if limit > 0.0 => e + (value - e).clamp(-limit, limit),
            _ => value,
        };
        self.reference.push(Sample {
            time,
            raw: value,
            seen,
        });
        let Some(expected) = expected else {
            return;
        };
        let residual = value - expected;
        let learning = self.seen <= self.config.warmup as u64;
        // The reference scale learns only from quiet stretches (no window open, noise not
        // growing), so a fault cannot hide itself by inflating it.
        let settled = self.shift.is_none() && self.variance.is_none() && self.var_z < 2.0;
        if settled {
            self.unsettled_since = None;
        } else if !learning {
            let since = *self.unsettled_since.get_or_insert(self.seen);
            if self.seen - since >= self.config.max_open as u64 {
                self.rebaseline(time, on_closed);
            }
        }
        if settled {
            if self.residuals.len() == self.config.scale_window.max(8) {
                self.residuals.pop_front();
            }
            self.residuals.push_back(residual);
            if learning || self.seen.is_multiple_of(SCALE_EVERY) {
                self.scale = robust_scale(&self.residuals);
                if let Some(rho) = lag_one(&self.residuals, self.scale) {
                    // Averaged over many estimates (one residual window is short, and a
                    // change in progress looks correlated), then limited to 0..=0.9:
                    // negative correlation is treated as white.
                    self.rho_updates += 1;
                    let w = 1.0 / self.rho_updates.min(RHO_AVERAGE) as f64;
                    self.rho_raw += (rho.clamp(-0.5, 0.9) - self.rho_raw) * w;
                    self.rho = self.rho_raw.clamp(0.0, 0.9);
                }
            }
        }
        if learning || self.scale <= 0.0 {
            return;
        }
        let z = residual / self.scale;
        self.spikes(time, z, on_closed);
        self.noise(z);
        self.dynamics(time, on_closed);
        self.shifts(time, z, on_closed);
    }

    /// The drift statistic: the slope change between the two drift windows in standard
    /// deviations of its noise (`None` until both are full). Tracks where it last changed
    /// sign.
    fn slope_change(&mut self, time: Timestamp) -> Option<f64> {
        let (recent, older) = (&self.reference.recent, &self.reference.older);
        if !(recent.full() && older.full()) {
            return None;
        }
        let (_, now) = recent.line()?;
        let (_, before) = older.line()?;
        let noise = self.scale * (self.var_z.max(1.0) * self.long_run()).sqrt();
        let stat = (now - before) / (std::f64::consts::SQRT_2 * recent.slope_sd() * noise);
        if stat.signum() != self.slope_sign {
            self.slope_sign = stat.signum();
            self.slope_start = time;
        }
        let beyond = stat.abs() > self.config.drift_z;
        self.slope_run = match (beyond, stat > 0.0) {
            (false, _) => 0,
            (true, true) => self.slope_run.max(0) + 1,
            (true, false) => self.slope_run.min(0) - 1,
        };
        Some(stat)
    }

    fn shifts(&mut self, time: Timestamp, z: f64, on_closed: &mut dyn FnMut(AnomalyWindow)) {
        // Divided by the current noise level (the fast median one reacts within a few
        // samples but is itself noisy, so half of it; the variance average follows): noise
        // that grew is not a shift.
        let noise = ((self.fast_noise / 2.0).max(self.var_z).max(1.0) * self.long_run()).sqrt();
        let clip = self.config.z_clip;
        self.cusum
            .step(time, z.clamp(-clip, clip) / noise, self.config.cusum_k);
        let slope = self.slope_change(time);
        if let Some((mut window, source)) = self.shift.take() {
            let side = usize::from(window.direction < 0);
            let direction = f64::from(window.direction);
            let strength = match source {
                Source::Cusum => self.cusum.sum[side] / self.config.cusum_h,
                Source::Slope => slope.unwrap_or(0.0) * direction / self.config.drift_z,
            };
            window.end = time;
            window.score = window.score.max(strength);
            let over = match source {
                Source::Cusum => strength <= 0.0,
                Source::Slope => strength < 0.25,
            };
            let opened_for = self.seen - self.shift_raised_at;
            if over || opened_for >= self.config.max_open as u64 {
                window.kind = self.classify(window.start, time);
                window.open = false;
                self.cusum = Cusum::default();
                let quiet = self.seen + self.config.holdoff as u64;
                self.shift_quiet_until = quiet;
                self.drift_quiet_until = self.drift_quiet_until.max(quiet);
                self.close(window, on_closed);
            } else {
                self.shift = Some((window, source));
            }
            return;
        }
        if self.seen < self.shift_quiet_until || self.noisy() {
            self.cusum = Cusum::default();
            return;
        }
        let raised = (0..2)
            .find(|side| self.cusum.sum[*side] > self.config.cusum_h)
            .map(|side| {
                let sign = if side == 0 { 1.0 } else { -1.0 };
                let score = self.cusum.sum[side] / self.config.cusum_h;
                (Source::Cusum, self.cusum.start[side], sign, score)
            })
            .or_else(|| {
                let stat = slope.filter(|_| self.seen >= self.drift_quiet_until)?;
                let held = self.slope_run.unsigned_abs() >= self.config.drift_hold.max(1) as u64;
                held.then(|| {
                    let score = stat.abs() / self.config.drift_z;
                    let start = self.ramp_start(stat.signum()).unwrap_or(self.slope_start);
                    (Source::Slope, start, stat.signum(), score)
                })
            });
        let Some((source, start, sign, score)) = raised else {
            return;
        };
        if source == Source::Cusum {
            // The change is real: restart the reference from it (it neither absorbs the
            // step slowly nor overshoots after it), and keep the drift test quiet until the
            // step has left its windows.
            let step = self.reference.step_at(start, STEP_CONTEXT);
            self.reference.restart(step);
            self.drift_quiet_until = self.seen + 2 * self.config.drift_window as u64;
        }
        self.shift = Some((
            AnomalyWindow {
                kind: self.classify(start, time),
                start,
                end: time,
                detected: time,
                score,
                direction: if sign > 0.0 { 1 } else { -1 },
                open: true,
            },
            source,
        ));
        self.shift_raised_at = self.seen;
        self.spike_candidate = None;
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
pub(crate) fn robust_scale(values: &VecDeque<f64>) -> f64 {
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
