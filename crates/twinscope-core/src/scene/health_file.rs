//! `[health]` in scene files: how sensor health is judged. Everything is optional; defaults
//! come from each signal's period and range (see [`crate::health::HealthSettings`]).
//!
//! ```toml
//! [health]
//! spike_z = 6.0              # robust z-score of an isolated outlier
//! spike_window = 30          # samples the median/MAD is taken over
//! spike_hold = "10s"         # how long a spike stays shown (default: ten periods)
//! mad_floor = 0.005          # smallest MAD, as a fraction of the range span
//! flatline_after = "5m"      # unchanged this long is stuck (default: 120 periods, >= 1 min)
//! flatline_samples = 30      # ... and for at least this many samples
//! flatline_tolerance = 0.0   # change still "unchanged", as a fraction of the range span
//! range_tolerance = 0.02     # slack beyond the declared range, as a fraction of its span
//!
//! [[health.signals]]
//! signal = "XV-101.position" # a declared signal
//! flatline = false           # legitimately constant; also `spikes`, `range`, `stale`
//! # flatline_after = "30m"   # or its own stuck time, and `spike_z`
//! ```
//!
//! Durations are text with units (`90s`, `5m`, `1h30m`, `500ms`) or a number of seconds.

use super::file::Converter;
use super::{SceneError, SignalSpec};
use crate::health::{
    HealthConfig, HealthSettings, MAX_SPIKE_WINDOW, MIN_SPIKE_WINDOW, SignalHealthOverride,
};
use serde::Deserialize;
use toml::Spanned;

/// `[health]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHealth {
    #[serde(default)]
    spike_z: Option<Spanned<f64>>,
    #[serde(default)]
    spike_window: Option<Spanned<i64>>,
    #[serde(default)]
    spike_hold: Option<Spanned<RawDuration>>,
    #[serde(default)]
    mad_floor: Option<Spanned<f64>>,
    #[serde(default)]
    flatline_after: Option<Spanned<RawDuration>>,
    #[serde(default)]
    flatline_samples: Option<Spanned<i64>>,
    #[serde(default)]
    flatline_tolerance: Option<Spanned<f64>>,
    #[serde(default)]
    range_tolerance: Option<Spanned<f64>>,
    #[serde(default)]
    signals: Vec<RawSignalHealth>,
}

/// One `[[health.signals]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignalHealth {
    signal: Spanned<String>,
    #[serde(default)]
    flatline: Option<bool>,
    #[serde(default)]
    spikes: Option<bool>,
    #[serde(default)]
    range: Option<bool>,
    #[serde(default)]
    stale: Option<bool>,
    #[serde(default)]
    flatline_after: Option<Spanned<RawDuration>>,
    #[serde(default)]
    spike_z: Option<Spanned<f64>>,
}

/// A duration: text with units, or seconds.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawDuration {
    Seconds(f64),
    Text(String),
}

impl RawDuration {
    /// The duration in seconds (any sign; callers check the range they need).
    pub(super) fn seconds(&self) -> Result<f64, String> {
        match self {
            RawDuration::Seconds(s) => Ok(*s),
            RawDuration::Text(text) => {
                crate::cursor::parse_duration_ns(text).map(|ns| ns as f64 / 1e9)
            }
        }
    }
}

impl Converter<'_, '_> {
    /// Checks `[health]` against the declared `signals`.
    pub(super) fn health(
        &self,
        raw: &RawHealth,
        signals: &[SignalSpec],
    ) -> Result<HealthConfig, SceneError> {
        let defaults = HealthSettings::default();
        let settings = HealthSettings {
            spike_z: self
                .positive(&raw.spike_z, "health.spike_z")?
                .unwrap_or(defaults.spike_z),
            spike_window: match &raw.spike_window {
                Some(value) => self.count(
                    value,
                    "health.spike_window",
                    MIN_SPIKE_WINDOW,
                    MAX_SPIKE_WINDOW,
                )?,
                None => defaults.spike_window,
            },
            spike_hold_s: self.duration(&raw.spike_hold, "health.spike_hold")?,
            mad_floor: self
                .fraction(&raw.mad_floor, "health.mad_floor")?
                .unwrap_or(defaults.mad_floor),
            flatline_after_s: self.duration(&raw.flatline_after, "health.flatline_after")?,
            flatline_samples: match &raw.flatline_samples {
                Some(value) => self.count(value, "health.flatline_samples", 2, 1_000_000)?,
                None => defaults.flatline_samples,
            },
            flatline_tolerance: self
                .fraction(&raw.flatline_tolerance, "health.flatline_tolerance")?
                .unwrap_or(defaults.flatline_tolerance),
            range_tolerance: self
                .fraction(&raw.range_tolerance, "health.range_tolerance")?
                .unwrap_or(defaults.range_tolerance),
        };
        let mut overrides: Vec<SignalHealthOverride> = Vec::with_capacity(raw.signals.len());
        for (i, entry) in raw.signals.iter().enumerate() {
            let earlier = overrides.iter().map(|o| (&o.signal, &o.location));
            let id = self.override_signal("health", i, &entry.signal, signals, earlier)?;
            overrides.push(SignalHealthOverride {
                signal: id,
                flatline: entry.flatline,
                spikes: entry.spikes,
                range: entry.range,
                stale: entry.stale,
                flatline_after_s: self.duration(
                    &entry.flatline_after,
                    &format!("health.signals[{i}].flatline_after"),
                )?,
                spike_z: self.positive(&entry.spike_z, &format!("health.signals[{i}].spike_z"))?,
                location: self.lines.locate(entry.signal.span().start),
            });
        }
        Ok(HealthConfig {
            settings,
            signals: overrides,
        })
    }

    /// A finite number above zero.
    pub(super) fn positive(
        &self,
        value: &Option<Spanned<f64>>,
        key: &str,
    ) -> Result<Option<f64>, SceneError> {
        let Some(value) = value else { return Ok(None) };
        let v = *value.get_ref();
        if v.is_finite() && v > 0.0 {
            Ok(Some(v))
        } else {
            let message = format!("must be a positive number, not {v}");
            Err(self.invalid(value.span(), key.to_owned(), message))
        }
    }

    /// A fraction of a range span: 0 up to (not including) 1.
    fn fraction(&self, value: &Option<Spanned<f64>>, key: &str) -> Result<Option<f64>, SceneError> {
        let Some(value) = value else { return Ok(None) };
        let v = *value.get_ref();
        if (0.0..1.0).contains(&v) {
            Ok(Some(v))
        } else {
            let message = format!("must be a fraction of the range span, 0 to below 1, not {v}");
            Err(self.invalid(value.span(), key.to_owned(), message))
        }
    }

    /// A whole number in `min..=max`.
    pub(super) fn count(
        &self,
        value: &Spanned<i64>,
        key: &str,
        min: usize,
        max: usize,
    ) -> Result<usize, SceneError> {
        match usize::try_from(*value.get_ref()) {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => {
                let message = format!("must be {min} to {max}, not {}", value.get_ref());
                Err(self.invalid(value.span(), key.to_owned(), message))
            }
        }
    }

    /// A positive duration in seconds.
    pub(super) fn duration(
        &self,
        value: &Option<Spanned<RawDuration>>,
        key: &str,
    ) -> Result<Option<f64>, SceneError> {
        let Some(value) = value else { return Ok(None) };
        match value.get_ref().seconds() {
            Ok(s) if s.is_finite() && s > 0.0 => Ok(Some(s)),
            Ok(s) => {
                let message = format!("must be a positive duration, not {s} s");
                Err(self.invalid(value.span(), key.to_owned(), message))
            }
            Err(message) => Err(self.invalid(value.span(), key.to_owned(), message)),
        }
    }
}
