//! A seeded simulator of the demo plant, so the twin is alive without anything external.
//!
//! The model is small but coupled the way a real plant is: the feed valve fills TK-101, pumps
//! P-101/P-102 move liquid into TK-102 through XV-102, P-103 drains TK-102 to the packing line,
//! motor temperatures follow their load with thermal lag, and faults (a motor cooling failure, a
//! worn pump bearing, a conveyor jam) come and go. Deterministic for a given seed and step
//! sequence so tests and screenshots are reproducible.
//!
//! On top of the process faults, some transmitters misbehave on a fixed ten-minute schedule (a
//! level transmitter drops out, a vibration transmitter sticks, a flow transmitter spikes):
//! see [`sensor_faults`] for the schedule. M-103 also heats up slowly every half hour (fouled
//! cooling, [`episodes`]), so forecasts and predicted alarms have a steady ramp to show.

#[cfg(test)]
mod anomaly_demo_tests;
pub mod history;
pub use history::{TICK, round_like_a_transmitter, simulate_history, simulate_span};
pub mod episodes;
mod forklift;
pub mod sensor_faults;

use crate::signal::{Sample, SignalId, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Integration step in seconds; `advance` sub-steps at this size whatever the caller's dt.
const STEP_S: f64 = 0.1;
const TK101_VOLUME_M3: f64 = 30.0;
const TK102_VOLUME_M3: f64 = 40.0;
const FEED_FLOW_M3H: f64 = 45.0;
const PUMP_NOMINAL_M3H: f64 = 24.0;
const TRANSFER_NOMINAL_M3H: f64 = 30.0;
const VALVE_STROKE_PCT_PER_S: f64 = 12.0;
const MOTOR_THERMAL_TAU_S: f64 = 45.0;
const AMBIENT_C: f64 = 28.0;
const BELT_SPEED_MS: f64 = 1.2;
/// Motor speed at full load (4-pole, 50 Hz, with slip).
const MOTOR_RATED_RPM: f64 = 1480.0;
/// Run-up and coast-down time constant of a pump set.
const MOTOR_SPIN_TAU_S: f64 = 1.5;
/// Shell heights of TK-101 and TK-102, for the static head on the pumps' suction.
const TANK_HEIGHTS_M: [f64; 2] = [6.0, 7.0];
/// Pump shut-off head in bar at rated speed, and how it falls with flow (bar per (m3/h)^2).
const PUMP_SHUTOFF_BAR: f64 = 3.4;
const PUMP_HEAD_DROOP: f64 = 0.0011;
/// Salt mixed into the seed for the randomness of signals added after the first release, so
/// the original signals and fault sequence stay exactly as they were for a given seed.
const AUX_SEED_SALT: u64 = 0x5e45_0f4a_17c0_ffee;

/// Which fault is active, if any. Faults are what make the demo worth watching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// A motor's cooling fan has failed: its temperature climbs into alarm.
    MotorCooling(usize),
    /// A pump bearing is worn: vibration rises.
    PumpBearing(usize),
    /// The conveyor is jammed: belt stops, packing rate drops.
    ConveyorJam,
}

/// One pump with its motor.
#[derive(Clone, Debug)]
struct PumpSet {
    running: bool,
    flow_m3h: f64,
    motor_temp_c: f64,
    speed_rpm: f64,
}

/// The simulated plant's state plus its random source and publishing schedule.
#[derive(Clone, Debug)]
pub struct DemoSimulator {
    rng: ChaCha8Rng,
    /// Noise for motor speeds and pump pressures (see [`AUX_SEED_SALT`]).
    aux_rng: ChaCha8Rng,
    elapsed_s: f64,
    start: Timestamp,
    tk101_m3: f64,
    tk102_m3: f64,
    valve_pos: [f64; 3],
    pumps: [PumpSet; 3],
    belt_speed: f64,
    packed: f64,
    fault: Option<(Fault, f64)>,
    next_fault_at_s: f64,
    signals: Vec<(SignalId, f64, f64)>,
    /// Transmitter faults applied to measured values (see [`sensor_faults`]).
    sensor_faults: sensor_faults::SensorFaults,
    /// Forklift FL-401 (not in the model; its speed feeds the forklift scenario).
    forklift: forklift::Forklift,
}

/// The signal ids the simulator publishes, with their publish periods in seconds.
///
/// Matches `scenes/demo_plant.toml`; a test keeps the two in step.
pub fn demo_signal_periods() -> Vec<(&'static str, f64)> {
    let mut out = vec![("TK-101.level", 1.0), ("TK-102.level", 1.0)];
    out.extend([
        ("P-101.flow", 0.5),
        ("P-101.vibration", 0.5),
        ("P-102.flow", 0.5),
        ("P-102.vibration", 0.5),
        ("P-103.flow", 0.5),
        ("P-103.vibration", 0.5),
        ("M-101.temperature", 1.0),
        ("M-101.current", 0.5),
        ("M-102.temperature", 1.0),
        ("M-102.current", 0.5),
        ("M-103.temperature", 1.0),
        ("M-103.current", 0.5),
        ("M-101.speed", 0.5),
        ("M-102.speed", 0.5),
        ("M-103.speed", 0.5),
        ("P-101.p_in", 0.5),
        ("P-101.p_out", 0.5),
        ("P-102.p_in", 0.5),
        ("P-102.p_out", 0.5),
        ("P-103.p_in", 0.5),
        ("P-103.p_out", 0.5),
        ("XV-101.position", 1.0),
        ("XV-102.position", 1.0),
        ("XV-103.position", 1.0),
        ("CV-201.speed", 0.5),
        ("PK-201.rate", 1.0),
        ("PK-201.count", 1.0),
        ("FL-401.speed", 0.5),
    ]);
    out
}

impl DemoSimulator {
    /// A plant in a steady, healthy state at `start`, with its randomness seeded.
    pub fn new(seed: u64, start: Timestamp) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let next_fault_at_s = rng.random_range(15.0..30.0);
        let pump = |running| PumpSet {
            running,
            flow_m3h: if running { PUMP_NOMINAL_M3H } else { 0.0 },
            motor_temp_c: if running { 62.0 } else { AMBIENT_C },
            speed_rpm: if running { MOTOR_RATED_RPM } else { 0.0 },
        };
        let signals = demo_signal_periods()
            .into_iter()
            .map(|(id, period)| (SignalId::new(id), period, 0.0))
            .collect();
        Self {
            rng,
            aux_rng: ChaCha8Rng::seed_from_u64(seed ^ AUX_SEED_SALT),
            elapsed_s: 0.0,
            start,
            tk101_m3: TK101_VOLUME_M3 * 0.55,
            tk102_m3: TK102_VOLUME_M3 * 0.50,
            valve_pos: [100.0, 100.0, 100.0],
            pumps: [pump(true), pump(false), pump(true)],
            belt_speed: BELT_SPEED_MS,
            packed: 0.0,
            fault: None,
            next_fault_at_s,
            signals,
            sensor_faults: sensor_faults::SensorFaults::new(seed),
            forklift: forklift::Forklift::new(seed),
        }
    }

    /// Simulated seconds since `start`.
    pub fn elapsed_s(&self) -> f64 {
        self.elapsed_s
    }

    /// The fault currently active, if any.
    pub(crate) fn active_fault(&self) -> Option<Fault> {
        self.fault.map(|(fault, _)| fault)
    }

    /// The current simulated time.
    pub fn now(&self) -> Timestamp {
        Timestamp(self.start.0 + (self.elapsed_s * 1e9) as i64)
    }

    /// Every signal's current value, stamped now; used to publish a first full picture.
    pub fn snapshot(&mut self, out: &mut Vec<Sample>) {
        let now = self.now();
        for i in 0..self.signals.len() {
            let id = self.signals[i].0.clone();
            self.transmit(id, now, out);
        }
    }

    /// Measures `id` and hands what its transmitter sends (if anything) to `out`; measuring even
    /// a silent transmitter keeps the noise stream, and so every other signal, unchanged.
    fn transmit(&mut self, id: SignalId, now: Timestamp, out: &mut Vec<Sample>) {
        let measured = self.measure(id.as_str());
        let sent = self
            .sensor_faults
            .transmit(id.as_str(), self.elapsed_s, measured);
        if let Some(value) = sent {
            out.push(Sample::new(id, now, value));
        }
    }

    /// Advances the plant by `dt_s` seconds and appends the samples that fell due.
    pub fn advance(&mut self, dt_s: f64, out: &mut Vec<Sample>) {
        let steps = (dt_s / STEP_S).round().max(1.0) as usize;
        for _ in 0..steps {
            self.step(STEP_S);
            self.publish_due(out);
        }
    }

    fn publish_due(&mut self, out: &mut Vec<Sample>) {
        let now = self.now();
        for i in 0..self.signals.len() {
            let (_, period, last) = self.signals[i];
            if self.elapsed_s - last + 1e-9 >= period {
                self.signals[i].2 = self.elapsed_s;
                let id = self.signals[i].0.clone();
                self.transmit(id, now, out);
            }
        }
    }

    /// One integration step of the plant model.
    fn step(&mut self, dt: f64) {
        self.elapsed_s += dt;
        self.update_faults();
        let tk101_pct = 100.0 * self.tk101_m3 / TK101_VOLUME_M3;
        let tk102_pct = 100.0 * self.tk102_m3 / TK102_VOLUME_M3;

        // Control: feed valve with hysteresis; standby pump P-102 helps when TK-101 runs high;
        // discharge valve closes when the product tank is full (pumps interlocked to it).
        let feed_target = match tk101_pct {
            l if l < 40.0 => 100.0,
            l if l > 80.0 => 0.0,
            _ => {
                if self.valve_pos[0] > 50.0 {
                    100.0
                } else {
                    0.0
                }
            }
        };
        let discharge_target = match tk102_pct {
            l if l > 92.0 => 0.0,
            l if l < 80.0 => 100.0,
            _ => {
                if self.valve_pos[1] > 50.0 {
                    100.0
                } else {
                    0.0
                }
            }
        };
        self.pumps[1].running = match tk101_pct {
            l if l > 65.0 => true,
            l if l < 45.0 => false,
            _ => self.pumps[1].running,
        };
        self.pumps[2].running = match tk102_pct {
            l if l > 25.0 => true,
            l if l < 10.0 => false,
            _ => self.pumps[2].running,
        };
        let transfer_target = if self.pumps[2].running { 100.0 } else { 0.0 };
        for (pos, target) in
            self.valve_pos
                .iter_mut()
                .zip([feed_target, discharge_target, transfer_target])
        {
            let max_move = VALVE_STROKE_PCT_PER_S * dt;
            *pos += (target - *pos).clamp(-max_move, max_move);
        }

        // Flows follow their targets with a short lag; pumps starve on an empty suction tank.
        let suction_ok = |pct: f64| ((pct - 2.0) / 8.0).clamp(0.0, 1.0);
        let discharge_open = self.valve_pos[1] / 100.0;
        let targets = [
            f64::from(u8::from(self.pumps[0].running))
                * PUMP_NOMINAL_M3H
                * discharge_open
                * suction_ok(tk101_pct),
            f64::from(u8::from(self.pumps[1].running))
                * PUMP_NOMINAL_M3H
                * discharge_open
                * suction_ok(tk101_pct),
            f64::from(u8::from(self.pumps[2].running))
                * TRANSFER_NOMINAL_M3H
                * (self.valve_pos[2] / 100.0)
                * suction_ok(tk102_pct),
        ];
        for (pump, target) in self.pumps.iter_mut().zip(targets) {
            pump.flow_m3h += (target - pump.flow_m3h) * (dt / 2.0).min(1.0);
            let speed_target = if pump.running { MOTOR_RATED_RPM } else { 0.0 };
            pump.speed_rpm += (speed_target - pump.speed_rpm) * (dt / MOTOR_SPIN_TAU_S).min(1.0);
        }

        let feed_m3h = FEED_FLOW_M3H * self.valve_pos[0] / 100.0;
        let into_tk102 = self.pumps[0].flow_m3h + self.pumps[1].flow_m3h;
        self.tk101_m3 = (self.tk101_m3 + (feed_m3h - into_tk102) * dt / 3600.0 * 60.0)
            .clamp(0.0, TK101_VOLUME_M3);
        self.tk102_m3 = (self.tk102_m3
            + (into_tk102 - self.pumps[2].flow_m3h) * dt / 3600.0 * 60.0)
            .clamp(0.0, TK102_VOLUME_M3);

        // Motors heat with load (I^2), cool towards ambient, with thermal lag.
        for i in 0..3 {
            let current = self.motor_current(i);
            let mut target = AMBIENT_C + 38.0 * (current / 30.0).powi(2);
            let fault_rise: f64 = if self.fault == Some((Fault::MotorCooling(i), self.fault_end()))
            {
                55.0
            } else {
                0.0
            };
            let episode_rise = if i == episodes::HEATING_MOTOR {
                episodes::heating_rise_c(self.elapsed_s)
            } else {
                0.0
            };
            target += fault_rise.max(episode_rise);
            let pump = &mut self.pumps[i];
            pump.motor_temp_c += (target - pump.motor_temp_c) * (dt / MOTOR_THERMAL_TAU_S);
        }

        // Belt and packing.
        let belt_target = if self.active_fault() == Some(Fault::ConveyorJam) {
            0.0
        } else {
            BELT_SPEED_MS
        };
        self.belt_speed += (belt_target - self.belt_speed) * (dt / 1.5).min(1.0);
        self.packed += self.packing_rate() / 60.0 * dt;
        self.forklift.step(dt);
    }

    fn fault_end(&self) -> f64 {
        self.fault.map_or(0.0, |(_, end)| end)
    }

    fn update_faults(&mut self) {
        if let Some((_, end)) = self.fault
            && self.elapsed_s >= end
        {
            self.fault = None;
            self.next_fault_at_s = self.elapsed_s + self.rng.random_range(40.0..90.0);
        }
        if self.fault.is_none() && self.elapsed_s >= self.next_fault_at_s {
            let fault = match self.rng.random_range(0..4u8) {
                0 | 1 => Fault::MotorCooling(self.rng.random_range(0..2usize)),
                2 => Fault::PumpBearing(self.rng.random_range(0..3usize)),
                _ => Fault::ConveyorJam,
            };
            let duration = self.rng.random_range(60.0..150.0);
            self.fault = Some((fault, self.elapsed_s + duration));
        }
    }

    fn motor_current(&self, i: usize) -> f64 {
        let pump = &self.pumps[i];
        if pump.running {
            14.0 + 0.65 * pump.flow_m3h
        } else {
            0.0
        }
    }

    fn packing_rate(&self) -> f64 {
        let product = if self.pumps[2].flow_m3h > 5.0 {
            1.0
        } else {
            0.25
        };
        (self.belt_speed / BELT_SPEED_MS) * 80.0 * product
    }

    fn noise(&mut self, sigma: f64) -> f64 {
        normal(&mut self.rng, sigma)
    }

    fn aux_noise(&mut self, sigma: f64) -> f64 {
        normal(&mut self.aux_rng, sigma)
    }

    /// Suction pressure of pump `i` in bar(g): static head of its supply tank, less the
    /// suction line's friction.
    fn suction_bar(&self, i: usize) -> f64 {
        let (level_fraction, height_m) = if i < 2 {
            (self.tk101_m3 / TK101_VOLUME_M3, TANK_HEIGHTS_M[0])
        } else {
            (self.tk102_m3 / TK102_VOLUME_M3, TANK_HEIGHTS_M[1])
        };
        let flow = self.pumps[i].flow_m3h;
        0.3 + level_fraction * height_m * 0.0981 - 0.0004 * flow * flow
    }

    /// Discharge pressure of pump `i`: suction plus the head its speed and flow give
    /// (affinity law: head scales with speed squared).
    fn discharge_bar(&self, i: usize) -> f64 {
        let pump = &self.pumps[i];
        let speed = pump.speed_rpm / MOTOR_RATED_RPM;
        let head = PUMP_SHUTOFF_BAR * speed * speed - PUMP_HEAD_DROOP * pump.flow_m3h.powi(2);
        self.suction_bar(i) + head.max(0.0)
    }

    /// The value a sensor on `id` reads now (true value plus sensor noise).
    fn measure(&mut self, id: &str) -> f64 {
        let Some((tag, quantity)) = id.split_once('.') else {
            return f64::NAN;
        };
        let index = tag
            .as_bytes()
            .last()
            .map(|d| usize::from(d.saturating_sub(b'1')).min(2))
            .unwrap_or(0);
        match (tag, quantity) {
            ("TK-101", "level") => {
                (100.0 * self.tk101_m3 / TK101_VOLUME_M3 + self.noise(0.15)).clamp(0.0, 100.0)
            }
            ("TK-102", "level") => {
                (100.0 * self.tk102_m3 / TK102_VOLUME_M3 + self.noise(0.15)).clamp(0.0, 100.0)
            }
            (_, "flow") => (self.pumps[index].flow_m3h + self.noise(0.3)).max(0.0),
            (_, "vibration") => {
                let pump = &self.pumps[index];
                let mut v = if pump.running { 2.1 } else { 0.3 };
                if self.active_fault() == Some(Fault::PumpBearing(index)) {
                    v += 5.5;
                }
                (v + self.noise(0.25)).max(0.0)
            }
            (_, "temperature") => self.pumps[index].motor_temp_c + self.noise(0.2),
            (_, "current") => (self.motor_current(index) + self.noise(0.4)).max(0.0),
            (_, "position") => self.valve_pos[index],
            ("CV-201", "speed") => (self.belt_speed + self.noise(0.01)).max(0.0),
            ("FL-401", "speed") => self.forklift.measure(),
            (_, "speed") => (self.pumps[index].speed_rpm + self.aux_noise(2.0)).max(0.0),
            (_, "p_in") => (self.suction_bar(index) + self.aux_noise(0.01)).max(0.0),
            (_, "p_out") => (self.discharge_bar(index) + self.aux_noise(0.02)).max(0.0),
            ("PK-201", "rate") => (self.packing_rate() + self.noise(1.0)).max(0.0),
            ("PK-201", "count") => self.packed.floor(),
            _ => f64::NAN,
        }
    }
}

/// A normal deviate with standard deviation `sigma` (Box-Muller from two uniforms).
fn normal(rng: &mut ChaCha8Rng, sigma: f64) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    sigma * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64, secs: f64) -> (DemoSimulator, Vec<Sample>) {
        let mut sim = DemoSimulator::new(seed, Timestamp(0));
        let mut out = Vec::new();
        sim.advance(secs, &mut out);
        (sim, out)
    }

    #[test]
    fn same_seed_same_samples() {
        let (_, a) = run(7, 120.0);
        let (_, b) = run(7, 120.0);
        let (_, c) = run(8, 120.0);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn publishes_every_signal_at_its_period() {
        let (_, samples) = run(1, 10.0);
        for (id, period) in demo_signal_periods() {
            let n = samples.iter().filter(|s| s.signal.as_str() == id).count();
            let expected = (10.0 / period) as usize;
            assert!(
                n.abs_diff(expected) <= 1,
                "{id}: {n} samples, expected ~{expected}"
            );
        }
        assert!(samples.iter().all(|s| s.value.is_finite()));
    }

    #[test]
    fn values_stay_in_physical_ranges_over_an_hour() {
        let (_, samples) = run(3, 3600.0);
        for s in &samples {
            let (lo, hi) = match s.signal.as_str().split_once('.').map(|p| p.1) {
                Some("speed") if s.signal.as_str().starts_with("M-") => (0.0, 1600.0),
                Some("speed") if s.signal.as_str().starts_with("FL-") => (0.0, 3.0),
                Some("p_in" | "p_out") => (0.0, 6.0),
                Some("level" | "position") => (0.0, 100.0),
                Some("flow") => (0.0, 60.0),
                Some("vibration") => (0.0, 20.0),
                Some("temperature") => (0.0, 150.0),
                Some("current") => (0.0, 60.0),
                Some("speed") => (0.0, 2.0),
                Some("rate") => (0.0, 120.0),
                _ => (0.0, 1e9),
            };
            assert!(
                (lo..=hi).contains(&s.value),
                "{} = {} outside {lo}..{hi}",
                s.signal,
                s.value
            );
        }
    }

    #[test]
    fn tanks_move_and_faults_happen() {
        let (sim, samples) = run(11, 1800.0);
        let levels: Vec<f64> = samples
            .iter()
            .filter(|s| s.signal.as_str() == "TK-101.level")
            .map(|s| s.value)
            .collect();
        let (min, max) = levels
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        assert!(max - min > 20.0, "TK-101 level barely moved: {min}..{max}");
        let hot = samples
            .iter()
            .any(|s| s.signal.as_str().ends_with(".temperature") && s.value > 95.0);
        let jammed = samples
            .iter()
            .any(|s| s.signal.as_str() == "CV-201.speed" && s.value < 0.1);
        let shaking = samples
            .iter()
            .any(|s| s.signal.as_str().ends_with(".vibration") && s.value > 7.1);
        assert!(hot || jammed || shaking, "no fault showed in half an hour");
        assert!(sim.elapsed_s() >= 1799.9);
    }

    #[test]
    fn motor_heats_into_alarm_when_its_cooling_fails() {
        let mut sim = DemoSimulator::new(5, Timestamp(0));
        sim.next_fault_at_s = f64::MAX;
        sim.fault = Some((Fault::MotorCooling(0), 10_000.0));
        let mut out = Vec::new();
        sim.advance(300.0, &mut out);
        let last = out
            .iter()
            .rev()
            .find(|s| s.signal.as_str() == "M-101.temperature")
            .map(|s| s.value);
        assert!(last.is_some_and(|t| t > 95.0), "M-101 at {last:?}");
    }
}
