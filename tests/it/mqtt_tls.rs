//! `mqtts://` against a real mosquitto whose CA, server and client certificates the test
//! generates (rcgen): verified connections work, unverifiable ones are refused.

use crate::mosquitto::Broker;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use twinscope_core::scene::{MqttSettings, Scene};
use twinscope_core::signal::Sample;
use twinscope_sources::mqtt::{ConnectionState, MqttConfig, MqttHandle, spawn_mqtt};

const SCENE: &str = r#"
[scene]
name = "tls test"
model = "unused.glb"

[[signals]]
id = "M-101.temperature"
range = [0.0, 150.0]
period = 1.0

[[topics]]
topic = "plant/{asset}/{quantity}"
signal = "{asset}.{quantity}"
"#;

/// PEM files of a test PKI: a CA, a server certificate for 127.0.0.1 and a client certificate.
struct Pki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

fn leaf(
    name: &str,
    sans: &[&str],
    usage: ExtendedKeyUsagePurpose,
    ca: &CertifiedIssuer<'_, KeyPair>,
    dir: &Path,
) -> (PathBuf, PathBuf) {
    let mut params =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    let (cert_path, key_path) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (cert_path, key_path)
}

fn generate_pki(dir: &Path) -> Pki {
    let mut ca_params = CertificateParams::default();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "twinscope test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca.pem()).unwrap();
    let (server_cert, server_key) = leaf(
        "server",
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
        &ca,
        dir,
    );
    let (client_cert, client_key) = leaf(
        "twin",
        &["twin.test"],
        ExtendedKeyUsagePurpose::ClientAuth,
        &ca,
        dir,
    );
    Pki {
        ca: ca_path,
        server_cert,
        server_key,
        client_cert,
        client_key,
    }
}

/// Connects with `settings` and waits (bounded) until the client is connected or has failed.
fn connect(settings: &MqttSettings) -> (MqttHandle, crossbeam_channel::Receiver<Vec<Sample>>) {
    let scene = Scene::parse(SCENE, Path::new("tls_test.toml")).unwrap();
    let config = MqttConfig::from_settings(settings, |_| None).expect("settings resolve");
    let (sender, receiver) = crossbeam_channel::bounded(64);
    let handle = spawn_mqtt(config, scene.topics, sender);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = handle.status();
        if status.subscriptions_acked >= 1
            || matches!(status.state, ConnectionState::Reconnecting { .. })
        {
            return (handle, receiver);
        }
        assert!(Instant::now() < deadline, "no outcome: {status:#?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn reconnect_error(handle: &MqttHandle) -> String {
    match handle.status().state {
        ConnectionState::Reconnecting { error, .. } => error,
        other => panic!("expected a refused connection, got {other:?}"),
    }
}

#[test]
fn mqtts_with_a_ca_and_client_certificate_delivers_and_unverified_peers_are_refused() {
    let pki_dir = tempfile::tempdir().unwrap();
    let pki = generate_pki(pki_dir.path());
    let mut broker = Broker::start_with(|_| {
        format!(
            "cafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate true\nallow_anonymous true\n\
             persistence false\n",
            pki.ca.display(),
            pki.server_cert.display(),
            pki.server_key.display()
        )
    });
    broker.publish_args = [
        "--cafile",
        pki.ca.to_str().unwrap(),
        "--cert",
        pki.client_cert.to_str().unwrap(),
        "--key",
        pki.client_key.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    let url = format!("mqtts://127.0.0.1:{}", broker.port);
    let verified = MqttSettings {
        broker: Some(url.clone()),
        ca_file: Some(pki.ca.clone()),
        client_cert: Some(pki.client_cert.clone()),
        client_key: Some(pki.client_key.clone()),
        ..MqttSettings::default()
    };

    let (twin, samples) = connect(&verified);
    assert_eq!(
        twin.status().state,
        ConnectionState::Connected,
        "{}",
        broker.log()
    );
    broker.publish("plant/M-101/temperature", b"88.5");
    let batch = samples
        .recv_timeout(Duration::from_secs(10))
        .expect("the value arrives over TLS");
    assert_eq!(batch[0].signal.as_str(), "M-101.temperature");
    assert_eq!(batch[0].value, 88.5);

    // Certificate verification is on by default: without our CA the system roots do not
    // trust the test CA.
    let system_roots = MqttSettings {
        ca_file: None,
        ..verified.clone()
    };
    let (untrusting, _) = connect(&system_roots);
    let error = reconnect_error(&untrusting);
    assert!(
        error.contains("UnknownIssuer") || error.contains("certificate"),
        "{error}"
    );

    // The broker requires a client certificate: without one it refuses the handshake.
    let anonymous = MqttSettings {
        client_cert: None,
        client_key: None,
        ..verified
    };
    let (refused, _) = connect(&anonymous);
    reconnect_error(&refused);

    broker.stop();
}
