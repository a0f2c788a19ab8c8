//! A real Debian `mosquitto` on a free loopback port, for the MQTT tests.

use crate::{KillOnDrop, require};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("a loopback port can be bound")
        .local_addr()
        .expect("a bound socket has an address")
        .port()
}

/// A mosquitto broker on 127.0.0.1 only, stopped when dropped.
pub struct Broker {
    process: Option<KillOnDrop>,
    /// The port it listens on.
    pub port: u16,
    /// Holds the config file and whatever the test puts beside it (certificates, the
    /// persistence database).
    pub dir: tempfile::TempDir,
    /// mosquitto_pub arguments every publish needs (TLS files).
    pub publish_args: Vec<String>,
}

impl Broker {
    /// Plain TCP, anonymous, no persistence.
    pub fn start() -> Self {
        Self::start_with(|_| "allow_anonymous true\npersistence false\n".to_owned())
    }

    /// `listener PORT 127.0.0.1` followed by the lines `settings` returns; it gets the broker's
    /// directory, where it may write files the config names.
    pub fn start_with(settings: impl FnOnce(&std::path::Path) -> String) -> Self {
        require("mosquitto");
        require("mosquitto_pub");
        let port = free_port();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config = format!("listener {port} 127.0.0.1\n{}", settings(dir.path()));
        std::fs::write(dir.path().join("mosquitto.conf"), config).expect("config is written");
        let mut broker = Self {
            process: None,
            port,
            dir,
            publish_args: Vec::new(),
        };
        broker.restart();
        broker
    }

    /// (Re)starts the process on the same port and waits until it accepts connections.
    pub fn restart(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("mosquitto.log")).expect("log file");
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(self.dir.path().join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("mosquitto starts");
        self.process = Some(KillOnDrop(child));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not listen on {} within 10 s: {}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the process at once (SIGKILL): whatever it held in memory is gone.
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Stops the process the way an operator would (SIGTERM), so it saves its persistence
    /// database, and waits for it to exit.
    pub fn stop_gracefully(&mut self) {
        if let Some(mut process) = self.process.take() {
            let pid = process.0.id().to_string();
            let status = Command::new("kill").args(["-TERM", &pid]).status();
            assert!(status.is_ok_and(|s| s.success()), "kill -TERM {pid}");
            let deadline = Instant::now() + Duration::from_secs(10);
            while process.0.try_wait().ok().flatten().is_none() {
                assert!(
                    Instant::now() < deadline,
                    "mosquitto did not exit on SIGTERM"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// What mosquitto logged, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }

    /// Publishes one message at QoS 1 with `mosquitto_pub` and waits for it to finish.
    pub fn publish(&self, topic: &str, payload: &[u8]) {
        let mut child = Command::new("mosquitto_pub")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q", "1"])
            .args(&self.publish_args)
            .args(["-t", topic])
            .args(if payload.is_empty() {
                vec!["-n"]
            } else {
                vec!["-s"]
            })
            .stdin(Stdio::piped())
            .spawn()
            .expect("mosquitto_pub runs");
        if !payload.is_empty() {
            let mut stdin = child.stdin.take().expect("stdin is piped");
            stdin.write_all(payload).expect("payload is written");
        }
        assert!(
            child.wait().expect("mosquitto_pub finishes").success(),
            "mosquitto_pub {topic} failed"
        );
    }
}
