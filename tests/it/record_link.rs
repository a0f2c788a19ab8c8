//! The headless recorder is loud: a dead broker, refused credentials and outages are said,
//! and fail the command where they should (each once ended with exit 0 and no word).

use crate::mosquitto::{Broker, free_port};
use crate::support::{KillOnDrop, demo_scene, repo_root};
use std::process::{Command, Stdio};
use std::time::Duration;

fn record(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_twinscope"))
        .arg("record")
        .arg(demo_scene())
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(repo_root())
        .output()
        .expect("the twinscope binary runs")
}

#[test]
fn a_dead_broker_is_an_error_not_an_empty_success() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dead.mcap");
    let url = format!("mqtt://127.0.0.1:{}", free_port());
    let output = record(
        &[
            "--mqtt",
            &url,
            "--duration",
            "2",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("never connected to the broker"), "{stderr}");
    assert!(stderr.contains("connection lost or refused"), "{stderr}");
}

#[test]
fn refused_credentials_stop_the_recorder_at_once() {
    crate::support::require("mosquitto_passwd");
    let broker = Broker::start_with(|dir| {
        let passwords = dir.join("passwords");
        let made = Command::new("mosquitto_passwd")
            .args(["-c", "-b"])
            .arg(&passwords)
            .args(["operator", "right-password"])
            .status()
            .expect("mosquitto_passwd runs");
        assert!(made.success());
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&passwords, std::fs::Permissions::from_mode(0o644)).unwrap();
        format!(
            "allow_anonymous false\npassword_file {}\n",
            passwords.display()
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("refused.mcap");
    let url = format!("mqtt://127.0.0.1:{}", broker.port);
    let started = std::time::Instant::now();
    let output = record(
        &[
            "--mqtt",
            &url,
            "--duration",
            "30",
            "--out",
            out.to_str().unwrap(),
        ],
        &[
            ("TWINSCOPE_MQTT_USERNAME", "operator"),
            ("TWINSCOPE_MQTT_PASSWORD", "wrong-password"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}\n{}", broker.log());
    assert!(stderr.contains("refused the connection"), "{stderr}");
    assert!(
        !stderr.contains("wrong-password"),
        "the password is never echoed"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it stopped at once"
    );
}

#[test]
fn an_outage_is_reported_and_fails_the_run_when_asked() {
    let mut broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outage.mcap");
    let url = format!("mqtt://127.0.0.1:{}", broker.port);
    let child = Command::new(env!("CARGO_BIN_EXE_twinscope"))
        .arg("record")
        .arg(demo_scene())
        .args(["--mqtt", &url, "--duration", "7", "--fail-on-loss"])
        .args(["--out", out.to_str().unwrap()])
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the recorder starts");
    let child = KillOnDrop(child);
    std::thread::sleep(Duration::from_secs(2));
    broker.stop();
    std::thread::sleep(Duration::from_secs(1));
    broker.restart();
    let mut child = child;
    let status = child.0.wait().expect("the recorder finishes");
    let mut stdout = String::new();
    let mut stderr = String::new();
    use std::io::Read;
    child
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("2 connection(s), 1 reconnect(s), 1 outage(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("outage "), "{stdout}");
    assert!(stderr.contains("connection lost or refused"), "{stderr}");

    // The outage is in the file: `info` names it, so a replay can tell it from quiet signals.
    let info = Command::new(env!("CARGO_BIN_EXE_twinscope"))
        .arg("info")
        .arg(&out)
        .output()
        .expect("info runs");
    let text = String::from_utf8_lossy(&info.stdout);
    assert_eq!(info.status.code(), Some(0), "{text}");
    assert!(text.contains("link: 1 outage(s)"), "{text}");
    assert!(text.contains("disconnected "), "{text}");
    assert!(text.contains("connection lost or refused"), "{text}");
}
