//! The shared mosquitto helper.

pub use twinscope_testkit::mosquitto::*;
