//! Runs the demo-plant simulator on a background thread at real time.
//!
//! It uses the same path as every other source (thread → bounded channel → per-frame drain),
//! so the live view exercises the ingest path MQTT will use.

use crossbeam_channel::{Sender, TrySendError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;
use twinscope_core::demo::{DemoSimulator, TICK};
use twinscope_core::signal::Sample;

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

/// Runs the demo simulator paced to wall time: a first full snapshot, then a batch every tick,
/// each handed to `deliver` (which takes what it wants from the batch; it may be empty) until it
/// returns false.
///
/// Shared by the in-app simulator source and `publish-demo`, so both produce the same plant.
pub fn run_in_real_time(mut sim: DemoSimulator, mut deliver: impl FnMut(&mut Vec<Sample>) -> bool) {
    let mut batch = Vec::new();
    sim.snapshot(&mut batch);
    let started = Instant::now();
    let mut ticks: u32 = 0;
    loop {
        // Called every tick, empty batch or not, so a stop request is seen within one tick.
        if !deliver(&mut batch) {
            return;
        }
        batch.clear();
        ticks += 1;
        if let Some(wait) = (started + TICK * ticks).checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        sim.advance(TICK.as_secs_f64(), &mut batch);
    }
}

/// Starts the simulator: a first full snapshot, then a batch every tick, paced to wall time.
pub fn spawn_simulator(sim: DemoSimulator, sender: Sender<Vec<Sample>>) -> SimulatorHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicU64::new(0));
    let thread_stop = Arc::clone(&stop);
    let thread_dropped = Arc::clone(&dropped);
    let thread = std::thread::Builder::new()
        .name("twinscope-simulator".into())
        .spawn(move || {
            run_in_real_time(sim, |batch| {
                if thread_stop.load(Ordering::Relaxed) {
                    return false;
                }
                if batch.is_empty() {
                    return true;
                }
                let count = batch.len() as u64;
                match sender.try_send(std::mem::take(batch)) {
                    Ok(()) => true,
                    Err(TrySendError::Full(_)) => {
                        thread_dropped.fetch_add(count, Ordering::Relaxed);
                        true
                    }
                    Err(TrySendError::Disconnected(_)) => false,
                }
            });
        })
        .ok();
    SimulatorHandle {
        stop,
        dropped,
        thread,
    }
}
