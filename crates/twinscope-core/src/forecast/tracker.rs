//! One signal's forecaster, validator and anomaly detector, fed together.

use super::{ForecastConfig, Forecaster};
use crate::anomaly::{AnomalyConfig, AnomalyDetector, AnomalyWindow};
use crate::signal::Timestamp;
use crate::validation::{Score, ValidationConfig, Validator};

/// Everything a [`SignalTracker`] needs to know.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TrackerConfig {
    /// The forecaster.
    pub forecast: ForecastConfig,
    /// The validator; `None` issues about 20 forecasts per horizon.
    pub validation: Option<ValidationConfig>,
    /// The detector.
    pub anomaly: AnomalyConfig,
}

impl TrackerConfig {
    /// Defaults for the validator and detector around a forecast config.
    pub fn new(forecast: ForecastConfig) -> Self {
        Self {
            forecast,
            ..Self::default()
        }
    }
}

/// What a sample brought about, handed to [`SignalTracker::update`]'s callback.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TrackerEvent {
    /// A forecast came due and was scored.
    Scored(Score),
    /// An anomaly window closed.
    Anomaly(AnomalyWindow),
}

/// Forecasts one signal, scores its forecasts as they come due and watches it for anomalies. The viewer keeps one per forecast signal; `twinscope analyze` replays history
/// through the same type.
#[derive(Clone, Debug)]
pub struct SignalTracker {
    /// The forecaster (read it for predictions and crossings).
    pub forecaster: Forecaster,
    /// The validator (read it for accuracy).
    pub validator: Validator,
    /// The anomaly detector (read it for open and recent windows).
    pub detector: AnomalyDetector,
}

impl SignalTracker {
    /// A tracker that starts learning at its first sample.
    pub fn new(config: TrackerConfig) -> Self {
        let validation = config
            .validation
            .unwrap_or_else(|| ValidationConfig::for_horizon(config.forecast.horizon_s, 20.0));
        Self {
            forecaster: Forecaster::new(config.forecast),
            validator: Validator::new(validation),
            detector: AnomalyDetector::new(config.anomaly),
        }
    }

    /// Takes one sample: scores forecasts due by now, hands it to the anomaly detector (which
    /// keeps its own reference), updates the forecaster and, every issue interval, puts up a
    /// new forecast for `time + horizon`. Out-of-order and non-finite samples are ignored.
    pub fn update(&mut self, time: Timestamp, value: f64, on_event: &mut dyn FnMut(TrackerEvent)) {
        if !value.is_finite() || self.forecaster.last().is_some_and(|(t, _)| time <= t) {
            return;
        }
        self.validator.observe(time, value, &mut |score| {
            on_event(TrackerEvent::Scored(score))
        });
        // The detector keeps its own reference, so retuning forecasts leaves detection alone.
        self.detector.update(time, value, &mut |window| {
            on_event(TrackerEvent::Anomaly(window))
        });
        self.forecaster.update(time, value);
        if self.forecaster.ready() && self.validator.wants_forecast(time) {
            let horizon_ns = (self.forecaster.horizon_s() * 1e9) as i64;
            if let Some(prediction) = self.forecaster.predict(Timestamp(time.0 + horizon_ns)) {
                self.validator.issue(time, prediction, value);
            }
        }
    }
}
