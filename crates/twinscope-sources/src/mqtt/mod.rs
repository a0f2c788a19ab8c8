//! MQTT source: rumqttc on its own thread, topics decoded through the scene's topic map.
//!
//! - Subscriptions ([`TopicMap::subscriptions`]) are sent again on every ConnAck (needed with
//!   clean sessions; harmless otherwise).
//! - rumqttc reconnects on the next poll with no delay, so failures wait an exponential backoff
//!   with jitter (0.5 s doubling to 30 s) before polling again; the state says when. The
//!   backoff starts over only after a connection stayed up 10 s, so a broker that accepts and
//!   drops us at once is not hammered.
//! - Packets up to MQTT's own 256 MiB limit are read: one over the scene's payload limit is a
//!   counted bad payload, never a dropped connection (which a persistent session would replay).
//! - Samples go to the ingest channel in small batches. When the channel is full the thread
//!   waits (backpressure through TCP to the broker) instead of dropping; the waits are counted.
//! - Every message is counted per topic with its last error; topics no mapping matches are
//!   listed so users can bind them.

use crossbeam_channel::{SendTimeoutError, Sender};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rumqttc::{Client, Event, Packet, QoS, RecvTimeoutError, SubscribeFilter};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use twinscope_core::signal::{Sample, Timestamp};
use twinscope_core::topics::{Decoded, TopicMap};

mod config;

pub use config::{
    DEFAULT_MAX_SIGNALS, MqttConfig, MqttConfigError, PASSWORD_ENV, PASSWORD_FILE_ENV, USERNAME_ENV,
};

/// Bytes on top of the largest accepted payload for the topic and packet header.
pub const PACKET_OVERHEAD: usize = 4096;
/// Largest packet read from the broker: MQTT 3.1.1's own limit. A message over the scene's
/// payload limit is read whole and counted as a bad payload. Refusing it at the packet layer
/// made rumqttc drop the connection, and a persistent session had the broker redeliver it after
/// every reconnect, for ever; the cost now is one transient buffer of the message's size.
pub const MAX_INCOMING_PACKET: usize = 256 * 1024 * 1024;
/// A connection that lived this long was healthy: the next failure backs off from the start.
/// One that dies sooner (a broker that accepts and then drops us) keeps backing off.
const STABLE_CONNECTION: Duration = Duration::from_secs(10);
/// Longest a decoded sample waits in the thread before it is sent to the app.
const BATCH_AGE: Duration = Duration::from_millis(20);
/// Batch size that is sent at once.
const BATCH_SIZE: usize = 512;

/// Connection state, for the status bar.
#[derive(Clone, Debug, PartialEq)]
pub enum ConnectionState {
    /// First connection attempt under way.
    Connecting,
    /// Connected and subscribed.
    Connected,
    /// Lost or refused; the next attempt is at `retry_at`.
    Reconnecting {
        /// When the next attempt starts.
        retry_at: Instant,
        /// Why the last attempt failed.
        error: String,
    },
}

/// Counters for one topic.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TopicStats {
    /// Messages received.
    pub messages: u64,
    /// Payload bytes received.
    pub bytes: u64,
    /// Messages (or JSON fields) that failed to decode.
    pub errors: u64,
    /// The last problem, with its location.
    pub last_error: Option<String>,
    /// The start of the last payload, as text (invalid UTF-8 replaced), for the UI.
    pub last_payload: String,
    /// When the last message arrived.
    pub last_received: Option<Instant>,
}

/// Whether a counter going from `before` to `after` passed a power of two (1, 2, 4, …).
fn crossed_power_of_two(before: u64, after: u64) -> bool {
    after > before && (before == 0 || after.ilog2() > before.ilog2())
}

/// Longest payload preview kept per topic, in characters.
const PAYLOAD_PREVIEW_CHARS: usize = 96;

/// The first [`PAYLOAD_PREVIEW_CHARS`] of a payload as text, with an ellipsis when cut.
fn payload_preview(payload: &[u8]) -> String {
    let head = &payload[..payload.len().min(PAYLOAD_PREVIEW_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut preview: String = text.chars().take(PAYLOAD_PREVIEW_CHARS).collect();
    if head.len() < payload.len() || text.chars().count() > PAYLOAD_PREVIEW_CHARS {
        preview.push('…');
    }
    preview
}

/// Everything the UI and tests read about the MQTT source.
#[derive(Clone, Debug)]
pub struct MqttStatus {
    /// Connection state.
    pub state: ConnectionState,
    /// Successful connections so far (a reconnect adds one).
    pub connections: u64,
    /// Subscription acknowledgements received (one per connection once subscribed).
    pub subscriptions_acked: u64,
    /// Per-topic counters for topics a mapping matched.
    pub topics: BTreeMap<String, TopicStats>,
    /// Topics no mapping matched, with message counts.
    pub unmatched: BTreeMap<String, u64>,
    /// Times the thread had to wait for a full ingest channel.
    pub backpressure_waits: u64,
    /// Messages received on any topic, matched or not.
    pub messages_total: u64,
    /// Payload bytes received on any topic.
    pub bytes_total: u64,
    /// Samples dropped because their signal would have been one more than the client takes
    /// (`[mqtt] max_signals`): a publisher inventing topics cannot grow the twin without bound.
    pub samples_over_signal_limit: u64,
    /// The last signal refused for that reason.
    pub last_signal_over_limit: Option<String>,
    /// Messages on topics beyond the per-topic table's size, counted but not itemised.
    pub untracked_topic_messages: u64,
    /// The most signals taken (the table above holds as many topics).
    pub max_signals: usize,
}

impl Default for MqttStatus {
    fn default() -> Self {
        Self {
            state: ConnectionState::Connecting,
            connections: 0,
            subscriptions_acked: 0,
            topics: BTreeMap::new(),
            unmatched: BTreeMap::new(),
            backpressure_waits: 0,
            messages_total: 0,
            bytes_total: 0,
            samples_over_signal_limit: 0,
            last_signal_over_limit: None,
            untracked_topic_messages: 0,
            max_signals: config::DEFAULT_MAX_SIGNALS,
        }
    }
}

/// Drops samples of signals past `max_signals` distinct ones, counting them in `status`.
fn keep_known_signals(
    signals: &mut std::collections::HashSet<twinscope_core::signal::SignalId>,
    max_signals: usize,
    samples: &mut Vec<Sample>,
    status: &mut MqttStatus,
) {
    samples.retain(|sample| {
        if signals.contains(&sample.signal) {
            return true;
        }
        if signals.len() < max_signals {
            signals.insert(sample.signal.clone());
            return true;
        }
        status.samples_over_signal_limit += 1;
        status.last_signal_over_limit = Some(sample.signal.as_str().to_owned());
        false
    });
}

/// Owns the MQTT thread; disconnects and joins it on drop.
pub struct MqttHandle {
    status: Arc<Mutex<MqttStatus>>,
    stop: Arc<AtomicBool>,
    client: Client,
    thread: Option<JoinHandle<()>>,
}

impl MqttHandle {
    /// A snapshot of the status.
    pub fn status(&self) -> MqttStatus {
        lock(&self.status).clone()
    }

    /// The shared status, for a UI that reads it every frame.
    pub fn shared_status(&self) -> Arc<Mutex<MqttStatus>> {
        Arc::clone(&self.status)
    }
}

impl Drop for MqttHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.client.try_disconnect();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A poisoned lock only means another thread panicked mid-update; the counters are still usable.
pub fn lock(status: &Mutex<MqttStatus>) -> MutexGuard<'_, MqttStatus> {
    status
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Exponential backoff with jitter, capped. It starts over only after a connection stayed up
/// [`STABLE_CONNECTION`]: a broker that accepts and then drops at once (an oversized message
/// redelivered on a persistent session, a kick-out loop) gets ever longer waits.
struct Backoff {
    attempt: u32,
    rng: ChaCha8Rng,
    /// When the current connection was acknowledged.
    connected_at: Option<Instant>,
}

impl Backoff {
    const BASE: Duration = Duration::from_millis(500);
    const CAP: Duration = Duration::from_secs(30);

    /// The broker acknowledged a connection at `at`.
    fn connected(&mut self, at: Instant) {
        self.connected_at = Some(at);
    }

    /// The connection failed (or a connect attempt did) at `at`: how long to wait. Grows unless
    /// the connection that just ended had lived long enough to count as stable.
    fn failed(&mut self, at: Instant) -> Duration {
        if self
            .connected_at
            .take()
            .is_some_and(|since| at.saturating_duration_since(since) >= STABLE_CONNECTION)
        {
            self.attempt = 0;
        }
        self.next_delay()
    }

    fn next_delay(&mut self) -> Duration {
        let exponential = Self::BASE
            .saturating_mul(1 << self.attempt.min(16))
            .min(Self::CAP);
        self.attempt += 1;
        exponential.mul_f64(self.rng.random_range(0.5..1.0))
    }
}

/// Starts the client thread for `map`'s topics.
pub fn spawn_mqtt(config: MqttConfig, map: TopicMap, sender: Sender<Vec<Sample>>) -> MqttHandle {
    let mut options = config.options(config.client_id.clone());
    let packet_limit = map.max_payload_bytes + PACKET_OVERHEAD;
    options.set_max_packet_size(MAX_INCOMING_PACKET, packet_limit);
    let (client, connection) = Client::new(options, 64);
    let status = Arc::new(Mutex::new(MqttStatus {
        max_signals: config.max_signals,
        ..MqttStatus::default()
    }));
    let stop = Arc::new(AtomicBool::new(false));
    let worker = Worker {
        signals: std::collections::HashSet::new(),
        max_signals: config.max_signals,
        client: client.clone(),
        map,
        sender,
        status: Arc::clone(&status),
        stop: Arc::clone(&stop),
        backoff: Backoff {
            attempt: 0,
            rng: ChaCha8Rng::seed_from_u64(Timestamp::now().0 as u64),
            connected_at: None,
        },
        batch: Vec::new(),
        batch_started: Instant::now(),
    };
    let thread = std::thread::Builder::new()
        .name("twinscope-mqtt".into())
        .spawn(move || worker.run(connection))
        .ok();
    MqttHandle {
        status,
        stop,
        client,
        thread,
    }
}

struct Worker {
    /// Signals taken so far; at most `max_signals`.
    signals: std::collections::HashSet<twinscope_core::signal::SignalId>,
    max_signals: usize,
    client: Client,
    map: TopicMap,
    sender: Sender<Vec<Sample>>,
    status: Arc<Mutex<MqttStatus>>,
    stop: Arc<AtomicBool>,
    backoff: Backoff,
    batch: Vec<Sample>,
    batch_started: Instant,
}

impl Worker {
    fn run(mut self, mut connection: rumqttc::Connection) {
        while !self.stop.load(Ordering::Relaxed) {
            match connection.recv_timeout(Duration::from_millis(50)) {
                Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => self.on_connected(),
                Ok(Ok(Event::Incoming(Packet::SubAck(_)))) => {
                    lock(&self.status).subscriptions_acked += 1
                }
                Ok(Ok(Event::Incoming(Packet::Publish(publish)))) => {
                    self.on_publish(&publish.topic, &publish.payload)
                }
                Ok(Ok(_)) => {}
                Ok(Err(error)) => self.on_error(&error.to_string()),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if !self.batch.is_empty()
                && (self.batch.len() >= BATCH_SIZE || self.batch_started.elapsed() >= BATCH_AGE)
            {
                self.flush();
            }
        }
        self.flush();
    }

    fn on_connected(&mut self) {
        self.backoff.connected(Instant::now());
        let filters = self.map.subscriptions().into_iter().map(|(path, qos)| {
            let qos = match qos {
                0 => QoS::AtMostOnce,
                1 => QoS::AtLeastOnce,
                _ => QoS::ExactlyOnce,
            };
            SubscribeFilter::new(path, qos)
        });
        let subscribed = self.client.try_subscribe_many(filters.collect::<Vec<_>>());
        let mut status = lock(&self.status);
        status.connections += 1;
        status.state = match subscribed {
            Ok(()) => ConnectionState::Connected,
            Err(error) => ConnectionState::Reconnecting {
                retry_at: Instant::now(),
                error: format!("subscribe failed: {error}"),
            },
        };
    }

    fn on_publish(&mut self, topic: &str, payload: &[u8]) {
        let decoded = self.map.decode(topic, payload, Timestamp::now());
        let mut status = lock(&self.status);
        status.messages_total += 1;
        status.bytes_total += payload.len() as u64;
        let tracked = status.topics.len() + status.unmatched.len() < self.max_signals
            || status.topics.contains_key(topic)
            || status.unmatched.contains_key(topic);
        if !tracked {
            status.untracked_topic_messages += 1;
        }
        match decoded {
            Decoded::Unmatched if tracked => {
                *status.unmatched.entry(topic.to_owned()).or_default() += 1;
            }
            Decoded::Unmatched => {}
            Decoded::Matched {
                mut samples,
                errors,
            } => {
                keep_known_signals(
                    &mut self.signals,
                    self.max_signals,
                    &mut samples,
                    &mut status,
                );
                let mut untracked = TopicStats::default();
                let stats = if tracked {
                    status.topics.entry(topic.to_owned()).or_default()
                } else {
                    &mut untracked
                };
                stats.messages += 1;
                stats.bytes += payload.len() as u64;
                let errors_before = stats.errors;
                stats.errors += errors.len() as u64;
                stats.last_payload = payload_preview(payload);
                stats.last_received = Some(Instant::now());
                if let Some(last) = errors.last() {
                    stats.last_error = Some(last.to_string());
                    // Logged at 1, 2, 4, 8… errors per topic: visible, but a topic that only
                    // ever sends garbage cannot flood the log.
                    if crossed_power_of_two(errors_before, stats.errors) {
                        tracing::warn!("{} bad payloads so far; last: {last}", stats.errors);
                    }
                }
                drop(status);
                if self.batch.is_empty() {
                    self.batch_started = Instant::now();
                }
                self.batch.extend(samples);
            }
        }
    }

    fn on_error(&mut self, error: &str) {
        self.flush();
        let delay = self.backoff.failed(Instant::now());
        let retry_at = Instant::now() + delay;
        lock(&self.status).state = ConnectionState::Reconnecting {
            retry_at,
            error: error.to_owned(),
        };
        while Instant::now() < retry_at && !self.stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Hands the batch to the app, waiting (not dropping) while the channel is full.
    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let mut batch = std::mem::take(&mut self.batch);
        loop {
            match self.sender.send_timeout(batch, Duration::from_millis(100)) {
                Ok(()) => return,
                Err(SendTimeoutError::Timeout(returned)) => {
                    lock(&self.status).backpressure_waits += 1;
                    if self.stop.load(Ordering::Relaxed) {
                        return;
                    }
                    batch = returned;
                }
                Err(SendTimeoutError::Disconnected(_)) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_logging_thins_out_logarithmically() {
        let logged: Vec<u64> = (0..100u64)
            .filter(|n| crossed_power_of_two(*n, n + 1))
            .map(|n| n + 1)
            .collect();
        assert_eq!(logged, [1, 2, 4, 8, 16, 32, 64]);
        assert!(
            crossed_power_of_two(3, 9),
            "a message with several bad fields"
        );
        assert!(!crossed_power_of_two(5, 5));
    }

    #[test]
    fn payload_previews_are_short_text() {
        assert_eq!(payload_preview(b"81.5"), "81.5");
        assert_eq!(payload_preview(b"12\xff3"), "12\u{fffd}3");
        let long = payload_preview(&[b'7'; 2000]);
        assert_eq!(long.chars().count(), PAYLOAD_PREVIEW_CHARS + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let mut backoff = Backoff {
            attempt: 0,
            rng: ChaCha8Rng::seed_from_u64(1),
            connected_at: None,
        };
        let delays: Vec<Duration> = (0..12).map(|_| backoff.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(250) && delays[0] < Duration::from_millis(500));
        assert!(delays[3] >= Duration::from_secs(2), "{delays:?}");
        assert!(delays.iter().all(|d| *d <= Backoff::CAP), "{delays:?}");
        assert!(delays[11] >= Backoff::CAP / 2, "{delays:?}");
    }

    /// A broker that accepts and drops at once (once: an oversized message redelivered on every
    /// ConnAck, 70 reconnects in 27 s) must not reset the backoff; a connection that lived past
    /// `STABLE_CONNECTION` does.
    #[test]
    fn backoff_keeps_growing_while_connections_die_right_after_their_connack() {
        let mut backoff = Backoff {
            attempt: 0,
            rng: ChaCha8Rng::seed_from_u64(7),
            connected_at: None,
        };
        let mut now = Instant::now();
        let mut delays = Vec::new();
        for _ in 0..8 {
            backoff.connected(now);
            now += Duration::from_millis(200);
            let delay = backoff.failed(now);
            delays.push(delay);
            now += delay;
        }
        assert!(delays[7] >= Duration::from_secs(15), "{delays:?}");
        let waited: Duration = delays.iter().sum();
        assert!(
            waited >= Duration::from_secs(30),
            "8 quick drops are spread over {waited:?}, not a tight loop"
        );
        backoff.connected(now);
        now += STABLE_CONNECTION + Duration::from_secs(1);
        let after_stable = backoff.failed(now);
        assert!(after_stable < Backoff::BASE, "{after_stable:?}");
    }
}
