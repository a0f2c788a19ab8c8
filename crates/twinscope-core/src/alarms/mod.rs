//! Process alarms in ISA-18.2 terms: limit (HH/H/L/LL) and discrete alarms with deadband,
//! on/off delays and priorities, and the operator's acknowledge and shelve actions.
//!
//! Alarm state is derived from history, so it is right at any cursor time, not only live:
//! [`AlarmEngine`] replays each alarm's inputs through its [`AlarmMachine`] into a journal.

mod engine;
mod export;
mod machine;
mod replay;
mod spec;
#[cfg(test)]
mod tests;

pub use engine::{AlarmEngine, AlarmStatus, AssetAlarmCounts, JournalChange};
pub use export::{ExportRow, export_rows, write_csv};
pub use machine::{AlarmMachine, Cause, Input, Transition};
pub use replay::replay_to_csv;
pub use spec::{AlarmCondition, AlarmSpec, LimitKind};

/// What an operator did to an alarm; stamped with the view time it was done at, so it replays
/// with the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperatorAction {
    /// Acknowledge: an unacknowledged alarm becomes acknowledged (or normal if it returned).
    Acknowledge,
    /// Shelve until this time (ns); on expiry it shows what the process says.
    Shelve {
        /// When the shelve expires.
        until: i64,
    },
    /// End a shelve early.
    Unshelve,
}

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

    /// Every priority, least urgent first.
    pub const ALL: [AlarmPriority; 4] = [
        AlarmPriority::Low,
        AlarmPriority::Medium,
        AlarmPriority::High,
        AlarmPriority::Urgent,
    ];

    /// The priority named `name` (as [`AlarmPriority::name`] writes it).
    pub fn parse(name: &str) -> Option<AlarmPriority> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Display colour (sRGB): urgent red, high orange, medium yellow, low cyan.
    pub fn color(self) -> [u8; 3] {
        match self {
            AlarmPriority::Low => crate::theme::PRIORITY_LOW_RGB,
            AlarmPriority::Medium => crate::theme::PRIORITY_MEDIUM_RGB,
            AlarmPriority::High => crate::theme::PRIORITY_HIGH_RGB,
            AlarmPriority::Urgent => crate::theme::PRIORITY_URGENT_RGB,
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

    /// Every state, for filters.
    pub const ALL: [AlarmState; 6] = [
        AlarmState::Normal,
        AlarmState::Unacknowledged,
        AlarmState::Acknowledged,
        AlarmState::ReturnedUnacknowledged,
        AlarmState::Shelved,
        AlarmState::Suppressed,
    ];

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
