# Sourced by the run and test scripts: where setup.sh put the engines and voices.
# Every value can be overridden from the caller's environment.
TTS_ROOT=${TTS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TTS_LOCAL_DIR=${TTS_LOCAL_DIR:-$TTS_ROOT/.local}
export ORT_DYLIB_PATH=${ORT_DYLIB_PATH:-$TTS_LOCAL_DIR/lib/libonnxruntime.so}
export PIPER_VOICES_DIR=${PIPER_VOICES_DIR:-$TTS_LOCAL_DIR/voices}
export UI_DIR=${UI_DIR:-$TTS_ROOT/frontend/dist}
