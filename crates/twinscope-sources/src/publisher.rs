//! A publishing MQTT client: rumqttc's event loop on its own thread, counting connections and
//! broker acknowledgements, so a caller can wait for "connected" and for "everything acked".
//! Used by `publish-demo`, the in-app demo publisher, tests and benchmarks.

use rumqttc::{Client, Event, MqttOptions, Packet, RecvTimeoutError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How long the event thread waits after a failed poll (rumqttc retries on the next poll with
/// no delay of its own).
const RETRY_DELAY: Duration = Duration::from_millis(200);

/// A connected-or-connecting publisher; its event thread ends when this is dropped.
pub struct AckedPublisher {
    /// Queue publishes here; they go out once connected (and again after a reconnect, for
    /// unacknowledged QoS 1 messages on a persistent session).
    pub client: Client,
    connected: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
    finished: Arc<AtomicBool>,
}

impl AckedPublisher {
    /// Starts the event thread for `options`, queueing up to `capacity` requests. Each distinct
    /// connection error is passed to `on_error` once in a row (it is retried regardless).
    pub fn start(
        options: MqttOptions,
        capacity: usize,
        on_error: impl Fn(&str) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (client, mut connection) = Client::new(options, capacity);
        let connected = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicU64::new(0));
        let finished = Arc::new(AtomicBool::new(false));
        let (thread_connected, thread_acked, thread_finished) = (
            Arc::clone(&connected),
            Arc::clone(&acked),
            Arc::clone(&finished),
        );
        std::thread::Builder::new()
            .name("twinscope-publisher".into())
            .spawn(move || {
                let mut last_error = String::new();
                loop {
                    let done = || thread_finished.load(Ordering::Relaxed);
                    match connection.recv_timeout(Duration::from_millis(50)) {
                        Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => {
                            thread_connected.store(true, Ordering::Relaxed)
                        }
                        Ok(Ok(Event::Incoming(Packet::PubAck(_)))) => {
                            thread_acked.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(Ok(_)) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                        Ok(Err(_)) | Err(RecvTimeoutError::Timeout) if done() => break,
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(Err(error)) => {
                            thread_connected.store(false, Ordering::Relaxed);
                            let text = error.to_string();
                            if text != last_error {
                                on_error(&text);
                                last_error = text;
                            }
                            std::thread::sleep(RETRY_DELAY);
                        }
                    }
                }
            })?;
        Ok(Self {
            client,
            connected,
            acked,
            finished,
        })
    }

    /// Whether the broker has accepted the connection (and it has not failed since).
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    /// QoS 1 publishes the broker has acknowledged.
    pub fn acked(&self) -> u64 {
        self.acked.load(Ordering::Relaxed)
    }

    /// Sends a disconnect; the event thread ends once it has gone out (or failed).
    pub fn disconnect(&self) {
        self.finished.store(true, Ordering::Relaxed);
        let _ = self.client.try_disconnect();
    }
}

impl Drop for AckedPublisher {
    fn drop(&mut self) {
        self.finished.store(true, Ordering::Relaxed);
    }
}
