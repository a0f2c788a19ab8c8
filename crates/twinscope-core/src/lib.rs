//! twinscope's core: the plant model and every algorithm, with no Bevy in its dependency tree.
//!
//! Scene files ([`scene`]), signals and their history ([`signal`], [`history`], [`store`]), the
//! time cursor ([`cursor`]), topics and payloads ([`topics`]), and the evaluation the viewer
//! shows: colour rules ([`rules`]), alarms, sensor health, derived signals, forecasts, anomaly
//! detection, validation, risk and what-if scenarios. Recordings ([`recording`]), historian CSV
//! import ([`csv_import`]), plant generation ([`plantgen`]), the demo simulator ([`demo`]) and
//! backtesting ([`analyze`]) live here too, so every headless command runs without a window.
//! Everything is unit-tested directly, without an app.

pub mod alarms;
pub mod analyze;
pub mod anomaly;
pub mod csv_import;
pub mod cursor;
pub mod demo;
pub mod derived;
pub mod forecast;
pub mod freshness;
pub mod fuzz;
pub mod health;
pub mod history;
pub mod motion;
pub mod plantgen;
pub mod recording;
pub mod risk;
pub mod rules;
pub mod scenario;
pub mod scene;
pub mod signal;
pub mod store;
pub mod text;
pub mod theme;
pub mod topics;
pub mod validation;

pub use signal::{Sample, SignalId, Timestamp};
