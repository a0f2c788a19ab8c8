//! A binding's `rule = { ... }`: discrete bands with severities, or a continuous gradient.
//!
//! ```toml
//! rule = { signal = "M-101.temperature", thresholds = [80.0, 95.0], severities = ["normal", "warning", "critical"] }
//! rule = { signal = "TK-101.level", gradient = "blues", domain = [0.0, 100.0] }
//! rule = { signal = "P-101.head", gradient = ["#2c7bb6", "#ffffbf", "#d7191c"] }  # domain: the signal's range
//! ```

use super::file::Converter;
use super::{BindingRule, SceneError, SignalSpec};
use crate::rules::{
    ColorRule, GradientRule, Palette, RuleColor, RuleError, Severity, ThresholdRule,
};
use crate::signal::SignalId;
use serde::Deserialize;
use toml::Spanned;

/// A binding's `rule` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) signal: Spanned<String>,
    #[serde(default)]
    thresholds: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Colours stay text until conversion so a bad one is reported at its own position
    /// (serde would report the whole array).
    #[serde(default)]
    colors: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    severities: Option<Spanned<Vec<Spanned<String>>>>,
    /// A palette name or a list of `#rrggbb` stops.
    #[serde(default)]
    gradient: Option<Spanned<toml::Value>>,
    #[serde(default)]
    domain: Option<Spanned<Vec<Spanned<f64>>>>,
}

impl Converter<'_, '_> {
    /// Converts binding `i`'s rule; `signals` gives a gradient's default domain (the signal's
    /// range).
    pub(super) fn rule(
        &self,
        i: usize,
        raw: &RawRule,
        signals: &[SignalSpec],
    ) -> Result<BindingRule, SceneError> {
        let key = |field: &str| format!("bindings[{i}].rule.{field}");
        let signal = SignalId::new(self.id(&raw.signal, key("signal"), "signal id")?);
        let rule = match &raw.gradient {
            Some(gradient) => {
                let misplaced = [
                    ("thresholds", raw.thresholds.as_ref().map(Spanned::span)),
                    ("colors", raw.colors.as_ref().map(Spanned::span)),
                    ("severities", raw.severities.as_ref().map(Spanned::span)),
                ];
                if let Some((field, Some(span))) = misplaced.into_iter().find(|(_, s)| s.is_some())
                {
                    let message = format!(
                        "`{field}` belongs to banded rules; a rule has either `gradient` or \
                         `thresholds`"
                    );
                    return Err(self.invalid(span, key(field), message));
                }
                let range = signals.iter().find(|s| s.id == signal).map(|s| s.range);
                ColorRule::Gradient(self.gradient(i, gradient, raw, range)?)
            }
            None => ColorRule::Bands(self.bands(i, raw)?),
        };
        Ok(BindingRule { signal, rule })
    }

    fn gradient(
        &self,
        i: usize,
        gradient: &Spanned<toml::Value>,
        raw: &RawRule,
        signal_range: Option<[f64; 2]>,
    ) -> Result<GradientRule, SceneError> {
        let key = |field: &str| format!("bindings[{i}].rule.{field}");
        let bad = |message: String| self.invalid(gradient.span(), key("gradient"), message);
        let stops = match gradient.get_ref() {
            toml::Value::String(name) => Palette::parse(name).map_err(bad)?.stops().to_vec(),
            toml::Value::Array(items) => {
                let mut stops = Vec::with_capacity(items.len());
                for (n, item) in items.iter().enumerate() {
                    let color = item
                        .as_str()
                        .ok_or_else(|| format!("stop {n} is not a `#rrggbb` string"))
                        .and_then(RuleColor::parse_hex)
                        .map_err(|message| bad(format!("gradient stop {n}: {message}")))?;
                    stops.push(color);
                }
                stops
            }
            other => {
                return Err(bad(format!(
                    "gradient must be a palette name or a list of `#rrggbb` stops, not {}",
                    other.type_str()
                )));
            }
        };
        let domain = match &raw.domain {
            Some(domain) => {
                let values = domain.get_ref();
                let [lo, hi] = values.as_slice() else {
                    let message = format!(
                        "domain must be `[low, high]`, but has {} values",
                        values.len()
                    );
                    return Err(self.invalid(domain.span(), key("domain"), message));
                };
                [*lo.get_ref(), *hi.get_ref()]
            }
            None => signal_range.ok_or_else(|| {
                let message = format!(
                    "give the gradient a `domain`; `{}` is not declared, so its range cannot \
                     serve",
                    raw.signal.get_ref()
                );
                self.invalid(gradient.span(), key("gradient"), message)
            })?,
        };
        GradientRule::new(domain, stops).map_err(|error| {
            let (span, field) = match &raw.domain {
                Some(domain) if matches!(error, crate::rules::GradientError::BadDomain) => {
                    (domain.span(), "domain")
                }
                _ => (gradient.span(), "gradient"),
            };
            self.invalid(span, key(field), error.to_string())
        })
    }

    fn bands(&self, i: usize, raw: &RawRule) -> Result<ThresholdRule, SceneError> {
        let key = |field: &str| format!("bindings[{i}].rule.{field}");
        if let Some(domain) = &raw.domain {
            let message = "`domain` belongs to gradients; add `gradient` or drop `domain`";
            return Err(self.invalid(domain.span(), key("domain"), message));
        }
        let Some(thresholds) = &raw.thresholds else {
            let message = "a rule needs `thresholds` (bands) or `gradient` (continuous colours)";
            return Err(self.invalid(raw.signal.span(), key("signal"), message));
        };
        let values: Vec<f64> = thresholds.get_ref().iter().map(|t| *t.get_ref()).collect();
        let colors = match &raw.colors {
            Some(colors) => Some(
                colors
                    .get_ref()
                    .iter()
                    .map(|color| {
                        RuleColor::parse_hex(color.get_ref())
                            .map_err(|message| self.invalid(color.span(), key("colors"), message))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        let severities = match &raw.severities {
            Some(severities) => Some(
                severities
                    .get_ref()
                    .iter()
                    .map(|name| {
                        Severity::parse(name.get_ref()).map_err(|message| {
                            self.invalid(name.span(), key("severities"), message)
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        ThresholdRule::with_severities(values, colors, severities).map_err(|error| {
            let (span, field) = match &error {
                RuleError::ColorCount { .. } => (raw.colors.as_ref().map(Spanned::span), "colors"),
                RuleError::SeverityCount { .. } => {
                    (raw.severities.as_ref().map(Spanned::span), "severities")
                }
                RuleError::NoColors => (Some(thresholds.span()), "colors"),
                RuleError::NotAscending { index } => (
                    thresholds.get_ref().get(*index).map(Spanned::span),
                    "thresholds",
                ),
            };
            let span = span.unwrap_or_else(|| thresholds.span());
            self.invalid(span, key(field), error.to_string())
        })
    }
}
