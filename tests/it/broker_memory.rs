//! The embedded broker's memory is bounded: rumqttd keeps a commit log per subscription filter,
//! and with 16 MiB × 4 segments each one grew for over an hour (~0.9 MB/min on the demo) before
//! it stopped. 120 MB pushed through it now leave the process a few MiB bigger, not ~80.

use crate::mosquitto::free_port;
use crate::support::{KillOnDrop, demo_scene, repo_root};
use rumqttc::{MqttOptions, QoS};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use twinscope_sources::publisher::AckedPublisher;

/// Resident memory of a process, from /proc.
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc status");
    kib * 1024
}

#[test]
fn the_embedded_broker_does_not_keep_what_passed_through_it() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("broker.mcap");
    // `record` with no broker configured runs the embedded broker, the demo publisher and a
    // client subscribed to the scene's topics: the broker holds a log for that subscription.
    let child = Command::new(env!("CARGO_BIN_EXE_twinscope"))
        .arg("record")
        .arg(demo_scene())
        .args(["--broker-port", &port.to_string(), "--duration", "120"])
        .args(["--out", out.to_str().unwrap()])
        .current_dir(repo_root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the recorder starts");
    let child = KillOnDrop(child);
    let pid = child.0.id();

    let mut options = MqttOptions::new("broker-memory-flood", "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_max_packet_size(64 * 1024, 64 * 1024);
    let publisher = AckedPublisher::start(options, 256, |_| {}).expect("the publisher starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !publisher.is_connected() {
        assert!(
            Instant::now() < deadline,
            "the embedded broker never came up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(3));
    let before = rss_bytes(pid);

    // 120 MB of 1 KB messages on a topic the recorder is subscribed to.
    const MESSAGES: u64 = 120_000;
    let payload = format!("{:<1000}", "81.5");
    for _ in 0..MESSAGES {
        publisher
            .client
            .publish(
                "plant/M-101/temperature",
                QoS::AtLeastOnce,
                false,
                payload.clone(),
            )
            .expect("queued");
    }
    let deadline = Instant::now() + Duration::from_secs(240);
    while publisher.acked() < MESSAGES {
        assert!(
            Instant::now() < deadline,
            "only {} of {MESSAGES} acknowledged",
            publisher.acked()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    let after = rss_bytes(pid);
    let grown = after.saturating_sub(before);
    eprintln!(
        "embedded broker: RSS {} MiB → {} MiB after 120 MB passed through",
        before >> 20,
        after >> 20
    );
    assert!(
        grown < 40 * 1024 * 1024,
        "the process grew by {} MiB while 120 MB passed through the broker",
        grown >> 20
    );
}
