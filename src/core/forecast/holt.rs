//! Holt's linear trend in error-correction form, and the grid search that fits its parameters.

use super::Method;

/// Smoothing parameters of Holt's method.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct HoltParams {
    /// Level smoothing, 0 < α ≤ 1 (1 = follow the last value).
    pub alpha: f64,
    /// Trend smoothing relative to α, 0 < β ≤ 1.
    pub beta: f64,
    /// Trend damping, 0 < φ ≤ 1 (1 = plain Holt).
    pub phi: f64,
}

impl Default for HoltParams {
    fn default() -> Self {
        Self {
            alpha: 0.3,
            beta: 0.05,
            phi: 0.95,
        }
    }
}

impl HoltParams {
    /// `Σᵢ₌₁ʰ φⁱ`: how many trend steps an h-step forecast adds (h for plain Holt); `h` may be
    /// fractional (between samples).
    pub fn trend_steps(&self, h: f64) -> f64 {
        if self.phi >= 1.0 {
            h
        } else {
            self.phi * (1.0 - self.phi.powf(h)) / (1.0 - self.phi)
        }
    }

    /// The steps `h > 0` at which `trend · Σφⁱ` first equals `rise`; `None` when never (wrong
    /// direction, no trend, or beyond the damped path's asymptote).
    pub fn steps_to_rise(&self, trend: f64, rise: f64) -> Option<f64> {
        if trend == 0.0 || rise / trend <= 0.0 {
            return None;
        }
        let q = rise / trend;
        if self.phi >= 1.0 {
            return Some(q);
        }
        let inner = 1.0 - q * (1.0 - self.phi) / self.phi;
        (inner > 0.0).then(|| inner.ln() / self.phi.ln())
    }
}

/// Level and trend after a sample.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct HoltState {
    pub level: f64,
    pub trend: f64,
}

impl HoltState {
    /// The forecast `h` steps ahead.
    pub fn forecast(&self, params: &HoltParams, h: f64) -> f64 {
        self.level + self.trend * params.trend_steps(h)
    }

    /// Takes one (already clipped) one-step residual `r` of the forecast `f1`.
    pub fn correct(&mut self, params: &HoltParams, f1: f64, r: f64) {
        self.level = f1 + params.alpha * r;
        self.trend = params.phi * self.trend + params.alpha * params.beta * r;
    }
}

const ALPHAS: [f64; 7] = [0.03, 0.1, 0.2, 0.35, 0.55, 0.8, 1.0];
const BETAS: [f64; 4] = [0.005, 0.03, 0.1, 0.3];
const DAMPED_PHIS: [f64; 3] = [0.85, 0.95, 0.99];
/// Samples at the start of the fit window used to start the state and left out of the error.
const BURN_IN: usize = 4;

/// Parameters minimising the one-step squared error (residuals clipped at `clip`, as the live
/// update clips them) over `values`, from a grid of 7 α × 4 β (× 3 φ when damped); `None` when
/// there are too few values to judge.
pub fn fit_params(values: &[f64], method: Method, clip: f64) -> Option<HoltParams> {
    if values.len() < BURN_IN + 8 {
        return None;
    }
    let phis: &[f64] = match method {
        Method::Holt => &[1.0],
        Method::Damped => &DAMPED_PHIS,
    };
    let start = HoltState {
        level: values[BURN_IN - 1],
        trend: (values[BURN_IN - 1] - values[0]) / (BURN_IN - 1) as f64,
    };
    let mut best: Option<(f64, HoltParams)> = None;
    for &phi in phis {
        for &beta in BETAS.iter() {
            for &alpha in ALPHAS.iter() {
                let params = HoltParams { alpha, beta, phi };
                let sse = one_step_sse(&values[BURN_IN..], &params, start, clip);
                if best.is_none_or(|(b, _)| sse < b) {
                    best = Some((sse, params));
                }
            }
        }
    }
    best.map(|(_, p)| p)
}

/// One-step squared error of `params` over `values` from `state`; residuals beyond `clip`
/// times the running mean absolute residual (× 1.25) are clipped in both the error and the
/// update.
fn one_step_sse(values: &[f64], params: &HoltParams, mut state: HoltState, clip: f64) -> f64 {
    let mut sse = 0.0;
    let mut scale = 0.0;
    for (i, &x) in values.iter().enumerate() {
        let f1 = state.forecast(params, 1.0);
        let mut r = x - f1;
        let bound = clip * 1.25 * scale;
        if clip > 0.0 && i >= 8 && bound > 0.0 {
            r = r.clamp(-bound, bound);
        }
        scale += (r.abs() - scale) / (i as f64 + 1.0).min(20.0);
        sse += r * r;
        state.correct(params, f1, r);
    }
    sse
}
