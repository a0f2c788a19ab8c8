//! Topic patterns (`plant/{asset}/temperature`, `plant/+/status`, `plant/#`) and the signal-id
//! templates that use their captures (`{asset}.temperature`).

use crate::signal::SignalId;
use std::collections::BTreeMap;
use std::fmt;

/// Why a topic pattern or signal template is not usable; the message names the offending part.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PatternError {
    /// What is wrong, in words.
    pub message: String,
}

fn pattern_error(message: impl Into<String>) -> PatternError {
    PatternError {
        message: message.into(),
    }
}

/// One level of a topic pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Level {
    /// Must equal this text.
    Literal(String),
    /// Any one level, remembered under this name (`{asset}`).
    Capture(String),
    /// Any one level, not remembered (`+`).
    Any,
    /// Any number of remaining levels, including none (`#`, last only).
    Rest,
}

/// Values captured from a topic by `{name}` levels.
pub type Captures = BTreeMap<String, String>;

/// An MQTT topic filter whose `{name}` levels capture the matched level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicPattern {
    text: String,
    levels: Vec<Level>,
}

impl TopicPattern {
    /// Parses a pattern. `+` and `#` follow MQTT rules (whole levels only, `#` last); `{name}`
    /// is a `+` that captures, with names of letters, digits and `_`, each used once.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        if text.is_empty() {
            return Err(pattern_error("topic pattern is empty"));
        }
        let parts: Vec<&str> = text.split('/').collect();
        let mut levels = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let level = match *part {
                "#" if i + 1 == parts.len() => Level::Rest,
                "#" => {
                    return Err(pattern_error(format!(
                        "`#` must be the last level of `{text}`"
                    )));
                }
                "+" => Level::Any,
                _ if part.starts_with('{') && part.ends_with('}') && part.len() > 2 => {
                    let name = &part[1..part.len() - 1];
                    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        return Err(pattern_error(format!(
                            "capture name `{name}` in `{text}` may use only letters, digits and `_`"
                        )));
                    }
                    if levels
                        .iter()
                        .any(|l| matches!(l, Level::Capture(n) if n == name))
                    {
                        return Err(pattern_error(format!(
                            "capture `{{{name}}}` is used twice in `{text}`"
                        )));
                    }
                    Level::Capture(name.to_owned())
                }
                _ if part.contains(['+', '#', '{', '}']) => {
                    return Err(pattern_error(format!(
                        "level `{part}` of `{text}` mixes text with `+`, `#` or braces; wildcards and captures must be whole levels"
                    )));
                }
                _ => Level::Literal((*part).to_owned()),
            };
            levels.push(level);
        }
        Ok(Self {
            text: text.to_owned(),
            levels,
        })
    }

    /// The MQTT subscription filter for this pattern (`{name}` becomes `+`).
    pub(crate) fn subscription_filter(&self) -> String {
        self.levels
            .iter()
            .map(|level| match level {
                Level::Literal(text) => text.as_str(),
                Level::Capture(_) | Level::Any => "+",
                Level::Rest => "#",
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The literal levels before the first wildcard or capture (`plant/{asset}/x` → `["plant"]`).
    pub(crate) fn literal_prefix(&self) -> Vec<&str> {
        self.levels
            .iter()
            .map_while(|level| match level {
                Level::Literal(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Names of the captures, in order.
    pub(crate) fn capture_names(&self) -> impl Iterator<Item = &str> {
        self.levels.iter().filter_map(|level| match level {
            Level::Capture(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Matches a published topic, returning the captures; `None` if it does not match.
    ///
    /// As in MQTT, topics starting with `$` are not matched by a leading wildcard.
    pub fn matches(&self, topic: &str) -> Option<Captures> {
        if topic.starts_with('$') && !matches!(self.levels.first(), Some(Level::Literal(_))) {
            return None;
        }
        let mut captures = Captures::new();
        let mut parts = topic.split('/');
        for level in &self.levels {
            match level {
                Level::Rest => return Some(captures),
                Level::Literal(text) => {
                    if parts.next()? != text {
                        return None;
                    }
                }
                Level::Any => {
                    parts.next()?;
                }
                Level::Capture(name) => {
                    captures.insert(name.clone(), parts.next()?.to_owned());
                }
            }
        }
        parts.next().is_none().then_some(captures)
    }
}

impl fmt::Display for TopicPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A signal id with `{name}` placeholders filled from a topic's captures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalTemplate {
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Capture(String),
}

impl SignalTemplate {
    /// Parses a template, checking every placeholder is a capture of `pattern`.
    pub fn parse(text: &str, pattern: &TopicPattern) -> Result<Self, PatternError> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let close = rest[open..].find('}').ok_or_else(|| {
                pattern_error(format!("`{{` without `}}` in signal template `{text}`"))
            })?;
            let name = &rest[open + 1..open + close];
            if !pattern.capture_names().any(|n| n == name) {
                return Err(pattern_error(format!(
                    "signal template `{text}` uses `{{{name}}}`, which topic `{pattern}` does not capture"
                )));
            }
            pieces.push(Piece::Capture(name.to_owned()));
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err(pattern_error(format!(
                "`}}` without `{{` in signal template `{text}`"
            )));
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        if pieces.is_empty() {
            return Err(pattern_error("signal template is empty"));
        }
        Ok(Self { pieces })
    }

    /// Whether some topic could produce `id`: literal pieces in order, each capture filling at
    /// least one character of a single topic level (no `/`).
    pub(crate) fn could_produce(&self, id: &str) -> bool {
        fn fits(pieces: &[Piece], rest: &str) -> bool {
            match pieces.split_first() {
                None => rest.is_empty(),
                Some((Piece::Text(text), tail)) => rest
                    .strip_prefix(text.as_str())
                    .is_some_and(|r| fits(tail, r)),
                Some((Piece::Capture(_), tail)) => (1..=rest.len())
                    .filter(|&end| rest.is_char_boundary(end))
                    .take_while(|&end| !rest[..end].contains('/'))
                    .any(|end| fits(tail, &rest[end..])),
            }
        }
        fits(&self.pieces, id)
    }

    /// The signal id for these captures (every placeholder was checked at parse time).
    pub fn render(&self, captures: &Captures) -> SignalId {
        let mut id = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => id.push_str(text),
                Piece::Capture(name) => id.push_str(captures.get(name).map_or("", String::as_str)),
            }
        }
        SignalId::new(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> TopicPattern {
        TopicPattern::parse(text).unwrap()
    }

    #[test]
    fn captures_bind_levels_and_become_plus_in_the_filter() {
        let p = pattern("plant/{asset}/temperature");
        assert_eq!(p.subscription_filter(), "plant/+/temperature");
        let captures = p.matches("plant/P-101/temperature").unwrap();
        assert_eq!(captures.get("asset").map(String::as_str), Some("P-101"));
        assert!(p.matches("plant/P-101/pressure").is_none());
        assert!(p.matches("plant/P-101/temperature/extra").is_none());
        assert!(p.matches("plant/temperature").is_none());
    }

    #[test]
    fn hash_matches_any_rest_including_none() {
        let p = pattern("plant/#");
        assert!(p.matches("plant").is_some());
        assert!(p.matches("plant/a/b/c").is_some());
        assert!(p.matches("other/a").is_none());
        assert!(
            pattern("#").matches("$SYS/broker/uptime").is_none(),
            "wildcards skip $ topics"
        );
        assert!(pattern("$SYS/#").matches("$SYS/broker/uptime").is_some());
        assert!(pattern("+/x").matches("a/x").is_some());
        assert!(
            pattern("a//b").matches("a//b").is_some(),
            "empty levels are levels"
        );
    }

    #[test]
    fn malformed_patterns_say_what_is_wrong() {
        for (text, fragment) in [
            ("", "empty"),
            ("a/#/b", "last level"),
            ("a/b+", "whole levels"),
            ("a/{x}/{x}", "used twice"),
            ("a/{bad name}", "letters, digits"),
        ] {
            let error = TopicPattern::parse(text).unwrap_err();
            assert!(error.message.contains(fragment), "{text}: {error}");
        }
    }

    #[test]
    fn templates_fill_captures_and_reject_unknown_ones() {
        let p = pattern("site/{area}/{asset}/temp");
        let t = SignalTemplate::parse("{asset}.temperature", &p).unwrap();
        let captures = p.matches("site/north/M-101/temp").unwrap();
        assert_eq!(t.render(&captures), SignalId::new("M-101.temperature"));
        let both = SignalTemplate::parse("{area}:{asset}", &p).unwrap();
        assert_eq!(both.render(&captures).as_str(), "north:M-101");
        assert!(
            SignalTemplate::parse("{pump}.x", &p)
                .unwrap_err()
                .message
                .contains("does not capture")
        );
        assert!(SignalTemplate::parse("{asset.x", &p).is_err());
        assert!(SignalTemplate::parse("asset}.x", &p).is_err());
        assert!(SignalTemplate::parse("", &p).is_err());
    }

    #[test]
    fn templates_know_which_ids_they_can_produce() {
        let p = pattern("plant/{asset}/{quantity}");
        let t = SignalTemplate::parse("{asset}.{quantity}", &p).unwrap();
        assert!(t.could_produce("M-101.temperature"));
        assert!(t.could_produce("a.b.c"), "a capture may contain dots");
        assert!(!t.could_produce("M-101"));
        assert!(!t.could_produce(".temperature"), "captures are never empty");
        let fixed = SignalTemplate::parse("{asset}.temperature", &p).unwrap();
        assert!(fixed.could_produce("M-101.temperature"));
        assert!(!fixed.could_produce("M-101.current"));
    }
}
