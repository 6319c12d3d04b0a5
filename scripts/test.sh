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

step "official SDKs against the release gateway (tests/sdk, pytest)"
"$TTS_LOCAL_DIR/sdk-venv/bin/pytest" -q tests/sdk

if [ -f frontend/package.json ]; then
  step "frontend: typecheck and unit tests"
  (cd frontend && npm test --silent)
  step "frontend: end-to-end tests in headless Chromium"
  (cd frontend && TTS_GATEWAY_BIN="$PWD/../target/release/tts-gateway" npm run e2e --silent)
fi
