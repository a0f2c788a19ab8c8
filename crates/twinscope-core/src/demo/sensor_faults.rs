//! Sensor faults of the demo plant: transmitters misbehaving while the process is fine, so the
//! twin's sensor-health view has something to show.
//!
//! The schedule repeats every `CYCLE_S` (ten minutes) of simulated time, counted from the
//! simulator's start; the viewer's default hour of backfill is six whole cycles, so live view
//! opens at the start of a cycle:
//!
//! | seconds into the cycle | fault                                                          |
//! |------------------------|----------------------------------------------------------------|
//! | 30 – 210               | `TK-102.level` drops out: no samples (stale 3 s later)          |
//! | 240 – 480              | `P-102.vibration` is stuck at its value at 240 s (flatline ~60 s later) |
//! | any time               | `P-101.flow` spikes: about one sample in 120 (once a minute) reads 15–25 m3/h high, then the next is normal again |
//!
//! The spikes draw from their own random stream (the seed with `FAULT_SEED_SALT` mixed in),
//! and a silent or stuck transmitter is still measured, so every other signal, and the plant,
//! is exactly what it was without these faults for the same seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Length of the repeating fault schedule, in simulated seconds.
pub(crate) const CYCLE_S: f64 = 600.0;
/// When `TK-102.level` is silent, in seconds into the cycle.
pub(crate) const DROPOUT: (f64, f64) = (30.0, 210.0);
/// When `P-102.vibration` is stuck, in seconds into the cycle.
pub(crate) const STUCK: (f64, f64) = (240.0, 480.0);
/// Chance that a `P-101.flow` sample is a spike.
pub(crate) const SPIKE_CHANCE: f64 = 1.0 / 120.0;
/// The signal that drops out.
pub(crate) const DROPOUT_SIGNAL: &str = "TK-102.level";
/// The signal that gets stuck.
pub(crate) const STUCK_SIGNAL: &str = "P-102.vibration";
/// The signal that spikes.
pub(crate) const SPIKE_SIGNAL: &str = "P-101.flow";
/// Salt mixed into the seed for the spikes' random stream.
const FAULT_SEED_SALT: u64 = 0x0bad_5e05_0d1f_7e11;

/// A transmitter fault, for tests and docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SensorFault {
    /// The transmitter sends nothing.
    Dropout,
    /// The transmitter repeats one value.
    Stuck,
}

/// The scheduled fault of `signal` at `elapsed_s`, if any (spikes are random, not scheduled).
pub(crate) fn scheduled_fault(signal: &str, elapsed_s: f64) -> Option<SensorFault> {
    let phase = elapsed_s.rem_euclid(CYCLE_S);
    let within = |(from, to): (f64, f64)| (from..to).contains(&phase);
    match signal {
        DROPOUT_SIGNAL if within(DROPOUT) => Some(SensorFault::Dropout),
        STUCK_SIGNAL if within(STUCK) => Some(SensorFault::Stuck),
        _ => None,
    }
}

/// The transmitters' state: the spikes' random stream and the value a stuck one repeats.
#[derive(Clone, Debug)]
pub(crate) struct SensorFaults {
    rng: ChaCha8Rng,
    stuck_at: Option<f64>,
    enabled: bool,
}

impl SensorFaults {
    /// Faulty transmitters for a simulator seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed ^ FAULT_SEED_SALT),
            stuck_at: None,
            enabled: true,
        }
    }

    /// Transmitters that send what they measure, for comparing against.
    #[cfg(test)]
    pub(crate) fn disabled(seed: u64) -> Self {
        Self {
            enabled: false,
            ..Self::new(seed)
        }
    }

    /// What the transmitter of `signal` sends at `elapsed_s` when the true measurement is
    /// `value`: `None` while it is silent.
    pub(crate) fn transmit(&mut self, signal: &str, elapsed_s: f64, value: f64) -> Option<f64> {
        if !self.enabled {
            return Some(value);
        }
        match scheduled_fault(signal, elapsed_s) {
            Some(SensorFault::Dropout) => None,
            Some(SensorFault::Stuck) => Some(*self.stuck_at.get_or_insert(value)),
            None if signal == STUCK_SIGNAL => {
                self.stuck_at = None;
                Some(value)
            }
            None if signal == SPIKE_SIGNAL => {
                let roll: f64 = self.rng.random();
                let jump: f64 = self.rng.random_range(15.0..25.0);
                Some(if roll < SPIKE_CHANCE {
                    value + jump
                } else {
                    value
                })
            }
            None => Some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::DemoSimulator;
    use super::*;
    use crate::signal::{Sample, Timestamp};

    fn run(faults: SensorFaults, secs: f64) -> Vec<Sample> {
        let mut sim = DemoSimulator::new(9, Timestamp(0));
        sim.sensor_faults = faults;
        let mut out = Vec::new();
        sim.snapshot(&mut out);
        sim.advance(secs, &mut out);
        out
    }

    fn of<'a>(samples: &'a [Sample], id: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        samples.iter().filter(move |s| s.signal.as_str() == id)
    }

    #[test]
    fn faults_follow_the_schedule_and_leave_other_signals_alone() {
        let faulty = run(SensorFaults::new(9), 1500.0);
        let clean = run(SensorFaults::disabled(9), 1500.0);
        let faulty_ids = [DROPOUT_SIGNAL, STUCK_SIGNAL, SPIKE_SIGNAL];
        let others = |s: &&Sample| !faulty_ids.contains(&s.signal.as_str());
        assert!(
            faulty.iter().filter(others).eq(clean.iter().filter(others)),
            "every other signal is exactly as without sensor faults"
        );
        for s in of(&faulty, DROPOUT_SIGNAL) {
            let phase = (s.time.0 as f64 / 1e9) % CYCLE_S;
            assert!(
                !(DROPOUT.0..DROPOUT.1).contains(&phase),
                "level at {phase} s"
            );
        }
        // Between dropouts the level publishes at its period.
        let published = of(&faulty, DROPOUT_SIGNAL).count();
        // 1500 s holds three dropouts (at 30, 630 and 1230 s).
        let silent_s = 3.0 * (DROPOUT.1 - DROPOUT.0);
        let expected = (1500.0 - silent_s) as usize;
        assert!(
            published.abs_diff(expected) <= 3,
            "{published} vs ~{expected}"
        );
        // Stuck: one repeated value inside each window, and moving again after it.
        for cycle in 0..2 {
            let base = cycle as f64 * CYCLE_S;
            let values: Vec<f64> = of(&faulty, STUCK_SIGNAL)
                .filter(|s| {
                    let t = s.time.0 as f64 / 1e9 - base;
                    (STUCK.0..STUCK.1).contains(&t)
                })
                .map(|s| s.value)
                .collect();
            assert!(
                values.len() > 400,
                "cycle {cycle}: {} samples",
                values.len()
            );
            assert!(values.iter().all(|v| *v == values[0]), "cycle {cycle}");
        }
        let after: Vec<f64> = of(&faulty, STUCK_SIGNAL)
            .filter(|s| (490.0..520.0).contains(&(s.time.0 as f64 / 1e9)))
            .map(|s| s.value)
            .collect();
        assert!(after.windows(2).any(|w| w[0] != w[1]), "moving again");
        // Spikes: single samples far above both neighbours, about once a minute.
        let flow: Vec<f64> = of(&faulty, SPIKE_SIGNAL).map(|s| s.value).collect();
        let spikes = flow
            .windows(3)
            .filter(|w| w[1] - w[0] > 10.0 && w[1] - w[2] > 10.0)
            .count();
        assert!((8..=50).contains(&spikes), "{spikes} spikes in 25 minutes");
        let clean_flow: Vec<f64> = of(&clean, SPIKE_SIGNAL).map(|s| s.value).collect();
        assert_eq!(flow.len(), clean_flow.len());
    }

    #[test]
    fn the_schedule_repeats_every_cycle() {
        for cycle in [0.0, 6.0, 17.0] {
            let base = cycle * CYCLE_S;
            assert_eq!(scheduled_fault(DROPOUT_SIGNAL, base + 29.9), None);
            assert_eq!(
                scheduled_fault(DROPOUT_SIGNAL, base + 30.0),
                Some(SensorFault::Dropout)
            );
            assert_eq!(scheduled_fault(DROPOUT_SIGNAL, base + 210.0), None);
            assert_eq!(
                scheduled_fault(STUCK_SIGNAL, base + 300.0),
                Some(SensorFault::Stuck)
            );
            assert_eq!(scheduled_fault(STUCK_SIGNAL, base + 480.0), None);
            assert_eq!(scheduled_fault(SPIKE_SIGNAL, base + 300.0), None);
        }
    }

    /// The detectors, with the demo scene's settings, see exactly the scheduled faults: a stale
    /// level, a stuck vibration and the spikes, and nothing on any other signal.
    #[test]
    fn the_demo_scene_health_sees_these_faults_and_only_these() {
        use crate::freshness::LinkState;
        use crate::health::{HealthIssueKind, SignalHealth, ViewAt};
        use crate::scene::Scene;
        use crate::store::SignalStore;
        let text = include_str!("../../../../scenes/demo_plant.toml");
        let scene =
            Scene::parse(text, std::path::Path::new("../../scenes/demo_plant.toml")).unwrap();
        let mut store = SignalStore::new(scene.signals.iter().map(|s| s.id.clone()));
        store.ingest(run(SensorFaults::new(4), 1300.0));
        let mut seen = std::collections::BTreeSet::new();
        for k in 0..1300 {
            let secs = k as f64 + 0.25;
            let view = ViewAt::at(Timestamp((secs * 1e9) as i64));
            for signal in &scene.signals {
                let spec = scene.health.spec(signal);
                let index = store.index_of(&signal.id).unwrap();
                let history = store.history(index).unwrap();
                let health = SignalHealth::evaluate(history, &spec, view, LinkState::Up);
                for issue in health.issues(&spec) {
                    let phase = secs % CYCLE_S;
                    let expected = match issue.kind {
                        HealthIssueKind::Stale => {
                            signal.id.as_str() == DROPOUT_SIGNAL
                                && (DROPOUT.0 + 2.0..DROPOUT.1 + 1.0).contains(&phase)
                        }
                        HealthIssueKind::Flatline => {
                            signal.id.as_str() == STUCK_SIGNAL
                                && (STUCK.0 + 60.0..STUCK.1 + 1.0).contains(&phase)
                        }
                        HealthIssueKind::Spike => signal.id.as_str() == SPIKE_SIGNAL,
                        _ => false,
                    };
                    assert!(expected, "at {secs} s: {issue:?}");
                    seen.insert((signal.id.to_string(), issue.kind));
                }
            }
        }
        let want = [
            (SPIKE_SIGNAL.to_owned(), HealthIssueKind::Spike),
            (STUCK_SIGNAL.to_owned(), HealthIssueKind::Flatline),
            (DROPOUT_SIGNAL.to_owned(), HealthIssueKind::Stale),
        ];
        assert_eq!(seen, want.into_iter().collect());
    }
}
