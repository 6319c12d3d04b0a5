#!/usr/bin/env bash
# Issue 12's gateway benchmarks, two gateway builds in the same run (A, then B, for each
# case, so that load on the machine falls on both alike):
#   - opus at 48 kHz from mock_tone (16 kHz engine): sessions/s at concurrency 8;
#   - Piper: first audio of one 56-word sentence and of a 12-word sentence (one stream);
#   - Piper: 3-sentence paragraphs at concurrency 4 and 8: first audio p50/p99, and whether
#     every stream stayed ahead of real time (tts-bench's real-time check, pcm16).
# The gateway and ONNX Runtime's threads run on core 0 (re-pinned with taskset -a -p),
# tts-bench on core 1, Piper with PIPER_MAX_CONCURRENT=1 and one intra-op thread.
#
#   scripts/bench/first_audio.sh A_GATEWAY B_GATEWAY TTS_BENCH [OUT_DIR]
#
# Prints one summary line per case and build; the full reports are in OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
a=$1 b=$2 bench=$3 out=${4:-/tmp/first-audio-bench}
mkdir -p "$out"
export UI_DIR= RUST_LOG=warn RATE_LIMIT_MAX_REQUESTS_PER_WINDOW=100000000 COQUI_ENABLED=0 \
    PIPER_MAX_CONCURRENT=1 PIPER_INTRA_OP_THREADS=1 HOST=127.0.0.1

LONG="the travellers who had waited for hours on the cold platform gathered their bags and \
coats and climbed aboard without a word hoping that the long journey through the mountains \
would be quicker than the last one and that the heating in the old carriages would work this \
time so that nobody would have to sleep in a coat again."
SHORT="Please hold while we connect your call to the next available agent."
PARAGRAPH="Thank you for calling the city library. Our opening hours this week are nine \
to five on weekdays, and ten to two on Saturday. If you would like to renew a book, please \
have your card number ready."

pids=()
start() { # BINARY PORT
    PORT=$2 taskset -c 0 "$1" >"$out/gateway-$2.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break
        sleep 0.1
    done
    taskset -a -p -c 0 "$!" >/dev/null
}
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT

bench_case() { # NAME tts-bench args... : build A, then build B
    local name=$1
    shift
    for build in A B; do
        local port=18121 pid=${pids[0]}
        [ "$build" = B ] && port=18122 pid=${pids[1]}
        taskset -c 1 "$bench" --url "http://127.0.0.1:$port" --pid "$pid" --quiet "$@" \
            >"$out/$name-$build.txt" 2>&1 || true
        echo "$name [$build]: $(grep -h '^summary:' "$out/$name-$build.txt" || tail -n 3 "$out/$name-$build.txt")"
    done
}

start "$a" 18121
start "$b" 18122
piper=(--provider piper --voice en_US-joe-medium -f pcm16 -r 22050)
bench_case opus48k -f opus -r 48000 --audio-secs-per-session 4.1 --sessions 1000 --warmup 100 \
    --concurrency 8
bench_case piper-56-words "${piper[@]}" --text "$LONG" --sessions 10 --warmup 2 --concurrency 1
bench_case piper-12-words "${piper[@]}" --text "$SHORT" --sessions 20 --warmup 2 --concurrency 1
bench_case piper-paragraph-c4 "${piper[@]}" --text "$PARAGRAPH" --sessions 40 --warmup 4 --concurrency 4
bench_case piper-paragraph-c8 "${piper[@]}" --text "$PARAGRAPH" --sessions 48 --warmup 8 --concurrency 8
