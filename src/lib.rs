//! twinscope: a desktop 3D digital twin. Plant layouts come as glTF, scene files bind plant
//! assets to signals, and sources feed live values through one ingest path.
//!
//! Data flows one way: [`sources`] → [`ingest`] → history → [`timeline`] (the time cursor) →
//! [`evaluation`] → [`view`] and [`ui`]. The [`core`] has no Bevy types and is tested directly;
//! the other modules are thin Bevy plugins over it, ordered by [`schedule::TwinscopeSystems`].

pub mod analyze;
pub mod app;
pub mod capture;
pub mod commands;
pub mod core;
pub mod evaluation;
pub mod forecast;
pub mod ingest;
pub mod plant;
pub mod plantgen;
pub mod recording;
pub mod scenario;
pub mod schedule;
pub mod sources;
pub mod timeline;
pub mod ui;
pub mod view;
