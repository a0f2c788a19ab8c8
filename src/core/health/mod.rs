//! Sensor health, distinct from process alarms: whether a signal's data can be trusted at all
//! (stale, stuck, impossible or spiking values, a lost source), judged at the cursor time.

use crate::core::signal::{SignalId, Timestamp};

/// What is wrong with a sensor's data, ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HealthIssueKind {
    /// A recent value jumped far outside the signal's recent spread (robust z-score).
    Spike,
    /// The value has not changed for much longer than usual: the transmitter may be stuck.
    Flatline,
    /// The value is outside the signal's declared physical range.
    OutOfRange,
    /// No data for several expected periods.
    Stale,
    /// The source feeding the signal is disconnected.
    Disconnected,
}

impl HealthIssueKind {
    /// Short lower-case name for lists, badges and exports.
    pub fn name(self) -> &'static str {
        match self {
            HealthIssueKind::Spike => "spike",
            HealthIssueKind::Flatline => "flatline",
            HealthIssueKind::OutOfRange => "out of range",
            HealthIssueKind::Stale => "stale",
            HealthIssueKind::Disconnected => "disconnected",
        }
    }
}

/// One health problem of one signal at the view time.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthIssue {
    /// The signal concerned.
    pub signal: SignalId,
    /// What is wrong.
    pub kind: HealthIssueKind,
    /// Since when, where known.
    pub since: Option<Timestamp>,
    /// Why, in words for the inspector (e.g. "no data for 18.3 s, expected every 1 s").
    pub detail: String,
}
