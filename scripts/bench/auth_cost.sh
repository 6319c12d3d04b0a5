#!/usr/bin/env bash
# The cost of API keys on mock_tone throughput: one gateway with keys off and one with
# keys on (100 keys in the file, the benchmark's key last, with sessions/streams/chars
# limits set high enough never to refuse, so every check and count runs), both pinned to
# core 0 and loaded one at a time, in alternating pairs; tts-bench on core 1.
# Usage: scripts/bench/auth_cost.sh [pairs] [sessions]   (release binaries in $TARGET)
set -euo pipefail
PAIRS=${1:-4}
SESSIONS=${2:-5000}
TARGET=${TARGET:-${CARGO_TARGET_DIR:-target}/release}
DIR=$(mktemp -d)
trap 'kill $OFF_PID $ON_PID 2>/dev/null || true; rm -rf "$DIR"' EXIT

KEY=tgk_bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
for i in $(seq 1 99); do
  printf 'other%s %s\n' "$i" "$(printf 'tgk_other-%s' "$i" | sha256sum | cut -d' ' -f1)"
done > "$DIR/keys"
printf 'bench %s sessions=100000000 streams=1000 chars=100000000000\n' \
  "$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)" >> "$DIR/keys"

start() { # port, extra env...
  local port=$1; shift
  env HOST=127.0.0.1 PORT="$port" UI_DIR= RUST_LOG=warn RATE_LIMIT_MAX_REQUESTS_PER_WINDOW=100000000 \
    ESPEAK_ENABLED=0 PIPER_ENABLED=0 COQUI_ENABLED=0 "$@" \
    taskset -c 0 "$TARGET/tts-gateway" > "$DIR/gw-$port.log" 2>&1 &
  echo $!
}
OFF_PID=$(start 18181)
ON_PID=$(start 18182 API_KEYS_FILE="$DIR/keys")
for port in 18181 18182; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
done

bench() { # port, pid, extra args...
  local port=$1 pid=$2; shift 2
  taskset -c 1 "$TARGET/tts-bench" --url "http://127.0.0.1:$port" --pid "$pid" \
    --sessions "$SESSIONS" --warmup 500 --concurrency 50 --quiet --json "$@" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["sessions_per_sec"], r.get("server",{}).get("cpu_ms_per_session","?"))'
}
echo "pair  keys-off/s  keys-on/s  cost  (server CPU ms/session off, on)"
for p in $(seq 1 "$PAIRS"); do
  read -r off off_cpu < <(bench 18181 "$OFF_PID")
  read -r on on_cpu < <(bench 18182 "$ON_PID" --api-key "$KEY")
  python3 -c "import sys; off,on=float(sys.argv[2]),float(sys.argv[3]); print(f'{sys.argv[1]:>4}  {off:10.0f}  {on:9.0f}  {100*(off-on)/off:4.1f} %  ({sys.argv[4]}, {sys.argv[5]})')" \
    "$p" "$off" "$on" "$off_cpu" "$on_cpu"
done
