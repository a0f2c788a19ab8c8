#!/usr/bin/env bash
# The whole test suite: system packages, every Rust test (including the screenshot test under
# Xvfb + llvmpipe and the real-broker tests), and the Khronos glTF Validator on the demo plant.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --locked "$@"
bash scripts/validate-gltf.sh assets/plants/demo_plant.glb
