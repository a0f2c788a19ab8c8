//! Forklift FL-401's travel speed: trips across the hall with stops between them.
//!
//! The forklift is not in the plant model; its speed is recorded like any other signal so the
//! "forklift crossing" scenario can drive a forklift-sized body at the speed recorded at T0. It
//! draws from its own random stream, so adding it changed no other signal of a given seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Salt mixed into the seed for the forklift's random stream.
const FORKLIFT_SEED_SALT: u64 = 0xf0c1_1f7a_4010_0401;
/// Acceleration and braking, m/s².
const ACCELERATION: f64 = 0.8;
/// Cruise speeds of a trip, m/s (about 5 to 8 km/h, indoor limits near walkways).
const CRUISE: std::ops::Range<f64> = 1.4..2.2;
/// How long a trip drives and how long the forklift stands between trips, seconds.
const DRIVE_S: std::ops::Range<f64> = 15.0..45.0;
const STAND_S: std::ops::Range<f64> = 3.0..12.0;

/// The forklift's state: current speed, the speed it is heading for, and until when.
#[derive(Clone, Debug)]
pub(super) struct Forklift {
    rng: ChaCha8Rng,
    speed: f64,
    target: f64,
    phase_left_s: f64,
}

impl Forklift {
    /// A forklift standing at the start of a short wait, seeded from the simulator's seed.
    pub(super) fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ FORKLIFT_SEED_SALT);
        let phase_left_s = rng.random_range(2.0..10.0);
        Self {
            rng,
            speed: 0.0,
            target: 0.0,
            phase_left_s,
        }
    }

    /// Advances by `dt` seconds: ramps towards the phase's speed, then starts the next phase
    /// (a trip after standing, a stop after a trip).
    pub(super) fn step(&mut self, dt: f64) {
        let max_change = ACCELERATION * dt;
        self.speed += (self.target - self.speed).clamp(-max_change, max_change);
        self.phase_left_s -= dt;
        if self.phase_left_s <= 0.0 {
            if self.target > 0.0 {
                self.target = 0.0;
                self.phase_left_s = self.rng.random_range(STAND_S);
            } else {
                self.target = self.rng.random_range(CRUISE);
                self.phase_left_s = self.rng.random_range(DRIVE_S);
            }
        }
    }

    /// What the speed sensor reads: the speed with a little noise, never negative; zero
    /// standing still (a wheel encoder reads nothing then).
    pub(super) fn measure(&mut self) -> f64 {
        if self.speed <= 0.0 {
            return 0.0;
        }
        let noise: f64 = self.rng.random_range(-0.02..0.02);
        (self.speed + noise).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drives_trips_at_cruise_speed_and_stands_between_them() {
        let mut forklift = Forklift::new(42);
        let (mut moving, mut standing, mut top) = (0, 0, 0.0f64);
        for _ in 0..6000 {
            forklift.step(0.1);
            let v = forklift.measure();
            top = top.max(v);
            if v > 1.0 {
                moving += 1;
            } else if v == 0.0 {
                standing += 1;
            }
        }
        assert!(
            moving > 600 && standing > 600,
            "moving {moving}, standing {standing}"
        );
        assert!((1.4..2.3).contains(&top), "top speed {top}");
    }
}
