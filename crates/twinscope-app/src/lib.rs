//! twinscope's app: thin Bevy plugins over `twinscope-core`, fed by `twinscope-sources`.
//!
//! One folder per domain, named like its core twin, each owning its systems, panel and
//! overlay. `pipeline` owns the stage order and the resources stages hand each other; the
//! modules are layered so that none reaches up (see the README's Layout section):
//!
//! - base: `pipeline`, `ingest`, `widgets`;
//! - the plant and its sources: `plant`, `sources`, `recording`;
//! - navigation: `camera` (with the selection), `timeline`, `motion`;
//! - evaluation: `forecast`, `rules`, `alarms`, `health`, `scenario`, then `risk`;
//! - presentation: `view` (materials, badges), `ui` (the panel shell), `capture`;
//! - [`app`] builds the viewer from all of them; it is the crate's only public module.

mod alarms;
pub mod app;
mod camera;
mod capture;
mod forecast;
mod health;
mod ingest;
mod motion;
mod pipeline;
mod plant;
mod recording;
mod risk;
mod rules;
mod scenario;
mod sources;
mod timeline;
mod ui;
mod view;
mod widgets;

#[cfg(test)]
mod tests;
