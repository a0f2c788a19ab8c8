//! Discrete bands: ascending thresholds, one colour and one severity per band.

use super::RuleColor;

/// How bad a band is, ordered from harmless to urgent, so views can pick the worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    /// Nothing to look at.
    #[default]
    Normal,
    /// Worth knowing, no action needed.
    Advisory,
    /// Drifting towards trouble; look soon.
    Warning,
    /// Out of bounds; act now.
    Critical,
}

impl Severity {
    /// Every severity, least to most severe.
    pub const ALL: [Severity; 4] = [
        Severity::Normal,
        Severity::Advisory,
        Severity::Warning,
        Severity::Critical,
    ];

    /// Lower-case name as written in scene files.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Normal => "normal",
            Severity::Advisory => "advisory",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// Parses a scene-file name (`normal`, `advisory`, `warning`, `critical`).
    pub fn parse(text: &str) -> Result<Severity, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| {
                format!(
                    "`{text}` is not a severity; expected normal, advisory, warning or critical"
                )
            })
    }

    /// The colour a band of this severity gets when the scene gives none: green, yellow,
    /// amber, red, the usual escalation operators already read.
    pub fn default_color(self) -> RuleColor {
        match self {
            Severity::Normal => RuleColor([0x3f, 0xa3, 0x4d]),
            Severity::Advisory => RuleColor([0xd6, 0xc1, 0x3a]),
            Severity::Warning => RuleColor([0xe8, 0xa3, 0x3d]),
            Severity::Critical => RuleColor([0xd6, 0x45, 0x41]),
        }
    }
}

/// Paints an asset by which band its signal's value falls into.
///
/// `thresholds` ascend; band `i` is `thresholds[i-1] <= value < thresholds[i]`, so there is one
/// more colour (and severity) than thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdRule {
    /// Band boundaries, strictly ascending.
    pub thresholds: Vec<f64>,
    /// One colour per band: `thresholds.len() + 1` entries.
    pub colors: Vec<RuleColor>,
    /// One severity per band: `thresholds.len() + 1` entries (all normal unless given).
    pub severities: Vec<Severity>,
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
    /// Severity count does not match the band count.
    #[error("{thresholds} thresholds make {bands} bands, but {severities} severities are given", bands = thresholds + 1)]
    SeverityCount {
        /// Number of thresholds.
        thresholds: usize,
        /// Number of severities.
        severities: usize,
    },
    /// Neither colours nor severities: nothing says how to paint the bands.
    #[error("a banded rule needs `colors`, `severities` or both")]
    NoColors,
    /// Thresholds out of order or not finite.
    #[error("thresholds must be finite and strictly ascending (at index {index})")]
    NotAscending {
        /// Index of the first offending threshold.
        index: usize,
    },
}

impl ThresholdRule {
    /// Builds a rule with explicit colours, every band normal.
    pub fn new(thresholds: Vec<f64>, colors: Vec<RuleColor>) -> Result<Self, RuleError> {
        Self::with_severities(thresholds, Some(colors), None)
    }

    /// Builds a rule from colours and/or severities: missing severities are normal, missing
    /// colours follow the severities ([`Severity::default_color`]).
    pub(crate) fn with_severities(
        thresholds: Vec<f64>,
        colors: Option<Vec<RuleColor>>,
        severities: Option<Vec<Severity>>,
    ) -> Result<Self, RuleError> {
        let bands = thresholds.len() + 1;
        if let Some(colors) = &colors
            && colors.len() != bands
        {
            return Err(RuleError::ColorCount {
                thresholds: thresholds.len(),
                colors: colors.len(),
            });
        }
        if let Some(severities) = &severities
            && severities.len() != bands
        {
            return Err(RuleError::SeverityCount {
                thresholds: thresholds.len(),
                severities: severities.len(),
            });
        }
        if let Some(index) = thresholds.iter().position(|t| !t.is_finite()) {
            return Err(RuleError::NotAscending { index });
        }
        if let Some(index) = thresholds.windows(2).position(|w| w[0] >= w[1]) {
            return Err(RuleError::NotAscending { index: index + 1 });
        }
        let (colors, severities) = match (colors, severities) {
            (None, None) => return Err(RuleError::NoColors),
            (Some(colors), None) => (colors, vec![Severity::Normal; bands]),
            (None, Some(severities)) => (
                severities.iter().map(|s| s.default_color()).collect(),
                severities,
            ),
            (Some(colors), Some(severities)) => (colors, severities),
        };
        Ok(Self {
            thresholds,
            colors,
            severities,
        })
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
    pub(crate) fn band_label(&self, band: usize, unit: &str) -> String {
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
