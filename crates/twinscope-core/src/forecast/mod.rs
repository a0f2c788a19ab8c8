//! Online forecasts per signal: Holt's linear trend (plain or damped), fitted on recent history,
//! with prediction intervals from the signal's own forecast errors and time-to-threshold.
//!
//! A [`Forecaster`] takes samples one at a time at O(1) cost each (a fixed number of horizon
//! buckets; the parameter fit runs every [`ForecastConfig::refit_every`] samples over a fixed
//! window, so its cost is amortised and bounded). The fit minimises the one-step plus the
//! horizon-step squared error (see [`fit_params`]). Forecasts are stepped in samples; times
//! convert through the signal's sample period (nominal, else measured).
//!
//! Intervals are empirical: for a few horizons (buckets from one step to the configured
//! horizon) the forecaster remembers the h-step errors it made recently (every ⌈h/4⌉-th, so
//! long horizons look back further) and reads quantiles of that distribution; between buckets quantiles are interpolated, beyond the last they grow
//! with √h. Until a bucket has `MIN_ERRORS` errors it uses the textbook Holt variance growth
//! `σ²(h) = σ₁²·(1 + Σⱼ₌₁ʰ⁻¹ α²(1 + β·Sⱼ)²)` with σ₁ from the one-step residual scale.
//!
//! [`SignalTracker`] couples a forecaster with its [`crate::validation::Validator`] and
//! [`crate::anomaly::AnomalyDetector`]; the viewer and `twinscope analyze` both use it, so
//! what the backtest reports is what the live twin computes.

mod forecaster;
mod holt;
#[cfg(test)]
pub(crate) mod tests;
mod tracker;

pub use forecaster::Forecaster;
pub use holt::{HoltParams, fit_params};
pub use tracker::{SignalTracker, TrackerConfig, TrackerEvent};

use crate::signal::{SignalId, Timestamp};

/// Nominal coverage of the two prediction intervals reported with every forecast.
pub const LEVELS: [f64; 2] = [0.8, 0.95];

/// A bucket uses its empirical error quantiles once it holds this many errors.
pub(crate) const MIN_ERRORS: usize = 30;

/// Which exponential-smoothing model forecasts a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Holt's linear trend: the trend continues undiminished.
    Holt,
    /// Damped trend (Gardner–McKenzie): the trend fades with `φ < 1`, so long horizons level
    /// off instead of running away; the safer default for plant signals.
    Damped,
}

/// How one signal is forecast.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastConfig {
    /// How far ahead forecasts, intervals and time-to-threshold look, seconds.
    pub horizon_s: f64,
    /// Holt or damped Holt.
    pub method: Method,
    /// The signal's nominal sample period in seconds; `None` measures it from the first
    /// samples (CSV backtests).
    pub period_s: Option<f64>,
    /// Samples the parameter fit minimises one-step squared error over.
    pub fit_window: usize,
    /// Samples between parameter fits (and refreshes of the error quantiles).
    pub refit_every: usize,
    /// Recent h-step errors remembered per horizon bucket. Memory per signal is about
    /// `buckets × error_window × 16 B` (errors and their sorted copy) plus 16 B per horizon
    /// step and 8 B per fit-window sample: ~35 KB with the defaults at a 2-minute horizon.
    pub error_window: usize,
    /// Horizon buckets between one step and the horizon (2 or more).
    pub buckets: usize,
    /// One-step residuals beyond this many residual scales are clipped (Huber), so an isolated
    /// spike barely moves the forecast; 0 turns clipping off. Three clipped residuals of the
    /// same sign in a row are taken as real change and pass unclipped.
    pub outlier_clip: f64,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            horizon_s: 120.0,
            method: Method::Damped,
            period_s: None,
            fit_window: 360,
            refit_every: 120,
            error_window: 250,
            buckets: 8,
            outlier_clip: 4.0,
        }
    }
}

/// One interval around a forecast.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Band {
    /// Nominal coverage, e.g. 0.8.
    pub level: f64,
    /// Lower bound in signal units.
    pub lo: f64,
    /// Upper bound in signal units.
    pub hi: f64,
}

/// The forecast for one future time: the expected value and its intervals.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Prediction {
    /// The time forecast.
    pub time: Timestamp,
    /// Seconds past the last sample the forecast was made from.
    pub lead_s: f64,
    /// Expected value.
    pub mean: f64,
    /// Intervals at [`LEVELS`] (80 %, 95 %), narrowest first.
    pub bands: [Band; 2],
}

impl Prediction {
    /// The band at `level` (one of [`LEVELS`]), if reported.
    pub fn band(&self, level: f64) -> Option<Band> {
        self.bands
            .iter()
            .copied()
            .find(|b| (b.level - level).abs() < 1e-9)
    }
}

/// A limit a forecast may cross: high limits are crossed upwards, low limits downwards.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Threshold {
    /// The limit in signal units.
    pub limit: f64,
    /// True for a high limit (reached at or above), false for a low one.
    pub high: bool,
}

impl Threshold {
    /// Whether `value` is at or beyond the limit.
    pub fn reached_by(&self, value: f64) -> bool {
        if self.high {
            value >= self.limit
        } else {
            value <= self.limit
        }
    }
}

/// When and how likely a forecast reaches a [`Threshold`] within the horizon.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Crossing {
    /// Probability that the value reaches the limit within the horizon, from the forecast
    /// distribution: the largest probability of being beyond it at any bucket horizon (a
    /// lower bound of the first-passage probability). 1 when it already is.
    pub probability: f64,
    /// Seconds from the last sample until the expected (mean) path reaches the limit; `None`
    /// when it does not within the horizon. 0 when the last value is already beyond it.
    pub expected_s: Option<f64>,
    /// Seconds until the 95 % interval's outer edge first reaches the limit (the earliest
    /// plausible time); `None` when it does not within the horizon.
    pub earliest_s: Option<f64>,
    /// The horizon looked over, seconds.
    pub horizon_s: f64,
    /// True when the last sample is already beyond the limit.
    pub already: bool,
}

/// Forecast settings from the scene file (`[forecast]`); defaults when absent.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastSettings {
    /// Forecast signals at all (the viewer skips every forecaster when false).
    pub enabled: bool,
    /// Default horizon, seconds.
    pub horizon_s: f64,
    /// Default method.
    pub method: Method,
    /// Samples the parameter fit looks at.
    pub fit_window: usize,
    /// Samples between fits.
    pub refit_every: usize,
    /// Watch forecast signals for anomalies (feeding sensor health and risk) by default.
    pub anomalies: bool,
    /// Per-signal overrides, in file order.
    pub signals: Vec<SignalForecastOverride>,
}

impl Default for ForecastSettings {
    fn default() -> Self {
        let config = ForecastConfig::default();
        Self {
            enabled: true,
            horizon_s: config.horizon_s,
            method: config.method,
            fit_window: config.fit_window,
            refit_every: config.refit_every,
            anomalies: true,
            signals: Vec::new(),
        }
    }
}

/// One `[[forecast.signals]]` entry: a signal's own horizon, method or opt-out.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalForecastOverride {
    /// The signal.
    pub signal: SignalId,
    /// False to not forecast this signal.
    pub enabled: Option<bool>,
    /// Its own horizon, seconds.
    pub horizon_s: Option<f64>,
    /// Its own method.
    pub method: Option<Method>,
    /// False where the signal switches by design (a pump starting, a valve stroking), so its
    /// steps are operation, not anomalies.
    pub anomalies: Option<bool>,
    /// Where `signal` is written.
    pub location: crate::scene::Location,
}

impl ForecastSettings {
    /// The forecast config of `signal` with nominal period `period_s`, or `None` when it is
    /// not forecast (disabled globally or for the signal).
    pub fn config_for(&self, signal: &SignalId, period_s: Option<f64>) -> Option<ForecastConfig> {
        let entry = self.signals.iter().find(|o| &o.signal == signal);
        let enabled = entry.and_then(|o| o.enabled).unwrap_or(self.enabled);
        if !enabled {
            return None;
        }
        Some(ForecastConfig {
            horizon_s: entry.and_then(|o| o.horizon_s).unwrap_or(self.horizon_s),
            method: entry.and_then(|o| o.method).unwrap_or(self.method),
            period_s,
            fit_window: self.fit_window,
            refit_every: self.refit_every,
            ..ForecastConfig::default()
        })
    }
}

impl ForecastSettings {
    /// Whether a forecast signal's anomaly windows count (feed health and risk).
    pub fn anomalies_for(&self, signal: &SignalId) -> bool {
        self.signals
            .iter()
            .find(|o| &o.signal == signal)
            .and_then(|o| o.anomalies)
            .unwrap_or(self.anomalies)
    }
}

/// Standard normal cumulative distribution (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7).
pub(crate) fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Standard normal quantiles of the two-sided [`LEVELS`] (upper tail 10 % and 2.5 %).
pub(crate) const LEVEL_Z: [f64; 2] = [1.281_551_6, 1.959_964];
