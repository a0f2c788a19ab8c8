//! Flags shared by several commands: what feeds the twin and how to reach a broker.

use clap::Args;
use std::path::PathBuf;
use std::time::Duration;
use twinscope_core::scene::MqttSettings;
use twinscope_sources::start::SourceOptions;

/// What feeds the twin: the viewer and the headless recorder take the same flags.
#[derive(Args, Debug)]
pub(crate) struct SourceArgs {
    /// Seed of the built-in simulator, for reproducible runs.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Read live data from this MQTT broker (mqtt://host[:port] or mqtts://host[:port]) using
    /// the scene's [[topics]], instead of the embedded broker fed by the simulator.
    #[arg(long, value_name = "URL")]
    mqtt: Option<String>,
    #[command(flatten)]
    connection: MqttArgs,
    /// Port of the embedded broker (used when no broker is configured).
    #[arg(long, value_name = "PORT", default_value_t = twinscope_sources::broker::DEFAULT_PORT)]
    broker_port: u16,
    /// Address the embedded broker listens on; anything but loopback exposes an
    /// unauthenticated broker to the network.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    broker_listen: std::net::IpAddr,
    /// Feed the built-in simulator straight into the twin: no broker, no MQTT.
    #[arg(long, conflicts_with = "mqtt")]
    no_broker: bool,
    /// History the demo simulator makes up at start, so there is a past to scrub through
    /// (e.g. 1h, 30m; 0 for none). Default: 1h in the viewer, none for `record`. Not used
    /// with an external broker.
    #[arg(long, value_name = "DURATION", value_parser = twinscope_core::cursor::parse_span)]
    backfill: Option<Duration>,
}

impl SourceArgs {
    /// These flags as the sources' options, with the command's default backfill.
    pub(crate) fn options(self, default_backfill: Duration) -> SourceOptions {
        SourceOptions {
            seed: self.seed,
            mqtt: self.connection.settings(self.mqtt),
            broker_listen: std::net::SocketAddr::new(self.broker_listen, self.broker_port),
            no_broker: self.no_broker,
            backfill: self.backfill.unwrap_or(default_backfill),
        }
    }
}

/// How to connect to a broker; each flag overrides the scene's `[mqtt]` key of the same name.
/// The user name comes from TWINSCOPE_MQTT_USERNAME (or `[mqtt] username`), the password from
/// TWINSCOPE_MQTT_PASSWORD or a password file, never from the scene itself.
#[derive(Args, Debug)]
pub(crate) struct MqttArgs {
    /// MQTT client id (a persistent session needs a stable one).
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Keep-alive interval in seconds.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u16).range(5..))]
    keep_alive: Option<u16>,
    /// Keep the session across reconnects, so QoS 1 messages queued meanwhile arrive.
    #[arg(long)]
    persistent_session: bool,
    /// PEM CA file to verify the broker's certificate with (mqtts://), instead of the system
    /// roots.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// PEM client certificate for mutual TLS (with --client-key).
    #[arg(long, value_name = "PEM", requires = "client_key")]
    client_cert: Option<PathBuf>,
    /// PEM private key of --client-cert.
    #[arg(long, value_name = "PEM", requires = "client_cert")]
    client_key: Option<PathBuf>,
    /// File whose first line is the password (also TWINSCOPE_MQTT_PASSWORD_FILE).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

impl MqttArgs {
    /// These flags as settings layered over the scene's `[mqtt]`.
    pub(crate) fn settings(self, broker: Option<String>) -> MqttSettings {
        MqttSettings {
            broker,
            client_id: self.client_id,
            keep_alive_s: self.keep_alive,
            persistent_session: self.persistent_session.then_some(true),
            ca_file: self.ca_file,
            client_cert: self.client_cert,
            client_key: self.client_key,
            password_file: self.password_file,
            ..Default::default()
        }
    }
}

/// Parses `--duration SECS`: a non-negative number of seconds.
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs)
        .map_err(|_| "--duration must be a non-negative number of seconds".to_owned())
}

/// The bundled demo scene: relative to the working directory, else to the source checkout.
pub(crate) fn default_scene() -> PathBuf {
    let relative = PathBuf::from("scenes/demo_plant.toml");
    if relative.exists() {
        relative
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
    }
}
