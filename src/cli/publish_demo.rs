//! `twinscope publish-demo --broker URL`: the demo simulator as a standalone MQTT publisher.

use super::args::{MqttArgs, parse_seconds};
use std::process::ExitCode;
use std::time::Duration;
use twinscope_core::demo::DemoSimulator;
use twinscope_core::signal::Timestamp;
use twinscope_sources::mqtt::MqttConfig;

/// `publish-demo` arguments.
#[derive(clap::Args, Debug)]
pub(crate) struct PublishDemoArgs {
    /// Broker to publish to, mqtt://host[:port] or mqtts://host[:port].
    #[arg(long, value_name = "URL")]
    broker: String,
    #[command(flatten)]
    connection: MqttArgs,
    /// Seed of the simulator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    duration: Option<Duration>,
}

/// Publishes until `--duration` (or forever); prints how many messages went out.
pub(crate) fn run(args: PublishDemoArgs) -> anyhow::Result<ExitCode> {
    let settings = args.connection.settings(Some(args.broker));
    let config = MqttConfig::from_settings(&settings, |key| std::env::var(key).ok())?;
    let never = std::sync::atomic::AtomicBool::new(false);
    let sim = DemoSimulator::new(args.seed, Timestamp::now());
    let published =
        twinscope_sources::publish_demo::publish_demo(&config, sim, args.duration, &never)?;
    println!("published {published} messages");
    Ok(ExitCode::SUCCESS)
}
