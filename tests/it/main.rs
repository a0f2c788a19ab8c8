//! twinscope's binary tests: one test binary with a module per area. They run the built
//! `twinscope` (the real window under Xvfb, the headless commands, real brokers) and use the
//! Bevy-free crates directly, so this binary does not link Bevy.

mod alarms_cli;
mod analyze_cli;
mod badges;
mod broker_memory;
mod cli;
mod forecast_window;
mod foxglove;
mod mosquitto;
mod mqtt_cli;
mod mqtt_limits;
mod mqtt_session;
mod mqtt_tls;
mod picking;
mod plantgen;
mod record_link;
mod recording;
mod replay;
mod scenario_cli;
mod scenario_window;
mod screenshot;
mod support;
