#!/usr/bin/env bash
# The soak test (not in CI; README "Soak test"): `twinscope record` on a real mosquitto for an
# hour while ten demo publishers send ten times the demo's rate at QoS 1, and the broker is
# stopped for OUTAGE_S seconds every KILL_EVERY_S seconds. Afterwards it checks that memory
# levelled off, that every outage is in the recording, and that no published message is missing.
#
#   scripts/soak.sh [MINUTES]        (default 60; figures go to stdout and $SOAK_DIR/report.txt)
#
# Needs a built twinscope (cargo build) and scripts/setup.sh's mosquitto and Python mcap.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES="${1:-60}"
KILL_EVERY_S="${KILL_EVERY_S:-600}"
OUTAGE_S="${OUTAGE_S:-15}"
PUBLISHERS="${PUBLISHERS:-10}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
SOAK_DIR="${SOAK_DIR:-$(mktemp -d /tmp/twinscope-soak.XXXXXX)}"
mkdir -p "$SOAK_DIR"
# A copy, so rebuilding meanwhile does not change what runs.
cp "$TARGET_DIR/debug/twinscope" "$SOAK_DIR/twinscope"
BIN="$SOAK_DIR/twinscope"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="mqtt://127.0.0.1:$PORT"

# Persistence keeps the recorder's session and its queued QoS 1 messages across a restart;
# no queue limit, so the broker itself drops nothing while the recorder reconnects. Started as
# root, mosquitto drops to its own user, so its database folder must be writable by anyone.
mkdir -p "$SOAK_DIR/broker-db"
chmod 1777 "$SOAK_DIR/broker-db"
cat >"$SOAK_DIR/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $SOAK_DIR/broker-db/
max_queued_messages 0
EOF

start_broker() {
  mosquitto -c "$SOAK_DIR/mosquitto.conf" >>"$SOAK_DIR/broker.log" 2>&1 &
  echo $! >"$SOAK_DIR/broker.pid"
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "soak: mosquitto did not start" >&2
  exit 1
}
stop_broker() {
  local pid
  pid="$(cat "$SOAK_DIR/broker.pid")"
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
cleanup() {
  kill "${PUBS[@]:-}" "${REC:-}" 2>/dev/null || true
  [ -f "$SOAK_DIR/broker.pid" ] && kill "$(cat "$SOAK_DIR/broker.pid")" 2>/dev/null || true
}
trap cleanup EXIT

start_broker
"$BIN" record scenes/demo_plant.toml --mqtt "$URL" --client-id twinscope-soak-recorder \
  --persistent-session --out "$SOAK_DIR/soak.mcap" --force \
  >"$SOAK_DIR/record.out" 2>"$SOAK_DIR/record.err" &
REC=$!
sleep 3
PUBS=()
for i in $(seq 1 "$PUBLISHERS"); do
  "$BIN" publish-demo --broker "$URL" --seed "$i" --duration $((MINUTES * 60)) \
    >"$SOAK_DIR/publisher-$i.out" 2>"$SOAK_DIR/publisher-$i.err" &
  PUBS+=($!)
done

echo "elapsed_s,recorder_rss_kib,broker_rss_kib" >"$SOAK_DIR/rss.csv"
START=$(date +%s)
NEXT_KILL=$((START + KILL_EVERY_S))
OUTAGES=0
echo "soak: $MINUTES min, $PUBLISHERS publishers, broker stopped ${OUTAGE_S}s every ${KILL_EVERY_S}s; files in $SOAK_DIR"
while kill -0 "${PUBS[0]}" 2>/dev/null; do
  NOW=$(date +%s)
  if [ "$NOW" -ge "$NEXT_KILL" ] && [ "$NOW" -lt $((START + MINUTES * 60 - 60)) ]; then
    echo "soak: $((NOW - START)) s: stopping the broker for ${OUTAGE_S} s"
    stop_broker
    sleep "$OUTAGE_S"
    start_broker
    OUTAGES=$((OUTAGES + 1))
    NEXT_KILL=$((NEXT_KILL + KILL_EVERY_S))
  fi
  echo "$((NOW - START)),$(rss_kib "$REC"),$(rss_kib "$(cat "$SOAK_DIR/broker.pid")")" >>"$SOAK_DIR/rss.csv"
  sleep 10
done
wait "${PUBS[@]}" || true
# Let the recorder drain what the broker still holds, then stop it as an operator would.
sleep 20
kill -INT "$REC"
wait "$REC" || true

PUBLISHED=$(cat "$SOAK_DIR"/publisher-*.out | awk '/^published/ { n += $2 } END { print n + 0 }')
"$BIN" info "$SOAK_DIR/soak.mcap" >"$SOAK_DIR/info.txt" || true
python3 - "$SOAK_DIR" "$PUBLISHED" "$OUTAGES" <<'PY' | tee "$SOAK_DIR/report.txt"
import csv, sys
from mcap.reader import make_reader

soak_dir, published, outages = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
unique, total, link_events = set(), 0, []
with open(f"{soak_dir}/soak.mcap", "rb") as f:
    for schema, channel, message in make_reader(f).iter_messages():
        if channel.topic == "/twinscope/link":
            link_events.append(message.data.decode())
            continue
        total += 1
        unique.add((channel.topic, message.publish_time, message.data))
rows = list(csv.DictReader(open(f"{soak_dir}/rss.csv")))
def rss_at(fraction):
    row = rows[min(len(rows) - 1, int(len(rows) * fraction))]
    return int(row["recorder_rss_kib"]) / 1024
lost = sum(1 for e in link_events if '"connected":false' in e)
print(f"published (acknowledged or queued by the publishers): {published}")
print(f"recorded: {total} samples, {len(unique)} distinct ({total - len(unique)} QoS 1 duplicates)")
print(f"missing: {max(0, published - len(unique))}")
print(f"broker outages: {outages}; in the recording's link channel: {lost}")
print("recorder RSS (MiB) at 10/25/50/75/100 % of the run: "
      + ", ".join(f"{rss_at(f):.1f}" for f in (0.1, 0.25, 0.5, 0.75, 1.0)))
print(f"recorder RSS peak: {max(int(r['recorder_rss_kib']) for r in rows) / 1024:.1f} MiB")
PY
grep -E "^link:|^  disconnected" "$SOAK_DIR/info.txt" | tee -a "$SOAK_DIR/report.txt"
if grep -q "Error saving" "$SOAK_DIR/broker.log"; then
  echo "soak: the broker could not save its database (broker.log): sessions were lost with it" \
    | tee -a "$SOAK_DIR/report.txt"
fi
tail -n 12 "$SOAK_DIR/record.out" | tee -a "$SOAK_DIR/report.txt"
