//! The scene file as written, and its conversion into [`Scene`].
//!
//! Parsing happens in three steps so every problem points at the exact value: the TOML is parsed
//! into a spanned document (syntax errors), deserialized into the raw structs below (missing,
//! unknown and mistyped keys, bad colours), then converted with value checks (ranges, periods,
//! rule shapes, empty ids). Serde errors carry only a byte span, so the key path is recovered by
//! finding that span in the spanned document.

use super::location::LineIndex;
use super::{Binding, BindingRule, Scene, SceneError, SignalSpec};
use crate::core::rules::{RuleColor, RuleError, ThresholdRule};
use crate::core::signal::SignalId;
use serde::Deserialize;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The whole file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScene {
    scene: RawHeader,
    #[serde(default)]
    signals: Vec<RawSignal>,
    #[serde(default)]
    bindings: Vec<RawBinding>,
    #[serde(default)]
    topics: Vec<super::topics_file::RawTopic>,
    #[serde(default)]
    mqtt: super::mqtt_file::RawMqtt,
    #[serde(default)]
    motion: Vec<super::motion_file::RawMotion>,
}

/// `[scene]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Spanned<String>,
    model: Spanned<String>,
}

/// One `[[signals]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignal {
    id: Spanned<String>,
    #[serde(default)]
    unit: String,
    range: Spanned<Vec<Spanned<f64>>>,
    period: Spanned<f64>,
    #[serde(default)]
    description: String,
}

/// One `[[bindings]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    node: Spanned<String>,
    signals: Vec<Spanned<String>>,
    #[serde(default)]
    rule: Option<RawRule>,
}

/// A binding's `rule = { signal, thresholds, colors }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    signal: Spanned<String>,
    thresholds: Spanned<Vec<Spanned<f64>>>,
    /// Colours stay text until conversion so a bad one is reported at its own position
    /// (serde would report the whole array).
    colors: Spanned<Vec<Spanned<String>>>,
}

/// Parses scene text into a [`Scene`]; see the module docs for the steps.
pub(super) fn parse_scene(text: &str, path: &Path) -> Result<Scene, SceneError> {
    let lines = LineIndex::new(text, path);
    let (doc, errors) = DeTable::parse_recoverable(text);
    if let Some(error) = errors.first() {
        // The unexpected token may run past the recovered value, so match its start only.
        let at = error.span().map(|span| span.start..span.start);
        return Err(from_toml_error(error, at, &doc, &lines));
    }
    let raw = RawScene::deserialize(toml::de::Deserializer::from(doc.clone()))
        .map_err(|error| from_toml_error(&error, error.span(), &doc, &lines))?;
    Converter { lines: &lines }.scene(raw, path)
}

/// Turns a TOML syntax or serde error into [`SceneError::Invalid`] at `span` (the error's span,
/// possibly narrowed); errors without a span are placed at the start of the file.
fn from_toml_error(
    error: &toml::de::Error,
    span: Option<Range<usize>>,
    doc: &Spanned<DeTable<'_>>,
    lines: &LineIndex<'_>,
) -> SceneError {
    SceneError::Invalid {
        location: lines.locate(span.as_ref().map_or(0, |span| span.start)),
        key: span.map(|span| key_path_at(doc, span)).unwrap_or_default(),
        message: error.message().trim_end().to_owned(),
    }
}

/// Converts raw structs into the model, checking values that serde cannot.
pub(super) struct Converter<'a, 'text> {
    pub(super) lines: &'a LineIndex<'text>,
}

impl Converter<'_, '_> {
    pub(super) fn invalid(
        &self,
        span: Range<usize>,
        key: String,
        message: impl Into<String>,
    ) -> SceneError {
        SceneError::Invalid {
            location: self.lines.locate(span.start),
            key,
            message: message.into(),
        }
    }

    /// A non-empty id (surrounding whitespace is an error too: ids must match sources exactly).
    pub(super) fn id(
        &self,
        value: &Spanned<String>,
        key: String,
        what: &str,
    ) -> Result<String, SceneError> {
        let text = value.get_ref();
        if text.trim().is_empty() {
            return Err(self.invalid(value.span(), key, format!("{what} must not be empty")));
        }
        if text.trim() != text {
            let message = format!("{what} `{text}` has leading or trailing whitespace");
            return Err(self.invalid(value.span(), key, message));
        }
        Ok(text.clone())
    }

    fn scene(&self, raw: RawScene, path: &Path) -> Result<Scene, SceneError> {
        let model = raw.scene.model.get_ref();
        if model.trim().is_empty() {
            let span = raw.scene.model.span();
            return Err(self.invalid(span, "scene.model".into(), "model path must not be empty"));
        }
        let base = path.parent().unwrap_or_else(|| Path::new(""));
        let signals = raw
            .signals
            .iter()
            .enumerate()
            .map(|(i, s)| self.signal(i, s))
            .collect::<Result<Vec<_>, _>>()?;
        let bindings = raw
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| self.binding(i, b))
            .collect::<Result<Vec<_>, _>>()?;
        let (mut topics, topic_locations) = self.topics(&raw.topics)?;
        let mqtt = self.mqtt(&raw.mqtt, base)?;
        let motions = self.motions(&raw.motion)?;
        if let Some(bytes) = mqtt.max_payload_bytes {
            topics.max_payload_bytes = bytes;
        }
        Ok(Scene {
            source: path.to_path_buf(),
            name: raw.scene.name.into_inner(),
            model_path: base.join(model),
            signals,
            bindings,
            topics,
            topic_locations,
            mqtt,
            motions,
        })
    }

    fn signal(&self, i: usize, raw: &RawSignal) -> Result<SignalSpec, SceneError> {
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
        let period_s = *raw.period.get_ref();
        if !(period_s.is_finite() && period_s > 0.0) {
            let message = format!("period must be a positive number of seconds, not {period_s}");
            return Err(self.invalid(raw.period.span(), format!("signals[{i}].period"), message));
        }
        Ok(SignalSpec {
            id: SignalId::new(id),
            unit: raw.unit.clone(),
            range: [min, max],
            period_s,
            description: raw.description.clone(),
            location: self.lines.locate(raw.id.span().start),
        })
    }

    fn binding(&self, i: usize, raw: &RawBinding) -> Result<Binding, SceneError> {
        let node = self.id(&raw.node, format!("bindings[{i}].node"), "node name")?;
        let mut signals = Vec::with_capacity(raw.signals.len());
        let mut signal_locations = Vec::with_capacity(raw.signals.len());
        for signal in &raw.signals {
            let id = self.id(signal, format!("bindings[{i}].signals"), "signal id")?;
            signals.push(SignalId::new(id));
            signal_locations.push(self.lines.locate(signal.span().start));
        }
        let (rule, rule_signal_location) = match &raw.rule {
            Some(raw_rule) => {
                let rule = self.rule(i, raw_rule)?;
                (
                    Some(rule),
                    Some(self.lines.locate(raw_rule.signal.span().start)),
                )
            }
            None => (None, None),
        };
        Ok(Binding {
            node,
            signals,
            rule,
            location: self.lines.locate(raw.node.span().start),
            signal_locations,
            rule_signal_location,
        })
    }

    fn rule(&self, i: usize, raw: &RawRule) -> Result<BindingRule, SceneError> {
        let signal = self.id(
            &raw.signal,
            format!("bindings[{i}].rule.signal"),
            "signal id",
        )?;
        let thresholds: Vec<f64> = raw
            .thresholds
            .get_ref()
            .iter()
            .map(|t| *t.get_ref())
            .collect();
        let mut colors = Vec::with_capacity(raw.colors.get_ref().len());
        for color in raw.colors.get_ref() {
            let parsed = RuleColor::parse_hex(color.get_ref()).map_err(|message| {
                self.invalid(color.span(), format!("bindings[{i}].rule.colors"), message)
            })?;
            colors.push(parsed);
        }
        let rule = ThresholdRule::new(thresholds, colors).map_err(|error| {
            let (span, field) = match &error {
                RuleError::ColorCount { .. } => (raw.colors.span(), "colors"),
                RuleError::NotAscending { index } => {
                    let span = raw.thresholds.get_ref().get(*index).map(Spanned::span);
                    (span.unwrap_or_else(|| raw.thresholds.span()), "thresholds")
                }
            };
            self.invalid(
                span,
                format!("bindings[{i}].rule.{field}"),
                error.to_string(),
            )
        })?;
        Ok(BindingRule {
            signal: SignalId::new(signal),
            rule,
        })
    }
}

/// One step of a key path.
enum Segment {
    Key(String),
    Index(usize),
}

/// The dotted key path (`bindings[2].rule.colors`) of the innermost key or value covering the
/// byte range `target`; empty when no key or value covers it (e.g. the whole document).
///
/// Indices are 0-based and appear only for tables inside arrays (`[[bindings]]` entries);
/// a position inside an array of plain values reports the key holding the array.
fn key_path_at(doc: &Spanned<DeTable<'_>>, target: Range<usize>) -> String {
    let mut path = Vec::new();
    // Errors about the document itself (a missing `[scene]`) carry the root's span.
    if target != doc.span() {
        find_in_table(doc.get_ref(), &target, &mut path);
    }
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                let bare = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if bare {
                    out.push_str(&key);
                } else {
                    out.push_str(&format!("{key:?}"));
                }
            }
            Segment::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// Whether `span` contains `target`; an empty target counts as a position.
fn covers(span: Range<usize>, target: &Range<usize>) -> bool {
    if target.is_empty() {
        span.contains(&target.start) || span.start == target.start
    } else {
        span.start <= target.start && target.end <= span.end
    }
}

fn find_in_table(table: &DeTable<'_>, pos: &Range<usize>, path: &mut Vec<Segment>) -> bool {
    for (key, value) in table.iter() {
        path.push(Segment::Key(key.get_ref().to_string()));
        if covers(key.span(), pos) || find_in_value(value, pos, path) {
            return true;
        }
        path.pop();
    }
    false
}

fn find_in_value(
    value: &Spanned<DeValue<'_>>,
    pos: &Range<usize>,
    path: &mut Vec<Segment>,
) -> bool {
    match value.get_ref() {
        DeValue::Table(table) if find_in_table(table, pos, path) => return true,
        DeValue::Array(array) => {
            for (index, item) in array.iter().enumerate() {
                let is_table = matches!(item.get_ref(), DeValue::Table(_));
                if is_table {
                    path.push(Segment::Index(index));
                }
                if find_in_value(item, pos, path) {
                    return true;
                }
                if is_table {
                    path.pop();
                }
            }
        }
        _ => {}
    }
    covers(value.span(), pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(text: &str) -> (String, String) {
        match parse_scene(text, Path::new("s.toml")) {
            Err(SceneError::Invalid { location, key, .. }) => (location.to_string(), key),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn whole_document_errors_have_no_key() {
        let text = "[[signals]]\nid = \"a\"\nrange = [0, 1]\nperiod = 1\n";
        assert_eq!(invalid(text), ("s.toml:1:1".into(), String::new()));
    }

    #[test]
    fn odd_keys_are_quoted_and_integers_accepted() {
        let text = "[scene]\nname = \"n\"\nmodel = \"m.glb\"\n\"odd key\" = 1\n";
        assert_eq!(
            invalid(text),
            ("s.toml:4:1".into(), "scene.\"odd key\"".into())
        );
        let text = "[scene]\nname = \"n\"\nmodel = \"m.glb\"\n[[signals]]\nid = \"a\"\nrange = [0, 1]\nperiod = 2\n";
        let scene = parse_scene(text, Path::new("dir/s.toml")).unwrap();
        assert_eq!(scene.signals[0].range, [0.0, 1.0]);
        assert_eq!(scene.model_path, Path::new("dir/m.glb"));
        assert!(scene.bindings.is_empty());
    }
}
