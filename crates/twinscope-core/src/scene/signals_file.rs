//! `[[signals]]` entries: measured signals, and derived ones computed by an expression.
//!
//! ```toml
//! [[signals]]
//! id = "P-101.head"
//! expr = "P-101.p_out - P-101.p_in"   # from other signals; period defaults to the inputs'
//! unit = "bar"
//! range = [0.0, 6.0]
//! precision = 2                        # decimals shown; default from the range's width
//! ```

use super::file::Converter;
use super::{SceneError, SignalSpec};
use crate::derived::{DerivedSignal, Expression, evaluation_order};
use crate::rules::default_precision;
use crate::signal::SignalId;
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

/// One `[[signals]]` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSignal {
    id: Spanned<String>,
    #[serde(default)]
    unit: String,
    range: Spanned<Vec<Spanned<f64>>>,
    #[serde(default)]
    period: Option<Spanned<f64>>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    precision: Option<Spanned<i64>>,
    #[serde(default)]
    expr: Option<Spanned<String>>,
}

/// Most decimals a signal may ask for; more is noise on any sensor.
const MAX_PRECISION: i64 = 12;

impl Converter<'_, '_> {
    /// The signal a per-signal override of `[section]` names (`section.signals[i].signal`):
    /// a declared signal, given settings once (`earlier` are the overrides already read).
    pub(super) fn override_signal<'s>(
        &self,
        section: &str,
        i: usize,
        signal: &toml::Spanned<String>,
        signals: &[SignalSpec],
        mut earlier: impl Iterator<Item = (&'s SignalId, &'s super::Location)>,
    ) -> Result<SignalId, SceneError> {
        let key = format!("{section}.signals[{i}].signal");
        let id = SignalId::new(self.id(signal, key.clone(), "signal id")?);
        if !signals.iter().any(|s| s.id == id) {
            let message = format!("`{id}` is not a declared signal (see [[signals]])");
            return Err(self.invalid(signal.span(), key, message));
        }
        if let Some((_, first)) = earlier.find(|(other, _)| **other == id) {
            let message = format!("`{id}` already has {section} settings at {first}");
            return Err(self.invalid(signal.span(), key, message));
        }
        Ok(id)
    }

    /// Converts the signal table: each entry, then the derived ones' expressions (which may
    /// name any declared signal), their evaluation order and their default periods.
    pub(super) fn signals(
        &self,
        raw: &[Spanned<RawSignal>],
    ) -> Result<(Vec<SignalSpec>, Vec<DerivedSignal>), SceneError> {
        let mut signals = raw
            .iter()
            .enumerate()
            .map(|(i, s)| self.signal(i, s))
            .collect::<Result<Vec<_>, _>>()?;
        let declared: Vec<SignalId> = signals.iter().map(|s| s.id.clone()).collect();
        let mut derived = Vec::new();
        let mut derived_at = Vec::new();
        for (i, entry) in raw.iter().enumerate() {
            let Some(expr) = &entry.get_ref().expr else {
                continue;
            };
            let compiled = Expression::compile(expr.get_ref(), &declared).map_err(|error| {
                let at = self.offset_in_string(expr, error.offset);
                self.invalid(at..at, format!("signals[{i}].expr"), error.message)
            })?;
            derived.push(DerivedSignal {
                id: declared[i].clone(),
                expr: compiled,
            });
            derived_at.push(i);
        }
        let order = evaluation_order(&derived).map_err(|cycle| {
            let i = derived_at[cycle.members[0]];
            let at = raw[i]
                .get_ref()
                .expr
                .as_ref()
                .map_or(0, |expr| self.offset_in_string(expr, 0));
            self.invalid(
                at..at,
                format!("signals[{i}].expr"),
                format!("derived signals form a cycle: {cycle}"),
            )
        })?;
        // Inputs come first, so a derived input's own default period is known when needed.
        let mut periods: HashMap<SignalId, f64> = HashMap::new();
        for s in signals.iter().filter(|s| s.period_s > 0.0) {
            periods.entry(s.id.clone()).or_insert(s.period_s);
        }
        for d in order {
            let i = derived_at[d];
            if signals[i].period_s > 0.0 {
                continue;
            }
            let period = derived[d]
                .expr
                .inputs()
                .iter()
                .filter_map(|id| periods.get(id).copied())
                .fold(f64::INFINITY, f64::min);
            let period = if period.is_finite() { period } else { 1.0 };
            signals[i].period_s = period;
            periods.insert(signals[i].id.clone(), period);
        }
        Ok((signals, derived))
    }

    fn signal(&self, i: usize, entry: &Spanned<RawSignal>) -> Result<SignalSpec, SceneError> {
        let raw = entry.get_ref();
        let id = self.id(&raw.id, format!("signals[{i}].id"), "signal id")?;
        let key = format!("signals[{i}].range");
        let range = raw.range.get_ref();
        let [min, max] = range.as_slice() else {
            let message = format!("range must be `[min, max]`, but has {} values", range.len());
            return Err(self.invalid(raw.range.span(), key, message));
        };
        for bound in [min, max] {
            if !bound.get_ref().is_finite() {
                return Err(self.invalid(bound.span(), key, "range bounds must be finite"));
            }
        }
        let (min, max) = (*min.get_ref(), *max.get_ref());
        if min >= max {
            let message = format!("range minimum {min} must be below maximum {max}");
            return Err(self.invalid(raw.range.span(), key, message));
        }
        // 0 marks "not given" for a derived signal until its inputs' periods are known.
        let period_s = match &raw.period {
            Some(period) => {
                let period_s = *period.get_ref();
                if !(period_s.is_finite() && period_s > 0.0) {
                    let message =
                        format!("period must be a positive number of seconds, not {period_s}");
                    let key = format!("signals[{i}].period");
                    return Err(self.invalid(period.span(), key, message));
                }
                period_s
            }
            None if raw.expr.is_some() => 0.0,
            None => {
                let message = "missing field `period` (only derived signals, with `expr`, may \
                               leave it out)";
                return Err(self.invalid(entry.span(), format!("signals[{i}]"), message));
            }
        };
        let precision = match &raw.precision {
            Some(p) if (0..=MAX_PRECISION).contains(p.get_ref()) => *p.get_ref() as usize,
            Some(p) => {
                let message = format!(
                    "precision must be a number of decimals from 0 to {MAX_PRECISION}, not {}",
                    p.get_ref()
                );
                return Err(self.invalid(p.span(), format!("signals[{i}].precision"), message));
            }
            None => default_precision([min, max]),
        };
        Ok(SignalSpec {
            id: SignalId::new(id),
            unit: raw.unit.clone(),
            range: [min, max],
            period_s,
            description: raw.description.clone(),
            location: self.lines.locate(raw.id.span().start),
            precision,
        })
    }

    /// The file offset of byte `offset` of a string value, when the string is written without
    /// escapes up to there; otherwise the string's start.
    fn offset_in_string(&self, value: &Spanned<String>, offset: usize) -> usize {
        let span = value.span();
        let written = self.lines.text().get(span.clone()).unwrap_or("");
        let quote = if written.starts_with("\"\"\"") || written.starts_with("'''") {
            3
        } else {
            1
        };
        let prefix = value.get_ref().get(..offset).unwrap_or("");
        match written.get(quote..) {
            Some(body) if body.starts_with(prefix) => span.start + quote + offset,
            _ => span.start,
        }
    }
}
