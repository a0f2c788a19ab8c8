//! Placing a drift window's onset, and telling a drift (a ramp) from a level shift (a step)
//! inside a window. Both run once per window, over the remembered samples.

use super::{AnomalyDetector, AnomalyKind};
use crate::signal::Timestamp;

impl AnomalyDetector {
    /// Where a ramp going `direction` (+1 up) most likely began: the kink of the continuous
    /// two-piece line that best fits the drift test's samples (`None` when too few, or when
    /// no kink bends that way).
    pub(super) fn ramp_start(&self, direction: f64) -> Option<Timestamp> {
        let samples = self.reference.samples();
        let n = (2 * self.config.drift_window).min(samples.len());
        if n < 12 {
            return None;
        }
        let tail: Vec<(Timestamp, f64)> = samples
            .iter()
            .skip(samples.len() - n)
            .map(|s| (s.time, s.seen))
            .collect();
        let nf = n as f64;
        let mx = (nf - 1.0) / 2.0;
        let sxx = nf * (nf * nf - 1.0) / 12.0;
        let mut best: Option<(usize, f64)> = None;
        for kink in (4..n - 4).step_by(2) {
            let hinge = |i: usize| i.saturating_sub(kink) as f64;
            let mh = (0..n).map(hinge).sum::<f64>() / nf;
            let sxh: f64 = (0..n).map(|i| (i as f64 - mx) * hinge(i)).sum();
            // The hinge with the constant and the line projected out: what it adds.
            let (mut dot, mut norm) = (0.0, 0.0);
            for (i, (_, y)) in tail.iter().enumerate() {
                let h = hinge(i) - mh - sxh / sxx * (i as f64 - mx);
                dot += h * y;
                norm += h * h;
            }
            let gain = dot * dot / norm;
            if norm > 0.0 && dot * direction > 0.0 && best.is_none_or(|(_, g)| gain > g) {
                best = Some((kink, gain));
            }
        }
        best.map(|(kink, _)| tail[kink].0)
    }

    /// Drift when a line through the values since `start` fits them better than the best
    /// single step does (and the line rises more than twice the noise); otherwise a level
    /// shift.
    pub(super) fn classify(&self, start: Timestamp, end: Timestamp) -> AnomalyKind {
        let points: Vec<(f64, f64)> = self
            .reference
            .samples()
            .iter()
            .filter(|s| s.time >= start && s.time <= end)
            .map(|s| (s.time.secs_since(start), s.raw))
            .collect();
        if points.len() < 8 {
            return AnomalyKind::LevelShift;
        }
        let n = points.len() as f64;
        let mt = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mv = points.iter().map(|p| p.1).sum::<f64>() / n;
        let stt: f64 = points.iter().map(|p| (p.0 - mt).powi(2)).sum();
        let stv: f64 = points.iter().map(|p| (p.0 - mt) * (p.1 - mv)).sum();
        let svv: f64 = points.iter().map(|p| (p.1 - mv).powi(2)).sum();
        if stt <= 0.0 || svv <= 0.0 {
            return AnomalyKind::LevelShift;
        }
        let line_sse = svv - stv * stv / stt;
        // Best step: constant before and after one split, from prefix sums.
        let (mut sum, mut sum2) = (0.0, 0.0);
        let total: f64 = points.iter().map(|p| p.1).sum();
        let total2: f64 = points.iter().map(|p| p.1 * p.1).sum();
        let mut step_sse = f64::INFINITY;
        for (i, p) in points.iter().enumerate().take(points.len() - 2) {
            sum += p.1;
            sum2 += p.1 * p.1;
            let left = (i + 1) as f64;
            if left < 2.0 {
                continue;
            }
            let right = n - left;
            let sse = (sum2 - sum * sum / left) + (total2 - sum2) - (total - sum).powi(2) / right;
            step_sse = step_sse.min(sse);
        }
        let rise = (stv / stt).abs() * (points[points.len() - 1].0 - points[0].0);
        if line_sse < step_sse && rise > 2.0 * self.scale {
            AnomalyKind::Drift
        } else {
            AnomalyKind::LevelShift
        }
    }
}
