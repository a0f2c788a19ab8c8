//! `[forecast]` and `[[risk]]` in scene files: how signals are forecast, and how much it
//! matters when an asset reaches an alarm limit. Everything is optional.
//!
//! ```toml
//! [forecast]
//! enabled = true             # forecast every signal (default)
//! horizon = "2m"             # how far ahead (default 2 min)
//! method = "damped"          # "damped" (default) or "holt"
//! fit_window = 240           # samples the parameter fit looks at
//! refit_every = 120          # samples between fits
//! anomalies = true           # anomaly windows feed sensor health and risk (default)
//!
//! [[forecast.signals]]
//! signal = "M-101.temperature"   # a declared signal
//! horizon = "5m"                 # its own horizon; also `method`, `enabled = false`,
//!                                # `anomalies = false` (a signal that switches by design)
//!
//! [[risk]]
//! asset = "M-101"            # a bound asset
//! consequence = 3.0          # weight of reaching an alarm limit (default 1)
//! ```
//!
//! Durations are text with units (`90s`, `5m`) or a number of seconds.

use super::file::Converter;
use super::health_file::RawDuration;
use super::{Binding, SceneError, SignalSpec};
use crate::forecast::{ForecastSettings, Method, SignalForecastOverride};
use crate::risk::RiskWeight;
use serde::Deserialize;
use toml::Spanned;

/// `[forecast]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawForecast {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    horizon: Option<Spanned<RawDuration>>,
    #[serde(default)]
    method: Option<Spanned<String>>,
    #[serde(default)]
    fit_window: Option<Spanned<i64>>,
    #[serde(default)]
    refit_every: Option<Spanned<i64>>,
    #[serde(default)]
    anomalies: Option<bool>,
    #[serde(default)]
    signals: Vec<RawSignalForecast>,
}

/// One `[[forecast.signals]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignalForecast {
    signal: Spanned<String>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    horizon: Option<Spanned<RawDuration>>,
    #[serde(default)]
    method: Option<Spanned<String>>,
    #[serde(default)]
    anomalies: Option<bool>,
}

/// One `[[risk]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRisk {
    asset: Spanned<String>,
    consequence: Spanned<f64>,
}

/// Longest horizon accepted: a day.
const MAX_HORIZON_S: f64 = 86_400.0;

impl Converter<'_, '_> {
    /// Checks `[forecast]` against the declared `signals`.
    pub(super) fn forecast(
        &self,
        raw: &RawForecast,
        signals: &[SignalSpec],
    ) -> Result<ForecastSettings, SceneError> {
        let defaults = ForecastSettings::default();
        let mut overrides: Vec<SignalForecastOverride> = Vec::with_capacity(raw.signals.len());
        for (i, entry) in raw.signals.iter().enumerate() {
            let earlier = overrides.iter().map(|o| (&o.signal, &o.location));
            let id = self.override_signal("forecast", i, &entry.signal, signals, earlier)?;
            overrides.push(SignalForecastOverride {
                signal: id,
                enabled: entry.enabled,
                horizon_s: self
                    .horizon(&entry.horizon, &format!("forecast.signals[{i}].horizon"))?,
                method: self.method(&entry.method, &format!("forecast.signals[{i}].method"))?,
                anomalies: entry.anomalies,
                location: self.lines.locate(entry.signal.span().start),
            });
        }
        Ok(ForecastSettings {
            enabled: raw.enabled.unwrap_or(defaults.enabled),
            horizon_s: self
                .horizon(&raw.horizon, "forecast.horizon")?
                .unwrap_or(defaults.horizon_s),
            method: self
                .method(&raw.method, "forecast.method")?
                .unwrap_or(defaults.method),
            fit_window: match &raw.fit_window {
                Some(value) => self.count(value, "forecast.fit_window", 16, 100_000)?,
                None => defaults.fit_window,
            },
            refit_every: match &raw.refit_every {
                Some(value) => self.count(value, "forecast.refit_every", 1, 1_000_000)?,
                None => defaults.refit_every,
            },
            anomalies: raw.anomalies.unwrap_or(defaults.anomalies),
            signals: overrides,
        })
    }

    /// Checks `[[risk]]` entries: bound (or alarm) assets, each once, positive weights.
    pub(super) fn risk(
        &self,
        raw: &[RawRisk],
        bindings: &[Binding],
        alarms: &[crate::alarms::AlarmSpec],
    ) -> Result<Vec<RiskWeight>, SceneError> {
        let mut weights: Vec<RiskWeight> = Vec::with_capacity(raw.len());
        for (i, entry) in raw.iter().enumerate() {
            let key = format!("risk[{i}].asset");
            let asset = self.id(&entry.asset, key.clone(), "asset")?;
            let known = bindings.iter().any(|b| b.node == asset)
                || alarms
                    .iter()
                    .any(|a| a.asset.as_deref() == Some(asset.as_str()));
            if !known {
                let message = format!("`{asset}` is not a bound asset (see [[bindings]])");
                return Err(self.invalid(entry.asset.span(), key, message));
            }
            if let Some(first) = weights.iter().find(|w| w.asset == asset) {
                let message = format!("`{asset}` already has a risk weight at {}", first.location);
                return Err(self.invalid(entry.asset.span(), key, message));
            }
            let consequence = self
                .positive(
                    &Some(entry.consequence.clone()),
                    &format!("risk[{i}].consequence"),
                )?
                .unwrap_or(crate::risk::DEFAULT_CONSEQUENCE);
            weights.push(RiskWeight {
                asset,
                consequence,
                location: self.lines.locate(entry.asset.span().start),
            });
        }
        Ok(weights)
    }

    /// A positive duration up to [`MAX_HORIZON_S`].
    fn horizon(
        &self,
        value: &Option<Spanned<RawDuration>>,
        key: &str,
    ) -> Result<Option<f64>, SceneError> {
        let seconds = self.duration(value, key)?;
        match (seconds, value) {
            (Some(s), Some(v)) if s > MAX_HORIZON_S => {
                let message = format!("a horizon of at most a day, not {s} s");
                Err(self.invalid(v.span(), key.to_owned(), message))
            }
            _ => Ok(seconds),
        }
    }

    /// `"damped"` or `"holt"`.
    fn method(
        &self,
        value: &Option<Spanned<String>>,
        key: &str,
    ) -> Result<Option<Method>, SceneError> {
        let Some(value) = value else { return Ok(None) };
        match value.get_ref().as_str() {
            "damped" => Ok(Some(Method::Damped)),
            "holt" => Ok(Some(Method::Holt)),
            other => {
                let message = format!("method must be \"damped\" or \"holt\", not \"{other}\"");
                Err(self.invalid(value.span(), key.to_owned(), message))
            }
        }
    }
}
