//! `[[topics]]` in scene files: which MQTT topics feed which signals, and how payloads read.
//!
//! ```toml
//! [[topics]]
//! topic = "plant/{asset}/{quantity}"   # `{name}` captures a level; `+` and `#` as in MQTT
//! signal = "{asset}.{quantity}"        # signal id, filled from the captures
//! payload = "number"                   # number (default) | bool | enum | json
//! qos = 1                              # 0, 1 (default) or 2
//!
//! [[topics]]
//! topic = "plant/{asset}/telemetry"
//! payload = "json"
//! timestamp = "/ts"                    # epoch s or ms, or RFC 3339; receive time without it
//! fields = [
//!   { pointer = "/flow", signal = "{asset}.flow" },
//!   { pointer = "/state", signal = "{asset}.state", kind = "enum", states = { stopped = 0, running = 1 } },
//! ]
//! ```

use super::file::Converter;
use super::{Location, SceneError};
use crate::topics::{
    JsonField, PayloadFormat, SignalTemplate, TopicMap, TopicMapping, TopicPattern, ValueKind,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// One `[[topics]]` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTopic {
    topic: Spanned<String>,
    #[serde(default)]
    qos: Option<Spanned<i64>>,
    #[serde(default)]
    payload: Option<Spanned<String>>,
    #[serde(default)]
    signal: Option<Spanned<String>>,
    #[serde(default)]
    states: Option<Spanned<BTreeMap<String, f64>>>,
    #[serde(default)]
    timestamp: Option<Spanned<String>>,
    #[serde(default)]
    fields: Option<Spanned<Vec<RawField>>>,
}

/// One entry of a JSON topic's `fields`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawField {
    pointer: Spanned<String>,
    signal: Spanned<String>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    states: Option<Spanned<BTreeMap<String, f64>>>,
}

impl Converter<'_, '_> {
    /// Converts every `[[topics]]` entry, in order, with the location of each `topic`.
    pub(super) fn topics(&self, raw: &[RawTopic]) -> Result<(TopicMap, Vec<Location>), SceneError> {
        let mut mappings = Vec::with_capacity(raw.len());
        let mut locations = Vec::with_capacity(raw.len());
        for (i, topic) in raw.iter().enumerate() {
            mappings.push(self.topic(i, topic)?);
            locations.push(self.lines.locate(topic.topic.span().start));
        }
        Ok((TopicMap::new(mappings), locations))
    }

    fn topic(&self, i: usize, raw: &RawTopic) -> Result<TopicMapping, SceneError> {
        let key = |field: &str| format!("topics[{i}].{field}");
        let pattern = TopicPattern::parse(raw.topic.get_ref())
            .map_err(|e| self.invalid(raw.topic.span(), key("topic"), e.message))?;
        let qos = match &raw.qos {
            None => 1,
            Some(q) => u8::try_from(*q.get_ref())
                .ok()
                .filter(|q| *q <= 2)
                .ok_or_else(|| {
                    self.invalid(
                        q.span(),
                        key("qos"),
                        format!("qos must be 0, 1 or 2, not {}", q.get_ref()),
                    )
                })?,
        };
        let default_payload = if raw.fields.is_some() {
            "json"
        } else {
            "number"
        };
        let payload = raw
            .payload
            .as_ref()
            .map_or(default_payload, |p| p.get_ref().as_str());
        let payload_span = raw
            .payload
            .as_ref()
            .map_or_else(|| raw.topic.span(), Spanned::span);
        let format = if payload == "json" {
            if let Some(signal) = &raw.signal {
                return Err(self.invalid(
                    signal.span(),
                    key("signal"),
                    "a json topic names its signals in `fields`, not `signal`",
                ));
            }
            if let Some(states) = &raw.states {
                return Err(self.invalid(
                    states.span(),
                    key("states"),
                    "put `states` on the field that needs them",
                ));
            }
            let Some(fields) = raw.fields.as_ref().filter(|f| !f.get_ref().is_empty()) else {
                return Err(self.invalid(
                    payload_span,
                    key("fields"),
                    "a json topic needs at least one entry in `fields`",
                ));
            };
            let timestamp = match &raw.timestamp {
                Some(t) => Some(self.pointer(t, key("timestamp"))?),
                None => None,
            };
            let fields = fields
                .get_ref()
                .iter()
                .enumerate()
                .map(|(j, field)| self.json_field(&pattern, field, &key(&format!("fields[{j}]"))))
                .collect::<Result<Vec<_>, _>>()?;
            PayloadFormat::Json { fields, timestamp }
        } else {
            for (present, name) in [
                (raw.fields.as_ref().map(Spanned::span), "fields"),
                (raw.timestamp.as_ref().map(Spanned::span), "timestamp"),
            ] {
                if let Some(span) = present {
                    return Err(self.invalid(
                        span,
                        key(name),
                        format!("`{name}` is only for `payload = \"json\"`"),
                    ));
                }
            }
            let Some(signal) = &raw.signal else {
                return Err(self.invalid(raw.topic.span(), key("signal"), "this topic needs `signal = \"...\"` (the signal id, e.g. \"{asset}.temperature\")"));
            };
            let template = SignalTemplate::parse(signal.get_ref(), &pattern)
                .map_err(|e| self.invalid(signal.span(), key("signal"), e.message))?;
            let kind =
                self.value_kind(payload, payload_span, raw.states.as_ref(), key("payload"))?;
            PayloadFormat::Plain {
                signal: template,
                kind,
            }
        };
        Ok(TopicMapping {
            pattern,
            qos,
            format,
        })
    }

    fn json_field(
        &self,
        pattern: &TopicPattern,
        raw: &RawField,
        key: &str,
    ) -> Result<JsonField, SceneError> {
        let pointer = self.pointer(&raw.pointer, format!("{key}.pointer"))?;
        let signal = SignalTemplate::parse(raw.signal.get_ref(), pattern)
            .map_err(|e| self.invalid(raw.signal.span(), format!("{key}.signal"), e.message))?;
        let kind_name = raw.kind.as_ref().map_or("number", |k| k.get_ref().as_str());
        let kind_span = raw
            .kind
            .as_ref()
            .map_or_else(|| raw.pointer.span(), Spanned::span);
        let kind = self.value_kind(
            kind_name,
            kind_span,
            raw.states.as_ref(),
            format!("{key}.kind"),
        )?;
        Ok(JsonField {
            pointer,
            signal,
            kind,
        })
    }

    /// A JSON pointer: empty (the whole document) or starting with `/`.
    fn pointer(&self, raw: &Spanned<String>, key: String) -> Result<String, SceneError> {
        let text = raw.get_ref();
        if !text.is_empty() && !text.starts_with('/') {
            return Err(self.invalid(
                raw.span(),
                key,
                format!("`{text}` is not a JSON pointer; it must start with `/` (e.g. `/{text}`)"),
            ));
        }
        Ok(text.clone())
    }

    fn value_kind(
        &self,
        name: &str,
        span: std::ops::Range<usize>,
        states: Option<&Spanned<BTreeMap<String, f64>>>,
        key: String,
    ) -> Result<ValueKind, SceneError> {
        match (name, states) {
            ("number", None) => Ok(ValueKind::Number),
            ("bool", None) => Ok(ValueKind::Bool),
            ("enum", Some(states)) if !states.get_ref().is_empty() => {
                Ok(ValueKind::Enum(states.get_ref().clone()))
            }
            ("enum", _) => {
                Err(self.invalid(span, key, "an enum needs `states = { name = value, ... }`"))
            }
            ("number" | "bool", Some(states)) => {
                Err(self.invalid(states.span(), key, "`states` are only for enum values"))
            }
            (other, _) => Err(self.invalid(
                span,
                key,
                format!("unknown payload kind `{other}`; use number, bool, enum or json"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scene::{Scene, SceneError, Severity, check_scene};
    use crate::signal::{SignalId, Timestamp};
    use crate::topics::Decoded;
    use std::path::Path;

    const HEAD: &str = "[scene]\nname = \"t\"\nmodel = \"m.glb\"\n\n[[signals]]\nid = \"M-101.temperature\"\nrange = [0.0, 150.0]\nperiod = 1.0\n\n";

    fn parse(topics: &str) -> Result<Scene, SceneError> {
        Scene::parse(&format!("{HEAD}{topics}"), Path::new("s.toml"))
    }

    /// (line, column, key, message) of a parse error.
    fn invalid(topics: &str) -> (usize, usize, String, String) {
        match parse(topics) {
            Err(SceneError::Invalid {
                location,
                key,
                message,
            }) => (location.line, location.column, key, message),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn plain_and_json_topics_decode_through_the_scene() {
        let scene = parse(
            "[[topics]]\ntopic = \"plant/{asset}/temperature\"\nsignal = \"{asset}.temperature\"\n\n\
             [[topics]]\ntopic = \"plant/{asset}/telemetry\"\ntimestamp = \"/ts\"\nqos = 0\n\
             fields = [ { pointer = \"/state\", signal = \"{asset}.state\", kind = \"enum\", states = { stopped = 0, running = 1 } } ]\n",
        )
        .unwrap();
        let map = &scene.topics;
        assert_eq!(map.mappings().len(), 2);
        assert_eq!((map.mappings()[0].qos, map.mappings()[1].qos), (1, 0));
        assert_eq!(scene.topic_locations[1].line, 15);
        let Decoded::Matched { samples, errors } = map.decode(
            "plant/M-101/telemetry",
            br#"{"state": "running", "ts": 5}"#,
            Timestamp(0),
        ) else {
            panic!("unmatched")
        };
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            (samples[0].signal.clone(), samples[0].value, samples[0].time),
            (SignalId::new("M-101.state"), 1.0, Timestamp(5_000_000_000))
        );
    }

    #[test]
    fn mistakes_point_at_their_value() {
        let (line, column, key, message) =
            invalid("[[topics]]\ntopic = \"plant/#/x\"\nsignal = \"a\"\n");
        assert_eq!((line, column, key.as_str()), (11, 9, "topics[0].topic"));
        assert!(message.contains("last level"), "{message}");

        let (line, _, key, message) =
            invalid("[[topics]]\ntopic = \"plant/{asset}/t\"\nsignal = \"{pump}.t\"\n");
        assert_eq!((line, key.as_str()), (12, "topics[0].signal"));
        assert!(message.contains("does not capture"), "{message}");

        let (_, _, key, _) = invalid("[[topics]]\ntopic = \"a\"\nsignal = \"a\"\nqos = 3\n");
        assert_eq!(key, "topics[0].qos");
        let (_, _, key, message) = invalid("[[topics]]\ntopic = \"a\"\n");
        assert_eq!(key, "topics[0].signal");
        assert!(message.contains("needs `signal"), "{message}");
        let (_, _, key, message) =
            invalid("[[topics]]\ntopic = \"a\"\nsignal = \"a\"\npayload = \"xml\"\n");
        assert_eq!(key, "topics[0].payload");
        assert!(message.contains("unknown payload kind `xml`"), "{message}");
        let (_, _, _, message) =
            invalid("[[topics]]\ntopic = \"a\"\nsignal = \"a\"\npayload = \"enum\"\n");
        assert!(message.contains("needs `states"), "{message}");
        let (_, _, key, message) = invalid(
            "[[topics]]\ntopic = \"a\"\nfields = [ { pointer = \"temp\", signal = \"a\" } ]\n",
        );
        assert_eq!(key, "topics[0].fields[0].pointer");
        assert!(message.contains("must start with `/`"), "{message}");
        let (_, _, key, _) =
            invalid("[[topics]]\ntopic = \"a\"\nsignal = \"a\"\ntimestamp = \"/ts\"\n");
        assert_eq!(key, "topics[0].timestamp");
        let (_, _, _, message) = invalid("[[topics]]\ntopic = \"a\"\nsignal = \"a\"\ncolour = 1\n");
        assert!(message.contains("unknown field `colour`"), "{message}");
    }

    #[test]
    fn check_warns_about_topics_that_feed_no_declared_signal() {
        let scene = parse(
            "[[topics]]\ntopic = \"plant/{asset}/temperature\"\nsignal = \"{asset}.temperature\"\n\n\
             [[topics]]\ntopic = \"plant/{asset}/rpm\"\nsignal = \"{asset}.speed\"\n",
        )
        .unwrap();
        let report = check_scene(&scene, &[]);
        let topic_warnings: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.key.starts_with("topics"))
            .collect();
        assert_eq!(topic_warnings.len(), 1, "{}", report.render());
        assert_eq!(
            (topic_warnings[0].severity, topic_warnings[0].key.as_str()),
            (Severity::Warning, "topics[1]")
        );
        assert!(topic_warnings[0].message.contains("plant/{asset}/rpm"));
    }
}
