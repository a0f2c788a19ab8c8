//! Runs the demo-plant simulator on a background thread at real time.
//!
//! It uses the same path as every other source (thread → bounded channel → per-frame drain),
//! so the live view exercises the ingest path MQTT will use.

use crate::core::signal::{Sample, Timestamp};
use crate::core::sim::DemoSimulator;
use crossbeam_channel::{Sender, TrySendError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the simulator thread advances and sends a batch.
const TICK: Duration = Duration::from_millis(100);

/// Owns the simulator thread; stops and joins it on drop.
pub struct SimulatorHandle {
    stop: Arc<AtomicBool>,
    dropped: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl SimulatorHandle {
    /// Samples the thread could not hand over because the channel was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the simulator: a first full snapshot, then a batch every tick, paced to wall time.
pub fn spawn_simulator(seed: u64, sender: Sender<Vec<Sample>>) -> SimulatorHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicU64::new(0));
    let thread_stop = Arc::clone(&stop);
    let thread_dropped = Arc::clone(&dropped);
    let thread = std::thread::Builder::new()
        .name("twinscope-simulator".into())
        .spawn(move || {
            let mut sim = DemoSimulator::new(seed, Timestamp::now());
            let mut batch = Vec::new();
            sim.snapshot(&mut batch);
            let started = Instant::now();
            let mut ticks: u32 = 0;
            while !thread_stop.load(Ordering::Relaxed) {
                if !batch.is_empty() {
                    let count = batch.len() as u64;
                    match sender.try_send(std::mem::take(&mut batch)) {
                        Ok(()) => {}
                        Err(TrySendError::Full(_)) => {
                            thread_dropped.fetch_add(count, Ordering::Relaxed);
                        }
                        Err(TrySendError::Disconnected(_)) => return,
                    }
                }
                ticks += 1;
                let due = started + TICK * ticks;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                sim.advance(TICK.as_secs_f64(), &mut batch);
            }
        })
        .ok();
    SimulatorHandle {
        stop,
        dropped,
        thread,
    }
}
