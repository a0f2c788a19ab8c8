//! Topic → signal mapping for MQTT (and any other topic-addressed source).
//!
//! A mapping pairs a topic pattern with a payload format: `plant/{asset}/temperature` with a
//! plain number becomes the signal `{asset}.temperature`; `plant/{asset}/telemetry` with JSON
//! yields several signals from one message, each read by JSON pointer, stamped from a
//! timestamp field when there is one. Decoding never panics: every problem comes back with the
//! topic and a byte offset or JSON pointer, and the values that did decode are kept.
//!
//! Plain Rust, no network: the MQTT client (`twinscope-sources`) feeds topics and payloads in.

mod pattern;
mod payload;

pub use pattern::{Captures, PatternError, SignalTemplate, TopicPattern};
pub use payload::{
    PayloadLocation, PayloadProblem, ValueKind, json_timestamp, json_value, parse_json,
    parse_text_value, payload_text,
};

use crate::signal::{Sample, Timestamp};
use std::fmt;

/// Payloads larger than this are refused by default (a sensor message is rarely over a few KiB).
pub(crate) const DEFAULT_MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// How the payload of a matched topic is read.
#[derive(Clone, Debug, PartialEq)]
pub enum PayloadFormat {
    /// The whole payload is one value.
    Plain {
        /// Which signal it is.
        signal: SignalTemplate,
        /// How it is written.
        kind: ValueKind,
    },
    /// A JSON document with one or more values.
    Json {
        /// The values to read.
        fields: Vec<JsonField>,
        /// JSON pointer of the source timestamp; receive time is used without one.
        timestamp: Option<String>,
    },
}

/// One value read from a JSON payload.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonField {
    /// JSON pointer, e.g. `/temp` or `/motor/current`.
    pub pointer: String,
    /// Which signal it is.
    pub signal: SignalTemplate,
    /// How it is written.
    pub kind: ValueKind,
}

/// A topic pattern and how to read what arrives on it.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicMapping {
    /// Which topics.
    pub pattern: TopicPattern,
    /// MQTT quality of service to subscribe with (0, 1 or 2).
    pub qos: u8,
    /// How to read them.
    pub format: PayloadFormat,
}

/// A payload problem on a topic, as shown per topic in the UI and logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The topic the payload arrived on.
    pub topic: String,
    /// Where and what.
    pub problem: PayloadProblem,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.topic, self.problem)
    }
}

/// What became of one message.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoded {
    /// No mapping matches the topic: list it so the user can bind it.
    Unmatched,
    /// A mapping matched: the values that decoded, and the problems with the rest.
    Matched {
        /// Decoded samples.
        samples: Vec<Sample>,
        /// Problems, each located.
        errors: Vec<DecodeError>,
    },
}

/// Ordered mappings; the first whose pattern matches a topic decodes it.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicMap {
    mappings: Vec<TopicMapping>,
    /// Larger payloads are refused with an error (nothing is parsed).
    pub max_payload_bytes: usize,
}

impl TopicMapping {
    /// The signal templates this mapping fills.
    pub(crate) fn signal_templates(&self) -> Vec<&SignalTemplate> {
        match &self.format {
            PayloadFormat::Plain { signal, .. } => vec![signal],
            PayloadFormat::Json { fields, .. } => fields.iter().map(|f| &f.signal).collect(),
        }
    }
}

impl TopicMap {
    /// A map over these mappings with the default payload limit.
    pub fn new(mappings: Vec<TopicMapping>) -> Self {
        Self {
            mappings,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
        }
    }

    /// The mappings, in match order.
    pub fn mappings(&self) -> &[TopicMapping] {
        &self.mappings
    }

    /// What to subscribe to, with the QoS for each filter.
    ///
    /// When every mapping starts with the same literal levels (`plant/...`), one subscription to
    /// that root (`plant/#`) at the highest QoS: the client then also sees topics no mapping
    /// matches and can list them for binding, and no message arrives twice through overlapping
    /// filters. Otherwise one subscription per distinct filter.
    pub fn subscriptions(&self) -> Vec<(String, u8)> {
        let max_qos = self.mappings.iter().map(|m| m.qos).max().unwrap_or(0);
        let mut prefixes = self.mappings.iter().map(|m| m.pattern.literal_prefix());
        if let Some(first) = prefixes.next() {
            let mut common = first;
            for prefix in prefixes {
                let shared = common
                    .iter()
                    .zip(&prefix)
                    .take_while(|(a, b)| a == b)
                    .count();
                common.truncate(shared);
            }
            // A prefix that is the whole of some pattern (no wildcard) would not cover it with `/#`
            // alone, but `#` also matches the parent level, so `root/#` still covers it.
            if !common.is_empty() {
                return vec![(format!("{}/#", common.join("/")), max_qos)];
            }
        }
        let mut filters: Vec<(String, u8)> = Vec::new();
        for mapping in &self.mappings {
            let filter = mapping.pattern.subscription_filter();
            match filters.iter_mut().find(|(f, _)| *f == filter) {
                Some((_, qos)) => *qos = (*qos).max(mapping.qos),
                None => filters.push((filter, mapping.qos)),
            }
        }
        filters
    }

    /// Decodes one message received at `received`.
    pub fn decode(&self, topic: &str, payload: &[u8], received: Timestamp) -> Decoded {
        let Some((mapping, captures)) = self
            .mappings
            .iter()
            .find_map(|m| m.pattern.matches(topic).map(|c| (m, c)))
        else {
            return Decoded::Unmatched;
        };
        let fail = |problem: PayloadProblem| Decoded::Matched {
            samples: Vec::new(),
            errors: vec![DecodeError {
                topic: topic.to_owned(),
                problem,
            }],
        };
        if payload.len() > self.max_payload_bytes {
            return fail(PayloadProblem {
                location: PayloadLocation::Whole,
                message: format!(
                    "{} bytes is over the {}-byte limit",
                    payload.len(),
                    self.max_payload_bytes
                ),
            });
        }
        if payload.is_empty() {
            return fail(PayloadProblem {
                location: PayloadLocation::Whole,
                message: "empty payload".to_owned(),
            });
        }
        match &mapping.format {
            PayloadFormat::Plain { signal, kind } => {
                match payload_text(payload).and_then(|text| parse_text_value(text, kind, 0)) {
                    Ok(value) => Decoded::Matched {
                        samples: vec![Sample::new(signal.render(&captures), received, value)],
                        errors: Vec::new(),
                    },
                    Err(problem) => fail(problem),
                }
            }
            PayloadFormat::Json { fields, timestamp } => {
                let document = match parse_json(payload) {
                    Ok(document) => document,
                    Err(problem) => return fail(problem),
                };
                let mut errors = Vec::new();
                let mut error = |problem| {
                    errors.push(DecodeError {
                        topic: topic.to_owned(),
                        problem,
                    })
                };
                let time = match timestamp
                    .as_deref()
                    .map(|pointer| json_timestamp(&document, pointer))
                {
                    Some(Ok(time)) => time,
                    Some(Err(problem)) => {
                        error(problem);
                        received
                    }
                    None => received,
                };
                let mut samples = Vec::with_capacity(fields.len());
                for field in fields {
                    match json_value(&document, &field.pointer, &field.kind) {
                        Ok(value) => {
                            samples.push(Sample::new(field.signal.render(&captures), time, value))
                        }
                        Err(problem) => error(problem),
                    }
                }
                Decoded::Matched { samples, errors }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::SignalId;

    fn map() -> TopicMap {
        let temp = TopicPattern::parse("plant/{asset}/temperature").unwrap();
        let telemetry = TopicPattern::parse("plant/{asset}/telemetry").unwrap();
        let catch_all = TopicPattern::parse("plant/#").unwrap();
        TopicMap::new(vec![
            TopicMapping {
                qos: 1,
                format: PayloadFormat::Plain {
                    signal: SignalTemplate::parse("{asset}.temperature", &temp).unwrap(),
                    kind: ValueKind::Number,
                },
                pattern: temp,
            },
            TopicMapping {
                qos: 1,
                format: PayloadFormat::Json {
                    fields: vec![
                        JsonField {
                            pointer: "/flow".into(),
                            signal: SignalTemplate::parse("{asset}.flow", &telemetry).unwrap(),
                            kind: ValueKind::Number,
                        },
                        JsonField {
                            pointer: "/running".into(),
                            signal: SignalTemplate::parse("{asset}.running", &telemetry).unwrap(),
                            kind: ValueKind::Bool,
                        },
                    ],
                    timestamp: Some("/ts".into()),
                },
                pattern: telemetry,
            },
            TopicMapping {
                qos: 1,
                format: PayloadFormat::Plain {
                    signal: SignalTemplate::parse("other", &catch_all).unwrap(),
                    kind: ValueKind::Number,
                },
                pattern: catch_all,
            },
        ])
    }

    fn samples(decoded: Decoded) -> (Vec<Sample>, Vec<DecodeError>) {
        match decoded {
            Decoded::Matched { samples, errors } => (samples, errors),
            Decoded::Unmatched => panic!("unmatched"),
        }
    }

    #[test]
    fn plain_number_on_a_captured_topic() {
        let (s, e) = samples(map().decode("plant/P-101/temperature", b"81.5", Timestamp(7)));
        assert!(e.is_empty());
        assert_eq!(
            s,
            vec![Sample::new(
                SignalId::new("P-101.temperature"),
                Timestamp(7),
                81.5
            )]
        );
    }

    #[test]
    fn several_signals_from_one_json_message_with_source_time() {
        let (s, e) = samples(map().decode(
            "plant/P-101/telemetry",
            br#"{"flow": 24.5, "running": true, "ts": 1700000000000}"#,
            Timestamp(7),
        ));
        assert!(e.is_empty(), "{e:?}");
        let t = Timestamp(1_700_000_000_000_000_000);
        assert_eq!(
            s,
            vec![
                Sample::new(SignalId::new("P-101.flow"), t, 24.5),
                Sample::new(SignalId::new("P-101.running"), t, 1.0)
            ]
        );
    }

    #[test]
    fn partial_json_keeps_what_decoded_and_locates_the_rest() {
        let (s, e) = samples(map().decode(
            "plant/P-101/telemetry",
            br#"{"flow": 24.5, "running": "perhaps"}"#,
            Timestamp(7),
        ));
        assert_eq!(
            s,
            vec![Sample::new(SignalId::new("P-101.flow"), Timestamp(7), 24.5)],
            "receive time without a timestamp"
        );
        let messages: Vec<String> = e.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].starts_with("plant/P-101/telemetry: JSON /ts:"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("plant/P-101/telemetry: JSON /running:"),
            "{messages:?}"
        );
    }

    #[test]
    fn first_matching_mapping_wins_and_unknown_topics_are_unmatched() {
        let (s, _) = samples(map().decode("plant/P-101/pressure", b"3", Timestamp(0)));
        assert_eq!(s[0].signal.as_str(), "other");
        assert_eq!(
            map().decode("factory/x", b"1", Timestamp(0)),
            Decoded::Unmatched
        );
        assert_eq!(map().subscriptions(), vec![("plant/#".to_owned(), 1)]);
        let mut split = map();
        split.mappings[2].pattern = TopicPattern::parse("factory/+/x").unwrap();
        split.mappings[2].format = split.mappings[0].format.clone();
        assert_eq!(
            split.subscriptions(),
            vec![
                ("plant/+/temperature".to_owned(), 1),
                ("plant/+/telemetry".to_owned(), 1),
                ("factory/+/x".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn malformed_payloads_are_errors_never_panics() {
        let m = map();
        let cases: [(&str, &[u8], &str); 5] = [
            ("plant/a/temperature", b"not a number", "byte 0"),
            ("plant/a/temperature", b"", "empty payload"),
            ("plant/a/temperature", b"12\xff", "byte 2: invalid UTF-8"),
            ("plant/a/telemetry", b"{\"flow\": ", "not valid JSON"),
            ("plant/a/telemetry", b"[1, 2]", "JSON /flow"),
        ];
        for (topic, payload, fragment) in cases {
            let (s, e) = samples(m.decode(topic, payload, Timestamp(0)));
            assert!(s.is_empty(), "{topic} {payload:?}");
            assert!(
                e.iter().any(|e| e.to_string().contains(fragment)),
                "{topic} {payload:?}: {e:?}"
            );
        }
        let mut small = map();
        small.max_payload_bytes = 16;
        let (_, e) = samples(small.decode("plant/a/temperature", &[b'1'; 17], Timestamp(0)));
        assert!(e[0].to_string().contains("over the 16-byte limit"), "{e:?}");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic fuzz: every 1- and 2-byte payload, plus sliced JSON.
        let m = map();
        for a in 0..=255u8 {
            for b in [0u8, b'"', b'{', b'1', 0x80, 0xff] {
                let _ = m.decode("plant/a/telemetry", &[a, b], Timestamp(0));
                let _ = m.decode("plant/a/temperature", &[a, b], Timestamp(0));
            }
        }
        let json = br#"{"flow": 24.5, "running": true, "ts": "2024-01-02T03:04:05Z"}"#;
        for end in 0..json.len() {
            let _ = m.decode("plant/a/telemetry", &json[..end], Timestamp(0));
        }
    }
}
