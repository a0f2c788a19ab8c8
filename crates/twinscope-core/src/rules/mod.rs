//! Colour rules: turn a signal value into the colour an asset is painted with, and the value
//! into text.
//!
//! Two rule kinds: discrete bands (ascending thresholds, one colour and one [`Severity`] per
//! band, min-inclusive like Azure 3D Scenes' numeric ranges) and continuous gradients (a
//! palette over a value domain, interpolated in Oklab and quantised so the number of shared
//! materials stays bounded).

mod bands;
mod color;
mod format;
mod gradient;

pub use bands::{RuleError, Severity, ThresholdRule};
pub use color::RuleColor;
pub use format::{default_precision, format_value};
pub use gradient::{GRADIENT_STEPS, GradientError, GradientRule, Palette};

/// How a binding turns its signal's value into a colour.
#[derive(Clone, Debug, PartialEq)]
pub enum ColorRule {
    /// One colour and severity per band of values.
    Bands(ThresholdRule),
    /// A palette spread over a value domain.
    Gradient(GradientRule),
}

impl From<ThresholdRule> for ColorRule {
    fn from(rule: ThresholdRule) -> Self {
        ColorRule::Bands(rule)
    }
}

impl From<GradientRule> for ColorRule {
    fn from(rule: GradientRule) -> Self {
        ColorRule::Gradient(rule)
    }
}

impl ColorRule {
    /// Colour for a value, or [`RuleColor::NO_DATA`] for a missing/NaN value.
    pub fn color(&self, value: Option<f64>) -> RuleColor {
        match self {
            ColorRule::Bands(rule) => rule.color(value),
            ColorRule::Gradient(rule) => rule.color(value),
        }
    }

    /// The band a value falls in; gradients have none.
    pub fn band(&self, value: f64) -> Option<usize> {
        match self {
            ColorRule::Bands(rule) => rule.band(value),
            ColorRule::Gradient(_) => None,
        }
    }

    /// The severity of a value's band; gradients carry none.
    pub fn severity(&self, value: f64) -> Option<Severity> {
        match self {
            ColorRule::Bands(rule) => rule.band(value).map(|band| rule.severities[band]),
            ColorRule::Gradient(_) => None,
        }
    }

    /// Why a value has its colour, in words: the band's range (and its severity when it is not
    /// normal), or where the value sits in the gradient's domain.
    pub fn describe(&self, value: f64, precision: usize, unit: &str) -> String {
        match self {
            ColorRule::Bands(rule) => match rule.band(value) {
                Some(band) => {
                    let range = rule.band_label(band, unit);
                    match rule.severities[band] {
                        Severity::Normal => range,
                        severity => format!("{range} · {}", severity.name()),
                    }
                }
                None => format_value(value, precision, unit),
            },
            ColorRule::Gradient(rule) => {
                let [lo, hi] = rule.domain;
                let unit_suffix = if unit.is_empty() {
                    String::new()
                } else {
                    format!(" {unit}")
                };
                format!(
                    "{} on scale {lo} – {hi}{unit_suffix}",
                    format_value(value, precision, unit)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests;
