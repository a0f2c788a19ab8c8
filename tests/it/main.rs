//! twinscope's integration tests: one binary (one Bevy link) with a module per area.

mod badges;
mod cli;
mod foxglove;
mod headless;
mod ingest;
mod mosquitto;
mod motion;
mod mqtt;
mod mqtt_session;
mod mqtt_tls;
mod picking;
mod plantgen;
mod recording;
mod replay;
mod screenshot;
mod support;
