//! How sensor health is judged: scene-wide settings (the scene file's `[health]`), per-signal
//! overrides (`[[health.signals]]`), and the resolved per-signal [`HealthSpec`] the detectors
//! read. Every threshold has a default derived from the signal's period and range, so a scene
//! without a `[health]` section still gets sensible checks.

use crate::freshness::stale_after;
use crate::scene::{Location, SignalSpec};
use crate::signal::SignalId;

/// Largest spike window accepted: the window is copied and partially sorted per new sample.
pub const MAX_SPIKE_WINDOW: usize = 256;
/// Fewest preceding samples a spike is judged against (fewer says nothing robust).
pub const MIN_SPIKE_WINDOW: usize = 5;

/// Scene-wide health settings; each field has a default that suits most transmitters.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthSettings {
    /// Robust z-score above which an isolated sample is a spike.
    pub spike_z: f64,
    /// Preceding samples the median and MAD are taken over.
    pub spike_window: usize,
    /// How long a spike stays shown; `None`: ten periods of the signal.
    pub spike_hold_s: Option<f64>,
    /// Floor of the MAD as a fraction of the signal's range span, so a quiet signal's noise
    /// is not a spike.
    pub mad_floor: f64,
    /// How long a value must stay unchanged to count as stuck; `None`: 120 periods, at least
    /// one minute.
    pub flatline_after_s: Option<f64>,
    /// Fewest unchanged samples that count as stuck (with `flatline_after_s`).
    pub flatline_samples: usize,
    /// Change between consecutive samples still counted as "unchanged", as a fraction of the
    /// range span (0: exactly equal).
    pub flatline_tolerance: f64,
    /// Slack beyond the declared range before a value is impossible, as a fraction of the
    /// range span.
    pub range_tolerance: f64,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            spike_z: 6.0,
            spike_window: 30,
            spike_hold_s: None,
            mad_floor: 0.005,
            flatline_after_s: None,
            flatline_samples: 30,
            flatline_tolerance: 0.0,
            range_tolerance: 0.02,
        }
    }
}

/// One `[[health.signals]]` entry: checks switched off or tuned for one signal.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalHealthOverride {
    /// The signal concerned.
    pub signal: SignalId,
    /// `false` for signals that may legitimately stay constant (a valve at 100 %).
    pub flatline: Option<bool>,
    /// `false` to stop judging spikes.
    pub spikes: Option<bool>,
    /// `false` to stop judging the physical range.
    pub range: Option<bool>,
    /// `false` for event-driven signals that may be silent for long.
    pub stale: Option<bool>,
    /// This signal's own stuck time.
    pub flatline_after_s: Option<f64>,
    /// This signal's own spike threshold.
    pub spike_z: Option<f64>,
    /// Where the entry's `signal` is written.
    pub location: Location,
}

/// The scene's `[health]` section, as loaded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HealthConfig {
    /// Scene-wide settings.
    pub settings: HealthSettings,
    /// Per-signal overrides, in file order (at most one per signal).
    pub signals: Vec<SignalHealthOverride>,
}

/// Stuck-value check of one signal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlatlineSpec {
    /// Seconds a value must stay unchanged.
    pub after_s: f64,
    /// Samples it must stay unchanged for.
    pub min_samples: usize,
    /// Largest change between consecutive samples that counts as none, in signal units.
    pub tolerance: f64,
}

/// Spike check of one signal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpikeSpec {
    /// Robust z-score threshold.
    pub z: f64,
    /// Preceding samples the median/MAD is taken over.
    pub window: usize,
    /// Seconds a spike stays shown after it happened.
    pub hold_s: f64,
    /// Smallest MAD used, in signal units.
    pub mad_floor: f64,
}

/// Everything the detectors need to judge one signal, resolved from its declaration and the
/// scene's `[health]` section.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthSpec {
    /// The signal judged.
    pub signal: SignalId,
    /// Expected update period in seconds.
    pub period_s: f64,
    /// Silence after which it is stale (see [`stale_after`]); `None`: never stale.
    pub stale_after_s: Option<f64>,
    /// Physical range with its tolerance already applied; `None`: not checked.
    pub range: Option<[f64; 2]>,
    /// Stuck-value check, unless switched off.
    pub flatline: Option<FlatlineSpec>,
    /// Spike check, unless switched off.
    pub spike: Option<SpikeSpec>,
}

impl HealthSpec {
    /// The default checks for a declared signal (no `[health]` section).
    #[cfg(test)]
    pub(crate) fn for_signal(signal: &SignalSpec) -> Self {
        HealthConfig::default().spec(signal)
    }
}

impl HealthConfig {
    /// The override for `signal`, if the scene has one.
    pub(crate) fn override_for(&self, signal: &SignalId) -> Option<&SignalHealthOverride> {
        self.signals.iter().find(|o| &o.signal == signal)
    }

    /// Resolves the checks of one declared signal: defaults from its period and range, the
    /// scene-wide settings, then its own override.
    pub fn spec(&self, signal: &SignalSpec) -> HealthSpec {
        let s = &self.settings;
        let own = self.override_for(&signal.id);
        let enabled =
            |pick: fn(&SignalHealthOverride) -> Option<bool>| own.and_then(pick).unwrap_or(true);
        let period = signal.period_s;
        let [lo, hi] = signal.range;
        let span = (hi - lo).abs();
        let slack = s.range_tolerance * span;
        let flatline_after_s = own
            .and_then(|o| o.flatline_after_s)
            .or(s.flatline_after_s)
            .unwrap_or((120.0 * period).max(60.0));
        HealthSpec {
            signal: signal.id.clone(),
            period_s: period,
            stale_after_s: enabled(|o| o.stale).then(|| stale_after(period)),
            range: enabled(|o| o.range).then_some([lo - slack, hi + slack]),
            flatline: enabled(|o| o.flatline).then_some(FlatlineSpec {
                after_s: flatline_after_s,
                min_samples: s.flatline_samples.max(2),
                tolerance: s.flatline_tolerance * span,
            }),
            spike: enabled(|o| o.spikes).then_some(SpikeSpec {
                z: own.and_then(|o| o.spike_z).unwrap_or(s.spike_z),
                window: s.spike_window.clamp(MIN_SPIKE_WINDOW, MAX_SPIKE_WINDOW),
                hold_s: s.spike_hold_s.unwrap_or(10.0 * period),
                mad_floor: (s.mad_floor * span).max(f64::MIN_POSITIVE),
            }),
        }
    }
}
