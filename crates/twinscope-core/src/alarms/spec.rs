//! What an alarm watches and when it fires, as configured in the scene file (`[[alarms]]`).

use super::AlarmPriority;
use crate::signal::SignalId;

/// Which limit of a limit alarm, from the scene file's `limits = { hh, h, l, ll }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LimitKind {
    /// High-high: the value at or above the limit.
    HighHigh,
    /// High: the value at or above the limit.
    High,
    /// Low: the value at or below the limit.
    Low,
    /// Low-low: the value at or below the limit.
    LowLow,
}

impl LimitKind {
    /// Every kind, in the order labels and lists use.
    pub const ALL: [LimitKind; 4] = [
        LimitKind::HighHigh,
        LimitKind::High,
        LimitKind::Low,
        LimitKind::LowLow,
    ];

    /// Upper-case suffix for labels (`HH`, `H`, `L`, `LL`).
    pub fn suffix(self) -> &'static str {
        match self {
            LimitKind::HighHigh => "HH",
            LimitKind::High => "H",
            LimitKind::Low => "L",
            LimitKind::LowLow => "LL",
        }
    }

    /// The key in the scene file (`hh`, `h`, `l`, `ll`).
    pub fn key(self) -> &'static str {
        match self {
            LimitKind::HighHigh => "hh",
            LimitKind::High => "h",
            LimitKind::Low => "l",
            LimitKind::LowLow => "ll",
        }
    }

    /// Whether the alarm is for values above the limit.
    pub(crate) fn is_high(self) -> bool {
        matches!(self, LimitKind::HighHigh | LimitKind::High)
    }

    /// Priority when the scene file gives none: HH/LL high, H/L medium.
    pub(crate) fn default_priority(self) -> AlarmPriority {
        match self {
            LimitKind::HighHigh | LimitKind::LowLow => AlarmPriority::High,
            LimitKind::High | LimitKind::Low => AlarmPriority::Medium,
        }
    }
}

/// The process condition an alarm watches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AlarmCondition {
    /// Value beyond a limit, with hysteresis of the alarm's deadband.
    Limit {
        /// Which limit.
        kind: LimitKind,
        /// The limit in signal units.
        limit: f64,
    },
    /// Value equal to `when` (a state or boolean signal, e.g. `running = 0`).
    Discrete {
        /// The value that is the alarm condition.
        when: f64,
    },
}

impl AlarmCondition {
    /// Whether `value` is in alarm, given whether the condition held before (the deadband
    /// keeps a limit alarm active until the value is `deadband` back inside the limit).
    pub fn holds(&self, value: f64, was_active: bool, deadband: f64) -> bool {
        match *self {
            AlarmCondition::Limit { kind, limit } => {
                let band = if was_active { deadband } else { 0.0 };
                if kind.is_high() {
                    value >= limit - band
                } else {
                    value <= limit + band
                }
            }
            AlarmCondition::Discrete { when } => value == when,
        }
    }
}

/// One configured alarm (a `[[alarms]]` entry with several limits becomes several of these).
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmSpec {
    /// Short unique label, e.g. `M-101.temperature HH`.
    pub label: String,
    /// The signal whose value is watched.
    pub signal: SignalId,
    /// What counts as the alarm condition.
    pub condition: AlarmCondition,
    /// How urgently to respond.
    pub priority: AlarmPriority,
    /// Hysteresis in signal units (limit alarms only; ≥ 0).
    pub deadband: f64,
    /// The condition must hold this long (ns) before the alarm activates.
    pub on_delay_ns: i64,
    /// The condition must be clear this long (ns) before the alarm returns to normal.
    pub off_delay_ns: i64,
    /// The asset (plant tag) the alarm belongs to, when known.
    pub asset: Option<String>,
    /// Plant area for filtering (default: the asset's tag).
    pub area: String,
    /// Operator-facing text (may be empty).
    pub message: String,
    /// Hidden by design while this signal is non-zero.
    pub suppress_when: Option<SignalId>,
}

impl AlarmSpec {
    /// A limit alarm with defaults (no delays, no deadband, default priority, no asset), for
    /// tests and generated scenes.
    pub fn limit(signal: &str, kind: LimitKind, limit: f64) -> Self {
        Self {
            label: format!("{signal} {}", kind.suffix()),
            signal: SignalId::new(signal),
            condition: AlarmCondition::Limit { kind, limit },
            priority: kind.default_priority(),
            deadband: 0.0,
            on_delay_ns: 0,
            off_delay_ns: 0,
            asset: None,
            area: String::new(),
            message: String::new(),
            suppress_when: None,
        }
    }
}
