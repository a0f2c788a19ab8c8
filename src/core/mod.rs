//! The plain-Rust core: scene model, signals, rules and the demo simulator.
//!
//! Nothing here depends on Bevy, so it is unit-tested directly and reused by the headless
//! commands (`check`, `gen-plant`, later `record` and `scenario run`).

pub mod alarms;
pub mod anomaly;
pub mod cursor;
pub mod derived;
pub mod forecast;
pub mod freshness;
pub mod health;
pub mod history;
pub mod motion;
pub mod risk;
pub mod rules;
pub mod scenario;
pub mod scene;
pub mod signal;
pub mod sim;
pub mod store;
pub mod topics;
pub mod validation;

pub use signal::{Sample, SignalId, Timestamp};
