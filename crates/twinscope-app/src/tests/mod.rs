//! The app's headless tests: `App` + `MinimalPlugins`, samples sent through the ingest channel,
//! `app.update()`, then the `World` queried. They live inside the crate so they see its
//! `pub(crate)` items, and link Bevy once with the unit tests.

mod alarms;
mod forecast_view;
mod headless;
mod health;
mod ingest;
mod layers;
mod materials;
mod motion;
mod mqtt;
mod risk_anomaly;
mod rules;
mod scenario_view;

/// The shared kit (checkout paths, child processes, mosquitto).
mod support {
    pub(crate) use twinscope_testkit::*;
}

/// The shared mosquitto helper.
mod mosquitto {
    pub(crate) use twinscope_testkit::mosquitto::*;
}
