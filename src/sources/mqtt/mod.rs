//! MQTT source: rumqttc on its own thread, topics decoded through the scene's topic map.
//!
//! - Subscriptions ([`TopicMap::subscriptions`]) are sent again on every ConnAck (needed with
//!   clean sessions; harmless otherwise).
//! - rumqttc reconnects on the next poll with no delay, so failures wait an exponential backoff
//!   with jitter (0.5 s doubling to 30 s) before polling again; the state says when.
//! - Samples go to the ingest channel in small batches. When the channel is full the thread
//!   waits (backpressure through TCP to the broker) instead of dropping; the waits are counted.
//! - Every message is counted per topic with its last error; topics no mapping matches are
//!   listed so users can bind them.

use crate::core::signal::{Sample, Timestamp};
use crate::core::topics::{Decoded, TopicMap};
use crossbeam_channel::{SendTimeoutError, Sender};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rumqttc::{Client, Event, MqttOptions, Packet, QoS, RecvTimeoutError, SubscribeFilter};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Bytes on top of the largest accepted payload for the topic and packet header.
const PACKET_OVERHEAD: usize = 4096;
/// Longest a decoded sample waits in the thread before it is sent to the app.
const BATCH_AGE: Duration = Duration::from_millis(20);
/// Batch size that is sent at once.
const BATCH_SIZE: usize = 512;

/// Where and how to connect.
#[derive(Clone, Debug, PartialEq)]
pub struct MqttConfig {
    /// Broker host name or address.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// Client id; a persistent session needs a stable one.
    pub client_id: String,
    /// Keep-alive interval.
    pub keep_alive: Duration,
    /// `false` keeps the session (subscriptions and queued QoS 1/2 messages) across reconnects.
    pub clean_session: bool,
    /// Username and password, if the broker wants them (never read from the scene file).
    pub credentials: Option<(String, String)>,
}

/// Why an MQTT URL was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("broker URL `{url}`: {reason}")]
pub struct MqttUrlError {
    /// The URL as given.
    pub url: String,
    /// What is wrong.
    pub reason: String,
}

impl MqttConfig {
    /// Parses `mqtt://host[:port]` (port 1883 by default). `mqtts://` is refused for now with a
    /// clear message rather than silently connecting without TLS.
    pub fn from_url(url: &str) -> Result<Self, MqttUrlError> {
        let error = |reason: &str| MqttUrlError {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let rest = match url.split_once("://") {
            Some(("mqtt" | "tcp", rest)) => rest,
            Some(("mqtts" | "ssl", _)) => return Err(error("TLS (mqtts://) is not supported yet")),
            Some((scheme, _)) => {
                return Err(error(&format!("unknown scheme `{scheme}`; use mqtt://")));
            }
            None => return Err(error("expected mqtt://host[:port]")),
        };
        let authority = rest.trim_end_matches('/');
        if authority.contains(['/', '@', '?']) {
            return Err(error(
                "only mqtt://host[:port] is accepted (credentials come from the environment)",
            ));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
                let port = port
                    .parse::<u16>()
                    .map_err(|_| error(&format!("`{port}` is not a port number")))?;
                (host.trim_start_matches('[').trim_end_matches(']'), port)
            }
            _ => (authority, 1883),
        };
        if host.is_empty() {
            return Err(error("no host"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            client_id: format!("twinscope-{}", std::process::id()),
            keep_alive: Duration::from_secs(30),
            clean_session: true,
            credentials: None,
        })
    }

    /// rumqttc options for this broker under `client_id` (keep-alive, session, credentials).
    pub fn options(&self, client_id: String) -> MqttOptions {
        let mut options = MqttOptions::new(client_id, self.host.clone(), self.port);
        options.set_keep_alive(self.keep_alive);
        options.set_clean_session(self.clean_session);
        if let Some((user, password)) = &self.credentials {
            options.set_credentials(user.clone(), password.clone());
        }
        options
    }

    /// The URL this config connects to, for display.
    pub fn url(&self) -> String {
        format!("mqtt://{}:{}", self.host, self.port)
    }
}

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
        }
    }
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
pub(crate) fn lock(status: &Mutex<MqttStatus>) -> MutexGuard<'_, MqttStatus> {
    status
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Exponential backoff with jitter, capped.
struct Backoff {
    attempt: u32,
    rng: ChaCha8Rng,
}

impl Backoff {
    const BASE: Duration = Duration::from_millis(500);
    const CAP: Duration = Duration::from_secs(30);

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
    options.set_max_packet_size(packet_limit, packet_limit);
    let (client, connection) = Client::new(options, 64);
    let status = Arc::new(Mutex::new(MqttStatus::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let worker = Worker {
        client: client.clone(),
        map,
        sender,
        status: Arc::clone(&status),
        stop: Arc::clone(&stop),
        backoff: Backoff {
            attempt: 0,
            rng: ChaCha8Rng::seed_from_u64(Timestamp::now().0 as u64),
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
        self.backoff.attempt = 0;
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
        match decoded {
            Decoded::Unmatched => *status.unmatched.entry(topic.to_owned()).or_default() += 1,
            Decoded::Matched { samples, errors } => {
                let stats = status.topics.entry(topic.to_owned()).or_default();
                stats.messages += 1;
                stats.bytes += payload.len() as u64;
                stats.errors += errors.len() as u64;
                if let Some(last) = errors.last() {
                    stats.last_error = Some(last.to_string());
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
        let delay = self.backoff.next_delay();
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
    fn urls_parse_or_say_why_not() {
        let c = MqttConfig::from_url("mqtt://127.0.0.1:1884").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 1884));
        assert_eq!(
            MqttConfig::from_url("mqtt://broker.local").unwrap().port,
            1883
        );
        assert_eq!(
            MqttConfig::from_url("mqtt://[::1]:1885/").unwrap().host,
            "::1"
        );
        for (url, fragment) in [
            ("mqtts://h", "TLS"),
            ("http://h", "unknown scheme"),
            ("h:1883", "expected mqtt://"),
            ("mqtt://h:99999", "not a port"),
            ("mqtt://user:pw@h", "credentials"),
            ("mqtt://", "no host"),
        ] {
            let error = MqttConfig::from_url(url).unwrap_err();
            assert!(error.to_string().contains(fragment), "{url}: {error}");
        }
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let mut backoff = Backoff {
            attempt: 0,
            rng: ChaCha8Rng::seed_from_u64(1),
        };
        let delays: Vec<Duration> = (0..12).map(|_| backoff.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(250) && delays[0] < Duration::from_millis(500));
        assert!(delays[3] >= Duration::from_secs(2), "{delays:?}");
        assert!(delays.iter().all(|d| *d <= Backoff::CAP), "{delays:?}");
        assert!(delays[11] >= Backoff::CAP / 2, "{delays:?}");
    }
}
