//! `twinscope publish-demo --broker URL`: the demo-plant simulator as a standalone MQTT
//! publisher, so any broker (and any twinscope subscribed to it) sees a live plant.
//!
//! Each sample of signal `TAG.quantity` goes to topic `plant/TAG/quantity` as a plain number,
//! QoS 1 — exactly what the demo scene's `[[topics]]` entry maps back.

use super::mqtt::MqttConfig;
use super::publisher::AckedPublisher;
use rumqttc::QoS;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use twinscope_core::demo::DemoSimulator;
use twinscope_core::demo::round_like_a_transmitter;
use twinscope_core::signal::Sample;

/// Topic a demo sample is published on: `plant/TAG/quantity`.
pub fn demo_topic(sample: &Sample) -> String {
    match sample.signal.as_str().split_once('.') {
        Some((tag, quantity)) => format!("plant/{tag}/{quantity}"),
        None => format!("plant/{}", sample.signal),
    }
}

/// Publishes the simulated plant in real time until `duration` (if any) has passed or
/// `stop` is set; returns the number of messages published. Fails if the broker cannot be
/// reached within 10 s.
pub fn publish_demo(
    config: &MqttConfig,
    sim: DemoSimulator,
    duration: Option<Duration>,
    stop: &AtomicBool,
) -> anyhow::Result<u64> {
    let options = config.options(format!("{}-publisher", config.client_id));
    let url = config.url();
    let publisher = AckedPublisher::start(options, 1024, move |error| {
        eprintln!("publish-demo: {url}: {error} (retrying)")
    })?;
    let wait_until = Instant::now() + Duration::from_secs(10);
    while !publisher.is_connected() {
        if stop.load(Ordering::Relaxed) {
            return Ok(0);
        }
        anyhow::ensure!(
            Instant::now() < wait_until,
            "cannot reach the broker at {} within 10 s",
            config.url()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let started = Instant::now();
    let mut published = 0u64;
    let mut failure = None;
    crate::demo_feed::run_in_real_time(sim, |batch| {
        if stop.load(Ordering::Relaxed) || duration.is_some_and(|d| started.elapsed() >= d) {
            return false;
        }
        for sample in batch.drain(..) {
            if let Err(error) = publisher.client.publish(
                demo_topic(&sample),
                QoS::AtLeastOnce,
                false,
                format!("{}", round_like_a_transmitter(sample.value)),
            ) {
                failure = Some(error);
                return false;
            }
            published += 1;
        }
        true
    });
    if let Some(error) = failure {
        return Err(error.into());
    }
    // Let the broker acknowledge what was sent before disconnecting (bounded).
    let drain_until = Instant::now() + Duration::from_secs(5);
    while publisher.acked() < published && Instant::now() < drain_until {
        std::thread::sleep(Duration::from_millis(20));
    }
    publisher.disconnect();
    Ok(published)
}

/// The demo publisher running on its own thread; asks it to stop when dropped.
pub struct DemoPublisher {
    stop: Arc<AtomicBool>,
}

impl Drop for DemoPublisher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts [`publish_demo`] on a thread (the in-app simulator feeding the embedded broker); a
/// failure is logged, since the twin itself keeps running.
pub fn spawn_demo_publisher(
    config: MqttConfig,
    sim: DemoSimulator,
) -> std::io::Result<DemoPublisher> {
    let stop = Arc::new(AtomicBool::new(false));
    let thread_stop = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("twinscope-demo-publisher".into())
        .spawn(move || {
            if let Err(error) = publish_demo(&config, sim, None, &thread_stop) {
                tracing::error!("demo publisher: {error:#}");
            }
        })?;
    Ok(DemoPublisher { stop })
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinscope_core::signal::{SignalId, Timestamp};

    #[test]
    fn demo_topics_round_trip_through_the_demo_scene_mapping() {
        let sample = Sample::new(SignalId::new("M-101.temperature"), Timestamp(0), 1.0);
        assert_eq!(demo_topic(&sample), "plant/M-101/temperature");
        let pattern =
            twinscope_core::topics::TopicPattern::parse("plant/{asset}/{quantity}").unwrap();
        let template =
            twinscope_core::topics::SignalTemplate::parse("{asset}.{quantity}", &pattern).unwrap();
        let captures = pattern.matches(&demo_topic(&sample)).unwrap();
        assert_eq!(template.render(&captures), sample.signal);
    }
}
