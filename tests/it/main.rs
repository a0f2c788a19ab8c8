//! twinscope's integration tests: one binary (one Bevy link) with a module per area.

mod cli;
mod headless;
mod ingest;
mod mqtt;
mod picking;
mod plantgen;
mod screenshot;
mod support;
