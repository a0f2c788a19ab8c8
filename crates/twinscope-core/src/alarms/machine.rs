//! The ISA-18.2 state machine of one alarm: pure, fed inputs in time order.
//!
//! Inputs are the watched signal's samples, the suppression signal's samples and operator
//! actions. On/off delays and shelve expiry are timers: they fire when time is advanced past
//! them ([`AlarmMachine::advance`]), so the state at any time can be computed without a later
//! sample. Every change of the visible [`AlarmState`] is appended to a journal.

use super::spec::AlarmSpec;
use super::{AlarmState, OperatorAction};

/// Why an alarm changed state (the journal's and the CSV export's cause column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// The condition held for the on-delay: the alarm became active.
    Activated,
    /// The condition was clear for the off-delay: the alarm returned to normal.
    Cleared,
    /// An operator acknowledged it.
    Acknowledged,
    /// An operator shelved it.
    Shelved,
    /// An operator unshelved it.
    Unshelved,
    /// The shelve expired.
    ShelveExpired,
    /// Its suppression signal became non-zero.
    Suppressed,
    /// Its suppression signal returned to zero.
    Unsuppressed,
}

impl Cause {
    /// Lower-case name for exports.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Activated => "activated",
            Cause::Cleared => "cleared",
            Cause::Acknowledged => "acknowledged",
            Cause::Shelved => "shelved",
            Cause::Unshelved => "unshelved",
            Cause::ShelveExpired => "shelve expired",
            Cause::Suppressed => "suppressed",
            Cause::Unsuppressed => "unsuppressed",
        }
    }

    /// Whether an operator did this (the CSV export's operator-action column).
    pub(crate) fn is_operator_action(self) -> bool {
        matches!(
            self,
            Cause::Acknowledged | Cause::Shelved | Cause::Unshelved
        )
    }
}

/// One change of an alarm's visible state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transition {
    /// When (ns since the epoch).
    pub time: i64,
    /// State before.
    pub from: AlarmState,
    /// State after.
    pub to: AlarmState,
    /// The watched signal's value then (NaN before its first sample).
    pub value: f64,
    /// What caused it.
    pub cause: Cause,
    /// When the current activation began, if the process condition is active.
    pub active_since: Option<i64>,
}

/// One input to the machine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input {
    /// A sample of the watched signal.
    Value(f64),
    /// A sample of the suppression signal (non-zero: suppressed).
    Suppress(f64),
    /// An operator action.
    Operator(OperatorAction),
}

/// The complete state of one alarm between inputs; small and `Copy`, so the engine keeps
/// snapshots of it as checkpoints.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlarmMachine {
    /// The condition with deadband, before delays.
    raw: bool,
    /// Since when `raw` has had its value.
    raw_since: i64,
    /// The process alarm after delays.
    active: bool,
    /// Since when `active` has been true.
    active_since: i64,
    /// Waiting for an acknowledge.
    unacked: bool,
    /// Shelved until this time.
    shelved_until: Option<i64>,
    /// Suppressed by design.
    suppressed: bool,
    /// The watched signal's latest value.
    value: f64,
}

impl Default for AlarmMachine {
    fn default() -> Self {
        Self {
            raw: false,
            raw_since: i64::MIN,
            active: false,
            active_since: i64::MIN,
            unacked: false,
            shelved_until: None,
            suppressed: false,
            value: f64::NAN,
        }
    }
}

impl AlarmMachine {
    /// The visible ISA-18.2 state.
    pub fn state(&self) -> AlarmState {
        if self.suppressed {
            AlarmState::Suppressed
        } else if self.shelved_until.is_some() {
            AlarmState::Shelved
        } else {
            match (self.active, self.unacked) {
                (true, true) => AlarmState::Unacknowledged,
                (true, false) => AlarmState::Acknowledged,
                (false, true) => AlarmState::ReturnedUnacknowledged,
                (false, false) => AlarmState::Normal,
            }
        }
    }

    /// When the current activation began, if active.
    pub fn active_since(&self) -> Option<i64> {
        self.active.then_some(self.active_since)
    }

    /// The watched signal's latest value (NaN before the first sample).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The next timer (delay or shelve expiry), if any is pending.
    fn next_timer(&self, spec: &AlarmSpec) -> Option<i64> {
        let delay = (self.raw != self.active).then(|| {
            let delay = if self.raw {
                spec.on_delay_ns
            } else {
                spec.off_delay_ns
            };
            self.raw_since.saturating_add(delay.max(0))
        });
        match (delay, self.shelved_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires every timer due at or before `t`, in time order.
    pub fn advance(&mut self, spec: &AlarmSpec, t: i64, journal: &mut Vec<Transition>) {
        while let Some(due) = self.next_timer(spec).filter(|&due| due <= t) {
            if self.shelved_until.is_some_and(|until| until <= due) {
                self.record(due, Cause::ShelveExpired, journal, |m| {
                    m.shelved_until = None;
                    m.unacked = m.active && !m.suppressed;
                });
                continue;
            }
            let cause = if self.raw {
                Cause::Activated
            } else {
                Cause::Cleared
            };
            self.record(due, cause, journal, |m| {
                m.active = m.raw;
                if m.active {
                    m.active_since = due;
                    m.unacked |= m.is_visible();
                }
            });
        }
    }

    /// Applies one input at time `t`: fires timers due by then, applies it, then fires timers
    /// it made due at once (zero delays).
    pub(crate) fn apply(
        &mut self,
        spec: &AlarmSpec,
        t: i64,
        input: Input,
        journal: &mut Vec<Transition>,
    ) {
        self.advance(spec, t, journal);
        match input {
            Input::Value(value) if !value.is_nan() => {
                self.value = value;
                let raw = spec.condition.holds(value, self.raw, spec.deadband);
                if raw != self.raw {
                    self.raw = raw;
                    self.raw_since = t;
                }
            }
            Input::Value(_) => {}
            Input::Suppress(value) => {
                let suppressed = value != 0.0 && !value.is_nan();
                if suppressed != self.suppressed {
                    let cause = if suppressed {
                        Cause::Suppressed
                    } else {
                        Cause::Unsuppressed
                    };
                    self.record(t, cause, journal, |m| {
                        m.suppressed = suppressed;
                        m.unacked = m.active && m.is_visible();
                    });
                }
            }
            Input::Operator(OperatorAction::Acknowledge) => {
                if self.unacked && self.is_visible() {
                    self.record(t, Cause::Acknowledged, journal, |m| m.unacked = false);
                }
            }
            Input::Operator(OperatorAction::Shelve { until }) => {
                if until > t && !self.suppressed {
                    self.record(t, Cause::Shelved, journal, |m| {
                        m.shelved_until = Some(until);
                        m.unacked = false;
                    });
                }
            }
            Input::Operator(OperatorAction::Unshelve) => {
                if self.shelved_until.is_some() {
                    self.record(t, Cause::Unshelved, journal, |m| {
                        m.shelved_until = None;
                        m.unacked = m.active && !m.suppressed;
                    });
                }
            }
        }
        self.advance(spec, t, journal);
    }

    /// The state this machine would be in at `t` if no input arrived before then (timers
    /// fired on a copy; nothing recorded).
    pub(crate) fn peek(&self, spec: &AlarmSpec, t: i64) -> AlarmMachine {
        let mut copy = *self;
        // Stays unallocated unless a timer fires.
        let mut discard = Vec::new();
        copy.advance(spec, t, &mut discard);
        copy
    }

    /// Neither shelved nor suppressed: the operator sees it.
    fn is_visible(&self) -> bool {
        !self.suppressed && self.shelved_until.is_none()
    }

    /// Applies `change` and journals it if the visible state changed.
    fn record(
        &mut self,
        time: i64,
        cause: Cause,
        journal: &mut Vec<Transition>,
        change: impl FnOnce(&mut Self),
    ) {
        let from = self.state();
        change(self);
        let to = self.state();
        if from != to {
            journal.push(Transition {
                time,
                from,
                to,
                value: self.value,
                cause,
                active_since: self.active_since(),
            });
        }
    }
}
