//! Telling a drift (a ramp) from a level shift (a step) inside a window.

use super::{AnomalyDetector, AnomalyKind};
use crate::core::signal::Timestamp;

impl AnomalyDetector {
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
