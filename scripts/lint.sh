#!/usr/bin/env bash
# Format, clippy and rustdoc over the whole workspace, warnings denied (the lint levels are in
# the root Cargo.toml's [workspace.lints]). CI runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
