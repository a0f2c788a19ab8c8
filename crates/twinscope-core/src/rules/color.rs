//! [`RuleColor`]: an 8-bit sRGB colour as written in scene files, and its Oklab form.

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

    /// The colour in Oklab (`[L, a, b]`), where straight-line mixes look even to the eye, unlike
    /// mixes of sRGB channels (which dip dark and muddy between saturated hues).
    pub(crate) fn to_oklab(self) -> [f64; 3] {
        let [r, g, b] = self.0.map(|c| srgb_to_linear(f64::from(c) / 255.0));
        let l = 0.412_221_470_8 * r + 0.536_332_536_3 * g + 0.051_445_992_9 * b;
        let m = 0.211_903_498_2 * r + 0.680_699_545_1 * g + 0.107_396_956_6 * b;
        let s = 0.088_302_461_9 * r + 0.281_718_837_6 * g + 0.629_978_700_5 * b;
        let (l, m, s) = (l.cbrt(), m.cbrt(), s.cbrt());
        [
            0.210_454_255_3 * l + 0.793_617_785_0 * m - 0.004_072_046_8 * s,
            1.977_998_495_1 * l - 2.428_592_205_0 * m + 0.450_593_709_9 * s,
            0.025_904_037_1 * l + 0.782_771_766_2 * m - 0.808_675_766_0 * s,
        ]
    }

    /// The nearest 8-bit sRGB colour to an Oklab colour (out-of-gamut channels are clipped).
    pub(crate) fn from_oklab([ok_l, ok_a, ok_b]: [f64; 3]) -> RuleColor {
        let l = ok_l + 0.396_337_777_4 * ok_a + 0.215_803_757_3 * ok_b;
        let m = ok_l - 0.105_561_345_8 * ok_a - 0.063_854_172_8 * ok_b;
        let s = ok_l - 0.089_484_177_5 * ok_a - 1.291_485_548_0 * ok_b;
        let (l, m, s) = (l * l * l, m * m * m, s * s * s);
        let linear = [
            4.076_741_662_1 * l - 3.307_711_591_3 * m + 0.230_969_929_2 * s,
            -1.268_438_004_6 * l + 2.609_757_401_1 * m - 0.341_319_396_5 * s,
            -0.004_196_086_3 * l - 0.703_418_614_7 * m + 1.707_614_701_0 * s,
        ];
        RuleColor(linear.map(|c| (linear_to_srgb(c).clamp(0.0, 1.0) * 255.0).round() as u8))
    }
}

/// sRGB transfer function, encoded → linear light.
fn srgb_to_linear(c: f64) -> f64 {
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// sRGB transfer function, linear light → encoded.
fn linear_to_srgb(c: f64) -> f64 {
    if c <= 0.003_130_8 {
        c * 12.92
    } else {
        1.055 * c.max(0.0).powf(1.0 / 2.4) - 0.055
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
