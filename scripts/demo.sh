#!/usr/bin/env bash
# Installs what twinscope needs (once) and opens the live demo plant.
# Extra arguments go to twinscope, e.g. `scripts/demo.sh scenes/demo_plant.toml --seed 7`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec cargo run --locked -- "$@"
