//! Continuous gradients: a palette spread over a value domain.
//!
//! Palettes are anchor stops (matplotlib's viridis and cividis sampled at tenths, ColorBrewer's
//! 9-class Blues and 11-class RdBu) joined by straight lines in Oklab, so custom stops mix as evenly as the
//! named ones. Colours are quantised to [`GRADIENT_STEPS`] steps across the domain: assets
//! share one material per colour, and a continuous colour would make one per value.

use super::RuleColor;

/// Distinct colours a gradient paints (plus [`RuleColor::NO_DATA`]); bounds the number of
/// shared materials a gradient can create, while steps stay below what the eye separates on
/// a shaded mesh.
pub const GRADIENT_STEPS: usize = 32;

/// A named palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Palette {
    /// Dark purple → blue → green → yellow; perceptually uniform, colour-blind safe.
    Viridis,
    /// Dark blue → grey → yellow; viridis tuned for red-green colour blindness.
    Cividis,
    /// Sequential white → dark blue, for amounts such as tank levels.
    Blues,
    /// Diverging dark blue → white → dark red, for deviations around a midpoint.
    BlueRed,
}

const fn hex(rgb: u32) -> RuleColor {
    RuleColor([(rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8])
}

const VIRIDIS: [RuleColor; 11] = [
    hex(0x440154),
    hex(0x482475),
    hex(0x414487),
    hex(0x355f8d),
    hex(0x2a788e),
    hex(0x21918c),
    hex(0x22a884),
    hex(0x44bf70),
    hex(0x7ad151),
    hex(0xbddf26),
    hex(0xfde725),
];

const CIVIDIS: [RuleColor; 11] = [
    hex(0x00224e),
    hex(0x083370),
    hex(0x35456c),
    hex(0x4f576c),
    hex(0x666970),
    hex(0x7d7c78),
    hex(0x948e77),
    hex(0xaea371),
    hex(0xc8b866),
    hex(0xe5cf52),
    hex(0xfee838),
];

const BLUES: [RuleColor; 9] = [
    hex(0xf7fbff),
    hex(0xdeebf7),
    hex(0xc6dbef),
    hex(0x9ecae1),
    hex(0x6baed6),
    hex(0x4292c6),
    hex(0x2171b5),
    hex(0x08519c),
    hex(0x08306b),
];

const BLUE_RED: [RuleColor; 11] = [
    hex(0x053061),
    hex(0x2166ac),
    hex(0x4393c3),
    hex(0x92c5de),
    hex(0xd1e5f0),
    hex(0xf7f7f7),
    hex(0xfddbc7),
    hex(0xf4a582),
    hex(0xd6604d),
    hex(0xb2182b),
    hex(0x67001f),
];

impl Palette {
    /// Every named palette.
    pub const ALL: [Palette; 4] = [
        Palette::Viridis,
        Palette::Cividis,
        Palette::Blues,
        Palette::BlueRed,
    ];

    /// The name written in scene files.
    pub fn name(self) -> &'static str {
        match self {
            Palette::Viridis => "viridis",
            Palette::Cividis => "cividis",
            Palette::Blues => "blues",
            Palette::BlueRed => "blue-red",
        }
    }

    /// Parses a scene-file name.
    pub fn parse(text: &str) -> Result<Palette, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == text)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|p| p.name()).collect();
                format!(
                    "`{text}` is not a palette; expected one of {} or a list of `#rrggbb` stops",
                    names.join(", ")
                )
            })
    }

    /// The palette's anchor stops, low end first, evenly spaced over the domain.
    pub fn stops(self) -> &'static [RuleColor] {
        match self {
            Palette::Viridis => &VIRIDIS,
            Palette::Cividis => &CIVIDIS,
            Palette::Blues => &BLUES,
            Palette::BlueRed => &BLUE_RED,
        }
    }
}

/// Why a gradient cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GradientError {
    /// Fewer than two stops make no gradient.
    #[error("a gradient needs at least 2 colour stops, not {0}")]
    TooFewStops(usize),
    /// The domain is empty or not finite.
    #[error("domain must be two different finite numbers `[low, high]`")]
    BadDomain,
}

/// Paints an asset by where its value sits in `domain`, clamped at the ends.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientRule {
    /// Values mapped to the first and last stop (`low > high` runs the palette backwards).
    pub domain: [f64; 2],
    /// The anchor stops, evenly spaced over the domain.
    pub stops: Vec<RuleColor>,
    /// The [`GRADIENT_STEPS`] colours values are quantised to, precomputed.
    steps: Vec<RuleColor>,
}

impl GradientRule {
    /// The unquantised colour at position `t` (0..=1) along the stops, for legends and tests.
    #[cfg(test)]
    pub(crate) fn color_at(&self, t: f64) -> RuleColor {
        let oklab: Vec<[f64; 3]> = self.stops.iter().map(|c| c.to_oklab()).collect();
        mix(&oklab, t)
    }

    /// A gradient through `stops` (evenly spaced) over `domain`.
    pub fn new(domain: [f64; 2], stops: Vec<RuleColor>) -> Result<Self, GradientError> {
        if stops.len() < 2 {
            return Err(GradientError::TooFewStops(stops.len()));
        }
        if !(domain[0].is_finite() && domain[1].is_finite()) || domain[0] == domain[1] {
            return Err(GradientError::BadDomain);
        }
        let oklab: Vec<[f64; 3]> = stops.iter().map(|c| c.to_oklab()).collect();
        let steps = (0..GRADIENT_STEPS)
            .map(|k| mix(&oklab, k as f64 / (GRADIENT_STEPS - 1) as f64))
            .collect();
        Ok(Self {
            domain,
            stops,
            steps,
        })
    }

    /// A named palette over `domain`.
    pub fn named(palette: Palette, domain: [f64; 2]) -> Result<Self, GradientError> {
        Self::new(domain, palette.stops().to_vec())
    }

    /// Where a value sits in the domain, 0..=1 (clamped); `None` for NaN.
    pub fn position(&self, value: f64) -> Option<f64> {
        if value.is_nan() {
            return None;
        }
        let [lo, hi] = self.domain;
        Some(((value - lo) / (hi - lo)).clamp(0.0, 1.0))
    }

    /// Colour for a value (one of [`GRADIENT_STEPS`]), or [`RuleColor::NO_DATA`] for a
    /// missing/NaN value.
    pub fn color(&self, value: Option<f64>) -> RuleColor {
        match value.and_then(|v| self.position(v)) {
            Some(t) => {
                let k = (t * (GRADIENT_STEPS - 1) as f64).round() as usize;
                self.steps[k.min(GRADIENT_STEPS - 1)]
            }
            None => RuleColor::NO_DATA,
        }
    }
}

/// The colour at `t` (clamped to 0..=1) on straight Oklab lines through evenly spaced stops.
fn mix(stops: &[[f64; 3]], t: f64) -> RuleColor {
    let along = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let i = (along.floor() as usize).min(stops.len() - 2);
    let frac = along - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    RuleColor::from_oklab([0, 1, 2].map(|c| a[c] + (b[c] - a[c]) * frac))
}
