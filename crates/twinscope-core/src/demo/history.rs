//! The demo plant's history made up at full speed, as a historian would hold it: the
//! viewer's backfill and headless scenario runs read their initial conditions from it.

use super::DemoSimulator;
use crate::signal::{Sample, Timestamp};
use std::time::Duration;

/// How often the demo simulator advances: one batch per tick, live or made up.
pub const TICK: Duration = Duration::from_millis(100);

/// Simulates `span` of plant history ending now, at full speed, the way a historian would hold
/// it (four decimals), so the demo opens with a past to scrub through; returns the simulator,
/// ready to go on in real time from where the history ends, and the history's samples.
pub fn simulate_history(seed: u64, span: Duration) -> (DemoSimulator, Vec<Sample>) {
    let span_ns = i64::try_from(span.as_nanos()).unwrap_or(i64::MAX);
    simulate_span(
        seed,
        Timestamp(Timestamp::now().0.saturating_sub(span_ns)),
        span,
    )
}

/// Simulates `span` of plant history from `start`, as [`simulate_history`] does but with no
/// wall clock involved: the same seed, start and span give the same samples (headless scenario
/// runs read their initial conditions from it).
pub fn simulate_span(seed: u64, start: Timestamp, span: Duration) -> (DemoSimulator, Vec<Sample>) {
    let mut sim = DemoSimulator::new(seed, start);
    let mut samples = Vec::new();
    if span.is_zero() {
        return (sim, samples);
    }
    sim.snapshot(&mut samples);
    let steps = (span.as_secs_f64() / TICK.as_secs_f64()).ceil() as u64;
    for _ in 0..steps {
        sim.advance(TICK.as_secs_f64(), &mut samples);
    }
    for sample in &mut samples {
        sample.value = round_like_a_transmitter(sample.value);
    }
    (sim, samples)
}

/// Four decimals, as a real transmitter sends and a historian stores, not f64 noise.
pub fn round_like_a_transmitter(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}
