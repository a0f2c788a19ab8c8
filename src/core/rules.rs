//! Colour rules: turn a signal value into the colour an asset is painted with.
//!
//! The first rule kind is a list of ascending thresholds with one colour per band
//! (min-inclusive, like Azure 3D Scenes' numeric ranges). Gradients and expressions arrive with
//! the rules issue; this module is where they go.

use serde::{Deserialize, Deserializer};
use std::fmt;

/// An sRGB colour with 8 bits per channel, written `#rrggbb` in scene files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleColor(pub [u8; 3]);

impl RuleColor {
    /// Colour used when a bound signal has no value yet (or is unknown).
    pub const NO_DATA: RuleColor = RuleColor([0x8a, 0x8f, 0x98]);

    /// Parses `#rrggbb` (the leading `#` is optional).
    pub fn parse_hex(text: &str) -> Result<Self, String> {
        let hex = text.strip_prefix('#').unwrap_or(text);
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("`{text}` is not a colour; expected `#rrggbb`"));
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| e.to_string());
        Ok(Self([channel(0)?, channel(2)?, channel(4)?]))
    }

    /// This colour washed out towards [`RuleColor::NO_DATA`]: what an asset shows when its
    /// value is stale, so an old reading still hints at its band but cannot pass for live.
    pub fn faded(self) -> RuleColor {
        let mut out = [0u8; 3];
        for (i, channel) in out.iter_mut().enumerate() {
            let (own, grey) = (f32::from(self.0[i]), f32::from(Self::NO_DATA.0[i]));
            *channel = (own * 0.3 + grey * 0.7).round() as u8;
        }
        RuleColor(out)
    }

    /// Channels as floats in 0..=1 (still sRGB-encoded).
    pub fn to_srgb_f32(self) -> [f32; 3] {
        self.0.map(|c| f32::from(c) / 255.0)
    }
}

impl fmt::Display for RuleColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

impl<'de> Deserialize<'de> for RuleColor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RuleColor::parse_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// Paints an asset by which band its signal's value falls into.
///
/// `thresholds` ascend; band `i` is `thresholds[i-1] <= value < thresholds[i]`, so there is one
/// more colour than thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdRule {
    /// Band boundaries, strictly ascending.
    pub thresholds: Vec<f64>,
    /// One colour per band: `thresholds.len() + 1` entries.
    pub colors: Vec<RuleColor>,
}

/// Why a threshold rule cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RuleError {
    /// Colour count does not match the band count.
    #[error("{thresholds} thresholds make {bands} bands, but {colors} colours are given", bands = thresholds + 1)]
    ColorCount {
        /// Number of thresholds.
        thresholds: usize,
        /// Number of colours.
        colors: usize,
    },
    /// Thresholds out of order or not finite.
    #[error("thresholds must be finite and strictly ascending (at index {index})")]
    NotAscending {
        /// Index of the first offending threshold.
        index: usize,
    },
}

impl ThresholdRule {
    /// Builds a rule, checking its shape.
    pub fn new(thresholds: Vec<f64>, colors: Vec<RuleColor>) -> Result<Self, RuleError> {
        if colors.len() != thresholds.len() + 1 {
            return Err(RuleError::ColorCount {
                thresholds: thresholds.len(),
                colors: colors.len(),
            });
        }
        if let Some(index) = thresholds.iter().position(|t| !t.is_finite()) {
            return Err(RuleError::NotAscending { index });
        }
        if let Some(index) = thresholds.windows(2).position(|w| w[0] >= w[1]) {
            return Err(RuleError::NotAscending { index: index + 1 });
        }
        Ok(Self { thresholds, colors })
    }

    /// The band a value falls in (`0..=thresholds.len()`); NaN counts as no data.
    pub fn band(&self, value: f64) -> Option<usize> {
        if value.is_nan() {
            return None;
        }
        Some(self.thresholds.partition_point(|t| *t <= value))
    }

    /// The value range of a band in words, e.g. `80 – 95 degC`, so operators see why an asset
    /// has its colour.
    pub fn band_label(&self, band: usize, unit: &str) -> String {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        let lower = band.checked_sub(1).and_then(|i| self.thresholds.get(i));
        match (lower, self.thresholds.get(band)) {
            (None, Some(upper)) => format!("< {upper}{unit}"),
            (Some(lower), Some(upper)) => format!("{lower} – {upper}{unit}"),
            (Some(lower), None) => format!("≥ {lower}{unit}"),
            (None, None) => "any value".to_owned(),
        }
    }

    /// Colour for a value, or [`RuleColor::NO_DATA`] for a missing/NaN value.
    pub fn color(&self, value: Option<f64>) -> RuleColor {
        value
            .and_then(|v| self.band(v))
            .map_or(RuleColor::NO_DATA, |band| self.colors[band])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> ThresholdRule {
        let c = |s| RuleColor::parse_hex(s).unwrap();
        ThresholdRule::new(
            vec![10.0, 90.0],
            vec![c("#ff0000"), c("#00ff00"), c("#0000ff")],
        )
        .unwrap()
    }

    #[test]
    fn bands_are_min_inclusive() {
        let r = rule();
        assert_eq!(r.band(9.999), Some(0));
        assert_eq!(r.band(10.0), Some(1));
        assert_eq!(r.band(89.9), Some(1));
        assert_eq!(r.band(90.0), Some(2));
        assert_eq!(r.band(f64::NAN), None);
        assert_eq!(r.color(Some(95.0)), RuleColor([0, 0, 255]));
        assert_eq!(r.color(None), RuleColor::NO_DATA);
    }

    #[test]
    fn band_labels_name_their_range() {
        let r = rule();
        assert_eq!(r.band_label(0, "%"), "< 10 %");
        assert_eq!(r.band_label(1, "%"), "10 – 90 %");
        assert_eq!(r.band_label(2, ""), "≥ 90");
    }

    #[test]
    fn shape_errors_are_reported() {
        let c = RuleColor([1, 2, 3]);
        assert_eq!(
            ThresholdRule::new(vec![1.0], vec![c]),
            Err(RuleError::ColorCount {
                thresholds: 1,
                colors: 1
            })
        );
        assert_eq!(
            ThresholdRule::new(vec![5.0, 5.0], vec![c, c, c]),
            Err(RuleError::NotAscending { index: 1 })
        );
    }

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        assert_eq!(
            RuleColor::parse_hex("#3f8fd2").unwrap().to_string(),
            "#3f8fd2"
        );
        assert!(RuleColor::parse_hex("#3f8fd").is_err());
        assert!(RuleColor::parse_hex("blue").is_err());
    }
}
