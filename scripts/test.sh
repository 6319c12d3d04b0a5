#!/usr/bin/env bash
# The README's second command: installs what the tests need (scripts/setup.sh), then
# runs every check: formatting, clippy, all Rust tests (unit, integration, the real
# engines, Redis), the official client SDKs against the gateway (tests/sdk), the
# frontend's unit tests and its end-to-end tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "cargo test"
cargo test --workspace --quiet 2>&1 | tee /tmp/tts-cargo-test.log
grep -q "test result" /tmp/tts-cargo-test.log

# The soak harness for a minute (docs/RELIABILITY.md): two release gateways sharing a
# Redis, mixed and abusive load on every door, every fault once. It fails on a lost or
# mismatched session, a stream without its end, a leak at rest or a panic. A minute is
# too short for the allocator to settle, so memory growth is held to 25 % here; the 5 %
# target is the 30-minute run's. Piper runs too: a completion Redis could not record is
# kept and retried, never synthesised again, so its /file matches (docs/RELIABILITY.md).
step "soak: 60 s of load with faults (tts-soak)"
BIN="${CARGO_TARGET_DIR:-target}/release"
"$BIN/tts-soak" --duration 60 --warmup 20 --rss-limit-pct 25 \
  --gateway-bin "$BIN/tts-gateway" --out-dir "${CARGO_TARGET_DIR:-target}/soak"

step "official SDKs against the release gateway (tests/sdk, pytest)"
"$TTS_LOCAL_DIR/sdk-venv/bin/pytest" -q tests/sdk

if [ -f frontend/package.json ]; then
  step "frontend: typecheck and unit tests"
  (cd frontend && npm test --silent)
  step "frontend: end-to-end tests in headless Chromium"
  (cd frontend && TTS_GATEWAY_BIN="$PWD/../target/release/tts-gateway" npm run e2e --silent)
fi
