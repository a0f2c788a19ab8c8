//! The scene file as written, and its conversion into [`Scene`].
//!
//! Parsing happens in three steps so every problem points at the exact value: the TOML is parsed
//! into a spanned document (syntax errors), deserialized into the raw structs below (missing,
//! unknown and mistyped keys, bad colours), then converted with value checks (ranges, periods,
//! rule shapes, empty ids). Serde errors carry only a byte span, so the key path is recovered by
//! finding that span in the spanned document.

use super::location::LineIndex;
use super::{Binding, Scene, SceneError, SignalSpec};
use crate::signal::SignalId;
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
    signals: Vec<Spanned<super::signals_file::RawSignal>>,
    #[serde(default)]
    bindings: Vec<RawBinding>,
    #[serde(default)]
    topics: Vec<super::topics_file::RawTopic>,
    #[serde(default)]
    mqtt: super::mqtt_file::RawMqtt,
    #[serde(default)]
    alarms: Vec<super::alarms_file::RawAlarm>,
    #[serde(default)]
    health: super::health_file::RawHealth,
    #[serde(default)]
    forecast: super::forecast_file::RawForecast,
    #[serde(default)]
    risk: Vec<super::forecast_file::RawRisk>,
    #[serde(default)]
    motion: Vec<super::motion_file::RawMotion>,
    #[serde(default)]
    scenarios: Vec<super::scenario_parts::RawScenario>,
    #[serde(default)]
    colliders: Vec<super::scenario_parts::RawCollider>,
}

/// `[scene]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Spanned<String>,
    model: Spanned<String>,
    #[serde(default)]
    scenario_files: Vec<Spanned<String>>,
}

/// One `[[bindings]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    node: Spanned<String>,
    signals: Vec<Spanned<String>>,
    #[serde(default)]
    rule: Option<super::rules_file::RawRule>,
}

/// Parses scene text into a [`Scene`]; see the module docs for the steps.
pub(super) fn parse_scene(text: &str, path: &Path) -> Result<Scene, SceneError> {
    let lines = LineIndex::new(text, path);
    let raw: RawScene = parse_toml(text, &lines)?;
    Converter { lines: &lines }.scene(raw, path)
}

/// The first two steps for any file read into raw structs (a scene, a `*.scenario.toml`):
/// syntax errors, then missing, unknown and mistyped keys, located in `lines`' file.
pub(super) fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    lines: &LineIndex<'_>,
) -> Result<T, SceneError> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if let Some(error) = errors.first() {
        // The unexpected token may run past the recovered value, so match its start only.
        let at = error.span().map(|span| span.start..span.start);
        return Err(from_toml_error(error, at, &doc, lines));
    }
    T::deserialize(toml::de::Deserializer::from(doc.clone()))
        .map_err(|error| from_toml_error(&error, error.span(), &doc, lines))
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

impl Converter<'_, '_> {
    /// Refuses a scene with more signals or bindings than twinscope is built for, at the first
    /// one too many, before any per-entry work.
    fn within_limits(&self, raw: &RawScene) -> Result<(), SceneError> {
        use super::{MAX_SCENE_BINDINGS, MAX_SCENE_SIGNALS};
        if let Some(extra) = raw.signals.get(MAX_SCENE_SIGNALS) {
            return Err(self.invalid(
                extra.span(),
                format!("signals[{MAX_SCENE_SIGNALS}]"),
                format!(
                    "{} signals declared; a scene holds at most {MAX_SCENE_SIGNALS}: split the \
                     plant into several scenes",
                    raw.signals.len()
                ),
            ));
        }
        if let Some(extra) = raw.bindings.get(MAX_SCENE_BINDINGS) {
            return Err(self.invalid(
                extra.node.span(),
                format!("bindings[{MAX_SCENE_BINDINGS}].node"),
                format!(
                    "{} bindings declared; a scene holds at most {MAX_SCENE_BINDINGS}: split \
                     the plant into several scenes",
                    raw.bindings.len()
                ),
            ));
        }
        Ok(())
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
        self.within_limits(&raw)?;
        let (signals, derived) = self.signals(&raw.signals)?;
        let bindings = raw
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| self.binding(i, b, &signals))
            .collect::<Result<Vec<_>, _>>()?;
        let (mut topics, topic_locations) = self.topics(&raw.topics)?;
        let mqtt = self.mqtt(&raw.mqtt, base)?;
        let (alarms, alarm_locations) = self.alarms(&raw.alarms, &bindings)?;
        let health = self.health(&raw.health, &signals)?;
        let forecast = self.forecast(&raw.forecast, &signals)?;
        let risk = self.risk(&raw.risk, &bindings, &alarms)?;
        let motions = self.motions(&raw.motion)?;
        let scenarios = self.scenarios(&raw.scenarios, &raw.scene.scenario_files, base)?;
        let colliders = self.colliders(&raw.colliders)?;
        if let Some(bytes) = mqtt.max_payload_bytes {
            topics.max_payload_bytes = bytes;
        }
        Ok(Scene {
            source: path.to_path_buf(),
            name: raw.scene.name.into_inner(),
            model_path: base.join(model),
            signals,
            derived,
            bindings,
            topics,
            topic_locations,
            mqtt,
            alarms,
            alarm_locations,
            health,
            forecast,
            risk,
            motions,
            scenarios,
            colliders,
        })
    }

    fn binding(
        &self,
        i: usize,
        raw: &RawBinding,
        declared: &[SignalSpec],
    ) -> Result<Binding, SceneError> {
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
                let rule = self.rule(i, raw_rule, declared)?;
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
