#!/usr/bin/env bash
# Validates glTF/GLB files with the Khronos glTF Validator (zero errors required).
# Installs the pinned validator into .tools/ on first use (idempotent; needs node and npm),
# then validates each argument; with no arguments, the bundled demo plant.
# Usage: scripts/validate-gltf.sh [FILE...]
set -euo pipefail

VALIDATOR_VERSION="2.0.0-dev.3.10"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
PKG="$TOOLS/node_modules/gltf-validator/package.json"

installed=""
if [ -f "$PKG" ]; then
  installed="$(node -e 'console.log(require(process.argv[1]).version)' "$PKG")"
fi
if [ "$installed" != "$VALIDATOR_VERSION" ]; then
  echo "validate-gltf: installing gltf-validator@$VALIDATOR_VERSION into $TOOLS" >&2
  mkdir -p "$TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" "gltf-validator@$VALIDATOR_VERSION" >&2
fi

if [ "$#" -eq 0 ]; then
  set -- "$ROOT/assets/plants/demo_plant.glb"
fi
exec node "$ROOT/scripts/validate-gltf.mjs" "$@"
