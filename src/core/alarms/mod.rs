//! Process alarms in ISA-18.2 terms: limit (HH/H/L/LL) and discrete alarms with deadband,
//! on/off delays and priorities, and the operator's acknowledge and shelve actions.
//!
//! Alarm state is derived from history, so it is right at any cursor time, not only live.

/// How urgently an operator must respond; ordered from least to most urgent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum AlarmPriority {
    /// Respond when convenient.
    Low,
    /// Respond soon.
    #[default]
    Medium,
    /// Respond promptly.
    High,
    /// Respond immediately.
    Urgent,
}

impl AlarmPriority {
    /// Lower-case name as written in scene files and CSV exports.
    pub fn name(self) -> &'static str {
        match self {
            AlarmPriority::Low => "low",
            AlarmPriority::Medium => "medium",
            AlarmPriority::High => "high",
            AlarmPriority::Urgent => "urgent",
        }
    }
}

/// Where an alarm stands in the ISA-18.2 state model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum AlarmState {
    /// Process normal, nothing to acknowledge.
    #[default]
    Normal,
    /// Active and not yet acknowledged (flashes).
    Unacknowledged,
    /// Active and acknowledged by an operator.
    Acknowledged,
    /// Back to normal but never acknowledged (still flashes, needs an ack).
    ReturnedUnacknowledged,
    /// Hidden by an operator until the shelve expires.
    Shelved,
    /// Hidden by design while its suppression condition holds (e.g. the equipment is stopped).
    Suppressed,
}

impl AlarmState {
    /// Lower-case name for lists and CSV exports.
    pub fn name(self) -> &'static str {
        match self {
            AlarmState::Normal => "normal",
            AlarmState::Unacknowledged => "unacknowledged",
            AlarmState::Acknowledged => "acknowledged",
            AlarmState::ReturnedUnacknowledged => "returned unacknowledged",
            AlarmState::Shelved => "shelved",
            AlarmState::Suppressed => "suppressed",
        }
    }

    /// The process condition is in alarm and the operator should see it.
    pub fn is_active(self) -> bool {
        matches!(self, AlarmState::Unacknowledged | AlarmState::Acknowledged)
    }

    /// Waiting for an acknowledge (ISA-18.2 shows these flashing).
    pub fn needs_ack(self) -> bool {
        matches!(
            self,
            AlarmState::Unacknowledged | AlarmState::ReturnedUnacknowledged
        )
    }
}
