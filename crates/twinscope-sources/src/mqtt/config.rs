//! Where and how to connect: broker URL, session, credentials and TLS, resolved from
//! [`MqttSettings`] (scene `[mqtt]` plus flags) and the environment.
//!
//! - Secrets never come from the scene: the password is read from `TWINSCOPE_MQTT_PASSWORD` or
//!   a password file (`password_file` / `--password-file` / `TWINSCOPE_MQTT_PASSWORD_FILE`).
//! - `mqtts://` verifies the server certificate against the system roots, or against
//!   `ca_file` when given; there is no switch to turn verification off.
//! - TLS uses rustls with the ring provider passed explicitly, so nothing depends on a
//!   process-wide default provider.

use rumqttc::{MqttOptions, TlsConfiguration, Transport};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use twinscope_core::scene::MqttSettings;

/// Environment variable holding the user name.
pub const USERNAME_ENV: &str = "TWINSCOPE_MQTT_USERNAME";
/// Signals taken from the broker unless `[mqtt] max_signals` says otherwise: far above any
/// demo or real scene here, far below what would exhaust memory or a recording's channels.
pub const DEFAULT_MAX_SIGNALS: usize = 10_000;

/// Environment variable holding the password.
pub const PASSWORD_ENV: &str = "TWINSCOPE_MQTT_PASSWORD";
/// Environment variable naming a file whose first line is the password.
pub const PASSWORD_FILE_ENV: &str = "TWINSCOPE_MQTT_PASSWORD_FILE";

/// A resolved connection: everything needed to build rumqttc options.
#[derive(Clone, Debug)]
pub struct MqttConfig {
    /// Broker host name or address (also the name the TLS certificate must carry).
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// Client id; a persistent session needs a stable one.
    pub client_id: String,
    /// Keep-alive interval.
    pub keep_alive: Duration,
    /// Most distinct signals taken from the broker; samples of further new signals are
    /// dropped and counted ([`super::MqttStatus::samples_over_signal_limit`]).
    pub max_signals: usize,
    /// `false` keeps the session (subscriptions and queued QoS 1/2 messages) across reconnects.
    pub clean_session: bool,
    /// Username and password, if the broker wants them (never read from the scene file).
    pub credentials: Option<(String, String)>,
    /// TLS client configuration for `mqtts://`; `None` is plain TCP.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

/// Why a broker could not be configured; the message names the URL, file or variable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MqttConfigError(pub String);

impl MqttConfig {
    /// A config for `url` alone (no credentials, default session): `mqtt://host[:port]`
    /// (1883) or `mqtts://host[:port]` (8883, verified against the system roots).
    pub fn from_url(url: &str) -> Result<Self, MqttConfigError> {
        let settings = MqttSettings {
            broker: Some(url.to_owned()),
            ..MqttSettings::default()
        };
        Self::from_settings(&settings, |_| None)
    }

    /// Resolves `settings` (whose `broker` must be set) with secrets from `env`, reading the
    /// password, CA and certificate files now so mistakes show at start-up.
    pub fn from_settings(
        settings: &MqttSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, MqttConfigError> {
        let url = settings
            .broker
            .as_deref()
            .ok_or_else(|| MqttConfigError("no broker URL given".into()))?;
        let parsed = parse_url(url)?;
        let has_tls_files = settings.ca_file.is_some() || settings.client_cert.is_some();
        if !parsed.tls && has_tls_files {
            let url = redacted(url);
            return Err(MqttConfigError(format!(
                "broker URL `{url}` is plain mqtt:// but a CA file or client certificate is set; \
                 use mqtts:// to connect with TLS"
            )));
        }
        let tls = if parsed.tls {
            let client_auth = match (&settings.client_cert, &settings.client_key) {
                (Some(cert), Some(key)) => Some((cert.as_path(), key.as_path())),
                (None, None) => None,
                _ => {
                    return Err(MqttConfigError(
                        "a client certificate and its key go together: give both or neither".into(),
                    ));
                }
            };
            Some(tls_config(settings.ca_file.as_deref(), client_auth)?)
        } else {
            None
        };
        Ok(Self {
            host: parsed.host,
            port: parsed.port,
            client_id: settings.client_id.clone().unwrap_or_else(random_client_id),
            keep_alive: Duration::from_secs(settings.keep_alive_s.unwrap_or(30).into()),
            max_signals: settings.max_signals.unwrap_or(DEFAULT_MAX_SIGNALS),
            clean_session: !settings.persistent_session.unwrap_or(false),
            credentials: credentials(settings, &env)?,
            tls,
        })
    }

    /// rumqttc options for this broker under `client_id` (keep-alive, session, credentials,
    /// TLS).
    pub fn options(&self, client_id: String) -> MqttOptions {
        let mut options = MqttOptions::new(client_id, self.host.clone(), self.port);
        options.set_keep_alive(self.keep_alive);
        options.set_clean_session(self.clean_session);
        if let Some((user, password)) = &self.credentials {
            options.set_credentials(user.clone(), password.clone());
        }
        if let Some(tls) = &self.tls {
            options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(
                Arc::clone(tls),
            )));
        }
        options
    }

    /// The URL this config connects to, for display.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "mqtts" } else { "mqtt" };
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// A URL as it may be shown: any `user:password@` before the host becomes `***@`, so a
/// password typed into a URL never reaches a log or a terminal.
fn redacted(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if scheme.is_empty() => format!("***{}", &rest[at..]),
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// `twinscope-` and 64 random bits: another local client cannot guess it and take the session
/// over (a broker drops the older of two clients with one id). Persistent sessions need a
/// stable id, which `--client-id` gives.
fn random_client_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    // Each RandomState is keyed from the operating system's random source.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("twinscope-{:016x}", hasher.finish())
}

/// The parts of a broker URL.
struct BrokerUrl {
    tls: bool,
    host: String,
    port: u16,
}

fn parse_url(url: &str) -> Result<BrokerUrl, MqttConfigError> {
    let shown = redacted(url);
    let error = |reason: &str| MqttConfigError(format!("broker URL `{shown}`: {reason}"));
    let (tls, rest) = match url.split_once("://") {
        Some(("mqtt" | "tcp", rest)) => (false, rest),
        Some(("mqtts" | "ssl", rest)) => (true, rest),
        Some((scheme, _)) => {
            return Err(error(&format!(
                "unknown scheme `{scheme}`; use mqtt:// or mqtts://"
            )));
        }
        None => return Err(error("expected mqtt://host[:port] or mqtts://host[:port]")),
    };
    let authority = rest.trim_end_matches('/');
    if authority.contains(['/', '@', '?']) {
        return Err(error(
            "only scheme://host[:port] is accepted (credentials come from the environment or a \
             password file)",
        ));
    }
    let default_port = if tls { 8883 } else { 1883 };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            let port = port
                .parse::<u16>()
                .map_err(|_| error(&format!("`{port}` is not a port number")))?;
            (host.trim_start_matches('[').trim_end_matches(']'), port)
        }
        _ => (authority, default_port),
    };
    if host.is_empty() {
        return Err(error("no host"));
    }
    Ok(BrokerUrl {
        tls,
        host: host.to_owned(),
        port,
    })
}

/// User name from the environment or settings; password from the environment or a file.
fn credentials(
    settings: &MqttSettings,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<(String, String)>, MqttConfigError> {
    let username = env(USERNAME_ENV).or_else(|| settings.username.clone());
    let password_file = env(PASSWORD_FILE_ENV)
        .map(Into::into)
        .or_else(|| settings.password_file.clone());
    let password = match (env(PASSWORD_ENV), password_file) {
        (Some(password), _) => Some(password),
        (None, Some(file)) => {
            let text = std::fs::read_to_string(&file).map_err(|error| {
                MqttConfigError(format!(
                    "cannot read password file {}: {error}",
                    file.display()
                ))
            })?;
            Some(text.lines().next().unwrap_or_default().to_owned())
        }
        (None, None) => None,
    };
    match (username, password) {
        (Some(user), password) => Ok(Some((user, password.unwrap_or_default()))),
        (None, Some(_)) => Err(MqttConfigError(format!(
            "a password is set but no user name: set {USERNAME_ENV} or `username` in [mqtt]"
        ))),
        (None, None) => Ok(None),
    }
}

/// A rustls client config trusting `ca_file` (or the system roots) with an optional client
/// certificate and key.
fn tls_config(
    ca_file: Option<&Path>,
    client_auth: Option<(&Path, &Path)>,
) -> Result<Arc<rustls::ClientConfig>, MqttConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| MqttConfigError(format!("TLS setup: {error}")))?;
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            for cert in read_certificates(path)? {
                roots.add(cert).map_err(|error| {
                    MqttConfigError(format!("CA file {}: {error}", path.display()))
                })?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(MqttConfigError(
                    "mqtts:// with the system roots, but no system root certificates were found \
                     (install ca-certificates, or give a CA file)"
                        .into(),
                ));
            }
        }
    }
    let builder = builder.with_root_certificates(roots);
    let config = match client_auth {
        Some((cert_file, key_file)) => {
            let chain = read_certificates(cert_file)?;
            let key = PrivateKeyDer::from_pem_file(key_file).map_err(|error| {
                MqttConfigError(format!(
                    "client key {}: no usable PEM private key ({error})",
                    key_file.display()
                ))
            })?;
            builder.with_client_auth_cert(chain, key).map_err(|error| {
                MqttConfigError(format!(
                    "client certificate {} with key {}: {error}",
                    cert_file.display(),
                    key_file.display()
                ))
            })?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// Every certificate in a PEM file; an unreadable file or one without certificates is an error.
fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, MqttConfigError> {
    let error =
        |what: String| MqttConfigError(format!("certificate file {}: {what}", path.display()));
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(e.to_string()))?;
    if certs.is_empty() {
        return Err(error("no PEM certificates in it".into()));
    }
    Ok(certs)
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
        let v6 = MqttConfig::from_url("mqtt://[::1]:1885/").unwrap();
        assert_eq!(
            (v6.host.as_str(), v6.url()),
            ("::1", "mqtt://[::1]:1885".into())
        );
        for (url, fragment) in [
            ("http://h", "unknown scheme"),
            ("h:1883", "expected mqtt://"),
            ("mqtt://h:99999", "not a port"),
            ("mqtt://user:s3cret@h", "credentials"),
            ("mqtt://", "no host"),
        ] {
            let error = MqttConfig::from_url(url).unwrap_err();
            assert!(error.to_string().contains(fragment), "{url}: {error}");
            assert!(
                !error.to_string().contains("s3cret"),
                "secret echoed: {error}"
            );
        }
    }

    #[test]
    fn passwords_in_urls_are_never_shown() {
        for url in [
            "mqtt://user:s3cret@h",
            "mqtts://user:s3cret@h:8883/x",
            "user:s3cret@h",
        ] {
            let shown = redacted(url);
            assert!(
                !shown.contains("s3cret") && shown.contains("***@h"),
                "{shown}"
            );
        }
        assert_eq!(redacted("mqtt://h:1883"), "mqtt://h:1883");
        let plain = MqttSettings {
            broker: Some("mqtt://u:s3cret@h".into()),
            ca_file: Some("ca.pem".into()),
            ..Default::default()
        };
        let error = MqttConfig::from_settings(&plain, |_| None).unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }

    #[test]
    fn default_client_ids_are_random_not_the_process_id() {
        let a = MqttConfig::from_url("mqtt://h").unwrap().client_id;
        let b = MqttConfig::from_url("mqtt://h").unwrap().client_id;
        assert_ne!(a, b);
        assert!(
            a.starts_with("twinscope-") && a.len() == "twinscope-".len() + 16,
            "{a}"
        );
    }

    #[test]
    fn tls_files_and_secrets_are_checked_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let settings = |broker: &str| MqttSettings {
            broker: Some(broker.into()),
            ca_file: Some(missing.clone()),
            ..MqttSettings::default()
        };
        let error = MqttConfig::from_settings(&settings("mqtt://h"), |_| None).unwrap_err();
        assert!(error.0.contains("use mqtts://"), "{error}");
        let error = MqttConfig::from_settings(&settings("mqtts://h"), |_| None).unwrap_err();
        assert!(error.0.contains("missing.pem"), "{error}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let mut with_empty = settings("mqtts://h");
        with_empty.ca_file = Some(empty);
        let error = MqttConfig::from_settings(&with_empty, |_| None).unwrap_err();
        assert!(error.0.contains("no PEM certificates"), "{error}");

        let password_file = dir.path().join("pw");
        std::fs::write(&password_file, "s3cret\nignored\n").unwrap();
        let with_file = MqttSettings {
            broker: Some("mqtt://h".into()),
            username: Some("scene-user".into()),
            password_file: Some(password_file),
            ..MqttSettings::default()
        };
        let config = MqttConfig::from_settings(&with_file, |_| None).unwrap();
        assert_eq!(
            config.credentials,
            Some(("scene-user".into(), "s3cret".into()))
        );
        let env = |key: &str| match key {
            USERNAME_ENV => Some("env-user".to_owned()),
            PASSWORD_ENV => Some("from-env".to_owned()),
            _ => None,
        };
        let config = MqttConfig::from_settings(&with_file, env).unwrap();
        assert_eq!(
            config.credentials,
            Some(("env-user".into(), "from-env".into()))
        );
        let only_password = |key: &str| (key == PASSWORD_ENV).then(|| "pw".to_owned());
        let bare = MqttSettings {
            broker: Some("mqtt://h".into()),
            ..MqttSettings::default()
        };
        let error = MqttConfig::from_settings(&bare, only_password).unwrap_err();
        assert!(error.0.contains("no user name"), "{error}");
    }
}
