//! twinscope's integration tests: one binary (one Bevy link) with a module per area.

mod alarms;
mod analyze_cli;
mod badges;
mod cli;
mod forecast_view;
mod foxglove;
mod headless;
mod health;
mod ingest;
mod materials;
mod mosquitto;
mod motion;
mod mqtt;
mod mqtt_session;
mod mqtt_tls;
mod picking;
mod plantgen;
mod recording;
mod replay;
mod risk_anomaly;
mod rules;
mod scenario_cli;
mod scenario_view;
mod screenshot;
mod support;
