//! A per-signal cache of the detectors' state, so judging 30,000 signals per frame costs a
//! latest-at lookup and a few comparisons each.
//!
//! The state is keyed by the sample at the cursor. While that sample stays the same (paused, or
//! live between samples) nothing is read; when the cursor moves forward by a few samples (live,
//! playing) only the new samples are stepped through; a jump (scrubbing back, a far seek) reads
//! from scratch, bounded. Only the view-time parts (stale, how long a spike stays shown) are
//! judged every frame, and they are a subtraction each.

use super::config::HealthSpec;
use super::detect::SampleState;
use super::{SignalHealth, ViewAt};
use crate::freshness::LinkState;
use crate::history::SignalHistory;
use crate::signal::Timestamp;

/// Most new samples stepped through before a move counts as a jump and is read from scratch.
const MAX_FORWARD_STEP: usize = 1024;

/// Cached health evaluation of one signal; give it the same history and spec every call.
#[derive(Clone, Debug, Default)]
pub struct HealthTracker {
    state: SampleState,
    /// Cursor sample (time, value bits) the state is for; `None` before the first call.
    key: Option<Option<(i64, u64)>>,
    steps: Vec<(Timestamp, f64)>,
}

impl HealthTracker {
    /// A tracker that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The signal's health at `at`, the same as [`SignalHealth::evaluate`] gives, computed
    /// incrementally from the previous call.
    pub fn evaluate(
        &mut self,
        history: &SignalHistory,
        spec: &HealthSpec,
        at: ViewAt,
        link: LinkState,
    ) -> SignalHealth {
        let cursor = history.latest_at(at.lookup);
        let key = cursor.map(|(t, v)| (t.0, v.to_bits()));
        if self.key != Some(key) {
            self.catch_up(history, spec, cursor);
            self.key = Some(key);
        }
        SignalHealth::judge(&self.state, spec, at, link)
    }

    /// Brings the state to `cursor`: stepping forward when it is a few samples ahead of the
    /// cached one, else from scratch.
    fn catch_up(
        &mut self,
        history: &SignalHistory,
        spec: &HealthSpec,
        cursor: Option<(Timestamp, f64)>,
    ) {
        let (Some((from, _)), Some((to, _))) = (self.state.cursor, cursor) else {
            self.state =
                SampleState::fresh(history, spec, cursor.map_or(Timestamp(i64::MIN), |c| c.0));
            return;
        };
        if to > from {
            self.steps.clear();
            let next = Timestamp(from.0.saturating_add(1));
            let end = Timestamp(to.0.saturating_add(1));
            self.steps
                .extend(history.range(next..end).take(MAX_FORWARD_STEP + 1));
            if self.steps.len() <= MAX_FORWARD_STEP && self.steps.last().copied() == cursor {
                for &(t, v) in &self.steps {
                    self.state.step(spec, t, v);
                }
                return;
            }
        }
        self.state = SampleState::fresh(history, spec, to);
    }
}
