//! The detector's own reference: least-squares lines over sliding windows of recent samples,
//! kept as running sums so each sample costs O(1).
//!
//! One ring holds the recent samples (time, raw value, and the value the lines see: the raw
//! value clipped to the one-step reference ± a few robust standard deviations, so an outlier
//! moves no line by more than the clip). Each [`LineWindow`] covers a fixed stretch of that ring
//! (its newest `lag` samples excluded) and keeps `Σv` and `Σj·v` (j = 0 for its oldest sample)
//! so it slides by one sample in O(1).

use crate::signal::Timestamp;
use std::collections::VecDeque;

/// One remembered sample.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sample {
    pub time: Timestamp,
    pub raw: f64,
    /// What the lines see (raw, or clipped near the reference when it was an outlier).
    pub seen: f64,
}

/// A least-squares line over `len` ring samples ending `lag` samples before the newest.
#[derive(Clone, Copy, Debug)]
pub(super) struct LineWindow {
    len: usize,
    lag: usize,
    /// Samples in it now (fewer than `len` while filling or after a restart).
    n: usize,
    s0: f64,
    s1: f64,
}

impl LineWindow {
    pub(super) fn new(len: usize, lag: usize) -> Self {
        Self {
            len: len.max(2),
            lag,
            n: 0,
            s0: 0.0,
            s1: 0.0,
        }
    }

    /// Whether it holds its full length.
    pub(super) fn full(&self) -> bool {
        self.n == self.len
    }

    /// Samples in it now.
    pub(super) fn count(&self) -> usize {
        self.n
    }

    /// The ring must hold this many samples for the window to slide.
    fn reach(&self) -> usize {
        self.lag + self.len + 1
    }

    /// Slides by one after a sample was pushed onto `ring`.
    fn slide(&mut self, ring: &VecDeque<Sample>) {
        let back = |i: usize| ring.len().checked_sub(i + 1).and_then(|k| ring.get(k));
        let Some(entering) = back(self.lag) else {
            return;
        };
        self.s1 += self.n as f64 * entering.seen;
        self.s0 += entering.seen;
        self.n += 1;
        if self.n > self.len {
            if let Some(leaving) = back(self.lag + self.len) {
                self.s0 -= leaving.seen;
                // Every remaining sample's j drops by one.
                self.s1 -= self.s0;
            }
            self.n = self.len;
        }
    }

    /// Recomputes the sums over (at most) the `keep` newest samples it may cover, exactly.
    fn rebuild(&mut self, ring: &VecDeque<Sample>, keep: usize) {
        let available = ring.len().saturating_sub(self.lag);
        self.n = keep.min(self.len).min(available);
        let first = available - self.n;
        self.s0 = 0.0;
        self.s1 = 0.0;
        for (j, s) in ring.range(first..available).enumerate() {
            self.s0 += s.seen;
            self.s1 += j as f64 * s.seen;
        }
    }

    /// `(mean, slope per sample)`; slope 0 below three samples.
    pub(super) fn line(&self) -> Option<(f64, f64)> {
        if self.n == 0 {
            return None;
        }
        let n = self.n as f64;
        let mean = self.s0 / n;
        if self.n < 3 {
            return Some((mean, 0.0));
        }
        let sxx = n * (n * n - 1.0) / 12.0;
        let sxy = self.s1 - (n - 1.0) / 2.0 * self.s0;
        Some((mean, sxy / sxx))
    }

    /// The line's value `steps` samples after its newest sample.
    pub(crate) fn extrapolate(&self, steps: f64) -> Option<f64> {
        let (mean, slope) = self.line()?;
        Some(mean + slope * ((self.n as f64 - 1.0) / 2.0 + steps))
    }

    /// Standard deviation of the slope of a full window per unit noise.
    pub(crate) fn slope_sd(&self) -> f64 {
        let n = self.len as f64;
        (12.0 / (n * (n * n - 1.0))).sqrt()
    }
}

/// Recomputing the sums exactly this often keeps rounding from accumulating.
const REBUILD_EVERY: u64 = 1024;

/// The sample ring and the windows over it.
#[derive(Clone, Debug)]
pub(super) struct Reference {
    ring: VecDeque<Sample>,
    capacity: usize,
    pushed: u64,
    /// The one-step reference (its newest samples, restartable).
    pub level: LineWindow,
    /// The drift test's recent window.
    pub recent: LineWindow,
    /// The drift test's older window, just before `recent`.
    pub older: LineWindow,
}

impl Reference {
    pub(super) fn new(reference: usize, drift: usize, ring: usize) -> Self {
        let level = LineWindow::new(reference, 0);
        let recent = LineWindow::new(drift, 0);
        let older = LineWindow::new(drift, drift.max(2));
        let capacity = ring.max(level.reach()).max(older.reach());
        Self {
            ring: VecDeque::with_capacity(capacity),
            capacity,
            pushed: 0,
            level,
            recent,
            older,
        }
    }

    /// The one-step prediction of the next sample.
    pub(super) fn expected(&self) -> Option<f64> {
        self.level.extrapolate(1.0)
    }

    /// Adds a sample and slides every window.
    pub(super) fn push(&mut self, sample: Sample) {
        if self.ring.len() == self.capacity {
            self.ring.pop_front();
        }
        self.ring.push_back(sample);
        self.pushed += 1;
        if self.pushed.is_multiple_of(REBUILD_EVERY) {
            let keep = self.level.count() + 1;
            self.level.rebuild(&self.ring, keep);
            self.recent.rebuild(&self.ring, usize::MAX);
            self.older.rebuild(&self.ring, usize::MAX);
        } else {
            self.level.slide(&self.ring);
            self.recent.slide(&self.ring);
            self.older.slide(&self.ring);
        }
    }

    /// The remembered samples, oldest first.
    pub(super) fn samples(&self) -> &VecDeque<Sample> {
        &self.ring
    }

    /// The most likely step among the samples from `context` samples before `since` to the
    /// newest: the split that maximises the standardised difference of the means before and
    /// after it (the classic change-point estimate). A CUSUM's "last left zero" is often a few
    /// noise samples early; restarting the reference there would fit a line through the step,
    /// tilt it, and raise a false opposite shift once the tilt runs out.
    pub(super) fn step_at(&self, since: Timestamp, context: usize) -> Timestamp {
        let first = self.ring.partition_point(|s| s.time < since);
        let from = first.saturating_sub(context);
        let values: Vec<f64> = self.ring.range(from..).map(|s| s.raw).collect();
        let n = values.len();
        if n < 3 {
            return since;
        }
        let total: f64 = values.iter().sum();
        let (mut before, mut best) = (0.0, (0.0, since));
        for k in 1..n {
            before += values[k - 1];
            let (n1, n2) = (k as f64, (n - k) as f64);
            let gap = (before / n1 - (total - before) / n2).abs() * (n1 * n2 / n as f64).sqrt();
            if gap > best.0 {
                best = (gap, self.ring[from + k].time);
            }
        }
        best.1
    }

    /// Restarts the one-step reference from the samples at or after `since` (a change point),
    /// taking their raw values as they are: the change is real, so the clip no longer applies.
    pub(super) fn restart(&mut self, since: Timestamp) {
        let mut keep = 0;
        for s in self.ring.iter_mut().rev() {
            if s.time < since {
                break;
            }
            s.seen = s.raw;
            keep += 1;
        }
        self.level.rebuild(&self.ring, keep);
        self.recent.rebuild(&self.ring, usize::MAX);
        self.older.rebuild(&self.ring, usize::MAX);
    }
}
