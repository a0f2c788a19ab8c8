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
    pub(crate) fn trend_steps(&self, h: f64) -> f64 {
        if self.phi >= 1.0 {
            h
        } else {
            self.phi * (1.0 - self.phi.powf(h)) / (1.0 - self.phi)
        }
    }

    /// The steps `h > 0` at which `trend · Σφⁱ` first equals `rise`; `None` when never (wrong
    /// direction, no trend, or beyond the damped path's asymptote).
    pub(crate) fn steps_to_rise(&self, trend: f64, rise: f64) -> Option<f64> {
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
    pub(super) fn forecast(&self, params: &HoltParams, h: f64) -> f64 {
        self.level + self.trend * params.trend_steps(h)
    }

    /// Takes one (already clipped) one-step residual `r` of the forecast `f1`.
    pub(crate) fn correct(&mut self, params: &HoltParams, f1: f64, r: f64) {
        self.level = f1 + params.alpha * r;
        self.trend = params.phi * self.trend + params.alpha * params.beta * r;
    }
}

const ALPHAS: [f64; 6] = [0.03, 0.1, 0.2, 0.4, 0.7, 1.0];
const BETAS: [f64; 4] = [0.005, 0.02, 0.08, 0.3];
/// Damping grid as the trend's persistence (`1/(1 − φ)` steps) in multiples of the fit's
/// lead: per-step `φ` means nothing by itself (0.95 fades a 1 Hz trend within 20 s but a
/// daily one over weeks), so the grid follows the horizon the fit serves.
const DAMPED_PERSISTENCE: [f64; 4] = [0.1, 0.5, 2.0, 10.0];
/// Fewest samples the starting line is fitted through (then up to 30, a quarter of the
/// window); they are left out of the error.
const BURN_IN: usize = 4;

/// Parameters minimising the one-step plus the `lead`-step mean squared error (residuals
/// clipped at `clip` residual scales, as the live update clips them) over `values`, from a grid
/// of 6 α × 4 β (× 4 φ when damped, scaled to the lead); `None` when there are too few values to judge.
///
/// The `lead`-step term is what makes the fit serve the horizon: the one-step error alone
/// barely tells a noisy trend estimate from a steady one, and a noisy trend is what ruins
/// forecasts a minute ahead.
pub fn fit_params(values: &[f64], method: Method, clip: f64, lead: usize) -> Option<HoltParams> {
    if values.len() < 4 * BURN_IN {
        return None;
    }
    // Start from a least-squares line through the first few values.
    let head = (values.len() / 4).clamp(BURN_IN, 30);
    let n = head as f64;
    let mean_t = (n - 1.0) / 2.0;
    let mean_v = values[..head].iter().sum::<f64>() / n;
    let (mut stv, mut stt) = (0.0, 0.0);
    for (i, v) in values[..head].iter().enumerate() {
        stv += (i as f64 - mean_t) * (v - mean_v);
        stt += (i as f64 - mean_t).powi(2);
    }
    let trend = if stt > 0.0 { stv / stt } else { 0.0 };
    let start = HoltState {
        level: mean_v + trend * (n - 1.0 - mean_t),
        trend,
    };
    let values = &values[head..];
    let lead = lead.clamp(1, (values.len() / 3).max(1));
    let phis: Vec<f64> = match method {
        Method::Holt => vec![1.0],
        Method::Damped => DAMPED_PERSISTENCE
            .iter()
            .map(|k| 1.0 - 1.0 / (k * lead as f64).max(2.0))
            .collect(),
    };
    let mut ring = vec![start; lead];
    let mut best: Option<(f64, HoltParams)> = None;
    for &phi in &phis {
        for &beta in BETAS.iter() {
            for &alpha in ALPHAS.iter() {
                let params = HoltParams { alpha, beta, phi };
                let cost = fit_cost(values, &params, start, clip, lead, &mut ring);
                if best.is_none_or(|(b, _)| cost < b) {
                    best = Some((cost, params));
                }
            }
        }
    }
    best.map(|(_, p)| p)
}

/// One-step MSE plus `lead`-step MSE of `params` over `values` from `state`; one-step
/// residuals beyond `clip` times the running mean absolute residual (× 1.25) are clipped in
/// both the error and the update. `ring` (length `lead`) holds the states `lead` samples back.
fn fit_cost(
    values: &[f64],
    params: &HoltParams,
    mut state: HoltState,
    clip: f64,
    lead: usize,
    ring: &mut [HoltState],
) -> f64 {
    let lead_steps = params.trend_steps(lead as f64);
    let (mut sse1, mut sse_lead, mut n_lead) = (0.0, 0.0, 0usize);
    let mut scale = 0.0;
    for (i, &x) in values.iter().enumerate() {
        let slot = i % lead;
        if i >= lead {
            let made = ring[slot];
            let e = x - (made.level + made.trend * lead_steps);
            sse_lead += e * e;
            n_lead += 1;
        }
        let f1 = state.forecast(params, 1.0);
        let mut r = x - f1;
        let bound = clip * 1.25 * scale;
        if clip > 0.0 && i >= 8 && bound > 0.0 {
            r = r.clamp(-bound, bound);
        }
        scale += (r.abs() - scale) / (i as f64 + 1.0).min(20.0);
        sse1 += r * r;
        state.correct(params, f1, r);
        ring[slot] = state;
    }
    sse1 / values.len() as f64 + sse_lead / n_lead.max(1) as f64
}
