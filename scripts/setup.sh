#!/usr/bin/env bash
# Installs the Debian packages twinscope needs to build, render and test.
# Idempotent: packages already present are skipped, so it is cheap to run every time.
set -euo pipefail

PACKAGES=(
  pkg-config
  libudev-dev        # gilrs/input device discovery in winit
  libwayland-dev
  libxkbcommon-dev
  libxkbcommon-x11-0
  libx11-dev
  libxcursor1
  libxrandr2
  libxi6
  libvulkan1
  mesa-vulkan-drivers # llvmpipe: renders the real window on CPU
  xvfb                # virtual X server for screenshots and the screenshot test
  xauth
  xdotool             # drives real mouse clicks in the picking test
  mosquitto           # real broker for MQTT tests
  mosquitto-clients
)

# The MCAP reference reader (Python's `mcap`), which the recording tests check our files with.
if command -v python3 >/dev/null 2>&1; then
  if ! python3 -c "import mcap.reader" 2>/dev/null; then
    echo "setup: installing the Python mcap package"
    python3 -m pip install -q mcap 2>/dev/null \
      || python3 -m pip install -q --break-system-packages mcap \
      || echo "setup: could not install Python's mcap; the recording tests will say so"
  fi
else
  echo "setup: python3 not found; the recording tests need it with the mcap package"
fi

# Foxglove's TypeScript MCAP reader (@mcap/core's McapIndexedReader), which the Foxglove test
# checks our files with: pinned in tools/mcap-ts/package-lock.json, installed again only when
# node_modules is missing or older than the lock file.
MCAP_TS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/mcap-ts"
if command -v npm >/dev/null 2>&1; then
  if [ ! -f "$MCAP_TS/node_modules/.package-lock.json" ] \
    || [ "$MCAP_TS/package-lock.json" -nt "$MCAP_TS/node_modules/.package-lock.json" ]; then
    echo "setup: installing tools/mcap-ts (npm ci)"
    (cd "$MCAP_TS" && npm ci --no-audit --no-fund </dev/null) \
      || echo "setup: npm ci failed in tools/mcap-ts; the Foxglove reader test will say so"
  fi
else
  echo "setup: npm not found; the Foxglove reader test needs node and npm (node 20)"
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all system packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
