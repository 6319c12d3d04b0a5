#!/usr/bin/env bash
# The README's first command: set up everything, then run the gateway with the web UI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
exec target/release/tts-gateway
