//! Values inside scenario tables: quantities that may read an input, vectors, sizes,
//! directions and non-negative numbers, each checked at its own key.

use super::SceneError;
use super::file::Converter;
use super::scenario_parts::{RawQuantity, RawVec};
use crate::scenario::{InputSpec, Quantity};
use toml::Spanned;

impl Converter<'_, '_> {
    /// A number, or a known input (times `scale`); a number must be positive when `positive`.
    pub(super) fn quantity(
        &self,
        value: &Spanned<RawQuantity>,
        key: String,
        inputs: &[InputSpec],
        positive: bool,
    ) -> Result<Quantity, SceneError> {
        match value.get_ref() {
            RawQuantity::Number(v) if positive && !(v.is_finite() && *v > 0.0) => Err(self
                .invalid(
                    value.span(),
                    key,
                    format!("must be a positive number, not {v}"),
                )),
            RawQuantity::Number(v) => {
                let v = Spanned::new(value.span(), *v);
                Ok(Quantity::Value(self.finite(&v, key)?))
            }
            RawQuantity::Input(r) => {
                let name = r.input.get_ref();
                if !inputs.iter().any(|i| &i.name == name) {
                    let names: Vec<String> =
                        inputs.iter().map(|i| format!("`{}`", i.name)).collect();
                    let message = if names.is_empty() {
                        format!("no input `{name}`: this scenario has no [inputs]")
                    } else {
                        format!("no input `{name}` (inputs: {})", names.join(", "))
                    };
                    return Err(self.invalid(r.input.span(), format!("{key}.input"), message));
                }
                let scale = match &r.scale {
                    Some(s) => self.finite(s, format!("{key}.scale"))?,
                    None => 1.0,
                };
                Ok(Quantity::Input {
                    name: name.clone(),
                    scale,
                })
            }
        }
    }

    /// `[x, y, z]` of finite numbers.
    pub(super) fn vec3(&self, value: &RawVec, key: String) -> Result<[f64; 3], SceneError> {
        match value.get_ref().as_slice() {
            &[x, y, z] if [x, y, z].iter().all(|v| v.is_finite()) => Ok([x, y, z]),
            other => {
                let message = format!("must be [x, y, z] of finite numbers, not {other:?}");
                Err(self.invalid(value.span(), key, message))
            }
        }
    }

    /// `[x, y, z]` of positive sizes.
    pub(super) fn size3(&self, value: &RawVec, key: String) -> Result<[f64; 3], SceneError> {
        let size = self.vec3(value, key.clone())?;
        if size.iter().any(|v| *v <= 0.0) {
            let message = format!("sizes must be positive, not {size:?}");
            return Err(self.invalid(value.span(), key, message));
        }
        Ok(size)
    }

    /// A direction: `[x, y, z]`, not zero, normalised.
    pub(super) fn direction(&self, value: &RawVec, key: String) -> Result<[f64; 3], SceneError> {
        let v = self.vec3(value, key.clone())?;
        let length = v.iter().map(|c| c * c).sum::<f64>().sqrt();
        if length < 1e-9 {
            return Err(self.invalid(value.span(), key, "a direction must not be zero"));
        }
        Ok(v.map(|c| c / length))
    }

    pub(super) fn positive_number(
        &self,
        value: &Spanned<f64>,
        key: String,
    ) -> Result<f64, SceneError> {
        let v = *value.get_ref();
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            let message = format!("must be a positive number, not {v}");
            Err(self.invalid(value.span(), key, message))
        }
    }

    pub(super) fn at_least_zero(
        &self,
        value: Option<&Spanned<f64>>,
        key: String,
        default: f64,
    ) -> Result<f64, SceneError> {
        match value {
            Some(v) if !(v.get_ref().is_finite() && *v.get_ref() >= 0.0) => {
                let message = format!("must be zero or positive, not {}", v.get_ref());
                Err(self.invalid(v.span(), key, message))
            }
            Some(v) => Ok(*v.get_ref()),
            None => Ok(default),
        }
    }
}
