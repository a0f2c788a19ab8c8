//! The online forecaster of one signal: Holt update, periodic refit, h-step error buckets.

use super::holt::{HoltParams, HoltState, fit_params};
use super::{
    Band, Crossing, ForecastConfig, LEVEL_Z, LEVELS, MIN_ERRORS, Prediction, Threshold, normal_cdf,
};
use crate::signal::Timestamp;
use std::collections::VecDeque;

/// Longest horizon in samples the error buckets reach; longer horizons extrapolate with √h.
const MAX_STEPS: usize = 4096;
/// Sample gaps measured to find the period when none is given.
const PERIOD_GAPS: usize = 16;
/// Weight limit of the running residual scale (an EWMA over about this many samples).
const SCALE_SPAN: f64 = 50.0;

/// Remembered h-step errors for one horizon.
#[derive(Clone, Debug)]
struct Bucket {
    steps: usize,
    errors: VecDeque<f64>,
    /// `errors` sorted, as of the last refresh.
    sorted: Vec<f64>,
    /// `σ(h)/σ₁` of the textbook variance growth, for the fallback before enough errors.
    growth: f64,
    /// `Σφⁱ` up to `steps` with the current parameters (cached: crossings run every frame).
    trend_steps: f64,
    /// Empirical (lower, upper) error quantiles per level, once there are enough errors.
    quantiles: Option<[(f64, f64); 2]>,
}

/// Forecasts one signal online; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct Forecaster {
    config: ForecastConfig,
    params: HoltParams,
    state: HoltState,
    seen: u64,
    last: Option<(Timestamp, f64)>,
    /// Sample period used to turn times into steps: nominal, until measured.
    period_s: Option<f64>,
    gaps: Vec<f64>,
    measured: bool,
    /// Raw values of the fit window.
    values: VecDeque<f64>,
    /// States after each of the last `MAX bucket steps` samples, newest last.
    states: VecDeque<HoltState>,
    buckets: Vec<Bucket>,
    /// Running mean absolute (clipped) one-step residual.
    scale: f64,
    clip_run: i32,
    since_refit: usize,
    since_refresh: usize,
    fits: u64,
}

impl Forecaster {
    /// A forecaster with default parameters until the first fit.
    pub fn new(config: ForecastConfig) -> Self {
        let period_s = config.period_s.filter(|p| p.is_finite() && *p > 0.0);
        let mut forecaster = Self {
            params: HoltParams {
                phi: match config.method {
                    super::Method::Holt => 1.0,
                    super::Method::Damped => HoltParams::default().phi,
                },
                ..HoltParams::default()
            },
            state: HoltState::default(),
            seen: 0,
            last: None,
            period_s,
            gaps: Vec::with_capacity(PERIOD_GAPS),
            measured: false,
            values: VecDeque::with_capacity(config.fit_window.max(1)),
            states: VecDeque::new(),
            buckets: Vec::new(),
            scale: 0.0,
            clip_run: 0,
            since_refit: 0,
            since_refresh: 0,
            fits: 0,
            config,
        };
        if let Some(period) = period_s {
            forecaster.lay_out_buckets(period);
        }
        forecaster
    }

    /// The configuration it was made with.
    pub fn config(&self) -> &ForecastConfig {
        &self.config
    }

    /// The parameters in use (defaults until the first fit).
    pub fn params(&self) -> HoltParams {
        self.params
    }

    /// Parameter fits done so far.
    #[cfg(test)]
    pub(crate) fn fits(&self) -> u64 {
        self.fits
    }

    /// Samples taken so far.
    pub fn samples(&self) -> u64 {
        self.seen
    }

    /// The last sample taken, if any.
    pub fn last(&self) -> Option<(Timestamp, f64)> {
        self.last
    }

    /// The sample period used to turn times into steps, once known.
    pub fn period_s(&self) -> Option<f64> {
        self.period_s
    }

    /// The configured horizon in seconds.
    pub fn horizon_s(&self) -> f64 {
        self.config.horizon_s
    }

    /// Robust one-step residual scale (≈ standard deviation for normal errors).
    pub(crate) fn residual_scale(&self) -> f64 {
        1.25 * self.scale
    }

    /// Whether forecasts can be made: at least three samples and a known period.
    pub fn ready(&self) -> bool {
        self.seen >= 3 && self.period_s.is_some()
    }

    /// Takes one sample. Non-finite values and samples not after the last are ignored.
    pub fn update(&mut self, time: Timestamp, value: f64) {
        if !value.is_finite() {
            return;
        }
        if let Some((last_time, _)) = self.last {
            if time <= last_time {
                return;
            }
            self.measure_period(time.secs_since(last_time));
        }
        if self.seen == 0 {
            self.state = HoltState {
                level: value,
                trend: 0.0,
            };
        } else {
            self.score_buckets(value);
            let f1 = self.state.forecast(&self.params, 1.0);
            let r = self.clipped_residual(value - f1);
            self.state.correct(&self.params, f1, r);
        }
        self.seen += 1;
        self.last = Some((time, value));
        if self.values.len() == self.config.fit_window.max(1) {
            self.values.pop_front();
        }
        self.values.push_back(value);
        let keep = self.buckets.last().map_or(0, |b| b.steps);
        if keep > 0 {
            if self.states.len() == keep {
                self.states.pop_front();
            }
            self.states.push_back(self.state);
        }
        self.since_refit += 1;
        self.since_refresh += 1;
        if self.since_refit >= self.config.refit_every.max(1) {
            self.refit();
        } else if self.since_refresh >= (self.seen as usize / 4).clamp(16, self.refresh_every()) {
            self.refresh();
        }
    }

    /// The forecast for `time` (at or after the last sample), with intervals.
    pub fn predict(&self, time: Timestamp) -> Option<Prediction> {
        let (last_time, _) = self.last?;
        let period = self.period_s?;
        if !self.ready() {
            return None;
        }
        let lead_s = time.secs_since(last_time).max(0.0);
        let h = lead_s / period;
        let mean = self.state.forecast(&self.params, h);
        let bands = [0, 1].map(|i| {
            let (lo, hi) = self.error_quantiles(h, i);
            Band {
                level: LEVELS[i],
                lo: mean + lo,
                hi: mean + hi,
            }
        });
        Some(Prediction {
            time,
            lead_s,
            mean,
            bands,
        })
    }

    /// `points` forecasts evenly spaced from the last sample to `until` (for plotting a band).
    pub fn path(&self, until: Timestamp, points: usize) -> Vec<Prediction> {
        let Some((last_time, _)) = self.last else {
            return Vec::new();
        };
        let span = (until.0 - last_time.0).max(0);
        let n = points.max(2);
        (0..n)
            .filter_map(|i| self.predict(Timestamp(last_time.0 + span * i as i64 / (n - 1) as i64)))
            .collect()
    }

    /// When and how likely the signal reaches `threshold` within the horizon.
    pub fn crossing(&self, threshold: Threshold) -> Option<Crossing> {
        let (_, last_value) = self.last?;
        let period = self.period_s?;
        if !self.ready() {
            return None;
        }
        let horizon_s = self.config.horizon_s;
        if threshold.reached_by(last_value) {
            return Some(Crossing {
                probability: 1.0,
                expected_s: Some(0.0),
                earliest_s: Some(0.0),
                horizon_s,
                already: true,
            });
        }
        let horizon = horizon_s / period;
        let rise = threshold.limit - self.state.level;
        let expected_s = self
            .params
            .steps_to_rise(self.state.trend, rise)
            .filter(|h| *h <= horizon)
            .map(|h| h.max(0.0) * period);
        let mut probability: f64 = 0.0;
        let mut earliest_s = None;
        let mut previous = (0.0, self.state.level);
        let mut probe = |h: f64, mean: f64, p: f64, (lo, hi): (f64, f64)| {
            probability = probability.max(p);
            let edge = mean + if threshold.high { hi } else { lo };
            if earliest_s.is_none() {
                if threshold.reached_by(edge) {
                    let (h0, e0) = previous;
                    let f = ((threshold.limit - e0) / (edge - e0)).clamp(0.0, 1.0);
                    earliest_s = Some((h0 + f * (h - h0)) * period);
                }
                previous = (h, edge);
            }
        };
        // Bucket horizons inside the horizon, from cached path steps and quantiles.
        let mut probed = 0.0;
        for bucket in self
            .buckets
            .iter()
            .take_while(|b| b.steps as f64 <= horizon)
        {
            let h = bucket.steps as f64;
            let mean = self.state.level + self.state.trend * bucket.trend_steps;
            let p = self.exceedance(h, mean, threshold);
            let band = match bucket.quantiles {
                Some(q) => q[1],
                None => self.bucket_quantiles(bucket, 1),
            };
            probe(h, mean, p, band);
            probed = h;
        }
        if probed < horizon {
            let h = horizon.max(1.0);
            let mean = self.state.forecast(&self.params, h);
            let p = self.exceedance(h, mean, threshold);
            probe(h, mean, p, self.error_quantiles(h, 1));
        }
        Some(Crossing {
            probability: probability.clamp(0.0, 1.0),
            expected_s,
            earliest_s,
            horizon_s,
            already: false,
        })
    }

    /// Probability that the value `h` steps ahead, expected at `mean`, reaches `threshold`.
    fn exceedance(&self, h: f64, mean: f64, threshold: Threshold) -> f64 {
        let gap = threshold.limit - mean;
        if let Some(bucket) = self.bucket_at(h).filter(|b| b.sorted.len() >= MIN_ERRORS) {
            let n = bucket.sorted.len() as f64;
            // Scale the bucket's errors to horizon h (√h between or beyond buckets).
            let scale = (h / bucket.steps as f64).max(0.0).sqrt();
            if scale <= 0.0 {
                return f64::from(u8::from(threshold.reached_by(mean)));
            }
            let needed = gap / scale;
            let below = bucket.sorted.partition_point(|e| *e < needed) as f64;
            let at_or_below = bucket.sorted.partition_point(|e| *e <= needed) as f64;
            return if threshold.high {
                (n - below) / n
            } else {
                at_or_below / n
            };
        }
        let sigma = self.fallback_sigma(h);
        if sigma <= 0.0 {
            return f64::from(u8::from(threshold.reached_by(mean)));
        }
        let z = gap / sigma;
        if threshold.high {
            1.0 - normal_cdf(z)
        } else {
            normal_cdf(z)
        }
    }

    /// The bucket nearest at or above `h` steps (the last one beyond it).
    fn bucket_at(&self, h: f64) -> Option<&Bucket> {
        self.buckets
            .iter()
            .find(|b| b.steps as f64 >= h)
            .or(self.buckets.last())
    }

    /// (lower, upper) error quantiles of interval `level` at `h` steps.
    fn error_quantiles(&self, h: f64, level: usize) -> (f64, f64) {
        if h <= 0.0 {
            return (0.0, 0.0);
        }
        let upper = match self.buckets.iter().position(|b| b.steps as f64 >= h) {
            Some(0) | None if self.buckets.is_empty() => None,
            Some(0) => {
                let b = &self.buckets[0];
                let (lo, hi) = self.bucket_quantiles(b, level);
                let s = (h / b.steps as f64).sqrt();
                Some((lo * s, hi * s))
            }
            Some(i) => {
                let (a, b) = (&self.buckets[i - 1], &self.buckets[i]);
                let (alo, ahi) = self.bucket_quantiles(a, level);
                let (blo, bhi) = self.bucket_quantiles(b, level);
                let f = (h - a.steps as f64) / (b.steps - a.steps).max(1) as f64;
                Some((alo + f * (blo - alo), ahi + f * (bhi - ahi)))
            }
            None => self.buckets.last().map(|b| {
                let (lo, hi) = self.bucket_quantiles(b, level);
                let s = (h / b.steps as f64).sqrt();
                (lo * s, hi * s)
            }),
        };
        upper.unwrap_or_else(|| {
            let half = LEVEL_Z[level] * self.fallback_sigma(h);
            (-half, half)
        })
    }

    /// Empirical (lower, upper) error quantiles of a bucket, or the normal fallback.
    fn bucket_quantiles(&self, bucket: &Bucket, level: usize) -> (f64, f64) {
        if let Some(q) = bucket.quantiles {
            q[level]
        } else {
            let half = LEVEL_Z[level] * self.residual_scale() * bucket.growth;
            (-half, half)
        }
    }

    /// Standard deviation of the h-step error from the textbook variance growth.
    fn fallback_sigma(&self, h: f64) -> f64 {
        let growth = match self.buckets.iter().find(|b| b.steps as f64 >= h) {
            Some(b) => b.growth * (h / b.steps as f64).sqrt().min(1.0),
            None => growth(&self.params, h.ceil().max(1.0) as usize),
        };
        self.residual_scale() * growth
    }

    fn refresh_every(&self) -> usize {
        self.config.refit_every.max(16)
    }

    /// Records the error of each bucket's forecast made `steps` samples ago for `value`.
    ///
    /// A bucket keeps every `steps / 4`-th error: successive h-step errors share most of their
    /// noise, so this spreads the same memory over a longer, more informative stretch.
    fn score_buckets(&mut self, value: f64) {
        let held = self.states.len();
        let seen = self.seen as usize;
        for bucket in &mut self.buckets {
            if held < bucket.steps || !seen.is_multiple_of((bucket.steps / 4).max(1)) {
                continue;
            }
            let made = self.states[held - bucket.steps];
            let error = value - made.forecast(&self.params, bucket.steps as f64);
            if bucket.errors.len() == self.config.error_window.max(1) {
                bucket.errors.pop_front();
            }
            bucket.errors.push_back(error);
        }
    }

    /// The residual the update uses: clipped when it is an isolated outlier.
    fn clipped_residual(&mut self, raw: f64) -> f64 {
        let clip = self.config.outlier_clip;
        let sigma = self.residual_scale();
        let mut r = raw;
        if clip > 0.0 && self.seen > 10 && sigma > 0.0 && raw.abs() > clip * sigma {
            let sign = if raw > 0.0 { 1 } else { -1 };
            self.clip_run = if self.clip_run * sign > 0 {
                self.clip_run + sign
            } else {
                sign
            };
            if self.clip_run.abs() <= 2 {
                r = f64::from(sign) * clip * sigma;
            }
        } else {
            self.clip_run = 0;
        }
        let weight = 1.0 / (self.seen as f64).clamp(1.0, SCALE_SPAN);
        self.scale += (r.abs() - self.scale) * weight;
        r
    }

    fn measure_period(&mut self, gap_s: f64) {
        if self.measured || !(gap_s.is_finite() && gap_s > 0.0) {
            return;
        }
        self.gaps.push(gap_s);
        if self.gaps.len() < PERIOD_GAPS {
            return;
        }
        self.measured = true;
        let mut gaps = std::mem::take(&mut self.gaps);
        gaps.sort_by(f64::total_cmp);
        let median = gaps[gaps.len() / 2];
        let nominal = self.period_s;
        if nominal.is_none_or(|p| (median / p - 1.0).abs() > 0.25) {
            self.period_s = Some(median);
            self.lay_out_buckets(median);
        }
    }

    /// Buckets at roughly geometric steps from 1 to the horizon (errors start over).
    fn lay_out_buckets(&mut self, period_s: f64) {
        let horizon = (self.config.horizon_s / period_s)
            .ceil()
            .clamp(1.0, MAX_STEPS as f64);
        let n = self.config.buckets.max(2);
        let mut steps: Vec<usize> = (0..n)
            .map(|k| horizon.powf(k as f64 / (n - 1) as f64).round().max(1.0) as usize)
            .collect();
        steps.dedup();
        self.buckets = steps
            .into_iter()
            .map(|steps| Bucket {
                steps,
                errors: VecDeque::with_capacity(self.config.error_window.max(1)),
                sorted: Vec::new(),
                growth: growth(&self.params, steps),
                trend_steps: self.params.trend_steps(steps as f64),
                quantiles: None,
            })
            .collect();
        self.states.clear();
    }

    fn refit(&mut self) {
        self.since_refit = 0;
        let lead = match (self.buckets.last(), self.period_s) {
            (Some(b), _) => b.steps,
            (None, Some(p)) => (self.config.horizon_s / p).ceil() as usize,
            (None, None) => 1,
        };
        let values = self.values.make_contiguous();
        let (method, clip) = (self.config.method, self.config.outlier_clip);
        if let Some(params) = fit_params(values, method, clip, lead) {
            self.params = params;
            self.fits += 1;
        }
        self.refresh();
    }

    /// Re-sorts the bucket errors and recomputes the fallback growth.
    fn refresh(&mut self) {
        self.since_refresh = 0;
        for bucket in &mut self.buckets {
            bucket.sorted.clear();
            bucket.sorted.extend(bucket.errors.iter().copied());
            bucket.sorted.sort_by(f64::total_cmp);
            bucket.growth = growth(&self.params, bucket.steps);
            bucket.trend_steps = self.params.trend_steps(bucket.steps as f64);
            bucket.quantiles = (bucket.sorted.len() >= MIN_ERRORS).then(|| {
                LEVELS.map(|level| {
                    let tail = (1.0 - level) / 2.0;
                    (
                        quantile(&bucket.sorted, tail),
                        quantile(&bucket.sorted, 1.0 - tail),
                    )
                })
            });
        }
    }
}

/// `σ(h)/σ₁ = √(1 + Σⱼ₌₁ʰ⁻¹ α²(1 + β·Sⱼ)²)` for Holt's method with damping.
fn growth(params: &HoltParams, steps: usize) -> f64 {
    let mut sum = 1.0;
    let mut s = 0.0;
    let mut phi_j = 1.0;
    for _ in 1..steps.min(MAX_STEPS) {
        phi_j *= params.phi;
        s += phi_j;
        let c = params.alpha * (1.0 + params.beta * s);
        sum += c * c;
    }
    sum.sqrt()
}

/// Linear-interpolated quantile `p` of sorted, non-empty `values`.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let pos = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (pos - i as f64) * (sorted[j] - sorted[i])
}
