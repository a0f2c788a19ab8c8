//! The embedded MQTT broker (rumqttd): with no broker configured, twinscope runs its own, so
//! the demo goes through a real broker and external tools (`mosquitto_pub`) can publish into it.
//!
//! It listens on 127.0.0.1 unless asked otherwise and has no authentication, so the app warns
//! when it listens on another address. rumqttd has no shutdown call: the broker lives until
//! the process ends.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// MQTT's registered plain-TCP port, the embedded broker's default.
pub const DEFAULT_PORT: u16 = 1883;

/// A running embedded broker.
#[derive(Debug)]
pub struct EmbeddedBroker {
    listen: SocketAddr,
}

impl EmbeddedBroker {
    /// The address it accepts connections on.
    pub fn listen(&self) -> SocketAddr {
        self.listen
    }

    /// `mqtt://` URL a local client connects to (the loopback address when listening on all).
    pub fn url(&self) -> String {
        // SocketAddr already writes IPv6 hosts in brackets.
        format!("mqtt://{}", self.connect_addr())
    }

    fn connect_addr(&self) -> SocketAddr {
        let mut addr = self.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        addr
    }
}

/// Why the embedded broker did not start.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The address is taken (often: another broker already runs there) or not ours.
    #[error(
        "the embedded MQTT broker cannot listen on {listen}: {cause} \
         (is another broker running there? pick another --broker-port, or use it with --mqtt)"
    )]
    Bind {
        /// The address asked for.
        listen: SocketAddr,
        /// What the OS said.
        cause: std::io::Error,
    },
    /// rumqttd started but never accepted a connection.
    #[error("the embedded MQTT broker did not accept connections on {0} within 5 s")]
    NotListening(SocketAddr),
}

/// Starts rumqttd (MQTT 3.1.1) on `listen`, accepting payloads up to `max_payload_bytes`, and
/// returns once it accepts connections.
pub fn start_embedded_broker(
    listen: SocketAddr,
    max_payload_bytes: usize,
) -> Result<EmbeddedBroker, BrokerError> {
    if listen.port() == 0 {
        return Err(BrokerError::Bind {
            listen,
            cause: std::io::Error::other("port 0 would pick a port no other client knows"),
        });
    }
    // rumqttd only logs a failed bind from its own thread, so find out first, here.
    drop(TcpListener::bind(listen).map_err(|cause| BrokerError::Bind { listen, cause })?);
    let mut broker = rumqttd::Broker::new(config(listen, max_payload_bytes));
    std::thread::Builder::new()
        .name("twinscope-broker".into())
        .spawn(move || {
            if let Err(error) = broker.start() {
                tracing::error!("embedded MQTT broker stopped: {error}");
            }
        })
        .map_err(|cause| BrokerError::Bind { listen, cause })?;
    let started = EmbeddedBroker { listen };
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect_timeout(&started.connect_addr(), Duration::from_millis(200)).is_err() {
        if Instant::now() >= deadline {
            return Err(BrokerError::NotListening(listen));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(started)
}

/// Bytes of a commit log segment: rumqttd keeps [`SEGMENTS_KEPT`] full segments plus the
/// active one per subscription filter, and never frees a filter's log.
const SEGMENT_BYTES: usize = 1024 * 1024;
/// Full segments kept per filter besides the active one. With rumqttd's default-like 16 MiB ×
/// 4 the broker's memory grew ~0.9 MB/min for over an hour on the demo (each filter's log
/// filling towards 80 MiB); 1 MiB × 2 caps a filter at ~3 MiB, still over a minute of backlog
/// for a subscriber at ten times the demo's rate.
const SEGMENTS_KEPT: usize = 2;

/// One MQTT 3.1.1 listener; the router keeps a small commit log per subscription filter.
fn config(listen: SocketAddr, max_payload_bytes: usize) -> rumqttd::Config {
    let server = rumqttd::ServerSettings {
        name: "twinscope-embedded".into(),
        listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections: rumqttd::ConnectionSettings {
            connection_timeout_ms: 60_000,
            max_payload_size: max_payload_bytes,
            max_inflight_count: 100,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
        },
    };
    rumqttd::Config {
        id: 0,
        router: rumqttd::RouterConfig {
            max_connections: 1000,
            max_outgoing_packet_count: 200,
            // A segment holds at least one whole message.
            max_segment_size: SEGMENT_BYTES.max(max_payload_bytes),
            max_segment_count: SEGMENTS_KEPT,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: rumqttd::Strategy::default(),
        },
        v4: Some([("1".to_owned(), server)].into_iter().collect()),
        ..rumqttd::Config::default()
    }
}
