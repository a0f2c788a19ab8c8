//! Scheduled process episodes: the demo's slow "motor heating up", on a fixed timetable so a
//! demo (which starts an hour into the simulation with the default backfill) opens a few
//! minutes into one, and forecasts, predicted alarms and risk have something to show.
//!
//! M-103's cooling slowly fouls: its temperature target creeps up by `HEATING_RISE_C` over
//! `HEATING_RAMP_S` (1.75 °C a minute: from its steady ~75 °C it reaches the H limit of 95 °C
//! after about 12 minutes, never the HH limit of 110 °C), holds for `HEATING_HOLD_S`, then
//! the filter is "cleaned" and the motor cools back. It repeats every `HEATING_EVERY_S`. No
//! randomness is used, so every other signal is exactly as before for a given seed.
//!
//! M-103 carries it because the transfer pump runs at a steady load and has no random cooling
//! faults, so the ramp is the only thing moving its temperature: M-101's load cycles with the
//! discharge valve (±4 °C every ~100 s) and its fan fails every few minutes, which buried the
//! ramp when the episode was on M-101.

/// Index of the pump set whose motor heats up (M-103).
pub(crate) const HEATING_MOTOR: usize = 2;
/// Elapsed simulated seconds at which the first episode starts (21 min: with the default
/// one-hour backfill, the live demo opens nine minutes into the second one, a few minutes
/// before the H limit, so the predicted alarm is inside the 5-minute forecast horizon).
pub(crate) const HEATING_FIRST_S: f64 = 1260.0;
/// Seconds from one episode's start to the next.
pub(crate) const HEATING_EVERY_S: f64 = 1800.0;
/// Seconds the temperature target creeps up.
pub(crate) const HEATING_RAMP_S: f64 = 960.0;
/// Seconds it holds at the top before the cooling recovers.
pub(crate) const HEATING_HOLD_S: f64 = 120.0;
/// How far the target rises, °C.
pub(crate) const HEATING_RISE_C: f64 = 28.0;

/// Extra temperature target of M-103 at `elapsed_s` (0 outside an episode).
pub(crate) fn heating_rise_c(elapsed_s: f64) -> f64 {
    if elapsed_s < HEATING_FIRST_S {
        return 0.0;
    }
    let phase = (elapsed_s - HEATING_FIRST_S) % HEATING_EVERY_S;
    if phase < HEATING_RAMP_S {
        HEATING_RISE_C * phase / HEATING_RAMP_S
    } else if phase < HEATING_RAMP_S + HEATING_HOLD_S {
        HEATING_RISE_C
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DemoSimulator;
    use crate::signal::Timestamp;

    #[test]
    fn the_rise_ramps_holds_and_recurs() {
        assert_eq!(heating_rise_c(0.0), 0.0);
        assert_eq!(
            heating_rise_c(HEATING_FIRST_S + HEATING_RAMP_S / 2.0),
            HEATING_RISE_C / 2.0
        );
        assert_eq!(
            heating_rise_c(HEATING_FIRST_S + HEATING_RAMP_S + 1.0),
            HEATING_RISE_C
        );
        assert_eq!(
            heating_rise_c(HEATING_FIRST_S + HEATING_RAMP_S + HEATING_HOLD_S + 1.0),
            0.0
        );
        let next = HEATING_FIRST_S + HEATING_EVERY_S;
        assert_eq!(
            heating_rise_c(next + 100.0),
            heating_rise_c(HEATING_FIRST_S + 100.0)
        );
    }

    #[test]
    fn m103_heats_past_its_h_limit_during_an_episode_and_cools_after() {
        let mut sim = DemoSimulator::new(3, Timestamp(0));
        let mut out = Vec::new();
        sim.advance(HEATING_FIRST_S + HEATING_RAMP_S + HEATING_HOLD_S, &mut out);
        let temps: Vec<(f64, f64)> = out
            .iter()
            .filter(|s| s.signal.as_str() == "M-103.temperature")
            .map(|s| (s.time.as_secs_f64(), s.value))
            .collect();
        let at = |t: f64| {
            temps
                .iter()
                .find(|(s, _)| *s >= t)
                .map_or(f64::NAN, |p| p.1)
        };
        // Before: steady around 75 °C.
        assert!((at(HEATING_FIRST_S - 1.0) - 75.0).abs() < 2.0);
        // Crossing H 95 happens late in the ramp, after a steady rise.
        let first_hot = temps
            .iter()
            .find(|(t, v)| *t > HEATING_FIRST_S + 300.0 && *v >= 95.0)
            .map(|p| p.0 - HEATING_FIRST_S)
            .expect("M-103 reaches 95 °C");
        assert!(
            first_hot > 500.0 && first_hot < HEATING_RAMP_S + 60.0,
            "{first_hot}"
        );
        assert!(temps.iter().all(|(_, v)| *v < 110.0), "never HH");
        sim.advance(300.0, &mut out);
        let last = out
            .iter()
            .rev()
            .find(|s| s.signal.as_str() == "M-103.temperature")
            .unwrap();
        assert!(last.value < 95.0, "cooled back: {}", last.value);
    }
}
