//! `[mqtt]` in scene files: how to reach the plant's broker. Every key is optional; command-line
//! flags override them, and without `broker` twinscope starts its embedded broker.
//!
//! ```toml
//! [mqtt]
//! broker = "mqtts://broker.plant.local"   # default: the embedded broker on 127.0.0.1
//! client_id = "twinscope-control-room"     # stable id, needed for a persistent session
//! keep_alive = 30                          # seconds (5..=65535)
//! persistent_session = true                # keep subscriptions and queued QoS 1 messages
//! max_payload_kib = 256                    # larger payloads are counted as errors
//! max_signals = 10000                      # signals taken from wildcard topics; more dropped
//! ca_file = "certs/plant-ca.pem"           # TLS: trust this CA instead of the system roots
//! client_cert = "certs/twinscope.pem"      # TLS client certificate (with client_key)
//! client_key = "certs/twinscope.key"
//! username = "viewer"                      # the password never goes in the scene:
//! password_file = "/run/secrets/mqtt"      # a file, or TWINSCOPE_MQTT_PASSWORD
//! ```
//!
//! Paths are relative to the scene file.

use super::SceneError;
use super::file::Converter;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Broker connection settings from a scene file or the command line; `None` means "not said
/// here", so two sources can be layered with [`MqttSettings::overlay`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MqttSettings {
    /// `mqtt://` or `mqtts://` URL of an external broker; `None` uses the embedded broker.
    pub broker: Option<String>,
    /// Client id sent to the broker.
    pub client_id: Option<String>,
    /// Keep-alive interval in seconds.
    pub keep_alive_s: Option<u16>,
    /// Keep the session (subscriptions, queued QoS 1/2 messages) across reconnects.
    pub persistent_session: Option<bool>,
    /// Largest accepted payload in bytes.
    pub max_payload_bytes: Option<usize>,
    /// Most distinct signals the client takes from wildcard topics; samples of further new
    /// signals are dropped and counted, so a publisher cannot grow the twin without bound.
    pub max_signals: Option<usize>,
    /// PEM file of the CA(s) to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate chain for mutual TLS.
    pub client_cert: Option<PathBuf>,
    /// PEM private key of `client_cert`.
    pub client_key: Option<PathBuf>,
    /// User name (not secret, so it may live in the scene).
    pub username: Option<String>,
    /// File whose first line is the password.
    pub password_file: Option<PathBuf>,
}

impl MqttSettings {
    /// These settings with every value `over` sets replacing this one's (flags over the scene).
    pub fn overlay(self, over: MqttSettings) -> MqttSettings {
        MqttSettings {
            broker: over.broker.or(self.broker),
            client_id: over.client_id.or(self.client_id),
            keep_alive_s: over.keep_alive_s.or(self.keep_alive_s),
            persistent_session: over.persistent_session.or(self.persistent_session),
            max_signals: over.max_signals.or(self.max_signals),
            max_payload_bytes: over.max_payload_bytes.or(self.max_payload_bytes),
            ca_file: over.ca_file.or(self.ca_file),
            client_cert: over.client_cert.or(self.client_cert),
            client_key: over.client_key.or(self.client_key),
            username: over.username.or(self.username),
            password_file: over.password_file.or(self.password_file),
        }
    }
}

/// `[mqtt]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMqtt {
    #[serde(default)]
    broker: Option<Spanned<String>>,
    #[serde(default)]
    client_id: Option<Spanned<String>>,
    #[serde(default)]
    keep_alive: Option<Spanned<i64>>,
    #[serde(default)]
    persistent_session: Option<bool>,
    #[serde(default)]
    max_payload_kib: Option<Spanned<i64>>,
    #[serde(default)]
    max_signals: Option<Spanned<i64>>,
    #[serde(default)]
    ca_file: Option<Spanned<String>>,
    #[serde(default)]
    client_cert: Option<Spanned<String>>,
    #[serde(default)]
    client_key: Option<Spanned<String>>,
    #[serde(default)]
    username: Option<Spanned<String>>,
    #[serde(default)]
    password_file: Option<Spanned<String>>,
}

/// Largest `max_signals`: what one recording holds.
const MAX_SIGNALS: i64 = crate::recording::writer::MAX_SIGNALS as i64;

/// Largest `max_payload_kib`: MQTT's own limit is 256 MiB; a twin has no use for more than 64.
const MAX_PAYLOAD_KIB: i64 = 64 * 1024;

impl Converter<'_, '_> {
    /// Checks `[mqtt]` values; `base` is the scene's directory, which anchors relative paths.
    pub(super) fn mqtt(&self, raw: &RawMqtt, base: &Path) -> Result<MqttSettings, SceneError> {
        let text = |value: &Option<Spanned<String>>, key: &str| {
            value
                .as_ref()
                .map(|v| self.id(v, format!("mqtt.{key}"), key))
                .transpose()
        };
        let path = |value: &Option<Spanned<String>>, key: &str| {
            text(value, key).map(|p| p.map(|p| base.join(p)))
        };
        let keep_alive_s = match &raw.keep_alive {
            Some(value) => match u16::try_from(*value.get_ref()) {
                Ok(seconds) if seconds >= 5 => Some(seconds),
                _ => {
                    let message = format!(
                        "keep_alive must be 5 to 65535 seconds, not {}",
                        value.get_ref()
                    );
                    return Err(self.invalid(value.span(), "mqtt.keep_alive".into(), message));
                }
            },
            None => None,
        };
        let max_payload_bytes = match &raw.max_payload_kib {
            Some(value) if (1..=MAX_PAYLOAD_KIB).contains(value.get_ref()) => {
                Some(*value.get_ref() as usize * 1024)
            }
            Some(value) => {
                let message = format!(
                    "max_payload_kib must be 1 to {MAX_PAYLOAD_KIB}, not {}",
                    value.get_ref()
                );
                return Err(self.invalid(value.span(), "mqtt.max_payload_kib".into(), message));
            }
            None => None,
        };
        let max_signals = match &raw.max_signals {
            Some(value) if (1..=MAX_SIGNALS).contains(value.get_ref()) => {
                Some(*value.get_ref() as usize)
            }
            Some(value) => {
                let message = format!(
                    "max_signals must be 1 to {MAX_SIGNALS} (what one recording holds), not {}",
                    value.get_ref()
                );
                return Err(self.invalid(value.span(), "mqtt.max_signals".into(), message));
            }
            None => None,
        };
        let settings = MqttSettings {
            broker: text(&raw.broker, "broker")?,
            client_id: text(&raw.client_id, "client_id")?,
            keep_alive_s,
            persistent_session: raw.persistent_session,
            max_payload_bytes,
            max_signals,
            ca_file: path(&raw.ca_file, "ca_file")?,
            client_cert: path(&raw.client_cert, "client_cert")?,
            client_key: path(&raw.client_key, "client_key")?,
            username: text(&raw.username, "username")?,
            password_file: path(&raw.password_file, "password_file")?,
        };
        if let (Some(cert), None) | (None, Some(cert)) = (&raw.client_cert, &raw.client_key) {
            let key = if raw.client_cert.is_some() {
                "mqtt.client_cert"
            } else {
                "mqtt.client_key"
            };
            let message = "client_cert and client_key go together: give both or neither";
            return Err(self.invalid(cert.span(), key.into(), message));
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use crate::scene::{Scene, SceneError};
    use std::path::Path;

    const HEADER: &str = "[scene]\nname = \"n\"\nmodel = \"m.glb\"\n";

    fn parse(mqtt: &str) -> Result<Scene, SceneError> {
        Scene::parse(&format!("{HEADER}[mqtt]\n{mqtt}"), Path::new("dir/s.toml"))
    }

    #[test]
    fn settings_are_read_with_paths_relative_to_the_scene() {
        let scene = parse(
            "broker = \"mqtts://b:8883\"\nclient_id = \"ops\"\nkeep_alive = 10\n\
             persistent_session = true\nmax_payload_kib = 4\nca_file = \"ca.pem\"\n\
             client_cert = \"c.pem\"\nclient_key = \"k.pem\"\nusername = \"u\"\n\
             password_file = \"/run/pw\"\n",
        )
        .unwrap();
        let mqtt = &scene.mqtt;
        assert_eq!(mqtt.broker.as_deref(), Some("mqtts://b:8883"));
        assert_eq!(mqtt.keep_alive_s, Some(10));
        assert_eq!(mqtt.persistent_session, Some(true));
        assert_eq!(mqtt.max_payload_bytes, Some(4096));
        assert_eq!(scene.topics.max_payload_bytes, 4096);
        assert_eq!(mqtt.ca_file.as_deref(), Some(Path::new("dir/ca.pem")));
        assert_eq!(mqtt.password_file.as_deref(), Some(Path::new("/run/pw")));
        let over = super::MqttSettings {
            client_id: Some("cli".into()),
            ..Default::default()
        };
        let merged = mqtt.clone().overlay(over);
        assert_eq!(merged.client_id.as_deref(), Some("cli"));
        assert_eq!(merged.username.as_deref(), Some("u"));
    }

    #[test]
    fn bad_settings_point_at_their_value() {
        for (mqtt, location, key, fragment) in [
            ("keep_alive = 1\n", "5:14", "mqtt.keep_alive", "5 to 65535"),
            (
                "max_signals = 0\n",
                "5:15",
                "mqtt.max_signals",
                "1 to 65534",
            ),
            (
                "max_payload_kib = 0\n",
                "5:19",
                "mqtt.max_payload_kib",
                "1 to 65536",
            ),
            (
                "client_cert = \"c.pem\"\n",
                "5:15",
                "mqtt.client_cert",
                "go together",
            ),
            (
                "password = \"hunter2\"\n",
                "5:1",
                "mqtt.password",
                "unknown field",
            ),
            (
                "client_id = \" x\"\n",
                "5:13",
                "mqtt.client_id",
                "whitespace",
            ),
        ] {
            match parse(mqtt) {
                Err(SceneError::Invalid {
                    location: at,
                    key: k,
                    message,
                }) => {
                    assert!(at.to_string().ends_with(location), "{mqtt}: {at}");
                    assert_eq!(k, key, "{mqtt}");
                    assert!(message.contains(fragment), "{mqtt}: {message}");
                }
                other => panic!("{mqtt}: expected Invalid, got {other:?}"),
            }
        }
    }
}
