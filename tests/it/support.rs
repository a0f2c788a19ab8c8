//! Helpers for the binary's tests: the shared kit, plus running the built `twinscope`.

use std::process::{Command, Output};
pub use twinscope_testkit::*;

/// Runs the built `twinscope` binary with arguments, from the repository root.
pub fn twinscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_twinscope"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("the twinscope binary runs")
}
